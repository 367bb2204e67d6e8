//! Fault runs: what an implementation does when a producer panics in the
//! middle of a batch, a consumer leaves or panics, or the cancel token is
//! set while producers wait for room.
//!
//! A fault run is small and runs on real threads: a queue of 8 slots (or
//! the implementation's smallest), batches of [`BATCH`], a few thousand
//! 8-byte messages, waits that spin and then yield, and a watchdog. Each
//! producer numbers its messages `0, 1, 2, ...` as in every other run;
//! each consumer records what it receives in an oracle [`Tally`], and the
//! oracle's [`problems`](crate::oracle::problems) judge loss, duplication
//! and order per producer. A batch whose publish failed (a panic in the
//! callback, `Disconnected`, `Cancelled`) may have delivered a prefix of
//! the messages written before it failed, and nothing after that prefix:
//! the expected count of each producer is what its publishes returned
//! `Ok` for, plus at most that prefix.
//!
//! The faults ([`Fault`]), with consumer 0 the one that leaves or panics:
//!
//! - `producer_panic`: producer 0's callback panics on message
//!   [`PANIC_AT`] of the batch halfway through its share; its thread
//!   catches the panic and drops the producer. Every other message
//!   published must arrive once, in order, and every consumer must then
//!   see `Closed`.
//! - `producer_panic_continues`: as `producer_panic`, but the thread goes
//!   on publishing the rest of producer 0's share with the same producer
//!   (which must stay usable). Those messages are tagged with a producer
//!   index of their own, numbered from 0, and checked as a stream of
//!   their own: a slot of the broken batch handed to consumers with what
//!   it held from an earlier lap shows as duplicated or out of order.
//! - `consumer_dropped`: consumer 0 drops its endpoint after its first
//!   [`CONSUMER_LEAVES_AFTER`] messages. Where it was the only consumer
//!   (`spsc`, `mpsc`) or a stage every message passes (`pipeline`,
//!   `diamond`), producers must get `Disconnected` when they would wait
//!   for room, and the remaining consumers must see `Closed` after what
//!   was ready. Elsewhere the others must receive everything: a worker
//!   pool's other workers take over what the one that left had claimed,
//!   and a fan-out's others stop being held back by it. A work-sharing
//!   consumer that takes a whole batch at a time (the `*_vec` channels)
//!   may take the rest of the batch it held with it.
//! - `consumer_panic`: as `consumer_dropped`, but consumer 0's handler
//!   panics on its next message, inside `consume_batch`; the thread
//!   catches the panic and drops the endpoint. The message handed to the
//!   panicking handler counts as delivered to it, so a design that hands
//!   it (or the rest of that batch) to another consumer as well shows as
//!   `duplicated`.
//! - `cancel_mid_claim`: consumers wait before their first call until
//!   producers have stopped making progress (blocked on the full queue),
//!   then the token is set: the blocked publishes return `Cancelled` and
//!   the producers drop their endpoints. Once every producer has ended,
//!   consumers start and drain, treating `Idle` as "nothing yet" (the
//!   token stays set), until `Closed` or the deadline. Everything
//!   published `Ok` must arrive, and no claim given up may leave a gap
//!   that keeps consumers from `Closed`.
//!
//! [`FaultOutcome`] says what happened, worst first: threads abandoned,
//! an unexpected panic, consumers that never saw `Closed`, threads that
//! needed the watchdog, lost, duplicated, reordered or corrupted
//! messages, producers disconnected, and otherwise recovered.

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::panic::{self, AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Once};
use std::thread;
use std::time::{Duration, Instant};

use impls::{
    Batching, Cancel, Consumed, Consumer, Info, Message, Msg8, Producer, PublishError, Queue,
    QueueConfig, Roster, Topology, Visitor, WaitStrategy,
};
pub use scenarios::Fault;
use scenarios::FaultScenario;
use serde::Serialize;

use crate::oracle::{self, Expected, Problem, Tally};
use crate::runner::{panic_message, quotas};

/// Schema identifier of a fault scenario's results file.
pub const SCHEMA: &str = "ringlab.faults/1";

/// Queue capacity of a fault run (raised to the implementation's smallest
/// where that is more): small, so that producers wait for room often.
pub const CAPACITY: usize = 8;
/// Messages per publish, and most messages per consume.
pub const BATCH: usize = 4;
/// Index, within its batch, of the message whose callback panics in
/// `producer_panic` (the second).
pub const PANIC_AT: usize = 1;
/// Messages consumer 0 handles before it leaves (`consumer_dropped`) or
/// before its handler panics (`consumer_panic`, on the next one).
pub const CONSUMER_LEAVES_AFTER: u64 = 100;
/// How waiting threads wait: spin, then yield, so that more threads than
/// cores still make progress.
pub const WAIT: WaitStrategy = WaitStrategy::SpinYield;
/// How long threads get, after the watchdog sets the cancel token, before
/// they are abandoned.
pub const GRACE: Duration = Duration::from_secs(2);
/// `cancel_mid_claim`: producers count as blocked once no message has been
/// written for this long.
const SETTLED: Duration = Duration::from_millis(100);
/// How often the controlling thread looks at producers' progress.
const POLL: Duration = Duration::from_millis(10);
/// Names of fault-run threads start with this; the panic hook knows them.
const THREAD_PREFIX: &str = "fault-";

/// One fault run: which fault, on which topology, with how many threads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FaultSpec {
    /// The fault injected.
    pub fault: Fault,
    /// Which threads talk to which.
    pub topology: Topology,
    /// Producer threads.
    pub producers: usize,
    /// Consumer threads.
    pub consumers: usize,
    /// Queue capacity, in messages.
    pub capacity: usize,
    /// Messages per publish, and most per consume.
    pub batch: usize,
    /// Messages the producers mean to publish, over all of them.
    pub messages: u64,
    /// Whether a consumer takes a whole batch at a time off the queue (the
    /// `*_vec` channels): a work-sharing consumer that leaves may then take
    /// the rest of the batch it held with it.
    pub takes_batches_whole: bool,
    /// Watchdog deadline, from the start of the run.
    #[serde(rename = "timeout_secs", serialize_with = "seconds")]
    pub timeout: Duration,
}

fn seconds<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(duration.as_secs_f64())
}

impl FaultSpec {
    /// The run of `fault` on `topology` for the implementation `info`
    /// describes, or `None` when it cannot run the topology. Two producers
    /// (one for `spsc` and single-producer implementations); one consumer
    /// for `spsc` and `mpsc`, two for the MPMC topologies, three stages
    /// for `pipeline` and `diamond`.
    pub fn new(
        info: &Info,
        fault: Fault,
        topology: Topology,
        messages: u64,
        timeout: Duration,
    ) -> Option<FaultSpec> {
        if !info.supports(topology) {
            return None;
        }
        let producers =
            if topology == Topology::Spsc || info.single_producer || info.max_producers < 2 {
                1
            } else {
                2
            };
        let consumers = match topology {
            Topology::Spsc | Topology::Mpsc => 1,
            Topology::MpmcWorkerPool | Topology::MpmcFanout => 2,
            Topology::Pipeline | Topology::Diamond => 3,
        };
        let mut capacity = CAPACITY.max(info.min_capacity).min(info.max_capacity);
        if info.capacity_power_of_two {
            capacity = capacity.next_power_of_two();
        }
        Some(FaultSpec {
            fault,
            topology,
            producers,
            consumers,
            capacity,
            batch: BATCH,
            messages,
            takes_batches_whole: info.batching == Batching::VecPerBatch,
            timeout,
        })
    }

    /// What the contract asks of this run.
    pub fn expectation(&self) -> Expectation {
        if self.leaves_no_full_reader() {
            Expectation::Disconnected
        } else {
            Expectation::Recovered
        }
    }

    /// Whether producer 0's callback panics.
    fn producer_fault(&self) -> bool {
        matches!(
            self.fault,
            Fault::ProducerPanic | Fault::ProducerPanicContinues
        )
    }

    /// The producer indices messages are tagged with: one per producer,
    /// and one more for what producer 0 publishes after its panic in
    /// `producer_panic_continues`.
    pub fn streams(&self) -> usize {
        self.producers + usize::from(self.fault == Fault::ProducerPanicContinues)
    }

    /// Whether consumer 0 leaves or panics.
    fn consumer_fault(&self) -> bool {
        matches!(self.fault, Fault::ConsumerDropped | Fault::ConsumerPanic)
    }

    /// Whether the consumer that leaves was the only one, or a stage every
    /// message must pass: then nobody is left who could receive
    /// everything, and producers are to be told `Disconnected`.
    fn leaves_no_full_reader(&self) -> bool {
        self.consumer_fault()
            && matches!(
                self.topology,
                Topology::Spsc | Topology::Mpsc | Topology::Pipeline | Topology::Diamond
            )
    }
}

/// What the contract asks of a fault run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expectation {
    /// Every message published `Ok` delivered once, in order, to every
    /// consumer that should have it, and `Closed` seen by every consumer
    /// still there.
    Recovered,
    /// Producers told `Disconnected` when they would wait for room; the
    /// consumers still there see a gapless prefix of each producer's
    /// messages, in order, and then `Closed`.
    Disconnected,
}

/// What happened in a fault run, the worst finding first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultOutcome {
    /// The contract held: everything expected arrived once, in order, and
    /// `Closed` was seen.
    Recovered,
    /// Producers got `Disconnected`; everything the consumers still there
    /// received was in order and none of it was lost or duplicated.
    Disconnected {
        /// Whether that is what the contract asks for this fault and
        /// topology (the only consumer, or a stage every message passes,
        /// was gone).
        expected: bool,
    },
    /// Messages published `Ok` (or owed to a consumer that stayed) that
    /// never arrived.
    Lost {
        /// How many.
        messages: u64,
    },
    /// Deliveries beyond those published.
    Duplicated {
        /// How many too many.
        messages: u64,
    },
    /// Messages that arrived below a sequence already seen from their
    /// producer.
    OutOfOrder {
        /// How many.
        messages: u64,
    },
    /// Messages that are not what any producer wrote.
    Corrupted {
        /// How many (at least).
        messages: u64,
    },
    /// As [`FaultOutcome::Recovered`], but for the rest of the batch the
    /// departing consumer held, which went with it: what the contract
    /// allows a consumer that takes a whole batch at a time (the `*_vec`
    /// channels) in work-sharing.
    WentWithConsumer {
        /// Messages that went with it.
        messages: u64,
    },
    /// Consumers still short of `Closed` at the deadline, while messages
    /// published were still owed to them or every producer was gone.
    NoClosed {
        /// How many consumers.
        consumers: usize,
    },
    /// Threads still running at the deadline. `abandoned` did not finish
    /// even after the cancel token and a grace period, and were left
    /// running (leaked); 0 means the watchdog's cancel ended them all.
    Hung {
        /// Threads left running.
        abandoned: usize,
    },
    /// A panic other than the injected one.
    Panicked {
        /// Its message, and where it was raised.
        message: String,
    },
    /// The queue could not be built.
    BuildFailed {
        /// What the implementation said.
        error: String,
    },
}

impl fmt::Display for FaultOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultOutcome::Recovered => f.write_str("recovered"),
            FaultOutcome::Disconnected { expected: true } => f.write_str("disconnected (expected)"),
            FaultOutcome::Disconnected { expected: false } => {
                f.write_str("disconnected (unexpected)")
            }
            FaultOutcome::Lost { messages } => write!(f, "lost {messages}"),
            FaultOutcome::Duplicated { messages } => write!(f, "duplicated {messages}"),
            FaultOutcome::OutOfOrder { messages } => write!(f, "out of order {messages}"),
            FaultOutcome::Corrupted { messages } => write!(f, "corrupted {messages}"),
            FaultOutcome::WentWithConsumer { messages } => {
                write!(f, "lost {messages} with its batch")
            }
            FaultOutcome::NoClosed { .. } => f.write_str("no Closed"),
            FaultOutcome::Hung { abandoned: 0 } => f.write_str("hung"),
            FaultOutcome::Hung { abandoned: 1 } => f.write_str("hung, 1 thread abandoned"),
            FaultOutcome::Hung { abandoned } => write!(f, "hung, {abandoned} threads abandoned"),
            FaultOutcome::Panicked { message } => write!(f, "panicked: {message}"),
            FaultOutcome::BuildFailed { error } => write!(f, "build error: {error}"),
        }
    }
}

/// How a producer thread ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProducerEnd {
    /// Published its whole share.
    Finished,
    /// A publish returned `Disconnected`.
    Disconnected,
    /// A publish returned `Cancelled`.
    Cancelled,
    /// Its injected panic was caught, and the producer dropped.
    InjectedPanic,
    /// A panic other than the injected one.
    Panicked {
        /// Its message, and where it was raised.
        message: String,
    },
    /// Still running when the run was given up on.
    Abandoned,
}

/// How a consumer thread ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConsumerEnd {
    /// Saw `Closed`.
    Closed,
    /// Stopped at the deadline without seeing `Closed`.
    NoClosed,
    /// Dropped its endpoint, as the fault planned.
    Left,
    /// Its handler's injected panic was caught, and the endpoint dropped.
    InjectedPanic,
    /// A panic other than the injected one.
    Panicked {
        /// Its message, and where it was raised.
        message: String,
    },
    /// Still running when the run was given up on.
    Abandoned,
}

/// What a producer published after its injected panic, in
/// `producer_panic_continues`. Its messages are tagged with a producer
/// index of their own (the run's producer count), numbered from 0, so the
/// oracle checks them as a stream of their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Continued {
    /// Messages whose publish returned `Ok`.
    pub published: u64,
    /// Messages written into a batch whose publish then failed.
    pub unsure: u64,
}

/// One producer thread's part in a fault run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProducerRecord {
    /// Messages whose publish returned `Ok` (up to the injected panic,
    /// for a producer that went on after it).
    pub published: u64,
    /// Messages written into the batch whose publish failed: any prefix of
    /// them may have been delivered.
    pub unsure: u64,
    /// What it published after the injected panic, if it went on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continued: Option<Continued>,
    /// How it ended.
    pub end: ProducerEnd,
    /// Whether it was still running at the deadline.
    pub past_deadline: bool,
}

/// One consumer thread's part in a fault run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConsumerRecord {
    /// Messages handed to its handler.
    pub delivered: u64,
    /// How it ended.
    pub end: ConsumerEnd,
}

/// Everything one fault run found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FaultReport {
    /// The implementation's name.
    pub implementation: String,
    /// The run.
    #[serde(flatten)]
    pub spec: FaultSpec,
    /// What the contract asks of it.
    pub expected: Expectation,
    /// What happened.
    pub outcome: FaultOutcome,
    /// `outcome` in words, as the table shows it.
    pub label: String,
    /// Whether `outcome` is what `expected` asks.
    pub met_contract: bool,
    /// Each producer thread, by index.
    pub producers: Vec<ProducerRecord>,
    /// Each consumer thread, by index.
    pub consumers: Vec<ConsumerRecord>,
    /// Everything found, in words: the oracle's problems and how threads
    /// ended where that matters.
    pub problems: Vec<String>,
    /// From building the queue to the last thread's end (or to giving up).
    pub elapsed_ms: u64,
}

impl FaultReport {
    fn new(
        implementation: &str,
        spec: &FaultSpec,
        outcome: FaultOutcome,
        producers: Vec<ProducerRecord>,
        consumers: Vec<ConsumerRecord>,
        problems: Vec<String>,
        elapsed: Duration,
    ) -> FaultReport {
        let expected = spec.expectation();
        let met_contract = match expected {
            Expectation::Recovered => matches!(
                outcome,
                FaultOutcome::Recovered | FaultOutcome::WentWithConsumer { .. }
            ),
            Expectation::Disconnected => outcome == FaultOutcome::Disconnected { expected: true },
        };
        FaultReport {
            implementation: implementation.to_owned(),
            spec: spec.clone(),
            expected,
            label: outcome.to_string(),
            outcome,
            met_contract,
            producers,
            consumers,
            problems,
            elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// Every run of `scenario`, in order: per implementation, per listed
/// topology it supports, per fault.
pub fn plan(scenario: &FaultScenario) -> Vec<(&'static str, FaultSpec)> {
    let mut runs = Vec::new();
    for info in scenario
        .implementations
        .iter()
        .filter_map(|name| scenario.known.iter().find(|info| info.name == *name))
    {
        for &topology in &scenario.topologies {
            for &fault in &scenario.faults {
                if let Some(spec) =
                    FaultSpec::new(info, fault, topology, scenario.messages, scenario.timeout)
                {
                    runs.push((info.name, spec));
                }
            }
        }
    }
    runs
}

/// Runs `spec` on the built-in implementation named `implementation`.
pub fn run(implementation: &str, spec: &FaultSpec) -> FaultReport {
    run_in::<impls::Builtin>(implementation, spec)
}

/// Runs `spec` on the implementation of roster `R` named `implementation`.
pub fn run_in<R: Roster>(implementation: &str, spec: &FaultSpec) -> FaultReport {
    struct Run<'a>(&'a FaultSpec);
    impl Visitor for Run<'_> {
        type Output = FaultReport;
        fn visit<Q: Queue>(self) -> FaultReport {
            run_queue::<Q>(self.0)
        }
    }
    R::visit(implementation, Run(spec)).unwrap_or_else(|_| {
        FaultReport::new(
            implementation,
            spec,
            FaultOutcome::BuildFailed {
                error: format!("no implementation named `{implementation}`"),
            },
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Duration::ZERO,
        )
    })
}

/// The payload of every panic a fault run injects.
struct InjectedFault;

thread_local! {
    /// The last unexpected panic on this fault-run thread, with where it
    /// was raised (the hook sees the location; `catch_unwind` does not).
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Keeps panics on fault-run threads off stderr: injected ones are
/// expected, and other ones are reported in the run's outcome, with
/// where they were raised. Panics on every other thread go to the hook
/// that was installed before.
fn quiet_panics_on_fault_threads() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let fault_thread = thread::current()
                .name()
                .is_some_and(|name| name.starts_with(THREAD_PREFIX));
            if !fault_thread {
                return previous(info);
            }
            if info.payload().is::<InjectedFault>() {
                return;
            }
            let mut message = panic_message(info.payload());
            if let Some(location) = info.location() {
                message = format!("{message} (at {location})");
            }
            LAST_PANIC.with(|last| *last.borrow_mut() = Some(message));
        }));
    });
}

/// The text of an unexpected panic caught on this thread.
fn unexpected_panic(payload: &(dyn Any + Send)) -> String {
    LAST_PANIC
        .with(|last| last.borrow_mut().take())
        .unwrap_or_else(|| panic_message(payload))
}

/// What a fault-run thread hands back when it ends.
enum Ended {
    Producer {
        index: usize,
        /// Its record, `past_deadline` left for the collector to set.
        record: ProducerRecord,
    },
    Consumer {
        index: usize,
        tally: Tally,
        delivered: u64,
        end: ConsumerEnd,
    },
}

/// How a producer's publishing stopped short of its share.
enum Stop {
    Disconnected,
    Cancelled,
    InjectedPanic,
    Panicked(String),
}

/// Publishes `count` messages tagged `(tag, 0 ..)`, `batch` at a time,
/// the batch numbered `panic_in` panicking on message [`PANIC_AT`].
/// Returns the messages published `Ok`, the messages written into a batch
/// whose publish then failed, and why it stopped, if it did.
fn publish<P: Producer<Msg8>>(
    producer: &mut P,
    tag: u16,
    count: u64,
    batch: usize,
    panic_in: Option<u64>,
    progress: &AtomicU64,
) -> (u64, u64, Option<Stop>) {
    let mut published = 0u64;
    let mut batch_index = 0u64;
    while published < count {
        let n = (count - published).min(batch as u64) as usize;
        let panics_at = (panic_in == Some(batch_index)).then_some(PANIC_AT.min(n - 1));
        let mut written = 0u64;
        let result = catch_unwind(AssertUnwindSafe(|| {
            producer.publish_batch(n, |index, message| {
                if panics_at == Some(index) {
                    panic::panic_any(InjectedFault);
                }
                message.write(tag, published + index as u64);
                written = written.max(index as u64 + 1);
                progress.fetch_add(1, Ordering::Relaxed);
            })
        }));
        let stop = match result {
            Ok(Ok(())) => {
                published += n as u64;
                batch_index += 1;
                continue;
            }
            Ok(Err(PublishError::Disconnected)) => Stop::Disconnected,
            Ok(Err(PublishError::Cancelled)) => Stop::Cancelled,
            Err(payload) if payload.is::<InjectedFault>() => Stop::InjectedPanic,
            Err(payload) => Stop::Panicked(unexpected_panic(&*payload)),
        };
        return (published, written, Some(stop));
    }
    (published, 0, None)
}

/// What a producer thread does with its share.
#[derive(Clone, Copy)]
struct Share {
    /// Messages it means to publish.
    quota: u64,
    /// Messages per publish.
    batch: usize,
    /// The batch whose callback panics, if any.
    panic_in: Option<u64>,
    /// The producer index that tags what it publishes after an injected
    /// panic, if it goes on after one.
    continue_as: Option<u16>,
}

/// Publishes producer `id`'s share (see [`Share`]), and then drops the
/// producer (closing the queue if it was the last).
fn producer_thread<P: Producer<Msg8>>(
    mut producer: P,
    id: u16,
    share: Share,
    progress: &AtomicU64,
) -> Ended {
    let (published, unsure, stop) = publish(
        &mut producer,
        id,
        share.quota,
        share.batch,
        share.panic_in,
        progress,
    );
    let mut continued = None;
    let stop = match (stop, share.continue_as) {
        (Some(Stop::InjectedPanic), Some(tag)) => {
            // The rest of the share, after the batch that panicked.
            let rest = share.quota - published - (share.quota - published).min(share.batch as u64);
            let (published, unsure, stop) =
                publish(&mut producer, tag, rest, share.batch, None, progress);
            continued = Some(Continued { published, unsure });
            stop
        }
        (stop, _) => stop,
    };
    let mut end = match stop {
        None => ProducerEnd::Finished,
        Some(Stop::Disconnected) => ProducerEnd::Disconnected,
        Some(Stop::Cancelled) => ProducerEnd::Cancelled,
        Some(Stop::InjectedPanic) => ProducerEnd::InjectedPanic,
        Some(Stop::Panicked(message)) => ProducerEnd::Panicked { message },
    };
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(producer)))
        && !matches!(end, ProducerEnd::Panicked { .. })
    {
        end = ProducerEnd::Panicked {
            message: format!(
                "while dropping the producer: {}",
                unexpected_panic(&*payload)
            ),
        };
    }
    Ended::Producer {
        index: usize::from(id),
        record: ProducerRecord {
            published,
            unsure,
            continued,
            end,
            past_deadline: false,
        },
    }
}

/// What consumer 0 does in a consumer fault.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Leave {
    /// Drops its endpoint after [`CONSUMER_LEAVES_AFTER`] messages.
    Drop,
    /// Its handler panics on the message after those.
    Panic,
}

/// Waits for `resume`, then consumes into a tally until `Closed`, the
/// deadline, or the planned departure, and drops the consumer.
fn consumer_thread<C: Consumer<Msg8>>(
    mut consumer: C,
    index: usize,
    streams: usize,
    batch: usize,
    leave: Option<Leave>,
    deadline: Instant,
    resume: &AtomicBool,
) -> Ended {
    // Acquire: nothing rides on it, but it costs nothing here.
    while !resume.load(Ordering::Acquire) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(1));
    }
    let mut tally = Tally::new(streams);
    let mut delivered = 0u64;
    let panic_on = (leave == Some(Leave::Panic)).then_some(CONSUMER_LEAVES_AFTER + 1);
    let mut end = loop {
        if leave == Some(Leave::Drop) && delivered >= CONSUMER_LEAVES_AFTER {
            break ConsumerEnd::Left;
        }
        let result = catch_unwind(AssertUnwindSafe(|| {
            consumer.consume_batch(batch, |message| {
                // Recorded before the panic: a message handed to the
                // handler counts as delivered to this consumer.
                tally.observe(message);
                delivered += 1;
                if panic_on == Some(delivered) {
                    panic::panic_any(InjectedFault);
                }
            })
        }));
        match result {
            Ok(Consumed::Items(_)) => {}
            Ok(Consumed::Closed) => break ConsumerEnd::Closed,
            Ok(Consumed::Idle) if Instant::now() >= deadline => break ConsumerEnd::NoClosed,
            // The token is set (by `cancel_mid_claim` or the watchdog):
            // nothing is available now, but more may come.
            Ok(Consumed::Idle) => thread::yield_now(),
            Err(payload) if payload.is::<InjectedFault>() => break ConsumerEnd::InjectedPanic,
            Err(payload) => {
                break ConsumerEnd::Panicked {
                    message: unexpected_panic(&*payload),
                };
            }
        }
    };
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(consumer)))
        && !matches!(end, ConsumerEnd::Panicked { .. })
    {
        end = ConsumerEnd::Panicked {
            message: format!(
                "while dropping the consumer: {}",
                unexpected_panic(&*payload)
            ),
        };
    }
    Ended::Consumer {
        index,
        tally,
        delivered,
        end,
    }
}

/// Spawns a named fault-run thread that sends what `body` returns.
fn spawn(
    name: String,
    sender: &mpsc::Sender<Ended>,
    body: impl FnOnce() -> Ended + Send + 'static,
) {
    let sender = sender.clone();
    let spawned = thread::Builder::new()
        .name(format!("{THREAD_PREFIX}{name}"))
        .spawn(move || {
            // The receiver is gone only if the run gave up on this thread.
            let _ = sender.send(body());
        });
    if let Err(error) = spawned {
        panic!("cannot spawn a fault-run thread: {error}");
    }
}

/// What the threads reported, by index; `None` for a thread abandoned.
struct Collected {
    producers: Vec<Option<ProducerRecord>>,
    consumers: Vec<Option<(Tally, ConsumerRecord)>>,
}

/// A consumer the judging reads: its index and its tally.
type Reader<'a> = (usize, &'a Tally);

/// Runs `spec` on implementation `Q`.
pub fn run_queue<Q: Queue>(spec: &FaultSpec) -> FaultReport {
    quiet_panics_on_fault_threads();
    let name = Q::info().name;
    let started = Instant::now();
    let cancel = Cancel::default();
    let cfg = QueueConfig {
        topology: spec.topology,
        producers: spec.producers,
        consumers: spec.consumers,
        capacity: spec.capacity,
        batch: spec.batch,
        wait: WAIT,
        cancel: cancel.clone(),
    };
    let failed = |outcome| {
        FaultReport::new(
            name,
            spec,
            outcome,
            Vec::new(),
            Vec::new(),
            Vec::new(),
            started.elapsed(),
        )
    };
    let endpoints = match catch_unwind(AssertUnwindSafe(|| Q::build::<Msg8>(&cfg))) {
        Ok(Ok(endpoints)) => endpoints,
        Ok(Err(error)) => {
            return failed(FaultOutcome::BuildFailed {
                error: error.to_string(),
            });
        }
        Err(payload) => {
            return failed(FaultOutcome::Panicked {
                message: format!("while building: {}", panic_message(&*payload)),
            });
        }
    };
    let deadline = started + spec.timeout;
    let resume = Arc::new(AtomicBool::new(spec.fault != Fault::CancelMidClaim));
    let progress = Arc::new(AtomicU64::new(0));
    let (sender, received) = mpsc::channel();
    let quotas = quotas(spec.messages, spec.producers);
    let producer_count = endpoints.producers.len();
    let consumer_count = endpoints.consumers.len();
    let tag = |index: usize| u16::try_from(index).expect("fault runs have at most two producers");
    for (index, (producer, quota)) in endpoints.producers.into_iter().zip(quotas).enumerate() {
        let panics = spec.producer_fault() && index == 0;
        let share = Share {
            quota,
            batch: spec.batch,
            panic_in: panics.then(|| quota.div_ceil(spec.batch as u64) / 2),
            continue_as: (panics && spec.fault == Fault::ProducerPanicContinues)
                .then(|| tag(spec.producers)),
        };
        let progress = Arc::clone(&progress);
        let id = tag(index);
        spawn(format!("producer-{index}"), &sender, move || {
            producer_thread(producer, id, share, &progress)
        });
    }
    for (index, consumer) in endpoints.consumers.into_iter().enumerate() {
        let leave = match spec.fault {
            Fault::ConsumerDropped if index == 0 => Some(Leave::Drop),
            Fault::ConsumerPanic if index == 0 => Some(Leave::Panic),
            _ => None,
        };
        let resume = Arc::clone(&resume);
        let (streams, batch) = (spec.streams(), spec.batch);
        spawn(format!("consumer-{index}"), &sender, move || {
            consumer_thread(consumer, index, streams, batch, leave, deadline, &resume)
        });
    }
    drop(sender);
    let collected = collect(
        spec,
        received,
        (producer_count, consumer_count),
        &cancel,
        &resume,
        &progress,
        started,
    );
    let elapsed = started.elapsed();
    let (outcome, problems) = classify(spec, &collected);
    let producers = collected
        .producers
        .into_iter()
        .map(|report| {
            report.unwrap_or(ProducerRecord {
                published: 0,
                unsure: 0,
                continued: None,
                end: ProducerEnd::Abandoned,
                past_deadline: true,
            })
        })
        .collect();
    let consumers = collected
        .consumers
        .into_iter()
        .map(|report| {
            report.map_or(
                ConsumerRecord {
                    delivered: 0,
                    end: ConsumerEnd::Abandoned,
                },
                |(_, record)| record,
            )
        })
        .collect();
    FaultReport::new(name, spec, outcome, producers, consumers, problems, elapsed)
}

/// Where a `cancel_mid_claim` run is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Consumers wait; producers fill the queue until they block.
    Filling,
    /// The token is set; consumers wait until every producer has ended,
    /// so that room they make cannot end a blocked publish first.
    Cancelling,
    /// Consumers run (from the start, for every other fault).
    Draining,
}

/// Waits for the threads' reports. For `cancel_mid_claim` it sets the
/// token once producers are blocked and lets consumers start once every
/// producer has ended. At the deadline it sets the token for everyone,
/// and it abandons threads still running a grace period after that.
fn collect(
    spec: &FaultSpec,
    received: mpsc::Receiver<Ended>,
    (producers, consumers): (usize, usize),
    cancel: &Cancel,
    resume: &AtomicBool,
    progress: &AtomicU64,
    started: Instant,
) -> Collected {
    let deadline = started + spec.timeout;
    let mut collected = Collected {
        producers: vec![None; producers],
        consumers: (0..consumers).map(|_| None).collect(),
    };
    let mut phase = if spec.fault == Fault::CancelMidClaim {
        Phase::Filling
    } else {
        Phase::Draining
    };
    // Release: nothing rides on it, but it pairs with the consumers' Acquire.
    let start_consumers = || resume.store(true, Ordering::Release);
    let mut producers_pending = producers;
    let mut pending = producers + consumers;
    let (mut last_progress, mut progress_since) = (u64::MAX, started);
    let mut watchdog_fired = false;
    while pending > 0 {
        let now = Instant::now();
        let wake = match phase {
            Phase::Filling => (now + POLL).min(deadline),
            _ if watchdog_fired => deadline + GRACE,
            _ => deadline,
        };
        match received.recv_timeout(wake.saturating_duration_since(now)) {
            Ok(Ended::Producer { index, mut record }) => {
                pending -= 1;
                producers_pending -= 1;
                record.past_deadline = watchdog_fired;
                collected.producers[index] = Some(record);
                if phase == Phase::Cancelling && producers_pending == 0 {
                    start_consumers();
                    phase = Phase::Draining;
                }
            }
            Ok(Ended::Consumer {
                index,
                tally,
                delivered,
                end,
            }) => {
                pending -= 1;
                collected.consumers[index] = Some((tally, ConsumerRecord { delivered, end }));
            }
            Err(RecvTimeoutError::Timeout)
                if phase == Phase::Filling && Instant::now() < deadline =>
            {
                let now = Instant::now();
                let written = progress.load(Ordering::Relaxed);
                if written != last_progress {
                    (last_progress, progress_since) = (written, now);
                } else if now.duration_since(progress_since) >= SETTLED
                    || now.duration_since(started) >= spec.timeout / 2
                {
                    cancel.cancel();
                    phase = Phase::Cancelling;
                    if producers_pending == 0 {
                        start_consumers();
                        phase = Phase::Draining;
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) if !watchdog_fired => {
                watchdog_fired = true;
                cancel.cancel();
                start_consumers();
                phase = Phase::Draining;
            }
            // The grace period is over: leave the rest running.
            Err(_) => break,
        }
    }
    collected
}

/// Judges a run from what its threads reported: the outcome, and every
/// finding in words.
fn classify(spec: &FaultSpec, collected: &Collected) -> (FaultOutcome, Vec<String>) {
    let mut notes = Vec::new();
    // Per stream (producer index in the tags): published `Ok`, and how
    // many more may have arrived.
    let mut sent: Vec<(u64, u64)> = collected
        .producers
        .iter()
        .map(|report| report.as_ref().map_or((0, 0), |r| (r.published, r.unsure)))
        .collect();
    if spec.fault == Fault::ProducerPanicContinues {
        let continued = collected
            .producers
            .first()
            .and_then(|r| r.as_ref()?.continued);
        sent.push(continued.map_or((0, 0), |c| (c.published, c.unsure)));
    }
    let tallies: Vec<Reader<'_>> = collected
        .consumers
        .iter()
        .enumerate()
        .filter_map(|(index, report)| report.as_ref().map(|(tally, ..)| (index, tally)))
        .collect();
    // Consumers that must have received everything published, and those
    // that need only have received, in order, a gapless prefix.
    let (full, prefix): (Vec<Reader<'_>>, Vec<Reader<'_>>) =
        tallies.iter().partition(|&&(index, _)| {
            !spec.consumer_fault()
                || (spec.topology == Topology::MpmcWorkerPool)
                || (spec.topology == Topology::MpmcFanout && index != 0)
        });
    let mut problems = Vec::new();
    if !full.is_empty() {
        // Each producer's expected count: what was published `Ok`, plus
        // as much of the failed batch as arrived (a prefix of it may): as
        // far as its furthest message seen reaches, or as many as arrived.
        let quotas: Vec<u64> = sent
            .iter()
            .enumerate()
            .map(|(producer, &(published, unsure))| {
                let seen: Vec<_> = full.iter().map(|(_, tally)| tally.seen(producer)).collect();
                let counts = seen.iter().map(|seen| seen.count);
                let received = if spec.topology.is_broadcast() {
                    counts.max().unwrap_or(0)
                } else {
                    counts.sum()
                };
                let furthest = seen.iter().map(|seen| seen.next_sequence).max();
                received
                    .max(furthest.unwrap_or(0))
                    .clamp(published, published + unsure)
            })
            .collect();
        let expected = Expected::new::<Msg8>(&quotas);
        problems.extend(oracle::problems(
            spec.topology,
            &expected,
            full.iter().copied(),
        ));
    }
    for &(index, tally) in &prefix {
        // Judged alone, as a consumer that must have every message up to
        // the last one it saw (no further than was published).
        let quotas: Vec<u64> = sent
            .iter()
            .enumerate()
            .map(|(producer, &(published, unsure))| {
                tally.seen(producer).next_sequence.min(published + unsure)
            })
            .collect();
        let expected = Expected::new::<Msg8>(&quotas);
        problems.extend(oracle::problems(
            Topology::MpmcFanout,
            &expected,
            [(index, tally)],
        ));
    }
    if spec.leaves_no_full_reader() {
        // A producer that published its whole share, though no consumer
        // was left that could read all of it: what none saw was lost.
        for (producer, report) in collected.producers.iter().enumerate() {
            if let Some(ProducerRecord {
                published,
                end: ProducerEnd::Finished,
                ..
            }) = report
            {
                let seen = tallies
                    .iter()
                    .map(|(_, tally)| tally.seen(producer).count)
                    .max()
                    .unwrap_or(0);
                if seen < *published {
                    problems.push(Problem::Lost {
                        receivers: oracle::Receivers::All,
                        producer,
                        messages: published - seen,
                        sent: *published,
                    });
                }
            }
        }
    }
    // A consumer that takes a whole batch at a time may, by the contract,
    // take the rest of the batch it held with it when it leaves: at most
    // one producer's batch, less the message it was handed.
    let mut went_with_consumer = 0;
    if spec.consumer_fault()
        && spec.topology == Topology::MpmcWorkerPool
        && spec.takes_batches_whole
    {
        let lost: Vec<usize> = (0..problems.len())
            .filter(|&index| matches!(problems[index], Problem::Lost { .. }))
            .collect();
        if let [index] = lost[..]
            && let Problem::Lost {
                producer, messages, ..
            } = problems[index]
            && messages < spec.batch as u64
        {
            went_with_consumer = messages;
            problems.remove(index);
            notes.push(format!(
                "{messages} messages of producer {producer} went with consumer 0, the rest of the batch it held (allowed for consumers that take a whole batch at a time)"
            ));
        }
    }
    let mut lost = 0;
    let mut duplicated = 0;
    let mut out_of_order = 0;
    let mut corrupted = 0;
    for problem in &problems {
        match problem {
            Problem::Lost { messages, .. } => lost += messages,
            Problem::Duplicated { messages, .. } => duplicated += messages,
            Problem::OutOfOrder { messages, .. } => out_of_order += messages,
            Problem::UnknownProducer { messages, .. } => corrupted += messages,
            Problem::ChecksumMismatch { .. } | Problem::ProducerCount { .. } => corrupted += 1,
        }
    }
    notes.extend(problems.iter().map(Problem::to_string));
    // A worker that takes over the unfinished run of one that left hands
    // those messages after later ones of the same producer: across a
    // takeover, work-sharing promises each message once, not each
    // consumer's order.
    if spec.consumer_fault() && spec.topology == Topology::MpmcWorkerPool && out_of_order > 0 {
        notes.push(format!(
            "{out_of_order} messages out of a consumer's per-producer order: taken over from consumer 0, which left (allowed in work-sharing)"
        ));
        out_of_order = 0;
    }

    let mut abandoned = 0;
    let mut panic = None;
    let mut stuck_producers = 0;
    let mut disconnected = false;
    for (index, report) in collected.producers.iter().enumerate() {
        let Some(ProducerRecord {
            published,
            end,
            past_deadline,
            ..
        }) = report
        else {
            abandoned += 1;
            notes.push(format!(
                "producer {index} did not end, even after the cancel token was set: abandoned"
            ));
            continue;
        };
        if *past_deadline {
            stuck_producers += 1;
            notes.push(format!(
                "producer {index} was still publishing at the deadline (after {published} messages); it ended after the watchdog set the cancel token, with {}",
                end_words(end)
            ));
        }
        match end {
            ProducerEnd::Panicked { message } => {
                notes.push(format!("producer {index} panicked: {message}"));
                panic.get_or_insert_with(|| message.clone());
            }
            ProducerEnd::Disconnected => disconnected = true,
            _ => {}
        }
    }
    let mut no_closed = 0;
    for (index, report) in collected.consumers.iter().enumerate() {
        let Some((_, ConsumerRecord { delivered, end })) = report else {
            abandoned += 1;
            notes.push(format!(
                "consumer {index} did not end, even after the cancel token was set: abandoned"
            ));
            continue;
        };
        match end {
            ConsumerEnd::NoClosed => {
                no_closed += 1;
                notes.push(format!(
                    "consumer {index} never saw Closed (stopped at the deadline after {delivered} messages)"
                ));
            }
            ConsumerEnd::Panicked { message } => {
                notes.push(format!("consumer {index} panicked: {message}"));
                panic.get_or_insert_with(|| message.clone());
            }
            _ => {}
        }
    }
    notes.extend(not_injected(spec, collected));

    let outcome = if abandoned > 0 {
        FaultOutcome::Hung { abandoned }
    } else if let Some(message) = panic {
        FaultOutcome::Panicked { message }
    } else if no_closed > 0 && (lost > 0 || stuck_producers == 0) {
        // Stuck short of what was published (at a gap), or after every
        // producer had gone.
        FaultOutcome::NoClosed {
            consumers: no_closed,
        }
    } else if stuck_producers > 0 || no_closed > 0 {
        FaultOutcome::Hung { abandoned: 0 }
    } else if lost > 0 {
        FaultOutcome::Lost { messages: lost }
    } else if duplicated > 0 {
        FaultOutcome::Duplicated {
            messages: duplicated,
        }
    } else if out_of_order > 0 {
        FaultOutcome::OutOfOrder {
            messages: out_of_order,
        }
    } else if corrupted > 0 {
        FaultOutcome::Corrupted {
            messages: corrupted,
        }
    } else if disconnected {
        FaultOutcome::Disconnected {
            expected: spec.expectation() == Expectation::Disconnected,
        }
    } else if went_with_consumer > 0 {
        FaultOutcome::WentWithConsumer {
            messages: went_with_consumer,
        }
    } else {
        FaultOutcome::Recovered
    };
    (outcome, notes)
}

/// A producer's end in a few words.
fn end_words(end: &ProducerEnd) -> &'static str {
    match end {
        ProducerEnd::Finished => "its whole share published",
        ProducerEnd::Disconnected => "Disconnected",
        ProducerEnd::Cancelled => "Cancelled",
        ProducerEnd::InjectedPanic => "its injected panic",
        ProducerEnd::Panicked { .. } => "a panic",
        ProducerEnd::Abandoned => "abandoned",
    }
}

/// Says so when the fault never happened (the run then shows nothing
/// about it).
fn not_injected(spec: &FaultSpec, collected: &Collected) -> Option<String> {
    let producer_end = |index: usize| collected.producers.get(index)?.as_ref().map(|r| &r.end);
    let consumer_end = |index: usize| {
        collected
            .consumers
            .get(index)?
            .as_ref()
            .map(|(_, r)| &r.end)
    };
    match spec.fault {
        Fault::ProducerPanic => match producer_end(0) {
            Some(ProducerEnd::InjectedPanic) | None => None,
            Some(end) => Some(format!(
                "the fault was not injected: producer 0 ended with {} before its panicking batch",
                end_words(end)
            )),
        },
        Fault::ProducerPanicContinues => match collected.producers.first() {
            Some(Some(ProducerRecord {
                continued: None,
                end,
                ..
            })) => Some(format!(
                "the fault was not injected: producer 0 ended with {} before its panicking batch",
                end_words(end)
            )),
            _ => None,
        },
        Fault::ConsumerDropped | Fault::ConsumerPanic => match consumer_end(0) {
            Some(ConsumerEnd::Left | ConsumerEnd::InjectedPanic) | None => None,
            Some(_) => Some(format!(
                "the fault was not injected: consumer 0 ended before its first {CONSUMER_LEAVES_AFTER} messages"
            )),
        },
        Fault::CancelMidClaim => {
            let cancelled = collected
                .producers
                .iter()
                .flatten()
                .any(|report| report.end == ProducerEnd::Cancelled);
            (!cancelled).then(|| {
                "no publish returned Cancelled: setting the token ended no producer's wait"
                    .to_owned()
            })
        }
    }
}

/// The table of a fault scenario: a row per implementation and topology,
/// a column per fault, each cell what happened; `*` marks a cell that
/// falls short of the contract.
pub fn render(reports: &[FaultReport], faults: &[Fault]) -> String {
    let mut rows: Vec<(&str, Topology, usize, usize)> = Vec::new();
    for report in reports {
        let row = (
            report.implementation.as_str(),
            report.spec.topology,
            report.spec.producers,
            report.spec.consumers,
        );
        if !rows.contains(&row) {
            rows.push(row);
        }
    }
    let cell = |row: &(&str, Topology, usize, usize), fault: Fault| -> String {
        reports
            .iter()
            .find(|report| {
                report.implementation == row.0
                    && report.spec.topology == row.1
                    && report.spec.fault == fault
            })
            .map_or_else(
                || "-".to_owned(),
                |report| {
                    let mut label = report.label.clone();
                    if label.chars().count() > MAX_CELL {
                        label = label.chars().take(MAX_CELL - 3).collect::<String>() + "...";
                    }
                    if report.met_contract {
                        label
                    } else {
                        label + " *"
                    }
                },
            )
    };
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| faults.iter().map(|&fault| cell(row, fault)).collect())
        .collect();
    let name_width = rows
        .iter()
        .map(|row| row.0.len())
        .chain(["implementation".len()])
        .max()
        .unwrap_or(0);
    let topology_width = rows
        .iter()
        .map(|row| row.1.name().len())
        .chain(["topology".len()])
        .max()
        .unwrap_or(0);
    let widths: Vec<usize> = faults
        .iter()
        .enumerate()
        .map(|(column, fault)| {
            cells
                .iter()
                .map(|row| row[column].chars().count())
                .chain([fault.name().len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let mut line = format!(
        "{:<name_width$}  {:<topology_width$}  P C",
        "implementation", "topology"
    );
    for (fault, width) in faults.iter().zip(&widths) {
        line += &format!("  {:<width$}", fault.name());
    }
    out += line.trim_end();
    out.push('\n');
    for (row, cells) in rows.iter().zip(&cells) {
        let mut line = format!(
            "{:<name_width$}  {:<topology_width$}  {} {}",
            row.0,
            row.1.name(),
            row.2,
            row.3
        );
        for (cell, width) in cells.iter().zip(&widths) {
            line += &format!("  {cell:<width$}");
        }
        out += line.trim_end();
        out.push('\n');
    }
    out
}

/// Longest cell of the table; longer outcomes (panic messages) are cut
/// there and given in full in the list of runs that fell short.
const MAX_CELL: usize = 40;

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, fault: Fault, topology: Topology) -> Option<FaultSpec> {
        let info = impls::info(name).expect("registered");
        FaultSpec::new(&info, fault, topology, 4000, Duration::from_secs(3))
    }

    #[test]
    fn runs_are_sized_per_topology_and_implementation() {
        let pool = spec("crossbeam", Fault::ProducerPanic, Topology::MpmcWorkerPool).unwrap();
        assert_eq!(
            (pool.producers, pool.consumers, pool.capacity, pool.batch),
            (2, 2, 8, 4)
        );
        let spsc = spec("crossbeam", Fault::ProducerPanic, Topology::Spsc).unwrap();
        assert_eq!((spsc.producers, spsc.consumers), (1, 1));
        // A single-producer implementation gets one producer everywhere.
        let single = spec("single", Fault::ProducerPanic, Topology::Pipeline).unwrap();
        assert_eq!((single.producers, single.consumers), (1, 3));
        // Nothing for a topology the implementation cannot run.
        assert_eq!(spec("rtrb", Fault::ProducerPanic, Topology::Mpsc), None);
        // Every spec builds.
        for info in impls::all() {
            for &topology in info.topologies {
                let spec = spec(info.name, Fault::CancelMidClaim, topology).unwrap();
                let cfg = QueueConfig {
                    producers: spec.producers,
                    consumers: spec.consumers,
                    batch: spec.batch,
                    ..QueueConfig::new(topology, spec.capacity)
                };
                assert_eq!(info.check(&cfg), Ok(()), "{} {topology}", info.name);
            }
        }
    }

    #[test]
    fn disconnection_is_expected_only_where_no_consumer_can_receive_everything() {
        for topology in Topology::ALL {
            for fault in Fault::ALL {
                let spec = FaultSpec {
                    fault,
                    topology,
                    producers: 1,
                    consumers: 3,
                    capacity: CAPACITY,
                    batch: BATCH,
                    messages: 400,
                    takes_batches_whole: false,
                    timeout: Duration::from_secs(1),
                };
                let disconnects = matches!(fault, Fault::ConsumerDropped | Fault::ConsumerPanic)
                    && !matches!(topology, Topology::MpmcWorkerPool | Topology::MpmcFanout);
                assert_eq!(
                    spec.expectation() == Expectation::Disconnected,
                    disconnects,
                    "{fault} {topology}"
                );
            }
        }
    }

    fn report(name: &str, topology: Topology, fault: Fault, outcome: FaultOutcome) -> FaultReport {
        FaultReport::new(
            name,
            &spec(name, fault, topology).unwrap(),
            outcome,
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Duration::ZERO,
        )
    }

    #[test]
    fn the_table_has_a_row_per_run_and_marks_what_falls_short() {
        let reports = [
            report(
                "crossbeam",
                Topology::Spsc,
                Fault::ProducerPanic,
                FaultOutcome::Recovered,
            ),
            report(
                "crossbeam",
                Topology::Spsc,
                Fault::ConsumerDropped,
                FaultOutcome::Disconnected { expected: true },
            ),
            report(
                "lmax",
                Topology::Mpsc,
                Fault::ProducerPanic,
                FaultOutcome::NoClosed { consumers: 1 },
            ),
            report(
                "lmax",
                Topology::Mpsc,
                Fault::ConsumerDropped,
                FaultOutcome::Panicked {
                    message: "a very long message that goes on and on (at impls/src/x.rs:1:1)"
                        .to_owned(),
                },
            ),
        ];
        let table = render(&reports, &[Fault::ProducerPanic, Fault::ConsumerDropped]);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(
            lines,
            [
                "implementation  topology  P C  producer_panic  consumer_dropped",
                "crossbeam       spsc      1 1  recovered       disconnected (expected)",
                "lmax            mpsc      2 1  no Closed *     panicked: a very long message that go... *",
            ]
        );
    }

    #[test]
    fn outcomes_read_as_the_table_shows_them() {
        let words = [
            (FaultOutcome::Lost { messages: 3 }, "lost 3"),
            (FaultOutcome::Duplicated { messages: 2 }, "duplicated 2"),
            (FaultOutcome::OutOfOrder { messages: 5 }, "out of order 5"),
            (
                FaultOutcome::Disconnected { expected: false },
                "disconnected (unexpected)",
            ),
            (FaultOutcome::Hung { abandoned: 0 }, "hung"),
            (
                FaultOutcome::Hung { abandoned: 2 },
                "hung, 2 threads abandoned",
            ),
        ];
        for (outcome, label) in words {
            assert_eq!(outcome.to_string(), label);
        }
    }
}
