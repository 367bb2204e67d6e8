//! The comparison table printed at the end of a sweep.

use std::fmt::Write;

use crate::results::{Configuration, Results};

fn millions(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{:.2}", v / 1e6))
}

fn ratio(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{v:.2}x"))
}

/// The heading line of a configuration.
pub fn heading(topology: &str, configuration: &Configuration) -> String {
    format!(
        "{topology} · P{} C{} · capacity {} · {} B · batch {} · wait {} · {}{}",
        configuration.producers,
        configuration.consumers,
        configuration.capacity,
        configuration.payload,
        configuration.batch,
        configuration.requested_wait,
        configuration.placement_description,
        if configuration.oversubscribed {
            " · OVERSUBSCRIBED"
        } else {
            ""
        },
    )
}

/// Renders every configuration's summary as a text table.
pub fn render(results: &Results) -> String {
    let mut out = String::new();
    let baseline = &results.scenario.baseline;
    let sharing = results.scenario.topology == impls::Topology::MpmcWorkerPool.name();
    for configuration in &results.configurations {
        let _ = writeln!(
            out,
            "\n{}",
            heading(&results.scenario.topology, configuration)
        );
        let _ = writeln!(
            out,
            "  {:<16} {:>12} {:>19} {:>12} {:>17}  {:<13} wait",
            "implementation",
            "median M/s",
            "min–max M/s",
            format!("vs {baseline}"),
            "ratio min–max",
            "oracle",
        );
        for summary in &configuration.summary {
            let info = results
                .implementations
                .iter()
                .find(|i| i.name == summary.implementation);
            let emulated =
                info.is_some_and(|i| i.fanout_emulated) && configuration_is_fanout(results);
            let shares = summary
                .consumer_share
                .filter(|_| sharing)
                .map_or(String::new(), |(low, high)| {
                    format!(", consumer share {:.0}–{:.0}%", low * 100.0, high * 100.0)
                });
            let _ = writeln!(
                out,
                "  {:<16} {:>12} {:>19} {:>12} {:>17}  {:<13} {}{}{}",
                summary.implementation,
                millions(summary.median),
                format!("{}–{}", millions(summary.min), millions(summary.max)),
                ratio(summary.ratio_to_baseline),
                format!("{}–{}", ratio(summary.ratio_min), ratio(summary.ratio_max)),
                format!(
                    "{} {}/{}",
                    summary.verdict, summary.passed_runs, summary.measured_runs
                ),
                summary.wait,
                if emulated { ", fan-out emulated" } else { "" },
                shares,
            );
        }
    }
    out
}

fn configuration_is_fanout(results: &Results) -> bool {
    results.scenario.topology == impls::Topology::MpmcFanout.name()
}

/// Lines describing every run that did not pass, for the end of the output.
pub fn failures(results: &Results) -> Vec<String> {
    let mut lines = Vec::new();
    for configuration in &results.configurations {
        for run in configuration
            .runs
            .iter()
            .filter(|run| !run.outcome.passed())
        {
            let detail = match &run.outcome {
                crate::runner::Outcome::Completed { verdict, .. } => verdict.problems.join("; "),
                crate::runner::Outcome::TimedOut {
                    delivered,
                    abandoned_threads,
                } => format!(
                    "stopped by the watchdog after {delivered} deliveries; {abandoned_threads} threads abandoned"
                ),
                crate::runner::Outcome::BuildFailed { error }
                | crate::runner::Outcome::Crashed { error } => error.clone(),
            };
            lines.push(format!(
                "{} [{}] {} round {}{}: {}",
                run.outcome.label(),
                heading(&results.scenario.topology, configuration),
                run.implementation,
                run.round,
                if run.warmup { " (warm-up)" } else { "" },
                detail
            ));
        }
    }
    lines
}
