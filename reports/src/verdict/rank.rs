//! The ranking behind a verdict: per configuration, the candidates that
//! passed, the fastest chosen by paired comparison, and every other one's
//! per-round ratio to it with its interval and marks (see [`super`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use schema::{ConfigurationKey, Consume, Kind, Topology};

use crate::model::{BASE, Configuration, Family, Label, ResultsFile, Summary};
use crate::stats::{median, median_ci, widen};

/// A figure at or above this fraction of the base case's throughput is
/// marked harness-bound (within 20% of the harness's own ceiling).
pub const HARNESS_BOUND: f64 = 0.8;

/// Paired rounds needed before an interval can separate two
/// implementations.
pub const MIN_ROUNDS: usize = 3;

/// What a configuration is ranked by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Median throughput, higher is better.
    Throughput,
    /// p99 one-way latency of the pooled histogram, lower is better.
    LatencyP99,
}

/// One ranked implementation.
#[derive(Clone, Debug)]
pub struct Ranked {
    /// Implementation name.
    pub implementation: String,
    /// Its median throughput (messages per second) or p99 latency (ns).
    pub value: f64,
    /// Against the fastest: the median per-round ratio of throughputs
    /// (at most about 1), or for latency its p99 over the best's (at
    /// least 1). The fastest has 1.
    pub ratio: f64,
    /// The 95% bootstrap interval of `ratio`, when there were enough paired
    /// rounds.
    pub interval: Option<(f64, f64)>,
    /// Rounds in which both this implementation and the fastest passed.
    pub paired_rounds: usize,
    /// Whether the run could not tell it from the fastest (the fastest
    /// itself included).
    pub indistinguishable: bool,
    /// Within 20% of the base case's throughput.
    pub harness_bound: bool,
    /// Measured runs that passed, and measured runs.
    pub passed: (u32, u32),
    /// The consumer did not read the messages (`pass (count only)`).
    pub count_only: bool,
    /// With runs in several layouts: the lowest and highest of the
    /// layouts' median ratios to the fastest. `interval` already covers it.
    pub layout_range: Option<(f64, f64)>,
    /// The queue is unbounded (its record says so).
    pub unbounded: bool,
    /// One of the user's own queues (never folded away, marked `(own)`).
    pub own: bool,
    /// The scenario's baseline (never folded away).
    pub baseline: bool,
}

impl Ranked {
    /// Its name as verdicts show it: the user's own queues marked.
    pub fn name(&self) -> String {
        if self.own {
            format!("{} (own)", self.implementation)
        } else {
            self.implementation.clone()
        }
    }

    /// Whether its place beside the fastest depends on the layout: in
    /// some layout it was behind the fastest, in another ahead.
    pub fn layout_sensitive(&self) -> bool {
        self.layout_range
            .is_some_and(|(low, high)| low < 1.0 && high > 1.0)
    }
}

impl Ranked {
    /// The marks of this figure, in words.
    pub fn marks(&self) -> Vec<String> {
        let mut marks = Vec::new();
        if self.harness_bound {
            marks.push("harness-bound".to_owned());
        }
        if self.unbounded {
            marks.push("unbounded".to_owned());
        }
        if self.passed.0 < self.passed.1 {
            marks.push(format!("{}/{} passed", self.passed.0, self.passed.1));
        }
        if self.count_only {
            marks.push("count only".to_owned());
        }
        if self.layout_sensitive()
            && let Some((low, high)) = self.layout_range
        {
            marks.push(format!(
                "layout-sensitive ({low:.2}-{high:.2}x over layouts)"
            ));
        }
        marks
    }
}

/// The verdict of one configuration.
#[derive(Clone, Debug)]
pub struct ConfigurationVerdict {
    /// Index of the configuration in the file.
    pub index: usize,
    /// What identifies the configuration across files (atlas rows and
    /// comparisons match on it, never on the label).
    pub key: ConfigurationKey,
    /// The configuration in a few words (no topology).
    pub label: String,
    /// What it is ranked by.
    pub metric: Metric,
    /// Passed implementations, best first.
    pub ranked: Vec<Ranked>,
    /// Implementations left out of the ranking, with their verdict.
    pub unranked: Vec<(String, Label)>,
    /// Threads outnumbered cores.
    pub oversubscribed: bool,
    /// What else weakens every figure of the configuration, in words
    /// (unstable placement, a loaded machine).
    pub conditions: Vec<String>,
    /// The base case's median throughput, when it ran and passed.
    pub base: Option<f64>,
}

/// The configuration in a few words: threads, capacity, payload, batch,
/// wait, and the settings that differ from the defaults.
pub fn label(configuration: &Configuration) -> String {
    let mut text = format!(
        "P{} C{} · cap {} · {} B · batch {}{} · {}",
        configuration.producers,
        configuration.consumers,
        configuration.capacity,
        configuration.payload,
        configuration.batch,
        configuration
            .requested_batch
            .map_or_else(String::new, |asked| format!(" (asked {asked})")),
        configuration.requested_wait,
    );
    if configuration.consume != Consume::Read {
        let _ = write!(text, " · consume {}", configuration.consume);
    }
    if let Some(rate) = configuration.rate {
        let _ = write!(text, " · rate {}/s", crate::format::si(rate));
    }
    text
}

/// What a file says of every configuration's conditions.
struct FileContext {
    /// The scenario's topology.
    topology: Topology,
    latency: bool,
    /// The 1-minute load average when the run started.
    load: Option<f64>,
    /// Logical cores.
    cores: usize,
    /// Implementations recorded as unbounded.
    unbounded: Vec<String>,
    /// The user's own queues.
    own: Vec<String>,
    /// The scenario's baseline.
    baseline: String,
}

/// The verdict of every configuration of `file`.
pub fn verdicts(file: &ResultsFile) -> Vec<ConfigurationVerdict> {
    let context = FileContext {
        topology: file.scenario.topology,
        latency: file.scenario.kind == Kind::Latency,
        load: file
            .provenance
            .load_average_at_start
            .map(|[one_minute, ..]| one_minute),
        cores: file.provenance.logical_cores,
        unbounded: file
            .implementations
            .iter()
            .filter(|implementation| !implementation.bounded)
            .map(|implementation| implementation.name.clone())
            .collect(),
        own: file
            .implementations
            .iter()
            .filter(|implementation| implementation.family == Family::Own)
            .map(|implementation| implementation.name.clone())
            .collect(),
        baseline: file.scenario.baseline.clone(),
    };
    file.configurations
        .iter()
        .enumerate()
        .map(|(index, configuration)| verdict(index, configuration, &context))
        .collect()
}

/// The configuration's conditions that weaken every figure in it.
fn conditions(configuration: &Configuration, context: &FileContext) -> Vec<String> {
    let mut conditions = Vec::new();
    if configuration
        .floor
        .as_ref()
        .is_some_and(|floor| floor.unstable)
    {
        conditions.push("UNSTABLE PLACEMENT (the round trip moved more than 2x)".to_owned());
    }
    let threads = configuration.producers + configuration.consumers;
    let free = context.cores.saturating_sub(threads) as f64;
    if let Some(load) = context.load
        && context.cores > 0
        && load >= free + 1.0
    {
        conditions.push(format!(
            "LOADED (load {load:.1} at start on {} cores, {threads} run threads)",
            context.cores
        ));
    }
    conditions
}

/// Per-round ratios of `own` over `lead`, in the rounds both passed.
fn paired_ratios(own: &[(u32, f64)], lead: &[(u32, f64)]) -> Vec<(u32, f64)> {
    own.iter()
        .filter_map(|&(round, value)| {
            lead.iter()
                .find(|&&(r, _)| r == round)
                .filter(|&&(_, best)| best > 0.0)
                .map(|&(_, best)| (round, value / best))
        })
        .collect()
}

/// An implementation's summary with the figure it is ranked by.
type Candidate<'a> = (&'a Summary, f64);

/// The leader by the paired comparison the ratios use: from the fastest by
/// median (`candidates[0]`), move to the candidate whose median per-round
/// ratio to the current leader is highest and above 1, until none is; each
/// candidate leads at most once, so close rivals that beat each other in
/// a circle stop the search where it is.
fn paired_leader(configuration: &Configuration, candidates: &[Candidate<'_>]) -> usize {
    let rounds_of: Vec<Vec<(u32, f64)>> = candidates
        .iter()
        .map(|(summary, _)| rounds(configuration, &summary.implementation))
        .collect();
    let mut leader = 0;
    let mut led = vec![false; candidates.len()];
    loop {
        led[leader] = true;
        let ahead = rounds_of
            .iter()
            .enumerate()
            .filter(|&(index, _)| index != leader)
            .filter_map(|(index, own)| {
                let ratios: Vec<f64> = paired_ratios(own, &rounds_of[leader])
                    .into_iter()
                    .map(|(_, ratio)| ratio)
                    .collect();
                if ratios.len() < MIN_ROUNDS {
                    return None;
                }
                median(&ratios)
                    .filter(|&ratio| ratio > 1.0)
                    .map(|ratio| (index, ratio))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match ahead {
            Some((index, _)) if !led[index] => leader = index,
            _ => return leader,
        }
    }
}

/// Passed measured throughputs of `implementation`, by round.
pub(crate) fn rounds(configuration: &Configuration, implementation: &str) -> Vec<(u32, f64)> {
    configuration
        .runs
        .iter()
        .filter(|run| run.implementation == implementation && !run.warmup && run.outcome.passed())
        .filter_map(|run| run.throughput.map(|value| (run.round, value)))
        .collect()
}

/// The verdict of one configuration: its implementations ranked against
/// the fastest, those left out, and what weakens every figure.
fn verdict(
    index: usize,
    configuration: &Configuration,
    context: &FileContext,
) -> ConfigurationVerdict {
    let metric = if context.latency {
        Metric::LatencyP99
    } else {
        Metric::Throughput
    };
    let base = configuration
        .summary
        .iter()
        .find(|s| s.implementation == BASE && s.plottable())
        .and_then(|s| s.median);
    let (candidates, unranked) = candidates(configuration, metric);
    let fastest = Fastest::new(configuration, context, metric, base, &candidates);
    let mut ranked: Vec<Ranked> = candidates
        .iter()
        .enumerate()
        .map(|(position, (summary, value))| fastest.ranked(position, summary, *value))
        .collect();
    order_behind_fastest(&mut ranked, metric);
    ConfigurationVerdict {
        index,
        key: configuration.key(context.topology),
        label: label(configuration),
        metric,
        ranked,
        unranked,
        oversubscribed: configuration.oversubscribed,
        conditions: conditions(configuration, context),
        base,
    }
}

/// The implementations of a configuration that can be ranked, each with
/// its figure, fastest first (for throughput, the leader by the paired
/// comparison), and those that cannot, with their verdict. The base case
/// is in neither.
fn candidates(
    configuration: &Configuration,
    metric: Metric,
) -> (Vec<Candidate<'_>>, Vec<(String, Label)>) {
    let mut unranked = Vec::new();
    let mut candidates: Vec<Candidate<'_>> = Vec::new();
    for summary in configuration
        .summary
        .iter()
        .filter(|s| s.implementation != BASE)
    {
        let value = match metric {
            Metric::Throughput => summary.median,
            Metric::LatencyP99 => summary.latency_at(99.0),
        };
        match value {
            Some(value) if summary.verdict.passes() && value.is_finite() => {
                candidates.push((summary, value));
            }
            _ => unranked.push((summary.implementation.clone(), summary.verdict)),
        }
    }
    candidates.sort_by(|a, b| match metric {
        Metric::Throughput => b.1.total_cmp(&a.1),
        Metric::LatencyP99 => a.1.total_cmp(&b.1),
    });
    if metric == Metric::Throughput && !candidates.is_empty() {
        let leader = paired_leader(configuration, &candidates);
        let lead = candidates.remove(leader);
        candidates.insert(0, lead);
    }
    (candidates, unranked)
}

/// What every implementation of a configuration is set against: the
/// fastest's rounds and figure, the base case's median, and the layout
/// each round ran in.
struct Fastest<'a> {
    configuration: &'a Configuration,
    context: &'a FileContext,
    metric: Metric,
    /// The base case's median throughput, when it ran and passed.
    base: Option<f64>,
    /// The fastest's passed measured throughputs, by round.
    rounds: Vec<(u32, f64)>,
    /// The fastest's figure.
    value: Option<f64>,
    /// The layout of each round that records one.
    layouts: BTreeMap<u32, u32>,
}

impl<'a> Fastest<'a> {
    /// The fastest of `candidates` (the first) in `configuration`.
    fn new(
        configuration: &'a Configuration,
        context: &'a FileContext,
        metric: Metric,
        base: Option<f64>,
        candidates: &[Candidate<'_>],
    ) -> Self {
        Fastest {
            configuration,
            context,
            metric,
            base,
            rounds: candidates
                .first()
                .map(|(summary, _)| rounds(configuration, &summary.implementation))
                .unwrap_or_default(),
            value: candidates.first().map(|c| c.1),
            layouts: configuration
                .runs
                .iter()
                .filter_map(|run| run.layout.map(|layout| (run.round, layout)))
                .collect(),
        }
    }

    /// The implementation of `summary`, whose figure is `value`, set
    /// against the fastest; `position` is its place in the ranking order
    /// (0: the fastest itself).
    fn ranked(&self, position: usize, summary: &Summary, value: f64) -> Ranked {
        let metric = self.metric;
        let mut ranked = Ranked {
            implementation: summary.implementation.clone(),
            value,
            ratio: 1.0,
            interval: None,
            paired_rounds: self.rounds.len(),
            indistinguishable: true,
            harness_bound: metric == Metric::Throughput
                && self.base.is_some_and(|base| value >= HARNESS_BOUND * base),
            passed: (summary.passed_runs, summary.measured_runs),
            count_only: summary.verdict == Label::PassCountOnly,
            layout_range: None,
            unbounded: self.context.unbounded.contains(&summary.implementation),
            own: self.context.own.contains(&summary.implementation),
            baseline: summary.implementation == self.context.baseline,
        };
        if position == 0 {
            if metric == Metric::Throughput && self.rounds.len() >= MIN_ROUNDS {
                ranked.interval = Some((1.0, 1.0));
            }
            return ranked;
        }
        match metric {
            Metric::Throughput => {
                let own = rounds(self.configuration, &summary.implementation);
                let paired = paired_ratios(&own, &self.rounds);
                let ratios: Vec<f64> = paired.iter().map(|&(_, ratio)| ratio).collect();
                ranked.paired_rounds = ratios.len();
                ranked.layout_range = layout_range(&self.layouts, &paired);
                // Without paired rounds (an old file without rounds),
                // the ratio of the medians, with no interval.
                ranked.ratio = median(&ratios)
                    .unwrap_or_else(|| self.value.map_or(f64::NAN, |best| value / best));
                if ratios.len() >= MIN_ROUNDS {
                    ranked.interval = widen(median_ci(&ratios), ranked.layout_range);
                    ranked.indistinguishable = ranked.interval.is_some_and(|(_, high)| high >= 1.0);
                }
            }
            Metric::LatencyP99 => {
                ranked.ratio = self.value.map_or(f64::NAN, |best| value / best);
                ranked.paired_rounds = 0;
                ranked.indistinguishable = false;
            }
        }
        ranked
    }
}

/// Orders all but the fastest, which stays first, by the ratio shown (the
/// median of per-round ratios can order two close implementations
/// differently from their median throughputs).
fn order_behind_fastest(ranked: &mut [Ranked], metric: Metric) {
    if ranked.len() > 2 {
        ranked[1..].sort_by(|a, b| match metric {
            Metric::Throughput => b.ratio.total_cmp(&a.ratio),
            Metric::LatencyP99 => a.ratio.total_cmp(&b.ratio),
        });
    }
}

/// With runs in several layouts (`layouts`: round to layout), the lowest
/// and highest of the layouts' median ratios over `paired` (round, ratio).
fn layout_range(layouts: &BTreeMap<u32, u32>, paired: &[(u32, f64)]) -> Option<(f64, f64)> {
    let mut by_layout: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
    for &(round, ratio) in paired {
        if let Some(&layout) = layouts.get(&round) {
            by_layout.entry(layout).or_default().push(ratio);
        }
    }
    if by_layout.len() < 2 {
        return None;
    }
    let medians: Vec<f64> = by_layout
        .values()
        .filter_map(|ratios| median(ratios))
        .collect();
    crate::stats::min_max(&medians)
}
