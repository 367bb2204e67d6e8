//! The figures: throughput lines, ratio bars and latency curves, each
//! drawing itself on any backend.

use plotters::coord::Shift;
use plotters::coord::combinators::{BindKeyPoints, IntoLogRange};
use plotters::prelude::*;

use super::canvas::{
    Entry, FAMILY, Figure, HEIGHT, Mark, SMALL_HEIGHT, SMALL_WIDTH, Series, WIDTH, axis_number,
    category_label, draw_legend, legend_width, log_range, log_ticks, segments, split, text,
};
use crate::format::{nanoseconds, si, trim};

/// Throughput against the group's x axis, with error bars.
pub(super) struct ThroughputFigure {
    pub(super) title: String,
    pub(super) x_title: String,
    pub(super) categories: Vec<String>,
    pub(super) series: Vec<Series>,
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
pub(super) struct BarFigure {
    pub(super) title: String,
    pub(super) x_title: String,
    pub(super) y_title: String,
    pub(super) categories: Vec<String>,
    pub(super) series: Vec<Series>,
    /// Ratios: log axis, bars from 1, a line at 1. Otherwise a linear axis
    /// from 0.
    pub(super) ratio: bool,
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
        if self.ratio {
            self.draw_ratio_bars(&plot)?;
        } else {
            self.draw_linear_bars(&plot)?;
        }
        let entries: Vec<Entry> = self
            .series
            .iter()
            .map(|series| Entry {
                name: series.name.clone(),
                colour: series.colour,
                mark: Mark::Bar,
            })
            .collect();
        draw_legend(&legend, &entries)
    }
}

impl BarFigure {
    /// The x range: a unit of width per category, centred on it.
    fn x_range(&self) -> std::ops::Range<f64> {
        -0.5..self.categories.len().max(1) as f64 - 0.5
    }

    /// Every value the bars and whiskers reach.
    fn values(&self) -> impl Iterator<Item = f64> + '_ {
        self.series
            .iter()
            .flat_map(|s| s.points.iter().flat_map(|p| [p.1, p.2, p.3]))
    }

    /// Where the bar of series `index` stands in `category`: its left and
    /// right edges and its middle.
    fn bar(&self, index: usize, category: usize) -> (f64, f64, f64) {
        let slot = 0.8 / self.series.len().max(1) as f64;
        let left = category as f64 - 0.4 + index as f64 * slot;
        (left + slot * 0.08, left + slot * 0.92, left + slot / 2.0)
    }

    /// Ratios on a log axis: bars from the 1× line, whiskers for the
    /// intervals, and the 1× line itself.
    fn draw_ratio_bars<DB: DrawingBackend>(
        &self,
        plot: &DrawingArea<DB, Shift>,
    ) -> Result<(), String> {
        let n = self.categories.len().max(1);
        let categories = &self.categories;
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
        let (low, high) = log_range(self.values().chain([1.0])).unwrap_or((0.5, 2.0));
        let (low, high) = (low.max(bars.0 / 30.0), high.min(bars.1 * 30.0));
        let mut chart = ChartBuilder::on(plot)
            .caption(&self.title, (FAMILY, 20))
            .margin(12)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(
                self.x_range(),
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
                    let (left, right, _) = self.bar(index, p.0);
                    Rectangle::new([(left, 1.0), (right, p.1)], series.colour.filled())
                }))
                .map_err(text)?;
            chart
                .draw_series(series.points.iter().map(|p| {
                    let (_, _, middle) = self.bar(index, p.0);
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
        }
        chart
            .draw_series(LineSeries::new(
                [(-0.5, 1.0), (n as f64 - 0.5, 1.0)],
                BLACK.stroke_width(1),
            ))
            .map_err(text)?;
        Ok(())
    }

    /// Figures per message on a linear axis from 0: bars only.
    fn draw_linear_bars<DB: DrawingBackend>(
        &self,
        plot: &DrawingArea<DB, Shift>,
    ) -> Result<(), String> {
        let n = self.categories.len().max(1);
        let categories = &self.categories;
        let high = self.values().fold(0.0f64, f64::max).max(f64::MIN_POSITIVE) * 1.15;
        let mut chart = ChartBuilder::on(plot)
            .caption(&self.title, (FAMILY, 17))
            .margin(10)
            .x_label_area_size(45)
            .y_label_area_size(78)
            .build_cartesian_2d(self.x_range(), 0.0..high)
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
                    let (left, right, _) = self.bar(index, p.0);
                    Rectangle::new([(left, 0.0), (right, p.1)], series.colour.filled())
                }))
                .map_err(text)?;
        }
        Ok(())
    }
}

/// One latency curve.
pub(super) struct Curve {
    pub(super) name: String,
    pub(super) colour: RGBColor,
    pub(super) dashed: bool,
    /// (percentile, ns).
    pub(super) points: Vec<(f64, f64)>,
}

/// Latency percentiles on a "nines" axis, HdrHistogram style.
pub(super) struct LatencyFigure {
    pub(super) title: String,
    pub(super) curves: Vec<Curve>,
}

/// x position of a percentile: 1 / (1 - p), with the maximum (p = 100)
/// one decade past the highest finite percentile.
pub(super) fn nines(percentile: f64, max_position: f64) -> f64 {
    if percentile >= 100.0 {
        max_position
    } else {
        1.0 / (1.0 - percentile / 100.0)
    }
}

pub(super) fn nines_label(position: f64, max_position: f64) -> String {
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
