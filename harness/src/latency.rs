//! Latency histograms: HdrHistogram in nanoseconds, merged over threads and
//! runs, stored as base64 of the V2 deflate-compressed serialization that
//! every HdrHistogram implementation reads.
//!
//! One-way latency is measured against a schedule: producer `p` means to
//! send its message `s` at `start + s * interval`. The *corrected* latency of
//! a message is its receive time minus that intended time, so a stall (a
//! full queue, a descheduled thread) delays every message scheduled behind
//! it and shows in the high percentiles: coordinated omission cannot hide
//! it. The *service time* is the receive time minus the time the producer
//! actually handed the message to the queue, which is what a benchmark that
//! sends "as soon as it can" would report.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use impls::message::split_tag;

use crate::clock::Clock;

/// Percentiles reported: p50, p90, p99, p99.9, p99.99 and the maximum (100).
pub const PERCENTILES: [f64; 6] = [50.0, 90.0, 99.0, 99.9, 99.99, 100.0];

/// Largest latency a histogram tracks: one hour, in nanoseconds (larger
/// values are clamped to it).
const HIGHEST_NS: u64 = 3_600_000_000_000;

/// An empty histogram from 1 ns to an hour at 3 significant digits.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, HIGHEST_NS, 3).expect("the bounds are valid")
}

/// Records `ns` (clamped into the trackable range).
#[inline]
pub fn record(histogram: &mut Histogram<u64>, ns: u64) {
    histogram.saturating_record(ns.clamp(1, HIGHEST_NS));
}

/// base64 of the V2 deflate-compressed serialization.
pub fn encode(histogram: &Histogram<u64>) -> String {
    let mut bytes = Vec::new();
    V2DeflateSerializer::new()
        .serialize(histogram, &mut bytes)
        .expect("serializing into memory does not fail");
    STANDARD.encode(bytes)
}

/// Reads what [`encode`] wrote.
pub fn decode(text: &str) -> Result<Histogram<u64>, String> {
    let bytes = STANDARD
        .decode(text)
        .map_err(|error| format!("histogram is not base64: {error}"))?;
    Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|error| format!("histogram does not deserialize: {error:?}"))
}

/// Merges `histograms` into one.
pub fn merge<'a>(histograms: impl IntoIterator<Item = &'a Histogram<u64>>) -> Histogram<u64> {
    let mut merged = histogram();
    for histogram in histograms {
        merged
            .add(histogram)
            .expect("histograms with the same bounds always merge");
    }
    merged
}

/// `(percentile, ns)` for each of [`PERCENTILES`]; empty for an empty
/// histogram.
pub fn percentiles(histogram: &Histogram<u64>) -> Vec<(f64, f64)> {
    if histogram.is_empty() {
        return Vec::new();
    }
    PERCENTILES
        .iter()
        .map(|&p| {
            let value = if p >= 100.0 {
                histogram.max()
            } else {
                histogram.value_at_quantile(p / 100.0)
            };
            (p, value as f64)
        })
        .collect()
}

pub use schema::{Latency, LatencyKind, RunLatency};

/// Encodes a round-trip histogram for a run's outcome.
pub fn run_round_trips(round_trips: &Histogram<u64>) -> RunLatency {
    RunLatency {
        histogram: encode(round_trips),
        service_histogram: None,
        p50_ns: (!round_trips.is_empty()).then(|| round_trips.value_at_quantile(0.5) as f64),
        backwards_samples: None,
    }
}

/// Encodes a one-way run's histograms for its outcome.
pub fn run_one_way(one_way: &OneWay) -> RunLatency {
    RunLatency {
        service_histogram: Some(encode(&one_way.service)),
        backwards_samples: Some(one_way.backwards),
        ..run_round_trips(&one_way.corrected)
    }
}

/// A one-way run's schedule: producer `p` intends to send message `s` at
/// `start + s * interval` (in clock ticks).
#[derive(Clone, Copy, Debug)]
pub struct Schedule {
    /// Clock reading the schedule starts at.
    pub start: u64,
    /// Ticks between one producer's messages.
    pub interval: f64,
}

impl Schedule {
    /// When message `sequence` is meant to be sent, in ticks.
    #[inline]
    pub fn intended(&self, sequence: u64) -> u64 {
        self.start + (sequence as f64 * self.interval) as u64
    }
}

/// One-way latencies (ns).
pub struct OneWay {
    /// From each message's intended send time.
    pub corrected: Histogram<u64>,
    /// From the time its producer actually handed it to the queue.
    pub service: Histogram<u64>,
    /// Receipts timed earlier than their send. A message cannot arrive
    /// before it leaves, so each is a disagreement between the two cores'
    /// clocks; such a latency is recorded as 1 ns, and a count above zero
    /// says the low percentiles are not to be trusted.
    pub backwards: u64,
}

impl OneWay {
    /// Empty histograms.
    pub fn new() -> Self {
        Self {
            corrected: histogram(),
            service: histogram(),
            backwards: 0,
        }
    }

    /// Adds `other`'s samples.
    pub fn absorb(&mut self, other: &OneWay) {
        self.corrected
            .add(&other.corrected)
            .expect("histograms with the same bounds always merge");
        self.service
            .add(&other.service)
            .expect("histograms with the same bounds always merge");
        self.backwards += other.backwards;
    }
}

impl Default for OneWay {
    fn default() -> Self {
        Self::new()
    }
}

/// One consumer's one-way latencies from its receipts (`(tag, receive
/// tick)`) and, per producer, its schedule and the ticks it actually sent
/// each sequence at. Receipts naming an unknown producer or sequence are
/// skipped (the oracle reports them).
pub fn one_way(clock: &Clock, sent: &[(Schedule, Vec<u64>)], receipts: &[(u64, u64)]) -> OneWay {
    let mut latencies = OneWay::new();
    let OneWay {
        corrected,
        service,
        backwards,
    } = &mut latencies;
    for &(tag, received) in receipts {
        let (producer, sequence) = split_tag(tag);
        let Some((schedule, &sent_at)) = sent
            .get(usize::from(producer))
            .and_then(|(schedule, times)| Some((schedule, times.get(sequence as usize)?)))
        else {
            continue;
        };
        let intended = schedule.intended(sequence);
        *backwards += u64::from(received < sent_at);
        record(corrected, clock.to_ns(received.saturating_sub(intended)));
        record(service, clock.to_ns(received.saturating_sub(sent_at)));
    }
    latencies
}

#[cfg(test)]
mod tests {
    use super::*;
    use impls::message::tag_of;

    #[test]
    fn merge_and_v2_round_trip() {
        let mut a = histogram();
        let mut b = histogram();
        for value in 1..=1000 {
            record(&mut a, value);
            record(&mut b, value * 1000);
        }
        let merged = merge([&a, &b]);
        assert_eq!(merged.len(), 2000);
        assert_eq!(merged.max(), b.max());
        assert_eq!(merged.min(), 1);
        let text = encode(&merged);
        assert!(text.len() < 4096, "{} bytes", text.len());
        let back = decode(&text).unwrap();
        assert_eq!(back, merged);
        assert_eq!(percentiles(&back), percentiles(&merged));
        assert!(decode("not base64!").is_err());
    }

    #[test]
    fn a_stall_shows_in_corrected_latency_only() {
        // One producer meant to send every 1000 ns; every message takes
        // 100 ns through the queue. The producer stalls for 10 ms before
        // message 500, then sends the backlog back to back (1 ns apart).
        let clock = Clock::instant(); // ticks are nanoseconds
        let schedule = Schedule {
            start: 1_000_000,
            interval: 1000.0,
        };
        let messages = 100_000u64;
        let stall_end = schedule.intended(500) + 10_000_000;
        let mut sent = Vec::new();
        let mut next_free = 0;
        for sequence in 0..messages {
            let at = schedule.intended(sequence).max(next_free);
            let at = if sequence >= 500 {
                at.max(stall_end)
            } else {
                at
            };
            sent.push(at);
            next_free = at + 1;
        }
        let receipts: Vec<(u64, u64)> = sent
            .iter()
            .enumerate()
            .map(|(sequence, &at)| (tag_of(0, sequence as u64), at + 100))
            .collect();
        let OneWay {
            corrected,
            service,
            backwards,
        } = one_way(&clock, &[(schedule, sent)], &receipts);
        assert_eq!(backwards, 0);
        assert_eq!(corrected.len(), messages);
        assert_eq!(service.len(), messages);
        // Service time never sees the stall.
        assert!(service.max() < 200, "service max {}", service.max());
        assert!(service.value_at_quantile(0.9999) < 200);
        // The corrected histogram does: the first message behind the stall
        // waited 10 ms, and about 10 000 messages were delayed.
        assert!(corrected.max() >= 9_900_000, "max {}", corrected.max());
        assert!(corrected.value_at_quantile(0.99) >= 1_000_000);
        assert!(corrected.value_at_quantile(0.5) < 200);
    }

    #[test]
    fn receipts_timed_before_their_send_are_counted() {
        let clock = Clock::instant();
        let schedule = Schedule {
            start: 1000,
            interval: 100.0,
        };
        let sent = vec![1000, 1100, 1200];
        // The receiving core's clock runs 150 ticks behind for the last two.
        let receipts =
            [(0, 1050), (1, 1000), (2, 1100)].map(|(sequence, at)| (tag_of(0, sequence), at));
        let latencies = one_way(&clock, &[(schedule, sent)], &receipts);
        assert_eq!(latencies.backwards, 2);
        assert_eq!(latencies.service.len(), 3);
        assert_eq!(latencies.service.min(), 1, "recorded as 1 ns");
        let run = run_one_way(&latencies);
        assert_eq!(run.backwards_samples, Some(2));
        assert_eq!(run_round_trips(&histogram()).p50_ns, None);
    }
}
