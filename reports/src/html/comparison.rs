//! Files side by side: the comparison of each later file with the first.

use std::fmt::Write;

use super::figure;
use super::setup::commit;
use crate::charts::{ChartKind, Charts};
use crate::compare::{self, Comparison, Flag, Row};
use crate::format::Medium::Page;
use crate::format::{escape, millions, ratio, ratio_interval};
use crate::model::{IntervalKind, ResultsFile};

pub(super) fn comparison_section(
    out: &mut String,
    results: &[ResultsFile],
    comparisons: &[Comparison],
    charts: &Charts,
) {
    let _ = writeln!(
        out,
        "<h2 id=\"comparison\">Comparison</h2>\n<p><b>Rule.</b> {}</p>",
        escape(compare::RULE)
    );
    for (comparison_index, comparison) in comparisons.iter().enumerate() {
        let before = &results[comparison.before];
        let after = &results[comparison.after];
        let count = |flag: Flag| comparison.rows.iter().filter(|r| r.flag == flag).count();
        let _ = writeln!(
            out,
            "<h3>{} (commit {}, {}) → {} (commit {}, {})</h3>\n{}<p class=\"{}\"><b>{} regression(s), {} improvement(s)</b>, {} within intervals, {} not compared, {} unmatched.</p>",
            escape(&before.stem()),
            escape(&commit(before)),
            escape(
                before
                    .provenance
                    .cpu_model
                    .as_deref()
                    .unwrap_or("unknown CPU")
            ),
            escape(&after.stem()),
            escape(&commit(after)),
            escape(
                after
                    .provenance
                    .cpu_model
                    .as_deref()
                    .unwrap_or("unknown CPU")
            ),
            like_for_like(comparison),
            if count(Flag::Regression) > 0 {
                "alert"
            } else {
                "ok"
            },
            count(Flag::Regression),
            count(Flag::Improvement),
            count(Flag::Unchanged),
            count(Flag::NotCompared),
            comparison.unmatched.len(),
        );
        let flagged: Vec<&Row> = comparison
            .rows
            .iter()
            .filter(|row| matches!(row.flag, Flag::Regression | Flag::Improvement))
            .collect();
        if comparison.rows.iter().any(|row| {
            row.intervals
                .is_some_and(|i| i.kind == IntervalKind::MinMax)
        }) {
            let _ = writeln!(
                out,
                "<p class=\"muted\">Some pairs are compared on per-round min–max intervals (no bootstrap interval recorded): with few rounds these are narrow, and a flag from them is weaker evidence than one from 95% confidence intervals. Rerun with more repetitions to confirm.</p>"
            );
        }
        if let Some(chart) = charts.find(&ChartKind::Change {
            comparison: comparison_index,
        }) {
            figure(out, chart);
        }
        if !flagged.is_empty() {
            let _ = writeln!(out, "<p><b>Flagged:</b></p>");
            comparison_table(out, &flagged);
        }
        let all: Vec<&Row> = comparison.rows.iter().collect();
        let _ = writeln!(
            out,
            "<details{}><summary>All {} matched configurations and implementations</summary>",
            if flagged.is_empty() { " open" } else { "" },
            all.len()
        );
        comparison_table(out, &all);
        let _ = writeln!(out, "</details>");
        if !comparison.unmatched.is_empty() {
            let _ = writeln!(
                out,
                "<p class=\"muted\">Not matched (in one file only):</p><ul class=\"muted\">"
            );
            for line in &comparison.unmatched {
                let _ = writeln!(out, "<li>{}</li>", escape(line));
            }
            let _ = writeln!(out, "</ul>");
        }
    }
}

/// A line saying why the compared files may not be like for like; empty
/// when nothing is known to differ.
fn like_for_like(comparison: &Comparison) -> String {
    if comparison.warnings.is_empty() {
        return String::new();
    }
    format!(
        "<p class=\"alert\"><b>May not be like for like:</b> {}. Figures can differ for these reasons as well as for the code; read the flags with that in mind.</p>\n",
        escape(&comparison.warnings.join("; "))
    )
}

fn comparison_table(out: &mut String, rows: &[&Row]) {
    let _ = writeln!(
        out,
        "<table>\n<tr><th>configuration</th><th>implementation</th><th>median M/s before → after</th><th>ratio before</th><th>ratio after</th><th>interval compared</th><th>finding</th></tr>"
    );
    for row in rows {
        let class = match row.flag {
            Flag::Regression => " class=\"regression\"",
            Flag::Improvement => " class=\"improvement\"",
            _ => "",
        };
        let (before_interval, after_interval, kind) = row.intervals.map_or_else(
            || {
                (
                    Page.missing().to_owned(),
                    Page.missing().to_owned(),
                    Page.missing(),
                )
            },
            |intervals| {
                (
                    ratio_interval(Some(intervals.before), Page),
                    ratio_interval(Some(intervals.after), Page),
                    intervals.kind.label(),
                )
            },
        );
        let finding = if row.note.is_empty() {
            row.flag.label().to_owned()
        } else {
            format!("{} ({})", row.flag.label(), row.note)
        };
        let _ = writeln!(
            out,
            "<tr{class}><td>{}</td><td>{}</td><td class=\"num\">{} → {}</td><td class=\"num\">{} [{}]</td><td class=\"num\">{} [{}]</td><td>{}</td><td><b>{}</b></td></tr>",
            escape(&row.configuration),
            escape(&row.implementation),
            millions(row.before.median, Page),
            millions(row.after.median, Page),
            ratio(row.before.ratio_to_baseline, Page),
            escape(&before_interval),
            ratio(row.after.ratio_to_baseline, Page),
            escape(&after_interval),
            escape(kind),
            escape(&finding),
        );
    }
    let _ = writeln!(out, "</table>");
}
