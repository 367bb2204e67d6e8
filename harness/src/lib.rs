//! The ringlab harness: runs scenarios through the correctness oracle and
//! writes results.
//!
//! - [`runner`]: one run (threads, pinning, timing, watchdog) and the
//!   producer and consumer loops every implementation is driven by;
//! - [`oracle`]: the per-consumer tally and the verdict on loss,
//!   duplication, order and fan-out completeness;
//! - [`sweep`]: a scenario's points and interleaved repetitions;
//! - [`analysis`]: a configuration's runs turned into each
//!   implementation's summary;
//! - [`clock`], [`latency`], [`counters`], [`allocations`], [`machine`]:
//!   the timer, latency histograms, event counters, allocation counting and
//!   the machine's ceiling;
//! - [`calibrate`]: the harness's figures for reference crates against
//!   the plainest loops over the same crates (what the instrument costs);
//! - [`faults`]: small runs with a fault injected (a producer or consumer
//!   that panics or leaves, a wait cancelled mid-claim), each classified;
//! - [`soak`]: reliability at length: runs of a billion messages through
//!   a small ring with resident memory watched, and many fault runs with
//!   random strike points drawn from a seed;
//! - [`cli`]: the command line as a library function, over any roster of
//!   implementations ([`main!`] makes a crate's `main` of it);
//! - [`cpus`]: where the cores sit (physical core, package, shared
//!   caches), as sysfs tells;
//! - [`placement`], [`provenance`], [`results`]. The statistics
//!   ([`reports::stats`]) and the terminal's table ([`reports::terminal`])
//!   are the reports crate's, beside the page and the CSV.
//!
//! ```
//! use harness::placement::Cores;
//! use harness::runner::{RunSpec, run_once};
//! use impls::{Msg8, Setup, SpscRing, Topology};
//! use std::time::Duration;
//!
//! let spec = RunSpec {
//!     setup: Setup::new(Topology::Spsc, 64).batch(8),
//!     messages: 10_000,
//!     timeout: Duration::from_secs(30),
//!     placement: Cores::detect().plan(1, 1),
//!     layout_seed: 0,
//!     mode: harness::runner::Mode::Throughput,
//!     instruments: Default::default(),
//! };
//! let outcome = run_once::<SpscRing, Msg8>(&spec);
//! assert!(outcome.passed(), "{outcome:?}");
//! ```

pub mod allocations;
pub mod analysis;
pub mod calibrate;
pub mod cli;
pub mod clock;
pub mod conformance;
pub mod counters;
pub mod cpus;
pub mod faults;
pub mod foreign;
pub mod latency;
pub mod levels;
pub mod machine;
pub mod oracle;
pub mod peer;
pub mod placement;
pub mod provenance;
pub mod results;
pub mod runner;
pub mod soak;
pub mod sweep;

/// Defines `main` for a binary that runs the ringlab command line over
/// `Roster` (see [`impls::registry`]): every subcommand, scenario and
/// flag of the `harness` binary, with the roster's implementations beside
/// the built-in ones. It also installs the counting allocator, without
/// which allocations per message are reported unavailable. Results go to
/// `results/` in the calling crate's folder.
///
/// ```ignore
/// ringlab::main!(ringlab::With<MyQueue>);
/// ```
#[macro_export]
macro_rules! main {
    ($roster:ty) => {
        /// Counts allocations of run threads inside their measured regions.
        #[global_allocator]
        static RINGLAB_ALLOCATOR: $crate::allocations::CountingAllocator =
            $crate::allocations::CountingAllocator;

        fn main() -> ::std::process::ExitCode {
            $crate::cli::main_in::<$roster>(::std::path::Path::new(env!("CARGO_MANIFEST_DIR")))
        }
    };
}
