//! Fault scenario files (`kind = "faults"`): the shipped one covers every
//! implementation and fault, and every bad field gets an error that names
//! the file, the field and what is allowed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use impls::Topology;
use scenarios::{Fault, FaultScenario, Scenario, ScenarioError, ScenarioFile};

/// The path every inline test file pretends to come from.
const PATH: &str = "scenarios/f.toml";

/// A valid fault scenario that the tests below break one field at a time.
const GOOD: &str = r#"
description = "Test faults"
kind = "faults"
implementations = ["crossbeam", "spsc_ring"]
faults = ["producer_panic", "cancel_mid_claim"]
topologies = ["spsc", "mpsc"]
messages = 1000
timeout_secs = 2
"#;

fn parse(text: &str) -> Result<ScenarioFile, ScenarioError> {
    ScenarioFile::parse(Path::new(PATH), text)
}

fn faults(text: &str) -> FaultScenario {
    match parse(text) {
        Ok(ScenarioFile::Faults(scenario)) => scenario,
        Ok(ScenarioFile::Measurement(scenario)) => panic!("read as a measurement: {scenario:?}"),
        Err(error) => panic!("{error}"),
    }
}

/// `text` with `from` replaced by `to`; panics if `from` is not there.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "test bug: {from:?} not in {text:?}");
    text.replacen(from, to, 1)
}

/// Expects an error starting with the path and containing every needle.
fn error(text: &str, needles: &[&str]) {
    let message = match parse(text) {
        Ok(scenario) => panic!("accepted a bad fault scenario: {scenario:?}\n{text}"),
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
}

fn shipped() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("faults.toml")
}

#[test]
fn a_good_file_reads_as_written() {
    let scenario = faults(GOOD);
    assert_eq!(scenario.name, "f");
    assert_eq!(scenario.description, "Test faults");
    assert_eq!(scenario.implementations, ["crossbeam", "spsc_ring"]);
    assert_eq!(
        scenario.faults,
        [Fault::ProducerPanic, Fault::CancelMidClaim]
    );
    assert_eq!(scenario.topologies, [Topology::Spsc, Topology::Mpsc]);
    assert_eq!(scenario.messages, 1000);
    assert_eq!(scenario.timeout, Duration::from_secs(2));
}

#[test]
fn faults_and_topologies_default_to_all() {
    let text = edit(
        &edit(
            GOOD,
            "faults = [\"producer_panic\", \"cancel_mid_claim\"]\n",
            "",
        ),
        "topologies = [\"spsc\", \"mpsc\"]\n",
        "",
    );
    let scenario = faults(&text);
    assert_eq!(scenario.faults, Fault::ALL);
    assert_eq!(scenario.topologies, Topology::ALL);
}

#[test]
fn the_shipped_file_covers_every_implementation_and_fault() {
    let ScenarioFile::Faults(scenario) =
        ScenarioFile::load(&shipped()).unwrap_or_else(|error| panic!("{error}"))
    else {
        panic!("faults.toml is not a fault scenario");
    };
    assert_eq!(scenario.faults, Fault::ALL);
    assert_eq!(scenario.topologies, Topology::ALL);
    for info in impls::all() {
        assert!(
            scenario.implementations.contains(&info.name),
            "{} missing from faults.toml",
            info.name
        );
    }
}

#[test]
fn bad_fields_name_the_field_and_what_is_allowed() {
    error(
        &edit(GOOD, "\"producer_panic\"", "\"producer_crash\""),
        &[
            "field `faults`",
            "`producer_crash` is not a fault",
            "producer_panic, producer_panic_continues, consumer_dropped, consumer_panic, cancel_mid_claim",
        ],
    );
    error(
        &edit(GOOD, "\"cancel_mid_claim\"", "\"producer_panic\""),
        &["field `faults`", "`producer_panic` is listed twice"],
    );
    error(
        &edit(
            GOOD,
            "faults = [\"producer_panic\", \"cancel_mid_claim\"]",
            "faults = []",
        ),
        &["field `faults`", "the list is empty"],
    );
    error(
        &edit(GOOD, "\"mpsc\"]", "\"ring\"]"),
        &[
            "field `topologies`",
            "`ring` is not a topology",
            "spsc, mpsc",
        ],
    );
    error(
        &edit(GOOD, "\"spsc_ring\"", "\"spsc_rung\""),
        &[
            "field `implementations[1]`",
            "`spsc_rung` is not a known implementation",
        ],
    );
    error(
        &edit(
            GOOD,
            "topologies = [\"spsc\", \"mpsc\"]",
            "topologies = [\"mpsc\"]",
        ),
        &[
            "field `implementations[1]`",
            "`spsc_ring` runs none of the listed topologies",
            "it supports: spsc",
        ],
    );
    error(
        &edit(GOOD, "messages = 1000", "messages = 399"),
        &["field `messages`", "399 is out of range", "400 to 1000000"],
    );
    error(
        &edit(GOOD, "timeout_secs = 2", "timeout_secs = 0"),
        &["field `timeout_secs`", "1 to 600"],
    );
    error(
        &edit(GOOD, "description = \"Test faults\"", "description = \" \""),
        &["field `description`", "one non-empty line"],
    );
    // Fields of a measurement are unknown here, and the parser says which.
    error(
        &edit(GOOD, "messages = 1000", "messages = 1000\nrepetitions = 3"),
        &["unknown field `repetitions`"],
    );
}

#[test]
fn the_kind_decides_how_a_file_is_read() {
    // A measurement's reader refuses a fault scenario, and says why.
    let message = Scenario::parse(Path::new(PATH), GOOD)
        .expect_err("a fault scenario is no measurement")
        .to_string();
    assert!(
        message.contains("field `kind`") && message.contains("fault scenario"),
        "{message}"
    );
    // The fault scenario reader refuses any other kind.
    let message = FaultScenario::parse(
        Path::new(PATH),
        &edit(GOOD, "kind = \"faults\"", "kind = \"throughput\""),
    )
    .expect_err("not a fault scenario")
    .to_string();
    assert!(
        message.contains("field `kind`") && message.contains("`throughput` is not `faults`"),
        "{message}"
    );
    // A misspelt kind lists every kind, faults included.
    error(
        &edit(GOOD, "kind = \"faults\"", "kind = \"fault\""),
        &["`fault` is not a scenario kind", "pingpong, faults"],
    );
}

#[test]
fn restricting_implementations_checks_them_as_the_file_does() {
    let mut scenario = faults(GOOD);
    scenario
        .restrict_implementations(&["crossbeam".to_owned()])
        .expect("crossbeam runs spsc and mpsc");
    assert_eq!(scenario.implementations, ["crossbeam"]);
    let mut mpsc_only = faults(
        &edit(
            GOOD,
            "topologies = [\"spsc\", \"mpsc\"]",
            "topologies = [\"mpsc\"]\nimplementations = [\"crossbeam\"]",
        )
        .replacen("implementations = [\"crossbeam\", \"spsc_ring\"]\n", "", 1),
    );
    let message = mpsc_only
        .restrict_implementations(&["rtrb".to_owned()])
        .expect_err("rtrb runs only spsc")
        .to_string();
    assert!(
        message.contains("field `--impls`")
            && message.contains("runs none of the listed topologies"),
        "{message}"
    );
    assert_eq!(mpsc_only.implementations, ["crossbeam"], "left as it was");
}

/// `all` in a fault scenario: every implementation that runs at least one
/// listed topology.
#[test]
fn all_is_every_implementation_running_a_listed_topology() {
    let scenario = faults(&edit(
        &edit(GOOD, "[\"crossbeam\", \"spsc_ring\"]", "[\"all\"]"),
        "[\"spsc\", \"mpsc\"]",
        "[\"pipeline\"]",
    ));
    let expected: Vec<&str> = impls::all()
        .iter()
        .filter(|info| info.supports(Topology::Pipeline))
        .map(|info| info.name)
        .collect();
    assert!(expected.contains(&"lmax") && !expected.contains(&"crossbeam"));
    assert_eq!(scenario.implementations, expected);
}
