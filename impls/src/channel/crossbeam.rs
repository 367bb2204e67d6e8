//! `crossbeam`: crossbeam-channel's bounded (array) flavour.
//!
//! Its timed calls are its untimed ones with a deadline (a clock read per
//! blocking call): both spin with back-off, then register and park.

use super::adapter::{ChannelQueue, PerMessage, VecPerBatch};
use super::call::Sliced;

/// crossbeam-channel's bounded (array) flavour.
pub struct CrossbeamChannel;

impl super::traits::Channel for CrossbeamChannel {
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
    crossbeam_shaped_calls!(crossbeam_channel);
}

impl super::traits::TimedChannel for CrossbeamChannel {
    const SLICED_NAME: &'static str = "crossbeam_sliced";
    const SLICED_SUMMARY: &'static str = "crossbeam-channel bounded, one send per message, through try_send/try_recv and 20 ms timed calls";
    crossbeam_shaped_timed_calls!(crossbeam_channel);
}

/// `crossbeam`: crossbeam-channel bounded, one send per message.
pub type Crossbeam = ChannelQueue<CrossbeamChannel, PerMessage>;
/// `crossbeam_sliced`: the same through the cancellable sliced path.
pub type CrossbeamSliced = ChannelQueue<CrossbeamChannel, PerMessage, Sliced>;
/// `crossbeam_vec`: crossbeam-channel bounded, one `Vec` per batch.
pub type CrossbeamVec = ChannelQueue<CrossbeamChannel, VecPerBatch>;
