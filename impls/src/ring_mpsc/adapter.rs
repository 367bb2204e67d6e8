//! `ring_mpsc` behind the one trait.

use super::channel::channel;
use super::config::{Config, ConfigError, MAX_PRODUCERS, MAX_RING_CAPACITY, MIN_RING_CAPACITY};
use super::consumer::RingConsumer;
use super::producer::RingProducer;
use crate::message::Message;
use crate::queue::{
    Batching, BuildError, Consumed, Consumer, Endpoints, Info, MIN_CAPACITY, OrderingGuarantee,
    Producer, PublishError, Queue, QueueConfig, Topology,
};

/// The `ring_mpsc` implementation behind the one trait.
pub struct RingMpsc;

impl Queue for RingMpsc {
    type Producer<M: Message> = RingProducer<M>;
    type Consumer<M: Message> = RingConsumer<M>;

    fn info() -> Info {
        Info::new("ring_mpsc", "one SPSC ring per producer (capacity is per ring), consumer polls all rings, one head store per ring per batch", &[Topology::Spsc, Topology::Mpsc])
            .ordering(OrderingGuarantee::PerProducerFifo)
            .batching(Batching::Native)
            .capacity_power_of_two(true)
            .min_capacity(MIN_CAPACITY.max(MIN_RING_CAPACITY))
            .max_capacity(MAX_RING_CAPACITY)
            .max_producers(MAX_PRODUCERS)
    }

    fn build<M: Message>(
        cfg: &QueueConfig,
    ) -> Result<Endpoints<RingProducer<M>, RingConsumer<M>>, BuildError> {
        let info = Self::info();
        info.check(cfg)?;
        let config = Config {
            wait: cfg.setup.wait,
            cancel: cfg.cancel.clone(),
            ..Config::new(cfg.setup.capacity, cfg.setup.producers)
        };
        // `info.check` has refused these already (the limits in `info`
        // are the channel's); mapped by cause all the same.
        let (channel, mut consumer) = channel(config).map_err(|error| match error {
            ConfigError::RingCapacity { capacity } if capacity > MAX_RING_CAPACITY => {
                BuildError::CapacityTooLarge {
                    implementation: info.name,
                    capacity,
                    max: MAX_RING_CAPACITY,
                }
            }
            ConfigError::RingCapacity { capacity } if capacity < MIN_RING_CAPACITY => {
                BuildError::CapacityTooSmall {
                    implementation: info.name,
                    capacity,
                    min: MIN_RING_CAPACITY,
                }
            }
            ConfigError::RingCapacity { capacity } => BuildError::CapacityNotPowerOfTwo {
                implementation: info.name,
                capacity,
            },
            ConfigError::MaxProducers { producers } => BuildError::TooManyProducers {
                implementation: info.name,
                producers,
                max: MAX_PRODUCERS,
            },
        })?;
        let producers = (0..cfg.setup.producers)
            .map(|_| channel.register())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| BuildError::TooManyProducers {
                implementation: info.name,
                producers: cfg.setup.producers,
                max: MAX_PRODUCERS,
            })?;
        // The consumer learns of the rings now, so that its table is not
        // allocated inside a measured region.
        consumer.discover();
        Ok(Endpoints {
            producers,
            consumers: vec![consumer],
        })
    }
}

impl<M: Message> Producer<M> for RingProducer<M> {
    #[inline(always)]
    fn publish_batch(
        &mut self,
        n: usize,
        mut fill: impl FnMut(usize, &mut M),
    ) -> Result<(), PublishError> {
        let mut done = 0;
        while done < n {
            let mut reservation = self.reserve(n - done)?;
            let base = done;
            reservation.fill(|i| M::new_with(|message| fill(base + i, message)));
            done += reservation.commit();
        }
        Ok(())
    }
}

impl<M: Message> Consumer<M> for RingConsumer<M> {
    #[inline(always)]
    fn consume_batch(&mut self, max: usize, on: impl FnMut(&M)) -> Consumed {
        RingConsumer::consume_batch(self, max, on)
    }

    #[inline(always)]
    fn consume_slices(&mut self, max: usize, on: impl FnMut(&[M])) -> Consumed {
        RingConsumer::consume_slices(self, max, on)
    }

    #[inline(always)]
    fn discard_batch(&mut self, max: usize) -> Consumed {
        RingConsumer::discard_batch(self, max)
    }
}
