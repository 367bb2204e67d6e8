//! The floor multiple: how many core-to-core round trips an SPSC run's
//! figure is, each run against the floor measured in its own round.

use impls::Topology;

use super::inputs::Setting;
use crate::results::RunRecord;
use crate::runner::{BASE, Mode};

/// Implementation `name`'s measured runs, each as a multiple of the floor
/// in its round (or of the invocation's round trip where the
/// configuration has no floor of its own). SPSC only: throughput runs
/// compare ns per message (the inverse of throughput, not a latency),
/// ping-pong the p50 round trip and one-way runs the p50 one-way latency
/// (one hop costs at least half a round trip) with the round trip.
pub(super) fn floor_multiples(name: &str, runs: &[RunRecord], setting: &Setting<'_>) -> Vec<f64> {
    if name == BASE || setting.topology != Topology::Spsc {
        return Vec::new();
    }
    let invocation_floor = setting
        .basis
        .round_trip_floor_ns
        .filter(|floor| *floor > 0.0);
    runs.iter()
        .filter(|run| run.implementation == name && !run.warmup)
        .filter_map(|run| {
            let floor = setting
                .floor
                .and_then(|floor| floor.at(run.round))
                .or(invocation_floor)?;
            let ns = match setting.mode {
                Mode::Throughput | Mode::Discard | Mode::Paused(_) => 1e9 / run.throughput?,
                Mode::PingPong | Mode::OneWay { .. } => {
                    run.outcome.costs()?.latency.as_ref()?.p50_ns?
                }
            };
            Some(ns / floor)
        })
        .collect()
}
