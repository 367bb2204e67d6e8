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
//!   may take the rest of the batch it held with it. The worker that
//!   takes over may hand that rest after later messages of the same
//!   producers: allowed for that one run alone, and only where the
//!   implementation says it takes over (`takeover` tells the two apart);
//!   any other reorder is out of order.
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
    QueueConfig, Roster, Salt, Topology, Visitor, WaitStrategy,
};
pub use scenarios::Fault;
use scenarios::FaultScenario;
use serde::Serialize;

use crate::oracle::{self, Expected, Problem, Tally, fresh_salt};
use crate::runner::{panic_message, quotas};

mod classify;
mod inject;
mod render;
mod takeover;
#[cfg(test)]
mod tests;

pub use inject::run_queue;
pub(crate) use inject::{inject_panic, quietly, unexpected};
pub use render::{render, unbounded_note};

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
    /// Whether a work-sharing consumer that leaves has the run it had
    /// claimed and not finished taken over by another ([`Info::takes_over`],
    /// a worker pool), which may hand those messages after later ones of
    /// the same producers: forgiven for that run only.
    pub takes_over: bool,
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
            takes_over: info.takes_over,
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
