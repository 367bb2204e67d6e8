//! The message every implementation carries, in three payload sizes.
//!
//! A message is `WORDS` 64-bit words. The first word is the *tag*: the
//! producer's index in the top 16 bits and its sequence number in the low 48.
//! The other words are derived from the tag, so the oracle can recompute the
//! digest of any message and a torn or corrupted read shows up as a checksum
//! mismatch. Consumers read every word ([`Message::digest`]), so every
//! implementation does the same work per message whatever its payload size.

use core::fmt::Debug;

/// Bits of the tag that hold the sequence number.
pub const SEQUENCE_BITS: u32 = 48;
/// Largest sequence number a tag can hold.
pub const MAX_SEQUENCE: u64 = (1 << SEQUENCE_BITS) - 1;

/// What implementations carry: plain data, written in place by producers and
/// read in place by consumers.
pub trait Message: Copy + Default + Debug + Send + Sync + 'static {
    /// Size of the message in bytes (the scenario's `payload`).
    const BYTES: usize;

    /// Fills every word of the message for `(producer, sequence)`.
    fn write(&mut self, producer: u16, sequence: u64);

    /// The first word: producer in the top 16 bits, sequence in the low 48.
    fn tag(&self) -> u64;

    /// Folds every word of the message into one value (the consumer's work).
    fn digest(&self) -> u64;

    /// The message `write` produces for `(producer, sequence)`.
    fn new(producer: u16, sequence: u64) -> Self {
        Self::new_with(|message| message.write(producer, sequence))
    }

    /// A default message that `fill` then writes in place.
    #[inline(always)]
    fn new_with(fill: impl FnOnce(&mut Self)) -> Self {
        let mut message = Self::default();
        fill(&mut message);
        message
    }
}

/// Splits a tag into `(producer, sequence)`.
#[inline(always)]
pub fn split_tag(tag: u64) -> (u16, u64) {
    ((tag >> SEQUENCE_BITS) as u16, tag & MAX_SEQUENCE)
}

/// A message of `WORDS` 64-bit words (`8 * WORDS` bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, align(8))]
pub struct Msg<const WORDS: usize> {
    words: [u64; WORDS],
}

/// An 8-byte message (the tag alone).
pub type Msg8 = Msg<1>;
/// A 64-byte message: one cache line.
pub type Msg64 = Msg<8>;
/// A 256-byte message.
pub type Msg256 = Msg<32>;

/// Payload sizes the harness can run, in bytes.
pub const PAYLOAD_SIZES: [usize; 3] = [Msg8::BYTES, Msg64::BYTES, Msg256::BYTES];

impl<const WORDS: usize> Msg<WORDS> {
    /// Its words, to damage a message on purpose (tests of the oracle).
    pub fn words_mut(&mut self) -> &mut [u64; WORDS] {
        &mut self.words
    }
}

impl<const WORDS: usize> Default for Msg<WORDS> {
    fn default() -> Self {
        Self { words: [0; WORDS] }
    }
}

// Odd multiplier from splitmix64: cheap, and spreads neighbouring tags apart.
const MIX: u64 = 0x9E37_79B9_7F4A_7C15;

impl<const WORDS: usize> Message for Msg<WORDS> {
    const BYTES: usize = 8 * WORDS;

    #[inline(always)]
    fn write(&mut self, producer: u16, sequence: u64) {
        debug_assert!(sequence <= MAX_SEQUENCE);
        let tag = (u64::from(producer) << SEQUENCE_BITS) | sequence;
        self.words[0] = tag;
        for (index, word) in self.words.iter_mut().enumerate().skip(1) {
            *word = tag ^ (index as u64).wrapping_mul(MIX);
        }
    }

    #[inline(always)]
    fn tag(&self) -> u64 {
        self.words[0]
    }

    #[inline(always)]
    fn digest(&self) -> u64 {
        if WORDS == 1 {
            // The oracle adds digests up. For one word the fold below is
            // `word * MIX`, and multiplying by an odd constant is a
            // bijection that distributes over wrapping addition: a sum of
            // `word * MIX` tells apart exactly the multisets a sum of words
            // does. The word itself is the digest, one multiply cheaper.
            return self.words[0];
        }
        self.words
            .iter()
            .fold(0, |acc: u64, &word| (acc ^ word).wrapping_mul(MIX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_round_trips_and_sizes_are_exact() {
        let message = Msg64::new(7, 123_456);
        assert_eq!(split_tag(message.tag()), (7, 123_456));
        assert_eq!(core::mem::size_of::<Msg8>(), 8);
        assert_eq!(core::mem::size_of::<Msg64>(), 64);
        assert_eq!(core::mem::size_of::<Msg256>(), 256);
    }

    #[test]
    fn digest_covers_every_word() {
        let message = Msg256::new(1, 2);
        for word in 0..32 {
            let mut corrupted = message;
            corrupted.words[word] ^= 1;
            assert_ne!(corrupted.digest(), message.digest(), "word {word}");
        }
    }
}
