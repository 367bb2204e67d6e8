//! shuttle: random and PCT schedules over larger configurations than loom
//! can explore (more threads, bigger rings, more messages), a fixed number
//! of iterations each. Shuttle runs every atomic as sequentially consistent,
//! so it finds logic and interleaving bugs, not ordering bugs (loom's job).
//! A failing schedule is printed by shuttle with the string to pass to
//! `shuttle::replay` (see the README). Run by `scripts/model-check.sh`
//! (`--cfg ringlab_shuttle`); `SHUTTLE_ITERATIONS` overrides the count.
#![cfg(ringlab_shuttle)]

use impls::{
    Bitmap, Lmax, Queue, RingMpsc, Single, SpscRing, Topology, WaitStrategy, WorkerPoolAdaptive,
    WorkerPoolK1,
};
use verify::{Model, execute};

fn iterations() -> usize {
    std::env::var("SHUTTLE_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000)
}

fn check<Q: Queue>(model: Model) {
    shuttle::check_random(move || execute::<Q>(&model), iterations());
    shuttle::check_pct(move || execute::<Q>(&model), iterations(), 3);
}

#[test]
fn spsc_ring() {
    check::<SpscRing>(Model::new(Topology::Spsc, 1, 1, 4, 40).batch(3));
}

#[test]
fn single_diamond() {
    check::<Single>(Model::new(Topology::Diamond, 1, 3, 4, 30).batch(2));
}

#[test]
fn lmax_three_producers() {
    check::<Lmax>(Model::new(Topology::Mpsc, 3, 1, 4, 30).batch(2));
}

#[test]
fn lmax_fan_out() {
    check::<Lmax>(Model::new(Topology::MpmcFanout, 2, 2, 4, 24).wait(WaitStrategy::Blocking));
}

#[test]
fn bitmap_three_producers() {
    check::<Bitmap>(Model::new(Topology::Mpsc, 3, 1, 8, 40).batch(3));
}

#[test]
fn bitmap_pipeline() {
    check::<Bitmap>(Model::new(Topology::Pipeline, 2, 3, 4, 24));
}

#[test]
fn worker_pool() {
    check::<WorkerPoolAdaptive>(Model::new(Topology::MpmcWorkerPool, 2, 3, 4, 40).batch(4));
}

#[test]
fn worker_pool_k1() {
    check::<WorkerPoolK1>(
        Model::new(Topology::MpmcWorkerPool, 2, 3, 4, 30).wait(WaitStrategy::Blocking),
    );
}

#[test]
fn ring_mpsc_four_producers() {
    check::<RingMpsc>(Model::new(Topology::Mpsc, 4, 1, 4, 40).batch(3));
}

#[test]
fn ring_mpsc_blocking() {
    check::<RingMpsc>(Model::new(Topology::Mpsc, 3, 1, 2, 24).wait(WaitStrategy::Blocking));
}
