//! Allocation counting for the measured region.
//!
//! [`CountingAllocator`] wraps the system allocator. A binary installs it
//! with `#[global_allocator]` (the harness binary does; so does the test
//! that checks it). It counts only on a thread that has switched counting
//! on with [`start`], and only until [`stop`]: the run threads do so around
//! their measured region. The counts are per thread, in thread-local cells
//! (no atomics at all): a shared counter would put a cache line that every
//! run thread writes into the very measurement, and the per-thread sums are
//! all the harness needs. Where the allocator is not installed, [`stop`]
//! says so by returning `None`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// One thread's counting state.
struct Counts {
    /// Whether this thread is inside a measured region.
    enabled: Cell<bool>,
    /// Allocations (and reallocations) since [`start`].
    allocations: Cell<u64>,
    /// Bytes requested by them.
    bytes: Cell<u64>,
    /// Set by the allocator itself, so a region can tell that the counting
    /// allocator is the one installed.
    seen: Cell<bool>,
}

thread_local! {
    // `const` and without a destructor: no lazy initialisation and no
    // allocation, so the allocator may touch it at any time, thread
    // teardown included.
    static COUNTS: Counts = const {
        Counts {
            enabled: Cell::new(false),
            allocations: Cell::new(0),
            bytes: Cell::new(0),
            seen: Cell::new(false),
        }
    };
}

#[inline(always)]
fn count(bytes: usize) {
    COUNTS.with(|counts| {
        if counts.enabled.get() {
            counts.allocations.set(counts.allocations.get() + 1);
            counts.bytes.set(counts.bytes.get() + bytes as u64);
            counts.seen.set(true);
        }
    });
}

/// The system allocator, counting allocations of threads inside a measured
/// region.
#[derive(Clone, Copy, Debug, Default)]
pub struct CountingAllocator;

// SAFETY: every call is forwarded unchanged to `System`, which upholds the
// `GlobalAlloc` contract; counting touches only thread-local cells.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller's contract for `alloc` is passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` through this allocator with
        // `layout`, as the caller guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        // SAFETY: as for `dealloc`, and `new_size` is the caller's to
        // guarantee valid.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Starts counting the calling thread's allocations from zero.
pub fn start() {
    COUNTS.with(|counts| {
        counts.allocations.set(0);
        counts.bytes.set(0);
        counts.seen.set(false);
        counts.enabled.set(true);
    });
}

/// Stops counting and returns `(allocations, bytes)` since [`start`], or
/// `None` when the counting allocator is not installed (it could not tell
/// zero allocations from no counting). To tell them apart, it makes one
/// allocation of its own while still counting, and subtracts it.
pub fn stop() -> Option<(u64, u64)> {
    let probe = std::hint::black_box(Box::new(0u64));
    drop(probe);
    COUNTS.with(|counts| {
        counts.enabled.set(false);
        counts.seen.get().then(|| {
            (
                counts.allocations.get().saturating_sub(1),
                counts.bytes.get().saturating_sub(8),
            )
        })
    })
}
