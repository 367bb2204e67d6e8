//! Random pauses between a run thread's operations, for the soak
//! ([`Mode::Paused`](super::Mode::Paused)): after every publish and every
//! consume call, a thread waits a random time in a given range, as
//! fast-wait-free-queue's benchmark does, so that the windows between
//! operations (a claim and its publish on one side, a read and its release
//! on the other) are met at varied offsets. Never used for a comparison:
//! a paused run measures the pauses.

use std::time::{Duration, Instant};

use impls::message::mix;
use impls::{Cancel, Consumed, Consumer, Message, Producer, PublishError, Salt};

use crate::oracle::{Stage, Tally};

/// The range of the pauses, and the seed they are drawn from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pause {
    /// Shortest pause, in nanoseconds.
    pub min_ns: u32,
    /// Longest pause, in nanoseconds (at least `min_ns`).
    pub max_ns: u32,
    /// What each thread's sequence of pauses is drawn from (with the
    /// thread's index), so two runs with one seed pause alike.
    pub seed: u64,
}

/// One thread's pauses.
pub(super) struct Pauser {
    next: u64,
    min_ns: u64,
    choices: u64,
}

impl Pauser {
    /// Thread `thread`'s pauses under `pause`.
    pub(super) fn new(pause: Pause, thread: usize) -> Self {
        Pauser {
            next: mix(pause.seed ^ mix(thread as u64 + 1)),
            min_ns: u64::from(pause.min_ns),
            choices: u64::from(pause.max_ns.max(pause.min_ns) - pause.min_ns) + 1,
        }
    }

    /// The next pause's length, in nanoseconds.
    fn draw(&mut self) -> u64 {
        self.next = self.next.wrapping_add(0x9e37_79b9_7f4a_7c15);
        self.min_ns + mix(self.next) % self.choices
    }

    /// Waits the next pause, spinning on the clock.
    #[inline(never)]
    pub(super) fn pause(&mut self) {
        let ns = self.draw();
        let until = Instant::now() + Duration::from_nanos(ns);
        while Instant::now() < until {
            std::hint::spin_loop();
        }
    }
}

/// As the producer loop, pausing after every publish.
pub(super) fn paused_producer_loop<M: Message>(
    producer: &mut impl Producer<M>,
    (salt, id): (Salt, u16),
    quota: u64,
    batch: usize,
    pauser: &mut Pauser,
) -> Result<(), PublishError> {
    let mut next = 0;
    while next < quota {
        let n = (quota - next).min(batch as u64) as usize;
        producer.publish_batch(n, |index, message| {
            message.write(salt, id, next + index as u64)
        })?;
        next += n as u64;
        pauser.pause();
    }
    Ok(())
}

/// As the consumer loop (the stage loop where `stage` is given), pausing
/// after every call that handed messages. `true` when the queue closed,
/// `false` when the run was cancelled first.
pub(super) fn paused_consumer_loop<M: Message>(
    consumer: &mut impl Consumer<M>,
    batch: usize,
    (tally, mut stage): (&mut Tally, Option<&mut Stage>),
    pauser: &mut Pauser,
    cancel: &Cancel,
) -> bool {
    let mut observer = tally.observer();
    let closed = loop {
        let consumed = consumer.consume_slices(batch, |messages| {
            if let Some(stage) = stage.as_deref_mut() {
                stage.check(messages);
            }
            observer.observe_slice(messages);
            if let Some(stage) = stage.as_deref_mut() {
                stage.finished(messages);
            }
        });
        match consumed {
            Consumed::Items(_) => pauser.pause(),
            Consumed::Closed => break true,
            Consumed::Idle if cancel.is_cancelled() => break false,
            Consumed::Idle => {}
        }
    };
    observer.finish();
    if let Some(stage) = stage {
        tally.record_stage(stage);
    }
    closed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_stay_in_range_and_follow_the_seed() {
        let pause = Pause {
            min_ns: 50,
            max_ns: 150,
            seed: 7,
        };
        let draws = |thread| {
            let mut pauser = Pauser::new(pause, thread);
            (0..1000).map(|_| pauser.draw()).collect::<Vec<u64>>()
        };
        let first = draws(0);
        assert!(first.iter().all(|ns| (50..=150).contains(ns)));
        assert_eq!(first.iter().min(), Some(&50));
        assert_eq!(first.iter().max(), Some(&150));
        assert_eq!(first, draws(0));
        assert_ne!(first, draws(1));
    }
}
