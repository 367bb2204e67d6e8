//! Keeping the consumer's contract when a handler panics (see
//! [`Consumer`](crate::Consumer)): the messages already handed to it count
//! as consumed, and the rest stay for the next call. A consumer counts
//! each message (or slice) before it hands it on, and commits that many on
//! the way out of the panic: with [`crate::sync::on_unwind`] where its
//! commit is a store of its own, with a [`Handing`] where the commit goes
//! through what the batch is read from (a crate's read chunk, or its
//! consumer while its slices are borrowed).

use core::cell::Cell;

/// Holds what commits a batch (`T`) while the handler runs, and counts
/// what the handler has been handed. Dropped while unwinding, it commits
/// that many with `commit`; on return, [`finish`](Self::finish) gives `T`
/// back for the batch's usual commit, so that path stays as it was.
pub(crate) struct Handing<T, F: FnOnce(T, usize)> {
    /// `None` once finished.
    held: Option<(T, F)>,
    /// Messages handed so far.
    handed: Cell<usize>,
}

impl<T, F: FnOnce(T, usize)> Handing<T, F> {
    /// Holds `held` until finished; `commit(held, n)` commits the first
    /// `n` messages of the batch.
    #[inline(always)]
    pub(crate) fn new(held: T, commit: F) -> Self {
        Self {
            held: Some((held, commit)),
            handed: Cell::new(0),
        }
    }

    /// What the batch is read through.
    #[inline(always)]
    pub(crate) fn held(&self) -> &T {
        &self.held.as_ref().expect("held until finished").0
    }

    /// The count of messages handed, for [`each`] and [`slices`].
    #[inline(always)]
    pub(crate) fn handed(&self) -> &Cell<usize> {
        &self.handed
    }

    /// The handler returned: gives back what commits the batch, committing
    /// nothing.
    #[inline(always)]
    pub(crate) fn finish(mut self) -> T {
        self.held.take().expect("held until finished").0
    }
}

impl<T, F: FnOnce(T, usize)> Drop for Handing<T, F> {
    fn drop(&mut self) {
        if let Some((held, commit)) = self.held.take() {
            commit(held, self.handed.get());
        }
    }
}

/// Hands the messages of `first`, then of `second`, to `on` one at a time,
/// counting each in `handed` before it is handed.
#[inline(always)]
pub(crate) fn each<M>(first: &[M], second: &[M], handed: &Cell<usize>, mut on: impl FnMut(&M)) {
    first.iter().chain(second).for_each(|message| {
        handed.set(handed.get() + 1);
        on(message)
    })
}

/// Hands `first`, then `second` unless it is empty, to `on` as slices,
/// counting each slice's messages in `handed` before it is handed.
#[inline(always)]
pub(crate) fn slices<M>(first: &[M], second: &[M], handed: &Cell<usize>, mut on: impl FnMut(&[M])) {
    handed.set(handed.get() + first.len());
    on(first);
    if !second.is_empty() {
        handed.set(handed.get() + second.len());
        on(second);
    }
}

#[cfg(test)]
mod tests {
    use super::{Handing, each, slices};
    use std::panic::{AssertUnwindSafe, catch_unwind};

    /// Hands `[0, 1, 2]` and `[3, 4]` with `hand`, which panics on
    /// message 1 or 3 (or not at all); returns what was committed.
    fn committed(panic_on: Option<u32>, by_slice: bool) -> Vec<usize> {
        let mut commits = Vec::new();
        let (first, second) = ([0u32, 1, 2], [3u32, 4]);
        let _ = catch_unwind(AssertUnwindSafe(|| {
            let handing = Handing::new(&mut commits, |commits, n| commits.push(n));
            let check = |message: &u32| assert_ne!(Some(*message), panic_on);
            if by_slice {
                slices(&first, &second, handing.handed(), |run| {
                    run.iter().for_each(check)
                });
            } else {
                each(&first, &second, handing.handed(), check);
            }
            handing.finish().push(5);
        }));
        commits
    }

    #[test]
    fn a_panic_commits_what_was_handed() {
        assert_eq!(committed(None, false), [5]);
        assert_eq!(committed(Some(1), false), [2]);
        assert_eq!(committed(Some(3), false), [4]);
        assert_eq!(committed(None, true), [5]);
        assert_eq!(committed(Some(1), true), [3]);
        assert_eq!(committed(Some(3), true), [5]);
    }
}
