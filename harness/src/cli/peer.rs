//! `harness peer`: crossbeam-channel's own benchmark programs against
//! ringlab's matching scenarios, interleaved (see [`crate::peer`]).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::context::{Context, InputError, scenario_dir, unix_now};
use crate::peer::{self, PROGRAMS, Setup};
use crate::placement::Cores;

#[derive(Args)]
#[command(
    after_help = "scripts/peer-check.sh PATH builds the peer's programs from a checkout of crossbeam-rs/crossbeam and runs this. Exit status: 0 when every round ran, 1 when a program or a scenario failed, 2 for bad input."
)]
pub(super) struct PeerArgs {
    /// Folder holding the peer's built programs: crossbeam-channel, flume,
    /// mpsc and go (scripts/peer-check.sh builds them).
    #[arg(long, value_name = "DIR")]
    programs: PathBuf,
    /// Rounds: every peer program, then every peer scenario, once each.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    rounds: u32,
    /// Folder for the scenarios' results and the table (default:
    /// results/peer-TIMESTAMP).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// The peer's source commit, for the header.
    #[arg(long, value_name = "COMMIT")]
    peer_commit: Option<String>,
}

pub(super) fn peer(context: &Context, args: PeerArgs) -> Result<ExitCode, InputError> {
    let missing: Vec<&str> = PROGRAMS
        .iter()
        .map(|program| program.file)
        .chain([peer::GO_MAKE])
        .filter(|file| !args.programs.join(file).is_file())
        .collect();
    if !missing.is_empty() {
        return Err(InputError(format!(
            "--programs {}: no {} there; build the peer's programs with scripts/peer-check.sh PATH-TO-CROSSBEAM-CHECKOUT",
            args.programs.display(),
            missing.join(", ")
        )));
    }
    let started = unix_now();
    let out = args.out.clone().unwrap_or_else(|| {
        context
            .results_dir()
            .join(format!("peer-{}", crate::results::timestamp(started)))
    });
    let provenance = crate::provenance::collect(&context.home, Cores::detect().ids());
    let header = format!(
        "peer check: crossbeam-channel's benchmark programs (commit {}) and ringlab's peer_* scenarios, {} rounds interleaved; {} on {} ({} logical cores); ringlab {}",
        args.peer_commit.as_deref().unwrap_or("unknown"),
        args.rounds,
        provenance.cpu_model.as_deref().unwrap_or("an unknown CPU"),
        provenance.hostname.as_deref().unwrap_or("this machine"),
        provenance.logical_cores,
        provenance
            .git_commit
            .as_deref()
            .unwrap_or("(commit unknown)"),
    );
    eprintln!("{header}");
    let setup = Setup {
        programs: args.programs.clone(),
        scenarios: scenario_dir(),
        out: out.clone(),
        rounds: args.rounds,
    };
    let rounds = match peer::run(&setup) {
        Ok(rounds) => rounds,
        Err(error) => {
            eprintln!("error: {error}");
            return Ok(ExitCode::from(1));
        }
    };
    let construction = match peer::construction(&args.programs) {
        Ok(construction) => construction,
        Err(error) => {
            eprintln!("error: {error}");
            return Ok(ExitCode::from(1));
        }
    };
    let created: Vec<String> = construction
        .iter()
        .map(|(channel, time)| format!("{channel} {:.1} ms", time.as_secs_f64() * 1e3))
        .collect();
    let text = format!(
        "{header}\n\nratios to crossbeam-channel: median over the rounds (smallest-largest; with 5 rounds a 94% interval of the median)\n{}\n\ncrossbeam itself: {}\ncreating a {}-slot channel (median of 7; Go's by the go-make probe): {}\nagree: yes where ringlab's range meets the peer's with each side's channel creation taken out of the peer's time (what both sides then time is the messages alone); \"only as timed\" where it meets only the peer's figure as timed; no where it meets neither\n",
        peer::table(&rounds, &construction),
        peer::crossbeam_regime(&rounds),
        peer::MESSAGES,
        created.join(", "),
    );
    print!("{text}");
    if let Err(error) =
        std::fs::create_dir_all(&out).and_then(|()| std::fs::write(out.join("peer.txt"), &text))
    {
        eprintln!(
            "error: cannot write {}: {error}",
            out.join("peer.txt").display()
        );
        return Ok(ExitCode::from(1));
    }
    eprintln!("table and every round's results: {}", out.display());
    Ok(ExitCode::SUCCESS)
}
