//! Counters for the `metrics` feature.
//!
//! Each endpoint keeps its own [`Metrics`] (no sharing, no atomics) and
//! reports it when asked. Without the feature the type is empty and every
//! [`Metrics::add`] compiles to nothing, so the counters cost nothing in
//! measured builds.

/// What is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counter {
    /// Claims attempted with a compare-and-swap (`try_claim`).
    CasAttempts,
    /// Of those, the ones another producer won.
    CasFailures,
    /// Claims that had to wait for consumers to free slots.
    WrapWaits,
    /// Times a producer recomputed the minimum of the gating sequences.
    GatingReductions,
    /// Calls of `highest_published`.
    ScanCalls,
    /// Sequences examined by those calls, added up.
    ScanLength,
    /// Runs a worker took from a worker pool's work cursor.
    WorkClaims,
    /// Runs whose first sequence was not yet published, so the worker waited.
    IdleWaits,
}

impl Counter {
    /// Every counter, in report order.
    pub const ALL: [Counter; 8] = [
        Counter::CasAttempts,
        Counter::CasFailures,
        Counter::WrapWaits,
        Counter::GatingReductions,
        Counter::ScanCalls,
        Counter::ScanLength,
        Counter::WorkClaims,
        Counter::IdleWaits,
    ];

    /// The name used in results.
    pub fn name(self) -> &'static str {
        match self {
            Counter::CasAttempts => "cas_attempts",
            Counter::CasFailures => "cas_failures",
            Counter::WrapWaits => "wrap_waits",
            Counter::GatingReductions => "gating_reductions",
            Counter::ScanCalls => "scan_calls",
            Counter::ScanLength => "scan_length",
            Counter::WorkClaims => "work_claims",
            Counter::IdleWaits => "idle_waits",
        }
    }
}

/// One endpoint's counters.
#[derive(Clone, Copy, Debug, Default)]
pub struct Metrics {
    #[cfg(feature = "metrics")]
    values: [u64; Counter::ALL.len()],
}

impl Metrics {
    /// Adds `n` to `counter` (nothing without the `metrics` feature).
    #[inline(always)]
    pub fn add(&mut self, counter: Counter, n: u64) {
        #[cfg(feature = "metrics")]
        {
            self.values[counter as usize] += n;
        }
        #[cfg(not(feature = "metrics"))]
        let _ = (counter, n);
    }

    /// Every counter by name; empty without the `metrics` feature.
    pub fn report(&self) -> Vec<(&'static str, u64)> {
        #[cfg(feature = "metrics")]
        {
            Counter::ALL
                .iter()
                .map(|&counter| (counter.name(), self.values[counter as usize]))
                .collect()
        }
        #[cfg(not(feature = "metrics"))]
        Vec::new()
    }
}
