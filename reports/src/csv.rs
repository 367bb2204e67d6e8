//! `figures.csv`: one row per results file, configuration and
//! implementation, with every figure the report shows.
//!
//! A row whose verdict is not a pass keeps its verdict and run counts but
//! leaves every figure column empty: the figures of a run the oracle
//! failed are not results, and a chart drawn from the CSV must not pick
//! them up.

use std::fmt::Write;

use crate::model::ResultsFile;

/// The CSV's file name in the report folder.
pub(crate) const FILE_NAME: &str = "figures.csv";

const HEADER: [&str; 38] = [
    "file",
    "scenario",
    "topology",
    "git_commit",
    "producers",
    "consumers",
    "capacity",
    "payload_bytes",
    "batch",
    "requested_wait",
    "wait",
    "consume",
    "rate_per_s",
    "oversubscribed",
    "placement",
    "implementation",
    "baseline",
    "verdict",
    "passed_runs",
    "measured_runs",
    "median_msg_per_s",
    "min_msg_per_s",
    "max_msg_per_s",
    "throughput_ci_low",
    "throughput_ci_high",
    "ratio_to_baseline",
    "ratio_min",
    "ratio_max",
    "ratio_ci_low",
    "ratio_ci_high",
    "cpu_ns_per_message",
    "allocations_per_message",
    "allocated_bytes_per_message",
    "latency_p50_ns",
    "latency_p99_ns",
    "latency_p99_9_ns",
    "latency_max_ns",
    "counters_per_message",
];

fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

fn number(value: Option<f64>) -> String {
    value.map_or_else(String::new, |v| v.to_string())
}

/// Measured counters as `name=value` pairs separated by `;` (unavailable
/// counters are left out, never written as zero).
fn counters(summary: &crate::model::Summary) -> String {
    summary
        .counters
        .iter()
        .filter_map(|c| c.per_message.map(|v| format!("{}={v}", c.name)))
        .collect::<Vec<_>>()
        .join(";")
}

/// The CSV text for every file.
pub(crate) fn figures(results: &[ResultsFile]) -> String {
    let mut out = HEADER.join(",");
    out.push('\n');
    for file in results {
        for configuration in &file.configurations {
            for summary in &configuration.summary {
                let passes = summary.verdict.passes();
                // Figures of a row that did not pass stay empty.
                let figure =
                    |value: Option<f64>| if passes { number(value) } else { String::new() };
                let cells = [
                    field(&file.path.display().to_string()),
                    field(&file.scenario.name),
                    field(file.scenario.topology.name()),
                    field(file.provenance.git_commit.as_deref().unwrap_or("")),
                    configuration.producers.to_string(),
                    configuration.consumers.to_string(),
                    configuration.capacity.to_string(),
                    configuration.payload.to_string(),
                    configuration.batch.to_string(),
                    field(configuration.requested_wait.name()),
                    field(configuration.wait.name()),
                    field(configuration.consume.name()),
                    number(configuration.rate),
                    configuration.oversubscribed.to_string(),
                    field(&configuration.placement_description),
                    field(&summary.implementation),
                    field(&file.scenario.baseline),
                    field(summary.verdict.as_str()),
                    summary.passed_runs.to_string(),
                    summary.measured_runs.to_string(),
                    figure(summary.median),
                    figure(summary.min),
                    figure(summary.max),
                    figure(summary.throughput_ci.map(|c| c.0)),
                    figure(summary.throughput_ci.map(|c| c.1)),
                    figure(summary.ratio_to_baseline),
                    figure(summary.ratio_min),
                    figure(summary.ratio_max),
                    figure(summary.ratio_ci.map(|c| c.0)),
                    figure(summary.ratio_ci.map(|c| c.1)),
                    figure(summary.cpu_ns_per_message),
                    figure(summary.allocations_per_message),
                    figure(summary.allocated_bytes_per_message),
                    figure(summary.latency_at(50.0)),
                    figure(summary.latency_at(99.0)),
                    figure(summary.latency_at(99.9)),
                    figure(summary.latency_at(100.0)),
                    if passes {
                        field(&counters(summary))
                    } else {
                        String::new()
                    },
                ];
                let _ = writeln!(out, "{}", cells.join(","));
            }
        }
    }
    out
}
