//! Analysis: a configuration's runs turned into each implementation's
//! complete [`Summary`] in one pass. The harness measures (the sweep, or
//! child processes merged), this summarises, reports render.
//!
//! The files follow a summary's parts: `inputs` holds what it is computed
//! against ([`Setting`], [`Basis`]); `throughput` the medians, intervals
//! and per-round ratios to the baseline; `costs` CPU time, allocations,
//! counters and latency per message; `floor` the SPSC floor multiple.
//! The statistics (medians, bootstrap intervals) are [`reports::stats`].

use std::collections::BTreeSet;

use reports::stats::{median, median_ci, min_max};
use schema::Costs;

use crate::results::{RunRecord, Summary};

mod costs;
mod floor;
mod inputs;
mod throughput;

pub use inputs::{Basis, Setting};

/// Implementation `name`'s summary over `runs` (every implementation's
/// runs of one configuration), `wait` its wait strategy as labelled.
pub fn summary(name: &str, wait: String, runs: &[RunRecord], setting: &Setting<'_>) -> Summary {
    let figures = throughput::throughput(name, setting.baseline, runs);
    let passed_costs: Vec<&Costs> = runs
        .iter()
        .filter(|run| run.implementation == name && !run.warmup)
        .filter_map(|run| run.outcome.costs())
        .collect();
    let per_message = costs::per_message_costs(&passed_costs, setting.messages);
    let multiples = floor::floor_multiples(name, runs, setting);
    let layouts = setting
        .layouts
        .map(|layouts| layout_ranges(name, setting.baseline, runs, layouts))
        .unwrap_or_default();
    Summary {
        implementation: name.to_owned(),
        wait,
        measured_runs: figures.measured,
        passed_runs: figures.passed,
        verdict: figures.verdict,
        median: figures.median,
        min: figures.min,
        max: figures.max,
        ratio_to_baseline: figures.ratio,
        ratio_min: figures.ratio_min,
        ratio_max: figures.ratio_max,
        consumer_share: figures.consumer_share,
        throughput_ci: figures.interval,
        ratio_ci: figures.ratio_interval,
        cpu_ns_per_message: per_message.cpu_ns,
        allocations_per_message: per_message.allocations,
        allocated_bytes_per_message: per_message.allocated_bytes,
        counters: costs::counters(&passed_costs, setting.messages, setting.basis),
        latency: costs::latency(&passed_costs, setting.mode, setting.basis.timer),
        floor_multiple: median(&multiples),
        floor_multiple_ci: median_ci(&multiples),
        layout_range: layouts.throughput,
        ratio_layout_range: layouts.ratio,
    }
}

/// The lowest and highest of the layouts' medians.
#[derive(Default)]
struct LayoutRanges {
    /// Of the median throughputs.
    throughput: Option<(f64, f64)>,
    /// Of the median per-round ratios to the baseline.
    ratio: Option<(f64, f64)>,
}

/// The between-layout intervals of implementation `name` over several
/// `layouts`: the lowest and highest of the layouts' median throughputs,
/// and of their median per-round ratios to `baseline`; none where fewer
/// than two layouts have the figure.
fn layout_ranges(
    name: &str,
    baseline: &str,
    runs: &[RunRecord],
    layouts: &BTreeSet<u32>,
) -> LayoutRanges {
    let mut medians = Vec::new();
    let mut ratios = Vec::new();
    for &layout in layouts {
        let in_layout: Vec<RunRecord> = runs
            .iter()
            .filter(|run| run.layout == Some(layout))
            .cloned()
            .collect();
        let one = throughput::throughput(name, baseline, &in_layout);
        medians.extend(one.median);
        ratios.extend(one.ratio);
    }
    LayoutRanges {
        throughput: (medians.len() > 1).then(|| min_max(&medians)).flatten(),
        ratio: (ratios.len() > 1).then(|| min_max(&ratios)).flatten(),
    }
}
