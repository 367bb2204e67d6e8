//! Measurement depth through the public API and the binary: allocation
//! counting with the counting allocator installed, the base case and the
//! latency modes through the oracle, a stall through the paced producer
//! loop, and a ping-pong run end to end.

use std::process::Command;
use std::time::Duration;

use harness::allocations::{self, CountingAllocator};
use harness::clock::Clock;
use harness::latency::{Schedule, one_way};
use harness::placement::Placement;
use harness::runner::{Instruments, Mode, Outcome, Pacing, RunSpec, paced_producer_loop, run_base};
use harness::sweep::run_named;
use impls::{
    Cancel, Message, Msg8, Msg64, Producer, PublishError, Salt, Setup, Topology, WaitStrategy,
};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

#[test]
fn the_allocation_counter_counts_a_known_allocation() {
    allocations::start();
    let known: Vec<u64> = Vec::with_capacity(100);
    std::hint::black_box(&known);
    let counted = allocations::stop();
    assert_eq!(counted, Some((1, 800)));
    // Nothing is counted outside a region, and an empty region counts 0.
    drop(known);
    let _outside = std::hint::black_box(Box::new(1u8));
    allocations::start();
    assert_eq!(allocations::stop(), Some((0, 0)));
}

fn spec(
    topology: Topology,
    producers: usize,
    consumers: usize,
    batch: usize,
    mode: Mode,
) -> RunSpec {
    RunSpec {
        setup: Setup {
            topology,
            producers,
            consumers,
            capacity: 64,
            batch,
            wait: WaitStrategy::SpinYield,
        },
        messages: 4_000,
        timeout: Duration::from_secs(60),
        placement: Placement {
            oversubscribed: true,
            cores: None,
            threads: producers + consumers,
        },
        layout_seed: 0,
        mode,
        instruments: Instruments {
            clock: Clock::detect().0,
            counters: None,
            watch: None,
        },
    }
}

fn costs(outcome: &Outcome) -> &harness::runner::Costs {
    outcome
        .costs()
        .unwrap_or_else(|| panic!("the run did not pass: {outcome:?}"))
}

#[test]
fn the_base_case_passes_the_oracle_without_allocating() {
    for (topology, producers, consumers) in [
        (Topology::Spsc, 1, 1),
        (Topology::Mpsc, 3, 1),
        (Topology::MpmcWorkerPool, 2, 2),
        (Topology::MpmcFanout, 2, 3),
    ] {
        let outcome = run_base::<Msg64>(&spec(topology, producers, consumers, 7, Mode::Throughput));
        let costs = costs(&outcome);
        assert_eq!(costs.allocations, Some(0), "{topology}: {outcome:?}");
        assert!(costs.cpu_ns.is_some_and(|ns| ns > 0), "{outcome:?}");
        if let Outcome::Completed {
            verdict,
            deliveries_per_consumer,
            ..
        } = &outcome
        {
            let copies = if topology.is_broadcast() {
                consumers as u64
            } else {
                1
            };
            assert_eq!(verdict.delivered, 4_000 * copies, "{topology}");
            // The stream shape of the topology: in work-sharing each
            // consumer is dealt a share, in a broadcast each sees all.
            assert_eq!(deliveries_per_consumer.len(), consumers, "{topology}");
            for &delivered in deliveries_per_consumer {
                match topology {
                    Topology::MpmcWorkerPool => assert!(
                        delivered > 0 && delivered < 4_000,
                        "{topology}: {deliveries_per_consumer:?}"
                    ),
                    _ => assert_eq!(delivered, 4_000, "{topology}"),
                }
            }
        }
    }
}

#[test]
fn vec_batches_allocate_and_rings_do_not() {
    let batch = 8;
    let ring = run_named(
        "spsc_ring",
        &spec(Topology::Spsc, 1, 1, batch, Mode::Throughput),
        64,
    );
    assert_eq!(costs(&ring).allocations, Some(0), "{ring:?}");
    let vec = run_named(
        "crossbeam_vec",
        &spec(Topology::Spsc, 1, 1, batch, Mode::Throughput),
        64,
    );
    let allocations = costs(&vec).allocations.unwrap();
    // One Vec per batch of 8 (the channel may add a few of its own).
    assert!(allocations >= 4_000 / batch as u64, "{allocations}");
}

#[test]
fn latency_modes_record_histograms_through_the_oracle() {
    let pingpong = run_named(
        "spsc_ring",
        &spec(Topology::Spsc, 1, 1, 1, Mode::PingPong),
        64,
    );
    let latency = costs(&pingpong)
        .latency
        .clone()
        .expect("round trips recorded");
    let histogram = harness::latency::decode(&latency.histogram).unwrap();
    assert_eq!(histogram.len(), 4_000);
    assert!(latency.service_histogram.is_none());
    if let Outcome::Completed { verdict, .. } = &pingpong {
        assert_eq!(verdict.delivered, 8_000, "both hops deliver every message");
    }
    let base = run_base::<Msg64>(&spec(Topology::Spsc, 1, 1, 1, Mode::PingPong));
    assert!(costs(&base).latency.is_some());

    // 2 producers at 2 million messages per second in total: 2 ms of schedule.
    let one_way = spec(Topology::Mpsc, 2, 1, 4, Mode::OneWay { rate: 2e6 });
    let outcome = run_named("crossbeam", &one_way, 64);
    let latency = costs(&outcome)
        .latency
        .clone()
        .expect("one-way latency recorded");
    let corrected = harness::latency::decode(&latency.histogram).unwrap();
    let service = harness::latency::decode(latency.service_histogram.as_deref().unwrap()).unwrap();
    assert_eq!((corrected.len(), service.len()), (4_000, 4_000));
    assert!(latency.backwards_samples.is_some(), "{latency:?}");
}

/// A "queue" that delivers every message the moment it is published,
/// recording its receipt, and stalls once, for `stall`, before the message
/// numbered `stall_at` (as a full queue or a descheduled producer would).
struct StallsOnce {
    clock: Clock,
    stall_at: u64,
    stall: Duration,
    published: u64,
    receipts: Vec<(u64, u64)>,
}

impl Producer<Msg8> for StallsOnce {
    fn publish_batch(
        &mut self,
        n: usize,
        mut fill: impl FnMut(usize, &mut Msg8),
    ) -> Result<(), PublishError> {
        for index in 0..n {
            let mut message = Msg8::default();
            fill(index, &mut message);
            if self.published == self.stall_at {
                std::thread::sleep(self.stall);
            }
            self.receipts
                .push((message.tag(Salt::NONE), self.clock.now()));
            self.published += 1;
        }
        Ok(())
    }
}

#[test]
fn a_stall_in_the_paced_loop_shows_in_corrected_latency_only() {
    // One producer meant to send every microsecond for 20 ms; the queue
    // stalls 5 ms once, after a thousand messages. The paced loop then
    // sends the backlog as fast as it can, so thousands of messages leave
    // late but are delivered at once.
    let clock = Clock::instant();
    let messages = 20_000;
    let mut queue = StallsOnce {
        clock,
        stall_at: 1_000,
        stall: Duration::from_millis(5),
        published: 0,
        receipts: Vec::new(),
    };
    let schedule = Schedule {
        start: clock.now(),
        interval: clock.ticks_for_ns(1_000.0),
    };
    let mut sent = Vec::new();
    let cancel = Cancel::default();
    let pacing = Pacing {
        clock: &clock,
        schedule: &schedule,
        yields: false,
        cancel: &cancel,
    };
    paced_producer_loop(&mut queue, Salt::NONE, 0, messages, 1, &pacing, &mut sent).unwrap();
    let latencies = one_way(&clock, &[(schedule, sent)], &queue.receipts);
    assert_eq!(latencies.corrected.len(), messages);
    let p90 = |h: &hdrhistogram::Histogram<u64>| h.value_at_quantile(0.9);
    // Thousands of messages (well over a tenth) waited behind the stall.
    assert!(
        p90(&latencies.corrected) >= 1_000_000,
        "corrected p90 {} ns",
        p90(&latencies.corrected)
    );
    // Their service time, from the late send to the instant delivery, is
    // short: the stall is invisible there but for the one stalled message.
    assert!(
        p90(&latencies.service) < 1_000_000,
        "service p90 {} ns",
        p90(&latencies.service)
    );
    assert!(latencies.corrected.max() >= 4_900_000);
}

#[test]
fn pingpong_runs_end_to_end_and_writes_latency_fields() {
    let out = std::env::temp_dir().join(format!("ringlab-pingpong-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let output = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args([
            "scenario",
            "pingpong",
            "--messages",
            "2000",
            "--reps",
            "2",
            "--warmup",
            "0",
            "--impls",
            "spsc_ring,crossbeam",
            "--no-progress",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(
        stdout.contains("p99.99") && stdout.contains("base"),
        "{stdout}"
    );
    let file = std::fs::read_dir(&out)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let machine = &json["machine"];
    assert!(
        machine["timer"]["cost_ns"].as_f64().unwrap() > 0.0,
        "{machine}"
    );
    assert!(
        machine["counters"].as_array().unwrap().len() >= 10,
        "{machine}"
    );
    let summary = json["configurations"][0]["summary"].as_array().unwrap();
    let names: Vec<&str> = summary
        .iter()
        .map(|s| s["implementation"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["spsc_ring", "crossbeam", "base"]);
    for row in summary {
        let latency = &row["latency"];
        assert_eq!(latency["kind"], "round_trip", "{row}");
        assert_eq!(latency["samples"], 4000, "{row}");
        let percentiles = latency["percentiles_ns"].as_array().unwrap();
        assert_eq!(percentiles.len(), 6);
        assert_eq!(percentiles[5][0], 100.0);
        assert!(harness::latency::decode(latency["histogram"].as_str().unwrap()).is_ok());
        assert!(row["cpu_ns_per_message"].as_f64().unwrap() > 0.0, "{row}");
        assert!(row["allocations_per_message"].is_number(), "{row}");
        // Every counter is either measured with a value or unavailable
        // with a reason, never a bare zero.
        for counter in row["counters"].as_array().unwrap() {
            match counter["status"].as_str().unwrap() {
                "measured" => assert!(counter["per_message"].is_number(), "{counter}"),
                _ => assert!(
                    counter["per_message"].is_null() && counter["reason"].is_string(),
                    "{counter}"
                ),
            }
        }
    }
    let _ = std::fs::remove_dir_all(&out);
}
