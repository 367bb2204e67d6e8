//! The figure columns of a configuration's table, defined once for the
//! harness's terminal table, the report's page and its CSV: header,
//! whether a row has the figure, alignment, the cell in the medium's
//! characters ([`Medium`]) and the CSV's columns with their raw values.
//! Each table picks its columns from here and adds only what belongs to
//! its medium (the page's ordering and wait, and the kind and samples of
//! its latency cell; the terminal's wait text and percentile columns);
//! the CSV writes [`CSV`], every figure, in its order.

use crate::format::{
    Medium, millions, millions_interval, nanoseconds, per_message, ratio, ratio_interval, shares,
    trim,
};
use crate::model::{IntervalKind, Summary};

/// One figure column.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    /// The header: `{baseline}` stands for the baseline's name, `{times}`
    /// for the medium's times sign.
    template: &'static str,
    /// Width in a terminal.
    pub width: usize,
    /// Text, left-aligned (otherwise a number, right-aligned).
    pub left: bool,
    /// Whether a row has this figure: the page shows a column only where
    /// some row has it (older files lack some figures).
    pub has: fn(&Summary) -> bool,
    /// The cell, in the medium's characters.
    pub cell: fn(&Summary, Medium) -> String,
    /// Shown in work-sharing configurations only.
    pub work_sharing_only: bool,
    /// The CSV's columns for this figure.
    pub csv: &'static [CsvField],
    /// The per-message chart the report draws of this figure, if any.
    pub chart: Option<PerMessageChart>,
}

/// A figure the report draws per message, one bar per implementation
/// and category ([`PER_MESSAGE_CHARTS`]; the measured counters follow
/// them, one chart each).
#[derive(Clone, Copy, Debug)]
pub struct PerMessageChart {
    /// What is counted, as the chart's title says it (`{name} per message`).
    pub name: &'static str,
    /// Its unit, on the vertical axis.
    pub unit: &'static str,
    /// Its value in a summary.
    pub value: fn(&Summary) -> Option<f64>,
}

/// A column of the CSV: its header and its value as written (empty where
/// the row lacks it).
#[derive(Clone, Copy, Debug)]
pub struct CsvField {
    /// The header.
    pub name: &'static str,
    /// The value, unformatted.
    pub value: fn(&Summary) -> String,
    /// Written for a row that did not pass too (the verdict's counts);
    /// every other figure of such a row is left empty, so that nothing
    /// drawn from the CSV picks up the figures of runs the oracle failed.
    pub kept_when_failed: bool,
}

impl CsvField {
    const fn figure(name: &'static str, value: fn(&Summary) -> String) -> Self {
        Self {
            name,
            value,
            kept_when_failed: false,
        }
    }
}

/// A number as the CSV writes it: shortest round-trip text, empty when
/// absent.
pub fn number(value: Option<f64>) -> String {
    value.map_or_else(String::new, |v| v.to_string())
}

impl Column {
    /// The header for a table whose baseline is `baseline`.
    pub fn header(&self, baseline: &str, medium: Medium) -> String {
        self.template
            .replace("{baseline}", baseline)
            .replace("{times}", medium.times())
    }
}

/// An interval, with `(min–max)` after it where it is the lowest and
/// highest value rather than a bootstrap interval (files written before
/// intervals were recorded).
fn marked(
    interval: Option<((f64, f64), IntervalKind)>,
    show: fn(Option<(f64, f64)>, Medium) -> String,
    medium: Medium,
) -> String {
    match interval {
        Some((interval, IntervalKind::MinMax)) => {
            format!(
                "{} ({})",
                show(Some(interval), medium),
                IntervalKind::MinMax.label()
            )
        }
        Some((interval, IntervalKind::Bootstrap)) => show(Some(interval), medium),
        None => medium.missing().to_owned(),
    }
}

/// Median throughput over passed measured runs.
pub const MEDIAN: Column = Column {
    template: "median M/s",
    width: 10,
    left: false,
    has: |s| s.median.is_some(),
    cell: |s, medium| millions(s.median, medium),
    work_sharing_only: false,
    csv: &[
        CsvField::figure("median_msg_per_s", |s| number(s.median)),
        CsvField::figure("min_msg_per_s", |s| number(s.min)),
        CsvField::figure("max_msg_per_s", |s| number(s.max)),
    ],
    chart: None,
};

/// Its 95% bootstrap interval (min–max where the file has none).
pub const THROUGHPUT_INTERVAL: Column = Column {
    template: "95% CI M/s",
    width: 15,
    left: false,
    has: |s| s.throughput_interval().is_some(),
    cell: |s, medium| marked(s.throughput_interval(), millions_interval, medium),
    work_sharing_only: false,
    csv: &[
        CsvField::figure("throughput_ci_low", |s| {
            number(s.throughput_ci.map(|c| c.0))
        }),
        CsvField::figure("throughput_ci_high", |s| {
            number(s.throughput_ci.map(|c| c.1))
        }),
    ],
    chart: None,
};

/// The median per-round ratio to the baseline.
pub const RATIO: Column = Column {
    template: "vs {baseline}",
    width: 12,
    left: false,
    has: |s| s.ratio_to_baseline.is_some(),
    cell: |s, medium| ratio(s.ratio_to_baseline, medium),
    work_sharing_only: false,
    csv: &[
        CsvField::figure("ratio_to_baseline", |s| number(s.ratio_to_baseline)),
        CsvField::figure("ratio_min", |s| number(s.ratio_min)),
        CsvField::figure("ratio_max", |s| number(s.ratio_max)),
    ],
    chart: None,
};

/// Its 95% bootstrap interval (per-round min–max where the file has none).
pub const RATIO_INTERVAL: Column = Column {
    template: "ratio 95% CI",
    width: 13,
    left: false,
    has: |s| s.ratio_interval().is_some(),
    cell: |s, medium| marked(s.ratio_interval(), ratio_interval, medium),
    work_sharing_only: false,
    csv: &[
        CsvField::figure("ratio_ci_low", |s| number(s.ratio_ci.map(|c| c.0))),
        CsvField::figure("ratio_ci_high", |s| number(s.ratio_ci.map(|c| c.1))),
    ],
    chart: None,
};

/// With several layouts: the lowest and highest layout median.
pub const LAYOUT_RANGE: Column = Column {
    template: "layouts M/s",
    width: 15,
    left: false,
    has: |s| s.layout_range.is_some(),
    cell: |s, medium| millions_interval(s.layout_range, medium),
    work_sharing_only: false,
    csv: &[
        CsvField::figure("layouts_low_msg_per_s", |s| {
            number(s.layout_range.map(|r| r.0))
        }),
        CsvField::figure("layouts_high_msg_per_s", |s| {
            number(s.layout_range.map(|r| r.1))
        }),
    ],
    chart: None,
};

/// With several layouts: the lowest and highest layout median ratio.
pub const RATIO_LAYOUT_RANGE: Column = Column {
    template: "ratio layouts",
    width: 13,
    left: false,
    has: |s| s.ratio_layout_range.is_some(),
    cell: |s, medium| ratio_interval(s.ratio_layout_range, medium),
    work_sharing_only: false,
    csv: &[
        CsvField::figure("ratio_layouts_low", |s| {
            number(s.ratio_layout_range.map(|r| r.0))
        }),
        CsvField::figure("ratio_layouts_high", |s| {
            number(s.ratio_layout_range.map(|r| r.1))
        }),
    ],
    chart: None,
};

/// CPU time of every run thread per message.
pub const CPU: Column = Column {
    template: "CPU ns/msg",
    width: 10,
    left: false,
    has: |s| s.cpu_ns_per_message.is_some(),
    cell: |s, medium| per_message(s.cpu_ns_per_message, medium),
    work_sharing_only: false,
    csv: &[CsvField::figure("cpu_ns_per_message", |s| {
        number(s.cpu_ns_per_message)
    })],
    chart: Some(PerMessageChart {
        name: "CPU time",
        unit: "ns",
        value: |s| s.cpu_ns_per_message,
    }),
};

/// Heap allocations per message in the measured region.
pub const ALLOCATIONS: Column = Column {
    template: "alloc/msg",
    width: 9,
    left: false,
    has: |s| s.allocations_per_message.is_some(),
    cell: |s, medium| per_message(s.allocations_per_message, medium),
    work_sharing_only: false,
    csv: &[CsvField::figure("allocations_per_message", |s| {
        number(s.allocations_per_message)
    })],
    chart: Some(PerMessageChart {
        name: "allocations",
        unit: "allocations",
        value: |s| s.allocations_per_message,
    }),
};

/// Heap bytes allocated per message in the measured region.
pub const ALLOCATED_BYTES: Column = Column {
    template: "alloc B/msg",
    width: 11,
    left: false,
    has: |s| s.allocated_bytes_per_message.is_some(),
    cell: |s, medium| per_message(s.allocated_bytes_per_message, medium),
    work_sharing_only: false,
    csv: &[CsvField::figure("allocated_bytes_per_message", |s| {
        number(s.allocated_bytes_per_message)
    })],
    chart: None,
};

/// The median multiple of the floor (the core-to-core round trip measured
/// in the same round), with its interval.
pub const FLOOR: Column = Column {
    template: "{times} floor",
    width: 17,
    left: false,
    has: |s| s.floor_multiple.is_some(),
    cell: |s, medium| match s.floor_multiple_ci {
        Some(ci) if s.floor_multiple.is_some() => format!(
            "{} {}",
            ratio(s.floor_multiple, medium),
            ratio_interval(Some(ci), medium)
        ),
        _ => ratio(s.floor_multiple, medium),
    },
    work_sharing_only: false,
    csv: &[
        CsvField::figure("floor_multiple", |s| number(s.floor_multiple)),
        CsvField::figure("floor_multiple_ci_low", |s| {
            number(s.floor_multiple_ci.map(|c| c.0))
        }),
        CsvField::figure("floor_multiple_ci_high", |s| {
            number(s.floor_multiple_ci.map(|c| c.1))
        }),
    ],
    chart: None,
};

/// The oracle's verdict: the worst over the runs, and passed of measured.
pub const ORACLE: Column = Column {
    template: "oracle",
    width: 13,
    left: true,
    has: |_| true,
    cell: |s, _| format!("{} {}/{}", s.verdict, s.passed_runs, s.measured_runs),
    work_sharing_only: false,
    csv: &[
        CsvField {
            name: "verdict",
            value: |s| s.verdict.as_str().to_owned(),
            kept_when_failed: true,
        },
        CsvField {
            name: "passed_runs",
            value: |s| s.passed_runs.to_string(),
            kept_when_failed: true,
        },
        CsvField {
            name: "measured_runs",
            value: |s| s.measured_runs.to_string(),
            kept_when_failed: true,
        },
    ],
    chart: None,
};

/// Latency percentiles: p50 / p99 / p99.9 / max.
pub const LATENCY: Column = Column {
    template: "latency p50 / p99 / p99.9 / max",
    width: 31,
    left: false,
    has: |s| s.latency.is_some(),
    cell: |s, medium| {
        [50.0, 99.0, 99.9, 100.0]
            .map(|p| {
                s.latency_at(p)
                    .map_or_else(|| medium.missing().to_owned(), nanoseconds)
            })
            .join(" / ")
    },
    work_sharing_only: false,
    csv: &[
        CsvField::figure("latency_p50_ns", |s| number(s.latency_at(50.0))),
        CsvField::figure("latency_p99_ns", |s| number(s.latency_at(99.0))),
        CsvField::figure("latency_p99_9_ns", |s| number(s.latency_at(99.9))),
        CsvField::figure("latency_max_ns", |s| number(s.latency_at(100.0))),
    ],
    chart: None,
};

/// Event counters per message: the measured ones only (unavailable
/// counters are named apart, never shown as zero).
pub const COUNTERS: Column = Column {
    template: "counters per message",
    width: 30,
    left: true,
    has: |s| !s.counters.is_empty(),
    cell: |s, _| {
        s.counters
            .iter()
            .filter_map(|c| {
                c.per_message
                    .map(|value| format!("{} {} {}", c.name, trim(value), c.unit))
            })
            .collect::<Vec<_>>()
            .join("; ")
    },
    work_sharing_only: false,
    // `name=value` pairs separated by `;`.
    csv: &[CsvField::figure("counters_per_message", |s| {
        s.counters
            .iter()
            .filter_map(|c| c.per_message.map(|v| format!("{}={v}", c.name)))
            .collect::<Vec<_>>()
            .join(";")
    })],
    chart: None,
};

/// The medians of the lowest and the highest consumer's share of the
/// messages, in work-sharing runs.
pub const CONSUMER_SHARE: Column = Column {
    template: "consumer share",
    width: 9,
    left: false,
    has: |s| s.consumer_share.is_some(),
    cell: |s, medium| {
        s.consumer_share
            .map_or_else(|| medium.missing().to_owned(), shares)
    },
    work_sharing_only: true,
    csv: &[
        CsvField::figure("consumer_share_low", |s| {
            number(s.consumer_share.map(|c| c.0))
        }),
        CsvField::figure("consumer_share_high", |s| {
            number(s.consumer_share.map(|c| c.1))
        }),
    ],
    chart: None,
};

/// Every figure column, in the CSV's order: the figures files have long
/// had first, then those added since (appended, so older readers keep
/// their columns).
pub const CSV: [&Column; 14] = [
    &ORACLE,
    &MEDIAN,
    &THROUGHPUT_INTERVAL,
    &RATIO,
    &RATIO_INTERVAL,
    &CPU,
    &ALLOCATIONS,
    &ALLOCATED_BYTES,
    &LATENCY,
    &COUNTERS,
    &LAYOUT_RANGE,
    &RATIO_LAYOUT_RANGE,
    &CONSUMER_SHARE,
    &FLOOR,
];

/// The figures drawn per message before the counters, in the order of
/// their charts (their files are numbered in it).
pub const PER_MESSAGE_CHARTS: [&Column; 2] = [&CPU, &ALLOCATIONS];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Medium::{Page, Terminal};
    use schema::Label;

    fn summary() -> Summary {
        serde_json::from_value(serde_json::json!({
            "implementation": "q",
            "verdict": "pass",
            "measured_runs": 5,
            "passed_runs": 5,
            "median": 2.5e6,
            "min": 1e6,
            "max": 3e6,
            "ratio_to_baseline": 1.5,
            "ratio_min": 1.25,
            "ratio_max": 1.75,
            "floor_multiple": 0.5,
            "floor_multiple_ci": [0.25, 0.75]
        }))
        .unwrap()
    }

    #[test]
    fn cells_differ_between_media_only_in_their_marks() {
        let s = summary();
        assert_eq!((MEDIAN.cell)(&s, Terminal), (MEDIAN.cell)(&s, Page));
        assert_eq!((RATIO.cell)(&s, Terminal), "1.50x");
        assert_eq!((RATIO.cell)(&s, Page), "1.50×");
        assert_eq!((FLOOR.cell)(&s, Terminal), "0.50x 0.25–0.75x");
        assert_eq!(FLOOR.header("b", Page), "× floor");
        assert_eq!(RATIO.header("crossbeam", Terminal), "vs crossbeam");
        assert_eq!((CPU.cell)(&s, Terminal), "-");
        assert_eq!((CPU.cell)(&s, Page), "–");
        assert!(!(CPU.has)(&s));
        assert_eq!((ORACLE.cell)(&s, Page), "pass 5/5");
        assert_eq!(s.verdict, Label::Pass);
    }

    #[test]
    fn a_min_max_interval_says_so() {
        let mut s = summary();
        assert_eq!(
            (THROUGHPUT_INTERVAL.cell)(&s, Terminal),
            "1.00–3.00 (min–max)"
        );
        assert_eq!((RATIO_INTERVAL.cell)(&s, Page), "1.25–1.75× (min–max)");
        s.throughput_ci = Some((2e6, 2.75e6));
        assert_eq!((THROUGHPUT_INTERVAL.cell)(&s, Page), "2.00–2.75");
    }

    #[test]
    fn every_charted_figure_is_drawn_and_every_drawn_one_is_charted() {
        for column in CSV {
            let listed = PER_MESSAGE_CHARTS
                .iter()
                .any(|drawn| drawn.template == column.template);
            assert_eq!(
                column.chart.is_some(),
                listed,
                "{}: a chart and a place in PER_MESSAGE_CHARTS go together",
                column.template
            );
        }
        for column in PER_MESSAGE_CHARTS {
            assert!(CSV.iter().any(|listed| listed.template == column.template));
        }
        let mut s = summary();
        s.cpu_ns_per_message = Some(12.5);
        let chart = CPU.chart.expect("CPU time is charted");
        assert_eq!((chart.name, (chart.value)(&s)), ("CPU time", Some(12.5)));
    }
}
