//! What fault-run threads hand back to be judged: per thread, its record
//! (or `None` for a thread abandoned), and per consumer its oracle tally
//! and [`Arrivals`], the messages it was handed late and what its last
//! call handed, which tell a takeover from a reorder.

use impls::Salt;
use impls::message::split_tag;

use super::report::{ConsumerRecord, ProducerRecord};
use crate::oracle::Tally;

/// What the threads reported, by index; `None` for a thread abandoned.
pub(super) struct Collected {
    /// The run's salt, which every message carries.
    pub(super) salt: Salt,
    pub(super) producers: Vec<Option<ProducerRecord>>,
    pub(super) consumers: Vec<Option<ConsumerReport>>,
}

/// What a consumer thread reported.
pub(super) struct ConsumerReport {
    /// What it received, for the oracle.
    pub(super) tally: Tally,
    /// What it was handed late, and by its last call.
    pub(super) arrivals: Arrivals,
    /// How many it was handed, and how it ended.
    pub(super) record: ConsumerRecord,
}

/// A consumer the judging reads: its index and its tally.
pub(super) type Reader<'a> = (usize, &'a Tally);

/// A message handed late: at or below a sequence already handed from its
/// producer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Late {
    pub(super) producer: usize,
    pub(super) sequence: u64,
    /// The highest sequence of its producer handed before it.
    pub(super) after: u64,
}

/// What a fault-run consumer records besides its tally: the messages it
/// was handed late, and what its last call handed.
#[derive(Clone, Debug)]
pub(super) struct Arrivals {
    /// Per producer index (stream), one past the highest sequence handed;
    /// 0 while none was.
    pub(super) reached: Vec<u64>,
    /// The first `keep` messages handed late, in the order handed.
    pub(super) late: Vec<Late>,
    /// Messages handed late, kept or not.
    pub(super) late_count: u64,
    /// Most late messages kept: a batch, more than an unfinished run holds.
    pub(super) keep: usize,
    /// What the last call that handed anything handed, as `(producer,
    /// sequence)`.
    pub(super) last_call: Vec<(usize, u64)>,
    /// Whether a call has begun since the last message handed.
    pub(super) call_begun: bool,
}

impl Arrivals {
    /// Nothing handed yet, of `streams` producer indices, by calls of at
    /// most `batch` messages.
    pub(super) fn new(streams: usize, batch: usize) -> Self {
        Self {
            reached: vec![0; streams],
            late: Vec::new(),
            late_count: 0,
            keep: batch,
            last_call: Vec::new(),
            call_begun: true,
        }
    }

    /// A call to `consume_batch` begins.
    pub(super) fn call(&mut self) {
        self.call_begun = true;
    }

    /// Records the message tagged `tag` (unsalted) as handed. A tag that
    /// names no producer of the run is left to the tally, which counts it
    /// as corrupted.
    pub(super) fn handed(&mut self, tag: u64) {
        let (producer, sequence) = split_tag(tag);
        let producer = usize::from(producer);
        let Some(reached) = self.reached.get_mut(producer) else {
            return;
        };
        if std::mem::take(&mut self.call_begun) {
            self.last_call.clear();
        }
        self.last_call.push((producer, sequence));
        if sequence < *reached {
            self.late_count += 1;
            if self.late.len() < self.keep {
                self.late.push(Late {
                    producer,
                    sequence,
                    after: *reached - 1,
                });
            }
        } else {
            *reached = sequence + 1;
        }
    }
}
