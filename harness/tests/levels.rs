//! The levels above rounds, through the binary: `ab` finds a build made
//! slower on purpose (the `RINGLAB_TEST_EXTRA_WORK` hook, which adds busy
//! work after every batch a producer publishes) and does not call the
//! same build twice a regression; `scenario --processes` merges its
//! children's runs into one file that says where each came from.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("levels-{test}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A small SPSC scenario of one configuration.
fn scenario(dir: &Path) -> PathBuf {
    let path = dir.join("small.toml");
    std::fs::write(
        &path,
        r#"description = "one small SPSC configuration"
topology = "spsc"
implementations = ["spsc_ring", "crossbeam"]
baseline = "crossbeam"
messages = 20_000
repetitions = 1
warmup = 0
timeout_secs = 60

[axes]
capacity = [64]
batch = [4]
wait = ["yield"]
"#,
    )
    .unwrap();
    path
}

/// A base binary that is this harness without the hook.
fn without_hook(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("base-harness");
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\nunset RINGLAB_TEST_EXTRA_WORK\nexec '{}' \"$@\"\n",
            env!("CARGO_BIN_EXE_harness")
        ),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn ab(dir: &Path, extra_work: Option<&str>, max_regression: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_harness"));
    command.args(["ab", "--file"]).arg(scenario(dir));
    command.arg("--base-binary").arg(without_hook(dir));
    command.args([
        "--processes",
        "7",
        "--max-regression",
        max_regression,
        "--out",
    ]);
    command.arg(dir.join("results"));
    command.env_remove("RINGLAB_TEST_EXTRA_WORK");
    if let Some(steps) = extra_work {
        command.env("RINGLAB_TEST_EXTRA_WORK", steps);
    }
    command.output().expect("the harness binary runs")
}

fn texts(output: &Output) -> (String, String) {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (stdout, stderr)
}

/// The `implementation` line of the ab table.
fn row<'a>(stdout: &'a str, implementation: &str) -> &'a str {
    stdout
        .lines()
        .find(|line| line.trim_start().starts_with(&format!("{implementation} ")))
        .unwrap_or_else(|| panic!("no row for {implementation}:\n{stdout}"))
}

fn median_ratio(row: &str) -> f64 {
    row.split_whitespace()
        .find_map(|word| word.strip_suffix('x')?.parse().ok())
        .unwrap_or_else(|| panic!("no ratio in {row}"))
}

#[test]
fn a_build_made_slower_is_found_slower() {
    let dir = scratch("slower");
    // 20,000 steps after every 4 messages: many times the run's own work.
    let output = ab(&dir, Some("20000"), "10");
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    let line = row(&stdout, "spsc_ring");
    assert!(line.contains("slower"), "{line}");
    assert!(line.contains("beyond the 10% limit"), "{line}");
    // How much slower depends on what else the machine runs: the verdict
    // is asserted, the size only as a fall.
    assert!(median_ratio(line) < 1.0, "{line}");
    assert!(line.contains("[7 pairs]"), "{line}");
    assert!(stdout.contains("REGRESSION: spsc_ring"), "{stdout}");
    // Both sides' runs are kept, every run with its process.
    let written: Vec<PathBuf> = std::fs::read_dir(dir.join("results"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(written.len(), 2, "{written:?}");
    for path in written {
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let runs = json["configurations"][0]["runs"].as_array().unwrap();
        let processes: std::collections::BTreeSet<u64> = runs
            .iter()
            .map(|run| run["process"].as_u64().unwrap())
            .collect();
        assert_eq!(processes.len(), 7, "{}", path.display());
        assert_eq!(json["levels"]["processes"], 7);
    }
}

#[test]
fn the_same_build_twice_is_no_regression() {
    let dir = scratch("same");
    // Short runs of a debug build on a shared machine are noisy; a false
    // regression would need all 7 pairs below 1 and a median below 0.5.
    let output = ab(&dir, None, "50");
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    for implementation in ["spsc_ring", "crossbeam", "base"] {
        let line = row(&stdout, implementation);
        assert!(line.contains("[7 pairs]"), "{line}");
        assert!(!line.contains("beyond the"), "{line}");
        assert!(median_ratio(line) > 0.0, "{line}");
    }
    assert!(stdout.contains("ab: no pair regressed"), "{stdout}");
}

#[test]
fn bad_input_to_ab_exits_2() {
    let dir = scratch("bad");
    let output = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["ab", "--file"])
        .arg(scenario(&dir))
        .args(["--base-binary", "/nonexistent/harness"])
        .output()
        .unwrap();
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is not a file"), "{stderr}");
    let output = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["ab", "--file"])
        .arg(scenario(&dir))
        .args(["--base", "no-such-revision-anywhere"])
        .output()
        .unwrap();
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("names no commit"), "{stderr}");
}

#[test]
fn processes_merge_into_one_file() {
    let dir = scratch("processes");
    let output = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["scenario", "--file"])
        .arg(scenario(&dir))
        .args(["--reps", "5", "--processes", "3", "--no-progress", "--out"])
        .arg(dir.join("results"))
        .output()
        .unwrap();
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("oracle: every run passed"), "{stdout}");
    let path = std::fs::read_dir(dir.join("results"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let configuration = &json["configurations"][0];
    let runs = configuration["runs"].as_array().unwrap();
    // 3 implementations (with the base case) x 5 rounds, spread 2 + 2 + 1.
    assert_eq!(runs.len(), 15);
    let mut rounds: Vec<(u64, u64)> = runs
        .iter()
        .map(|run| {
            (
                run["round"].as_u64().unwrap(),
                run["process"].as_u64().unwrap(),
            )
        })
        .collect();
    rounds.sort_unstable();
    rounds.dedup();
    assert_eq!(rounds, vec![(0, 0), (1, 0), (2, 1), (3, 1), (4, 2)]);
    for summary in configuration["summary"].as_array().unwrap() {
        assert_eq!(summary["measured_runs"], 5, "{summary}");
    }
    // More processes than repetitions is bad input.
    let output = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["scenario", "--file"])
        .arg(scenario(&dir))
        .args(["--reps", "2", "--processes", "3", "--no-progress", "--out"])
        .arg(dir.join("results"))
        .output()
        .unwrap();
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot be spread over 3 processes"),
        "{stderr}"
    );
}
