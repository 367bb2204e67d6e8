//! The peer check: crossbeam-channel's own benchmark programs
//! (`crossbeam-channel/benchmarks`, case `bounded_n`: 5,000,000 messages
//! of one word through a channel of as many slots) run interleaved with
//! ringlab's matching scenarios (`scenarios/peer_*.toml`), round by round,
//! and both sides' figures put as ratios to crossbeam-channel.
//!
//! `scripts/peer-check.sh` builds the peer's programs from a checkout the
//! user supplies and calls `harness peer`. Per round: every peer program
//! once (their order turned round by one each round), then each peer
//! scenario once in a child process (one warm-up round, one measured).
//! A peer program times creating the channel, spawning its threads and
//! moving the messages; ringlab times the messages alone. The creation of
//! a 5,000,000-slot channel is measured here, in this process, and the
//! peer's figures are also given with it taken out ("corrected").

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::levels::children::run_child;
use crate::levels::{Build, Layout};
use crate::results::Results;

/// Messages per run on both sides (the peer's `MESSAGES`).
pub const MESSAGES: u64 = 5_000_000;

/// The workloads compared: the peer's case name and ringlab's scenario.
pub const WORKLOADS: [(&str, &str); 3] = [
    ("bounded_spsc", "peer_spsc"),
    ("bounded_mpsc", "peer_mpsc"),
    ("bounded_mpmc", "peer_mpmc"),
];

/// One peer program: its file under `--programs`, the name tables use, and
/// the ringlab rows that measure the same channel.
#[derive(Clone, Copy, Debug)]
pub struct Program {
    /// Executable name (what scripts/peer-check.sh builds).
    pub file: &'static str,
    /// The channel, in tables.
    pub channel: &'static str,
    /// ringlab's rows of the same channel, the default row first.
    pub rows: &'static [&'static str],
}

/// The peer's programs, the baseline first.
pub const PROGRAMS: [Program; 4] = [
    Program {
        file: "crossbeam-channel",
        channel: "crossbeam",
        rows: &["crossbeam", "crossbeam_sliced"],
    },
    Program {
        file: "flume",
        channel: "flume",
        rows: &["flume", "flume_sliced"],
    },
    Program {
        file: "mpsc",
        channel: "std sync_channel",
        rows: &["std_mpsc"],
    },
    Program {
        file: "go",
        channel: "Go chan",
        rows: &["go_chan_sched", "go_chan"],
    },
];

/// The seconds a peer program printed for each case: lines of the form
/// `bounded_spsc   Rust crossbeam-channel   0.123 sec`.
pub fn parse_peer(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let (&"sec", [case, .., seconds]) = (words.last()?, &words[..words.len() - 1]) else {
                return None;
            };
            let seconds: f64 = seconds.parse().ok()?;
            (seconds > 0.0).then(|| ((*case).to_owned(), seconds))
        })
        .collect()
}

/// What one round measured: per (case, channel) the peer's seconds, per
/// (scenario, row) ringlab's messages per second.
#[derive(Clone, Debug, Default)]
pub struct Round {
    /// The peer's seconds per (case, program channel).
    pub peer: BTreeMap<(String, String), f64>,
    /// ringlab's throughput per (scenario, implementation).
    pub ringlab: BTreeMap<(String, String), f64>,
}

/// The measured (not warm-up) throughput of every passed run in `results`,
/// per implementation (the first configuration; peer scenarios have one).
pub fn ringlab_throughputs(results: &Results) -> BTreeMap<String, f64> {
    results
        .configurations
        .first()
        .map(|configuration| {
            configuration
                .runs
                .iter()
                .filter(|run| !run.warmup && run.outcome.passed())
                .filter_map(|run| Some((run.implementation.clone(), run.throughput?)))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs one peer program and returns what it printed.
fn run_program(path: &Path) -> Result<String, String> {
    let output = Command::new(path)
        .output()
        .map_err(|error| format!("cannot start {}: {error}", path.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} ended with {}: {}",
            path.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Where the peer check reads and writes.
#[derive(Clone, Debug)]
pub struct Setup {
    /// Folder holding the peer's built programs.
    pub programs: PathBuf,
    /// Folder holding ringlab's scenario files.
    pub scenarios: PathBuf,
    /// Folder for the children's results.
    pub out: PathBuf,
    /// Rounds.
    pub rounds: u32,
}

/// Runs every round, interleaved, printing progress on stderr.
pub fn run(setup: &Setup) -> Result<Vec<Round>, String> {
    let exe = std::env::current_exe()
        .map_err(|error| format!("cannot find the running harness: {error}"))?;
    let ringlab = Build {
        side: "ringlab".to_owned(),
        layout: Layout(0),
        binary: exe,
    };
    let mut rounds = Vec::new();
    for round in 0..setup.rounds {
        let mut measured = Round::default();
        let turn = round as usize % PROGRAMS.len();
        for program in PROGRAMS.iter().cycle().skip(turn).take(PROGRAMS.len()) {
            eprintln!(
                "[round {}/{}] peer: {}",
                round + 1,
                setup.rounds,
                program.file
            );
            let text = run_program(&setup.programs.join(program.file))?;
            for (case, seconds) in parse_peer(&text) {
                measured
                    .peer
                    .insert((case, program.channel.to_owned()), seconds);
            }
        }
        for (_, scenario) in WORKLOADS {
            eprintln!("[round {}/{}] ringlab: {scenario}", round + 1, setup.rounds);
            let file = setup.scenarios.join(format!("{scenario}.toml"));
            let out = setup.out.join(format!("round{}-{scenario}", round + 1));
            let arguments: Vec<String> = [
                "scenario",
                "--file",
                &file.display().to_string(),
                "--reps",
                "1",
                "--warmup",
                "1",
                "--out",
                &out.display().to_string(),
                "--no-progress",
                "--summary",
                "--allow-spin-oversubscribed",
            ]
            .iter()
            .map(|argument| (*argument).to_owned())
            .collect();
            let results = run_child(&ringlab, &arguments, &out)?;
            for (row, throughput) in ringlab_throughputs(&results) {
                measured
                    .ringlab
                    .insert((scenario.to_owned(), row), throughput);
            }
        }
        rounds.push(measured);
    }
    Ok(rounds)
}

/// The probe scripts/peer-check.sh builds beside the peer's programs: it
/// prints the median time, in milliseconds, Go takes to make the peer's
/// channel.
pub const GO_MAKE: &str = "go-make";

/// How long creating a channel of [`MESSAGES`] one-word slots takes, per
/// peer channel: the Rust ones in this process (median of 7), Go's from
/// the [`GO_MAKE`] probe in `programs`.
pub fn construction(programs: &Path) -> Result<BTreeMap<&'static str, Duration>, String> {
    fn median(mut make: impl FnMut()) -> Duration {
        let mut times: Vec<Duration> = (0..7)
            .map(|_| {
                let started = Instant::now();
                make();
                started.elapsed()
            })
            .collect();
        times.sort();
        times[times.len() / 2]
    }
    let slots = MESSAGES as usize;
    let go = run_program(&programs.join(GO_MAKE))?;
    let go_ms: f64 = go.trim().parse().map_err(|_| {
        format!(
            "{} printed {:?}, not a number of milliseconds",
            GO_MAKE,
            go.trim()
        )
    })?;
    Ok(BTreeMap::from([
        ("Go chan", Duration::from_secs_f64(go_ms / 1e3)),
        (
            "crossbeam",
            median(|| {
                drop(std::hint::black_box(crossbeam_channel::bounded::<usize>(
                    slots,
                )))
            }),
        ),
        (
            "flume",
            median(|| drop(std::hint::black_box(flume::bounded::<usize>(slots)))),
        ),
        (
            "std sync_channel",
            median(|| {
                drop(std::hint::black_box(
                    std::sync::mpsc::sync_channel::<usize>(slots),
                ))
            }),
        ),
    ]))
}

/// A ratio over the rounds: the median and the range it is judged by.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    /// Median over the rounds.
    pub median: f64,
    /// Smallest and largest (with 5 rounds, a 94% interval of the median).
    pub range: (f64, f64),
}

impl Spread {
    /// The spread of `values`, `None` when there are none.
    pub fn of(values: &[f64]) -> Option<Spread> {
        let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        Some(Spread {
            median,
            range: (sorted[0], sorted[n - 1]),
        })
    }

    /// Whether `other`'s range overlaps this one's.
    pub fn overlaps(&self, other: &Spread) -> bool {
        self.range.0 <= other.range.1 && other.range.0 <= self.range.1
    }
}

impl std::fmt::Display for Spread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.2}x ({:.2}-{:.2})",
            self.median, self.range.0, self.range.1
        )
    }
}

/// The peer's ratio of `channel` to crossbeam in `case`, round by round;
/// with `construction`, each side's creation time taken out first.
pub fn peer_ratios(
    rounds: &[Round],
    case: &str,
    channel: &str,
    construction: Option<&BTreeMap<&'static str, Duration>>,
) -> Vec<f64> {
    let corrected = |name: &str, seconds: f64| -> Option<f64> {
        match construction {
            None => Some(seconds),
            Some(times) => Some(seconds - times.get(name)?.as_secs_f64()),
        }
    };
    rounds
        .iter()
        .filter_map(|round| {
            let key = |name: &str| (case.to_owned(), name.to_owned());
            let base = corrected("crossbeam", *round.peer.get(&key("crossbeam"))?)?;
            let other = corrected(channel, *round.peer.get(&key(channel))?)?;
            (other > 0.0 && base > 0.0).then(|| base / other)
        })
        .collect()
}

/// ringlab's ratio of `row` to crossbeam in `scenario`, round by round.
pub fn ringlab_ratios(rounds: &[Round], scenario: &str, row: &str) -> Vec<f64> {
    rounds
        .iter()
        .filter_map(|round| {
            let key = |name: &str| (scenario.to_owned(), name.to_owned());
            Some(round.ringlab.get(&key(row))? / round.ringlab.get(&key("crossbeam"))?)
        })
        .collect()
}

/// The comparison table: per workload and peer channel, the peer's ratio to
/// crossbeam (as timed, and with creation taken out), then each ringlab row
/// of the same channel and whether its range meets the peer's with
/// creation out (`yes`), only the peer's as timed, or neither (`no`).
pub fn table(rounds: &[Round], construction: &BTreeMap<&'static str, Duration>) -> String {
    let mut lines = vec![format!(
        "{:<13} {:<17} {:<21} {:<21} {:<14} {:<21} {}",
        "workload",
        "peer channel",
        "peer, as timed",
        "peer, creation out",
        "ringlab row",
        "ringlab",
        "agree"
    )];
    for (case, scenario) in WORKLOADS {
        for program in PROGRAMS.iter().skip(1) {
            let Some(peer) = Spread::of(&peer_ratios(rounds, case, program.channel, None)) else {
                continue;
            };
            let corrected = Spread::of(&peer_ratios(
                rounds,
                case,
                program.channel,
                Some(construction),
            ));
            for row in program.rows {
                let Some(ours) = Spread::of(&ringlab_ratios(rounds, scenario, row)) else {
                    continue;
                };
                // Judged on what both sides time (the messages), so on the
                // peer's figure with creation out where there is one.
                let agree = match (corrected.map(|c| c.overlaps(&ours)), peer.overlaps(&ours)) {
                    (Some(true), _) | (None, true) => "yes",
                    (Some(false), true) => "only as timed",
                    _ => "no",
                };
                lines.push(format!(
                    "{:<13} {:<17} {:<21} {:<21} {:<14} {:<21} {agree}",
                    case,
                    program.channel,
                    peer.to_string(),
                    corrected.map_or("-".to_owned(), |c| c.to_string()),
                    row,
                    ours.to_string(),
                ));
            }
        }
    }
    lines.join("\n")
}

/// The peer's and ringlab's absolute figures for crossbeam, per workload,
/// in M msg/s (medians), to show the regime.
pub fn crossbeam_regime(rounds: &[Round]) -> String {
    WORKLOADS
        .iter()
        .map(|(case, scenario)| {
            let peer: Vec<f64> = rounds
                .iter()
                .filter_map(|round| {
                    round
                        .peer
                        .get(&((*case).to_owned(), "crossbeam".to_owned()))
                        .map(|seconds| MESSAGES as f64 / seconds / 1e6)
                })
                .collect();
            let ours: Vec<f64> = rounds
                .iter()
                .filter_map(|round| {
                    round
                        .ringlab
                        .get(&((*scenario).to_owned(), "crossbeam".to_owned()))
                        .map(|throughput| throughput / 1e6)
                })
                .collect();
            let median = |values: &[f64]| Spread::of(values).map_or(f64::NAN, |s| s.median);
            format!(
                "{case}: peer {:.1} M/s, ringlab {:.1} M/s",
                median(&peer),
                median(&ours)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peers_lines_are_read_and_everything_else_is_skipped() {
        let text = "bounded_mpmc              Rust crossbeam-channel   0.104 sec\n\
                    bounded_spsc              Go chan           0.180 sec\n\
                    warning: noise\n\
                    bounded_seq               Rust flume        0.000 sec\n\
                    bounded_mpsc              Rust mpsc   x sec\n";
        let parsed = parse_peer(text);
        assert_eq!(parsed.len(), 2, "{parsed:?}");
        assert_eq!(parsed["bounded_mpmc"], 0.104);
        assert_eq!(parsed["bounded_spsc"], 0.180);
    }

    fn round(peer: &[(&str, f64)], ours: &[(&str, f64)]) -> Round {
        Round {
            peer: peer
                .iter()
                .map(|(channel, seconds)| {
                    (("bounded_spsc".to_owned(), (*channel).to_owned()), *seconds)
                })
                .collect(),
            ringlab: ours
                .iter()
                .map(|(row, throughput)| (("peer_spsc".to_owned(), (*row).to_owned()), *throughput))
                .collect(),
        }
    }

    #[test]
    fn ratios_are_taken_round_by_round_with_and_without_creation() {
        // Round 1: crossbeam 0.10 s (0.04 of it creation), flume 0.20 s.
        let rounds = [
            round(
                &[("crossbeam", 0.10), ("flume", 0.20)],
                &[("crossbeam", 80.0), ("flume", 20.0)],
            ),
            round(
                &[("crossbeam", 0.12), ("flume", 0.20)],
                &[("crossbeam", 60.0), ("flume", 30.0)],
            ),
        ];
        let as_timed = peer_ratios(&rounds, "bounded_spsc", "flume", None);
        assert_eq!(as_timed, [0.5, 0.6]);
        let creation = BTreeMap::from([
            ("crossbeam", Duration::from_millis(40)),
            ("flume", Duration::ZERO),
        ]);
        let corrected = peer_ratios(&rounds, "bounded_spsc", "flume", Some(&creation));
        assert!((corrected[0] - 0.3).abs() < 1e-9 && (corrected[1] - 0.4).abs() < 1e-9);
        assert_eq!(ringlab_ratios(&rounds, "peer_spsc", "flume"), [0.25, 0.5]);
        // A channel with no creation time has no corrected ratio.
        assert!(peer_ratios(&rounds, "bounded_spsc", "flume", Some(&BTreeMap::new())).is_empty());
    }

    #[test]
    fn a_spread_is_the_median_and_the_range() {
        let spread = Spread::of(&[0.3, 0.1, f64::NAN, 0.2, 0.4]).unwrap();
        assert_eq!(spread.median, 0.25);
        assert_eq!(spread.range, (0.1, 0.4));
        assert_eq!(Spread::of(&[]), None);
        let apart = Spread::of(&[0.5, 0.6]).unwrap();
        assert!(!spread.overlaps(&apart) && spread.overlaps(&Spread::of(&[0.4]).unwrap()));
        assert_eq!(apart.to_string(), "0.55x (0.50-0.60)");
    }

    #[test]
    fn the_table_judges_agreement_on_what_both_sides_time() {
        let creation = BTreeMap::from([
            ("crossbeam", Duration::from_millis(40)),
            ("flume", Duration::ZERO),
            ("std sync_channel", Duration::from_millis(40)),
        ]);
        // flume: peer 0.5x as timed, 0.3x with creation out; ringlab 0.3x.
        // std: peer 1.0x both ways, ringlab 0.5x: no.
        let rounds: Vec<Round> = (0..3)
            .map(|_| {
                round(
                    &[
                        ("crossbeam", 0.10),
                        ("flume", 0.20),
                        ("std sync_channel", 0.10),
                    ],
                    &[
                        ("crossbeam", 100.0),
                        ("flume", 30.0),
                        ("flume_sliced", 50.0),
                        ("std_mpsc", 50.0),
                    ],
                )
            })
            .collect();
        let text = table(&rounds, &creation);
        let line = |row: &str| {
            text.lines()
                .find(|line| line.split_whitespace().any(|word| word == row))
                .unwrap_or_else(|| panic!("no {row} in\n{text}"))
                .to_owned()
        };
        assert!(line("flume").ends_with("yes"), "{text}");
        assert!(line("flume_sliced").ends_with("only as timed"), "{text}");
        assert!(line("std_mpsc").ends_with("no"), "{text}");
        // No peer figures for Go: no Go row.
        assert!(!text.contains("go_chan"), "{text}");
    }
}
