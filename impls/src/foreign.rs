//! What the foreign implementations are: the originals that designs in
//! the roster come from, run by the harness in child processes under its
//! foreign protocol (`harness::foreign`; their sources are in `foreign/`).
//! They are described here, beside the roster, so that scenario files
//! can name them and be checked; they have no [`crate::Queue`].

use crate::queue::{MAX_CAPACITY, MAX_THREADS, MIN_CAPACITY};
use crate::{Batching, Info, OrderingGuarantee, Topology, WaitClass};

const TOPOLOGIES: &[Topology] = &[
    Topology::Spsc,
    Topology::Mpsc,
    Topology::MpmcWorkerPool,
    Topology::MpmcFanout,
];

/// Go's buffered channel (`foreign/go_chan/main.go`).
pub const GO_CHAN: Info = Info {
    name: "go_chan",
    summary: "foreign: Go's buffered channel in a child process (goroutines locked to pinned OS threads), one send per message",
    topologies: TOPOLOGIES,
    ordering: OrderingGuarantee::GlobalFifo,
    wait_class: WaitClass::Blocking,
    batching: Batching::PerMessage,
    fanout_emulated: true,
    capacity_power_of_two: false,
    min_capacity: MIN_CAPACITY,
    single_producer: false,
    max_capacity: MAX_CAPACITY,
    max_producers: MAX_THREADS,
    bounded: true,
};

/// The Java LMAX Disruptor (`foreign/lmax_java/LmaxJava.java`).
pub const LMAX_JAVA: Info = Info {
    name: "lmax_java",
    summary: "foreign: the Java LMAX Disruptor in a child process (its sequencers, batch event processors and WorkerPool), batches claimed with next(n)",
    topologies: TOPOLOGIES,
    ordering: OrderingGuarantee::PerProducerFifo,
    wait_class: WaitClass::Configurable,
    batching: Batching::Native,
    fanout_emulated: false,
    capacity_power_of_two: true,
    min_capacity: MIN_CAPACITY,
    single_producer: false,
    max_capacity: MAX_CAPACITY,
    max_producers: MAX_THREADS,
    bounded: true,
};

/// Every foreign implementation.
pub fn infos() -> Vec<Info> {
    vec![GO_CHAN, LMAX_JAVA]
}
