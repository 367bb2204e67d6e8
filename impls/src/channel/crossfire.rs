//! `crossfire`: the crossfire crate's bounded MPMC channel through its
//! blocking API, one send per message.
//!
//! Its MPMC flavour is an array queue with per-slot stamps (as
//! crossbeam's); a waiting side spins with back-off, then registers and
//! parks, timed waits included, so the adapter's timed calls park as its
//! untimed ones do.

use crossfire::mpmc::Array;
use crossfire::{MRx, MTx};

use super::adapter::{ChannelQueue, PerMessage};
use super::call::Sliced;

/// The crossfire crate's bounded MPMC channel.
pub struct CrossfireChannel;

impl super::traits::Channel for CrossfireChannel {
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
    crossbeam_shaped_calls!(crossfire);
}

impl super::traits::TimedChannel for CrossfireChannel {
    const SLICED_NAME: &'static str = "crossfire_sliced";
    const SLICED_SUMMARY: &'static str =
        "crossfire bounded MPMC (blocking API), one send per message, through 20 ms timed calls";
    crossbeam_shaped_timed_calls!(crossfire);
}

/// `crossfire`: crossfire bounded MPMC, one send per message.
pub type Crossfire = ChannelQueue<CrossfireChannel, PerMessage>;
/// `crossfire_sliced`: the same through the cancellable sliced path.
pub type CrossfireSliced = ChannelQueue<CrossfireChannel, PerMessage, Sliced>;
