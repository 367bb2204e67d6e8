//! What a message cost, from the passed measured runs' costs: CPU time,
//! allocations and bytes allocated per message, every counter per message
//! (or why it is unavailable), and the runs' latency histograms merged.

use reports::stats::median;
use schema::Costs;

use super::inputs::Basis;
use crate::counters::{CounterStatus, CounterValue, unit_of};
use crate::latency::{self, Latency, LatencyKind};
use crate::runner::Mode;

/// CPU time, allocations and bytes allocated per message: the median over
/// the runs that have the figure.
pub(super) struct PerMessage {
    pub(super) cpu_ns: Option<f64>,
    pub(super) allocations: Option<f64>,
    pub(super) allocated_bytes: Option<f64>,
}

/// The median over `values` (those present) divided by `messages`.
fn per_message(values: impl Iterator<Item = Option<u64>>, messages: u64) -> Option<f64> {
    let messages = messages.max(1) as f64;
    let values: Vec<f64> = values.flatten().map(|v| v as f64 / messages).collect();
    median(&values)
}

/// What the runs whose `costs` these are spent per message.
pub(super) fn per_message_costs(costs: &[&Costs], messages: u64) -> PerMessage {
    PerMessage {
        cpu_ns: per_message(costs.iter().map(|c| c.cpu_ns), messages),
        allocations: per_message(costs.iter().map(|c| c.allocations), messages),
        allocated_bytes: per_message(costs.iter().map(|c| c.allocated_bytes), messages),
    }
}

/// Every counter of `basis`, per message where it was measured in some
/// run, otherwise with the reason it is unavailable.
pub(super) fn counters(costs: &[&Costs], messages: u64, basis: Basis<'_>) -> Vec<CounterValue> {
    basis
        .counters
        .iter()
        .map(|available| {
            let value = per_message(
                costs
                    .iter()
                    .map(|c| c.counters.get(&available.name).copied()),
                messages,
            );
            let unavailable = |reason: String| CounterValue {
                name: available.name.clone(),
                unit: unit_of(&available.name).to_owned(),
                status: CounterStatus::Unavailable,
                source: None,
                per_message: None,
                reason: Some(reason),
            };
            match (available.status, value) {
                (CounterStatus::Measured, Some(value)) => CounterValue {
                    name: available.name.clone(),
                    unit: unit_of(&available.name).to_owned(),
                    status: CounterStatus::Measured,
                    source: available.source,
                    per_message: Some(value),
                    reason: None,
                },
                (CounterStatus::Measured, None) => {
                    unavailable("no passed run could read it".to_owned())
                }
                _ => unavailable(available.reason.clone().unwrap_or_default()),
            }
        })
        .collect()
}

/// The runs' latency histograms merged (round trips in ping-pong, one-way
/// latencies otherwise), timed by `timer`; none where no run kept one.
pub(super) fn latency(costs: &[&Costs], mode: Mode, timer: &str) -> Option<Latency> {
    let histograms: Vec<_> = costs.iter().filter_map(|c| c.latency.as_ref()).collect();
    if histograms.is_empty() {
        return None;
    }
    let decoded = |text: &String| latency::decode(text).ok();
    let corrected: Vec<_> = histograms
        .iter()
        .filter_map(|h| decoded(&h.histogram))
        .collect();
    let service: Vec<_> = histograms
        .iter()
        .filter_map(|h| h.service_histogram.as_ref().and_then(decoded))
        .collect();
    let merged = latency::merge(&corrected);
    let merged_service = (!service.is_empty()).then(|| latency::merge(&service));
    Some(Latency {
        kind: if mode == Mode::PingPong {
            LatencyKind::RoundTrip
        } else {
            LatencyKind::OneWay
        },
        offered_rate: match mode {
            Mode::OneWay { rate } => Some(rate),
            Mode::Throughput | Mode::Discard | Mode::PingPong | Mode::Paused(_) => None,
        },
        timer: timer.to_owned(),
        percentiles_ns: latency::percentiles(&merged),
        service_time_percentiles_ns: merged_service
            .as_ref()
            .map(latency::percentiles)
            .unwrap_or_default(),
        histogram: latency::encode(&merged),
        service_histogram: merged_service.as_ref().map(latency::encode),
        samples: merged.len(),
        backwards_samples: histograms
            .iter()
            .filter_map(|h| h.backwards_samples)
            .reduce(|a, b| a + b),
    })
}
