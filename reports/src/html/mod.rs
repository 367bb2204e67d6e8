//! The page: hand-written HTML with inline CSS, every text escaped, charts
//! referenced by relative paths. This file holds the page's frame and its
//! sections; `setup` what each file was measured on, `tables` a
//! configuration's table, `comparison` files side by side.

mod comparison;
mod setup;
mod tables;

use std::fmt::Write;

use crate::Options;
use crate::charts::{ChartKind, Charts};
use crate::compare::Comparison;
use crate::format::Medium::Page;
use crate::format::escape;
use crate::layout::{Group, Plan};
use crate::model::ResultsFile;
use crate::verdict::{ConfigurationVerdict, Ranked};
use schema::{Consume, Kind};

const STYLE: &str = "
body { font-family: 'DejaVu Sans', Verdana, Arial, sans-serif; margin: 24px auto; max-width: 1400px; padding: 0 16px; color: #1b1b1b; line-height: 1.45; }
h1 { margin-bottom: 4px; }
h2 { border-bottom: 2px solid #ddd; padding-bottom: 4px; margin-top: 40px; }
h3 { margin-top: 28px; }
h4 { margin: 22px 0 6px; color: #333; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; display: block; overflow-x: auto; max-width: 100%; }
th, td { border: 1px solid #d4d4d4; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.counters { min-width: 280px; font-size: 13px; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.bad td { background: #fde2e2; }
tr.regression td { background: #fde2e2; }
tr.improvement td { background: #e1f5e1; }
.howto { background: #f6f8fa; border: 1px solid #d8dee4; padding: 8px 18px; border-radius: 6px; }
.alert { background: #fde2e2; border: 1px solid #e0a0a0; padding: 8px 14px; border-radius: 6px; }
.ok { background: #e8f5e8; border: 1px solid #a8d8a8; padding: 8px 14px; border-radius: 6px; }
figure { margin: 10px 0 18px; }
figure img { max-width: 100%; border: 1px solid #e4e4e4; }
figcaption { font-size: 13px; color: #444; max-width: 1100px; }
.small { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 0 16px; }
.small figure { margin: 6px 0 12px; }
.muted { color: #666; font-size: 13px; }
code { background: #f2f2f2; padding: 0 3px; }
.own { background: #fff3c4; font-weight: bold; }
tr.own td { background: #fff8dc; }
details summary { cursor: pointer; color: #0550ae; }
";

/// The whole page.
pub(crate) fn page(
    results: &[ResultsFile],
    plan: &Plan,
    charts: &Charts,
    comparisons: &[Comparison],
    options: &Options,
) -> String {
    let title = options.title.clone().unwrap_or_else(|| {
        let names: Vec<String> = results
            .iter()
            .map(|r| format!("{} ({})", r.scenario.name, r.stem()))
            .collect();
        format!("ringlab report: {}", names.join(" vs "))
    });
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(&title),
        escape(&title)
    );
    let _ = writeln!(
        out,
        "<p class=\"muted\">Results files:</p><ol class=\"muted\">"
    );
    for (index, file) in results.iter().enumerate() {
        let _ = writeln!(
            out,
            "<li><a href=\"#file-{index}\">{}</a> — {} · {} · commit {}</li>",
            escape(&file.path.display().to_string()),
            escape(&file.scenario.name),
            escape(file.scenario.topology.name()),
            escape(&setup::commit(file)),
        );
    }
    let _ = writeln!(out, "</ol>");
    verdict_section(&mut out, results, plan);
    how_to_read(&mut out, results);
    overview(&mut out, results);
    if !comparisons.is_empty() {
        comparison::comparison_section(&mut out, results, comparisons, charts);
    }
    fairness(&mut out, results);
    for (index, file) in results.iter().enumerate() {
        file_section(&mut out, index, file, plan, charts);
    }
    let _ = writeln!(
        out,
        "<h2>Files</h2>\n<p>Every configuration's figures: <a href=\"figures.csv\">figures.csv</a> (one row per file, configuration and implementation; throughputs in messages per second, latencies in ns; a row that did not pass keeps its verdict and leaves its figures empty). Every chart is a PNG with an SVG of the same drawing beside it. Chart text is set in DejaVu Sans, bundled with the generator (Bitstream Vera license).</p>\n</body>\n</html>"
    );
    out
}

/// The verdicts of every file, first on the page: per configuration the
/// ranking, who is indistinguishable from the fastest, and the marks, each
/// row linked to the configuration's charts and table.
fn verdict_section(out: &mut String, results: &[ResultsFile], plan: &Plan) {
    let _ = writeln!(
        out,
        "<h2 id=\"verdicts\">Verdicts</h2>\n<p>Per configuration: the fastest (by median, unless another's median per-round ratio to it is above 1); those this run could not tell from it (the 95% bootstrap interval of their per-round ratio to it reaches 1, or fewer than {} paired rounds); then the rest, each with its per-round ratio to the fastest (median and 95% bootstrap interval). The first {} names of a row stay in view, and your own queues (<span class=\"own\">marked</span>) and the baseline wherever they stand; the rest fold away under <i>N more</i>. <b>harness-bound</b>: within 20% of the base case, the harness's own ceiling, so the harness may be what limits it. Runs that did not pass are never ranked.</p>",
        crate::verdict::MIN_ROUNDS,
        crate::verdict::TOP
    );
    for (file_index, file) in results.iter().enumerate() {
        if results.len() > 1 {
            let _ = writeln!(
                out,
                "<h3>{}. {} ({})</h3>",
                file_index + 1,
                escape(&file.scenario.name),
                escape(&file.stem())
            );
        }
        if file.scenario.kind == Kind::Latency {
            let _ = writeln!(
                out,
                "<p class=\"muted\">Ranked by p99 one-way latency (lower first), pooled over runs: the results keep no per-round percentile, so these rankings have no interval.</p>"
            );
        }
        let _ = writeln!(
            out,
            "<table>\n<tr><th>configuration</th><th>fastest</th><th>indistinguishable here</th><th>then (ratio to the fastest, 95% CI)</th><th>marks</th></tr>"
        );
        for verdict in crate::verdict::verdicts(file) {
            verdict_row(out, file_index, &verdict, plan);
        }
        let _ = writeln!(out, "</table>");
    }
}

/// One row of the verdict table: the configuration with its links, the
/// fastest, the indistinguishable, the rest (folded after the first
/// names) and the marks.
fn verdict_row(out: &mut String, file_index: usize, verdict: &ConfigurationVerdict, plan: &Plan) {
    let links = verdict_links(file_index, verdict, plan);
    let (tied, behind): (Vec<_>, Vec<_>) = verdict
        .ranked
        .iter()
        .skip(1)
        .partition(|ranked| ranked.indistinguishable);
    let (shown, _) = verdict.shown(Some(crate::verdict::TOP));
    let marks = verdict_marks(verdict);
    let bad =
        !verdict.unranked.is_empty() || verdict.ranked.iter().any(|r| r.passed.0 < r.passed.1);
    let _ = writeln!(
        out,
        "<tr{}><td>{}<br><span class=\"muted\">{links}</span></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        if bad { " class=\"bad\"" } else { "" },
        escape(&verdict.label),
        verdict.best().map_or_else(
            || "nothing passed".to_owned(),
            |best| own_marked(
                escape(&format!("{} {}", best.name(), verdict.value(best.value))),
                best.own
            )
        ),
        ranked_cell(verdict, &tied, &shown),
        ranked_cell(verdict, &behind, &shown),
        if marks.is_empty() {
            Page.missing().to_owned()
        } else {
            escape(&marks.join("; "))
        },
    );
}

/// The links of a verdict row: to the configuration's group of charts
/// (when it is in one), its ranked plot and its table.
fn verdict_links(file_index: usize, verdict: &ConfigurationVerdict, plan: &Plan) -> String {
    let group = plan.groups[file_index]
        .iter()
        .position(|group| group.points.iter().any(|&(_, c)| c == verdict.index));
    format!(
        "{}<a href=\"#rank-{file_index}-{index}\">ranked</a> · <a href=\"#cfg-{file_index}-{index}\">table</a>",
        group.map_or_else(String::new, |g| format!(
            "<a href=\"#charts-{file_index}-{g}\">charts</a> · "
        )),
        index = verdict.index
    )
}

/// Escaped text about an implementation, highlighted when it is one of
/// the user's own queues.
fn own_marked(text: String, own: bool) -> String {
    if own {
        format!("<span class=\"own\">{text}</span>")
    } else {
        text
    }
}

/// A cell of ranked implementations, each against the fastest: those of
/// `shown` (the first names in ranking order, the user's own queues and
/// the baseline) stay in view, the rest fold away.
fn ranked_cell(verdict: &ConfigurationVerdict, items: &[&Ranked], shown: &[&Ranked]) -> String {
    if items.is_empty() {
        return Page.missing().to_owned();
    }
    let item = |ranked: &Ranked| own_marked(escape(&verdict.versus(ranked)), ranked.own);
    let (visible, folded): (Vec<&&Ranked>, Vec<_>) = items.iter().partition(|ranked| {
        shown
            .iter()
            .any(|s| s.implementation == ranked.implementation)
    });
    let mut cell = visible
        .iter()
        .map(|ranked| item(ranked))
        .collect::<Vec<_>>()
        .join("<br>");
    if !folded.is_empty() {
        let _ = write!(
            cell,
            "<details><summary>{} more</summary>{}</details>",
            folded.len(),
            folded
                .iter()
                .map(|ranked| item(ranked))
                .collect::<Vec<_>>()
                .join("<br>")
        );
    }
    cell
}

/// What limits a configuration's figures, in words: oversubscription, the
/// conditions of the run, each implementation's marks, and those not
/// ranked.
fn verdict_marks(verdict: &ConfigurationVerdict) -> Vec<String> {
    let mut marks: Vec<String> = Vec::new();
    if verdict.oversubscribed {
        marks.push("oversubscribed".to_owned());
    }
    marks.extend(verdict.conditions.iter().cloned());
    for ranked in &verdict.ranked {
        for mark in ranked.marks() {
            marks.push(format!("{}: {mark}", ranked.implementation));
        }
    }
    for (name, outcome) in &verdict.unranked {
        marks.push(format!("{name}: {outcome}, not ranked"));
    }
    marks
}

fn how_to_read(out: &mut String, results: &[ResultsFile]) {
    let baselines: Vec<String> = {
        let mut names: Vec<String> = results
            .iter()
            .map(|r| r.scenario.baseline.clone())
            .collect();
        names.dedup();
        names
    };
    let _ = writeln!(
        out,
        "<div class=\"howto\">\n<h2 style=\"border:0;margin-top:8px\">How to read this report</h2>\n<ul>\n\
<li><b>Throughput</b> is in <b>messages per second</b> (M/s in tables: millions per second), counting each published message once; a fan-out run delivers it to every consumer. The figure shown is the <b>median</b> over the measured repetitions that passed the correctness oracle.</li>\n\
<li><b>Ratios</b> (×) compare an implementation with the baseline ({}) measured <b>side by side</b>: implementations run interleaved in rounds (A B C, A B C, …), each round's throughput is divided by the baseline's throughput in the same round, and the ratio shown is the <b>median of those per-round ratios</b>. Above 1× is faster than the baseline.</li>\n\
<li><b>Intervals</b> are 95% bootstrap confidence intervals where the results file has them (the <i>95% CI</i> columns), otherwise the lowest and highest value over the passed measured runs or rounds (marked <i>min–max</i> in the cell). Each chart caption says which one it shows.</li>\n\
<li><b>Oracle</b>: every run is checked for lost, duplicated, corrupted and out-of-order messages. <i>pass N/M</i>: N of M measured runs passed. <i>pass (count only)</i>: the run's consumers did not read payloads, so only counts were checked. Only <i>pass</i> and <i>pass (count only)</i> figures are plotted; failed, crashed and timed-out runs are listed, never plotted.</li>\n\
<li><b>CPU time per message</b> (where measured) is the CPU time of all run threads divided by messages: a spinning implementation pays for the core it burns here. <b>Counters per message</b> appear only where the machine could read them; unavailable counters are said to be unavailable, never shown as 0.</li>\n\
<li><b>Consumer share</b> (work-sharing): the smallest and the largest share of the deliveries one consumer made (median over passed runs); an even split of two consumers reads 50–50%.</li>\n\
<li><b>OVERSUBSCRIBED</b> configurations have more threads than cores: threads are unpinned and busy-spinning waits become spin-then-yield.</li>\n\
</ul>\n</div>",
        escape(&baselines.join(", "))
    );
}

fn overview(out: &mut String, results: &[ResultsFile]) {
    let failed: usize = results
        .iter()
        .flat_map(|r| &r.configurations)
        .flat_map(|c| &c.runs)
        .filter(|run| run.outcome.failed())
        .count();
    if failed > 0 {
        let _ = writeln!(
            out,
            "<p class=\"alert\"><b>{failed} run(s) did not pass</b> the oracle, crashed or timed out. They are listed under each file's <i>Runs that did not pass</i> and left out of every chart.</p>"
        );
    } else {
        let _ = writeln!(
            out,
            "<p class=\"ok\">Every run in these files passed the oracle.</p>"
        );
    }
}

fn fairness(out: &mut String, results: &[ResultsFile]) {
    let discard = results
        .iter()
        .flat_map(|file| &file.configurations)
        .any(|configuration| configuration.consume == Consume::Discard);
    // Discard runs do not read what they take, so the rule must say so.
    let work = if discard {
        "Producers write every word of the message. In <i>read</i> configurations consumers read every word, fold it into a checksum and check per-producer order. In <i>discard</i> configurations (count only) consumers take each message off the queue unread and only the number delivered is checked, so their figures leave out the reading: they are charted apart from read runs and never compared with them. The bookkeeping"
    } else {
        "Producers write every word of the message; consumers read every word, fold it into a checksum and check per-producer order. That bookkeeping"
    };
    let _ = writeln!(
        out,
        "<h2>Fair comparison rules</h2>\n<ol>\n\
<li><b>Same work per message.</b> {work} is the oracle's, identical for every implementation, with no assertion in the measured loop.</li>\n\
<li><b>Matched batch semantics.</b> Batch size is a scenario axis: a producer publishes <i>batch</i> messages per call and a consumer takes at most <i>batch</i> per call. Rings publish a batch with one synchronisation; channels loop single sends; the <code>*_vec</code> variants send one <code>Vec</code> per batch. All are shown.</li>\n\
<li><b>Matched guarantees.</b> Each implementation is labelled with its ordering guarantee and its wait class (table per file), and CPU time per message is shown next to throughput where measured.</li>\n\
<li><b>Work-sharing and fan-out are different scenarios</b> and never share a chart or a table.</li>\n\
<li><b>Same run, interleaved.</b> Competitors run in the same invocation, interleaved per round after warm-up, and ratios are taken per round against the baseline run of the same round. Figures from elsewhere are never mixed in.</li>\n\
</ol>"
    );
}

/// A file's section: its heading, provenance, implementations and runs
/// that did not pass, its charts, and a table per configuration.
fn file_section(out: &mut String, index: usize, file: &ResultsFile, plan: &Plan, charts: &Charts) {
    let _ = writeln!(
        out,
        "<h2 id=\"file-{index}\">{}. {} · {} <span class=\"muted\">({})</span></h2>\n<p>{}</p>",
        index + 1,
        escape(&file.scenario.name),
        escape(file.scenario.topology.name()),
        escape(&file.stem()),
        escape(&file.scenario.description)
    );
    setup::provenance(out, file);
    setup::implementations(out, file);
    setup::failures(out, file);

    let _ = writeln!(out, "<h3>Charts</h3>");
    if plan.groups[index].is_empty() {
        let _ = writeln!(out, "<p>No configurations in this file.</p>");
    }
    for (group_index, group) in plan.groups[index].iter().enumerate() {
        group_charts(out, index, group_index, group, charts);
    }
    rank_section(out, index, file, charts);
    latency_section(out, index, file, charts);

    let _ = writeln!(out, "<h3>Figures per configuration</h3>");
    for (configuration_index, configuration) in file.configurations.iter().enumerate() {
        tables::configuration_table(out, file, index, configuration_index, configuration);
    }
}

/// The charts of one group of a file: throughput and ratio (each with a
/// link to its chart of every implementation), the per-message figures
/// that were zero throughout, and the per-message charts.
fn group_charts(
    out: &mut String,
    index: usize,
    group_index: usize,
    group: &Group,
    charts: &Charts,
) {
    let _ = writeln!(
        out,
        "<h4 id=\"charts-{index}-{group_index}\">{}</h4>",
        escape(&group.title)
    );
    let throughput = charts.find(&ChartKind::Throughput {
        file: index,
        group: group_index,
    });
    if throughput.is_none() {
        let _ = writeln!(
            out,
            "<p>Nothing to plot: no implementation passed at these configurations.</p>"
        );
    }
    let all_throughput = charts.find(&ChartKind::ThroughputAll {
        file: index,
        group: group_index,
    });
    let all_ratio = charts.find(&ChartKind::RatioAll {
        file: index,
        group: group_index,
    });
    for (chart, all) in [
        (throughput, all_throughput),
        (
            charts.find(&ChartKind::Ratio {
                file: index,
                group: group_index,
            }),
            all_ratio,
        ),
    ] {
        if let Some(chart) = chart {
            figure(out, chart);
        }
        if let Some(all) = all {
            let svg = all.svg.as_ref().map_or_else(String::new, |svg| {
                format!(" · <a href=\"{}\">SVG</a>", escape(svg))
            });
            let _ = writeln!(
                out,
                "<p class=\"muted\">Every implementation on one chart: <a href=\"{}\">PNG</a>{svg}</p>",
                escape(&all.png)
            );
        }
    }
    let zero: Vec<&str> = charts
        .zero
        .iter()
        .filter(|(f, g, _)| *f == index && *g == group_index)
        .map(|(_, _, name)| name.as_str())
        .collect();
    if !zero.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"muted\">Zero per message for every implementation here (not charted): {}.</p>",
            escape(&zero.join(", "))
        );
    }
    let small = charts.per_message(index, group_index);
    if !small.is_empty() {
        let _ = writeln!(out, "<div class=\"small\">");
        for chart in small {
            figure(out, chart);
        }
        let _ = writeln!(out, "</div>");
    }
}

/// The latency charts of a file, one per configuration that has one.
fn latency_section(out: &mut String, index: usize, file: &ResultsFile, charts: &Charts) {
    for (configuration_index, configuration) in file.configurations.iter().enumerate() {
        if let Some(chart) = charts.find(&ChartKind::Latency {
            file: index,
            configuration: configuration_index,
        }) {
            let _ = writeln!(
                out,
                "<h4>Latency · {}</h4>",
                escape(&configuration.heading(file.scenario.topology))
            );
            figure(out, chart);
        }
    }
}

/// The ranked dot plots of a file, one per configuration, in a grid.
fn rank_section(out: &mut String, index: usize, file: &ResultsFile, charts: &Charts) {
    let ranks: Vec<(usize, &crate::charts::Chart)> = (0..file.configurations.len())
        .filter_map(|configuration| {
            charts
                .find(&ChartKind::Rank {
                    file: index,
                    configuration,
                })
                .map(|chart| (configuration, chart))
        })
        .collect();
    if !ranks.is_empty() {
        let _ = writeln!(
            out,
            "<h3>Ranked, per configuration</h3>\n<div class=\"small\">"
        );
        for (configuration, chart) in ranks {
            let _ = writeln!(out, "<div id=\"rank-{index}-{configuration}\">");
            figure(out, chart);
            let _ = writeln!(out, "</div>");
        }
        let _ = writeln!(out, "</div>");
    }
}

fn figure(out: &mut String, chart: &crate::charts::Chart) {
    let svg = chart.svg.as_ref().map_or_else(String::new, |svg| {
        format!(" <a href=\"{}\">SVG</a>", escape(svg))
    });
    let _ = writeln!(
        out,
        "<figure><a href=\"{png}\"><img src=\"{png}\" alt=\"{alt}\"></a><figcaption>{caption}{svg}</figcaption></figure>",
        png = escape(&chart.png),
        alt = escape(&chart.caption),
        caption = escape(&chart.caption),
    );
}
