//! The machine's ceiling, measured once per invocation: how long a cache
//! line takes to go from one core to another and back, how fast one thread
//! copies memory, what the timer costs, and which counters exist.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crossbeam_utils::CachePadded;

use crate::clock::Clock;
use crate::counters::CounterAvailability;
use crate::cpus::{describe_pair, read_topology};
use crate::placement::{Cores, pin_current};

pub use schema::Machine;

/// Round trips per timed batch: enough that the two clock reads per batch
/// cost about 1% of it, few enough (about 15 µs) that a thread descheduled
/// by a noisy neighbour spoils only the batch it hits.
const TRIPS_PER_BATCH: u64 = 100;
/// Timed batches; the median batch's mean round trip is reported.
const BATCHES: usize = 1001;

/// Timed batches of the floor measured in every round of a sweep: about
/// 5 ms at 500 ns a round trip, a small fraction of a round.
pub const ROUND_BATCHES: usize = 101;

/// Median round trip, in ns, of a counter bounced between threads pinned to
/// `a` and `b`, or why it could not be measured.
pub fn core_to_core_round_trip(a: usize, b: usize) -> Result<f64, String> {
    round_trip(a, b, BATCHES)
}

/// As [`core_to_core_round_trip`], over `batches` timed batches of
/// `TRIPS_PER_BATCH` (100) round trips.
pub fn round_trip(a: usize, b: usize, batches: usize) -> Result<f64, String> {
    let batches = batches.max(1);
    // The line both threads write: odd values are pings, even values pongs.
    let line = Arc::new(CachePadded::new(AtomicU64::new(0)));
    let total = TRIPS_PER_BATCH * batches as u64;
    let echo_line = Arc::clone(&line);
    let echo = std::thread::Builder::new()
        .name("ceiling-echo".to_owned())
        .spawn(move || {
            let pinned = pin_current(b);
            for trip in 0..total {
                let ping = 2 * trip + 1;
                // Acquire pairs with the initiator's release store of the
                // ping; nothing else is published, but it keeps the bounce
                // a true hand-off like a queue's.
                wait_for(&echo_line, ping);
                echo_line.store(ping + 1, Ordering::Release);
            }
            pinned
        })
        .map_err(|error| format!("cannot spawn the echo thread: {error}"))?;
    let initiator = std::thread::Builder::new()
        .name("ceiling-initiator".to_owned())
        .spawn(move || {
            let pinned = pin_current(a);
            let mut timed = Vec::with_capacity(batches);
            for batch in 0..batches as u64 {
                let started = Instant::now();
                for trip in batch * TRIPS_PER_BATCH..(batch + 1) * TRIPS_PER_BATCH {
                    // Release/acquire pair with the echo thread's, as above.
                    line.store(2 * trip + 1, Ordering::Release);
                    wait_for(&line, 2 * trip + 2);
                }
                timed.push(started.elapsed().as_nanos() as f64 / TRIPS_PER_BATCH as f64);
            }
            (pinned, timed)
        })
        .map_err(|error| format!("cannot spawn the initiator thread: {error}"))?;
    let (initiator_pinned, timed) = initiator
        .join()
        .map_err(|_| "the initiator thread panicked".to_owned())?;
    let echo_pinned = echo
        .join()
        .map_err(|_| "the echo thread panicked".to_owned())?;
    if !(initiator_pinned && echo_pinned) {
        return Err(format!("the OS refused to pin to cores {a} and {b}"));
    }
    reports::stats::median(&timed).ok_or_else(|| "no batches timed".to_owned())
}

/// Spins until `line` holds `value`, yielding now and then so that the
/// bounce ends even if both threads share a core.
fn wait_for(line: &AtomicU64, value: u64) {
    let mut spins = 0u32;
    while line.load(Ordering::Acquire) != value {
        spins += 1;
        if spins.is_multiple_of(4096) {
            std::thread::yield_now();
        } else {
            std::hint::spin_loop();
        }
    }
}

/// Single-thread copy bandwidth in bytes per second: the best of several
/// copies of a 32 MiB buffer (larger than the caches of most machines).
pub fn copy_bandwidth() -> f64 {
    const BYTES: usize = 32 << 20;
    let source = vec![1u8; BYTES];
    let mut destination = vec![0u8; BYTES];
    destination.copy_from_slice(&source); // fault the pages in first
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let started = Instant::now();
        destination.copy_from_slice(std::hint::black_box(&source));
        std::hint::black_box(&mut destination);
        best = best.min(started.elapsed());
    }
    BYTES as f64 / best.as_secs_f64().max(1e-9)
}

/// Measures everything, round trip between the first two of `cores` (the
/// placement the SPSC runs use). Call on the main thread before anything is
/// pinned.
pub fn measure(
    cores: &Cores,
    clock: &Clock,
    clock_note: String,
    counters: Vec<CounterAvailability>,
) -> Machine {
    let mut notes = Vec::new();
    let ids = cores.ids();
    let (round_trip, pair) = if ids.len() >= 2 {
        match core_to_core_round_trip(ids[0], ids[1]) {
            Ok(ns) => (Some(ns), Some((ids[0], ids[1]))),
            Err(why) => {
                notes.push(format!("core-to-core round trip not measured: {why}"));
                (None, None)
            }
        }
    } else {
        notes.push(format!(
            "core-to-core round trip not measured: {} usable core(s), it needs 2",
            ids.len()
        ));
        (None, None)
    };
    let topology = read_topology(std::path::Path::new("/sys/devices/system/cpu"), &ids);
    if topology.is_empty() {
        notes.push("sysfs describes no core topology here".to_owned());
    }
    Machine {
        core_to_core_round_trip_ns: round_trip,
        core_to_core_relation: pair.map(|(a, b)| describe_pair(&topology, a, b)),
        topology,
        core_to_core_cores: pair,
        copy_bandwidth_bytes_per_sec: Some(copy_bandwidth()),
        timer: clock.measure(clock_note),
        counters,
        notes,
    }
}
