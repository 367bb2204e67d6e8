//! The `metrics` feature's counters count what they say (run with
//! `cargo test -p impls --features metrics`; `scripts/test.sh` does).
#![cfg(feature = "metrics")]

use std::collections::HashMap;

use impls::{
    Consumed, Consumer, Lmax, Message, Msg8, Producer, Queue, QueueConfig, Salt, Setup, Topology,
};

fn counters(report: Vec<(&'static str, u64)>) -> HashMap<&'static str, u64> {
    report.into_iter().collect()
}

#[test]
fn counters_follow_claims_wraps_and_scans() {
    let cfg = QueueConfig::from(Setup::new(Topology::Mpsc, 2).threads(2, 1));
    let mut endpoints = Lmax::build::<Msg8>(&cfg).unwrap();
    let mut consumer = endpoints.consumers.pop().unwrap();
    let mut producer = endpoints.producers.pop().unwrap();

    // Fill the ring (the first gating check passes), fail a try (ring full),
    // then drain and publish again (a second gating reduction).
    producer
        .publish_batch(2, |i, m| m.write(Salt::NONE, 0, i as u64))
        .unwrap();
    assert!(producer.try_publish(|m| m.write(Salt::NONE, 0, 2)).is_err());
    assert_eq!(consumer.consume_batch(8, |_| ()), Consumed::Items(2));
    producer.try_publish(|m| m.write(Salt::NONE, 0, 2)).unwrap();
    assert_eq!(consumer.consume_batch(8, |_| ()), Consumed::Items(1));

    let produced = counters(producer.metrics());
    assert_eq!(produced["cas_attempts"], 2, "{produced:?}");
    assert_eq!(produced["cas_failures"], 0, "{produced:?}");
    assert_eq!(produced["wrap_waits"], 0, "{produced:?}");
    assert!(produced["gating_reductions"] >= 2, "{produced:?}");
    let consumed = counters(consumer.metrics());
    assert_eq!(consumed["scan_calls"], 2, "{consumed:?}");
    // Each scan looks at up to min(batch, capacity) = 2 slots: both
    // published ones the first time; the published one and the stale one
    // that stops it the second time.
    assert_eq!(consumed["scan_length"], 4, "{consumed:?}");
}
