//! The measured loops: the producer loop (plain and paced), the consumer
//! loop, the count-only consumers' loop and ping-pong's receive. The
//! sweep, the base case, the stress tests and the model checks drive
//! every implementation through these.

use std::thread;

use impls::{Cancel, Consumed, Consumer, Message, Producer, PublishError, Salt};

use crate::clock::Clock;
use crate::latency::Schedule;
use crate::oracle::{Stage, Tally};

/// Publishes sequences `0 .. quota` as producer `id` under the run's
/// `salt`, `batch` at a time.
#[inline(always)]
pub fn producer_loop<M: Message>(
    producer: &mut impl Producer<M>,
    salt: Salt,
    id: u16,
    quota: u64,
    batch: usize,
) -> Result<(), PublishError> {
    let mut next = 0;
    let extra = extra_work_per_batch();
    while next < quota {
        let n = (quota - next).min(batch as u64) as usize;
        producer.publish_batch(n, |index, message| {
            message.write(salt, id, next + index as u64)
        })?;
        next += n as u64;
        if extra != 0 {
            busy(extra);
        }
    }
    Ok(())
}

/// A test hook: `RINGLAB_TEST_EXTRA_WORK=N` makes every producer do `N`
/// steps of busy work after each batch it publishes, so that a build can
/// be made slower on purpose without touching any queue (how `harness ab`
/// is shown to find a slowdown). Read once per process; unset, 0.
pub const EXTRA_WORK_VAR: &str = "RINGLAB_TEST_EXTRA_WORK";

fn extra_work_per_batch() -> u64 {
    static EXTRA: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *EXTRA.get_or_init(|| {
        std::env::var(EXTRA_WORK_VAR)
            .ok()
            .and_then(|text| text.parse().ok())
            .unwrap_or(0)
    })
}

/// `steps` dependent additions the optimiser cannot remove.
#[cold]
#[inline(never)]
fn busy(steps: u64) {
    let mut sum = 0u64;
    for step in 0..steps {
        sum = std::hint::black_box(sum.wrapping_add(step));
    }
    std::hint::black_box(sum);
}

/// Waits until `clock` reads `at` (`true`) or the run is cancelled
/// (`false`), spinning, or yielding the core when `yields`.
#[inline]
fn wait_until(clock: &Clock, at: u64, yields: bool, cancel: &Cancel) -> bool {
    while clock.now() < at {
        if cancel.is_cancelled() {
            return false;
        }
        if yields {
            thread::yield_now();
        } else {
            std::hint::spin_loop();
        }
    }
    true
}

/// What a paced producer keeps to: its schedule, the clock the schedule
/// is read on, whether waiting for a due time yields the core, and the
/// run's cancel (a cancelled run stops waiting).
pub struct Pacing<'a> {
    /// Timer the schedule is in.
    pub clock: &'a Clock,
    /// When each message is due.
    pub schedule: &'a Schedule,
    /// Yield the core while waiting (spin otherwise).
    pub yields: bool,
    /// The run's cancel.
    pub cancel: &'a Cancel,
}

/// As [`producer_loop`], on `pacing`'s schedule: a batch is published
/// once its last message is due (a batching sender waits for its batch to
/// fill), and `sent` gets the tick each message was handed to the queue.
/// A producer that falls behind publishes at once; its lateness stays in
/// the corrected latencies.
#[inline(always)]
pub fn paced_producer_loop<M: Message>(
    producer: &mut impl Producer<M>,
    salt: Salt,
    id: u16,
    quota: u64,
    batch: usize,
    pacing: &Pacing<'_>,
    sent: &mut Vec<u64>,
) -> Result<(), PublishError> {
    let Pacing {
        clock,
        schedule,
        yields,
        cancel,
    } = *pacing;
    let mut next = 0;
    while next < quota {
        let n = (quota - next).min(batch as u64) as usize;
        if !wait_until(
            clock,
            schedule.intended(next + n as u64 - 1),
            yields,
            cancel,
        ) {
            return Err(PublishError::Cancelled);
        }
        let at = clock.now();
        sent.extend(std::iter::repeat_n(at, n));
        producer.publish_batch(n, |index, message| {
            message.write(salt, id, next + index as u64)
        })?;
        next += n as u64;
    }
    Ok(())
}

/// Consumes up to `batch` at a time into `tally` until the queue closes
/// (`true`) or `cancel` is set (`false`). An idle return that is not a
/// cancellation (a timeout-blocking wait running out) is just called again.
///
/// A function of its own, with the queue's `consume_batch` inlined into
/// it: inlined into a run thread's body, the observer's working copy
/// competes with everything else live there and is kept on the stack.
#[inline(never)]
pub fn consumer_loop<M: Message>(
    consumer: &mut impl Consumer<M>,
    batch: usize,
    tally: &mut Tally,
    cancel: &Cancel,
) -> bool {
    // The observer lives across the whole loop, so its working copy of a
    // producer's entry stays in registers between batches.
    let mut observer = tally.observer();
    let closed = consume_until_closed(consumer, batch, cancel, |messages| {
        observer.observe_slice(messages)
    });
    observer.finish();
    closed
}

/// As [`consumer_loop`], for a stage of a pipeline or diamond: before it
/// handles each slice, `stage` counts the messages an upstream stage has
/// not finished with; after, it publishes that this stage has (inside the
/// handler, before the queue can pass them on). What it counted goes into
/// `tally`.
#[inline(never)]
pub fn stage_loop<M: Message>(
    consumer: &mut impl Consumer<M>,
    batch: usize,
    tally: &mut Tally,
    stage: &mut Stage,
    cancel: &Cancel,
) -> bool {
    let mut observer = tally.observer();
    let closed = consume_until_closed(consumer, batch, cancel, |messages| {
        stage.check(messages);
        observer.observe_slice(messages);
        stage.finished(messages);
    });
    observer.finish();
    tally.record_stage(stage);
    closed
}

/// Takes up to `batch` at a time off the queue without reading them
/// ([`Consumer::discard_batch`]), counting them into `tally`, until the queue
/// closes (`true`) or `cancel` is set (`false`). For count-only runs.
///
/// The three consume loops here (this one, `consume_until_closed` and
/// `receive_one`) are written out rather than shared through a closure:
/// through a shared loop's closure, ring_mpsc at batch 1 lost a third of
/// its throughput (118 to 78 M/s, interleaved runs of the two builds on
/// the Xeon VM).
#[inline]
pub fn discard_loop<M: Message>(
    consumer: &mut impl Consumer<M>,
    batch: usize,
    tally: &mut Tally,
    cancel: &Cancel,
) -> bool {
    loop {
        match consumer.discard_batch(batch) {
            Consumed::Items(n) => tally.discard(n as u64),
            Consumed::Closed => return true,
            Consumed::Idle if cancel.is_cancelled() => return false,
            Consumed::Idle => {}
        }
    }
}

/// The loop of [`consumer_loop`], handing the messages to `on` as the
/// slices the queue hands over ([`Consumer::consume_slices`]). Always
/// inlined, so that what `on` updates can stay in the caller's registers.
#[inline(always)]
pub(super) fn consume_until_closed<M: Message>(
    consumer: &mut impl Consumer<M>,
    batch: usize,
    cancel: &Cancel,
    mut on: impl FnMut(&[M]),
) -> bool {
    loop {
        match consumer.consume_slices(batch, &mut on) {
            Consumed::Items(_) => {}
            Consumed::Closed => return true,
            Consumed::Idle if cancel.is_cancelled() => return false,
            Consumed::Idle => {}
        }
    }
}

/// Waits for one message from `consumer`, handed to `on`: `false` if the
/// queue closed or the run was cancelled first.
#[inline]
pub(super) fn receive_one<M: Message>(
    consumer: &mut impl Consumer<M>,
    cancel: &Cancel,
    mut on: impl FnMut(&M),
) -> bool {
    loop {
        match consumer.consume_batch(1, &mut on) {
            Consumed::Items(_) => return true,
            Consumed::Closed => return false,
            Consumed::Idle if cancel.is_cancelled() => return false,
            Consumed::Idle => {}
        }
    }
}
