//! Telling a takeover from a reorder in a work-sharing consumer fault.
//!
//! A worker pool's worker claims a run of at most one batch (its call's
//! `max`) and hands it in order, over one call or more. When it leaves, the
//! rest of that run goes to one other worker, which may already have handed
//! later messages of the same producers: it hands that rest late. The
//! contract allows this for the departed worker's unfinished run alone, and
//! only in an implementation that declares it ([`impls::Info::takes_over`]).
//!
//! Each fault-run consumer keeps [`Arrivals`]: the messages it was handed
//! late (at or below a sequence it had already been handed from their
//! producer) and what its last call handed. [`judge`] takes late messages
//! for consumer 0's unfinished run only where they can be: all at one
//! consumer other than 0, no more than a batch less what consumer 0's last
//! call handed (that call handed the start of the run), and per producer
//! one gapless stretch above the last message consumer 0 was handed,
//! starting right after it where that call handed one of the producer's (a
//! producer's messages lie in the queue in sequence order). Any other late
//! message is a reorder.

use super::collected::{Arrivals, ConsumerReport};
use super::report::ConsumerEnd;
use super::spec::FaultSpec;

/// What [`judge`] made of the messages handed late.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Judged {
    /// Consumer `adopter`'s late messages are consumer 0's unfinished run,
    /// taken over; `note` says so.
    TakenOver { adopter: usize, note: String },
    /// A reorder: a line per consumer that was handed messages late, with
    /// why it is no takeover.
    Reordered(Vec<String>),
}

/// Judges the messages handed late in a work-sharing consumer fault, if
/// any was (see the module's header).
pub(super) fn judge(spec: &FaultSpec, consumers: &[Option<ConsumerReport>]) -> Option<Judged> {
    let late: Vec<(usize, &Arrivals)> = consumers
        .iter()
        .enumerate()
        .filter_map(|(index, report)| Some((index, &report.as_ref()?.arrivals)))
        .filter(|(_, arrivals)| arrivals.late_count > 0)
        .collect();
    if late.is_empty() {
        return None;
    }
    let departed = consumers.first().and_then(Option::as_ref).filter(|report| {
        matches!(
            report.record.end,
            ConsumerEnd::Left | ConsumerEnd::InjectedPanic
        )
    });
    let verdict = match (&late[..], departed) {
        _ if !spec.takes_over => {
            Err("the implementation takes nothing over from a consumer that leaves".to_owned())
        }
        (_, None) => Err("consumer 0 did not leave, so nothing was taken over".to_owned()),
        ([(0, _)], _) => Err("consumer 0 is the one that left, not one that took over".to_owned()),
        ([(adopter, arrivals)], Some(departed)) => {
            unfinished_run(spec.setup.batch, &departed.arrivals, arrivals)
                .map(|run| (*adopter, run))
        }
        _ => Err(format!(
            "{} consumers were handed messages late, and an unfinished run goes to one",
            late.len()
        )),
    };
    Some(match verdict {
        Ok((adopter, run)) => Judged::TakenOver {
            adopter,
            note: format!(
                "consumer {adopter}: {} handed after later ones of their producer ({run}): consumer 0's unfinished run, taken over when it left (allowed for an implementation that takes over)",
                messages(late[0].1.late_count)
            ),
        },
        Err(why) => Judged::Reordered(
            late.iter()
                .map(|(index, arrivals)| reordered(*index, arrivals, &why))
                .collect(),
        ),
    })
}

/// `count` messages, in words.
fn messages(count: u64) -> String {
    if count == 1 {
        "1 message".to_owned()
    } else {
        format!("{count} messages")
    }
}

/// The problem line of consumer `index`'s late messages, which `why` is
/// no takeover.
fn reordered(index: usize, arrivals: &Arrivals, why: &str) -> String {
    let first = arrivals.late.first().map_or(String::new(), |late| {
        format!(
            " (the first: producer {}'s {}, after its {})",
            late.producer, late.sequence, late.after
        )
    });
    format!(
        "consumer {index}: {} handed after later ones of their producer{first}, a reorder no takeover explains: {why}",
        messages(arrivals.late_count)
    )
}

/// Whether the adopter's late messages fit in the rest of the run that
/// consumer 0 (`departed`) left unfinished: that rest per producer, in
/// words, or why not.
fn unfinished_run(batch: usize, departed: &Arrivals, adopter: &Arrivals) -> Result<String, String> {
    let handed = departed.last_call.len();
    let room = batch.saturating_sub(handed);
    if adopter.late_count > room as u64 {
        return Err(format!(
            "more than the rest of consumer 0's last run (at most {room}: a run is at most a batch of {batch}, and consumer 0's last call was handed {handed} of it)"
        ));
    }
    let mut producers: Vec<usize> = adopter.late.iter().map(|late| late.producer).collect();
    producers.sort_unstable();
    producers.dedup();
    let mut run = Vec::new();
    for producer in producers {
        let sequences: Vec<u64> = adopter
            .late
            .iter()
            .filter(|late| late.producer == producer)
            .map(|late| late.sequence)
            .collect();
        let (first, last) = (sequences[0], sequences[sequences.len() - 1]);
        // One past the last of the producer's messages consumer 0 was handed.
        let floor = departed.reached.get(producer).copied().unwrap_or(0);
        if first < floor {
            return Err(format!(
                "producer {producer}'s {first} lies at or below consumer 0's last of that producer ({}), outside its unfinished run",
                floor - 1
            ));
        }
        if departed.last_call.iter().any(|&(of, _)| of == producer) && first != floor {
            return Err(format!(
                "producer {producer}'s part of consumer 0's unfinished run starts at {floor}, right after its last call, not at {first}"
            ));
        }
        if let Some(gap) = sequences.windows(2).find(|pair| pair[1] != pair[0] + 1) {
            return Err(format!(
                "producer {producer}'s late messages are not one stretch ({}, then {})",
                gap[0], gap[1]
            ));
        }
        run.push(if first == last {
            format!("producer {producer}'s {first}")
        } else {
            format!("producer {producer}'s {first} to {last}")
        });
    }
    Ok(run.join(", "))
}
