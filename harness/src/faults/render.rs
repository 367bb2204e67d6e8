//! The fault scenario's table.

use impls::Topology;
use scenarios::Fault;

use super::report::FaultReport;

/// The table of a fault scenario: a row per implementation and topology,
/// a column per fault, each cell what happened; `*` marks a cell that
/// falls short of the contract.
pub fn render(reports: &[FaultReport], faults: &[Fault]) -> String {
    let mut rows: Vec<(&str, Topology, usize, usize)> = Vec::new();
    for report in reports {
        let row = (
            report.implementation.as_str(),
            report.spec.setup.topology,
            report.spec.setup.producers,
            report.spec.setup.consumers,
        );
        if !rows.contains(&row) {
            rows.push(row);
        }
    }
    let cell = |row: &(&str, Topology, usize, usize), fault: Fault| -> String {
        reports
            .iter()
            .find(|report| {
                report.implementation == row.0
                    && report.spec.setup.topology == row.1
                    && report.spec.fault == fault
            })
            .map_or_else(
                || "-".to_owned(),
                |report| {
                    let mut label = report.label.clone();
                    if label.chars().count() > MAX_CELL {
                        label = label.chars().take(MAX_CELL - 3).collect::<String>() + "...";
                    }
                    if report.met_contract {
                        label
                    } else {
                        label + " *"
                    }
                },
            )
    };
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| faults.iter().map(|&fault| cell(row, fault)).collect())
        .collect();
    let name_width = rows
        .iter()
        .map(|row| row.0.len())
        .chain(["implementation".len()])
        .max()
        .unwrap_or(0);
    let topology_width = rows
        .iter()
        .map(|row| row.1.name().len())
        .chain(["topology".len()])
        .max()
        .unwrap_or(0);
    let widths: Vec<usize> = faults
        .iter()
        .enumerate()
        .map(|(column, fault)| {
            cells
                .iter()
                .map(|row| row[column].chars().count())
                .chain([fault.name().len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let mut line = format!(
        "{:<name_width$}  {:<topology_width$}  P C",
        "implementation", "topology"
    );
    for (fault, width) in faults.iter().zip(&widths) {
        line += &format!("  {:<width$}", fault.name());
    }
    out += line.trim_end();
    out.push('\n');
    for (row, cells) in rows.iter().zip(&cells) {
        let mut line = format!(
            "{:<name_width$}  {:<topology_width$}  {} {}",
            row.0,
            row.1.name(),
            row.2,
            row.3
        );
        for (cell, width) in cells.iter().zip(&widths) {
            line += &format!("  {cell:<width$}");
        }
        out += line.trim_end();
        out.push('\n');
    }
    out
}

/// A note under the table for each unbounded implementation whose only
/// consumer left in a run (`unbounded`: their names). Its producers never
/// wait for room, so how much is still queued when the consumer leaves,
/// and so whether that run finds `lost N` (and how many) or
/// `disconnected`, depends on timing and changes from run to run.
pub fn unbounded_note(reports: &[FaultReport], unbounded: &[&str]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for report in reports {
        let leaves = matches!(
            report.spec.fault,
            Fault::ConsumerDropped | Fault::ConsumerPanic
        );
        if leaves
            && report.spec.setup.consumers == 1
            && unbounded.contains(&report.implementation.as_str())
            && !names.contains(&report.implementation.as_str())
        {
            names.push(&report.implementation);
        }
    }
    names
        .iter()
        .map(|name| {
            format!(
                "note: {name} is unbounded: its producers never wait for room, so how much is still \
                 queued when its only consumer leaves, and so what consumer_dropped and \
                 consumer_panic find there (lost N, or disconnected), depends on timing and \
                 changes from run to run\n"
            )
        })
        .collect()
}

/// Longest cell of the table; longer outcomes (panic messages) are cut
/// there and given in full in the list of runs that fell short.
const MAX_CELL: usize = 40;
