//! The words ringlab's crates share, and the results file, defined once.
//!
//! [`vocab`] holds the names scenario files, results and reports use
//! (topologies, wait strategies, guarantees, consume modes, scenario
//! kinds); `impls` and `scenarios` re-export them. The rest is the results
//! file, schema [`SCHEMA`]: the harness writes [`Results`], and the
//! reports read the same types. Every field added after the first files
//! were written has a serde default, so older files read alike; fields a
//! reader does not know are ignored.

pub mod machine;
pub mod outcome;
pub mod results;
pub mod setup;
pub mod vocab;
mod words;

pub use machine::{
    Cache, CounterAvailability, CounterSource, CounterStatus, CounterValue, CpuId, CpuTopology,
    Machine, Placement, Provenance, Timer,
};
pub use outcome::{Costs, Label, Outcome, RunLatency, Verdict};
pub use results::{
    BASE, Configuration, ConfigurationKey, FLOOR_UNSTABLE_FACTOR, Floor, FloorRound,
    ImplementationRecord, IntervalKind, Latency, LatencyKind, LayoutRecord, LeftOut, Levels,
    Results, RunRecord, SCHEMA, ScenarioRecord, Summary,
};
pub use setup::Setup;
pub use vocab::{
    Batching, Consume, Delivery, Family, Kind, OrderingGuarantee, Topology, WaitClass, WaitStrategy,
};
