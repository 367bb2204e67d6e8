//! `tokio_mpsc`: tokio's bounded multi-producer single-consumer channel,
//! driven from plain threads with its blocking send and receive, as MPSC
//! users who compare against it run it outside a runtime.
//!
//! A batch is a loop of single sends. A consumer blocks for one message,
//! then takes what else is ready up to its batch. tokio parks threads in its
//! own primitives, so the scenario's wait strategy does not apply. Its
//! blocking calls take no timeout: a cancelled run ends because each side
//! looks at the cancel token before blocking, and a blocked side is released
//! when the other side leaves (dropped senders end a receive, a dropped
//! receiver ends a send).

use tokio::sync::mpsc::error::{TryRecvError, TrySendError};
use tokio::sync::mpsc::{Receiver, Sender, channel};

use crate::message::Message;
use crate::queue::{
    BuildError, Consumed, Consumer, Endpoints, Info, Producer, PublishError, Queue, QueueConfig,
    Topology, WaitClass,
};
use crate::wait::Cancel;

/// The `tokio_mpsc` baseline.
pub struct TokioMpsc;

/// Sending end: a clone of the channel's sender.
pub struct TokioProducer<M> {
    sender: Sender<M>,
    cancel: Cancel,
}

/// Receiving end.
pub struct TokioConsumer<M> {
    receiver: Receiver<M>,
    cancel: Cancel,
}

impl Queue for TokioMpsc {
    type Producer<M: Message> = TokioProducer<M>;
    type Consumer<M: Message> = TokioConsumer<M>;

    fn info() -> Info {
        Info::new(
            "tokio_mpsc",
            "tokio bounded mpsc channel used from plain threads (blocking_send / blocking_recv)",
            &[Topology::Spsc, Topology::Mpsc],
        )
        .wait_class(WaitClass::Blocking)
        .family(crate::info::Family::Crate)
    }

    fn build<M: Message>(
        cfg: &QueueConfig,
    ) -> Result<Endpoints<TokioProducer<M>, TokioConsumer<M>>, BuildError> {
        Self::info().check(cfg)?;
        let (sender, receiver) = channel(cfg.setup.capacity);
        Ok(Endpoints {
            producers: (0..cfg.setup.producers)
                .map(|_| TokioProducer {
                    sender: sender.clone(),
                    cancel: cfg.cancel.clone(),
                })
                .collect(),
            consumers: vec![TokioConsumer {
                receiver,
                cancel: cfg.cancel.clone(),
            }],
        })
    }
}

impl<M: Message> Producer<M> for TokioProducer<M> {
    #[inline(always)]
    fn publish_batch(
        &mut self,
        n: usize,
        mut fill: impl FnMut(usize, &mut M),
    ) -> Result<(), PublishError> {
        for index in 0..n {
            let message = M::new_with(|message| fill(index, message));
            match self.sender.try_send(message) {
                Ok(()) => {}
                Err(TrySendError::Closed(_)) => return Err(PublishError::Disconnected),
                Err(TrySendError::Full(message)) => {
                    if self.cancel.is_cancelled() {
                        return Err(PublishError::Cancelled);
                    }
                    self.sender
                        .blocking_send(message)
                        .map_err(|_| PublishError::Disconnected)?;
                }
            }
        }
        Ok(())
    }
}

impl<M: Message> Consumer<M> for TokioConsumer<M> {
    #[inline(always)]
    fn consume_batch(&mut self, max: usize, mut on: impl FnMut(&M)) -> Consumed {
        let first = match self.receiver.try_recv() {
            Ok(message) => message,
            Err(TryRecvError::Disconnected) => return Consumed::Closed,
            Err(TryRecvError::Empty) => {
                if self.cancel.is_cancelled() {
                    return Consumed::Idle;
                }
                match self.receiver.blocking_recv() {
                    Some(message) => message,
                    None => return Consumed::Closed,
                }
            }
        };
        on(&first);
        let mut taken = 1;
        while taken < max {
            match self.receiver.try_recv() {
                Ok(message) => {
                    on(&message);
                    taken += 1;
                }
                Err(_) => break,
            }
        }
        Consumed::Items(taken)
    }
}
