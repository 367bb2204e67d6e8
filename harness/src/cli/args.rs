//! The command line's arguments: what `scenario`, `calibrate`, `report`
//! and `compare` take, with their ranges and defaults.

use std::path::PathBuf;

use clap::Args;

#[derive(Args)]
#[command(
    after_help = "Exit status: 0 when no pair regressed beyond the limit; 1 when one did (its ratio interval lies wholly below the old one and the median ratio fell by more than PCT), or when a run of NEW did not pass the oracle; 2 for bad input (an unreadable file, two different scenarios or baselines, nothing in common)."
)]
pub(super) struct CompareArgs {
    /// The reference results file (e.g. from the main branch).
    #[arg(value_name = "OLD.json")]
    pub(super) old: PathBuf,
    /// The results file to judge.
    #[arg(value_name = "NEW.json")]
    pub(super) new: PathBuf,
    /// Largest tolerated fall of a pair's median ratio to the baseline, in percent.
    #[arg(long, value_name = "PCT", default_value_t = reports::compare::DEFAULT_MAX_REGRESSION_PCT, value_parser = parse_percent)]
    pub(super) max_regression: f64,
}

pub(super) fn parse_percent(text: &str) -> Result<f64, String> {
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
pub(super) struct CalibrateArgs {
    /// Measured rounds (each runs every pair, harness and plain, and the base case).
    #[arg(long, value_name = "N", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub(super) rounds: u32,
    /// Unrecorded rounds before them.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(0..=100))]
    pub(super) warmup: u32,
    /// Messages per run.
    #[arg(long, value_name = "N", default_value_t = 10_000_000, value_parser = clap::value_parser!(u64).range(1..=impls::message::MAX_SEQUENCE as u64))]
    pub(super) messages: u64,
    /// Folder for the results file (default: results/ in the source tree).
    #[arg(long, value_name = "DIR")]
    pub(super) out: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    pub(super) no_progress: bool,
}

#[derive(Args)]
pub(super) struct ReportArgs {
    /// Results files (results/*.json); the first is the reference of a comparison.
    #[arg(required = true, value_name = "RESULTS.json")]
    pub(super) paths: Vec<PathBuf>,
    /// Report folder (default: results/report-STEM beside the first file).
    #[arg(long, value_name = "DIR")]
    pub(super) out: Option<PathBuf>,
}

#[derive(Args)]
pub(super) struct ScenarioArgs {
    /// Scenario name (a file scenarios/NAME.toml); see `list`.
    #[arg(required_unless_present = "file", conflicts_with = "file")]
    pub(super) name: Option<String>,
    /// Load the scenario from this file instead.
    #[arg(long, value_name = "PATH")]
    pub(super) file: Option<PathBuf>,
    /// A short run for a first look: a tenth of the messages, 3 repetitions.
    #[arg(long)]
    pub(super) quick: bool,
    /// Measured repetitions per implementation and configuration.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub(super) reps: Option<u32>,
    /// Unmeasured warm-up runs per implementation and configuration.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=100))]
    pub(super) warmup: Option<u32>,
    /// Messages per run (overrides the scenario and --quick).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub(super) messages: Option<u64>,
    /// Run only these implementations (comma-separated), e.g. --impls spsc_ring,crossbeam.
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub(super) impls: Option<Vec<String>>,
    /// Folder for the results file (default: results/ in the source tree).
    #[arg(long, value_name = "DIR")]
    pub(super) out: Option<PathBuf>,
    /// Keep busy-spin waiting when threads outnumber cores (may livelock;
    /// the watchdog still ends such runs).
    #[arg(long)]
    pub(super) allow_spin_oversubscribed: bool,
    /// No progress bar.
    #[arg(long)]
    pub(super) no_progress: bool,
    /// Also write an HTML report from the results file (see `report`).
    #[arg(long)]
    pub(super) report: bool,
    /// Print only the verdicts, one line per configuration (the default
    /// above 6 configurations).
    #[arg(long, conflicts_with = "full")]
    pub(super) summary: bool,
    /// Print every configuration's full table before the verdicts, and
    /// name every implementation in each verdict line.
    #[arg(long)]
    pub(super) full: bool,
    /// Name at most K implementations in each verdict line (default 6; the
    /// user's own queues and the baseline always); the rest are counted as
    /// folded. `--full` names all.
    #[arg(long, value_name = "K", conflicts_with = "full", value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub(super) top: Option<u64>,
    /// Run the rounds in N fresh processes (the repetitions spread over
    /// them, each with its own warm-up), merged into one results file.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub(super) processes: Option<u32>,
    /// Run every round in N builds of this source that differ only in code
    /// and data layout (built once under target/layouts/); figures gain a
    /// between-layout interval.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=crate::levels::MAX_LAYOUTS as i64))]
    pub(super) layouts: Option<u32>,
}
