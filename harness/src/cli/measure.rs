//! `harness scenario` for a measurement: the sweep with its progress,
//! the results file, the tables and verdicts, and the exit status.

use std::path::Path;
use std::process::ExitCode;

use impls::Roster;
use reports::terminal as table;
use scenarios::Scenario;

use super::args::ScenarioArgs;
use super::context::{Context, InputError, measure_machine, progress_bar, unix_now, write_results};
use super::report::report;
use crate::placement::Cores;
use crate::provenance::Provenance;
use crate::results;
use crate::results::{ImplementationRecord, Results, ScenarioRecord};
use crate::sweep;
use crate::sweep::{Event, SweepOptions};

pub(super) fn measure<R: Roster>(
    context: &Context,
    args: &ScenarioArgs,
    scenario: Scenario,
) -> Result<ExitCode, InputError> {
    // Read the core list before any thread is pinned.
    let cores = Cores::detect();
    let started = unix_now();
    let provenance = crate::provenance::collect(&context.home, cores.ids());
    let out_dir = args.out.clone().unwrap_or_else(|| context.results_dir());
    let runs_total = announce(&scenario, &cores, &provenance);
    let (configurations, mut machine, levels) =
        if args.processes.unwrap_or(1) > 1 || args.layouts.unwrap_or(1) > 1 {
            let merged = super::levels::merged_sweep(context, args, &scenario)?;
            let mut machine = merged.machine.unwrap_or_default();
            // Each child noted its own unstable floors; the merged floors are
            // noted again below.
            machine
                .notes
                .retain(|note| !note.starts_with(UNSTABLE_PLACEMENT));
            (merged.configurations, machine, merged.levels)
        } else {
            let options = SweepOptions {
                allow_spin_oversubscribed: args.allow_spin_oversubscribed,
            };
            let (configurations, machine) =
                sweep_here::<R>(&scenario, &cores, options, args, runs_total);
            (configurations, machine, None)
        };
    note_unstable_floors(&mut machine, &scenario, &configurations);
    let results = Results {
        schema: results::SCHEMA.to_owned(),
        command: std::env::args().collect(),
        started_at_unix: started,
        finished_at_unix: unix_now(),
        scenario: scenario_record(&scenario, args),
        provenance,
        implementations: scenario
            .implementations
            .iter()
            .filter_map(|name| scenario.known.iter().find(|info| info.name == *name))
            .map(ImplementationRecord::from)
            .chain(std::iter::once(results::base_record()))
            .collect(),
        configurations,
        machine: Some(machine),
        levels,
    };
    let summary_only = args.summary || (!args.full && results.configurations.len() > SUMMARY_ABOVE);
    if !summary_only {
        print!("{}", table::render(&results));
    }
    let name = format!("{}-{}", scenario.name, results::timestamp(started));
    let written = write_results(&results, &out_dir, &name)?;
    print_verdicts(args, &written, summary_only, results.configurations.len());
    // A report that cannot be written must not hide the run's verdict or
    // turn its exit status into bad input: the results are already safe.
    if args.report
        && let Err(InputError(message)) = report(std::slice::from_ref(&written), None)
    {
        eprintln!(
            "warning: no report written: {message}\n  the results file {} was written; retry with: harness report {} [--out DIR]",
            written.display(),
            written.display()
        );
    }
    Ok(exit_status(&results))
}

/// Prints what the scenario will run (and what `all` left out of it) and
/// the machine it runs on; returns the number of runs, the base case's
/// included.
fn announce(scenario: &Scenario, cores: &Cores, provenance: &Provenance) -> u64 {
    let points = scenario.points();
    // The base case runs beside the implementations in every round.
    let runs_total = points.len() as u64
        * (scenario.implementations.len() as u64 + 1)
        * u64::from(scenario.warmup + scenario.repetitions);
    eprintln!(
        "scenario {} ({}): {} configurations x ({} implementations + base) x ({} warm-up + {} measured) = {runs_total} runs of {} messages",
        scenario.name,
        scenario.topology,
        points.len(),
        scenario.implementations.len(),
        scenario.warmup,
        scenario.repetitions,
        scenario.messages
    );
    for line in scenario.clamped() {
        eprintln!("note: {line}");
    }
    if !scenario.left_out.is_empty() {
        eprintln!(
            "note: \"all\" left out {} of the roster, which cannot run this scenario:",
            scenario.left_out.len()
        );
        for (_, reason) in &scenario.left_out {
            eprintln!("  {reason}");
        }
    }
    eprintln!(
        "machine: {} usable cores {:?}, load average {}, {} build{}",
        cores.count(),
        cores.ids(),
        provenance
            .load_average_at_start
            .map_or("unknown".to_owned(), |l| format!(
                "{:.2} {:.2} {:.2}",
                l[0], l[1], l[2]
            )),
        provenance.profile,
        if provenance.profile == "debug" {
            " (figures from a debug build are not benchmarks; use --release)"
        } else {
            ""
        },
    );
    runs_total
}

/// Adds a note to the machine's for every configuration whose floor
/// moved too much between rounds: reports show the machine's notes.
fn note_unstable_floors(
    machine: &mut crate::machine::Machine,
    scenario: &Scenario,
    configurations: &[results::Configuration],
) {
    for configuration in configurations {
        if let Some(floor) = configuration.floor.as_ref().filter(|f| f.unstable)
            && let Some((low, high)) = floor.range_ns
        {
            machine.notes.push(format!(
                "{UNSTABLE_PLACEMENT} the core-to-core round trip between cores {} and {} ranged {low:.0}–{high:.0} ns over the rounds of {} (more than {:.0}x): the hypervisor moved these vCPUs between rounds; compare within rounds (ratios), not across them",
                floor.cores.0,
                floor.cores.1,
                configuration.heading(scenario.topology),
                crate::results::FLOOR_UNSTABLE_FACTOR,
            ));
        }
    }
}

/// The scenario as the results file records it.
fn scenario_record(scenario: &Scenario, args: &ScenarioArgs) -> ScenarioRecord {
    ScenarioRecord {
        name: scenario.name.clone(),
        path: scenario.path.clone(),
        description: scenario.description.clone(),
        topology: scenario.topology,
        implementations: scenario
            .implementations
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        baseline: scenario.baseline.to_owned(),
        messages: scenario.messages,
        repetitions: scenario.repetitions,
        warmup: scenario.warmup,
        timeout_secs: scenario.timeout.as_secs_f64(),
        quick: args.quick,
        kind: scenario.kind,
        allow_spin_oversubscribed: args.allow_spin_oversubscribed,
        left_out: scenario
            .left_out
            .iter()
            .map(|(name, reason)| schema::LeftOut {
                name: (*name).to_owned(),
                reason: reason.clone(),
            })
            .collect(),
    }
}

/// Prints the verdicts, read back from the file as written through the
/// same code the report uses, and how to see more when only they were
/// printed.
fn print_verdicts(args: &ScenarioArgs, written: &Path, summary_only: bool, configurations: usize) {
    match reports::load(written) {
        Ok(file) => {
            let top = if args.full {
                None
            } else {
                Some(args.top.map_or(reports::verdict::TOP, |top| top as usize))
            };
            print!("{}", reports::verdict::render_top(&file, top));
        }
        Err(error) => eprintln!("warning: no verdicts: {error}"),
    }
    if summary_only {
        println!(
            "{configurations} configurations: verdicts only{}; the full tables: --full, or harness report {}",
            if args.summary { "" } else { " (more than 6)" },
            written.display()
        );
    }
}

/// Prints what could not run here and every run that did not pass the
/// oracle; success only when there was none.
fn exit_status(results: &Results) -> ExitCode {
    for line in table::unavailable(results) {
        println!("not run here: {line}");
    }
    let failures = table::failures(results);
    if failures.is_empty() {
        println!("oracle: every run passed");
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "\n{} RUNS DID NOT PASS (not included in the figures above):",
            failures.len()
        );
        for line in &failures {
            eprintln!("  {line}");
        }
        ExitCode::FAILURE
    }
}

/// Above this many configurations a scenario prints its verdicts only,
/// unless `--full` is given.
const SUMMARY_ABOVE: usize = 6;

/// How a note on an unstable floor begins.
const UNSTABLE_PLACEMENT: &str = "unstable placement:";

/// The sweep in this process, with its progress bar or lines.
fn sweep_here<R: Roster>(
    scenario: &Scenario,
    cores: &Cores,
    options: SweepOptions,
    args: &ScenarioArgs,
    runs_total: u64,
) -> (Vec<results::Configuration>, crate::machine::Machine) {
    let progress = progress_bar(runs_total, args.no_progress);
    let mut current = String::new();
    let (tools, machine) = measure_machine(cores);
    let configurations = sweep::run::<R>(scenario, cores, options, &tools, |event| match event {
        Event::Configuration {
            index,
            of,
            point,
            placement,
        } => {
            current = format!("{} · {} B", point.setup, point.payload);
            match &progress {
                Some(bar) => bar.set_message(current.clone()),
                None => eprintln!("[{index}/{of}] {current} · {placement}"),
            }
        }
        Event::Run {
            implementation,
            round,
            warmup,
        } => {
            if let Some(bar) = &progress {
                let kind = if warmup { "warm-up" } else { "round" };
                bar.set_message(format!("{current} · {implementation} {kind} {round}"));
            }
        }
        Event::RunDone {
            implementation,
            outcome,
        } => {
            if let Some(bar) = &progress {
                bar.inc(1);
            }
            if outcome.failed() {
                let line = format!("  {} {implementation}: {}", outcome.label(), current);
                match &progress {
                    Some(bar) => bar.println(line),
                    None => eprintln!("{line}"),
                }
            }
        }
    });
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    (configurations, machine)
}
