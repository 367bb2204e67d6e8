//! The sequencer's contract: [`Sequencer`], which `single` and `multi`
//! implement, what a claim that did not complete reports ([`Refused`]),
//! the waiting for and counting of free slots both sequencers share, and
//! what a ring over a sequencer is ([`info`]).

use super::sequence::{Sequence, minimum};
use crate::metrics::{Counter, Metrics};
use crate::queue::{Batching, Info, PublishError, Topology};
use crate::sync::Arc;
use crate::wait::Waiter;

/// Hands out sequences to producers and tells consumers what is published.
pub trait Sequencer: Send + Sync + Sized + 'static {
    /// Implementation name.
    const NAME: &'static str;
    /// One line on it.
    const SUMMARY: &'static str;
    /// Whether several producers may claim at once.
    const MULTI_PRODUCER: bool;
    /// Smallest ring it supports.
    const MIN_CAPACITY: usize;
    /// A producer's private claim state.
    type Claimer: Send;

    /// A sequencer for a ring of `capacity` slots whose slots may be reused
    /// once every sequence in `gating` has passed them.
    fn new(capacity: usize, gating: Box<[Arc<Sequence>]>) -> Self;

    /// Claim state for one more producer.
    fn claimer(&self) -> Self::Claimer;

    /// Claims the next `n` sequences (`n <= capacity`), waiting while the
    /// ring is full; returns the highest. Fails when `abandoned()` says no
    /// consumer is left, or when the wait is cancelled; a sequencer that
    /// takes its sequences before it waits says which it took, and they
    /// are then owed (see `Shared::owe`).
    fn claim(
        &self,
        claimer: &mut Self::Claimer,
        n: usize,
        waiter: &Waiter,
        abandoned: impl Fn() -> bool,
        metrics: &mut Metrics,
    ) -> Result<i64, Refused>;

    /// Claims the next `n` sequences only if they are free now.
    fn try_claim(
        &self,
        claimer: &mut Self::Claimer,
        n: usize,
        metrics: &mut Metrics,
    ) -> Option<i64>;

    /// Publishes `low ..= high`, whose events have been written.
    fn publish(&self, low: i64, high: i64);

    /// The highest `s <= available` with `low ..= s` all published.
    fn highest_published(&self, low: i64, available: i64) -> i64;

    /// The highest `s < low + limit` with `low ..= s` all published
    /// (`limit <= capacity`): what a consumer at `low` that takes at most
    /// `limit` events may handle. By default bounded by the cursor.
    #[inline]
    fn published_from(&self, low: i64, limit: usize) -> i64 {
        let cursor = self.cursor();
        if cursor < low {
            return low - 1;
        }
        self.highest_published(low, cursor.min(low + limit as i64 - 1))
    }

    /// The cursor consumers wait on: highest published (single producer)
    /// or highest claimed (several producers).
    fn cursor(&self) -> i64;

    /// Free slots now.
    fn remaining_capacity(&self) -> u64;

    /// The lowest gating sequence now (`i64::MAX` when nothing gates).
    fn gating_minimum(&self) -> i64;
}

/// A claim that did not complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refused {
    /// Why.
    pub error: PublishError,
    /// The highest of the `n` sequences taken anyway, by a claim that
    /// takes them first and waits for room after; `None` when nothing was
    /// taken.
    pub taken: Option<i64>,
}

impl From<PublishError> for Refused {
    fn from(error: PublishError) -> Self {
        Self { error, taken: None }
    }
}

/// Waits until every gating sequence has reached `wrap_point`; returns their
/// minimum.
pub(super) fn wait_for_gating(
    gating: &[Arc<Sequence>],
    wrap_point: i64,
    waiter: &Waiter,
    abandoned: impl Fn() -> bool,
    metrics: &mut Metrics,
) -> Result<i64, PublishError> {
    metrics.add(Counter::GatingReductions, 1);
    let first = minimum(gating);
    if first >= wrap_point {
        return Ok(first);
    }
    metrics.add(Counter::WrapWaits, 1);
    waiter.wait_for_room(
        || {
            metrics.add(Counter::GatingReductions, 1);
            let minimum = minimum(gating);
            (minimum >= wrap_point).then_some(minimum)
        },
        abandoned,
    )
}

/// Free slots in a ring of `capacity` whose producers have claimed up to
/// `claimed` and whose slowest gating consumer has finished `gating`
/// (`i64::MAX` when nothing gates). Zero, not negative, while claims run
/// past the gating point, as a multi-producer claim does: it adds to the
/// cursor first and waits for room after. Read `claimed` before `gating`
/// (which only grows), so that a stale `claimed` cannot look further
/// ahead than it was.
pub(super) fn free_slots(capacity: i64, claimed: i64, gating: i64) -> u64 {
    let in_use = claimed - gating.min(claimed);
    (capacity - in_use).max(0) as u64
}

/// What a ring over sequencer `S` is: everything but the name, summary and
/// topologies follows from the sequencer.
pub(super) fn info<S: Sequencer>(
    name: &'static str,
    summary: &'static str,
    topologies: &'static [Topology],
) -> Info {
    Info::new(name, summary, topologies)
        .batching(Batching::Native)
        .capacity_power_of_two(true)
        .min_capacity(S::MIN_CAPACITY)
        .single_producer(!S::MULTI_PRODUCER)
}
