//! The conformance suite: what every implementation must do before its
//! figures mean anything, written once and run on any [`Queue`] type,
//! built-in or a crate's own.
//!
//! [`check`] runs, at the smallest capacity the implementation's [`Info`]
//! allows (a power of two where it needs one):
//! - the oracle on real threads, through the runner: for every topology
//!   the implementation claims, with the thread counts that topology
//!   needs ([`thread_counts`]), every payload size (8, 64 and 256 B) and
//!   batches smaller than, equal to and larger than the capacity, over
//!   thousands of wrap-arounds of a small ring (no loss, no duplicate,
//!   per-producer order, fan-out completeness, every word intact);
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
//! Each oracle run has a short deadline ([`DEADLINE`], or
//! [`Checks::deadline`]): a queue whose consumers never see `Closed`
//! fails in seconds, and the rest of that topology's runs are skipped.
//! As it goes, the check writes one line per check to standard error
//! (`conformance my_queue: spsc P1 C1, 64 B, capacity 2, batch 2 ... ok
//! (0.1 s)`); [`Checks::progress`] turns them off.
//!
//! It returns every failure found rather than stopping at the first, each
//! one sentence: where (topology, threads, payload, capacity, batch),
//! then the cause, then for a fault run the fault injected. A crate's own
//! test reads them all at once:
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
mod fault_runs;
mod handler_panics;
mod oracle_runs;
mod progress;
#[cfg(test)]
mod tests;

use impls::{Info, Queue, Setup, Topology};

use crate::placement::Placement;
use crate::runner::{Mode, RunSpec};
use progress::Progress;

/// Messages per oracle run of [`check`]: thousands of laps of a small
/// ring.
pub const MESSAGES: u64 = 6000;
/// How long one oracle run of [`check`] may take before the watchdog
/// stops it and the check fails it: ample for the thousands of messages
/// of a run, short enough that a queue that never closes fails in
/// seconds.
pub const DEADLINE: Duration = Duration::from_secs(10);

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

/// Which groups of checks [`check_with`] runs, and how.
///
/// ```
/// use harness::conformance::Checks;
///
/// // Only the oracle runs, with no progress lines.
/// let checks = Checks {
///     contracts: false,
///     faults: false,
///     progress: false,
///     ..Checks::ALL
/// };
/// assert!(checks.oracle);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checks {
    /// The oracle on real threads, every topology and payload size.
    pub oracle: bool,
    /// The trait's contracts, through the API on one thread (or two,
    /// where a handler panics).
    pub contracts: bool,
    /// Every fault of the `faults` scenario on every topology.
    pub faults: bool,
    /// Write one line per check to standard error as it ends.
    pub progress: bool,
    /// How long one oracle run may take before it is stopped and failed.
    pub deadline: Duration,
}

impl Checks {
    /// Every check, with progress lines and the default [`DEADLINE`].
    pub const ALL: Checks = Checks {
        oracle: true,
        contracts: true,
        faults: true,
        progress: true,
        deadline: DEADLINE,
    };
}

/// Runs every check on `Q` (see the module documentation).
pub fn check<Q: Queue>() -> Report {
    check_with::<Q>(Checks::ALL)
}

/// Runs the groups of checks `checks` names on `Q`.
pub fn check_with<Q: Queue>(checks: Checks) -> Report {
    let info = Q::info();
    let mut progress = Progress::new(info.name, checks.progress);
    let mut failures = Vec::new();
    match usable_capacity(&info) {
        Err(cause) => {
            progress.skipped("every check", &cause);
            failures.push(format!("Info: {cause}"));
        }
        Ok(capacity) => {
            let mut stalls = Stalls::default();
            if checks.oracle {
                oracle_runs::run_all::<Q>(
                    &info,
                    capacity,
                    &checks,
                    &mut progress,
                    &mut stalls,
                    &mut failures,
                );
            }
            if checks.contracts {
                run_contracts::<Q>(&info, &mut progress, &mut failures);
            }
            if checks.faults {
                fault_runs::run_all::<Q>(&info, &mut progress, &stalls, &mut failures);
            }
        }
    }
    progress.finish(failures.len());
    Report {
        implementation: info.name,
        failures,
    }
}

/// The trait's contracts, one progress line each.
fn run_contracts<Q: Queue>(info: &Info, progress: &mut Progress, failures: &mut Vec<String>) {
    progress.run_adding("contract: close on drop", failures, |failures| {
        contracts::close_on_drop_drains_everything_published::<Q>(info, failures)
    });
    progress.run_adding("contract: misuse is a build error", failures, |failures| {
        contracts::bad_configurations_are_build_errors::<Q>(info, failures)
    });
    progress.run_adding(
        "contract: disconnection and cancellation",
        failures,
        contracts::disconnection_and_cancellation_end_waits::<Q>,
    );
    progress.run_adding(
        "contract: every batch limit",
        failures,
        contracts::every_batch_limit_is_safe_and_means_the_same::<Q>,
    );
    progress.run_adding(
        "contract: slices across the wrap",
        failures,
        contracts::slices_hand_every_message_in_order_across_the_wrap::<Q>,
    );
    progress.run_adding(
        "contract: a consumer goes on after its handler panics",
        failures,
        |failures| handler_panics::a_consumer_goes_on_after_its_handler_panics::<Q>(info, failures),
    );
}

/// The capacity the threaded checks run at, or why `info` leaves none
/// to run (no topology, no capacity in its range, no producer).
fn usable_capacity(info: &Info) -> Result<usize, String> {
    if info.topologies.is_empty() {
        return Err("it claims no topology, so there is nothing to check".to_owned());
    }
    if info.max_producers == 0 {
        return Err("max_producers is 0, so no queue can have a producer".to_owned());
    }
    oracle_runs::capacity(info).ok_or_else(|| {
        let power = if info.capacity_power_of_two {
            " that is a power of two"
        } else {
            ""
        };
        format!(
            "no capacity{power} lies between min_capacity {} and max_capacity {}",
            info.min_capacity, info.max_capacity
        )
    })
}

/// Topologies whose oracle runs timed out, and whether threads were left
/// running: later threaded runs there are skipped.
#[derive(Debug, Default)]
struct Stalls {
    topologies: Vec<Topology>,
    threads_left_running: usize,
}

impl Stalls {
    /// Notes a run on `topology` the watchdog stopped, which left
    /// `abandoned` threads running.
    fn timed_out(&mut self, topology: Topology, abandoned: usize) {
        if !self.topologies.contains(&topology) {
            self.topologies.push(topology);
        }
        self.threads_left_running += abandoned;
    }

    /// Why a threaded run on `topology` should not run, if it should not.
    fn skip(&self, topology: Topology) -> Option<String> {
        if self.threads_left_running > 0 {
            Some(format!(
                "{} threads of a timed-out run are still running and would skew every later run",
                self.threads_left_running
            ))
        } else if self.topologies.contains(&topology) {
            Some(format!(
                "an oracle run on {topology} timed out, and the others would too"
            ))
        } else {
            None
        }
    }
}

/// `text` on one line: line breaks (in a panic message, say) become
/// spaces.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Producer and consumer counts exercised for each topology, within what
/// the implementation takes: one producer, and several where it takes
/// more (at most its `max_producers`).
pub fn thread_counts(info: &Info, topology: Topology) -> Vec<(usize, usize)> {
    let counts: &[(usize, usize)] = match topology {
        Topology::Spsc => &[(1, 1)],
        Topology::Mpsc => &[(1, 1), (3, 1)],
        Topology::MpmcWorkerPool => &[(1, 3), (3, 2)],
        Topology::MpmcFanout => &[(1, 2), (2, 3)],
        Topology::Pipeline => &[(1, 3), (2, 2)],
        Topology::Diamond => &[(1, 3), (2, 4)],
    };
    let mut allowed: Vec<(usize, usize)> = Vec::new();
    for &(producers, consumers) in counts {
        if producers > 1 && (info.single_producer || info.max_producers < 2) {
            continue;
        }
        let producers = producers.min(info.max_producers);
        if !allowed.contains(&(producers, consumers)) {
            allowed.push((producers, consumers));
        }
    }
    allowed
}

/// An oracle run of [`check`]: [`MESSAGES`] messages on real threads,
/// unpinned, spinning then yielding, stopped at [`DEADLINE`].
pub fn spec(
    topology: Topology,
    producers: usize,
    consumers: usize,
    capacity: usize,
    batch: usize,
) -> RunSpec {
    let threads = producers + consumers;
    RunSpec {
        setup: Setup::new(topology, capacity)
            .threads(producers, consumers)
            .batch(batch),
        messages: MESSAGES,
        timeout: DEADLINE,
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
