//! The contract for a consumer called again after its handler panicked:
//! what the handler was handed counts as consumed, the rest comes with the
//! next calls, every message exactly once, in order.

use std::panic::{AssertUnwindSafe, catch_unwind};

use impls::{Consumed, Consumer, Info, Message, Msg8, Producer, Queue, Salt, Topology};

use super::contracts::{Take, config};
use crate::faults::{inject_panic, quietly, unexpected};

/// Messages a handler-panic run publishes.
const PANIC_RUN: u64 = 5;
/// The one the handler panics on: with a limit of 2, the first of a batch
/// whose second message is still to be handed when it panics.
const PANICS_ON: u64 = 2;

/// A consumer called again after its handler panicked goes on where the
/// handler stopped: what the handler was handed counts as consumed, and
/// the rest come with the next calls, so that every message is handed
/// exactly once, in order. Run through `consume_batch` and
/// `consume_slices`, with limits below and above the number of messages,
/// from the start of the ring and across its end, on the first topology
/// with one consumer that the implementation runs.
pub(super) fn a_consumer_goes_on_after_its_handler_panics<Q: Queue>(
    info: &Info,
    failures: &mut Vec<String>,
) {
    let one_consumer = [
        Topology::Spsc,
        Topology::Mpsc,
        Topology::MpmcWorkerPool,
        Topology::MpmcFanout,
    ];
    let Some(topology) = one_consumer.into_iter().find(|&t| info.supports(t)) else {
        // Every topology it runs has several consumers, which take turns.
        return;
    };
    let capacity = info.min_capacity.max(8);
    // Configurations by what they found, in the order found.
    let mut found: Vec<(String, Vec<String>)> = Vec::new();
    for take in [Take::Read, Take::Slices] {
        for max in [2, PANIC_RUN as usize + 1] {
            for offset in [0, capacity as u64 - 2] {
                let run = || after_a_panic::<Q>(topology, capacity, take, max, offset);
                let sentence = match quietly("handler-panic", run) {
                    Ok(Ok(())) => continue,
                    Ok(Err(sentence)) => sentence,
                    Err(panic) => format!("the check's thread panicked: {panic}"),
                };
                let call = if take == Take::Read {
                    "consume_batch"
                } else {
                    "consume_slices"
                };
                let end = if offset > 0 {
                    " across the ring's end"
                } else {
                    ""
                };
                let configuration = format!("{call} max {max}{end}");
                match found.iter_mut().find(|(known, _)| *known == sentence) {
                    Some((_, configurations)) => configurations.push(configuration),
                    None => found.push((sentence, vec![configuration])),
                }
            }
        }
    }
    for (sentence, configurations) in found {
        failures.push(format!(
            "{sentence} ({topology}: {})",
            configurations.join("; ")
        ));
    }
}

/// Publishes [`PANIC_RUN`] messages after moving the ring's position on
/// by `offset`, and drains them with a handler that panics once, on
/// [`PANICS_ON`]; says in a sentence what went wrong.
fn after_a_panic<Q: Queue>(
    topology: Topology,
    capacity: usize,
    take: Take,
    max: usize,
    offset: u64,
) -> Result<(), String> {
    let cfg = config(topology, 1, 1, capacity);
    // Everything is published before it is consumed: with the token set,
    // a wait that would hang returns instead.
    cfg.cancel.cancel();
    let mut endpoints =
        Q::build::<Msg8>(&cfg).map_err(|error| format!("the queue was not built: {error}"))?;
    let mut producer = endpoints.producers.pop().expect("one producer");
    let mut consumer = endpoints.consumers.pop().expect("one consumer");
    let mut publish = |first: u64, n: u64| {
        producer
            .publish_batch(n as usize, |i, m| m.write(Salt::NONE, 0, first + i as u64))
            .map_err(|error| format!("publishing failed: {error}"))
    };
    if offset > 0 {
        publish(0, offset)?;
    }
    let mut left = offset;
    while left > 0 {
        match consumer.consume_batch(usize::MAX, |_| ()) {
            Consumed::Items(n) => left = left.saturating_sub(n as u64),
            other => {
                return Err(format!(
                    "the consumer returned {other:?} with {left} messages still to consume"
                ));
            }
        }
    }
    publish(offset, PANIC_RUN)?;
    drop(producer);
    // Positions among the `PANIC_RUN` messages, as handed.
    let mut seen = Vec::new();
    let mut panicked = false;
    for _ in 0..4 * PANIC_RUN {
        let mut panicking = false;
        let mut record = |message: &Msg8| {
            let position = message.tag(Salt::NONE).wrapping_sub(offset);
            seen.push(position);
            position == PANICS_ON && !panicked
        };
        let call = catch_unwind(AssertUnwindSafe(|| {
            if take == Take::Read {
                consumer.consume_batch(max, |message| {
                    if record(message) {
                        panicking = true;
                        inject_panic();
                    }
                })
            } else {
                consumer.consume_slices(max, |slice| {
                    // The whole slice is handed before the panic.
                    let mut panics = false;
                    for message in slice {
                        panics |= record(message);
                    }
                    if panics {
                        panicking = true;
                        inject_panic();
                    }
                })
            }
        }));
        match call {
            Err(payload) => match unexpected(&*payload) {
                None => panicked = true,
                Some(panic) if panicked => {
                    return Err(format!(
                        "after a panicking handler, the next call panicked: {panic}"
                    ));
                }
                Some(panic) => return Err(format!("the consumer panicked: {panic}")),
            },
            Ok(_) if panicking => return Err("the consumer swallowed its handler's panic".into()),
            Ok(Consumed::Items(_)) => {}
            Ok(Consumed::Closed | Consumed::Idle) => break,
        }
    }
    once_in_order(&seen)
}

/// Whether `seen` is each of the [`PANIC_RUN`] positions once, in order;
/// if not, what went wrong.
fn once_in_order(seen: &[u64]) -> Result<(), String> {
    let expected: Vec<u64> = (0..PANIC_RUN).collect();
    if seen == expected {
        return Ok(());
    }
    let times = |position: u64| seen.iter().filter(|&&s| s == position).count();
    let again: Vec<u64> = (0..PANIC_RUN).filter(|&p| times(p) > 1).collect();
    let never: Vec<u64> = (0..PANIC_RUN).filter(|&p| times(p) == 0).collect();
    let what = match (again.is_empty(), never.is_empty()) {
        (false, true) => format!("{} handed again", messages(&again)),
        (true, false) => format!("{} never handed", messages(&never)),
        (false, false) => format!(
            "{} handed again and {} never handed",
            messages(&again),
            messages(&never)
        ),
        (true, true) => format!(
            "the messages were handed as {seen:?}, not 0 to {} in order",
            PANIC_RUN - 1
        ),
    };
    Err(format!("after a panicking handler, {what}"))
}

/// "message 2 was", "messages 0 and 1 were", "messages 0, 1 and 2 were".
fn messages(positions: &[u64]) -> String {
    let names: Vec<String> = positions.iter().map(u64::to_string).collect();
    match names.as_slice() {
        [one] => format!("message {one} was"),
        [rest @ .., last] => format!("messages {} and {last} were", rest.join(", ")),
        [] => "no message was".into(),
    }
}
