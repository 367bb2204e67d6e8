//! The ranked dot plot: one configuration, one row per implementation,
//! fastest on top, each labelled at its row (no legend to cut off), the
//! median with its interval on a log axis, coloured and shaped by family.
//! The user's own queues sit on a highlighted band; the baseline is named
//! at its row; the base case (the harness's own ceiling) is a dashed line.

use plotters::coord::combinators::{BindKeyPoints, IntoLogRange};
use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;

use super::canvas::{FAMILY, Figure, log_range, log_ticks, text};
use crate::format::si;
use crate::model::Family;

/// One implementation's row.
pub(super) struct RankRow {
    pub(super) name: String,
    pub(super) family: Family,
    pub(super) median: f64,
    pub(super) low: f64,
    pub(super) high: f64,
    pub(super) baseline: bool,
}

/// A configuration's implementations ranked, one row each.
pub(super) struct RankFigure {
    pub(super) title: String,
    pub(super) x_title: String,
    /// Best first.
    pub(super) rows: Vec<RankRow>,
    /// The base case's median, drawn as a dashed line.
    pub(super) base: Option<f64>,
}

const ROW: u32 = 22;
const TOP: u32 = 44;
const BOTTOM: u32 = 96;
/// Height of the strip at the foot that holds the key.
const KEY: u32 = 26;
const WIDTH: u32 = 900;
const MIN_HEIGHT: u32 = 320;

/// The colour of a family: few and far apart, so the families read at once.
pub(super) fn family_colour(family: Family) -> RGBColor {
    match family {
        Family::Design => RGBColor(31, 119, 180),
        Family::Crate => RGBColor(230, 115, 0),
        Family::Original => RGBColor(44, 160, 44),
        Family::Own => RGBColor(200, 0, 60),
        Family::Base => RGBColor(110, 110, 110),
    }
}

/// Draws a family's marker centred at `at` (pixels): circle for ringlab's
/// designs, square for crates, triangle for originals, diamond for the
/// user's own, cross for the base case.
pub(super) fn draw_marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    family: Family,
    at: (i32, i32),
    size: i32,
) -> Result<(), String> {
    let style = family_colour(family).filled();
    let (x, y) = at;
    match family {
        Family::Design => area.draw(&Circle::new(at, size, style)),
        Family::Crate => area.draw(&Rectangle::new(
            [(x - size, y - size), (x + size, y + size)],
            style,
        )),
        Family::Original => area.draw(&Polygon::new(
            vec![
                (x, y - size - 1),
                (x + size + 1, y + size),
                (x - size - 1, y + size),
            ],
            style,
        )),
        Family::Own => area.draw(&Polygon::new(
            vec![
                (x, y - size - 3),
                (x + size + 3, y),
                (x, y + size + 3),
                (x - size - 3, y),
            ],
            style,
        )),
        Family::Base => area.draw(&Cross::new(at, size, family_colour(family).stroke_width(2))),
    }
    .map_err(text)
}

impl RankFigure {
    fn label_width(&self) -> u32 {
        let longest = self
            .rows
            .iter()
            .map(|row| label(row).chars().count())
            .max()
            .unwrap_or(10) as u32;
        (16 + 8 * longest).clamp(120, 320)
    }
}

fn label(row: &RankRow) -> String {
    let mut label = row.name.clone();
    if row.family == Family::Own {
        label.push_str(" (own)");
    }
    if row.baseline {
        label.push_str(" (baseline)");
    }
    label
}

impl Figure for RankFigure {
    fn size(&self) -> (u32, u32) {
        // At least as tall as the small charts, so a few rows do not make
        // a sliver.
        (
            WIDTH,
            (TOP + BOTTOM + ROW * self.rows.len().max(1) as u32).max(MIN_HEIGHT),
        )
    }

    fn draw<DB: DrawingBackend>(&self, whole: &DrawingArea<DB, Shift>) -> Result<(), String> {
        whole.fill(&WHITE).map_err(text)?;
        // The key of families gets a strip of its own at the foot.
        let (_, height) = self.size();
        let (root, key) = whole.split_vertically(height - KEY);
        let root = &root;
        let values = self
            .rows
            .iter()
            .flat_map(|row| [row.median, row.low, row.high])
            .chain(self.base);
        let (low, high) = log_range(values).unwrap_or((1.0, 10.0));
        let n = self.rows.len().max(1);
        let label_width = self.label_width();
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FAMILY, 17))
            .margin(10)
            .margin_right(24)
            .x_label_area_size(58)
            .y_label_area_size(label_width)
            .build_cartesian_2d(
                (low..high)
                    .log_scale()
                    .with_key_points(log_ticks(low, high)),
                // Row 0 at the top.
                (n as f64 - 0.5)..-0.5,
            )
            .map_err(text)?;
        chart
            .configure_mesh()
            .x_desc(&self.x_title)
            .x_label_formatter(&|v| si(*v))
            .y_labels(0)
            .disable_y_mesh()
            .label_style((FAMILY, 13))
            .axis_desc_style((FAMILY, 14))
            .light_line_style(TRANSPARENT)
            .bold_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(text)?;
        let x = (low, high);
        self.draw_bands(&mut chart, x)?;
        if let Some(base) = self.base {
            draw_base(&mut chart, root, base, x, n)?;
        }
        self.draw_rows(&mut chart, root, x)?;
        draw_key(&key, &self.rows, KEY as i32 / 2)
    }
}

/// A chart whose coordinates are (throughput, row).
type Rows<'a, DB, CT> = ChartContext<'a, DB, CT>;

impl RankFigure {
    /// The row bands: the user's own queues highlighted, every other row
    /// shaded lightly so the eye follows a row to its label. `x`: the
    /// axis's range.
    fn draw_bands<DB, CT>(&self, chart: &mut Rows<'_, DB, CT>, x: (f64, f64)) -> Result<(), String>
    where
        DB: DrawingBackend,
        CT: CoordTranslate<From = (f64, f64)>,
    {
        let (low, high) = x;
        for (index, row) in self.rows.iter().enumerate() {
            let band = if row.family == Family::Own {
                Some(RGBColor(255, 236, 160).filled())
            } else if index % 2 == 1 {
                Some(RGBColor(246, 246, 246).filled())
            } else {
                None
            };
            if let Some(style) = band {
                let y = index as f64;
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(low, y - 0.5), (high, y + 0.5)],
                        style,
                    )))
                    .map_err(text)?;
            }
        }
        Ok(())
    }

    /// Each row: its interval as a line, its median as its family's
    /// marker, its label right-aligned before the plot.
    fn draw_rows<DB, CT>(
        &self,
        chart: &mut Rows<'_, DB, CT>,
        root: &DrawingArea<DB, Shift>,
        x: (f64, f64),
    ) -> Result<(), String>
    where
        DB: DrawingBackend,
        CT: CoordTranslate<From = (f64, f64)>,
    {
        let (low, high) = x;
        let plain = TextStyle::from((FAMILY, 13).into_font()).color(&BLACK);
        let bold = TextStyle::from((FAMILY, 13, FontStyle::Bold).into_font()).color(&BLACK);
        for (index, row) in self.rows.iter().enumerate() {
            let y = index as f64;
            if row.high > row.low {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(row.low.max(low), y), (row.high.min(high), y)],
                        family_colour(row.family).stroke_width(2),
                    )))
                    .map_err(text)?;
            }
            let at = chart.plotting_area().map_coordinate(&(row.median, y));
            draw_marker(root, row.family, at, 4)?;
            let (left, _) = chart.plotting_area().map_coordinate(&(low, y));
            let style = if row.family == Family::Own || row.baseline {
                bold.clone()
            } else {
                plain.clone()
            };
            let name = label(row);
            let width = root.estimate_text_size(&name, &style).map_or(0, |s| s.0) as i32;
            root.draw(&Text::new(name, (left - 8 - width, at.1 - 8), style))
                .map_err(text)?;
        }
        Ok(())
    }
}

/// The base case's median as a dashed line over every row, named at the
/// top beside it, on the side with room (`x`: the axis's range; `n`: rows).
fn draw_base<DB, CT>(
    chart: &mut Rows<'_, DB, CT>,
    root: &DrawingArea<DB, Shift>,
    base: f64,
    x: (f64, f64),
    n: usize,
) -> Result<(), String>
where
    DB: DrawingBackend,
    CT: CoordTranslate<From = (f64, f64)>,
{
    let grey = family_colour(Family::Base);
    chart
        .draw_series(DashedLineSeries::new(
            [(base, -0.5), (base, n as f64 - 0.5)],
            6,
            4,
            grey.stroke_width(1),
        ))
        .map_err(text)?;
    let (at_x, at_y) = chart.plotting_area().map_coordinate(&(base, -0.5));
    let style = TextStyle::from((FAMILY, 12).into_font()).color(&grey);
    let words = "base case (harness ceiling)";
    let width = root.estimate_text_size(words, &style).map_or(0, |s| s.0) as i32;
    let (right_edge, _) = chart.plotting_area().map_coordinate(&(x.1, 0.0));
    let left = if at_x + 4 + width < right_edge {
        at_x + 4
    } else {
        at_x - 4 - width
    };
    root.draw(&Text::new(words, (left, at_y + 3), style))
        .map_err(text)
}

/// The families present, as a one-line key at the foot, at height `y`.
fn draw_key<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rows: &[RankRow],
    y: i32,
) -> Result<(), String> {
    let style = TextStyle::from((FAMILY, 12).into_font()).color(&RGBColor(60, 60, 60));
    let mut x = 16;
    for family in Family::ALL {
        if family == Family::Base || !rows.iter().any(|row| row.family == family) {
            continue;
        }
        draw_marker(root, family, (x + 5, y), 4)?;
        let words = family.describe();
        root.draw(&Text::new(words, (x + 16, y - 7), style.clone()))
            .map_err(text)?;
        let width = root.estimate_text_size(words, &style).map_or(100, |s| s.0) as i32;
        x += 16 + width + 22;
    }
    Ok(())
}
