use std::collections::BTreeSet;
use std::time::Duration;

use impls::{Info, Topology, WaitStrategy};
use scenarios::Fault;
use schema::{Outcome, Verdict};

use super::faults::{FaultSoakOptions, Round, draw, judge, latest_departure, reference};
use super::{MIB, Memory, SoakOptions, plan, problem};
use crate::faults::{BATCH, FaultOutcome, FaultReport, Strike};

fn known() -> Vec<Info> {
    impls::registry::catalogue::<impls::Builtin>().expect("the roster is valid")
}

fn soak_options() -> SoakOptions {
    SoakOptions {
        messages: 1000,
        capacity: 64,
        batch: 4,
        wait: WaitStrategy::SpinYield,
        payload: 8,
        pause: None,
        rss_limit: 64 * MIB,
        timeout: None,
    }
}

#[test]
fn the_plan_has_every_implementation_on_every_topology_it_supports() {
    let known = known();
    let options = soak_options();
    let runs = plan(&known, &Topology::ALL, &options);
    let expected: usize = known.iter().map(|info| info.topologies.len()).sum();
    assert_eq!(runs.len(), expected);
    for info in &known {
        for &topology in info.topologies {
            let (_, setup) = runs
                .iter()
                .find(|(name, setup)| *name == info.name && setup.topology == topology)
                .unwrap_or_else(|| panic!("{} on {topology} is missing", info.name));
            assert!(setup.capacity >= info.min_capacity.min(64));
            assert!(setup.capacity <= info.max_capacity);
            assert!(setup.batch <= setup.capacity);
            assert_eq!(setup.wait, WaitStrategy::SpinYield);
        }
    }
    let spsc_only = plan(&known, &[Topology::Spsc], &options);
    assert!(spsc_only.iter().all(|(_, s)| s.topology == Topology::Spsc));
    assert_eq!(
        spsc_only.len(),
        known.iter().filter(|i| i.supports(Topology::Spsc)).count()
    );
}

#[test]
fn a_deadline_leaves_two_microseconds_per_delivery_unless_one_is_given() {
    let options = SoakOptions {
        messages: 1_000_000_000,
        ..soak_options()
    };
    let diamond = impls::Setup::new(Topology::Diamond, 64).threads(1, 3);
    let pool = impls::Setup::new(Topology::MpmcWorkerPool, 64).threads(2, 2);
    assert_eq!(options.deadline(&diamond), Duration::from_secs(6060));
    assert_eq!(options.deadline(&pool), Duration::from_secs(2060));
    let given = SoakOptions {
        timeout: Some(Duration::from_secs(5)),
        ..options
    };
    assert_eq!(given.deadline(&diamond), Duration::from_secs(5));
}

fn completed(passed: bool) -> Outcome {
    Outcome::Completed {
        elapsed_ns: 1,
        verdict: Verdict {
            passed,
            problems: if passed {
                Vec::new()
            } else {
                vec!["producer 0: 4 of 1000 messages lost".to_owned()]
            },
            ..Verdict::default()
        },
        pin_failures: 0,
        deliveries_per_consumer: Vec::new(),
        metrics: Default::default(),
        costs: Default::default(),
    }
}

#[test]
fn a_run_fails_on_the_oracle_its_end_or_its_memory() {
    let small = Memory {
        before: 10 * MIB,
        peak: 12 * MIB,
        after: 11 * MIB,
    };
    let grown = Memory {
        peak: 80 * MIB,
        ..small
    };
    let limit = 64 * MIB;
    assert_eq!(problem(&completed(true), Some(&small), limit), None);
    assert_eq!(problem(&completed(true), None, limit), None);
    let memory = problem(&completed(true), Some(&grown), limit).expect("70 MiB is past 64");
    assert!(memory.contains("grew by 70.0 MiB") && memory.contains("bound of 64.0 MiB"));
    let oracle = problem(&completed(false), Some(&small), limit).expect("the oracle failed it");
    assert!(oracle.contains("4 of 1000 messages lost"), "{oracle}");
    let timed_out = Outcome::TimedOut {
        delivered: 7,
        abandoned_threads: 0,
    };
    assert!(problem(&timed_out, Some(&small), limit).is_some_and(|p| p.contains("timed out")));
    let crashed = Outcome::Crashed {
        error: "a run thread panicked".to_owned(),
    };
    assert!(problem(&crashed, None, limit).is_some());
}

fn fault_options() -> FaultSoakOptions {
    FaultSoakOptions {
        seed: 3,
        first_round: 0,
        rounds: 200,
        messages: 4000,
        timeout: Duration::from_secs(3),
        faults: Fault::ALL.to_vec(),
        topologies: Topology::ALL.to_vec(),
        implementations: None,
    }
}

#[test]
fn fault_rounds_are_drawn_from_the_seed_and_round_within_their_runs() {
    let known = known();
    let options = fault_options();
    let mut names = BTreeSet::new();
    let mut faults = BTreeSet::new();
    for round in 0..options.rounds {
        let (name, spec) = draw(&known, &options, round).expect("something supports a topology");
        assert_eq!(draw(&known, &options, round), Some((name, spec.clone())));
        let info = known.iter().find(|info| info.name == name).unwrap();
        assert!(info.supports(spec.setup.topology));
        let share = crate::runner::quotas(spec.messages, spec.setup.producers)[0];
        let strike = spec.strike;
        assert!(
            strike
                .panic_batch
                .is_some_and(|b| b < share.div_ceil(BATCH as u64))
        );
        assert!(strike.panic_at < BATCH);
        let handed = if spec.setup.topology.shares_work() {
            spec.messages / spec.setup.consumers as u64
        } else {
            spec.messages
        };
        assert!(strike.leaves_after < handed / 2);
        assert!(strike.leaves_after < latest_departure(&spec));
        if spec.leaves_no_full_reader() {
            // Every producer still has more to publish than the ring and
            // the batches in hand can take when consumer 0 goes.
            let smallest = *crate::runner::quotas(spec.messages, spec.setup.producers)
                .iter()
                .min()
                .unwrap();
            let in_flight = spec.setup.capacity + spec.setup.producers * spec.setup.batch;
            assert!(
                strike.leaves_after + (in_flight as u64) < smallest,
                "{spec:?}"
            );
        }
        names.insert(name);
        faults.insert(spec.fault.name());
    }
    assert!(names.len() > 10, "{names:?}");
    assert_eq!(faults.len(), Fault::ALL.len());
    let other_seed = FaultSoakOptions {
        seed: 4,
        ..fault_options()
    };
    assert!((0..20).any(|round| draw(&known, &options, round) != draw(&known, &other_seed, round)));
    let narrow = FaultSoakOptions {
        faults: vec![Fault::ConsumerPanic],
        topologies: vec![Topology::Diamond],
        implementations: Some(vec!["lmax".to_owned(), "crossbeam".to_owned()]),
        ..fault_options()
    };
    for round in 0..50 {
        let (name, spec) = draw(&known, &narrow, round).expect("lmax runs a diamond");
        assert_eq!(
            (name, spec.setup.topology, spec.fault),
            ("lmax", Topology::Diamond, Fault::ConsumerPanic)
        );
    }
    let none = FaultSoakOptions {
        topologies: vec![Topology::Diamond],
        implementations: Some(vec!["crossbeam".to_owned()]),
        ..fault_options()
    };
    assert_eq!(draw(&known, &none, 0), None);
}

fn report(outcome: FaultOutcome, injected: bool, fault: Fault, topology: Topology) -> FaultReport {
    let info = known().into_iter().find(|i| i.name == "seg_queue").unwrap();
    let spec = crate::faults::FaultSpec::new(&info, fault, topology, 4000, Duration::from_secs(3))
        .expect("seg_queue runs it");
    let mut report = FaultReport::new(
        "seg_queue",
        &spec,
        outcome,
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Duration::ZERO,
    );
    report.injected = injected;
    report
}

#[test]
fn a_round_short_of_the_contract_fails_only_where_the_fixed_point_run_keeps_it() {
    let (mpsc, pool) = (Topology::Mpsc, Topology::MpmcWorkerPool);
    let met = report(FaultOutcome::Recovered, true, Fault::ProducerPanic, mpsc);
    assert_eq!(judge(&met, false, true), Round::Met);
    let missed = report(FaultOutcome::Recovered, false, Fault::ConsumerDropped, pool);
    assert_eq!(judge(&missed, true, true), Round::Missed);
    let lost = report(
        FaultOutcome::Lost { messages: 3 },
        true,
        Fault::ProducerPanic,
        mpsc,
    );
    assert_eq!(judge(&lost, true, true), Round::Failed);
    assert_eq!(judge(&lost, false, true), Round::Known);
    // Missed, but not clean: a failure all the same.
    let missed_lost = report(
        FaultOutcome::Lost { messages: 3 },
        false,
        Fault::ConsumerDropped,
        pool,
    );
    assert_eq!(judge(&missed_lost, true, true), Round::Failed);
    // The only consumer of an unbounded queue left: timing decides.
    let unbounded = report(
        FaultOutcome::Lost { messages: 9 },
        true,
        Fault::ConsumerDropped,
        mpsc,
    );
    assert_eq!(judge(&unbounded, true, false), Round::Known);
    assert_eq!(judge(&unbounded, true, true), Round::Failed);
    let drawn = crate::faults::FaultSpec {
        strike: Strike {
            panic_batch: Some(3),
            panic_at: 2,
            leaves_after: 17,
        },
        ..met.spec.clone()
    };
    assert_eq!(reference(&drawn).strike, Strike::default());
    assert_eq!(reference(&drawn).setup, drawn.setup);
}
