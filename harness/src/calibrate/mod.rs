//! `calibrate`: how much of a figure is the instrument.
//!
//! A harness figure is the queue plus the harness's own per-message work
//! (message writes, the oracle's tally, the loops around them). This
//! module measures that share directly: in one invocation it interleaves,
//! round by round, the harness's own runs of reference crates with the
//! plainest honest loops over the same crates (a pinned producer sends one
//! `u64` per message, a pinned consumer sums what it receives, and the sum
//! is checked after the run; no oracle), on the same two cores, and
//! reports harness/plain per round with a bootstrap interval of its median.
//! A ratio near 1 means the harness's figure is the crate's; 0.5 means
//! half the time per message went to the instrument.
//!
//! The plain loops are timed as the harness times its runs: from the first
//! of the two threads leaving a start barrier to the consumer taking the
//! last message.

use std::time::Duration;

use impls::{Message, Msg8, Setup, Topology, WaitStrategy};
use reports::stats::{median, median_ci};
use serde::{Deserialize, Serialize};

use crate::placement::Cores;
use crate::runner::{Instruments, Mode, Outcome, RunSpec, run_base};
use crate::sweep::run_named;

mod plain;

pub use plain::{CAPACITY, PlainRun, PlainSpec, expected_sum};
use plain::{plain_crossbeam, plain_rtrb_chunks, plain_rtrb_single};

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Measured rounds.
    pub rounds: u32,
    /// Unrecorded rounds before them.
    pub warmup: u32,
    /// Messages per run.
    pub messages: u64,
    /// Deadline of each harness run.
    pub timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            rounds: 7,
            warmup: 1,
            messages: 10_000_000,
            timeout: Duration::from_secs(60),
        }
    }
}

/// One comparison: a harness implementation at a batch size, and the plain
/// loop over the same crate.
#[derive(Clone, Copy, Debug)]
pub struct Pair {
    /// Label in the table.
    pub label: &'static str,
    /// The harness implementation.
    pub implementation: &'static str,
    /// Messages per publish and most per consume.
    pub batch: usize,
    /// The plain loop.
    plain: fn(&PlainSpec) -> PlainRun,
}

/// The pairs `calibrate` measures: rtrb at batch 1 (push/pop) and 64
/// (chunks), crossbeam-channel at batch 1.
pub const PAIRS: [Pair; 3] = [
    Pair {
        label: "rtrb push/pop, batch 1",
        implementation: "rtrb",
        batch: 1,
        plain: plain_rtrb_single,
    },
    Pair {
        label: "rtrb chunks, batch 64",
        implementation: "rtrb",
        batch: 64,
        plain: plain_rtrb_chunks,
    },
    Pair {
        label: "crossbeam send/recv, batch 1",
        implementation: "crossbeam",
        batch: 1,
        plain: plain_crossbeam,
    },
];

/// Targets for harness/plain, printed beside the figures (benchmark
/// output, never a test): the harness should cost at most 15% of the
/// fastest reference crate's time per message.
pub const TARGET_RATIO: f64 = 0.85;

/// One pair's figures in one round.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Round {
    /// Round number (warm-up rounds are not recorded).
    pub round: u32,
    /// The harness's throughput, when its run passed the oracle.
    pub harness: Option<f64>,
    /// How the harness run ended, in one word.
    pub harness_outcome: schema::Label,
    /// The plain loop's throughput, when its sum was right.
    pub plain: Option<f64>,
    /// Whether the plain loop's threads were pinned.
    pub plain_pinned: bool,
}

/// One pair over every round.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairResult {
    /// Label in the table.
    pub label: String,
    /// The harness implementation.
    pub implementation: String,
    /// Batch size.
    pub batch: usize,
    /// Every measured round.
    pub rounds: Vec<Round>,
    /// Median harness throughput, messages per second.
    pub harness_median: Option<f64>,
    /// Median plain throughput, messages per second.
    pub plain_median: Option<f64>,
    /// Median over rounds of harness/plain in the same round.
    pub ratio: Option<f64>,
    /// Bootstrap 95% interval of that median.
    pub ratio_ci: Option<(f64, f64)>,
}

/// The base case's CPU time per message at one batch size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BaseCost {
    /// Batch size.
    pub batch: usize,
    /// Median CPU ns per message over the measured rounds.
    pub cpu_ns_per_message: Option<f64>,
    /// Bootstrap 95% interval of that median.
    pub cpu_ns_ci: Option<(f64, f64)>,
}

/// Everything `calibrate` measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Messages per run.
    pub messages: u64,
    /// Measured rounds.
    pub rounds: u32,
    /// Producer core and consumer core.
    pub cores: (usize, usize),
    /// Each pair.
    pub pairs: Vec<PairResult>,
    /// The harness's own cost (the base case, SPSC) at batch 1 and 64.
    pub base: Vec<BaseCost>,
    /// Problems: failed harness runs, wrong plain sums, refused pinning.
    pub problems: Vec<String>,
}

/// Why calibration cannot run here.
#[derive(Debug, thiserror::Error)]
pub enum CalibrateError {
    /// Fewer than two usable cores.
    #[error(
        "calibrate needs 2 usable cores (a producer and a consumer, each pinned), this process may use {0}"
    )]
    TooFewCores(usize),
}

/// What `calibrate` tells its observer as it goes.
pub enum Progress<'a> {
    /// A run is starting.
    Run {
        /// Round (warm-up rounds first).
        round: u32,
        /// What runs: a pair's label and `harness` or `plain`, or the base case.
        what: &'a str,
    },
}

/// Runs the calibration on the first two of `cores`.
pub fn run(
    options: &Options,
    cores: &Cores,
    instruments: &Instruments,
    mut progress: impl FnMut(Progress<'_>),
) -> Result<Calibration, CalibrateError> {
    let ids = cores.ids();
    if ids.len() < 2 {
        return Err(CalibrateError::TooFewCores(ids.len()));
    }
    let pair_cores = (ids[0], ids[1]);
    let placement = cores.plan(1, 1);
    let spec = |batch: usize, round: u32| RunSpec {
        setup: Setup::new(Topology::Spsc, CAPACITY)
            .batch(batch)
            .wait(WaitStrategy::BusySpin),
        messages: options.messages,
        timeout: options.timeout,
        placement: placement.clone(),
        layout_seed: u64::from(round),
        mode: Mode::Throughput,
        instruments: instruments.clone(),
    };
    let mut problems = Vec::new();
    let mut rounds: Vec<Vec<Round>> = vec![Vec::new(); PAIRS.len()];
    let base_batches = [1usize, 64];
    let mut base_cpu: Vec<Vec<f64>> = vec![Vec::new(); base_batches.len()];
    for round in 0..options.warmup + options.rounds {
        let measured = round >= options.warmup;
        for (index, pair) in PAIRS.iter().enumerate() {
            let plain_spec = PlainSpec {
                messages: options.messages,
                batch: pair.batch,
                cores: pair_cores,
            };
            let (harness, plain) = run_pair(
                pair,
                round,
                &spec(pair.batch, round),
                &plain_spec,
                &mut progress,
            );
            if measured {
                problems.extend(pair_problems(pair, round, &harness, &plain));
                rounds[index].push(Round {
                    round,
                    harness: harness.throughput(options.messages),
                    harness_outcome: harness.label(),
                    plain: plain.throughput(options.messages),
                    plain_pinned: plain.pinned,
                });
            }
        }
        for (index, &batch) in base_batches.iter().enumerate() {
            progress(Progress::Run {
                round,
                what: &format!("base case, batch {batch}"),
            });
            let outcome = run_base::<Msg8>(&spec(batch, round));
            if let (true, Some(cpu)) = (measured, outcome.costs().and_then(|c| c.cpu_ns)) {
                base_cpu[index].push(cpu as f64 / options.messages.max(1) as f64);
            }
        }
    }
    let pairs = PAIRS
        .iter()
        .zip(rounds)
        .map(|(pair, rounds)| pair_result(pair, rounds))
        .collect();
    let base = base_batches
        .iter()
        .zip(&base_cpu)
        .map(|(&batch, cpu)| BaseCost {
            batch,
            cpu_ns_per_message: median(cpu),
            cpu_ns_ci: median_ci(cpu),
        })
        .collect();
    Ok(Calibration {
        messages: options.messages,
        rounds: options.rounds,
        cores: pair_cores,
        pairs,
        base,
        problems,
    })
}

/// One round of `pair`: the harness run and the plain loop, alternating
/// which goes first, so neither always runs on a machine the other has
/// just warmed.
fn run_pair(
    pair: &Pair,
    round: u32,
    spec: &RunSpec,
    plain_spec: &PlainSpec,
    progress: &mut impl FnMut(Progress<'_>),
) -> (Outcome, PlainRun) {
    let harness_label = format!("{} (harness)", pair.label);
    let plain_label = format!("{} (plain)", pair.label);
    let run_harness = |progress: &mut dyn FnMut(Progress<'_>)| {
        progress(Progress::Run {
            round,
            what: &harness_label,
        });
        run_named(pair.implementation, spec, Msg8::BYTES)
    };
    let run_plain = |progress: &mut dyn FnMut(Progress<'_>)| {
        progress(Progress::Run {
            round,
            what: &plain_label,
        });
        (pair.plain)(plain_spec)
    };
    if round.is_multiple_of(2) {
        let harness = run_harness(progress);
        (harness, run_plain(progress))
    } else {
        let plain = run_plain(progress);
        (run_harness(progress), plain)
    }
}

/// What went wrong in a measured round of `pair`: a harness run that did
/// not pass, a plain loop whose sum is wrong or whose threads were not
/// pinned.
fn pair_problems(pair: &Pair, round: u32, harness: &Outcome, plain: &PlainRun) -> Vec<String> {
    let mut problems = Vec::new();
    if !harness.passed() {
        problems.push(format!(
            "{}: round {round}: the harness run did not pass: {}",
            pair.label,
            harness.detail()
        ));
    }
    if !plain.sum_ok {
        problems.push(format!(
            "{}: round {round}: the plain loop's sum is wrong (a message was lost or duplicated)",
            pair.label
        ));
    }
    if !plain.pinned {
        problems.push(format!(
            "{}: round {round}: the OS refused to pin the plain loop's threads",
            pair.label
        ));
    }
    problems
}

/// `pair`'s medians and ratio over its measured `rounds`.
fn pair_result(pair: &Pair, rounds: Vec<Round>) -> PairResult {
    let harness: Vec<f64> = rounds.iter().filter_map(|r| r.harness).collect();
    let plain: Vec<f64> = rounds.iter().filter_map(|r| r.plain).collect();
    let ratios: Vec<f64> = rounds
        .iter()
        .filter_map(|r| Some(r.harness? / r.plain?))
        .collect();
    PairResult {
        label: pair.label.to_owned(),
        implementation: pair.implementation.to_owned(),
        batch: pair.batch,
        harness_median: median(&harness),
        plain_median: median(&plain),
        ratio: median(&ratios),
        ratio_ci: median_ci(&ratios),
        rounds,
    }
}

/// The calibration as a table.
pub fn render(calibration: &Calibration) -> String {
    use reports::format::{Medium::Terminal, millions, ratio, ratio_interval};
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\ncalibrate · spsc · 8 B · capacity {CAPACITY} · busy_spin · pinned p0:{} c0:{} · {} rounds of {} messages",
        calibration.cores.0, calibration.cores.1, calibration.rounds, calibration.messages
    );
    let _ = writeln!(
        out,
        "  {:<30} {:>12} {:>10} {:>14} {:>15}  target",
        "pair", "harness M/s", "plain M/s", "harness/plain", "ratio 95% CI"
    );
    for pair in &calibration.pairs {
        let target = match pair.ratio {
            Some(ratio) if ratio >= TARGET_RATIO => format!(">= {TARGET_RATIO:.2}: met"),
            Some(_) => format!(">= {TARGET_RATIO:.2}: NOT met"),
            None => Terminal.missing().to_owned(),
        };
        let _ = writeln!(
            out,
            "  {:<30} {:>12} {:>10} {:>14} {:>15}  {}",
            pair.label,
            millions(pair.harness_median, Terminal),
            millions(pair.plain_median, Terminal),
            ratio(pair.ratio, Terminal),
            ratio_interval(pair.ratio_ci, Terminal),
            target,
        );
    }
    let base: Vec<String> = calibration
        .base
        .iter()
        .map(|cost| {
            format!(
                "batch {} {} ns ({})",
                cost.batch,
                cost.cpu_ns_per_message
                    .map_or(Terminal.missing().to_owned(), |v| format!("{v:.2}")),
                cost.cpu_ns_ci
                    .map_or(Terminal.missing().to_owned(), |(l, h)| format!(
                        "{l:.2}–{h:.2}"
                    )),
            )
        })
        .collect();
    let _ = writeln!(
        out,
        "  harness's own cost (base case, CPU per message): {}",
        base.join(", ")
    );
    let _ = writeln!(
        out,
        "  harness/plain: per round, the harness's throughput over the plain loop's; 1.00x means the figure is the crate's, 0.50x that half of each message's time was the instrument's"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_sums_are_exact() {
        for n in 0..50u64 {
            assert_eq!(expected_sum(n), (0..n).sum::<u64>(), "{n}");
        }
        let n = 1u64 << 33;
        assert_eq!(expected_sum(n), (n / 2).wrapping_mul(n - 1));
    }

    #[test]
    fn every_plain_loop_moves_every_message() {
        let cores = Cores::detect().ids();
        let pair = (cores[0], *cores.get(1).unwrap_or(&cores[0]));
        for pair_spec in PAIRS {
            let spec = PlainSpec {
                messages: 100_003,
                batch: pair_spec.batch,
                cores: pair,
            };
            let run = (pair_spec.plain)(&spec);
            assert!(run.sum_ok, "{}: {run:?}", pair_spec.label);
            assert!(run.throughput(spec.messages).is_some());
        }
    }
}
