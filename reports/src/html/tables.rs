//! A configuration's table: the columns every table has, then the
//! optional ones any of its rows fills.

use std::fmt::Write;

use crate::charts::display_name;
use crate::columns::{self, Column};
use crate::format::Medium::Page;
use crate::format::escape;
use crate::model::{Configuration, ResultsFile, Summary};

/// A column of the page's table: a figure column shared with the
/// terminal's table and the CSV ([`columns`]), as it is or with a `<td>`
/// of the page's own.
enum PageColumn {
    Figure(&'static Column),
    Own {
        column: &'static Column,
        /// The whole `<td>`.
        cell: fn(&Summary) -> String,
    },
}

impl PageColumn {
    /// The figure column it shows.
    fn shared(&self) -> &'static Column {
        match self {
            PageColumn::Figure(column) | PageColumn::Own { column, .. } => column,
        }
    }

    fn header(&self, baseline: &str) -> String {
        match self {
            PageColumn::Figure(column) | PageColumn::Own { column, .. } => {
                column.header(baseline, Page)
            }
        }
    }

    fn has(&self, summary: &Summary) -> bool {
        match self {
            PageColumn::Figure(column) | PageColumn::Own { column, .. } => (column.has)(summary),
        }
    }

    fn cell(&self, summary: &Summary) -> String {
        match self {
            PageColumn::Figure(column) => {
                let mut text = (column.cell)(summary, Page);
                if std::ptr::eq(*column, &columns::ORACLE) && !summary.verdict.passes() {
                    text.push_str(" — not plotted");
                }
                let class = if column.left { "" } else { " class=\"num\"" };
                format!("<td{class}>{}</td>", escape(&text))
            }
            PageColumn::Own { cell, .. } => cell(summary),
        }
    }
}

/// The columns every table has, after the implementation, its ordering
/// and its wait.
const COLUMNS: [PageColumn; 5] = [
    PageColumn::Figure(&columns::MEDIAN),
    PageColumn::Figure(&columns::THROUGHPUT_INTERVAL),
    PageColumn::Figure(&columns::RATIO),
    PageColumn::Figure(&columns::RATIO_INTERVAL),
    PageColumn::Figure(&columns::ORACLE),
];

/// The columns a table shows only where some row has something for them,
/// in order, after those.
const OPTIONAL_COLUMNS: [PageColumn; 9] = [
    PageColumn::Figure(&columns::LAYOUT_RANGE),
    PageColumn::Figure(&columns::RATIO_LAYOUT_RANGE),
    PageColumn::Figure(&columns::CPU),
    PageColumn::Figure(&columns::ALLOCATIONS),
    PageColumn::Figure(&columns::ALLOCATED_BYTES),
    PageColumn::Own {
        column: &columns::LATENCY,
        cell: latency_cell,
    },
    PageColumn::Own {
        column: &columns::COUNTERS,
        cell: counters_cell,
    },
    PageColumn::Figure(&columns::CONSUMER_SHARE),
    PageColumn::Figure(&columns::FLOOR),
];

/// The latency cell: p50 / p99 / p99.9 / max, the kind and the samples.
fn latency_cell(summary: &Summary) -> String {
    let percentiles = (columns::LATENCY.cell)(summary, Page);
    let text = summary
        .latency
        .as_ref()
        .map_or(percentiles.clone(), |latency| {
            format!(
                "{percentiles} ({}, {} samples)",
                latency.kind.name().replace('_', " "),
                latency.samples
            )
        });
    format!("<td class=\"num\">{}</td>", escape(&text))
}

/// The counters cell: measured values only (unavailable counters are
/// named under the table).
fn counters_cell(summary: &Summary) -> String {
    format!(
        "<td class=\"counters\">{}</td>",
        escape(&(columns::COUNTERS.cell)(summary, Page))
    )
}

pub(super) fn configuration_table(
    out: &mut String,
    file: &ResultsFile,
    file_index: usize,
    configuration_index: usize,
    configuration: &Configuration,
) {
    let summaries = &configuration.summary;
    let baseline = &file.scenario.baseline;
    let work_sharing = file.scenario.topology.shares_work();
    let shown: Vec<&PageColumn> = COLUMNS
        .iter()
        .chain(OPTIONAL_COLUMNS.iter().filter(|column| {
            summaries.iter().any(|s| column.has(s))
                && (work_sharing || !column.shared().work_sharing_only)
        }))
        .collect();
    let headers: String = shown
        .iter()
        .map(|column| format!("<th>{}</th>", escape(&column.header(baseline))))
        .collect();
    let _ = writeln!(
        out,
        "<h4 id=\"cfg-{file_index}-{configuration_index}\">{}</h4>\n<table>\n<tr><th>implementation</th><th>ordering</th><th>wait</th>{headers}</tr>",
        escape(&configuration.heading(file.scenario.topology)),
    );
    for summary in summaries {
        let ordering = file
            .implementation(&summary.implementation)
            .map_or_else(String::new, |i| i.ordering.name().replace('_', " "));
        let cells: String = shown.iter().map(|column| column.cell(summary)).collect();
        let _ = writeln!(
            out,
            "<tr{}><td>{}{}</td><td>{}</td><td>{}</td>{cells}</tr>",
            if summary.verdict.passes() {
                ""
            } else {
                " class=\"bad\""
            },
            escape(&display_name(file, &summary.implementation)),
            if summary.implementation == *baseline {
                " (baseline)"
            } else {
                ""
            },
            escape(&ordering),
            escape(&summary.wait),
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
