//! `harness report` as a user meets it: a report from a recorded results
//! file, and bad input as exit status 2 with the file named, never a panic.

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

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("report-cli-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn assert_input_error(output: &Output, file: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains(file), "{file} not named in: {stderr}");
}

#[test]
fn report_writes_the_page_and_says_where() {
    let out = scratch("page");
    let output = harness(&[
        "report",
        &fixture("spsc-failed.json"),
        "--out",
        &out.display().to_string(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("index.html"), "{stdout}");
    assert!(stdout.contains("2 runs that did not pass"), "{stdout}");
    assert!(out.join("index.html").is_file());
    assert!(out.join("figures.csv").is_file());
}

#[test]
fn bad_results_files_are_input_errors_naming_the_file() {
    let out = scratch("bad").display().to_string();
    for name in ["no-such-file.json", "truncated.json", "wrong-schema.json"] {
        let output = harness(&["report", &fixture(name), "--out", &out]);
        assert_input_error(&output, name);
    }
    // A bad second file fails the whole report; nothing is written.
    let output = harness(&[
        "report",
        &fixture("spsc.json"),
        &fixture("truncated.json"),
        "--out",
        &out,
    ]);
    assert_input_error(&output, "truncated.json");
    assert!(!Path::new(&out).exists());
}
