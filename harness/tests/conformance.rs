//! The conformance suite (`harness::conformance`), run on every built-in
//! implementation: the same checks a crate runs on its own queue.

use harness::conformance::{self, Checks};
use harness::runner::Outcome;
use harness::sweep::run_named;
use impls::{Queue, Topology, Visitor};

/// Fault contracts the built-in roster is documented not to keep (README,
/// "Faults"): `(implementation, fault, topology)`, every topology where
/// none is named. A failure outside these fails the suite.
const DOCUMENTED: &[(&str, &str, Option<Topology>)] = &[
    // The disruptor crate runs a fill inside its own claim, so consumers
    // stop at the gap a panicking fill leaves; a poller that leaves keeps
    // gating the producers.
    ("disruptor", "producer_panic", None),
    ("disruptor", "producer_panic_continues", None),
    ("disruptor", "consumer_dropped", Some(Topology::MpmcFanout)),
    ("disruptor", "consumer_panic", Some(Topology::MpmcFanout)),
    // tokio's `blocking_send` does not look at the cancel token once it
    // waits.
    ("tokio_mpsc", "cancel_mid_claim", None),
    // An unbounded queue is never full, so its producers do not wait for
    // the consumer that left: what they published before their next batch
    // looked is accepted and never read (counted as lost).
    ("seg_queue", "consumer_dropped", None),
    ("seg_queue", "consumer_panic", None),
];

/// Whether `failure` of `implementation` is a fault run documented above.
/// A fault run's line starts with its topology and ends with its fault.
fn documented(implementation: &str, failure: &str) -> bool {
    DOCUMENTED.iter().any(|(name, fault, topology)| {
        *name == implementation
            && failure.ends_with(&format!(", in the {fault} fault run"))
            && topology.is_none_or(|topology| failure.starts_with(&format!("{topology} ")))
    })
}

/// Every check, without progress lines: twenty implementations' worth
/// would bury the test's own output.
const QUIET: Checks = Checks {
    progress: false,
    ..Checks::ALL
};

/// Runs `checks` on every built-in implementation and fails with every
/// failure found that is not documented.
fn check_every_implementation(checks: Checks) {
    struct Check(Checks);
    impl Visitor for Check {
        type Output = conformance::Report;
        fn visit<Q: Queue>(self) -> conformance::Report {
            conformance::check_with::<Q>(self.0)
        }
    }
    let mut reports = Vec::new();
    for info in impls::all() {
        let mut report = impls::visit(info.name, Check(checks)).expect("registered");
        // Documented or not, every failure reads as one sentence.
        for failure in &report.failures {
            assert!(
                !failure.contains('\n')
                    && !failure.contains("Completed {")
                    && !failure.contains("TimedOut {")
                    && !failure.contains("Verdict {"),
                "{}: not a sentence: {failure}",
                report.implementation
            );
        }
        report
            .failures
            .retain(|failure| !documented(report.implementation, failure));
        if !report.passed() {
            reports.push(report.to_string());
        }
    }
    assert!(reports.is_empty(), "{}", reports.join("\n"));
}

/// No loss, no duplicate, per-producer order and fan-out completeness over
/// thousands of wrap-arounds; every payload size intact.
#[test]
fn every_implementation_passes_the_oracle() {
    check_every_implementation(Checks {
        contracts: false,
        faults: false,
        ..QUIET
    });
}

/// Close on drop, build errors for misuse, disconnection and cancellation,
/// every batch limit, slices across the wrap.
#[test]
fn every_implementation_keeps_the_trait_contracts() {
    check_every_implementation(Checks {
        oracle: false,
        faults: false,
        ..QUIET
    });
}

/// Every fault of the `faults` scenario meets its contract, but for the
/// documented exceptions.
#[test]
fn every_implementation_keeps_the_fault_contracts() {
    check_every_implementation(Checks {
        oracle: false,
        contracts: false,
        ..QUIET
    });
}

/// The runner reports a configuration error as such.
#[test]
fn runner_reports_build_errors() {
    let spec = conformance::spec(Topology::Spsc, 1, 1, 3, 1);
    let outcome = run_named("spsc_ring", &spec, 8);
    assert!(
        matches!(&outcome, Outcome::BuildFailed { error } if error.contains("power-of-two")),
        "{outcome:?}"
    );
    assert!(!outcome.passed());
}
