//! Inter-thread queue and sequencer implementations behind one trait.
//!
//! Every implementation under test implements [`Queue`]: it builds a set of
//! [`Producer`] and [`Consumer`] endpoints from a [`QueueConfig`] and
//! describes itself with an [`Info`]. The harness picks an implementation by
//! name through [`visit`], which hands a [`Visitor`] the concrete type, so
//! every measured loop is monomorphised.
//!
//! ```
//! use impls::{Consumed, Consumer, Message, Msg8, Producer, Queue, QueueConfig, Salt, SpscRing, Topology};
//!
//! let mut endpoints = SpscRing::build::<Msg8>(&QueueConfig::new(Topology::Spsc, 8)).unwrap();
//! let mut producer = endpoints.producers.pop().unwrap();
//! let mut consumer = endpoints.consumers.pop().unwrap();
//! producer.publish_batch(3, |index, message| message.write(Salt::NONE, 0, index as u64)).unwrap();
//! drop(producer); // closes the queue; the consumer still drains what was published
//! let mut seen = Vec::new();
//! while let Consumed::Items(_) = consumer.consume_batch(2, |message| seen.push(message.tag(Salt::NONE))) {}
//! assert_eq!(seen, [0, 1, 2]);
//! assert_eq!(consumer.consume_batch(2, |_| ()), Consumed::Closed);
//! ```
#![deny(unsafe_op_in_unsafe_fn)]

mod config;
mod error;
pub mod foreign;
mod handing;
mod info;
pub mod lock_free;
pub mod message;
pub mod metrics;
pub mod queue;
pub mod registry;
mod runs;
pub mod sync;
pub mod wait;

pub use info::Family;
pub use message::{Message, Msg, Msg8, Msg64, Msg256, PAYLOAD_SIZES, Salt};
pub use queue::{
    Batching, BuildError, Consumed, Consumer, Endpoints, Info, OrderingGuarantee, Producer,
    PublishError, Queue, QueueConfig, Topology, WaitClass,
};
pub use registry::{Roster, Visitor, With};
pub use schema::Setup;
pub use wait::{Cancel, WaitStrategy, Waiter};

/// Declares each file of implementations and lists its types in the
/// built-in roster, [`Builtin`], in the order written.
macro_rules! registry {
    ($($module:ident: $($queue:ident),+;)+) => {
        $(
            pub mod $module;
            pub use $module::{$($queue),+};
        )+
        /// Every built-in implementation, in the registry's order (see
        /// [`registry`]).
        pub type Builtin = registry::roster![$($($queue),+),+];
    };
}

// The registry: one line per file. Adding an implementation is its file
// and its line here; scenarios that list `"all"` pick it up, and the
// conformance suite runs it for every topology its `Info` claims.
registry! {
    spsc_ring: SpscRing;
    rtrb: Rtrb;
    channel: Crossbeam, CrossbeamSliced, CrossbeamVec, Flume, FlumeSliced, FlumeVec, StdMpsc,
        Kanal, KanalSliced, Crossfire, CrossfireSliced;
    disruptor: Single, Lmax, Bitmap, WorkerPoolAdaptive, WorkerPoolK1;
    disruptor_crate: DisruptorCrate;
    array_queue: ArrayQueueBaseline;
    ring_mpsc: RingMpsc;
    tokio_mpsc: TokioMpsc;
    concurrent_queue: ConcurrentQueueBaseline;
    seg_queue: SegQueueBaseline;
    ringbuf: Ringbuf;
}

/// Calls `visitor` with the built-in implementation named `name`, or
/// returns `None` when there is none of that name (see [`all`]).
pub fn visit<V: Visitor>(name: &str, visitor: V) -> Option<V::Output> {
    Builtin::visit(name, visitor).ok()
}

/// Every built-in implementation, described.
pub fn all() -> Vec<Info> {
    registry::catalogue::<Builtin>().expect("built-in names are unique (a test checks)")
}

/// The built-in implementation named `name`, described.
pub fn info(name: &str) -> Option<Info> {
    all().into_iter().find(|info| info.name == name)
}

#[cfg(test)]
mod tests {
    struct Name;
    impl super::Visitor for Name {
        type Output = &'static str;
        fn visit<Q: super::Queue>(self) -> &'static str {
            Q::info().name
        }
    }

    #[test]
    fn registry_names_agree() {
        assert!(super::registry::catalogue::<super::Builtin>().is_ok());
        for info in super::all() {
            assert_eq!(super::visit(info.name, Name), Some(info.name));
        }
        assert_eq!(super::visit("no_such_queue", Name), None);
    }
}
