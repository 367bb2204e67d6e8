//! Running rounds in child processes: the schedule that interleaves
//! builds process by process, one child's command line, and reading back
//! the results file it wrote.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Instant;

use super::Build;
use crate::results::Results;

/// What every child runs: the scenario file and the parent's resolved
/// parameters (so `--quick` and the other overrides mean the same in
/// every build, whatever its defaults).
#[derive(Clone, Debug)]
pub struct ChildArgs {
    /// The scenario file, as an absolute path.
    pub file: PathBuf,
    /// The implementations to run.
    pub implementations: Vec<String>,
    /// Messages per run.
    pub messages: u64,
    /// Warm-up rounds in every process.
    pub warmup: u32,
    /// `--allow-spin-oversubscribed`.
    pub allow_spin_oversubscribed: bool,
}

impl ChildArgs {
    /// The arguments of `scenario` for a child that runs `reps` rounds
    /// and writes its results into `out`.
    pub fn arguments(&self, reps: u32, out: &Path) -> Vec<String> {
        let mut arguments = vec![
            "scenario".to_owned(),
            "--file".to_owned(),
            self.file.display().to_string(),
            "--impls".to_owned(),
            self.implementations.join(","),
            "--messages".to_owned(),
            self.messages.to_string(),
            "--warmup".to_owned(),
            self.warmup.to_string(),
            "--reps".to_owned(),
            reps.to_string(),
            "--out".to_owned(),
            out.display().to_string(),
            "--no-progress".to_owned(),
            "--summary".to_owned(),
        ];
        if self.allow_spin_oversubscribed {
            arguments.push("--allow-spin-oversubscribed".to_owned());
        }
        arguments
    }
}

/// One child's results and its place in the schedule.
#[derive(Clone, Debug)]
pub struct Part {
    /// Index of its build in the list given to [`run_all`].
    pub build: usize,
    /// The process (0-based) of its build.
    pub process: u32,
    /// What it wrote.
    pub results: Results,
}

/// The order the builds run in for process `process`: turned round by
/// one each time (A B, B A, A B, ... for two), so that neither always
/// runs first after the other.
pub fn order(builds: usize, process: u32) -> Vec<usize> {
    (0..builds)
        .map(|k| (k + process as usize) % builds)
        .collect()
}

/// Splits `repetitions` over `processes` as evenly as it goes (the first
/// ones take the remainder).
pub fn split(repetitions: u32, processes: u32) -> Result<Vec<u32>, String> {
    if processes == 0 || repetitions < processes {
        return Err(format!(
            "{repetitions} repetitions cannot be spread over {processes} processes (each needs at least one); give --reps of at least {processes}, or fewer --processes"
        ));
    }
    Ok((0..processes)
        .map(|i| repetitions / processes + u32::from(i < repetitions % processes))
        .collect())
}

/// Runs every build once per process, interleaved ([`order`]), process
/// `p` running `reps[p]` measured rounds; each child writes under
/// `scratch`. Returns the parts in the order they ran. A child that
/// reports bad input (exit 2), crashes or writes no results file is an
/// error that quotes the end of its output; one whose runs failed the
/// oracle (exit 1) is not (its runs say so).
pub fn run_all(
    builds: &[Build],
    layouts: u32,
    args: &ChildArgs,
    reps: &[u32],
    scratch: &Path,
) -> Result<Vec<Part>, String> {
    let total = builds.len() * reps.len();
    let mut parts = Vec::with_capacity(total);
    let started = Instant::now();
    for (process, &count) in reps.iter().enumerate() {
        let process = process as u32;
        for build in order(builds.len(), process) {
            let label = builds[build].label(layouts);
            let out = scratch.join(format!("{}-p{process}", label.replace(' ', "-")));
            let began = Instant::now();
            let results = run_child(&builds[build], &args.arguments(count, &out), &out)?;
            parts.push(Part {
                build,
                process,
                results,
            });
            let done = parts.len();
            let elapsed = started.elapsed().as_secs_f64();
            eprintln!(
                "[{done}/{total}] {label}, process {}: {count} round{} in {:.1} s (eta {:.0} s)",
                process + 1,
                if count == 1 { "" } else { "s" },
                began.elapsed().as_secs_f64(),
                elapsed / done as f64 * (total - done) as f64
            );
        }
    }
    Ok(parts)
}

/// Runs one child and reads the results file it wrote into `out`.
pub fn run_child(build: &Build, arguments: &[String], out: &Path) -> Result<Results, String> {
    let _ = std::fs::remove_dir_all(out);
    std::fs::create_dir_all(out)
        .map_err(|error| format!("cannot create {}: {error}", out.display()))?;
    let log_path = out.join("child.log");
    let log = std::fs::File::create(&log_path)
        .map_err(|error| format!("cannot create {}: {error}", log_path.display()))?;
    let log_err = log
        .try_clone()
        .map_err(|error| format!("cannot share {}: {error}", log_path.display()))?;
    let status = build
        .command()
        .args(arguments)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .status()
        .map_err(|error| format!("cannot start {}: {error}", build.binary.display()))?;
    let tail = || {
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(8)..].join("\n    ")
    };
    match status.code() {
        Some(0 | 1) => {}
        Some(2) => {
            return Err(format!(
                "{} refused the scenario (bad input; a build of another revision may not know a flag or a scenario field):\n    {}",
                build.binary.display(),
                tail()
            ));
        }
        _ => {
            return Err(format!(
                "{} ended with {status} before it wrote its results; the end of its output ({}):\n    {}",
                build.binary.display(),
                log_path.display(),
                tail()
            ));
        }
    }
    let written = results_file(out).ok_or_else(|| {
        format!(
            "{} wrote no results file into {}; the end of its output:\n    {}",
            build.binary.display(),
            out.display(),
            tail()
        )
    })?;
    let text = std::fs::read_to_string(&written)
        .map_err(|error| format!("cannot read {}: {error}", written.display()))?;
    serde_json::from_str(&text).map_err(|error| {
        format!(
            "cannot read the results {} wrote ({}): {error}; is it a build of another schema?",
            build.binary.display(),
            written.display()
        )
    })
}

/// The one results file in `out`.
fn results_file(out: &Path) -> Option<PathBuf> {
    std::fs::read_dir(out)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| {
            path.extension().is_some_and(|e| e == "json")
                && !path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_take_turns_going_first() {
        assert_eq!(order(2, 0), vec![0, 1]);
        assert_eq!(order(2, 1), vec![1, 0]);
        assert_eq!(order(3, 1), vec![1, 2, 0]);
    }

    #[test]
    fn repetitions_spread_over_processes() {
        assert_eq!(split(7, 3).unwrap(), vec![3, 2, 2]);
        assert_eq!(split(3, 3).unwrap(), vec![1, 1, 1]);
        assert!(split(2, 3).unwrap_err().contains("at least 3"));
        assert!(split(2, 0).is_err());
    }
}
