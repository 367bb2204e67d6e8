//! `crossbeam`: crossbeam-channel's bounded (array) flavour.
//!
//! Its timed calls are its untimed ones with a deadline (a clock read per
//! blocking call): both spin with back-off, then register and park.

use core::time::Duration;

use super::{
    Channel, ChannelQueue, Disconnected, PerMessage, RecvFailure, SendFailure, Sliced,
    TimedChannel, VecPerBatch,
};

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
    fn share<T: Send + 'static>(rx: &Self::Receiver<T>) -> Option<Self::Receiver<T>> {
        Some(rx.clone())
    }
    #[inline]
    fn try_send<T: Send + 'static>(tx: &Self::Sender<T>, value: T) -> Result<(), SendFailure<T>> {
        tx.try_send(value).map_err(|error| match error {
            crossbeam_channel::TrySendError::Full(value) => SendFailure::Full(value),
            crossbeam_channel::TrySendError::Disconnected(_) => SendFailure::Disconnected,
        })
    }
    #[inline]
    fn send<T: Send + 'static>(tx: &Self::Sender<T>, value: T) -> Result<(), Disconnected> {
        tx.send(value).map_err(|_| Disconnected)
    }
    #[inline]
    fn try_recv<T: Send + 'static>(rx: &Self::Receiver<T>) -> Result<T, RecvFailure> {
        rx.try_recv().map_err(|error| match error {
            crossbeam_channel::TryRecvError::Empty => RecvFailure::Empty,
            crossbeam_channel::TryRecvError::Disconnected => RecvFailure::Disconnected,
        })
    }
    #[inline]
    fn recv<T: Send + 'static>(rx: &Self::Receiver<T>) -> Result<T, Disconnected> {
        rx.recv().map_err(|_| Disconnected)
    }
}

impl TimedChannel for CrossbeamChannel {
    const SLICED_NAME: &'static str = "crossbeam_sliced";
    const SLICED_SUMMARY: &'static str =
        "crossbeam-channel bounded, one send per message, through try_send/try_recv and 20 ms timed calls";
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

/// `crossbeam`: crossbeam-channel bounded, one send per message.
pub type Crossbeam = ChannelQueue<CrossbeamChannel, PerMessage>;
/// `crossbeam_sliced`: the same through the cancellable sliced path.
pub type CrossbeamSliced = ChannelQueue<CrossbeamChannel, PerMessage, Sliced>;
/// `crossbeam_vec`: crossbeam-channel bounded, one `Vec` per batch.
pub type CrossbeamVec = ChannelQueue<CrossbeamChannel, VecPerBatch>;
