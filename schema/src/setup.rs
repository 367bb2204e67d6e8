//! A run's setup: who talks to whom, how many of each, how large a queue,
//! how many messages at a time and how threads wait. Every description of
//! a run (a queue's build input, the harness's run and fault specs, a
//! model, a scenario's point) holds one [`Setup`] rather than its own copy
//! of these fields.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::vocab::{Topology, WaitStrategy};

/// What every run, model and queue build is set up with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Setup {
    /// Who talks to whom.
    pub topology: Topology,
    /// Producer threads (endpoints).
    pub producers: usize,
    /// Consumer threads (endpoints; stages for a pipeline or diamond).
    pub consumers: usize,
    /// Slots (messages) the queue holds.
    pub capacity: usize,
    /// Messages per publish and most messages per consume.
    pub batch: usize,
    /// How waiting threads wait.
    pub wait: WaitStrategy,
}

impl Setup {
    /// One producer and one consumer, batch 1, spin-then-yield waiting.
    pub fn new(topology: Topology, capacity: usize) -> Self {
        Self {
            topology,
            producers: 1,
            consumers: 1,
            capacity,
            batch: 1,
            wait: WaitStrategy::SpinYield,
        }
    }

    /// The same with `producers` producers and `consumers` consumers.
    #[must_use]
    pub fn threads(self, producers: usize, consumers: usize) -> Self {
        Self {
            producers,
            consumers,
            ..self
        }
    }

    /// The same with batches of `batch`.
    #[must_use]
    pub fn batch(self, batch: usize) -> Self {
        Self { batch, ..self }
    }

    /// The same waiting with `wait`.
    #[must_use]
    pub fn wait(self, wait: WaitStrategy) -> Self {
        Self { wait, ..self }
    }
}

impl fmt::Display for Setup {
    /// `spsc · P1 C1 · capacity 1024 · batch 1 · wait spin_yield`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} · P{} C{} · capacity {} · batch {} · wait {}",
            self.topology, self.producers, self.consumers, self.capacity, self.batch, self.wait
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builders_change_only_what_they_name() {
        let setup = Setup::new(Topology::Mpsc, 64)
            .threads(3, 1)
            .batch(8)
            .wait(WaitStrategy::Blocking);
        assert_eq!(
            setup,
            Setup {
                topology: Topology::Mpsc,
                producers: 3,
                consumers: 1,
                capacity: 64,
                batch: 8,
                wait: WaitStrategy::Blocking,
            }
        );
        assert_eq!(
            setup.to_string(),
            "mpsc · P3 C1 · capacity 64 · batch 8 · wait blocking"
        );
    }
}
