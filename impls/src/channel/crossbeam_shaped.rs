//! The calls of [`Channel`](super::traits::Channel) and
//! [`TimedChannel`](super::traits::TimedChannel) for the crates whose API
//! has crossbeam-channel's shape (crossbeam-channel itself, flume,
//! crossfire, std's mpsc), written once as macros that each crate's file
//! invokes with the module its error types live in.

/// The plain and non-blocking calls of
/// [`Channel`](super::traits::Channel) for a crate with
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
        ) -> Result<(), super::traits::SendFailure<T>> {
            tx.try_send(value).map_err(|error| match error {
                $($module)::+::TrySendError::Full(value) => super::traits::SendFailure::Full(value),
                $($module)::+::TrySendError::Disconnected(_) => super::traits::SendFailure::Disconnected,
            })
        }
        #[inline]
        fn send<T: Send + 'static>(tx: &Self::Sender<T>, value: T) -> Result<(), super::traits::Disconnected> {
            tx.send(value).map_err(|_| super::traits::Disconnected)
        }
        #[inline]
        fn try_recv<T: Send + 'static>(rx: &Self::Receiver<T>) -> Result<T, super::traits::RecvFailure> {
            rx.try_recv().map_err(|error| match error {
                $($module)::+::TryRecvError::Empty => super::traits::RecvFailure::Empty,
                $($module)::+::TryRecvError::Disconnected => super::traits::RecvFailure::Disconnected,
            })
        }
        #[inline]
        fn recv<T: Send + 'static>(rx: &Self::Receiver<T>) -> Result<T, super::traits::Disconnected> {
            rx.recv().map_err(|_| super::traits::Disconnected)
        }
    };
}

/// The timed calls of [`TimedChannel`](super::traits::TimedChannel) for a
/// crate with crossbeam-channel's shape: `send_timeout` and `recv_timeout`,
/// failing with `SendTimeoutError::{Timeout, Disconnected}` and
/// `RecvTimeoutError::{Timeout, Disconnected}` of the module named.
macro_rules! crossbeam_shaped_timed_calls {
    ($($module:ident)::+) => {
        fn send_timeout<T: Send + 'static>(
            tx: &Self::Sender<T>,
            value: T,
            timeout: core::time::Duration,
        ) -> Result<(), super::traits::SendFailure<T>> {
            tx.send_timeout(value, timeout).map_err(|error| match error {
                $($module)::+::SendTimeoutError::Timeout(value) => super::traits::SendFailure::Full(value),
                $($module)::+::SendTimeoutError::Disconnected(_) => super::traits::SendFailure::Disconnected,
            })
        }
        fn recv_timeout<T: Send + 'static>(
            rx: &Self::Receiver<T>,
            timeout: core::time::Duration,
        ) -> Result<T, super::traits::RecvFailure> {
            rx.recv_timeout(timeout).map_err(|error| match error {
                $($module)::+::RecvTimeoutError::Timeout => super::traits::RecvFailure::Empty,
                $($module)::+::RecvTimeoutError::Disconnected => super::traits::RecvFailure::Disconnected,
            })
        }
    };
}
