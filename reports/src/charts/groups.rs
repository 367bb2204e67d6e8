//! Drawing a group of configurations (throughput, ratio and per-message
//! charts) and the change between two files.

use super::*;

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

#[allow(clippy::too_many_arguments)]
pub(super) fn draw_group(
    file: &ResultsFile,
    file_index: usize,
    group: &Group,
    group_index: usize,
    plan: &Plan,
    dir: &Path,
    svg: bool,
    charts: &mut Charts,
) -> Result<(), ReportError> {
    let drawn = plottable(file, group);
    if drawn.is_empty() {
        return Ok(());
    }
    let x_title = group.x_axis.title().to_owned();
    let oversubscribed = oversubscription_note(file, group);

    // Throughput.
    let mut throughput_kinds = Vec::new();
    let series: Vec<Series> = drawn
        .iter()
        .map(|(name, list)| Series {
            name: display_name(file, name),
            colour: colour(plan.colour(name)),
            points: list
                .iter()
                .filter_map(|(category, summary)| {
                    // A log axis cannot show zero or less.
                    let median = summary.median.filter(|m| *m > 0.0)?;
                    let ((low, high), kind) = summary
                        .throughput_interval()
                        .unwrap_or(((median, median), IntervalKind::MinMax));
                    throughput_kinds.push(kind);
                    Some((
                        *category,
                        median,
                        low.min(median).max(median * 1e-3),
                        high.max(median),
                    ))
                })
                .collect(),
        })
        .collect();
    let gaps = if series.iter().any(|s| segments(&s.points).len() > 1) {
        " A line breaks where its implementation has no passed figure (see the runs that did not pass)."
    } else {
        ""
    };
    let figure = ThroughputFigure {
        title: format!("throughput · {}", group.title),
        x_title: x_title.clone(),
        categories: group.categories.clone(),
        series,
    };
    charts.list.push(save(
        &figure,
        dir,
        &format!("throughput-{file_index}-{group_index}"),
        svg,
        ChartKind::Throughput {
            file: file_index,
            group: group_index,
        },
        format!(
            "Median throughput in messages per second (log scale); error bars: {}.{gaps}{oversubscribed}",
            kinds_used(&throughput_kinds)
        ),
    )?);

    // Ratio to the baseline (the baseline itself is the 1× line).
    let baseline = &file.scenario.baseline;
    let mut ratio_kinds = Vec::new();
    let series: Vec<Series> = drawn
        .iter()
        .filter(|(name, _)| name != baseline)
        .map(|(name, list)| Series {
            name: display_name(file, name),
            colour: colour(plan.colour(name)),
            points: list
                .iter()
                .filter_map(|(category, summary)| {
                    let ratio = summary.ratio_to_baseline.filter(|r| *r > 0.0)?;
                    let ((low, high), kind) = summary
                        .ratio_interval()
                        .unwrap_or(((ratio, ratio), IntervalKind::MinMax));
                    ratio_kinds.push(kind);
                    Some((
                        *category,
                        ratio,
                        low.min(ratio).max(ratio * 1e-3),
                        high.max(ratio),
                    ))
                })
                .collect(),
        })
        .filter(|series| !series.points.is_empty())
        .collect();
    if !series.is_empty() {
        let figure = BarFigure {
            title: format!("ratio to {baseline} · {}", group.title),
            x_title: x_title.clone(),
            y_title: format!("median per-round ratio to {baseline} (×, log scale)"),
            categories: group.categories.clone(),
            series,
            ratio: true,
        };
        charts.list.push(save(
            &figure,
            dir,
            &format!("ratio-{file_index}-{group_index}"),
            svg,
            ChartKind::Ratio {
                file: file_index,
                group: group_index,
            },
            format!(
                "Bars: median over rounds of throughput ÷ {baseline}'s throughput in the same round, drawn from the 1× line ({baseline} itself; above: faster than {baseline}, below: slower). Whiskers: {}.{oversubscribed}",
                match (ratio_kinds.contains(&IntervalKind::Bootstrap), ratio_kinds.contains(&IntervalKind::MinMax)) {
                    (true, true) => "95% bootstrap interval (ratio_ci) where recorded, per-round min–max elsewhere",
                    (true, false) => "95% bootstrap interval of the median ratio (ratio_ci)",
                    _ => "per-round min–max of the ratio (no ratio_ci recorded)",
                }
            ),
        )?);
    }

    // Per-message figures: CPU time, allocations, then each measured counter.
    type Extract = Box<dyn Fn(&Summary) -> Option<f64>>;
    let mut figures: Vec<(String, String, Extract)> = vec![
        (
            "CPU time".to_owned(),
            "ns".to_owned(),
            Box::new(|s: &Summary| s.cpu_ns_per_message),
        ),
        (
            "allocations".to_owned(),
            "allocations".to_owned(),
            Box::new(|s: &Summary| s.allocations_per_message),
        ),
    ];
    let mut counter_names: Vec<(String, String)> = Vec::new();
    for (_, list) in &drawn {
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
    for (index, (name, unit, value)) in figures.iter().enumerate() {
        let series: Vec<Series> = drawn
            .iter()
            .map(|(implementation, list)| Series {
                name: display_name(file, implementation),
                colour: colour(plan.colour(implementation)),
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
            x_title: x_title.clone(),
            y_title: format!("{name} per message ({unit})"),
            categories: group.categories.clone(),
            series,
            ratio: false,
        };
        charts.list.push(save(
            &figure,
            dir,
            &format!("per-message-{file_index}-{group_index}-{index}"),
            svg,
            ChartKind::PerMessage {
                file: file_index,
                group: group_index,
                name: name.clone(),
            },
            format!(
                "{name} per published message, median over passed runs ({unit}).{oversubscribed}"
            ),
        )?);
    }
    Ok(())
}
