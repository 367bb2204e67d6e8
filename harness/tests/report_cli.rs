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
    assert!(out.join(reports::MARKER).is_file());
}

#[test]
fn report_leaves_a_folder_that_is_not_a_report_alone() {
    let out = scratch("foreign");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let output = harness(&[
        "report",
        &fixture("spsc.json"),
        "--out",
        &out.display().to_string(),
    ]);
    assert_input_error(&output, &out.display().to_string());
    assert!(String::from_utf8_lossy(&output.stderr).contains("choose another --out"));
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
    assert!(!out.join("index.html").exists());
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

/// Where two JSON documents first differ, as a path and both values.
fn first_difference(
    written: &serde_json::Value,
    recorded: &serde_json::Value,
    path: &str,
) -> Option<String> {
    use serde_json::Value;
    match (written, recorded) {
        (Value::Object(written), Value::Object(recorded)) => {
            let mut keys: Vec<&String> = written.keys().chain(recorded.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|key| {
                let path = format!("{path}.{key}");
                match (written.get(key), recorded.get(key)) {
                    (Some(w), Some(r)) => first_difference(w, r, &path),
                    (Some(_), None) => Some(format!("{path}: written by the harness, missing")),
                    (None, _) => Some(format!("{path}: present, never written by the harness")),
                }
            })
        }
        (Value::Array(written), Value::Array(recorded)) if written.len() == recorded.len() => {
            written
                .iter()
                .zip(recorded)
                .enumerate()
                .find_map(|(index, (w, r))| first_difference(w, r, &format!("{path}[{index}]")))
        }
        _ if written == recorded => None,
        _ => Some(format!(
            "{path}: harness writes {written}, fixture has {recorded}"
        )),
    }
}

#[test]
fn fixtures_of_the_current_schema_are_what_the_harness_writes() {
    // Read as the harness's own results type and written back, each file
    // must come out unchanged: the report is tested on the shape real runs
    // write (units, consume mode, run costs), not on a shape of its own.
    // spsc.json and spsc-failed.json stay as files from before the machine
    // section, run costs, scenario kind and consume mode existed.
    for name in ["mpsc-contract.json", "mpsc-contract-regressed.json"] {
        let text = std::fs::read_to_string(fixture(name)).expect("read the fixture");
        let mut recorded: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        let results: harness::results::Results = serde_json::from_value(recorded.clone())
            .unwrap_or_else(|error| panic!("{name} does not read as harness results: {error}"));
        // A field of some later schema, there to show that the report
        // ignores what it does not know.
        recorded["scenario"]
            .as_object_mut()
            .expect("scenario is an object")
            .remove("some_future_field")
            .expect("the later field is still in the fixture");
        let written = serde_json::to_value(&results).expect("serialize");
        if let Some(difference) = first_difference(&written, &recorded, name) {
            panic!("{difference}");
        }
    }
}
