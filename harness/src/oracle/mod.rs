//! The correctness oracle that every run goes through.
//!
//! Each run has a fresh [`Salt`] ([`fresh_salt`]), added to every
//! message's tag, so a message of another run or round reads as corrupted.
//! Each consumer keeps a [`Tally`]: per producer, a count, a checksum and
//! the next sequence it may see. Every message is compared word for word
//! with the one due; the checksum is kept per run of consecutive messages,
//! as the difference of the nonlinear mix ([`impls::message::mix`]) of the
//! run's ends, so that the checksums of all consumers add up to the
//! producer's exactly when its messages arrived once each: losses and
//! duplicates that compensate each other in count and sum (two workers
//! handed one message while another is skipped) still change it. Keeping it is the same work for every implementation and
//! involves no assertion in the measured loop. After the run, [`judge`]
//! compares the tallies with what the producers sent:
//!
//! - no loss and no duplicate: per producer, the messages received add up to
//!   the messages sent (per consumer for fan-out, summed over consumers for
//!   work-sharing and single-consumer topologies);
//! - integrity: every word of every message is the one written (a damaged
//!   one is counted as corrupted), and the checksums match, so a
//!   substituted message fails even when the counts agree;
//! - order: every consumer sees each producer's sequence numbers strictly
//!   increasing (per-producer FIFO, which every implementation guarantees;
//!   a global order across producers is not observable from the messages);
//! - fan-out completeness: every consumer saw every message;
//! - stage order (`pipeline`, `diamond`): no stage handled a message before
//!   every stage it depends on had finished with it ([`StageBoard`]).
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
mod stages;
mod tally;

use core::fmt;

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};

use impls::message::{Salt, mix, tag_of};
pub use observer::Observer;
use schema::Delivery;
pub use stages::{Stage, StageBoard};
pub use tally::{Seen, Tally};

/// A salt for one run: unpredictable, and different for every run of the
/// process (a run counter hashed with a randomly keyed hasher).
pub fn fresh_salt() -> Salt {
    static RUNS: AtomicU64 = AtomicU64::new(0);
    // Relaxed: only the value matters, each call gets its own.
    let run = RUNS.fetch_add(1, Ordering::Relaxed);
    Salt(RandomState::new().hash_one(run))
}

/// What the producers sent: per producer, how many messages and the
/// checksum of their one run, under the run's salt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    per_producer: Vec<(u64, u64)>,
}

impl Expected {
    /// Producer `p` sends sequences `0 .. quotas[p]`, salted with `salt`:
    /// one run, from the first word of sequence 0 to that of `quotas[p]`.
    pub fn new(quotas: &[u64], salt: Salt) -> Self {
        let per_producer = quotas
            .iter()
            .enumerate()
            .map(|(producer, &quota)| {
                let producer = u16::try_from(producer).expect("at most 2^16 producers");
                let word = |sequence| salt.salted(tag_of(producer, sequence));
                let checksum = if quota == 0 {
                    0
                } else {
                    mix(word(quota)).wrapping_sub(mix(word(0)))
                };
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

pub use schema::Verdict;

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
    /// Messages a stage handled before a stage it depends on had finished
    /// with them (pipeline and diamond).
    Early {
        /// The consumer (stage) that handled them.
        consumer: usize,
        /// How many.
        messages: u64,
    },
    /// Messages whose words after the first are not the ones written.
    Corrupted {
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
            Problem::Early { consumer, messages } => write!(
                f,
                "consumer {consumer}: {messages} messages handled before a stage it depends on had finished with them"
            ),
            Problem::Corrupted { consumer, messages } => write!(
                f,
                "consumer {consumer}: {messages} messages with damaged words (torn or corrupted)"
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
/// reported under) against `expected`, judged by `delivery`: per consumer
/// where every consumer receives every message, summed over the tallies
/// otherwise. [`judge`] is this, kept short and in words.
pub fn problems<'a>(
    delivery: Delivery,
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
        if tally.early > 0 {
            problems.push(Problem::Early {
                consumer,
                messages: tally.early,
            });
        }
        if tally.corrupted > 0 {
            problems.push(Problem::Corrupted {
                consumer,
                messages: tally.corrupted,
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
    let groups: Vec<(Receivers, Vec<&Tally>)> = if delivery == Delivery::EveryConsumer {
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

/// Judges a run whose messages go to its consumers by `delivery`, from
/// their tallies.
pub fn judge(delivery: Delivery, expected: &Expected, tallies: &[Tally]) -> Verdict {
    let problems = problems(delivery, expected, tallies.iter().enumerate())
        .iter()
        .take(MAX_PROBLEMS)
        .map(Problem::to_string)
        .collect::<Vec<_>>();
    verdict(delivery, expected, tallies, problems, false)
}

/// The verdict on `tallies` with the `problems` found in them.
fn verdict(
    delivery: Delivery,
    expected: &Expected,
    tallies: &[Tally],
    problems: Vec<String>,
    count_only: bool,
) -> Verdict {
    let sent = expected.total();
    Verdict {
        passed: problems.is_empty(),
        sent,
        delivered: tallies.iter().map(Tally::count).sum(),
        expected_deliveries: sent * delivery.copies(tallies.len()),
        problems,
        count_only,
    }
}

/// Judges a count-only run: consumers discarded messages unread, so only
/// the number of deliveries can be checked (per consumer where every
/// consumer receives every message, summed otherwise). The verdict is
/// marked `count_only`.
pub fn judge_counts(delivery: Delivery, expected: &Expected, tallies: &[Tally]) -> Verdict {
    let mut problems = Vec::new();
    let sent = expected.total();
    let counts: Vec<(String, u64)> = if delivery == Delivery::EveryConsumer {
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
    verdict(delivery, expected, tallies, problems, true)
}

#[cfg(test)]
mod tests;
