//! What a fault run found: the outcome, worst finding first
//! ([`FaultOutcome`]), how each thread ended, and the report of the run
//! ([`FaultReport`]) that results files and the faults table are made of.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use super::spec::{Expectation, FaultSpec};

/// What happened in a fault run, the worst finding first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultOutcome {
    /// The contract held: everything expected arrived once, in order, and
    /// `Closed` was seen.
    Recovered,
    /// Producers got `Disconnected`; everything the consumers still there
    /// received was in order and none of it was lost or duplicated.
    Disconnected {
        /// Whether that is what the contract asks for this fault and
        /// topology (the only consumer, or a stage every message passes,
        /// was gone).
        expected: bool,
    },
    /// Messages published `Ok` (or owed to a consumer that stayed) that
    /// never arrived.
    Lost {
        /// How many.
        messages: u64,
    },
    /// Deliveries beyond those published.
    Duplicated {
        /// How many too many.
        messages: u64,
    },
    /// Messages that arrived below a sequence already seen from their
    /// producer.
    OutOfOrder {
        /// How many.
        messages: u64,
    },
    /// Messages that are not what any producer wrote.
    Corrupted {
        /// How many (at least).
        messages: u64,
    },
    /// As [`FaultOutcome::Recovered`], but for the rest of the batch the
    /// departing consumer held, which went with it: what the contract
    /// allows a consumer that takes a whole batch at a time (the `*_vec`
    /// channels) in work-sharing.
    WentWithConsumer {
        /// Messages that went with it.
        messages: u64,
    },
    /// Consumers still short of `Closed` at the deadline, while messages
    /// published were still owed to them or every producer was gone.
    NoClosed {
        /// How many consumers.
        consumers: usize,
    },
    /// Threads still running at the deadline. `abandoned` did not finish
    /// even after the cancel token and a grace period, and were left
    /// running (leaked); 0 means the watchdog's cancel ended them all.
    Hung {
        /// Threads left running.
        abandoned: usize,
    },
    /// A panic other than the injected one.
    Panicked {
        /// Its message, and where it was raised.
        message: String,
    },
    /// The queue could not be built.
    BuildFailed {
        /// What the implementation said.
        error: String,
    },
}

impl fmt::Display for FaultOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultOutcome::Recovered => f.write_str("recovered"),
            FaultOutcome::Disconnected { expected: true } => f.write_str("disconnected (expected)"),
            FaultOutcome::Disconnected { expected: false } => {
                f.write_str("disconnected (unexpected)")
            }
            FaultOutcome::Lost { messages } => write!(f, "lost {messages}"),
            FaultOutcome::Duplicated { messages } => write!(f, "duplicated {messages}"),
            FaultOutcome::OutOfOrder { messages } => write!(f, "out of order {messages}"),
            FaultOutcome::Corrupted { messages } => write!(f, "corrupted {messages}"),
            FaultOutcome::WentWithConsumer { messages } => {
                write!(f, "lost {messages} with its batch")
            }
            FaultOutcome::NoClosed { .. } => f.write_str("no Closed"),
            FaultOutcome::Hung { abandoned: 0 } => f.write_str("hung"),
            FaultOutcome::Hung { abandoned: 1 } => f.write_str("hung, 1 thread abandoned"),
            FaultOutcome::Hung { abandoned } => write!(f, "hung, {abandoned} threads abandoned"),
            FaultOutcome::Panicked { message } => write!(f, "panicked: {message}"),
            FaultOutcome::BuildFailed { error } => write!(f, "build error: {error}"),
        }
    }
}

/// How a producer thread ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProducerEnd {
    /// Published its whole share.
    Finished,
    /// A publish returned `Disconnected`.
    Disconnected,
    /// A publish returned `Cancelled`.
    Cancelled,
    /// Its injected panic was caught, and the producer dropped.
    InjectedPanic,
    /// A panic other than the injected one.
    Panicked {
        /// Its message, and where it was raised.
        message: String,
    },
    /// Still running when the run was given up on.
    Abandoned,
}

/// How a consumer thread ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConsumerEnd {
    /// Saw `Closed`.
    Closed,
    /// Stopped at the deadline without seeing `Closed`.
    NoClosed,
    /// Dropped its endpoint, as the fault planned.
    Left,
    /// Its handler's injected panic was caught, and the endpoint dropped.
    InjectedPanic,
    /// A panic other than the injected one.
    Panicked {
        /// Its message, and where it was raised.
        message: String,
    },
    /// Still running when the run was given up on.
    Abandoned,
}

/// What a producer published after its injected panic, in
/// `producer_panic_continues`. Its messages are tagged with a producer
/// index of their own (the run's producer count), numbered from 0, so the
/// oracle checks them as a stream of their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Continued {
    /// Messages whose publish returned `Ok`.
    pub published: u64,
    /// Messages written into a batch whose publish then failed.
    pub unsure: u64,
}

/// One producer thread's part in a fault run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProducerRecord {
    /// Messages whose publish returned `Ok` (up to the injected panic,
    /// for a producer that went on after it).
    pub published: u64,
    /// Messages written into the batch whose publish failed: any prefix of
    /// them may have been delivered.
    pub unsure: u64,
    /// What it published after the injected panic, if it went on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continued: Option<Continued>,
    /// How it ended.
    pub end: ProducerEnd,
    /// Whether it was still running at the deadline.
    pub past_deadline: bool,
}

/// One consumer thread's part in a fault run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConsumerRecord {
    /// Messages handed to its handler.
    pub delivered: u64,
    /// How it ended.
    pub end: ConsumerEnd,
}

/// Everything one fault run found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FaultReport {
    /// The implementation's name.
    pub implementation: String,
    /// The run.
    #[serde(flatten)]
    pub spec: FaultSpec,
    /// What the contract asks of it.
    pub expected: Expectation,
    /// What happened.
    pub outcome: FaultOutcome,
    /// `outcome` in words, as the table shows it.
    pub label: String,
    /// Whether `outcome` is what `expected` asks.
    pub met_contract: bool,
    /// Whether the fault struck: a producer that stopped before its
    /// panicking batch, or a consumer that saw `Closed` before its strike
    /// point, never met it, and the run had no fault (a problem says so).
    pub injected: bool,
    /// Each producer thread, by index.
    pub producers: Vec<ProducerRecord>,
    /// Each consumer thread, by index.
    pub consumers: Vec<ConsumerRecord>,
    /// Everything found, in words: the oracle's problems and how threads
    /// ended where that matters.
    pub problems: Vec<String>,
    /// From building the queue to the last thread's end (or to giving up).
    pub elapsed_ms: u64,
}

impl FaultReport {
    pub(crate) fn new(
        implementation: &str,
        spec: &FaultSpec,
        outcome: FaultOutcome,
        producers: Vec<ProducerRecord>,
        consumers: Vec<ConsumerRecord>,
        problems: Vec<String>,
        elapsed: Duration,
    ) -> FaultReport {
        let expected = spec.expectation();
        let met_contract = match expected {
            Expectation::Recovered => matches!(
                outcome,
                FaultOutcome::Recovered | FaultOutcome::WentWithConsumer { .. }
            ),
            Expectation::Disconnected => outcome == FaultOutcome::Disconnected { expected: true },
        };
        FaultReport {
            implementation: implementation.to_owned(),
            spec: spec.clone(),
            expected,
            label: outcome.to_string(),
            outcome,
            met_contract,
            injected: true,
            producers,
            consumers,
            problems,
            elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        }
    }
}
