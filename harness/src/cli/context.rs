//! What every command works with: the roster and the folder results go
//! under ([`Context`]), bad input ([`InputError`]), the machine measured
//! before a sweep, progress bars and writing results files.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use impls::Info;
use indicatif::{ProgressBar, ProgressStyle};
use reports::terminal as table;

use crate::foreign;
use crate::placement::Cores;
use crate::results;
use crate::sweep;

/// The source tree this crate was built from: its `scenarios/` folder
/// holds the shipped scenario files.
pub fn source_tree() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."))
}

/// What one invocation works with: the roster's implementations and the
/// folder results go under.
pub(super) struct Context {
    pub(super) known: Vec<Info>,
    pub(super) home: PathBuf,
}

impl Context {
    pub(super) fn results_dir(&self) -> PathBuf {
        self.home.join("results")
    }

    /// The roster's implementations and the foreign ones.
    pub(super) fn with_foreign(&self) -> Vec<Info> {
        self.known.iter().cloned().chain(foreign::infos()).collect()
    }
}

pub(super) fn scenario_dir() -> PathBuf {
    source_tree().join("scenarios")
}

pub(super) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Bad input: message for the user, exit status 2.
pub(super) struct InputError(pub(super) String);

impl<E: std::fmt::Display> From<E> for InputError {
    fn from(error: E) -> Self {
        Self(error.to_string())
    }
}

/// The timer, the counters each run thread opens and the machine's
/// ceiling, measured once before the sweep (and before anything is pinned).
pub(super) fn measure_machine(cores: &Cores) -> (sweep::Measuring, crate::machine::Machine) {
    let (clock, clock_note) = crate::clock::Clock::detect();
    let plan = crate::counters::plan(&crate::counters::PerfOpener);
    let machine = crate::machine::measure(cores, &clock, clock_note, plan.availability.clone());
    eprintln!("{}", table::machine_line(&machine));
    let measuring = sweep::Measuring {
        instruments: crate::runner::Instruments {
            clock,
            counters: Some(std::sync::Arc::new(plan.clone())),
            watch: None,
        },
        counters: plan.availability,
        round_trip_floor_ns: machine.core_to_core_round_trip_ns,
    };
    (measuring, machine)
}

/// A progress bar over `total` runs, unless turned off or stderr is no terminal.
pub(super) fn progress_bar(total: u64, off: bool) -> Option<ProgressBar> {
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
pub(super) fn write_results(
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
