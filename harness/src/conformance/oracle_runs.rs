//! The oracle on real threads: every topology the implementation claims,
//! with the thread counts each needs, every payload size, and batches
//! smaller than, equal to and larger than the capacity, all at the
//! implementation's smallest capacity, through [`run_once`].
//!
//! A run that does not end by the deadline is stopped by the runner's
//! watchdog; the rest of its topology is skipped (a queue that never
//! closes would only time out again), and, where threads did not stop
//! and were left running, every later threaded run.

use std::fmt;
use std::time::Duration;

use impls::{Info, Message, Msg8, Msg64, Msg256, PAYLOAD_SIZES, Queue, Topology};

use super::progress::Progress;
use super::{Checks, Stalls, one_line, spec, thread_counts};
use crate::runner::{Outcome, run_once};

/// One oracle run of the check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Case {
    pub(super) topology: Topology,
    pub(super) producers: usize,
    pub(super) consumers: usize,
    /// Message size in bytes: one of [`PAYLOAD_SIZES`].
    pub(super) payload: usize,
    pub(super) capacity: usize,
    pub(super) batch: usize,
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Case {
            topology,
            producers,
            consumers,
            payload,
            capacity,
            batch,
        } = self;
        write!(
            f,
            "{topology} P{producers} C{consumers}, {payload} B, capacity {capacity}, batch {batch}"
        )
    }
}

/// The capacity the check runs at: the smallest `info` allows (raised to
/// a power of two where it needs one). `None` when it allows none.
pub(super) fn capacity(info: &Info) -> Option<usize> {
    let mut capacity = info.min_capacity.max(impls::queue::MIN_CAPACITY);
    if info.capacity_power_of_two {
        capacity = capacity.checked_next_power_of_two()?;
    }
    (capacity <= info.max_capacity.min(impls::queue::MAX_CAPACITY)).then_some(capacity)
}

/// Batches smaller than, equal to and larger than `capacity`: one message
/// at a time, one short of the capacity (a batch that straddles the end
/// of the ring on most laps), the capacity, and more than twice it (not a
/// multiple, so batches split unevenly).
pub(super) fn batches(capacity: usize) -> Vec<usize> {
    let mut batches = vec![
        1,
        capacity.saturating_sub(1).max(1),
        capacity,
        2 * capacity + 1,
    ];
    batches.dedup();
    batches
}

/// Every oracle run of the check on `topology`, in the order they run.
pub(super) fn cases(info: &Info, topology: Topology, capacity: usize) -> Vec<Case> {
    let mut cases = Vec::new();
    for (producers, consumers) in thread_counts(info, topology) {
        for payload in PAYLOAD_SIZES {
            for batch in batches(capacity) {
                cases.push(Case {
                    topology,
                    producers,
                    consumers,
                    payload,
                    capacity,
                    batch,
                });
            }
        }
    }
    cases
}

/// Runs every case on every topology `info` claims, adding a line to
/// `failures` for each that fails.
pub(super) fn run_all<Q: Queue>(
    info: &Info,
    capacity: usize,
    checks: &Checks,
    progress: &mut Progress,
    stalls: &mut Stalls,
    failures: &mut Vec<String>,
) {
    for &topology in info.topologies {
        let cases = cases(info, topology, capacity);
        for (index, case) in cases.iter().enumerate() {
            if let Some(why) = stalls.skip(topology) {
                let left = cases.len() - index;
                progress.skipped(&format!("{topology}: {left} oracle runs"), &why);
                break;
            }
            let mut abandoned = None;
            let found = progress.run(&case.to_string(), || {
                let outcome = run_case::<Q>(case, checks.deadline);
                if let Outcome::TimedOut {
                    abandoned_threads, ..
                } = outcome
                {
                    abandoned = Some(abandoned_threads);
                }
                cause(case, &outcome, checks.deadline)
            });
            let Some(mut cause) = found else {
                continue;
            };
            if let Some(abandoned) = abandoned {
                stalls.timed_out(topology, abandoned);
                let left = cases.len() - index - 1;
                if abandoned > 0 {
                    cause += "; every later threaded run was skipped";
                } else {
                    let mut skipped = Vec::new();
                    if left > 0 {
                        skipped.push(format!("the other {left} oracle runs on {topology}"));
                    }
                    if checks.faults {
                        skipped.push(format!("the fault runs on {topology}"));
                    }
                    if !skipped.is_empty() {
                        cause += &format!("; {} were skipped", skipped.join(" and "));
                    }
                }
            }
            failures.push(format!("{case}: {cause}"));
        }
    }
}

/// Runs `case` through the runner and the oracle.
fn run_case<Q: Queue>(case: &Case, deadline: Duration) -> Outcome {
    let mut spec = spec(
        case.topology,
        case.producers,
        case.consumers,
        case.capacity,
        case.batch,
    );
    spec.timeout = deadline;
    const SMALL: usize = Msg8::BYTES;
    const LINE: usize = Msg64::BYTES;
    const LARGE: usize = Msg256::BYTES;
    match case.payload {
        SMALL => run_once::<Q, Msg8>(&spec),
        LINE => run_once::<Q, Msg64>(&spec),
        LARGE => run_once::<Q, Msg256>(&spec),
        other => unreachable!("payload sizes come from PAYLOAD_SIZES, not {other}"),
    }
}

/// Why `outcome` fails `case`, in one sentence, cause first; `Ok` when it
/// passed.
pub(super) fn cause(case: &Case, outcome: &Outcome, deadline: Duration) -> Result<(), String> {
    match outcome {
        Outcome::Completed { verdict, .. } if verdict.passed => Ok(()),
        Outcome::Completed { verdict, .. } if verdict.problems.is_empty() => Err(format!(
            "the oracle failed the run without naming a problem ({} of {} deliveries)",
            verdict.delivered, verdict.expected_deliveries
        )),
        Outcome::Completed { verdict, .. } => Err(one_line(&verdict.problems.join("; "))),
        Outcome::TimedOut {
            delivered,
            abandoned_threads,
        } => Err(timed_out(case, *delivered, *abandoned_threads, deadline)),
        Outcome::BuildFailed { error } => Err(one_line(&format!(
            "the queue could not be built, though its Info allows this configuration: {error}"
        ))),
        Outcome::Crashed { error } => Err(one_line(error)),
        Outcome::Unavailable { reason } => Err(one_line(&format!("it could not run: {reason}"))),
    }
}

/// What a run the watchdog stopped shows: consumers that had every
/// message and never saw `Closed`, or a run that stalled short of that.
fn timed_out(case: &Case, delivered: u64, abandoned: usize, deadline: Duration) -> String {
    let sent = super::MESSAGES;
    let copies = if case.topology.is_broadcast() {
        case.consumers as u64
    } else {
        1
    };
    let expected = sent * copies;
    let seconds = deadline.as_secs_f64();
    let counted = if copies > 1 {
        format!(
            "{delivered} of {expected} deliveries: {sent} messages to each of {copies} consumers"
        )
    } else {
        format!("{delivered} of {expected} messages delivered")
    };
    let mut cause = if delivered >= expected {
        format!(
            "the consumers never saw Closed after the producers finished ({counted}; stopped at the {seconds} s deadline)"
        )
    } else {
        format!("the run stalled: the watchdog stopped it at the {seconds} s deadline ({counted})")
    };
    match abandoned {
        0 => {}
        1 => cause += "; 1 thread did not stop when cancelled and was left running",
        n => cause += &format!("; {n} threads did not stop when cancelled and were left running"),
    }
    cause
}
