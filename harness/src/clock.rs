//! The timer latency measurements read: the time-stamp counter where it is
//! invariant, `Instant` otherwise.
//!
//! On x86_64 the TSC ticks at a constant rate across frequency changes and
//! sleep states when `/proc/cpuinfo` lists both `constant_tsc` and
//! `nonstop_tsc`; then a reading costs about a third of `Instant::now()`.
//! Ticks are converted to nanoseconds with a rate calibrated against
//! `Instant` when the clock is made. Anywhere else (another architecture, a
//! TSC without those flags) the clock reads `Instant`, and says so.

use std::time::{Duration, Instant};

/// Where readings come from.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Source {
    /// `rdtsc`, at `ns_per_tick`.
    Tsc { ns_per_tick: f64 },
    /// Nanoseconds since `epoch`.
    Instant { epoch: Instant },
}

/// A cheap monotonic clock whose readings ("ticks") convert to nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Clock {
    source: Source,
}

pub use schema::Timer;

/// Whether `/proc/cpuinfo`'s flags say the TSC is invariant.
fn tsc_is_invariant(cpuinfo: &str) -> bool {
    let flags = cpuinfo
        .lines()
        .find(|line| line.starts_with("flags"))
        .unwrap_or_default();
    let has = |flag: &str| flags.split_whitespace().any(|word| word == flag);
    has("constant_tsc") && has("nonstop_tsc")
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn rdtsc() -> u64 {
    // SAFETY: `rdtsc` exists on every x86_64 processor and only reads the
    // time-stamp counter.
    unsafe { core::arch::x86_64::_rdtsc() }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn rdtsc() -> u64 {
    unreachable!("the TSC source is only chosen on x86_64")
}

impl Clock {
    /// The TSC when it is invariant (calibrated over about 50 ms), else
    /// `Instant`; the string says why.
    pub fn detect() -> (Clock, String) {
        if !cfg!(target_arch = "x86_64") {
            return (
                Clock::instant(),
                "Instant: no TSC on this architecture".to_owned(),
            );
        }
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        if !tsc_is_invariant(&cpuinfo) {
            return (
                Clock::instant(),
                "Instant: TSC not invariant (constant_tsc and nonstop_tsc not both in /proc/cpuinfo)"
                    .to_owned(),
            );
        }
        match calibrate(Duration::from_millis(10), 5) {
            Some(ns_per_tick) => (
                Clock {
                    source: Source::Tsc { ns_per_tick },
                },
                format!(
                    "invariant TSC (constant_tsc, nonstop_tsc) at {:.3} GHz, calibrated against Instant (median of 5 spans of 10 ms)",
                    1.0 / ns_per_tick
                ),
            ),
            None => (
                Clock::instant(),
                "Instant: the invariant TSC did not calibrate against Instant (no positive, finite rate)"
                    .to_owned(),
            ),
        }
    }

    /// A clock that reads `Instant`.
    pub fn instant() -> Clock {
        Clock {
            source: Source::Instant {
                epoch: Instant::now(),
            },
        }
    }

    /// `tsc` or `instant`.
    pub fn name(&self) -> &'static str {
        match self.source {
            Source::Tsc { .. } => "tsc",
            Source::Instant { .. } => "instant",
        }
    }

    /// A reading, in ticks.
    #[inline(always)]
    pub fn now(&self) -> u64 {
        match self.source {
            Source::Tsc { .. } => rdtsc(),
            Source::Instant { epoch } => {
                u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
            }
        }
    }

    /// Ticks to nanoseconds.
    #[inline]
    pub fn to_ns(&self, ticks: u64) -> u64 {
        match self.source {
            Source::Tsc { ns_per_tick } => (ticks as f64 * ns_per_tick) as u64,
            Source::Instant { .. } => ticks,
        }
    }

    /// Nanoseconds to (fractional) ticks.
    #[inline]
    pub fn ticks_for_ns(&self, ns: f64) -> f64 {
        match self.source {
            Source::Tsc { ns_per_tick } => ns / ns_per_tick,
            Source::Instant { .. } => ns,
        }
    }

    /// Measures this clock's cost (the median over batches of the mean
    /// cost of a read, so a batch spoilt by preemption does not count) and
    /// its resolution.
    pub fn measure(&self, note: String) -> Timer {
        const READS: u32 = 10_000;
        const BATCHES: usize = 21;
        let costs: Vec<f64> = (0..BATCHES)
            .map(|_| {
                let started = Instant::now();
                let mut sink = 0u64;
                for _ in 0..READS {
                    sink = sink.wrapping_add(std::hint::black_box(self.now()));
                }
                std::hint::black_box(sink);
                started.elapsed().as_nanos() as f64 / f64::from(READS)
            })
            .collect();
        let cost_ns = reports::stats::median(&costs);
        let mut smallest = u64::MAX;
        let mut previous = self.now();
        for _ in 0..READS {
            let reading = self.now();
            let step = reading.wrapping_sub(previous);
            if step > 0 {
                smallest = smallest.min(step);
            }
            previous = reading;
        }
        let resolution_ns = (smallest != u64::MAX).then_some(match self.source {
            Source::Tsc { ns_per_tick } => smallest as f64 * ns_per_tick,
            Source::Instant { .. } => smallest as f64,
        });
        Timer {
            source: self.name().to_owned(),
            cost_ns,
            resolution_ns,
            note,
        }
    }
}

/// Nanoseconds per TSC tick: the median over `spans` pairs of TSC and
/// `Instant` readings `span` apart (one span disturbed by a preemption
/// between the two readings of a pair does not decide it); `None` when no
/// span gives a positive, finite rate.
fn calibrate(span: Duration, spans: usize) -> Option<f64> {
    let rates: Vec<f64> = (0..spans)
        .map(|_| {
            let (instant_start, tsc_start) = (Instant::now(), rdtsc());
            std::thread::sleep(span);
            let (instant_end, tsc_end) = (Instant::now(), rdtsc());
            let ticks = tsc_end.wrapping_sub(tsc_start);
            instant_end.duration_since(instant_start).as_nanos() as f64 / ticks as f64
        })
        .filter(|rate| rate.is_finite() && *rate > 0.0)
        .collect();
    reports::stats::median(&rates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invariance_needs_both_flags() {
        assert!(tsc_is_invariant(
            "flags\t: fpu constant_tsc nonstop_tsc sse\n"
        ));
        assert!(!tsc_is_invariant("flags\t: fpu constant_tsc sse\n"));
        assert!(!tsc_is_invariant(""));
    }

    #[test]
    fn readings_advance_and_convert() {
        let (clock, _) = Clock::detect();
        let start = clock.now();
        std::thread::sleep(Duration::from_millis(5));
        let elapsed_ns = clock.to_ns(clock.now() - start);
        assert!(
            (4_000_000..1_000_000_000).contains(&elapsed_ns),
            "{elapsed_ns}"
        );
        let timer = clock.measure(String::new());
        assert!(
            timer.cost_ns.is_some_and(|ns| ns > 0.0)
                && timer.resolution_ns.is_some_and(|ns| ns > 0.0),
            "{timer:?}"
        );
    }
}
