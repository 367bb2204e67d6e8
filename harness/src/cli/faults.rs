//! `harness scenario` for a fault scenario: every implementation and
//! topology with each fault injected, the table and the results file.

use std::path::Path;
use std::process::ExitCode;

use impls::Roster;
use scenarios::FaultScenario;

use super::args::ScenarioArgs;
use super::context::{Context, InputError, progress_bar, unix_now, write_results};
use crate::faults::{self, BATCH, CAPACITY, Expectation, FaultReport, FaultSpec, WAIT};
use crate::placement::Cores;
use crate::provenance::Provenance;
use crate::results;

/// A fault scenario as run, for its results file.
#[derive(serde::Serialize)]
struct FaultScenarioRecord<'a> {
    name: &'a str,
    path: &'a Path,
    description: &'a str,
    implementations: &'a [&'static str],
    faults: &'a [faults::Fault],
    topologies: &'a [impls::Topology],
    messages: u64,
    timeout_secs: f64,
    quick: bool,
    capacity: usize,
    batch: usize,
    wait: &'static str,
}

/// Results of a fault scenario, as written to its file.
#[derive(serde::Serialize)]
struct FaultsFile<'a> {
    schema: &'static str,
    command: Vec<String>,
    started_at_unix: u64,
    finished_at_unix: u64,
    scenario: FaultScenarioRecord<'a>,
    provenance: Provenance,
    runs: Vec<FaultReport>,
}

pub(super) fn faults<R: Roster>(
    context: &Context,
    args: &ScenarioArgs,
    scenario: FaultScenario,
) -> Result<ExitCode, InputError> {
    let cores = Cores::detect();
    let started = unix_now();
    let provenance = crate::provenance::collect(&context.home, cores.ids());
    let runs = faults::plan(&scenario);
    let heading = format!(
        "capacity {CAPACITY} (or the implementation's smallest) · batch {BATCH} · {} messages per run · wait {} · watchdog {} s",
        scenario.messages,
        WAIT.name(),
        scenario.timeout.as_secs()
    );
    eprintln!(
        "scenario {} (faults): {} implementations x the listed topologies each runs x {} faults = {} runs; {heading}; {} build",
        scenario.name,
        scenario.implementations.len(),
        scenario.faults.len(),
        runs.len(),
        provenance.profile,
    );
    let reports = run_all::<R>(&runs, args.no_progress);
    println!("\nfaults · {heading}");
    print!("{}", faults::render(&reports, &scenario.faults));
    let unbounded: Vec<&str> = context
        .known
        .iter()
        .filter(|info| !info.bounded)
        .map(|info| info.name)
        .collect();
    print!("{}", faults::unbounded_note(&reports, &unbounded));
    println!(
        "expected: recovered, but disconnected where a consumer_dropped or consumer_panic run leaves \
         no consumer that can receive every message (spsc, mpsc, pipeline, diamond); \
         * marks what falls short of it (listed below)"
    );
    let file = FaultsFile {
        schema: faults::SCHEMA,
        command: std::env::args().collect(),
        started_at_unix: started,
        finished_at_unix: unix_now(),
        scenario: FaultScenarioRecord {
            name: &scenario.name,
            path: &scenario.path,
            description: &scenario.description,
            implementations: &scenario.implementations,
            faults: &scenario.faults,
            topologies: &scenario.topologies,
            messages: scenario.messages,
            timeout_secs: scenario.timeout.as_secs_f64(),
            quick: args.quick,
            capacity: CAPACITY,
            batch: BATCH,
            wait: WAIT.name(),
        },
        provenance,
        runs: reports,
    };
    let out_dir = args.out.clone().unwrap_or_else(|| context.results_dir());
    let name = format!("{}-{}", scenario.name, results::timestamp(started));
    write_results(&file, &out_dir, &name)?;
    Ok(exit_status(&file.runs))
}

/// Runs every planned fault run in order, with a progress bar, or a line
/// per run where there is none; runs short of the contract are named as
/// they end.
fn run_all<R: Roster>(runs: &[(&'static str, FaultSpec)], no_progress: bool) -> Vec<FaultReport> {
    let progress = progress_bar(runs.len() as u64, no_progress);
    let mut reports = Vec::with_capacity(runs.len());
    for (index, (name, spec)) in runs.iter().enumerate() {
        let what = format!("{name} {} {}", spec.setup.topology, spec.fault);
        if let Some(bar) = &progress {
            bar.set_message(what.clone());
        }
        let report = faults::run_in::<R>(name, spec);
        let line = format!(
            "[{}/{}] {what}: {}{}",
            index + 1,
            runs.len(),
            report.label,
            if report.met_contract {
                ""
            } else {
                " (short of the contract)"
            }
        );
        match &progress {
            Some(bar) => {
                bar.inc(1);
                if !report.met_contract {
                    bar.println(line);
                }
            }
            None => eprintln!("{line}"),
        }
        reports.push(report);
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    reports
}

/// Lists every run that fell short of the contract, with its problems;
/// success only when none did.
fn exit_status(runs: &[FaultReport]) -> ExitCode {
    let short: Vec<&FaultReport> = runs.iter().filter(|r| !r.met_contract).collect();
    if short.is_empty() {
        println!("every run met the contract");
        return ExitCode::SUCCESS;
    }
    eprintln!(
        "\n{} OF {} RUNS FELL SHORT OF THE CONTRACT:",
        short.len(),
        runs.len()
    );
    for report in short {
        eprintln!(
            "  {} {} (P{} C{}) {}: {} (expected {})",
            report.implementation,
            report.spec.setup.topology,
            report.spec.setup.producers,
            report.spec.setup.consumers,
            report.spec.fault,
            report.label,
            match report.expected {
                Expectation::Recovered => "recovered",
                Expectation::Disconnected => "disconnected",
            }
        );
        for problem in &report.problems {
            eprintln!("      {problem}");
        }
    }
    ExitCode::FAILURE
}
