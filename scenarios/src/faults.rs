//! Fault scenarios: files with `kind = "faults"`, which ask what each
//! implementation does when something goes wrong rather than how fast it
//! goes.
//!
//! Such a file names implementations, faults and (optionally) topologies.
//! The harness runs every listed fault once on every listed topology an
//! implementation supports, small and on real threads, and says what
//! happened. Every field is checked as a measurement's are, with errors
//! that name the file, the field and what is allowed.
//!
//! ```
//! use std::path::Path;
//! use scenarios::{Fault, FaultScenario};
//!
//! let text = r#"
//!     description = "Two channels, one fault"
//!     kind = "faults"
//!     implementations = ["crossbeam", "flume"]
//!     faults = ["producer_panic"]
//!     messages = 1000
//! "#;
//! let scenario = FaultScenario::parse(Path::new("scenarios/f.toml"), text).unwrap();
//! assert_eq!(scenario.faults, [Fault::ProducerPanic]);
//! assert_eq!(scenario.topologies.len(), 6, "every topology when none are listed");
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use impls::{Info, Topology};
use serde::Deserialize;

pub use crate::fault::{FAULTS_KIND, Fault};
use crate::validate::Checker;
use crate::{Problem, ScenarioError};

/// Fewest messages per run: enough that a consumer leaves after its first
/// messages and a producer panics midway through its share, with work
/// left on both sides.
pub const MIN_FAULT_MESSAGES: u64 = 400;
/// Most messages per run: fault runs are meant to be small.
pub const MAX_FAULT_MESSAGES: u64 = 1_000_000;
/// Largest `timeout_secs` of a fault scenario.
pub const MAX_FAULT_TIMEOUT_SECS: u64 = 600;
/// `timeout_secs` when the file leaves it out.
const DEFAULT_FAULT_TIMEOUT_SECS: u64 = 3;

/// A checked fault scenario file.
#[derive(Clone, Debug)]
pub struct FaultScenario {
    /// The file's stem: what the command line calls it.
    pub name: String,
    /// The file it was read from.
    pub path: PathBuf,
    /// One line on what it checks.
    pub description: String,
    /// Implementation names, in file order; each runs at least one of
    /// `topologies`.
    pub implementations: Vec<&'static str>,
    /// Faults to inject, in file order (every fault when the file lists
    /// none).
    pub faults: Vec<Fault>,
    /// Topologies to run each fault on, where an implementation supports
    /// them (every topology when the file lists none).
    pub topologies: Vec<Topology>,
    /// Messages per run, summed over producers.
    pub messages: u64,
    /// Watchdog deadline for one run.
    pub timeout: Duration,
    /// The implementations the file was checked against; `--impls` is
    /// checked against them too.
    pub known: Vec<Info>,
}

/// The file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFaultScenario {
    description: String,
    kind: String,
    implementations: Vec<String>,
    faults: Option<Vec<String>>,
    topologies: Option<Vec<String>>,
    messages: i64,
    timeout_secs: Option<i64>,
}

impl FaultScenario {
    /// Checks `text`, the contents of the file at `path`, as a fault
    /// scenario. The name is `path`'s stem.
    pub fn parse(path: &Path, text: &str) -> Result<FaultScenario, ScenarioError> {
        Self::parse_in(path, text, &impls::all())
    }

    /// As [`FaultScenario::parse`], against the implementations in `known`
    /// (a roster's [`impls::registry::catalogue`]).
    pub fn parse_in(
        path: &Path,
        text: &str,
        known: &[Info],
    ) -> Result<FaultScenario, ScenarioError> {
        let check = Checker { path, known };
        let raw: RawFaultScenario =
            toml::from_str(text).map_err(|error| ScenarioError::Syntax {
                path: path.to_owned(),
                message: error.to_string().trim_end().to_owned(),
            })?;
        if raw.kind != FAULTS_KIND {
            return Err(check.invalid("kind", Problem::NotFaults { value: raw.kind }));
        }
        let description = check.description(&raw.description)?;
        let topologies = match raw.topologies {
            None => Topology::ALL.to_vec(),
            Some(names) => check.axis("topologies", Some(names), Topology::Spsc, |name| {
                Topology::ALL
                    .into_iter()
                    .find(|topology| topology.name() == name)
                    .ok_or_else(|| Problem::UnknownTopology {
                        value: name.clone(),
                    })
            })?,
        };
        let faults = match raw.faults {
            None => Fault::ALL.to_vec(),
            Some(names) => check.axis("faults", Some(names), Fault::ProducerPanic, |name| {
                Fault::ALL
                    .into_iter()
                    .find(|fault| fault.name() == name)
                    .ok_or_else(|| Problem::UnknownFault {
                        value: name.clone(),
                    })
            })?,
        };
        let implementations = check_implementations(
            &check,
            &raw.implementations,
            &topologies,
            "implementations",
            |index| format!("implementations[{index}]"),
        )?;
        let messages = check.number(
            "messages",
            raw.messages,
            MIN_FAULT_MESSAGES,
            MAX_FAULT_MESSAGES,
        )?;
        let timeout_secs = match raw.timeout_secs {
            None => DEFAULT_FAULT_TIMEOUT_SECS,
            Some(secs) => check.number("timeout_secs", secs, 1, MAX_FAULT_TIMEOUT_SECS)?,
        };
        Ok(FaultScenario {
            name: path
                .file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
                .unwrap_or_default(),
            path: path.to_owned(),
            description,
            implementations,
            faults,
            topologies,
            messages,
            timeout: Duration::from_secs(timeout_secs),
            known: known.to_vec(),
        })
    }

    /// Replaces the implementation list (the command line's `--impls`),
    /// checked as the file's list is, with errors naming `--impls`. On
    /// error the scenario is left as it was.
    pub fn restrict_implementations(&mut self, names: &[String]) -> Result<(), ScenarioError> {
        let check = Checker {
            path: &self.path,
            known: &self.known,
        };
        self.implementations =
            check_implementations(&check, names, &self.topologies, "--impls", |_| {
                "--impls".to_owned()
            })?;
        Ok(())
    }
}

/// An implementation list of a fault scenario: known names, none twice,
/// each running at least one of `topologies`.
fn check_implementations(
    check: &Checker<'_>,
    names: &[String],
    topologies: &[Topology],
    list_field: &str,
    field: impl Fn(usize) -> String,
) -> Result<Vec<&'static str>, ScenarioError> {
    let listed = check.implementations(names, list_field, field, |info| {
        if topologies.iter().any(|&topology| info.supports(topology)) {
            Ok(())
        } else {
            Err(Problem::NoListedTopology {
                implementation: info.name,
                supported: info.topologies,
            })
        }
    })?;
    Ok(listed.names)
}
