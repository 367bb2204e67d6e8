//! `crossfire`: the crossfire crate's bounded MPMC channel through its
//! blocking API, one send per message.
//!
//! Its MPMC flavour is an array queue with per-slot stamps (as
//! crossbeam's); a waiting side spins with back-off, then registers and
//! parks, timed waits included, so the adapter's timed calls park as its
//! untimed ones do.

use core::time::Duration;

use crossfire::mpmc::Array;
use crossfire::{MRx, MTx};

use super::{
    Channel, ChannelQueue, Disconnected, PerMessage, RecvFailure, SendFailure, Sliced, TimedChannel,
};

/// The crossfire crate's bounded MPMC channel.
pub struct CrossfireChannel;

impl Channel for CrossfireChannel {
    const NAME: &'static str = "crossfire";
    const SUMMARY: &'static str = "crossfire bounded MPMC (blocking API), one send per message";
    const VEC_NAME: &'static str = "crossfire_vec";
    type Sender<T: Send + 'static> = MTx<Array<T>>;
    type Receiver<T: Send + 'static> = MRx<Array<T>>;

    fn bounded<T: Send + 'static>(capacity: usize) -> (Self::Sender<T>, Self::Receiver<T>) {
        crossfire::mpmc::bounded_blocking(capacity)
    }

    fn share<T: Send + 'static>(rx: &Self::Receiver<T>) -> Option<Self::Receiver<T>> {
        Some(rx.clone())
    }

    #[inline]
    fn try_send<T: Send + 'static>(tx: &Self::Sender<T>, value: T) -> Result<(), SendFailure<T>> {
        tx.try_send(value).map_err(|error| match error {
            crossfire::TrySendError::Full(value) => SendFailure::Full(value),
            crossfire::TrySendError::Disconnected(_) => SendFailure::Disconnected,
        })
    }

    #[inline]
    fn send<T: Send + 'static>(tx: &Self::Sender<T>, value: T) -> Result<(), Disconnected> {
        tx.send(value).map_err(|_| Disconnected)
    }

    #[inline]
    fn try_recv<T: Send + 'static>(rx: &Self::Receiver<T>) -> Result<T, RecvFailure> {
        rx.try_recv().map_err(|error| match error {
            crossfire::TryRecvError::Empty => RecvFailure::Empty,
            crossfire::TryRecvError::Disconnected => RecvFailure::Disconnected,
        })
    }

    #[inline]
    fn recv<T: Send + 'static>(rx: &Self::Receiver<T>) -> Result<T, Disconnected> {
        rx.recv().map_err(|_| Disconnected)
    }
}

impl TimedChannel for CrossfireChannel {
    const SLICED_NAME: &'static str = "crossfire_sliced";
    const SLICED_SUMMARY: &'static str =
        "crossfire bounded MPMC (blocking API), one send per message, through 20 ms timed calls";
    fn send_timeout<T: Send + 'static>(
        tx: &Self::Sender<T>,
        value: T,
        timeout: Duration,
    ) -> Result<(), SendFailure<T>> {
        tx.send_timeout(value, timeout)
            .map_err(|error| match error {
                crossfire::SendTimeoutError::Timeout(value) => SendFailure::Full(value),
                crossfire::SendTimeoutError::Disconnected(_) => SendFailure::Disconnected,
            })
    }
    fn recv_timeout<T: Send + 'static>(
        rx: &Self::Receiver<T>,
        timeout: Duration,
    ) -> Result<T, RecvFailure> {
        rx.recv_timeout(timeout).map_err(|error| match error {
            crossfire::RecvTimeoutError::Timeout => RecvFailure::Empty,
            crossfire::RecvTimeoutError::Disconnected => RecvFailure::Disconnected,
        })
    }
}

/// `crossfire`: crossfire bounded MPMC, one send per message.
pub type Crossfire = ChannelQueue<CrossfireChannel, PerMessage>;
/// `crossfire_sliced`: the same through the cancellable sliced path.
pub type CrossfireSliced = ChannelQueue<CrossfireChannel, PerMessage, Sliced>;
