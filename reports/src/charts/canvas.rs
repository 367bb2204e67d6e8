//! What every chart draws with: the bundled font, the sizes and palette,
//! saving as PNG and SVG, the legend, log axes and line segments.

use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use super::{Chart, ChartKind};
use crate::ReportError;
use crate::format::trim;

/// DejaVu Sans (Bitstream Vera license; see `assets/DejaVuSans-LICENSE.txt`).
pub(super) static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
pub(super) const FAMILY: &str = "sans-serif";

pub(super) const WIDTH: u32 = 1100;
pub(super) const HEIGHT: u32 = 520;
pub(super) const SMALL_WIDTH: u32 = 760;
pub(super) const SMALL_HEIGHT: u32 = 420;

/// Tableau-like colours, distinguishable in print and by most colour-blind
/// readers for the first eight.
pub(super) const PALETTE: [RGBColor; 14] = [
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

pub(super) fn colour(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

pub(super) fn register() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            register_font(FAMILY, FontStyle::Normal, FONT)
                .map_err(|_| "the bundled font could not be parsed".to_owned())
        })
        .clone()
}

/// A figure that can draw itself on any plotters backend.
pub(super) trait Figure {
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

pub(super) fn text<E: std::fmt::Display>(error: E) -> String {
    error.to_string()
}

/// Writes `figure` as `dir/STEM.png` and, when asked, `dir/STEM.svg`.
pub(super) fn save<F: Figure>(
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
pub(super) enum Mark {
    /// A line with a dot (points joined by lines).
    Line,
    /// A dashed line.
    Dashed,
    /// A filled square (bars).
    Bar,
}

/// A legend entry.
pub(super) struct Entry {
    pub(super) name: String,
    pub(super) colour: RGBColor,
    pub(super) mark: Mark,
}

/// Width of the legend panel: room for the longest name.
pub(super) fn legend_width(names: impl Iterator<Item = usize>) -> u32 {
    let longest = names.max().unwrap_or(10) as u32;
    (48 + 8 * longest).clamp(150, 340)
}

/// Draws the legend in its own panel, so it never covers data.
pub(super) fn draw_legend<DB: DrawingBackend>(
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
pub(super) fn split<DB: DrawingBackend>(
    root: &Area<DB>,
    width: u32,
    legend: u32,
) -> Result<(Area<DB>, Area<DB>), String> {
    root.fill(&WHITE).map_err(text)?;
    Ok(root.split_horizontally(width - legend))
}

/// Tick values for a log axis from `low` to `high`: 1-2-5 per decade on
/// short ranges, fewer per decade on long ones.
pub(super) fn log_ticks(low: f64, high: f64) -> Vec<f64> {
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
pub(super) fn log_range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (low, high) = values
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold((f64::MAX, f64::MIN), |(low, high), v| {
            (low.min(v), high.max(v))
        });
    (low <= high).then(|| (low / 1.5, high * 1.5))
}

/// A number for a linear axis: three significant digits, tiny values in
/// exponent form so they stay short.
pub(super) fn axis_number(value: f64) -> String {
    if value != 0.0 && value.abs() < 1e-3 {
        format!("{value:.1e}")
    } else {
        trim(value)
    }
}

pub(super) fn category_label(categories: &[String], value: f64) -> String {
    let index = value.round();
    if (value - index).abs() < 1e-6 && index >= 0.0 {
        categories.get(index as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

/// One implementation's points on a category chart.
pub(super) struct Series {
    pub(super) name: String,
    pub(super) colour: RGBColor,
    /// (category, median, interval low, interval high).
    pub(super) points: Vec<(usize, f64, f64, f64)>,
}

/// The points of a series (in category order) as runs of neighbouring
/// categories, each point as (category, median). A line joins a run only,
/// so a category where the implementation has no plotted figure (it did not
/// pass there) leaves a gap rather than a line drawn across it.
pub(super) fn segments(points: &[(usize, f64, f64, f64)]) -> Vec<Vec<(usize, f64)>> {
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
