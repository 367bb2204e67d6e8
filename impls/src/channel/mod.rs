//! Baselines: bounded channels (crossbeam-channel, flume, kanal, crossfire
//! and std's `sync_channel`) behind the one trait, in two batch semantics
//! and two call paths.
//!
//! Batch semantics:
//! - Per message (`crossbeam`, `flume`, ...): a batch is a loop of single
//!   sends; a consumer receives one message blocking, then takes what else
//!   is ready up to its batch.
//! - One `Vec` per batch (`crossbeam_vec`, `flume_vec`): a batch is built in
//!   a fresh `Vec` and sent as one item. The channel then holds
//!   `capacity / batch` vectors, so both variants buffer the same number of
//!   messages.
//!
//! Call paths (`call.rs`):
//! - [`Plain`], the default rows: the channel's own blocking `send` and
//!   `recv`, the calls a program makes. The cancel token is looked at before
//!   each call (a relaxed load of a line nobody writes while the run goes
//!   on): once it is set, a call takes the non-blocking path and returns
//!   `Cancelled` or `Idle` instead of starting a wait. A call already
//!   blocked inside the crate cannot be interrupted (none of these crates
//!   can abort a blocked send without losing what the channel holds); it
//!   returns when the other side moves or leaves. The harness's threads
//!   always do one or the other once the token is set, so a run still
//!   ends; a run whose other side is stuck for good is reported as timed
//!   out and its blocked threads are left parked (they use no CPU).
//! - [`Sliced`], the `*_sliced` rows: `try_send` / `try_recv`, then the
//!   timed calls in `call::SLICE` slices, looking at the token between
//!   slices, so a blocked call ends within a slice of the token being set.
//!   Where a crate's timed wait is not its untimed one (kanal's timed waits
//!   yield where its untimed ones park), this path costs what a program
//!   using those calls would pay, not what a program calling `send` pays.
//!
//! Channels that are multi-consumer natively (all but std's) share work
//! natively. Fan-out is emulated with one channel per consumer: a producer
//! sends each message once per consumer (labelled so in results).
//!
//! Channels park threads in their own primitives; the scenario's wait
//! strategy does not apply.
//!
//! # Files
//! One file per crate (`crossbeam`, `flume`, `crossfire`, `kanal`,
//! `std_mpsc`) implements [`Channel`] for it, and [`TimedChannel`] where it
//! has timed calls, and names its rows; `crossbeam_shaped` writes those
//! calls for the crates shaped like crossbeam-channel; `call` holds the
//! two call paths, and `adapter` the adapter that puts any [`Channel`]
//! behind the one trait; `traits` holds what they share: the operations
//! a crate provides and how they fail. This file lists them and
//! re-exports what they make public.

#[macro_use]
mod crossbeam_shaped;

mod adapter;
mod call;
mod crossbeam;
mod crossfire;
mod flume;
mod kanal;
mod std_mpsc;
mod traits;

pub use adapter::{ChannelConsumer, ChannelProducer, ChannelQueue, PerMessage, VecPerBatch};
pub use call::{CallPath, Plain, Sliced};
pub use crossbeam::{Crossbeam, CrossbeamChannel, CrossbeamSliced, CrossbeamVec};
pub use crossfire::{Crossfire, CrossfireChannel, CrossfireSliced};
pub use flume::{Flume, FlumeChannel, FlumeSliced, FlumeVec};
pub use kanal::{Kanal, KanalChannel, KanalSliced};
pub use std_mpsc::{StdMpsc, StdMpscChannel};
pub use traits::{Channel, Disconnected, RecvFailure, SendFailure, TimedChannel};
