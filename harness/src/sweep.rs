//! A scenario's sweep: every point of its axes, every implementation,
//! warm-up then measured rounds interleaved across implementations
//! (A B C A B C ...), so slow drifts of the machine hit every implementation
//! alike and ratios can be taken per round.

use impls::{Info, Message, Msg8, Msg64, Msg256, Queue, Visitor, WaitClass, WaitStrategy};
use scenarios::{Point, Scenario};

use crate::placement::Cores;
use crate::results::{Configuration, RunRecord, Summary};
use crate::runner::{Outcome, RunSpec, run_once};
use crate::stats::{median, min_max};

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
        /// Its position, from 1.
        index: usize,
        /// How many there are.
        of: usize,
        /// The point.
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

/// Runs `implementation` once on `spec`.
pub fn run_named(implementation: &str, spec: &RunSpec, payload: usize) -> Outcome {
    impls::visit(implementation, RunVisitor { spec, payload }).unwrap_or_else(|| {
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

/// Runs every configuration of `scenario`, telling `observe` as it goes.
pub fn run(
    scenario: &Scenario,
    cores: &Cores,
    options: SweepOptions,
    mut observe: impl FnMut(Event<'_>),
) -> Vec<Configuration> {
    let points = scenario.points();
    let infos: Vec<Info> = scenario
        .implementations
        .iter()
        .map(|name| {
            impls::info(name).expect("scenario validation admits known implementations only")
        })
        .collect();
    let mut configurations = Vec::with_capacity(points.len());
    for (index, point) in points.iter().enumerate() {
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
        };
        let mut runs = Vec::new();
        for round in 0..scenario.warmup + scenario.repetitions {
            let warmup = round < scenario.warmup;
            spec.layout_seed = u64::from(round);
            for info in &infos {
                observe(Event::Run {
                    implementation: info.name,
                    round,
                    warmup,
                });
                let outcome = run_named(info.name, &spec, point.payload);
                observe(Event::RunDone {
                    implementation: info.name,
                    outcome: &outcome,
                });
                runs.push(RunRecord {
                    implementation: info.name.to_owned(),
                    round,
                    warmup,
                    throughput: outcome.throughput(scenario.messages),
                    outcome,
                });
            }
        }
        let summary = infos
            .iter()
            .map(|info| {
                summarise(
                    info,
                    scenario.baseline,
                    &runs,
                    wait_label(info, point.wait, wait),
                )
            })
            .collect();
        configurations.push(Configuration {
            producers: point.producers,
            consumers: point.consumers,
            capacity: point.capacity,
            payload: point.payload,
            batch: point.batch,
            requested_wait: point.wait.name().to_owned(),
            wait: wait.name().to_owned(),
            oversubscribed: placement.oversubscribed,
            placement,
            placement_description,
            runs,
            summary,
        });
    }
    configurations
}

/// Severity of an outcome label, for a summary's verdict (worst wins).
fn severity(label: &str) -> u8 {
    match label {
        "pass" => 0,
        "timeout" => 1,
        "build error" => 2,
        "crash" => 3,
        _ => 4, // FAIL: the oracle caught an error
    }
}

/// One implementation's summary over its measured runs, with per-round ratios
/// against `baseline`.
pub fn summarise(info: &Info, baseline: &str, runs: &[RunRecord], wait: String) -> Summary {
    let mine: Vec<&RunRecord> = runs
        .iter()
        .filter(|run| run.implementation == info.name)
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
        .map(|run| run.outcome.label())
        .max_by_key(|label| severity(label))
        .unwrap_or("pass");
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
        implementation: info.name.to_owned(),
        wait,
        measured_runs: measured.len() as u32,
        passed_runs: throughputs.len() as u32,
        verdict: verdict.to_owned(),
        median: median(&throughputs),
        min,
        max,
        ratio_to_baseline: median(&ratios),
        ratio_min,
        ratio_max,
        consumer_share,
    }
}
