//! A configuration's table: the columns every table has, then the
//! optional ones any of its rows fills.

use std::fmt::Write;

use super::setup::heading;
use crate::charts::display_name;
use crate::columns::{self, Column};
use crate::format::Medium::Page;
use crate::format::{escape, nanoseconds, shares, trim};
use crate::model::{Configuration, ResultsFile, Summary};

/// A column of the page's table: a figure column shared with the
/// terminal's table ([`columns`]), or one of the page's own, with its
/// `<td>`.
enum PageColumn {
    Figure(&'static Column),
    Own {
        header: &'static str,
        has: fn(&Summary) -> bool,
        cell: fn(&Summary) -> String,
        /// Shown for work-sharing files only.
        work_sharing_only: bool,
    },
}

impl PageColumn {
    fn header(&self, baseline: &str) -> String {
        match self {
            PageColumn::Figure(column) => column.header(baseline, Page),
            PageColumn::Own { header, .. } => (*header).to_owned(),
        }
    }

    fn has(&self, summary: &Summary) -> bool {
        match self {
            PageColumn::Figure(column) => (column.has)(summary),
            PageColumn::Own { has, .. } => has(summary),
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
        header: "latency p50 / p99 / p99.9 / max",
        has: |s| s.latency.is_some(),
        cell: latency_cell,
        work_sharing_only: false,
    },
    PageColumn::Own {
        header: "counters per message",
        has: |s| !s.counters.is_empty(),
        cell: counters_cell,
        work_sharing_only: false,
    },
    PageColumn::Own {
        header: "consumer share",
        has: |s| s.consumer_share.is_some(),
        cell: |s| {
            format!(
                "<td class=\"num\">{}</td>",
                s.consumer_share
                    .map_or_else(|| Page.missing().to_owned(), shares)
            )
        },
        work_sharing_only: true,
    },
    PageColumn::Figure(&columns::FLOOR),
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
    let baseline = &file.scenario.baseline;
    let work_sharing = file.scenario.topology == schema::Topology::MpmcWorkerPool;
    let shown: Vec<&PageColumn> = COLUMNS
        .iter()
        .chain(OPTIONAL_COLUMNS.iter().filter(|column| {
            let sharing_only = matches!(
                column,
                PageColumn::Own {
                    work_sharing_only: true,
                    ..
                }
            );
            summaries.iter().any(|s| column.has(s)) && (work_sharing || !sharing_only)
        }))
        .collect();
    let headers: String = shown
        .iter()
        .map(|column| format!("<th>{}</th>", escape(&column.header(baseline))))
        .collect();
    let _ = writeln!(
        out,
        "<h4 id=\"cfg-{file_index}-{configuration_index}\">{}</h4>\n<table>\n<tr><th>implementation</th><th>ordering</th><th>wait</th>{headers}</tr>",
        escape(&heading(file, configuration)),
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
