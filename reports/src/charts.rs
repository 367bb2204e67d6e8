//! The charts: PNG through plotters' bitmap backend and SVG through its SVG
//! backend, from the same drawing code.
//!
//! Text is drawn with DejaVu Sans compiled into the binary and registered
//! with plotters' `ab_glyph` font table, so no system font library is
//! needed. Only summaries whose verdict is `pass` or `pass (count only)`
//! are drawn.

use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::coord::combinators::{BindKeyPoints, IntoLogRange};
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use crate::ReportError;
use crate::compare::{Comparison, Flag};
use crate::format::{nanoseconds, si, trim};
use crate::layout::{Group, Plan};
use crate::model::{Configuration, IntervalKind, ResultsFile, Summary};

/// DejaVu Sans (Bitstream Vera license; see `assets/DejaVuSans-LICENSE.txt`).
static FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
const FAMILY: &str = "sans-serif";

const WIDTH: u32 = 1100;
const HEIGHT: u32 = 520;
const SMALL_WIDTH: u32 = 760;
const SMALL_HEIGHT: u32 = 420;

/// Tableau-like colours, distinguishable in print and by most colour-blind
/// readers for the first eight.
const PALETTE: [RGBColor; 14] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(0, 0, 0),
    RGBColor(174, 199, 232),
    RGBColor(255, 187, 120),
    RGBColor(152, 223, 138),
];

fn colour(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

fn register() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            register_font(FAMILY, FontStyle::Normal, FONT)
                .map_err(|_| "the bundled font could not be parsed".to_owned())
        })
        .clone()
}

/// What a chart shows, so the page can place it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ChartKind {
    /// Throughput against the group's x axis.
    Throughput { file: usize, group: usize },
    /// Ratio to the baseline as bars.
    Ratio { file: usize, group: usize },
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

/// A figure that can draw itself on any plotters backend.
trait Figure {
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

fn text<E: std::fmt::Display>(error: E) -> String {
    error.to_string()
}

/// Writes `figure` as `dir/STEM.png` and, when asked, `dir/STEM.svg`.
fn save<F: Figure>(
    figure: &F,
    dir: &Path,
    stem: &str,
    svg: bool,
    kind: ChartKind,
    caption: String,
) -> Result<Chart, ReportError> {
    let png = format!("{stem}.png");
    let png_path = dir.join(&png);
    let chart_error = |path: &Path| {
        let path = path.to_owned();
        move |message| ReportError::Chart { path, message }
    };
    {
        let root = BitMapBackend::new(&png_path, figure.size()).into_drawing_area();
        figure.draw(&root).map_err(chart_error(&png_path))?;
        root.present()
            .map_err(text)
            .map_err(chart_error(&png_path))?;
    }
    let svg_name = if svg {
        let name = format!("{stem}.svg");
        let svg_path = dir.join(&name);
        let root = SVGBackend::new(&svg_path, figure.size()).into_drawing_area();
        figure.draw(&root).map_err(chart_error(&svg_path))?;
        root.present()
            .map_err(text)
            .map_err(chart_error(&svg_path))?;
        Some(name)
    } else {
        None
    };
    Ok(Chart {
        kind,
        png,
        svg: svg_name,
        caption,
    })
}

/// How a legend entry is marked.
#[derive(Clone, Copy, PartialEq)]
enum Mark {
    /// A line with a dot (points joined by lines).
    Line,
    /// A dashed line.
    Dashed,
    /// A filled square (bars).
    Bar,
}

/// A legend entry.
struct Entry {
    name: String,
    colour: RGBColor,
    mark: Mark,
}

/// Width of the legend panel: room for the longest name.
fn legend_width(names: impl Iterator<Item = usize>) -> u32 {
    let longest = names.max().unwrap_or(10) as u32;
    (48 + 8 * longest).clamp(150, 340)
}

/// Draws the legend in its own panel, so it never covers data.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[Entry],
) -> Result<(), String> {
    let style = TextStyle::from((FAMILY, 15).into_font()).color(&BLACK);
    let top = 50;
    for (index, entry) in entries.iter().enumerate() {
        let y = top + index as i32 * 22;
        if entry.mark == Mark::Dashed {
            for segment in 0..3 {
                let x = 8 + segment * 9;
                area.draw(&PathElement::new(
                    vec![(x, y), (x + 5, y)],
                    entry.colour.stroke_width(2),
                ))
                .map_err(text)?;
            }
        } else if entry.mark == Mark::Bar {
            area.draw(&Rectangle::new(
                [(12, y - 6), (28, y + 6)],
                entry.colour.filled(),
            ))
            .map_err(text)?;
        } else {
            area.draw(&PathElement::new(
                vec![(8, y), (32, y)],
                entry.colour.stroke_width(2),
            ))
            .map_err(text)?;
            area.draw(&Circle::new((20, y), 4, entry.colour.filled()))
                .map_err(text)?;
        }
        area.draw(&Text::new(entry.name.clone(), (40, y - 8), style.clone()))
            .map_err(text)?;
    }
    Ok(())
}

/// A drawing area of a whole figure or a panel of it.
type Area<DB> = DrawingArea<DB, Shift>;

/// Splits the root into a plot area and a legend panel on the right.
fn split<DB: DrawingBackend>(
    root: &Area<DB>,
    width: u32,
    legend: u32,
) -> Result<(Area<DB>, Area<DB>), String> {
    root.fill(&WHITE).map_err(text)?;
    Ok(root.split_horizontally(width - legend))
}

/// Tick values for a log axis from `low` to `high`: 1-2-5 per decade on
/// short ranges, fewer per decade on long ones.
fn log_ticks(low: f64, high: f64) -> Vec<f64> {
    let decades = (high / low).log10();
    let mantissas: &[f64] = if decades <= 1.0 {
        &[1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    } else if decades <= 2.5 {
        &[1.0, 2.0, 3.0, 5.0]
    } else if decades <= 5.0 {
        &[1.0, 3.0]
    } else {
        &[1.0]
    };
    let first = low.log10().floor() as i32;
    let last = high.log10().ceil() as i32;
    let mut ticks = Vec::new();
    for exponent in first..=last {
        for mantissa in mantissas {
            let value = mantissa * 10f64.powi(exponent);
            if value >= low && value <= high {
                ticks.push(value);
            }
        }
    }
    ticks
}

/// Range for a log axis covering `values`, with some room.
fn log_range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (low, high) = values
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold((f64::MAX, f64::MIN), |(low, high), v| {
            (low.min(v), high.max(v))
        });
    (low <= high).then(|| (low / 1.5, high * 1.5))
}

/// A number for a linear axis: three significant digits, tiny values in
/// exponent form so they stay short.
fn axis_number(value: f64) -> String {
    if value != 0.0 && value.abs() < 1e-3 {
        format!("{value:.1e}")
    } else {
        trim(value)
    }
}

fn category_label(categories: &[String], value: f64) -> String {
    let index = value.round();
    if (value - index).abs() < 1e-6 && index >= 0.0 {
        categories.get(index as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

/// One implementation's points on a category chart.
struct Series {
    name: String,
    colour: RGBColor,
    /// (category, median, interval low, interval high).
    points: Vec<(usize, f64, f64, f64)>,
}

/// The points of a series (in category order) as runs of neighbouring
/// categories, each point as (category, median). A line joins a run only,
/// so a category where the implementation has no plotted figure (it did not
/// pass there) leaves a gap rather than a line drawn across it.
fn segments(points: &[(usize, f64, f64, f64)]) -> Vec<Vec<(usize, f64)>> {
    let mut runs: Vec<Vec<(usize, f64)>> = Vec::new();
    for &(category, median, ..) in points {
        match runs.last_mut() {
            Some(run) if run.last().is_some_and(|&(last, _)| category == last + 1) => {
                run.push((category, median));
            }
            _ => runs.push(vec![(category, median)]),
        }
    }
    runs
}

/// Throughput against the group's x axis, with error bars.
struct ThroughputFigure {
    title: String,
    x_title: String,
    categories: Vec<String>,
    series: Vec<Series>,
}

impl Figure for ThroughputFigure {
    fn size(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let legend_space = legend_width(self.series.iter().map(|s| s.name.chars().count()));
        let (plot, legend) = split(root, WIDTH, legend_space)?;
        let all = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().flat_map(|p| [p.1, p.2, p.3]));
        let (low, high) = log_range(all).unwrap_or((1.0, 10.0));
        let n = self.categories.len().max(1);
        let x_range = -0.5..n as f64 - 0.5;
        let mut chart = ChartBuilder::on(&plot)
            .caption(&self.title, (FAMILY, 20))
            .margin(12)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(
                x_range,
                (low..high)
                    .log_scale()
                    .with_key_points(log_ticks(low, high)),
            )
            .map_err(text)?;
        let categories = &self.categories;
        chart
            .configure_mesh()
            .x_desc(&self.x_title)
            .y_desc("throughput (messages/s, log scale)")
            .x_labels(n)
            .x_label_formatter(&|v| category_label(categories, *v))
            .y_label_formatter(&|v| si(*v))
            .label_style((FAMILY, 14))
            .axis_desc_style((FAMILY, 15))
            .light_line_style(TRANSPARENT)
            .draw()
            .map_err(text)?;
        let count = self.series.len().max(1) as f64;
        let spread = (0.5 / count).min(0.08);
        let mut entries = Vec::new();
        for (index, series) in self.series.iter().enumerate() {
            // Offset each series a little so error bars do not hide each other.
            let offset = (index as f64 - (count - 1.0) / 2.0) * spread;
            let style = series.colour.stroke_width(2);
            let points: Vec<(f64, f64)> = series
                .points
                .iter()
                .map(|p| (p.0 as f64 + offset, p.1))
                .collect();
            for segment in segments(&series.points) {
                if segment.len() > 1 {
                    let line = segment
                        .iter()
                        .map(|&(category, median)| (category as f64 + offset, median));
                    chart
                        .draw_series(LineSeries::new(line, style))
                        .map_err(text)?;
                }
            }
            chart
                .draw_series(
                    series.points.iter().map(|p| {
                        ErrorBar::new_vertical(p.0 as f64 + offset, p.2, p.1, p.3, style, 8)
                    }),
                )
                .map_err(text)?;
            chart
                .draw_series(
                    points
                        .iter()
                        .map(|&p| Circle::new(p, 4, series.colour.filled())),
                )
                .map_err(text)?;
            entries.push(Entry {
                name: series.name.clone(),
                colour: series.colour,
                mark: Mark::Line,
            });
        }
        draw_legend(&legend, &entries)
    }
}

/// Bars per category and implementation, from an anchor value.
struct BarFigure {
    title: String,
    x_title: String,
    y_title: String,
    categories: Vec<String>,
    series: Vec<Series>,
    /// Ratios: log axis, bars from 1, a line at 1. Otherwise a linear axis
    /// from 0.
    ratio: bool,
}

impl Figure for BarFigure {
    fn size(&self) -> (u32, u32) {
        if self.ratio {
            // Wider when there are many categories, so ticks stay apart.
            let wanted = 330 + 110 * self.categories.len() as u32;
            (wanted.clamp(WIDTH, 2400), HEIGHT)
        } else {
            (SMALL_WIDTH, SMALL_HEIGHT)
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (width, _) = self.size();
        let legend_space = legend_width(self.series.iter().map(|s| s.name.chars().count()));
        let (plot, legend) = split(root, width, legend_space)?;
        let n = self.categories.len().max(1);
        let x_range = -0.5..n as f64 - 0.5;
        let values = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().flat_map(|p| [p.1, p.2, p.3]));
        let categories = &self.categories;
        let count = self.series.len().max(1) as f64;
        let slot = 0.8 / count;
        let bar = |index: usize, category: usize| {
            let left = category as f64 - 0.4 + index as f64 * slot;
            (left + slot * 0.08, left + slot * 0.92, left + slot / 2.0)
        };
        let mut entries = Vec::new();
        if self.ratio {
            // The range follows the whiskers, but never more than 30 times
            // past the bars: one wild interval must not flatten every bar.
            // Longer whiskers are cut at the edge (the tables have them).
            let bars = log_range(
                self.series
                    .iter()
                    .flat_map(|s| s.points.iter().map(|p| p.1))
                    .chain([1.0]),
            )
            .unwrap_or((0.5, 2.0));
            let (low, high) = log_range(values.chain([1.0])).unwrap_or((0.5, 2.0));
            let (low, high) = (low.max(bars.0 / 30.0), high.min(bars.1 * 30.0));
            let mut chart = ChartBuilder::on(&plot)
                .caption(&self.title, (FAMILY, 20))
                .margin(12)
                .x_label_area_size(50)
                .y_label_area_size(70)
                .build_cartesian_2d(
                    x_range,
                    (low..high)
                        .log_scale()
                        .with_key_points(log_ticks(low, high)),
                )
                .map_err(text)?;
            chart
                .configure_mesh()
                .x_desc(&self.x_title)
                .y_desc(&self.y_title)
                .x_labels(n)
                .disable_x_mesh()
                .x_label_formatter(&|v| category_label(categories, *v))
                .y_label_formatter(&|v| format!("{}×", trim(*v)))
                .label_style((FAMILY, 14))
                .axis_desc_style((FAMILY, 15))
                .light_line_style(TRANSPARENT)
                .draw()
                .map_err(text)?;
            for (index, series) in self.series.iter().enumerate() {
                chart
                    .draw_series(series.points.iter().map(|p| {
                        let (left, right, _) = bar(index, p.0);
                        Rectangle::new([(left, 1.0), (right, p.1)], series.colour.filled())
                    }))
                    .map_err(text)?;
                chart
                    .draw_series(series.points.iter().map(|p| {
                        let (_, _, middle) = bar(index, p.0);
                        ErrorBar::new_vertical(
                            middle,
                            p.2.max(low),
                            p.1,
                            p.3.min(high),
                            BLACK.stroke_width(1),
                            6,
                        )
                    }))
                    .map_err(text)?;
                entries.push(Entry {
                    name: series.name.clone(),
                    colour: series.colour,
                    mark: Mark::Bar,
                });
            }
            chart
                .draw_series(LineSeries::new(
                    [(-0.5, 1.0), (n as f64 - 0.5, 1.0)],
                    BLACK.stroke_width(1),
                ))
                .map_err(text)?;
        } else {
            let high = values.fold(0.0f64, f64::max).max(f64::MIN_POSITIVE) * 1.15;
            let mut chart = ChartBuilder::on(&plot)
                .caption(&self.title, (FAMILY, 17))
                .margin(10)
                .x_label_area_size(45)
                .y_label_area_size(78)
                .build_cartesian_2d(x_range, 0.0..high)
                .map_err(text)?;
            chart
                .configure_mesh()
                .x_desc(&self.x_title)
                .y_desc(&self.y_title)
                .x_labels(n)
                .disable_x_mesh()
                .x_label_formatter(&|v| category_label(categories, *v))
                .y_label_formatter(&|v| axis_number(*v))
                .label_style((FAMILY, 13))
                .axis_desc_style((FAMILY, 14))
                .light_line_style(TRANSPARENT)
                .draw()
                .map_err(text)?;
            for (index, series) in self.series.iter().enumerate() {
                chart
                    .draw_series(series.points.iter().map(|p| {
                        let (left, right, _) = bar(index, p.0);
                        Rectangle::new([(left, 0.0), (right, p.1)], series.colour.filled())
                    }))
                    .map_err(text)?;
                entries.push(Entry {
                    name: series.name.clone(),
                    colour: series.colour,
                    mark: Mark::Bar,
                });
            }
        }
        draw_legend(&legend, &entries)
    }
}

/// One latency curve.
struct Curve {
    name: String,
    colour: RGBColor,
    dashed: bool,
    /// (percentile, ns).
    points: Vec<(f64, f64)>,
}

/// Latency percentiles on a "nines" axis, HdrHistogram style.
struct LatencyFigure {
    title: String,
    curves: Vec<Curve>,
}

/// x position of a percentile: 1 / (1 - p), with the maximum (p = 100)
/// one decade past the highest finite percentile.
fn nines(percentile: f64, max_position: f64) -> f64 {
    if percentile >= 100.0 {
        max_position
    } else {
        1.0 / (1.0 - percentile / 100.0)
    }
}

fn nines_label(position: f64, max_position: f64) -> String {
    if (position - max_position).abs() < 1e-9 * max_position {
        return "max".to_owned();
    }
    if (position - 2.0).abs() < 1e-9 {
        return "50%".to_owned();
    }
    let decades = position.log10().round() as usize;
    match decades {
        0 => "0%".to_owned(),
        1 => "90%".to_owned(),
        _ => format!("99.{}%", "9".repeat(decades - 2)).replace("99.%", "99%"),
    }
}

impl Figure for LatencyFigure {
    fn size(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let legend_space = legend_width(self.curves.iter().map(|c| c.name.chars().count()));
        let (plot, legend) = split(root, WIDTH, legend_space)?;
        let highest_finite = self
            .curves
            .iter()
            .flat_map(|c| c.points.iter())
            .filter(|(p, _)| *p < 100.0)
            .map(|(p, _)| 1.0 / (1.0 - p / 100.0))
            .fold(10.0f64, f64::max);
        let decades = highest_finite.log10().ceil().max(1.0) as i32;
        let max_position = 10f64.powi(decades + 1);
        let mut key_points: Vec<f64> = (0..=decades).map(|d| 10f64.powi(d)).collect();
        key_points.insert(1, 2.0);
        key_points.push(max_position);
        let (low, high) = log_range(
            self.curves
                .iter()
                .flat_map(|c| c.points.iter().map(|p| p.1)),
        )
        .unwrap_or((1.0, 1000.0));
        let x_range = (1.0..max_position * 1.5)
            .log_scale()
            .with_key_points(key_points);
        let mut chart = ChartBuilder::on(&plot)
            .caption(&self.title, (FAMILY, 20))
            .margin(12)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(
                x_range,
                (low..high)
                    .log_scale()
                    .with_key_points(log_ticks(low, high)),
            )
            .map_err(text)?;
        chart
            .configure_mesh()
            .x_desc("percentile (log scale of 1/(1 − p): each step adds a nine)")
            .y_desc("latency (log scale)")
            .x_label_formatter(&|v| nines_label(*v, max_position))
            .y_label_formatter(&|v| nanoseconds(*v))
            .label_style((FAMILY, 14))
            .axis_desc_style((FAMILY, 15))
            .light_line_style(TRANSPARENT)
            .draw()
            .map_err(text)?;
        let mut entries = Vec::new();
        for curve in &self.curves {
            let points: Vec<(f64, f64)> = curve
                .points
                .iter()
                .map(|&(p, v)| (nines(p, max_position), v))
                .collect();
            let style = curve.colour.stroke_width(2);
            if curve.dashed {
                chart
                    .draw_series(DashedLineSeries::new(points.clone(), 6, 4, style))
                    .map_err(text)?;
            } else {
                chart
                    .draw_series(LineSeries::new(points.clone(), style))
                    .map_err(text)?;
                chart
                    .draw_series(
                        points
                            .iter()
                            .map(|&p| Circle::new(p, 3, curve.colour.filled())),
                    )
                    .map_err(text)?;
            }
            entries.push(Entry {
                name: curve.name.clone(),
                colour: curve.colour,
                mark: if curve.dashed {
                    Mark::Dashed
                } else {
                    Mark::Line
                },
            });
        }
        draw_legend(&legend, &entries)
    }
}

/// The legend name of an implementation in a file.
pub(crate) fn display_name(file: &ResultsFile, implementation: &str) -> String {
    let emulated = file.is_fanout()
        && file
            .implementation(implementation)
            .is_some_and(|i| i.fanout_emulated);
    if implementation == crate::verdict::BASE {
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
    register().map_err(|message| ReportError::Chart {
        path: dir.to_owned(),
        message,
    })?;
    let mut charts = Charts::default();
    for (index, comparison) in comparisons.iter().enumerate() {
        if let Some(chart) = draw_change(results, comparison, index, plan, dir, svg)? {
            charts.list.push(chart);
        }
    }
    for (file_index, file) in results.iter().enumerate() {
        for (group_index, group) in plan.groups[file_index].iter().enumerate() {
            draw_group(
                file,
                file_index,
                group,
                group_index,
                plan,
                dir,
                svg,
                &mut charts,
            )?;
        }
        for (index, configuration) in file.configurations.iter().enumerate() {
            let curves = latency_curves(file, &configuration.summary, plan);
            if curves.is_empty() {
                continue;
            }
            let figure = LatencyFigure {
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
            charts.list.push(save(
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

/// The later ratio over the reference ratio for every compared pair, with
/// the interval quotient as whiskers: a whisker wholly below 1 is exactly a
/// flagged regression (the later interval lies below the reference one).
fn draw_change(
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

fn latency_curves(file: &ResultsFile, summaries: &[Summary], plan: &Plan) -> Vec<Curve> {
    let mut curves = Vec::new();
    for summary in summaries.iter().filter(|s| verdict_ok(s)) {
        let Some(latency) = &summary.latency else {
            continue;
        };
        let colour = colour(plan.colour(&summary.implementation));
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
            curves.push(Curve {
                name: format!("{name} ({kind})"),
                colour,
                dashed: false,
                points,
            });
        }
        let service = valid(&latency.service_time_percentiles_ns);
        if !service.is_empty() {
            curves.push(Curve {
                name: format!("{name} (service)"),
                colour,
                dashed: true,
                points: service,
            });
        }
    }
    curves
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

#[allow(clippy::too_many_arguments)]
fn draw_group(
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

#[cfg(test)]
mod tests {
    use super::*;

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
