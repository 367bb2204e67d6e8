//! Every kind of bad scenario gets an error that names the file, the field
//! and what is allowed; the shipped scenario files load; the helpers
//! (`points`, `restrict_implementations`, `list`, `find`) behave.

use std::path::{Path, PathBuf};
use std::time::Duration;

use impls::{Setup, Topology, WaitStrategy};
use scenarios::{Point, Scenario, ScenarioError, ScenarioFile};

/// The path every inline test scenario pretends to come from.
const PATH: &str = "scenarios/x.toml";

/// A valid mpsc scenario that the tests below break one field at a time.
const GOOD: &str = r#"
description = "Test scenario"
topology = "mpsc"
implementations = ["crossbeam", "flume"]
messages = 1000

[axes]
producers = [1, 2]
batch = [1, 64]
"#;

fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    Scenario::parse(Path::new(PATH), text)
}

/// `text` with `from` replaced by `to`; panics if `from` is not there, so a
/// test cannot pass by accident on an unchanged file.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "test bug: {from:?} not in {text:?}");
    text.replacen(from, to, 1)
}

/// Parses `text`, expects an error, and checks its message starts with the
/// path and contains every one of `needles`. Returns the message.
fn error(text: &str, needles: &[&str]) -> String {
    let message = match parse(text) {
        Ok(scenario) => panic!("accepted a bad scenario: {scenario:?}\n{text}"),
        Err(error) => error.to_string(),
    };
    assert!(
        message.starts_with(&format!("{PATH}: ")),
        "no path in: {message}"
    );
    for needle in needles {
        assert!(
            message.contains(needle),
            "{needle:?} missing from: {message}"
        );
    }
    message
}

/// The directory holding the shipped scenario files.
fn shipped_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh, empty directory under the target directory for `test`.
fn scratch(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(test);
    // Left over from an earlier run, or absent: either way start empty.
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch directory");
    dir
}

#[test]
fn good_scenario_parses_with_defaults() {
    let scenario = parse(GOOD).expect("valid");
    assert_eq!(scenario.name, "x");
    assert_eq!(scenario.path, Path::new(PATH));
    assert_eq!(scenario.description, "Test scenario");
    assert_eq!(scenario.topology, Topology::Mpsc);
    assert_eq!(scenario.implementations, ["crossbeam", "flume"]);
    assert_eq!(scenario.baseline, "crossbeam");
    assert_eq!(scenario.messages, 1000);
    assert_eq!(scenario.repetitions, 5);
    assert_eq!(scenario.warmup, 1);
    assert_eq!(scenario.timeout, Duration::from_secs(60));
    assert_eq!(scenario.axes.producers, [1, 2]);
    assert_eq!(scenario.axes.consumers, [1]);
    assert_eq!(scenario.axes.capacity, [1024]);
    assert_eq!(scenario.axes.payload, [8]);
    assert_eq!(scenario.axes.batch, [1, 64]);
    assert_eq!(scenario.axes.wait, [WaitStrategy::SpinYield]);
}

#[test]
fn no_axes_table_means_every_default() {
    let text = edit(GOOD, "[axes]\nproducers = [1, 2]\nbatch = [1, 64]\n", "");
    let scenario = parse(&text).expect("valid");
    assert_eq!(scenario.points().len(), 1);
}

#[test]
fn explicit_optional_fields_are_used() {
    let text = edit(
        GOOD,
        "messages = 1000",
        "messages = 1000\nbaseline = \"flume\"\nrepetitions = 1000\nwarmup = 0\ntimeout_secs = 86400",
    );
    let scenario = parse(&text).expect("valid");
    assert_eq!(scenario.baseline, "flume");
    assert_eq!(scenario.repetitions, 1000);
    assert_eq!(scenario.warmup, 0);
    assert_eq!(scenario.timeout, Duration::from_secs(86_400));
}

#[test]
fn unknown_top_level_field() {
    let text = edit(GOOD, "messages = 1000", "messages = 1000\nmesages = 5");
    error(
        &text,
        &[
            "unknown field `mesages`",
            "line 6",
            "`messages`",
            "`timeout_secs`",
        ],
    );
}

#[test]
fn unknown_axes_field() {
    let text = edit(GOOD, "batch = [1, 64]", "batch = [1, 64]\nthreads = [2]");
    error(&text, &["unknown field `threads`", "`producers`", "`wait`"]);
}

#[test]
fn wrong_types() {
    error(
        &edit(GOOD, "messages = 1000", "messages = \"1000\""),
        &["messages", "invalid type"],
    );
    error(
        &edit(GOOD, "batch = [1, 64]", "batch = 64"),
        &["batch = 64", "expected a sequence"],
    );
    error(
        &edit(GOOD, "topology = \"mpsc\"", "topology = 3"),
        &["topology", "invalid type"],
    );
}

#[test]
fn not_toml_at_all() {
    error(
        &edit(GOOD, "messages = 1000", "messages = = 1000"),
        &["TOML parse error", "line 5"],
    );
}

#[test]
fn missing_required_fields() {
    for field in ["description", "topology", "implementations", "messages"] {
        let text: String = GOOD
            .lines()
            .filter(|line| !line.starts_with(field))
            .collect::<Vec<_>>()
            .join("\n");
        error(&text, &[&format!("missing field `{field}`")]);
    }
}

#[test]
fn blank_description() {
    error(
        &edit(GOOD, "\"Test scenario\"", "\"  \""),
        &["field `description`", "one non-empty line"],
    );
    error(
        &edit(GOOD, "\"Test scenario\"", "\"two\\nlines\""),
        &["field `description`", "one non-empty line"],
    );
}

#[test]
fn unknown_topology() {
    error(
        &edit(GOOD, "\"mpsc\"", "\"mpmc\""),
        &[
            "field `topology`",
            "`mpmc`",
            "spsc, mpsc, mpmc_worker_pool, mpmc_fanout",
        ],
    );
}

#[test]
fn empty_lists() {
    error(
        &edit(GOOD, "[\"crossbeam\", \"flume\"]", "[]"),
        &["field `implementations`", "empty", "one or more"],
    );
    error(
        &edit(GOOD, "batch = [1, 64]", "batch = []"),
        &["field `axes.batch`", "empty"],
    );
    error(
        &edit(GOOD, "[axes]", "[axes]\nwait = []"),
        &["field `axes.wait`", "empty"],
    );
}

#[test]
fn duplicates_in_lists() {
    error(
        &edit(
            GOOD,
            "[\"crossbeam\", \"flume\"]",
            "[\"crossbeam\", \"flume\", \"crossbeam\"]",
        ),
        &[
            "field `implementations[2]`",
            "`crossbeam` is listed twice",
            "at most once",
        ],
    );
    error(
        &edit(GOOD, "batch = [1, 64]", "batch = [1, 64, 1]"),
        &["field `axes.batch`", "`1` is listed twice"],
    );
    error(
        &edit(GOOD, "[axes]", "[axes]\nwait = [\"yield\", \"yield\"]"),
        &["field `axes.wait`", "`yield` is listed twice"],
    );
}

#[test]
fn capacity_out_of_range() {
    let message = error(
        &edit(GOOD, "[axes]", "[axes]\ncapacity = [1024, 1]"),
        &[
            "field `axes.capacity`",
            "1 is out of range",
            "allowed: 2 to 16777216",
        ],
    );
    assert_eq!(
        message,
        "scenarios/x.toml: field `axes.capacity`: 1 is out of range; allowed: 2 to 16777216"
    );
    error(
        &edit(GOOD, "[axes]", "[axes]\ncapacity = [16777217]"),
        &["field `axes.capacity`", "16777217 is out of range"],
    );
    error(
        &edit(GOOD, "[axes]", "[axes]\ncapacity = [-8]"),
        &["field `axes.capacity`", "-8 is out of range"],
    );
}

#[test]
fn capacity_not_power_of_two_for_spsc_ring() {
    let spsc = edit(
        &edit(GOOD, "\"mpsc\"", "\"spsc\""),
        "[\"crossbeam\", \"flume\"]",
        "[\"rtrb\", \"spsc_ring\"]",
    );
    let spsc = edit(&spsc, "producers = [1, 2]", "capacity = [1024, 1000]");
    error(
        &spsc,
        &[
            "field `axes.capacity`",
            "1000 is not a power of two",
            "`spsc_ring`",
            "try 1024",
        ],
    );
    // rtrb alone takes any capacity.
    let rtrb = edit(&spsc, "[\"rtrb\", \"spsc_ring\"]", "[\"rtrb\"]");
    assert_eq!(parse(&rtrb).expect("valid").axes.capacity, [1024, 1000]);
}

#[test]
fn bad_payload() {
    let message = error(
        &edit(GOOD, "[axes]", "[axes]\npayload = [8, 100]"),
        &["field `axes.payload`", "allowed: 8, 64, 256"],
    );
    assert_eq!(
        message,
        "scenarios/x.toml: field `axes.payload`: 100 is not a payload size; allowed: 8, 64, 256"
    );
}

#[test]
fn bad_batch() {
    error(
        &edit(GOOD, "batch = [1, 64]", "batch = [0]"),
        &[
            "field `axes.batch`",
            "0 is out of range",
            "allowed: 1 to 65536",
        ],
    );
    error(
        &edit(GOOD, "batch = [1, 64]", "batch = [65537]"),
        &["field `axes.batch`", "65537 is out of range"],
    );
}

#[test]
fn unknown_wait_name() {
    error(
        &edit(GOOD, "[axes]", "[axes]\nwait = [\"spin\"]"),
        &[
            "field `axes.wait`",
            "`spin`",
            "busy_spin, spin_hint, spin_yield, yield, sleep",
        ],
    );
}

#[test]
fn unknown_implementation() {
    error(
        &edit(
            GOOD,
            "[\"crossbeam\", \"flume\"]",
            "[\"crossbeam\", \"no_such_queue\"]",
        ),
        &[
            "field `implementations[1]`",
            "`no_such_queue` is not a known implementation",
            "allowed: `all` (every one that can run the scenario) or any of spsc_ring, rtrb, crossbeam, crossbeam_sliced, crossbeam_vec, flume, flume_sliced, flume_vec, std_mpsc, kanal, kanal_sliced, crossfire, crossfire_sliced, single, lmax, bitmap, worker_pool",
        ],
    );
}

/// `all` is every implementation of the roster that can run the topology
/// at every point, in roster order: single-producer ones drop out where
/// producers are swept above 1, and the rest of the file is checked as
/// for a named list.
#[test]
fn all_is_every_capable_implementation() {
    let scenario = parse(&edit(GOOD, "[\"crossbeam\", \"flume\"]", "[\"all\"]")).expect("valid");
    let expected: Vec<&str> = impls::all()
        .iter()
        .filter(|info| info.supports(Topology::Mpsc) && !info.single_producer)
        .map(|info| info.name)
        .collect();
    assert_eq!(scenario.implementations, expected);
    assert!(!scenario.implementations.contains(&"single"));
    assert_eq!(scenario.baseline, expected[0]);

    // The single-producer sequencer broadcasts from one producer, so it
    // is in a fan-out scenario's `all` only while producers stay at 1.
    let fanout = edit(
        &edit(GOOD, "[\"crossbeam\", \"flume\"]", "[\"all\"]"),
        "topology = \"mpsc\"",
        "topology = \"mpmc_fanout\"",
    );
    assert!(!parse(&fanout).unwrap().implementations.contains(&"single"));
    let one = edit(&fanout, "producers = [1, 2]", "producers = [1]");
    assert!(parse(&one).unwrap().implementations.contains(&"single"));
}

/// `all` against a roster of the caller's: only those implementations.
#[test]
fn all_takes_the_roster_it_is_given() {
    let known = [
        impls::info("crossbeam").unwrap(),
        impls::info("spsc_ring").unwrap(),
        impls::info("lmax").unwrap(),
    ];
    let text = edit(GOOD, "[\"crossbeam\", \"flume\"]", "[\"all\"]");
    let scenario = Scenario::parse_in(Path::new(PATH), &text, &known).expect("valid");
    assert_eq!(scenario.implementations, ["crossbeam", "lmax"]);
    // Names outside the roster are unknown there, and `--impls` is checked
    // against the same roster.
    let error = Scenario::parse_in(Path::new(PATH), GOOD, &known).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("`flume` is not a known implementation")
    );
    let mut scenario = scenario;
    let error = scenario
        .restrict_implementations(&["flume".to_owned()])
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("any of crossbeam, spsc_ring, lmax"),
        "{error}"
    );
    scenario
        .restrict_implementations(&["all".to_owned()])
        .expect("all");
    assert_eq!(scenario.implementations, ["crossbeam", "lmax"]);
}

#[test]
fn all_stands_alone() {
    error(
        &edit(
            GOOD,
            "[\"crossbeam\", \"flume\"]",
            "[\"crossbeam\", \"all\"]",
        ),
        &["field `implementations[1]`", "`all` stands alone"],
    );
}

/// When no implementation fits every point, `all` gives the error a named
/// list would: what to change.
#[test]
fn all_with_nothing_that_fits_says_which_axis() {
    error(
        &edit(
            &edit(GOOD, "[\"crossbeam\", \"flume\"]", "[\"all\"]"),
            "topology = \"mpsc\"",
            "topology = \"spsc\"",
        ),
        &["field `axes.producers`"],
    );
}

#[test]
fn implementation_that_cannot_run_the_topology() {
    error(
        &edit(
            GOOD,
            "[\"crossbeam\", \"flume\"]",
            "[\"crossbeam\", \"flume\", \"spsc_ring\"]",
        ),
        &[
            "field `implementations[2]`",
            "`spsc_ring` cannot run topology `mpsc`",
            "supports: spsc",
        ],
    );
}

#[test]
fn baseline_not_listed() {
    error(
        &edit(
            GOOD,
            "messages = 1000",
            "messages = 1000\nbaseline = \"rtrb\"",
        ),
        &["field `baseline`", "`rtrb`", "allowed: crossbeam, flume"],
    );
}

#[test]
fn producers_and_consumers_against_topology() {
    let spsc = edit(GOOD, "\"mpsc\"", "\"spsc\"");
    error(
        &spsc,
        &[
            "field `axes.producers`",
            "2 is more than topology `spsc` allows",
            "allowed: 1",
        ],
    );
    error(
        &edit(GOOD, "[axes]", "[axes]\nconsumers = [1, 2]"),
        &[
            "field `axes.consumers`",
            "2 is more than topology `mpsc` allows",
            "allowed: 1",
        ],
    );
    error(
        &edit(GOOD, "producers = [1, 2]", "producers = [0]"),
        &[
            "field `axes.producers`",
            "0 is out of range",
            "allowed: 1 to 1024",
        ],
    );
    let pool = edit(GOOD, "\"mpsc\"", "\"mpmc_worker_pool\"");
    error(
        &edit(&pool, "[axes]", "[axes]\nconsumers = [1025]"),
        &[
            "field `axes.consumers`",
            "1025 is out of range",
            "allowed: 1 to 1024",
        ],
    );
    assert_eq!(
        parse(&edit(&pool, "[axes]", "[axes]\nconsumers = [1024]"))
            .expect("valid")
            .axes
            .consumers,
        [1024]
    );
}

#[test]
fn messages_out_of_range() {
    error(
        &edit(GOOD, "messages = 1000", "messages = 0"),
        &[
            "field `messages`",
            "0 is out of range",
            "allowed: 1 to 281474976710655",
        ],
    );
    error(
        &edit(GOOD, "messages = 1000", "messages = -5"),
        &["field `messages`", "-5 is out of range"],
    );
    error(
        &edit(GOOD, "messages = 1000", "messages = 281474976710656"),
        &["field `messages`", "281474976710656 is out of range"],
    );
}

#[test]
fn fewer_messages_than_producers() {
    let text = edit(
        &edit(GOOD, "messages = 1000", "messages = 3"),
        "[1, 2]",
        "[1, 4, 2]",
    );
    error(
        &text,
        &[
            "field `messages`",
            "3 messages",
            "4 producers",
            "allowed: 4 to",
        ],
    );
    let exact = edit(&text, "messages = 3", "messages = 4");
    assert_eq!(parse(&exact).expect("valid").messages, 4);
}

#[test]
fn counts_out_of_range() {
    for (field, bad, allowed) in [
        ("repetitions", "0", "allowed: 1 to 1000"),
        ("repetitions", "1001", "allowed: 1 to 1000"),
        ("warmup", "-1", "allowed: 0 to 100"),
        ("warmup", "101", "allowed: 0 to 100"),
        ("timeout_secs", "0", "allowed: 1 to 86400"),
        ("timeout_secs", "86401", "allowed: 1 to 86400"),
    ] {
        let text = edit(
            GOOD,
            "messages = 1000",
            &format!("messages = 1000\n{field} = {bad}"),
        );
        error(
            &text,
            &[
                &format!("field `{field}`"),
                &format!("{bad} is out of range"),
                allowed,
            ],
        );
    }
}

#[test]
fn every_shipped_scenario_loads() {
    // The harness reads files with the foreign implementations too.
    let known: Vec<_> = impls::all()
        .into_iter()
        .chain(impls::foreign::infos())
        .collect();
    let listed = scenarios::list_in(&shipped_dir(), &known);
    let names: Vec<&str> = listed.iter().map(|(name, _)| name.as_str()).collect();
    for core in [
        "spsc",
        "mpsc",
        "mpmc_worker_pool",
        "mpmc_fanout",
        "pipeline",
        "diamond",
    ] {
        assert!(names.contains(&core), "{core} missing from {names:?}");
    }
    for (name, description) in &listed {
        let description = description
            .as_ref()
            .unwrap_or_else(|error| panic!("{error}"));
        let path = scenarios::find(&shipped_dir(), name).expect("listed, so found");
        match ScenarioFile::load_in(&path, &known).unwrap_or_else(|error| panic!("{error}")) {
            ScenarioFile::Measurement(scenario) => {
                assert_eq!(&scenario.name, name);
                assert_eq!(&scenario.description, description);
                assert!(!scenario.points().is_empty());
            }
            ScenarioFile::Faults(scenario) => {
                assert_eq!(&scenario.name, name);
                assert_eq!(&scenario.description, description);
                assert!(!scenario.faults.is_empty() && !scenario.topologies.is_empty());
            }
        }
    }
}

/// Each topology's own scenario compares every implementation that can run
/// all of its points (the single-producer ones drop out where producers
/// are swept above 1).
#[test]
fn topology_scenarios_list_every_capable_implementation() {
    for topology in impls::Topology::ALL {
        let scenario = Scenario::load(&shipped_dir().join(format!("{}.toml", topology.name())))
            .unwrap_or_else(|error| panic!("{error}"));
        let several_producers = scenario.axes.producers.iter().any(|&p| p > 1);
        for info in impls::all() {
            let capable = info.supports(topology) && !(info.single_producer && several_producers);
            assert_eq!(
                scenario.implementations.contains(&info.name),
                capable,
                "{}: {} should {}be listed",
                topology.name(),
                info.name,
                if capable { "" } else { "not " }
            );
        }
    }
}

#[test]
fn points_are_the_product_with_wait_fastest() {
    let text = edit(
        &edit(GOOD, "\"mpsc\"", "\"mpmc_fanout\""),
        "batch = [1, 64]",
        "consumers = [2, 3]\ncapacity = [64, 128]\npayload = [8, 256]\nbatch = [1, 64]\nwait = [\"busy_spin\", \"yield\"]",
    );
    let scenario = parse(&text).expect("valid");
    let points = scenario.points();
    assert_eq!(points.len(), 64);
    let point = |producers, consumers, capacity, payload, batch, wait| Point {
        setup: Setup {
            topology: Topology::MpmcFanout,
            producers,
            consumers,
            capacity,
            batch,
            wait,
        },
        payload,
        requested_batch: None,
        consume: scenarios::Consume::Read,
        rate: None,
    };
    use WaitStrategy::{BusySpin, Yield};
    assert_eq!(points[0], point(1, 2, 64, 8, 1, BusySpin));
    assert_eq!(points[1], point(1, 2, 64, 8, 1, Yield));
    assert_eq!(points[2], point(1, 2, 64, 8, 64, BusySpin));
    assert_eq!(points[4], point(1, 2, 64, 256, 1, BusySpin));
    assert_eq!(points[8], point(1, 2, 128, 8, 1, BusySpin));
    assert_eq!(points[16], point(1, 3, 64, 8, 1, BusySpin));
    assert_eq!(points[32], point(2, 2, 64, 8, 1, BusySpin));
    assert_eq!(points[63], point(2, 3, 128, 256, 64, Yield));
    for (index, a) in points.iter().enumerate() {
        assert!(!points[index + 1..].contains(a), "{a:?} twice");
    }
}

#[test]
fn consume_modes_are_an_axis_and_unknown_ones_are_named() {
    let text = edit(
        GOOD,
        "batch = [1, 64]",
        "batch = [1, 64]\nconsume = [\"read\", \"discard\"]",
    );
    let scenario = parse(&text).expect("valid");
    let modes: Vec<_> = scenario
        .points()
        .iter()
        .map(|point| point.consume)
        .collect();
    assert_eq!(
        modes.len(),
        2 * scenario.axes.batch.len() * scenario.axes.producers.len()
    );
    assert_eq!(
        &modes[..2],
        [scenarios::Consume::Read, scenarios::Consume::Discard]
    );
    let default = parse(GOOD).expect("valid");
    assert_eq!(default.axes.consume, [scenarios::Consume::Read]);
    let bad = edit(
        GOOD,
        "batch = [1, 64]",
        "batch = [1, 64]\nconsume = [\"skim\"]",
    );
    let message = parse(&bad).unwrap_err().to_string();
    assert!(
        message.contains("axes.consume")
            && message.contains("`skim`")
            && message.contains("read, discard"),
        "{message}"
    );
}

#[test]
fn restrict_implementations_replaces_the_list() {
    let names = |list: &[&str]| list.iter().map(|name| name.to_string()).collect::<Vec<_>>();
    let text = edit(
        GOOD,
        "[\"crossbeam\", \"flume\"]",
        "[\"crossbeam\", \"flume\", \"flume_vec\"]\nbaseline = \"flume\"",
    );
    let mut scenario = parse(&text).expect("valid");

    scenario
        .restrict_implementations(&names(&["flume_vec", "flume"]))
        .expect("valid");
    assert_eq!(scenario.implementations, ["flume_vec", "flume"]);
    assert_eq!(scenario.baseline, "flume", "baseline still listed, so kept");

    scenario
        .restrict_implementations(&names(&["crossbeam_vec", "crossbeam"]))
        .expect("valid");
    assert_eq!(scenario.implementations, ["crossbeam_vec", "crossbeam"]);
    assert_eq!(
        scenario.baseline, "crossbeam_vec",
        "baseline gone, so the first"
    );

    for (bad, needles) in [
        (vec![], vec!["field `--impls`", "empty"]),
        (
            vec!["nope"],
            vec!["field `--impls`", "`nope`", "spsc_ring, rtrb"],
        ),
        (
            vec!["rtrb"],
            vec!["field `--impls`", "`rtrb` cannot run topology `mpsc`"],
        ),
        (
            vec!["flume", "flume"],
            vec!["field `--impls`", "listed twice"],
        ),
    ] {
        let message = scenario
            .restrict_implementations(&names(&bad))
            .expect_err("invalid list accepted")
            .to_string();
        assert!(message.starts_with(PATH), "{message}");
        for needle in needles {
            assert!(
                message.contains(needle),
                "{needle:?} missing from: {message}"
            );
        }
        assert_eq!(
            scenario.implementations,
            ["crossbeam_vec", "crossbeam"],
            "unchanged"
        );
    }
}

#[test]
fn restrict_implementations_checks_capacity() {
    let text = edit(
        &edit(
            &edit(GOOD, "\"mpsc\"", "\"spsc\""),
            "producers = [1, 2]",
            "capacity = [1000]",
        ),
        "[\"crossbeam\", \"flume\"]",
        "[\"crossbeam\", \"rtrb\"]",
    );
    let mut scenario = parse(&text).expect("valid");
    let message = scenario
        .restrict_implementations(&["spsc_ring".to_owned()])
        .expect_err("spsc_ring needs a power of two")
        .to_string();
    assert!(message.contains("field `axes.capacity`"), "{message}");
    assert!(message.contains("`spsc_ring`"), "{message}");
    assert!(message.contains("try 1024"), "{message}");
    assert_eq!(scenario.implementations, ["crossbeam", "rtrb"]);
}

#[test]
fn load_of_a_missing_file_suggests_list() {
    let path = scratch("load_missing").join("nope.toml");
    let error = Scenario::load(&path).expect_err("no such file");
    assert!(matches!(error, ScenarioError::Missing { .. }));
    let message = error.to_string();
    assert!(
        message.starts_with(&path.display().to_string()),
        "{message}"
    );
    assert!(message.contains("run `list`"), "{message}");
}

#[test]
fn find_of_a_missing_name_lists_existing_names() {
    let dir = shipped_dir();
    assert_eq!(
        scenarios::find(&dir, "mpsc").expect("exists"),
        dir.join("mpsc.toml")
    );
    let message = scenarios::find(&dir, "spcs")
        .expect_err("no such scenario")
        .to_string();
    assert!(
        message.starts_with(&dir.join("spcs.toml").display().to_string()),
        "{message}"
    );
    assert!(message.contains("no scenario named `spcs`"), "{message}");
    assert!(
        message.contains(
            "available: availability, diamond, faults, foreign, foreign_mpsc, latency, mpmc_fanout, mpmc_worker_pool, mpsc"
        ),
        "{message}"
    );
    // The crate manifest shares the directory but is no scenario.
    assert!(scenarios::find(&dir, "Cargo").is_err());
}

#[test]
fn list_shows_broken_files_with_their_error() {
    let dir = scratch("list_broken");
    std::fs::write(dir.join("good.toml"), GOOD).expect("write");
    std::fs::write(
        dir.join("broken.toml"),
        edit(GOOD, "batch = [1, 64]", "batch = [0]"),
    )
    .expect("write");
    std::fs::write(dir.join("notes.txt"), "not a scenario").expect("write");
    let listed = scenarios::list(&dir);
    let names: Vec<&str> = listed.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["broken", "good"]);
    let broken = listed[0].1.as_ref().expect_err("broken file").to_string();
    assert!(
        broken.contains("broken.toml: field `axes.batch`"),
        "{broken}"
    );
    assert_eq!(listed[1].1.as_ref().expect("good file"), "Test scenario");

    let message = scenarios::find(&dir, "gone")
        .expect_err("missing")
        .to_string();
    assert!(message.contains("available: broken, good"), "{message}");
    assert!(scenarios::list(&dir.join("no_such_dir")).is_empty());
}

#[test]
fn latency_scenarios_take_rates_and_only_they_do() {
    let latency = edit(
        GOOD,
        "messages = 1000",
        "messages = 1000\nkind = \"latency\"",
    );
    error(
        &latency,
        &[
            "field `axes.rate`",
            "kind `latency` needs it",
            "messages per second",
        ],
    );
    let with_rates = edit(
        &latency,
        "batch = [1, 64]",
        "batch = [1, 64]\nrate = [1000, 50000]",
    );
    let scenario = parse(&with_rates).expect("valid");
    assert_eq!(scenario.kind, scenarios::Kind::Latency);
    let rates: Vec<_> = scenario.points().iter().map(|point| point.rate).collect();
    assert_eq!(&rates[..2], [Some(1000), Some(50_000)]);
    assert_eq!(rates.len(), 2 * 2 * 2);
    error(
        &edit(&with_rates, "[1000, 50000]", "[0]"),
        &["field `axes.rate`", "out of range", "1 to 1000000000"],
    );
    error(
        &edit(&with_rates, "messages = 1000", "messages = 60000000"),
        &["field `messages`", "60000000", "1 to 50000000"],
    );
    let throughput_with_rate = edit(GOOD, "batch = [1, 64]", "batch = [1, 64]\nrate = [1000]");
    error(
        &throughput_with_rate,
        &[
            "field `axes.rate`",
            "kind `throughput`",
            "only kind `latency`",
        ],
    );
    assert_eq!(
        parse(GOOD).expect("valid").kind,
        scenarios::Kind::Throughput
    );
    assert!(
        parse(GOOD)
            .expect("valid")
            .points()
            .iter()
            .all(|point| point.rate.is_none())
    );
}

#[test]
fn pingpong_needs_spsc_and_batch_one() {
    let pingpong = edit(
        GOOD,
        "messages = 1000",
        "messages = 1000\nkind = \"pingpong\"",
    );
    error(&pingpong, &["field `topology`", "kind `pingpong`", "spsc"]);
    let spsc = edit(
        &edit(&pingpong, "topology = \"mpsc\"", "topology = \"spsc\""),
        "producers = [1, 2]",
        "producers = [1]",
    );
    error(&spsc, &["field `axes.batch`", "kind `pingpong`", "[1]"]);
    let scenario = parse(&edit(&spsc, "batch = [1, 64]", "batch = [1]")).expect("valid");
    assert_eq!(scenario.kind, scenarios::Kind::Pingpong);
    error(
        &edit(GOOD, "messages = 1000", "messages = 1000\nkind = \"burst\""),
        &["field `kind`", "`burst`", "throughput, latency, pingpong"],
    );
}

#[test]
fn a_batch_above_the_capacity_is_clamped_once_and_said_so() {
    /// (capacity, batch as run, batch asked) per point.
    type Batches = Vec<(usize, usize, Option<usize>)>;
    let batches = |text: &str| -> (Batches, Vec<String>) {
        let scenario = parse(&edit(GOOD, "batch = [1, 64]", text)).expect("valid");
        (
            scenario
                .points()
                .iter()
                .map(|p| (p.setup.capacity, p.setup.batch, p.requested_batch))
                .collect(),
            scenario.clamped(),
        )
    };
    let (points, lines) = batches("capacity = [1024, 262144]\nbatch = [64, 32768]");
    // Producers 1 and 2 each.
    assert_eq!(
        points[..4],
        [
            (1024, 64, None),
            (1024, 1024, Some(32768)),
            (262_144, 64, None),
            (262_144, 32768, None),
        ]
    );
    assert_eq!(points[..4], points[4..]);
    assert_eq!(
        lines,
        [
            "batch 32768 is larger than capacity 1024: run at batch 1024 (the most one step can publish), labelled \"batch 1024 (asked 32768)\" in tables and results"
        ]
    );
    // The capacity itself among the batches: the clamped point is not run
    // again, and the one kept is the unclamped one, wherever it is listed.
    let (points, lines) = batches("capacity = [64]\nbatch = [128, 64, 256]");
    assert_eq!(points, [(64, 64, None); 2]);
    assert_eq!(lines.len(), 2);
    assert!(
        lines.iter().all(|line| line.ends_with("not run twice")),
        "{lines:?}"
    );
    // Two values above the capacity: the first listed is kept.
    let (points, lines) = batches("capacity = [64]\nbatch = [512, 128]");
    assert_eq!(points, [(64, 64, Some(512)); 2]);
    assert!(
        lines[0].contains("batch 512") && lines[0].contains("labelled"),
        "{lines:?}"
    );
    assert!(
        lines[1].contains("batch 128") && lines[1].ends_with("not run twice"),
        "{lines:?}"
    );
    // Nothing above the capacity: nothing said.
    let (_, lines) = batches("capacity = [1024]\nbatch = [1, 1024]");
    assert!(lines.is_empty());
}

/// `all` names what it leaves out, with the reason: a topology it does not
/// run, a capacity that is not the power of two it needs. A named list
/// leaves nothing out (what does not fit is an error).
#[test]
fn all_names_what_it_leaves_out_and_why() {
    let text = edit(
        &edit(GOOD, "[\"crossbeam\", \"flume\"]", "[\"all\"]"),
        "batch = [1, 64]",
        "batch = [1, 64]\ncapacity = [3]",
    );
    let scenario = parse(&text).expect("valid");
    let reason = |name: &str| {
        scenario
            .left_out
            .iter()
            .find(|(left, _)| *left == name)
            .map(|(_, reason)| reason.clone())
            .unwrap_or_else(|| panic!("{name} is not named as left out: {:?}", scenario.left_out))
    };
    // spsc only: the topology.
    let rtrb = reason("rtrb");
    assert!(rtrb.contains("cannot run topology `mpsc`"), "{rtrb}");
    // mpsc, but a power of two only.
    let lmax = reason("lmax");
    assert!(
        lmax.contains("axes.capacity") && lmax.contains("power of two"),
        "{lmax}"
    );
    // Every implementation is either run or named, never both.
    for (name, _) in &scenario.left_out {
        assert!(!scenario.implementations.contains(name), "{name}");
    }
    let roster = impls::registry::catalogue::<impls::Builtin>().expect("the roster");
    assert_eq!(
        scenario.implementations.len() + scenario.left_out.len(),
        roster.len()
    );
    assert!(parse(GOOD).expect("valid").left_out.is_empty());
}
