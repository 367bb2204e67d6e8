//! `harness compare` as a CI job meets it: exit 1 on a significant
//! regression beyond the limit or a run that did not pass, 0 otherwise, 2
//! on bad input; from doctored results files.
//!
//! `mpsc-contract-regressed.json` is `mpsc-contract.json` with lmax at
//! P2 C1 batch 64 halved, in its runs and its summary; nothing else moved.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn harness(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(args)
        .output()
        .expect("the harness binary runs")
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../reports/tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

fn compare(old: &str, new: &str, extra: &[&str]) -> (Option<i32>, String, String) {
    let mut args = vec!["compare", old, new];
    args.extend_from_slice(extra);
    let output = harness(&args);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (output.status.code(), stdout, stderr)
}

/// A copy of fixture `name` changed by `edit`, in a scratch folder.
fn doctored(name: &str, test: &str, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap();
    edit(&mut json);
    let dir: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("compare-{test}"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string(&json).unwrap()).unwrap();
    path.display().to_string()
}

const OLD: &str = "mpsc-contract.json";
const REGRESSED: &str = "mpsc-contract-regressed.json";

#[test]
fn a_significant_regression_beyond_the_limit_exits_1() {
    let (code, stdout, _) = compare(&fixture(OLD), &fixture(REGRESSED), &[]);
    assert_eq!(code, Some(1), "{stdout}");
    let flagged: Vec<&str> = stdout
        .lines()
        .filter(|l| l.ends_with("REGRESSION"))
        .collect();
    assert_eq!(flagged.len(), 1, "{stdout}");
    let line = flagged[0];
    assert!(
        line.contains("P2 C1") && line.contains("batch 64") && line.contains("· lmax:"),
        "{line}"
    );
    // The change of the median ratio, with its interval.
    assert!(line.contains("10.15x") && line.contains("5.08x"), "{line}");
    assert!(line.contains("change -50.0% (-50.0% to -50.0%)"), "{line}");
    assert!(stdout.contains("1 regression(s) beyond 10%"), "{stdout}");
    assert!(stdout.contains("GATE FAILED (exit 1)"), "{stdout}");
}

#[test]
fn a_regression_within_the_limit_is_tolerated() {
    let (code, stdout, _) = compare(
        &fixture(OLD),
        &fixture(REGRESSED),
        &["--max-regression", "60"],
    );
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains("regression within 60% (tolerated)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("0 regression(s) beyond 60%, 1 within it"),
        "{stdout}"
    );
    assert!(stdout.contains("gate passed (exit 0)"), "{stdout}");
}

#[test]
fn an_improvement_passes() {
    let (code, stdout, _) = compare(&fixture(REGRESSED), &fixture(OLD), &[]);
    assert_eq!(code, Some(0), "{stdout}");
    let improved: Vec<&str> = stdout
        .lines()
        .filter(|l| l.ends_with("improvement"))
        .collect();
    assert_eq!(improved.len(), 1, "{stdout}");
    assert!(improved[0].contains("change +100.0%"), "{}", improved[0]);
    assert!(!stdout.contains("REGRESSION\n"), "{stdout}");
}

#[test]
fn no_change_passes() {
    let (code, stdout, stderr) = compare(&fixture(OLD), &fixture(OLD), &[]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("24 pairs: 0 regression(s) beyond 10%, 0 within it, 0 did not pass the oracle, 0 improvement(s)"),
        "{stdout}"
    );
}

#[test]
fn a_run_that_did_not_pass_fails_the_gate() {
    // spsc-failed adds flume, whose runs failed the oracle and timed out.
    let (code, stdout, _) = compare(&fixture("spsc.json"), &fixture("spsc-failed.json"), &[]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("DID NOT PASS in spsc-failed"), "{stdout}");
    assert!(stdout.contains("flume: FAIL 1/2 runs passed"), "{stdout}");
    // The files are dirty-tree builds: the same warning as the report.
    assert!(
        stdout.contains(
            "warning: not like for like: spsc was built from a tree with uncommitted changes"
        ),
        "{stdout}"
    );
}

#[test]
fn bad_input_exits_2_and_says_why() {
    let cases: Vec<(String, String, Vec<&str>, &str)> = vec![
        (
            fixture("spsc.json"),
            fixture(OLD),
            vec![],
            "compare two runs of the same scenario",
        ),
        (
            fixture(OLD),
            doctored(REGRESSED, "baseline", |json| {
                json["scenario"]["baseline"] = "lmax".into();
            }),
            vec![],
            "run both with the same baseline",
        ),
        (
            fixture(OLD),
            doctored(REGRESSED, "disjoint", |json| {
                for configuration in json["configurations"].as_array_mut().unwrap() {
                    configuration["capacity"] = 4096.into();
                }
            }),
            vec![],
            "no configuration and implementation in common",
        ),
        (
            fixture(OLD),
            fixture("no-such-file.json"),
            vec![],
            "no-such-file.json",
        ),
        (
            fixture(OLD),
            fixture("wrong-schema.json"),
            vec![],
            "wrong-schema.json",
        ),
        (
            fixture(OLD),
            fixture(REGRESSED),
            vec!["--max-regression", "ten"],
            "is not a number",
        ),
        (
            fixture(OLD),
            fixture(REGRESSED),
            vec!["--max-regression", "150"],
            "out of range",
        ),
    ];
    for (old, new, extra, expected) in cases {
        let (code, stdout, stderr) = compare(&old, &new, &extra);
        assert_eq!(code, Some(2), "{old} {new} {extra:?}: {stdout}{stderr}");
        assert!(
            stderr.contains(expected),
            "missing {expected:?} in: {stderr}"
        );
        assert!(stdout.is_empty(), "nothing judged on bad input: {stdout}");
    }
}
