//! The canary of `scripts/asan.sh`: proof that AddressSanitizer is really
//! on in the build that runs the unsafe-code tests. Compiled only with
//! `--cfg ringlab_asan` (which only that script sets), and run by it alone,
//! expecting the sanitizer to stop the process with a report of a
//! heap-use-after-free; a run that passes means the tests above it ran
//! without a sanitizer, and the script fails.

#![cfg(ringlab_asan)]

#[test]
#[ignore = "run by scripts/asan.sh only, which expects AddressSanitizer to abort it"]
fn a_read_after_free_is_caught() {
    let boxed = Box::new([7u64; 4]);
    let pointer: *const u64 = boxed.as_ptr();
    drop(boxed);
    // SAFETY: none: this read of freed memory is the deliberate error the
    // sanitizer must report. The test is compiled only into the sanitizer's
    // build and run only by its script, which requires the abort.
    let value = unsafe { std::ptr::read_volatile(pointer) };
    assert_eq!(value, 7, "unreachable under AddressSanitizer");
}
