//! Worker pools: each event processed by exactly one worker, also when
//! workers outnumber events and when the pool closes while workers wait.
//! (Exactly-once under load, through the harness's oracle, is in
//! `harness/tests/worker_pool.rs`.)

use std::collections::BTreeMap;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use impls::wait::WaitStrategy;
use impls::{
    Consumed, Consumer, Message, Msg8, Producer, Queue, QueueConfig, Salt, Setup, Topology,
    WorkerPoolAdaptive, WorkerPoolK1,
};

/// Runs `workers` worker threads to `Closed` while one producer publishes
/// `events` and leaves; returns how often each event was processed.
fn share_out<Q: Queue>(
    workers: usize,
    events: u64,
    capacity: usize,
    wait: WaitStrategy,
    pause: Duration,
) -> BTreeMap<u64, u32> {
    let cfg = QueueConfig::from(
        Setup::new(Topology::MpmcWorkerPool, capacity)
            .threads(1, workers)
            .wait(wait),
    );
    let endpoints = Q::build::<Msg8>(&cfg).unwrap();
    let start = Arc::new(Barrier::new(workers + 1));
    let handles: Vec<_> = endpoints
        .consumers
        .into_iter()
        .map(|mut worker| {
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                let mut seen = Vec::new();
                let deadline = Instant::now() + Duration::from_secs(30);
                loop {
                    match worker.consume_batch(4, |m| seen.push(m.tag(Salt::NONE))) {
                        Consumed::Items(_) | Consumed::Idle => {}
                        Consumed::Closed => return seen,
                    }
                    assert!(Instant::now() < deadline, "a worker never saw Closed");
                }
            })
        })
        .collect();
    start.wait();
    // Let the workers claim past what exists and wait there.
    thread::sleep(pause);
    let mut producer = endpoints.producers.into_iter().next().unwrap();
    producer
        .publish_batch(events as usize, |i, m| m.write(Salt::NONE, 0, i as u64))
        .unwrap();
    drop(producer);
    let mut counts = BTreeMap::new();
    for handle in handles {
        for tag in handle.join().unwrap() {
            *counts.entry(tag).or_insert(0) += 1;
        }
    }
    counts
}

fn exactly_once(counts: &BTreeMap<u64, u32>, events: u64) -> bool {
    counts.len() as u64 == events
        && counts
            .iter()
            .enumerate()
            .all(|(i, (&tag, &n))| tag == i as u64 && n == 1)
}

#[test]
fn more_workers_than_events() {
    for pause in [Duration::ZERO, Duration::from_millis(20)] {
        let counts = share_out::<WorkerPoolAdaptive>(8, 3, 4, WaitStrategy::SpinYield, pause);
        assert!(exactly_once(&counts, 3), "{counts:?}");
        let counts = share_out::<WorkerPoolK1>(8, 3, 4, WaitStrategy::SpinYield, pause);
        assert!(exactly_once(&counts, 3), "{counts:?}");
    }
}

/// Workers parked or spinning on claims past the end all see `Closed` when
/// the producers leave, under every wait strategy (the producer's drop
/// must wake parked ones).
#[test]
fn close_while_workers_wait() {
    for wait in WaitStrategy::ALL {
        let counts = share_out::<WorkerPoolAdaptive>(3, 50, 8, wait, Duration::from_millis(20));
        assert!(exactly_once(&counts, 50), "{wait:?}: {counts:?}");
        let counts = share_out::<WorkerPoolK1>(3, 0, 8, wait, Duration::from_millis(20));
        assert!(counts.is_empty(), "{wait:?}: {counts:?}");
    }
}
