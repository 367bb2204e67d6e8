//! What a configuration's summaries are computed from besides its runs:
//! the scenario's baseline and messages per run, the run mode, the
//! floor, and the [`Basis`] of the machine the runs were measured on.

use std::collections::BTreeSet;

use impls::Topology;

use crate::counters::CounterAvailability;
use crate::results::Floor;
use crate::runner::Mode;

/// What a summary's costs, counters, latency and floor multiple are
/// computed against: the counters' availability, the timer's name and the
/// invocation's round trip. A sweep takes it from its
/// [`Measuring`](crate::sweep::Measuring); runs merged from child
/// processes take it from the first child's machine.
#[derive(Clone, Copy, Debug)]
pub struct Basis<'a> {
    /// Every counter's availability.
    pub counters: &'a [CounterAvailability],
    /// `tsc` or `instant`.
    pub timer: &'a str,
    /// The machine's core-to-core round trip, ns.
    pub round_trip_floor_ns: Option<f64>,
}

/// One configuration's runs, as the analysis reads them.
#[derive(Clone, Copy, Debug)]
pub struct Setting<'a> {
    /// The implementation ratios are taken to, round by round.
    pub baseline: &'a str,
    /// Messages per run.
    pub messages: u64,
    /// The machine the runs were measured on.
    pub basis: Basis<'a>,
    /// The configuration's floor, measured beside the runs in each round.
    pub floor: Option<&'a Floor>,
    /// What the runs measured.
    pub mode: Mode,
    /// Which threads talked to which.
    pub topology: Topology,
    /// The layouts the runs were spread over, where there were several:
    /// summaries then get between-layout intervals.
    pub layouts: Option<&'a BTreeSet<u32>>,
}
