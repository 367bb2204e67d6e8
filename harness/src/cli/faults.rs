//! `harness scenario` for a fault scenario: every implementation and
//! topology with each fault injected, the table and the results file.

use super::args::ScenarioArgs;
use super::context::{Context, InputError, progress_bar, unix_now, write_results};
use crate::placement::Cores;
use crate::provenance::Provenance;
use crate::results;
use impls::Roster;
use scenarios::FaultScenario;
use std::path::Path;
use std::process::ExitCode;

/// A fault scenario as run, for its results file.
#[derive(serde::Serialize)]
struct FaultScenarioRecord<'a> {
    name: &'a str,
    path: &'a Path,
    description: &'a str,
    implementations: &'a [&'static str],
    faults: &'a [crate::faults::Fault],
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
    runs: Vec<crate::faults::FaultReport>,
}

pub(super) fn faults<R: Roster>(
    context: &Context,
    args: &ScenarioArgs,
    scenario: FaultScenario,
) -> Result<ExitCode, InputError> {
    use crate::faults::{self, BATCH, CAPACITY, WAIT};
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
    let progress = progress_bar(runs.len() as u64, args.no_progress);
    let mut reports = Vec::with_capacity(runs.len());
    for (index, (name, spec)) in runs.iter().enumerate() {
        let what = format!("{name} {} {}", spec.topology, spec.fault);
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
    let short: Vec<&faults::FaultReport> = file.runs.iter().filter(|r| !r.met_contract).collect();
    if short.is_empty() {
        println!("every run met the contract");
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "\n{} OF {} RUNS FELL SHORT OF THE CONTRACT:",
        short.len(),
        file.runs.len()
    );
    for report in short {
        eprintln!(
            "  {} {} (P{} C{}) {}: {} (expected {})",
            report.implementation,
            report.spec.topology,
            report.spec.producers,
            report.spec.consumers,
            report.spec.fault,
            report.label,
            match report.expected {
                faults::Expectation::Recovered => "recovered",
                faults::Expectation::Disconnected => "disconnected",
            }
        );
        for problem in &report.problems {
            eprintln!("      {problem}");
        }
    }
    Ok(ExitCode::FAILURE)
}
