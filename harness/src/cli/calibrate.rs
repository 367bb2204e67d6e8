//! `harness calibrate`: what the harness itself costs.

use std::process::ExitCode;

use super::args::CalibrateArgs;
use super::context::{Context, InputError, measure_machine, progress_bar, unix_now, write_results};
use crate::placement::Cores;
use crate::provenance::Provenance;
use crate::results;

/// Results of `calibrate`, as written to its file.
#[derive(serde::Serialize)]
struct CalibrationFile {
    schema: &'static str,
    command: Vec<String>,
    started_at_unix: u64,
    provenance: Provenance,
    machine: crate::machine::Machine,
    calibration: crate::calibrate::Calibration,
}

pub(super) fn calibrate(context: &Context, args: CalibrateArgs) -> Result<ExitCode, InputError> {
    use crate::calibrate::{self, Options, PAIRS, Progress};
    let cores = Cores::detect();
    let started = unix_now();
    let provenance = crate::provenance::collect(&context.home, cores.ids());
    let options = Options {
        rounds: args.rounds,
        warmup: args.warmup,
        messages: args.messages,
        ..Options::default()
    };
    let runs_per_round = PAIRS.len() as u64 * 2 + 2;
    let total = runs_per_round * u64::from(args.rounds + args.warmup);
    eprintln!(
        "calibrate: {} pairs (harness and plain loop) + 2 base-case runs, {} warm-up + {} measured rounds = {total} runs of {} messages",
        PAIRS.len(),
        args.warmup,
        args.rounds,
        args.messages
    );
    let (tools, machine) = measure_machine(&cores);
    let progress = progress_bar(total, args.no_progress);
    let calibration = calibrate::run(&options, &cores, &tools.instruments, |event| {
        let Progress::Run { round, what } = event;
        match &progress {
            // Counted as it starts: the bar shows the run under way.
            Some(bar) => {
                bar.set_message(format!("round {round}: {what}"));
                bar.inc(1);
            }
            None => eprintln!("  round {round}: {what}"),
        }
    })?;
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    print!("{}", calibrate::render(&calibration));
    let file = CalibrationFile {
        schema: "ringlab.calibrate/1",
        command: std::env::args().collect(),
        started_at_unix: started,
        provenance,
        machine,
        calibration,
    };
    let out_dir = args.out.unwrap_or_else(|| context.results_dir());
    let name = format!("calibrate-{}", results::timestamp(started));
    write_results(&file, &out_dir, &name)?;
    if file.calibration.problems.is_empty() {
        println!("every harness run passed the oracle and every plain sum was right");
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("\nPROBLEMS (figures of these runs are left out):");
        for problem in &file.calibration.problems {
            eprintln!("  {problem}");
        }
        Ok(ExitCode::FAILURE)
    }
}
