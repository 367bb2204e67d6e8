//! What describes an implementation ([`Info`]): its name, topologies,
//! guarantees, how it waits and batches, and the configurations it
//! accepts. Validation, tables, results and reports read it; `Info::new`
//! gives the usual answers and one method per answer that differs.

use serde::Serialize;

use crate::config::{
    BuildError, MAX_CAPACITY, MAX_THREADS, MIN_CAPACITY, QueueConfig, check_threads,
};
use schema::Topology;
pub use schema::{Batching, Family, OrderingGuarantee, WaitClass};

/// What an implementation is, for tables, reports and validation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Info {
    /// The name scenarios and the command line use.
    pub name: &'static str,
    /// One line on what it is.
    pub summary: &'static str,
    /// Topologies it can run.
    pub topologies: &'static [Topology],
    /// Order guarantee it makes.
    pub ordering: OrderingGuarantee,
    /// How it waits.
    pub wait_class: WaitClass,
    /// How batches cross it.
    pub batching: Batching,
    /// Whether fan-out is emulated with one queue per consumer (the producer
    /// sends every message once per consumer).
    pub fanout_emulated: bool,
    /// Whether, in work-sharing, the run a consumer had claimed and not
    /// finished when it left is taken over by another (a worker pool):
    /// that one then hands those messages after later ones of the same
    /// producer, which fault runs forgive only here, and only for that run.
    pub takes_over: bool,
    /// Whether the capacity must be a power of two.
    pub capacity_power_of_two: bool,
    /// Smallest capacity it accepts (at least [`MIN_CAPACITY`]).
    pub min_capacity: usize,
    /// Whether it takes one producer only, whatever the topology.
    pub single_producer: bool,
    /// Largest capacity it accepts (at most [`MAX_CAPACITY`]).
    pub max_capacity: usize,
    /// Most producers it accepts (at most [`MAX_THREADS`]).
    pub max_producers: usize,
    /// Whether it holds at most its capacity. An unbounded queue never
    /// makes a producer wait and holds as many messages as the producers
    /// get ahead: nothing bounds its memory, and results say so.
    pub bounded: bool,
    /// Where it comes from: a design of ringlab's own, a published crate
    /// wrapped, an original in another language, a queue of the user's
    /// own crate. The harness records every queue outside the built-in
    /// roster as the user's own, whatever this says.
    pub family: Family,
}

impl Info {
    /// An implementation named `name` that runs `topologies`, with the
    /// usual answers to the rest: global FIFO, waits with the scenario's
    /// strategy, one message at a time, native fan-out, nothing taken over
    /// from a departed worker, any capacity from [`MIN_CAPACITY`] to
    /// [`MAX_CAPACITY`], up to [`MAX_THREADS`] producers, bounded. The
    /// methods below change one answer each.
    ///
    /// ```
    /// use impls::{Batching, Info, Topology};
    ///
    /// let info = Info::new("my_ring", "a ring of my own", &[Topology::Spsc])
    ///     .batching(Batching::Native)
    ///     .capacity_power_of_two(true)
    ///     .single_producer(true);
    /// assert!(info.supports(Topology::Spsc) && info.capacity_power_of_two);
    /// ```
    pub const fn new(
        name: &'static str,
        summary: &'static str,
        topologies: &'static [Topology],
    ) -> Self {
        Self {
            name,
            summary,
            topologies,
            ordering: OrderingGuarantee::GlobalFifo,
            wait_class: WaitClass::Configurable,
            batching: Batching::PerMessage,
            fanout_emulated: false,
            takes_over: false,
            capacity_power_of_two: false,
            min_capacity: MIN_CAPACITY,
            single_producer: false,
            max_capacity: MAX_CAPACITY,
            max_producers: MAX_THREADS,
            bounded: true,
            family: Family::Design,
        }
    }

    /// Coming from `family` (see [`Info::family`]).
    pub const fn family(mut self, family: Family) -> Self {
        self.family = family;
        self
    }

    /// With `ordering` as its order guarantee.
    pub const fn ordering(mut self, ordering: OrderingGuarantee) -> Self {
        self.ordering = ordering;
        self
    }

    /// Waiting as `wait_class` says.
    pub const fn wait_class(mut self, wait_class: WaitClass) -> Self {
        self.wait_class = wait_class;
        self
    }

    /// With batches crossing it as `batching` says.
    pub const fn batching(mut self, batching: Batching) -> Self {
        self.batching = batching;
        self
    }

    /// With fan-out emulated by one queue per consumer, or not.
    pub const fn fanout_emulated(mut self, emulated: bool) -> Self {
        self.fanout_emulated = emulated;
        self
    }

    /// With a departed worker's unfinished run taken over by another in
    /// work-sharing, or not.
    pub const fn takes_over(mut self, takes_over: bool) -> Self {
        self.takes_over = takes_over;
        self
    }

    /// Needing a power-of-two capacity, or not.
    pub const fn capacity_power_of_two(mut self, required: bool) -> Self {
        self.capacity_power_of_two = required;
        self
    }

    /// Taking capacities from `min` (at least [`MIN_CAPACITY`]).
    pub const fn min_capacity(mut self, min: usize) -> Self {
        self.min_capacity = min;
        self
    }

    /// Taking capacities up to `max` (at most [`MAX_CAPACITY`]).
    pub const fn max_capacity(mut self, max: usize) -> Self {
        self.max_capacity = max;
        self
    }

    /// Taking one producer only, whatever the topology, or not.
    pub const fn single_producer(mut self, single: bool) -> Self {
        self.single_producer = single;
        self
    }

    /// Taking up to `max` producers (at most [`MAX_THREADS`]).
    pub const fn max_producers(mut self, max: usize) -> Self {
        self.max_producers = max;
        self
    }

    /// Holding at most its capacity, or not (unbounded).
    pub const fn bounded(mut self, bounded: bool) -> Self {
        self.bounded = bounded;
        self
    }

    /// Whether it can run `topology`.
    pub fn supports(&self, topology: Topology) -> bool {
        self.topologies.contains(&topology)
    }

    /// Checks the parts of `cfg` that every implementation shares: topology,
    /// thread counts, capacity and batch.
    pub fn check(&self, cfg: &QueueConfig) -> Result<(), BuildError> {
        let setup = cfg.setup;
        if !self.supports(setup.topology) {
            return Err(BuildError::Topology {
                implementation: self.name,
                topology: setup.topology,
                supported: self.topologies,
            });
        }
        check_threads(setup.topology, setup.producers, setup.consumers)?;
        if !(MIN_CAPACITY..=MAX_CAPACITY).contains(&setup.capacity) {
            return Err(BuildError::Capacity {
                capacity: setup.capacity,
            });
        }
        if setup.capacity < self.min_capacity {
            return Err(BuildError::CapacityTooSmall {
                implementation: self.name,
                capacity: setup.capacity,
                min: self.min_capacity,
            });
        }
        if setup.capacity > self.max_capacity {
            return Err(BuildError::CapacityTooLarge {
                implementation: self.name,
                capacity: setup.capacity,
                max: self.max_capacity,
            });
        }
        if setup.producers > self.max_producers {
            return Err(BuildError::TooManyProducers {
                implementation: self.name,
                producers: setup.producers,
                max: self.max_producers,
            });
        }
        if self.single_producer && setup.producers > 1 {
            return Err(BuildError::SingleProducer {
                implementation: self.name,
                producers: setup.producers,
            });
        }
        if self.capacity_power_of_two && !setup.capacity.is_power_of_two() {
            return Err(BuildError::CapacityNotPowerOfTwo {
                implementation: self.name,
                capacity: setup.capacity,
            });
        }
        if setup.batch == 0 {
            return Err(BuildError::Batch);
        }
        Ok(())
    }
}

/// What a results file records of an implementation.
impl From<&Info> for schema::ImplementationRecord {
    fn from(info: &Info) -> Self {
        Self {
            name: info.name.to_owned(),
            summary: info.summary.to_owned(),
            ordering: info.ordering,
            wait_class: Some(info.wait_class),
            batching: Some(info.batching),
            fanout_emulated: info.fanout_emulated,
            bounded: info.bounded,
            family: info.family,
        }
    }
}
