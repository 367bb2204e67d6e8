//! What the foreign implementations are: the originals that designs in
//! the roster come from, run by the harness in child processes under its
//! foreign protocol (`harness::foreign`; their sources are in `foreign/`).
//! They are described here, beside the roster, so that scenario files
//! can name them and be checked; they have no [`crate::Queue`].

use crate::{Batching, Info, Topology, WaitClass};

const TOPOLOGIES: &[Topology] = &[
    Topology::Spsc,
    Topology::Mpsc,
    Topology::MpmcWorkerPool,
    Topology::MpmcFanout,
];

/// Go's buffered channel (`foreign/go_chan/main.go`).
pub const GO_CHAN: Info = Info::new("go_chan", "foreign: Go's buffered channel in a child process (goroutines locked to pinned OS threads), one send per message", TOPOLOGIES)
    .wait_class(WaitClass::Blocking)
    .fanout_emulated(true)
    .family(crate::info::Family::Original);

/// Go's buffered channel with goroutines left to Go's scheduler
/// (`foreign/go_chan/main.go -scheduled`).
pub const GO_CHAN_SCHED: Info = Info::new("go_chan_sched", "foreign: Go's buffered channel in a child process, goroutines scheduled by Go (GOMAXPROCS = the cores given, no locking or pinning), one send per message", TOPOLOGIES)
    .wait_class(WaitClass::Blocking)
    .fanout_emulated(true)
    .family(crate::info::Family::Original);

/// The Java LMAX Disruptor (`foreign/lmax_java/LmaxJava.java`).
pub const LMAX_JAVA: Info = Info::new("lmax_java", "foreign: the Java LMAX Disruptor in a child process (its sequencers, batch event processors and WorkerPool), batches claimed with next(n)", TOPOLOGIES)
    .batching(Batching::Native)
    .capacity_power_of_two(true)
    .family(crate::info::Family::Original);

/// Every foreign implementation.
pub fn infos() -> Vec<Info> {
    vec![GO_CHAN, GO_CHAN_SCHED, LMAX_JAVA]
}
