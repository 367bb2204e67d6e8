//! A configuration's table: the columns every table has, then the
//! optional ones any of its rows fills.

use super::*;

/// A column a configuration's table shows only where some row has
/// something for it: its header, whether a row has, and its cell (with
/// its `<td>`).
struct OptionalColumn {
    header: &'static str,
    present: fn(&Summary) -> bool,
    cell: fn(&Summary) -> String,
    /// Shown for work-sharing files only.
    work_sharing_only: bool,
}

/// The optional columns, in order, after the ones every table has.
const OPTIONAL_COLUMNS: [OptionalColumn; 6] = [
    OptionalColumn {
        header: "CPU ns/msg",
        present: |s| s.cpu_ns_per_message.is_some(),
        cell: |s| {
            format!(
                "<td class=\"num\">{}</td>",
                optional(s.cpu_ns_per_message, Page)
            )
        },
        work_sharing_only: false,
    },
    OptionalColumn {
        header: "allocations/msg",
        present: |s| s.allocations_per_message.is_some(),
        cell: |s| {
            format!(
                "<td class=\"num\">{}{}</td>",
                optional(s.allocations_per_message, Page),
                s.allocated_bytes_per_message
                    .map_or_else(String::new, |b| format!(" ({} B)", trim(b)))
            )
        },
        work_sharing_only: false,
    },
    OptionalColumn {
        header: "latency p50 / p99 / p99.9 / max",
        present: |s| s.latency.is_some(),
        cell: latency_cell,
        work_sharing_only: false,
    },
    OptionalColumn {
        header: "counters per message",
        present: |s| !s.counters.is_empty(),
        cell: counters_cell,
        work_sharing_only: false,
    },
    OptionalColumn {
        header: "consumer share",
        present: |s| s.consumer_share.is_some(),
        cell: |s| {
            format!(
                "<td class=\"num\">{}</td>",
                s.consumer_share
                    .map_or_else(|| Page.missing().to_owned(), shares)
            )
        },
        work_sharing_only: true,
    },
    OptionalColumn {
        header: "× machine round trip",
        present: |s| s.floor_multiple.is_some(),
        cell: |s| {
            format!(
                "<td class=\"num\">{}</td>",
                optional(s.floor_multiple, Page)
            )
        },
        work_sharing_only: false,
    },
];

/// The latency cell: p50 / p99 / p99.9 / max, the kind and the samples.
fn latency_cell(summary: &Summary) -> String {
    let text = summary.latency.as_ref().map_or_else(
        || Page.missing().to_owned(),
        |latency| {
            let at = |p: f64| {
                summary
                    .latency_at(p)
                    .map_or_else(|| Page.missing().to_owned(), nanoseconds)
            };
            format!(
                "{} / {} / {} / {} ({}, {} samples)",
                at(50.0),
                at(99.0),
                at(99.9),
                at(100.0),
                latency.kind.name().replace('_', " "),
                latency.samples
            )
        },
    );
    format!("<td class=\"num\">{}</td>", escape(&text))
}

/// The counters cell: measured values only (unavailable counters are
/// named under the table).
fn counters_cell(summary: &Summary) -> String {
    let parts: Vec<String> = summary
        .counters
        .iter()
        .filter_map(|c| {
            c.per_message
                .map(|value| format!("{} {} {}", c.name, trim(value), c.unit))
        })
        .collect();
    format!("<td class=\"counters\">{}</td>", escape(&parts.join("; ")))
}

pub(super) fn configuration_table(
    out: &mut String,
    file: &ResultsFile,
    file_index: usize,
    configuration_index: usize,
    configuration: &Configuration,
) {
    let summaries = &configuration.summary;
    let work_sharing = file.scenario.topology == schema::Topology::MpmcWorkerPool;
    let shown: Vec<&OptionalColumn> = OPTIONAL_COLUMNS
        .iter()
        .filter(|column| work_sharing || !column.work_sharing_only)
        .filter(|column| summaries.iter().any(column.present))
        .collect();
    let baseline = &file.scenario.baseline;
    let headers: String = shown
        .iter()
        .map(|column| format!("<th>{}</th>", column.header))
        .collect();

    let _ = writeln!(
        out,
        "<h4 id=\"cfg-{file_index}-{configuration_index}\">{}</h4>\n<table>\n<tr><th>implementation</th><th>ordering</th><th>wait</th><th>median M/s</th><th>interval M/s</th><th>vs {}</th><th>ratio interval</th><th>oracle</th>{headers}</tr>",
        escape(&heading(file, configuration)),
        escape(baseline),
    );
    for summary in summaries {
        let ordering = file
            .implementation(&summary.implementation)
            .map_or_else(String::new, |i| i.ordering.name().replace('_', " "));
        let passes = summary.verdict.passes();
        let throughput = summary.throughput_interval();
        let ratio_range = summary.ratio_interval();
        let cells: String = shown.iter().map(|column| (column.cell)(summary)).collect();
        let _ = writeln!(
            out,
            "<tr{}><td>{}{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td>{cells}</tr>",
            if passes { "" } else { " class=\"bad\"" },
            escape(&display_name(file, &summary.implementation)),
            if summary.implementation == *baseline {
                " (baseline)"
            } else {
                ""
            },
            escape(&ordering),
            escape(&summary.wait),
            millions(summary.median, Page),
            escape(&throughput.map_or_else(
                || Page.missing().to_owned(),
                |(interval, kind)| format!(
                    "{} ({})",
                    millions_interval(Some(interval), Page),
                    kind.label()
                )
            )),
            ratio(summary.ratio_to_baseline, Page),
            escape(&ratio_range.map_or_else(
                || Page.missing().to_owned(),
                |(interval, kind)| format!(
                    "{} ({})",
                    ratio_interval(Some(interval), Page),
                    kind.label()
                )
            )),
            escape(&format!(
                "{} {}/{}{}",
                summary.verdict,
                summary.passed_runs,
                summary.measured_runs,
                if passes { "" } else { " — not plotted" }
            )),
        );
    }
    let _ = writeln!(out, "</table>");
    for note in &configuration.notes {
        let _ = writeln!(out, "<p class=\"muted\">Note: {}.</p>", escape(note));
    }
    let mut unavailable: Vec<&str> = Vec::new();
    for counter in summaries.iter().flat_map(|s| &s.counters) {
        if counter.per_message.is_none() && !unavailable.contains(&counter.name.as_str()) {
            unavailable.push(&counter.name);
        }
    }
    if !unavailable.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"muted\">Counters unavailable here (not measured, never shown as 0; the machine table says why): {}.</p>",
            escape(&unavailable.join(", "))
        );
    }
}
