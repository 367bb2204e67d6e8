//! One run: build a queue, start pinned producer and consumer threads, time
//! the transfer, judge it with the oracle, and stop it if it overruns.
//!
//! The producer and consumer loops here are the only ones: the sweep and the
//! tests drive every implementation through them. The measured region starts
//! when every thread has passed the start barrier and ends when the last
//! consumer has seen the queue close; building the queue, spawning and
//! pinning threads, and computing the oracle's expectation happen outside it.
//!
//! Three modes ([`Mode`]): throughput (producers publish as fast as the
//! queue takes messages), one-way latency (producers publish on a schedule
//! at a fixed offered rate; see [`crate::latency`]) and ping-pong (one
//! thread sends a message over one queue, the other sends it back over a
//! second queue; each round trip is timed). Every run thread measures its
//! own CPU time, event counters and allocations over its measured region
//! (`ThreadCost`). [`run_base`] runs the same loops and oracle with no
//! queue between producer and consumer: the harness's own cost.
//!
//! The files follow a run: `spec` holds what a run is ([`RunSpec`]);
//! `loops` the measured loops; `launch` the run threads; `gather` waiting
//! for them, judging and saying how the run ended ([`Outcome`]); then one
//! file per mode: `streams` (throughput and one-way latency, and the
//! soak's paused runs with `pause`), `pingpong` and `base`. This one picks the mode's file.

mod base;
mod gather;
mod launch;
mod loops;
mod pause;
mod pingpong;
mod spec;
mod streams;

use impls::{Message, Queue};

pub use base::{BASE, BASE_SUMMARY, NoQueue, run_base};
pub(crate) use launch::panic_message;
pub use loops::{
    Pacing, consumer_loop, discard_loop, paced_producer_loop, producer_loop, stage_loop,
};

pub use pause::Pause;
pub use schema::{Costs, Outcome};
pub use spec::{Instruments, Mode, RunSpec, Watch, quotas};

/// Runs `spec` once on implementation `Q` with messages of type `M`.
pub fn run_once<Q: Queue, M: Message>(spec: &RunSpec) -> Outcome {
    match spec.mode {
        Mode::PingPong => pingpong::run_pingpong::<Q, M>(spec),
        Mode::Throughput | Mode::Discard | Mode::OneWay { .. } | Mode::Paused(_) => {
            streams::run_streams::<Q, M>(spec)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotas_add_up() {
        assert_eq!(quotas(10, 3), [4, 3, 3]);
        assert_eq!(quotas(10, 1), [10]);
        assert_eq!(quotas(2, 4), [1, 1, 0, 0]);
    }
}
