//! The results file: one JSON document per invocation, written atomically.
//!
//! The schema (`ringlab.results/1`) is defined once, in the `schema`
//! crate, and read by the reports crate through the same types; this
//! module re-exports it and adds what only the writer needs: the base
//! case's record, the floor's summary, atomic writing and file names.

use std::io::Write;
use std::path::{Path, PathBuf};

use schema::OrderingGuarantee;
use serde::Serialize;

pub use schema::{
    Configuration, FLOOR_UNSTABLE_FACTOR, Floor, FloorRound, ImplementationRecord, Latency,
    LatencyKind, Results, RunRecord, SCHEMA, ScenarioRecord, Summary,
};

/// The record of the base case (no queue; the harness's own cost): it
/// orders globally, and has no wait class or batching (`"none"`).
pub fn base_record() -> ImplementationRecord {
    ImplementationRecord {
        name: crate::runner::BASE.to_owned(),
        summary: crate::runner::BASE_SUMMARY.to_owned(),
        ordering: OrderingGuarantee::GlobalFifo,
        wait_class: None,
        batching: None,
        fanout_emulated: false,
        bounded: true,
        family: schema::Family::Base,
    }
}

/// Summarises the floor's `rounds` measured between `cores`: median and
/// range over the measured rounds, and whether it moved by more than
/// [`FLOOR_UNSTABLE_FACTOR`].
pub fn floor(cores: (usize, usize), rounds: Vec<FloorRound>) -> Floor {
    let measured: Vec<f64> = rounds
        .iter()
        .filter(|r| !r.warmup)
        .filter_map(|r| r.round_trip_ns)
        .collect();
    let range_ns = reports::stats::min_max(&measured);
    Floor {
        cores,
        median_ns: reports::stats::median(&measured),
        unstable: range_ns.is_some_and(|(low, high)| high > low * FLOOR_UNSTABLE_FACTOR),
        range_ns,
        rounds,
    }
}

/// Writes `results` to `dir/NAME.json` atomically (a temporary file in the
/// same folder, flushed, then renamed), creating `dir` if needed.
pub fn write(results: &impl Serialize, dir: &Path, name: &str) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("{name}.json"));
    let temporary = dir.join(format!(".{name}.json.partial"));
    let mut file = std::fs::File::create(&temporary)?;
    serde_json::to_writer_pretty(&mut file, results)?;
    file.write_all(b"\n")?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&temporary, &path)?;
    Ok(path)
}

/// `YYYYMMDDTHHMMSSZ` for a Unix time, for file names.
pub fn timestamp(unix_seconds: u64) -> String {
    let time = reports::format::CivilTime::of(unix_seconds);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        time.year, time.month, time.day, time.hour, time.minute, time.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(round: u32, warmup: bool, ns: Option<f64>) -> FloorRound {
        FloorRound {
            round,
            warmup,
            round_trip_ns: ns,
        }
    }

    #[test]
    fn a_floor_that_moves_more_than_twofold_is_unstable() {
        let steady = floor(
            (0, 1),
            vec![
                round(0, true, Some(65.0)),
                round(1, false, Some(452.0)),
                round(2, false, Some(491.0)),
                round(3, false, None),
            ],
        );
        // The warm-up round's 65 ns is not compared: measured rounds only.
        assert!(!steady.unstable, "{steady:?}");
        assert_eq!(steady.range_ns, Some((452.0, 491.0)));
        assert_eq!(steady.at(2), Some(491.0));
        assert_eq!(steady.at(3), None);
        let moved = floor(
            (0, 1),
            vec![round(0, false, Some(452.0)), round(1, false, Some(910.0))],
        );
        assert!(moved.unstable, "{moved:?}");
        assert_eq!(moved.median_ns, Some(681.0));
    }

    #[test]
    fn timestamps_are_utc_civil_time() {
        assert_eq!(timestamp(0), "19700101T000000Z");
        assert_eq!(timestamp(951_782_400), "20000229T000000Z");
        assert_eq!(timestamp(1_795_000_000), "20261118T110640Z");
    }
}
