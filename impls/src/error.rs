//! What a publish or a consume comes back with: [`PublishError`] when a
//! publish did not complete, [`Consumed`] for what one consume did.
//!
//! The wait strategies return them as well as the endpoints, so they sit
//! in a module of their own that depends on nothing else of the crate.

/// Why a publish did not complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    /// Every consumer is gone; nothing will ever read the message.
    #[error("every consumer has been dropped")]
    Disconnected,
    /// The configuration's cancel token was set while waiting.
    #[error("the wait was cancelled")]
    Cancelled,
}

/// What one call of [`Consumer::consume_batch`](crate::Consumer::consume_batch) did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Consumed {
    /// Handled this many messages (at least one).
    Items(usize),
    /// Nothing was available and the wait was cancelled.
    Idle,
    /// Every producer is gone and everything they published has been
    /// consumed: there will never be more.
    Closed,
}

impl Consumed {
    /// Whether it handled any messages.
    pub fn is_items(self) -> bool {
        matches!(self, Consumed::Items(_))
    }
}
