//! The fault soak: many fault runs, each drawn from a seed and its round
//! number: the implementation, the topology (one it supports), the fault,
//! and where it strikes ([`Strike`]: which batch of producer 0 panics and
//! on which message, or after how many messages consumer 0 leaves or
//! panics). Each run is judged by the fault contracts of
//! [`crate::faults`]: nothing lost or duplicated beyond what they allow,
//! and every run ends. A round is reproduced by its seed and number (the
//! same draw; the threads' interleaving is the machine's).

use std::time::Duration;

use impls::message::mix;
use impls::{Info, Topology};
use scenarios::Fault;
use serde::Serialize;

use crate::faults::{BATCH, FaultOutcome, FaultReport, FaultSpec, Strike};
use crate::runner::quotas;

/// What a fault soak draws from.
#[derive(Clone, Debug, Serialize)]
pub struct FaultSoakOptions {
    /// The seed every round's draw comes from.
    pub seed: u64,
    /// The first round's number (a failure's number reruns it alone).
    pub first_round: u64,
    /// Rounds to run.
    pub rounds: u64,
    /// Messages of each run, over all producers.
    pub messages: u64,
    /// Watchdog of each run.
    #[serde(skip)]
    pub timeout: Duration,
    /// Faults to draw from.
    pub faults: Vec<Fault>,
    /// Topologies to draw from.
    pub topologies: Vec<Topology>,
    /// Implementations to draw from (every one known when none).
    pub implementations: Option<Vec<String>>,
}

/// A small deterministic sequence of draws (splitmix64).
struct Draws(u64);

impl Draws {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0) % bound.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len() as u64) as usize)
    }
}

/// Round `round`'s run: an implementation of `known` and a topology it
/// supports from the options' list, a fault, and where it strikes. `None`
/// when no implementation supports a listed topology.
pub fn draw(
    known: &[Info],
    options: &FaultSoakOptions,
    round: u64,
) -> Option<(&'static str, FaultSpec)> {
    let mut draws = Draws(mix(options.seed ^ mix(round.wrapping_add(1))));
    let named = |info: &&Info| {
        (options.implementations.as_ref()).is_none_or(|names| names.iter().any(|n| n == info.name))
    };
    let pairs: Vec<(&Info, Topology)> = known
        .iter()
        .filter(named)
        .flat_map(|info| {
            options
                .topologies
                .iter()
                .filter(|&&topology| info.supports(topology))
                .map(move |&topology| (info, topology))
        })
        .collect();
    let &(info, topology) = draws.pick(&pairs)?;
    let &fault = draws.pick(&options.faults)?;
    let mut spec = FaultSpec::new(info, fault, topology, options.messages, options.timeout)?;
    spec.strike = strike(&spec, &mut draws);
    Some((info.name, spec))
}

/// Where `spec`'s fault strikes: any batch of producer 0's share and any
/// message of it; consumer 0 leaving after any number of messages below
/// [`latest_departure`].
fn strike(spec: &FaultSpec, draws: &mut Draws) -> Strike {
    let share = quotas(spec.messages, spec.setup.producers)[0];
    Strike {
        panic_batch: Some(draws.below(share.div_ceil(BATCH as u64))),
        panic_at: draws.below(BATCH as u64) as usize,
        leaves_after: draws.below(latest_departure(spec)),
    }
}

/// One past the most messages consumer 0 may handle before it leaves:
/// half of what it is sure to be handed (a worker's share is what the
/// run's split leaves it, so half of an even split); and where nobody is
/// left who could read everything (the only consumer, or a stage every
/// message passes), early enough that no producer can have finished its
/// share by then. Consumer 0 has seen at most that many of one producer's
/// messages, the ring holds `capacity` more, and each producer may have
/// a batch in hand: a producer short of its share by more than all that
/// must still wait for room after the departure, and be told
/// `Disconnected`. One that finished first never is, and what it left in
/// the ring is counted lost, by the contract's rules, not the queue's
/// fault.
pub fn latest_departure(spec: &FaultSpec) -> u64 {
    let setup = &spec.setup;
    let handed = if setup.topology.shares_work() {
        spec.messages / setup.consumers as u64
    } else {
        spec.messages
    };
    let mut latest = handed / 2;
    if spec.leaves_no_full_reader() {
        let smallest = quotas(spec.messages, setup.producers)
            .into_iter()
            .min()
            .unwrap_or(0);
        let in_flight = (setup.capacity + setup.producers * setup.batch) as u64;
        latest = latest.min(smallest.saturating_sub(in_flight));
    }
    latest.max(1)
}

/// How a round went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Round {
    /// The fault struck and the contract held.
    Met,
    /// The fault did not strike (the run ended before its point) and the
    /// run was clean: a run without a fault, not a failure.
    Missed,
    /// Short of the contract where the faults scenario's run of the same
    /// implementation, topology and fault (its fixed strike point) is
    /// short of it too: a deviation that scenario already shows (the
    /// baselines that do not keep every contract), or an unbounded
    /// queue's only consumer leaving, whose outcome depends on timing.
    Known,
    /// Short of the contract where the fixed-point run keeps it.
    Failed,
}

/// The faults scenario's run of `spec`'s implementation, topology and
/// fault: the same run with the fixed strike point.
pub fn reference(spec: &FaultSpec) -> FaultSpec {
    FaultSpec {
        strike: Strike::default(),
        ..spec.clone()
    }
}

/// Judges one round's report, against the report of its [`reference`]
/// run (`reference_met`: whether that kept the contract) for an
/// implementation that is `bounded` or not.
pub fn judge(report: &FaultReport, reference_met: bool, bounded: bool) -> Round {
    if report.met_contract && report.injected {
        return Round::Met;
    }
    if !report.injected && report.outcome == FaultOutcome::Recovered {
        return Round::Missed;
    }
    let timing_dependent = !bounded && report.spec.leaves_no_full_reader();
    if reference_met && !timing_dependent {
        Round::Failed
    } else {
        Round::Known
    }
}

/// The command that runs round `round` again alone.
pub fn reproduce(options: &FaultSoakOptions, round: u64) -> String {
    let implementations = options
        .implementations
        .as_ref()
        .map(|names| format!(" --impls {}", names.join(",")))
        .unwrap_or_default();
    format!(
        "harness soak --faults 1 --seed {} --first-round {round} --fault-messages {} \
         --fault-timeout-secs {} --fault-kinds {} --topologies {}{implementations}",
        options.seed,
        options.messages,
        options.timeout.as_secs_f64().ceil() as u64,
        names(options.faults.iter().map(|fault| fault.name())),
        names(options.topologies.iter().map(|topology| topology.name())),
    )
}

fn names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(",")
}
