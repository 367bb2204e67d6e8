//! Which configurations share a chart, and what runs along its x axis.
//!
//! Topology and payload always split charts (work-sharing and fan-out are
//! different scenarios, so they are never in one file, let alone one
//! chart). Within a payload, the x axis is the thread count (producers and
//! consumers) when it varies; otherwise the first of batch, capacity, wait
//! consume mode and offered rate that varies. Every other varying axis splits charts, so
//! a chart compares implementations at one fixed setting of everything
//! but its x axis.

use crate::model::{Configuration, ResultsFile};

/// An axis of the sweep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Axis {
    Threads,
    Batch,
    Capacity,
    Wait,
    Consume,
    Rate,
}

impl Axis {
    const SPLITTABLE: [Axis; 6] = [
        Axis::Threads,
        Axis::Batch,
        Axis::Capacity,
        Axis::Wait,
        Axis::Consume,
        Axis::Rate,
    ];

    /// The axis title on a chart.
    pub(crate) fn title(self) -> &'static str {
        match self {
            Axis::Threads => "threads (P producers, C consumers)",
            Axis::Batch => "batch (messages per publish / most per consume)",
            Axis::Capacity => "capacity (messages)",
            Axis::Wait => "wait strategy",
            Axis::Consume => "consumer (read: full oracle; discard: count only)",
            Axis::Rate => "offered rate (messages/s)",
        }
    }

    /// The value of this axis at a configuration, in words.
    pub(crate) fn label(self, configuration: &Configuration) -> String {
        match self {
            Axis::Threads => format!("P{} C{}", configuration.producers, configuration.consumers),
            Axis::Batch => format!("batch {}", configuration.batch),
            Axis::Capacity => format!("capacity {}", configuration.capacity),
            Axis::Wait => format!("wait {}", configuration.requested_wait),
            Axis::Consume => format!("consume {}", configuration.consume),
            Axis::Rate => configuration.rate.map_or_else(
                || "rate unpaced".to_owned(),
                |rate| format!("rate {}/s", crate::format::si(rate)),
            ),
        }
    }

    /// A short value for x-axis ticks, with a trailing `*` where threads
    /// outnumbered cores (the chart caption explains the mark).
    pub(crate) fn tick(self, configuration: &Configuration) -> String {
        let value = match self {
            Axis::Threads => format!("P{} C{}", configuration.producers, configuration.consumers),
            Axis::Batch => configuration.batch.to_string(),
            Axis::Capacity => configuration.capacity.to_string(),
            Axis::Wait => configuration.requested_wait.name().to_owned(),
            Axis::Consume => configuration.consume.name().to_owned(),
            Axis::Rate => configuration
                .rate
                .map_or_else(|| "unpaced".to_owned(), crate::format::si),
        };
        if configuration.oversubscribed {
            format!("{value}*")
        } else {
            value
        }
    }

    /// Orders values along the axis.
    fn sort_key(self, configuration: &Configuration) -> (f64, f64, String) {
        match self {
            Axis::Threads => (
                (configuration.producers + configuration.consumers) as f64,
                configuration.producers as f64,
                String::new(),
            ),
            Axis::Batch => (configuration.batch as f64, 0.0, String::new()),
            Axis::Capacity => (configuration.capacity as f64, 0.0, String::new()),
            Axis::Wait => (0.0, 0.0, configuration.requested_wait.name().to_owned()),
            Axis::Consume => (0.0, 0.0, configuration.consume.name().to_owned()),
            Axis::Rate => (configuration.rate.unwrap_or(f64::MAX), 0.0, String::new()),
        }
    }
}

/// Configurations that share one throughput chart and one ratio chart.
#[derive(Clone, Debug)]
pub(crate) struct Group {
    /// The fixed settings, e.g. `8 B · capacity 1024 · batch 64`.
    pub(crate) title: String,
    /// What runs along x.
    pub(crate) x_axis: Axis,
    /// Tick labels along x, in order.
    pub(crate) categories: Vec<String>,
    /// (category index, configuration index in the file).
    pub(crate) points: Vec<(usize, usize)>,
}

/// The layout of a whole report.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    /// Per results file, its chart groups.
    pub(crate) groups: Vec<Vec<Group>>,
    /// Every implementation in order of first appearance (for colours that
    /// stay the same across charts).
    pub(crate) implementations: Vec<String>,
}

impl Plan {
    pub(crate) fn new(results: &[ResultsFile]) -> Self {
        let mut implementations: Vec<String> = Vec::new();
        for file in results {
            let names = file.scenario.implementations.iter().chain(
                file.configurations
                    .iter()
                    .flat_map(|c| c.summary.iter().map(|s| &s.implementation)),
            );
            for name in names {
                if !implementations.contains(name) {
                    implementations.push(name.clone());
                }
            }
        }
        Self {
            groups: results.iter().map(groups_of).collect(),
            implementations,
        }
    }

    /// Colour index of an implementation.
    pub(crate) fn colour(&self, implementation: &str) -> usize {
        self.implementations
            .iter()
            .position(|name| name == implementation)
            .unwrap_or(0)
    }
}

fn distinct(configurations: &[&Configuration], axis: Axis) -> usize {
    let mut seen: Vec<String> = configurations.iter().map(|c| axis.label(c)).collect();
    seen.sort();
    seen.dedup();
    seen.len()
}

fn groups_of(file: &ResultsFile) -> Vec<Group> {
    let mut payloads: Vec<usize> = file.configurations.iter().map(|c| c.payload).collect();
    payloads.sort_unstable();
    payloads.dedup();
    let mut groups = Vec::new();
    for payload in payloads {
        let members: Vec<(usize, &Configuration)> = file
            .configurations
            .iter()
            .enumerate()
            .filter(|(_, c)| c.payload == payload)
            .collect();
        let configurations: Vec<&Configuration> = members.iter().map(|(_, c)| *c).collect();
        let varying: Vec<Axis> = Axis::SPLITTABLE
            .into_iter()
            .filter(|&axis| distinct(&configurations, axis) > 1)
            .collect();
        let x_axis = varying.first().copied().unwrap_or(Axis::Threads);
        let fixed: Vec<Axis> = Axis::SPLITTABLE
            .into_iter()
            .filter(|&axis| axis != x_axis)
            .collect();

        // Split by the values of every other axis, keeping first-seen order.
        let mut split: Vec<(String, Vec<(usize, &Configuration)>)> = Vec::new();
        for &(index, configuration) in &members {
            let key: Vec<String> = fixed
                .iter()
                .filter(|axis| match axis {
                    Axis::Rate => configuration.rate.is_some(),
                    // The fair workload goes unsaid unless discard runs
                    // sit beside it.
                    Axis::Consume => {
                        varying.contains(&Axis::Consume)
                            || configuration.consume != schema::Consume::Read
                    }
                    _ => true,
                })
                .map(|axis| axis.label(configuration))
                .collect();
            let key = key.join(" · ");
            match split.iter_mut().find(|(k, _)| *k == key) {
                Some((_, list)) => list.push((index, configuration)),
                None => split.push((key, vec![(index, configuration)])),
            }
        }
        for (key, mut list) in split {
            list.sort_by(|a, b| {
                x_axis
                    .sort_key(a.1)
                    .partial_cmp(&x_axis.sort_key(b.1))
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
            let mut categories: Vec<String> = Vec::new();
            let mut points = Vec::new();
            for (index, configuration) in list {
                let tick = x_axis.tick(configuration);
                let category = match categories.iter().position(|c| *c == tick) {
                    Some(position) => position,
                    None => {
                        categories.push(tick);
                        categories.len() - 1
                    }
                };
                points.push((category, index));
            }
            groups.push(Group {
                title: format!("{} · {payload} B · {key}", file.scenario.topology),
                x_axis,
                categories,
                points,
            });
        }
    }
    groups
}
