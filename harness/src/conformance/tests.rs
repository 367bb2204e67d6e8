use std::collections::BTreeMap;

use impls::{Info, PAYLOAD_SIZES, Topology};
use schema::Verdict;

use super::oracle_runs::{Case, batches, capacity, cases, cause};
use super::*;
use crate::faults::{
    Expectation, Fault, FaultOutcome, FaultReport, FaultSpec, ProducerEnd, ProducerRecord,
};
use crate::runner::Outcome;

const EVERY_TOPOLOGY: &[Topology] = &[
    Topology::Spsc,
    Topology::Mpsc,
    Topology::MpmcWorkerPool,
    Topology::MpmcFanout,
    Topology::Pipeline,
    Topology::Diamond,
];

fn info() -> Info {
    Info::new("test_queue", "a description", EVERY_TOPOLOGY)
}

#[test]
fn batches_are_below_at_and_above_the_capacity() {
    assert_eq!(batches(2), [1, 2, 5]);
    assert_eq!(batches(4), [1, 3, 4, 9]);
    assert_eq!(batches(64), [1, 63, 64, 129]);
    for capacity in [2, 3, 8, 64, 1000] {
        let batches = batches(capacity);
        assert!(batches.iter().any(|&batch| batch < capacity));
        assert!(batches.contains(&capacity));
        assert!(batches.iter().any(|&batch| batch > capacity));
        assert!(batches.is_sorted_by(|a, b| a < b), "{batches:?}");
    }
}

#[test]
fn the_capacity_is_the_smallest_the_info_allows() {
    assert_eq!(capacity(&info()), Some(2));
    assert_eq!(capacity(&info().min_capacity(64)), Some(64));
    let power_of_two = info().capacity_power_of_two(true);
    assert_eq!(capacity(&power_of_two.clone().min_capacity(5)), Some(8));
    assert_eq!(capacity(&info().min_capacity(5)), Some(5));
    assert_eq!(
        capacity(&power_of_two.min_capacity(5).max_capacity(7)),
        None
    );
    assert_eq!(capacity(&info().min_capacity(0)), Some(2));
}

#[test]
fn an_info_that_leaves_nothing_to_run_is_a_failure_not_a_panic() {
    let nothing = Info::new("nothing", "no topology", &[]);
    let cause = usable_capacity(&nothing).unwrap_err();
    assert!(cause.contains("no topology"), "{cause}");
    let cause = usable_capacity(&info().max_producers(0)).unwrap_err();
    assert!(cause.contains("max_producers is 0"), "{cause}");
    let inverted = info().min_capacity(64).max_capacity(8);
    let cause = usable_capacity(&inverted).unwrap_err();
    assert!(
        cause.contains("min_capacity 64") && cause.contains("max_capacity 8"),
        "{cause}"
    );
}

#[test]
fn thread_counts_keep_within_the_producers_the_info_allows() {
    let info = info();
    assert_eq!(thread_counts(&info, Topology::Mpsc), [(1, 1), (3, 1)]);
    assert_eq!(
        thread_counts(&info.clone().max_producers(2), Topology::Mpsc),
        [(1, 1), (2, 1)]
    );
    assert_eq!(
        thread_counts(&info.clone().single_producer(true), Topology::MpmcFanout),
        [(1, 2)]
    );
    for &topology in EVERY_TOPOLOGY {
        let counts = thread_counts(&info, topology);
        assert!(counts.iter().any(|&(producers, _)| producers == 1));
        for (producers, consumers) in counts {
            assert!(impls::queue::check_threads(topology, producers, consumers).is_ok());
        }
    }
}

/// Every topology claimed, with each of its thread counts, meets every
/// payload size and every batch.
#[test]
fn the_cases_cover_topology_threads_payload_and_batch() {
    let info = info().capacity_power_of_two(true).min_capacity(64);
    let capacity = capacity(&info).unwrap();
    for &topology in EVERY_TOPOLOGY {
        let cases = cases(&info, topology, capacity);
        let threads = thread_counts(&info, topology);
        assert_eq!(
            cases.len(),
            threads.len() * PAYLOAD_SIZES.len() * batches(capacity).len()
        );
        for (producers, consumers) in threads {
            for payload in PAYLOAD_SIZES {
                for batch in [1, 63, 64, 129] {
                    let case = Case {
                        topology,
                        producers,
                        consumers,
                        payload,
                        capacity: 64,
                        batch,
                    };
                    assert!(cases.contains(&case), "{case} missing");
                }
            }
        }
    }
}

fn fanout_case() -> Case {
    Case {
        topology: Topology::MpmcFanout,
        producers: 2,
        consumers: 3,
        payload: 64,
        capacity: 2,
        batch: 5,
    }
}

#[test]
fn a_case_names_where_it_ran() {
    assert_eq!(
        fanout_case().to_string(),
        "mpmc_fanout P2 C3, 64 B, capacity 2, batch 5"
    );
}

/// A sentence: one line, no Debug dump.
fn assert_sentence(text: &str) {
    assert!(
        !text.contains('\n') && !text.contains('{') && !text.contains('}'),
        "{text}"
    );
}

#[test]
fn consumers_that_had_everything_and_never_closed_are_named_so() {
    let case = Case {
        topology: Topology::Spsc,
        producers: 1,
        consumers: 1,
        payload: 8,
        capacity: 2,
        batch: 1,
    };
    let outcome = Outcome::TimedOut {
        delivered: MESSAGES,
        abandoned_threads: 0,
    };
    let cause = cause(&case, &outcome, Duration::from_secs(5)).unwrap_err();
    assert_eq!(
        cause,
        format!(
            "the consumers never saw Closed after the producers finished ({MESSAGES} of {MESSAGES} messages delivered; stopped at the 5 s deadline)"
        )
    );
}

#[test]
fn a_stalled_fanout_run_counts_deliveries_and_threads_left_running() {
    let outcome = Outcome::TimedOut {
        delivered: 100,
        abandoned_threads: 2,
    };
    let cause = cause(&fanout_case(), &outcome, Duration::from_secs(5)).unwrap_err();
    assert_sentence(&cause);
    assert!(cause.starts_with("the run stalled"), "{cause}");
    assert!(
        cause.contains(&format!("100 of {} deliveries", 3 * MESSAGES)),
        "{cause}"
    );
    assert!(
        cause.contains("2 threads did not stop when cancelled"),
        "{cause}"
    );
}

#[test]
fn a_failed_verdict_is_told_by_its_problems() {
    let problems = vec![
        "consumer 1: producer 0: checksum mismatch with the right count".to_owned(),
        "consumer 2: producer 0: checksum mismatch with the right count".to_owned(),
    ];
    let outcome = Outcome::Completed {
        elapsed_ns: 1,
        verdict: Verdict {
            passed: false,
            sent: MESSAGES,
            delivered: 3 * MESSAGES,
            expected_deliveries: 3 * MESSAGES,
            problems: problems.clone(),
            count_only: false,
        },
        pin_failures: 0,
        deliveries_per_consumer: vec![MESSAGES; 3],
        metrics: BTreeMap::new(),
        costs: Box::default(),
    };
    let cause = cause(&fanout_case(), &outcome, DEADLINE).unwrap_err();
    assert_eq!(cause, problems.join("; "));
    let crashed = Outcome::Crashed {
        error: "a run thread panicked: line one\nline two".to_owned(),
    };
    let cause = oracle_runs::cause(&fanout_case(), &crashed, DEADLINE).unwrap_err();
    assert_eq!(cause, "a run thread panicked: line one line two");
}

#[test]
fn a_fault_run_is_told_by_its_cause_with_counts() {
    let info = info();
    let spec = FaultSpec::new(
        &info,
        Fault::ProducerPanic,
        Topology::Spsc,
        4000,
        Duration::from_secs(3),
    )
    .expect("spsc is claimed");
    let producer = ProducerRecord {
        published: 3999,
        unsure: 0,
        continued: None,
        end: ProducerEnd::InjectedPanic,
        past_deadline: false,
    };
    let report = FaultReport {
        implementation: "test_queue".to_owned(),
        spec,
        expected: Expectation::Recovered,
        outcome: FaultOutcome::Lost { messages: 1 },
        label: "lost 1".to_owned(),
        met_contract: false,
        injected: true,
        producers: vec![producer],
        consumers: Vec::new(),
        problems: vec!["consumers: producer 0: 1 of 3999 messages lost".to_owned()],
        elapsed_ms: 10,
    };
    let cause = fault_runs::cause(&report);
    assert_eq!(
        cause,
        "lost 1 of 3999 messages published (consumers: producer 0: 1 of 3999 messages lost)"
    );
}

#[test]
fn a_timed_out_topology_is_skipped_and_threads_left_running_stop_everything() {
    let mut stalls = Stalls::default();
    assert_eq!(stalls.skip(Topology::Spsc), None);
    stalls.timed_out(Topology::Spsc, 0);
    assert!(stalls.skip(Topology::Spsc).is_some());
    assert_eq!(stalls.skip(Topology::Mpsc), None);
    stalls.timed_out(Topology::Mpsc, 1);
    let why = stalls
        .skip(Topology::MpmcFanout)
        .expect("threads left running");
    assert!(why.contains("still running"), "{why}");
}

#[test]
fn one_line_joins_lines() {
    assert_eq!(one_line("a\n  b\tc "), "a b c");
}
