//! The oracle's per-message work alone, on one thread: what the
//! instrument charges a consumer for each message, by the shape of the
//! stream a design hands over.
//!
//! Shapes (each over the same number of messages):
//! - `contiguous`: one producer's messages in order, as SPSC hands them;
//! - `alternating`: two producers taking turns slice by slice, as an
//!   MPSC consumer sees them (ring_mpsc hands one producer's ring per
//!   slice);
//! - `gapped`: one producer's messages with every other slice missing,
//!   as one worker of a work-sharing pair sees them.
//!
//! Each at slices of 64 and of 1, at 8 and 64 bytes. The figure to read
//! is the ratio of `alternating` and `gapped` to `contiguous` at the same
//! slice and size: the instrument charges every design the same when it
//! is near 1.
//!
//! `cargo bench -p harness --bench observer`.

// `criterion_group!` generates an undocumented function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use harness::oracle::{Tally, fresh_salt};
use impls::{Message, Msg8, Msg64, Salt};

/// Messages per iteration.
const MESSAGES: u64 = 1 << 14;

/// The stream shapes, by name: each slice's producer and first sequence.
fn stream(shape: &str, slice: u64) -> Vec<(u16, u64)> {
    let slices = MESSAGES / slice;
    (0..slices)
        .map(|index| match shape {
            "contiguous" => (0, index * slice),
            "alternating" => ((index % 2) as u16, (index / 2) * slice),
            // Every other slice of one producer's stream.
            "gapped" => (0, 2 * index * slice),
            other => unreachable!("no shape {other}"),
        })
        .collect()
}

fn messages<M: Message>(salt: Salt, shape: &str, slice: u64) -> Vec<M> {
    stream(shape, slice)
        .into_iter()
        .flat_map(|(producer, first)| {
            (first..first + slice).map(move |sequence| M::new(salt, producer, sequence))
        })
        .collect()
}

fn shapes<M: Message>(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("observer/{}B", M::BYTES));
    group.throughput(Throughput::Elements(MESSAGES));
    let salt = fresh_salt();
    for slice in [64u64, 1] {
        for shape in ["contiguous", "alternating", "gapped"] {
            let messages: Vec<M> = messages(salt, shape, slice);
            let id = BenchmarkId::new(shape, format!("slice{slice}"));
            group.bench_function(id, |bench| {
                bench.iter(|| {
                    let mut tally = Tally::new(2, salt);
                    let mut observer = tally.observer();
                    for chunk in messages.chunks(slice as usize) {
                        observer.observe_slice(black_box(chunk));
                    }
                    observer.finish();
                    black_box(tally.count())
                });
            });
        }
    }
    group.finish();
}

fn observer(c: &mut Criterion) {
    shapes::<Msg8>(c);
    shapes::<Msg64>(c);
}

criterion_group!(benches, observer);
criterion_main!(benches);
