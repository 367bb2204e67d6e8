//! The consumer's per-message bookkeeping: an [`Observer`] records each
//! message into a [`Tally`], keeping the current producer's entry in
//! registers, one message at a time or a slice at a time.

use impls::Message;
use impls::message::SEQUENCE_BITS;

use super::{PerProducer, Tally};

/// `Observer::producer` when it holds no producer's entry: more than the
/// 16 bits of a tag's producer field can name.
const NO_PRODUCER: u64 = 1 << 16;

/// `Observer::next_tag` when it holds no producer's entry: a producer
/// field of all ones, which no producer of a run has (at most 1024).
const NO_PRODUCER_TAG: u64 = 0xFFFF << SEQUENCE_BITS;

/// A consumer's per-message work: records each message into a [`Tally`],
/// keeping a working copy of the entry of the producer it saw last.
///
/// Consumers see messages in runs from one producer, in order (every
/// message in SPSC, a claimed batch or one producer's ring in MPSC), so
/// nearly every message is exactly the one that would come next: the held
/// producer's, with the next sequence. For such a message both the count
/// and the next expected tag grow by one, so only their difference is
/// kept, and the hot path holds two values, the next expected tag and the
/// checksum: a message costs a load, one compare and two additions, with
/// no load or store of the table and no bounds check. Any other message
/// (another producer, a gap in the sequence, a step back) takes the cold
/// path, which switches producers (writing the copy back and loading the
/// next), counts a step back as out of order, and adjusts the difference
/// so that the message is still counted once. The checks are the
/// table's, message by message: every message is counted and folded into
/// its producer's checksum, and a sequence below the one that would still
/// be in order counts as out of order. [`Observer::observe_slice`] does
/// the same for a slice of messages (what the rings hand over) with one
/// branch-free pass over it, and [`Observer::finish`] writes the copy back
/// at the end.
pub struct Observer<'t> {
    tally: &'t mut Tally,
    /// The working copy of the held producer's entry.
    held: Held,
}

/// The working copy an [`Observer`] keeps of one producer's entry: plain
/// values, so that the compiler keeps them in registers.
#[derive(Clone, Copy)]
struct Held {
    /// Index of the producer whose entry is held, or [`NO_PRODUCER`]. Read
    /// only on the cold path.
    producer: u64,
    /// The held producer's tag that would come next in order:
    /// `producer << 48 | next_sequence`. Its top 16 bits name the held
    /// producer (all ones when none is held, which no producer of a run
    /// has, as runs have at most 1024).
    next_tag: u64,
    /// The held producer's count (its entry's included) minus `next_tag`,
    /// wrapping. Read only on the cold path.
    count_offset: u64,
    /// The held producer's digests' wrapping sum, its entry's included.
    checksum: u64,
}

/// Observes `messages` one at a time, from `held`, and returns the
/// working copy after them: [`Observer::observe_slice`]'s cold path, out
/// of line so that the hot loop's values stay in registers.
#[cold]
#[inline(never)]
fn observe_each<M: Message>(tally: &mut Tally, held: Held, messages: &[M]) -> Held {
    let mut observer = Observer { tally, held };
    for message in messages {
        observer.observe(message);
    }
    observer.held
}

impl<'t> Observer<'t> {
    /// An observer holding nothing yet (see [`Tally::observer`]).
    #[inline(always)]
    pub(super) fn new(tally: &'t mut Tally) -> Self {
        Observer {
            tally,
            held: Held {
                producer: NO_PRODUCER,
                next_tag: NO_PRODUCER_TAG,
                // A count of 0 while nothing is held.
                count_offset: NO_PRODUCER_TAG.wrapping_neg(),
                checksum: 0,
            },
        }
    }

    /// Records one message: the consumer's per-message work.
    #[inline(always)]
    pub fn observe<M: Message>(&mut self, message: &M) {
        let tag = message.tag();
        let digest = message.digest();
        // Inlined rather than called: values live across a call must sit
        // in the few registers calls preserve, and the compiler would then
        // keep the working copy in memory, each message waiting on the
        // last one's store.
        if tag != self.held.next_tag && !self.irregular(tag) {
            return;
        }
        self.held.checksum = self.held.checksum.wrapping_add(digest);
        self.held.next_tag = tag.wrapping_add(1);
    }

    /// The cold path, for a message other than the one that would come
    /// next: afterwards `next_tag` is `tag`, so the hot path's update
    /// counts it. `false` when it names no producer of the run (then it is
    /// counted as corrupted and nothing else changes).
    #[inline(always)]
    fn irregular(&mut self, tag: u64) -> bool {
        if (tag ^ self.held.next_tag) >> SEQUENCE_BITS != 0 {
            let to = tag >> SEQUENCE_BITS;
            let Some(&next) = self.tally.producers.get(to as usize) else {
                self.tally.unknown_producer += 1;
                return false;
            };
            self.put_back();
            self.held.producer = to;
            self.held.next_tag = (to << SEQUENCE_BITS).wrapping_add(next.next_sequence);
            self.held.count_offset = next.count.wrapping_sub(self.held.next_tag);
            self.held.checksum = next.checksum;
        }
        if tag != self.held.next_tag {
            // The held producer's, out of the expected sequence: a gap (a
            // loss, or another consumer's share in work-sharing) or a step
            // back (out of order). Keep the count where it is while
            // `next_tag` jumps to `tag`.
            self.tally.out_of_order += u64::from(tag < self.held.next_tag);
            self.held.count_offset = self
                .held
                .count_offset
                .wrapping_add(self.held.next_tag)
                .wrapping_sub(tag);
            self.held.next_tag = tag;
        }
        true
    }

    /// Records every message of `messages`, in order: the same tally as
    /// [`Observer::observe`] on each, for less work per message.
    ///
    /// Most slices are a run of the held producer's messages in sequence.
    /// One pass checks that, for every message: it compares each tag with
    /// the tag due at its place (folding the differences into one word by
    /// `|`) and adds up the digests, every word of every message read. The
    /// pass has no branch and no table access, so the compiler vectorises
    /// it. If every tag was the one due, the run is recorded as a whole,
    /// which is exactly what `observe` would have done message by message;
    /// otherwise nothing is recorded from the pass, and the slice is
    /// observed again one message at a time, so a slice with a producer
    /// change, a gap, a step back or a damaged tag ends with the same
    /// tally as it would have.
    #[inline(always)]
    pub fn observe_slice<M: Message>(&mut self, messages: &[M]) {
        let mut due = self.held.next_tag;
        let mut mismatch = 0;
        let mut sum: u64 = 0;
        for message in messages {
            mismatch |= message.tag() ^ due;
            due = due.wrapping_add(1);
            sum = sum.wrapping_add(message.digest());
        }
        if mismatch == 0 {
            self.held.checksum = self.held.checksum.wrapping_add(sum);
            self.held.next_tag = due;
        } else {
            self.held = observe_each(self.tally, self.held, messages);
        }
    }

    /// Writes the working copy back into the tally. Until this is called
    /// the tally lacks what the observer recorded. (It is no `Drop`: a
    /// destructor would run on unwinding, which takes the observer's
    /// address and keeps its working copy out of registers.)
    #[inline(always)]
    pub fn finish(mut self) {
        self.put_back();
    }

    /// Puts the working copy back into the held producer's entry.
    /// Messages counted while no producer was held carried the all-ones
    /// producer field, which names no producer of a run: they are counted
    /// as corrupted.
    #[inline(always)]
    fn put_back(&mut self) {
        let count = self.held.next_tag.wrapping_add(self.held.count_offset);
        match self.tally.producers.get_mut(self.held.producer as usize) {
            Some(slot) => {
                *slot = PerProducer {
                    count,
                    checksum: self.held.checksum,
                    next_sequence: self
                        .held
                        .next_tag
                        .wrapping_sub(self.held.producer << SEQUENCE_BITS),
                }
            }
            None => self.tally.unknown_producer += count,
        }
    }
}
