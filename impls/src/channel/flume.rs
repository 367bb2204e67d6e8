//! `flume`: flume's bounded channel.
//!
//! A `VecDeque` behind a spin-then-yield lock; a side that has to wait
//! queues a hook and parks. Its timed calls park as its untimed ones do,
//! with clock reads around each park.

use super::adapter::{ChannelQueue, PerMessage, VecPerBatch};
use super::call::Sliced;

/// flume's bounded channel.
pub struct FlumeChannel;

impl super::traits::Channel for FlumeChannel {
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
    crossbeam_shaped_calls!(flume);
}

impl super::traits::TimedChannel for FlumeChannel {
    const SLICED_NAME: &'static str = "flume_sliced";
    const SLICED_SUMMARY: &'static str =
        "flume bounded, one send per message, through try_send/try_recv and 20 ms timed calls";
    crossbeam_shaped_timed_calls!(flume);
}

/// `flume`: flume bounded, one send per message.
pub type Flume = ChannelQueue<FlumeChannel, PerMessage>;
/// `flume_sliced`: the same through the cancellable sliced path.
pub type FlumeSliced = ChannelQueue<FlumeChannel, PerMessage, Sliced>;
/// `flume_vec`: flume bounded, one `Vec` per batch.
pub type FlumeVec = ChannelQueue<FlumeChannel, VecPerBatch>;
