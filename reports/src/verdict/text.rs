//! Verdicts in words: a configuration's line for the terminal (folded
//! after the first names, or whole) and the rendering of a file's lines.

use std::fmt::Write as _;

use super::rank::{ConfigurationVerdict, Metric, Ranked, verdicts};
use crate::format::{Medium::Terminal, ratio};
use crate::model::ResultsFile;
use schema::Kind;

impl ConfigurationVerdict {
    /// The best implementation, if any passed.
    pub fn best(&self) -> Option<&Ranked> {
        self.ranked.first()
    }

    /// One line for the terminal with every ranked implementation: see
    /// [`ConfigurationVerdict::line_top`].
    pub fn line(&self) -> String {
        self.line_top(None)
    }

    /// Which of the ranked (after the fastest) are shown when at most
    /// `top` names are (the fastest counts as one; `None`: all): the first
    /// in ranking order, then the user's own queues and the baseline
    /// wherever they stand. The second value counts the rest, folded away.
    pub fn shown(&self, top: Option<usize>) -> (Vec<&Ranked>, usize) {
        let Some(top) = top else {
            return (self.ranked.iter().skip(1).collect(), 0);
        };
        let mut shown = Vec::new();
        let mut folded = 0;
        for (position, ranked) in self.ranked.iter().enumerate().skip(1) {
            if position < top.max(1) || ranked.own || ranked.baseline {
                shown.push(ranked);
            } else {
                folded += 1;
            }
        }
        (shown, folded)
    }

    /// One line for the terminal: the fastest, those indistinguishable from
    /// it, then the rest with their ratio and interval, then the marks.
    /// With `top`, at most that many names (the user's own queues and the
    /// baseline always), the rest counted as folded; marks of what is
    /// folded are left out with it.
    pub fn line_top(&self, top: Option<usize>) -> String {
        let mut line = format!("{}: ", self.label);
        let Some(best) = self.best() else {
            line.push_str("nothing passed");
            self.push_unranked(&mut line);
            return line;
        };
        let _ = write!(line, "{} {}", best.name(), self.value(best.value));
        let (shown, folded) = self.shown(top);
        let (tied, behind): (Vec<&Ranked>, Vec<&Ranked>) =
            shown.iter().partition(|ranked| ranked.indistinguishable);
        for ranked in tied {
            let _ = write!(line, " ~ {}", self.versus(ranked));
        }
        if !behind.is_empty() {
            let others: Vec<String> = behind.iter().map(|r| self.versus(r)).collect();
            let _ = write!(line, " > {}", others.join(", "));
        }
        if folded > 0 {
            let _ = write!(line, " (+{folded} more: --full)");
        }
        self.push_unranked(&mut line);
        let mut marks: Vec<String> = Vec::new();
        if self.oversubscribed {
            marks.push("OVERSUBSCRIBED".to_owned());
        }
        marks.extend(self.conditions.iter().cloned());
        for ranked in std::iter::once(best).chain(shown) {
            for mark in ranked.marks() {
                marks.push(format!("{} {mark}", ranked.implementation));
            }
        }
        if !marks.is_empty() {
            let _ = write!(line, "  [{}]", marks.join("; "));
        }
        line
    }

    fn push_unranked(&self, line: &mut String) {
        if !self.unranked.is_empty() {
            let items: Vec<String> = self
                .unranked
                .iter()
                .map(|(name, verdict)| format!("{name} {verdict}"))
                .collect();
            let _ = write!(line, "; not ranked: {}", items.join(", "));
        }
    }

    /// A figure in its unit.
    pub fn value(&self, value: f64) -> String {
        match self.metric {
            Metric::Throughput => format!("{:.1} M/s", value / 1e6),
            Metric::LatencyP99 => format!("p99 {}", crate::format::nanoseconds(value)),
        }
    }

    /// `name 0.93x (0.90-0.97)`.
    pub fn versus(&self, ranked: &Ranked) -> String {
        let interval = match ranked.interval {
            Some((low, high)) => format!(" ({low:.2}–{high:.2})"),
            None if self.metric == Metric::Throughput => {
                format!(" ({} paired rounds: no interval)", ranked.paired_rounds)
            }
            None => {
                return format!(
                    "{} {} the best's p99",
                    ranked.name(),
                    ratio(Some(ranked.ratio), Terminal)
                );
            }
        };
        format!(
            "{} {}{interval}",
            ranked.name(),
            ratio(Some(ranked.ratio), Terminal)
        )
    }
}

/// What the verdict lines say, for the line above them.
pub const LEGEND: &str = "per configuration: the fastest (by median, unless another's median per-round ratio to it is above 1); `~` those this run could not tell from it (the 95% interval of their per-round ratio to it reaches 1); `>` then the rest, each as its per-round ratio to the fastest (median, 95% bootstrap interval); harness-bound: within 20% of the base case, the harness's own ceiling";

/// Names a terminal verdict line shows by default (`--top`); the rest are
/// folded away (`--full` shows them).
pub const TOP: usize = 6;

/// The verdicts of `file` as terminal lines, with a heading and legend,
/// every ranked implementation named.
pub fn render(file: &ResultsFile) -> String {
    render_top(file, None)
}

/// The verdicts of `file` as terminal lines, at most `top` names a line
/// (see [`ConfigurationVerdict::line_top`]; `None`: all).
pub fn render_top(file: &ResultsFile, top: Option<usize>) -> String {
    let mut out = String::new();
    let verdicts = verdicts(file);
    let _ = writeln!(
        out,
        "\nverdicts · {} ({}) · {}",
        file.scenario.name, file.scenario.topology, LEGEND
    );
    if file.scenario.kind == Kind::Latency {
        let _ = writeln!(
            out,
            "  ranked by p99 one-way latency (lower first), pooled over runs: no per-round figure, so no interval"
        );
    }
    if !file.scenario.left_out.is_empty() {
        let names: Vec<&str> = file
            .scenario
            .left_out
            .iter()
            .map(|left| left.name.as_str())
            .collect();
        let _ = writeln!(
            out,
            "  left out by \"all\" (cannot run this scenario; the report gives each reason): {}",
            names.join(", ")
        );
    }
    for verdict in &verdicts {
        let _ = writeln!(out, "  {}", verdict.line_top(top));
    }
    out
}
