//! Worker pools through the runner and its oracle: exactly once, no loss,
//! per-worker order, with tiny rings (many wrap-arounds), several producers
//! publishing out of order, and more workers than cores.

use std::time::Duration;

use harness::placement::Placement;
use harness::runner::RunSpec;
use harness::sweep::run_named;
use impls::{Setup, Topology, WaitStrategy};

#[test]
fn exactly_once_under_concurrency() {
    for name in ["worker_pool", "worker_pool_k1"] {
        for capacity in [2, 4, 8] {
            for (producers, consumers) in [(1, 2), (3, 2), (2, 4)] {
                for batch in [1, 5] {
                    let spec = RunSpec {
                        setup: Setup {
                            topology: Topology::MpmcWorkerPool,
                            producers,
                            consumers,
                            capacity,
                            batch,
                            wait: WaitStrategy::SpinYield,
                        },
                        messages: 10_000,
                        timeout: Duration::from_secs(120),
                        placement: Placement {
                            oversubscribed: true,
                            cores: None,
                            threads: producers + consumers,
                        },
                        layout_seed: capacity as u64,
                        mode: harness::runner::Mode::Throughput,
                        instruments: Default::default(),
                    };
                    let outcome = run_named(name, &spec, 8);
                    assert!(
                        outcome.passed(),
                        "{name} capacity {capacity} P{producers} C{consumers} batch {batch}: {outcome:?}"
                    );
                }
            }
        }
    }
}
