//! The channel rows' two call paths: the plain rows call the crate's own
//! blocking `send`/`recv`, the `*_sliced` rows timed calls in slices. A run
//! whose consumer stops for good is still stopped by the watchdog on both:
//! a sliced producer ends on the cancel token, a plain one stays parked in
//! the crate (it cannot be interrupted) and is left behind, reported as
//! such. Once the token is set, a plain call starts no wait.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use harness::placement::Placement;
use harness::runner::{Outcome, RunSpec, run_once};
use impls::{
    BuildError, Cancel, Consumed, Consumer, Endpoints, Info, Message, Msg8, Producer, PublishError,
    Queue, QueueConfig, Salt, Setup, Topology, WaitStrategy,
};

/// Messages a stalling consumer takes before it stops for good.
const TAKEN: usize = 10;

/// `Q` with a consumer that takes [`TAKEN`] messages and then stops without
/// leaving: it keeps its endpoint and blocks forever, as a wedged program
/// would, so producers fill the channel and wait inside it.
struct Stalling<Q>(Q);

struct StallingConsumer<C> {
    inner: C,
    taken: usize,
}

impl<Q: Queue> Queue for Stalling<Q> {
    type Producer<M: Message> = Q::Producer<M>;
    type Consumer<M: Message> = StallingConsumer<Q::Consumer<M>>;

    fn info() -> Info {
        Q::info()
    }

    fn build<M: Message>(
        cfg: &QueueConfig,
    ) -> Result<Endpoints<Self::Producer<M>, Self::Consumer<M>>, BuildError> {
        let endpoints = Q::build::<M>(cfg)?;
        Ok(Endpoints {
            producers: endpoints.producers,
            consumers: endpoints
                .consumers
                .into_iter()
                .map(|inner| StallingConsumer { inner, taken: 0 })
                .collect(),
        })
    }
}

impl<M: Message, C: Consumer<M>> Consumer<M> for StallingConsumer<C> {
    fn consume_batch(&mut self, max: usize, on: impl FnMut(&M)) -> Consumed {
        if self.taken >= TAKEN {
            // A receiver nobody will ever signal: the thread blocks here for
            // good, endpoint in hand.
            let (_keep, never) = mpsc::channel::<()>();
            let _ = never.recv();
        }
        let consumed = self.inner.consume_batch(max.min(TAKEN - self.taken), on);
        if let Consumed::Items(n) = consumed {
            self.taken += n;
        }
        consumed
    }
}

fn stalled_run<Q: Queue>() -> (Outcome, Duration) {
    let spec = RunSpec {
        setup: Setup {
            topology: Topology::Spsc,
            producers: 1,
            consumers: 1,
            capacity: 16,
            batch: 1,
            wait: WaitStrategy::Blocking,
        },
        messages: 1000,
        timeout: Duration::from_millis(300),
        placement: Placement {
            oversubscribed: false,
            cores: None,
            threads: 2,
        },
        layout_seed: 0,
        mode: harness::runner::Mode::Throughput,
        instruments: Default::default(),
    };
    let started = Instant::now();
    let outcome = run_once::<Stalling<Q>, Msg8>(&spec);
    (outcome, started.elapsed())
}

/// The consumer's thread never ends; how many threads the run left behind.
fn abandoned<Q: Queue>() -> usize {
    let (outcome, took) = stalled_run::<Q>();
    let name = Q::info().name;
    assert!(took < Duration::from_secs(10), "{name}: took {took:?}");
    match outcome {
        Outcome::TimedOut {
            delivered,
            abandoned_threads,
        } => {
            assert!(delivered <= TAKEN as u64, "{name}: {delivered} delivered");
            abandoned_threads
        }
        other => panic!("{name}: a stalled run was not stopped as timed out: {other:?}"),
    }
}

#[test]
fn the_watchdog_stops_a_run_whose_consumer_wedges_on_either_path() {
    // Plain: the producer stays parked in the crate's send, left behind
    // with the consumer.
    assert_eq!(abandoned::<impls::Crossbeam>(), 2);
    assert_eq!(abandoned::<impls::Flume>(), 2);
    assert_eq!(abandoned::<impls::StdMpsc>(), 2);
    assert_eq!(abandoned::<impls::Kanal>(), 2);
    assert_eq!(abandoned::<impls::Crossfire>(), 2);
    assert_eq!(abandoned::<impls::CrossbeamVec>(), 2);
    // Sliced: the producer sees the token within a slice and ends; only the
    // wedged consumer is left.
    assert_eq!(abandoned::<impls::CrossbeamSliced>(), 1);
    assert_eq!(abandoned::<impls::FlumeSliced>(), 1);
    assert_eq!(abandoned::<impls::KanalSliced>(), 1);
    assert_eq!(abandoned::<impls::CrossfireSliced>(), 1);
}

/// Once the token is set, a plain publish into a full channel returns
/// `Cancelled` and a plain receive from an empty one `Idle`, while what is
/// ready still goes through.
fn plain_calls_start_no_wait_once_cancelled<Q: Queue>() {
    let name = Q::info().name;
    let cfg = QueueConfig::new(Topology::Spsc, 4);
    let cancel: Cancel = cfg.cancel.clone();
    let mut endpoints = Q::build::<Msg8>(&cfg).expect("builds");
    let mut producer = endpoints.producers.pop().expect("one producer");
    let mut consumer = endpoints.consumers.pop().expect("one consumer");
    producer
        .publish_batch(4, |i, m| m.write(Salt::NONE, 0, i as u64))
        .expect("fits");
    cancel.cancel();
    assert_eq!(
        producer.publish_batch(1, |_, m| m.write(Salt::NONE, 0, 4)),
        Err(PublishError::Cancelled),
        "{name}"
    );
    let mut seen = 0;
    while let Consumed::Items(n) = consumer.consume_batch(8, |_| ()) {
        seen += n;
    }
    assert_eq!(seen, 4, "{name}: what was ready is handed over");
    assert_eq!(consumer.consume_batch(8, |_| ()), Consumed::Idle, "{name}");
    drop(producer);
    assert_eq!(
        consumer.consume_batch(8, |_| ()),
        Consumed::Closed,
        "{name}"
    );
}

#[test]
fn plain_calls_start_no_wait_once_the_token_is_set() {
    plain_calls_start_no_wait_once_cancelled::<impls::Crossbeam>();
    plain_calls_start_no_wait_once_cancelled::<impls::Flume>();
    plain_calls_start_no_wait_once_cancelled::<impls::StdMpsc>();
    plain_calls_start_no_wait_once_cancelled::<impls::Kanal>();
    plain_calls_start_no_wait_once_cancelled::<impls::Crossfire>();
}

/// std's receiver cannot be shared: work-sharing is refused with the
/// topologies it has, fan-out gets one channel per consumer.
#[test]
fn std_mpsc_refuses_work_sharing_and_emulates_fan_out() {
    let pool = QueueConfig::from(Setup::new(Topology::MpmcWorkerPool, 8).threads(1, 2));
    let Err(error) = impls::StdMpsc::build::<Msg8>(&pool) else {
        panic!("std_mpsc built a shared receiver");
    };
    assert!(error.to_string().contains("mpmc_fanout"), "{error}");
    let fanout = QueueConfig::from(Setup::new(Topology::MpmcFanout, 8).threads(1, 3));
    let endpoints = impls::StdMpsc::build::<Msg8>(&fanout).expect("fan-out builds");
    assert_eq!(endpoints.consumers.len(), 3);
}
