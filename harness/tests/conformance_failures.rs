//! The conformance suite fails a queue for what is wrong with it, where
//! it is wrong, in one sentence each, and in seconds. The queue here is a
//! deliberately faulty test double written against the public `Queue`
//! trait: a broadcast queue of one `VecDeque` per consumer behind a
//! mutex, with one defect built in.

use std::any::Any;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use harness::conformance::{self, Checks, Report};
use impls::{
    BuildError, Cancel, Consumed, Consumer, Endpoints, Info, Message, Msg64, Msg256, Producer,
    PublishError, Queue, QueueConfig, Topology,
};

/// Corrupts the last word of every 1000th message it queues, only in
/// `mpmc_fanout` and only in messages larger than 8 bytes.
const CORRUPTS_FANOUT: u8 = 1;
/// Never reports `Closed`: an empty inbox looks the same with or without
/// producers. Its consumers return `Idle` once the run is cancelled.
const NEVER_CLOSES: u8 = 2;

/// Every check, without progress lines.
const QUIET: Checks = Checks {
    progress: false,
    ..Checks::ALL
};

struct Broadcast<const DEFECT: u8>;

struct Shared<M> {
    /// One inbox per consumer, `None` once its consumer has left. Every
    /// message goes to every inbox still there (one inbox in `spsc` and
    /// `mpsc`).
    inboxes: Mutex<Vec<Option<VecDeque<M>>>>,
    capacity: usize,
    producers: AtomicUsize,
    /// Messages queued so far (for "every 1000th").
    queued: AtomicU64,
    /// Whether this queue damages messages (fan-out, above 8 bytes).
    corrupts: bool,
    cancel: Cancel,
}

impl<M> Shared<M> {
    fn inboxes(&self) -> MutexGuard<'_, Vec<Option<VecDeque<M>>>> {
        // A handler that panicked never held the lock: poisoning is harmless.
        self.inboxes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

struct BroadcastProducer<M> {
    shared: Arc<Shared<M>>,
}

struct BroadcastConsumer<M, const DEFECT: u8> {
    shared: Arc<Shared<M>>,
    index: usize,
}

/// Flips a bit of the last word of a 64- or 256-byte message.
fn corrupt_last_word<M: Message>(message: &mut M) {
    let message: &mut dyn Any = message;
    if let Some(message) = message.downcast_mut::<Msg64>() {
        message.words_mut()[7] ^= 1;
    } else if let Some(message) = message.downcast_mut::<Msg256>() {
        message.words_mut()[31] ^= 1;
    }
}

impl<const DEFECT: u8> Queue for Broadcast<DEFECT> {
    type Producer<M: Message> = BroadcastProducer<M>;
    type Consumer<M: Message> = BroadcastConsumer<M, DEFECT>;

    fn info() -> Info {
        let name = match DEFECT {
            CORRUPTS_FANOUT => "corrupts_fanout",
            _ => "never_closes",
        };
        Info::new(
            name,
            "a mutex-guarded broadcast test queue",
            &[Topology::Spsc, Topology::Mpsc, Topology::MpmcFanout],
        )
    }

    fn build<M: Message>(
        cfg: &QueueConfig,
    ) -> Result<Endpoints<Self::Producer<M>, Self::Consumer<M>>, BuildError> {
        Self::info().check(cfg)?;
        let shared = Arc::new(Shared {
            inboxes: Mutex::new(vec![Some(VecDeque::new()); cfg.setup.consumers]),
            capacity: cfg.setup.capacity,
            producers: AtomicUsize::new(cfg.setup.producers),
            queued: AtomicU64::new(0),
            corrupts: DEFECT == CORRUPTS_FANOUT
                && cfg.setup.topology == Topology::MpmcFanout
                && M::BYTES > 8,
            cancel: cfg.cancel.clone(),
        });
        Ok(Endpoints {
            producers: (0..cfg.setup.producers)
                .map(|_| BroadcastProducer {
                    shared: Arc::clone(&shared),
                })
                .collect(),
            consumers: (0..cfg.setup.consumers)
                .map(|index| BroadcastConsumer {
                    shared: Arc::clone(&shared),
                    index,
                })
                .collect(),
        })
    }
}

impl<M: Message> Producer<M> for BroadcastProducer<M> {
    fn publish_batch(
        &mut self,
        n: usize,
        mut fill: impl FnMut(usize, &mut M),
    ) -> Result<(), PublishError> {
        let shared = &*self.shared;
        for index in 0..n {
            let mut message = M::new_with(|message| fill(index, message));
            let queued = shared.queued.fetch_add(1, Ordering::Relaxed) + 1;
            if shared.corrupts && queued.is_multiple_of(1000) {
                corrupt_last_word(&mut message);
            }
            loop {
                {
                    let mut inboxes = shared.inboxes();
                    let mut present = inboxes.iter_mut().flatten().peekable();
                    if present.peek().is_none() {
                        return Err(PublishError::Disconnected);
                    }
                    if present.all(|inbox| inbox.len() < shared.capacity) {
                        inboxes
                            .iter_mut()
                            .flatten()
                            .for_each(|inbox| inbox.push_back(message));
                        break;
                    }
                }
                if shared.cancel.is_cancelled() {
                    return Err(PublishError::Cancelled);
                }
                thread::yield_now();
            }
        }
        Ok(())
    }
}

impl<M> Drop for BroadcastProducer<M> {
    fn drop(&mut self) {
        // Release: this producer's messages are queued before a consumer
        // sees it gone.
        self.shared.producers.fetch_sub(1, Ordering::Release);
    }
}

impl<M: Message, const DEFECT: u8> Consumer<M> for BroadcastConsumer<M, DEFECT> {
    fn consume_batch(&mut self, max: usize, mut on: impl FnMut(&M)) -> Consumed {
        let shared = &*self.shared;
        loop {
            // Read before the inbox: a producer queues its last message
            // before it leaves, so an empty inbox after this is final.
            let gone = shared.producers.load(Ordering::Acquire) == 0;
            let mut handed = 0;
            while handed < max.max(1) {
                // The lock is not held while the handler runs.
                let next = shared.inboxes()[self.index]
                    .as_mut()
                    .and_then(VecDeque::pop_front);
                let Some(message) = next else {
                    break;
                };
                on(&message);
                handed += 1;
            }
            if handed > 0 {
                return Consumed::Items(handed);
            }
            if gone && DEFECT != NEVER_CLOSES {
                return Consumed::Closed;
            }
            if shared.cancel.is_cancelled() {
                return Consumed::Idle;
            }
            thread::yield_now();
        }
    }
}

impl<M, const DEFECT: u8> Drop for BroadcastConsumer<M, DEFECT> {
    fn drop(&mut self) {
        self.shared.inboxes()[self.index] = None;
    }
}

/// Every failure of `report` is one sentence: one line, no Debug dump of
/// an outcome or a verdict, no braces at all.
fn assert_sentences(report: &Report) {
    for failure in &report.failures {
        assert!(
            !failure.contains('\n')
                && !failure.contains("Completed {")
                && !failure.contains("Verdict {")
                && !failure.contains('{')
                && !failure.contains('}'),
            "not a sentence: {failure}"
        );
    }
}

/// A queue that damages 64- and 256-byte messages only in fan-out fails
/// there and nowhere else, each line naming fan-out, the payload and the
/// oracle's finding.
#[test]
fn corruption_in_fanout_above_8_bytes_is_caught_and_named() {
    let report = conformance::check_with::<Broadcast<CORRUPTS_FANOUT>>(QUIET);
    assert!(!report.passed(), "the corrupting queue conformed");
    assert_sentences(&report);
    for failure in &report.failures {
        assert!(
            failure.starts_with("mpmc_fanout P")
                && (failure.contains(", 64 B,") || failure.contains(", 256 B,"))
                && failure.contains("messages with damaged words"),
            "a failure outside fan-out above 8 B, or not the corruption: {failure}\n{report}"
        );
    }
    for payload in [", 64 B,", ", 256 B,"] {
        assert!(
            report
                .failures
                .iter()
                .any(|failure| failure.contains(payload)),
            "no failure at{payload}\n{report}"
        );
    }
}

/// A queue that never reports `Closed` fails in seconds, not minutes, in
/// every topology it claims, and the line says so.
#[test]
fn a_queue_that_never_closes_fails_in_seconds_saying_so() {
    let started = Instant::now();
    let report = conformance::check_with::<Broadcast<NEVER_CLOSES>>(QUIET);
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(60),
        "took {elapsed:?}\n{report}"
    );
    assert_sentences(&report);
    for topology in ["spsc", "mpsc", "mpmc_fanout"] {
        let line = report
            .failures
            .iter()
            .find(|failure| failure.starts_with(&format!("{topology} P")))
            .unwrap_or_else(|| panic!("no failure on {topology}\n{report}"));
        assert!(
            line.contains(": the consumers never saw Closed after the producers finished (")
                && line.contains("stopped at the 10 s deadline"),
            "{line}"
        );
    }
}
