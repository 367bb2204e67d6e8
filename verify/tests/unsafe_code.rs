//! The implementations with `unsafe` code of ours, on real threads with
//! small counts: part of the normal test run, and what `scripts/miri.sh`
//! runs under Miri (several seeds), which checks every slot access against
//! Rust's aliasing and data-race rules.

use impls::{
    Bitmap, Lmax, Queue, RingMpsc, Single, SpscRing, Topology, WaitStrategy, WorkerPoolAdaptive,
};
use verify::{Model, execute};

fn small<Q: Queue>(topology: Topology, producers: usize, consumers: usize) {
    for wait in [WaitStrategy::Yield, WaitStrategy::Blocking] {
        execute::<Q>(
            &Model::new(topology, producers, consumers, 2, 40)
                .batch(3)
                .wait(wait),
        );
    }
}

#[test]
fn spsc_ring() {
    small::<SpscRing>(Topology::Spsc, 1, 1);
}

#[test]
fn single_fan_out() {
    small::<Single>(Topology::MpmcFanout, 1, 2);
}

#[test]
fn lmax_two_producers() {
    small::<Lmax>(Topology::Mpsc, 2, 1);
}

#[test]
fn bitmap_pipeline() {
    small::<Bitmap>(Topology::Pipeline, 2, 2);
}

#[test]
fn worker_pool() {
    small::<WorkerPoolAdaptive>(Topology::MpmcWorkerPool, 2, 2);
}

#[test]
fn ring_mpsc_two_producers() {
    small::<RingMpsc>(Topology::Mpsc, 2, 1);
}
