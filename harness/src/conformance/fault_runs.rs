//! Every fault of the `faults` scenario on every topology the
//! implementation claims, judged against its contract
//! ([`crate::faults`]), each failure told by what went wrong first and
//! the fault injected after it.

use std::time::Duration;

use impls::{Info, Queue};

use super::progress::Progress;
use super::{Stalls, one_line};
use crate::faults::{Fault, FaultOutcome, FaultReport, FaultSpec, run_queue};

/// Messages per fault run (as the `faults` scenario's default).
const FAULT_MESSAGES: u64 = 4000;
/// Watchdog of a fault run (as the `faults` scenario's default).
const FAULT_TIMEOUT: Duration = Duration::from_secs(3);

/// Runs every fault on every topology `info` claims, adding a line to
/// `failures` for each run that falls short of its contract.
pub(super) fn run_all<Q: Queue>(
    info: &Info,
    progress: &mut Progress,
    stalls: &Stalls,
    failures: &mut Vec<String>,
) {
    for &topology in info.topologies {
        if let Some(why) = stalls.skip(topology) {
            progress.skipped(&format!("{topology}: fault runs"), &why);
            continue;
        }
        for fault in Fault::ALL {
            let Some(spec) = FaultSpec::new(info, fault, topology, FAULT_MESSAGES, FAULT_TIMEOUT)
            else {
                continue;
            };
            let place = format!(
                "{topology} P{} C{}",
                spec.setup.producers, spec.setup.consumers
            );
            let found = progress.run(&format!("{place}, {fault} fault run"), || {
                let report = run_queue::<Q>(&spec);
                if report.met_contract {
                    Ok(())
                } else {
                    Err(cause(&report))
                }
            });
            if let Some(cause) = found {
                failures.push(format!("{place}: {cause}, in the {fault} fault run"));
            }
        }
    }
}

/// What went wrong in a fault run that fell short of its contract, in
/// words, with the counts: the outcome, then the classifier's findings.
pub(super) fn cause(report: &FaultReport) -> String {
    let published: u64 = report
        .producers
        .iter()
        .map(|producer| producer.published + producer.continued.map_or(0, |c| c.published))
        .sum();
    let headline = match &report.outcome {
        FaultOutcome::Lost { messages } => {
            format!("lost {messages} of {published} messages published")
        }
        FaultOutcome::Duplicated { messages } => {
            format!("{messages} deliveries too many, of {published} messages published")
        }
        FaultOutcome::OutOfOrder { messages } => {
            format!("{messages} messages arrived out of per-producer order")
        }
        FaultOutcome::Corrupted { messages } => {
            format!("{messages} messages arrived corrupted")
        }
        FaultOutcome::NoClosed { consumers: 1 } => "1 consumer never saw Closed".to_owned(),
        FaultOutcome::NoClosed { consumers } => {
            format!("{consumers} consumers never saw Closed")
        }
        FaultOutcome::Hung { abandoned: 0 } => {
            "threads were still running at the deadline and stopped only when the watchdog cancelled them".to_owned()
        }
        FaultOutcome::Hung { abandoned } => format!(
            "{abandoned} threads never ended, even after the cancel token was set, and were left running"
        ),
        FaultOutcome::Panicked { message } => format!("a thread panicked: {message}"),
        FaultOutcome::BuildFailed { error } => format!("the queue could not be built: {error}"),
        FaultOutcome::Disconnected { .. } => {
            "producers got Disconnected while a consumer that takes every message was still there"
                .to_owned()
        }
        FaultOutcome::Recovered | FaultOutcome::WentWithConsumer { .. } => {
            "producers were never told Disconnected, though no consumer that reads every message was left"
                .to_owned()
        }
    };
    if report.problems.is_empty() {
        one_line(&headline)
    } else {
        one_line(&format!("{headline} ({})", report.problems.join("; ")))
    }
}
