//! A scenario's sweep: every point of its axes, every implementation,
//! warm-up then measured rounds interleaved across implementations
//! (A B C A B C ...), so slow drifts of the machine hit every implementation
//! alike and ratios can be taken per round.

use std::collections::BTreeMap;

use impls::{Info, Message, Msg8, Msg64, Msg256, Queue, Roster, Visitor, WaitClass, WaitStrategy};
use scenarios::{Kind, Point, Scenario};

use crate::analysis::{self, Basis, Setting};
use crate::counters::CounterAvailability;
use crate::foreign::{self, Sessions};
use crate::machine;
use crate::oracle::fresh_salt;
use crate::placement::Cores;
use crate::results::{Configuration, FloorRound, RunRecord, Summary};
use crate::runner::{BASE, Instruments, Mode, Outcome, RunSpec, run_base, run_once};

/// Choices that are not part of the scenario file.
#[derive(Clone, Copy, Debug, Default)]
pub struct SweepOptions {
    /// Keep busy-spinning on oversubscribed configurations (may livelock).
    pub allow_spin_oversubscribed: bool,
}

/// What the sweep tells its observer as it goes.
pub enum Event<'a> {
    /// A configuration is starting.
    Configuration {
        /// Its position in the sweep, from 1.
        index: usize,
        /// Configurations in the sweep.
        of: usize,
        /// Its value on every axis.
        point: &'a Point,
        /// The placement, in words.
        placement: &'a str,
    },
    /// A run is starting.
    Run {
        /// Implementation.
        implementation: &'a str,
        /// Round (warm-up rounds first).
        round: u32,
        /// Whether it is a warm-up.
        warmup: bool,
    },
    /// A run ended.
    RunDone {
        /// Implementation.
        implementation: &'a str,
        /// How it ended.
        outcome: &'a Outcome,
    },
}

/// Runs one spec on the implementation named at visit time, with the
/// message type the payload asks for.
struct RunVisitor<'a> {
    spec: &'a RunSpec,
    payload: usize,
}

impl Visitor for RunVisitor<'_> {
    type Output = Outcome;
    fn visit<Q: Queue>(self) -> Outcome {
        match self.payload {
            Msg8::BYTES => run_once::<Q, Msg8>(self.spec),
            Msg64::BYTES => run_once::<Q, Msg64>(self.spec),
            Msg256::BYTES => run_once::<Q, Msg256>(self.spec),
            other => Outcome::BuildFailed {
                error: format!("payload {other} is not one of 8, 64, 256 bytes"),
            },
        }
    }
}

/// The note of a configuration where foreign implementations ran.
const FOREIGN_NOTE: &str = "foreign implementations ran in child processes (one per implementation and configuration, warm-up rounds first), judged by this harness's oracle from the tallies they reported; their CPU time counts their run threads only (not the runtime's scheduler, JIT or GC threads; go_chan_sched's, whose goroutines move between threads, is the whole process's), and they have no event counters or allocation counts";

/// What progress events name the floor measured beside each round's runs.
pub const FLOOR: &str = "floor";

/// What a reader must know about the setup of `point`: a batch clamped
/// to the capacity, unbounded implementations (the capacity does not
/// bound them), and `Vec`-per-batch channels that cannot buffer exactly
/// the capacity (it is not a multiple of the batch).
fn setup_notes(point: &Point, infos: &[Info]) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(asked) = point.requested_batch {
        notes.push(format!(
            "batch {asked} is larger than capacity {}: run at batch {} (the most one step can publish)",
            point.setup.capacity, point.setup.batch
        ));
    }
    let unbounded: Vec<&str> = infos
        .iter()
        .filter(|info| !info.bounded)
        .map(|info| info.name)
        .collect();
    if !unbounded.is_empty() {
        notes.push(format!(
            "{} unbounded: capacity {} does not apply; it holds as many messages as the producers get ahead of the consumers, and nothing bounds its memory",
            if unbounded.len() == 1 {
                format!("{} is", unbounded[0])
            } else {
                format!("{} are", unbounded.join(", "))
            },
            point.setup.capacity
        ));
    }
    let vectors = (point.setup.capacity / point.setup.batch).max(1);
    if !point.setup.capacity.is_multiple_of(point.setup.batch) {
        let names: Vec<&str> = infos
            .iter()
            .filter(|info| info.batching == impls::Batching::VecPerBatch)
            .map(|info| info.name)
            .collect();
        if !names.is_empty() {
            notes.push(format!(
                "{} buffer {vectors} vectors of {} = {} messages, not {} (the capacity is not a multiple of the batch)",
                names.join(", "),
                point.setup.batch,
                vectors * point.setup.batch,
                point.setup.capacity
            ));
        }
    }
    notes
}

/// Runs the built-in `implementation` once on `spec`; [`BASE`] is the
/// base case.
pub fn run_named(implementation: &str, spec: &RunSpec, payload: usize) -> Outcome {
    run_named_in::<impls::Builtin>(implementation, spec, payload)
}

/// Runs `implementation` of roster `R` once on `spec`; [`BASE`] is the
/// base case.
pub fn run_named_in<R: Roster>(implementation: &str, spec: &RunSpec, payload: usize) -> Outcome {
    if implementation == BASE {
        return match payload {
            Msg8::BYTES => run_base::<Msg8>(spec),
            Msg64::BYTES => run_base::<Msg64>(spec),
            Msg256::BYTES => run_base::<Msg256>(spec),
            other => Outcome::BuildFailed {
                error: format!("payload {other} is not one of 8, 64, 256 bytes"),
            },
        };
    }
    R::visit(implementation, RunVisitor { spec, payload }).unwrap_or_else(|_| {
        Outcome::BuildFailed {
            error: format!("no implementation named `{implementation}`"),
        }
    })
}

/// The wait strategy actually used: busy-spinning threads that outnumber
/// cores can livelock, so they fall back to spin-then-yield unless allowed.
pub fn effective_wait(
    requested: WaitStrategy,
    oversubscribed: bool,
    options: SweepOptions,
) -> WaitStrategy {
    if oversubscribed && requested.never_yields() && !options.allow_spin_oversubscribed {
        WaitStrategy::SpinYield
    } else {
        requested
    }
}

/// How `info` waited under `wait`, for tables.
pub fn wait_label(info: &Info, requested: WaitStrategy, wait: WaitStrategy) -> String {
    match info.wait_class {
        WaitClass::Blocking => "blocking (native)".to_owned(),
        WaitClass::Configurable if wait != requested => {
            format!("{} (was {})", wait.name(), requested.name())
        }
        WaitClass::Configurable => wait.name().to_owned(),
    }
}

/// What the sweep measures with: the timer and counters every run uses,
/// and the machine's round trip that SPSC results are compared with.
#[derive(Clone, Debug, Default)]
pub struct Measuring {
    /// Timer and counters.
    pub instruments: Instruments,
    /// Every counter's availability (summaries report each one).
    pub counters: Vec<CounterAvailability>,
    /// The machine's core-to-core round trip, ns.
    pub round_trip_floor_ns: Option<f64>,
}

impl Measuring {
    /// What summaries are computed against.
    pub fn basis(&self) -> Basis<'_> {
        Basis {
            counters: &self.counters,
            timer: self.instruments.clock.name(),
            round_trip_floor_ns: self.round_trip_floor_ns,
        }
    }
}

/// The run mode of a configuration of a scenario of `kind`, as recorded in
/// a results file (the same as [`mode`] gave when it ran).
pub fn recorded_mode(kind: Kind, configuration: &Configuration) -> Mode {
    Mode::of(kind, configuration.rate, configuration.consume)
}

/// The run mode of `scenario` at `point`.
pub fn mode(scenario: &Scenario, point: &Point) -> Mode {
    Mode::of(
        scenario.kind,
        point.rate.map(|rate| rate as f64),
        point.consume,
    )
}

/// Runs every configuration of `scenario`, and the base case beside its
/// implementations, telling `observe` as it goes.
pub fn run<R: Roster>(
    scenario: &Scenario,
    cores: &Cores,
    options: SweepOptions,
    measuring: &Measuring,
    mut observe: impl FnMut(Event<'_>),
) -> Vec<Configuration> {
    let infos: Vec<Info> = scenario
        .implementations
        .iter()
        .map(|name| {
            scenario
                .known
                .iter()
                .find(|info| info.name == *name)
                .cloned()
                .expect("scenario validation admits known implementations only")
        })
        .collect();
    let sweep = Sweep {
        scenario,
        names: infos
            .iter()
            .map(|info| info.name)
            .chain(std::iter::once(BASE))
            .collect(),
        infos: &infos,
        measuring,
    };
    let points = scenario.points();
    let mut configurations = Vec::with_capacity(points.len());
    for (index, point) in points.iter().enumerate() {
        let placement = cores.plan(point.setup.producers, point.setup.consumers);
        let placement_description = placement.describe(point.setup.producers, cores.count());
        observe(Event::Configuration {
            index: index + 1,
            of: points.len(),
            point,
            placement: &placement_description,
        });
        let wait = effective_wait(point.setup.wait, placement.oversubscribed, options);
        let spec = RunSpec {
            setup: point.setup.wait(wait),
            messages: scenario.messages,
            timeout: scenario.timeout,
            placement: placement.clone(),
            layout_seed: 0,
            mode: mode(scenario, point),
            instruments: measuring.instruments.clone(),
        };
        let measured = sweep.rounds::<R>(point, spec, &mut observe);
        configurations.push(Configuration {
            producers: point.setup.producers,
            consumers: point.setup.consumers,
            capacity: point.setup.capacity,
            payload: point.payload,
            batch: point.setup.batch,
            requested_batch: point.requested_batch,
            requested_wait: point.setup.wait,
            wait,
            oversubscribed: placement.oversubscribed,
            placement,
            placement_description,
            rate: point.rate.map(|rate| rate as f64),
            consume: point.consume,
            summary: sweep.summaries(point, wait, &measured),
            floor: measured.floor,
            notes: measured.notes,
            runs: measured.runs,
        });
    }
    configurations
}

/// What every configuration of a sweep shares.
struct Sweep<'a> {
    scenario: &'a Scenario,
    /// The implementations, in the scenario's order.
    infos: &'a [Info],
    /// Their names and the base case's: one run each per round.
    names: Vec<&'static str>,
    measuring: &'a Measuring,
}

/// One configuration's rounds, as run.
struct Measured {
    /// Every run, warm-up rounds first, in the order run.
    runs: Vec<RunRecord>,
    /// The floor measured beside them, where both first threads are
    /// pinned.
    floor: Option<crate::results::Floor>,
    /// What a reader of the configuration's figures must know.
    notes: Vec<String>,
    /// How each foreign implementation ran, by name.
    children_described: BTreeMap<&'static str, String>,
}

impl Sweep<'_> {
    /// Runs `spec`'s warm-up and measured rounds: in each, the floor
    /// beside the runs, then every implementation and the base case.
    fn rounds<R: Roster>(
        &self,
        point: &Point,
        mut spec: RunSpec,
        observe: &mut impl FnMut(Event<'_>),
    ) -> Measured {
        let scenario = self.scenario;
        let mut runs = Vec::new();
        // The floor's two cores: the first producer's and the first
        // consumer's, where both are pinned.
        let floor_cores = spec
            .placement
            .cores
            .as_ref()
            .filter(|cores| cores.len() > point.setup.producers)
            .map(|cores| (cores[0], cores[point.setup.producers]));
        let mut floor_rounds = Vec::new();
        // Foreign implementations' children, kept for the configuration's
        // rounds (warm-up first, so a JIT is warm when measured).
        let mut children = Sessions::default();
        for round in 0..scenario.warmup + scenario.repetitions {
            let warmup = round < scenario.warmup;
            spec.layout_seed = u64::from(round);
            // The floor beside the runs, every round: the hypervisor moves
            // vCPUs within minutes, so a floor measured once is stale.
            if let Some((a, b)) = floor_cores {
                observe(Event::Run {
                    implementation: FLOOR,
                    round,
                    warmup,
                });
                floor_rounds.push(FloorRound {
                    round,
                    warmup,
                    round_trip_ns: machine::round_trip(a, b, machine::ROUND_BATCHES).ok(),
                });
            }
            for &name in &self.names {
                observe(Event::Run {
                    implementation: name,
                    round,
                    warmup,
                });
                let outcome = match foreign::find(name) {
                    Some(foreign) => children.run(
                        name,
                        || foreign.command(),
                        &spec,
                        point.payload,
                        fresh_salt(),
                        false,
                    ),
                    None => run_named_in::<R>(name, &spec, point.payload),
                };
                observe(Event::RunDone {
                    implementation: name,
                    outcome: &outcome,
                });
                runs.push(RunRecord {
                    implementation: name.to_owned(),
                    round,
                    warmup,
                    throughput: outcome.throughput(scenario.messages),
                    outcome,
                    process: None,
                    layout: None,
                });
            }
        }
        let mut notes = setup_notes(point, self.infos);
        if children.used() {
            notes.push(FOREIGN_NOTE.to_owned());
        }
        Measured {
            runs,
            floor: floor_cores.map(|cores| crate::results::floor(cores, floor_rounds)),
            notes,
            children_described: self
                .names
                .iter()
                .filter_map(|&name| children.describe(name).map(|described| (name, described)))
                .collect(),
        }
    }

    /// Every implementation's summary of one configuration, the base
    /// case's last; `wait` is the strategy the runs used.
    fn summaries(&self, point: &Point, wait: WaitStrategy, measured: &Measured) -> Vec<Summary> {
        let scenario = self.scenario;
        let runs = &measured.runs;
        let setting = Setting {
            baseline: scenario.baseline,
            messages: scenario.messages,
            basis: self.measuring.basis(),
            floor: measured.floor.as_ref(),
            mode: mode(scenario, point),
            topology: scenario.topology,
            layouts: None,
        };
        self.names
            .iter()
            .map(|&name| {
                let unavailable = runs.iter().find_map(|run| match &run.outcome {
                    Outcome::Unavailable { reason } if run.implementation == name => {
                        Some(reason.clone())
                    }
                    _ => None,
                });
                let wait_label = match self.infos.iter().find(|info| info.name == name) {
                    Some(_) if unavailable.is_some() => unavailable.unwrap_or_default(),
                    Some(info) => {
                        let label = wait_label(info, point.setup.wait, wait);
                        match measured.children_described.get(name) {
                            Some(described) => format!("{label} ({described})"),
                            None => label,
                        }
                    }
                    None => "none (no queue)".to_owned(),
                };
                analysis::summary(name, wait_label, runs, &setting)
            })
            .collect()
    }
}
