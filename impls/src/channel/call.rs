//! The two call paths of the channel adapter: how one send or receive
//! reaches the crate, and how the cancel token is honoured.

use core::time::Duration;

use super::traits::{Channel, Disconnected, RecvFailure, SendFailure, TimedChannel};
use crate::queue::{Consumed, PublishError};
use crate::wait::Cancel;

/// Longest single block of the [`Sliced`] path before it looks at the
/// cancel token again.
pub const SLICE: Duration = Duration::from_millis(20);

/// How a channel row sends and receives one item.
pub trait CallPath<C: Channel>: 'static {
    /// Name of the per-message row through this path.
    const NAME: &'static str;
    /// One line on that row.
    const SUMMARY: &'static str;
    /// Sends `value`; `Err` is what the producer reports instead.
    fn send<T: Send + 'static>(
        tx: &C::Sender<T>,
        value: T,
        cancel: &Cancel,
    ) -> Result<(), PublishError>;
    /// Receives one item; `Err` is what the consumer reports instead
    /// (`Closed` or `Idle`).
    fn recv<T: Send + 'static>(rx: &C::Receiver<T>, cancel: &Cancel) -> Result<T, Consumed>;
}

/// The crate's own blocking `send` and `recv`, as a program calls them.
/// Once the token is set no call starts a wait: it takes the non-blocking
/// path, so a publish that needs room returns `Cancelled` and a receive
/// from an empty channel `Idle` (what is ready is still handed over).
pub struct Plain;

/// `try_send` / `try_recv`, then the timed calls in `SLICE` slices, with
/// the token looked at between slices.
pub struct Sliced;

/// A non-blocking receive's failure, as a consumer's outcome.
#[inline]
fn recv_failure(failure: RecvFailure) -> Consumed {
    match failure {
        RecvFailure::Empty => Consumed::Idle,
        RecvFailure::Disconnected => Consumed::Closed,
    }
}

impl<C: Channel> CallPath<C> for Plain {
    const NAME: &'static str = C::NAME;
    const SUMMARY: &'static str = C::SUMMARY;

    #[inline]
    fn send<T: Send + 'static>(
        tx: &C::Sender<T>,
        value: T,
        cancel: &Cancel,
    ) -> Result<(), PublishError> {
        if cancel.is_cancelled() {
            return match C::try_send(tx, value) {
                Ok(()) => Ok(()),
                Err(SendFailure::Full(_)) => Err(PublishError::Cancelled),
                Err(SendFailure::Disconnected) => Err(PublishError::Disconnected),
            };
        }
        C::send(tx, value).map_err(|Disconnected| PublishError::Disconnected)
    }

    #[inline]
    fn recv<T: Send + 'static>(rx: &C::Receiver<T>, cancel: &Cancel) -> Result<T, Consumed> {
        if cancel.is_cancelled() {
            return C::try_recv(rx).map_err(recv_failure);
        }
        C::recv(rx).map_err(|Disconnected| Consumed::Closed)
    }
}

impl<C: TimedChannel> CallPath<C> for Sliced {
    const NAME: &'static str = C::SLICED_NAME;
    const SUMMARY: &'static str = C::SLICED_SUMMARY;

    /// The first attempt is the channel's non-blocking path; then timed
    /// sends until it fits, the receivers are gone, or the run is
    /// cancelled.
    #[inline]
    fn send<T: Send + 'static>(
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
            match C::send_timeout(tx, value, SLICE) {
                Ok(()) => return Ok(()),
                Err(SendFailure::Disconnected) => return Err(PublishError::Disconnected),
                Err(SendFailure::Full(back)) if !cancel.is_cancelled() => value = back,
                Err(SendFailure::Full(_)) => return Err(PublishError::Cancelled),
            }
        }
    }

    #[inline]
    fn recv<T: Send + 'static>(rx: &C::Receiver<T>, cancel: &Cancel) -> Result<T, Consumed> {
        match C::try_recv(rx) {
            Ok(value) => return Ok(value),
            Err(RecvFailure::Disconnected) => return Err(Consumed::Closed),
            Err(RecvFailure::Empty) => {}
        }
        loop {
            match C::recv_timeout(rx, SLICE) {
                Ok(value) => return Ok(value),
                Err(RecvFailure::Disconnected) => return Err(Consumed::Closed),
                Err(RecvFailure::Empty) if cancel.is_cancelled() => return Err(Consumed::Idle),
                Err(RecvFailure::Empty) => {}
            }
        }
    }
}
