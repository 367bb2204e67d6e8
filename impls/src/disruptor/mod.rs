//! Disruptors: a ring of pre-allocated events, a sequencer that hands
//! producers sequences, and batch processors that consume through barriers.
//!
//! After the LMAX Disruptor. Three sequencers share the ring buffer, the
//! endpoints and the dependency graphs, behind the [`Sequencer`] trait:
//!
//! - [`single`]: one producer, no atomic read-modify-write;
//! - [`lmax`]: several producers, LMAX's availability array;
//! - [`bitmap`]: several producers, one availability bit per slot.
//!
//! Consumers form a graph by topology: independent (`spsc`, `mpsc`,
//! `mpmc_fanout`: each sees every event), a chain (`pipeline`) or a diamond
//! (all but the last in parallel, the last after all of them). A consumer
//! waits for the sequencer's published end, or for the sequences of the
//! consumers it depends on, handles the whole available batch (up to the
//! batch limit), then stores its own sequence once. Producers reuse a slot
//! only when every *gating* consumer (those nothing depends on) has passed
//! it. Dropping every producer closes the ring: consumers drain what was
//! published, then see `Closed`. Dropping every consumer makes producers
//! waiting for room fail with `Disconnected`.
//!
//! Faults (the contracts are in [`crate::queue`]; the mechanics here):
//!
//! - A claimed sequence that will never hold a message (a `fill` that
//!   panicked, a claim given up after it took its sequences) is published
//!   as *skipped*: recorded in a list consumers read only when its length
//!   changed, then published like any other, so nothing waits at the gap
//!   and no handler sees the slot. A given-up claim is owed until its
//!   slots are free (every gating consumer has passed their previous
//!   round); whoever comes by first (its producer, any consumer waiting at
//!   the gap) settles it.
//! - A dropped consumer of a broadcast stops gating the producers; a
//!   dropped stage of a pipeline or diamond breaks the graph (producers get
//!   `Disconnected` when they would wait for room, the other stages hand
//!   what is ready and then see `Closed`). Worker pools hand a dropped
//!   worker's unfinished run to the others ([`worker_pool`]).
//!
//! # Files
//! `sequence` holds the sequences the parties coordinate with;
//! `sequencer` the [`Sequencer`] contract and what `single` and `multi`
//! (over `lmax`'s or `bitmap`'s availability record) share; `ring_buffer`
//! the ring of events; `shared` what the endpoints of one disruptor share;
//! `endpoints` the producer and the consumer; `worker_pool` the worker
//! pool. This file builds a disruptor's consumer graph and puts it behind
//! the one trait.

pub mod bitmap;
mod endpoints;
pub mod lmax;
pub mod multi;
pub mod ring_buffer;
pub mod sequence;
mod sequencer;
mod shared;
pub mod single;
pub mod worker_pool;

use core::marker::PhantomData;

use endpoints::producers;
pub use endpoints::{DisruptorConsumer, DisruptorProducer, RingFull};
use sequence::{Sequence, Sequences, sequences};
use sequencer::info;
pub use sequencer::{Refused, Sequencer};
use shared::Shared;

use crate::message::Message;
use crate::queue::{BuildError, Endpoints, Info, Queue, QueueConfig, Topology};
use crate::sync::Arc;
use crate::wait::Waiter;

/// A disruptor with sequencer `S`.
pub struct Disruptor<S>(PhantomData<S>);

/// `single`: single-producer sequencer.
pub type Single = Disruptor<single::SingleSequencer>;
/// `lmax`: multi-producer sequencer, LMAX availability array.
pub type Lmax = Disruptor<multi::MultiSequencer<lmax::LmaxAvailability>>;
/// `bitmap`: multi-producer sequencer, availability bitmap.
pub type Bitmap = Disruptor<multi::MultiSequencer<bitmap::BitmapAvailability>>;
pub use worker_pool::{WorkerPoolAdaptive, WorkerPoolK1};

/// For each consumer, the consumers it waits for (empty: the sequencer;
/// as [`Topology::upstream`] names them), and which consumers gate the
/// producers: the last stage of a pipeline or diamond, every consumer
/// otherwise.
fn graph(topology: Topology, sequences: &[Arc<Sequence>]) -> (Vec<Sequences>, Sequences) {
    let count = sequences.len();
    let upstream = (0..count)
        .map(|index| {
            sequences[topology.upstream(index, count)]
                .iter()
                .cloned()
                .collect()
        })
        .collect();
    // Stages: the last gates the producers (it comes after every other);
    // otherwise every consumer does.
    let gating = if topology.has_stages() {
        Box::from([Arc::clone(&sequences[count - 1])])
    } else {
        sequences.iter().cloned().collect()
    };
    (upstream, gating)
}

impl<S: Sequencer> Queue for Disruptor<S> {
    type Producer<M: Message> = DisruptorProducer<S, M>;
    type Consumer<M: Message> = DisruptorConsumer<S, M>;

    fn info() -> Info {
        let topologies: &'static [Topology] = if S::MULTI_PRODUCER {
            &[
                Topology::Spsc,
                Topology::Mpsc,
                Topology::MpmcFanout,
                Topology::Pipeline,
                Topology::Diamond,
            ]
        } else {
            &[
                Topology::Spsc,
                Topology::MpmcFanout,
                Topology::Pipeline,
                Topology::Diamond,
            ]
        };
        info::<S>(S::NAME, S::SUMMARY, topologies)
    }

    fn build<M: Message>(
        cfg: &QueueConfig,
    ) -> Result<Endpoints<Self::Producer<M>, Self::Consumer<M>>, BuildError> {
        Self::info().check(cfg)?;
        let sequences = sequences(cfg.setup.consumers);
        let (upstream, gating) = graph(cfg.setup.topology, &sequences);
        let shared = Shared::new(cfg, gating, M::default);
        let waiter = Waiter::new(cfg.setup.wait, cfg.cancel.clone());
        let producers = producers(&shared, cfg.setup.producers, &waiter);
        let stage = matches!(cfg.setup.topology, Topology::Pipeline | Topology::Diamond);
        let consumers = sequences
            .into_iter()
            .zip(upstream)
            .map(|(sequence, upstream)| {
                DisruptorConsumer::new(
                    Arc::clone(&shared),
                    sequence,
                    upstream,
                    stage,
                    waiter.clone(),
                )
            })
            .collect();
        Ok(Endpoints {
            producers,
            consumers,
        })
    }
}
