use impls::{QueueConfig, Salt, Setup, Topology};

use super::*;
use crate::oracle::Tally;

fn spec(name: &str, fault: Fault, topology: Topology) -> Option<FaultSpec> {
    let info = impls::info(name).expect("registered");
    FaultSpec::new(&info, fault, topology, 4000, Duration::from_secs(3))
}

#[test]
fn runs_are_sized_per_topology_and_implementation() {
    let pool = spec("crossbeam", Fault::ProducerPanic, Topology::MpmcWorkerPool).unwrap();
    assert_eq!(
        (
            pool.setup.producers,
            pool.setup.consumers,
            pool.setup.capacity,
            pool.setup.batch
        ),
        (2, 2, 8, 4)
    );
    let spsc = spec("crossbeam", Fault::ProducerPanic, Topology::Spsc).unwrap();
    assert_eq!((spsc.setup.producers, spsc.setup.consumers), (1, 1));
    // A single-producer implementation gets one producer everywhere.
    let single = spec("single", Fault::ProducerPanic, Topology::Pipeline).unwrap();
    assert_eq!((single.setup.producers, single.setup.consumers), (1, 3));
    // Nothing for a topology the implementation cannot run.
    assert_eq!(spec("rtrb", Fault::ProducerPanic, Topology::Mpsc), None);
    // Every spec builds.
    for info in impls::all() {
        for &topology in info.topologies {
            let spec = spec(info.name, Fault::CancelMidClaim, topology).unwrap();
            let cfg = QueueConfig::from(spec.setup);
            assert_eq!(info.check(&cfg), Ok(()), "{} {topology}", info.name);
        }
    }
}

#[test]
fn disconnection_is_expected_only_where_no_consumer_can_receive_everything() {
    for topology in Topology::ALL {
        for fault in Fault::ALL {
            let spec = FaultSpec {
                setup: Setup {
                    topology,
                    producers: 1,
                    consumers: 3,
                    capacity: CAPACITY,
                    batch: BATCH,
                    wait: WAIT,
                },
                fault,
                strike: Strike::default(),
                messages: 400,
                takes_batches_whole: false,
                takes_over: false,
                timeout: Duration::from_secs(1),
            };
            let disconnects = matches!(fault, Fault::ConsumerDropped | Fault::ConsumerPanic)
                && !matches!(topology, Topology::MpmcWorkerPool | Topology::MpmcFanout);
            assert_eq!(
                spec.expectation() == Expectation::Disconnected,
                disconnects,
                "{fault} {topology}"
            );
        }
    }
}

fn report(name: &str, topology: Topology, fault: Fault, outcome: FaultOutcome) -> FaultReport {
    FaultReport::new(
        name,
        &spec(name, fault, topology).unwrap(),
        outcome,
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Duration::ZERO,
    )
}

#[test]
fn the_table_has_a_row_per_run_and_marks_what_falls_short() {
    let reports = [
        report(
            "crossbeam",
            Topology::Spsc,
            Fault::ProducerPanic,
            FaultOutcome::Recovered,
        ),
        report(
            "crossbeam",
            Topology::Spsc,
            Fault::ConsumerDropped,
            FaultOutcome::Disconnected { expected: true },
        ),
        report(
            "lmax",
            Topology::Mpsc,
            Fault::ProducerPanic,
            FaultOutcome::NoClosed { consumers: 1 },
        ),
        report(
            "lmax",
            Topology::Mpsc,
            Fault::ConsumerDropped,
            FaultOutcome::Panicked {
                message: "a very long message that goes on and on (at impls/src/x.rs:1:1)"
                    .to_owned(),
            },
        ),
    ];
    let table = render(&reports, &[Fault::ProducerPanic, Fault::ConsumerDropped]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines,
        [
            "implementation  topology  P C  producer_panic  consumer_dropped",
            "crossbeam       spsc      1 1  recovered       disconnected (expected)",
            "lmax            mpsc      2 1  no Closed *     panicked: a very long message that go... *",
        ]
    );
}

/// An unbounded queue whose only consumer left gets a note that its
/// outcome depends on timing; a bounded one, or one whose other consumers
/// stay, does not.
#[test]
fn an_unbounded_queue_whose_only_consumer_left_is_noted() {
    let reports = vec![
        report(
            "seg_queue",
            Topology::Mpsc,
            Fault::ConsumerDropped,
            FaultOutcome::Lost { messages: 1900 },
        ),
        report(
            "crossbeam",
            Topology::Mpsc,
            Fault::ConsumerDropped,
            FaultOutcome::Recovered,
        ),
    ];
    let note = unbounded_note(&reports, &["seg_queue"]);
    assert_eq!(note.lines().count(), 1, "{note}");
    assert!(note.starts_with("note: seg_queue is unbounded"), "{note}");
    assert!(note.contains("depends on timing"), "{note}");
    assert!(unbounded_note(&reports, &[]).is_empty());
    // Several consumers: the others receive what is queued.
    let mut shared = reports;
    shared[0].spec.setup.consumers = 2;
    assert!(unbounded_note(&shared, &["seg_queue"]).is_empty());
}

#[test]
fn outcomes_read_as_the_table_shows_them() {
    let words = [
        (FaultOutcome::Lost { messages: 3 }, "lost 3"),
        (FaultOutcome::Duplicated { messages: 2 }, "duplicated 2"),
        (FaultOutcome::OutOfOrder { messages: 5 }, "out of order 5"),
        (
            FaultOutcome::Disconnected { expected: false },
            "disconnected (unexpected)",
        ),
        (FaultOutcome::Hung { abandoned: 0 }, "hung"),
        (
            FaultOutcome::Hung { abandoned: 2 },
            "hung, 2 threads abandoned",
        ),
    ];
    for (outcome, label) in words {
        assert_eq!(outcome.to_string(), label);
    }
}

/// What a consumer was handed, call by call, as `(producer, sequence)`.
fn arrivals(calls: &[&[(u16, u64)]]) -> collected::Arrivals {
    let mut arrivals = collected::Arrivals::new(2, BATCH);
    for call in calls {
        arrivals.call();
        for &(producer, sequence) in *call {
            arrivals.handed(impls::message::tag_of(producer, sequence));
        }
    }
    arrivals
}

fn consumer(arrivals: collected::Arrivals, end: ConsumerEnd) -> Option<collected::ConsumerReport> {
    Some(collected::ConsumerReport {
        tally: Tally::new(2, Salt::NONE),
        arrivals,
        record: ConsumerRecord { delivered: 0, end },
    })
}

/// Consumer 0 was handed producer 0's 0 and 1, then 4 of its run 4 to 7,
/// and left; consumer 1 had 2 and 3, then 8 and 9, then `late`.
fn judged(spec: &FaultSpec, end: ConsumerEnd, late: &[(u16, u64)]) -> Option<takeover::Judged> {
    let departed = arrivals(&[&[(0, 0), (0, 1)], &[(0, 4)]]);
    let adopter = arrivals(&[&[(0, 2), (0, 3)], &[(0, 8), (0, 9)], late]);
    let consumers = [
        consumer(departed, end),
        consumer(adopter, ConsumerEnd::Closed),
    ];
    takeover::judge(spec, &consumers)
}

/// The reason a reorder is no takeover, from its problem line.
fn why_not(judged: Option<takeover::Judged>) -> String {
    match judged {
        Some(takeover::Judged::Reordered(lines)) => {
            assert_eq!(lines.len(), 1, "{lines:?}");
            let (_, why) = lines[0]
                .split_once("a reorder no takeover explains: ")
                .expect("the line names the reorder");
            why.to_owned()
        }
        other => panic!("not a reorder: {other:?}"),
    }
}

#[test]
fn messages_handed_late_are_forgiven_as_the_rest_of_consumer_0s_run_only() {
    let spec = spec(
        "worker_pool",
        Fault::ConsumerPanic,
        Topology::MpmcWorkerPool,
    )
    .unwrap();
    assert!(spec.takes_over);
    let channel = self::spec("crossbeam", Fault::ConsumerPanic, Topology::MpmcWorkerPool);
    assert!(!channel.unwrap().takes_over);
    let panicked = ConsumerEnd::InjectedPanic;
    // In order everywhere: nothing to judge.
    assert_eq!(judged(&spec, panicked.clone(), &[(0, 10)]), None);
    // 5 to 7, the rest of consumer 0's run, after 9.
    assert_eq!(
        judged(&spec, panicked.clone(), &[(0, 5), (0, 6), (0, 7)]),
        Some(takeover::Judged::TakenOver {
            adopter: 1,
            note: "consumer 1: 3 messages handed after later ones of their producer (producer 0's 5 to 7): consumer 0's unfinished run, taken over when it left (allowed for an implementation that takes over)".to_owned(),
        })
    );
    let reorders = [
        (
            spec.clone(),
            ConsumerEnd::Left,
            &[(0, 5), (0, 6), (0, 7), (0, 3)][..],
            "more than the rest of consumer 0's last run (at most 3: a run is at most a batch of 4, and consumer 0's last call was handed 1 of it)",
        ),
        (
            spec.clone(),
            ConsumerEnd::Left,
            &[(0, 3)],
            "producer 0's 3 lies at or below consumer 0's last of that producer (4), outside its unfinished run",
        ),
        (
            spec.clone(),
            ConsumerEnd::Left,
            &[(0, 6), (0, 7)],
            "producer 0's part of consumer 0's unfinished run starts at 5, right after its last call, not at 6",
        ),
        (
            spec.clone(),
            ConsumerEnd::Left,
            &[(0, 5), (0, 7)],
            "producer 0's late messages are not one stretch (5, then 7)",
        ),
        (
            spec.clone(),
            ConsumerEnd::Closed,
            &[(0, 5)],
            "consumer 0 did not leave, so nothing was taken over",
        ),
        (
            FaultSpec {
                takes_over: false,
                ..spec.clone()
            },
            ConsumerEnd::Left,
            &[(0, 5)],
            "the implementation takes nothing over from a consumer that leaves",
        ),
    ];
    for (spec, end, late, why) in reorders {
        assert_eq!(why_not(judged(&spec, end, late)), why, "{late:?}");
    }
}

#[test]
fn a_takeover_is_judged_per_producer_and_at_one_consumer() {
    let spec = spec(
        "worker_pool",
        Fault::ConsumerDropped,
        Topology::MpmcWorkerPool,
    )
    .unwrap();
    // Consumer 0's last call handed producer 1's 10 only: producer 0's part
    // of the rest of its run may start anywhere above its last (4).
    let departed = || arrivals(&[&[(0, 4)], &[(1, 10)]]);
    let adopter = arrivals(&[&[(0, 9), (1, 12)], &[(0, 6), (0, 7), (1, 11)]]);
    let consumers = [
        consumer(departed(), ConsumerEnd::Left),
        consumer(adopter, ConsumerEnd::Closed),
    ];
    match takeover::judge(&spec, &consumers) {
        Some(takeover::Judged::TakenOver { adopter: 1, note }) => assert!(
            note.contains("(producer 0's 6 to 7, producer 1's 11)"),
            "{note}"
        ),
        other => panic!("not a takeover: {other:?}"),
    }
    // Late at consumer 0, the one that left, too.
    let consumers = [
        consumer(
            arrivals(&[&[(0, 4), (1, 10)], &[(0, 3)]]),
            ConsumerEnd::Left,
        ),
        consumer(arrivals(&[&[(0, 9)], &[(0, 6)]]), ConsumerEnd::Closed),
    ];
    let Some(takeover::Judged::Reordered(lines)) = takeover::judge(&spec, &consumers) else {
        panic!("not a reorder");
    };
    assert_eq!(
        lines,
        [
            "consumer 0: 1 message handed after later ones of their producer (the first: producer 0's 3, after its 4), a reorder no takeover explains: 2 consumers were handed messages late, and an unfinished run goes to one",
            "consumer 1: 1 message handed after later ones of their producer (the first: producer 0's 6, after its 9), a reorder no takeover explains: 2 consumers were handed messages late, and an unfinished run goes to one",
        ]
    );
    // Late at consumer 0 alone.
    let consumers = [
        consumer(arrivals(&[&[(0, 4)], &[(0, 3)]]), ConsumerEnd::Left),
        consumer(arrivals(&[&[(0, 9)]]), ConsumerEnd::Closed),
    ];
    assert_eq!(
        why_not(takeover::judge(&spec, &consumers)),
        "consumer 0 is the one that left, not one that took over"
    );
}
