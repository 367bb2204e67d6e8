//! The `[axes]` table of a measurement: each axis checked and its default
//! filled in, what the scenario's kind asks of it, and whether each listed
//! implementation can be built at every point of it.

use impls::queue::{MAX_CAPACITY, MAX_THREADS, MIN_CAPACITY};
use impls::{BuildError, PAYLOAD_SIZES, QueueConfig, Setup, Topology, WaitStrategy};

use super::RawAxes;
use super::checker::{Checker, Listed};
use crate::{Axes, Consume, Kind, Problem, ScenarioError};

/// Largest `axes.rate` value, messages per second.
const MAX_RATE: u64 = 1_000_000_000;
/// Largest `axes.batch` value.
const MAX_BATCH: u64 = 65_536;

/// `axes.capacity` when the file leaves it out.
const DEFAULT_CAPACITY: usize = 1024;
/// `axes.payload` when the file leaves it out.
const DEFAULT_PAYLOAD: usize = 8;
/// `axes.wait` when the file leaves it out.
const DEFAULT_WAIT: WaitStrategy = WaitStrategy::SpinYield;

/// A reason an implementation cannot run the scenario, in words: the
/// field and its problem, without the file's path.
fn reason(error: &ScenarioError) -> String {
    match error {
        ScenarioError::Invalid { field, problem, .. } => format!("{field}: {problem}"),
        other => other.to_string(),
    }
}

impl Checker<'_> {
    /// The implementations of `listed` that run the scenario: a named list
    /// must fit every point of the axes (an error names the axis to
    /// change); [`ALL`](super::ALL) keeps those that fit, and is an error
    /// only when none does. `listed` comes back with them, and with what it
    /// left out and why.
    pub(crate) fn able(
        &self,
        topology: Topology,
        axes: &Axes,
        listed: Listed,
    ) -> Result<Listed, ScenarioError> {
        if !listed.all {
            self.fits(topology, axes, &listed.names)?;
            return Ok(listed);
        }
        let mut first_error = None;
        let mut able = Vec::with_capacity(listed.names.len());
        let mut left_out = listed.left_out;
        for name in listed.names {
            match self.fits(topology, axes, &[name]) {
                Ok(()) => able.push(name),
                Err(error) => {
                    left_out.push((name, reason(&error)));
                    first_error.get_or_insert(error);
                }
            }
        }
        match first_error {
            Some(error) if able.is_empty() => Err(error),
            _ => Ok(Listed {
                names: able,
                all: true,
                left_out,
            }),
        }
    }

    /// Checks every axis and fills in the defaults.
    pub(super) fn axes(&self, topology: Topology, raw: RawAxes) -> Result<Axes, ScenarioError> {
        let threads = |value: &i64| self.in_range(*value, 1, MAX_THREADS);
        let producers = self.axis("axes.producers", raw.producers, 1, threads)?;
        let consumers = self.axis(
            "axes.consumers",
            raw.consumers,
            topology.min_consumers(),
            threads,
        )?;
        let capacity = self.axis("axes.capacity", raw.capacity, DEFAULT_CAPACITY, |value| {
            self.in_range(*value, MIN_CAPACITY, MAX_CAPACITY)
        })?;
        let payload = self.axis("axes.payload", raw.payload, DEFAULT_PAYLOAD, |value| {
            usize::try_from(*value)
                .ok()
                .filter(|size| PAYLOAD_SIZES.contains(size))
                .ok_or(Problem::Payload { value: *value })
        })?;
        let batch = self.axis("axes.batch", raw.batch, 1, |value| {
            self.in_range(*value, 1, MAX_BATCH as usize)
        })?;
        let wait = self.axis("axes.wait", raw.wait, DEFAULT_WAIT, |value| {
            WaitStrategy::ALL
                .into_iter()
                .find(|strategy| strategy.name() == value)
                .ok_or_else(|| Problem::UnknownWait {
                    value: value.clone(),
                })
        })?;
        let consume = self.axis("axes.consume", raw.consume, Consume::Read, |value| {
            Consume::ALL
                .into_iter()
                .find(|mode| mode.name() == value)
                .ok_or_else(|| Problem::UnknownConsume {
                    value: value.clone(),
                })
        })?;
        let axes = Axes {
            producers,
            consumers,
            capacity,
            payload,
            batch,
            wait,
            consume,
            rate: Vec::new(),
        };
        Ok(axes)
    }

    /// Checks what `kind` asks of the scenario and returns the rate axis:
    /// latency scenarios need `axes.rate`, and only they may have one;
    /// ping-pong runs one message at a time between two threads.
    pub(super) fn kind(
        &self,
        kind: Kind,
        topology: Topology,
        axes: &Axes,
        rate: Option<Vec<i64>>,
    ) -> Result<Vec<u64>, ScenarioError> {
        const RATES: &str = "a list of offered rates in messages per second, 1 to 1000000000";
        if kind == Kind::Pingpong {
            if topology != Topology::Spsc {
                return Err(self.invalid(
                    "topology",
                    Problem::NotForKind {
                        kind: kind.name(),
                        allowed: "spsc",
                    },
                ));
            }
            if axes.batch != [1] {
                return Err(self.invalid(
                    "axes.batch",
                    Problem::NotForKind {
                        kind: kind.name(),
                        allowed: "[1] (one message per round trip)",
                    },
                ));
            }
        }
        match (kind, rate) {
            (Kind::Latency, None) => Err(self.invalid(
                "axes.rate",
                Problem::RequiredForKind {
                    kind: kind.name(),
                    allowed: RATES,
                },
            )),
            (Kind::Latency, Some(rate)) => self.axis("axes.rate", Some(rate), 0, |value| {
                self.in_range(*value, 1, MAX_RATE as usize)
                    .map(|rate| rate as u64)
            }),
            (_, Some(_)) => Err(self.invalid(
                "axes.rate",
                Problem::NotForKind {
                    kind: kind.name(),
                    allowed: "no rate (only kind `latency` takes one)",
                },
            )),
            (_, None) => Ok(Vec::new()),
        }
    }

    /// Checks that every implementation can be built at every point of the
    /// axes (thread counts for the topology, capacity limits, single
    /// producers), by asking each implementation itself; an error names the
    /// axis to change.
    pub(crate) fn fits(
        &self,
        topology: Topology,
        axes: &Axes,
        implementations: &[&'static str],
    ) -> Result<(), ScenarioError> {
        for info in implementations.iter().filter_map(|name| self.info(name)) {
            for &producers in &axes.producers {
                for &consumers in &axes.consumers {
                    for &capacity in &axes.capacity {
                        for &batch in &axes.batch {
                            // As run: a batch above the capacity is
                            // clamped to it (`Scenario::points`).
                            let cfg = QueueConfig::from(
                                Setup::new(topology, capacity)
                                    .threads(producers, consumers)
                                    .batch(batch.min(capacity)),
                            );
                            if let Err(error) = info.check(&cfg) {
                                return Err(self.build_error(error));
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// A build error as an error about the axis it concerns.
    fn build_error(&self, error: BuildError) -> ScenarioError {
        match error {
            BuildError::Producers {
                topology,
                producers,
                max,
            } if producers > max => self.invalid(
                "axes.producers",
                Problem::ThreadsForTopology {
                    value: producers as i64,
                    topology,
                    max,
                },
            ),
            BuildError::Consumers {
                topology,
                consumers,
                max,
                ..
            } if consumers > max => self.invalid(
                "axes.consumers",
                Problem::ThreadsForTopology {
                    value: consumers as i64,
                    topology,
                    max,
                },
            ),
            BuildError::CapacityNotPowerOfTwo {
                implementation,
                capacity,
            } => self.invalid(
                "axes.capacity",
                Problem::NotPowerOfTwo {
                    value: capacity,
                    implementation,
                },
            ),
            error => {
                let field = match error {
                    BuildError::Producers { .. }
                    | BuildError::SingleProducer { .. }
                    | BuildError::TooManyProducers { .. } => "axes.producers",
                    BuildError::Consumers { .. } => "axes.consumers",
                    BuildError::Batch => "axes.batch",
                    BuildError::Topology { .. } => "implementations",
                    _ => "axes.capacity",
                };
                self.invalid(field, Problem::Build { error })
            }
        }
    }
}
