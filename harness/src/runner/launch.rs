//! Run threads: each is spawned, pins itself, allocates its private state
//! where the round's layout puts it ([`Placed`]), opens its counters,
//! waits at the start barrier, runs its body with its costs measured
//! around it, and reports ([`Report`]); a panic becomes a report.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Instant;

use crossbeam_utils::CachePadded;
use hdrhistogram::Histogram;
use impls::PublishError;

use super::spec::RunSpec;
use crate::counters::{PerfOpener, Plan, ThreadCounters};
use crate::latency::Schedule;
use crate::oracle::Tally;
use crate::placement::pin_current;

/// What one run thread measured about itself.
#[derive(Debug, Default)]
pub(super) struct ThreadCost {
    pub(super) cpu_ns: Option<u64>,
    pub(super) allocations: Option<(u64, u64)>,
    pub(super) counters: Vec<(String, u64)>,
}

/// CPU time the calling thread has used, in ns.
fn thread_cpu_ns() -> Option<u64> {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable `timespec` for the call to fill.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    (status == 0).then(|| now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64)
}

/// Latency material a thread hands back.
#[derive(Default)]
pub(super) struct ThreadLatency {
    /// A producer's schedule and send ticks: `(producer, schedule, ticks)`.
    pub(super) sent: Option<(usize, Schedule, Vec<u64>)>,
    /// `(tag, receive tick)` per message received.
    pub(super) receipts: Vec<(u64, u64)>,
    /// Round trips, in ns.
    pub(super) round_trips: Option<Histogram<u64>>,
}

/// What a thread reports when it ends.
pub(super) enum Report {
    Producer {
        result: Result<(), PublishError>,
        metrics: Vec<(&'static str, u64)>,
        latency: ThreadLatency,
    },
    Consumer {
        /// Tallies of consumer slots `first_slot ..` (several when one
        /// thread does several consumers' work, as in the base case).
        /// Allocated before the measured region.
        tallies: Vec<Tally>,
        first_slot: usize,
        finished: Instant,
        metrics: Vec<(&'static str, u64)>,
        latency: ThreadLatency,
    },
    Panicked(String),
}

/// A thread's report, when it left the start barrier and what it cost.
pub(super) struct Ended {
    pub(super) started: Instant,
    pub(super) report: Report,
    pub(super) cost: ThreadCost,
}

/// The text of a panic payload (`panic!` gives a `&str` or a `String`).
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic with a non-string payload".to_owned())
}

/// A run thread's private state (an endpoint, a tally), kept in memory the
/// thread allocated itself, cache-padded, and shifted by a number of
/// 128-byte blocks that varies from round to round.
///
/// Where private state sits decides whether it shares a cache line (or a
/// 4 KiB alias) with another thread's hot data, and on real machines that
/// alone moves SPSC throughput by a factor of two. Left inside the spawning
/// thread's closure boxes, allocated back to back, every run would get the
/// same accidental layout. Varying the shift per round makes the median a
/// median over layouts and the min–max show how sensitive a design is.
pub(super) struct Placed<T> {
    blocks: Vec<CachePadded<Option<T>>>,
}

/// Layouts a run thread's private state cycles through (128 bytes apart,
/// covering every 128-byte offset within a 4 KiB page).
const LAYOUTS: u64 = 32;

impl<T> Placed<T> {
    pub(super) fn new(value: T, layout_seed: u64, thread: usize) -> Self {
        // splitmix64 of (seed, thread): a different shift per thread and round.
        let mut z =
            layout_seed.wrapping_add((thread as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        let shift = ((z ^ (z >> 31)) % LAYOUTS) as usize;
        let mut blocks: Vec<_> = (0..=shift).map(|_| CachePadded::new(None)).collect();
        *blocks[shift] = Some(value);
        Self { blocks }
    }

    pub(super) fn get(&mut self) -> &mut T {
        self.blocks
            .last_mut()
            .and_then(|block| block.as_mut())
            .expect("placed at construction")
    }

    pub(super) fn into_inner(mut self) -> T {
        self.blocks
            .pop()
            .and_then(CachePadded::into_inner)
            .expect("placed at construction")
    }
}

/// Starts a run's threads and gathers what they report
/// ([`Launcher::finish`]).
pub(super) struct Launcher {
    pub(super) barrier: Arc<Barrier>,
    /// Every thread's end of the report channel; dropped when they are
    /// all started.
    pub(super) reports: Sender<Ended>,
    pub(super) received: Receiver<Ended>,
    /// Run threads to wait for.
    pub(super) threads: usize,
    pub(super) pin_failures: Arc<AtomicUsize>,
    counters: Option<Arc<Plan>>,
}

impl Launcher {
    /// A launcher for `threads` run threads of `spec`.
    pub(super) fn new(threads: usize, spec: &RunSpec) -> Self {
        let (reports, received) = channel();
        Self {
            barrier: Arc::new(Barrier::new(threads + 1)),
            reports,
            received,
            threads,
            pin_failures: Arc::new(AtomicUsize::new(0)),
            counters: spec.instruments.counters.clone(),
        }
    }

    /// Spawns a run thread that pins itself, runs `prepare` (allocating
    /// its private state), opens its counters, waits at the barrier, runs
    /// the body `prepare` returned with its costs measured around it, and
    /// reports, turning a panic into a report.
    pub(super) fn spawn<B: FnOnce() -> Report>(
        &self,
        name: String,
        core: Option<usize>,
        prepare: impl FnOnce() -> B + Send + 'static,
    ) {
        let barrier = Arc::clone(&self.barrier);
        let reports = self.reports.clone();
        let pin_failures = Arc::clone(&self.pin_failures);
        let plan = self.counters.clone();
        let spawned = thread::Builder::new().name(name).spawn(move || {
            if let Some(core) = core
                && !pin_current(core)
            {
                pin_failures.fetch_add(1, Ordering::Relaxed);
            }
            let body = catch_unwind(AssertUnwindSafe(prepare));
            let mut counters = plan.map(|plan| ThreadCounters::open(&plan, &PerfOpener));
            barrier.wait();
            // Counters are enabled before the clock starts (their system
            // calls are not the queue's time), and read after it stops.
            if let Some(counters) = &mut counters {
                counters.start();
            }
            crate::allocations::start();
            let cpu_start = thread_cpu_ns();
            let started = Instant::now();
            let report = body
                .and_then(|body| catch_unwind(AssertUnwindSafe(body)))
                .unwrap_or_else(|payload| Report::Panicked(panic_message(&*payload)));
            let cpu_end = thread_cpu_ns();
            let allocations = crate::allocations::stop();
            let cost = ThreadCost {
                cpu_ns: cpu_start
                    .zip(cpu_end)
                    .map(|(start, end)| end.saturating_sub(start)),
                allocations,
                counters: counters.map(ThreadCounters::stop).unwrap_or_default(),
            };
            // The receiver is gone only if the run was abandoned; nothing to do.
            let _ = reports.send(Ended {
                started,
                report,
                cost,
            });
        });
        if let Err(error) = spawned {
            panic!("cannot spawn a run thread: {error}");
        }
    }
}

/// An empty vector with room for `n` values whose memory has been written
/// once, so that filling it inside a measured region takes no page faults
/// (which would show as latency spikes and in the page-fault counter).
pub(super) fn prefaulted<T: Copy + Default>(n: usize) -> Vec<T> {
    let mut values = Vec::with_capacity(n);
    values.resize(n, T::default());
    std::hint::black_box(&mut values);
    values.clear();
    values
}
