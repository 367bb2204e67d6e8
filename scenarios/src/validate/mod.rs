//! From TOML text to a checked [`Scenario`].
//!
//! Serde reads the file into loose `Raw*` structs (strings and `i64`s, so a
//! negative or absurd number reaches our range checks instead of becoming a
//! type error), and the functions here check every field and turn it into
//! its typed form.
//!
//! # Files
//! This file reads the `kind` that decides how a file is read, and a
//! measurement's file as a whole ([`parse`]); `checker` holds the
//! [`Checker`], which checks one field and names the file and the field in
//! its errors, and the checks of implementation lists, which fault
//! scenarios use as well; `axes` the `[axes]` table, what a kind asks of
//! it, and whether each implementation can run at every point of it.

mod axes;
mod checker;

use std::path::Path;
use std::time::Duration;

use impls::message::MAX_SEQUENCE;
use impls::{Info, Topology};
use serde::Deserialize;

pub use checker::ALL;
pub(crate) use checker::Checker;
use checker::Listed;

use crate::fault::FAULTS_KIND;
use crate::{Kind, Problem, Scenario, ScenarioError};

/// Largest `repetitions`.
const MAX_REPETITIONS: u64 = 1000;
/// Largest `warmup`.
const MAX_WARMUP: u64 = 100;
/// Largest `timeout_secs`: one day.
const MAX_TIMEOUT_SECS: u64 = 86_400;

/// `repetitions` when the file leaves it out.
const DEFAULT_REPETITIONS: u32 = 5;
/// `warmup` when the file leaves it out.
const DEFAULT_WARMUP: u32 = 1;
/// `timeout_secs` when the file leaves it out.
const DEFAULT_TIMEOUT_SECS: u64 = 60;

/// The file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    description: String,
    topology: String,
    implementations: Vec<String>,
    baseline: Option<String>,
    messages: i64,
    repetitions: Option<i64>,
    warmup: Option<i64>,
    timeout_secs: Option<i64>,
    /// Read by [`declared_kind`] before the rest.
    #[serde(rename = "kind")]
    _kind: Option<String>,
    #[serde(default)]
    axes: RawAxes,
}

/// The `[axes]` table as written.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAxes {
    producers: Option<Vec<i64>>,
    consumers: Option<Vec<i64>>,
    capacity: Option<Vec<i64>>,
    payload: Option<Vec<i64>>,
    batch: Option<Vec<i64>>,
    wait: Option<Vec<String>>,
    consume: Option<Vec<String>>,
    rate: Option<Vec<i64>>,
}

/// The `kind` a scenario file declares, if it is readable TOML with a
/// string `kind` (what decides how the rest of it is read).
pub(crate) fn declared_kind(text: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Declared {
        kind: Option<toml::Value>,
    }
    let declared: Declared = toml::from_str(text).ok()?;
    declared.kind?.as_str().map(str::to_owned)
}

/// Parses and checks `text`, the contents of the file at `path`, against
/// the implementations in `known`.
pub(crate) fn parse(path: &Path, text: &str, known: &[Info]) -> Result<Scenario, ScenarioError> {
    // The kind first: it decides which fields the rest may have. (A kind
    // that is no string is left to the parser, which says so.)
    let kind = match declared_kind(text) {
        None => Kind::Throughput,
        Some(name) if name == FAULTS_KIND => {
            return Err(Checker { path, known }.invalid("kind", Problem::FaultsKind));
        }
        Some(name) => Kind::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
            .ok_or_else(|| {
                Checker { path, known }.invalid("kind", Problem::UnknownKind { value: name })
            })?,
    };
    let raw: RawScenario = toml::from_str(text).map_err(|error| ScenarioError::Syntax {
        path: path.to_owned(),
        message: error.to_string().trim_end().to_owned(),
    })?;
    let check = Checker { path, known };

    let description = check.description(&raw.description)?;
    let topology = Topology::ALL
        .into_iter()
        .find(|topology| topology.name() == raw.topology)
        .ok_or_else(|| {
            check.invalid(
                "topology",
                Problem::UnknownTopology {
                    value: raw.topology.clone(),
                },
            )
        })?;
    let listed = check.implementations(
        &raw.implementations,
        "implementations",
        |index| format!("implementations[{index}]"),
        runs_topology(topology),
    )?;
    let messages = check.number("messages", raw.messages, 1, MAX_SEQUENCE)?;
    let repetitions = check.count("repetitions", raw.repetitions, 1, MAX_REPETITIONS)?;
    let warmup = check.count("warmup", raw.warmup, 0, MAX_WARMUP)?;
    let timeout_secs = match raw.timeout_secs {
        None => DEFAULT_TIMEOUT_SECS,
        Some(secs) => check.number("timeout_secs", secs, 1, MAX_TIMEOUT_SECS)?,
    };
    let raw_rate = raw.axes.rate.clone();
    let mut axes = check.axes(topology, raw.axes)?;
    axes.rate = check.kind(kind, topology, &axes, raw_rate)?;
    let Listed {
        names: implementations,
        left_out,
        ..
    } = check.able(topology, &axes, listed)?;
    let baseline = check.baseline(raw.baseline, &implementations)?;
    if kind == Kind::Latency && messages > crate::MAX_LATENCY_MESSAGES {
        return Err(check.invalid(
            "messages",
            Problem::OutOfRange {
                value: raw.messages,
                min: 1,
                max: crate::MAX_LATENCY_MESSAGES,
            },
        ));
    }
    let most_producers = axes.producers.iter().copied().max().unwrap_or(1);
    if usize::try_from(messages).is_ok_and(|messages| messages < most_producers) {
        return Err(check.invalid(
            "messages",
            Problem::FewerMessagesThanProducers {
                messages,
                producers: most_producers,
            },
        ));
    }

    Ok(Scenario {
        name: path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default(),
        path: path.to_owned(),
        description,
        topology,
        implementations,
        left_out,
        baseline,
        known: known.to_vec(),
        messages,
        repetitions: repetitions.unwrap_or(DEFAULT_REPETITIONS),
        warmup: warmup.unwrap_or(DEFAULT_WARMUP),
        timeout: Duration::from_secs(timeout_secs),
        kind,
        axes,
    })
}

/// What [`Checker::implementations`] asks of a measurement's
/// implementations: that each can run `topology`.
pub(crate) fn runs_topology(topology: Topology) -> impl Fn(&Info) -> Result<(), Problem> {
    move |info| {
        if info.supports(topology) {
            Ok(())
        } else {
            Err(Problem::Unsupported {
                implementation: info.name,
                topology,
                supported: info.topologies,
            })
        }
    }
}
