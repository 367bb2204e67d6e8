//! The words scenario files, results and reports share: topologies, wait
//! strategies, what an implementation guarantees, how consumers treat
//! messages and what a scenario measures. Each serialises as its `name()`.

use core::fmt;

use serde::{Deserialize, Serialize};

/// Which threads talk to which.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topology {
    /// One producer, one consumer.
    Spsc,
    /// Several producers, one consumer.
    Mpsc,
    /// Several producers, several consumers; each message is consumed by
    /// exactly one consumer (work-sharing).
    MpmcWorkerPool,
    /// Several producers, several consumers; each message is consumed by
    /// every consumer (broadcast).
    MpmcFanout,
    /// Consumers in a chain: each sees every message after the one before it
    /// has finished with it (LMAX's A then B then C).
    Pipeline,
    /// All consumers but the last see every message in parallel; the last
    /// sees each after all of them (LMAX's A and B, then C).
    Diamond,
}

impl Topology {
    /// Every topology, in the order they are documented.
    pub const ALL: [Topology; 6] = [
        Topology::Spsc,
        Topology::Mpsc,
        Topology::MpmcWorkerPool,
        Topology::MpmcFanout,
        Topology::Pipeline,
        Topology::Diamond,
    ];

    /// The name used in scenario files and results.
    pub fn name(self) -> &'static str {
        match self {
            Topology::Spsc => "spsc",
            Topology::Mpsc => "mpsc",
            Topology::MpmcWorkerPool => "mpmc_worker_pool",
            Topology::MpmcFanout => "mpmc_fanout",
            Topology::Pipeline => "pipeline",
            Topology::Diamond => "diamond",
        }
    }

    /// Which consumers each message goes to: what the oracle checks a
    /// run's deliveries against.
    pub fn delivery(self) -> Delivery {
        match self {
            Topology::Spsc | Topology::Mpsc => Delivery::OneConsumer,
            Topology::MpmcWorkerPool => Delivery::Shared,
            Topology::MpmcFanout | Topology::Pipeline | Topology::Diamond => {
                Delivery::EveryConsumer
            }
        }
    }

    /// Whether every consumer receives every message.
    pub fn is_broadcast(self) -> bool {
        self.delivery() == Delivery::EveryConsumer
    }

    /// Whether each message goes to exactly one of several consumers
    /// (work-sharing).
    pub fn shares_work(self) -> bool {
        self.delivery() == Delivery::Shared
    }

    /// Whether a run has one producer only.
    pub fn single_producer(self) -> bool {
        match self {
            Topology::Spsc => true,
            Topology::Mpsc
            | Topology::MpmcWorkerPool
            | Topology::MpmcFanout
            | Topology::Pipeline
            | Topology::Diamond => false,
        }
    }

    /// Whether a run has one consumer only.
    pub fn single_consumer(self) -> bool {
        self.delivery() == Delivery::OneConsumer
    }

    /// Whether its consumers are stages: each waits for the ones
    /// [`upstream`](Topology::upstream) of it, and the last gates the
    /// producers.
    pub fn has_stages(self) -> bool {
        match self {
            Topology::Pipeline | Topology::Diamond => true,
            Topology::Spsc | Topology::Mpsc | Topology::MpmcWorkerPool | Topology::MpmcFanout => {
                false
            }
        }
    }

    /// Fewest consumers the topology needs.
    pub fn min_consumers(self) -> usize {
        match self {
            Topology::Pipeline => 2,
            Topology::Diamond => 3,
            Topology::Spsc | Topology::Mpsc | Topology::MpmcWorkerPool | Topology::MpmcFanout => 1,
        }
    }

    /// The consumers (stages) that must have finished with a message
    /// before consumer `consumer` of `consumers` may handle it: the one
    /// before it in a pipeline, every other one for the last consumer of
    /// a diamond, none otherwise.
    pub fn upstream(self, consumer: usize, consumers: usize) -> core::ops::Range<usize> {
        let none = 0..0;
        match self {
            Topology::Pipeline if consumer > 0 => consumer - 1..consumer,
            Topology::Diamond if consumer + 1 == consumers => 0..consumer,
            Topology::Pipeline | Topology::Diamond => none,
            Topology::Spsc | Topology::Mpsc | Topology::MpmcWorkerPool | Topology::MpmcFanout => {
                none
            }
        }
    }
}

/// Which consumers each message goes to: what the oracle judges a run's
/// deliveries by. A topology has one ([`Topology::delivery`]); a run that
/// is no topology's (ping-pong's two hops) names its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// A single consumer receives every message.
    OneConsumer,
    /// Each message goes to exactly one of the consumers: the deliveries
    /// are judged summed over them.
    Shared,
    /// Every consumer receives every message: each consumer's deliveries
    /// are judged on their own.
    EveryConsumer,
}

impl Delivery {
    /// How many times a run with `consumers` consumers delivers each
    /// message.
    pub fn copies(self, consumers: usize) -> u64 {
        match self {
            Delivery::OneConsumer | Delivery::Shared => 1,
            Delivery::EveryConsumer => consumers as u64,
        }
    }
}

#[cfg(test)]
mod upstream_tests {
    use super::Topology;

    #[test]
    fn stages_wait_for_the_stages_the_topology_names() {
        let pipeline: Vec<_> = (0..3).map(|c| Topology::Pipeline.upstream(c, 3)).collect();
        assert_eq!(pipeline, [0..0, 0..1, 1..2]);
        let diamond: Vec<_> = (0..4).map(|c| Topology::Diamond.upstream(c, 4)).collect();
        assert_eq!(diamond, [0..0, 0..0, 0..0, 0..3]);
        assert!(Topology::MpmcFanout.upstream(1, 2).is_empty());
    }
}

impl fmt::Display for Topology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How to wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitStrategy {
    /// Re-check in a tight loop. Lowest latency; burns a core; livelocks
    /// when threads outnumber cores.
    BusySpin,
    /// Re-check with the processor's pause hint between checks.
    SpinHint,
    /// Spin briefly with the pause hint, then yield the time slice on every
    /// further check. The fallback when threads outnumber cores.
    SpinYield,
    /// Yield the time slice on every check.
    Yield,
    /// Spin, then yield, then sleep in short naps.
    Sleep,
    /// Park on a condition variable until the other side signals progress.
    Blocking,
    /// As `Blocking`, but give up after a short timeout (1 ms in `impls`):
    /// consumers report `Idle` and may call again.
    TimeoutBlocking,
}

impl WaitStrategy {
    /// Every strategy, in documentation order.
    pub const ALL: [WaitStrategy; 7] = [
        WaitStrategy::BusySpin,
        WaitStrategy::SpinHint,
        WaitStrategy::SpinYield,
        WaitStrategy::Yield,
        WaitStrategy::Sleep,
        WaitStrategy::Blocking,
        WaitStrategy::TimeoutBlocking,
    ];

    /// The name used in scenario files and results.
    pub fn name(self) -> &'static str {
        match self {
            WaitStrategy::BusySpin => "busy_spin",
            WaitStrategy::SpinHint => "spin_hint",
            WaitStrategy::SpinYield => "spin_yield",
            WaitStrategy::Yield => "yield",
            WaitStrategy::Sleep => "sleep",
            WaitStrategy::Blocking => "blocking",
            WaitStrategy::TimeoutBlocking => "timeout_blocking",
        }
    }

    /// Whether it never gives up its core. Such strategies cannot share a
    /// core with the thread they wait for.
    pub fn never_yields(self) -> bool {
        matches!(self, WaitStrategy::BusySpin | WaitStrategy::SpinHint)
    }

    /// Whether waiters sleep until notified, so progress must be signalled.
    pub fn parks(self) -> bool {
        matches!(self, WaitStrategy::Blocking | WaitStrategy::TimeoutBlocking)
    }
}

impl fmt::Display for WaitStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The order in which a consumer sees messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderingGuarantee {
    /// One total order that respects every producer's order.
    GlobalFifo,
    /// Each producer's messages in the order it sent them, with no order
    /// promised between producers.
    PerProducerFifo,
}

impl OrderingGuarantee {
    /// Its name in results and reports (as serialised).
    pub fn name(self) -> &'static str {
        match self {
            OrderingGuarantee::GlobalFifo => "global_fifo",
            OrderingGuarantee::PerProducerFifo => "per_producer_fifo",
        }
    }
}

/// How an implementation waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitClass {
    /// Waits with the scenario's [`WaitStrategy`] (spinning unless told
    /// otherwise).
    Configurable,
    /// Parks threads in its own blocking primitives; the scenario's wait
    /// strategy does not apply.
    Blocking,
}

impl WaitClass {
    /// Its name in results and reports (as serialised).
    pub fn name(self) -> &'static str {
        match self {
            WaitClass::Configurable => "configurable",
            WaitClass::Blocking => "blocking",
        }
    }
}

/// Where an implementation comes from, so reports can tell families apart.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// A design of ringlab's own (the disruptors, the rings); also what
    /// files written before the family was recorded read as.
    #[default]
    Design,
    /// A published Rust crate's queue, wrapped.
    Crate,
    /// An original in another language, run as a child process.
    Original,
    /// A queue of the user's own crate, in front of the built-in roster.
    Own,
    /// The base case: the harness with no queue.
    Base,
}

impl Family {
    /// Every family, in the order reports list them.
    pub const ALL: [Family; 5] = [
        Family::Own,
        Family::Design,
        Family::Crate,
        Family::Original,
        Family::Base,
    ];

    /// Its name in results (as serialised).
    pub fn name(self) -> &'static str {
        match self {
            Family::Design => "design",
            Family::Crate => "crate",
            Family::Original => "original",
            Family::Own => "own",
            Family::Base => "base",
        }
    }

    /// What it is, in a few words, for legends.
    pub fn describe(self) -> &'static str {
        match self {
            Family::Design => "ringlab's designs",
            Family::Crate => "Rust crates",
            Family::Original => "originals (other languages)",
            Family::Own => "your queues",
            Family::Base => "base case (harness cost)",
        }
    }
}

/// How a batch crosses the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Batching {
    /// Claims and publishes a whole batch with one synchronisation.
    Native,
    /// Sends each message of a batch on its own.
    PerMessage,
    /// Sends one heap-allocated `Vec` per batch.
    VecPerBatch,
}

impl Batching {
    /// Its name in results and reports (as serialised).
    pub fn name(self) -> &'static str {
        match self {
            Batching::Native => "native",
            Batching::PerMessage => "per_message",
            Batching::VecPerBatch => "vec_per_batch",
        }
    }
}

/// How consumers treat the messages they take off the queue.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Consume {
    /// Read every message in full and check it: the whole oracle (count,
    /// checksum, per-producer order). The default, and the fair workload
    /// (and what results written before consume modes existed did).
    #[default]
    Read,
    /// Take messages off the queue without reading them, as some published
    /// benchmarks do. Only counts can be checked; results say "count only".
    Discard,
}

impl Consume {
    /// Every mode.
    pub const ALL: [Consume; 2] = [Consume::Read, Consume::Discard];

    /// The name used in scenario files and results.
    pub fn name(self) -> &'static str {
        match self {
            Consume::Read => "read",
            Consume::Discard => "discard",
        }
    }
}

impl fmt::Display for Consume {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a scenario's runs measure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Messages per second, producers publishing as fast as they can (and
    /// what results written before scenarios had a kind measured).
    #[default]
    Throughput,
    /// One-way latency at fixed offered rates (`axes.rate`), measured from
    /// each message's intended send time.
    Latency,
    /// Round trips over two queues of the same implementation, one message
    /// at a time (topology `spsc`, batch 1).
    Pingpong,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 3] = [Kind::Throughput, Kind::Latency, Kind::Pingpong];

    /// The name used in scenario files and results.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Throughput => "throughput",
            Kind::Latency => "latency",
            Kind::Pingpong => "pingpong",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `name()` is what serde writes, for every value of every word.
    #[test]
    fn names_are_the_serialised_forms() {
        fn check<T: Serialize + Copy>(values: &[T], name: fn(T) -> &'static str) {
            for &value in values {
                let written = serde_json::to_value(value).unwrap();
                assert_eq!(written.as_str(), Some(name(value)));
            }
        }
        check(&Topology::ALL, Topology::name);
        check(&WaitStrategy::ALL, WaitStrategy::name);
        check(
            &[
                OrderingGuarantee::GlobalFifo,
                OrderingGuarantee::PerProducerFifo,
            ],
            OrderingGuarantee::name,
        );
        check(
            &[WaitClass::Configurable, WaitClass::Blocking],
            WaitClass::name,
        );
        check(
            &[
                Batching::Native,
                Batching::PerMessage,
                Batching::VecPerBatch,
            ],
            Batching::name,
        );
        check(&Consume::ALL, Consume::name);
        check(&Kind::ALL, Kind::name);
    }
}
