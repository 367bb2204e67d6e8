//! ringlab: a research testbed for inter-thread messaging.
//!
//! Queue and sequencer designs sit behind one trait ([`Queue`], with its
//! [`Producer`] and [`Consumer`] endpoints); the harness drives them with
//! matched workloads, checks every run with a correctness oracle (no loss,
//! no duplicate, per-producer order, fan-out completeness) and writes
//! results that reports turn into comparisons.
//!
//! This crate is the name a crate of its own imports. It brings:
//! - the trait, the messages and the wait strategies (from `impls`), and
//!   every built-in implementation, listed as the roster [`Builtin`];
//! - [`main!`], which makes a binary of the whole command line (every
//!   shipped scenario, `calibrate`, `report`, `compare`) over a roster of
//!   its own queues in front of the built-in ones ([`With`]);
//! - [`conformance`], the suite every built-in implementation passes, to
//!   run on a queue of its own before trusting its figures.
//!
//! A binary that runs the shipped scenarios with `MyQueue` beside the
//! built-in roster, in the same interleaved rounds and through the same
//! oracle, is one line besides the queue:
//!
//! ```ignore
//! ringlab::main!(ringlab::With<MyQueue>);
//! ```
//!
//! and its conformance test three:
//!
//! ```ignore
//! #[test]
//! fn my_queue_conforms() {
//!     let report = ringlab::conformance::check::<MyQueue>();
//!     assert!(report.passed(), "{report}");
//! }
//! ```
//!
//! `examples/own-queue/` in the source tree is such a crate, with a small
//! mutex-guarded queue.
//!
//! ```
//! use ringlab::{Builtin, registry::catalogue};
//!
//! let roster = catalogue::<Builtin>().unwrap();
//! assert!(roster.iter().any(|info| info.name == "lmax"));
//! ```

pub use harness::{cli, conformance, main};
pub use impls::*;
pub use {harness, reports, scenarios, schema};
