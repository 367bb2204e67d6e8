//! Which core each thread of a run is pinned to.
//!
//! `core_affinity::get_core_ids()` returns the *calling thread's* affinity
//! mask, so once a thread is pinned it sees one core. [`Cores::detect`] reads
//! the list once, on the main thread, before any thread is pinned; every plan
//! is made from that list.

/// The cores this process may run on, read once at start.
#[derive(Clone, Debug)]
pub struct Cores {
    ids: Vec<core_affinity::CoreId>,
}

impl Cores {
    /// Reads the calling thread's affinity mask. Call before pinning anything.
    pub fn detect() -> Self {
        let ids = core_affinity::get_core_ids().unwrap_or_default();
        Self { ids }
    }

    /// Cores available (at least 1, even where the mask cannot be read).
    pub fn count(&self) -> usize {
        self.ids.len().max(1)
    }

    /// The core ids, as the OS numbers them.
    pub fn ids(&self) -> Vec<usize> {
        self.ids.iter().map(|core| core.id).collect()
    }

    /// Places `producers` then `consumers` on distinct cores, or leaves every
    /// thread to the scheduler when they outnumber the cores (pinning two
    /// threads to one core would only force them to take turns).
    pub fn plan(&self, producers: usize, consumers: usize) -> Placement {
        let threads = producers + consumers;
        if threads > self.ids.len() {
            return Placement {
                oversubscribed: threads > self.count(),
                cores: None,
                threads,
            };
        }
        Placement {
            oversubscribed: false,
            cores: Some(self.ids[..threads].iter().map(|c| c.id).collect()),
            threads,
        }
    }
}

pub use schema::Placement;

/// Pins the calling thread to `core`; returns whether the OS accepted it.
pub fn pin_current(core: usize) -> bool {
    core_affinity::set_for_current(core_affinity::CoreId { id: core })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cores(n: usize) -> Cores {
        Cores {
            ids: (0..n).map(|id| core_affinity::CoreId { id }).collect(),
        }
    }

    #[test]
    fn distinct_cores_while_they_last() {
        let placement = cores(4).plan(1, 2);
        assert_eq!(placement.cores, Some(vec![0, 1, 2]));
        assert!(!placement.oversubscribed);
        assert_eq!(placement.describe(1, 4), "pinned p0:0 c0:1 c1:2");
    }

    #[test]
    fn oversubscription_is_detected_and_left_unpinned() {
        let placement = cores(2).plan(2, 2);
        assert!(placement.oversubscribed);
        assert_eq!(placement.cores, None);
        assert!(placement.describe(2, 2).contains("4 threads on 2 cores"));
    }
}
