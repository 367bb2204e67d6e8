//! The conformance suite (`harness::conformance`), run on every built-in
//! implementation: the same checks a crate runs on its own queue.

use harness::conformance::{self, Checks};
use harness::runner::Outcome;
use harness::sweep::run_named;
use impls::{
    BuildError, Consumed, Consumer, Endpoints, Info, Message, Queue, QueueConfig, SpscRing,
    Topology, Visitor,
};

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
    // tokio's `blocking_send`, and the plain `send` of the channel crates
    // (their default rows; the `*_sliced` rows keep the contract), do not
    // look at the cancel token once they wait.
    ("tokio_mpsc", "cancel_mid_claim", None),
    ("crossbeam", "cancel_mid_claim", None),
    ("crossbeam_vec", "cancel_mid_claim", None),
    ("flume", "cancel_mid_claim", None),
    ("flume_vec", "cancel_mid_claim", None),
    ("std_mpsc", "cancel_mid_claim", None),
    ("kanal", "cancel_mid_claim", None),
    ("crossfire", "cancel_mid_claim", None),
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

/// Every check, without progress lines: the whole roster's worth
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

/// `spsc_ring` with a consumer that copies a batch out of the ring and
/// lets it go only once the handler has returned for all of it: a handler
/// that panics is handed the whole batch again by the next call.
struct Rehanding;

struct RehandingConsumer<M: Message> {
    ring: <SpscRing as Queue>::Consumer<M>,
    batch: Vec<M>,
}

impl Queue for Rehanding {
    type Producer<M: Message> = <SpscRing as Queue>::Producer<M>;
    type Consumer<M: Message> = RehandingConsumer<M>;

    fn info() -> Info {
        Info {
            name: "rehanding",
            summary: "spsc_ring that hands a batch again after a panicking handler",
            ..SpscRing::info()
        }
    }

    fn build<M: Message>(
        cfg: &QueueConfig,
    ) -> Result<Endpoints<Self::Producer<M>, Self::Consumer<M>>, BuildError> {
        let endpoints = SpscRing::build::<M>(cfg)?;
        Ok(Endpoints {
            producers: endpoints.producers,
            consumers: (endpoints.consumers.into_iter())
                .map(|ring| RehandingConsumer {
                    ring,
                    batch: Vec::new(),
                })
                .collect(),
        })
    }
}

impl<M: Message> Consumer<M> for RehandingConsumer<M> {
    fn consume_batch(&mut self, max: usize, mut on: impl FnMut(&M)) -> Consumed {
        if self.batch.is_empty() {
            let batch = &mut self.batch;
            match self.ring.consume_batch(max, |message| batch.push(*message)) {
                Consumed::Items(_) => {}
                other => return other,
            }
        }
        self.batch.iter().for_each(&mut on);
        let handed = self.batch.len();
        self.batch.clear();
        Consumed::Items(handed)
    }
}

/// The check of a consumer used again after its handler panicked fails a
/// queue that hands the panicking handler's batch again, saying so, and
/// nothing else fails it.
#[test]
fn a_queue_that_hands_messages_again_after_a_panic_fails() {
    let report = conformance::check_with::<Rehanding>(Checks {
        oracle: false,
        faults: false,
        ..QUIET
    });
    // With a limit of 2 the handler panics on message 2, the first of the
    // batch [2, 3]; with a limit above the 5 messages, on the third of
    // the batch of all 5.
    let expected = [
        "after a panicking handler, message 2 was handed again (spsc: \
         consume_batch max 2; consume_batch max 2 across the ring's end; \
         consume_slices max 2; consume_slices max 2 across the ring's end)",
        "after a panicking handler, messages 0, 1 and 2 were handed again (spsc: \
         consume_batch max 6; consume_batch max 6 across the ring's end; \
         consume_slices max 6; consume_slices max 6 across the ring's end)",
    ];
    assert_eq!(report.failures, expected, "{report}");
}
