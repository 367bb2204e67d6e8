//! The process's resident memory, as Linux reports it, and a watch that
//! follows it through a run and stops the run past a bound.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use crate::runner::Watch;

/// Bytes in a mebibyte.
pub const MIB: u64 = 1 << 20;

/// The process's resident set, in bytes (`/proc/self/statm`), or `None`
/// where there is no such file (not Linux) or it cannot be read.
pub fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf only reads a configuration value; _SC_PAGESIZE is
    // always valid.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages * u64::try_from(page).ok().filter(|&page| page > 0)?)
}

/// Resident memory around one run, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Memory {
    /// Before the queue was built.
    pub before: u64,
    /// The most seen while the run went on (sampled every
    /// [`Watch::EVERY`], and after it).
    pub peak: u64,
    /// After the run, its queue dropped.
    pub after: u64,
}

impl Memory {
    /// How far the peak rose above the start.
    pub fn growth(&self) -> u64 {
        self.peak.saturating_sub(self.before)
    }
}

/// Follows the resident set through one run: the peak, and a watch that
/// stops the run once it has grown past `limit` bytes.
pub struct MemoryWatch {
    before: u64,
    peak: Arc<AtomicU64>,
    limit: u64,
}

impl MemoryWatch {
    /// A watch from now, or `None` where the resident set cannot be read.
    pub fn start(limit: u64) -> Option<Self> {
        let before = resident_bytes()?;
        Some(MemoryWatch {
            before,
            peak: Arc::new(AtomicU64::new(before)),
            limit,
        })
    }

    /// The watch the run's gathering thread calls: records the peak, and
    /// gives a reason to stop once the growth passes the limit.
    pub fn watch(&self) -> Watch {
        let (before, limit, peak) = (self.before, self.limit, Arc::clone(&self.peak));
        Watch(Arc::new(move || {
            let now = resident_bytes()?;
            // Relaxed: a running maximum read after the run has ended and
            // been joined; nothing else rides on it.
            peak.fetch_max(now, Ordering::Relaxed);
            let growth = now.saturating_sub(before);
            (growth > limit).then(|| past_limit(growth, limit))
        }))
    }

    /// The figures, once the run is over.
    pub fn finish(&self) -> Memory {
        let after = resident_bytes().unwrap_or(self.before);
        // Relaxed: see `watch`.
        let peak = self.peak.fetch_max(after, Ordering::Relaxed).max(after);
        Memory {
            before: self.before,
            peak,
            after,
        }
    }

    /// The bound, in bytes.
    pub fn limit(&self) -> u64 {
        self.limit
    }
}

/// Why a run was stopped, or failed, for its memory.
pub fn past_limit(growth: u64, limit: u64) -> String {
    format!(
        "resident memory grew by {:.1} MiB during the run, past the bound of {:.1} MiB \
         (a leak, or the backlog of an unbounded queue whose producers outran its consumers; \
         --rss-limit-mib sets the bound)",
        growth as f64 / MIB as f64,
        limit as f64 / MIB as f64
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resident_memory_is_read_and_follows_an_allocation() {
        let Some(start) = MemoryWatch::start(16 * MIB) else {
            eprintln!("no /proc/self/statm here: nothing to check");
            return;
        };
        let watch = start.watch();
        // 64 MiB, every page written: resident, past the 16 MiB bound
        // (with room for what tests running beside this one free).
        let block = vec![1u8; 64 << 20];
        let reason = (watch.0)().expect("64 MiB more resident passes a 16 MiB bound");
        assert!(reason.contains("past the bound of 16.0 MiB"), "{reason}");
        let memory = start.finish();
        assert!(memory.growth() >= 32 * MIB, "{memory:?}");
        assert!(memory.peak >= memory.after);
        drop(block);
    }
}
