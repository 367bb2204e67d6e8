//! The ringlab command line, as a library function: the `harness` binary
//! runs it over the built-in roster, and a crate of its own runs it over
//! its queues and the built-in ones (see [`crate::main!`]).
//!
//! Scenario files come from the source tree this crate was built from
//! ([`source_tree`]); results go to `results/` under the `home` folder the
//! caller names, and provenance records that folder's git state.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Args, Parser, Subcommand};
use impls::{Info, Roster};
use indicatif::{ProgressBar, ProgressStyle};
use scenarios::faults::{MAX_FAULT_MESSAGES, MIN_FAULT_MESSAGES};
use scenarios::{FaultScenario, Scenario, ScenarioFile};

use crate::foreign;
use crate::placement::Cores;
use crate::provenance::Provenance;
use crate::results::{self, ImplementationRecord, Results, ScenarioRecord};
use crate::sweep::{self, Event, SweepOptions};
use crate::table;

mod atlas;
mod calibrate;
mod faults;
mod levels;
mod measure;
mod peer;

use calibrate::calibrate;
use faults::faults;
use measure::measure;

/// The source tree this crate was built from: its `scenarios/` folder
/// holds the shipped scenario files.
pub fn source_tree() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."))
}

/// What one invocation works with: the roster's implementations and the
/// folder results go under.
struct Context {
    known: Vec<Info>,
    home: PathBuf,
}

impl Context {
    fn results_dir(&self) -> PathBuf {
        self.home.join("results")
    }

    /// The roster's implementations and the foreign ones.
    fn with_foreign(&self) -> Vec<Info> {
        self.known.iter().cloned().chain(foreign::infos()).collect()
    }
}

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
}

#[derive(Args)]
#[command(
    after_help = "Exit status: 0 when no pair regressed beyond the limit; 1 when one did (its ratio interval lies wholly below the old one and the median ratio fell by more than PCT), or when a run of NEW did not pass the oracle; 2 for bad input (an unreadable file, two different scenarios or baselines, nothing in common)."
)]
struct CompareArgs {
    /// The reference results file (e.g. from the main branch).
    #[arg(value_name = "OLD.json")]
    old: PathBuf,
    /// The results file to judge.
    #[arg(value_name = "NEW.json")]
    new: PathBuf,
    /// Largest tolerated fall of a pair's median ratio to the baseline, in percent.
    #[arg(long, value_name = "PCT", default_value_t = reports::compare::DEFAULT_MAX_REGRESSION_PCT, value_parser = parse_percent)]
    max_regression: f64,
}

fn parse_percent(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .trim_end_matches('%')
        .parse()
        .map_err(|_| format!("`{text}` is not a number; give a percentage such as 10"))?;
    if !(0.0..100.0).contains(&value) {
        return Err(format!(
            "{value} is out of range: give a percentage from 0 (any significant fall fails) to below 100"
        ));
    }
    Ok(value)
}

#[derive(Args)]
struct CalibrateArgs {
    /// Measured rounds (each runs every pair, harness and plain, and the base case).
    #[arg(long, value_name = "N", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=1000))]
    rounds: u32,
    /// Unrecorded rounds before them.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(0..=100))]
    warmup: u32,
    /// Messages per run.
    #[arg(long, value_name = "N", default_value_t = 10_000_000, value_parser = clap::value_parser!(u64).range(1..=impls::message::MAX_SEQUENCE as u64))]
    messages: u64,
    /// Folder for the results file (default: results/ in the source tree).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    no_progress: bool,
}

#[derive(Args)]
struct ReportArgs {
    /// Results files (results/*.json); the first is the reference of a comparison.
    #[arg(required = true, value_name = "RESULTS.json")]
    paths: Vec<PathBuf>,
    /// Report folder (default: results/report-STEM beside the first file).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

#[derive(Args)]
struct ScenarioArgs {
    /// Scenario name (a file scenarios/NAME.toml); see `list`.
    #[arg(required_unless_present = "file", conflicts_with = "file")]
    name: Option<String>,
    /// Load the scenario from this file instead.
    #[arg(long, value_name = "PATH")]
    file: Option<PathBuf>,
    /// A short run for a first look: a tenth of the messages, 3 repetitions.
    #[arg(long)]
    quick: bool,
    /// Measured repetitions per implementation and configuration.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    reps: Option<u32>,
    /// Unmeasured warm-up runs per implementation and configuration.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=100))]
    warmup: Option<u32>,
    /// Messages per run (overrides the scenario and --quick).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    messages: Option<u64>,
    /// Run only these implementations (comma-separated), e.g. --impls spsc_ring,crossbeam.
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    impls: Option<Vec<String>>,
    /// Folder for the results file (default: results/ in the source tree).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Keep busy-spin waiting when threads outnumber cores (may livelock;
    /// the watchdog still ends such runs).
    #[arg(long)]
    allow_spin_oversubscribed: bool,
    /// No progress bar.
    #[arg(long)]
    no_progress: bool,
    /// Also write an HTML report from the results file (see `report`).
    #[arg(long)]
    report: bool,
    /// Print only the verdicts, one line per configuration (the default
    /// above 6 configurations).
    #[arg(long, conflicts_with = "full")]
    summary: bool,
    /// Print every configuration's full table before the verdicts, and
    /// name every implementation in each verdict line.
    #[arg(long)]
    full: bool,
    /// Name at most K implementations in each verdict line (default 6; the
    /// user's own queues and the baseline always); the rest are counted as
    /// folded. `--full` names all.
    #[arg(long, value_name = "K", conflicts_with = "full", value_parser = clap::value_parser!(u64).range(1..=10_000))]
    top: Option<u64>,
    /// Run the rounds in N fresh processes (the repetitions spread over
    /// them, each with its own warm-up), merged into one results file.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    processes: Option<u32>,
    /// Run every round in N builds of this source that differ only in code
    /// and data layout (built once under target/layouts/); figures gain a
    /// between-layout interval.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=crate::levels::MAX_LAYOUTS as i64))]
    layouts: Option<u32>,
}

/// Above this many configurations a scenario prints its verdicts only,
/// unless `--full` is given.
const SUMMARY_ABOVE: usize = 6;

fn scenario_dir() -> PathBuf {
    source_tree().join("scenarios")
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Bad input: message for the user, exit status 2.
struct InputError(String);

impl<E: std::fmt::Display> From<E> for InputError {
    fn from(error: E) -> Self {
        Self(error.to_string())
    }
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

/// The scenario file the arguments name, read and checked.
fn load(context: &Context, args: &ScenarioArgs) -> Result<ScenarioFile, InputError> {
    let path = match (&args.file, &args.name) {
        (Some(file), _) => file.clone(),
        (None, Some(name)) => scenarios::find(&scenario_dir(), name)?,
        (None, None) => {
            return Err(InputError(
                "give a scenario NAME or --file PATH (see `list`)".into(),
            ));
        }
    };
    // Foreign implementations run throughput scenarios whose consumers
    // read every message; other files are read without them.
    let with_foreign = context.with_foreign();
    if let ScenarioFile::Measurement(scenario) = ScenarioFile::load_in(&path, &with_foreign)?
        && foreign_runs(&scenario)
    {
        return Ok(ScenarioFile::Measurement(scenario));
    }
    ScenarioFile::load_in(&path, &context.known).map_err(|error| {
        let mut message = error.to_string();
        if foreign::ALL
            .iter()
            .any(|foreign| message.contains(&format!("`{}`", foreign.info.name)))
        {
            message.push_str(
                "\n  note: the foreign implementations (go_chan, go_chan_sched, lmax_java) run throughput scenarios whose consumers read every message: not latency, pingpong, faults or consume = \"discard\"",
            );
        }
        InputError(message)
    })
}

/// Whether the foreign implementations can run `scenario`'s runs.
fn foreign_runs(scenario: &Scenario) -> bool {
    scenario.kind == scenarios::Kind::Throughput
        && scenario
            .axes
            .consume
            .iter()
            .all(|consume| *consume == scenarios::Consume::Read)
}

/// A measurement with the command line's overrides applied.
fn measurement(args: &ScenarioArgs, mut scenario: Scenario) -> Result<Scenario, InputError> {
    if let Some(names) = &args.impls {
        scenario.restrict_implementations(names)?;
    }
    if args.quick {
        scenario.messages = (scenario.messages / 10).max(1);
        scenario.repetitions = scenario.repetitions.min(3);
        scenario.warmup = scenario.warmup.min(1);
    }
    if let Some(reps) = args.reps {
        scenario.repetitions = reps;
    }
    if let Some(warmup) = args.warmup {
        scenario.warmup = warmup;
    }
    if let Some(messages) = args.messages {
        scenario.messages = messages;
    }
    let most_producers = scenario.axes.producers.iter().copied().max().unwrap_or(1) as u64;
    if scenario.messages < most_producers || scenario.messages > impls::message::MAX_SEQUENCE {
        return Err(InputError(format!(
            "{} messages per run cannot be split over up to {most_producers} producers; \
             use {most_producers} to {} (--messages)",
            scenario.messages,
            impls::message::MAX_SEQUENCE
        )));
    }
    Ok(scenario)
}

/// A fault scenario with the command line's overrides applied; flags that
/// only mean something for measurements are refused.
fn fault_scenario(
    args: &ScenarioArgs,
    mut scenario: FaultScenario,
) -> Result<FaultScenario, InputError> {
    let measurement_only = [
        ("--reps", args.reps.is_some()),
        ("--warmup", args.warmup.is_some()),
        (
            "--allow-spin-oversubscribed",
            args.allow_spin_oversubscribed,
        ),
        ("--report", args.report),
        ("--summary", args.summary),
        ("--full", args.full),
        ("--top", args.top.is_some()),
        ("--processes", args.processes.is_some()),
        ("--layouts", args.layouts.is_some()),
    ];
    if let Some((flag, _)) = measurement_only.iter().find(|(_, given)| *given) {
        return Err(InputError(format!(
            "{flag} does not apply to fault scenario `{}` (kind `faults` runs each fault once \
             and measures nothing); flags it takes: --impls, --quick, --messages, --out, --no-progress",
            scenario.name
        )));
    }
    if let Some(names) = &args.impls {
        scenario.restrict_implementations(names)?;
    }
    if args.quick {
        scenario.messages = (scenario.messages / 10).max(MIN_FAULT_MESSAGES);
    }
    if let Some(messages) = args.messages {
        if !(MIN_FAULT_MESSAGES..=MAX_FAULT_MESSAGES).contains(&messages) {
            return Err(InputError(format!(
                "--messages {messages} is out of range for a fault scenario; allowed: \
                 {MIN_FAULT_MESSAGES} to {MAX_FAULT_MESSAGES}"
            )));
        }
        scenario.messages = messages;
    }
    Ok(scenario)
}

/// The regression gate: prints every matched pair and exits 1 when one
/// regressed beyond the limit or did not pass.
fn compare(args: &CompareArgs) -> Result<ExitCode, InputError> {
    let old = reports::load(&args.old)?;
    let new = reports::load(&args.new)?;
    let pair = [old, new];
    let comparison = reports::compare::compare_all(&pair)
        .pop()
        .expect("two files give one comparison");
    let [old, new] = &pair;
    if let Some(problem) = reports::compare::gate_input_error(old, new, &comparison) {
        return Err(InputError(problem));
    }
    print!(
        "{}",
        reports::compare::text(old, new, &comparison, args.max_regression)
    );
    Ok(
        if reports::compare::gate(new, &comparison, args.max_regression).passes() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        },
    )
}

/// Writes a report from results files and prints where it is.
fn report(paths: &[PathBuf], out: Option<PathBuf>) -> Result<PathBuf, InputError> {
    let results = paths
        .iter()
        .map(|path| reports::load(path))
        .collect::<Result<Vec<_>, _>>()?;
    let out = out.unwrap_or_else(|| reports::default_out_dir(&results));
    let summary = reports::render(&results, &out, &reports::Options::default())?;
    for warning in &summary.warnings {
        eprintln!("warning: {warning}");
    }
    println!(
        "report: {} ({} charts, {} runs that did not pass listed{})",
        summary.index.display(),
        summary.charts.len(),
        summary.failed_runs,
        if results.len() > 1 {
            format!(
                ", {} regressions and {} improvements flagged",
                summary.regressions, summary.improvements
            )
        } else {
            String::new()
        }
    );
    Ok(summary.index)
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

/// The timer, the counters each run thread opens and the machine's
/// ceiling, measured once before the sweep (and before anything is pinned).
fn measure_machine(cores: &Cores) -> (sweep::Measuring, crate::machine::Machine) {
    let (clock, clock_note) = crate::clock::Clock::detect();
    let plan = crate::counters::plan(&crate::counters::PerfOpener);
    let machine = crate::machine::measure(cores, &clock, clock_note, plan.availability.clone());
    eprintln!("{}", table::machine_line(&machine));
    let measuring = sweep::Measuring {
        instruments: crate::runner::Instruments {
            clock,
            counters: Some(std::sync::Arc::new(plan.clone())),
        },
        counters: plan.availability,
        round_trip_floor_ns: machine.core_to_core_round_trip_ns,
    };
    (measuring, machine)
}

/// A progress bar over `total` runs, unless turned off or stderr is no terminal.
fn progress_bar(total: u64, off: bool) -> Option<ProgressBar> {
    if off || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "[{elapsed_precise}] {bar:30} {pos}/{len} runs, eta {eta} {msg}",
        )
        .expect("the template is valid"),
    );
    Some(bar)
}

/// Writes a results file into `out_dir` and says where it is.
fn write_results(
    value: &impl serde::Serialize,
    out_dir: &Path,
    name: &str,
) -> Result<PathBuf, InputError> {
    let written = results::write(value, out_dir, name).map_err(|error| {
        InputError(format!(
            "cannot write results to {}: {error}",
            out_dir.display()
        ))
    })?;
    println!("\nresults: {}", written.display());
    Ok(written)
}
