//! The results file as the reports read it: the schema's own types (the
//! `schema` crate defines `ringlab.results/1` once, for the harness that
//! writes it and for this crate), and [`ResultsFile`], one file with the
//! path it was read from.
//!
//! Reading is lenient: every field added after the first files were
//! written has a default, so older files load and a report shows what they
//! hold; fields this version does not know are ignored.

use std::ops::{Deref, DerefMut};
use std::path::PathBuf;

pub use schema::{BASE, Family, LeftOut};
pub use schema::{
    Configuration, CounterAvailability, CounterSource, CounterStatus, CounterValue,
    ImplementationRecord as Implementation, IntervalKind, Label, Latency, LatencyKind, Machine,
    Outcome, Provenance, Results, RunRecord as Run, SCHEMA, ScenarioRecord as Scenario, Summary,
    Timer, Verdict,
};

/// One results file, as read by [`crate::load`].
#[derive(Clone, Debug)]
pub struct ResultsFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// What it holds.
    pub results: Results,
}

impl Deref for ResultsFile {
    type Target = Results;

    fn deref(&self) -> &Results {
        &self.results
    }
}

impl DerefMut for ResultsFile {
    fn deref_mut(&mut self) -> &mut Results {
        &mut self.results
    }
}

impl ResultsFile {
    /// The file name without its extension, e.g. `spsc-20261125T141655Z`.
    pub fn stem(&self) -> String {
        self.path.file_stem().map_or_else(
            || "results".to_owned(),
            |s| s.to_string_lossy().into_owned(),
        )
    }

    /// Where the implementation called `name` comes from (the base case
    /// whatever its record says; [`Family::Design`] when it has none).
    pub fn family(&self, name: &str) -> Family {
        if name == BASE {
            return Family::Base;
        }
        self.implementation(name)
            .map_or(Family::Design, |implementation| implementation.family)
    }

    /// Whether `name` is one of the user's own queues.
    pub fn is_own(&self, name: &str) -> bool {
        self.family(name) == Family::Own
    }
}
