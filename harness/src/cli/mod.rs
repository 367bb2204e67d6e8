//! The ringlab command line, as a library function: the `harness` binary
//! runs it over the built-in roster, and a crate of its own runs it over
//! its queues and the built-in ones (see [`crate::main!`]).
//!
//! Scenario files come from the source tree this crate was built from
//! ([`source_tree`]); results go to `results/` under the `home` folder the
//! caller names, and provenance records that folder's git state.

use std::path::Path;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use impls::{Info, Roster};
use scenarios::ScenarioFile;

use crate::foreign;

mod args;
mod atlas;
mod calibrate;
mod context;
mod faults;
mod levels;
mod load;
mod measure;
mod peer;
mod report;
mod soak;

use args::{CalibrateArgs, CompareArgs, ReportArgs, ScenarioArgs};
use calibrate::calibrate;
use context::{Context, InputError, scenario_dir};
use faults::faults;
use load::{fault_scenario, load, measurement};
use measure::measure;
use report::{compare, report};

pub use context::source_tree;

#[derive(Parser)]
#[command(
    name = "harness",
    about = "ringlab: compare inter-thread queues on matched workloads, every run checked by the correctness oracle",
    after_help = "Exit status: 0 when every run passed the oracle, 1 when any run failed, crashed or timed out, 2 for bad input."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario: scenarios/NAME.toml, or any file with --file.
    Scenario(ScenarioArgs),
    /// List the scenarios and the implementations.
    List,
    /// Write an HTML report with charts from results files (several are compared).
    Report(ReportArgs),
    /// Measure what the harness itself costs: its figures for rtrb and
    /// crossbeam against the plainest loops over the same crates, interleaved.
    Calibrate(CalibrateArgs),
    /// A regression gate: compare a results file with a baseline file of the
    /// same scenario; exit 1 on a significant regression beyond the limit.
    Compare(CompareArgs),
    /// Two builds in one run: this one and another revision (or binary),
    /// alternated process by process, each round judged against the other
    /// build's round in the same slot: faster, slower or indistinguishable.
    Ab(levels::AbArgs),
    /// The peer check: crossbeam-channel's own benchmark programs and
    /// ringlab's peer_* scenarios, interleaved round by round, as ratios to
    /// crossbeam-channel on both sides (scripts/peer-check.sh builds the
    /// programs and runs this).
    Peer(peer::PeerArgs),
    /// One scenario's verdicts from several machines side by side, marking
    /// what changes between them (--add keeps a compact copy of a results
    /// file in atlas/).
    Atlas(atlas::AtlasArgs),
    /// Reliability at length: every implementation on every topology it
    /// supports for a billion messages through a small ring, checked by
    /// the oracle with resident memory watched; or, with --faults N, N
    /// fault runs drawn from a seed.
    Soak(soak::SoakArgs),
}

/// Runs the command line over roster `R` (see [`impls::registry`]):
/// parses the arguments, runs the command and returns its exit status.
/// `home` is where `results/` goes and whose git state the results
/// record.
pub fn main_in<R: Roster>(home: &Path) -> ExitCode {
    crate::levels::apply_heap_offset();
    let cli = Cli::parse();
    let known = match impls::registry::catalogue::<R>() {
        Ok(known) => own_marked(known),
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    if let Some(info) = known.iter().find(|info| foreign::find(info.name).is_some()) {
        eprintln!(
            "error: the roster's `{}` has the name of a foreign implementation; give it another name",
            info.name
        );
        return ExitCode::from(2);
    }
    let context = Context {
        known,
        home: home.to_owned(),
    };
    let result = match cli.command {
        Command::List => {
            list(&context);
            Ok(ExitCode::SUCCESS)
        }
        Command::Scenario(args) => scenario::<R>(&context, args),
        Command::Report(args) => report(&args.paths, args.out).map(|_| ExitCode::SUCCESS),
        Command::Calibrate(args) => calibrate(&context, args),
        Command::Compare(args) => compare(&args),
        Command::Ab(args) => levels::ab(&context, &args),
        Command::Peer(args) => peer::peer(&context, args),
        Command::Atlas(args) => atlas::atlas(&context, args),
        Command::Soak(args) => soak::soak::<R>(&context, &args),
    };
    result.unwrap_or_else(|InputError(message)| {
        eprintln!("error: {message}");
        ExitCode::from(2)
    })
}

/// `known` with every queue outside the built-in roster recorded as the
/// user's own, whatever its `Info` says: reports draw and mark them apart.
fn own_marked(mut known: Vec<Info>) -> Vec<Info> {
    let built_in = impls::registry::catalogue::<impls::Builtin>().unwrap_or_default();
    for info in &mut known {
        if !built_in.iter().any(|b| b.name == info.name) {
            info.family = impls::Family::Own;
        }
    }
    known
}

fn list(context: &Context) {
    println!("Scenarios ({}):", scenario_dir().display());
    for (name, description) in scenarios::list_in(&scenario_dir(), &context.with_foreign()) {
        match description {
            Ok(description) => println!("  {name:<20} {description}"),
            Err(error) => println!("  {name:<20} INVALID: {error}"),
        }
    }
    println!("\nImplementations:");
    let width = context
        .known
        .iter()
        .map(|info| info.name.len())
        .max()
        .unwrap_or(0);
    for info in &context.known {
        let topologies: Vec<&str> = info.topologies.iter().map(|t| t.name()).collect();
        println!(
            "  {:<width$} {}{} [{}]",
            info.name,
            if info.family == impls::Family::Own {
                "(own) "
            } else {
                ""
            },
            info.summary,
            topologies.join(", ")
        );
    }
    println!("\nForeign implementations (child processes; throughput scenarios):");
    for foreign in foreign::ALL {
        let info = &foreign.info;
        let topologies: Vec<&str> = info.topologies.iter().map(|t| t.name()).collect();
        let status = match foreign.probe() {
            Ok(version) => format!("available: {version}"),
            Err(reason) => reason,
        };
        println!(
            "  {:<width$} {} [{}]\n  {:<width$} {status}",
            info.name,
            info.summary,
            topologies.join(", "),
            ""
        );
    }
}

fn scenario<R: Roster>(context: &Context, args: ScenarioArgs) -> Result<ExitCode, InputError> {
    match load(context, &args)? {
        ScenarioFile::Measurement(scenario) => {
            measure::<R>(context, &args, measurement(&args, scenario)?)
        }
        ScenarioFile::Faults(scenario) => {
            faults::<R>(context, &args, fault_scenario(&args, scenario)?)
        }
    }
}
