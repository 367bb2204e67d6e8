//! The message every implementation carries, in three payload sizes.
//!
//! A message is `WORDS` 64-bit words. The first word carries the *tag*: the
//! producer's index in the top 16 bits and its sequence number in the low 48,
//! plus the run's [`Salt`] (added, wrapping), so that a message left over
//! from another run or round does not read as one of this run's. The other
//! words are derived from the first, so a consumer checks every word of a
//! message exactly ([`Message::damage`]) and a torn or corrupted read shows
//! up. Consumers read every word, so every implementation does the same
//! work per message whatever its payload size.
//!
//! [`mix`] (splitmix64's finaliser) is what the oracle's checksums are made
//! of: a nonlinear function of the salted first word, so no linear relation
//! between tags carries into a sum of mixed values.

use core::fmt::Debug;

/// Bits of the tag that hold the sequence number.
pub const SEQUENCE_BITS: u32 = 48;
/// Largest sequence number a tag can hold.
pub const MAX_SEQUENCE: u64 = (1 << SEQUENCE_BITS) - 1;

/// A run's salt: a number added (wrapping) to every message's tag, chosen
/// afresh for each run by the harness, so that a message of another run or
/// round (a stale slot, a buffer read again) and a tally made without
/// reading the messages fail the oracle. Tests of queue mechanics that read
/// tags back use [`Salt::NONE`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Salt(pub u64);

impl Salt {
    /// No salt: the first word is the tag itself.
    pub const NONE: Salt = Salt(0);

    /// The first word of the message `(producer, sequence)` carries.
    #[inline(always)]
    pub fn salted(self, tag: u64) -> u64 {
        tag.wrapping_add(self.0)
    }

    /// The tag a first word carries under this salt.
    #[inline(always)]
    pub fn unsalted(self, word: u64) -> u64 {
        word.wrapping_sub(self.0)
    }
}

/// The tag of `(producer, sequence)`: producer in the top 16 bits, sequence
/// in the low 48.
#[inline(always)]
pub fn tag_of(producer: u16, sequence: u64) -> u64 {
    (u64::from(producer) << SEQUENCE_BITS) | sequence
}

/// What implementations carry: plain data, written in place by producers and
/// read in place by consumers.
pub trait Message: Copy + Default + Debug + Send + Sync + 'static {
    /// Size of the message in bytes (the scenario's `payload`).
    const BYTES: usize;

    /// Fills every word of the message for `(producer, sequence)` under
    /// `salt`.
    fn write(&mut self, salt: Salt, producer: u16, sequence: u64);

    /// The first word as written: the tag plus the salt, wrapping.
    fn first_word(&self) -> u64;

    /// The tag under `salt`: producer in the top 16 bits, sequence in the
    /// low 48.
    #[inline(always)]
    fn tag(&self, salt: Salt) -> u64 {
        salt.unsalted(self.first_word())
    }

    /// Reads every word after the first and compares it with the value
    /// derived from the first: 0 when the message is intact, not 0 when a
    /// word is damaged (the consumer's per-message work besides the first
    /// word; always 0 for a one-word message).
    fn damage(&self) -> u64;

    /// The message `write` produces for `(producer, sequence)` under `salt`.
    fn new(salt: Salt, producer: u16, sequence: u64) -> Self {
        Self::new_with(|message| message.write(salt, producer, sequence))
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
    /// What each word is, XOR the first: `index * MIX`.
    const PATTERN: [u64; WORDS] = {
        let mut pattern = [0; WORDS];
        let mut index = 0;
        while index < WORDS {
            pattern[index] = (index as u64).wrapping_mul(MIX);
            index += 1;
        }
        pattern
    };

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

/// splitmix64's finaliser: a bijection of 64-bit words in which every
/// input bit changes about half the output bits, and which neither wrapping
/// addition nor exclusive or passes through. The oracle's checksums are
/// sums of mixed first words, so no linear (or low-degree polynomial)
/// relation between tags survives into them. The foreign children compute
/// the same function.
#[inline(always)]
pub fn mix(word: u64) -> u64 {
    let mut z = word;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl<const WORDS: usize> Message for Msg<WORDS> {
    const BYTES: usize = 8 * WORDS;

    #[inline(always)]
    fn write(&mut self, salt: Salt, producer: u16, sequence: u64) {
        debug_assert!(sequence <= MAX_SEQUENCE);
        let first = salt.salted(tag_of(producer, sequence));
        self.words[0] = first;
        for (index, word) in self.words.iter_mut().enumerate().skip(1) {
            *word = first ^ (index as u64).wrapping_mul(MIX);
        }
    }

    #[inline(always)]
    fn first_word(&self) -> u64 {
        self.words[0]
    }

    #[inline(always)]
    fn damage(&self) -> u64 {
        let first = self.words[0];
        // Word 0 against itself: 0 (its pattern is 0).
        self.words
            .iter()
            .zip(Self::PATTERN)
            .fold(0, |damage, (&word, pattern)| {
                damage | (word ^ first ^ pattern)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_round_trips_and_sizes_are_exact() {
        let salt = Salt(0xDEAD_BEEF_0123_4567);
        let message = Msg64::new(salt, 7, 123_456);
        assert_eq!(split_tag(message.tag(salt)), (7, 123_456));
        assert_ne!(message.first_word(), message.tag(salt));
        assert_eq!(split_tag(Msg8::new(Salt::NONE, 7, 9).first_word()), (7, 9));
        assert_eq!(core::mem::size_of::<Msg8>(), 8);
        assert_eq!(core::mem::size_of::<Msg64>(), 64);
        assert_eq!(core::mem::size_of::<Msg256>(), 256);
    }

    #[test]
    fn damage_to_any_word_shows() {
        let message = Msg256::new(Salt(5), 1, 2);
        assert_eq!(message.damage(), 0);
        for word in 1..32 {
            let mut corrupted = message;
            corrupted.words[word] ^= 1 << (word % 64);
            assert_ne!(corrupted.damage(), 0, "word {word}");
        }
        // The first word's damage shows as another tag, or as damage to
        // every other word.
        let mut corrupted = message;
        corrupted.words[0] ^= 1 << 40;
        assert_ne!(corrupted.damage(), 0);
        assert_eq!(Msg8::new(Salt(5), 1, 2).damage(), 0);
    }

    #[test]
    fn another_salt_changes_every_size_of_message() {
        fn differs<M: Message>() {
            let (one, other) = (Salt(1), Salt(2));
            let message = M::new(one, 3, 4);
            assert_ne!(message.first_word(), M::new(other, 3, 4).first_word());
            assert_ne!(message.tag(other), message.tag(one));
        }
        differs::<Msg8>();
        differs::<Msg64>();
        differs::<Msg256>();
    }

    #[test]
    fn the_mix_keeps_no_additive_relation() {
        // 1000 + 1004 = 1001 + 1003, and so on for the squares of
        // {0, 3, 5, 6} and {1, 2, 4, 7} (a Prouhet-Tarry-Escott pair): the
        // mixed sums differ.
        let sum = |words: &[u64]| words.iter().fold(0u64, |s, &w| s.wrapping_add(mix(w)));
        assert_ne!(sum(&[1000, 1004]), sum(&[1001, 1003]));
        assert_ne!(sum(&[0, 3, 5, 6]), sum(&[1, 2, 4, 7]));
        assert_eq!(mix(0), 0);
        assert_ne!(mix(1), 1);
    }
}
