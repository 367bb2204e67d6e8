//! `ring_mpsc` through its own API: per-producer order, reservations at the
//! wrap, dropped reservations, drop counting, registration and configuration
//! errors, fairness. (The one-trait conformance suite runs it too.)

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use impls::ring_mpsc::{
    self, Config, ConfigError, MAX_PRODUCERS, MAX_RING_CAPACITY, RegisterError,
};
use impls::{Consumed, PublishError, WaitStrategy};

/// Counts its drops, and owns heap memory so a double drop or a leak is also
/// visible to tools like Miri.
#[derive(Debug)]
struct Counted {
    value: Box<u64>,
    drops: Arc<AtomicUsize>,
}

impl Counted {
    fn new(value: u64, drops: &Arc<AtomicUsize>) -> Self {
        Self {
            value: Box::new(value),
            drops: Arc::clone(drops),
        }
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

fn config(capacity: usize, producers: usize) -> Config {
    Config::new(capacity, producers)
}

/// Sends every item of `items` through `producer`, looping over short
/// reservations.
fn send_all<T: Send>(producer: &mut ring_mpsc::RingProducer<T>, items: Vec<T>) -> usize {
    let mut items = items.into_iter().peekable();
    let mut reservations = 0;
    while items.peek().is_some() {
        let mut reservation = producer.reserve(items.len()).unwrap();
        reservations += 1;
        while let Some(item) = items.next_if(|_| reservation.written() < reservation.len()) {
            reservation.push(item).map_err(|_| ()).unwrap();
        }
        reservation.commit();
    }
    reservations
}

#[test]
fn eight_producers_keep_their_own_order_on_two_cores() {
    const PRODUCERS: usize = 8;
    const EACH: u64 = 50_000;
    let mut config = config(256, PRODUCERS);
    config.wait = WaitStrategy::SpinYield;
    let (channel, mut consumer) = ring_mpsc::channel::<(u16, u64)>(config).unwrap();
    let threads: Vec<_> = (0..PRODUCERS)
        .map(|_| {
            let mut producer = channel.register().unwrap();
            thread::spawn(move || {
                let id = producer.index() as u16;
                let mut next = 0;
                while next < EACH {
                    // Vary the reservation size so short ones and wraps occur.
                    let want = (1 + next % 37).min(EACH - next) as usize;
                    let mut reservation = producer.reserve(want).unwrap();
                    reservation.fill(|i| (id, next + i as u64));
                    next += reservation.commit() as u64;
                }
            })
        })
        .collect();
    drop(channel);
    let mut last = [None::<u64>; PRODUCERS];
    let mut received = 0u64;
    loop {
        match consumer.consume_batch(64, |&(producer, sequence)| {
            let slot = &mut last[producer as usize];
            assert_eq!(
                sequence,
                slot.map_or(0, |previous| previous + 1),
                "producer {producer}: order broken"
            );
            *slot = Some(sequence);
            received += 1;
        }) {
            Consumed::Items(_) => {}
            Consumed::Closed => break,
            Consumed::Idle => panic!("idle without a cancel"),
        }
    }
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(received, PRODUCERS as u64 * EACH);
    assert!(last.iter().all(|&seen| seen == Some(EACH - 1)));
}

#[test]
fn a_reservation_stops_at_the_wrap_and_the_caller_loops() {
    let (channel, mut consumer) = ring_mpsc::channel::<u64>(config(8, 1)).unwrap();
    let mut producer = channel.register().unwrap();
    let mut first = producer.reserve(5).unwrap();
    assert_eq!(first.len(), 5);
    first.fill(|i| i as u64);
    assert_eq!(first.commit(), 5);
    let mut taken = Vec::new();
    assert_eq!(
        consumer.consume_batch(5, |&v| taken.push(v)),
        Consumed::Items(5)
    );
    // Head and tail at 5 of 8: all eight are free, but only three come
    // before the wrap.
    let mut second = producer.reserve(6).unwrap();
    assert_eq!(second.len(), 3);
    second.fill(|i| 5 + i as u64);
    assert_eq!(second.commit(), 3);
    let mut third = producer.reserve(3).unwrap();
    assert_eq!(third.len(), 3);
    third.fill(|i| 8 + i as u64);
    third.commit();
    drop((producer, channel));
    while consumer.consume_all(|&v| taken.push(v)).is_items() {}
    assert_eq!(taken, (0..11).collect::<Vec<u64>>());
}

#[test]
fn a_full_ring_gives_a_short_or_no_reservation() {
    let (channel, _consumer) = ring_mpsc::channel::<u64>(config(4, 1)).unwrap();
    let mut producer = channel.register().unwrap();
    let mut reservation = producer.reserve(3).unwrap();
    reservation.fill(|i| i as u64);
    reservation.commit();
    let reservation = producer.try_reserve(3).unwrap();
    assert_eq!(reservation.len(), 1, "one slot left");
    drop(reservation);
    let mut last = producer.try_reserve(1).unwrap();
    last.push(3).unwrap();
    assert_eq!(
        last.push(4),
        Err(4),
        "a full reservation hands the value back"
    );
    last.commit();
    assert!(producer.try_reserve(1).is_none(), "full");
}

#[test]
fn a_dropped_reservation_publishes_nothing_and_drops_what_it_held() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (channel, mut consumer) = ring_mpsc::channel::<Counted>(config(8, 1)).unwrap();
    let mut producer = channel.register().unwrap();
    let mut reservation = producer.reserve(4).unwrap();
    reservation.push(Counted::new(1, &drops)).unwrap();
    reservation.push(Counted::new(2, &drops)).unwrap();
    drop(reservation);
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    assert!(consumer.try_recv().is_none(), "nothing was published");
    // The slots are reused by the next reservation.
    let mut reservation = producer.reserve(1).unwrap();
    reservation.push(Counted::new(3, &drops)).unwrap();
    assert_eq!(reservation.commit(), 1);
    let received = consumer.try_recv().expect("published");
    assert_eq!(*received.value, 3);
    drop(received);
    assert_eq!(drops.load(Ordering::SeqCst), 3);
}

#[test]
fn every_message_is_dropped_exactly_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (channel, mut consumer) = ring_mpsc::channel::<Counted>(config(16, 3)).unwrap();
    let mut producers: Vec<_> = (0..3).map(|_| channel.register().unwrap()).collect();
    for (p, producer) in producers.iter_mut().enumerate() {
        let items = (0..10).map(|i| Counted::new(p as u64 * 100 + i, &drops));
        send_all(producer, items.collect());
    }
    // Consumed by reference (dropped by the channel after the callback),
    // moved out, discarded, and left in the rings.
    let mut seen = 0;
    assert_eq!(consumer.consume_batch(7, |_| seen += 1), Consumed::Items(7));
    assert_eq!(drops.load(Ordering::SeqCst), 7);
    let moved = consumer.try_recv().unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 7);
    drop(moved);
    assert_eq!(consumer.discard_batch(5), Consumed::Items(5));
    assert_eq!(drops.load(Ordering::SeqCst), 13);
    drop(producers);
    drop(channel);
    drop(consumer);
    assert_eq!(drops.load(Ordering::SeqCst), 30, "17 left in the rings");
}

#[test]
fn a_panicking_handler_drops_nothing_twice() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (channel, mut consumer) = ring_mpsc::channel::<Counted>(config(8, 1)).unwrap();
    let mut producer = channel.register().unwrap();
    send_all(
        &mut producer,
        (0..6).map(|i| Counted::new(i, &drops)).collect(),
    );
    let mut calls = 0;
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        consumer.consume_batch(6, |_| {
            calls += 1;
            assert!(calls < 3, "handler fails on the third message");
        })
    }));
    assert!(outcome.is_err());
    assert_eq!(
        drops.load(Ordering::SeqCst),
        3,
        "three handed (the one it failed on too) and dropped"
    );
    let mut rest = Vec::new();
    drop((producer, channel));
    while consumer
        .consume_all(|item| rest.push(*item.value))
        .is_items()
    {}
    assert_eq!(rest, [3, 4, 5], "the rest is still there, in order");
    drop(consumer);
    assert_eq!(drops.load(Ordering::SeqCst), 6);
}

#[test]
fn a_panicking_slice_handler_takes_its_slice_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (channel, mut consumer) = ring_mpsc::channel::<Counted>(config(8, 1)).unwrap();
    let mut producer = channel.register().unwrap();
    let items = |range: std::ops::Range<u64>| range.map(|i| Counted::new(i, &drops)).collect();
    send_all(&mut producer, items(0..4));
    assert_eq!(consumer.consume_batch(4, |_| ()), Consumed::Items(4));
    // Positions 4 to 9: slots 4 to 7, then 0 and 1, handed as two slices.
    send_all(&mut producer, items(4..10));
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        consumer.consume_slices(6, |slice| {
            assert!(slice.is_empty(), "handler fails on its first slice")
        })
    }));
    assert!(outcome.is_err());
    assert_eq!(drops.load(Ordering::SeqCst), 8, "the first slice taken");
    let mut rest = Vec::new();
    drop((producer, channel));
    while consumer
        .consume_all(|item| rest.push(*item.value))
        .is_items()
    {}
    assert_eq!(rest, [8, 9], "the second slice is still there");
    drop(consumer);
    assert_eq!(drops.load(Ordering::SeqCst), 10);
}

#[test]
fn registration_is_limited_and_refused_once_closed() {
    let (channel, consumer) = ring_mpsc::channel::<u64>(config(8, 2)).unwrap();
    assert_eq!(channel.max_producers(), 2);
    let first = channel.register().unwrap();
    let second = channel.clone().register().unwrap();
    assert_eq!((first.index(), second.index()), (0, 1));
    let refused = channel.register().err();
    assert_eq!(refused, Some(RegisterError::TooManyProducers { max: 2 }));
    assert!(refused.unwrap().to_string().contains("max_producers"));

    let (channel, consumer2) = ring_mpsc::channel::<u64>(config(8, 2)).unwrap();
    let mut producer = channel.register().unwrap();
    drop(consumer2);
    assert_eq!(channel.register().err(), Some(RegisterError::Closed));
    assert!(matches!(
        producer.reserve(1),
        Err(PublishError::Disconnected)
    ));
    drop(consumer);
}

#[test]
fn configurations_are_checked_with_the_allowed_range_in_the_message() {
    for capacity in [0, 1, 3, 1000, MAX_RING_CAPACITY * 2] {
        let error = Config::new(capacity, 1).validate().unwrap_err();
        assert_eq!(error, ConfigError::RingCapacity { capacity });
        let message = error.to_string();
        assert!(
            message.contains("power of two") && message.contains("1048576"),
            "{message}"
        );
        assert!(ring_mpsc::channel::<u64>(Config::new(capacity, 1)).is_err());
    }
    for producers in [0, MAX_PRODUCERS + 1] {
        let error = Config::new(64, producers).validate().unwrap_err();
        assert_eq!(error, ConfigError::MaxProducers { producers });
        assert!(error.to_string().contains("1 to 128"));
    }
    assert_eq!(Config::low_latency().ring_capacity, 4096);
    assert_eq!(Config::high_throughput().ring_capacity, 262_144);
    for preset in [Config::low_latency(), Config::high_throughput()] {
        preset.validate().unwrap();
    }
    Config::new(MAX_RING_CAPACITY, MAX_PRODUCERS)
        .validate()
        .unwrap();
    Config::new(2, 1).validate().unwrap();
}

/// Ring 0 holds 100 messages, ring 1 one; batches of 10.
fn batches_until_the_quiet_producer_is_served(fair: bool) -> usize {
    let mut config = config(128, 2);
    config.fair = fair;
    let (channel, mut consumer) = ring_mpsc::channel::<u16>(config).unwrap();
    let mut busy = channel.register().unwrap();
    let mut quiet = channel.register().unwrap();
    send_all(&mut busy, vec![0; 100]);
    send_all(&mut quiet, vec![1]);
    for batch in 1.. {
        let mut served = false;
        consumer.consume_batch(10, |&producer| served |= producer == 1);
        if served {
            return batch;
        }
    }
    unreachable!()
}

#[test]
fn round_robin_start_keeps_a_busy_producer_from_starving_the_others() {
    assert!(batches_until_the_quiet_producer_is_served(true) <= 2);
    assert_eq!(batches_until_the_quiet_producer_is_served(false), 11);
}

#[test]
fn discarding_skips_reads_but_counts() {
    let (channel, mut consumer) = ring_mpsc::channel::<u64>(config(64, 2)).unwrap();
    for _ in 0..2 {
        send_all(&mut channel.register().unwrap(), (0..40).collect());
    }
    drop(channel);
    let mut total = 0;
    loop {
        match consumer.discard_batch(32) {
            Consumed::Items(n) => total += n,
            Consumed::Closed => break,
            Consumed::Idle => panic!("idle without a cancel"),
        }
    }
    assert_eq!(total, 80);
}

/// Counts its drops and panics in the drop of the one marked to.
struct PanicsOnDrop {
    panics: bool,
    drops: Arc<AtomicUsize>,
}

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
        if self.panics {
            panic!("this message's drop fails");
        }
    }
}

#[test]
fn a_panicking_drop_is_not_run_twice() {
    let drops = Arc::new(AtomicUsize::new(0));
    let message = |panics| PanicsOnDrop {
        panics,
        drops: Arc::clone(&drops),
    };
    for discard in [false, true] {
        drops.store(0, Ordering::SeqCst);
        let (channel, mut consumer) = ring_mpsc::channel::<PanicsOnDrop>(config(8, 1)).unwrap();
        let mut producer = channel.register().unwrap();
        send_all(
            &mut producer,
            vec![message(false), message(true), message(false)],
        );
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            if discard {
                consumer.discard_batch(3)
            } else {
                consumer.consume_batch(3, |_| ())
            }
        }));
        assert!(outcome.is_err(), "the second drop panics");
        assert_eq!(drops.load(Ordering::SeqCst), 2);
        // The failed message counts as taken: the next call sees only the
        // third, and the channel's drop finds nothing left.
        let mut seen = 0;
        assert_eq!(consumer.consume_all(|_| seen += 1), Consumed::Items(1));
        assert_eq!((seen, drops.load(Ordering::SeqCst)), (1, 3));
        drop((producer, channel, consumer));
        assert_eq!(drops.load(Ordering::SeqCst), 3, "discard: {discard}");
    }
}

#[test]
fn dropping_everything_mid_reservation_drops_each_message_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (channel, consumer) = ring_mpsc::channel::<Counted>(config(8, 1)).unwrap();
    let mut producer = channel.register().unwrap();
    send_all(
        &mut producer,
        (0..3).map(|i| Counted::new(i, &drops)).collect(),
    );
    let mut reservation = producer.reserve(2).unwrap();
    reservation.push(Counted::new(10, &drops)).unwrap();
    drop(consumer);
    drop(channel);
    assert_eq!(
        drops.load(Ordering::SeqCst),
        0,
        "the producer keeps the channel"
    );
    drop(reservation);
    assert_eq!(drops.load(Ordering::SeqCst), 1, "the uncommitted one");
    assert!(matches!(
        producer.reserve(1),
        Err(PublishError::Disconnected)
    ));
    drop(producer);
    assert_eq!(drops.load(Ordering::SeqCst), 4, "and the three committed");
}

#[test]
fn a_consumer_waiting_on_empty_rings_returns_idle_when_cancelled() {
    for wait in [WaitStrategy::Blocking, WaitStrategy::SpinYield] {
        let mut config = config(4, 1);
        config.wait = wait;
        let cancel = config.cancel.clone();
        let (channel, mut consumer) = ring_mpsc::channel::<u64>(config).unwrap();
        let _producer = channel.register().unwrap();
        let canceller = thread::spawn(move || {
            thread::sleep(std::time::Duration::from_millis(30));
            cancel.cancel();
        });
        assert_eq!(
            consumer.consume_batch(1, |_| ()),
            Consumed::Idle,
            "{wait:?}"
        );
        canceller.join().unwrap();
    }
}

#[test]
fn a_producer_waiting_on_a_full_ring_is_cancelled() {
    let mut config = config(2, 1);
    config.wait = WaitStrategy::Blocking;
    let cancel = config.cancel.clone();
    let (channel, mut consumer) = ring_mpsc::channel::<u64>(config).unwrap();
    let mut producer = channel.register().unwrap();
    let waiting_consumer = thread::spawn(move || {
        let outcome = consumer.consume_batch(1, |_| ());
        (outcome, consumer)
    });
    send_all(&mut producer, vec![1, 2]);
    let (outcome, consumer) = waiting_consumer.join().unwrap();
    assert_eq!(outcome, Consumed::Items(1));
    send_all(&mut producer, vec![3]);
    // The ring is full now and nobody consumes.
    let canceller = thread::spawn(move || {
        thread::sleep(std::time::Duration::from_millis(30));
        cancel.cancel();
    });
    assert!(matches!(producer.reserve(1), Err(PublishError::Cancelled)));
    canceller.join().unwrap();
    drop(consumer);
}
