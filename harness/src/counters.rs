//! Per-thread event counters, with an honest fallback.
//!
//! The first choice is the hardware PMU through `perf_event_open` (cycles,
//! instructions, cache references and misses, LLC read misses, branch
//! misses). Virtual machines often have none (opening fails with ENOENT);
//! then software events are opened with kernel counting on, since context
//! switches, migrations and page faults happen in the kernel and read 0
//! otherwise (task clock, context switches, migrations, page faults). Where
//! that is refused (EACCES for unprivileged users), the task clock alone is
//! opened as the user sees it, and context switches come from
//! `getrusage(RUSAGE_THREAD)`. Every counter says whether it was measured
//! and, if not, why; an unavailable counter is never reported as 0.
//!
//! [`plan`] decides from what an [`Opener`] manages to open, so a test can
//! inject failures. Each run thread then opens the plan's counters for
//! itself ([`ThreadCounters`]), enables them for its measured region and
//! reads them after.

use std::io;

use perf_event::events::{Cache, CacheId, CacheOp, CacheResult, Hardware, Software};
use perf_event::{Builder, Counter};
use serde::{Deserialize, Serialize};

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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The hardware PMU.
    Hardware,
    /// Software events with kernel counting on.
    Software,
    /// The task clock as the user sees it (kernel time excluded).
    TaskClock,
    /// `getrusage(RUSAGE_THREAD)`.
    Getrusage,
}

impl Source {
    /// `hardware`, `software`, `task_clock`, `getrusage`.
    pub fn name(self) -> &'static str {
        match self {
            Source::Hardware => "hardware",
            Source::Software => "software",
            Source::TaskClock => "task_clock",
            Source::Getrusage => "getrusage",
        }
    }
}

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
    fn read(&mut self) -> io::Result<u64>;
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
    fn read(&mut self) -> io::Result<u64> {
        Counter::read(self)
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

/// Whether and how one counter is available (`machine.counters`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterAvailability {
    /// Counter name.
    pub name: String,
    /// `measured` or `unavailable`.
    pub status: String,
    /// `hardware`, `software`, `task_clock`, `getrusage`, or empty when
    /// unavailable.
    pub source: String,
    /// Why it is unavailable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What each run thread opens, decided once per invocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Events to open, with their kernel-exclusion flag and source.
    pub events: Vec<(Event, bool, Source)>,
    /// Whether context switches come from `getrusage`.
    pub rusage_context_switches: bool,
    /// Every counter, measured or not.
    pub availability: Vec<CounterAvailability>,
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
        status: "measured".to_owned(),
        source: source.name().to_owned(),
        reason: None,
    }
}

fn unavailable(name: &str, reason: String) -> CounterAvailability {
    CounterAvailability {
        name: name.to_owned(),
        status: "unavailable".to_owned(),
        source: String::new(),
        reason: Some(reason),
    }
}

/// Decides which counters to use by opening each once on the calling
/// thread: hardware events where they open; software events with kernel
/// counting where they open; else the task clock without kernel counting
/// and context switches from `getrusage`.
pub fn plan<O: Opener>(opener: &O) -> Plan {
    let mut events = Vec::new();
    let mut availability = Vec::new();
    for event in HARDWARE {
        match opener.open(event, false) {
            Ok(_) => {
                events.push((event, false, Source::Hardware));
                availability.push(measured(event, Source::Hardware));
            }
            Err(error) => availability.push(unavailable(event.name(), describe(&error))),
        }
    }
    let mut rusage_context_switches = false;
    let mut software_refused = None;
    for event in SOFTWARE {
        match opener.open(event, false) {
            Ok(_) => {
                events.push((event, false, Source::Software));
                availability.push(measured(event, Source::Software));
            }
            Err(error) => {
                let reason = describe(&error);
                software_refused.get_or_insert(reason.clone());
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
                    Event::ContextSwitches => {
                        rusage_context_switches = true;
                        availability.push(measured(event, Source::Getrusage));
                    }
                    _ => availability.push(unavailable(event.name(), reason)),
                }
            }
        }
    }
    Plan {
        events,
        rusage_context_switches,
        availability,
    }
}

/// Voluntary plus involuntary context switches of the calling thread.
fn thread_context_switches() -> Option<u64> {
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable `rusage` for the call to fill.
    let status = unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) };
    (status == 0).then(|| (usage.ru_nvcsw + usage.ru_nivcsw) as u64)
}

/// One run thread's counters, opened per a [`Plan`].
pub struct ThreadCounters<C> {
    open: Vec<(Event, C)>,
    failed: Vec<Event>,
    rusage: Option<Option<u64>>,
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
            rusage: plan.rusage_context_switches.then_some(None),
        }
    }

    /// Starts counting (call as the measured region starts).
    pub fn start(&mut self) {
        if let Some(start) = &mut self.rusage {
            *start = thread_context_switches();
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
    /// counted; a counter that failed is left out (and so reads as
    /// unavailable, never 0).
    pub fn stop(mut self) -> Vec<(String, u64)> {
        let mut counts = Vec::with_capacity(self.open.len() + 1);
        for (event, counter) in &mut self.open {
            if counter.disable().is_ok()
                && let Ok(value) = counter.read()
            {
                counts.push((event.name().to_owned(), value));
            }
        }
        if let Some(Some(start)) = self.rusage
            && let Some(end) = thread_context_switches()
        {
            counts.push((
                Event::ContextSwitches.name().to_owned(),
                end.saturating_sub(start),
            ));
        }
        counts
    }
}

/// One counter's figure at one configuration (`summary.counters`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CounterValue {
    /// Counter name.
    pub name: String,
    /// `ns` or `events`.
    pub unit: String,
    /// `measured` or `unavailable`.
    pub status: String,
    /// Where it came from (empty when unavailable).
    pub source: String,
    /// Median over passed runs of (sum over run threads) / messages; `None`
    /// when unavailable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_message: Option<f64>,
    /// Why it is unavailable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
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
mod tests {
    use super::*;
    use std::cell::RefCell;

    /// Fails hardware events with ENOENT and, unless `software_allowed`,
    /// kernel-counting software events with EACCES; counts 7 on read.
    struct Fake {
        software_allowed: bool,
        opened: RefCell<Vec<(Event, bool)>>,
    }

    struct FakeCounter;
    impl ReadCounter for FakeCounter {
        fn enable(&mut self) -> io::Result<()> {
            Ok(())
        }
        fn disable(&mut self) -> io::Result<()> {
            Ok(())
        }
        fn read(&mut self) -> io::Result<u64> {
            Ok(7)
        }
    }

    impl Opener for Fake {
        type Counter = FakeCounter;
        fn open(&self, event: Event, exclude_kernel: bool) -> io::Result<FakeCounter> {
            if HARDWARE.contains(&event) {
                return Err(io::Error::from_raw_os_error(libc::ENOENT));
            }
            if !exclude_kernel && !self.software_allowed {
                return Err(io::Error::from_raw_os_error(libc::EACCES));
            }
            self.opened.borrow_mut().push((event, exclude_kernel));
            Ok(FakeCounter)
        }
    }

    fn status<'a>(plan: &'a Plan, name: &str) -> &'a CounterAvailability {
        plan.availability
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("{name} missing from {plan:?}"))
    }

    #[test]
    fn no_pmu_falls_back_to_software_with_kernel_counting() {
        let fake = Fake {
            software_allowed: true,
            opened: RefCell::default(),
        };
        let plan = plan(&fake);
        assert_eq!(plan.availability.len(), HARDWARE.len() + SOFTWARE.len());
        for event in HARDWARE {
            let counter = status(&plan, event.name());
            assert_eq!(counter.status, "unavailable");
            assert!(counter.reason.as_deref().unwrap().contains("ENOENT"));
        }
        for event in SOFTWARE {
            let counter = status(&plan, event.name());
            assert_eq!(
                (counter.status.as_str(), counter.source.as_str()),
                ("measured", "software")
            );
        }
        assert!(
            plan.events
                .iter()
                .all(|&(_, exclude_kernel, _)| !exclude_kernel)
        );
        assert!(!plan.rusage_context_switches);
        let mut counters = ThreadCounters::open(&plan, &fake);
        counters.start();
        let counts = counters.stop();
        assert_eq!(counts.len(), SOFTWARE.len());
        assert!(counts.iter().all(|(_, value)| *value == 7));
    }

    #[test]
    fn refused_software_falls_back_to_task_clock_and_getrusage() {
        let fake = Fake {
            software_allowed: false,
            opened: RefCell::default(),
        };
        let plan = plan(&fake);
        let task_clock = status(&plan, "task_clock");
        assert_eq!(
            (task_clock.status.as_str(), task_clock.source.as_str()),
            ("measured", "task_clock")
        );
        let switches = status(&plan, "context_switches");
        assert_eq!(
            (switches.status.as_str(), switches.source.as_str()),
            ("measured", "getrusage")
        );
        for name in ["migrations", "page_faults"] {
            let counter = status(&plan, name);
            assert_eq!(counter.status, "unavailable");
            assert!(
                counter.reason.as_deref().unwrap().contains("EACCES"),
                "{counter:?}"
            );
        }
        assert_eq!(plan.events, [(Event::TaskClock, true, Source::TaskClock)]);
        assert!(plan.rusage_context_switches);
        let mut counters = ThreadCounters::open(&plan, &fake);
        counters.start();
        let counts = counters.stop();
        let names: Vec<&str> = counts.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["task_clock", "context_switches"]);
    }
}
