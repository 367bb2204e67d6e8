//! Drawing a group of configurations (throughput, ratio and per-message
//! charts) and the change between two files.

use std::path::Path;

use plotters::prelude::*;

use super::canvas::{PALETTE, Series, colour, save, segments};
use super::figures::{BarFigure, ThroughputFigure};
use super::{Chart, ChartKind, Charts, display_name, kinds_used, oversubscription_note, plottable};
use crate::ReportError;
use crate::columns;
use crate::compare::{Comparison, Flag};
use crate::layout::{Group, Plan};
use crate::model::{BASE, IntervalKind, ResultsFile, Summary};

/// The later ratio over the reference ratio for every compared pair, with
/// the interval quotient as whiskers: a whisker wholly below 1 is exactly a
/// flagged regression (the later interval lies below the reference one).
pub(super) fn draw_change(
    results: &[ResultsFile],
    comparison: &Comparison,
    index: usize,
    plan: &Plan,
    dir: &Path,
    svg: bool,
) -> Result<Option<Chart>, ReportError> {
    let rows: Vec<_> = comparison
        .rows
        .iter()
        .filter(|row| {
            matches!(
                row.flag,
                Flag::Regression | Flag::Improvement | Flag::Unchanged
            )
        })
        .filter_map(|row| {
            let before = row.before.ratio_to_baseline.filter(|r| *r > 0.0)?;
            let after = row.after.ratio_to_baseline.filter(|r| *r > 0.0)?;
            let intervals = row.intervals?;
            let (before_low, before_high) = intervals.before;
            let (after_low, after_high) = intervals.after;
            if before_low <= 0.0 || before_high <= 0.0 || after_low <= 0.0 {
                return None;
            }
            let change = after / before;
            let low = (after_low / before_high).min(change);
            let high = (after_high / before_low).max(change);
            Some((row, change, low, high))
        })
        .collect();
    if rows.is_empty() {
        return Ok(None);
    }
    // Short category names: the parts of the configuration that vary.
    let split: Vec<Vec<&str>> = rows
        .iter()
        .map(|(row, ..)| row.configuration.split(" · ").collect())
        .collect();
    let varying = |position: usize| {
        split
            .iter()
            .any(|parts| parts.get(position) != split[0].get(position))
    };
    let short = |parts: &Vec<&str>| {
        let kept: Vec<&str> = parts
            .iter()
            .enumerate()
            .filter(|(position, _)| varying(*position))
            .map(|(_, part)| *part)
            .collect();
        if kept.is_empty() {
            parts.get(1).copied().unwrap_or_default().to_owned()
        } else {
            kept.join(" ")
        }
    };
    let mut categories: Vec<String> = Vec::new();
    let mut series: Vec<Series> = Vec::new();
    let before = &results[comparison.before];
    for ((row, change, low, high), parts) in rows.iter().zip(&split) {
        let label = short(parts);
        let category = match categories.iter().position(|c| *c == label) {
            Some(position) => position,
            None => {
                categories.push(label);
                categories.len() - 1
            }
        };
        let name = display_name(before, &row.implementation);
        match series.iter_mut().find(|s| s.name == name) {
            Some(existing) => existing.points.push((category, *change, *low, *high)),
            None => series.push(Series {
                name,
                colour: colour(plan.colour(&row.implementation)),
                points: vec![(category, *change, *low, *high)],
            }),
        }
    }
    let after = &results[comparison.after];
    let figure = BarFigure {
        title: format!("ratio change · {} → {}", before.stem(), after.stem()),
        x_title: "configuration".to_owned(),
        y_title: "later ratio ÷ reference ratio (×, log scale)".to_owned(),
        categories,
        series,
        ratio: true,
    };
    let chart = save(
        &figure,
        dir,
        &format!("change-{index}"),
        svg,
        ChartKind::Change { comparison: index },
        "Bars: the later file's median ratio to the baseline divided by the reference file's (above 1×: relatively faster than before). Whiskers: the later interval divided by the reference interval (lowest ÷ highest to highest ÷ lowest); a whisker wholly below 1× is exactly a flagged regression, wholly above an improvement. Whiskers longer than the chart are cut at its edge.".to_owned(),
    )?;
    Ok(Some(chart))
}

/// Where charts are written.
#[derive(Clone, Copy)]
pub(super) struct Out<'a> {
    pub(super) dir: &'a Path,
    pub(super) svg: bool,
}

/// The implementations a group's figures focus on: the leaders (the
/// [`LEADERS`] fastest at any point of the axis), the baseline and the
/// user's own queues, in the file's order. Everything when that would
/// leave out no more than a few.
pub(super) fn focus(file: &ResultsFile, drawn: &[Drawn<'_>]) -> Vec<String> {
    if drawn.len() <= FOCUS_ALL {
        return drawn.iter().map(|(name, _)| name.clone()).collect();
    }
    let mut categories: Vec<usize> = drawn
        .iter()
        .flat_map(|(_, list)| list.iter().map(|(category, _)| *category))
        .collect();
    categories.sort_unstable();
    categories.dedup();
    let mut leaders: Vec<&str> = Vec::new();
    for category in categories {
        let mut here: Vec<(&str, f64)> = drawn
            .iter()
            .filter(|(name, _)| name != BASE)
            .filter_map(|(name, list)| {
                list.iter()
                    .find(|(c, _)| *c == category)
                    .and_then(|(_, summary)| summary.median)
                    .map(|median| (name.as_str(), median))
            })
            .collect();
        here.sort_by(|a, b| b.1.total_cmp(&a.1));
        leaders.extend(here.iter().take(LEADERS).map(|(name, _)| *name));
    }
    drawn
        .iter()
        .map(|(name, _)| name)
        .filter(|name| {
            leaders.contains(&name.as_str())
                || **name == file.scenario.baseline
                || file.is_own(name)
        })
        .cloned()
        .collect()
}

/// The fastest at each point that a focused chart keeps.
pub(super) const LEADERS: usize = 3;

/// Up to this many implementations, a chart shows them all.
const FOCUS_ALL: usize = 8;

type Drawn<'a> = (String, Vec<(usize, &'a Summary)>);

/// A series per implementation of `drawn`, from `point` (a summary's
/// median and interval, or none), coloured by `colour`.
fn series_of(
    file: &ResultsFile,
    drawn: &[&Drawn<'_>],
    colour: &dyn Fn(usize, &str) -> RGBColor,
    point: &dyn Fn(&Summary) -> Option<Point>,
    kinds: &mut Vec<IntervalKind>,
) -> Vec<Series> {
    drawn
        .iter()
        .enumerate()
        .map(|(index, (name, list))| Series {
            name: display_name(file, name) + if file.is_own(name) { " (own)" } else { "" },
            colour: colour(index, name),
            points: list
                .iter()
                .filter_map(|(category, summary)| {
                    let (value, (low, high), kind) = point(summary)?;
                    kinds.push(kind);
                    // A log axis cannot show zero or less.
                    Some((
                        *category,
                        value,
                        low.min(value).max(value * 1e-3),
                        high.max(value),
                    ))
                })
                .collect(),
        })
        .filter(|series| !series.points.is_empty())
        .collect()
}

/// A summary's figure, its interval and the interval's kind.
type Point = (f64, (f64, f64), IntervalKind);

fn throughput_point(summary: &Summary) -> Option<Point> {
    let median = summary.median.filter(|m| *m > 0.0)?;
    let (interval, kind) = summary
        .throughput_interval()
        .unwrap_or(((median, median), IntervalKind::MinMax));
    Some((median, interval, kind))
}

fn ratio_point(summary: &Summary) -> Option<Point> {
    let ratio = summary.ratio_to_baseline.filter(|r| *r > 0.0)?;
    let (interval, kind) = summary
        .ratio_interval()
        .unwrap_or(((ratio, ratio), IntervalKind::MinMax));
    Some((ratio, interval, kind))
}

/// One group's charts: where its figures come from and where they go.
#[derive(Clone, Copy)]
struct Target<'a> {
    file: &'a ResultsFile,
    file_index: usize,
    group: &'a Group,
    group_index: usize,
    out: Out<'a>,
}

impl Target<'_> {
    /// The file name of one of the group's charts.
    fn stem(&self, name: &str) -> String {
        format!("{name}-{}-{}", self.file_index, self.group_index)
    }

    /// The file stem and kind of the group's throughput chart (`ratio`
    /// false) or ratio chart, focused or of every implementation.
    fn chart(&self, ratio: bool, kind: Kind) -> (String, ChartKind) {
        let (file, group) = (self.file_index, self.group_index);
        match (ratio, kind) {
            (false, Kind::Focused) => (
                self.stem("throughput"),
                ChartKind::Throughput { file, group },
            ),
            (false, Kind::All) => (
                self.stem("throughput-all"),
                ChartKind::ThroughputAll { file, group },
            ),
            (true, Kind::Focused) => (self.stem("ratio"), ChartKind::Ratio { file, group }),
            (true, Kind::All) => (self.stem("ratio-all"), ChartKind::RatioAll { file, group }),
        }
    }
}

/// Which of a group's two throughput or ratio charts.
#[derive(Clone, Copy)]
enum Kind {
    Focused,
    All,
}

/// What a chart's caption says of the implementations it shows, when the
/// focus leaves some out (`focused` of `drawn`).
fn shown_note(kind: Kind, focused: usize, drawn: usize) -> String {
    if focused == drawn {
        return String::new();
    }
    match kind {
        Kind::Focused => format!(
            " Shown: the {LEADERS} fastest at each point, the baseline and your own queues ({focused} of {drawn}); every implementation: the chart linked below and the tables."
        ),
        Kind::All => format!(
            " Every implementation ({drawn}); colours repeat after {}, so the ranked plots and the tables tell them apart.",
            PALETTE.len()
        ),
    }
}

/// A colour per series: from the palette by position, so a few lines are
/// each apart from the rest; the user's own queues in black.
fn distinct(file: &ResultsFile, index: usize, name: &str) -> RGBColor {
    if file.is_own(name) {
        BLACK
    } else {
        colour(index)
    }
}

/// The throughput, ratio and per-message charts of a group: focused on
/// the leaders, the baseline and the user's own queues, with the
/// throughput and ratio charts of every implementation beside them when
/// the focus leaves some out.
pub(super) fn draw_group(
    file: &ResultsFile,
    file_index: usize,
    group: &Group,
    group_index: usize,
    plan: &Plan,
    out: Out<'_>,
    charts: &mut Charts,
) -> Result<(), ReportError> {
    let drawn = plottable(file, group);
    if drawn.is_empty() {
        return Ok(());
    }
    let target = Target {
        file,
        file_index,
        group,
        group_index,
        out,
    };
    let focused_names = focus(file, &drawn);
    let focused: Vec<&Drawn<'_>> = drawn
        .iter()
        .filter(|(name, _)| focused_names.contains(name))
        .collect();
    let everything: Vec<&Drawn<'_>> = drawn.iter().collect();
    let left_out = drawn.len() > focused.len();
    // The focused charts' colours by position in the focus, so the ratio
    // chart (which leaves the baseline out) keeps the throughput chart's.
    let focused_colour = |_: usize, name: &str| {
        distinct(
            file,
            focused.iter().position(|(n, _)| n == name).unwrap_or(0),
            name,
        )
    };
    let stable = |_: usize, name: &str| colour(plan.colour(name));
    let shown = |kind: Kind| shown_note(kind, focused.len(), drawn.len());
    charts.list.push(throughput_chart(
        target,
        &focused,
        Kind::Focused,
        &focused_colour,
        &shown(Kind::Focused),
    )?);
    if left_out {
        charts.list.push(throughput_chart(
            target,
            &everything,
            Kind::All,
            &stable,
            &shown(Kind::All),
        )?);
    }
    if let Some(chart) = ratio_chart(
        target,
        &focused,
        Kind::Focused,
        &focused_colour,
        &shown(Kind::Focused),
    )? {
        charts.list.push(chart);
    }
    if left_out
        && let Some(chart) =
            ratio_chart(target, &everything, Kind::All, &stable, &shown(Kind::All))?
    {
        charts.list.push(chart);
    }
    per_message(target, &focused, charts)
}

/// Throughput against the group's axis for `list`.
fn throughput_chart(
    target: Target<'_>,
    list: &[&Drawn<'_>],
    kind: Kind,
    colour: &dyn Fn(usize, &str) -> RGBColor,
    shown: &str,
) -> Result<Chart, ReportError> {
    let Target {
        file, group, out, ..
    } = target;
    let mut kinds = Vec::new();
    let series = series_of(file, list, colour, &throughput_point, &mut kinds);
    let gaps = if series.iter().any(|s| segments(&s.points).len() > 1) {
        " A line breaks where its implementation has no passed figure (see the runs that did not pass)."
    } else {
        ""
    };
    let figure = ThroughputFigure {
        title: format!("throughput · {}", group.title),
        x_title: group.x_axis.title().to_owned(),
        categories: group.categories.clone(),
        series,
    };
    let (stem, chart_kind) = target.chart(false, kind);
    save(
        &figure,
        out.dir,
        &stem,
        out.svg,
        chart_kind,
        format!(
            "Median throughput in messages per second (log scale); error bars: {}.{gaps}{shown}{}",
            kinds_used(&kinds),
            oversubscription_note(file, group)
        ),
    )
}

/// The ratio to the baseline as bars for `list` (the baseline itself is
/// the 1× line); none when no implementation of `list` has a ratio.
fn ratio_chart(
    target: Target<'_>,
    list: &[&Drawn<'_>],
    kind: Kind,
    colour: &dyn Fn(usize, &str) -> RGBColor,
    shown: &str,
) -> Result<Option<Chart>, ReportError> {
    let Target {
        file, group, out, ..
    } = target;
    let baseline = &file.scenario.baseline;
    let list: Vec<&Drawn<'_>> = list
        .iter()
        .copied()
        .filter(|(name, _)| name != baseline)
        .collect();
    let mut kinds = Vec::new();
    let series = series_of(file, &list, colour, &ratio_point, &mut kinds);
    if series.is_empty() {
        return Ok(None);
    }
    let figure = BarFigure {
        title: format!("ratio to {baseline} · {}", group.title),
        x_title: group.x_axis.title().to_owned(),
        y_title: format!("median per-round ratio to {baseline} (×, log scale)"),
        categories: group.categories.clone(),
        series,
        ratio: true,
    };
    let (stem, chart_kind) = target.chart(true, kind);
    let whiskers = match (
        kinds.contains(&IntervalKind::Bootstrap),
        kinds.contains(&IntervalKind::MinMax),
    ) {
        (true, true) => {
            "95% bootstrap interval (ratio_ci) where recorded, per-round min–max elsewhere"
        }
        (true, false) => "95% bootstrap interval of the median ratio (ratio_ci)",
        _ => "per-round min–max of the ratio (no ratio_ci recorded)",
    };
    save(
        &figure,
        out.dir,
        &stem,
        out.svg,
        chart_kind,
        format!(
            "Bars: median over rounds of throughput ÷ {baseline}'s throughput in the same round, drawn from the 1× line ({baseline} itself; above: faster than {baseline}, below: slower). Whiskers: {whiskers}.{shown}{}",
            oversubscription_note(file, group)
        ),
    )
    .map(Some)
}

/// The per-message figures of a group's focused implementations: CPU
/// time, allocations, then each measured counter.
fn per_message(
    target: Target<'_>,
    focused: &[&Drawn<'_>],
    charts: &mut Charts,
) -> Result<(), ReportError> {
    let Target {
        file,
        file_index,
        group,
        group_index,
        out,
    } = target;
    type Extract = Box<dyn Fn(&Summary) -> Option<f64>>;
    let mut figures: Vec<(String, String, Extract)> = columns::PER_MESSAGE_CHARTS
        .iter()
        .filter_map(|column| column.chart)
        .map(|chart| {
            let value: Extract = Box::new(chart.value);
            (chart.name.to_owned(), chart.unit.to_owned(), value)
        })
        .collect();
    let mut counter_names: Vec<(String, String)> = Vec::new();
    for (_, list) in focused {
        for (_, summary) in list {
            for counter in &summary.counters {
                if counter.per_message.is_some()
                    && !counter_names.iter().any(|(n, _)| *n == counter.name)
                {
                    counter_names.push((counter.name.clone(), counter.unit.clone()));
                }
            }
        }
    }
    for (name, unit) in counter_names {
        let wanted = name.clone();
        figures.push((
            name,
            unit,
            Box::new(move |s: &Summary| {
                s.counters
                    .iter()
                    .find(|c| c.name == wanted)
                    .and_then(|c| c.per_message)
            }),
        ));
    }
    let oversubscribed = oversubscription_note(file, group);
    for (index, (name, unit, value)) in figures.iter().enumerate() {
        let series: Vec<Series> = focused
            .iter()
            .enumerate()
            .map(|(position, (implementation, list))| Series {
                name: display_name(file, implementation),
                colour: distinct(file, position, implementation),
                points: list
                    .iter()
                    .filter_map(|(category, summary)| value(summary).map(|v| (*category, v, v, v)))
                    .collect(),
            })
            .filter(|series| !series.points.is_empty())
            .collect();
        if series.is_empty() {
            continue;
        }
        if series.iter().all(|s| s.points.iter().all(|p| p.1 == 0.0)) {
            charts.zero.push((file_index, group_index, name.clone()));
            continue;
        }
        let figure = BarFigure {
            title: format!("{name} per message"),
            x_title: group.x_axis.title().to_owned(),
            y_title: format!("{name} per message ({unit})"),
            categories: group.categories.clone(),
            series,
            ratio: false,
        };
        charts.list.push(save(
            &figure,
            out.dir,
            &format!("per-message-{file_index}-{group_index}-{index}"),
            out.svg,
            ChartKind::PerMessage {
                file: file_index,
                group: group_index,
                name: name.clone(),
            },
            format!(
                "{name} per published message, median over passed runs ({unit}), for the implementations of the throughput chart above.{oversubscribed}"
            ),
        )?);
    }
    Ok(())
}
