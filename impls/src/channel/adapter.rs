//! The adapter that puts any [`Channel`] behind the one trait: one send
//! per message through a [`CallPath`], or one `Vec` per batch; one
//! channel per queue, or one per consumer where fan-out is emulated.

use core::cell::Cell;
use core::marker::PhantomData;

use super::call::{CallPath, Plain};
use super::traits::Channel;
use crate::handing;
use crate::message::Message;
use crate::queue::{
    Batching, BuildError, Consumed, Consumer, Endpoints, Info, Producer, PublishError, Queue,
    QueueConfig, Topology, WaitClass,
};
use crate::sync::on_unwind;
use crate::wait::Cancel;

/// A channel baseline: `ChannelQueue<C, PerMessage, P>` (through call path
/// `P`) or `ChannelQueue<C, VecPerBatch>`.
pub struct ChannelQueue<C, Mode, P = Plain>(PhantomData<(C, Mode, P)>);

/// Marker: one send per message.
pub struct PerMessage;
/// Marker: one `Vec` per batch.
pub struct VecPerBatch;

/// Sending end: one sender, or one per consumer when fan-out is emulated.
pub struct ChannelProducer<C: Channel, T: Send + 'static, P = Plain> {
    senders: Vec<C::Sender<T>>,
    cancel: Cancel,
    path: PhantomData<fn() -> P>,
}

/// Receiving end; `pending` holds the rest of a received `Vec`.
pub struct ChannelConsumer<C: Channel, T: Send + 'static, M, P = Plain> {
    receiver: C::Receiver<T>,
    pending: Vec<M>,
    next_pending: usize,
    cancel: Cancel,
    path: PhantomData<fn() -> P>,
}

/// What a row of `C` is: its topologies (work-sharing only where the
/// crate's receivers can be shared), blocking waits, emulated fan-out.
fn info<C: Channel>(name: &'static str, summary: &'static str, batching: Batching) -> Info {
    const SHARED: &[Topology] = &[
        Topology::Spsc,
        Topology::Mpsc,
        Topology::MpmcWorkerPool,
        Topology::MpmcFanout,
    ];
    const SINGLE: &[Topology] = &[Topology::Spsc, Topology::Mpsc, Topology::MpmcFanout];
    let topologies = if C::SHARED_RECEIVERS { SHARED } else { SINGLE };
    Info::new(name, summary, topologies)
        .wait_class(WaitClass::Blocking)
        .batching(batching)
        .fanout_emulated(true)
        .family(crate::info::Family::Crate)
}

/// Both ends of a channel row carrying items `T` (messages `M`).
type ChannelEndpoints<C, T, M, P> =
    Endpoints<ChannelProducer<C, T, P>, ChannelConsumer<C, T, M, P>>;

/// Builds the channels for `cfg`: one shared channel, or one per consumer
/// for fan-out. `items` is the capacity in channel items.
/// With a single-receiver crate, a topology that shares one channel between
/// consumers is refused by `Info::check` before this runs.
fn build_channels<C: Channel, T: Send + 'static, M, P>(
    cfg: &QueueConfig,
    items: usize,
) -> Result<ChannelEndpoints<C, T, M, P>, BuildError> {
    let channels = if cfg.setup.topology.is_broadcast() {
        cfg.setup.consumers
    } else {
        1
    };
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..channels).map(|_| C::bounded(items)).unzip();
    let producers = (0..cfg.setup.producers)
        .map(|_| ChannelProducer {
            senders: senders.clone(),
            cancel: cfg.cancel.clone(),
            path: PhantomData,
        })
        .collect();
    // Consumer `i` takes channel `i % channels`: its own with fan-out, the
    // one shared channel otherwise. The last consumer of a channel takes its
    // receiver, the others a shared handle (none for a single-receiver
    // crate, whose `Info` offers no topology that needs one).
    let mut receivers: Vec<Option<C::Receiver<T>>> = receivers.into_iter().map(Some).collect();
    let mut consumers = Vec::with_capacity(cfg.setup.consumers);
    for index in 0..cfg.setup.consumers {
        let own = &mut receivers[index % channels];
        let receiver = if index + channels >= cfg.setup.consumers {
            own.take()
        } else {
            own.as_ref().and_then(C::share)
        };
        let receiver = receiver.ok_or(BuildError::Topology {
            implementation: C::NAME,
            topology: cfg.setup.topology,
            supported: info::<C>(C::NAME, C::SUMMARY, Batching::PerMessage).topologies,
        })?;
        consumers.push(ChannelConsumer {
            receiver,
            pending: Vec::new(),
            next_pending: 0,
            cancel: cfg.cancel.clone(),
            path: PhantomData,
        });
    }
    Ok(Endpoints {
        producers,
        consumers,
    })
}

impl<C: Channel, P: CallPath<C>> Queue for ChannelQueue<C, PerMessage, P> {
    type Producer<M: Message> = ChannelProducer<C, M, P>;
    type Consumer<M: Message> = ChannelConsumer<C, M, M, P>;

    fn info() -> Info {
        info::<C>(P::NAME, P::SUMMARY, Batching::PerMessage)
    }

    fn build<M: Message>(
        cfg: &QueueConfig,
    ) -> Result<Endpoints<Self::Producer<M>, Self::Consumer<M>>, BuildError> {
        Self::info().check(cfg)?;
        build_channels(cfg, cfg.setup.capacity)
    }
}

impl<C: Channel> Queue for ChannelQueue<C, VecPerBatch> {
    type Producer<M: Message> = ChannelProducer<C, Vec<M>>;
    type Consumer<M: Message> = ChannelConsumer<C, Vec<M>, M>;

    fn info() -> Info {
        info::<C>(
            C::VEC_NAME,
            "bounded channel sending one Vec per batch",
            Batching::VecPerBatch,
        )
    }

    fn build<M: Message>(
        cfg: &QueueConfig,
    ) -> Result<Endpoints<Self::Producer<M>, Self::Consumer<M>>, BuildError> {
        Self::info().check(cfg)?;
        build_channels(cfg, (cfg.setup.capacity / cfg.setup.batch).max(1))
    }
}

impl<C: Channel, M: Message, P: CallPath<C>> Producer<M> for ChannelProducer<C, M, P> {
    #[inline(always)]
    fn publish_batch(
        &mut self,
        n: usize,
        mut fill: impl FnMut(usize, &mut M),
    ) -> Result<(), PublishError> {
        for index in 0..n {
            let message = M::new_with(|message| fill(index, message));
            let mut channel = 0;
            while channel < self.senders.len() {
                match P::send(&self.senders[channel], message, &self.cancel) {
                    Ok(()) => channel += 1,
                    Err(PublishError::Disconnected) => self.leave(channel)?,
                    Err(error) => return Err(error),
                }
            }
        }
        Ok(())
    }
}

impl<C: Channel, T: Send + 'static, P> ChannelProducer<C, T, P> {
    /// Stops sending on `channel`, whose consumer is gone (with emulated
    /// fan-out, the other consumers go on); `Disconnected` when it was the
    /// last one.
    #[cold]
    fn leave(&mut self, channel: usize) -> Result<(), PublishError> {
        self.senders.swap_remove(channel);
        if self.senders.is_empty() {
            Err(PublishError::Disconnected)
        } else {
            Ok(())
        }
    }
}

impl<C: Channel, M: Message> Producer<M> for ChannelProducer<C, Vec<M>> {
    #[inline(always)]
    fn publish_batch(
        &mut self,
        n: usize,
        mut fill: impl FnMut(usize, &mut M),
    ) -> Result<(), PublishError> {
        let mut batch = vec![M::default(); n];
        for (index, message) in batch.iter_mut().enumerate() {
            fill(index, message);
        }
        let mut batch = Some(batch);
        let mut channel = 0;
        while let Some(ref whole) = batch {
            let Some(tx) = self.senders.get(channel) else {
                break;
            };
            // The last channel takes the batch itself, the others a copy.
            let item = if channel + 1 == self.senders.len() {
                batch.take().unwrap_or_default()
            } else {
                whole.clone()
            };
            match <Plain as CallPath<C>>::send(tx, item, &self.cancel) {
                Ok(()) => channel += 1,
                Err(PublishError::Disconnected) => self.leave(channel)?,
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }
}

impl<C: Channel, M: Message, P: CallPath<C>> Consumer<M> for ChannelConsumer<C, M, M, P> {
    #[inline(always)]
    fn consume_batch(&mut self, max: usize, mut on: impl FnMut(&M)) -> Consumed {
        match P::recv(&self.receiver, &self.cancel) {
            Ok(first) => on(&first),
            Err(outcome) => return outcome,
        }
        let mut taken = 1;
        while taken < max {
            let Ok(message) = C::try_recv(&self.receiver) else {
                break;
            };
            on(&message);
            taken += 1;
        }
        Consumed::Items(taken)
    }
}

impl<C: Channel, M: Message> ChannelConsumer<C, Vec<M>, M> {
    /// Receives a `Vec` when the last one is used up, then hands up to
    /// `max` of its messages to `hand`, as one slice. `hand` adds to
    /// `handed` each message it is about to hand on: if it panics, those
    /// are consumed and the rest stay for the next call.
    #[inline(always)]
    fn consume_with(&mut self, max: usize, hand: impl FnOnce(&[M], &Cell<usize>)) -> Consumed {
        if self.next_pending == self.pending.len() {
            match <Plain as CallPath<C>>::recv(&self.receiver, &self.cancel) {
                Ok(batch) => self.pending = batch,
                Err(outcome) => return outcome,
            }
            self.next_pending = 0;
        }
        // 0 counts as 1 (the trait's contract), and a large `max` must not
        // overflow the index.
        let end = self.next_pending + (self.pending.len() - self.next_pending).min(max.max(1));
        let start = self.next_pending;
        let handed = Cell::new(0);
        on_unwind(
            || hand(&self.pending[start..end], &handed),
            || self.next_pending = start + handed.get(),
        );
        let taken = end - start;
        self.next_pending = end;
        Consumed::Items(taken)
    }
}

impl<C: Channel, M: Message> Consumer<M> for ChannelConsumer<C, Vec<M>, M> {
    #[inline(always)]
    fn consume_batch(&mut self, max: usize, mut on: impl FnMut(&M)) -> Consumed {
        self.consume_with(max, |messages, handed| {
            handing::each(messages, &[], handed, &mut on)
        })
    }

    #[inline(always)]
    fn consume_slices(&mut self, max: usize, mut on: impl FnMut(&[M])) -> Consumed {
        self.consume_with(max, |messages, handed| {
            handing::slices(messages, &[], handed, &mut on)
        })
    }
}
