//! Wait strategies: what a thread does while the queue is full (producers)
//! or empty (consumers).
//!
//! A [`Waiter`] runs one strategy as an escalation: a thread that has just
//! made progress spins, and one that keeps waiting backs off. Every strategy
//! checks the [`Cancel`] token now and then, so a watchdog can always end a
//! run, even one whose threads busy-spin.

use core::time::Duration;
use serde::{Deserialize, Serialize};

use crate::sync::{Arc, AtomicBool, Ordering, sleep, spin_hint, yield_now};

/// How to wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitStrategy {
    /// Re-check in a tight loop. Lowest latency; burns a core; livelocks
    /// when threads outnumber cores.
    BusySpin,
    /// Re-check with the processor's pause hint between checks.
    SpinHint,
    /// Spin briefly with the pause hint, then yield the time slice on every
    /// further check. The fallback when threads outnumber cores.
    SpinYield,
    /// Yield the time slice on every check.
    Yield,
    /// Spin, then yield, then sleep in short naps.
    Sleep,
}

impl WaitStrategy {
    /// Every strategy, in documentation order.
    pub const ALL: [WaitStrategy; 5] = [
        WaitStrategy::BusySpin,
        WaitStrategy::SpinHint,
        WaitStrategy::SpinYield,
        WaitStrategy::Yield,
        WaitStrategy::Sleep,
    ];

    /// The name used in scenario files and results.
    pub fn name(self) -> &'static str {
        match self {
            WaitStrategy::BusySpin => "busy_spin",
            WaitStrategy::SpinHint => "spin_hint",
            WaitStrategy::SpinYield => "spin_yield",
            WaitStrategy::Yield => "yield",
            WaitStrategy::Sleep => "sleep",
        }
    }

    /// Whether it never gives up its core. Such strategies cannot share a
    /// core with the thread they wait for.
    pub fn never_yields(self) -> bool {
        matches!(self, WaitStrategy::BusySpin | WaitStrategy::SpinHint)
    }
}

/// A shared flag that ends every wait of the queue it was built into.
#[derive(Clone, Debug, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// Asks every waiter to give up.
    pub fn cancel(&self) {
        // Relaxed: waiters only need to see the flag eventually; nothing
        // else is published through it.
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`Cancel::cancel`] has been called.
    #[inline]
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// The wait was cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cancelled;

/// Spins before a spin-then-back-off strategy starts yielding.
const SPINS_BEFORE_YIELD: u32 = 64;
/// Yields before [`WaitStrategy::Sleep`] starts sleeping.
const YIELDS_BEFORE_SLEEP: u32 = 64;
/// One nap of [`WaitStrategy::Sleep`].
const NAP: Duration = Duration::from_micros(50);
/// Pure spins between two looks at the cancel token.
const SPINS_PER_CANCEL_CHECK: u32 = 1024;

/// Runs a [`WaitStrategy`] for one endpoint.
#[derive(Clone, Debug)]
pub struct Waiter {
    strategy: WaitStrategy,
    cancel: Cancel,
    /// Consecutive idle steps since the last progress.
    steps: u32,
}

impl Waiter {
    /// A waiter for `strategy` that gives up once `cancel` is set.
    pub fn new(strategy: WaitStrategy, cancel: Cancel) -> Self {
        Self {
            strategy,
            cancel,
            steps: 0,
        }
    }

    /// The strategy it runs.
    pub fn strategy(&self) -> WaitStrategy {
        self.strategy
    }

    /// The cancel token it watches.
    pub fn cancel_token(&self) -> &Cancel {
        &self.cancel
    }

    /// Call after progress: the next wait starts from the cheapest step.
    #[inline(always)]
    pub fn reset(&mut self) {
        self.steps = 0;
    }

    /// One idle step; call it each time the awaited condition is still false.
    #[inline]
    pub fn idle(&mut self) -> Result<(), Cancelled> {
        self.steps = self.steps.saturating_add(1);
        let steps = self.steps;
        match self.strategy {
            WaitStrategy::BusySpin | WaitStrategy::SpinHint => {
                if self.strategy == WaitStrategy::SpinHint {
                    spin_hint();
                }
                if steps.is_multiple_of(SPINS_PER_CANCEL_CHECK) && self.cancel.is_cancelled() {
                    return Err(Cancelled);
                }
                return Ok(());
            }
            WaitStrategy::SpinYield if steps <= SPINS_BEFORE_YIELD => spin_hint(),
            WaitStrategy::SpinYield | WaitStrategy::Yield => yield_now(),
            WaitStrategy::Sleep if steps <= SPINS_BEFORE_YIELD => spin_hint(),
            WaitStrategy::Sleep if steps <= SPINS_BEFORE_YIELD + YIELDS_BEFORE_SLEEP => yield_now(),
            WaitStrategy::Sleep => sleep(NAP),
        }
        if self.cancel.is_cancelled() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_strategy_gives_up_once_cancelled() {
        for strategy in WaitStrategy::ALL {
            let cancel = Cancel::default();
            let mut waiter = Waiter::new(strategy, cancel.clone());
            assert_eq!(waiter.idle(), Ok(()), "{strategy:?} before cancel");
            cancel.cancel();
            let steps = (0..10 * SPINS_PER_CANCEL_CHECK)
                .take_while(|_| waiter.idle().is_ok())
                .count();
            assert!(
                steps < 2 * SPINS_PER_CANCEL_CHECK as usize,
                "{strategy:?} ignored the cancel"
            );
        }
    }
}
