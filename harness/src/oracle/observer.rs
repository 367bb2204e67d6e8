//! The consumer's per-message bookkeeping: an [`Observer`] records each
//! message into a [`Tally`], keeping the current producer's entry in
//! registers, one message at a time or a slice at a time.

use impls::Message;
use impls::message::{SEQUENCE_BITS, mix};

use super::tally::{PerProducer, Tally};

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
/// salt is added to every tag, so consecutive tags stay consecutive), and
/// its other words are the ones derived from it. The hot path checks
/// exactly that, reading every word, and moves the word due on by one:
/// no table access, no bounds check, nothing else.
///
/// The checksum is kept per run, not per message: a run of consecutive
/// messages from first word `a` to one before `b` adds `mix(b) - mix(a)`
/// ([`mix`]), once, where it breaks. Every message of a run was compared
/// exactly with the one due, so the runs say which messages arrived; the
/// sums of the runs' mixed ends, over all consumers, equal the producer's
/// `mix(end) - mix(start)` exactly when the runs cover its sequences once
/// each (a cover's signed ends determine it), and otherwise by a chance of
/// about one in 2^64.
///
/// Any other message (another producer, a gap in the sequence, a step
/// back, a damaged word) takes the cold path, for that message alone:
/// it closes the run it breaks, switches producers where it must
/// (writing the copy back and loading the next), counts a step back as
/// out of order and damage as corrupted, keeps the count right across a
/// gap, and opens the next run. So the cost per message depends on how
/// often the stream breaks, not on where: a slice that starts with
/// another producer (MPSC, where the consumer moves from ring to ring) or
/// after a gap (work-sharing) pays the cold path once, for its first
/// message, and the hot path for the rest. [`Observer::finish`] closes the
/// last run and writes the copy back.
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
    /// The held producer's checksum, its entry's included, less the mixed
    /// first word of its open run (which adds the mixed end when it
    /// closes). Read only on the cold path.
    checksum: u64,
}

/// The cold path, for a message whose first word `word` is not the one
/// due or whose other words are damaged (`damage` not 0): afterwards
/// `held.next_word` is `word` (so the caller's hot-path step counts it),
/// or, when it names no producer of the run, it is counted as corrupted
/// and the working copy is left unchanged.
///
/// Out of line, so that the hot loops' values stay in registers; the
/// working copy goes by reference, as plain words.
#[cold]
#[inline(never)]
fn irregular(tally: &mut Tally, held: &mut Held, word: u64, damage: u64) {
    switch(tally, held, word, damage);
}

/// [`irregular`]'s work, inlined where the caller's hot values are not
/// live across it (between [`Observer::observe_slice`]'s runs).
#[inline(always)]
fn switch(tally: &mut Tally, held: &mut Held, word: u64, damage: u64) {
    tally.corrupted += u64::from(damage != 0);
    if word == held.next_word {
        // In sequence, only its payload damaged (counted above).
        return;
    }
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
    } else {
        // The held producer's run breaks here: close it.
        held.checksum = held.checksum.wrapping_add(mix(held.next_word));
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
    // A run opens at `word`.
    held.checksum = held.checksum.wrapping_sub(mix(word));
}

/// Closes the held producer's open run and puts the working copy back
/// into its entry. Messages counted while no producer was held carried the
/// all-ones producer field, which names no producer of a run: they are
/// counted as corrupted.
#[inline(always)]
fn put_back(tally: &mut Tally, held: &Held) {
    let count = held.next_word.wrapping_add(held.count_offset);
    let tag = tally.salt.unsalted(held.next_word);
    match tally.producers.get_mut(held.producer as usize) {
        Some(slot) => {
            *slot = PerProducer {
                count,
                checksum: held.checksum.wrapping_add(mix(held.next_word)),
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
        let damage = message.damage();
        if word != self.held.next_word || damage != 0 {
            let mut held = self.held;
            irregular(self.tally, &mut held, word, damage);
            self.held = held;
            if word != self.held.next_word {
                return;
            }
        }
        self.held.next_word = word.wrapping_add(1);
    }

    /// Records every message of `messages`, in order: the same tally as
    /// [`Observer::observe`] on each.
    ///
    /// One pass with no branch and no table access checks every word of
    /// every message against the one due at its place, folding the
    /// differences into one word, so the compiler vectorises it. When
    /// every message was the one due, the run just moves on. Otherwise the
    /// first message that breaks it is found, the messages before it are
    /// recorded as the run's, the breaker takes the cold path alone, and
    /// the rest of the slice goes through the same pass again.
    #[inline(always)]
    pub fn observe_slice<M: Message>(&mut self, messages: &[M]) {
        let mut held = self.held;
        let mut rest = messages;
        while !rest.is_empty() {
            let due = held.next_word;
            // One-word messages: the branch-free pass first (vectorised
            // across messages). Longer ones go straight to the scan below,
            // which checks each message's words as one vector: across
            // messages, the pass was twice as slow at 64 bytes.
            if M::BYTES == 8 && rest[0].first_word() == due && breaks(rest, due) == 0 {
                held.next_word = due.wrapping_add(rest.len() as u64);
                break;
            }
            // The first message that is not the one due at its place.
            let at = rest
                .iter()
                .zip(0u64..)
                .position(|(message, offset)| {
                    message.first_word() != due.wrapping_add(offset) || message.damage() != 0
                })
                .unwrap_or(rest.len());
            held.next_word = due.wrapping_add(at as u64);
            let Some((breaker, after)) = rest[at..].split_first() else {
                break;
            };
            let word = breaker.first_word();
            switch(self.tally, &mut held, word, breaker.damage());
            if word == held.next_word {
                held.next_word = word.wrapping_add(1);
            }
            rest = after;
        }
        self.held = held;
    }

    /// Closes the open run and writes the working copy back into the
    /// tally. Until this is called the tally lacks what the observer
    /// recorded. (It is no `Drop`: a destructor would run on unwinding,
    /// which takes the observer's address and keeps its working copy out
    /// of registers.)
    #[inline(always)]
    pub fn finish(self) {
        put_back(self.tally, &self.held);
    }
}

/// Every message of `messages` compared, word for word, with the one due
/// at its place from `due` on: 0 when all are, not 0 otherwise. No branch
/// and no table access, so the compiler vectorises it.
#[inline(always)]
fn breaks<M: Message>(messages: &[M], due: u64) -> u64 {
    messages
        .iter()
        .zip(0u64..)
        .fold(0, |breaks, (message, offset)| {
            breaks | (message.first_word() ^ due.wrapping_add(offset)) | message.damage()
        })
}

impl Tally {
    /// An observer that records into this tally; [`Observer::finish`]
    /// writes what it recorded back.
    #[must_use = "what an observer records reaches the tally only through `finish`"]
    #[inline(always)]
    pub fn observer(&mut self) -> Observer<'_> {
        Observer::new(self)
    }
}
