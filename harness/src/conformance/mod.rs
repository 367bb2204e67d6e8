//! The conformance suite: what every implementation must do before its
//! figures mean anything, written once and run on any [`Queue`] type,
//! built-in or a crate's own.
//!
//! [`check`] runs, for every topology the implementation's [`Info`]
//! claims:
//! - the oracle on real threads over thousands of wrap-arounds of its
//!   smallest ring, batches smaller than, equal to and larger than the
//!   capacity (no loss, no duplicate, per-producer order, fan-out
//!   completeness), and every payload size intact;
//! - the trait's contracts through the API directly: dropping every
//!   producer closes the queue after what was published is drained;
//!   misuse is a build error that says what to change; a producer whose
//!   consumers are gone gets `Disconnected`, a cancelled consumer `Idle`;
//!   every batch limit from 0 to `usize::MAX` is safe and means the same;
//!   `consume_slices` hands what `consume_batch` would, across the wrap;
//!   a consumer called again after its handler panicked hands every
//!   message once, in order;
//! - every fault of the `faults` scenario (a producer or consumer that
//!   panics or leaves, a claim cancelled mid-wait), judged against its
//!   contract ([`crate::faults`]).
//!
//! It returns every failure found rather than stopping at the first, so a
//! crate's own test reads them all at once:
//!
//! ```no_run
//! use harness::conformance;
//! use impls::SpscRing;
//!
//! let report = conformance::check::<SpscRing>();
//! assert!(report.passed(), "{report}");
//! ```

use std::fmt;
use std::time::Duration;

mod contracts;

use impls::{Info, Message, Msg8, Msg64, Msg256, Queue, Topology, WaitStrategy};

use crate::faults::{Fault, FaultSpec, run_queue};
use crate::placement::Placement;
use crate::runner::{Mode, RunSpec, run_once};

/// Messages per oracle run: enough for thousands of laps of a small ring.
const MESSAGES: u64 = 20_000;
/// Messages per fault run (as the `faults` scenario's default).
const FAULT_MESSAGES: u64 = 4000;
/// Watchdog of a fault run (as the `faults` scenario's default).
const FAULT_TIMEOUT: Duration = Duration::from_secs(3);

/// What [`check`] found: one line per failure, each naming the check, the
/// topology and the configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// The implementation checked.
    pub implementation: &'static str,
    /// Every failure, in the order found; empty when it conforms.
    pub failures: Vec<String>,
}

impl Report {
    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.passed() {
            return write!(f, "{}: conforms", self.implementation);
        }
        writeln!(
            f,
            "{}: {} conformance failures:",
            self.implementation,
            self.failures.len()
        )?;
        for failure in &self.failures {
            writeln!(f, "  - {failure}")?;
        }
        Ok(())
    }
}

/// Which groups of checks [`check_with`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checks {
    /// The oracle on real threads, every topology and payload size.
    pub oracle: bool,
    /// The trait's contracts, through the API on one thread (or two,
    /// where a handler panics).
    pub contracts: bool,
    /// Every fault of the `faults` scenario on every topology.
    pub faults: bool,
}

impl Checks {
    /// Every check.
    pub const ALL: Checks = Checks {
        oracle: true,
        contracts: true,
        faults: true,
    };
}

/// Runs every check on `Q` (see the module documentation).
pub fn check<Q: Queue>() -> Report {
    check_with::<Q>(Checks::ALL)
}

/// Runs the groups of checks `checks` names on `Q`.
pub fn check_with<Q: Queue>(checks: Checks) -> Report {
    let info = Q::info();
    let mut failures = Vec::new();
    if checks.oracle {
        oracle_through_many_wraparounds::<Q>(&info, &mut failures);
        payload_sizes_arrive_intact::<Q>(&info, &mut failures);
    }
    if checks.contracts {
        contracts::close_on_drop_drains_everything_published::<Q>(&info, &mut failures);
        contracts::bad_configurations_are_build_errors::<Q>(&info, &mut failures);
        contracts::disconnection_and_cancellation_end_waits::<Q>(&mut failures);
        contracts::every_batch_limit_is_safe_and_means_the_same::<Q>(&mut failures);
        contracts::slices_hand_every_message_in_order_across_the_wrap::<Q>(&mut failures);
        contracts::a_consumer_goes_on_after_its_handler_panics::<Q>(&info, &mut failures);
    }
    if checks.faults {
        every_fault_meets_its_contract::<Q>(&info, &mut failures);
    }
    Report {
        implementation: info.name,
        failures,
    }
}

/// Producer and consumer counts exercised for each topology, within what
/// the implementation takes.
pub fn thread_counts(info: &Info, topology: Topology) -> Vec<(usize, usize)> {
    let counts: &[(usize, usize)] = match topology {
        Topology::Spsc => &[(1, 1)],
        Topology::Mpsc => &[(1, 1), (3, 1)],
        Topology::MpmcWorkerPool => &[(1, 3), (3, 2)],
        Topology::MpmcFanout => &[(1, 2), (2, 3)],
        Topology::Pipeline => &[(1, 3), (2, 2)],
        Topology::Diamond => &[(1, 3), (2, 4)],
    };
    counts
        .iter()
        .copied()
        .filter(|&(producers, _)| producers == 1 || !info.single_producer)
        .collect()
}

/// A run of the oracle on real threads, unpinned, spinning then yielding.
pub fn spec(
    topology: Topology,
    producers: usize,
    consumers: usize,
    capacity: usize,
    batch: usize,
) -> RunSpec {
    let threads = producers + consumers;
    RunSpec {
        topology,
        producers,
        consumers,
        capacity,
        batch,
        wait: WaitStrategy::SpinYield,
        messages: MESSAGES,
        timeout: Duration::from_secs(120),
        placement: Placement {
            oversubscribed: threads > 2,
            cores: None,
            threads,
        },
        layout_seed: 0,
        mode: Mode::Throughput,
        instruments: Default::default(),
    }
}

/// No loss, no duplicate, per-producer order and fan-out completeness, over
/// thousands of wrap-arounds of the smallest ring, with batches that are
/// smaller than, equal to and larger than the capacity.
fn oracle_through_many_wraparounds<Q: Queue>(info: &Info, failures: &mut Vec<String>) {
    for &topology in info.topologies {
        for (producers, consumers) in thread_counts(info, topology) {
            for batch in [1, 2, 5] {
                let spec = spec(topology, producers, consumers, info.min_capacity, batch);
                let outcome = run_once::<Q, Msg8>(&spec);
                if !outcome.passed() {
                    failures.push(format!(
                        "oracle: {topology} P{producers} C{consumers} capacity {} batch {batch}: {outcome:?}",
                        info.min_capacity
                    ));
                }
            }
        }
    }
}

/// Every payload size goes through intact (the oracle checks every word).
fn payload_sizes_arrive_intact<Q: Queue>(info: &Info, failures: &mut Vec<String>) {
    let topology = info.topologies[0];
    let consumers = topology.min_consumers();
    let capacity = info.min_capacity.max(4);
    let spec = spec(topology, 1, consumers, capacity, 3);
    let outcomes = [
        (Msg8::BYTES, run_once::<Q, Msg8>(&spec)),
        (Msg64::BYTES, run_once::<Q, Msg64>(&spec)),
        (Msg256::BYTES, run_once::<Q, Msg256>(&spec)),
    ];
    for (payload, outcome) in outcomes {
        if !outcome.passed() {
            failures.push(format!("payload {payload} B on {topology}: {outcome:?}"));
        }
    }
}

/// Every fault of the `faults` scenario, on every topology the
/// implementation runs, meets its contract.
fn every_fault_meets_its_contract<Q: Queue>(info: &Info, failures: &mut Vec<String>) {
    for &topology in info.topologies {
        for fault in Fault::ALL {
            let Some(spec) = FaultSpec::new(info, fault, topology, FAULT_MESSAGES, FAULT_TIMEOUT)
            else {
                continue;
            };
            let report = run_queue::<Q>(&spec);
            if !report.met_contract {
                failures.push(format!(
                    "fault {fault} on {topology}: {} ({})",
                    report.label,
                    report.problems.join("; ")
                ));
            }
        }
    }
}
