use super::*;

fn spec(name: &str, fault: Fault, topology: Topology) -> Option<FaultSpec> {
    let info = impls::info(name).expect("registered");
    FaultSpec::new(&info, fault, topology, 4000, Duration::from_secs(3))
}

#[test]
fn runs_are_sized_per_topology_and_implementation() {
    let pool = spec("crossbeam", Fault::ProducerPanic, Topology::MpmcWorkerPool).unwrap();
    assert_eq!(
        (pool.producers, pool.consumers, pool.capacity, pool.batch),
        (2, 2, 8, 4)
    );
    let spsc = spec("crossbeam", Fault::ProducerPanic, Topology::Spsc).unwrap();
    assert_eq!((spsc.producers, spsc.consumers), (1, 1));
    // A single-producer implementation gets one producer everywhere.
    let single = spec("single", Fault::ProducerPanic, Topology::Pipeline).unwrap();
    assert_eq!((single.producers, single.consumers), (1, 3));
    // Nothing for a topology the implementation cannot run.
    assert_eq!(spec("rtrb", Fault::ProducerPanic, Topology::Mpsc), None);
    // Every spec builds.
    for info in impls::all() {
        for &topology in info.topologies {
            let spec = spec(info.name, Fault::CancelMidClaim, topology).unwrap();
            let cfg = QueueConfig {
                producers: spec.producers,
                consumers: spec.consumers,
                batch: spec.batch,
                ..QueueConfig::new(topology, spec.capacity)
            };
            assert_eq!(info.check(&cfg), Ok(()), "{} {topology}", info.name);
        }
    }
}

#[test]
fn disconnection_is_expected_only_where_no_consumer_can_receive_everything() {
    for topology in Topology::ALL {
        for fault in Fault::ALL {
            let spec = FaultSpec {
                fault,
                topology,
                producers: 1,
                consumers: 3,
                capacity: CAPACITY,
                batch: BATCH,
                messages: 400,
                takes_batches_whole: false,
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
