//! Comparing results files: which configurations moved beyond their
//! intervals.
//!
//! The first file is the reference; every later file is compared with it.
//! Configurations are matched by (topology, producers, consumers, capacity,
//! payload, batch, requested wait, consume mode, offered rate,
//! implementation); a file without a consume mode always read. A matched
//! pair is compared on its ratio to the baseline (each file's ratio was
//! measured against the baseline run side by side in the same rounds, so
//! ratios from two machines or two commits can be set against each other
//! where raw throughputs cannot):
//!
//! - the interval of each ratio is its 95% bootstrap interval (`ratio_ci`)
//!   when both files have one, and otherwise the per-round min-max of both;
//! - the pair is a **regression** when the later interval lies wholly below
//!   the reference interval, an **improvement** when it lies wholly above,
//!   and unchanged when the intervals overlap;
//! - pairs are not compared when either verdict is not a pass, when the two
//!   files have different baselines, or for the baseline itself (its ratio
//!   is 1 by construction).
//!
//! A comparison also says when the files may not be like for like: one is
//! a `--quick` run and the other not, they ran different message counts or
//! build profiles, or either was built from a tree with uncommitted
//! changes. Flags are still given; the reader decides what they are worth.

use crate::format::{Medium::Terminal, ratio};
use crate::model::{Configuration, IntervalKind, ResultsFile, Summary};
use crate::stats::{BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, bootstrap_ratio_of_medians_ci};
use schema::ConfigurationKey;

/// The rule, in words, for the page.
pub const RULE: &str = "The first file is the reference; each later file is compared with it. \
Configurations are matched by topology, producers, consumers, capacity, payload, batch, \
requested wait strategy, consume mode (read where a file does not say), offered rate and implementation. A pair is compared on its median \
ratio to the baseline (measured side by side in the same rounds). Each ratio carries an \
interval: its 95% bootstrap interval when both files have one, otherwise the per-round \
min–max of both (the column says which). A pair is flagged as a regression when the later \
interval lies wholly below the reference interval, as an improvement when it lies wholly \
above it, and is unchanged when the two intervals overlap. Pairs where either run did not \
pass the oracle, where the files use different baselines, and the baseline itself (ratio 1 \
by construction) are not flagged.";

/// The outcome of comparing one matched pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flag {
    /// The later ratio's interval lies wholly below the reference's.
    Regression,
    /// The later ratio's interval lies wholly above the reference's.
    Improvement,
    /// The intervals overlap.
    Unchanged,
    /// The implementation is the baseline of both files.
    Baseline,
    /// Not comparable (a verdict, a missing ratio or different baselines).
    NotCompared,
}

impl Flag {
    /// Words for the page and the summary.
    pub fn label(self) -> &'static str {
        match self {
            Flag::Regression => "REGRESSION",
            Flag::Improvement => "improvement",
            Flag::Unchanged => "within intervals",
            Flag::Baseline => "baseline",
            Flag::NotCompared => "not compared",
        }
    }
}

/// The two ratio intervals a pair was judged on.
#[derive(Clone, Copy, Debug)]
pub struct Intervals {
    /// The reference file's interval.
    pub before: (f64, f64),
    /// The later file's interval.
    pub after: (f64, f64),
    /// Whether both are bootstrap intervals or both per-round min-max.
    pub kind: IntervalKind,
}

/// One matched configuration and implementation.
#[derive(Clone, Debug)]
pub struct Row {
    /// The configuration in words.
    pub configuration: String,
    /// Implementation name.
    pub implementation: String,
    /// Reference figures.
    pub before: Summary,
    /// Later figures.
    pub after: Summary,
    /// The intervals compared, when both ratios have one.
    pub intervals: Option<Intervals>,
    /// The later median ratio over the reference's (1.0 = unchanged).
    pub change: Option<f64>,
    /// The 95% bootstrap interval of `change`, resampling both files'
    /// per-round ratios.
    pub change_ci: Option<(f64, f64)>,
    /// The finding.
    pub flag: Flag,
    /// Why it was not compared, when it was not.
    pub note: String,
}

/// The comparison of one later file with the reference.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// Index of the reference file.
    pub before: usize,
    /// Index of the later file.
    pub after: usize,
    /// Matched pairs, in the later file's order.
    pub rows: Vec<Row>,
    /// Configurations and implementations found in only one of the files.
    pub unmatched: Vec<String>,
    /// Why the two files may not be like for like, in words.
    pub warnings: Vec<String>,
}

/// Compares every later file with the first.
pub fn compare_all(results: &[ResultsFile]) -> Vec<Comparison> {
    (1..results.len())
        .map(|after| compare(&results[0], 0, &results[after], after))
        .collect()
}

/// Every (configuration key, summary, per-round ratios to the baseline).
fn entries(file: &ResultsFile) -> Vec<(ConfigurationKey, &Summary, Vec<f64>)> {
    file.configurations
        .iter()
        .flat_map(|configuration| {
            let key = configuration.key(file.scenario.topology);
            configuration.summary.iter().map(move |summary| {
                (
                    key,
                    summary,
                    round_ratios(
                        configuration,
                        &summary.implementation,
                        &file.scenario.baseline,
                    ),
                )
            })
        })
        .collect()
}

/// The per-round ratios of `implementation` to `baseline`: in every measured
/// round where both passed, this one's throughput over the baseline's.
pub fn round_ratios(
    configuration: &Configuration,
    implementation: &str,
    baseline: &str,
) -> Vec<f64> {
    let base = crate::verdict::rounds(configuration, baseline);
    crate::verdict::rounds(configuration, implementation)
        .into_iter()
        .filter_map(|(round, value)| {
            base.iter()
                .find(|&&(r, b)| r == round && b > 0.0)
                .map(|&(_, b)| value / b)
        })
        .collect()
}

fn compare(
    reference: &ResultsFile,
    before_index: usize,
    later: &ResultsFile,
    after_index: usize,
) -> Comparison {
    let before_entries = entries(reference);
    let after_entries = entries(later);
    let same_baseline = reference.scenario.baseline == later.scenario.baseline;
    let mut rows = Vec::new();
    let mut unmatched = Vec::new();
    for (key, after, after_rounds) in &after_entries {
        let Some((_, before, before_rounds)) = before_entries
            .iter()
            .find(|(k, s, _)| k == key && s.implementation == after.implementation)
        else {
            unmatched.push(format!(
                "{key} · {} (only in {})",
                after.implementation,
                later.stem()
            ));
            continue;
        };
        let mut row = judge(
            &key.to_string(),
            before,
            after,
            same_baseline,
            &reference.scenario.baseline,
        );
        if matches!(
            row.flag,
            Flag::Regression | Flag::Improvement | Flag::Unchanged
        ) {
            row.change = before
                .ratio_to_baseline
                .zip(after.ratio_to_baseline)
                .filter(|&(before, _)| before > 0.0)
                .map(|(before, after)| after / before);
            row.change_ci = bootstrap_ratio_of_medians_ci(
                before_rounds,
                after_rounds,
                BOOTSTRAP_RESAMPLES,
                BOOTSTRAP_SEED,
            );
        }
        rows.push(row);
    }
    for (key, before, _) in &before_entries {
        if !after_entries
            .iter()
            .any(|(k, s, _)| k == key && s.implementation == before.implementation)
        {
            unmatched.push(format!(
                "{key} · {} (only in {})",
                before.implementation,
                reference.stem()
            ));
        }
    }
    Comparison {
        before: before_index,
        after: after_index,
        rows,
        unmatched,
        warnings: differences(reference, later),
    }
}

/// What differs between two files besides the code and could move their
/// figures as much: run length, build, and source that no commit names.
pub fn differences(reference: &ResultsFile, later: &ResultsFile) -> Vec<String> {
    let (before, after) = (reference.stem(), later.stem());
    let mut warnings = Vec::new();
    let (reference_scenario, later_scenario) = (&reference.scenario, &later.scenario);
    if reference_scenario.quick != later_scenario.quick {
        let kind = |quick: bool| if quick { "a --quick run" } else { "a full run" };
        warnings.push(format!(
            "{before} is {} and {after} {}",
            kind(reference_scenario.quick),
            kind(later_scenario.quick)
        ));
    }
    if reference_scenario.messages != later_scenario.messages {
        warnings.push(format!(
            "{before} ran {} messages per run and {after} {}",
            reference_scenario.messages, later_scenario.messages
        ));
    }
    let profile = |file: &ResultsFile| {
        if file.provenance.profile.is_empty() {
            "an unknown".to_owned()
        } else {
            format!("a {}", file.provenance.profile)
        }
    };
    if reference.provenance.profile != later.provenance.profile {
        warnings.push(format!(
            "{before} is from {} build and {after} from {} build",
            profile(reference),
            profile(later)
        ));
    }
    for file in [reference, later] {
        if file.provenance.git_dirty == Some(true) {
            warnings.push(format!(
                "{} was built from a tree with uncommitted changes, so its commit does not name the code that ran",
                file.stem()
            ));
        }
    }
    warnings
}

fn judge(
    configuration: &str,
    before: &Summary,
    after: &Summary,
    same_baseline: bool,
    baseline: &str,
) -> Row {
    let mut row = Row {
        configuration: configuration.to_owned(),
        implementation: after.implementation.clone(),
        before: before.clone(),
        after: after.clone(),
        intervals: None,
        change: None,
        change_ci: None,
        flag: Flag::NotCompared,
        note: String::new(),
    };
    if !same_baseline {
        row.note = "the files use different baselines".to_owned();
        return row;
    }
    if after.implementation == baseline {
        row.flag = Flag::Baseline;
        return row;
    }
    if !before.plottable() || !after.plottable() {
        row.note = format!("verdicts {} / {}", before.verdict, after.verdict);
        return row;
    }
    let intervals = match (before.ratio_ci, after.ratio_ci) {
        (Some(before), Some(after)) => Some(Intervals {
            before,
            after,
            kind: IntervalKind::Bootstrap,
        }),
        _ => before
            .ratio_min_max()
            .zip(after.ratio_min_max())
            .map(|(before, after)| Intervals {
                before,
                after,
                kind: IntervalKind::MinMax,
            }),
    };
    let Some(intervals) = intervals else {
        row.note = "no ratio interval".to_owned();
        return row;
    };
    row.intervals = Some(intervals);
    let (before_low, before_high) = intervals.before;
    let (after_low, after_high) = intervals.after;
    row.flag = if after_high < before_low {
        Flag::Regression
    } else if after_low > before_high {
        Flag::Improvement
    } else {
        Flag::Unchanged
    };
    row
}

/// Default of `--max-regression`: a regression must exceed 10% to fail
/// the gate.
pub const DEFAULT_MAX_REGRESSION_PCT: f64 = 10.0;

/// What a comparison means for a regression gate.
#[derive(Clone, Debug)]
pub struct Gate<'a> {
    /// Flagged regressions (the intervals do not overlap) whose median
    /// change is a larger loss than the allowed percentage.
    pub regressions: Vec<&'a Row>,
    /// Flagged regressions within the allowed percentage.
    pub tolerated: Vec<&'a Row>,
    /// Every configuration and implementation of the later file whose
    /// measured runs did not all pass the oracle, matched or not (a
    /// correctness failure fails the gate whatever the speed).
    pub failed: Vec<String>,
    /// Flagged improvements.
    pub improvements: Vec<&'a Row>,
}

impl Gate<'_> {
    /// Whether the gate lets the change through.
    pub fn passes(&self) -> bool {
        self.regressions.is_empty() && self.failed.is_empty()
    }
}

/// Whether every measured run of `summary` passed.
fn all_passed(summary: &Summary) -> bool {
    summary.verdict.passes() && summary.passed_runs >= summary.measured_runs
}

/// Judges `comparison` of `later` with its reference as a gate allowing
/// regressions up to `max_regression_pct` percent of the reference's ratio.
pub fn gate<'a>(
    later: &ResultsFile,
    comparison: &'a Comparison,
    max_regression_pct: f64,
) -> Gate<'a> {
    let floor = 1.0 - max_regression_pct / 100.0;
    let mut gate = Gate {
        regressions: Vec::new(),
        tolerated: Vec::new(),
        failed: Vec::new(),
        improvements: Vec::new(),
    };
    for (key, summary, _) in entries(later) {
        if !all_passed(summary) {
            gate.failed.push(format!(
                "{key} · {}: {} {}/{} runs passed",
                summary.implementation, summary.verdict, summary.passed_runs, summary.measured_runs
            ));
        }
    }
    for row in &comparison.rows {
        if !all_passed(&row.after) {
            continue;
        }
        match row.flag {
            Flag::Regression if row.change.is_some_and(|change| change < floor) => {
                gate.regressions.push(row);
            }
            Flag::Regression => gate.tolerated.push(row),
            Flag::Improvement => gate.improvements.push(row),
            _ => {}
        }
    }
    gate
}

/// Why two files cannot be gated against each other, if they cannot:
/// different scenarios, different baselines, or no configuration and
/// implementation in common.
pub fn gate_input_error(
    reference: &ResultsFile,
    later: &ResultsFile,
    comparison: &Comparison,
) -> Option<String> {
    let (before, after) = (reference.stem(), later.stem());
    if reference.scenario.name != later.scenario.name
        || reference.scenario.topology != later.scenario.topology
    {
        return Some(format!(
            "{before} is scenario {} ({}) and {after} is scenario {} ({}): compare two runs of the same scenario",
            reference.scenario.name,
            reference.scenario.topology,
            later.scenario.name,
            later.scenario.topology
        ));
    }
    if reference.scenario.baseline != later.scenario.baseline {
        return Some(format!(
            "{before} measured ratios against {} and {after} against {}: run both with the same baseline",
            reference.scenario.baseline, later.scenario.baseline
        ));
    }
    if comparison.rows.is_empty() {
        return Some(format!(
            "{before} and {after} have no configuration and implementation in common: run the same axes and implementations (--impls) in both"
        ));
    }
    None
}

fn percent(change: f64) -> String {
    let points = (change - 1.0) * 100.0;
    // No "-0.0%": a change that rounds to nothing reads +0.0%.
    format!("{:+.1}%", if points.abs() < 0.05 { 0.0 } else { points })
}

/// The comparison as terminal text: one line per pair, with the gate's
/// reading of it, and a closing count.
pub fn text(
    reference: &ResultsFile,
    later: &ResultsFile,
    comparison: &Comparison,
    max_regression_pct: f64,
) -> String {
    use std::fmt::Write as _;
    let gate = gate(later, comparison, max_regression_pct);
    let mut out = String::new();
    let commit = |file: &ResultsFile| {
        file.provenance
            .git_commit
            .as_deref()
            .map_or("unknown commit".to_owned(), |c| {
                format!("commit {}", &c[..c.len().min(10)])
            })
    };
    let _ = writeln!(
        out,
        "compare {} ({}) -> {} ({}) · scenario {} · ratios to {}",
        reference.stem(),
        commit(reference),
        later.stem(),
        commit(later),
        later.scenario.name,
        later.scenario.baseline
    );
    for warning in &comparison.warnings {
        let _ = writeln!(out, "warning: not like for like: {warning}");
    }
    let _ = writeln!(
        out,
        "  each pair: ratio to {} before -> after (95% CI), change of the median ratio (95% bootstrap CI over both files' rounds); REGRESSION when the intervals do not overlap and the loss exceeds {max_regression_pct}%",
        later.scenario.baseline
    );
    for row in &comparison.rows {
        let reading = gate_reading(row, &gate, max_regression_pct);
        let figures = pair_figures(row);
        let _ = writeln!(
            out,
            "  {} · {}: {figures}{reading}",
            row.configuration, row.implementation
        );
    }
    for unmatched in &comparison.unmatched {
        let _ = writeln!(out, "  unmatched: {unmatched}");
    }
    for failed in &gate.failed {
        let _ = writeln!(out, "  DID NOT PASS in {}: {failed}", later.stem());
    }
    let _ = writeln!(
        out,
        "{} pairs: {} regression(s) beyond {max_regression_pct}%, {} within it, {} did not pass the oracle, {} improvement(s); {}",
        comparison.rows.len(),
        gate.regressions.len(),
        gate.tolerated.len(),
        gate.failed.len(),
        gate.improvements.len(),
        if gate.passes() {
            "gate passed (exit 0)"
        } else {
            "GATE FAILED (exit 1)"
        }
    );
    out
}

/// What the gate makes of one pair: failed, a regression beyond the
/// allowance or within it, or the pair's flag with its note.
fn gate_reading(row: &Row, gate: &Gate<'_>, max_regression_pct: f64) -> String {
    if !all_passed(&row.after) {
        format!(
            "FAILED: {} {}/{} runs passed the oracle",
            row.after.verdict, row.after.passed_runs, row.after.measured_runs
        )
    } else if gate.regressions.iter().any(|r| std::ptr::eq(*r, row)) {
        "REGRESSION".to_owned()
    } else if gate.tolerated.iter().any(|r| std::ptr::eq(*r, row)) {
        format!("regression within {max_regression_pct}% (tolerated)")
    } else if row.note.is_empty() {
        row.flag.label().to_owned()
    } else {
        format!("{} ({})", row.flag.label(), row.note)
    }
}

/// A compared pair's ratios before and after with their intervals and the
/// change with its interval; empty for the baseline and for a pair
/// without both ratios.
fn pair_figures(row: &Row) -> String {
    let interval = |ci: Option<(f64, f64)>| {
        ci.map_or_else(String::new, |(low, high)| format!(" ({low:.2}–{high:.2})"))
    };
    match (row.before.ratio_to_baseline, row.after.ratio_to_baseline) {
        (Some(before), Some(after)) if row.flag != Flag::Baseline => {
            let intervals = row.intervals;
            format!(
                "{}{} -> {}{}{} ",
                ratio(Some(before), Terminal),
                interval(intervals.map(|i| i.before)),
                ratio(Some(after), Terminal),
                interval(intervals.map(|i| i.after)),
                row.change.map_or_else(String::new, |change| format!(
                    ": change {}{}",
                    percent(change),
                    row.change_ci
                        .map_or_else(String::new, |(low, high)| format!(
                            " ({} to {})",
                            percent(low),
                            percent(high)
                        ))
                )),
            )
        }
        _ => String::new(),
    }
}
