//! `harness ab`'s judgement: each round of the new build over the round
//! of the base build that ran in the same slot of the schedule (the same
//! process pair, layout and round), the median of those ratios with its
//! 95% interval (the sign test's, which holds for the few pairs a run
//! has), widened to the layouts' medians where there were several, and a
//! verdict: faster, slower or indistinguishable.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use reports::stats::{median, median_order_interval, min_max, widen};

use super::children::Part;
use crate::results::Configuration;

/// Paired rounds needed for a 95% interval of the median that holds
/// whatever the distribution ([`median_order_interval`]).
pub const MIN_PAIRS: usize = 6;

/// What the pairs say about one implementation at one configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// The whole interval lies above 1.
    Faster,
    /// The whole interval lies below 1.
    Slower,
    /// The interval reaches 1.
    Indistinguishable,
    /// Fewer than [`MIN_PAIRS`] paired rounds.
    TooFew,
}

impl Change {
    /// In words.
    pub fn word(self) -> &'static str {
        match self {
            Change::Faster => "faster",
            Change::Slower => "slower",
            Change::Indistinguishable => "indistinguishable",
            Change::TooFew => "too few paired rounds",
        }
    }
}

/// One implementation at one configuration, new over base.
#[derive(Clone, Debug)]
pub struct Pair {
    /// Index of the configuration in the scenario.
    pub configuration: usize,
    /// The configuration in a few words.
    pub label: String,
    /// Implementation name (`base` is the harness's own loop).
    pub implementation: String,
    /// Every paired round's throughput ratio, new over base.
    pub ratios: Vec<f64>,
    /// The median of `ratios`.
    pub median: Option<f64>,
    /// 95% interval of the median ratio (order statistics).
    pub round_interval: Option<(f64, f64)>,
    /// With several layouts: the lowest and highest of the layouts'
    /// median ratios.
    pub layout_range: Option<(f64, f64)>,
    /// The verdict, judged on the larger of the two intervals.
    pub change: Change,
    /// Measured runs of the new build that did not pass the oracle.
    pub new_failures: usize,
    /// The same for the base build.
    pub base_failures: usize,
}

impl Pair {
    /// Whether it is a significant fall by more than `max_regression_pct`.
    pub fn regressed(&self, max_regression_pct: f64) -> bool {
        self.change == Change::Slower
            && self
                .median
                .is_some_and(|m| m < 1.0 - max_regression_pct / 100.0)
    }
}

/// Passed measured throughputs of `implementation` by round, and the
/// number of its measured runs that did not pass.
fn rounds(configuration: &Configuration, implementation: &str) -> (BTreeMap<u32, f64>, usize) {
    let mut passed = BTreeMap::new();
    let mut failed = 0;
    for run in configuration
        .runs
        .iter()
        .filter(|run| run.implementation == implementation && !run.warmup)
    {
        match run.throughput.filter(|_| run.outcome.passed()) {
            Some(value) if value > 0.0 => {
                passed.insert(run.round, value);
            }
            _ => failed += 1,
        }
    }
    (passed, failed)
}

/// Pairs the new build's parts with the base build's: parts of the same
/// process and layout (`slot`), rounds of the same number within them.
pub fn pairs(new: &[&Part], base: &[&Part], slot: impl Fn(&Part) -> (u32, u32)) -> Vec<Pair> {
    let Some(first) = new.first() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (index, configuration) in first.results.configurations.iter().enumerate() {
        for summary in &configuration.summary {
            let name = &summary.implementation;
            let mut ratios = Vec::new();
            let mut by_layout: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
            let (mut new_failures, mut base_failures) = (0, 0);
            for part in new {
                let Some(other) = base.iter().find(|other| slot(other) == slot(part)) else {
                    continue;
                };
                let (Some(mine), Some(theirs)) = (
                    part.results.configurations.get(index),
                    other.results.configurations.get(index),
                ) else {
                    continue;
                };
                let (mine, failed) = rounds(mine, name);
                let (theirs, base_failed) = rounds(theirs, name);
                new_failures += failed;
                base_failures += base_failed;
                for (round, value) in &mine {
                    if let Some(before) = theirs.get(round) {
                        ratios.push(value / before);
                        by_layout
                            .entry(slot(part).1)
                            .or_default()
                            .push(value / before);
                    }
                }
            }
            let layout_medians: Vec<f64> = by_layout.values().filter_map(|r| median(r)).collect();
            let layout_range = (layout_medians.len() > 1)
                .then(|| min_max(&layout_medians))
                .flatten();
            let round_interval = (ratios.len() >= MIN_PAIRS)
                .then(|| median_order_interval(&ratios))
                .flatten();
            let change = match widen(round_interval, layout_range) {
                None => Change::TooFew,
                Some((low, _)) if low > 1.0 => Change::Faster,
                Some((_, high)) if high < 1.0 => Change::Slower,
                Some(_) => Change::Indistinguishable,
            };
            out.push(Pair {
                configuration: index,
                label: reports::verdict::label(configuration),
                implementation: name.clone(),
                median: median(&ratios),
                ratios,
                round_interval,
                layout_range,
                change,
                new_failures,
                base_failures,
            });
        }
    }
    out
}

/// The pairs as a terminal table, configuration by configuration.
pub fn text(pairs: &[Pair], max_regression_pct: f64) -> String {
    let width = pairs
        .iter()
        .map(|p| p.implementation.len())
        .max()
        .unwrap_or(4)
        .max(14);
    let layouts = pairs.iter().any(|p| p.layout_range.is_some());
    let mut out = String::new();
    let mut current = usize::MAX;
    for pair in pairs {
        if pair.configuration != current {
            current = pair.configuration;
            let _ = writeln!(out, "\n{}", pair.label);
            let _ = writeln!(
                out,
                "  {:<width$} {:>8}  {:<17} {}verdict",
                "implementation",
                "new/base",
                "95% interval",
                if layouts { "layouts (min-max)  " } else { "" },
            );
        }
        let interval =
            |i: Option<(f64, f64)>| i.map_or("-".to_owned(), |(a, b)| format!("({a:.3}-{b:.3})"));
        let mut verdict = pair.change.word().to_owned();
        if let Some(m) = pair.median
            && matches!(pair.change, Change::Faster | Change::Slower)
        {
            let _ = write!(verdict, " ({:+.1}%)", (m - 1.0) * 100.0);
        }
        if pair.regressed(max_regression_pct) {
            let _ = write!(verdict, ", beyond the {max_regression_pct}% limit");
        }
        if pair.new_failures > 0 {
            let _ = write!(
                verdict,
                "; {} new runs FAILED the oracle",
                pair.new_failures
            );
        }
        if pair.base_failures > 0 {
            let _ = write!(
                verdict,
                "; {} base runs failed the oracle",
                pair.base_failures
            );
        }
        let _ = writeln!(
            out,
            "  {:<width$} {:>8}  {:<17} {}{} [{} pairs]",
            pair.implementation,
            pair.median.map_or("-".to_owned(), |m| format!("{m:.3}x")),
            interval(pair.round_interval),
            if layouts {
                format!("{:<19}", interval(pair.layout_range))
            } else {
                String::new()
            },
            verdict,
            pair.ratios.len()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(median: f64, change: Change) -> Pair {
        Pair {
            configuration: 0,
            label: "P1 C1".to_owned(),
            implementation: "q".to_owned(),
            ratios: vec![median; 5],
            median: Some(median),
            round_interval: Some((median - 0.01, median + 0.01)),
            layout_range: None,
            change,
            new_failures: 0,
            base_failures: 0,
        }
    }

    #[test]
    fn only_a_significant_fall_beyond_the_limit_is_a_regression() {
        assert!(pair(0.7, Change::Slower).regressed(10.0));
        assert!(!pair(0.95, Change::Slower).regressed(10.0));
        assert!(pair(0.95, Change::Slower).regressed(0.0));
        assert!(!pair(0.7, Change::Indistinguishable).regressed(10.0));
        assert!(!pair(1.3, Change::Faster).regressed(10.0));
    }

    #[test]
    fn the_table_says_the_verdict_and_the_change() {
        let text = text(
            &[
                pair(0.7, Change::Slower),
                pair(1.0, Change::Indistinguishable),
            ],
            10.0,
        );
        assert!(
            text.contains("slower (-30.0%), beyond the 10% limit"),
            "{text}"
        );
        assert!(text.contains("indistinguishable [5 pairs]"), "{text}");
    }
}
