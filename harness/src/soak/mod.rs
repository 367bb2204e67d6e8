//! The soak: reliability at length, not speed.
//!
//! - [`run`] (`harness soak`): each implementation, on each topology it
//!   supports, runs once for a great many messages (10^9 by default)
//!   through a small ring (64 slots by default), so the ring wraps
//!   millions of times and rare interleavings get their chance. Every run
//!   goes through the oracle like any other; resident memory is read
//!   before, followed through the run ([`MemoryWatch`]) and read after,
//!   and a run whose memory grows past a stated bound is stopped and
//!   fails. An option pauses a random time between operations
//!   ([`Pause`]) to meet the windows between them at varied offsets.
//! - [`faults`] (`harness soak --faults N`): N fault runs, each with an
//!   implementation, topology, fault and strike point drawn from a seed;
//!   each is judged by the fault contracts, and a failure prints the seed
//!   and round that reproduce it.
//!
//! Neither is part of the test suite at full size (a test runs each at a
//! small one); the figures of a full run are in the README.

pub mod faults;
mod memory;

use std::time::{Duration, Instant};

use impls::{Info, Roster, Setup, Topology, WaitStrategy};
use serde::Serialize;

use crate::faults::small_setup;
use crate::placement::Cores;
use crate::runner::{Instruments, Mode, Outcome, Pause, RunSpec};
use crate::sweep::{SweepOptions, effective_wait, run_named_in};

pub use memory::{MIB, Memory, MemoryWatch, past_limit, resident_bytes};

/// Schema identifier of a soak's results file.
pub const SCHEMA: &str = "ringlab.soak/1";

/// What every run of a soak shares.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct SoakOptions {
    /// Messages per run, over all producers.
    pub messages: u64,
    /// Ring size asked for (raised to an implementation's smallest).
    pub capacity: usize,
    /// Messages per publish and most per consume (at most the capacity).
    pub batch: usize,
    /// How threads wait (spin-then-yield where busy-spinning threads
    /// would outnumber cores).
    pub wait: WaitStrategy,
    /// Message size in bytes: 8, 64 or 256.
    pub payload: usize,
    /// Pauses between operations, if any.
    #[serde(skip)]
    pub pause: Option<Pause>,
    /// Most a run's resident memory may grow, in bytes.
    pub rss_limit: u64,
    /// Deadline of every run; none: [`SoakOptions::deadline`]'s default,
    /// run by run.
    #[serde(serialize_with = "seconds")]
    pub timeout: Option<Duration>,
}

fn seconds<S: serde::Serializer>(
    duration: &Option<Duration>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match duration {
        Some(duration) => serializer.serialize_f64(duration.as_secs_f64()),
        None => serializer.serialize_none(),
    }
}

impl SoakOptions {
    /// The deadline of a run of `setup`: the one given, or a minute plus
    /// two microseconds per delivery (a message counts once per consumer
    /// that must see it: three times in a diamond of three stages). A
    /// floor of half a million deliveries a second, which threads that
    /// outnumber the cores, on a machine busy with other work, still keep
    /// (a three-stage diamond here managed 2.3 million a second while
    /// sharing two cores with a build); a run that stops making progress
    /// is caught no sooner.
    pub fn deadline(&self, setup: &Setup) -> Duration {
        let deliveries = self
            .messages
            .saturating_mul(setup.topology.delivery().copies(setup.consumers));
        self.timeout.unwrap_or_else(|| {
            Duration::from_secs(60) + Duration::from_micros(deliveries.saturating_mul(2))
        })
    }
}

/// Every run of a soak: per implementation of `known`, per topology
/// listed that it supports, a small setup ([`small_setup`]) with the
/// options' capacity, batch and wait.
pub fn plan(
    known: &[Info],
    topologies: &[Topology],
    options: &SoakOptions,
) -> Vec<(&'static str, Setup)> {
    let mut runs = Vec::new();
    for info in known {
        for &topology in topologies.iter().filter(|&&t| info.supports(t)) {
            let setup = small_setup(info, topology, options.capacity);
            let batch = options.batch.min(setup.capacity);
            runs.push((info.name, setup.batch(batch).wait(options.wait)));
        }
    }
    runs
}

/// One soak run.
#[derive(Clone, Debug, Serialize)]
pub struct SoakRun {
    /// The implementation's name.
    pub implementation: String,
    /// Topology, threads, capacity, batch and the wait used.
    pub setup: Setup,
    /// Messages sent, over all producers.
    pub messages: u64,
    /// How it ended, with the oracle's verdict.
    pub outcome: Outcome,
    /// From building the queue to the oracle's verdict.
    pub seconds: f64,
    /// Resident memory around the run; none where it cannot be read.
    pub memory: Option<Memory>,
    /// Whether the oracle passed it and its memory stayed within the bound.
    pub passed: bool,
    /// Why it did not pass, in words.
    pub problem: Option<String>,
}

/// Runs `setup` on `implementation` of roster `R` for the options'
/// messages, watching its memory.
pub fn run_one<R: Roster>(
    implementation: &str,
    setup: Setup,
    options: &SoakOptions,
    cores: &Cores,
) -> SoakRun {
    let run = |spec: &RunSpec| run_named_in::<R>(implementation, spec, options.payload);
    run_with(implementation, setup, options, cores, run)
}

/// As [`run_one`], with `run` running the spec (on whichever queue and
/// payload it chooses).
pub fn run_with(
    implementation: &str,
    setup: Setup,
    options: &SoakOptions,
    cores: &Cores,
    run: impl FnOnce(&RunSpec) -> Outcome,
) -> SoakRun {
    let placement = cores.plan(setup.producers, setup.consumers);
    let wait = effective_wait(
        setup.wait,
        placement.oversubscribed,
        SweepOptions::default(),
    );
    let watch = MemoryWatch::start(options.rss_limit);
    let spec = RunSpec {
        setup: setup.wait(wait),
        messages: options.messages,
        timeout: options.deadline(&setup),
        placement,
        layout_seed: 0,
        mode: options.pause.map_or(Mode::Throughput, Mode::Paused),
        instruments: Instruments {
            watch: watch.as_ref().map(MemoryWatch::watch),
            ..Instruments::default()
        },
    };
    let started = Instant::now();
    let outcome = run(&spec);
    let seconds = started.elapsed().as_secs_f64();
    let memory = watch.as_ref().map(MemoryWatch::finish);
    let problem = problem(&outcome, memory.as_ref(), options.rss_limit);
    SoakRun {
        implementation: implementation.to_owned(),
        setup: spec.setup,
        messages: options.messages,
        outcome,
        seconds,
        memory,
        passed: problem.is_none(),
        problem,
    }
}

/// Why a run did not pass: the oracle's problems, how it ended short of a
/// verdict, or its memory past the bound.
pub fn problem(outcome: &Outcome, memory: Option<&Memory>, limit: u64) -> Option<String> {
    match outcome {
        Outcome::Completed { verdict, .. } if !verdict.passed => Some(format!(
            "the oracle failed it: {}",
            verdict.problems.join("; ")
        )),
        Outcome::Completed { .. } => memory
            .filter(|memory| memory.growth() > limit)
            .map(|memory| past_limit(memory.growth(), limit)),
        Outcome::TimedOut { delivered, .. } => Some(format!(
            "timed out after {delivered} deliveries (--timeout-secs sets the deadline)"
        )),
        Outcome::BuildFailed { error } => Some(format!("could not be built: {error}")),
        Outcome::Crashed { error } => Some(error.clone()),
        Outcome::Unavailable { reason } => Some(format!("unavailable: {reason}")),
    }
}

/// One line on a finished run, for the terminal.
pub fn describe(run: &SoakRun) -> String {
    let speed = match run.outcome {
        Outcome::Completed { elapsed_ns, .. } if elapsed_ns > 0 => format!(
            " ({:.1} M msg/s)",
            run.messages as f64 / elapsed_ns as f64 * 1e3
        ),
        _ => String::new(),
    };
    let memory = run.memory.map_or_else(
        || "resident memory unavailable".to_owned(),
        |m| {
            format!(
                "RSS {:.1} -> peak {:.1} -> {:.1} MiB",
                m.before as f64 / MIB as f64,
                m.peak as f64 / MIB as f64,
                m.after as f64 / MIB as f64
            )
        },
    );
    format!(
        "{} · {}: {} messages in {:.1} s{speed}; {memory}; {}",
        run.implementation,
        run.setup,
        run.messages,
        run.seconds,
        match &run.problem {
            None => "passed".to_owned(),
            Some(problem) => format!("FAILED: {problem}"),
        }
    )
}

#[cfg(test)]
mod tests;
