//! Stress on real threads: every implementation and topology, the smallest
//! ring it takes (thousands of wrap-arounds), more threads than this
//! machine has cores, every wait strategy, through the oracle. Busy-spinning
//! strategies fall back to spin-then-yield when threads outnumber cores,
//! exactly as the harness does (spinning threads that outnumber cores can
//! livelock).

use std::thread::available_parallelism;

use harness::sweep::{SweepOptions, effective_wait};
use impls::{Queue, Topology, Visitor, WaitClass, WaitStrategy};
use verify::{Model, execute};

/// Producer and consumer counts that oversubscribe a small machine, within
/// what the topology and the implementation take.
fn threads(topology: Topology, single_producer: bool) -> (usize, usize) {
    let producers = if single_producer { 1 } else { 3 };
    match topology {
        Topology::Spsc => (1, 1),
        Topology::Mpsc => (producers, 1),
        _ => (producers, 3),
    }
}

struct Stress;

impl Visitor for Stress {
    type Output = ();
    fn visit<Q: Queue>(self) {
        let info = Q::info();
        let cores = available_parallelism().map_or(1, |n| n.get());
        let waits: &[WaitStrategy] = if info.wait_class == WaitClass::Blocking {
            &[WaitStrategy::Blocking]
        } else {
            &WaitStrategy::ALL
        };
        for &topology in info.topologies {
            let (producers, consumers) = threads(topology, info.single_producer);
            for &requested in waits {
                let oversubscribed = producers + consumers > cores;
                let wait = effective_wait(requested, oversubscribed, SweepOptions::default());
                let model = Model::new(topology, producers, consumers, info.min_capacity, 3_000)
                    .batch(3)
                    .wait(wait);
                execute::<Q>(&model);
            }
        }
    }
}

#[test]
fn every_implementation_under_every_wait_strategy() {
    for info in impls::all() {
        impls::visit(info.name, Stress).expect("registered");
    }
}
