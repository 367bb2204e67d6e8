//! The command line as a user meets it: a short real run writes a results
//! file; bad input gets a clear error and exit status 2, never a panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn harness(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(args)
        .output()
        .expect("the harness binary runs")
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ringlab-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `body` as the scenario file `name` in `dir` and returns its path.
fn scenario_file(dir: &Path, name: &str, body: &str) -> PathBuf {
    let file = dir.join(name);
    std::fs::write(&file, body).unwrap();
    file
}

/// The results files (`*.json`) in `dir`.
fn results_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect()
}

/// Runs the scenario in `file` quietly, results into `out`, with `extra`
/// flags.
fn run_file(file: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "scenario",
        "--file",
        file.to_str().unwrap(),
        "--no-progress",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    harness(&args)
}

fn assert_input_error(output: &Output, expected: &[&str]) {
    let (_, stderr) = text(output);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for fragment in expected {
        assert!(
            stderr.contains(fragment),
            "missing {fragment:?} in: {stderr}"
        );
    }
}

#[test]
fn the_atlas_renders_keeps_compact_copies_and_refuses_mixed_scenarios() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../reports/tests/fixtures");
    let mpsc = fixtures.join("mpsc-contract.json").display().to_string();
    let spsc = fixtures.join("spsc.json").display().to_string();
    let dir = scratch("atlas");
    let out = dir.join("page").display().to_string();
    let output = harness(&["atlas", &mpsc, &mpsc, "--out", &out]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("atlas · mpsc · 2 machines"), "{stdout}");
    assert!(
        stdout.contains("0 of 6 configurations change between machines"),
        "{stdout}"
    );
    let page = std::fs::read_to_string(dir.join("page/atlas.html")).unwrap();
    assert!(page.contains("the same verdict on every machine that ran it"));

    let kept = dir.join("atlas").display().to_string();
    let output = harness(&["atlas", "--add", &spsc, "--dir", &kept]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let copy = dir.join("atlas/spsc/intel-r-xeon-r-processor.json");
    assert!(stdout.contains(&copy.display().to_string()), "{stdout}");
    let compact = reports::load(&copy).expect("the compact copy loads");
    assert_eq!(compact.configurations.len(), 2);

    assert_input_error(
        &harness(&["atlas", &mpsc, &spsc]),
        &["holds scenario `spsc`", "one scenario across machines"],
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_shipped_atlas_renders() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../atlas");
    let dir = scratch("shipped-atlas");
    for scenario in ["spsc", "mpsc", "mpmc_worker_pool"] {
        let files: Vec<String> = std::fs::read_dir(shipped.join(scenario))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "json"))
            .map(|path| path.display().to_string())
            .collect();
        assert!(!files.is_empty(), "atlas/{scenario} is empty");
        let out = dir.join(scenario).display().to_string();
        let mut args = vec!["atlas", "--out", &out];
        args.extend(files.iter().map(String::as_str));
        let output = harness(&args);
        let (stdout, stderr) = text(&output);
        assert!(output.status.success(), "{stdout}\n{stderr}");
        assert!(
            stdout.contains(&format!("atlas · {scenario} · {} machines", files.len())),
            "{stdout}"
        );
        assert!(!stdout.contains("nothing passed"), "{stdout}");
        assert!(dir.join(scenario).join("atlas.html").is_file());
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_peer_check_refuses_a_folder_without_the_peers_programs() {
    let empty = scratch("peer");
    std::fs::create_dir_all(&empty).unwrap();
    let folder = empty.display().to_string();
    assert_input_error(
        &harness(&["peer", "--programs", &folder]),
        &[
            "no crossbeam-channel, flume, mpsc, go, go-make there",
            "scripts/peer-check.sh",
        ],
    );
    assert_input_error(
        &harness(&["peer", "--programs", &folder, "--rounds", "0"]),
        &["--rounds"],
    );
    std::fs::remove_dir_all(empty).unwrap();
}

#[test]
fn a_short_run_prints_a_table_and_writes_results() {
    let out = scratch("run");
    let output = harness(&[
        "scenario",
        "spsc",
        "--messages",
        "20000",
        "--reps",
        "2",
        "--warmup",
        "0",
        "--impls",
        "crossbeam,spsc_ring",
        "--no-progress",
        "--report",
        "--out",
        out.to_str().unwrap(),
    ]);
    let (stdout, stderr) = text(&output);
    assert!(
        output.status.success(),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(
        stdout.contains("spsc_ring") && stdout.contains("vs crossbeam"),
        "{stdout}"
    );
    assert!(stdout.contains("oracle: every run passed"), "{stdout}");
    // Two configurations: full tables, then one verdict line each.
    let verdicts = stdout.find("verdicts · spsc").expect("a verdict section");
    assert!(stdout.find("vs crossbeam").unwrap() < verdicts, "{stdout}");
    let lines: Vec<&str> = stdout[verdicts..]
        .lines()
        .filter(|line| line.starts_with("  P1 C1 · cap 1024 · 8 B · batch "))
        .collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    for line in lines {
        assert!(
            line.contains("spsc_ring") && line.contains("crossbeam"),
            "{line}"
        );
    }

    let mut files: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(
        files.len(),
        2,
        "exactly one results file and its report, no leftovers: {files:?}"
    );
    let (report, results) = (&files[0], &files[1]);
    let stem = results.file_stem().unwrap().to_str().unwrap();
    assert_eq!(report.file_name().unwrap(), &*format!("report-{stem}"));

    // The report reads what the harness really writes.
    let loaded = reports::load(results).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(loaded.scenario.kind, schema::Kind::Throughput);
    // Written out, not left to the reader's defaults.
    let raw: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(results).unwrap()).unwrap();
    assert_eq!(raw["scenario"]["kind"], "throughput");
    // One schema: what the reports read is everything the harness wrote,
    // and it writes back byte for byte.
    let mut again = serde_json::to_string_pretty(&loaded.results).unwrap();
    again.push('\n');
    assert!(
        again == std::fs::read_to_string(results).unwrap(),
        "the results file does not read back as written"
    );
    assert_eq!(loaded.configurations.len(), 2);
    for configuration in &loaded.configurations {
        assert_eq!(configuration.consume, schema::Consume::Read);
        let names: Vec<&str> = configuration
            .summary
            .iter()
            .map(|s| s.implementation.as_str())
            .collect();
        assert_eq!(names, ["crossbeam", "spsc_ring", "base"]);
        assert!(configuration.summary.iter().all(|s| s.plottable()));
        assert!(configuration.summary.iter().all(|s| {
            s.counters
                .iter()
                .all(|c| c.unit == "ns" || c.unit == "events")
        }));
    }
    for configuration in raw["configurations"].as_array().unwrap() {
        assert_eq!(configuration["consume"], "read");
    }
    let page = std::fs::read_to_string(report.join("index.html")).unwrap();
    for name in ["crossbeam", "spsc_ring", "base (harness cost)"] {
        assert!(page.contains(name), "the report does not name {name}");
    }
    assert!(report.join("figures.csv").is_file());

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(results).unwrap()).unwrap();
    assert_eq!(json["schema"], "ringlab.results/1");
    assert_eq!(json["scenario"]["messages"], 20000);
    assert!(
        json["provenance"]["rustc"]
            .as_str()
            .unwrap()
            .starts_with("rustc")
    );
    assert!(json["provenance"]["logical_cores"].as_u64().unwrap() >= 1);
    let configurations = json["configurations"].as_array().unwrap();
    assert_eq!(configurations.len(), 2, "batch 1 and 64");
    for configuration in configurations {
        let runs = configuration["runs"].as_array().unwrap();
        assert_eq!(
            runs.len(),
            6,
            "2 implementations and the base case x 2 rounds"
        );
        for run in runs {
            assert_eq!(run["outcome"]["status"], "completed");
            assert_eq!(run["outcome"]["verdict"]["passed"], true);
            assert!(run["throughput"].as_f64().unwrap() > 0.0);
        }
        let spsc_ring = &configuration["summary"][1];
        assert_eq!(spsc_ring["implementation"], "spsc_ring");
        assert!(spsc_ring["ratio_to_baseline"].as_f64().unwrap() > 0.0);
        assert!(spsc_ring["cpu_ns_per_message"].as_f64().unwrap() > 0.0);
        assert_eq!(configuration["summary"][2]["implementation"], "base");
    }
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn a_report_that_cannot_be_written_leaves_the_runs_verdict_alone() {
    let out = scratch("report-fails");
    // The results file's temporary name (`.NAME.json.partial`) just fits
    // the 255-byte limit on file names and the report's staging folder
    // (`.report-NAME.partial-PID`) does not: the run succeeds, its report
    // cannot be written.
    let file = scenario_file(
        &out,
        &format!("{}.toml", "s".repeat(224)),
        r#"
description = "a name too long for its report"
topology = "spsc"
implementations = ["crossbeam"]
messages = 2000
repetitions = 1
warmup = 0
[axes]
batch = [1]
"#,
    );
    let output = run_file(&file, &out, &["--report"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(stdout.contains("oracle: every run passed"), "{stdout}");
    assert!(stderr.contains("warning: no report written"), "{stderr}");
    assert!(stderr.contains("retry with: harness report"), "{stderr}");
    let results = results_files(&out);
    assert_eq!(results.len(), 1, "the results file is kept: {results:?}");
    assert!(
        stderr.contains(&results[0].display().to_string()),
        "{stderr}"
    );
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn discarding_consumers_get_count_only_verdicts_beside_full_ones() {
    let out = scratch("discard");
    let file = scenario_file(
        &out,
        "claims.toml",
        r#"
description = "count-only next to full checks"
topology = "mpsc"
implementations = ["crossbeam", "ring_mpsc"]
messages = 20000
repetitions = 1
warmup = 0
[axes]
producers = [2]
batch = [64]
consume = ["read", "discard"]
"#,
    );
    let output = run_file(&file, &out, &[]);
    let (stdout, stderr) = text(&output);
    assert!(
        output.status.success(),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(stdout.contains("consume discard"), "{stdout}");
    assert!(stdout.contains("pass (count only)"), "{stdout}");
    let results = results_files(&out).pop().expect("a results file");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(results).unwrap()).unwrap();
    let configurations = json["configurations"].as_array().unwrap();
    let modes: Vec<_> = configurations
        .iter()
        .map(|c| c["consume"].as_str().unwrap())
        .collect();
    assert_eq!(modes, ["read", "discard"]);
    for configuration in configurations {
        let discard = configuration["consume"] == "discard";
        for run in configuration["runs"].as_array().unwrap() {
            let verdict = &run["outcome"]["verdict"];
            assert_eq!(verdict["passed"], true);
            assert_eq!(verdict["count_only"].as_bool().unwrap_or(false), discard);
            assert_eq!(verdict["delivered"], 20000);
        }
        let expected = if discard { "pass (count only)" } else { "pass" };
        for summary in configuration["summary"].as_array().unwrap() {
            assert_eq!(summary["verdict"], expected);
        }
    }
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn list_shows_scenarios_and_implementations() {
    let output = harness(&["list"]);
    let (stdout, _) = text(&output);
    assert!(output.status.success());
    for name in [
        "spsc",
        "mpsc",
        "mpmc_worker_pool",
        "mpmc_fanout",
        "spsc_ring",
        "flume_vec",
    ] {
        assert!(stdout.contains(name), "{name} missing: {stdout}");
    }
}

#[test]
fn an_unknown_scenario_lists_the_known_ones() {
    assert_input_error(
        &harness(&["scenario", "no_such_scenario"]),
        &["no_such_scenario", "mpmc_worker_pool"],
    );
}

#[test]
fn an_unknown_implementation_lists_the_known_ones() {
    assert_input_error(
        &harness(&["scenario", "spsc", "--impls", "spsc_ring,nope"]),
        &["--impls", "nope", "rtrb"],
    );
}

#[test]
fn an_implementation_that_cannot_run_the_topology_is_refused() {
    assert_input_error(
        &harness(&["scenario", "mpsc", "--impls", "spsc_ring"]),
        &["--impls", "spsc_ring", "mpsc"],
    );
}

#[test]
fn a_bad_scenario_file_names_the_file_and_the_field() {
    let dir = scratch("bad-file");
    let file = scenario_file(
        &dir,
        "broken.toml",
        "description = \"x\"\ntopology = \"spsc\"\nimplementations = [\"crossbeam\"]\nmessages = 10\n[axes]\npayload = [100]\n",
    );
    assert_input_error(
        &harness(&["scenario", "--file", file.to_str().unwrap()]),
        &["broken.toml", "axes.payload", "8, 64, 256"],
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn bad_flags_are_usage_errors() {
    assert_input_error(&harness(&["scenario", "spsc", "--reps", "0"]), &["--reps"]);
    assert_input_error(&harness(&["scenario", "spsc", "--bogus"]), &["--bogus"]);
    assert_input_error(&harness(&["scenario"]), &["NAME"]);
    assert_input_error(
        &harness(&["scenario", "mpsc", "--messages", "2"]),
        &["--messages", "4 producers"],
    );
}

/// A fault scenario whose runs all meet the contract for crossbeam.
const FAULTS: &str = r#"
description = "crossbeam through its cancellable path, faults it recovers from"
kind = "faults"
implementations = ["crossbeam_sliced"]
faults = ["producer_panic", "consumer_dropped", "cancel_mid_claim"]
topologies = ["spsc", "mpmc_worker_pool"]
messages = 400
timeout_secs = 20
"#;

#[test]
fn a_fault_scenario_prints_its_table_and_writes_results() {
    let dir = scratch("faults");
    let file = scenario_file(&dir, "crossbeam_faults.toml", FAULTS);
    let out = dir.join("results");
    let output = run_file(&file, &out, &[]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // One progress line per run on stderr (no terminal, so no bar).
    assert!(
        stderr.contains("[6/6] crossbeam_sliced mpmc_worker_pool cancel_mid_claim: recovered"),
        "{stderr}"
    );
    for row in [
        "crossbeam_sliced  spsc              1 1  recovered       disconnected (expected)  recovered",
        "crossbeam_sliced  mpmc_worker_pool  2 2  recovered       recovered                recovered",
    ] {
        assert!(stdout.contains(row), "missing {row:?} in:\n{stdout}");
    }
    assert!(stdout.contains("every run met the contract"), "{stdout}");

    let files = results_files(&out);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(
        files[0]
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("crossbeam_faults-")
    );
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    assert_eq!(results["schema"], "ringlab.faults/1");
    assert_eq!(results["scenario"]["messages"], 400);
    let runs = results["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 6);
    let dropped = runs
        .iter()
        .find(|run| run["fault"] == "consumer_dropped" && run["topology"] == "spsc")
        .unwrap();
    assert_eq!(dropped["expected"], "disconnected");
    assert_eq!(dropped["outcome"]["kind"], "disconnected");
    assert_eq!(dropped["met_contract"], true);
    assert_eq!(dropped["consumers"][0]["end"]["kind"], "left");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_fault_scenario_refuses_measurement_flags_and_bad_values() {
    assert_input_error(
        &harness(&["scenario", "faults", "--reps", "3"]),
        &[
            "--reps does not apply to fault scenario `faults`",
            "--impls, --quick",
        ],
    );
    assert_input_error(
        &harness(&["scenario", "faults", "--report"]),
        &["--report does not apply"],
    );
    assert_input_error(
        &harness(&["scenario", "faults", "--messages", "10"]),
        &["--messages 10 is out of range", "400 to 1000000"],
    );
    assert_input_error(
        &harness(&["scenario", "faults", "--impls", "crossbeam,nope"]),
        &["--impls", "`nope` is not a known implementation"],
    );
}

#[test]
fn a_batch_above_the_capacity_is_clamped_and_said_so() {
    let out = scratch("clamp");
    let file = scenario_file(
        &out,
        "clamp.toml",
        r#"
description = "batches above the capacity"
topology = "spsc"
implementations = ["crossbeam_vec", "spsc_ring"]
baseline = "crossbeam_vec"
messages = 20000
repetitions = 1
warmup = 0
[axes]
capacity = [1024]
batch = [100, 2048, 4096]
"#,
    );
    let output = run_file(&file, &out, &["--summary"]);
    let (stdout, stderr) = text(&output);
    assert!(
        output.status.success(),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(
        stderr.contains("note: batch 2048 is larger than capacity 1024: run at batch 1024"),
        "{stderr}"
    );
    assert!(
        stderr.contains("batch 4096 is larger than capacity 1024"),
        "{stderr}"
    );
    assert!(stderr.contains("not run twice"), "{stderr}");
    assert!(stderr.contains("2 configurations"), "{stderr}");
    // --summary: verdict lines, no tables.
    assert!(!stdout.contains("median M/s"), "{stdout}");
    assert!(stdout.contains("batch 1024 (asked 2048)"), "{stdout}");
    assert!(
        stdout.contains("verdicts only; the full tables: --full"),
        "{stdout}"
    );
    let results = results_files(&out).pop().expect("a results file");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(results).unwrap()).unwrap();
    let configurations = json["configurations"].as_array().unwrap();
    assert_eq!(
        configurations.len(),
        2,
        "4096 clamps to the point 2048 gives"
    );
    let (odd, clamped) = (&configurations[0], &configurations[1]);
    assert_eq!(odd["batch"], 100);
    assert!(odd.get("requested_batch").is_none());
    // 1024 is not a multiple of 100: the Vec channel holds 10 vectors.
    assert!(
        odd["notes"][0]
            .as_str()
            .unwrap()
            .contains("crossbeam_vec buffer 10 vectors of 100 = 1000 messages, not 1024"),
        "{odd}"
    );
    assert_eq!(clamped["batch"], 1024);
    assert_eq!(clamped["requested_batch"], 2048);
    assert!(
        clamped["notes"][0]
            .as_str()
            .unwrap()
            .contains("batch 2048 is larger than capacity 1024"),
        "{clamped}"
    );
    for run in clamped["runs"].as_array().unwrap() {
        assert_eq!(run["outcome"]["verdict"]["passed"], true, "{run}");
    }
    std::fs::remove_dir_all(out).unwrap();
}

/// Without the foreign runtimes (none on the `PATH`), their rows say
/// unavailable and how to install them, and the run still passes.
#[test]
fn missing_foreign_runtimes_are_unavailable_not_failures() {
    let out = scratch("foreign-unavailable");
    let output = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args([
            "scenario",
            "foreign",
            "--impls",
            "crossbeam,go_chan,lmax_java",
            "--messages",
            "2000",
            "--reps",
            "1",
            "--warmup",
            "0",
            "--no-progress",
            "--out",
            out.to_str().unwrap(),
        ])
        .env("PATH", "/nonexistent")
        .output()
        .expect("the harness binary runs");
    let (stdout, stderr) = text(&output);
    assert!(
        output.status.success(),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    for name in ["go_chan", "lmax_java"] {
        assert!(
            stdout.contains(&format!("not run here: {name} unavailable: `"))
                && stdout.contains("run scripts/install-foreign.sh"),
            "{stdout}"
        );
    }
    assert!(stdout.contains("oracle: every run passed"), "{stdout}");
    let files = results_files(&out);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    let statuses: Vec<&str> = json["configurations"][0]["runs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|run| run["implementation"] == "go_chan")
        .map(|run| run["outcome"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["unavailable"]);

    let listed = Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("list")
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    let (stdout, _) = text(&listed);
    assert!(
        stdout.contains("Foreign implementations") && stdout.contains("`go` is not installed"),
        "{stdout}"
    );
}

/// Foreign implementations run throughput scenarios only: a latency or
/// ping-pong file that names one is refused with a note that says so.
#[test]
fn foreign_implementations_in_a_latency_scenario_are_refused() {
    let dir = scratch("foreign-latency");
    let file = scenario_file(
        &dir,
        "latency_go.toml",
        r#"description = "go in a ping-pong"
kind = "pingpong"
topology = "spsc"
implementations = ["crossbeam", "go_chan"]
messages = 100
repetitions = 1
warmup = 0
timeout_secs = 10
"#,
    );
    assert_input_error(
        &run_file(&file, &dir, &[]),
        &["`go_chan`", "run throughput scenarios whose consumers read"],
    );
}
