//! Baselines: bounded MPMC channels (crossbeam-channel and flume) behind the
//! one trait, in two batch semantics.
//!
//! - Per message (`crossbeam`, `flume`): a batch is a loop of single sends;
//!   a consumer receives one message blocking, then takes what else is ready
//!   up to its batch.
//! - One `Vec` per batch (`crossbeam_vec`, `flume_vec`): a batch is built in
//!   a fresh `Vec` and sent as one item. The channel then holds
//!   `capacity / batch` vectors, so both variants buffer the same number of
//!   messages.
//!
//! Channels are multi-producer multi-consumer natively, so work-sharing is
//! native. Fan-out is emulated with one channel per consumer: a producer
//! sends each message once per consumer (labelled so in results).
//!
//! Channels park threads in their own primitives; the scenario's wait
//! strategy does not apply. Blocking calls wait in short slices so that a
//! cancelled run still ends.

use core::cell::Cell;
use core::marker::PhantomData;
use core::time::Duration;

use crate::handing;
use crate::message::Message;
use crate::queue::{
    Batching, BuildError, Consumed, Consumer, Endpoints, Info, Producer,
    PublishError, Queue, QueueConfig, Topology, WaitClass,
};
use crate::sync::on_unwind;
use crate::wait::Cancel;

/// Longest single block before a blocking call looks at the cancel token.
const BLOCK_SLICE: Duration = Duration::from_millis(20);

/// A failed send, handing the value back when the channel was full.
pub enum SendFailure<T> {
    /// Full (or, for a timed send, still full when the time ran out).
    Full(T),
    /// Every receiver is gone.
    Disconnected,
}

/// A failed receive.
pub enum RecvFailure {
    /// Empty (or, for a timed receive, still empty when the time ran out).
    Empty,
    /// Empty, and every sender is gone.
    Disconnected,
}

/// The operations the adapter needs from a bounded channel crate.
pub trait Channel: 'static {
    /// Name of the per-message variant.
    const NAME: &'static str;
    /// One line on the per-message variant, for `list` and the results.
    const SUMMARY: &'static str;
    /// Name of the `Vec`-per-batch variant.
    const VEC_NAME: &'static str;
    /// Sending half.
    type Sender<T: Send + 'static>: Clone + Send + 'static;
    /// Receiving half.
    type Receiver<T: Send + 'static>: Clone + Send + 'static;
    /// A bounded channel holding `capacity` items.
    fn bounded<T: Send + 'static>(capacity: usize) -> (Self::Sender<T>, Self::Receiver<T>);
    /// Sends without waiting.
    fn try_send<T: Send + 'static>(tx: &Self::Sender<T>, value: T) -> Result<(), SendFailure<T>>;
    /// Sends, blocking for at most `timeout`.
    fn send_timeout<T: Send + 'static>(
        tx: &Self::Sender<T>,
        value: T,
        timeout: Duration,
    ) -> Result<(), SendFailure<T>>;
    /// Receives without waiting.
    fn try_recv<T: Send + 'static>(rx: &Self::Receiver<T>) -> Result<T, RecvFailure>;
    /// Receives, blocking for at most `timeout`.
    fn recv_timeout<T: Send + 'static>(
        rx: &Self::Receiver<T>,
        timeout: Duration,
    ) -> Result<T, RecvFailure>;
}

/// Sends `value`, blocking in slices until it fits, the receivers are gone,
/// or the run is cancelled. The first attempt is the channel's own fast path.
#[inline]
fn send<C: Channel, T: Send + 'static>(
    tx: &C::Sender<T>,
    value: T,
    cancel: &Cancel,
) -> Result<(), PublishError> {
    let mut value = match C::try_send(tx, value) {
        Ok(()) => return Ok(()),
        Err(SendFailure::Disconnected) => return Err(PublishError::Disconnected),
        Err(SendFailure::Full(value)) => value,
    };
    loop {
        match C::send_timeout(tx, value, BLOCK_SLICE) {
            Ok(()) => return Ok(()),
            Err(SendFailure::Disconnected) => return Err(PublishError::Disconnected),
            Err(SendFailure::Full(back)) if !cancel.is_cancelled() => value = back,
            Err(SendFailure::Full(_)) => return Err(PublishError::Cancelled),
        }
    }
}

/// Receives one item, blocking in slices; `Err` is what the consumer
/// reports instead (`Closed` or `Idle`).
#[inline]
fn recv<C: Channel, T: Send + 'static>(
    rx: &C::Receiver<T>,
    cancel: &Cancel,
) -> Result<T, Consumed> {
    match C::try_recv(rx) {
        Ok(value) => return Ok(value),
        Err(RecvFailure::Disconnected) => return Err(Consumed::Closed),
        Err(RecvFailure::Empty) => {}
    }
    loop {
        match C::recv_timeout(rx, BLOCK_SLICE) {
            Ok(value) => return Ok(value),
            Err(RecvFailure::Disconnected) => return Err(Consumed::Closed),
            Err(RecvFailure::Empty) if cancel.is_cancelled() => return Err(Consumed::Idle),
            Err(RecvFailure::Empty) => {}
        }
    }
}

/// A channel baseline: `PerMessage<C>` or `VecPerBatch<C>`.
pub struct ChannelQueue<C, Mode>(PhantomData<(C, Mode)>);

/// Marker: one send per message.
pub struct PerMessage;
/// Marker: one `Vec` per batch.
pub struct VecPerBatch;

/// Sending end: one sender, or one per consumer when fan-out is emulated.
pub struct ChannelProducer<C: Channel, T: Send + 'static> {
    senders: Vec<C::Sender<T>>,
    cancel: Cancel,
}

/// Receiving end; `pending` holds the rest of a received `Vec`.
pub struct ChannelConsumer<C: Channel, T: Send + 'static, M> {
    receiver: C::Receiver<T>,
    pending: Vec<M>,
    next_pending: usize,
    cancel: Cancel,
}

fn info(name: &'static str, summary: &'static str, batching: Batching) -> Info {
    Info::new(
        name,
        summary,
        &[
            Topology::Spsc,
            Topology::Mpsc,
            Topology::MpmcWorkerPool,
            Topology::MpmcFanout,
        ],
    )
    .wait_class(WaitClass::Blocking)
    .batching(batching)
    .fanout_emulated(true)
}

/// Builds the channels for `cfg`: one shared channel, or one per consumer
/// for fan-out. `items` is the capacity in channel items.
fn build_channels<C: Channel, T: Send + 'static, M>(
    cfg: &QueueConfig,
    items: usize,
) -> Endpoints<ChannelProducer<C, T>, ChannelConsumer<C, T, M>> {
    let channels = if cfg.topology.is_broadcast() {
        cfg.consumers
    } else {
        1
    };
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..channels).map(|_| C::bounded(items)).unzip();
    let producers = (0..cfg.producers)
        .map(|_| ChannelProducer {
            senders: senders.clone(),
            cancel: cfg.cancel.clone(),
        })
        .collect();
    let consumers = (0..cfg.consumers)
        .map(|index| ChannelConsumer {
            receiver: receivers[index % channels].clone(),
            pending: Vec::new(),
            next_pending: 0,
            cancel: cfg.cancel.clone(),
        })
        .collect();
    Endpoints {
        producers,
        consumers,
    }
}

impl<C: Channel> Queue for ChannelQueue<C, PerMessage> {
    type Producer<M: Message> = ChannelProducer<C, M>;
    type Consumer<M: Message> = ChannelConsumer<C, M, M>;

    fn info() -> Info {
        info(C::NAME, C::SUMMARY, Batching::PerMessage)
    }

    fn build<M: Message>(
        cfg: &QueueConfig,
    ) -> Result<Endpoints<Self::Producer<M>, Self::Consumer<M>>, BuildError> {
        Self::info().check(cfg)?;
        Ok(build_channels(cfg, cfg.capacity))
    }
}

impl<C: Channel> Queue for ChannelQueue<C, VecPerBatch> {
    type Producer<M: Message> = ChannelProducer<C, Vec<M>>;
    type Consumer<M: Message> = ChannelConsumer<C, Vec<M>, M>;

    fn info() -> Info {
        info(
            C::VEC_NAME,
            "bounded channel sending one Vec per batch",
            Batching::VecPerBatch,
        )
    }

    fn build<M: Message>(
        cfg: &QueueConfig,
    ) -> Result<Endpoints<Self::Producer<M>, Self::Consumer<M>>, BuildError> {
        Self::info().check(cfg)?;
        Ok(build_channels(cfg, (cfg.capacity / cfg.batch).max(1)))
    }
}

impl<C: Channel, M: Message> Producer<M> for ChannelProducer<C, M> {
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
                match send::<C, M>(&self.senders[channel], message, &self.cancel) {
                    Ok(()) => channel += 1,
                    Err(PublishError::Disconnected) => self.leave(channel)?,
                    Err(error) => return Err(error),
                }
            }
        }
        Ok(())
    }
}

impl<C: Channel, T: Send + 'static> ChannelProducer<C, T> {
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
            match send::<C, Vec<M>>(tx, item, &self.cancel) {
                Ok(()) => channel += 1,
                Err(PublishError::Disconnected) => self.leave(channel)?,
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }
}

impl<C: Channel, M: Message> Consumer<M> for ChannelConsumer<C, M, M> {
    #[inline(always)]
    fn consume_batch(&mut self, max: usize, mut on: impl FnMut(&M)) -> Consumed {
        match recv::<C, M>(&self.receiver, &self.cancel) {
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
            match recv::<C, Vec<M>>(&self.receiver, &self.cancel) {
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

/// crossbeam-channel's bounded (array) flavour.
pub struct CrossbeamChannel;

impl Channel for CrossbeamChannel {
    const NAME: &'static str = "crossbeam";
    const SUMMARY: &'static str = "crossbeam-channel bounded, one send per message";
    const VEC_NAME: &'static str = "crossbeam_vec";
    type Sender<T: Send + 'static> = crossbeam_channel::Sender<T>;
    type Receiver<T: Send + 'static> = crossbeam_channel::Receiver<T>;

    fn bounded<T: Send + 'static>(capacity: usize) -> (Self::Sender<T>, Self::Receiver<T>) {
        crossbeam_channel::bounded(capacity)
    }
    #[inline]
    fn try_send<T: Send + 'static>(tx: &Self::Sender<T>, value: T) -> Result<(), SendFailure<T>> {
        tx.try_send(value).map_err(|error| match error {
            crossbeam_channel::TrySendError::Full(value) => SendFailure::Full(value),
            crossbeam_channel::TrySendError::Disconnected(_) => SendFailure::Disconnected,
        })
    }
    fn send_timeout<T: Send + 'static>(
        tx: &Self::Sender<T>,
        value: T,
        timeout: Duration,
    ) -> Result<(), SendFailure<T>> {
        tx.send_timeout(value, timeout)
            .map_err(|error| match error {
                crossbeam_channel::SendTimeoutError::Timeout(value) => SendFailure::Full(value),
                crossbeam_channel::SendTimeoutError::Disconnected(_) => SendFailure::Disconnected,
            })
    }
    #[inline]
    fn try_recv<T: Send + 'static>(rx: &Self::Receiver<T>) -> Result<T, RecvFailure> {
        rx.try_recv().map_err(|error| match error {
            crossbeam_channel::TryRecvError::Empty => RecvFailure::Empty,
            crossbeam_channel::TryRecvError::Disconnected => RecvFailure::Disconnected,
        })
    }
    fn recv_timeout<T: Send + 'static>(
        rx: &Self::Receiver<T>,
        timeout: Duration,
    ) -> Result<T, RecvFailure> {
        rx.recv_timeout(timeout).map_err(|error| match error {
            crossbeam_channel::RecvTimeoutError::Timeout => RecvFailure::Empty,
            crossbeam_channel::RecvTimeoutError::Disconnected => RecvFailure::Disconnected,
        })
    }
}

/// flume's bounded channel.
pub struct FlumeChannel;

impl Channel for FlumeChannel {
    const NAME: &'static str = "flume";
    const SUMMARY: &'static str = "flume bounded, one send per message";
    const VEC_NAME: &'static str = "flume_vec";
    type Sender<T: Send + 'static> = flume::Sender<T>;
    type Receiver<T: Send + 'static> = flume::Receiver<T>;

    fn bounded<T: Send + 'static>(capacity: usize) -> (Self::Sender<T>, Self::Receiver<T>) {
        flume::bounded(capacity)
    }
    #[inline]
    fn try_send<T: Send + 'static>(tx: &Self::Sender<T>, value: T) -> Result<(), SendFailure<T>> {
        tx.try_send(value).map_err(|error| match error {
            flume::TrySendError::Full(value) => SendFailure::Full(value),
            flume::TrySendError::Disconnected(_) => SendFailure::Disconnected,
        })
    }
    fn send_timeout<T: Send + 'static>(
        tx: &Self::Sender<T>,
        value: T,
        timeout: Duration,
    ) -> Result<(), SendFailure<T>> {
        tx.send_timeout(value, timeout)
            .map_err(|error| match error {
                flume::SendTimeoutError::Timeout(value) => SendFailure::Full(value),
                flume::SendTimeoutError::Disconnected(_) => SendFailure::Disconnected,
            })
    }
    #[inline]
    fn try_recv<T: Send + 'static>(rx: &Self::Receiver<T>) -> Result<T, RecvFailure> {
        rx.try_recv().map_err(|error| match error {
            flume::TryRecvError::Empty => RecvFailure::Empty,
            flume::TryRecvError::Disconnected => RecvFailure::Disconnected,
        })
    }
    fn recv_timeout<T: Send + 'static>(
        rx: &Self::Receiver<T>,
        timeout: Duration,
    ) -> Result<T, RecvFailure> {
        rx.recv_timeout(timeout).map_err(|error| match error {
            flume::RecvTimeoutError::Timeout => RecvFailure::Empty,
            flume::RecvTimeoutError::Disconnected => RecvFailure::Disconnected,
        })
    }
}

/// `crossbeam`: crossbeam-channel bounded, one send per message.
pub type Crossbeam = ChannelQueue<CrossbeamChannel, PerMessage>;
/// `crossbeam_vec`: crossbeam-channel bounded, one `Vec` per batch.
pub type CrossbeamVec = ChannelQueue<CrossbeamChannel, VecPerBatch>;
/// `flume`: flume bounded, one send per message.
pub type Flume = ChannelQueue<FlumeChannel, PerMessage>;
/// `flume_vec`: flume bounded, one `Vec` per batch.
pub type FlumeVec = ChannelQueue<FlumeChannel, VecPerBatch>;
