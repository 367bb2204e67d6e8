//! `ring_mpsc`: ring decomposition. Every registered producer gets its own
//! single-producer single-consumer ring, so producers never contend with one
//! another; the one consumer polls every ring and moves each ring's head once
//! per batch.
//!
//! The price of that design is the ordering guarantee: each producer's
//! messages arrive in the order it sent them, but there is no order between
//! producers (per-producer FIFO, not a global FIFO). The other price is
//! memory: the scenario's capacity is per ring, so `P` producers buffer
//! `P x capacity` messages.
//!
//! # Using it directly
//!
//! ```
//! use impls::ring_mpsc::{self, Config};
//!
//! let (channel, mut consumer) = ring_mpsc::channel::<String>(Config::low_latency()).unwrap();
//! let mut producer = channel.register().unwrap();
//! let words = ["reserve", "then", "commit"];
//! let mut sent = 0;
//! while sent < words.len() {
//!     // A reservation may be shorter than asked for at the ring's wrap.
//!     let mut reservation = producer.reserve(words.len() - sent).unwrap();
//!     reservation.fill(|i| words[sent + i].to_owned());
//!     sent += reservation.commit();
//! }
//! drop((producer, channel)); // the last sender gone closes the channel
//! let mut seen = Vec::new();
//! while consumer.consume_all(|word| seen.push(word.clone())).is_items() {}
//! assert_eq!(seen, words);
//! ```
//!
//! # Layout
//! Each ring's `tail` (written by its producer) and `head` (written by the
//! consumer) sit in their own 128-byte-aligned lines. The cached copies of
//! the other side's index live in the endpoint that owns them: the
//! producer's private tail and cached head in its handle (itself
//! 128-byte aligned), the consumer's private head and cached tail of each
//! ring in its own table, one 128-byte line per ring, so no line is written
//! by more than one thread.
//!
//! # Memory orderings
//! Per ring, exactly the SPSC protocol of `spsc_ring`: the producer writes
//! slots, then stores `tail` with `Release`; the consumer loads `tail` with
//! `Acquire` before reading them. The consumer stores `head` with `Release`
//! after its reads (and the drops of what it read); the producer loads
//! `head` with `Acquire` before overwriting freed slots.
//!
//! Registration: a ring is fully initialised, then its pointer is stored
//! with `Release` into the channel's table; the consumer loads pointers with
//! `Acquire`. Closing: every sender (the channel handles and the producers)
//! holds one count of `senders`; each drops it with a `Release` decrement
//! after its last `tail` store. A consumer that loads zero with `Acquire`
//! therefore sees every ring and every final tail, and can decide that the
//! channel is closed once those are drained. A registration needs a live
//! channel handle, so once the count is zero it stays zero.
//!
//! # Files
//! `config` holds how a channel is built and its limits; `ring` one
//! producer's ring and the table the channel shares; `channel` the
//! channel handle, which registers producers, and [`channel`], which
//! builds a channel and its consumer; `producer` a registered producer
//! and its reserved slots; `consumer` the consumer that polls every ring;
//! `adapter` the implementation behind the one trait. This file lists
//! them and re-exports what they make public.

mod adapter;
mod channel;
mod config;
mod consumer;
mod producer;
mod ring;

pub use adapter::RingMpsc;
pub use channel::{Channel, RegisterError, channel};
pub use config::{Config, ConfigError, MAX_PRODUCERS, MAX_RING_CAPACITY, MIN_RING_CAPACITY};
pub use consumer::RingConsumer;
pub use producer::{Reservation, RingProducer};
