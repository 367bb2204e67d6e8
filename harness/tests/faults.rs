//! The fault runner's classification, checked on queues whose behaviour is
//! known: a small mutex-guarded queue written here, sound or with one
//! defect built in, and crossbeam-channel.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

use harness::faults::{
    self, ConsumerEnd, Expectation, Fault, FaultOutcome, FaultReport, FaultSpec, ProducerEnd,
};
use impls::{
    Batching, BuildError, Cancel, Consumed, Consumer, Endpoints, Info, Message, Producer,
    PublishError, Queue, QueueConfig, Topology,
};

/// Behaves as the trait asks.
const SOUND: u8 = 0;
/// Drops every 100th message of each producer instead of queueing it.
const LOSES: u8 = 1;
/// Queues every 100th message of each producer twice.
const DUPLICATES: u8 = 2;
/// Never reports `Closed`: an empty queue looks the same with or without
/// producers.
const NEVER_CLOSES: u8 = 3;
/// Never reports `Closed`, and its consumers' wait ignores the cancel token
/// (until the test releases them with [`RELEASE_HUNG`]).
const HANGS: u8 = 4;
/// Producers never notice that every consumer is gone, and wait for room.
const IGNORES_DISCONNECT: u8 = 5;

/// Its consumers panic on their 50th message, as a broken internal
/// invariant would.
const PANICS: u8 = 6;
/// Its producers queue a whole batch at once and its consumers take a
/// whole batch at a time off the queue, as the `*_vec` channels do (one
/// `Vec` per batch), and say so in their `Info`.
const TAKES_BATCHES: u8 = 7;
/// As [`TAKES_BATCHES`], but its `Info` claims it takes messages one at a
/// time.
const LOSES_ITS_BATCH: u8 = 8;
/// After a publish whose callback panicked, the next publish first queues
/// the broken batch's missing messages as copies of the last message
/// queued (as a ring that hands on slots holding an earlier lap's message).
const STALE_AFTER_PANIC: u8 = 9;
/// Queues messages 10 and 11 of every 50 of each producer the wrong way
/// round.
const SWAPS: u8 = 10;
/// As [`SWAPS`], and its `Info` claims that it takes over a departed
/// consumer's unfinished run.
const SWAPS_CLAIMING_TAKEOVER: u8 = 11;
/// One producer. Consumers claim a run of [`RUN`] messages at a time and
/// hand one per call, taking turns while all are there; one that leaves
/// puts the rest of its run where the others take it first (as a worker
/// pool's orphan), and its `Info` says it takes over.
const TAKES_OVER: u8 = 12;
/// As [`TAKES_OVER`], but its `Info` does not say so.
const TAKES_OVER_UNDECLARED: u8 = 13;

/// Messages per run of the takeover defects: less than a batch.
const RUN: usize = 3;

/// Ends the waits of [`HANGS`] consumers left running by a test.
static RELEASE_HUNG: AtomicBool = AtomicBool::new(false);

/// A bounded queue behind a mutex, one message at a time, with the defect
/// `DEFECT` built in.
struct Faulty<const DEFECT: u8>;

struct Shared<M> {
    queue: Mutex<VecDeque<M>>,
    capacity: usize,
    producers: AtomicUsize,
    consumers: AtomicUsize,
    /// Consumers built, and whose turn it is to take a batch (batch-taking
    /// defects): the consumers take turns while all are there, so consumer
    /// 0 reaches the message its fault is planned at however the threads
    /// are scheduled.
    built_consumers: usize,
    turn: AtomicUsize,
    /// What departed consumers left of their runs (takeover defects).
    orphans: Mutex<VecDeque<M>>,
    cancel: Cancel,
}

impl<M> Shared<M> {
    fn queue(&self) -> MutexGuard<'_, VecDeque<M>> {
        self.queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

struct FaultyProducer<M, const DEFECT: u8> {
    shared: Arc<Shared<M>>,
    /// Messages this producer has handed over (for the defects' "every 100th").
    sent: u64,
    /// The batch under way: its size, and how many of it are queued. Still
    /// set at the next publish when a publish did not finish.
    unfinished: Option<(usize, usize)>,
    /// The last message queued.
    last: Option<M>,
    /// A message held back, to be queued after the next one (swapping
    /// defects).
    held: Option<M>,
}

struct FaultyConsumer<M, const DEFECT: u8> {
    shared: Arc<Shared<M>>,
    /// Its place among the consumers, for taking turns.
    index: usize,
    /// Messages handed to the handler so far.
    handed: u64,
    /// What is left of its claimed run (takeover defects).
    run: VecDeque<M>,
}

impl<M: Message, const DEFECT: u8> Producer<M> for FaultyProducer<M, DEFECT> {
    fn publish_batch(
        &mut self,
        n: usize,
        mut fill: impl FnMut(usize, &mut M),
    ) -> Result<(), PublishError> {
        if DEFECT == STALE_AFTER_PANIC
            && let Some((size, queued)) = self.unfinished
            && let Some(last) = self.last
        {
            self.shared
                .queue()
                .extend(std::iter::repeat_n(last, size - queued));
        }
        self.unfinished = Some((n, 0));
        if matches!(DEFECT, TAKES_BATCHES | LOSES_ITS_BATCH) {
            // A whole batch queued under one lock, as the `*_vec` channels
            // send one `Vec` per batch: a consumer's batch then holds one
            // producer's messages, never a mix.
            let batch: Vec<M> = (0..n)
                .map(|index| M::new_with(|message| fill(index, message)))
                .collect();
            loop {
                if self.shared.consumers.load(Ordering::Acquire) == 0 {
                    return Err(PublishError::Disconnected);
                }
                let mut queue = self.shared.queue();
                if queue.len() + n <= self.shared.capacity.max(n) {
                    queue.extend(batch);
                    break;
                }
                drop(queue);
                if self.shared.cancel.is_cancelled() {
                    return Err(PublishError::Cancelled);
                }
                thread::yield_now();
            }
            self.sent += n as u64;
            self.unfinished = None;
            return Ok(());
        }
        for index in 0..n {
            let message = M::new_with(|message| fill(index, message));
            // The message's place in the producer's 50s (its sequence, in
            // fault runs).
            let in_fifty = self.sent % 50;
            self.sent += 1;
            let every_hundredth = self.sent.is_multiple_of(100);
            loop {
                if DEFECT != IGNORES_DISCONNECT
                    && self.shared.consumers.load(Ordering::Acquire) == 0
                {
                    return Err(PublishError::Disconnected);
                }
                let mut queue = self.shared.queue();
                if queue.len() < self.shared.capacity {
                    match DEFECT {
                        LOSES if every_hundredth => {}
                        DUPLICATES if every_hundredth => queue.extend([message, message]),
                        SWAPS | SWAPS_CLAIMING_TAKEOVER if in_fifty == 10 => {
                            self.held = Some(message)
                        }
                        SWAPS | SWAPS_CLAIMING_TAKEOVER if in_fifty == 11 => {
                            queue.extend(std::iter::once(message).chain(self.held.take()))
                        }
                        _ => queue.push_back(message),
                    }
                    self.last = Some(message);
                    if let Some((_, queued)) = &mut self.unfinished {
                        *queued += 1;
                    }
                    break;
                }
                drop(queue);
                if self.shared.cancel.is_cancelled() {
                    return Err(PublishError::Cancelled);
                }
                thread::yield_now();
            }
        }
        self.unfinished = None;
        Ok(())
    }
}

impl<M, const DEFECT: u8> Drop for FaultyProducer<M, DEFECT> {
    fn drop(&mut self) {
        self.shared.producers.fetch_sub(1, Ordering::Release);
    }
}

impl<M: Message, const DEFECT: u8> Consumer<M> for FaultyConsumer<M, DEFECT> {
    fn consume_batch(&mut self, max: usize, mut on: impl FnMut(&M)) -> Consumed {
        loop {
            // Acquire, and read before the queue: a producer's last message
            // is queued before it leaves.
            let gone = self.shared.producers.load(Ordering::Acquire) == 0;
            let max = max.max(1);
            if matches!(DEFECT, TAKES_BATCHES | LOSES_ITS_BATCH) {
                // A whole batch of `max`, or what is left once producers
                // are gone, taken before the handler sees any of it.
                let taken: Vec<M> = {
                    let mut queue = self.shared.queue();
                    // Acquire: pairs with a leaving consumer's Release
                    // decrement (nothing rides on it but the turn).
                    let all_here = self.shared.consumers.load(Ordering::Acquire)
                        == self.shared.built_consumers;
                    let my_turn = gone
                        || !all_here
                        || self.shared.turn.load(Ordering::Relaxed) % self.shared.built_consumers
                            == self.index;
                    let n = if my_turn && (queue.len() >= max || gone) {
                        queue.len().min(max)
                    } else {
                        0
                    };
                    if n > 0 {
                        // Relaxed: read and written under the queue's lock.
                        self.shared.turn.fetch_add(1, Ordering::Relaxed);
                    }
                    queue.drain(..n).collect()
                };
                if !taken.is_empty() {
                    taken.iter().for_each(|message| self.hand(message, &mut on));
                    return Consumed::Items(taken.len());
                }
            } else if matches!(DEFECT, TAKES_OVER | TAKES_OVER_UNDECLARED) {
                if let Some(message) = self.next_of_run(gone) {
                    self.hand(&message, &mut on);
                    return Consumed::Items(1);
                }
            } else {
                // One at a time, the lock not held while the handler runs.
                let mut handed = 0;
                while handed < max {
                    let Some(message) = self.shared.queue().pop_front() else {
                        break;
                    };
                    self.hand(&message, &mut on);
                    handed += 1;
                }
                if handed > 0 {
                    return Consumed::Items(handed);
                }
            }
            match DEFECT {
                HANGS if RELEASE_HUNG.load(Ordering::Relaxed) => return Consumed::Idle,
                HANGS => {
                    thread::sleep(Duration::from_millis(1));
                    continue;
                }
                NEVER_CLOSES => {}
                _ if gone => return Consumed::Closed,
                _ => {}
            }
            if self.shared.cancel.is_cancelled() {
                return Consumed::Idle;
            }
            thread::yield_now();
        }
    }
}

impl<M: Message, const DEFECT: u8> FaultyConsumer<M, DEFECT> {
    /// The next message of its run (takeover defects): a departed
    /// consumer's unfinished run first (its own set aside after it), then
    /// its own, claiming the next in its turn.
    fn next_of_run(&mut self, gone: bool) -> Option<M> {
        let mut queue = self.shared.queue();
        // Acquire: pairs with a leaving consumer's Release decrement, which
        // follows its putting the rest of its run among the orphans: once
        // it is seen gone, that rest is seen there.
        let all_here = self.shared.consumers.load(Ordering::Acquire) == self.shared.built_consumers;
        let my_turn = gone
            || !all_here
            || self.shared.turn.load(Ordering::Relaxed) % self.shared.built_consumers == self.index;
        if !my_turn {
            return None;
        }
        {
            let mut orphans = self
                .shared
                .orphans
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if !orphans.is_empty() {
                orphans.append(&mut self.run);
                self.run = std::mem::take(&mut *orphans);
            }
        }
        if self.run.is_empty() && (queue.len() >= RUN || gone) {
            let n = queue.len().min(RUN);
            self.run.extend(queue.drain(..n));
        }
        let message = self.run.pop_front()?;
        // Relaxed: read and written under the queue's lock.
        self.shared.turn.fetch_add(1, Ordering::Relaxed);
        Some(message)
    }

    fn hand(&mut self, message: &M, on: &mut impl FnMut(&M)) {
        self.handed += 1;
        if DEFECT == PANICS && self.handed == 50 {
            panic!("test queue bug: message {}", self.handed);
        }
        on(message);
    }
}

impl<M, const DEFECT: u8> Drop for FaultyConsumer<M, DEFECT> {
    fn drop(&mut self) {
        if !self.run.is_empty() {
            self.shared
                .orphans
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .append(&mut self.run);
        }
        self.shared.consumers.fetch_sub(1, Ordering::Release);
    }
}

impl<const DEFECT: u8> Queue for Faulty<DEFECT> {
    type Producer<M: Message> = FaultyProducer<M, DEFECT>;
    type Consumer<M: Message> = FaultyConsumer<M, DEFECT>;

    fn info() -> Info {
        let name = match DEFECT {
            SOUND => "sound",
            LOSES => "loses",
            DUPLICATES => "duplicates",
            NEVER_CLOSES => "never_closes",
            HANGS => "hangs",
            IGNORES_DISCONNECT => "ignores_disconnect",
            PANICS => "panics",
            TAKES_BATCHES => "takes_batches",
            LOSES_ITS_BATCH => "loses_its_batch",
            STALE_AFTER_PANIC => "stale_after_panic",
            SWAPS => "swaps",
            SWAPS_CLAIMING_TAKEOVER => "swaps_claiming_takeover",
            TAKES_OVER => "takes_over",
            _ => "takes_over_undeclared",
        };
        Info::new(
            name,
            "a mutex-guarded test queue",
            &[Topology::Spsc, Topology::Mpsc, Topology::MpmcWorkerPool],
        )
        .batching(if DEFECT == TAKES_BATCHES {
            Batching::VecPerBatch
        } else {
            Batching::PerMessage
        })
        .takes_over(matches!(DEFECT, TAKES_OVER | SWAPS_CLAIMING_TAKEOVER))
        .single_producer(matches!(DEFECT, TAKES_OVER | TAKES_OVER_UNDECLARED))
    }

    fn build<M: Message>(
        cfg: &QueueConfig,
    ) -> Result<Endpoints<Self::Producer<M>, Self::Consumer<M>>, BuildError> {
        Self::info().check(cfg)?;
        let shared = Arc::new(Shared {
            queue: Mutex::new(VecDeque::with_capacity(cfg.setup.capacity)),
            capacity: cfg.setup.capacity,
            producers: AtomicUsize::new(cfg.setup.producers),
            consumers: AtomicUsize::new(cfg.setup.consumers),
            built_consumers: cfg.setup.consumers,
            turn: AtomicUsize::new(0),
            orphans: Mutex::new(VecDeque::new()),
            cancel: cfg.cancel.clone(),
        });
        Ok(Endpoints {
            producers: (0..cfg.setup.producers)
                .map(|_| FaultyProducer {
                    shared: Arc::clone(&shared),
                    sent: 0,
                    unfinished: None,
                    last: None,
                    held: None,
                })
                .collect(),
            consumers: (0..cfg.setup.consumers)
                .map(|index| FaultyConsumer {
                    shared: Arc::clone(&shared),
                    index,
                    handed: 0,
                    run: VecDeque::new(),
                })
                .collect(),
        })
    }
}

/// Deadline for runs that should finish at once.
const GENEROUS: Duration = Duration::from_secs(30);
/// Deadline for runs meant to hit it; they carry few messages, so that
/// everything deliverable is delivered well before it.
const SHORT: Duration = Duration::from_secs(2);
/// Messages of a run meant to hit its deadline.
const FEW: u64 = 400;

fn spec<Q: Queue>(fault: Fault, topology: Topology, timeout: Duration) -> FaultSpec {
    let messages = if timeout == SHORT { FEW } else { 4000 };
    FaultSpec::new(&Q::info(), fault, topology, messages, timeout)
        .expect("the topology is supported")
}

fn run<Q: Queue>(fault: Fault, topology: Topology, timeout: Duration) -> FaultReport {
    faults::run_queue::<Q>(&spec::<Q>(fault, topology, timeout))
}

#[test]
fn a_sound_queue_meets_every_contract() {
    type Sound = Faulty<SOUND>;
    for topology in [Topology::Spsc, Topology::Mpsc, Topology::MpmcWorkerPool] {
        for fault in Fault::ALL {
            let report = run::<Sound>(fault, topology, GENEROUS);
            assert!(report.met_contract, "{report:#?}");
            let consumer_fault = matches!(fault, Fault::ConsumerDropped | Fault::ConsumerPanic);
            let expected = if consumer_fault && topology != Topology::MpmcWorkerPool {
                FaultOutcome::Disconnected { expected: true }
            } else {
                FaultOutcome::Recovered
            };
            assert_eq!(report.outcome, expected, "{report:#?}");
        }
    }
}

#[test]
fn the_fault_happens_where_the_runner_says() {
    type Sound = Faulty<SOUND>;
    let report = run::<Sound>(Fault::ProducerPanic, Topology::Mpsc, GENEROUS);
    // Producer 0 panics on the second message of the batch halfway through
    // its 2000; the first message of that batch is written, and this queue
    // takes it.
    assert_eq!(report.producers[0].end, ProducerEnd::InjectedPanic);
    assert_eq!(
        (report.producers[0].published, report.producers[0].unsure),
        (1000, 1)
    );
    assert_eq!(report.producers[1].end, ProducerEnd::Finished);
    assert_eq!(report.consumers[0].end, ConsumerEnd::Closed);
    assert_eq!(report.consumers[0].delivered, 1000 + 1 + 2000);

    // Consumer 0 leaves once it has handled 100, which may take it past
    // 100 by less than a batch. The other worker may drain everything
    // before consumer 0 gets 100 (it is a work-sharing pool, and a busy
    // machine can leave consumer 0 unscheduled); then consumer 0 sees the
    // close without reaching its fault. Every attempt must be one of the
    // two, and the fault must be reached within a few attempts.
    let mut left = false;
    for _ in 0..20 {
        let report = run::<Sound>(Fault::ConsumerDropped, Topology::MpmcWorkerPool, GENEROUS);
        let first = report.consumers[0].delivered;
        match report.consumers[0].end {
            ConsumerEnd::Left => {
                assert!((100..100 + 4).contains(&first), "{report:#?}");
                left = true;
            }
            ConsumerEnd::Closed => assert!(first < 100, "{report:#?}"),
            _ => panic!("consumer 0 neither left nor saw the close: {report:#?}"),
        }
        assert_eq!(report.consumers[1].delivered, 4000 - first, "{report:#?}");
        if left {
            break;
        }
    }
    assert!(left, "consumer 0 never reached its fault in 20 runs");

    let report = run::<Sound>(Fault::CancelMidClaim, Topology::Mpsc, GENEROUS);
    assert!(
        report
            .producers
            .iter()
            .all(|producer| producer.end == ProducerEnd::Cancelled),
        "{report:#?}"
    );
    // This queue takes a batch message by message, so the messages of the
    // cancelled batch written before it blocked were delivered too.
    let published: u64 = report.producers.iter().map(|p| p.published).sum();
    let unsure: u64 = report.producers.iter().map(|p| p.unsure).sum();
    let delivered = report.consumers[0].delivered;
    assert!(
        (published..=published + unsure).contains(&delivered),
        "{report:#?}"
    );
}

#[test]
fn a_producer_goes_on_after_its_panic_as_a_stream_of_its_own() {
    let report = run::<Faulty<SOUND>>(Fault::ProducerPanicContinues, Topology::Mpsc, GENEROUS);
    assert_eq!(report.outcome, FaultOutcome::Recovered, "{report:#?}");
    let producer = &report.producers[0];
    assert_eq!((producer.published, producer.unsure), (1000, 1));
    // The rest of its 2000, after the broken batch of 4.
    let continued = producer.continued.expect("it went on");
    assert_eq!((continued.published, continued.unsure), (996, 0));
    assert_eq!(producer.end, ProducerEnd::Finished);
    assert_eq!(report.consumers[0].delivered, 1001 + 996 + 2000);
}

#[test]
fn slots_of_a_broken_batch_handed_on_stale_are_duplicates() {
    // Dropped after the panic, the producer never publishes again: nothing
    // shows.
    let report = run::<Faulty<STALE_AFTER_PANIC>>(Fault::ProducerPanic, Topology::Spsc, GENEROUS);
    assert_eq!(report.outcome, FaultOutcome::Recovered, "{report:#?}");
    // Going on, it hands on the 3 missing messages as copies of the last.
    let report =
        run::<Faulty<STALE_AFTER_PANIC>>(Fault::ProducerPanicContinues, Topology::Spsc, GENEROUS);
    assert_eq!(
        report.outcome,
        FaultOutcome::Duplicated { messages: 3 },
        "{report:#?}"
    );
}

#[test]
fn a_batch_that_goes_with_a_worker_is_allowed_only_where_declared() {
    // Consumer 0 takes batches of 4 and panics on its 101st message, the
    // first of its 26th batch: the other 3 of that batch go with it.
    let report =
        run::<Faulty<TAKES_BATCHES>>(Fault::ConsumerPanic, Topology::MpmcWorkerPool, GENEROUS);
    assert_eq!(
        report.outcome,
        FaultOutcome::WentWithConsumer { messages: 3 },
        "{report:#?}"
    );
    assert_eq!(report.label, "lost 3 with its batch");
    assert!(report.met_contract);
    // The same, from a queue that claims to hand messages one at a time.
    let report =
        run::<Faulty<LOSES_ITS_BATCH>>(Fault::ConsumerPanic, Topology::MpmcWorkerPool, GENEROUS);
    assert_eq!(
        report.outcome,
        FaultOutcome::Lost { messages: 3 },
        "{report:#?}"
    );
    assert!(!report.met_contract);
}

#[test]
fn a_reorder_in_a_consumer_fault_is_out_of_order() {
    // Once consumer 0 has left, consumer 1 hands every swapped pair the
    // wrong way round: that is no takeover, declared or not.
    for fault in [Fault::ConsumerDropped, Fault::ConsumerPanic] {
        for report in [
            run::<Faulty<SWAPS>>(fault, Topology::MpmcWorkerPool, GENEROUS),
            run::<Faulty<SWAPS_CLAIMING_TAKEOVER>>(fault, Topology::MpmcWorkerPool, GENEROUS),
        ] {
            assert!(
                matches!(report.outcome, FaultOutcome::OutOfOrder { .. }),
                "{report:#?}"
            );
            assert!(report.label.starts_with("out of order "));
            assert!(!report.met_contract);
            assert!(
                report
                    .problems
                    .iter()
                    .any(|line| line.contains("a reorder no takeover explains")),
                "{report:#?}"
            );
        }
    }
}

#[test]
fn a_takeover_is_forgiven_only_where_declared() {
    // Consumers claim runs of 3 of the one producer's messages and hand one
    // per call, taking turns: consumer 0's 34th run is 198 to 200, consumer
    // 1's 201 to 203. Consumer 0 panics on 199, its 101st message, after
    // consumer 1 has handed 201; consumer 1 then takes over 200.
    let report =
        run::<Faulty<TAKES_OVER>>(Fault::ConsumerPanic, Topology::MpmcWorkerPool, GENEROUS);
    assert_eq!(report.outcome, FaultOutcome::Recovered, "{report:#?}");
    assert!(report.met_contract);
    assert!(
        report.problems.iter().any(|line| line.starts_with(
            "consumer 1: 1 message handed after later ones of their producer (producer 0's 200): consumer 0's unfinished run"
        )),
        "{report:#?}"
    );
    // The same, from a queue that does not say it takes over.
    let report = run::<Faulty<TAKES_OVER_UNDECLARED>>(
        Fault::ConsumerPanic,
        Topology::MpmcWorkerPool,
        GENEROUS,
    );
    assert_eq!(
        report.outcome,
        FaultOutcome::OutOfOrder { messages: 1 },
        "{report:#?}"
    );
    assert!(!report.met_contract);
    assert!(
        report.problems.iter().any(|line| line.starts_with(
            "consumer 1: 1 message handed after later ones of their producer (the first: producer 0's 200, after its "
        ) && line.ends_with("the implementation takes nothing over from a consumer that leaves")),
        "{report:#?}"
    );
}

#[test]
fn lost_messages_are_counted() {
    let report = run::<Faulty<LOSES>>(Fault::ProducerPanic, Topology::Mpsc, GENEROUS);
    // Every 100th of producer 0's 1001 messages and of producer 1's 2000.
    assert_eq!(
        report.outcome,
        FaultOutcome::Lost { messages: 30 },
        "{report:#?}"
    );
    assert_eq!(report.label, "lost 30");
    assert!(!report.met_contract);
}

#[test]
fn duplicated_messages_are_counted() {
    let report = run::<Faulty<DUPLICATES>>(Fault::ProducerPanic, Topology::Mpsc, GENEROUS);
    assert_eq!(
        report.outcome,
        FaultOutcome::Duplicated { messages: 30 },
        "{report:#?}"
    );
    assert!(!report.met_contract);
}

#[test]
fn a_queue_that_never_closes_is_no_closed() {
    let report = run::<Faulty<NEVER_CLOSES>>(Fault::ProducerPanic, Topology::Mpsc, SHORT);
    assert_eq!(
        report.outcome,
        FaultOutcome::NoClosed { consumers: 1 },
        "{report:#?}"
    );
    assert_eq!(report.label, "no Closed");
    // Everything was delivered (producer 0's first 100 and the first
    // message of its broken batch, producer 1's 200); only the end never
    // came.
    assert_eq!(report.consumers[0].delivered, 100 + 1 + 200);
    assert_eq!(report.consumers[0].end, ConsumerEnd::NoClosed);
}

#[test]
fn producers_that_never_learn_of_a_departure_hang_until_cancelled() {
    let report = run::<Faulty<IGNORES_DISCONNECT>>(Fault::ConsumerDropped, Topology::Spsc, SHORT);
    assert_eq!(report.expected, Expectation::Disconnected);
    assert_eq!(
        report.outcome,
        FaultOutcome::Hung { abandoned: 0 },
        "{report:#?}"
    );
    assert_eq!(report.label, "hung");
    assert!(report.producers[0].past_deadline);
    assert_eq!(report.producers[0].end, ProducerEnd::Cancelled);
}

#[test]
fn threads_that_ignore_the_cancel_token_are_abandoned() {
    let report = run::<Faulty<HANGS>>(Fault::ProducerPanic, Topology::Spsc, SHORT);
    RELEASE_HUNG.store(true, Ordering::Relaxed);
    assert_eq!(
        report.outcome,
        FaultOutcome::Hung { abandoned: 1 },
        "{report:#?}"
    );
    assert_eq!(report.label, "hung, 1 thread abandoned");
    assert_eq!(report.consumers[0].end, ConsumerEnd::Abandoned);
    // The runner gave up after the deadline and the grace period, no later.
    let given_up_ms = (SHORT + faults::GRACE).as_millis() as u64;
    assert!(
        (given_up_ms..given_up_ms + 2000).contains(&report.elapsed_ms),
        "{report:#?}"
    );
}

#[test]
fn an_implementation_panic_is_reported_with_where_it_was_raised() {
    let report = run::<Faulty<PANICS>>(Fault::ProducerPanic, Topology::Spsc, GENEROUS);
    let FaultOutcome::Panicked { message } = &report.outcome else {
        panic!("not classified as a panic: {report:#?}");
    };
    assert!(
        message.starts_with("test queue bug: message 50 (at ")
            && message.contains("tests/faults.rs:"),
        "{message}"
    );
    assert!(report.label.starts_with("panicked: test queue bug"));
    assert_eq!(report.consumers[0].delivered, 49);
}

#[test]
fn crossbeam_recovers_from_a_producer_panic() {
    for topology in [
        Topology::Spsc,
        Topology::Mpsc,
        Topology::MpmcWorkerPool,
        Topology::MpmcFanout,
    ] {
        let info = impls::info("crossbeam").expect("registered");
        let spec = FaultSpec::new(&info, Fault::ProducerPanic, topology, 4000, GENEROUS)
            .expect("crossbeam runs every MPMC topology");
        let report = faults::run("crossbeam", &spec);
        assert_eq!(report.outcome, FaultOutcome::Recovered, "{report:#?}");
        assert!(report.met_contract);
        assert_eq!(report.producers[0].end, ProducerEnd::InjectedPanic);
        assert!(
            report
                .consumers
                .iter()
                .all(|consumer| consumer.end == ConsumerEnd::Closed),
            "{report:#?}"
        );
    }
}

#[test]
fn an_unknown_implementation_is_a_build_error() {
    let info = impls::info("crossbeam").expect("registered");
    let spec = FaultSpec::new(&info, Fault::ProducerPanic, Topology::Spsc, 4000, GENEROUS)
        .expect("supported");
    let report = faults::run("no_such_queue", &spec);
    assert!(
        matches!(&report.outcome, FaultOutcome::BuildFailed { error } if error.contains("no_such_queue")),
        "{report:#?}"
    );
}

/// The conformance suite a crate runs on its own queue passes the sound
/// queue, and fails each defect in the check that concerns it.
#[test]
fn the_conformance_suite_passes_a_sound_queue_and_catches_each_defect() {
    use harness::conformance::{self, Checks};
    let sound = conformance::check_with::<Faulty<SOUND>>(Checks {
        progress: false,
        ..Checks::ALL
    });
    assert!(sound.passed(), "{sound}");

    let oracle = Checks {
        contracts: false,
        faults: false,
        progress: false,
        ..Checks::ALL
    };
    let contracts = Checks {
        oracle: false,
        faults: false,
        progress: false,
        ..Checks::ALL
    };
    let caught = [
        (
            conformance::check_with::<Faulty<LOSES>>(oracle),
            "messages lost",
        ),
        (
            conformance::check_with::<Faulty<DUPLICATES>>(oracle),
            "messages duplicated",
        ),
        (
            conformance::check_with::<Faulty<NEVER_CLOSES>>(contracts),
            "close: ",
        ),
        (
            conformance::check_with::<Faulty<IGNORES_DISCONNECT>>(contracts),
            "every consumer dropped",
        ),
    ];
    for (report, check) in caught {
        assert!(
            report
                .failures
                .iter()
                .any(|failure| failure.contains(check)),
            "{} should fail `{check}`: {report}",
            report.implementation
        );
    }
}
