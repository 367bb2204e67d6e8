//! The plain loops `calibrate` compares the harness with: a pinned
//! producer sends one `u64` per message, a pinned consumer sums what it
//! receives, and the sum is checked after the run. No oracle.

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::placement::pin_current;

/// Capacity of every queue in the calibration, in messages.
pub const CAPACITY: usize = 1024;

/// What a plain loop is given.
#[derive(Clone, Copy, Debug)]
pub struct PlainSpec {
    /// Messages to send.
    pub messages: u64,
    /// Messages per chunk, for loops that batch.
    pub batch: usize,
    /// Producer core and consumer core.
    pub cores: (usize, usize),
}

/// How a plain run ended.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlainRun {
    /// From the first thread leaving the barrier to the last message taken.
    pub elapsed_ns: u64,
    /// Whether the consumer's sum was the sum of everything sent.
    pub sum_ok: bool,
    /// Whether both threads were pinned.
    pub pinned: bool,
}

impl PlainRun {
    /// Messages per second, for a run whose sum was right.
    pub fn throughput(&self, messages: u64) -> Option<f64> {
        self.sum_ok
            .then(|| messages as f64 / self.elapsed_ns.max(1) as f64 * 1e9)
    }
}

/// `0 + 1 + ... + (n - 1)`, wrapping: what a plain consumer must sum to.
pub fn expected_sum(n: u64) -> u64 {
    let (a, b) = if n.is_multiple_of(2) {
        (n / 2, n.wrapping_sub(1))
    } else {
        (n, (n - 1) / 2)
    };
    a.wrapping_mul(b)
}

/// Waits one step in a plain loop: a pause, and now and then a yield so the
/// loop ends even if the two threads share a core.
#[inline]
fn idle(spins: &mut u32) {
    *spins = spins.wrapping_add(1);
    if spins.is_multiple_of(4096) {
        thread::yield_now();
    } else {
        std::hint::spin_loop();
    }
}

/// Runs `produce` and `consume` on the two cores of `spec`, timed from the
/// first of them leaving a barrier to `consume` returning its sum.
fn two_threads<P, C>(spec: &PlainSpec, produce: P, consume: C) -> PlainRun
where
    P: FnOnce() + Send + 'static,
    C: FnOnce() -> u64 + Send + 'static,
{
    let barrier = Arc::new(Barrier::new(2));
    let (producer_core, consumer_core) = spec.cores;
    let producer_barrier = Arc::clone(&barrier);
    let producer = thread::spawn(move || {
        let pinned = pin_current(producer_core);
        producer_barrier.wait();
        let started = Instant::now();
        produce();
        (pinned, started)
    });
    let consumer = thread::spawn(move || {
        let pinned = pin_current(consumer_core);
        barrier.wait();
        let started = Instant::now();
        let sum = consume();
        (pinned, started, Instant::now(), sum)
    });
    let (producer_pinned, producer_started) = producer.join().expect("plain producer");
    let (consumer_pinned, consumer_started, finished, sum) =
        consumer.join().expect("plain consumer");
    let elapsed = finished.saturating_duration_since(producer_started.min(consumer_started));
    PlainRun {
        elapsed_ns: u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX),
        sum_ok: sum == expected_sum(spec.messages),
        pinned: producer_pinned && consumer_pinned,
    }
}

/// rtrb, one `push` and one `pop` per message.
pub(super) fn plain_rtrb_single(spec: &PlainSpec) -> PlainRun {
    let (mut producer, mut consumer) = rtrb::RingBuffer::<u64>::new(CAPACITY);
    let n = spec.messages;
    two_threads(
        spec,
        move || {
            let mut spins = 0;
            for value in 0..n {
                let mut value = value;
                while let Err(rtrb::PushError::Full(back)) = producer.push(value) {
                    value = back;
                    idle(&mut spins);
                }
            }
        },
        move || {
            let (mut sum, mut taken, mut spins) = (0u64, 0u64, 0);
            while taken < n {
                match consumer.pop() {
                    Ok(value) => {
                        sum = sum.wrapping_add(value);
                        taken += 1;
                    }
                    Err(_) => idle(&mut spins),
                }
            }
            sum
        },
    )
}

/// rtrb's chunk API, at most `batch` messages a chunk.
pub(super) fn plain_rtrb_chunks(spec: &PlainSpec) -> PlainRun {
    let (mut producer, mut consumer) = rtrb::RingBuffer::<u64>::new(CAPACITY);
    let (n, batch) = (spec.messages, spec.batch as u64);
    two_threads(
        spec,
        move || {
            let (mut next, mut spins) = (0u64, 0);
            while next < n {
                let free = producer.slots() as u64;
                if free == 0 {
                    idle(&mut spins);
                    continue;
                }
                let run = free.min(batch).min(n - next);
                let Ok(chunk) = producer.write_chunk_uninit(run as usize) else {
                    unreachable!("`run` slots are free");
                };
                chunk.fill_from_iter(next..next + run);
                next += run;
            }
        },
        move || {
            let (mut sum, mut taken, mut spins) = (0u64, 0u64, 0);
            while taken < n {
                let available = consumer.slots();
                if available == 0 {
                    idle(&mut spins);
                    continue;
                }
                let run = available.min(batch as usize);
                let Ok(chunk) = consumer.read_chunk(run) else {
                    unreachable!("`run` messages are available");
                };
                let (first, second) = chunk.as_slices();
                sum = first
                    .iter()
                    .chain(second)
                    .fold(sum, |sum, value| sum.wrapping_add(*value));
                chunk.commit_all();
                taken += run as u64;
            }
            sum
        },
    )
}

/// crossbeam-channel bounded, one `send` and one `recv` per message.
pub(super) fn plain_crossbeam(spec: &PlainSpec) -> PlainRun {
    let (sender, receiver) = crossbeam_channel::bounded::<u64>(CAPACITY);
    let n = spec.messages;
    two_threads(
        spec,
        move || {
            for value in 0..n {
                if sender.send(value).is_err() {
                    return;
                }
            }
        },
        move || {
            let mut sum = 0u64;
            for _ in 0..n {
                match receiver.recv() {
                    Ok(value) => sum = sum.wrapping_add(value),
                    Err(_) => break,
                }
            }
            sum
        },
    )
}
