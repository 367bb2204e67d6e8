//! Judging a fault run: the oracle's findings per stream, allowing a
//! failed batch's delivered prefix, the rest of a batch that went with a
//! departed `*_vec` consumer and a departed worker's run taken over, and
//! the outcome, worst first.

use impls::{Salt, Topology};
use scenarios::Fault;
use schema::Delivery;

use super::collected::{Collected, Reader};
use super::report::{ConsumerEnd, ConsumerRecord, FaultOutcome, ProducerEnd, ProducerRecord};
use super::spec::{Expectation, FaultSpec};
use super::takeover::{self, Judged};
use crate::oracle::{self, Expected, Problem};

/// Judges a run from what its threads reported: the outcome, every
/// finding in words, and whether the fault struck at all.
pub(super) fn classify(
    spec: &FaultSpec,
    collected: &Collected,
) -> (FaultOutcome, Vec<String>, bool) {
    let mut notes = Vec::new();
    let mut problems = oracle_problems(spec, collected);
    let went_with_consumer = went_with_consumer(spec, &mut problems, &mut notes);
    let reorders = if spec.consumer_fault() && spec.setup.topology.shares_work() {
        forgive_takeover(spec, collected, &mut problems, &mut notes)
    } else {
        Vec::new()
    };
    let counts = Counts::of(&problems, went_with_consumer);
    notes.extend(problems.iter().map(Problem::to_string));
    notes.extend(reorders);
    let ends = Ends::of(collected, &mut notes);
    let missed = not_injected(spec, collected);
    let injected = missed.is_none();
    notes.extend(missed);
    (outcome(spec, &counts, &ends), notes, injected)
}

/// Per stream (producer index in the tags): published `Ok`, and how many
/// more may have arrived.
fn sent(spec: &FaultSpec, collected: &Collected) -> Vec<(u64, u64)> {
    let mut sent: Vec<(u64, u64)> = collected
        .producers
        .iter()
        .map(|report| report.as_ref().map_or((0, 0), |r| (r.published, r.unsure)))
        .collect();
    if spec.fault == Fault::ProducerPanicContinues {
        let continued = collected
            .producers
            .first()
            .and_then(|r| r.as_ref()?.continued);
        sent.push(continued.map_or((0, 0), |c| (c.published, c.unsure)));
    }
    sent
}

/// The oracle's findings: over the consumers that must have received
/// everything published, for each consumer that need only have received,
/// in order, a gapless prefix, and what no consumer left could read.
fn oracle_problems(spec: &FaultSpec, collected: &Collected) -> Vec<Problem> {
    let sent = sent(spec, collected);
    let tallies: Vec<Reader<'_>> = collected
        .consumers
        .iter()
        .enumerate()
        .filter_map(|(index, report)| report.as_ref().map(|report| (index, &report.tally)))
        .collect();
    let (full, prefix): (Vec<Reader<'_>>, Vec<Reader<'_>>) =
        tallies.iter().partition(|&&(index, _)| {
            !spec.consumer_fault()
                || spec.setup.topology.shares_work()
                || (spec.setup.topology == Topology::MpmcFanout && index != 0)
        });
    let mut problems = Vec::new();
    if !full.is_empty() {
        problems.extend(full_problems(spec, collected.salt, &sent, &full));
    }
    for &reader in &prefix {
        problems.extend(prefix_problems(collected.salt, &sent, reader));
    }
    if spec.leaves_no_full_reader() {
        problems.extend(unread(collected, &tallies));
    }
    problems
}

/// The findings over consumers that must have received everything: each
/// producer's expected count is what was published `Ok`, plus as much of
/// the failed batch as arrived (a prefix of it may): as far as its
/// furthest message seen reaches, or as many as arrived.
fn full_problems(
    spec: &FaultSpec,
    salt: Salt,
    sent: &[(u64, u64)],
    full: &[Reader<'_>],
) -> Vec<Problem> {
    let quotas: Vec<u64> = sent
        .iter()
        .enumerate()
        .map(|(producer, &(published, unsure))| {
            let seen: Vec<_> = full.iter().map(|(_, tally)| tally.seen(producer)).collect();
            let counts = seen.iter().map(|seen| seen.count);
            let received = if spec.setup.topology.is_broadcast() {
                counts.max().unwrap_or(0)
            } else {
                counts.sum()
            };
            let furthest = seen.iter().map(|seen| seen.next_sequence).max();
            received
                .max(furthest.unwrap_or(0))
                .clamp(published, published + unsure)
        })
        .collect();
    let expected = Expected::new(&quotas, salt);
    oracle::problems(
        spec.setup.topology.delivery(),
        &expected,
        full.iter().copied(),
    )
}

/// The findings of one consumer judged alone, as one that must have every
/// message up to the last one it saw (no further than was published).
fn prefix_problems(salt: Salt, sent: &[(u64, u64)], (index, tally): Reader<'_>) -> Vec<Problem> {
    let quotas: Vec<u64> = sent
        .iter()
        .enumerate()
        .map(|(producer, &(published, unsure))| {
            tally.seen(producer).next_sequence.min(published + unsure)
        })
        .collect();
    let expected = Expected::new(&quotas, salt);
    oracle::problems(Delivery::EveryConsumer, &expected, [(index, tally)])
}

/// A producer that published its whole share, though no consumer was left
/// that could read all of it: what none saw was lost.
fn unread(collected: &Collected, tallies: &[Reader<'_>]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (producer, report) in collected.producers.iter().enumerate() {
        if let Some(ProducerRecord {
            published,
            end: ProducerEnd::Finished,
            ..
        }) = report
        {
            let seen = tallies
                .iter()
                .map(|(_, tally)| tally.seen(producer).count)
                .max()
                .unwrap_or(0);
            if seen < *published {
                problems.push(Problem::Lost {
                    receivers: oracle::Receivers::All,
                    producer,
                    messages: published - seen,
                    sent: *published,
                });
            }
        }
    }
    problems
}

/// A consumer that takes a whole batch at a time may, by the contract,
/// take the rest of the batch it held with it when it leaves: at most one
/// producer's batch, less the message it was handed. Takes that loss out
/// of `problems` and returns it.
fn went_with_consumer(
    spec: &FaultSpec,
    problems: &mut Vec<Problem>,
    notes: &mut Vec<String>,
) -> u64 {
    if !(spec.consumer_fault() && spec.setup.topology.shares_work() && spec.takes_batches_whole) {
        return 0;
    }
    let lost: Vec<usize> = (0..problems.len())
        .filter(|&index| matches!(problems[index], Problem::Lost { .. }))
        .collect();
    if let [index] = lost[..]
        && let Problem::Lost {
            producer, messages, ..
        } = problems[index]
        && messages < spec.setup.batch as u64
    {
        problems.remove(index);
        notes.push(format!(
            "{messages} messages of producer {producer} went with consumer 0, the rest of the batch it held (allowed for consumers that take a whole batch at a time)"
        ));
        return messages;
    }
    0
}

/// A worker that takes over the unfinished run of one that left hands
/// those messages after later ones of the same producers: forgiven there
/// alone, in an implementation that takes over (see [`takeover`]). Takes
/// the order finding of such a worker out of `problems`; returns the lines
/// that say why other late messages are no takeover.
fn forgive_takeover(
    spec: &FaultSpec,
    collected: &Collected,
    problems: &mut Vec<Problem>,
    notes: &mut Vec<String>,
) -> Vec<String> {
    match takeover::judge(spec, &collected.consumers) {
        None => Vec::new(),
        Some(Judged::TakenOver { adopter, note }) => {
            problems.retain(|problem| {
                !matches!(problem, Problem::OutOfOrder { consumer, .. } if *consumer == adopter)
            });
            notes.push(note);
            Vec::new()
        }
        Some(Judged::Reordered(lines)) => lines,
    }
}

/// What the findings about messages add up to, in messages.
struct Counts {
    lost: u64,
    duplicated: u64,
    out_of_order: u64,
    corrupted: u64,
    /// The rest of a departed `*_vec` consumer's batch, allowed.
    went_with_consumer: u64,
}

impl Counts {
    fn of(problems: &[Problem], went_with_consumer: u64) -> Self {
        let mut counts = Counts {
            lost: 0,
            duplicated: 0,
            out_of_order: 0,
            corrupted: 0,
            went_with_consumer,
        };
        for problem in problems {
            match problem {
                Problem::Lost { messages, .. } => counts.lost += messages,
                Problem::Duplicated { messages, .. } => counts.duplicated += messages,
                Problem::OutOfOrder { messages, .. } | Problem::Early { messages, .. } => {
                    counts.out_of_order += messages
                }
                Problem::UnknownProducer { messages, .. } | Problem::Corrupted { messages, .. } => {
                    counts.corrupted += messages
                }
                Problem::ChecksumMismatch { .. } | Problem::ProducerCount { .. } => {
                    counts.corrupted += 1
                }
            }
        }
        counts
    }
}

/// How the threads ended, as far as the outcome weighs it.
#[derive(Default)]
struct Ends {
    /// Threads left running.
    abandoned: usize,
    /// The first panic other than the injected one.
    panic: Option<String>,
    /// Producers still publishing at the deadline.
    stuck_producers: usize,
    /// Consumers that never saw `Closed`.
    no_closed: usize,
    /// Whether a producer got `Disconnected`.
    disconnected: bool,
}

impl Ends {
    /// How the threads of `collected` ended, each notable end noted.
    fn of(collected: &Collected, notes: &mut Vec<String>) -> Self {
        let mut ends = Ends::default();
        for (index, report) in collected.producers.iter().enumerate() {
            let Some(ProducerRecord {
                published,
                end,
                past_deadline,
                ..
            }) = report
            else {
                ends.abandoned += 1;
                notes.push(format!(
                    "producer {index} did not end, even after the cancel token was set: abandoned"
                ));
                continue;
            };
            if *past_deadline {
                ends.stuck_producers += 1;
                notes.push(format!(
                    "producer {index} was still publishing at the deadline (after {published} messages); it ended after the watchdog set the cancel token, with {}",
                    end_words(end)
                ));
            }
            match end {
                ProducerEnd::Panicked { message } => {
                    notes.push(format!("producer {index} panicked: {message}"));
                    ends.panic.get_or_insert_with(|| message.clone());
                }
                ProducerEnd::Disconnected => ends.disconnected = true,
                _ => {}
            }
        }
        for (index, report) in collected.consumers.iter().enumerate() {
            let Some(ConsumerRecord { delivered, end }) = report.as_ref().map(|r| &r.record) else {
                ends.abandoned += 1;
                notes.push(format!(
                    "consumer {index} did not end, even after the cancel token was set: abandoned"
                ));
                continue;
            };
            match end {
                ConsumerEnd::NoClosed => {
                    ends.no_closed += 1;
                    notes.push(format!(
                        "consumer {index} never saw Closed (stopped at the deadline after {delivered} messages)"
                    ));
                }
                ConsumerEnd::Panicked { message } => {
                    notes.push(format!("consumer {index} panicked: {message}"));
                    ends.panic.get_or_insert_with(|| message.clone());
                }
                _ => {}
            }
        }
        ends
    }
}

/// The outcome, the worst finding first.
fn outcome(spec: &FaultSpec, counts: &Counts, ends: &Ends) -> FaultOutcome {
    if ends.abandoned > 0 {
        FaultOutcome::Hung {
            abandoned: ends.abandoned,
        }
    } else if let Some(message) = &ends.panic {
        FaultOutcome::Panicked {
            message: message.clone(),
        }
    } else if ends.no_closed > 0 && (counts.lost > 0 || ends.stuck_producers == 0) {
        // Stuck short of what was published (at a gap), or after every
        // producer had gone.
        FaultOutcome::NoClosed {
            consumers: ends.no_closed,
        }
    } else if ends.stuck_producers > 0 || ends.no_closed > 0 {
        FaultOutcome::Hung { abandoned: 0 }
    } else if counts.lost > 0 {
        FaultOutcome::Lost {
            messages: counts.lost,
        }
    } else if counts.duplicated > 0 {
        FaultOutcome::Duplicated {
            messages: counts.duplicated,
        }
    } else if counts.out_of_order > 0 {
        FaultOutcome::OutOfOrder {
            messages: counts.out_of_order,
        }
    } else if counts.corrupted > 0 {
        FaultOutcome::Corrupted {
            messages: counts.corrupted,
        }
    } else if ends.disconnected {
        FaultOutcome::Disconnected {
            expected: spec.expectation() == Expectation::Disconnected,
        }
    } else if counts.went_with_consumer > 0 {
        FaultOutcome::WentWithConsumer {
            messages: counts.went_with_consumer,
        }
    } else {
        FaultOutcome::Recovered
    }
}

/// A producer's end in a few words.
fn end_words(end: &ProducerEnd) -> &'static str {
    match end {
        ProducerEnd::Finished => "its whole share published",
        ProducerEnd::Disconnected => "Disconnected",
        ProducerEnd::Cancelled => "Cancelled",
        ProducerEnd::InjectedPanic => "its injected panic",
        ProducerEnd::Panicked { .. } => "a panic",
        ProducerEnd::Abandoned => "abandoned",
    }
}

/// Says so when the fault never happened (the run then shows nothing
/// about it).
fn not_injected(spec: &FaultSpec, collected: &Collected) -> Option<String> {
    let producer_end = |index: usize| collected.producers.get(index)?.as_ref().map(|r| &r.end);
    let consumer_end = |index: usize| {
        collected
            .consumers
            .get(index)?
            .as_ref()
            .map(|report| &report.record.end)
    };
    match spec.fault {
        Fault::ProducerPanic => match producer_end(0) {
            Some(ProducerEnd::InjectedPanic) | None => None,
            Some(end) => Some(format!(
                "the fault was not injected: producer 0 ended with {} before its panicking batch",
                end_words(end)
            )),
        },
        Fault::ProducerPanicContinues => match collected.producers.first() {
            Some(Some(ProducerRecord {
                continued: None,
                end,
                ..
            })) => Some(format!(
                "the fault was not injected: producer 0 ended with {} before its panicking batch",
                end_words(end)
            )),
            _ => None,
        },
        Fault::ConsumerDropped | Fault::ConsumerPanic => match consumer_end(0) {
            Some(ConsumerEnd::Left | ConsumerEnd::InjectedPanic) | None => None,
            Some(_) => Some(format!(
                "the fault was not injected: consumer 0 ended before its first {} messages",
                spec.strike.leaves_after
            )),
        },
        Fault::CancelMidClaim => {
            let cancelled = collected
                .producers
                .iter()
                .flatten()
                .any(|report| report.end == ProducerEnd::Cancelled);
            (!cancelled).then(|| {
                "no publish returned Cancelled: setting the token ended no producer's wait"
                    .to_owned()
            })
        }
    }
}
