//! The comparison table printed at the end of a sweep: the terminal's
//! medium beside the page (`html/`) and the CSV, with the figure columns
//! they share ([`crate::columns`]).

use std::fmt::Write;

use schema::{CounterStatus, FLOOR_UNSTABLE_FACTOR};

use crate::columns;
use crate::format::{Medium, nanoseconds_narrow, per_message, shares};
use crate::model::{BASE, Configuration, Machine, Outcome, Results, Summary};

/// Every figure here is written for a terminal.
const T: Medium = Medium::Terminal;

/// The machine in one line: round trip, copy bandwidth, timer, counters.
pub fn machine_line(machine: &Machine) -> String {
    let round_trip = match (
        machine.core_to_core_round_trip_ns,
        machine.core_to_core_cores,
    ) {
        (Some(ns), Some((a, b))) => format!(
            "core-to-core round trip {ns:.0} ns (cores {a}, {b}{})",
            machine
                .core_to_core_relation
                .as_deref()
                .and_then(|relation| relation.split_once(": "))
                .map_or(String::new(), |(_, relation)| format!(": {relation}"))
        ),
        _ => "core-to-core round trip not measured".to_owned(),
    };
    let bandwidth = machine
        .copy_bandwidth_bytes_per_sec
        .map_or(T.missing().to_owned(), |b| format!("{:.1} GB/s", b / 1e9));
    let measured: Vec<String> = machine
        .counters
        .iter()
        .filter(|c| c.status == CounterStatus::Measured)
        .map(|c| match c.source {
            Some(source) => format!("{} ({source})", c.name),
            None => format!("{} ()", c.name),
        })
        .collect();
    // Unavailable counters grouped by reason, in the order first seen.
    let mut unavailable: Vec<(&str, Vec<&str>)> = Vec::new();
    for counter in machine
        .counters
        .iter()
        .filter(|c| c.status != CounterStatus::Measured)
    {
        let reason = counter.reason.as_deref().unwrap_or("no reason recorded");
        match unavailable.iter_mut().find(|(seen, _)| *seen == reason) {
            Some((_, names)) => names.push(&counter.name),
            None => unavailable.push((reason, vec![&counter.name])),
        }
    }
    let ns = |value: Option<f64>| value.map_or("not measured".to_owned(), |v| format!("{v:.1} ns"));
    format!(
        "ceiling: {round_trip}, copy {bandwidth}; timer {} ({} per read, resolution {})\n\
         counters: {}{}",
        machine.timer.source,
        ns(machine.timer.cost_ns),
        ns(machine.timer.resolution_ns),
        if measured.is_empty() {
            "none measured".to_owned()
        } else {
            measured.join(", ")
        },
        unavailable
            .iter()
            .map(|(reason, names)| format!("; unavailable: {} ({reason})", names.join(", ")))
            .collect::<String>(),
    )
}

/// The measured counters of `summary`, per message, in one line.
fn counters_line(summary: &Summary) -> Option<String> {
    let measured: Vec<String> = summary
        .counters
        .iter()
        .filter_map(|c| {
            let value = c.per_message?;
            Some(format!(
                "{} {}{}",
                c.name,
                per_message(Some(value), T),
                if c.unit == "ns" { " ns" } else { "" }
            ))
        })
        .collect();
    (!measured.is_empty()).then(|| measured.join(", "))
}

/// The percentiles a latency summary holds, in order (`percentiles_ns`
/// and `service_time_percentiles_ns` have one entry each).
const PERCENTILES: [&str; 6] = ["p50", "p90", "p99", "p99.9", "p99.99", "max"];

/// The service-time percentiles the latency table shows, in one column.
const SERVICE_PERCENTILES: [&str; 4] = ["p50", "p99", "p99.9", "max"];

/// One column of a table: its header, its width (right-aligned, or
/// left-aligned when `left`), the spaces before it, and its cell for a
/// summary.
struct Column<'a> {
    header: String,
    width: usize,
    left: bool,
    gap: usize,
    cell: Box<dyn Fn(&Summary) -> String + 'a>,
}

impl<'a> Column<'a> {
    fn new(
        header: impl Into<String>,
        width: usize,
        cell: impl Fn(&Summary) -> String + 'a,
    ) -> Self {
        Self {
            header: header.into(),
            width,
            left: false,
            gap: 1,
            cell: Box::new(cell),
        }
    }

    /// A figure column shared with the report's page.
    fn figure(column: &'static columns::Column, baseline: &str) -> Self {
        Self {
            header: column.header(baseline, T),
            width: column.width,
            left: column.left,
            gap: 1,
            cell: Box::new(move |summary| (column.cell)(summary, T)),
        }
    }

    fn left(mut self) -> Self {
        self.left = true;
        self
    }

    fn gap(mut self, gap: usize) -> Self {
        self.gap = gap;
        self
    }

    fn pad(&self, text: &str) -> String {
        if self.left {
            format!("{:<width$}", text, width = self.width)
        } else {
            format!("{:>width$}", text, width = self.width)
        }
    }
}

/// A line of `columns` (their headers, or their cells for `summary`),
/// then `last` unpadded.
fn line(columns: &[Column<'_>], summary: Option<&Summary>, last: &str) -> String {
    let mut line = String::from(" ");
    for column in columns {
        line.push_str(&" ".repeat(column.gap));
        match summary {
            Some(summary) => line.push_str(&column.pad(&(column.cell)(summary))),
            None => line.push_str(&column.pad(&column.header)),
        }
    }
    line.push(' ');
    line.push_str(last);
    line
}

/// A latency percentile of `summary` by name, in ns, µs or ms.
fn percentile(summary: &Summary, name: &str) -> String {
    let index = PERCENTILES
        .iter()
        .position(|p| *p == name)
        .expect("a known percentile");
    summary
        .latency
        .as_ref()
        .and_then(|l| l.percentiles_ns.get(index))
        .map_or(T.missing().to_owned(), |&(_, ns)| nanoseconds_narrow(ns))
}

/// The service-time percentiles of `summary`, `p50/p99/p99.9/max`.
fn service(summary: &Summary) -> String {
    summary
        .latency
        .as_ref()
        .filter(|l| l.service_time_percentiles_ns.len() == PERCENTILES.len())
        .map_or(T.missing().to_owned(), |l| {
            SERVICE_PERCENTILES
                .iter()
                .map(|name| {
                    let index = PERCENTILES.iter().position(|p| p == name).unwrap_or(0);
                    nanoseconds_narrow(l.service_time_percentiles_ns[index].1)
                })
                .collect::<Vec<_>>()
                .join("/")
        })
}

/// The columns of a throughput table, against `baseline`.
fn throughput_columns(baseline: &str) -> Vec<Column<'static>> {
    vec![
        Column::new("implementation", 16, |s| s.implementation.clone()).left(),
        Column::figure(&columns::MEDIAN, baseline),
        Column::figure(&columns::THROUGHPUT_INTERVAL, baseline),
        Column::figure(&columns::RATIO, baseline),
        Column::figure(&columns::RATIO_INTERVAL, baseline),
        Column::figure(&columns::CPU, baseline),
        Column::figure(&columns::ALLOCATIONS, baseline),
        Column::figure(&columns::FLOOR, baseline),
        Column::figure(&columns::ORACLE, baseline).gap(2),
    ]
}

/// The columns of a latency table.
fn latency_columns(baseline: &str) -> Vec<Column<'static>> {
    let mut columns = vec![Column::new("latency ns", 16, |s| s.implementation.clone()).left()];
    columns.extend(
        PERCENTILES
            .iter()
            .map(|&name| Column::new(name, 7, move |s| percentile(s, name))),
    );
    columns.extend([
        Column::new(
            format!("service {}", SERVICE_PERCENTILES.join("/")),
            27,
            service,
        ),
        Column::figure(&columns::FLOOR, baseline),
        Column::figure(&columns::MEDIAN, baseline),
        Column::figure(&columns::CPU, baseline),
        Column::figure(&columns::ALLOCATIONS, baseline),
        Column::figure(&columns::ORACLE, baseline).gap(2),
    ]);
    columns
}

/// Renders every configuration's summary as a text table: the columns
/// of a throughput or a latency table, then the wait column, unpadded,
/// with what a reader must know about the row.
pub fn render(results: &Results) -> String {
    let mut out = String::new();
    let baseline = &results.scenario.baseline;
    let sharing = results.scenario.topology.shares_work();
    for configuration in &results.configurations {
        let latency = configuration.summary.iter().any(|s| s.latency.is_some());
        let _ = writeln!(
            out,
            "\n{}",
            configuration.heading(results.scenario.topology)
        );
        let mut columns = if latency {
            latency_columns(baseline)
        } else {
            throughput_columns(baseline)
        };
        if !latency
            && configuration
                .summary
                .iter()
                .any(|s| s.layout_range.is_some())
        {
            // Beside the round intervals: the between-layout ones.
            columns.splice(
                5..5,
                [
                    Column::figure(&columns::LAYOUT_RANGE, baseline),
                    Column::figure(&columns::RATIO_LAYOUT_RANGE, baseline),
                ],
            );
        }
        let _ = writeln!(out, "{}", line(&columns, None, "wait"));
        for summary in &configuration.summary {
            let info = results.implementation(&summary.implementation);
            let emulated = info.is_some_and(|i| i.fanout_emulated) && results.is_fanout();
            let shares = summary
                .consumer_share
                .filter(|_| sharing && !latency)
                .map_or(String::new(), |share| {
                    format!(", consumer share {}", shares(share))
                });
            let own_cost = if summary.implementation == BASE {
                " (harness's own cost)"
            } else {
                ""
            };
            let wait = format!(
                "{}{own_cost}{}{shares}",
                summary.wait,
                if emulated { ", fan-out emulated" } else { "" },
            );
            let _ = writeln!(out, "{}", line(&columns, Some(summary), &wait));
        }
        let counter_lines: Vec<String> = configuration
            .summary
            .iter()
            .filter_map(|summary| {
                counters_line(summary)
                    .map(|line| format!("    {:<16} {line}", summary.implementation))
            })
            .collect();
        if !counter_lines.is_empty() {
            let _ = writeln!(out, "  counters per message:");
            for line in counter_lines {
                let _ = writeln!(out, "{line}");
            }
        }
        if let Some(line) = floor_line(configuration) {
            let _ = writeln!(out, "{line}");
        }
        for note in &configuration.notes {
            let _ = writeln!(out, "  note: {note}");
        }
        for summary in &configuration.summary {
            if let Some(backwards) = summary
                .latency
                .as_ref()
                .and_then(|l| l.backwards_samples)
                .filter(|&n| n > 0)
            {
                let _ = writeln!(
                    out,
                    "  warning: {}: {backwards} receipts were timed before their send (the cores' clocks disagree); they count as 1 ns, so low percentiles are not to be trusted",
                    summary.implementation
                );
            }
        }
    }
    out
}

/// The configuration's floor in one line, with a warning when it moved by
/// more than [`FLOOR_UNSTABLE_FACTOR`] between rounds.
pub fn floor_line(configuration: &Configuration) -> Option<String> {
    let floor = configuration.floor.as_ref()?;
    let (a, b) = floor.cores;
    let measured = floor
        .rounds
        .iter()
        .filter(|r| !r.warmup && r.round_trip_ns.is_some())
        .count();
    let mut line = match (floor.median_ns, floor.range_ns) {
        (Some(median), Some((low, high))) => format!(
            "  floor: core-to-core round trip (cores {a}, {b}) {median:.0} ns, {low:.0}–{high:.0} over {measured} rounds; x floor is each run over its own round's"
        ),
        _ => format!("  floor: core-to-core round trip (cores {a}, {b}) not measured"),
    };
    if floor.unstable {
        line.push_str(&format!(
            "\n  warning: UNSTABLE PLACEMENT: the round trip moved by more than {FLOOR_UNSTABLE_FACTOR:.0}x between rounds (the hypervisor moved these vCPUs); compare figures within a round (ratios), not across rounds"
        ));
    }
    Some(line)
}

/// One line per implementation that could not run on this machine, with
/// why (and how to make it run), for the end of the output.
pub fn unavailable(results: &Results) -> Vec<String> {
    let mut lines: Vec<String> = results
        .configurations
        .iter()
        .flat_map(|configuration| &configuration.runs)
        .filter_map(|run| match &run.outcome {
            Outcome::Unavailable { reason } => Some(format!("{} {reason}", run.implementation)),
            _ => None,
        })
        .collect();
    lines.sort();
    lines.dedup();
    lines
}

/// Lines describing every run that did not pass, for the end of the output.
pub fn failures(results: &Results) -> Vec<String> {
    let mut lines = Vec::new();
    for configuration in &results.configurations {
        for run in configuration.runs.iter().filter(|run| run.outcome.failed()) {
            lines.push(format!(
                "{} [{}] {} round {}{}: {}",
                run.outcome.label(),
                configuration.heading(results.scenario.topology),
                run.implementation,
                run.round,
                if run.warmup { " (warm-up)" } else { "" },
                run.outcome.detail()
            ));
        }
    }
    lines
}
