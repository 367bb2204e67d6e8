//! Panics on fault-run threads: the payload a fault run injects, a panic
//! hook that keeps them (and any other panic on those threads) off
//! stderr while remembering where an unexpected one was raised, and
//! running a body on such a thread.

use std::any::Any;
use std::cell::RefCell;
use std::panic;
use std::sync::Once;
use std::thread;

use super::spec::THREAD_PREFIX;
use crate::runner::panic_message;

/// The payload of every panic a fault run injects.
pub(super) struct InjectedFault;

thread_local! {
    /// The last unexpected panic on this fault-run thread, with where it
    /// was raised (the hook sees the location; `catch_unwind` does not).
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Keeps panics on fault-run threads off stderr: injected ones are
/// expected, and other ones are reported in the run's outcome, with
/// where they were raised. Panics on every other thread go to the hook
/// that was installed before.
pub(super) fn quiet_panics_on_fault_threads() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let fault_thread = thread::current()
                .name()
                .is_some_and(|name| name.starts_with(THREAD_PREFIX));
            if !fault_thread {
                return previous(info);
            }
            if info.payload().is::<InjectedFault>() {
                return;
            }
            let mut message = panic_message(info.payload());
            if let Some(location) = info.location() {
                message = format!("{message} (at {location})");
            }
            LAST_PANIC.with(|last| *last.borrow_mut() = Some(message));
        }));
    });
}

/// The text of an unexpected panic caught on this thread.
pub(super) fn unexpected_panic(payload: &(dyn Any + Send)) -> String {
    LAST_PANIC
        .with(|last| last.borrow_mut().take())
        .unwrap_or_else(|| panic_message(payload))
}

/// Runs `body` on a thread of its own, named as a fault-run thread, so
/// that the panics raised there stay off stderr: those it injects with
/// [`inject_panic`] and tells apart with [`unexpected`], and any other,
/// whose text comes back as `Err`.
pub(crate) fn quietly<R: Send>(name: &str, body: impl FnOnce() -> R + Send) -> Result<R, String> {
    quiet_panics_on_fault_threads();
    thread::scope(|scope| {
        match thread::Builder::new()
            .name(format!("{THREAD_PREFIX}{name}"))
            .spawn_scoped(scope, body)
        {
            Ok(thread) => thread.join().map_err(|payload| panic_message(&*payload)),
            Err(error) => panic!("cannot spawn a fault-run thread: {error}"),
        }
    })
}

/// Panics with the payload of an injected fault.
pub(crate) fn inject_panic() -> ! {
    panic::panic_any(InjectedFault)
}

/// What a panic caught on a [`quietly`] thread said, with where it was
/// raised; `None` for one that [`inject_panic`] raised.
pub(crate) fn unexpected(payload: &(dyn Any + Send)) -> Option<String> {
    (!payload.is::<InjectedFault>()).then(|| unexpected_panic(payload))
}
