//! `flume`: flume's bounded channel.
//!
//! A `VecDeque` behind a spin-then-yield lock; a side that has to wait
//! queues a hook and parks. Its timed calls park as its untimed ones do,
//! with clock reads around each park.

use core::time::Duration;

use super::{
    Channel, ChannelQueue, Disconnected, PerMessage, RecvFailure, SendFailure, Sliced,
    TimedChannel, VecPerBatch,
};

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
    fn share<T: Send + 'static>(rx: &Self::Receiver<T>) -> Option<Self::Receiver<T>> {
        Some(rx.clone())
    }
    #[inline]
    fn try_send<T: Send + 'static>(tx: &Self::Sender<T>, value: T) -> Result<(), SendFailure<T>> {
        tx.try_send(value).map_err(|error| match error {
            flume::TrySendError::Full(value) => SendFailure::Full(value),
            flume::TrySendError::Disconnected(_) => SendFailure::Disconnected,
        })
    }
    #[inline]
    fn send<T: Send + 'static>(tx: &Self::Sender<T>, value: T) -> Result<(), Disconnected> {
        tx.send(value).map_err(|_| Disconnected)
    }
    #[inline]
    fn try_recv<T: Send + 'static>(rx: &Self::Receiver<T>) -> Result<T, RecvFailure> {
        rx.try_recv().map_err(|error| match error {
            flume::TryRecvError::Empty => RecvFailure::Empty,
            flume::TryRecvError::Disconnected => RecvFailure::Disconnected,
        })
    }
    #[inline]
    fn recv<T: Send + 'static>(rx: &Self::Receiver<T>) -> Result<T, Disconnected> {
        rx.recv().map_err(|_| Disconnected)
    }
}

impl TimedChannel for FlumeChannel {
    const SLICED_NAME: &'static str = "flume_sliced";
    const SLICED_SUMMARY: &'static str =
        "flume bounded, one send per message, through try_send/try_recv and 20 ms timed calls";
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

/// `flume`: flume bounded, one send per message.
pub type Flume = ChannelQueue<FlumeChannel, PerMessage>;
/// `flume_sliced`: the same through the cancellable sliced path.
pub type FlumeSliced = ChannelQueue<FlumeChannel, PerMessage, Sliced>;
/// `flume_vec`: flume bounded, one `Vec` per batch.
pub type FlumeVec = ChannelQueue<FlumeChannel, VecPerBatch>;
