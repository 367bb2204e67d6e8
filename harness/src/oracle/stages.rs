//! Stage order, for the dependency graphs (`pipeline`, `diamond`): a
//! stage may handle a message only after every stage it depends on
//! ([`Topology::upstream`]) has finished with it.
//!
//! Each stage publishes, per producer, one past the last sequence it has
//! finished with, on a [`StageBoard`] the run's consumers share. The
//! publication is made inside the handler, after the message is read and
//! before the implementation can pass it downstream (it does that only
//! once the handler has returned). Before a stage handles a message, it
//! compares the message's sequence with what its upstream stages have
//! published; one that an upstream stage has not finished with is counted
//! as early. A correct queue passes the message downstream only after the
//! upstream handler returned, through its own release and acquire, so the
//! downstream's read sees the publication: a correct run never counts one.
//!
//! The cost: per slice, one store per producer run on a line the
//! downstream stage reads; per message of a dependent stage, one compare
//! with a cached limit, and a load of the upstream's line only when the
//! cache says the message may be early.

use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crossbeam_utils::CachePadded;
use impls::message::{MAX_SEQUENCE, SEQUENCE_BITS, Salt};
use impls::{Message, Topology};

/// What every stage of one run has finished with: per consumer and
/// producer, one past the last sequence handled. Consumer `c`'s entries
/// are written by consumer `c` alone and read by the stages downstream.
pub struct StageBoard {
    topology: Topology,
    consumers: usize,
    producers: usize,
    /// `consumers * producers` entries, consumer-major, each on its own
    /// cache line.
    finished: Box<[CachePadded<AtomicU64>]>,
}

impl StageBoard {
    /// A board for a run of `topology`, or none where no consumer waits
    /// for another.
    pub fn new(topology: Topology, producers: usize, consumers: usize) -> Option<Arc<Self>> {
        let has_stages = (0..consumers).any(|c| !topology.upstream(c, consumers).is_empty());
        has_stages.then(|| {
            Arc::new(StageBoard {
                topology,
                consumers,
                producers,
                finished: (0..consumers * producers)
                    .map(|_| CachePadded::new(AtomicU64::new(0)))
                    .collect(),
            })
        })
    }

    /// Consumer `consumer`'s view of the board, for messages salted with
    /// `salt`.
    pub fn stage(self: &Arc<Self>, consumer: usize, salt: Salt) -> Stage {
        let upstream = self.topology.upstream(consumer, self.consumers);
        let downstream = (0..self.consumers).any(|other| {
            self.topology
                .upstream(other, self.consumers)
                .contains(&consumer)
        });
        Stage {
            limits: vec![if upstream.is_empty() { u64::MAX } else { 0 }; self.producers],
            checks: !upstream.is_empty(),
            publishes: downstream,
            board: Arc::clone(self),
            consumer,
            upstream,
            salt,
            early: 0,
        }
    }

    fn entry(&self, consumer: usize, producer: usize) -> &AtomicU64 {
        &self.finished[consumer * self.producers + producer]
    }
}

/// One consumer's part in the stage order check: [`Stage::check`] before
/// it handles a slice, [`Stage::finished`] after.
pub struct Stage {
    board: Arc<StageBoard>,
    consumer: usize,
    upstream: Range<usize>,
    /// Per producer, the lowest sequence not known to be finished by every
    /// upstream stage (a cache of the board; `u64::MAX` with no upstream).
    limits: Vec<u64>,
    /// Whether this stage waits for any other.
    checks: bool,
    /// Whether any stage waits for this one.
    publishes: bool,
    salt: Salt,
    /// Messages handled before an upstream stage had finished with them.
    early: u64,
}

impl Stage {
    /// Counts every message of `messages` that a stage this one depends on
    /// has not finished with yet. Call before handling them.
    #[inline(always)]
    pub fn check<M: Message>(&mut self, messages: &[M]) {
        if !self.checks {
            return;
        }
        for message in messages {
            let (producer, sequence) = self.split(message);
            if let Some(&limit) = self.limits.get(producer)
                && sequence >= limit
            {
                self.refresh(producer, sequence);
            }
        }
    }

    /// The cache said `sequence` may be early: read the board again.
    #[cold]
    #[inline(never)]
    fn refresh(&mut self, producer: usize, sequence: u64) {
        let board = &self.board;
        // Relaxed: only the value matters. In a correct queue the upstream
        // handler's store happens before this load (through the queue's
        // own release and acquire), so coherence makes it visible here.
        let limit = self
            .upstream
            .clone()
            .map(|stage| board.entry(stage, producer).load(Ordering::Relaxed))
            .min()
            .unwrap_or(u64::MAX);
        self.limits[producer] = limit;
        self.early += u64::from(sequence >= limit);
    }

    /// Publishes that this stage has finished with `messages`. Call after
    /// handling them, inside the handler.
    #[inline(always)]
    pub fn finished<M: Message>(&mut self, messages: &[M]) {
        if !self.publishes {
            return;
        }
        // The last message of each run of one producer's messages.
        for (index, message) in messages.iter().enumerate() {
            let (producer, sequence) = self.split(message);
            let run_ends = messages
                .get(index + 1)
                .is_none_or(|next| self.split(next).0 != producer);
            if run_ends && producer < self.board.producers {
                // Relaxed: see `refresh`.
                self.board
                    .entry(self.consumer, producer)
                    .store(sequence + 1, Ordering::Relaxed);
            }
        }
    }

    /// Messages handled before an upstream stage had finished with them.
    pub fn early(&self) -> u64 {
        self.early
    }

    #[inline(always)]
    fn split<M: Message>(&self, message: &M) -> (usize, u64) {
        let tag = message.tag(self.salt);
        ((tag >> SEQUENCE_BITS) as usize, tag & MAX_SEQUENCE)
    }
}

#[cfg(test)]
mod tests {
    use impls::Msg8;

    use super::*;

    const SALT: Salt = Salt(77);

    fn messages(producer: u16, sequences: Range<u64>) -> Vec<Msg8> {
        sequences.map(|s| Msg8::new(SALT, producer, s)).collect()
    }

    #[test]
    fn a_stage_ahead_of_its_upstream_is_counted_and_one_behind_is_not() {
        let board = StageBoard::new(Topology::Pipeline, 2, 2).expect("a pipeline has stages");
        let (mut first, mut second) = (board.stage(0, SALT), board.stage(1, SALT));
        first.check(&messages(0, 0..4));
        first.finished(&messages(0, 0..4));
        second.check(&messages(0, 0..4));
        assert_eq!(second.early(), 0);
        // Producer 1's messages: none finished upstream yet.
        second.check(&messages(1, 0..2));
        assert_eq!(second.early(), 2);
        // Producer 0's 4 and 5: beyond what the first stage finished.
        second.check(&messages(0, 4..6));
        assert_eq!(second.early(), 4);
        assert_eq!(first.early(), 0, "the first stage waits for nobody");
    }

    #[test]
    fn slices_mixing_producers_publish_each_run() {
        let board = StageBoard::new(Topology::Diamond, 2, 3).expect("a diamond has stages");
        let mut slice = messages(0, 0..3);
        slice.extend(messages(1, 0..5));
        slice.extend(messages(0, 3..4));
        let (mut left, mut right, mut last) = (
            board.stage(0, SALT),
            board.stage(1, SALT),
            board.stage(2, SALT),
        );
        left.finished(&slice);
        last.check(&slice);
        assert_eq!(last.early(), 9, "the right stage has finished nothing");
        right.finished(&slice);
        let mut again = board.stage(2, SALT);
        again.check(&slice);
        assert_eq!(again.early(), 0);
    }

    #[test]
    fn topologies_without_stages_have_no_board() {
        for topology in [
            Topology::Spsc,
            Topology::MpmcFanout,
            Topology::MpmcWorkerPool,
        ] {
            assert!(StageBoard::new(topology, 1, 2).is_none(), "{topology}");
        }
    }
}
