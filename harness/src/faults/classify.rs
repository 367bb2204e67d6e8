//! Judging a fault run: the oracle's findings per stream, allowing a
//! failed batch's delivered prefix, and the outcome, worst first.

use super::inject::{Collected, Reader};
use super::*;

/// Judges a run from what its threads reported: the outcome, and every
/// finding in words.
pub(super) fn classify(spec: &FaultSpec, collected: &Collected) -> (FaultOutcome, Vec<String>) {
    let mut notes = Vec::new();
    // Per stream (producer index in the tags): published `Ok`, and how
    // many more may have arrived.
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
    let tallies: Vec<Reader<'_>> = collected
        .consumers
        .iter()
        .enumerate()
        .filter_map(|(index, report)| report.as_ref().map(|(tally, ..)| (index, tally)))
        .collect();
    // Consumers that must have received everything published, and those
    // that need only have received, in order, a gapless prefix.
    let (full, prefix): (Vec<Reader<'_>>, Vec<Reader<'_>>) =
        tallies.iter().partition(|&&(index, _)| {
            !spec.consumer_fault()
                || (spec.topology == Topology::MpmcWorkerPool)
                || (spec.topology == Topology::MpmcFanout && index != 0)
        });
    let mut problems = Vec::new();
    if !full.is_empty() {
        // Each producer's expected count: what was published `Ok`, plus
        // as much of the failed batch as arrived (a prefix of it may): as
        // far as its furthest message seen reaches, or as many as arrived.
        let quotas: Vec<u64> = sent
            .iter()
            .enumerate()
            .map(|(producer, &(published, unsure))| {
                let seen: Vec<_> = full.iter().map(|(_, tally)| tally.seen(producer)).collect();
                let counts = seen.iter().map(|seen| seen.count);
                let received = if spec.topology.is_broadcast() {
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
        let expected = Expected::new::<Msg8>(&quotas, collected.salt);
        problems.extend(oracle::problems(
            spec.topology,
            &expected,
            full.iter().copied(),
        ));
    }
    for &(index, tally) in &prefix {
        // Judged alone, as a consumer that must have every message up to
        // the last one it saw (no further than was published).
        let quotas: Vec<u64> = sent
            .iter()
            .enumerate()
            .map(|(producer, &(published, unsure))| {
                tally.seen(producer).next_sequence.min(published + unsure)
            })
            .collect();
        let expected = Expected::new::<Msg8>(&quotas, collected.salt);
        problems.extend(oracle::problems(
            Topology::MpmcFanout,
            &expected,
            [(index, tally)],
        ));
    }
    if spec.leaves_no_full_reader() {
        // A producer that published its whole share, though no consumer
        // was left that could read all of it: what none saw was lost.
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
    }
    // A consumer that takes a whole batch at a time may, by the contract,
    // take the rest of the batch it held with it when it leaves: at most
    // one producer's batch, less the message it was handed.
    let mut went_with_consumer = 0;
    if spec.consumer_fault()
        && spec.topology == Topology::MpmcWorkerPool
        && spec.takes_batches_whole
    {
        let lost: Vec<usize> = (0..problems.len())
            .filter(|&index| matches!(problems[index], Problem::Lost { .. }))
            .collect();
        if let [index] = lost[..]
            && let Problem::Lost {
                producer, messages, ..
            } = problems[index]
            && messages < spec.batch as u64
        {
            went_with_consumer = messages;
            problems.remove(index);
            notes.push(format!(
                "{messages} messages of producer {producer} went with consumer 0, the rest of the batch it held (allowed for consumers that take a whole batch at a time)"
            ));
        }
    }
    let mut lost = 0;
    let mut duplicated = 0;
    let mut out_of_order = 0;
    let mut corrupted = 0;
    for problem in &problems {
        match problem {
            Problem::Lost { messages, .. } => lost += messages,
            Problem::Duplicated { messages, .. } => duplicated += messages,
            Problem::OutOfOrder { messages, .. } | Problem::Early { messages, .. } => {
                out_of_order += messages
            }
            Problem::UnknownProducer { messages, .. } => corrupted += messages,
            Problem::ChecksumMismatch { .. } | Problem::ProducerCount { .. } => corrupted += 1,
        }
    }
    notes.extend(problems.iter().map(Problem::to_string));
    // A worker that takes over the unfinished run of one that left hands
    // those messages after later ones of the same producer: across a
    // takeover, work-sharing promises each message once, not each
    // consumer's order.
    if spec.consumer_fault() && spec.topology == Topology::MpmcWorkerPool && out_of_order > 0 {
        notes.push(format!(
            "{out_of_order} messages out of a consumer's per-producer order: taken over from consumer 0, which left (allowed in work-sharing)"
        ));
        out_of_order = 0;
    }

    let mut abandoned = 0;
    let mut panic = None;
    let mut stuck_producers = 0;
    let mut disconnected = false;
    for (index, report) in collected.producers.iter().enumerate() {
        let Some(ProducerRecord {
            published,
            end,
            past_deadline,
            ..
        }) = report
        else {
            abandoned += 1;
            notes.push(format!(
                "producer {index} did not end, even after the cancel token was set: abandoned"
            ));
            continue;
        };
        if *past_deadline {
            stuck_producers += 1;
            notes.push(format!(
                "producer {index} was still publishing at the deadline (after {published} messages); it ended after the watchdog set the cancel token, with {}",
                end_words(end)
            ));
        }
        match end {
            ProducerEnd::Panicked { message } => {
                notes.push(format!("producer {index} panicked: {message}"));
                panic.get_or_insert_with(|| message.clone());
            }
            ProducerEnd::Disconnected => disconnected = true,
            _ => {}
        }
    }
    let mut no_closed = 0;
    for (index, report) in collected.consumers.iter().enumerate() {
        let Some((_, ConsumerRecord { delivered, end })) = report else {
            abandoned += 1;
            notes.push(format!(
                "consumer {index} did not end, even after the cancel token was set: abandoned"
            ));
            continue;
        };
        match end {
            ConsumerEnd::NoClosed => {
                no_closed += 1;
                notes.push(format!(
                    "consumer {index} never saw Closed (stopped at the deadline after {delivered} messages)"
                ));
            }
            ConsumerEnd::Panicked { message } => {
                notes.push(format!("consumer {index} panicked: {message}"));
                panic.get_or_insert_with(|| message.clone());
            }
            _ => {}
        }
    }
    notes.extend(not_injected(spec, collected));

    let outcome = if abandoned > 0 {
        FaultOutcome::Hung { abandoned }
    } else if let Some(message) = panic {
        FaultOutcome::Panicked { message }
    } else if no_closed > 0 && (lost > 0 || stuck_producers == 0) {
        // Stuck short of what was published (at a gap), or after every
        // producer had gone.
        FaultOutcome::NoClosed {
            consumers: no_closed,
        }
    } else if stuck_producers > 0 || no_closed > 0 {
        FaultOutcome::Hung { abandoned: 0 }
    } else if lost > 0 {
        FaultOutcome::Lost { messages: lost }
    } else if duplicated > 0 {
        FaultOutcome::Duplicated {
            messages: duplicated,
        }
    } else if out_of_order > 0 {
        FaultOutcome::OutOfOrder {
            messages: out_of_order,
        }
    } else if corrupted > 0 {
        FaultOutcome::Corrupted {
            messages: corrupted,
        }
    } else if disconnected {
        FaultOutcome::Disconnected {
            expected: spec.expectation() == Expectation::Disconnected,
        }
    } else if went_with_consumer > 0 {
        FaultOutcome::WentWithConsumer {
            messages: went_with_consumer,
        }
    } else {
        FaultOutcome::Recovered
    };
    (outcome, notes)
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
            .map(|(_, r)| &r.end)
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
                "the fault was not injected: consumer 0 ended before its first {CONSUMER_LEAVES_AFTER} messages"
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
