//! `harness soak`: the long runs ([`crate::soak::run_one`]) or, with
//! `--faults N`, the fault soak ([`crate::soak::faults`]), their lines,
//! the summary and the results file.

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use impls::{Info, Roster, Topology, WaitStrategy};
use scenarios::Fault;
use scenarios::faults::{MAX_FAULT_MESSAGES, MIN_FAULT_MESSAGES};

use super::context::{Context, InputError, unix_now, write_results};
use crate::faults::{self, FaultReport};
use crate::placement::Cores;
use crate::provenance::Provenance;
use crate::results;
use crate::runner::Pause;
use crate::soak::faults::{FaultSoakOptions, Round, draw, judge, reference, reproduce};
use crate::soak::{self, MIB, SoakOptions, SoakRun};

#[derive(Args)]
#[command(
    after_help = "Each implementation runs once per topology it supports, for --messages messages through a \
ring of --capacity slots, every run judged by the oracle; resident memory is followed through each run, \
which fails (and is stopped) once it has grown by more than --rss-limit-mib. With --faults N, N fault runs \
instead, each drawn from --seed and its round: implementation, topology, fault and strike point.\n\n\
Exit status: 0 when every run passed, 1 when any failed, 2 for bad input."
)]
pub(super) struct SoakArgs {
    /// Messages per run, over all producers.
    #[arg(long, value_name = "N", default_value_t = 1_000_000_000, value_parser = clap::value_parser!(u64).range(1..=impls::message::MAX_SEQUENCE as u64))]
    messages: u64,
    /// Ring size (raised to an implementation's smallest, and to a power of
    /// two where it needs one).
    #[arg(long, value_name = "SLOTS", default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=1 << 24))]
    capacity: u64,
    /// Messages per publish and most per consume (at most the capacity).
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=4096))]
    batch: u64,
    /// How threads wait: busy_spin, spin_hint, spin_yield, yield, sleep,
    /// blocking, timeout_blocking (busy-spinning threads that outnumber
    /// cores spin then yield instead).
    #[arg(long, value_name = "NAME", default_value = "spin_yield", value_parser = parse_wait)]
    wait: WaitStrategy,
    /// Message size in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 8, value_parser = parse_payload)]
    payload: usize,
    /// Pause a random time between operations, MIN-MAX nanoseconds (e.g.
    /// 50-150): after every publish and every consume call that handed
    /// messages.
    #[arg(long, value_name = "MIN-MAX", value_parser = parse_pause)]
    pause: Option<(u32, u32)>,
    /// Seed of the pauses and of the fault soak's draws (default: from the
    /// clock; printed).
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Most a run's resident memory may grow, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=1 << 20))]
    rss_limit_mib: u64,
    /// Deadline of each run, in seconds (default: a minute plus two
    /// microseconds per delivery, a message counting once per consumer
    /// that must see it).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=604_800))]
    timeout_secs: Option<u64>,
    /// Only these implementations (comma-separated).
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    impls: Option<Vec<String>>,
    /// Only these topologies (comma-separated; default all).
    #[arg(long, value_name = "A,B", value_delimiter = ',', value_parser = parse_topology)]
    topologies: Option<Vec<Topology>>,
    /// Run N fault runs instead of the long runs.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    faults: Option<u64>,
    /// The fault soak's first round (a failure's round reruns it alone).
    #[arg(long, value_name = "R", default_value_t = 0, requires = "faults")]
    first_round: u64,
    /// Messages of each fault run.
    #[arg(long, value_name = "N", default_value_t = 20_000, requires = "faults", value_parser = clap::value_parser!(u64).range(MIN_FAULT_MESSAGES..=MAX_FAULT_MESSAGES))]
    fault_messages: u64,
    /// Watchdog of each fault run, in seconds (default: 5 plus 250 us
    /// per message). A run past it is `hung`: on a machine busy with other
    /// work a sound run can take that long, so give more there.
    #[arg(long, value_name = "SECS", requires = "faults", value_parser = clap::value_parser!(u64).range(1..=3600))]
    fault_timeout_secs: Option<u64>,
    /// Faults to draw from (comma-separated; default all).
    #[arg(long, value_name = "A,B", value_delimiter = ',', requires = "faults", value_parser = parse_fault)]
    fault_kinds: Option<Vec<Fault>>,
    /// Folder for the results file (default: results/ in the source tree).
    #[arg(long, value_name = "DIR")]
    out: Option<std::path::PathBuf>,
}

fn named<T: Copy>(text: &str, all: &[T], name: impl Fn(T) -> &'static str) -> Result<T, String> {
    all.iter()
        .copied()
        .find(|&item| name(item) == text)
        .ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|&item| name(item)).collect();
            format!("`{text}` is not one of {}", names.join(", "))
        })
}

fn parse_wait(text: &str) -> Result<WaitStrategy, String> {
    named(text, &WaitStrategy::ALL, WaitStrategy::name)
}

fn parse_topology(text: &str) -> Result<Topology, String> {
    named(text, &Topology::ALL, Topology::name)
}

fn parse_fault(text: &str) -> Result<Fault, String> {
    named(text, &Fault::ALL, Fault::name)
}

fn parse_payload(text: &str) -> Result<usize, String> {
    match text.parse() {
        Ok(bytes @ (8 | 64 | 256)) => Ok(bytes),
        _ => Err(format!("`{text}` is not a message size: give 8, 64 or 256")),
    }
}

/// `MIN-MAX` nanoseconds, at most a millisecond.
pub(super) fn parse_pause(text: &str) -> Result<(u32, u32), String> {
    let wrong = || format!("`{text}` is not a range of nanoseconds: give MIN-MAX, e.g. 50-150");
    let (min, max) = text.split_once('-').ok_or_else(wrong)?;
    let (min, max): (u32, u32) = (
        min.trim().parse().map_err(|_| wrong())?,
        max.trim().parse().map_err(|_| wrong())?,
    );
    if min > max || max > 1_000_000 {
        return Err(format!(
            "`{text}`: give MIN no greater than MAX, and MAX at most 1000000 (a millisecond)"
        ));
    }
    Ok((min, max))
}

pub(super) fn soak<R: Roster>(context: &Context, args: &SoakArgs) -> Result<ExitCode, InputError> {
    let known = chosen(context, args.impls.as_deref())?;
    let seed = args.seed.unwrap_or_else(|| {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        now.map_or(0, |since| since.as_nanos() as u64)
    });
    let topologies = args.topologies.clone().unwrap_or(Topology::ALL.to_vec());
    match args.faults {
        Some(rounds) => {
            let options = FaultSoakOptions {
                seed,
                first_round: args.first_round,
                rounds,
                messages: args.fault_messages,
                timeout: args.fault_timeout_secs.map_or(
                    Duration::from_secs(5) + Duration::from_micros(250 * args.fault_messages),
                    Duration::from_secs,
                ),
                faults: args.fault_kinds.clone().unwrap_or(Fault::ALL.to_vec()),
                topologies,
                implementations: args.impls.clone(),
            };
            fault_soak::<R>(context, args, &known, &options)
        }
        None => {
            let options = SoakOptions {
                messages: args.messages,
                capacity: args.capacity as usize,
                batch: args.batch as usize,
                wait: args.wait,
                payload: args.payload,
                pause: args.pause.map(|(min_ns, max_ns)| Pause {
                    min_ns,
                    max_ns,
                    seed,
                }),
                rss_limit: args.rss_limit_mib * MIB,
                timeout: args.timeout_secs.map(Duration::from_secs),
            };
            long_soak::<R>(context, args, &known, &topologies, &options)
        }
    }
}

/// The implementations `--impls` names (every one known when it names
/// none), or an error naming those it does not know.
fn chosen(context: &Context, names: Option<&[String]>) -> Result<Vec<Info>, InputError> {
    let Some(names) = names else {
        return Ok(context.known.clone());
    };
    if let Some(unknown) = names
        .iter()
        .find(|name| !context.known.iter().any(|info| info.name == name.as_str()))
    {
        let known: Vec<&str> = context.known.iter().map(|info| info.name).collect();
        return Err(InputError(format!(
            "--impls: `{unknown}` is not an implementation; known: {} (foreign ones do not soak)",
            known.join(", ")
        )));
    }
    Ok(context
        .known
        .iter()
        .filter(|info| names.iter().any(|name| name == info.name))
        .cloned()
        .collect())
}

/// A long soak's results file.
#[derive(serde::Serialize)]
struct SoakFile<'a> {
    schema: &'static str,
    command: Vec<String>,
    started_at_unix: u64,
    finished_at_unix: u64,
    options: &'a SoakOptions,
    pause_ns: Option<(u32, u32)>,
    seed: Option<u64>,
    provenance: Provenance,
    runs: Vec<SoakRun>,
}

fn long_soak<R: Roster>(
    context: &Context,
    args: &SoakArgs,
    known: &[Info],
    topologies: &[Topology],
    options: &SoakOptions,
) -> Result<ExitCode, InputError> {
    let cores = Cores::detect();
    let started = unix_now();
    let provenance = crate::provenance::collect(&context.home, cores.ids());
    let plan = soak::plan(known, topologies, options);
    if plan.is_empty() {
        return Err(InputError(
            "nothing to soak: no chosen implementation supports a chosen topology".to_owned(),
        ));
    }
    eprintln!(
        "soak: {} runs of {} messages each (capacity {} or the implementation's smallest, batch {}, \
         wait {}, {} B messages{}); resident memory may grow by {} MiB per run; deadline {}; {} build",
        plan.len(),
        options.messages,
        options.capacity,
        options.batch,
        options.wait.name(),
        options.payload,
        options.pause.map_or(String::new(), |p| format!(
            ", pauses of {}-{} ns between operations, seed {}",
            p.min_ns, p.max_ns, p.seed
        )),
        options.rss_limit / MIB,
        options
            .timeout
            .map_or("a minute plus 2 us per delivery".to_owned(), |t| {
                format!("{} s", t.as_secs())
            }),
        provenance.profile,
    );
    let mut runs = Vec::with_capacity(plan.len());
    for (index, (name, setup)) in plan.iter().enumerate() {
        eprintln!("[{}/{}] {name} · {setup}: running", index + 1, plan.len());
        let run = soak::run_one::<R>(name, *setup, options, &cores);
        println!("[{}/{}] {}", index + 1, plan.len(), soak::describe(&run));
        runs.push(run);
    }
    let failed: Vec<&SoakRun> = runs.iter().filter(|run| !run.passed).collect();
    println!(
        "\nsoak: {} of {} runs passed{}",
        runs.len() - failed.len(),
        runs.len(),
        if failed.is_empty() { "" } else { "; failed:" }
    );
    for run in &failed {
        println!("  {}", soak::describe(run));
    }
    let exit = exit_status(failed.is_empty());
    let file = SoakFile {
        schema: soak::SCHEMA,
        command: std::env::args().collect(),
        started_at_unix: started,
        finished_at_unix: unix_now(),
        options,
        pause_ns: options.pause.map(|p| (p.min_ns, p.max_ns)),
        seed: options.pause.map(|p| p.seed),
        provenance,
        runs,
    };
    let out_dir = args.out.clone().unwrap_or_else(|| context.results_dir());
    write_results(
        &file,
        &out_dir,
        &format!("soak-{}", results::timestamp(started)),
    )?;
    Ok(exit)
}

fn exit_status(passed: bool) -> ExitCode {
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// A fault soak's results file: every round's draw and how it went, and
/// the full report of every round that failed.
#[derive(serde::Serialize)]
struct FaultSoakFile<'a> {
    schema: &'static str,
    command: Vec<String>,
    started_at_unix: u64,
    finished_at_unix: u64,
    options: &'a FaultSoakOptions,
    provenance: Provenance,
    rounds: Vec<RoundRecord>,
}

#[derive(serde::Serialize)]
struct RoundRecord {
    round: u64,
    implementation: String,
    topology: Topology,
    fault: Fault,
    strike: faults::Strike,
    result: Round,
    label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<FaultReport>,
}

fn fault_soak<R: Roster>(
    context: &Context,
    args: &SoakArgs,
    known: &[Info],
    options: &FaultSoakOptions,
) -> Result<ExitCode, InputError> {
    let cores = Cores::detect();
    let started = unix_now();
    let provenance = crate::provenance::collect(&context.home, cores.ids());
    if draw(known, options, options.first_round).is_none() {
        return Err(InputError(
            "nothing to draw: no chosen implementation supports a chosen topology".to_owned(),
        ));
    }
    eprintln!(
        "fault soak: {} rounds from round {}, seed {}, {} messages per run (capacity {} or the \
         implementation's smallest, batch {}, wait {}), watchdog {:.1} s; {} build",
        options.rounds,
        options.first_round,
        options.seed,
        options.messages,
        faults::CAPACITY,
        faults::BATCH,
        faults::WAIT.name(),
        options.timeout.as_secs_f64(),
        provenance.profile
    );
    let rounds = run_rounds::<R>(known, options);
    print!("{}", tabulate(&rounds));
    let failed: Vec<&RoundRecord> = rounds
        .iter()
        .filter(|r| r.result == Round::Failed)
        .collect();
    for record in &failed {
        println!(
            "FAILED round {}: {} · {} · {}: {}\n  reproduce: {}",
            record.round,
            record.implementation,
            record.topology,
            record.fault,
            record.label,
            reproduce(options, record.round)
        );
    }
    let exit = exit_status(failed.is_empty());
    let file = FaultSoakFile {
        schema: "ringlab.fault-soak/1",
        command: std::env::args().collect(),
        started_at_unix: started,
        finished_at_unix: unix_now(),
        options,
        provenance,
        rounds,
    };
    let out_dir = args.out.clone().unwrap_or_else(|| context.results_dir());
    write_results(
        &file,
        &out_dir,
        &format!("fault-soak-{}", results::timestamp(started)),
    )?;
    Ok(exit)
}

/// Runs every round, a line each on stderr for those that fail and one
/// every hundred rounds. A round short of the contract is judged against
/// the faults scenario's run of the same implementation, topology and
/// fault (run once, the first time it is needed).
fn run_rounds<R: Roster>(known: &[Info], options: &FaultSoakOptions) -> Vec<RoundRecord> {
    let mut records = Vec::new();
    let mut references: HashMap<(&'static str, Topology, Fault), bool> = HashMap::new();
    let last = options.first_round + options.rounds;
    for round in options.first_round..last {
        let Some((name, spec)) = draw(known, options, round) else {
            continue;
        };
        let report = faults::run_in::<R>(name, &spec);
        let bounded = known.iter().any(|info| info.name == name && info.bounded);
        let short = !(report.met_contract && report.injected);
        let reference_met = !short
            || *references
                .entry((name, spec.setup.topology, spec.fault))
                .or_insert_with(|| faults::run_in::<R>(name, &reference(&spec)).met_contract);
        let result = judge(&report, reference_met, bounded);
        if result == Round::Failed {
            eprintln!(
                "round {round}: {name} · {} · {} (strike {:?}): {}",
                spec.setup.topology, spec.fault, spec.strike, report.label
            );
        }
        let done = round + 1 - options.first_round;
        if done.is_multiple_of(100) || round + 1 == last {
            eprintln!("fault soak: {done} of {} rounds", options.rounds);
        }
        records.push(RoundRecord {
            round,
            implementation: name.to_owned(),
            topology: spec.setup.topology,
            fault: spec.fault,
            strike: spec.strike,
            result,
            label: report.label.clone(),
            report: (result == Round::Failed).then_some(report),
        });
    }
    records
}

/// Per implementation: rounds met, missed (the fault did not strike),
/// known (short of the contract as the faults scenario shows it) and
/// failed.
fn tabulate(rounds: &[RoundRecord]) -> String {
    let mut rows: Vec<(&str, [u64; 4])> = Vec::new();
    for record in rounds {
        let column = match record.result {
            Round::Met => 0,
            Round::Missed => 1,
            Round::Known => 2,
            Round::Failed => 3,
        };
        match rows
            .iter_mut()
            .find(|(name, _)| *name == record.implementation)
        {
            Some((_, counts)) => counts[column] += 1,
            None => {
                let mut counts = [0; 4];
                counts[column] = 1;
                rows.push((&record.implementation, counts));
            }
        }
    }
    rows.sort_by_key(|(name, _)| *name);
    let width = rows
        .iter()
        .map(|(name, _)| name.len())
        .max()
        .unwrap_or(0)
        .max(14);
    let mut text = format!(
        "\n{:<width$} {:>6} {:>6} {:>6} {:>6}\n",
        "implementation", "met", "missed", "known", "failed"
    );
    for (name, [met, missed, known, failed]) in rows {
        text += &format!("{name:<width$} {met:>6} {missed:>6} {known:>6} {failed:>6}\n");
    }
    text += "met: the fault struck and the contract held; missed: the run ended before the strike \
             point (a clean run); known: short of the contract as the faults scenario's run of the \
             same implementation, topology and fault is (or an unbounded queue's only consumer \
             left, whose outcome depends on timing); failed: short of it where that run keeps it\n";
    text
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Wrapper {
        #[command(subcommand)]
        command: Sub,
    }

    #[derive(clap::Subcommand)]
    enum Sub {
        Soak(SoakArgs),
    }

    #[test]
    fn the_command_that_reruns_a_round_parses_to_the_same_draw() {
        let options = FaultSoakOptions {
            seed: 77,
            first_round: 0,
            rounds: 500,
            messages: 3000,
            timeout: Duration::from_secs(3),
            faults: vec![Fault::ConsumerPanic, Fault::ProducerPanic],
            topologies: vec![Topology::MpmcWorkerPool, Topology::Mpsc],
            implementations: Some(vec!["lmax".to_owned(), "seg_queue".to_owned()]),
        };
        let command = reproduce(&options, 123);
        let words: Vec<&str> = command.split_whitespace().collect();
        assert_eq!(words[0], "harness");
        let Sub::Soak(args) = Wrapper::try_parse_from(&words).expect("it parses").command;
        assert_eq!(
            (
                args.faults,
                args.seed,
                args.first_round,
                args.fault_messages
            ),
            (Some(1), Some(77), 123, 3000)
        );
        assert_eq!(args.fault_kinds, Some(options.faults.clone()));
        assert_eq!(args.topologies, Some(options.topologies.clone()));
        assert_eq!(args.impls, options.implementations);
        assert_eq!(args.fault_timeout_secs, Some(3));
    }
}
