//! `harness soak` as a user meets it, at a small size: the long runs and
//! the fault soak print their lines and write results; a failed fault
//! round prints a command that parses; bad input is refused with exit 2.

use std::path::PathBuf;
use std::process::{Command, Output};

fn harness(args: &[&str]) -> (Output, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(args)
        .output()
        .expect("the harness binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stdout, stderr)
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ringlab-soak-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The one results file in `dir` whose name starts with `prefix`, read.
fn results(dir: &PathBuf, prefix: &str) -> serde_json::Value {
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.starts_with(prefix) && name.ends_with(".json")
        })
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap()
}

#[test]
fn a_small_soak_passes_every_run_and_writes_results() {
    let out = scratch("long");
    let (output, stdout, stderr) = harness(&[
        "soak",
        "--messages",
        "30000",
        "--impls",
        "spsc_ring,lmax,worker_pool",
        "--topologies",
        "spsc,mpmc_worker_pool,diamond",
        "--pause",
        "50-150",
        "--seed",
        "9",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    // spsc_ring: spsc; lmax: spsc, diamond; worker_pool: spsc, pool.
    assert!(stdout.contains("soak: 5 of 5 runs passed"), "{stdout}");
    assert!(
        stderr.contains("pauses of 50-150 ns between operations, seed 9"),
        "{stderr}"
    );
    assert_eq!(stdout.matches("; passed").count(), 5, "{stdout}");
    let file = results(&out, "soak-");
    assert_eq!(file["schema"], "ringlab.soak/1");
    let runs = file["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 5);
    for run in runs {
        assert_eq!(run["passed"], true, "{run}");
        assert_eq!(run["outcome"]["status"], "completed", "{run}");
        assert_eq!(run["outcome"]["verdict"]["sent"], 30000, "{run}");
    }
    assert_eq!(file["pause_ns"], serde_json::json!([50, 150]));
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn a_small_fault_soak_meets_the_contracts_and_writes_every_round() {
    let out = scratch("faults");
    let (output, stdout, stderr) = harness(&[
        "soak",
        "--faults",
        "40",
        "--seed",
        "5",
        "--fault-messages",
        "2000",
        "--impls",
        "lmax,bitmap,worker_pool,spsc_ring,ring_mpsc,crossbeam_sliced",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("implementation      met missed  known failed"),
        "{stdout}"
    );
    assert!(stderr.contains("fault soak: 40 of 40 rounds"), "{stderr}");
    let file = results(&out, "fault-soak-");
    assert_eq!(file["schema"], "ringlab.fault-soak/1");
    let rounds = file["rounds"].as_array().unwrap();
    assert_eq!(rounds.len(), 40);
    for round in rounds {
        assert!(
            round["result"] == "met" || round["result"] == "missed",
            "{round}"
        );
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn bad_soak_flags_are_refused_with_a_reason() {
    let cases: [(&[&str], &str); 6] = [
        (&["soak", "--pause", "150-50"], "MIN no greater than MAX"),
        (&["soak", "--pause", "fast"], "give MIN-MAX, e.g. 50-150"),
        (
            &["soak", "--impls", "nope"],
            "`nope` is not an implementation",
        ),
        (
            &["soak", "--topologies", "ring"],
            "`ring` is not one of spsc",
        ),
        (&["soak", "--first-round", "3"], "--faults"),
        (&["soak", "--faults", "2", "--fault-messages", "5"], "400"),
    ];
    for (args, expected) in cases {
        let (output, _, stderr) = harness(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    let (output, _, stderr) = harness(&["soak", "--impls", "spsc_ring", "--topologies", "diamond"]);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("nothing to soak"), "{stderr}");
}
