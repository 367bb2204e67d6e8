//! Merging the results files of child processes into one: every run
//! tagged with its process and layout, rounds numbered through in the
//! order they ran, floors and summaries computed again over all of them,
//! and each summary given its between-layout interval.

use std::collections::BTreeSet;

use super::children::Part;
use crate::analysis::{self, Basis, Setting};
use crate::results::{Results, RunRecord};
use crate::sweep;

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
            let topology = results.scenario.topology;
            if into.key(topology) != from.key(topology) || into.wait != from.wait {
                return Err(format!(
                    "a child ran configuration {} (wait {}) where the first ran {} (wait {}): the builds read the scenario differently",
                    from.key(topology),
                    from.wait,
                    into.key(topology),
                    into.wait
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
        let setting = Setting {
            baseline: &scenario.baseline,
            messages: scenario.messages,
            basis,
            floor: configuration.floor.as_ref(),
            mode: sweep::recorded_mode(scenario.kind, configuration),
            topology: scenario.topology,
            layouts,
        };
        configuration.summary = configuration
            .summary
            .iter()
            .map(|old| {
                analysis::summary(
                    &old.implementation,
                    old.wait.clone(),
                    &configuration.runs,
                    &setting,
                )
            })
            .collect();
    }
}
