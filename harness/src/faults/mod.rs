//! Fault runs: what an implementation does when a producer panics in the
//! middle of a batch, a consumer leaves or panics, or the cancel token is
//! set while producers wait for room.
//!
//! A fault run is small and runs on real threads: a queue of 8 slots (or
//! the implementation's smallest), batches of [`BATCH`], a few thousand
//! 8-byte messages, waits that spin and then yield, and a watchdog. Each
//! producer numbers its messages `0, 1, 2, ...` as in every other run;
//! each consumer records what it receives in an oracle [`Tally`](crate::oracle::Tally), and the
//! oracle's [`problems`](crate::oracle::problems) judge loss, duplication
//! and order per producer. A batch whose publish failed (a panic in the
//! callback, `Disconnected`, `Cancelled`) may have delivered a prefix of
//! the messages written before it failed, and nothing after that prefix:
//! the expected count of each producer is what its publishes returned
//! `Ok` for, plus at most that prefix.
//!
//! The faults ([`Fault`]), with consumer 0 the one that leaves or panics:
//!
//! - `producer_panic`: producer 0's callback panics on message
//!   [`PANIC_AT`] of the batch halfway through its share; its thread
//!   catches the panic and drops the producer. Every other message
//!   published must arrive once, in order, and every consumer must then
//!   see `Closed`.
//! - `producer_panic_continues`: as `producer_panic`, but the thread goes
//!   on publishing the rest of producer 0's share with the same producer
//!   (which must stay usable). Those messages are tagged with a producer
//!   index of their own, numbered from 0, and checked as a stream of
//!   their own: a slot of the broken batch handed to consumers with what
//!   it held from an earlier lap shows as duplicated or out of order.
//! - `consumer_dropped`: consumer 0 drops its endpoint after its first
//!   [`CONSUMER_LEAVES_AFTER`] messages. Where it was the only consumer
//!   (`spsc`, `mpsc`) or a stage every message passes (`pipeline`,
//!   `diamond`), producers must get `Disconnected` when they would wait
//!   for room, and the remaining consumers must see `Closed` after what
//!   was ready. Elsewhere the others must receive everything: a worker
//!   pool's other workers take over what the one that left had claimed,
//!   and a fan-out's others stop being held back by it. A work-sharing
//!   consumer that takes a whole batch at a time (the `*_vec` channels)
//!   may take the rest of the batch it held with it. The worker that
//!   takes over may hand that rest after later messages of the same
//!   producers: allowed for that one run alone, and only where the
//!   implementation says it takes over (`takeover` tells the two apart);
//!   any other reorder is out of order.
//! - `consumer_panic`: as `consumer_dropped`, but consumer 0's handler
//!   panics on its next message, inside `consume_batch`; the thread
//!   catches the panic and drops the endpoint. The message handed to the
//!   panicking handler counts as delivered to it, so a design that hands
//!   it (or the rest of that batch) to another consumer as well shows as
//!   `duplicated`.
//! - `cancel_mid_claim`: consumers wait before their first call until
//!   producers have stopped making progress (blocked on the full queue),
//!   then the token is set: the blocked publishes return `Cancelled` and
//!   the producers drop their endpoints. Once every producer has ended,
//!   consumers start and drain, treating `Idle` as "nothing yet" (the
//!   token stays set), until `Closed` or the deadline. Everything
//!   published `Ok` must arrive, and no claim given up may leave a gap
//!   that keeps consumers from `Closed`.
//!
//! [`FaultOutcome`] says what happened, worst first: threads abandoned,
//! an unexpected panic, consumers that never saw `Closed`, threads that
//! needed the watchdog, lost, duplicated, reordered or corrupted
//! messages, producers disconnected, and otherwise recovered.

use std::time::Duration;

use impls::{Queue, Roster, Visitor};
use scenarios::FaultScenario;

mod classify;
mod collected;
mod inject;
mod panics;
mod render;
mod report;
mod spec;
mod takeover;
#[cfg(test)]
mod tests;

pub use inject::run_queue;
pub(crate) use panics::{inject_panic, quietly, unexpected};
pub use render::{render, unbounded_note};
pub use report::{
    ConsumerEnd, ConsumerRecord, Continued, FaultOutcome, FaultReport, ProducerEnd, ProducerRecord,
};
pub use scenarios::Fault;
pub use spec::{
    BATCH, CAPACITY, CONSUMER_LEAVES_AFTER, Expectation, FaultSpec, GRACE, PANIC_AT, SCHEMA,
    Strike, WAIT, small_setup,
};

/// Every run of `scenario`, in order: per implementation, per listed
/// topology it supports, per fault.
pub fn plan(scenario: &FaultScenario) -> Vec<(&'static str, FaultSpec)> {
    let mut runs = Vec::new();
    for info in scenario
        .implementations
        .iter()
        .filter_map(|name| scenario.known.iter().find(|info| info.name == *name))
    {
        for &topology in &scenario.topologies {
            for &fault in &scenario.faults {
                if let Some(spec) =
                    FaultSpec::new(info, fault, topology, scenario.messages, scenario.timeout)
                {
                    runs.push((info.name, spec));
                }
            }
        }
    }
    runs
}

/// Runs `spec` on the built-in implementation named `implementation`.
pub fn run(implementation: &str, spec: &FaultSpec) -> FaultReport {
    run_in::<impls::Builtin>(implementation, spec)
}

/// Runs `spec` on the implementation of roster `R` named `implementation`.
pub fn run_in<R: Roster>(implementation: &str, spec: &FaultSpec) -> FaultReport {
    struct Run<'a>(&'a FaultSpec);
    impl Visitor for Run<'_> {
        type Output = FaultReport;
        fn visit<Q: Queue>(self) -> FaultReport {
            run_queue::<Q>(self.0)
        }
    }
    R::visit(implementation, Run(spec)).unwrap_or_else(|_| {
        FaultReport::new(
            implementation,
            spec,
            FaultOutcome::BuildFailed {
                error: format!("no implementation named `{implementation}`"),
            },
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Duration::ZERO,
        )
    })
}
