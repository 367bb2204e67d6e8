//! The correctness oracle that every run goes through.
//!
//! Each consumer keeps a [`Tally`]: a count and an order-independent checksum
//! of message digests per producer, and the next sequence it may see from
//! each producer. Keeping it is the same work for every implementation and
//! involves no assertion in the measured loop. After the run, [`judge`]
//! compares the tallies with what the producers sent:
//!
//! - no loss and no duplicate: per producer, the messages received add up to
//!   the messages sent (per consumer for fan-out, summed over consumers for
//!   work-sharing and single-consumer topologies);
//! - integrity: the checksum of digests matches, so a corrupted, torn or
//!   substituted message fails even when the counts agree;
//! - order: every consumer sees each producer's sequence numbers strictly
//!   increasing (per-producer FIFO, which every implementation guarantees;
//!   a global order across producers is not observable from the messages);
//! - fan-out completeness: every consumer saw every message.
//!
//! [`problems`] gives the same findings as values with their counts, for
//! callers that classify them (the fault runs do).
//!
//! Count-only runs (a scenario's `consume = "discard"`: consumers take
//! messages off the queue without reading them, as some published
//! benchmarks do) cannot be checked for integrity or order. [`judge_counts`]
//! checks what is left, the number of deliveries, and its verdict says
//! `count_only`, so such a run is never mistaken for a fully checked one.

mod observer;

use core::fmt;

use impls::{Message, Topology};
pub use observer::Observer;
use serde::{Deserialize, Serialize};

/// What one producer's messages looked like to one consumer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct PerProducer {
    /// Messages received.
    count: u64,
    /// Wrapping sum of their digests.
    checksum: u64,
    /// Lowest sequence number that would still be in order.
    next_sequence: u64,
}

/// One consumer's bookkeeping. The measured loops update it through an
/// [`Observer`], which keeps the entry of the producer seen last in
/// registers; [`Tally::observe`] is the same check for one message.
#[derive(Clone, Debug)]
pub struct Tally {
    producers: Vec<PerProducer>,
    /// Messages that arrived below a sequence already seen from their producer.
    out_of_order: u64,
    /// Messages whose tag names a producer that does not exist.
    unknown_producer: u64,
    /// Messages taken off the queue without being read (count-only runs).
    unread: u64,
}

impl Tally {
    /// An empty tally for a run with `producers` producers.
    pub fn new(producers: usize) -> Self {
        Self {
            producers: vec![PerProducer::default(); producers],
            out_of_order: 0,
            unknown_producer: 0,
            unread: 0,
        }
    }

    /// A tally kept elsewhere (a foreign child's, reported over the
    /// protocol in [`crate::foreign`]): per producer, by index, its count,
    /// wrapping sum of digests and one past the last sequence seen; then
    /// the messages out of order and those naming no producer.
    pub fn from_parts(
        producers: impl IntoIterator<Item = (u64, u64, u64)>,
        out_of_order: u64,
        unknown_producer: u64,
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
            unread: 0,
        }
    }

    /// Records `n` messages taken off the queue unread (count-only runs).
    #[inline(always)]
    pub fn discard(&mut self, n: u64) {
        self.unread += n;
    }

    /// An observer that records into this tally; [`Observer::finish`]
    /// writes what it recorded back.
    #[must_use = "what an observer records reaches the tally only through `finish`"]
    #[inline(always)]
    pub fn observer(&mut self) -> Observer<'_> {
        Observer::new(self)
    }

    /// Records one message (the same check as [`Observer::observe`], which
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
        self.unread += other.unread;
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

/// What the producers sent: per producer, how many messages and the wrapping
/// sum of their digests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    per_producer: Vec<(u64, u64)>,
}

impl Expected {
    /// Producer `p` sends sequences `0 .. quotas[p]`.
    pub fn new<M: Message>(quotas: &[u64]) -> Self {
        let per_producer = quotas
            .iter()
            .enumerate()
            .map(|(producer, &quota)| {
                let producer = u16::try_from(producer).expect("at most 2^16 producers");
                let checksum = (0..quota).fold(0u64, |sum, sequence| {
                    sum.wrapping_add(M::new(producer, sequence).digest())
                });
                (quota, checksum)
            })
            .collect();
        Self { per_producer }
    }

    /// Messages sent, over all producers.
    pub fn total(&self) -> u64 {
        self.per_producer.iter().map(|&(count, _)| count).sum()
    }
}

/// The oracle's finding for one run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// Whether the run kept every guarantee checked.
    pub passed: bool,
    /// Messages the producers sent.
    pub sent: u64,
    /// Deliveries the consumers recorded (sent x consumers for fan-out).
    pub delivered: u64,
    /// Deliveries the run should have made.
    pub expected_deliveries: u64,
    /// Each violation, in words; empty when passed.
    pub problems: Vec<String>,
    /// Only the number of deliveries was checked (the consumers did not
    /// read the messages): no integrity or order check was possible.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub count_only: bool,
}

/// Keeps the first problems only: a broken queue can produce thousands.
const MAX_PROBLEMS: usize = 16;

/// Whose deliveries a count is about: one consumer (broadcast topologies,
/// where each must see everything), or all of them together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Receivers {
    /// The consumer of this index.
    Consumer(usize),
    /// Every consumer judged, summed (work-sharing and single consumers).
    All,
}

impl fmt::Display for Receivers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Receivers::Consumer(index) => write!(f, "consumer {index}"),
            Receivers::All => f.write_str("consumers"),
        }
    }
}

/// One violation the oracle found, with its counts. Its `Display` is the
/// line a [`Verdict`] keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Messages that arrived below a sequence already seen from their
    /// producer (a duplicate arriving after its original counts here too).
    OutOfOrder {
        /// The consumer that saw them.
        consumer: usize,
        /// How many.
        messages: u64,
    },
    /// Messages naming a producer the run does not have.
    UnknownProducer {
        /// The consumer that saw them.
        consumer: usize,
        /// How many.
        messages: u64,
    },
    /// A tally kept for another number of producers than the run had.
    ProducerCount {
        /// The consumer whose tally it is.
        consumer: usize,
        /// Producers the tally holds.
        tallied: usize,
        /// Producers the run had.
        run: usize,
    },
    /// Fewer deliveries of a producer's messages than it sent.
    Lost {
        /// Whose deliveries.
        receivers: Receivers,
        /// The producer.
        producer: usize,
        /// Messages missing.
        messages: u64,
        /// Messages it sent.
        sent: u64,
    },
    /// More deliveries of a producer's messages than it sent.
    Duplicated {
        /// Whose deliveries.
        receivers: Receivers,
        /// The producer.
        producer: usize,
        /// Deliveries too many.
        messages: u64,
    },
    /// The right number of deliveries, but not the messages sent.
    ChecksumMismatch {
        /// Whose deliveries.
        receivers: Receivers,
        /// The producer.
        producer: usize,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::OutOfOrder { consumer, messages } => write!(
                f,
                "consumer {consumer}: {messages} messages arrived out of per-producer order"
            ),
            Problem::UnknownProducer { consumer, messages } => write!(
                f,
                "consumer {consumer}: {messages} messages carry a producer index that does not exist (corrupted)"
            ),
            Problem::ProducerCount {
                consumer,
                tallied,
                run,
            } => write!(
                f,
                "consumer {consumer}: tally has {tallied} producers, the run had {run}"
            ),
            Problem::Lost {
                receivers,
                producer,
                messages,
                sent,
            } => write!(
                f,
                "{receivers}: producer {producer}: {messages} of {sent} messages lost"
            ),
            Problem::Duplicated {
                receivers,
                producer,
                messages,
            } => write!(
                f,
                "{receivers}: producer {producer}: {messages} messages duplicated"
            ),
            Problem::ChecksumMismatch {
                receivers,
                producer,
            } => write!(
                f,
                "{receivers}: producer {producer}: checksum mismatch with the right count \
                 (messages corrupted, or lost and duplicated in equal number)"
            ),
        }
    }
}

/// Every violation in `tallies` (each with the consumer index it is
/// reported under) against `expected`, judged as `topology` would be: per
/// consumer for broadcast topologies, summed over the tallies otherwise.
/// [`judge`] is this, kept short and in words.
pub fn problems<'a>(
    topology: Topology,
    expected: &Expected,
    tallies: impl IntoIterator<Item = (usize, &'a Tally)>,
) -> Vec<Problem> {
    let tallies: Vec<(usize, &Tally)> = tallies.into_iter().collect();
    let mut problems = Vec::new();
    for &(consumer, tally) in &tallies {
        if tally.out_of_order > 0 {
            problems.push(Problem::OutOfOrder {
                consumer,
                messages: tally.out_of_order,
            });
        }
        if tally.unknown_producer > 0 {
            problems.push(Problem::UnknownProducer {
                consumer,
                messages: tally.unknown_producer,
            });
        }
        if tally.producers.len() != expected.per_producer.len() {
            problems.push(Problem::ProducerCount {
                consumer,
                tallied: tally.producers.len(),
                run: expected.per_producer.len(),
            });
        }
    }
    // Per-consumer sums for broadcast; one sum over all consumers otherwise.
    let groups: Vec<(Receivers, Vec<&Tally>)> = if topology.is_broadcast() {
        tallies
            .iter()
            .map(|&(consumer, tally)| (Receivers::Consumer(consumer), vec![tally]))
            .collect()
    } else {
        vec![(
            Receivers::All,
            tallies.iter().map(|&(_, tally)| tally).collect(),
        )]
    };
    for (receivers, group) in groups {
        for (producer, &(sent, checksum)) in expected.per_producer.iter().enumerate() {
            let entries = group
                .iter()
                .filter_map(|tally| tally.producers.get(producer));
            let (received, received_checksum) = entries
                .fold((0u64, 0u64), |(count, sum), entry| {
                    (count + entry.count, sum.wrapping_add(entry.checksum))
                });
            if received < sent {
                problems.push(Problem::Lost {
                    receivers,
                    producer,
                    messages: sent - received,
                    sent,
                });
            } else if received > sent {
                problems.push(Problem::Duplicated {
                    receivers,
                    producer,
                    messages: received - sent,
                });
            } else if received_checksum != checksum {
                problems.push(Problem::ChecksumMismatch {
                    receivers,
                    producer,
                });
            }
        }
    }
    problems
}

/// Judges a run of `topology` from its consumers' tallies.
pub fn judge(topology: Topology, expected: &Expected, tallies: &[Tally]) -> Verdict {
    let problems = problems(topology, expected, tallies.iter().enumerate())
        .iter()
        .take(MAX_PROBLEMS)
        .map(Problem::to_string)
        .collect::<Vec<_>>();
    let sent = expected.total();
    let copies = if topology.is_broadcast() {
        tallies.len() as u64
    } else {
        1
    };
    Verdict {
        passed: problems.is_empty(),
        sent,
        delivered: tallies.iter().map(Tally::count).sum(),
        expected_deliveries: sent * copies,
        problems,
        count_only: false,
    }
}

/// Judges a count-only run: consumers discarded messages unread, so only
/// the number of deliveries can be checked (per consumer for broadcast
/// topologies, summed otherwise). The verdict is marked `count_only`.
pub fn judge_counts(topology: Topology, expected: &Expected, tallies: &[Tally]) -> Verdict {
    let mut problems = Vec::new();
    let sent = expected.total();
    let counts: Vec<(String, u64)> = if topology.is_broadcast() {
        tallies
            .iter()
            .enumerate()
            .map(|(index, tally)| (format!("consumer {index}"), tally.count()))
            .collect()
    } else {
        vec![(
            "consumers".to_owned(),
            tallies.iter().map(Tally::count).sum(),
        )]
    };
    for (who, received) in counts {
        if received < sent {
            problems.push(format!(
                "{who}: {} of {sent} messages lost",
                sent - received
            ));
        } else if received > sent {
            problems.push(format!("{who}: {} messages too many", received - sent));
        }
    }
    let copies = if topology.is_broadcast() {
        tallies.len() as u64
    } else {
        1
    };
    Verdict {
        passed: problems.is_empty(),
        sent,
        delivered: tallies.iter().map(Tally::count).sum(),
        expected_deliveries: sent * copies,
        problems,
        count_only: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use impls::{Msg, Msg8};

    fn tally_of(producers: usize, messages: &[(u16, u64)]) -> Tally {
        let mut tally = Tally::new(producers);
        for &(producer, sequence) in messages {
            tally.observe(&Msg8::new(producer, sequence));
        }
        tally
    }

    #[test]
    fn a_clean_run_passes() {
        let expected = Expected::new::<Msg8>(&[3, 2]);
        let tally = tally_of(2, &[(0, 0), (1, 0), (0, 1), (1, 1), (0, 2)]);
        let verdict = judge(Topology::Mpsc, &expected, &[tally]);
        assert!(verdict.passed, "{verdict:?}");
        assert_eq!((verdict.sent, verdict.delivered), (5, 5));
    }

    #[test]
    fn work_sharing_sums_over_consumers() {
        let expected = Expected::new::<Msg8>(&[4]);
        let tallies = [
            tally_of(1, &[(0, 0), (0, 2)]),
            tally_of(1, &[(0, 1), (0, 3)]),
        ];
        assert!(judge(Topology::MpmcWorkerPool, &expected, &tallies).passed);
        // The same tallies are incomplete for a broadcast.
        let verdict = judge(Topology::MpmcFanout, &expected, &tallies);
        assert!(!verdict.passed);
        assert!(
            verdict
                .problems
                .iter()
                .all(|p| p.contains("2 of 4 messages lost")),
            "{verdict:?}"
        );
    }

    #[test]
    fn substitution_with_the_right_count_fails_the_checksum() {
        let expected = Expected::new::<Msg8>(&[3]);
        let tally = tally_of(1, &[(0, 0), (0, 1), (0, 5)]);
        let verdict = judge(Topology::Spsc, &expected, &[tally]);
        assert!(
            verdict.problems[0].contains("checksum mismatch"),
            "{verdict:?}"
        );
    }

    #[test]
    fn problems_carry_counts_and_the_callers_consumer_numbers() {
        let expected = Expected::new::<Msg8>(&[4, 2]);
        // Producer 0: 0, 2, 1 (a step back, and 3 lost); producer 1: 0, 0.
        let tally = tally_of(2, &[(0, 0), (0, 2), (0, 1), (1, 0), (1, 0)]);
        assert_eq!(
            tally.seen(0),
            Seen {
                count: 3,
                next_sequence: 2
            }
        );
        assert_eq!(tally.seen(7), Seen::default());
        let found = problems(Topology::MpmcFanout, &expected, [(5, &tally)]);
        assert_eq!(
            found,
            [
                Problem::OutOfOrder {
                    consumer: 5,
                    messages: 2
                },
                Problem::Lost {
                    receivers: Receivers::Consumer(5),
                    producer: 0,
                    messages: 1,
                    sent: 4
                },
                Problem::ChecksumMismatch {
                    receivers: Receivers::Consumer(5),
                    producer: 1
                },
            ]
        );
        // `judge` keeps them in words, numbered by position.
        let verdict = judge(Topology::Mpsc, &expected, &[tally]);
        assert_eq!(
            verdict.problems,
            [
                "consumer 0: 2 messages arrived out of per-producer order",
                "consumers: producer 0: 1 of 4 messages lost",
                "consumers: producer 1: checksum mismatch with the right count \
                 (messages corrupted, or lost and duplicated in equal number)",
            ]
        );
    }

    #[test]
    fn count_only_runs_check_counts_and_say_so() {
        let expected = Expected::new::<Msg8>(&[3, 2]);
        let mut tally = Tally::new(2);
        tally.discard(5);
        let verdict = judge_counts(Topology::Mpsc, &expected, &[tally.clone()]);
        assert!(verdict.passed && verdict.count_only, "{verdict:?}");
        tally.discard(1);
        let verdict = judge_counts(Topology::Mpsc, &expected, &[tally]);
        assert!(!verdict.passed, "{verdict:?}");
        assert!(verdict.problems[0].contains("1 messages too many"));
        let short = Tally::new(2);
        let verdict = judge_counts(Topology::Spsc, &expected, &[short]);
        assert!(verdict.problems[0].contains("5 of 5 messages lost"));
    }

    /// Producer `p` sends sequences `0 .. quotas[p]`, interleaved in runs
    /// of `run` messages (as a multi-producer queue delivers them).
    fn interleaved<M: Message>(quotas: &[u64], run: u64) -> Vec<M> {
        let mut next = vec![0u64; quotas.len()];
        let mut messages = Vec::new();
        while next.iter().zip(quotas).any(|(n, q)| n < q) {
            for (producer, (next, &quota)) in next.iter_mut().zip(quotas).enumerate() {
                for _ in 0..run.min(quota - *next) {
                    messages.push(M::new(producer as u16, *next));
                    *next += 1;
                }
            }
        }
        messages
    }

    /// Judges `messages` as one consumer's deliveries of an MPSC run,
    /// observed one at a time and, again, as slices of 1, 5, 64 and all of
    /// them (slices that start, end and straddle a change of producer).
    fn verdicts<M: Message>(quotas: &[u64], messages: &[M]) -> Vec<Verdict> {
        let expected = Expected::new::<M>(quotas);
        let mut one_by_one = Tally::new(quotas.len());
        let mut observer = one_by_one.observer();
        for message in messages {
            observer.observe(message);
        }
        observer.finish();
        let mut verdicts = vec![judge(Topology::Mpsc, &expected, &[one_by_one])];
        for size in [1, 5, 64, messages.len().max(1)] {
            let mut sliced = Tally::new(quotas.len());
            let mut observer = sliced.observer();
            for slice in messages.chunks(size) {
                observer.observe_slice(slice);
            }
            observer.finish();
            verdicts.push(judge(Topology::Mpsc, &expected, &[sliced]));
        }
        verdicts
    }

    fn fails_with<M: Message>(quotas: &[u64], messages: &[M], expect: &str, what: &str) {
        for verdict in verdicts(quotas, messages) {
            assert!(!verdict.passed, "{what}: passed: {verdict:?}");
            assert!(
                verdict.problems.iter().any(|p| p.contains(expect)),
                "{what}: expected {expect:?}: {verdict:?}"
            );
        }
    }

    /// A corrupted word, a duplicate, a loss and a reordered pair are each
    /// caught, in a payload of `WORDS` words, whichever word is damaged and
    /// whether or not the damage falls where the consumer's producer changes.
    fn every_fault_is_caught<const WORDS: usize>() {
        let quotas = [40, 37, 1];
        let clean: Vec<Msg<WORDS>> = interleaved(&quotas, 4);
        for verdict in verdicts(&quotas, &clean) {
            assert!(verdict.passed, "{WORDS} words, clean: {verdict:?}");
            assert_eq!(verdict.delivered, 78);
        }
        for victim in [0, 3, 4, 41, clean.len() - 1] {
            for word in [0, WORDS / 2, WORDS - 1] {
                let mut damaged = clean.clone();
                damaged[victim].words_mut()[word] ^= 1 << 7;
                for verdict in verdicts(&quotas, &damaged) {
                    assert!(
                        !verdict.passed,
                        "{WORDS} words: word {word} of message {victim} corrupted, yet passed"
                    );
                }
            }
            let mut duplicated = clean.clone();
            duplicated.insert(victim + 1, clean[victim]);
            fails_with(&quotas, &duplicated, "duplicated", "duplicate");
            let mut lost = clean.clone();
            lost.remove(victim);
            fails_with(&quotas, &lost, "lost", "loss");
        }
        // Reordered pairs: inside a run, and across a change of producer
        // (message 3 ends producer 0's first run, 9 begins its second).
        for (a, b) in [(1, 2), (3, 9), (0, 9)] {
            let mut reordered = clean.clone();
            reordered.swap(a, b);
            fails_with(
                &quotas,
                &reordered,
                "arrived out of per-producer order",
                "reordered pair",
            );
        }
    }

    #[test]
    fn every_fault_is_caught_in_every_payload_size() {
        every_fault_is_caught::<1>();
        every_fault_is_caught::<8>();
        every_fault_is_caught::<32>();
    }

    #[test]
    fn a_message_naming_no_producer_is_counted_as_corrupted() {
        // The all-ones producer field is what an observer holding nothing
        // compares with; such a message must still count as corrupted.
        let quotas = [3];
        for first in [true, false] {
            let mut messages: Vec<Msg8> = interleaved(&quotas, 1);
            let stray = Msg8::new(0xFFFF, 1);
            if first {
                messages.insert(0, stray);
            } else {
                messages.push(stray);
            }
            fails_with(&quotas, &messages, "does not exist", "producer 0xFFFF");
        }
    }

    #[test]
    fn an_unknown_producer_is_reported_not_a_panic() {
        let expected = Expected::new::<Msg8>(&[1]);
        let tally = tally_of(1, &[(0, 0), (9, 0)]);
        let verdict = judge(Topology::Spsc, &expected, &[tally]);
        assert!(
            verdict
                .problems
                .iter()
                .any(|p| p.contains("does not exist")),
            "{verdict:?}"
        );
    }
}
