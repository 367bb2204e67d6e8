//! Merging the results files of child processes into one: every run
//! tagged with its process and layout, rounds numbered through in the
//! order they ran, floors and summaries computed again over all of them,
//! and each summary given its between-layout interval.

use std::collections::BTreeSet;

use super::children::Part;
use crate::results::{Configuration, Results, RunRecord, Summary};
use crate::stats::min_max;
use crate::sweep::{self, Basis};

/// Merges `parts` (one side's children, in the order they ran; `layout_of`
/// gives each part's layout) into one results file. With one layout the
/// runs carry no layout. The first part's record of the scenario, machine
/// and provenance is kept; the caller sets what describes the whole.
pub fn merge(parts: &[&Part], layout_of: impl Fn(&Part) -> u32) -> Result<Results, String> {
    let first = parts
        .first()
        .ok_or_else(|| "no process ran, so there is nothing to merge".to_owned())?;
    let layouts: BTreeSet<u32> = parts.iter().map(|part| layout_of(part)).collect();
    let several = layouts.len() > 1;
    let mut merged = first.results.clone();
    for configuration in &mut merged.configurations {
        configuration.runs.clear();
        if let Some(floor) = &mut configuration.floor {
            floor.rounds.clear();
        }
    }
    let mut offset = 0u32;
    for part in parts {
        let results = &part.results;
        if results.configurations.len() != merged.configurations.len() {
            return Err(format!(
                "a child ran {} configurations where the first ran {}: the builds read the scenario differently",
                results.configurations.len(),
                merged.configurations.len()
            ));
        }
        let layout = several.then(|| layout_of(part));
        for (into, from) in merged
            .configurations
            .iter_mut()
            .zip(&results.configurations)
        {
            if key(into) != key(from) {
                return Err(format!(
                    "a child ran configuration {:?} where the first ran {:?}: the builds read the scenario differently",
                    key(from),
                    key(into)
                ));
            }
            into.runs.extend(from.runs.iter().map(|run| RunRecord {
                round: run.round + offset,
                process: Some(part.process),
                layout,
                ..run.clone()
            }));
            if let (Some(floor), Some(other)) = (&mut into.floor, &from.floor) {
                floor.rounds.extend(other.rounds.iter().map(|round| {
                    let mut round = round.clone();
                    round.round += offset;
                    round
                }));
            }
            for note in &from.notes {
                if !into.notes.contains(note) {
                    into.notes.push(note.clone());
                }
            }
        }
        offset += results.scenario.warmup + results.scenario.repetitions;
    }
    summarise_again(&mut merged, &first.results, several.then_some(&layouts));
    Ok(merged)
}

/// Computes `merged`'s floors and summaries again over its merged runs,
/// against the first child's machine (`first`); with several `layouts`,
/// each summary gets its between-layout intervals.
fn summarise_again(merged: &mut Results, first: &Results, layouts: Option<&BTreeSet<u32>>) {
    let machine = first.machine.clone().unwrap_or_default();
    let basis = Basis {
        counters: &machine.counters,
        timer: &machine.timer.source,
        round_trip_floor_ns: machine.core_to_core_round_trip_ns,
    };
    let scenario = &merged.scenario;
    for configuration in &mut merged.configurations {
        if let Some(floor) = configuration.floor.take() {
            configuration.floor = Some(crate::results::floor(floor.cores, floor.rounds));
        }
        let mode = sweep::recorded_mode(scenario.kind, configuration);
        let summaries = configuration
            .summary
            .iter()
            .map(|old| {
                let runs = &configuration.runs;
                let mut summary = sweep::summarise(
                    &old.implementation,
                    &scenario.baseline,
                    runs,
                    old.wait.clone(),
                );
                sweep::measure_summary(
                    &mut summary,
                    runs,
                    scenario.messages,
                    basis,
                    configuration.floor.as_ref(),
                    mode,
                    scenario.topology,
                );
                if let Some(layouts) = layouts {
                    layout_ranges(&mut summary, &scenario.baseline, runs, layouts);
                }
                summary
            })
            .collect();
        configuration.summary = summaries;
    }
}

/// What must be the same for two children's configurations to be one.
fn key(configuration: &Configuration) -> String {
    format!(
        "P{} C{} cap {} {}B batch {} {} {:?} {:?}",
        configuration.producers,
        configuration.consumers,
        configuration.capacity,
        configuration.payload,
        configuration.batch,
        configuration.wait.name(),
        configuration.consume,
        configuration.rate
    )
}

/// Sets `summary`'s between-layout intervals: the lowest and highest of
/// the layouts' median throughputs, and of their median per-round ratios
/// to `baseline`.
fn layout_ranges(
    summary: &mut Summary,
    baseline: &str,
    runs: &[RunRecord],
    layouts: &BTreeSet<u32>,
) {
    let mut medians = Vec::new();
    let mut ratios = Vec::new();
    for &layout in layouts {
        let in_layout: Vec<RunRecord> = runs
            .iter()
            .filter(|run| run.layout == Some(layout))
            .cloned()
            .collect();
        let one = sweep::summarise(&summary.implementation, baseline, &in_layout, String::new());
        medians.extend(one.median);
        ratios.extend(one.ratio_to_baseline);
    }
    summary.layout_range = (medians.len() > 1).then(|| min_max(&medians)).flatten();
    summary.ratio_layout_range = (ratios.len() > 1).then(|| min_max(&ratios)).flatten();
}
