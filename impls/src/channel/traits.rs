//! What every crate file of the channel baselines implements: the
//! operations the adapter needs from a bounded channel crate
//! ([`Channel`], and [`TimedChannel`] for one with timed calls) and how
//! they fail.

use core::time::Duration;

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

/// A channel whose blocking calls take a timeout, so that the `Sliced`
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
