//! The [`Checker`], which checks the fields of one scenario file and names
//! the file and the field in every error, and the implementation lists it
//! checks.

use std::collections::HashSet;
use std::fmt::Display;
use std::hash::Hash;
use std::path::Path;

use impls::Info;

use crate::{Problem, ScenarioError};

/// What an implementation list names to mean every implementation of the
/// roster that can run the scenario.
pub const ALL: &str = "all";

/// Checks fields of the file at `path`, naming it in every error.
pub(crate) struct Checker<'a> {
    /// The file being checked.
    pub(crate) path: &'a Path,
    /// The implementations it may name (the roster's).
    pub(crate) known: &'a [Info],
}

/// An implementation list as checked: the names, and whether the file
/// said [`ALL`] (then the names are every implementation that can run the
/// topology, to be narrowed to those that fit every point).
pub(crate) struct Listed {
    pub(crate) names: Vec<&'static str>,
    pub(crate) all: bool,
    /// What [`ALL`] left out, each with the reason in words.
    pub(crate) left_out: Vec<(&'static str, String)>,
}

impl Checker<'_> {
    /// An error about `field`.
    pub(crate) fn invalid(&self, field: impl Into<String>, problem: Problem) -> ScenarioError {
        ScenarioError::Invalid {
            path: self.path.to_owned(),
            field: field.into(),
            problem,
        }
    }

    /// A description: one non-empty line, trimmed.
    pub(crate) fn description(&self, raw: &str) -> Result<String, ScenarioError> {
        let description = raw.trim();
        if description.is_empty() || description.lines().count() != 1 {
            return Err(self.invalid("description", Problem::Description));
        }
        Ok(description.to_owned())
    }

    /// `value` if it lies in `min..=max`.
    pub(crate) fn number(
        &self,
        field: &str,
        value: i64,
        min: u64,
        max: u64,
    ) -> Result<u64, ScenarioError> {
        u64::try_from(value)
            .ok()
            .filter(|value| (min..=max).contains(value))
            .ok_or_else(|| self.invalid(field, Problem::OutOfRange { value, min, max }))
    }

    /// An optional count in `min..=max` (which must fit a `u32`).
    pub(super) fn count(
        &self,
        field: &str,
        value: Option<i64>,
        min: u64,
        max: u64,
    ) -> Result<Option<u32>, ScenarioError> {
        value
            .map(|value| {
                let checked = self.number(field, value, min, max)?;
                u32::try_from(checked)
                    .map_err(|_| self.invalid(field, Problem::OutOfRange { value, min, max }))
            })
            .transpose()
    }

    /// Checks an implementation list: non-empty, every name known and
    /// accepted by `runs` (the scenario's topology, see
    /// [`runs_topology`](super::runs_topology)), no name twice; or [`ALL`]
    /// alone, meaning every known implementation that `runs` accepts.
    /// Errors about the whole list name `list_field`; errors about entry
    /// `i` name `field(i)`.
    pub(crate) fn implementations(
        &self,
        names: &[String],
        list_field: &str,
        field: impl Fn(usize) -> String,
        runs: impl Fn(&Info) -> Result<(), Problem>,
    ) -> Result<Listed, ScenarioError> {
        if names.is_empty() {
            return Err(self.invalid(list_field, Problem::EmptyList));
        }
        if let Some(index) = names.iter().position(|name| name == ALL) {
            if names.len() > 1 {
                return Err(self.invalid(field(index), Problem::AllWithOthers));
            }
            let mut names: Vec<&'static str> = Vec::new();
            let mut left_out = Vec::new();
            for info in self.known {
                match runs(info) {
                    Ok(()) => names.push(info.name),
                    Err(problem) => left_out.push((info.name, problem.to_string())),
                }
            }
            if names.is_empty() {
                return Err(self.invalid(list_field, Problem::NoneCapable));
            }
            return Ok(Listed {
                names,
                all: true,
                left_out,
            });
        }
        let mut found: Vec<&'static str> = Vec::with_capacity(names.len());
        for (index, name) in names.iter().enumerate() {
            let info = self.info(name).ok_or_else(|| {
                self.invalid(
                    field(index),
                    Problem::UnknownImplementation {
                        value: name.clone(),
                        known: self.known.iter().map(|info| info.name).collect(),
                    },
                )
            })?;
            runs(&info).map_err(|problem| self.invalid(field(index), problem))?;
            if found.contains(&info.name) {
                return Err(self.invalid(
                    field(index),
                    Problem::Duplicate {
                        value: name.clone(),
                    },
                ));
            }
            found.push(info.name);
        }
        Ok(Listed {
            names: found,
            all: false,
            left_out: Vec::new(),
        })
    }

    /// The known implementation named `name`.
    pub(super) fn info(&self, name: &str) -> Option<Info> {
        self.known.iter().find(|info| info.name == name).cloned()
    }

    /// The baseline: the one named, which must be among `implementations`,
    /// or the first of them.
    pub(crate) fn baseline(
        &self,
        named: Option<String>,
        implementations: &[&'static str],
    ) -> Result<&'static str, ScenarioError> {
        let Some(name) = named else {
            return Ok(implementations[0]);
        };
        implementations
            .iter()
            .find(|listed| **listed == name)
            .copied()
            .ok_or_else(|| {
                self.invalid(
                    "baseline",
                    Problem::BaselineNotListed {
                        value: name.clone(),
                        listed: implementations.to_vec(),
                    },
                )
            })
    }

    /// `value` as a `usize` if it lies in `min..=max`.
    pub(super) fn in_range(&self, value: i64, min: usize, max: usize) -> Result<usize, Problem> {
        usize::try_from(value)
            .ok()
            .filter(|value| (min..=max).contains(value))
            .ok_or(Problem::OutOfRange {
                value,
                min: min as u64,
                max: max as u64,
            })
    }

    /// One axis: `[default]` when absent; otherwise non-empty, every value
    /// accepted by `check`, no value twice.
    pub(crate) fn axis<R: Display, T: Copy + Eq + Hash>(
        &self,
        field: &str,
        raw: Option<Vec<R>>,
        default: T,
        mut check: impl FnMut(&R) -> Result<T, Problem>,
    ) -> Result<Vec<T>, ScenarioError> {
        let Some(raw) = raw else {
            return Ok(vec![default]);
        };
        if raw.is_empty() {
            return Err(self.invalid(field, Problem::EmptyList));
        }
        let mut seen = HashSet::with_capacity(raw.len());
        let mut values = Vec::with_capacity(raw.len());
        for item in &raw {
            let value = check(item).map_err(|problem| self.invalid(field, problem))?;
            if !seen.insert(value) {
                return Err(self.invalid(
                    field,
                    Problem::Duplicate {
                        value: item.to_string(),
                    },
                ));
            }
            values.push(value);
        }
        Ok(values)
    }
}
