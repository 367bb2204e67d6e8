//! Scenario files: what to run, how often and over which configurations.
//!
//! A scenario is a TOML file `scenarios/NAME.toml` naming a topology, the
//! implementations to compare, the number of messages per run and a set of
//! axes (producers, consumers, capacity, payload, batch, wait). The harness
//! runs every implementation at every [`Point`] of the axes' cartesian
//! product. Every field is checked when the file is read, and a
//! [`ScenarioError`] names the file, the field, what is wrong and what is
//! allowed. A file with `kind = "faults"` is a [`FaultScenario`] instead
//! (see [`faults`]); [`ScenarioFile`] reads either.
//!
//! ```
//! use std::path::Path;
//! use scenarios::Scenario;
//!
//! let text = r#"
//!     description = "Two SPSC designs, small batches against large"
//!     topology = "spsc"
//!     implementations = ["spsc_ring", "crossbeam"]
//!     messages = 1_000_000
//!     [axes]
//!     batch = [1, 64]
//! "#;
//! let scenario = Scenario::parse(Path::new("scenarios/example.toml"), text).unwrap();
//! assert_eq!(scenario.name, "example");
//! assert_eq!(scenario.baseline, "spsc_ring");
//! assert_eq!(scenario.points().len(), 2);
//!
//! let error = Scenario::parse(Path::new("scenarios/bad.toml"), &text.replace("[1, 64]", "[0]"))
//!     .unwrap_err();
//! assert_eq!(
//!     error.to_string(),
//!     "scenarios/bad.toml: field `axes.batch`: 0 is out of range; allowed: 1 to 65536"
//! );
//! ```

mod error;
mod fault;
pub mod faults;
mod validate;

use std::path::{Path, PathBuf};
use std::time::Duration;

use impls::{Info, Setup, Topology, WaitStrategy};

pub use error::{Problem, ScenarioError};
pub use faults::{Fault, FaultScenario};
pub use schema::{Consume, Kind};
pub use validate::ALL;

/// A checked scenario file.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The file's stem: what the command line calls it.
    pub name: String,
    /// The file it was read from.
    pub path: PathBuf,
    /// One line on what it measures.
    pub description: String,
    /// Which threads talk to which.
    pub topology: Topology,
    /// Implementation names ([`impls::Info::name`]), in file order (in
    /// roster order for `"all"`); each runs the topology at every point.
    pub implementations: Vec<&'static str>,
    /// What `"all"` left out, each with the reason in words (empty for a
    /// named list, which must fit every point or is an error).
    pub left_out: Vec<(&'static str, String)>,
    /// The implementation the others are compared with; one of
    /// `implementations`.
    pub baseline: &'static str,
    /// The implementations the file was checked against (a roster's
    /// catalogue); `--impls` is checked against them too.
    pub known: Vec<Info>,
    /// Messages per run, summed over producers; at least the largest
    /// producer count.
    pub messages: u64,
    /// Measured runs per implementation per point.
    pub repetitions: u32,
    /// Unmeasured runs per implementation per point, before the measured
    /// ones.
    pub warmup: u32,
    /// Watchdog deadline for one run.
    pub timeout: Duration,
    /// What the runs measure.
    pub kind: Kind,
    /// The configurations to run.
    pub axes: Axes,
}

/// The values each configuration parameter takes; every list is non-empty
/// and holds no value twice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Axes {
    /// Producer thread counts.
    pub producers: Vec<usize>,
    /// Consumer thread counts.
    pub consumers: Vec<usize>,
    /// Queue capacities, in messages.
    pub capacity: Vec<usize>,
    /// Message sizes, in bytes (each one of [`impls::PAYLOAD_SIZES`]).
    pub payload: Vec<usize>,
    /// Messages per publish (and most messages per consume).
    pub batch: Vec<usize>,
    /// Wait strategies.
    pub wait: Vec<WaitStrategy>,
    /// How consumers treat messages (default `read`).
    pub consume: Vec<Consume>,
    /// Offered rates in messages per second, over all producers (latency
    /// scenarios only; empty otherwise).
    pub rate: Vec<u64>,
}

/// Most messages per run of a latency scenario: the harness keeps every
/// message's send and receive times (16 bytes per message per thread).
pub const MAX_LATENCY_MESSAGES: u64 = 50_000_000;

/// One configuration: one value from each axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Point {
    /// The scenario's topology and this point's threads, capacity, batch
    /// and wait strategy. The batch is the axis value, or the capacity
    /// where the axis value is larger (see [`Scenario::points`]); the wait
    /// is the one asked for (the runs may fall back from it when
    /// oversubscribed).
    #[serde(flatten)]
    pub setup: Setup,
    /// Message size, in bytes.
    pub payload: usize,
    /// The axis value of `batch` where it was larger than the capacity and
    /// clamped to it; `None` otherwise.
    pub requested_batch: Option<usize>,
    /// How consumers treat messages.
    pub consume: Consume,
    /// Offered rate in messages per second (latency scenarios).
    pub rate: Option<u64>,
}

impl Scenario {
    /// Reads and checks the scenario file at `path` against the built-in
    /// implementations.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        Self::load_in(path, &impls::all())
    }

    /// Reads and checks the scenario file at `path` against the
    /// implementations in `known` (a roster's [`impls::registry::catalogue`]).
    pub fn load_in(path: &Path, known: &[Info]) -> Result<Scenario, ScenarioError> {
        Self::parse_in(path, &read(path)?, known)
    }

    /// Checks `text` as a scenario file, against the built-in
    /// implementations. The name is `path`'s stem; `path` is otherwise only
    /// used in error messages and never read.
    pub fn parse(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
        Self::parse_in(path, text, &impls::all())
    }

    /// As [`Scenario::parse`], against the implementations in `known`.
    pub fn parse_in(path: &Path, text: &str, known: &[Info]) -> Result<Scenario, ScenarioError> {
        validate::parse(path, text, known)
    }

    /// Every configuration: the cartesian product of the axes, in the order
    /// producers, consumers, capacity, payload, batch, wait, consume, rate
    /// (rate varies fastest).
    ///
    /// A batch larger than the capacity is clamped to the capacity, and the
    /// point keeps the axis value as `requested_batch`, so tables and
    /// results say so: a producer cannot publish more than the queue holds
    /// in one step, and a `*_vec` channel would otherwise buffer one vector
    /// larger than every other implementation's whole queue. A clamped
    /// point that another batch value gives as it is (batch equal to the
    /// capacity), or that an earlier clamped value gave, is not run twice.
    /// [`Scenario::clamped`] says what was clamped.
    pub fn points(&self) -> Vec<Point> {
        let axes = &self.axes;
        let rates: Vec<Option<u64>> = if axes.rate.is_empty() {
            vec![None]
        } else {
            axes.rate.iter().copied().map(Some).collect()
        };
        let mut points = Vec::with_capacity(
            [
                axes.producers.len(),
                axes.consumers.len(),
                axes.capacity.len(),
                axes.payload.len(),
                axes.batch.len(),
                axes.wait.len(),
                axes.consume.len(),
                rates.len(),
            ]
            .iter()
            .product(),
        );
        for &producers in &axes.producers {
            for &consumers in &axes.consumers {
                for &capacity in &axes.capacity {
                    for &payload in &axes.payload {
                        for &batch in &axes.batch {
                            for &wait in &axes.wait {
                                for &consume in &axes.consume {
                                    for &rate in &rates {
                                        let setup = Setup {
                                            topology: self.topology,
                                            producers,
                                            consumers,
                                            capacity,
                                            batch: batch.min(capacity),
                                            wait,
                                        };
                                        let point = Point {
                                            setup,
                                            payload,
                                            requested_batch: (batch > capacity).then_some(batch),
                                            consume,
                                            rate,
                                        };
                                        points.push(point);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let unclamped = |p: &Point| Point {
            requested_batch: None,
            ..*p
        };
        let mut kept: Vec<Point> = Vec::with_capacity(points.len());
        for point in &points {
            let twin = |other: &Point| unclamped(other) == unclamped(point);
            let duplicate = point.requested_batch.is_some()
                && (points
                    .iter()
                    .any(|p| p.requested_batch.is_none() && twin(p))
                    || kept.iter().any(twin));
            if !duplicate {
                kept.push(*point);
            }
        }
        kept
    }

    /// One line per (batch, capacity) pair of the axes where the batch is
    /// larger than the capacity: what it was clamped to, and whether that
    /// point runs anyway. Empty when no batch exceeds a capacity.
    pub fn clamped(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for &capacity in &self.axes.capacity {
            for (position, &batch) in self.axes.batch.iter().enumerate() {
                if batch <= capacity {
                    continue;
                }
                // Kept: the first of the values that clamp to the same
                // point, unless the capacity itself is a batch value.
                let again = self.axes.batch.contains(&capacity)
                    || self.axes.batch[..position].iter().any(|&b| b > capacity);
                lines.push(format!(
                    "batch {batch} is larger than capacity {capacity}: run at batch {capacity} (the most one step can publish){}",
                    if again {
                        ", a point the sweep already runs, so not run twice".to_owned()
                    } else {
                        format!(
                            ", labelled \"batch {capacity} (asked {batch})\" in tables and results"
                        )
                    }
                ));
            }
        }
        lines
    }

    /// Replaces the implementation list (the command line's `--impls`),
    /// checked as the file's `implementations` field is (errors name the
    /// field `--impls`), and against the capacity axis. The baseline stays
    /// if it is still listed, else becomes the first name. On error the
    /// scenario is left as it was.
    pub fn restrict_implementations(&mut self, names: &[String]) -> Result<(), ScenarioError> {
        let check = validate::Checker {
            path: &self.path,
            known: &self.known,
        };
        let listed = check.implementations(
            names,
            "--impls",
            |_| "--impls".to_owned(),
            validate::runs_topology(self.topology),
        )?;
        let able = check.able(self.topology, &self.axes, listed)?;
        if !able.names.contains(&self.baseline) {
            self.baseline = able.names[0];
        }
        self.implementations = able.names;
        self.left_out = able.left_out;
        Ok(())
    }
}

/// Reads the file at `path`, or says why it cannot.
fn read(path: &Path) -> Result<String, ScenarioError> {
    std::fs::read_to_string(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            ScenarioError::Missing {
                path: path.to_owned(),
            }
        } else {
            ScenarioError::Read {
                path: path.to_owned(),
                source,
            }
        }
    })
}

/// A scenario file of either sort: a measurement ([`Scenario`]), or a
/// fault scenario ([`FaultScenario`], `kind = "faults"`). The file's `kind`
/// decides which it is read as.
#[derive(Clone, Debug)]
pub enum ScenarioFile {
    /// Throughput, latency or ping-pong runs over a topology's axes.
    Measurement(Scenario),
    /// Faults injected into small runs of each implementation.
    Faults(FaultScenario),
}

impl ScenarioFile {
    /// Reads and checks the scenario file at `path`, against the built-in
    /// implementations.
    pub fn load(path: &Path) -> Result<ScenarioFile, ScenarioError> {
        Self::load_in(path, &impls::all())
    }

    /// Reads and checks the scenario file at `path`, against the
    /// implementations in `known`.
    pub fn load_in(path: &Path, known: &[Info]) -> Result<ScenarioFile, ScenarioError> {
        Self::parse_in(path, &read(path)?, known)
    }

    /// Checks `text` as a scenario file of the kind it declares, against
    /// the built-in implementations.
    pub fn parse(path: &Path, text: &str) -> Result<ScenarioFile, ScenarioError> {
        Self::parse_in(path, text, &impls::all())
    }

    /// As [`ScenarioFile::parse`], against the implementations in `known`.
    pub fn parse_in(
        path: &Path,
        text: &str,
        known: &[Info],
    ) -> Result<ScenarioFile, ScenarioError> {
        if validate::declared_kind(text).as_deref() == Some(faults::FAULTS_KIND) {
            FaultScenario::parse_in(path, text, known).map(ScenarioFile::Faults)
        } else {
            Scenario::parse_in(path, text, known).map(ScenarioFile::Measurement)
        }
    }

    /// Its one-line description.
    pub fn description(&self) -> &str {
        match self {
            ScenarioFile::Measurement(scenario) => &scenario.description,
            ScenarioFile::Faults(scenario) => &scenario.description,
        }
    }
}

/// The scenario files (`*.toml` but `Cargo.toml`) in `dir`, sorted by name,
/// each with its description, or with the error that stops it loading. An
/// unreadable directory lists nothing.
pub fn list(dir: &Path) -> Vec<(String, Result<String, ScenarioError>)> {
    list_in(dir, &impls::all())
}

/// As [`list`], each file checked against the implementations in `known`.
pub fn list_in(dir: &Path, known: &[Info]) -> Vec<(String, Result<String, ScenarioError>)> {
    scenario_files(dir)
        .into_iter()
        .map(|(name, path)| {
            let description = ScenarioFile::load_in(&path, known)
                .map(|scenario| scenario.description().to_owned());
            (name, description)
        })
        .collect()
}

/// The path of scenario `name` in `dir`; if there is no such file, an error
/// listing the scenarios that do exist.
pub fn find(dir: &Path, name: &str) -> Result<PathBuf, ScenarioError> {
    let files = scenario_files(dir);
    if let Some((_, path)) = files.iter().find(|(file, _)| file == name) {
        return Ok(path.clone());
    }
    Err(ScenarioError::UnknownScenario {
        path: dir.join(format!("{name}.toml")),
        name: name.to_owned(),
        available: files.into_iter().map(|(name, _)| name).collect(),
    })
}

/// The crate's manifest, which shares the scenario directory.
const MANIFEST: &str = "Cargo.toml";

/// `(name, path)` of every `*.toml` file in `dir` but [`MANIFEST`], sorted
/// by name.
fn scenario_files(dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(String, PathBuf)> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.is_file() && path.extension().is_some_and(|ext| ext == "toml"))
        .filter(|path| path.file_name().is_none_or(|file| file != MANIFEST))
        .filter_map(|path| {
            let name = path.file_stem()?.to_str()?.to_owned();
            Some((name, path))
        })
        .collect();
    files.sort();
    files
}
