//! The figure columns of a configuration's table, defined once for the
//! harness's terminal table and the report's page: header, whether a row
//! has the figure, alignment, and the cell in the medium's characters
//! ([`Medium`]). Each table picks its columns from here and adds only what
//! belongs to its medium (the page's ordering, wait, latency and counters
//! columns; the terminal's wait text and percentile columns).

use crate::format::{Medium, millions, millions_interval, per_message, ratio, ratio_interval};
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
};

/// Its 95% bootstrap interval (min–max where the file has none).
pub const THROUGHPUT_INTERVAL: Column = Column {
    template: "95% CI M/s",
    width: 15,
    left: false,
    has: |s| s.throughput_interval().is_some(),
    cell: |s, medium| marked(s.throughput_interval(), millions_interval, medium),
};

/// The median per-round ratio to the baseline.
pub const RATIO: Column = Column {
    template: "vs {baseline}",
    width: 12,
    left: false,
    has: |s| s.ratio_to_baseline.is_some(),
    cell: |s, medium| ratio(s.ratio_to_baseline, medium),
};

/// Its 95% bootstrap interval (per-round min–max where the file has none).
pub const RATIO_INTERVAL: Column = Column {
    template: "ratio 95% CI",
    width: 13,
    left: false,
    has: |s| s.ratio_interval().is_some(),
    cell: |s, medium| marked(s.ratio_interval(), ratio_interval, medium),
};

/// With several layouts: the lowest and highest layout median.
pub const LAYOUT_RANGE: Column = Column {
    template: "layouts M/s",
    width: 15,
    left: false,
    has: |s| s.layout_range.is_some(),
    cell: |s, medium| millions_interval(s.layout_range, medium),
};

/// With several layouts: the lowest and highest layout median ratio.
pub const RATIO_LAYOUT_RANGE: Column = Column {
    template: "ratio layouts",
    width: 13,
    left: false,
    has: |s| s.ratio_layout_range.is_some(),
    cell: |s, medium| ratio_interval(s.ratio_layout_range, medium),
};

/// CPU time of every run thread per message.
pub const CPU: Column = Column {
    template: "CPU ns/msg",
    width: 10,
    left: false,
    has: |s| s.cpu_ns_per_message.is_some(),
    cell: |s, medium| per_message(s.cpu_ns_per_message, medium),
};

/// Heap allocations per message in the measured region.
pub const ALLOCATIONS: Column = Column {
    template: "alloc/msg",
    width: 9,
    left: false,
    has: |s| s.allocations_per_message.is_some(),
    cell: |s, medium| per_message(s.allocations_per_message, medium),
};

/// Heap bytes allocated per message in the measured region.
pub const ALLOCATED_BYTES: Column = Column {
    template: "alloc B/msg",
    width: 11,
    left: false,
    has: |s| s.allocated_bytes_per_message.is_some(),
    cell: |s, medium| per_message(s.allocated_bytes_per_message, medium),
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
};

/// The oracle's verdict: the worst over the runs, and passed of measured.
pub const ORACLE: Column = Column {
    template: "oracle",
    width: 13,
    left: true,
    has: |_| true,
    cell: |s, _| format!("{} {}/{}", s.verdict, s.passed_runs, s.measured_runs),
};

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
}
