//! Wait strategies: what a thread does while the queue is full (producers)
//! or empty (consumers).
//!
//! A [`Waiter`] runs one strategy through [`Waiter::wait_until`], which
//! re-checks a condition until it holds. Spinning strategies escalate (a
//! thread that keeps waiting backs off); the blocking strategies park the
//! thread on a condition variable that the other side wakes with
//! [`Waiter::notify`] after making progress. Every strategy checks the
//! [`Cancel`] token now and then, so a watchdog can always end a run, even
//! one whose threads busy-spin.
//!
//! Blocking without lost wake-ups: a waiter registers itself (`waiters += 1`),
//! issues a `SeqCst` fence and re-checks the condition with the lock held; a
//! notifier makes its progress visible, issues a `SeqCst` fence and reads
//! `waiters`. The two fences order the store-load pairs on both sides (the
//! store-buffering litmus test), so either the waiter sees the progress or
//! the notifier sees the waiter, and a notifier that sees one takes the lock
//! before signalling, so the signal cannot fall between the waiter's check
//! and its sleep. When nobody waits, a notify costs one fence and one load.

use core::time::Duration;

use crate::sync::{
    Arc, AtomicBool, AtomicUsize, Condvar, Deadline, Mutex, Ordering, fence, sleep, spin_hint,
    yield_now,
};

pub use schema::WaitStrategy;

use crate::error::{Consumed, PublishError};

/// How long [`WaitStrategy::TimeoutBlocking`] waits before giving up.
pub const TIMEOUT: Duration = Duration::from_millis(1);

/// A shared flag that ends every wait of the queue it was built into.
#[derive(Clone, Debug)]
pub struct Cancel(Arc<AtomicBool>);

impl Default for Cancel {
    fn default() -> Self {
        Self(Arc::new(AtomicBool::new(false)))
    }
}

impl Cancel {
    /// Asks every waiter to give up.
    pub fn cancel(&self) {
        // Relaxed: waiters only need to see the flag eventually (parked ones
        // wake within one slice); nothing else is published through it.
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`Cancel::cancel`] has been called.
    #[inline]
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Why a wait ended without its condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitError {
    /// The cancel token was set.
    Cancelled,
    /// [`WaitStrategy::TimeoutBlocking`]'s timeout passed.
    TimedOut,
}

/// The parking place shared by every endpoint of one queue.
#[derive(Debug)]
struct Parking {
    /// Threads registered as (about to be) parked.
    waiters: AtomicUsize,
    lock: Mutex<()>,
    wake: Condvar,
}

/// Spins before a spin-then-back-off strategy starts yielding.
const SPINS_BEFORE_YIELD: u32 = 64;
/// Yields before [`WaitStrategy::Sleep`] starts sleeping.
const YIELDS_BEFORE_SLEEP: u32 = 64;
/// One nap of [`WaitStrategy::Sleep`].
const NAP: Duration = Duration::from_micros(50);
/// Pure spins between two looks at the cancel token.
const SPINS_PER_CANCEL_CHECK: u32 = 1024;
/// Longest park before a parked thread looks at the cancel token.
const PARK_SLICE: Duration = Duration::from_millis(10);

/// Runs a [`WaitStrategy`] for one endpoint. Clones share the parking place,
/// so build one per queue and clone it into every endpoint.
#[derive(Clone, Debug)]
pub struct Waiter {
    strategy: WaitStrategy,
    cancel: Cancel,
    parking: Arc<Parking>,
}

impl Waiter {
    /// A waiter for `strategy` that gives up once `cancel` is set.
    pub fn new(strategy: WaitStrategy, cancel: Cancel) -> Self {
        Self {
            strategy,
            cancel,
            parking: Arc::new(Parking {
                waiters: AtomicUsize::new(0),
                lock: Mutex::new(()),
                wake: Condvar::new(),
            }),
        }
    }

    /// The strategy it runs.
    pub fn strategy(&self) -> WaitStrategy {
        self.strategy
    }

    /// Waits until `ready` returns `Some`, per the strategy, and returns it.
    /// `ready` is called at once, then after each idle step.
    #[inline]
    pub fn wait_until<T>(&self, mut ready: impl FnMut() -> Option<T>) -> Result<T, WaitError> {
        if let Some(value) = ready() {
            return Ok(value);
        }
        self.wait_slow(&mut ready)
    }

    /// A producer's wait for room: waits until `room` returns `Some` and
    /// returns it; `Err(Disconnected)` once `gone` says no consumer is left
    /// (asked only while there is no room, so what fits before the
    /// consumers leave still goes in); `Err(Cancelled)` when the run is
    /// cancelled. A timeout-blocking wait that times out waits again: a
    /// producer has nothing else to do.
    ///
    /// Shaped as [`wait_until`](Self::wait_until): the first look at
    /// `room` inline, the wait out of line. Inlining the whole loop into
    /// every publish made the batch-1 loops of `spsc_ring` and `rtrb` about
    /// half as fast.
    #[inline]
    pub fn wait_for_room<T>(
        &self,
        mut room: impl FnMut() -> Option<T>,
        gone: impl FnMut() -> bool,
    ) -> Result<T, PublishError> {
        if let Some(value) = room() {
            return Ok(value);
        }
        self.wait_for_room_slow(room, gone)
    }

    #[cold]
    #[inline(never)]
    fn wait_for_room_slow<T>(
        &self,
        mut room: impl FnMut() -> Option<T>,
        mut gone: impl FnMut() -> bool,
    ) -> Result<T, PublishError> {
        loop {
            let outcome = self.wait_until(|| match room() {
                Some(value) => Some(Ok(value)),
                None => gone().then_some(Err(PublishError::Disconnected)),
            });
            match outcome {
                Ok(result) => return result,
                Err(WaitError::Cancelled) => return Err(PublishError::Cancelled),
                Err(WaitError::TimedOut) => {}
            }
        }
    }

    /// A consumer's wait for messages: waits until `ready` returns `Some`
    /// and returns it, or `Err(Consumed::Idle)` when the wait timed out or
    /// was cancelled, for the consumer to return (its caller looks at the
    /// cancel token and calls again). Inline, as [`wait_until`](Self::wait_until):
    /// its first look at `ready` is a consumer's fast path.
    #[inline]
    pub fn wait_for_items<T>(&self, ready: impl FnMut() -> Option<T>) -> Result<T, Consumed> {
        self.wait_until(ready).map_err(|_| Consumed::Idle)
    }

    #[inline(never)]
    fn wait_slow<T>(&self, ready: &mut impl FnMut() -> Option<T>) -> Result<T, WaitError> {
        if self.strategy.parks() {
            return self.park(ready);
        }
        let mut steps: u32 = 0;
        loop {
            steps = steps.wrapping_add(1);
            match self.strategy {
                WaitStrategy::BusySpin | WaitStrategy::SpinHint => {
                    if self.strategy == WaitStrategy::SpinHint {
                        spin_hint();
                    }
                    if steps.is_multiple_of(SPINS_PER_CANCEL_CHECK) && self.cancel.is_cancelled() {
                        return Err(WaitError::Cancelled);
                    }
                }
                WaitStrategy::SpinYield | WaitStrategy::Sleep if steps <= SPINS_BEFORE_YIELD => {
                    spin_hint();
                }
                WaitStrategy::Sleep if steps > SPINS_BEFORE_YIELD + YIELDS_BEFORE_SLEEP => {
                    sleep(NAP);
                }
                _ => yield_now(),
            }
            if steps > SPINS_BEFORE_YIELD && self.cancel.is_cancelled() {
                return Err(WaitError::Cancelled);
            }
            if let Some(value) = ready() {
                return Ok(value);
            }
        }
    }

    fn park<T>(&self, ready: &mut impl FnMut() -> Option<T>) -> Result<T, WaitError> {
        let mut deadline =
            (self.strategy == WaitStrategy::TimeoutBlocking).then(|| Deadline::after(TIMEOUT));
        let parking = &*self.parking;
        let mut guard = parking
            .lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Relaxed: the fence below does the ordering. Of the two SeqCst
        // fences (this one and the one in `notify`), whichever comes first
        // in their single total order makes the write before it visible to
        // the read after the other: the notifier's read of `waiters` sees
        // this increment, or the re-check below sees the notifier's progress.
        parking.waiters.fetch_add(1, Ordering::Relaxed);
        // SeqCst: orders the registration before the re-check below; pairs
        // with the fence in `notify` (see the module header).
        fence(Ordering::SeqCst);
        let outcome = loop {
            if let Some(value) = ready() {
                break Ok(value);
            }
            if self.cancel.is_cancelled() {
                break Err(WaitError::Cancelled);
            }
            let slice = match deadline.as_mut().map(Deadline::left) {
                None => PARK_SLICE,
                Some(Some(left)) => left.min(PARK_SLICE),
                Some(None) => break Err(WaitError::TimedOut),
            };
            guard = match parking.wake.wait_timeout(guard, slice) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        };
        // Relaxed: only notifiers' skip decision reads it, and a stale
        // non-zero costs them one needless signal.
        parking.waiters.fetch_sub(1, Ordering::Relaxed);
        drop(guard);
        outcome
    }

    /// Wakes parked waiters after this side made progress (published,
    /// consumed, closed). Free for strategies that do not park; one fence
    /// and one load when nobody is parked.
    #[inline]
    pub fn notify(&self) {
        if self.strategy.parks() {
            self.notify_parked();
        }
    }

    #[inline(never)]
    fn notify_parked(&self) {
        let parking = &*self.parking;
        // SeqCst: orders the caller's progress (already stored) before the
        // read of `waiters`; pairs with the fence in `park`.
        fence(Ordering::SeqCst);
        if parking.waiters.load(Ordering::Relaxed) > 0 {
            let _guard = parking
                .lock
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            parking.wake.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn every_strategy_gives_up_once_cancelled() {
        for strategy in WaitStrategy::ALL {
            let cancel = Cancel::default();
            let waiter = Waiter::new(strategy, cancel.clone());
            assert_eq!(waiter.wait_until(|| Some(7)), Ok(7), "{strategy:?}");
            cancel.cancel();
            let outcome = waiter.wait_until(|| None::<()>);
            let expected = if strategy == WaitStrategy::TimeoutBlocking {
                // Cancel and timeout race only in which one is reported.
                [Err(WaitError::Cancelled), Err(WaitError::TimedOut)]
            } else {
                [Err(WaitError::Cancelled), Err(WaitError::Cancelled)]
            };
            assert!(expected.contains(&outcome), "{strategy:?}: {outcome:?}");
        }
    }

    #[test]
    fn timeout_blocking_times_out_and_blocking_does_not() {
        let waiter = Waiter::new(WaitStrategy::TimeoutBlocking, Cancel::default());
        let started = Instant::now();
        assert_eq!(waiter.wait_until(|| None::<()>), Err(WaitError::TimedOut));
        assert!(started.elapsed() >= TIMEOUT);

        let cancel = Cancel::default();
        let waiter = Waiter::new(WaitStrategy::Blocking, cancel.clone());
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            cancel.cancel();
        });
        let started = Instant::now();
        assert_eq!(waiter.wait_until(|| None::<()>), Err(WaitError::Cancelled));
        assert!(
            started.elapsed() >= Duration::from_millis(50),
            "blocking gave up early"
        );
        canceller.join().unwrap();
    }
}
