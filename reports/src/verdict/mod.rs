//! Verdicts: per configuration, who is fastest, by how much, how sure we
//! are, and whether the instrument could tell at all.
//!
//! For each configuration of a results file, the implementations whose runs
//! passed the oracle are ranked by their median (throughput, or for
//! one-way latency scenarios the p99 latency). The fastest is then chosen
//! by the same paired comparison the ratios use: where another's median
//! per-round ratio to the fastest by median is above 1, that one leads
//! instead (the highest such, again until none is, each at most once).
//! Each is set against the fastest **round by round**: in every measured round in which both
//! passed, its figure over the fastest's in that round, and the median of
//! those per-round ratios with its 95% bootstrap interval (the same
//! statistic as the tables' ratio to the baseline, so a vCPU that moved
//! between rounds moves both figures of a round together). An
//! implementation whose interval reaches 1 could not be told apart from
//! the fastest in this run: it is grouped with it as *indistinguishable
//! here*. Fewer than [`MIN_ROUNDS`] paired rounds give no interval, and
//! such an implementation is indistinguishable by default: one or two
//! rounds cannot separate anything.
//!
//! Marks say what limits a figure:
//! - **harness-bound**: its median is within 20% of the base case's (the
//!   harness's own per-message work with no queue, see [`HARNESS_BOUND`]),
//!   so the harness, not the queue, may be what it measures;
//! - **oversubscribed**: threads outnumbered cores, the run was unpinned;
//! - **unstable placement**: the core-to-core round trip measured beside
//!   the rounds moved by more than twofold (the hypervisor moved the
//!   vCPUs): compare within rounds, not across;
//! - **loaded**: the machine's load average when the run started was at
//!   least one core above the cores the run left free, so other work
//!   shared its cores;
//! - **unbounded**: the queue holds whatever producers get ahead, so it is
//!   not held to the capacity the others are;
//! - **k/n passed**: not every measured run passed the oracle; the figure
//!   is from those that did;
//! - **count only**: the consumer did not read the messages;
//! - **layout-sensitive**: the runs came from several builds that differ
//!   only in code layout (`scenario --layouts`), and in some layout it was
//!   ahead of the fastest, in another behind. With several layouts every
//!   interval is the larger of the round interval and the range of the
//!   layouts' median ratios, and the grouping is judged on that.
//!
//! One-way latency scenarios are ranked by the p99 of the pooled
//! histogram; the results keep no per-round percentile, so those rankings
//! carry no interval and nothing is called indistinguishable or separated.

mod rank;
mod text;

pub use crate::model::BASE;
pub(crate) use rank::rounds;
pub use rank::{ConfigurationVerdict, HARNESS_BOUND, MIN_ROUNDS, Metric, Ranked, label, verdicts};
pub use text::{LEGEND, TOP, render, render_top};
