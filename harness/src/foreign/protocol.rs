//! The foreign protocol, `ringlab-foreign/2`: JSON lines between the
//! harness and a child process that runs one implementation.
//!
//! 1. The child writes a [`Hello`] line: the protocol, its
//!    implementation's name, its runtime and library versions.
//! 2. For each run the harness writes a [`Request`] line (with the run's
//!    salt, which the child adds to every tag it writes and takes off
//!    every tag it reads, so a child that reports tallies without reading
//!    what it received, or reads a buffer of an earlier run, fails) and the
//!    child answers with one [`Reply`] line: its measured region, its run
//!    threads' CPU time, and every consumer's tally, kept as the oracle
//!    keeps it (per producer: count, the checksum of its runs of
//!    consecutive messages, and one past the last sequence seen; messages
//!    out of order; messages naming no producer; messages with damaged
//!    words).
//! 3. The harness closes the child's standard input when it has no more
//!    runs; the child exits.
//!
//! The child never judges anything: [`judge`] rebuilds its tallies and
//! hands them to the harness's own oracle, against an expectation the
//! harness computed itself with the Rust message type. A line that is not
//! the protocol, a reply to another run, a reply without tallies or with
//! an end before its start is a failed run that says so.

use std::collections::BTreeMap;

use impls::Topology;
use serde::{Deserialize, Serialize};

use crate::oracle::{Expected, Tally, judge};
use crate::runner::{Costs, Outcome};

/// The protocol's name and version, in every [`Hello`].
pub const PROTOCOL: &str = "ringlab-foreign/2";

/// The child's first line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hello {
    /// [`PROTOCOL`].
    pub hello: String,
    /// The implementation it runs.
    pub implementation: String,
    /// Its runtime, e.g. `go1.19.8` or `java 17.0.15+6`.
    pub runtime: String,
    /// The library it runs, e.g. `Disruptor 3.4.4`.
    pub library: String,
}

/// One run, as the harness hands it to the child.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Run number, echoed in the reply.
    pub run: u64,
    /// `spsc`, `mpsc`, `mpmc_worker_pool` or `mpmc_fanout`.
    pub topology: String,
    /// Producer threads.
    pub producers: usize,
    /// Consumer threads.
    pub consumers: usize,
    /// Queue capacity in messages.
    pub capacity: usize,
    /// Messages per publish.
    pub batch: usize,
    /// 64-bit words per message (1, 8 or 32).
    pub payload_words: usize,
    /// Messages each producer sends: producer `p` sends sequences
    /// `0 .. quotas[p]`.
    pub quotas: Vec<u64>,
    /// The run's salt: the first word of message `(p, s)` is
    /// `(p << 48 | s) + salt`, wrapping (see `impls::message`).
    pub salt: u64,
    /// Core of each run thread, producers first, or none (unpinned).
    pub cores: Option<Vec<usize>>,
    /// The harness's wait strategy, by name, after any oversubscription
    /// fallback.
    pub wait: String,
    /// The run's deadline, in milliseconds.
    pub timeout_ms: u64,
    /// Test hook: the child reports a deliberately damaged tally.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub corrupt: bool,
}

/// What one producer's messages looked like to one consumer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProducerTally {
    /// Messages received.
    pub count: u64,
    /// Wrapping sum, over the runs of consecutive messages received, of
    /// `mix(first word one past the run) - mix(the run's first word)`
    /// (`impls::message::mix`).
    pub checksum: u64,
    /// One past the sequence of the last message received.
    pub next_sequence: u64,
}

/// One consumer's tally.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerTally {
    /// Per producer, by index.
    pub producers: Vec<ProducerTally>,
    /// Messages below a sequence already seen from their producer.
    pub out_of_order: u64,
    /// Messages naming a producer the run does not have.
    pub unknown_producer: u64,
    /// Messages whose words after the first are not the ones derived from
    /// it.
    #[serde(default)]
    pub corrupted: u64,
}

/// The child's answer to one [`Request`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reply {
    /// The request's run number.
    pub run: u64,
    /// The first run thread past the start barrier, in nanoseconds of the
    /// child's monotonic clock.
    #[serde(default)]
    pub start_ns: Option<i64>,
    /// The last consumer done, on the same clock.
    #[serde(default)]
    pub end_ns: Option<i64>,
    /// CPU time of the run threads over their measured regions.
    #[serde(default)]
    pub cpu_ns: Option<u64>,
    /// Run threads the OS would not pin.
    #[serde(default)]
    pub pin_failures: Option<usize>,
    /// How the child waited, in its own terms.
    #[serde(default)]
    pub wait: Option<String>,
    /// Every consumer's tally, by consumer index.
    #[serde(default)]
    pub tallies: Option<Vec<ConsumerTally>>,
    /// Why the child could not run the request.
    #[serde(default)]
    pub error: Option<String>,
}

/// A reply line that breaks the protocol, in words.
pub fn parse_reply(line: &str) -> Result<Reply, String> {
    serde_json::from_str(line).map_err(|error| {
        format!(
            "the child broke the protocol: `{}` is not a reply ({error})",
            shorten(line)
        )
    })
}

/// A hello line that breaks the protocol, in words.
pub fn parse_hello(line: &str, implementation: &str) -> Result<Hello, String> {
    let hello: Hello = serde_json::from_str(line).map_err(|error| {
        format!(
            "the child broke the protocol: its first line `{}` is not a hello ({error})",
            shorten(line)
        )
    })?;
    if hello.hello != PROTOCOL {
        return Err(format!(
            "the child speaks `{}`, the harness `{PROTOCOL}`: it was built from other sources than this harness's (foreign/ in the repository); rebuild it from them",
            hello.hello
        ));
    }
    if hello.implementation != implementation {
        return Err(format!(
            "the child runs `{}`, not `{implementation}`",
            hello.implementation
        ));
    }
    Ok(hello)
}

/// At most 200 characters of `line`, for messages.
pub fn shorten(line: &str) -> String {
    match line.char_indices().nth(200) {
        Some((at, _)) => format!("{}...", &line[..at]),
        None => line.to_owned(),
    }
}

/// The run `request` became, judged by the harness's oracle: the
/// child's tallies against `expected`, which the harness computed.
pub fn judge_reply(
    request: &Request,
    topology: Topology,
    expected: &Expected,
    reply: Reply,
) -> Outcome {
    let crashed = |error: String| Outcome::Crashed { error };
    if reply.run != request.run {
        return crashed(format!(
            "the child broke the protocol: it answered run {} to run {}",
            reply.run, request.run
        ));
    }
    if let Some(error) = reply.error {
        return crashed(format!("the child failed: {error}"));
    }
    let Some(reported) = reply.tallies else {
        return crashed("the child broke the protocol: its reply has no tallies".to_owned());
    };
    if reported.len() != request.consumers {
        return crashed(format!(
            "the child broke the protocol: {} tallies for {} consumers",
            reported.len(),
            request.consumers
        ));
    }
    let (Some(start), Some(end)) = (reply.start_ns, reply.end_ns) else {
        return crashed("the child broke the protocol: its reply has no start or end".to_owned());
    };
    if end < start {
        return crashed(format!(
            "the child broke the protocol: its run ended ({end} ns) before it started ({start} ns)"
        ));
    }
    let tallies: Vec<Tally> = reported
        .iter()
        .map(|tally| {
            Tally::from_parts(
                tally
                    .producers
                    .iter()
                    .map(|entry| (entry.count, entry.checksum, entry.next_sequence)),
                tally.out_of_order,
                tally.unknown_producer,
                tally.corrupted,
            )
        })
        .collect();
    Outcome::Completed {
        elapsed_ns: u64::try_from(end - start).unwrap_or(0),
        verdict: judge(topology.delivery(), expected, &tallies),
        pin_failures: reply.pin_failures.unwrap_or(0),
        deliveries_per_consumer: tallies.iter().map(Tally::count).collect(),
        metrics: BTreeMap::new(),
        costs: Box::new(Costs {
            cpu_ns: reply.cpu_ns,
            ..Costs::default()
        }),
    }
}

#[cfg(test)]
mod tests {
    use impls::Salt;
    use impls::message::{mix, tag_of};

    /// The salt of the requests these tests make.
    const SALT: Salt = Salt(0x0123_4567_89AB_CDEF);

    use super::*;

    fn request() -> Request {
        Request {
            run: 7,
            topology: "mpsc".to_owned(),
            producers: 2,
            consumers: 1,
            capacity: 16,
            batch: 1,
            payload_words: 1,
            quotas: vec![3, 2],
            salt: SALT.0,
            cores: None,
            wait: "busy_spin".to_owned(),
            timeout_ms: 1000,
            corrupt: false,
        }
    }

    /// The reply an honest child gives for `request()`.
    fn honest() -> Reply {
        // One run each, from sequence 0 to `quota`.
        let checksum = |producer: u16, quota: u64| {
            let word = |sequence| SALT.salted(tag_of(producer, sequence));
            mix(word(quota)).wrapping_sub(mix(word(0)))
        };
        Reply {
            run: 7,
            start_ns: Some(100),
            end_ns: Some(1100),
            cpu_ns: Some(2000),
            pin_failures: Some(0),
            wait: None,
            tallies: Some(vec![ConsumerTally {
                producers: vec![
                    ProducerTally {
                        count: 3,
                        checksum: checksum(0, 3),
                        next_sequence: 3,
                    },
                    ProducerTally {
                        count: 2,
                        checksum: checksum(1, 2),
                        next_sequence: 2,
                    },
                ],
                out_of_order: 0,
                unknown_producer: 0,
                corrupted: 0,
            }]),
            error: None,
        }
    }

    fn judged(reply: Reply) -> Outcome {
        let expected = Expected::new(&[3, 2], SALT);
        judge_reply(&request(), Topology::Mpsc, &expected, reply)
    }

    #[test]
    fn an_honest_reply_passes_with_its_own_timing() {
        let outcome = judged(honest());
        assert!(outcome.passed(), "{outcome:?}");
        assert_eq!(outcome.throughput(5), Some(5.0 / 1000.0 * 1e9));
        assert_eq!(outcome.costs().and_then(|c| c.cpu_ns), Some(2000));
    }

    #[test]
    fn damaged_tallies_fail_the_oracle() {
        let damage: [fn(&mut ConsumerTally); 5] = [
            |t| t.producers[0].checksum ^= 1,
            |t| t.producers[1].count -= 1,
            |t| t.producers[0].count += 1,
            |t| t.out_of_order = 1,
            |t| {
                t.producers.pop();
            },
        ];
        for (index, damage) in damage.iter().enumerate() {
            let mut reply = honest();
            damage(&mut reply.tallies.as_mut().unwrap()[0]);
            let outcome = judged(reply);
            assert_eq!(
                outcome.label(),
                schema::Label::Fail,
                "damage {index}: {outcome:?}"
            );
        }
    }

    #[test]
    fn replies_outside_the_protocol_are_failed_runs_that_say_why() {
        type Change = fn(&mut Reply);
        let cases: [(Change, &str); 5] = [
            (|r| r.run = 8, "answered run 8 to run 7"),
            (|r| r.tallies = None, "no tallies"),
            (|r| r.tallies.as_mut().unwrap().clear(), "0 tallies for 1"),
            (|r| r.end_ns = Some(50), "ended"),
            (|r| r.error = Some("no room".to_owned()), "no room"),
        ];
        for (change, expected) in cases {
            let mut reply = honest();
            change(&mut reply);
            match judged(reply) {
                Outcome::Crashed { error } => assert!(error.contains(expected), "{error}"),
                other => panic!("{expected}: {other:?}"),
            }
        }
        assert!(
            parse_reply("hello there")
                .unwrap_err()
                .contains("hello there")
        );
        assert!(
            parse_reply(r#"{"run":1,"extra":2}"#)
                .unwrap_err()
                .contains("not a reply")
        );
        let hello = r#"{"hello":"ringlab-foreign/2","implementation":"go_chan","runtime":"go1.19","library":"chan"}"#;
        assert!(parse_hello(hello, "go_chan").is_ok());
        assert!(
            parse_hello(hello, "lmax_java")
                .unwrap_err()
                .contains("runs `go_chan`")
        );
        assert!(
            parse_hello(&hello.replace("/2", "/1"), "go_chan")
                .unwrap_err()
                .contains("speaks")
        );
    }
}
