//! What can be wrong with a scenario file, worded so the reader can fix it.
//!
//! Every [`ScenarioError`] starts with the file's path; every [`Problem`]
//! says what is wrong and what is allowed instead.

use std::fmt::Display;
use std::path::PathBuf;

use impls::Topology;
use schema::{Consume, Kind};

use crate::fault::{FAULTS_KIND, Fault};

/// Why a scenario could not be found, read or accepted.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file does not exist.
    #[error("{}: no such scenario file; run `list` to see scenario names", path.display())]
    Missing {
        /// The file asked for.
        path: PathBuf,
    },
    /// The file exists but could not be read.
    #[error("{}: cannot read the scenario file: {source}", path.display())]
    Read {
        /// The file asked for.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// No scenario of that name in the scenario directory.
    #[error("{}: no scenario named `{name}`; available: {}", path.display(), names(available))]
    UnknownScenario {
        /// The file the name would have been.
        path: PathBuf,
        /// The name asked for.
        name: String,
        /// The scenario names that do exist, sorted.
        available: Vec<String>,
    },
    /// Not valid TOML, a value of the wrong type, an unknown field or a
    /// missing required field. The message is the TOML parser's, with line,
    /// column and the field concerned.
    #[error("{}: {message}", path.display())]
    Syntax {
        /// The file parsed.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// A field holds a value the harness cannot run.
    #[error("{}: field `{field}`: {problem}", path.display())]
    Invalid {
        /// The file parsed.
        path: PathBuf,
        /// Dotted path of the field, e.g. `axes.capacity` or
        /// `implementations[2]`.
        field: String,
        /// What is wrong with it and what is allowed.
        problem: Problem,
    },
}

/// What is wrong with one field's value, and what is allowed instead.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// The description is blank or spans several lines.
    #[error("must be one non-empty line of text")]
    Description,
    /// Not a topology name.
    #[error("`{value}` is not a topology; allowed: {}", names(Topology::ALL.map(Topology::name)))]
    UnknownTopology {
        /// The name given.
        value: String,
    },
    /// A list with nothing in it.
    #[error("the list is empty; allowed: a list of one or more values")]
    EmptyList,
    /// The same value twice in one list.
    #[error("`{value}` is listed twice; allowed: each value at most once")]
    Duplicate {
        /// The repeated value.
        value: String,
    },
    /// A number outside its range.
    #[error("{value} is out of range; allowed: {}", span(*min, *max))]
    OutOfRange {
        /// The number given.
        value: i64,
        /// Smallest allowed.
        min: u64,
        /// Largest allowed.
        max: u64,
    },
    /// More producers or consumers than the topology has.
    #[error("{value} is more than topology `{topology}` allows; allowed: {}", span(1, *max as u64))]
    ThreadsForTopology {
        /// The count given.
        value: i64,
        /// The scenario's topology.
        topology: Topology,
        /// Most the topology allows.
        max: usize,
    },
    /// A payload size the harness has no message type for.
    #[error(
        "{value} is not a payload size; allowed: {}",
        names(impls::PAYLOAD_SIZES)
    )]
    Payload {
        /// The size given, in bytes.
        value: i64,
    },
    /// A capacity that is not a power of two, for an implementation that
    /// needs one.
    #[error(
        "{value} is not a power of two, which `{implementation}` needs; allowed: powers of two (try {})",
        value.next_power_of_two()
    )]
    NotPowerOfTwo {
        /// The capacity given.
        value: usize,
        /// The listed implementation that needs a power of two.
        implementation: &'static str,
    },
    /// A combination of axis values an implementation cannot build.
    #[error("{error}")]
    Build {
        /// What the implementation said, with what to change.
        error: impls::BuildError,
    },
    /// Not a wait strategy name.
    #[error("`{value}` is not a wait strategy; allowed: {}", names(impls::WaitStrategy::ALL.map(impls::WaitStrategy::name)))]
    UnknownWait {
        /// The name given.
        value: String,
    },
    /// Not a consume mode.
    #[error("`{value}` is not a consume mode; allowed: {}", names(Consume::ALL.map(Consume::name)))]
    UnknownConsume {
        /// The name given.
        value: String,
    },
    /// Not a scenario kind.
    #[error(
        "`{value}` is not a scenario kind; allowed: {}",
        names(Kind::ALL.map(Kind::name).into_iter().chain([FAULTS_KIND]))
    )]
    UnknownKind {
        /// The name given.
        value: String,
    },
    /// A fault scenario read as a measurement.
    #[error(
        "`faults` marks a fault scenario, which is read as a `ScenarioFile`; a measurement's kind is one of: {}",
        names(Kind::ALL.map(Kind::name))
    )]
    FaultsKind,
    /// A fault scenario whose kind is not `faults`.
    #[error("`{value}` is not `faults`; allowed: kind = \"faults\" (a fault scenario)")]
    NotFaults {
        /// The kind given.
        value: String,
    },
    /// Not a fault name.
    #[error("`{value}` is not a fault; allowed: {}", names(Fault::ALL.map(Fault::name)))]
    UnknownFault {
        /// The name given.
        value: String,
    },
    /// An implementation of a fault scenario that runs none of its
    /// topologies.
    #[error(
        "`{implementation}` runs none of the listed topologies; it supports: {}",
        names(supported.iter().map(|topology| topology.name()))
    )]
    NoListedTopology {
        /// The implementation given.
        implementation: &'static str,
        /// The topologies it can run.
        supported: &'static [Topology],
    },
    /// A field whose value the scenario's kind does not allow.
    #[error("not allowed for kind `{kind}`; allowed: {allowed}")]
    NotForKind {
        /// The scenario's kind.
        kind: &'static str,
        /// What that kind takes instead.
        allowed: &'static str,
    },
    /// A field the scenario's kind needs.
    #[error("kind `{kind}` needs it; allowed: {allowed}")]
    RequiredForKind {
        /// The scenario's kind.
        kind: &'static str,
        /// What the field takes.
        allowed: &'static str,
    },
    /// Not an implementation name.
    #[error(
        "`{value}` is not a known implementation; allowed: `all` (every one that can run the scenario) or any of {}",
        names(known)
    )]
    UnknownImplementation {
        /// The name given.
        value: String,
        /// The names that are known.
        known: Vec<&'static str>,
    },
    /// `all` beside other names.
    #[error(
        "`all` stands alone (every implementation that can run the scenario); list names instead, or `all` by itself"
    )]
    AllWithOthers,
    /// `all` where no implementation of the roster can run the scenario.
    #[error("no known implementation can run it; list one by name (`harness list` shows them)")]
    NoneCapable,
    /// An implementation that cannot run the scenario's topology.
    #[error(
        "`{implementation}` cannot run topology `{topology}`; it supports: {}",
        names(supported.iter().map(|topology| topology.name()))
    )]
    Unsupported {
        /// The implementation given.
        implementation: &'static str,
        /// The scenario's topology.
        topology: Topology,
        /// The topologies it can run.
        supported: &'static [Topology],
    },
    /// A baseline that is not among the implementations.
    #[error(
        "`{value}` is not in the implementation list; allowed: {}",
        names(listed)
    )]
    BaselineNotListed {
        /// The name given.
        value: String,
        /// The implementations the scenario lists.
        listed: Vec<&'static str>,
    },
    /// Fewer messages than producers: some producer would send nothing.
    #[error(
        "{messages} messages cannot be shared by {producers} producers (`axes.producers`); allowed: {}",
        span(*producers as u64, impls::message::MAX_SEQUENCE)
    )]
    FewerMessagesThanProducers {
        /// Messages per run.
        messages: u64,
        /// The largest producer count in the axes.
        producers: usize,
    },
}

/// `items` joined with commas, or `(none)`.
fn names<T: Display>(items: impl IntoIterator<Item = T>) -> String {
    let joined = items
        .into_iter()
        .map(|item| item.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    if joined.is_empty() {
        "(none)".to_owned()
    } else {
        joined
    }
}

/// An inclusive range in words: `1 to 1024`, or `1` when it holds one value.
fn span(min: u64, max: u64) -> String {
    if min == max {
        min.to_string()
    } else {
        format!("{min} to {max}")
    }
}
