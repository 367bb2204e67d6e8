//! Foreign implementations as the harness meets them: children that
//! answer honestly pass, a corrupted tally fails the oracle, a tally made
//! for another salt (a child that did not read this run's messages)
//! fails, a child of the old protocol is refused, and a child
//! that dies, hangs, talks nonsense or cannot start is a failed run that
//! says why, never a panic or a hang of the harness. The real children
//! (`go_chan`, `lmax_java`) run where their runtimes are installed; with
//! `RINGLAB_FOREIGN_REQUIRED=1` (as `scripts/test.sh` sets after
//! installing them) a missing runtime fails the test instead of skipping.

use std::process::Command;
use std::time::{Duration, Instant};

use harness::foreign::{self, Sessions};
use harness::placement::Placement;
use harness::runner::{Mode, Outcome, RunSpec};
use impls::message::{mix, tag_of};
use impls::{Salt, Setup, Topology, WaitStrategy};

/// The salt the scripted children's runs use.
const SALT: Salt = Salt(0xFEED_FACE_CAFE_BEEF);

fn spec(topology: Topology, producers: usize, consumers: usize, messages: u64) -> RunSpec {
    RunSpec {
        setup: Setup {
            topology,
            producers,
            consumers,
            capacity: 64,
            batch: 4,
            wait: WaitStrategy::SpinYield,
        },
        messages,
        timeout: Duration::from_secs(30),
        placement: Placement {
            oversubscribed: false,
            cores: None,
            threads: producers + consumers,
        },
        layout_seed: 0,
        mode: Mode::Throughput,
        instruments: Default::default(),
    }
}

const HELLO: &str =
    r#"{"hello":"ringlab-foreign/2","implementation":"scripted","runtime":"sh","library":"none"}"#;

/// A child that runs `script` in `sh`.
fn scripted(script: &str) -> impl FnOnce() -> Result<Command, String> {
    let script = script.to_owned();
    move || {
        let mut command = Command::new("sh");
        command.args(["-c", &script]);
        Ok(command)
    }
}

/// The checksum of sequences 0 and 1 of producer 0, in 8-byte messages
/// salted with `salt`: what an honest child reports for run 1.
fn checksum(salt: Salt) -> u64 {
    // One run, from the first word of sequence 0 to that of sequence 2.
    mix(salt.salted(tag_of(0, 2))).wrapping_sub(mix(salt.salted(tag_of(0, 0))))
}

/// The reply of a child to run 1 of two messages from one producer, with
/// `checksum` as the tally's checksum.
fn reply(checksum: u64) -> String {
    format!(
        r#"{{"run":1,"start_ns":1000,"end_ns":3000,"cpu_ns":4000,"pin_failures":0,"tallies":[{{"producers":[{{"count":2,"checksum":{checksum},"next_sequence":2}}],"out_of_order":0,"unknown_producer":0}}]}}"#
    )
}

fn answering(line: &str) -> String {
    format!("echo '{HELLO}'; read request; echo '{line}'; read request")
}

fn run_scripted(script: &str, spec: &RunSpec) -> Outcome {
    Sessions::default().run("scripted", scripted(script), spec, 8, SALT, false)
}

fn crash_message(outcome: Outcome) -> String {
    match outcome {
        Outcome::Crashed { error } => error,
        other => panic!("expected a failed run, got {other:?}"),
    }
}

#[test]
fn an_honest_child_passes_and_a_corrupted_tally_is_caught() {
    let spsc = spec(Topology::Spsc, 1, 1, 2);
    let honest = run_scripted(&answering(&reply(checksum(SALT))), &spsc);
    assert!(honest.passed(), "{honest:?}");
    // 2 messages over the child's 2000 ns: 1 M/s.
    assert_eq!(honest.throughput(2), Some(1e6));

    // Damaged; made without reading (the tally of unsalted messages, all
    // a child that never looks at what it receives can compute from the
    // sequence numbers alone); left from another run with another salt.
    for tally in [
        checksum(SALT) ^ 2,
        checksum(Salt::NONE),
        checksum(Salt(SALT.0 + 1)),
    ] {
        let failed = run_scripted(&answering(&reply(tally)), &spsc);
        match &failed {
            Outcome::Completed { verdict, .. } => {
                assert!(!verdict.passed);
                assert!(
                    verdict
                        .problems
                        .iter()
                        .any(|p| p.contains("checksum mismatch")),
                    "{verdict:?}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(failed.failed());
    }
}

#[test]
fn a_child_of_the_first_protocol_is_refused_with_a_reason() {
    let old = HELLO.replace("ringlab-foreign/2", "ringlab-foreign/1");
    let refused = crash_message(run_scripted(
        &answering(&reply(checksum(SALT))).replace(HELLO, &old),
        &spec(Topology::Spsc, 1, 1, 2),
    ));
    assert!(
        refused.contains("speaks `ringlab-foreign/1`")
            && refused.contains("ringlab-foreign/2")
            && refused.contains("rebuild"),
        "{refused}"
    );
}

#[test]
fn a_child_that_dies_hangs_or_talks_nonsense_is_a_failed_run_that_says_why() {
    let spsc = spec(Topology::Spsc, 1, 1, 2);
    let died = crash_message(run_scripted(
        &format!("echo '{HELLO}'; read request; echo 'out of cheese' >&2; exit 3"),
        &spsc,
    ));
    assert!(
        died.contains("closed its output") && died.contains("3") && died.contains("out of cheese"),
        "{died}"
    );

    let nonsense = crash_message(run_scripted(&answering("hello, harness"), &spsc));
    assert!(nonsense.contains("broke the protocol"), "{nonsense}");

    let wrong_run = crash_message(run_scripted(
        &answering(&reply(checksum(SALT)).replace(r#""run":1"#, r#""run":9"#)),
        &spsc,
    ));
    assert!(wrong_run.contains("answered run 9 to run 1"), "{wrong_run}");

    let stranger = crash_message(run_scripted(
        "echo '{\"hello\":\"other/2\",\"implementation\":\"scripted\",\"runtime\":\"\",\"library\":\"\"}'; read x",
        &spsc,
    ));
    assert!(stranger.contains("speaks `other/2`"), "{stranger}");

    let missing = crash_message(Sessions::default().run(
        "scripted",
        || Ok(Command::new("/nonexistent/ringlab-child")),
        &spsc,
        8,
        SALT,
        false,
    ));
    assert!(missing.contains("cannot start"), "{missing}");

    // A child that never answers: the watchdog kills it at the run's
    // deadline plus a margin (here 1 s + 1 s).
    let mut short = spsc.clone();
    short.timeout = Duration::from_secs(1);
    let started = Instant::now();
    let hung = crash_message(run_scripted(
        &format!("echo '{HELLO}'; exec sleep 60"),
        &short,
    ));
    assert!(
        hung.contains("watchdog") && hung.contains("killed"),
        "{hung}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_missing_runtime_is_unavailable_not_failed() {
    let outcome = Sessions::default().run(
        "scripted",
        || {
            Err(format!(
                "unavailable: `go` is not installed; {}",
                foreign::INSTALL
            ))
        },
        &spec(Topology::Spsc, 1, 1, 2),
        8,
        SALT,
        false,
    );
    assert_eq!(outcome.label().as_str(), "unavailable");
    assert!(!outcome.passed() && !outcome.failed());
    match outcome {
        Outcome::Unavailable { reason } => {
            assert!(reason.contains("scripts/install-foreign.sh"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn children_run_throughput_only() {
    let mut latency = spec(Topology::Spsc, 1, 1, 2);
    latency.mode = Mode::PingPong;
    let outcome = run_scripted(&answering(&reply(checksum(SALT))), &latency);
    assert_eq!(outcome.label().as_str(), "build error", "{outcome:?}");
}

/// Whether the real child of `foreign` can run here; a missing runtime
/// fails where `RINGLAB_FOREIGN_REQUIRED=1`.
fn available(foreign: &foreign::Foreign) -> bool {
    match foreign.probe() {
        Ok(_) => true,
        Err(reason) if std::env::var_os("RINGLAB_FOREIGN_REQUIRED").is_some_and(|v| v == "1") => {
            panic!("{}: {reason}", foreign.info.name)
        }
        Err(reason) => {
            eprintln!("skipped {}: {reason}", foreign.info.name);
            false
        }
    }
}

/// Every topology, every payload, through the real child: the oracle
/// passes them, and fails each one's corrupted tally.
fn real_child_keeps_the_oracle(foreign: &'static foreign::Foreign) {
    if !available(foreign) {
        return;
    }
    let name = foreign.info.name;
    let mut sessions = Sessions::default();
    let cases = [
        (Topology::Spsc, 1, 1, 8),
        (Topology::Mpsc, 2, 1, 64),
        (Topology::MpmcWorkerPool, 2, 2, 8),
        (Topology::MpmcFanout, 2, 2, 256),
    ];
    for (topology, producers, consumers, payload) in cases {
        let spec = spec(topology, producers, consumers, 20_001);
        let salt = harness::oracle::fresh_salt();
        let honest = sessions.run(name, || foreign.command(), &spec, payload, salt, false);
        assert!(honest.passed(), "{name} {topology:?}: {honest:?}");
        let corrupted = sessions.run(name, || foreign.command(), &spec, payload, salt, true);
        match &corrupted {
            Outcome::Completed { verdict, .. } => assert!(
                !verdict.passed
                    && verdict
                        .problems
                        .iter()
                        .any(|p| p.contains("checksum mismatch")),
                "{name} {topology:?}: {verdict:?}"
            ),
            other => panic!("{name} {topology:?}: {other:?}"),
        }
    }
    let described = sessions.describe(name).expect("the child said hello");
    assert!(described.contains("foreign: "), "{described}");
}

#[test]
fn go_chan_keeps_the_oracle() {
    real_child_keeps_the_oracle(&foreign::GO_CHAN);
}

#[test]
fn lmax_java_keeps_the_oracle() {
    real_child_keeps_the_oracle(&foreign::LMAX_JAVA);
}
