//! `figures.csv`: one row per results file, configuration and
//! implementation, with every figure the report shows.
//!
//! A row whose verdict is not a pass keeps its verdict and run counts but
//! leaves every figure column empty: the figures of a run the oracle
//! failed are not results, and a chart drawn from the CSV must not pick
//! them up.

use std::fmt::Write;

use crate::columns;
use crate::model::{Configuration, ResultsFile, Summary};

/// The CSV's file name in the report folder.
pub(crate) const FILE_NAME: &str = "figures.csv";

/// What a row is about: its file, configuration and implementation.
type Row<'a> = (&'a ResultsFile, &'a Configuration, &'a Summary);

/// A column naming what a row is about, with its cell.
struct IdentityField {
    name: &'static str,
    value: fn(Row<'_>) -> String,
}

/// The columns naming what a row is about, before its figures
/// ([`columns::CSV`]).
const IDENTITY: [IdentityField; 17] = [
    IdentityField {
        name: "file",
        value: |(file, _, _)| file.path.display().to_string(),
    },
    IdentityField {
        name: "scenario",
        value: |(file, _, _)| file.scenario.name.clone(),
    },
    IdentityField {
        name: "topology",
        value: |(file, _, _)| file.scenario.topology.name().to_owned(),
    },
    IdentityField {
        name: "git_commit",
        value: |(file, _, _)| file.provenance.git_commit.clone().unwrap_or_default(),
    },
    IdentityField {
        name: "producers",
        value: |(_, configuration, _)| configuration.producers.to_string(),
    },
    IdentityField {
        name: "consumers",
        value: |(_, configuration, _)| configuration.consumers.to_string(),
    },
    IdentityField {
        name: "capacity",
        value: |(_, configuration, _)| configuration.capacity.to_string(),
    },
    IdentityField {
        name: "payload_bytes",
        value: |(_, configuration, _)| configuration.payload.to_string(),
    },
    IdentityField {
        name: "batch",
        value: |(_, configuration, _)| configuration.batch.to_string(),
    },
    IdentityField {
        name: "requested_wait",
        value: |(_, configuration, _)| configuration.requested_wait.name().to_owned(),
    },
    IdentityField {
        name: "wait",
        value: |(_, configuration, _)| configuration.wait.name().to_owned(),
    },
    IdentityField {
        name: "consume",
        value: |(_, configuration, _)| configuration.consume.name().to_owned(),
    },
    IdentityField {
        name: "rate_per_s",
        value: |(_, configuration, _)| columns::number(configuration.rate),
    },
    IdentityField {
        name: "oversubscribed",
        value: |(_, configuration, _)| configuration.oversubscribed.to_string(),
    },
    IdentityField {
        name: "placement",
        value: |(_, configuration, _)| configuration.placement_description.clone(),
    },
    IdentityField {
        name: "implementation",
        value: |(_, _, summary)| summary.implementation.clone(),
    },
    IdentityField {
        name: "baseline",
        value: |(file, _, _)| file.scenario.baseline.clone(),
    },
];

fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The CSV's header line.
fn header() -> String {
    IDENTITY
        .iter()
        .map(|identity| identity.name)
        .chain(
            columns::CSV
                .iter()
                .flat_map(|column| column.csv.iter().map(|csv| csv.name)),
        )
        .collect::<Vec<_>>()
        .join(",")
}

/// The CSV text for every file.
pub(crate) fn figures(results: &[ResultsFile]) -> String {
    let mut out = header();
    out.push('\n');
    for file in results {
        for configuration in &file.configurations {
            for summary in &configuration.summary {
                let passes = summary.verdict.passes();
                let row = (file, configuration, summary);
                let cells: Vec<String> = IDENTITY
                    .iter()
                    .map(|identity| field(&(identity.value)(row)))
                    .chain(columns::CSV.iter().flat_map(|column| {
                        column.csv.iter().map(|csv| {
                            // Figures of a row that did not pass stay empty.
                            if passes || csv.kept_when_failed {
                                field(&(csv.value)(summary))
                            } else {
                                String::new()
                            }
                        })
                    }))
                    .collect();
                let _ = writeln!(out, "{}", cells.join(","));
            }
        }
    }
    out
}
