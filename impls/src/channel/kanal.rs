//! `kanal`: the kanal crate's bounded channel, through its sync API, one
//! send per message.
//!
//! kanal keeps a `VecDeque` behind its own spin lock and hands a value
//! straight to a waiting receiver when one is parked. A waiting side
//! spins and yields; kanal's untimed `send`/`recv` (the default row) then
//! park, but its timed ones (`send_option_timeout`, `recv_timeout`, the
//! `kanal_sliced` row) keep yielding until the deadline: that row's CPU per
//! message includes it.
//!
//! Its `try_send` drops a value that does not fit; the adapter uses the
//! `Option` forms, which leave it in place.

use core::time::Duration;

use super::adapter::{ChannelQueue, PerMessage};
use super::call::Sliced;
use super::traits::{Channel, Disconnected, RecvFailure, SendFailure, TimedChannel};

/// The kanal crate's bounded channel.
pub struct KanalChannel;

impl Channel for KanalChannel {
    const NAME: &'static str = "kanal";
    const SUMMARY: &'static str = "kanal bounded (sync API), one send per message";
    const VEC_NAME: &'static str = "kanal_vec";
    type Sender<T: Send + 'static> = kanal::Sender<T>;
    type Receiver<T: Send + 'static> = kanal::Receiver<T>;

    fn bounded<T: Send + 'static>(capacity: usize) -> (Self::Sender<T>, Self::Receiver<T>) {
        kanal::bounded(capacity)
    }

    fn share<T: Send + 'static>(rx: &Self::Receiver<T>) -> Option<Self::Receiver<T>> {
        Some(rx.clone())
    }

    #[inline]
    fn try_send<T: Send + 'static>(tx: &Self::Sender<T>, value: T) -> Result<(), SendFailure<T>> {
        let mut slot = Some(value);
        match tx.try_send_option(&mut slot) {
            Ok(true) => Ok(()),
            Ok(false) => Err(SendFailure::Full(slot.expect("left in place when full"))),
            Err(_) => Err(SendFailure::Disconnected),
        }
    }

    #[inline]
    fn send<T: Send + 'static>(tx: &Self::Sender<T>, value: T) -> Result<(), Disconnected> {
        tx.send(value).map_err(|_| Disconnected)
    }

    #[inline]
    fn try_recv<T: Send + 'static>(rx: &Self::Receiver<T>) -> Result<T, RecvFailure> {
        match rx.try_recv() {
            Ok(Some(value)) => Ok(value),
            Ok(None) => Err(RecvFailure::Empty),
            // Every sender gone and the queue drained (kanal hands what is
            // buffered first).
            Err(_) => Err(RecvFailure::Disconnected),
        }
    }

    #[inline]
    fn recv<T: Send + 'static>(rx: &Self::Receiver<T>) -> Result<T, Disconnected> {
        rx.recv().map_err(|_| Disconnected)
    }
}

impl TimedChannel for KanalChannel {
    const SLICED_NAME: &'static str = "kanal_sliced";
    const SLICED_SUMMARY: &'static str =
        "kanal bounded (sync API), one send per message, through 20 ms timed calls (which yield)";
    fn send_timeout<T: Send + 'static>(
        tx: &Self::Sender<T>,
        value: T,
        timeout: Duration,
    ) -> Result<(), SendFailure<T>> {
        let mut slot = Some(value);
        match tx.send_option_timeout(&mut slot, timeout) {
            Ok(()) => Ok(()),
            Err(kanal::SendErrorTimeout::Timeout) => Err(SendFailure::Full(
                slot.expect("left in place when the time ran out"),
            )),
            Err(_) => Err(SendFailure::Disconnected),
        }
    }
    fn recv_timeout<T: Send + 'static>(
        rx: &Self::Receiver<T>,
        timeout: Duration,
    ) -> Result<T, RecvFailure> {
        match rx.recv_timeout(timeout) {
            Ok(value) => Ok(value),
            Err(kanal::ReceiveErrorTimeout::Timeout) => Err(RecvFailure::Empty),
            Err(_) => Err(RecvFailure::Disconnected),
        }
    }
}

/// `kanal`: kanal bounded, one send per message.
pub type Kanal = ChannelQueue<KanalChannel, PerMessage>;
/// `kanal_sliced`: the same through the cancellable sliced path.
pub type KanalSliced = ChannelQueue<KanalChannel, PerMessage, Sliced>;
