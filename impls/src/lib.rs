//! Inter-thread queue and sequencer implementations behind one trait.
//!
//! Every implementation under test implements [`Queue`]: it builds a set of
//! [`Producer`] and [`Consumer`] endpoints from a [`QueueConfig`] and
//! describes itself with an [`Info`]. The harness picks an implementation by
//! name through [`visit`], which hands a [`Visitor`] the concrete type, so
//! every measured loop is monomorphised.
//!
//! ```
//! use impls::{Consumed, Consumer, Message, Msg8, Producer, Queue, QueueConfig, SpscRing, Topology};
//!
//! let mut endpoints = SpscRing::build::<Msg8>(&QueueConfig::new(Topology::Spsc, 8)).unwrap();
//! let mut producer = endpoints.producers.pop().unwrap();
//! let mut consumer = endpoints.consumers.pop().unwrap();
//! producer.publish_batch(3, |index, message| message.write(0, index as u64)).unwrap();
//! drop(producer); // closes the queue; the consumer still drains what was published
//! let mut seen = Vec::new();
//! while let Consumed::Items(_) = consumer.consume_batch(2, |message| seen.push(message.tag())) {}
//! assert_eq!(seen, [0, 1, 2]);
//! assert_eq!(consumer.consume_batch(2, |_| ()), Consumed::Closed);
//! ```
#![deny(unsafe_op_in_unsafe_fn)]

pub mod array_queue;
pub mod channel;
pub mod disruptor;
pub mod disruptor_crate;
pub mod message;
pub mod metrics;
pub mod queue;
pub mod ring_mpsc;
pub mod rtrb;
mod runs;
pub mod spsc_ring;
pub mod sync;
pub mod tokio_mpsc;
pub mod wait;

pub use array_queue::ArrayQueueBaseline;
pub use channel::{Crossbeam, CrossbeamVec, Flume, FlumeVec};
pub use disruptor::{Bitmap, Lmax, Single, WorkerPoolAdaptive, WorkerPoolK1};
pub use disruptor_crate::DisruptorCrate;
pub use message::{Message, Msg, Msg8, Msg64, Msg256, PAYLOAD_SIZES};
pub use queue::{
    Batching, BuildError, Consumed, Consumer, Endpoints, Info, OrderingGuarantee, Producer,
    PublishError, Queue, QueueConfig, Topology, WaitClass,
};
pub use ring_mpsc::RingMpsc;
pub use rtrb::Rtrb;
pub use spsc_ring::SpscRing;
pub use tokio_mpsc::TokioMpsc;
pub use wait::{Cancel, WaitStrategy, Waiter};

/// Something to do with an implementation chosen by name.
pub trait Visitor {
    /// What the visit returns.
    type Output;
    /// Called with the implementation's type.
    fn visit<Q: Queue>(self) -> Self::Output;
}

/// Calls `visitor` with the implementation named `name`, or returns `None`
/// when there is none of that name (see [`all`]).
pub fn visit<V: Visitor>(name: &str, visitor: V) -> Option<V::Output> {
    // Keep in step with `all`; a test checks that the two lists agree.
    Some(match name {
        "spsc_ring" => visitor.visit::<SpscRing>(),
        "rtrb" => visitor.visit::<Rtrb>(),
        "crossbeam" => visitor.visit::<Crossbeam>(),
        "crossbeam_vec" => visitor.visit::<CrossbeamVec>(),
        "flume" => visitor.visit::<Flume>(),
        "flume_vec" => visitor.visit::<FlumeVec>(),
        "single" => visitor.visit::<Single>(),
        "lmax" => visitor.visit::<Lmax>(),
        "bitmap" => visitor.visit::<Bitmap>(),
        "disruptor" => visitor.visit::<DisruptorCrate>(),
        "worker_pool" => visitor.visit::<WorkerPoolAdaptive>(),
        "worker_pool_k1" => visitor.visit::<WorkerPoolK1>(),
        "array_queue" => visitor.visit::<ArrayQueueBaseline>(),
        "ring_mpsc" => visitor.visit::<RingMpsc>(),
        "tokio_mpsc" => visitor.visit::<TokioMpsc>(),
        _ => return None,
    })
}

/// Every implementation, described.
pub fn all() -> Vec<Info> {
    vec![
        SpscRing::info(),
        Rtrb::info(),
        Crossbeam::info(),
        CrossbeamVec::info(),
        Flume::info(),
        FlumeVec::info(),
        Single::info(),
        Lmax::info(),
        Bitmap::info(),
        DisruptorCrate::info(),
        WorkerPoolAdaptive::info(),
        WorkerPoolK1::info(),
        ArrayQueueBaseline::info(),
        RingMpsc::info(),
        TokioMpsc::info(),
    ]
}

/// The implementation named `name`, described.
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
        for info in super::all() {
            assert_eq!(super::visit(info.name, Name), Some(info.name));
        }
        assert_eq!(super::visit("no_such_queue", Name), None);
    }
}
