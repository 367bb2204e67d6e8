//! The charts: PNG through plotters' bitmap backend and SVG through its SVG
//! backend, from the same drawing code.
//!
//! Text is drawn with DejaVu Sans compiled into the binary and registered
//! with plotters' `ab_glyph` font table, so no system font library is
//! needed. Only summaries whose verdict is `pass` or `pass (count only)`
//! are drawn.
//!
//! This file holds what the page asks for (which charts, their captions,
//! the summaries they may plot); `canvas` the drawing tools, `figures` the
//! three kinds of figure, `groups` drawing a group and a comparison.

use std::path::Path;

use crate::ReportError;
use crate::compare::Comparison;
use crate::format::si;
use crate::layout::{Group, Plan};
use crate::model::{BASE, Configuration, IntervalKind, ResultsFile, Summary};

mod canvas;
mod figures;
mod groups;
mod rank;

/// What a chart shows, so the page can place it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ChartKind {
    /// Throughput against the group's x axis: the leaders, the baseline
    /// and the user's own queues.
    Throughput { file: usize, group: usize },
    /// The same with every implementation (drawn only when the focused
    /// chart leaves some out).
    ThroughputAll { file: usize, group: usize },
    /// Ratio to the baseline as bars: the same focus.
    Ratio { file: usize, group: usize },
    /// The same with every implementation.
    RatioAll { file: usize, group: usize },
    /// One configuration's implementations ranked, a row each.
    Rank { file: usize, configuration: usize },
    /// A figure per message (CPU time or a counter).
    PerMessage {
        file: usize,
        group: usize,
        name: String,
    },
    /// Latency percentiles at one configuration.
    Latency { file: usize, configuration: usize },
    /// Change of each matched ratio between two files.
    Change { comparison: usize },
}

/// One chart written into the report folder.
#[derive(Clone, Debug)]
pub(crate) struct Chart {
    pub(crate) kind: ChartKind,
    /// PNG file name, relative to the report folder.
    pub(crate) png: String,
    /// SVG file name, when written.
    pub(crate) svg: Option<String>,
    /// A sentence under the chart: what the marks and intervals are.
    pub(crate) caption: String,
}

/// Every chart of a report.
#[derive(Clone, Debug, Default)]
pub(crate) struct Charts {
    pub(crate) list: Vec<Chart>,
    /// Per-message figures left undrawn because every value was zero:
    /// (file, group, name).
    pub(crate) zero: Vec<(usize, usize, String)>,
}

impl Charts {
    pub(crate) fn find(&self, kind: &ChartKind) -> Option<&Chart> {
        self.list.iter().find(|chart| chart.kind == *kind)
    }

    pub(crate) fn per_message(&self, file: usize, group: usize) -> Vec<&Chart> {
        self.list
            .iter()
            .filter(|chart| {
                matches!(&chart.kind, ChartKind::PerMessage { file: f, group: g, .. }
                    if *f == file && *g == group)
            })
            .collect()
    }
}

/// The legend name of an implementation in a file.
pub(crate) fn display_name(file: &ResultsFile, implementation: &str) -> String {
    let emulated = file.is_fanout()
        && file
            .implementation(implementation)
            .is_some_and(|i| i.fanout_emulated);
    if implementation == BASE {
        "base (harness cost)".to_owned()
    } else if emulated {
        format!("{implementation} (emulated)")
    } else {
        implementation.to_owned()
    }
}

/// The summaries of a group that may be drawn, by implementation, in the
/// file's implementation order.
fn plottable<'a>(file: &'a ResultsFile, group: &Group) -> Vec<(String, Vec<(usize, &'a Summary)>)> {
    let mut by_implementation: Vec<(String, Vec<(usize, &Summary)>)> = Vec::new();
    for &(category, index) in &group.points {
        for summary in &file.configurations[index].summary {
            if !summary.plottable() {
                continue;
            }
            match by_implementation
                .iter_mut()
                .find(|(name, _)| *name == summary.implementation)
            {
                Some((_, list)) => list.push((category, summary)),
                None => by_implementation
                    .push((summary.implementation.clone(), vec![(category, summary)])),
            }
        }
    }
    let order = |name: &str| {
        file.scenario
            .implementations
            .iter()
            .position(|n| n == name)
            .unwrap_or(usize::MAX)
    };
    by_implementation.sort_by_key(|(name, _)| order(name));
    by_implementation
}

fn kinds_used(kinds: &[IntervalKind]) -> &'static str {
    let bootstrap = kinds.contains(&IntervalKind::Bootstrap);
    let min_max = kinds.contains(&IntervalKind::MinMax);
    match (bootstrap, min_max) {
        (true, true) => {
            "95% bootstrap intervals where recorded, min–max over passed runs elsewhere"
        }
        (true, false) => "95% bootstrap intervals",
        _ => "min–max over passed measured runs (no bootstrap interval recorded)",
    }
}

/// Draws every chart of the report into `dir`.
pub(crate) fn draw_all(
    results: &[ResultsFile],
    plan: &Plan,
    comparisons: &[Comparison],
    dir: &Path,
    svg: bool,
) -> Result<Charts, ReportError> {
    canvas::register().map_err(|message| ReportError::Chart {
        path: dir.to_owned(),
        message,
    })?;
    let mut charts = Charts::default();
    for (index, comparison) in comparisons.iter().enumerate() {
        if let Some(chart) = groups::draw_change(results, comparison, index, plan, dir, svg)? {
            charts.list.push(chart);
        }
    }
    for (file_index, file) in results.iter().enumerate() {
        for (group_index, group) in plan.groups[file_index].iter().enumerate() {
            groups::draw_group(
                file,
                file_index,
                group,
                group_index,
                plan,
                groups::Out { dir, svg },
                &mut charts,
            )?;
        }
        if file.scenario.kind == schema::Kind::Throughput {
            for verdict in crate::verdict::verdicts(file) {
                if let Some(chart) = draw_rank(file, file_index, &verdict, dir, svg)? {
                    charts.list.push(chart);
                }
            }
        }
        for (index, configuration) in file.configurations.iter().enumerate() {
            let curves = latency_curves(file, &configuration.summary, plan);
            if curves.is_empty() {
                continue;
            }
            let figure = figures::LatencyFigure {
                title: format!(
                    "latency · {} · P{} C{} · {} B · batch {}{}",
                    file.scenario.topology,
                    configuration.producers,
                    configuration.consumers,
                    configuration.payload,
                    configuration.batch,
                    configuration
                        .rate
                        .map_or_else(String::new, |rate| format!(" · offered {}/s", si(rate)))
                ),
                curves,
            };
            charts.list.push(canvas::save(
                &figure,
                dir,
                &format!("latency-{file_index}-{index}"),
                svg,
                ChartKind::Latency {
                    file: file_index,
                    configuration: index,
                },
                "Latency percentiles (HdrHistogram style): solid lines are corrected for coordinated omission where the run had an offered rate (measured from the intended send time); dashed lines are service time (from the actual send time). Round trips are plain.".to_owned(),
            )?);
        }
    }
    Ok(charts)
}

fn latency_curves(file: &ResultsFile, summaries: &[Summary], plan: &Plan) -> Vec<figures::Curve> {
    let mut curves = Vec::new();
    for summary in summaries.iter().filter(|s| verdict_ok(s)) {
        let Some(latency) = &summary.latency else {
            continue;
        };
        let colour = canvas::colour(plan.colour(&summary.implementation));
        let name = display_name(file, &summary.implementation);
        let valid = |points: &[(f64, f64)]| -> Vec<(f64, f64)> {
            points
                .iter()
                .copied()
                .filter(|(p, v)| (0.0..=100.0).contains(p) && *v > 0.0)
                .collect()
        };
        let points = valid(&latency.percentiles_ns);
        if !points.is_empty() {
            let kind = if latency.is_round_trip() {
                "round trip"
            } else {
                "one-way"
            };
            curves.push(figures::Curve {
                name: format!("{name} ({kind})"),
                colour,
                dashed: false,
                points,
            });
        }
        let service = valid(&latency.service_time_percentiles_ns);
        if !service.is_empty() {
            curves.push(figures::Curve {
                name: format!("{name} (service)"),
                colour,
                dashed: true,
                points: service,
            });
        }
    }
    curves
}

/// The ranked dot plot of one configuration, in the verdict's order; none
/// when nothing passed there.
fn draw_rank(
    file: &ResultsFile,
    file_index: usize,
    verdict: &crate::verdict::ConfigurationVerdict,
    dir: &Path,
    svg: bool,
) -> Result<Option<Chart>, ReportError> {
    let configuration = &file.configurations[verdict.index];
    let rows: Vec<rank::RankRow> = verdict
        .ranked
        .iter()
        .filter_map(|ranked| {
            let summary = configuration
                .summary
                .iter()
                .find(|s| s.implementation == ranked.implementation)?;
            let median = summary.median.filter(|m| *m > 0.0)?;
            let ((low, high), _) = summary
                .throughput_interval()
                .unwrap_or(((median, median), IntervalKind::MinMax));
            Some(rank::RankRow {
                name: display_name(file, &ranked.implementation),
                family: file.family(&ranked.implementation),
                median,
                low: low.min(median).max(median * 1e-3),
                high: high.max(median),
                baseline: ranked.baseline,
            })
        })
        .collect();
    if rows.is_empty() {
        return Ok(None);
    }
    let not_drawn: Vec<&str> = verdict
        .unranked
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    let figure = rank::RankFigure {
        title: format!("{} · {}", file.scenario.topology, verdict.label),
        x_title: "throughput (messages/s, log scale)".to_owned(),
        rows,
        base: verdict.base,
    };
    let chart = canvas::save(
        &figure,
        dir,
        &format!("rank-{file_index}-{}", verdict.index),
        svg,
        ChartKind::Rank {
            file: file_index,
            configuration: verdict.index,
        },
        format!(
            "Every implementation that passed, in the verdict's order (fastest on top): the mark is the median throughput, the line its interval (95% bootstrap where recorded, else min–max over passed runs). Marks by family: circle ringlab's designs, square Rust crates, triangle originals, diamond your own queues (on a yellow band); the dashed line is the base case, the harness's own ceiling.{}",
            if not_drawn.is_empty() {
                String::new()
            } else {
                format!(" Not drawn (did not pass): {}.", not_drawn.join(", "))
            }
        ),
    )?;
    Ok(Some(chart))
}

fn verdict_ok(summary: &Summary) -> bool {
    summary.verdict.passes()
}

/// The caption's note on ticks marked `*`, from what the file records:
/// threads that outnumbered cores ran unpinned, and busy-spinning waits ran
/// as another strategy unless they were kept on request. Empty when no
/// configuration of the group was oversubscribed.
fn oversubscription_note(file: &ResultsFile, group: &Group) -> String {
    let oversubscribed: Vec<&Configuration> = group
        .points
        .iter()
        .map(|&(_, index)| &file.configurations[index])
        .filter(|configuration| configuration.oversubscribed)
        .collect();
    if oversubscribed.is_empty() {
        return String::new();
    }
    let mut fallbacks: Vec<String> = Vec::new();
    for configuration in &oversubscribed {
        if configuration.wait != configuration.requested_wait {
            let fallback = format!(
                "{} waits fell back to {}",
                configuration.requested_wait, configuration.wait
            );
            if !fallbacks.contains(&fallback) {
                fallbacks.push(fallback);
            }
        }
    }
    let waits = if !fallbacks.is_empty() {
        format!("; {}", fallbacks.join(", "))
    } else if file.scenario.allow_spin_oversubscribed {
        "; busy-spinning was kept on request".to_owned()
    } else {
        String::new()
    };
    format!(" * oversubscribed: threads outnumber cores and ran unpinned{waits}.")
}

#[cfg(test)]
mod tests {
    use super::canvas::segments;

    #[test]
    fn lines_break_where_a_category_has_no_point() {
        let point = |category: usize| (category, category as f64 + 1.0, 0.0, 0.0);
        // No point at category 2: two lines, not one across it.
        assert_eq!(
            segments(&[point(0), point(1), point(3), point(4)]),
            [vec![(0, 1.0), (1, 2.0)], vec![(3, 4.0), (4, 5.0)]]
        );
        // A point alone between two gaps is a line of one (a dot only).
        assert_eq!(
            segments(&[point(0), point(2), point(4), point(5)]),
            [vec![(0, 1.0)], vec![(2, 3.0)], vec![(4, 5.0), (5, 6.0)]]
        );
        assert_eq!(
            segments(&[point(1), point(2), point(3)]),
            [vec![(1, 2.0), (2, 3.0), (3, 4.0)]]
        );
        assert!(segments(&[]).is_empty());
    }
}
