//! From TOML text to a checked [`Scenario`].
//!
//! Serde reads the file into loose `Raw*` structs (strings and `i64`s, so a
//! negative or absurd number reaches our range checks instead of becoming a
//! type error), and the functions here check every field and turn it into
//! its typed form.

use std::collections::HashSet;
use std::fmt::Display;
use std::hash::Hash;
use std::path::Path;
use std::time::Duration;

use impls::message::MAX_SEQUENCE;
use impls::queue::{MAX_CAPACITY, MAX_THREADS, MIN_CAPACITY};
use impls::{BuildError, Info, PAYLOAD_SIZES, QueueConfig, Topology, WaitStrategy};
use serde::Deserialize;

use crate::{Axes, Consume, Kind, Problem, Scenario, ScenarioError};

/// Largest `repetitions`.
const MAX_REPETITIONS: u64 = 1000;
/// Largest `warmup`.
const MAX_WARMUP: u64 = 100;
/// Largest `timeout_secs`: one day.
const MAX_TIMEOUT_SECS: u64 = 86_400;
/// Largest `axes.rate` value, messages per second.
const MAX_RATE: u64 = 1_000_000_000;
/// Largest `axes.batch` value.
const MAX_BATCH: u64 = 65_536;

/// `repetitions` when the file leaves it out.
const DEFAULT_REPETITIONS: u32 = 5;
/// `warmup` when the file leaves it out.
const DEFAULT_WARMUP: u32 = 1;
/// `timeout_secs` when the file leaves it out.
const DEFAULT_TIMEOUT_SECS: u64 = 60;
/// `axes.capacity` when the file leaves it out.
const DEFAULT_CAPACITY: usize = 1024;
/// `axes.payload` when the file leaves it out.
const DEFAULT_PAYLOAD: usize = 8;
/// `axes.wait` when the file leaves it out.
const DEFAULT_WAIT: WaitStrategy = WaitStrategy::SpinYield;

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

/// The `kind` that marks a fault scenario file: [`ScenarioFile`] reads
/// such a file as a [`FaultScenario`], and a measurement refuses it.
///
/// [`ScenarioFile`]: crate::ScenarioFile
/// [`FaultScenario`]: crate::FaultScenario
pub const FAULTS_KIND: &str = "faults";

/// What an implementation list names to mean every implementation of the
/// roster that can run the scenario.
pub const ALL: &str = "all";

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

/// A reason an implementation cannot run the scenario, in words: the
/// field and its problem, without the file's path.
fn reason(error: &ScenarioError) -> String {
    match error {
        ScenarioError::Invalid { field, problem, .. } => format!("{field}: {problem}"),
        other => other.to_string(),
    }
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
    fn count(
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
    /// accepted by `runs` (the scenario's topology, see [`runs_topology`]),
    /// no name twice; or [`ALL`] alone, meaning every known implementation
    /// that `runs` accepts. Errors about the whole list name `list_field`;
    /// errors about entry `i` name `field(i)`.
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
    fn info(&self, name: &str) -> Option<Info> {
        self.known.iter().find(|info| info.name == name).cloned()
    }

    /// The implementations of `listed` that run the scenario: a named list
    /// must fit every point of the axes (an error names the axis to
    /// change); [`ALL`] keeps those that fit, and is an error only when
    /// none does. `listed` comes back with them, and with what it left out
    /// and why.
    pub(crate) fn able(
        &self,
        topology: Topology,
        axes: &Axes,
        listed: Listed,
    ) -> Result<Listed, ScenarioError> {
        if !listed.all {
            self.fits(topology, axes, &listed.names)?;
            return Ok(listed);
        }
        let mut first_error = None;
        let mut able = Vec::with_capacity(listed.names.len());
        let mut left_out = listed.left_out;
        for name in listed.names {
            match self.fits(topology, axes, &[name]) {
                Ok(()) => able.push(name),
                Err(error) => {
                    left_out.push((name, reason(&error)));
                    first_error.get_or_insert(error);
                }
            }
        }
        match first_error {
            Some(error) if able.is_empty() => Err(error),
            _ => Ok(Listed {
                names: able,
                all: true,
                left_out,
            }),
        }
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

    /// Checks every axis and fills in the defaults.
    fn axes(&self, topology: Topology, raw: RawAxes) -> Result<Axes, ScenarioError> {
        let threads = |value: &i64| self.in_range(*value, 1, MAX_THREADS);
        let producers = self.axis("axes.producers", raw.producers, 1, threads)?;
        let consumers = self.axis(
            "axes.consumers",
            raw.consumers,
            topology.min_consumers(),
            threads,
        )?;
        let capacity = self.axis("axes.capacity", raw.capacity, DEFAULT_CAPACITY, |value| {
            self.in_range(*value, MIN_CAPACITY, MAX_CAPACITY)
        })?;
        let payload = self.axis("axes.payload", raw.payload, DEFAULT_PAYLOAD, |value| {
            usize::try_from(*value)
                .ok()
                .filter(|size| PAYLOAD_SIZES.contains(size))
                .ok_or(Problem::Payload { value: *value })
        })?;
        let batch = self.axis("axes.batch", raw.batch, 1, |value| {
            self.in_range(*value, 1, MAX_BATCH as usize)
        })?;
        let wait = self.axis("axes.wait", raw.wait, DEFAULT_WAIT, |value| {
            WaitStrategy::ALL
                .into_iter()
                .find(|strategy| strategy.name() == value)
                .ok_or_else(|| Problem::UnknownWait {
                    value: value.clone(),
                })
        })?;
        let consume = self.axis("axes.consume", raw.consume, Consume::Read, |value| {
            Consume::ALL
                .into_iter()
                .find(|mode| mode.name() == value)
                .ok_or_else(|| Problem::UnknownConsume {
                    value: value.clone(),
                })
        })?;
        let axes = Axes {
            producers,
            consumers,
            capacity,
            payload,
            batch,
            wait,
            consume,
            rate: Vec::new(),
        };
        Ok(axes)
    }

    /// Checks what `kind` asks of the scenario and returns the rate axis:
    /// latency scenarios need `axes.rate`, and only they may have one;
    /// ping-pong runs one message at a time between two threads.
    fn kind(
        &self,
        kind: Kind,
        topology: Topology,
        axes: &Axes,
        rate: Option<Vec<i64>>,
    ) -> Result<Vec<u64>, ScenarioError> {
        const RATES: &str = "a list of offered rates in messages per second, 1 to 1000000000";
        if kind == Kind::Pingpong {
            if topology != Topology::Spsc {
                return Err(self.invalid(
                    "topology",
                    Problem::NotForKind {
                        kind: kind.name(),
                        allowed: "spsc",
                    },
                ));
            }
            if axes.batch != [1] {
                return Err(self.invalid(
                    "axes.batch",
                    Problem::NotForKind {
                        kind: kind.name(),
                        allowed: "[1] (one message per round trip)",
                    },
                ));
            }
        }
        match (kind, rate) {
            (Kind::Latency, None) => Err(self.invalid(
                "axes.rate",
                Problem::RequiredForKind {
                    kind: kind.name(),
                    allowed: RATES,
                },
            )),
            (Kind::Latency, Some(rate)) => self.axis("axes.rate", Some(rate), 0, |value| {
                self.in_range(*value, 1, MAX_RATE as usize)
                    .map(|rate| rate as u64)
            }),
            (_, Some(_)) => Err(self.invalid(
                "axes.rate",
                Problem::NotForKind {
                    kind: kind.name(),
                    allowed: "no rate (only kind `latency` takes one)",
                },
            )),
            (_, None) => Ok(Vec::new()),
        }
    }

    /// `value` as a `usize` if it lies in `min..=max`.
    fn in_range(&self, value: i64, min: usize, max: usize) -> Result<usize, Problem> {
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

    /// Checks that every implementation can be built at every point of the
    /// axes (thread counts for the topology, capacity limits, single
    /// producers), by asking each implementation itself; an error names the
    /// axis to change.
    pub(crate) fn fits(
        &self,
        topology: Topology,
        axes: &Axes,
        implementations: &[&'static str],
    ) -> Result<(), ScenarioError> {
        for info in implementations.iter().filter_map(|name| self.info(name)) {
            for &producers in &axes.producers {
                for &consumers in &axes.consumers {
                    for &capacity in &axes.capacity {
                        for &batch in &axes.batch {
                            // As run: a batch above the capacity is
                            // clamped to it (`Scenario::points`).
                            let cfg = QueueConfig {
                                producers,
                                consumers,
                                batch: batch.min(capacity),
                                ..QueueConfig::new(topology, capacity)
                            };
                            if let Err(error) = info.check(&cfg) {
                                return Err(self.build_error(error));
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// A build error as an error about the axis it concerns.
    fn build_error(&self, error: BuildError) -> ScenarioError {
        match error {
            BuildError::Producers {
                topology,
                producers,
                max,
            } if producers > max => self.invalid(
                "axes.producers",
                Problem::ThreadsForTopology {
                    value: producers as i64,
                    topology,
                    max,
                },
            ),
            BuildError::Consumers {
                topology,
                consumers,
                max,
                ..
            } if consumers > max => self.invalid(
                "axes.consumers",
                Problem::ThreadsForTopology {
                    value: consumers as i64,
                    topology,
                    max,
                },
            ),
            BuildError::CapacityNotPowerOfTwo {
                implementation,
                capacity,
            } => self.invalid(
                "axes.capacity",
                Problem::NotPowerOfTwo {
                    value: capacity,
                    implementation,
                },
            ),
            error => {
                let field = match error {
                    BuildError::Producers { .. }
                    | BuildError::SingleProducer { .. }
                    | BuildError::TooManyProducers { .. } => "axes.producers",
                    BuildError::Consumers { .. } => "axes.consumers",
                    BuildError::Batch => "axes.batch",
                    BuildError::Topology { .. } => "implementations",
                    _ => "axes.capacity",
                };
                self.invalid(field, Problem::Build { error })
            }
        }
    }
}
