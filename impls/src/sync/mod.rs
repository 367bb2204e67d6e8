//! The synchronisation primitives every implementation imports.
//!
//! Implementation code never names `std::sync` or `core::cell` directly: it
//! imports atomics, `Arc`, locks, [`UnsafeCell`] and the spin/yield hooks
//! from here, so that one module decides which primitives back them:
//!
//! - by default, the standard library's;
//! - with `--cfg ringlab_loom`, loom's: every access is a point where loom
//!   explores interleavings and weak-memory outcomes, and `UnsafeCell`
//!   accesses are checked for data races;
//! - with `--cfg ringlab_shuttle`, shuttle's: randomized and PCT schedules
//!   (sequentially consistent atomics: logic and interleaving bugs, not
//!   ordering bugs).
//!
//! The cfgs are project-named so that dependencies do not switch with us.
//! Under the model checkers, spin hints and sleeps become yields, so that
//! spin loops hand control to the checker's scheduler.

#[cfg(ringlab_loom)]
mod primitives {
    pub use loom::cell::UnsafeCell;
    pub use loom::sync::atomic::{
        AtomicBool, AtomicI32, AtomicI64, AtomicPtr, AtomicU64, AtomicUsize, Ordering, fence,
    };
    pub use loom::sync::{Arc, Condvar, Mutex, MutexGuard};

    /// One iteration of a spin loop: a yield to loom's scheduler.
    #[inline]
    pub fn spin_hint() {
        loom::thread::yield_now();
    }

    /// Gives control to another thread.
    #[inline]
    pub fn yield_now() {
        loom::thread::yield_now();
    }

    /// Loom has no time: a sleep is a yield.
    #[inline]
    pub fn sleep(_duration: std::time::Duration) {
        loom::thread::yield_now();
    }
}

#[cfg(all(ringlab_shuttle, not(ringlab_loom)))]
mod primitives {
    pub use super::cell::UnsafeCell;
    pub use shuttle::sync::atomic::{
        AtomicBool, AtomicI32, AtomicI64, AtomicPtr, AtomicU64, AtomicUsize, Ordering, fence,
    };
    pub use shuttle::sync::{Arc, Condvar, Mutex, MutexGuard};

    /// One iteration of a spin loop: a yield to shuttle's scheduler.
    #[inline]
    pub fn spin_hint() {
        shuttle::thread::yield_now();
    }

    /// Gives control to another thread.
    #[inline]
    pub fn yield_now() {
        shuttle::thread::yield_now();
    }

    /// Shuttle has no time: a sleep is a yield.
    #[inline]
    pub fn sleep(_duration: std::time::Duration) {
        shuttle::thread::yield_now();
    }
}

#[cfg(not(any(ringlab_loom, ringlab_shuttle)))]
mod primitives {
    pub use super::cell::UnsafeCell;
    pub use std::sync::atomic::{
        AtomicBool, AtomicI32, AtomicI64, AtomicPtr, AtomicU64, AtomicUsize, Ordering, fence,
    };
    pub use std::sync::{Arc, Condvar, Mutex, MutexGuard};

    /// One iteration of a spin loop: the processor's pause hint.
    #[inline(always)]
    pub fn spin_hint() {
        core::hint::spin_loop();
    }

    /// Gives the rest of this time slice to another thread.
    #[inline]
    pub fn yield_now() {
        std::thread::yield_now();
    }

    /// Sleeps for about `duration` (the OS decides how much longer).
    #[inline]
    pub fn sleep(duration: std::time::Duration) {
        std::thread::sleep(duration);
    }
}

pub use primitives::*;

/// When a timed wait gives up.
///
/// By default a point in real time. The model checkers have no time (their
/// timed waits never time out), so there a deadline passes at its second
/// look: a timed wait parks once, and if its condition still does not
/// hold when it wakes, it times out. That way the models run the
/// timed-out paths wherever a waiter can be woken without the progress it
/// waits for (by a third thread's signal), and only there.
#[cfg(not(any(ringlab_loom, ringlab_shuttle)))]
#[derive(Debug)]
pub struct Deadline(std::time::Instant);

#[cfg(not(any(ringlab_loom, ringlab_shuttle)))]
impl Deadline {
    /// `timeout` from now.
    pub fn after(timeout: std::time::Duration) -> Self {
        Self(std::time::Instant::now() + timeout)
    }

    /// Time left, or `None` once it has passed.
    pub fn left(&mut self) -> Option<std::time::Duration> {
        self.0
            .checked_duration_since(std::time::Instant::now())
            .filter(|left| !left.is_zero())
    }
}

/// When a timed wait gives up (see the default build's version).
#[cfg(any(ringlab_loom, ringlab_shuttle))]
#[derive(Debug)]
pub struct Deadline {
    timeout: std::time::Duration,
    looked: bool,
}

#[cfg(any(ringlab_loom, ringlab_shuttle))]
std::thread_local! {
    /// How many of the next deadlines pass at their first look (see
    /// [`expire_next_deadlines`]). The checkers run a model's threads on
    /// the test's own thread, so this is one count per model.
    static EXPIRING: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
}

/// Checker builds only: the next `count` deadlines made (by any thread of
/// the model) pass at their first look, so a timed wait gives up without
/// parking when its condition does not hold at once: the path a real
/// timeout takes, which the checkers' clockless waits reach otherwise only
/// where a wake-up comes without the progress waited for. Call it at the
/// start of each execution of a model.
#[cfg(any(ringlab_loom, ringlab_shuttle))]
pub fn expire_next_deadlines(count: usize) {
    EXPIRING.with(|expiring| expiring.set(count));
}

#[cfg(any(ringlab_loom, ringlab_shuttle))]
impl Deadline {
    /// Passes at its second look (at its first, where
    /// [`expire_next_deadlines`] said so).
    pub fn after(timeout: std::time::Duration) -> Self {
        let expired = EXPIRING.with(|expiring| {
            let left = expiring.get();
            expiring.set(left.saturating_sub(1));
            left > 0
        });
        Self {
            timeout,
            looked: expired,
        }
    }

    /// The whole timeout at the first look, `None` after.
    pub fn left(&mut self) -> Option<std::time::Duration> {
        (!core::mem::replace(&mut self.looked, true)).then_some(self.timeout)
    }
}

/// Runs `body`; if it panics, runs `cleanup` and lets the panic go on.
///
/// By default a drop guard: nothing runs on the way in or out, so a
/// `body` that cannot unwind costs nothing more. Under the model checkers
/// the panic is caught, `cleanup` runs, and the panic is resumed: their
/// mutexes cannot be locked while a thread unwinds (their inner standard
/// mutex is poisoned), and `cleanup` locks. Either way `cleanup` does the
/// same operations in the same order after the same ones in `body`.
#[cfg(not(any(ringlab_loom, ringlab_shuttle)))]
#[inline(always)]
pub fn on_unwind<R>(body: impl FnOnce() -> R, cleanup: impl FnOnce()) -> R {
    struct Guard<F: FnOnce()>(Option<F>);
    impl<F: FnOnce()> Drop for Guard<F> {
        fn drop(&mut self) {
            if let Some(cleanup) = self.0.take() {
                cleanup();
            }
        }
    }
    let mut guard = Guard(Some(cleanup));
    let value = body();
    guard.0 = None;
    value
}

/// Runs `body`; if it panics, runs `cleanup` and lets the panic go on
/// (see the default build's version).
#[cfg(any(ringlab_loom, ringlab_shuttle))]
pub fn on_unwind<R>(body: impl FnOnce() -> R, cleanup: impl FnOnce()) -> R {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(payload) => {
            cleanup();
            std::panic::resume_unwind(payload)
        }
    }
}

/// Hands the contents of `cells`, in order, to `on` as shared slices: by
/// default one slice of them all; under loom, whose cells cannot be seen
/// as one array, a slice of one per cell, each inside that cell's `with`,
/// so that loom still checks every access. An empty `cells` hands nothing.
///
/// # Safety
///
/// As for dereferencing the pointer [`UnsafeCell::with`] gives, for every
/// cell of `cells`: no `&mut` to any of their contents may exist while
/// `on` runs.
#[inline(always)]
pub unsafe fn read_slices<T>(cells: &[UnsafeCell<T>], mut on: impl FnMut(&[T])) {
    #[cfg(not(ringlab_loom))]
    if !cells.is_empty() {
        // SAFETY: `UnsafeCell<T>` is `repr(transparent)` over `T` (ours
        // over the standard one, which has `T`'s layout), so the cells are
        // an array of `T`; the caller promises that nothing writes them
        // while the shared slice lives.
        on(unsafe { core::slice::from_raw_parts(cells.as_ptr().cast::<T>(), cells.len()) });
    }
    #[cfg(ringlab_loom)]
    for cell in cells {
        // SAFETY: the caller's promise, for this cell.
        cell.with(|value| on(core::slice::from_ref(unsafe { &*value })));
    }
}

#[cfg(not(ringlab_loom))]
mod cell {
    /// An `UnsafeCell` whose accesses go through closures, as loom's does,
    /// so that the same code runs under loom, which checks every access.
    /// Transparent, so that a slice of cells can be read as a slice of
    /// their contents ([`super::read_slices`]).
    #[derive(Debug, Default)]
    #[repr(transparent)]
    pub struct UnsafeCell<T>(core::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        /// Wraps `value`.
        pub const fn new(value: T) -> Self {
            Self(core::cell::UnsafeCell::new(value))
        }

        /// Runs `f` with a shared raw pointer to the contents.
        ///
        /// Dereferencing the pointer is the caller's `unsafe`
        /// responsibility: no `&mut` to the contents may exist meanwhile.
        #[inline(always)]
        pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        /// Runs `f` with a mutable raw pointer to the contents.
        ///
        /// Dereferencing the pointer is the caller's `unsafe`
        /// responsibility: no other reference to the contents may exist
        /// meanwhile.
        #[inline(always)]
        pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }
}
