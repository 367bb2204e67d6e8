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

use crate::model::{Configuration, IntervalKind, ResultsFile, Summary};

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

/// The matching key of a configuration.
fn key(topology: &str, configuration: &Configuration) -> String {
    format!(
        "{topology} · P{} C{} · capacity {} · {} B · batch {} · wait {} · consume {}{}",
        configuration.producers,
        configuration.consumers,
        configuration.capacity,
        configuration.payload,
        configuration.batch,
        configuration.wait_key(),
        configuration.consume_mode(),
        configuration
            .rate
            .map_or_else(String::new, |rate| format!(" · rate {rate}/s")),
    )
}

/// Compares every later file with the first.
pub fn compare_all(results: &[ResultsFile]) -> Vec<Comparison> {
    (1..results.len())
        .map(|after| compare(&results[0], 0, &results[after], after))
        .collect()
}

fn entries(file: &ResultsFile) -> Vec<(String, &Summary)> {
    file.configurations
        .iter()
        .flat_map(|configuration| {
            let key = key(&file.scenario.topology, configuration);
            configuration
                .summary
                .iter()
                .map(move |summary| (key.clone(), summary))
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
    for (key, after) in &after_entries {
        let Some((_, before)) = before_entries
            .iter()
            .find(|(k, s)| k == key && s.implementation == after.implementation)
        else {
            unmatched.push(format!(
                "{key} · {} (only in {})",
                after.implementation,
                later.stem()
            ));
            continue;
        };
        rows.push(judge(
            key,
            before,
            after,
            same_baseline,
            &reference.scenario.baseline,
        ));
    }
    for (key, before) in &before_entries {
        if !after_entries
            .iter()
            .any(|(k, s)| k == key && s.implementation == before.implementation)
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
fn differences(reference: &ResultsFile, later: &ResultsFile) -> Vec<String> {
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
