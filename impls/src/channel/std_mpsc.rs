//! `std_mpsc`: the standard library's bounded channel,
//! `std::sync::mpsc::sync_channel`, one send per message.
//!
//! Since Rust 1.72 its bounded flavour is crossbeam-channel's array queue
//! inside std. Its receiver cannot be shared, so it runs single-consumer
//! topologies and emulated fan-out (one channel per consumer), not
//! work-sharing. Its sender has no timed send on stable Rust, so it has no
//! sliced row: the plain path is the only one a program has.

use std::sync::mpsc;

use super::adapter::{ChannelQueue, PerMessage};

/// The standard library's bounded channel.
pub struct StdMpscChannel;

impl super::traits::Channel for StdMpscChannel {
    const NAME: &'static str = "std_mpsc";
    const SUMMARY: &'static str = "std::sync::mpsc::sync_channel, one send per message";
    const VEC_NAME: &'static str = "std_mpsc_vec";
    const SHARED_RECEIVERS: bool = false;
    type Sender<T: Send + 'static> = mpsc::SyncSender<T>;
    type Receiver<T: Send + 'static> = mpsc::Receiver<T>;

    fn bounded<T: Send + 'static>(capacity: usize) -> (Self::Sender<T>, Self::Receiver<T>) {
        mpsc::sync_channel(capacity)
    }
    fn share<T: Send + 'static>(_: &Self::Receiver<T>) -> Option<Self::Receiver<T>> {
        None
    }
    crossbeam_shaped_calls!(std::sync::mpsc);
}

/// `std_mpsc`: std's bounded channel, one send per message.
pub type StdMpsc = ChannelQueue<StdMpscChannel, PerMessage>;
