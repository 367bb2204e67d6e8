//! Per-thread event counters, with an honest fallback.
//!
//! The first choice is the hardware PMU through `perf_event_open` (cycles,
//! instructions, cache references and misses, LLC read misses, branch
//! misses), counting kernel time too where that is allowed and user time
//! only where it is refused (EACCES under a strict `perf_event_paranoid`).
//! Virtual machines often have no PMU (opening fails with ENOENT). Software
//! events (task clock, context switches, migrations, page faults) are opened
//! with kernel counting on, since the last three happen in the kernel and
//! read 0 otherwise. Where that is refused (EACCES for unprivileged users),
//! the task clock is opened as the user sees it, and context switches and
//! page faults come from `getrusage(RUSAGE_THREAD)`. Every counter says
//! whether it was measured and, if not, why; an unavailable counter is never
//! reported as 0.
//!
//! Hardware counters can outnumber the PMU's registers; the kernel then
//! time-shares them, and a count covers only the time its event was on the
//! PMU. Reads are scaled by time enabled over time running, as `perf stat`
//! does, and an event that never ran is left out (unavailable), not 0.
//!
//! [`plan`] decides from what an [`Opener`] manages to open, so a test can
//! inject failures. Each run thread then opens the plan's counters for
//! itself ([`ThreadCounters`]), enables them for its measured region and
//! reads them after.

use std::io;

use perf_event::events::{Cache, CacheId, CacheOp, CacheResult, Hardware, Software};
use perf_event::{Builder, Counter};

/// An event the harness may count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// CPU cycles.
    Cycles,
    /// Instructions retired.
    Instructions,
    /// Cache references (usually last-level).
    CacheReferences,
    /// Cache misses (usually last-level).
    CacheMisses,
    /// Last-level cache read misses.
    LlcMisses,
    /// Mispredicted branches.
    BranchMisses,
    /// Time on a CPU, in nanoseconds.
    TaskClock,
    /// Context switches.
    ContextSwitches,
    /// Moves to another CPU.
    Migrations,
    /// Page faults.
    PageFaults,
}

/// Which counting mechanism produced a value.
pub use schema::CounterSource as Source;
pub use schema::{CounterAvailability, CounterStatus, CounterValue};

/// The hardware events, in report order.
pub const HARDWARE: [Event; 6] = [
    Event::Cycles,
    Event::Instructions,
    Event::CacheReferences,
    Event::CacheMisses,
    Event::LlcMisses,
    Event::BranchMisses,
];

/// The software events, in report order.
pub const SOFTWARE: [Event; 4] = [
    Event::TaskClock,
    Event::ContextSwitches,
    Event::Migrations,
    Event::PageFaults,
];

impl Event {
    /// Name in results and tables.
    pub fn name(self) -> &'static str {
        match self {
            Event::Cycles => "cycles",
            Event::Instructions => "instructions",
            Event::CacheReferences => "cache_references",
            Event::CacheMisses => "cache_misses",
            Event::LlcMisses => "llc_misses",
            Event::BranchMisses => "branch_misses",
            Event::TaskClock => "task_clock",
            Event::ContextSwitches => "context_switches",
            Event::Migrations => "migrations",
            Event::PageFaults => "page_faults",
        }
    }

    /// Unit of one count.
    pub fn unit(self) -> &'static str {
        match self {
            Event::TaskClock => "ns",
            _ => "events",
        }
    }
}

/// Something that opens a counter for the calling thread.
pub trait Opener {
    /// An open counter.
    type Counter: ReadCounter;
    /// Opens `event` for the calling thread, on any CPU, counting kernel
    /// time too unless `exclude_kernel`.
    fn open(&self, event: Event, exclude_kernel: bool) -> io::Result<Self::Counter>;
}

/// An open counter.
pub trait ReadCounter {
    /// Starts counting.
    fn enable(&mut self) -> io::Result<()>;
    /// Stops counting.
    fn disable(&mut self) -> io::Result<()>;
    /// The count so far.
    fn read(&mut self) -> io::Result<Reading>;
}

/// A counter's raw count and how long it was enabled and actually counting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reading {
    /// Events counted while the event was on the PMU.
    pub count: u64,
    /// Nanoseconds the counter was enabled (`None`: not reported).
    pub enabled_ns: Option<u64>,
    /// Nanoseconds it was actually counting (`None`: not reported).
    pub running_ns: Option<u64>,
}

impl Reading {
    /// The count over the whole enabled time: scaled by enabled over running
    /// time when the kernel time-shared the event, `None` when it was enabled
    /// but never ran (nothing was counted, which is not a count of 0).
    pub fn scaled(self) -> Option<u64> {
        match (self.enabled_ns, self.running_ns) {
            (Some(enabled), Some(running)) if running < enabled => (running > 0).then(|| {
                (u128::from(self.count) * u128::from(enabled) / u128::from(running)) as u64
            }),
            _ => Some(self.count),
        }
    }
}

/// Opens real counters with `perf_event_open`.
#[derive(Clone, Copy, Debug, Default)]
pub struct PerfOpener;

impl ReadCounter for Counter {
    fn enable(&mut self) -> io::Result<()> {
        Counter::enable(self)
    }
    fn disable(&mut self) -> io::Result<()> {
        Counter::disable(self)
    }
    fn read(&mut self) -> io::Result<Reading> {
        let data = self.read_full()?;
        let ns = |duration: Option<std::time::Duration>| {
            duration.map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        };
        Ok(Reading {
            count: data.count(),
            enabled_ns: ns(data.time_enabled()),
            running_ns: ns(data.time_running()),
        })
    }
}

impl Opener for PerfOpener {
    type Counter = Counter;
    fn open(&self, event: Event, exclude_kernel: bool) -> io::Result<Counter> {
        let mut builder = match event {
            Event::Cycles => Builder::new(Hardware::CPU_CYCLES),
            Event::Instructions => Builder::new(Hardware::INSTRUCTIONS),
            Event::CacheReferences => Builder::new(Hardware::CACHE_REFERENCES),
            Event::CacheMisses => Builder::new(Hardware::CACHE_MISSES),
            Event::LlcMisses => Builder::new(Cache {
                which: CacheId::LL,
                operation: CacheOp::READ,
                result: CacheResult::MISS,
            }),
            Event::BranchMisses => Builder::new(Hardware::BRANCH_MISSES),
            Event::TaskClock => Builder::new(Software::TASK_CLOCK),
            Event::ContextSwitches => Builder::new(Software::CONTEXT_SWITCHES),
            Event::Migrations => Builder::new(Software::CPU_MIGRATIONS),
            Event::PageFaults => Builder::new(Software::PAGE_FAULTS),
        };
        builder
            .observe_self()
            .any_cpu()
            .exclude_kernel(exclude_kernel)
            .exclude_hv(true);
        builder.build()
    }
}

/// What each run thread opens, decided once per invocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Events to open, with their kernel-exclusion flag and source.
    pub events: Vec<(Event, bool, Source)>,
    /// Events read from `getrusage` (context switches, page faults).
    pub rusage: Vec<Event>,
    /// Every counter, measured or not.
    pub availability: Vec<CounterAvailability>,
}

fn refused(error: &io::Error) -> bool {
    matches!(error.raw_os_error(), Some(libc::EACCES) | Some(libc::EPERM))
}

fn describe(error: &io::Error) -> String {
    match error.raw_os_error() {
        Some(libc::ENOENT) => {
            "ENOENT: no hardware PMU for this event (virtual machine?)".to_owned()
        }
        Some(libc::EACCES) | Some(libc::EPERM) => format!(
            "{}: not permitted (perf_event_paranoid, or not root)",
            if error.raw_os_error() == Some(libc::EACCES) {
                "EACCES"
            } else {
                "EPERM"
            }
        ),
        _ => error.to_string(),
    }
}

fn measured(event: Event, source: Source) -> CounterAvailability {
    CounterAvailability {
        name: event.name().to_owned(),
        status: CounterStatus::Measured,
        source: Some(source),
        reason: None,
    }
}

fn unavailable(name: &str, reason: String) -> CounterAvailability {
    CounterAvailability {
        name: name.to_owned(),
        status: CounterStatus::Unavailable,
        source: None,
        reason: Some(reason),
    }
}

/// Decides which counters to use by opening each once on the calling
/// thread: hardware events where they open (user time only where kernel
/// counting is refused); software events with kernel counting where they
/// open; else the task clock without kernel counting, and context switches
/// and page faults from `getrusage`.
pub fn plan<O: Opener>(opener: &O) -> Plan {
    let mut events = Vec::new();
    let mut availability = Vec::new();
    let mut rusage = Vec::new();
    for event in HARDWARE {
        let opened = match opener.open(event, false) {
            Ok(_) => Ok((false, Source::Hardware)),
            Err(error) if refused(&error) => match opener.open(event, true) {
                Ok(_) => Ok((true, Source::HardwareUser)),
                Err(user_only) => Err(format!(
                    "{}; user time only: {}",
                    describe(&error),
                    describe(&user_only)
                )),
            },
            Err(error) => Err(describe(&error)),
        };
        match opened {
            Ok((exclude_kernel, source)) => {
                events.push((event, exclude_kernel, source));
                availability.push(measured(event, source));
            }
            Err(reason) => availability.push(unavailable(event.name(), reason)),
        }
    }
    for event in SOFTWARE {
        match opener.open(event, false) {
            Ok(_) => {
                events.push((event, false, Source::Software));
                availability.push(measured(event, Source::Software));
            }
            Err(error) => {
                let reason = describe(&error);
                match event {
                    Event::TaskClock => match opener.open(event, true) {
                        Ok(_) => {
                            events.push((event, true, Source::TaskClock));
                            availability.push(measured(event, Source::TaskClock));
                        }
                        Err(error) => availability.push(unavailable(
                            event.name(),
                            format!("{reason}; without kernel counting: {}", describe(&error)),
                        )),
                    },
                    Event::ContextSwitches | Event::PageFaults => {
                        rusage.push(event);
                        availability.push(measured(event, Source::Getrusage));
                    }
                    _ => availability.push(unavailable(event.name(), reason)),
                }
            }
        }
    }
    Plan {
        events,
        rusage,
        availability,
    }
}

/// The calling thread's count of `event` from `getrusage(RUSAGE_THREAD)`:
/// voluntary plus involuntary context switches, minor plus major page
/// faults.
fn thread_rusage(event: Event) -> Option<u64> {
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable `rusage` for the call to fill.
    let status = unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) };
    if status != 0 {
        return None;
    }
    let count = match event {
        Event::ContextSwitches => usage.ru_nvcsw + usage.ru_nivcsw,
        Event::PageFaults => usage.ru_minflt + usage.ru_majflt,
        _ => return None,
    };
    u64::try_from(count).ok()
}

/// One run thread's counters, opened per a [`Plan`].
pub struct ThreadCounters<C> {
    open: Vec<(Event, C)>,
    failed: Vec<Event>,
    /// `getrusage` events and their counts at the start.
    rusage: Vec<(Event, Option<u64>)>,
}

impl<C: ReadCounter> ThreadCounters<C> {
    /// Opens `plan`'s counters for the calling thread with `opener`.
    pub fn open<O: Opener<Counter = C>>(plan: &Plan, opener: &O) -> Self {
        let mut open = Vec::with_capacity(plan.events.len());
        let mut failed = Vec::new();
        for &(event, exclude_kernel, _) in &plan.events {
            match opener.open(event, exclude_kernel) {
                Ok(counter) => open.push((event, counter)),
                Err(_) => failed.push(event),
            }
        }
        Self {
            open,
            failed,
            rusage: plan.rusage.iter().map(|&event| (event, None)).collect(),
        }
    }

    /// Starts counting (call as the measured region starts).
    pub fn start(&mut self) {
        for (event, start) in &mut self.rusage {
            *start = thread_rusage(*event);
        }
        let failed = &mut self.failed;
        self.open.retain_mut(|(event, counter)| {
            let ok = counter.enable().is_ok();
            if !ok {
                failed.push(*event);
            }
            ok
        });
    }

    /// Stops counting and returns `(name, count)` for every counter that
    /// counted, scaled where the kernel time-shared it; a counter that
    /// failed, or never got onto the PMU, is left out (and so reads as
    /// unavailable, never 0).
    pub fn stop(mut self) -> Vec<(String, u64)> {
        let mut counts = Vec::with_capacity(self.open.len() + self.rusage.len());
        for (event, counter) in &mut self.open {
            if counter.disable().is_ok()
                && let Ok(reading) = counter.read()
                && let Some(value) = reading.scaled()
            {
                counts.push((event.name().to_owned(), value));
            }
        }
        for &(event, start) in &self.rusage {
            if let Some(start) = start
                && let Some(end) = thread_rusage(event)
            {
                counts.push((event.name().to_owned(), end.saturating_sub(start)));
            }
        }
        counts
    }

    /// Events whose counter could not be opened or started on this thread.
    pub fn failed(&self) -> &[Event] {
        &self.failed
    }
}

/// The unit of the counter named `name`.
pub fn unit_of(name: &str) -> &'static str {
    HARDWARE
        .iter()
        .chain(SOFTWARE.iter())
        .find(|event| event.name() == name)
        .map_or("events", |event| event.unit())
}

#[cfg(test)]
mod tests;
