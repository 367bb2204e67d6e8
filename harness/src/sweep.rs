//! A scenario's sweep: every point of its axes, every implementation,
//! warm-up then measured rounds interleaved across implementations
//! (A B C A B C ...), so slow drifts of the machine hit every implementation
//! alike and ratios can be taken per round.

use impls::{
    Info, Message, Msg8, Msg64, Msg256, Queue, Roster, Topology, Visitor, WaitClass, WaitStrategy,
};
use scenarios::{Consume, Kind, Point, Scenario};

use crate::counters::{CounterAvailability, CounterStatus, CounterValue, unit_of};
use crate::foreign::{self, Sessions};
use crate::latency::{self, Latency, LatencyKind};
use crate::machine;
use crate::oracle::fresh_salt;
use crate::placement::Cores;
use crate::results::{Configuration, Floor, FloorRound, RunRecord, Summary};
use crate::runner::{BASE, Instruments, Mode, Outcome, RunSpec, run_base, run_once};
use crate::stats::{median, median_ci, min_max};
use schema::Label;

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
            point.capacity, point.batch
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
            point.capacity
        ));
    }
    let vectors = (point.capacity / point.batch).max(1);
    if !point.capacity.is_multiple_of(point.batch) {
        let names: Vec<&str> = infos
            .iter()
            .filter(|info| info.batching == impls::Batching::VecPerBatch)
            .map(|info| info.name)
            .collect();
        if !names.is_empty() {
            notes.push(format!(
                "{} buffer {vectors} vectors of {} = {} messages, not {} (the capacity is not a multiple of the batch)",
                names.join(", "),
                point.batch,
                vectors * point.batch,
                point.capacity
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

/// What a summary's costs, counters, latency and floor multiple are
/// computed against: the counters' availability, the timer's name and the
/// invocation's round trip. A sweep takes it from its [`Measuring`]; runs
/// merged from child processes take it from the first child's machine.
#[derive(Clone, Copy, Debug)]
pub struct Basis<'a> {
    /// Every counter's availability.
    pub counters: &'a [CounterAvailability],
    /// `tsc` or `instant`.
    pub timer: &'a str,
    /// The machine's core-to-core round trip, ns.
    pub round_trip_floor_ns: Option<f64>,
}

/// The run mode of a configuration of a scenario of `kind`, as recorded in
/// a results file (the same as [`mode`] gave when it ran).
pub fn recorded_mode(kind: Kind, configuration: &Configuration) -> Mode {
    match (kind, configuration.rate) {
        (Kind::Pingpong, _) => Mode::PingPong,
        (Kind::Latency, Some(rate)) => Mode::OneWay { rate },
        _ if configuration.consume == Consume::Discard => Mode::Discard,
        _ => Mode::Throughput,
    }
}

/// The run mode of `scenario` at `point`.
pub fn mode(scenario: &Scenario, point: &Point) -> Mode {
    match (scenario.kind, point.rate) {
        (Kind::Pingpong, _) => Mode::PingPong,
        (Kind::Latency, Some(rate)) => Mode::OneWay { rate: rate as f64 },
        _ if point.consume == Consume::Discard => Mode::Discard,
        _ => Mode::Throughput,
    }
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
    let points = scenario.points();
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
    let names: Vec<&str> = infos
        .iter()
        .map(|info| info.name)
        .chain(std::iter::once(BASE))
        .collect();
    let mut configurations = Vec::with_capacity(points.len());
    for (index, point) in points.iter().enumerate() {
        let mode = mode(scenario, point);
        let placement = cores.plan(point.producers, point.consumers);
        let placement_description = placement.describe(point.producers, cores.count());
        observe(Event::Configuration {
            index: index + 1,
            of: points.len(),
            point,
            placement: &placement_description,
        });
        let wait = effective_wait(point.wait, placement.oversubscribed, options);
        let mut spec = RunSpec {
            topology: scenario.topology,
            producers: point.producers,
            consumers: point.consumers,
            capacity: point.capacity,
            batch: point.batch,
            wait,
            messages: scenario.messages,
            timeout: scenario.timeout,
            placement: placement.clone(),
            layout_seed: 0,
            mode,
            instruments: measuring.instruments.clone(),
        };
        let mut runs = Vec::new();
        // The floor's two cores: the first producer's and the first
        // consumer's, where both are pinned.
        let floor_cores = placement
            .cores
            .as_ref()
            .filter(|cores| cores.len() > point.producers)
            .map(|cores| (cores[0], cores[point.producers]));
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
            for &name in &names {
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
        let floor = floor_cores.map(|cores| crate::results::floor(cores, floor_rounds));
        let mut notes = setup_notes(point, &infos);
        if children.used() {
            notes.push(FOREIGN_NOTE.to_owned());
        }
        let children_described: std::collections::BTreeMap<&str, String> = names
            .iter()
            .filter_map(|&name| children.describe(name).map(|described| (name, described)))
            .collect();
        drop(children);
        let summary = names
            .iter()
            .map(|&name| {
                let unavailable = runs.iter().find_map(|run| match &run.outcome {
                    Outcome::Unavailable { reason } if run.implementation == name => {
                        Some(reason.clone())
                    }
                    _ => None,
                });
                let wait_label = match infos.iter().find(|info| info.name == name) {
                    Some(_) if unavailable.is_some() => unavailable.unwrap_or_default(),
                    Some(info) => {
                        let label = wait_label(info, point.wait, wait);
                        match children_described.get(name) {
                            Some(described) => format!("{label} ({described})"),
                            None => label,
                        }
                    }
                    None => "none (no queue)".to_owned(),
                };
                let mut summary = summarise(name, scenario.baseline, &runs, wait_label);
                measure_summary(
                    &mut summary,
                    &runs,
                    scenario.messages,
                    measuring.basis(),
                    floor.as_ref(),
                    mode,
                    scenario.topology,
                );
                summary
            })
            .collect();
        configurations.push(Configuration {
            producers: point.producers,
            consumers: point.consumers,
            capacity: point.capacity,
            payload: point.payload,
            batch: point.batch,
            requested_batch: point.requested_batch,
            requested_wait: point.wait,
            wait,
            oversubscribed: placement.oversubscribed,
            placement,
            placement_description,
            rate: point.rate.map(|rate| rate as f64),
            consume: point.consume,
            floor,
            notes,
            runs,
            summary,
        });
    }
    configurations
}

/// Fills a summary's costs, counters, latency and floor multiple from the
/// passed measured runs of its implementation. Each run's floor multiple
/// is taken against `floor` in the run's own round (or the invocation's
/// round trip where the configuration has no floor of its own).
pub fn measure_summary(
    summary: &mut Summary,
    runs: &[RunRecord],
    messages: u64,
    basis: Basis<'_>,
    floor: Option<&Floor>,
    mode: Mode,
    topology: Topology,
) {
    let costs: Vec<_> = runs
        .iter()
        .filter(|run| run.implementation == summary.implementation && !run.warmup)
        .filter_map(|run| run.outcome.costs())
        .collect();
    let messages = messages.max(1) as f64;
    let per_message = |values: Vec<Option<u64>>| {
        let values: Vec<f64> = values
            .into_iter()
            .flatten()
            .map(|v| v as f64 / messages)
            .collect();
        median(&values)
    };
    summary.cpu_ns_per_message = per_message(costs.iter().map(|c| c.cpu_ns).collect());
    summary.allocations_per_message = per_message(costs.iter().map(|c| c.allocations).collect());
    summary.allocated_bytes_per_message =
        per_message(costs.iter().map(|c| c.allocated_bytes).collect());
    summary.counters = basis
        .counters
        .iter()
        .map(|available| {
            let value = per_message(
                costs
                    .iter()
                    .map(|c| c.counters.get(&available.name).copied())
                    .collect(),
            );
            let unavailable = |reason: String| CounterValue {
                name: available.name.clone(),
                unit: unit_of(&available.name).to_owned(),
                status: CounterStatus::Unavailable,
                source: None,
                per_message: None,
                reason: Some(reason),
            };
            match (available.status, value) {
                (CounterStatus::Measured, Some(value)) => CounterValue {
                    name: available.name.clone(),
                    unit: unit_of(&available.name).to_owned(),
                    status: CounterStatus::Measured,
                    source: available.source,
                    per_message: Some(value),
                    reason: None,
                },
                (CounterStatus::Measured, None) => {
                    unavailable("no passed run could read it".to_owned())
                }
                _ => unavailable(available.reason.clone().unwrap_or_default()),
            }
        })
        .collect();
    let histograms: Vec<_> = costs.iter().filter_map(|c| c.latency.as_ref()).collect();
    if !histograms.is_empty() {
        let decoded = |text: &String| latency::decode(text).ok();
        let corrected: Vec<_> = histograms
            .iter()
            .filter_map(|h| decoded(&h.histogram))
            .collect();
        let service: Vec<_> = histograms
            .iter()
            .filter_map(|h| h.service_histogram.as_ref().and_then(decoded))
            .collect();
        let merged = latency::merge(&corrected);
        let merged_service = (!service.is_empty()).then(|| latency::merge(&service));
        summary.latency = Some(Latency {
            kind: if mode == Mode::PingPong {
                LatencyKind::RoundTrip
            } else {
                LatencyKind::OneWay
            },
            offered_rate: match mode {
                Mode::OneWay { rate } => Some(rate),
                _ => None,
            },
            timer: basis.timer.to_owned(),
            percentiles_ns: latency::percentiles(&merged),
            service_time_percentiles_ns: merged_service
                .as_ref()
                .map(latency::percentiles)
                .unwrap_or_default(),
            histogram: latency::encode(&merged),
            service_histogram: merged_service.as_ref().map(latency::encode),
            samples: merged.len(),
            backwards_samples: histograms
                .iter()
                .filter_map(|h| h.backwards_samples)
                .reduce(|a, b| a + b),
        });
    }
    let invocation_floor = basis.round_trip_floor_ns.filter(|floor| *floor > 0.0);
    // SPSC only: throughput runs compare ns per message (the inverse of
    // throughput, not a latency), ping-pong the p50 round trip and
    // one-way runs the p50 one-way latency (one hop costs at least half a
    // round trip) with the round trip.
    let multiples: Vec<f64> = if summary.implementation == BASE || topology != Topology::Spsc {
        Vec::new()
    } else {
        runs.iter()
            .filter(|run| run.implementation == summary.implementation && !run.warmup)
            .filter_map(|run| {
                let floor = floor
                    .and_then(|floor| floor.at(run.round))
                    .or(invocation_floor)?;
                let ns = match mode {
                    Mode::Throughput | Mode::Discard => 1e9 / run.throughput?,
                    Mode::PingPong | Mode::OneWay { .. } => {
                        run.outcome.costs()?.latency.as_ref()?.p50_ns?
                    }
                };
                Some(ns / floor)
            })
            .collect()
    };
    summary.floor_multiple = median(&multiples);
    summary.floor_multiple_ci = median_ci(&multiples);
}

/// One implementation's summary over its measured runs, with per-round ratios
/// against `baseline` (costs, counters and latency are left for
/// [`measure_summary`]).
pub fn summarise(name: &str, baseline: &str, runs: &[RunRecord], wait: String) -> Summary {
    let mine: Vec<&RunRecord> = runs
        .iter()
        .filter(|run| run.implementation == name)
        .collect();
    let measured: Vec<&RunRecord> = mine.iter().copied().filter(|run| !run.warmup).collect();
    let throughputs: Vec<f64> = measured.iter().filter_map(|run| run.throughput).collect();
    let ratios: Vec<f64> = measured
        .iter()
        .filter_map(|run| {
            let base = runs.iter().find(|other| {
                other.implementation == baseline && other.round == run.round && !other.warmup
            })?;
            Some(run.throughput? / base.throughput?)
        })
        .collect();
    let verdict = mine
        .iter()
        .map(|run| &run.outcome)
        .max_by_key(|outcome| outcome.severity())
        .map_or(Label::Pass, Outcome::label);
    let (min, max) = min_max(&throughputs).unzip();
    let (ratio_min, ratio_max) = min_max(&ratios).unzip();
    let shares: Vec<(f64, f64)> = measured
        .iter()
        .filter_map(|run| run.outcome.consumer_shares())
        .collect();
    let lowest: Vec<f64> = shares.iter().map(|share| share.0).collect();
    let highest: Vec<f64> = shares.iter().map(|share| share.1).collect();
    let consumer_share = median(&lowest).zip(median(&highest));
    Summary {
        implementation: name.to_owned(),
        wait,
        measured_runs: measured.len() as u32,
        passed_runs: throughputs.len() as u32,
        verdict,
        median: median(&throughputs),
        min,
        max,
        ratio_to_baseline: median(&ratios),
        ratio_min,
        ratio_max,
        consumer_share,
        throughput_ci: median_ci(&throughputs),
        ratio_ci: median_ci(&ratios),
        cpu_ns_per_message: None,
        allocations_per_message: None,
        allocated_bytes_per_message: None,
        counters: Vec::new(),
        latency: None,
        floor_multiple: None,
        floor_multiple_ci: None,
        layout_range: None,
        ratio_layout_range: None,
    }
}
