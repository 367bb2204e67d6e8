//! The consumer's per-message bookkeeping: an [`Observer`] records each
//! message into a [`Tally`], keeping the current producer's entry in
//! registers, one message at a time or a slice at a time.

use impls::Message;
use impls::message::SEQUENCE_BITS;

use super::{PerProducer, Tally};

/// `Observer::producer` when it holds no producer's entry: more than the
/// 16 bits of a tag's producer field can name.
const NO_PRODUCER: u64 = 1 << 16;

/// The tag `Observer::next_word` stands for when it holds no producer's
/// entry: a producer field of all ones, which no producer of a run has (at
/// most 1024).
const NO_PRODUCER_TAG: u64 = 0xFFFF << SEQUENCE_BITS;

/// A consumer's per-message work: records each message into a [`Tally`],
/// keeping a working copy of the entry of the producer it saw last.
///
/// Consumers see messages in runs from one producer, in order (every
/// message in SPSC, a claimed batch or one producer's ring in MPSC, a run
/// of a producer's messages in work-sharing), so nearly every message is
/// exactly the one that would come next: the held producer's, with the
/// next sequence. Its first word is then the held one plus one (the run's
/// salt is added to every tag, so consecutive tags stay consecutive), so
/// the hot path compares the first word with the one due and adds the
/// digest: one compare, two additions, no table access and no bounds
/// check. Any other message (another producer, a gap in the sequence, a
/// step back) takes the cold path for that message alone, which switches
/// producers (writing the copy back and loading the next), counts a step
/// back as out of order, and keeps the count right across a gap. The
/// checks are the table's, message by message: every message is counted
/// and folded into its producer's checksum, and a sequence below the one
/// that would still be in order counts as out of order.
///
/// The cost per message thus depends on how often the stream breaks, not
/// on where: a slice that starts with another producer (MPSC, where the
/// consumer moves from ring to ring) or after a gap (work-sharing) pays
/// the cold path once, for its first message, and the hot path for the
/// rest. [`Observer::finish`] writes the copy back at the end.
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
    /// The first word of the message that would come next in order: the
    /// held producer's tag `producer << 48 | next_sequence`, salted. Its
    /// tag's top 16 bits name the held producer (all ones when none is
    /// held, which no producer of a run has).
    next_word: u64,
    /// The held producer's count (its entry's included) minus `next_word`,
    /// wrapping. Read only on the cold path.
    count_offset: u64,
    /// The held producer's digests' wrapping sum, its entry's included.
    checksum: u64,
}

impl Held {
    /// Records the message whose first word is `next_word`.
    #[inline(always)]
    fn take(&mut self, digest: u64) {
        self.checksum = self.checksum.wrapping_add(digest);
        self.next_word = self.next_word.wrapping_add(1);
    }
}

/// The cold path, for a message whose first word `word` is not the one
/// due: afterwards `held.next_word` is `word` (so the caller's hot-path
/// update counts it), or, when it names no producer of the run, it is
/// counted as corrupted and the working copy is left unchanged.
///
/// Out of line, so that the hot loop's values stay in registers; the
/// working copy goes by reference, as plain words. (Passed and returned
/// by value, a 32-byte copy is moved in vector registers and read back
/// in words, which the processor cannot forward from its stores: at a
/// producer change per message that cost about 12 ns a message.)
#[cold]
#[inline(never)]
fn irregular(tally: &mut Tally, held: &mut Held, word: u64) {
    switch(tally, held, word);
}

/// [`irregular`]'s work, inlined where the caller's hot values are not
/// live across it (between [`Observer::observe_slice`]'s runs).
#[inline(always)]
fn switch(tally: &mut Tally, held: &mut Held, word: u64) {
    let salt = tally.salt;
    let tag = salt.unsalted(word);
    if (tag ^ salt.unsalted(held.next_word)) >> SEQUENCE_BITS != 0 {
        let to = tag >> SEQUENCE_BITS;
        let Some(&next) = tally.producers.get(to as usize) else {
            tally.unknown_producer += 1;
            return;
        };
        put_back(tally, held);
        let next_word = salt.salted((to << SEQUENCE_BITS).wrapping_add(next.next_sequence));
        *held = Held {
            producer: to,
            next_word,
            count_offset: next.count.wrapping_sub(next_word),
            checksum: next.checksum,
        };
    }
    let due = salt.unsalted(held.next_word);
    if tag != due {
        // The held producer's, out of the expected sequence: a gap (a
        // loss, or another consumer's share in work-sharing) or a step
        // back (out of order). Keep the count where it is while
        // `next_word` jumps to `word`.
        tally.out_of_order += u64::from(tag < due);
        held.count_offset = held
            .count_offset
            .wrapping_add(held.next_word)
            .wrapping_sub(word);
        held.next_word = word;
    }
}

/// Puts the working copy back into the held producer's entry. Messages
/// counted while no producer was held carried the all-ones producer
/// field, which names no producer of a run: they are counted as corrupted.
#[inline(always)]
fn put_back(tally: &mut Tally, held: &Held) {
    let count = held.next_word.wrapping_add(held.count_offset);
    let tag = tally.salt.unsalted(held.next_word);
    match tally.producers.get_mut(held.producer as usize) {
        Some(slot) => {
            *slot = PerProducer {
                count,
                checksum: held.checksum,
                next_sequence: tag.wrapping_sub(held.producer << SEQUENCE_BITS),
            }
        }
        None => tally.unknown_producer += count,
    }
}

impl<'t> Observer<'t> {
    /// An observer holding nothing yet (see [`Tally::observer`]).
    #[inline(always)]
    pub(super) fn new(tally: &'t mut Tally) -> Self {
        let next_word = tally.salt.salted(NO_PRODUCER_TAG);
        Observer {
            tally,
            held: Held {
                producer: NO_PRODUCER,
                next_word,
                // A count of 0 while nothing is held.
                count_offset: next_word.wrapping_neg(),
                checksum: 0,
            },
        }
    }

    /// Records one message: the consumer's per-message work.
    #[inline(always)]
    pub fn observe<M: Message>(&mut self, message: &M) {
        let word = message.first_word();
        let digest = message.digest();
        if word != self.held.next_word {
            let mut held = self.held;
            irregular(self.tally, &mut held, word);
            self.held = held;
            if word != self.held.next_word {
                return;
            }
        }
        self.held.take(digest);
    }

    /// Records every message of `messages`, in order: the same tally as
    /// [`Observer::observe`] on each.
    ///
    /// The run of messages that come next in order is recorded by a tight
    /// loop that reads every word of every message and keeps its sum and
    /// the word due in registers; the message that breaks the run (another
    /// producer, a gap, a step back, a damaged tag) takes the cold path
    /// alone, and the run after it goes on in the tight loop.
    #[inline(always)]
    pub fn observe_slice<M: Message>(&mut self, messages: &[M]) {
        let mut held = self.held;
        let mut rest = messages;
        loop {
            let mut due = held.next_word;
            let mut sum: u64 = 0;
            let mut taken = 0;
            for message in rest {
                if message.first_word() != due {
                    break;
                }
                sum = sum.wrapping_add(message.digest());
                due = due.wrapping_add(1);
                taken += 1;
            }
            held.checksum = held.checksum.wrapping_add(sum);
            held.next_word = due;
            let Some((breaker, after)) = rest[taken..].split_first() else {
                break;
            };
            let word = breaker.first_word();
            switch(self.tally, &mut held, word);
            if word == held.next_word {
                held.take(breaker.digest());
            }
            rest = after;
        }
        self.held = held;
    }

    /// Writes the working copy back into the tally. Until this is called
    /// the tally lacks what the observer recorded. (It is no `Drop`: a
    /// destructor would run on unwinding, which takes the observer's
    /// address and keeps its working copy out of registers.)
    #[inline(always)]
    pub fn finish(self) {
        put_back(self.tally, &self.held);
    }
}
