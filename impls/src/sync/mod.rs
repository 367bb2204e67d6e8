//! The synchronisation primitives every implementation imports.
//!
//! Implementation code never names `std::sync` or `core::cell` directly: it
//! imports atomics, `Arc`, [`UnsafeCell`] and the spin/yield hooks from here,
//! so that one module decides which primitives back them. Today that is the
//! standard library; the model-checking builds (`--cfg ringlab_loom`,
//! `--cfg ringlab_shuttle`, declared in the workspace's `check-cfg`) swap this
//! module's contents and leave implementation code as it is.

pub use std::sync::atomic::{
    AtomicBool, AtomicI32, AtomicI64, AtomicU64, AtomicUsize, Ordering, fence,
};
pub use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// An `UnsafeCell` whose accesses go through closures, as loom's does, so
/// that a model checker can see every read and write of a slot.
#[derive(Debug, Default)]
pub struct UnsafeCell<T>(core::cell::UnsafeCell<T>);

impl<T> UnsafeCell<T> {
    /// Wraps `value`.
    pub const fn new(value: T) -> Self {
        Self(core::cell::UnsafeCell::new(value))
    }

    /// Runs `f` with a shared raw pointer to the contents.
    ///
    /// Dereferencing the pointer is the caller's `unsafe` responsibility:
    /// no `&mut` to the contents may exist for the duration.
    #[inline(always)]
    pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Runs `f` with a mutable raw pointer to the contents.
    ///
    /// Dereferencing the pointer is the caller's `unsafe` responsibility:
    /// no other reference to the contents may exist for the duration.
    #[inline(always)]
    pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

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
