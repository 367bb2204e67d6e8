//! The levels above rounds on the command line: `scenario --processes N
//! --layouts L` (rounds in fresh processes and in builds that differ only
//! in layout, merged into one results file) and `harness ab` (two
//! revisions in one interleaved run).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;
use scenarios::{Scenario, ScenarioFile};
use schema::{LayoutRecord, Levels};

use super::args::{ScenarioArgs, parse_percent};
use super::context::{Context, InputError, unix_now, write_results};
use super::load::{load, measurement};
use crate::levels::children::{self, ChildArgs, Part};
use crate::levels::{self, Build, Layout, merge, pairs};
use crate::results;
use crate::results::Results;

#[derive(Args)]
#[command(
    after_help = "Exit status: 0 when no pair regressed beyond the limit; 1 when one did (its interval lies wholly below 1 and its median ratio fell by more than PCT), or when a run of the new build did not pass the oracle; 2 for bad input (a revision that does not build, a scenario either build refuses)."
)]
pub(super) struct AbArgs {
    /// Scenario name (a file scenarios/NAME.toml); see `list`.
    #[arg(required_unless_present = "file", conflicts_with = "file")]
    name: Option<String>,
    /// Load the scenario from this file instead.
    #[arg(long, value_name = "PATH")]
    file: Option<PathBuf>,
    /// The revision to compare with (a commit, branch or tag; `HEAD` is
    /// the last commit): built in a git worktree under target/ab/.
    #[arg(
        long,
        value_name = "REV",
        required_unless_present = "base_binary",
        conflicts_with = "base_binary"
    )]
    base: Option<String>,
    /// Compare with this binary instead of building a revision.
    #[arg(long, value_name = "PATH")]
    base_binary: Option<PathBuf>,
    /// Process pairs: each build runs once per pair, the two taking turns
    /// to go first.
    #[arg(long, value_name = "N", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=1000))]
    processes: u32,
    /// Measured rounds in each process.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    reps: u32,
    /// Builds per side that differ only in layout (see `scenario --layouts`).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=levels::MAX_LAYOUTS as i64))]
    layouts: u32,
    /// A tenth of the scenario's messages and at most 1 warm-up round.
    #[arg(long)]
    quick: bool,
    /// Unmeasured warm-up rounds in each process.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=100))]
    warmup: Option<u32>,
    /// Messages per run.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    messages: Option<u64>,
    /// Run only these implementations (comma-separated).
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    impls: Option<Vec<String>>,
    /// Largest tolerated fall of a pair's median ratio, in percent.
    #[arg(long, value_name = "PCT", default_value_t = reports::compare::DEFAULT_MAX_REGRESSION_PCT, value_parser = parse_percent)]
    max_regression: f64,
    /// Folder for the two merged results files (default: results/).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Keep busy-spin waiting when threads outnumber cores.
    #[arg(long)]
    allow_spin_oversubscribed: bool,
}

impl AbArgs {
    /// The same choice of scenario as `scenario` would make.
    fn as_scenario(&self) -> ScenarioArgs {
        ScenarioArgs {
            name: self.name.clone(),
            file: self.file.clone(),
            quick: self.quick,
            reps: Some(self.reps),
            warmup: self.warmup,
            messages: self.messages,
            impls: self.impls.clone(),
            out: self.out.clone(),
            allow_spin_oversubscribed: self.allow_spin_oversubscribed,
            no_progress: true,
            report: false,
            summary: true,
            full: false,
            top: None,
            processes: None,
            layouts: None,
        }
    }
}

/// What the children of `scenario` run: its file and resolved parameters.
fn child_args(
    scenario: &Scenario,
    allow_spin_oversubscribed: bool,
) -> Result<ChildArgs, InputError> {
    let file = std::fs::canonicalize(&scenario.path).map_err(|error| {
        InputError(format!(
            "cannot find the scenario file {} again: {error}",
            scenario.path.display()
        ))
    })?;
    Ok(ChildArgs {
        file,
        implementations: scenario
            .implementations
            .iter()
            .map(|name| (*name).to_owned())
            .collect(),
        messages: scenario.messages,
        warmup: scenario.warmup,
        allow_spin_oversubscribed,
    })
}

/// The builds of one side: layout 0 is `binary` as given, layouts 1.. are
/// built from `source` into `target/L<i>`.
fn side_builds(
    side: &str,
    binary: PathBuf,
    layouts: u32,
    source: &Path,
    target: &Path,
) -> Result<Vec<Build>, InputError> {
    let mut builds = vec![Build {
        side: side.to_owned(),
        layout: Layout(0),
        binary,
    }];
    if layouts > 1 {
        let bin = levels::binary_name()?;
        for index in 1..layouts {
            let layout = Layout(index);
            builds.push(Build {
                side: side.to_owned(),
                layout,
                binary: levels::build(source, &target.join(format!("L{index}")), &bin, layout)?,
            });
        }
    }
    Ok(builds)
}

/// A scratch folder for the children's files, removed by the caller.
fn scratch_dir(kind: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "ringlab-{kind}-{}-{}",
        std::process::id(),
        unix_now()
    ))
}

/// `scenario --processes N --layouts L`: the rounds run in fresh
/// processes of every layout, merged into one results file.
pub(super) fn merged_sweep(
    context: &Context,
    args: &ScenarioArgs,
    scenario: &Scenario,
) -> Result<Results, InputError> {
    let processes = args.processes.unwrap_or(1);
    let layouts = args.layouts.unwrap_or(1);
    let reps = children::split(scenario.repetitions, processes)?;
    let current = std::env::current_exe()
        .map_err(|error| InputError(format!("cannot tell which binary is running: {error}")))?;
    if layouts > 1 && cfg!(debug_assertions) {
        return Err(InputError(
            "--layouts builds release binaries to set beside this one, which is a debug build; run it from a release build (cargo run --release -p harness -- ...)".into(),
        ));
    }
    let builds = side_builds(
        &scenario.name,
        current,
        layouts,
        &context.home,
        &context.home.join("target").join("layouts"),
    )?;
    let scratch = scratch_dir("levels");
    eprintln!(
        "{} layout{} x {processes} process{} ({} measured rounds each, {} warm-up), children's files in {}",
        layouts,
        if layouts == 1 { "" } else { "s" },
        if processes == 1 { "" } else { "es" },
        reps.iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join("+"),
        scenario.warmup,
        scratch.display()
    );
    let parts = children::run_all(
        &builds,
        layouts,
        &child_args(scenario, args.allow_spin_oversubscribed)?,
        &reps,
        &scratch,
    )?;
    let refs: Vec<&Part> = parts.iter().collect();
    let mut merged = merge::merge(&refs, |part| builds[part.build].layout.0)?;
    merged.levels = Some(levels_record(processes, &builds));
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(merged)
}

fn levels_record(processes: u32, builds: &[Build]) -> Levels {
    Levels {
        processes,
        layouts: builds
            .iter()
            .map(|build| LayoutRecord {
                index: build.layout.0,
                description: build.layout.describe(),
                binary: build.binary.clone(),
            })
            .collect(),
    }
}

/// `harness ab`: both builds in one interleaved run, judged pair by pair.
pub(super) fn ab(context: &Context, args: &AbArgs) -> Result<ExitCode, InputError> {
    let scenario_args = args.as_scenario();
    let scenario = match load(context, &scenario_args)? {
        ScenarioFile::Measurement(scenario) => measurement(&scenario_args, scenario)?,
        ScenarioFile::Faults(scenario) => {
            return Err(InputError(format!(
                "`{}` is a fault scenario, which measures nothing to compare; give a measurement scenario",
                scenario.name
            )));
        }
    };
    let started = Instant::now();
    let (builds, base_name) = ab_builds(context, args)?;
    let reps = vec![args.reps; args.processes as usize];
    let scratch = scratch_dir("ab");
    eprintln!(
        "ab: scenario {}, new = this build ({}) against base = {base_name}; {} process pair{} x {} measured round{} ({} warm-up){}",
        scenario.name,
        builds[0].binary.display(),
        args.processes,
        if args.processes == 1 { "" } else { "s" },
        args.reps,
        if args.reps == 1 { "" } else { "s" },
        scenario.warmup,
        if args.layouts > 1 {
            format!(", {} layouts per side", args.layouts)
        } else {
            String::new()
        }
    );
    let parts = children::run_all(
        &builds,
        args.layouts,
        &child_args(&scenario, args.allow_spin_oversubscribed)?,
        &reps,
        &scratch,
    )?;
    let side = |name: &str| -> Vec<&Part> {
        parts
            .iter()
            .filter(|part| builds[part.build].side == name)
            .collect()
    };
    let (new, base) = (side("new"), side("base"));
    let slot = |part: &Part| (part.process, builds[part.build].layout.0);
    let pairs = pairs::pairs(&new, &base, slot);
    println!(
        "\nab: {} ({}), new over base, round by round in the same process pair{}; {:.0} s",
        scenario.name,
        scenario.topology,
        if args.layouts > 1 { " and layout" } else { "" },
        started.elapsed().as_secs_f64()
    );
    print!("{}", pairs::text(&pairs, args.max_regression));
    let out_dir = args.out.clone().unwrap_or_else(|| context.results_dir());
    let stamp = results::timestamp(unix_now());
    for (name, parts) in [("new", &new), ("base", &base)] {
        let mut merged = merge::merge(parts, |part| builds[part.build].layout.0)?;
        let mine: Vec<Build> = builds.iter().filter(|b| b.side == name).cloned().collect();
        merged.levels = Some(levels_record(args.processes, &mine));
        merged.command = std::env::args().collect();
        write_results(
            &merged,
            &out_dir,
            &format!("ab-{}-{stamp}-{name}", scenario.name),
        )?;
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(judge(&pairs, args.max_regression))
}

/// Both sides' builds, new first: this binary (and its layouts) and the
/// base (built from its source, or given as a binary), with the base's
/// name in the output.
fn ab_builds(context: &Context, args: &AbArgs) -> Result<(Vec<Build>, String), InputError> {
    let target = context.home.join("target").join("ab");
    let (base_binary, base_source, base_name) = base_build(context, args, &target)?;
    if args.layouts > 1 && cfg!(debug_assertions) {
        return Err(InputError(
            "--layouts builds release binaries; run ab from a release build (cargo run --release -p harness -- ab ...)".into(),
        ));
    }
    let current = std::env::current_exe()
        .map_err(|error| InputError(format!("cannot tell which binary is running: {error}")))?;
    let mut builds = side_builds(
        "new",
        current,
        args.layouts,
        &context.home,
        // The same builds as `scenario --layouts` makes.
        &context.home.join("target").join("layouts"),
    )?;
    if let Some(source) = &base_source {
        builds.extend(side_builds(
            "base",
            base_binary,
            args.layouts,
            source,
            &target.join("base"),
        )?);
    } else {
        builds.push(Build {
            side: "base".to_owned(),
            layout: Layout(0),
            binary: base_binary,
        });
    }
    Ok((builds, base_name))
}

/// The base side's binary, the source tree it was built from (none for
/// `--base-binary`), and its name in the output.
fn base_build(
    context: &Context,
    args: &AbArgs,
    target: &Path,
) -> Result<(PathBuf, Option<PathBuf>, String), InputError> {
    Ok(match (&args.base_binary, &args.base) {
        (Some(binary), _) => {
            if !binary.is_file() {
                return Err(InputError(format!(
                    "--base-binary {} is not a file; give the path of a harness binary",
                    binary.display()
                )));
            }
            if args.layouts > 1 {
                return Err(InputError(
                    "--layouts needs a revision to build (--base REV), not --base-binary".into(),
                ));
            }
            (binary.clone(), None, binary.display().to_string())
        }
        (None, Some(revision)) => {
            let commit = levels::resolve_revision(&context.home, revision)?;
            let source = levels::worktree(&context.home, &commit, target)?;
            let bin = levels::binary_name()?;
            let short = &commit[..12];
            let binary = levels::build(&source, &target.join("base"), &bin, Layout(0))?;
            // Kept under its commit, so that building another revision
            // later does not replace it.
            let kept = target.join(format!("{bin}-{short}"));
            std::fs::copy(&binary, &kept).map_err(|error| {
                format!(
                    "cannot keep {} as {}: {error}",
                    binary.display(),
                    kept.display()
                )
            })?;
            (kept, Some(source), format!("{revision} ({short})"))
        }
        (None, None) => return Err(InputError("give --base REV or --base-binary PATH".into())),
    })
}

/// The exit status of `ab`, with its last lines.
fn judge(pairs: &[pairs::Pair], max_regression: f64) -> ExitCode {
    let regressed: Vec<&pairs::Pair> = pairs
        .iter()
        .filter(|pair| pair.regressed(max_regression))
        .collect();
    let failed = pairs.iter().any(|pair| pair.new_failures > 0);
    if regressed.is_empty() && !failed {
        println!(
            "ab: no pair regressed beyond {}% ({} faster, {} slower, {} indistinguishable)",
            max_regression,
            pairs
                .iter()
                .filter(|p| p.change == pairs::Change::Faster)
                .count(),
            pairs
                .iter()
                .filter(|p| p.change == pairs::Change::Slower)
                .count(),
            pairs
                .iter()
                .filter(|p| matches!(
                    p.change,
                    pairs::Change::Indistinguishable | pairs::Change::TooFew
                ))
                .count(),
        );
        ExitCode::SUCCESS
    } else {
        for pair in &regressed {
            println!(
                "REGRESSION: {} at {}: {:.3}x of base",
                pair.implementation,
                pair.label,
                pair.median.unwrap_or(f64::NAN)
            );
        }
        if failed {
            println!("FAILED: runs of the new build did not pass the oracle (see the table)");
        }
        ExitCode::FAILURE
    }
}
