//! Baselines: bounded channels (crossbeam-channel, flume, kanal, crossfire
//! and std's `sync_channel`) behind the one trait, in two batch semantics
//! and two call paths.
//!
//! Batch semantics:
//! - Per message (`crossbeam`, `flume`, ...): a batch is a loop of single
//!   sends; a consumer receives one message blocking, then takes what else
//!   is ready up to its batch.
//! - One `Vec` per batch (`crossbeam_vec`, `flume_vec`): a batch is built in
//!   a fresh `Vec` and sent as one item. The channel then holds
//!   `capacity / batch` vectors, so both variants buffer the same number of
//!   messages.
//!
//! Call paths ([`call`]):
//! - [`Plain`], the default rows: the channel's own blocking `send` and
//!   `recv`, the calls a program makes. The cancel token is looked at before
//!   each call (a relaxed load of a line nobody writes while the run goes
//!   on): once it is set, a call takes the non-blocking path and returns
//!   `Cancelled` or `Idle` instead of starting a wait. A call already
//!   blocked inside the crate cannot be interrupted (none of these crates
//!   can abort a blocked send without losing what the channel holds); it
//!   returns when the other side moves or leaves. The harness's threads
//!   always do one or the other once the token is set, so a run still
//!   ends; a run whose other side is stuck for good is reported as timed
//!   out and its blocked threads are left parked (they use no CPU).
//! - [`Sliced`], the `*_sliced` rows: `try_send` / `try_recv`, then the
//!   timed calls in [`call::SLICE`] slices, looking at the token between
//!   slices, so a blocked call ends within a slice of the token being set.
//!   Where a crate's timed wait is not its untimed one (kanal's timed waits
//!   yield where its untimed ones park), this path costs what a program
//!   using those calls would pay, not what a program calling `send` pays.
//!
//! Channels that are multi-consumer natively (all but std's) share work
//! natively. Fan-out is emulated with one channel per consumer: a producer
//! sends each message once per consumer (labelled so in results).
//!
//! Channels park threads in their own primitives; the scenario's wait
//! strategy does not apply.

/// The plain and non-blocking calls of [`Channel`] for a crate with
/// crossbeam-channel's shape: `try_send`, `send`, `try_recv` and `recv`,
/// failing with `TrySendError::{Full, Disconnected}` and
/// `TryRecvError::{Empty, Disconnected}` of the module named (crossbeam,
/// flume, crossfire, std's mpsc).
macro_rules! crossbeam_shaped_calls {
    ($($module:ident)::+) => {
        #[inline]
        fn try_send<T: Send + 'static>(
            tx: &Self::Sender<T>,
            value: T,
        ) -> Result<(), super::SendFailure<T>> {
            tx.try_send(value).map_err(|error| match error {
                $($module)::+::TrySendError::Full(value) => super::SendFailure::Full(value),
                $($module)::+::TrySendError::Disconnected(_) => super::SendFailure::Disconnected,
            })
        }
        #[inline]
        fn send<T: Send + 'static>(tx: &Self::Sender<T>, value: T) -> Result<(), super::Disconnected> {
            tx.send(value).map_err(|_| super::Disconnected)
        }
        #[inline]
        fn try_recv<T: Send + 'static>(rx: &Self::Receiver<T>) -> Result<T, super::RecvFailure> {
            rx.try_recv().map_err(|error| match error {
                $($module)::+::TryRecvError::Empty => super::RecvFailure::Empty,
                $($module)::+::TryRecvError::Disconnected => super::RecvFailure::Disconnected,
            })
        }
        #[inline]
        fn recv<T: Send + 'static>(rx: &Self::Receiver<T>) -> Result<T, super::Disconnected> {
            rx.recv().map_err(|_| super::Disconnected)
        }
    };
}

/// The timed calls of [`TimedChannel`] for a crate with crossbeam-channel's
/// shape: `send_timeout` and `recv_timeout`, failing with
/// `SendTimeoutError::{Timeout, Disconnected}` and
/// `RecvTimeoutError::{Timeout, Disconnected}` of the module named.
macro_rules! crossbeam_shaped_timed_calls {
    ($($module:ident)::+) => {
        fn send_timeout<T: Send + 'static>(
            tx: &Self::Sender<T>,
            value: T,
            timeout: core::time::Duration,
        ) -> Result<(), super::SendFailure<T>> {
            tx.send_timeout(value, timeout).map_err(|error| match error {
                $($module)::+::SendTimeoutError::Timeout(value) => super::SendFailure::Full(value),
                $($module)::+::SendTimeoutError::Disconnected(_) => super::SendFailure::Disconnected,
            })
        }
        fn recv_timeout<T: Send + 'static>(
            rx: &Self::Receiver<T>,
            timeout: core::time::Duration,
        ) -> Result<T, super::RecvFailure> {
            rx.recv_timeout(timeout).map_err(|error| match error {
                $($module)::+::RecvTimeoutError::Timeout => super::RecvFailure::Empty,
                $($module)::+::RecvTimeoutError::Disconnected => super::RecvFailure::Disconnected,
            })
        }
    };
}

mod call;
mod crossbeam;
mod crossfire;
mod flume;
mod kanal;
mod std_mpsc;

use core::cell::Cell;
use core::marker::PhantomData;
use core::time::Duration;

pub use call::{CallPath, Plain, Sliced};
pub use crossbeam::{Crossbeam, CrossbeamChannel, CrossbeamSliced, CrossbeamVec};
pub use crossfire::{Crossfire, CrossfireChannel, CrossfireSliced};
pub use flume::{Flume, FlumeChannel, FlumeSliced, FlumeVec};
pub use kanal::{Kanal, KanalChannel, KanalSliced};
pub use std_mpsc::{StdMpsc, StdMpscChannel};

use crate::handing;
use crate::message::Message;
use crate::queue::{
    Batching, BuildError, Consumed, Consumer, Endpoints, Info, Producer, PublishError, Queue,
    QueueConfig, Topology, WaitClass,
};
use crate::sync::on_unwind;
use crate::wait::Cancel;

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

/// The other side is gone: a blocking send's only failure (every receiver
/// dropped) or a blocking receive's (empty, and every sender dropped).
pub struct Disconnected;

/// The operations the adapter needs from a bounded channel crate.
pub trait Channel: 'static {
    /// Name of the per-message variant.
    const NAME: &'static str;
    /// One line on the per-message variant, for `list` and the results.
    const SUMMARY: &'static str;
    /// Name of the `Vec`-per-batch variant.
    const VEC_NAME: &'static str;
    /// Whether several receivers can share one channel (work-sharing is
    /// native); when false, only single-consumer topologies and emulated
    /// fan-out are offered.
    const SHARED_RECEIVERS: bool = true;
    /// Sending half.
    type Sender<T: Send + 'static>: Clone + Send + 'static;
    /// Receiving half.
    type Receiver<T: Send + 'static>: Send + 'static;
    /// A bounded channel holding `capacity` items.
    fn bounded<T: Send + 'static>(capacity: usize) -> (Self::Sender<T>, Self::Receiver<T>);
    /// Another handle on the same receiving end; `None` where the crate has
    /// a single receiver (then [`Channel::SHARED_RECEIVERS`] is false).
    fn share<T: Send + 'static>(rx: &Self::Receiver<T>) -> Option<Self::Receiver<T>>;
    /// Sends without waiting.
    fn try_send<T: Send + 'static>(tx: &Self::Sender<T>, value: T) -> Result<(), SendFailure<T>>;
    /// Sends, blocking until there is room: the crate's plain `send`.
    fn send<T: Send + 'static>(tx: &Self::Sender<T>, value: T) -> Result<(), Disconnected>;
    /// Receives without waiting.
    fn try_recv<T: Send + 'static>(rx: &Self::Receiver<T>) -> Result<T, RecvFailure>;
    /// Receives, blocking until there is an item: the crate's plain `recv`.
    fn recv<T: Send + 'static>(rx: &Self::Receiver<T>) -> Result<T, Disconnected>;
}

/// A channel whose blocking calls take a timeout, so that the [`Sliced`]
/// path can look at the cancel token while it waits.
pub trait TimedChannel: Channel {
    /// Name of the per-message variant through the sliced path.
    const SLICED_NAME: &'static str;
    /// One line on it.
    const SLICED_SUMMARY: &'static str;
    /// Sends, blocking for at most `timeout`.
    fn send_timeout<T: Send + 'static>(
        tx: &Self::Sender<T>,
        value: T,
        timeout: Duration,
    ) -> Result<(), SendFailure<T>>;
    /// Receives, blocking for at most `timeout`.
    fn recv_timeout<T: Send + 'static>(
        rx: &Self::Receiver<T>,
        timeout: Duration,
    ) -> Result<T, RecvFailure>;
}

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
            path: PhantomData,
        })
        .collect();
    // Consumer `i` takes channel `i % channels`: its own with fan-out, the
    // one shared channel otherwise. The last consumer of a channel takes its
    // receiver, the others a shared handle (none for a single-receiver
    // crate, whose `Info` offers no topology that needs one).
    let mut receivers: Vec<Option<C::Receiver<T>>> = receivers.into_iter().map(Some).collect();
    let mut consumers = Vec::with_capacity(cfg.consumers);
    for index in 0..cfg.consumers {
        let own = &mut receivers[index % channels];
        let receiver = if index + channels >= cfg.consumers {
            own.take()
        } else {
            own.as_ref().and_then(C::share)
        };
        let receiver = receiver.ok_or(BuildError::Topology {
            implementation: C::NAME,
            topology: cfg.topology,
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
        build_channels(cfg, cfg.capacity)
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
        build_channels(cfg, (cfg.capacity / cfg.batch).max(1))
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
