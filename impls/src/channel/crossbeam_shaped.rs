//! The calls of [`Channel`](super::Channel) and
//! [`TimedChannel`](super::TimedChannel) for the crates whose API has
//! crossbeam-channel's shape (crossbeam-channel itself, flume, crossfire,
//! std's mpsc), written once as macros that each crate's file invokes
//! with the module its error types live in.

/// The plain and non-blocking calls of [`Channel`](super::Channel) for a
/// crate with crossbeam-channel's shape: `try_send`, `send`, `try_recv` and
/// `recv`, failing with `TrySendError::{Full, Disconnected}` and
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

/// The timed calls of [`TimedChannel`](super::TimedChannel) for a crate
/// with crossbeam-channel's shape: `send_timeout` and `recv_timeout`,
/// failing with `SendTimeoutError::{Timeout, Disconnected}` and
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
