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
//! Count-only runs (a scenario's `consume = "discard"`: consumers take
//! messages off the queue without reading them, as some published
//! benchmarks do) cannot be checked for integrity or order. [`judge_counts`]
//! checks what is left, the number of deliveries, and its verdict says
//! `count_only`, so such a run is never mistaken for a fully checked one.

use impls::message::split_tag;
use impls::{Message, Topology};
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

/// One consumer's bookkeeping, updated for every message it handles.
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

    /// Records `n` messages taken off the queue unread (count-only runs).
    #[inline(always)]
    pub fn discard(&mut self, n: u64) {
        self.unread += n;
    }

    /// Records one message. This is the consumer's per-message work.
    #[inline(always)]
    pub fn observe<M: Message>(&mut self, message: &M) {
        let (producer, sequence) = split_tag(message.tag());
        let digest = message.digest();
        let Some(entry) = self.producers.get_mut(usize::from(producer)) else {
            self.unknown_producer += 1;
            return;
        };
        entry.count += 1;
        entry.checksum = entry.checksum.wrapping_add(digest);
        self.out_of_order += u64::from(sequence < entry.next_sequence);
        entry.next_sequence = sequence + 1;
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

    /// Messages recorded.
    pub fn count(&self) -> u64 {
        self.producers.iter().map(|entry| entry.count).sum::<u64>()
            + self.unknown_producer
            + self.unread
    }
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

/// Judges a run of `topology` from its consumers' tallies.
pub fn judge(topology: Topology, expected: &Expected, tallies: &[Tally]) -> Verdict {
    let mut problems = Vec::new();
    let mut report = |problem: String| {
        if problems.len() < MAX_PROBLEMS {
            problems.push(problem);
        }
    };
    for (consumer, tally) in tallies.iter().enumerate() {
        if tally.out_of_order > 0 {
            report(format!(
                "consumer {consumer}: {} messages arrived out of per-producer order",
                tally.out_of_order
            ));
        }
        if tally.unknown_producer > 0 {
            report(format!(
                "consumer {consumer}: {} messages carry a producer index that does not exist (corrupted)",
                tally.unknown_producer
            ));
        }
        if tally.producers.len() != expected.per_producer.len() {
            report(format!(
                "consumer {consumer}: tally has {} producers, the run had {}",
                tally.producers.len(),
                expected.per_producer.len()
            ));
        }
    }
    // Per-consumer sums for broadcast; one sum over all consumers otherwise.
    let groups: Vec<(String, Vec<&Tally>)> = if topology.is_broadcast() {
        tallies
            .iter()
            .enumerate()
            .map(|(index, tally)| (format!("consumer {index}"), vec![tally]))
            .collect()
    } else {
        vec![("consumers".to_owned(), tallies.iter().collect())]
    };
    for (who, group) in &groups {
        for (producer, &(sent, checksum)) in expected.per_producer.iter().enumerate() {
            let entries = group
                .iter()
                .filter_map(|tally| tally.producers.get(producer));
            let (received, received_checksum) = entries
                .fold((0u64, 0u64), |(count, sum), entry| {
                    (count + entry.count, sum.wrapping_add(entry.checksum))
                });
            if received < sent {
                report(format!(
                    "{who}: producer {producer}: {} of {sent} messages lost",
                    sent - received
                ));
            } else if received > sent {
                report(format!(
                    "{who}: producer {producer}: {} messages duplicated",
                    received - sent
                ));
            } else if received_checksum != checksum {
                report(format!(
                    "{who}: producer {producer}: checksum mismatch with the right count \
                     (messages corrupted, or lost and duplicated in equal number)"
                ));
            }
        }
    }
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
    use impls::Msg8;

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
