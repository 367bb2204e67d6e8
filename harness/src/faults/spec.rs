//! What a fault run is: its fixed sizes and timings, which fault on which
//! topology with how many threads ([`FaultSpec`]), and what the contract
//! asks of it ([`Expectation`]).

use std::time::Duration;

use impls::Batching;
use impls::{Info, Setup, Topology, WaitStrategy};
use scenarios::Fault;
use serde::Serialize;

/// Schema identifier of a fault scenario's results file.
pub const SCHEMA: &str = "ringlab.faults/1";

/// Queue capacity of a fault run (raised to the implementation's smallest
/// where that is more): small, so that producers wait for room often.
pub const CAPACITY: usize = 8;
/// Messages per publish, and most messages per consume.
pub const BATCH: usize = 4;
/// Index, within its batch, of the message whose callback panics in
/// `producer_panic` (the second).
pub const PANIC_AT: usize = 1;
/// Messages consumer 0 handles before it leaves (`consumer_dropped`) or
/// before its handler panics (`consumer_panic`, on the next one).
pub const CONSUMER_LEAVES_AFTER: u64 = 100;
/// How waiting threads wait: spin, then yield, so that more threads than
/// cores still make progress.
pub const WAIT: WaitStrategy = WaitStrategy::SpinYield;
/// How long threads get, after the watchdog sets the cancel token, before
/// they are abandoned.
pub const GRACE: Duration = Duration::from_secs(2);
/// `cancel_mid_claim`: producers count as blocked once no message has been
/// written for this long.
pub(super) const SETTLED: Duration = Duration::from_millis(100);
/// How often the controlling thread looks at producers' progress.
pub(super) const POLL: Duration = Duration::from_millis(10);
/// Names of fault-run threads start with this; the panic hook knows them.
pub(super) const THREAD_PREFIX: &str = "fault-";

/// One fault run: which fault, on which topology, with how many threads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FaultSpec {
    /// The fault injected.
    pub fault: Fault,
    /// Where it strikes.
    pub strike: Strike,
    /// Topology, threads, capacity, batch and wait ([`WAIT`]): two
    /// producers where the topology and implementation allow, the fewest
    /// consumers the topology needs past one, a small ring.
    #[serde(flatten)]
    pub setup: Setup,
    /// Messages the producers mean to publish, over all of them.
    pub messages: u64,
    /// Whether a consumer takes a whole batch at a time off the queue (the
    /// `*_vec` channels): a work-sharing consumer that leaves may then take
    /// the rest of the batch it held with it.
    pub takes_batches_whole: bool,
    /// Whether a work-sharing consumer that leaves has the run it had
    /// claimed and not finished taken over by another ([`Info::takes_over`],
    /// a worker pool), which may hand those messages after later ones of
    /// the same producers: forgiven for that run only.
    pub takes_over: bool,
    /// Watchdog deadline, from the start of the run.
    #[serde(rename = "timeout_secs", serialize_with = "seconds")]
    pub timeout: Duration,
}

/// Where a fault strikes. The default is the faults scenario's fixed
/// points; the fault soak draws them at random.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Strike {
    /// `producer_panic*`: the batch of producer 0, counted from 0, whose
    /// callback panics; none: the batch halfway through its share.
    pub panic_batch: Option<u64>,
    /// `producer_panic*`: the message of that batch whose callback panics
    /// (the batch's last where the batch is shorter).
    pub panic_at: usize,
    /// `consumer_dropped`, `consumer_panic`: the messages consumer 0
    /// handles before it leaves, or before its handler panics on the next.
    pub leaves_after: u64,
}

impl Default for Strike {
    /// Halfway through producer 0's share, on message [`PANIC_AT`] of the
    /// batch; consumer 0 after [`CONSUMER_LEAVES_AFTER`] messages.
    fn default() -> Self {
        Strike {
            panic_batch: None,
            panic_at: PANIC_AT,
            leaves_after: CONSUMER_LEAVES_AFTER,
        }
    }
}

fn seconds<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(duration.as_secs_f64())
}

impl FaultSpec {
    /// The run of `fault` on `topology` for the implementation `info`
    /// describes, or `None` when it cannot run the topology. Two producers
    /// (one for `spsc` and single-producer implementations); one consumer
    /// for `spsc` and `mpsc`, two for the MPMC topologies, three stages
    /// for `pipeline` and `diamond`.
    pub fn new(
        info: &Info,
        fault: Fault,
        topology: Topology,
        messages: u64,
        timeout: Duration,
    ) -> Option<FaultSpec> {
        if !info.supports(topology) {
            return None;
        }
        Some(FaultSpec {
            fault,
            strike: Strike::default(),
            setup: small_setup(info, topology, CAPACITY)
                .batch(BATCH)
                .wait(WAIT),
            messages,
            takes_batches_whole: info.batching == Batching::VecPerBatch,
            takes_over: info.takes_over,
            timeout,
        })
    }

    /// What the contract asks of this run.
    pub fn expectation(&self) -> Expectation {
        if self.leaves_no_full_reader() {
            Expectation::Disconnected
        } else {
            Expectation::Recovered
        }
    }

    /// Whether producer 0's callback panics.
    pub(super) fn producer_fault(&self) -> bool {
        matches!(
            self.fault,
            Fault::ProducerPanic | Fault::ProducerPanicContinues
        )
    }

    /// The producer indices messages are tagged with: one per producer,
    /// and one more for what producer 0 publishes after its panic in
    /// `producer_panic_continues`.
    pub fn streams(&self) -> usize {
        self.setup.producers + usize::from(self.fault == Fault::ProducerPanicContinues)
    }

    /// Whether consumer 0 leaves or panics.
    pub(super) fn consumer_fault(&self) -> bool {
        matches!(self.fault, Fault::ConsumerDropped | Fault::ConsumerPanic)
    }

    /// Whether the consumer that leaves was the only one, or a stage every
    /// message must pass: then nobody is left who could receive
    /// everything, and producers are to be told `Disconnected`.
    pub fn leaves_no_full_reader(&self) -> bool {
        self.consumer_fault()
            && (self.setup.topology.single_consumer() || self.setup.topology.has_stages())
    }
}

/// A small run of `topology` on the implementation `info` describes (the
/// fault runs' and the soak's): two producers (one for `spsc` and
/// single-producer implementations), one consumer for `spsc` and `mpsc`,
/// two for the MPMC topologies, three stages for `pipeline` and
/// `diamond`; `capacity` raised to the implementation's smallest, lowered
/// to its largest, and rounded up to a power of two where it needs one.
/// Batch 1 and the default wait until set.
pub fn small_setup(info: &Info, topology: Topology, capacity: usize) -> Setup {
    let producers = if topology.single_producer() || info.single_producer || info.max_producers < 2
    {
        1
    } else {
        2
    };
    let consumers = match topology {
        Topology::Spsc | Topology::Mpsc => 1,
        Topology::MpmcWorkerPool | Topology::MpmcFanout => 2,
        Topology::Pipeline | Topology::Diamond => 3,
    };
    let mut capacity = capacity.max(info.min_capacity).min(info.max_capacity);
    if info.capacity_power_of_two {
        capacity = capacity.next_power_of_two();
    }
    Setup::new(topology, capacity).threads(producers, consumers)
}

/// What the contract asks of a fault run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expectation {
    /// Every message published `Ok` delivered once, in order, to every
    /// consumer that should have it, and `Closed` seen by every consumer
    /// still there.
    Recovered,
    /// Producers told `Disconnected` when they would wait for room; the
    /// consumers still there see a gapless prefix of each producer's
    /// messages, in order, and then `Closed`.
    Disconnected,
}
