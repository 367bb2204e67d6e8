//! Throughput figures of one implementation over its measured runs: the
//! median and interval of messages per second and of the per-round ratio
//! to the baseline, the worst verdict, and the consumers' shares.

use reports::stats::{median, median_ci, min_max};
use schema::Label;

use crate::results::RunRecord;
use crate::runner::Outcome;

/// What [`throughput`] finds.
#[derive(Clone, Debug)]
pub(super) struct Throughput {
    /// Measured (not warm-up) runs.
    pub(super) measured: u32,
    /// Measured runs that passed the oracle.
    pub(super) passed: u32,
    /// The worst outcome of any run, warm-up included.
    pub(super) verdict: Label,
    pub(super) median: Option<f64>,
    pub(super) min: Option<f64>,
    pub(super) max: Option<f64>,
    pub(super) interval: Option<(f64, f64)>,
    /// Median of the per-round ratios to the baseline.
    pub(super) ratio: Option<f64>,
    pub(super) ratio_min: Option<f64>,
    pub(super) ratio_max: Option<f64>,
    pub(super) ratio_interval: Option<(f64, f64)>,
    /// Medians of the lowest and the highest consumer's share.
    pub(super) consumer_share: Option<(f64, f64)>,
}

/// Implementation `name`'s throughput figures over `runs`, with ratios to
/// `baseline`'s run of the same round.
pub(super) fn throughput(name: &str, baseline: &str, runs: &[RunRecord]) -> Throughput {
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
    Throughput {
        measured: measured.len() as u32,
        passed: throughputs.len() as u32,
        verdict,
        median: median(&throughputs),
        min,
        max,
        interval: median_ci(&throughputs),
        ratio: median(&ratios),
        ratio_min,
        ratio_max,
        ratio_interval: median_ci(&ratios),
        consumer_share: median(&lowest).zip(median(&highest)),
    }
}
