//! A consumer's tally: per producer, how many messages it received, their
//! checksum and the next sequence in order, and counts of messages out of
//! order, early, corrupted, from no producer of the run, or unread.

use impls::Message;
use impls::message::Salt;

use super::stages::Stage;

/// What one producer's messages looked like to one consumer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct PerProducer {
    /// Messages received.
    pub(super) count: u64,
    /// Wrapping sum, over the runs of consecutive messages received, of
    /// `mix(one past the run's last first word) - mix(its first first word)`.
    pub(super) checksum: u64,
    /// Lowest sequence number that would still be in order.
    pub(super) next_sequence: u64,
}

/// One consumer's bookkeeping. The measured loops update it through an
/// [`Observer`](super::Observer), which keeps the entry of the producer seen last in
/// registers; [`Tally::observe`] is the same check for one message.
#[derive(Clone, Debug)]
pub struct Tally {
    pub(super) producers: Vec<PerProducer>,
    /// Messages that arrived below a sequence already seen from their producer.
    pub(super) out_of_order: u64,
    /// Messages whose tag names a producer that does not exist.
    pub(super) unknown_producer: u64,
    /// Messages whose words after the first are not the ones derived from
    /// it (torn or damaged).
    pub(super) corrupted: u64,
    /// Messages taken off the queue without being read (count-only runs).
    pub(super) unread: u64,
    /// Messages handled before a stage they depend on had finished with
    /// them (pipeline and diamond runs).
    pub(super) early: u64,
    /// The run's salt, which the messages' tags carry.
    pub(super) salt: Salt,
}

impl Tally {
    /// An empty tally for a run with `producers` producers whose messages
    /// carry `salt`.
    pub fn new(producers: usize, salt: Salt) -> Self {
        Self {
            producers: vec![PerProducer::default(); producers],
            out_of_order: 0,
            unknown_producer: 0,
            corrupted: 0,
            unread: 0,
            early: 0,
            salt,
        }
    }

    /// A tally kept elsewhere (a foreign child's, reported over the
    /// protocol in [`crate::foreign`]): per producer, by index, its count,
    /// checksum (kept as [`Observer`](super::Observer) keeps it) and one past the last
    /// sequence seen; then the messages out of order, those naming no
    /// producer, and those with damaged words.
    pub fn from_parts(
        producers: impl IntoIterator<Item = (u64, u64, u64)>,
        out_of_order: u64,
        unknown_producer: u64,
        corrupted: u64,
    ) -> Self {
        Self {
            producers: producers
                .into_iter()
                .map(|(count, checksum, next_sequence)| PerProducer {
                    count,
                    checksum,
                    next_sequence,
                })
                .collect(),
            out_of_order,
            unknown_producer,
            corrupted,
            unread: 0,
            early: 0,
            // Judged, never observed into.
            salt: Salt::NONE,
        }
    }

    /// Records what `stage` found: messages this consumer handled before
    /// a stage they depend on had finished with them.
    pub fn record_stage(&mut self, stage: &Stage) {
        self.early += stage.early();
    }

    /// Records `n` messages taken off the queue unread (count-only runs).
    #[inline(always)]
    pub fn discard(&mut self, n: u64) {
        self.unread += n;
    }

    /// Records one message (the same check as [`Observer::observe`](super::Observer::observe), which
    /// the measured loops use).
    pub fn observe<M: Message>(&mut self, message: &M) {
        let mut observer = self.observer();
        observer.observe(message);
        observer.finish();
    }

    /// Adds `other`'s observations of producers this tally has not seen
    /// (one thread's tally per producer, as in the base case, merged into
    /// one consumer's view). Counts and checksums add; for a producer both
    /// saw, the order check keeps the later position.
    pub fn absorb(&mut self, other: &Tally) {
        debug_assert_eq!(self.salt, other.salt, "tallies of one run");
        if self.producers.len() < other.producers.len() {
            self.producers
                .resize(other.producers.len(), PerProducer::default());
        }
        for (mine, theirs) in self.producers.iter_mut().zip(&other.producers) {
            mine.count += theirs.count;
            mine.checksum = mine.checksum.wrapping_add(theirs.checksum);
            mine.next_sequence = mine.next_sequence.max(theirs.next_sequence);
        }
        self.out_of_order += other.out_of_order;
        self.unknown_producer += other.unknown_producer;
        self.corrupted += other.corrupted;
        self.unread += other.unread;
        self.early += other.early;
    }

    /// What this consumer saw of `producer`'s messages (nothing, for a
    /// producer the run does not have).
    pub fn seen(&self, producer: usize) -> Seen {
        self.producers
            .get(producer)
            .map_or(Seen::default(), |entry| Seen {
                count: entry.count,
                next_sequence: entry.next_sequence,
            })
    }

    /// Messages recorded.
    pub fn count(&self) -> u64 {
        self.producers.iter().map(|entry| entry.count).sum::<u64>()
            + self.unknown_producer
            + self.unread
    }
}

/// What one consumer saw of one producer's messages ([`Tally::seen`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Seen {
    /// Messages received.
    pub count: u64,
    /// One past the sequence of the last message received: a consumer
    /// that saw exactly the producer's first `n` messages, in order, has
    /// `count == next_sequence == n`.
    pub next_sequence: u64,
}
