use super::*;
use std::cell::RefCell;

/// Hardware events fail with ENOENT unless `pmu`; any event counting
/// kernel time fails with EACCES unless `kernel_allowed`; the events in
/// `never_run` open but report that they never got onto the PMU. Counts
/// 7 (running half of the time when `time_shared`).
struct Fake {
    pmu: bool,
    kernel_allowed: bool,
    time_shared: bool,
    never_run: Vec<Event>,
    opened: RefCell<Vec<(Event, bool)>>,
}

impl Fake {
    fn new(pmu: bool, kernel_allowed: bool) -> Self {
        Self {
            pmu,
            kernel_allowed,
            time_shared: false,
            never_run: Vec::new(),
            opened: RefCell::default(),
        }
    }
}

struct FakeCounter {
    reading: Reading,
}

impl ReadCounter for FakeCounter {
    fn enable(&mut self) -> io::Result<()> {
        Ok(())
    }
    fn disable(&mut self) -> io::Result<()> {
        Ok(())
    }
    fn read(&mut self) -> io::Result<Reading> {
        Ok(self.reading)
    }
}

impl Opener for Fake {
    type Counter = FakeCounter;
    fn open(&self, event: Event, exclude_kernel: bool) -> io::Result<FakeCounter> {
        if HARDWARE.contains(&event) && !self.pmu {
            return Err(io::Error::from_raw_os_error(libc::ENOENT));
        }
        if !exclude_kernel && !self.kernel_allowed {
            return Err(io::Error::from_raw_os_error(libc::EACCES));
        }
        self.opened.borrow_mut().push((event, exclude_kernel));
        let running_ns = if self.never_run.contains(&event) {
            0
        } else if self.time_shared {
            500
        } else {
            1000
        };
        Ok(FakeCounter {
            reading: Reading {
                count: 7,
                enabled_ns: Some(1000),
                running_ns: Some(running_ns),
            },
        })
    }
}

fn status<'a>(plan: &'a Plan, name: &str) -> &'a CounterAvailability {
    plan.availability
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("{name} missing from {plan:?}"))
}

fn counts(plan: &Plan, fake: &Fake) -> Vec<(String, u64)> {
    let mut counters = ThreadCounters::open(plan, fake);
    counters.start();
    counters.stop()
}

#[test]
fn no_pmu_falls_back_to_software_with_kernel_counting() {
    let fake = Fake::new(false, true);
    let plan = plan(&fake);
    assert_eq!(plan.availability.len(), HARDWARE.len() + SOFTWARE.len());
    for event in HARDWARE {
        let counter = status(&plan, event.name());
        assert_eq!(counter.status, CounterStatus::Unavailable);
        assert!(counter.reason.as_deref().unwrap().contains("ENOENT"));
    }
    for event in SOFTWARE {
        let counter = status(&plan, event.name());
        assert_eq!(
            (counter.status, counter.source),
            (CounterStatus::Measured, Some(Source::Software))
        );
    }
    assert!(
        plan.events
            .iter()
            .all(|&(_, exclude_kernel, _)| !exclude_kernel)
    );
    assert!(plan.rusage.is_empty());
    let counts = counts(&plan, &fake);
    assert_eq!(counts.len(), SOFTWARE.len());
    assert!(counts.iter().all(|(_, value)| *value == 7));
}

#[test]
fn refused_software_falls_back_to_task_clock_and_getrusage() {
    let fake = Fake::new(false, false);
    let plan = plan(&fake);
    let task_clock = status(&plan, "task_clock");
    assert_eq!(
        (task_clock.status, task_clock.source),
        (CounterStatus::Measured, Some(Source::TaskClock))
    );
    for name in ["context_switches", "page_faults"] {
        let counter = status(&plan, name);
        assert_eq!(
            (counter.status, counter.source),
            (CounterStatus::Measured, Some(Source::Getrusage)),
            "{name}"
        );
    }
    let migrations = status(&plan, "migrations");
    assert_eq!(migrations.status, CounterStatus::Unavailable);
    assert!(
        migrations.reason.as_deref().unwrap().contains("EACCES"),
        "{migrations:?}"
    );
    assert_eq!(plan.events, [(Event::TaskClock, true, Source::TaskClock)]);
    assert_eq!(plan.rusage, [Event::ContextSwitches, Event::PageFaults]);
    let names: Vec<String> = counts(&plan, &fake).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["task_clock", "context_switches", "page_faults"]);
}

#[test]
fn a_pmu_refusing_kernel_counting_counts_user_time() {
    let fake = Fake::new(true, false);
    let plan = plan(&fake);
    for event in HARDWARE {
        let counter = status(&plan, event.name());
        assert_eq!(
            (counter.status, counter.source),
            (CounterStatus::Measured, Some(Source::HardwareUser)),
            "{counter:?}"
        );
        assert!(plan.events.contains(&(event, true, Source::HardwareUser)));
    }
    let with_kernel = Fake::new(true, true);
    let plan = super::plan(&with_kernel);
    for event in HARDWARE {
        assert_eq!(status(&plan, event.name()).source, Some(Source::Hardware));
    }
    let opened = with_kernel.opened.borrow();
    assert!(opened.iter().all(|&(_, exclude_kernel)| !exclude_kernel));
}

#[test]
fn time_shared_counts_are_scaled_and_counters_that_never_ran_are_left_out() {
    let mut fake = Fake::new(true, true);
    fake.time_shared = true;
    fake.never_run = vec![Event::LlcMisses];
    let plan = plan(&fake);
    let counts = counts(&plan, &fake);
    let count = |name: &str| counts.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
    assert_eq!(count("cycles"), Some(14), "7 counted in half the time");
    assert_eq!(count("llc_misses"), None, "never ran: unavailable, not 0");
    assert_eq!(counts.len(), HARDWARE.len() + SOFTWARE.len() - 1);
}

#[test]
fn a_counter_that_fails_to_open_on_a_run_thread_is_left_out() {
    let plan = plan(&Fake::new(false, true));
    // The run thread is refused what the planning thread was allowed.
    let strict = Fake::new(false, false);
    let mut counters = ThreadCounters::open(&plan, &strict);
    assert_eq!(counters.failed().len(), SOFTWARE.len());
    counters.start();
    assert!(
        counters.stop().is_empty(),
        "nothing counted, nothing reported"
    );
}

#[test]
fn readings_scale_by_enabled_over_running_time() {
    let reading = |count, enabled_ns, running_ns| Reading {
        count,
        enabled_ns,
        running_ns,
    };
    assert_eq!(reading(10, Some(100), Some(100)).scaled(), Some(10));
    assert_eq!(reading(10, Some(100), Some(25)).scaled(), Some(40));
    assert_eq!(reading(10, Some(100), Some(0)).scaled(), None);
    assert_eq!(
        reading(0, Some(0), Some(0)).scaled(),
        Some(0),
        "never enabled"
    );
    assert_eq!(reading(10, None, None).scaled(), Some(10));
}
