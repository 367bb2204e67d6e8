//! What a results file was measured on and with: provenance and the
//! machine, the implementations, a configuration's heading, and the runs
//! that did not pass.

use std::fmt::Write;

use crate::charts::display_name;
use crate::format::{escape, nanoseconds, si, utc};
use crate::model::{Machine, ResultsFile};

/// The machine and provenance table: what built the file and where, how
/// its scenario ran, and what its machine section measured.
pub(super) fn provenance(out: &mut String, file: &ResultsFile) {
    let _ = writeln!(out, "<h3>Machine and provenance</h3>\n<table>");
    build_rows(out, file);
    run_rows(out, file);
    match &file.machine {
        None => row(
            out,
            "counters",
            "not recorded in this file (no machine section): counters and the machine's ceiling were not measured",
        ),
        Some(machine) => machine_rows(out, machine),
    }
    let _ = writeln!(out, "</table>");
}

/// The rows of what built the file and the host it ran on: commit,
/// compiler, build profile, CPU, cores, kernel, host name and load.
fn build_rows(out: &mut String, file: &ResultsFile) {
    let provenance = &file.provenance;
    row(out, "commit", &commit(file));
    row(out, "compiler", &provenance.rustc);
    row(
        out,
        "build",
        &if provenance.profile == "debug" {
            "debug (figures from a debug build are not benchmarks)".to_owned()
        } else {
            provenance.profile.clone()
        },
    );
    row(
        out,
        "CPU",
        provenance.cpu_model.as_deref().unwrap_or("unknown"),
    );
    row(
        out,
        "cores",
        &format!(
            "{} logical, usable {:?}",
            provenance.logical_cores, provenance.usable_cores
        ),
    );
    row(
        out,
        "kernel",
        provenance.kernel.as_deref().unwrap_or("unknown"),
    );
    row(
        out,
        "host",
        provenance.hostname.as_deref().unwrap_or("unknown"),
    );
    row(
        out,
        "load average at start",
        &provenance.load_average_at_start.map_or_else(
            || "unknown".to_owned(),
            |l| format!("{:.2} {:.2} {:.2} (1, 5, 15 min)", l[0], l[1], l[2]),
        ),
    );
}

/// The rows of how the scenario ran: oversubscribed configurations, the
/// runs' sizes and baseline, when, and the command.
fn run_rows(out: &mut String, file: &ResultsFile) {
    let scenario = &file.scenario;
    let oversubscribed = file
        .configurations
        .iter()
        .filter(|c| c.oversubscribed)
        .count();
    row(
        out,
        "oversubscription",
        &format!(
            "{oversubscribed} of {} configurations had more threads than cores{}",
            file.configurations.len(),
            if oversubscribed > 0 && scenario.allow_spin_oversubscribed {
                " (busy-spinning kept on request)"
            } else if oversubscribed > 0 {
                " (busy-spin replaced by spin_yield)"
            } else {
                ""
            }
        ),
    );
    row(
        out,
        "runs",
        &format!(
            "{} scenario: {} messages per run, {} measured repetitions after {} warm-up, baseline {}{}",
            scenario.kind,
            scenario.messages,
            scenario.repetitions,
            scenario.warmup,
            scenario.baseline,
            if scenario.quick {
                " (--quick: a short run)"
            } else {
                ""
            }
        ),
    );
    // Zero: a file that did not record when it ran.
    if file.started_at_unix > 0 && file.finished_at_unix > 0 {
        let (start, end) = (file.started_at_unix, file.finished_at_unix);
        row(out, "when", &format!("{} to {}", utc(start), utc(end)));
    }
    row(out, "command", &file.command.join(" "));
}

/// The rows of the machine section: the core-to-core round trip, copy
/// bandwidth, the timer, the counters and the notes.
fn machine_rows(out: &mut String, machine: &Machine) {
    if let Some(ns) = machine.core_to_core_round_trip_ns {
        let cores = machine
            .core_to_core_cores
            .map_or_else(String::new, |(a, b)| format!(" (cores {a} and {b})"));
        row(
            out,
            "core-to-core round trip",
            &format!("{}{cores}", nanoseconds(ns)),
        );
    }
    if let Some(bandwidth) = machine.copy_bandwidth_bytes_per_sec {
        row(
            out,
            "copy bandwidth",
            &format!("{}B/s (one thread)", si(bandwidth)),
        );
    }
    let timer = &machine.timer;
    // An empty source: a file that did not record its timer.
    if !timer.source.is_empty() {
        let mut text = timer.source.clone();
        if let Some(cost) = timer.cost_ns {
            let _ = write!(text, ", {} per reading", nanoseconds(cost));
        }
        if let Some(resolution) = timer.resolution_ns {
            let _ = write!(text, ", resolution {}", nanoseconds(resolution));
        }
        if !timer.note.is_empty() {
            let _ = write!(text, "; {}", timer.note);
        }
        row(out, "timer", &text);
    }
    if machine.counters.is_empty() {
        row(out, "counters", "none recorded");
    }
    // One row per (status, source, reason), naming its counters.
    let mut kinds: Vec<(String, Vec<&str>)> = Vec::new();
    for counter in &machine.counters {
        let mut kind = counter.status.name().to_owned();
        if let Some(source) = counter.source {
            let _ = write!(kind, " ({source})");
        }
        if let Some(reason) = &counter.reason {
            let _ = write!(kind, ": {reason}");
        }
        match kinds.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, names)) => names.push(&counter.name),
            None => kinds.push((kind, vec![&counter.name])),
        }
    }
    for (kind, names) in kinds {
        row(out, &format!("counters {kind}"), &names.join(", "));
    }
    for note in &machine.notes {
        row(out, "note", note);
    }
}

/// The commit a file was measured at, in words: the measured source's (or
/// why it is unknown) and, when the file records it, ringlab's own, each
/// marked when it had uncommitted changes.
pub(super) fn commit(file: &ResultsFile) -> String {
    let provenance = &file.provenance;
    let short = |commit: &str, dirty: Option<bool>| {
        format!(
            "{}{}",
            commit.chars().take(12).collect::<String>(),
            if dirty == Some(true) {
                " (dirty: uncommitted changes)"
            } else {
                ""
            }
        )
    };
    let mut text = match (&provenance.git_commit, &provenance.source) {
        (Some(commit), _) => short(commit, provenance.git_dirty),
        (None, Some(source)) => {
            format!("unknown ({} is not in a git repository)", source.display())
        }
        (None, None) => "unknown".to_owned(),
    };
    if let Some(ringlab) = &provenance.ringlab_commit {
        if let Some(source) = &provenance.source {
            text = format!("{text} (the crate at {})", source.display());
        }
        text.push_str(&format!(
            "; ringlab {}",
            short(ringlab, provenance.ringlab_dirty)
        ));
    }
    text
}

/// One row of a two-column table: a key and its value, both escaped.
fn row(out: &mut String, key: &str, value: &str) {
    let _ = writeln!(
        out,
        "<tr><th>{}</th><td>{}</td></tr>",
        escape(key),
        escape(value)
    );
}

pub(super) fn implementations(out: &mut String, file: &ResultsFile) {
    let _ = writeln!(
        out,
        "<h3>Implementations</h3>\n<table>\n<tr><th>name</th><th>family</th><th>what</th><th>ordering guarantee</th><th>wait class</th><th>batching</th></tr>"
    );
    for implementation in &file.implementations {
        let mut batching = implementation
            .batching
            .map_or("none", |batching| batching.name())
            .replace('_', " ");
        if implementation.fanout_emulated && file.is_fanout() {
            batching.push_str("; fan-out emulated with one queue per consumer");
        }
        let _ = writeln!(
            out,
            "<tr{}><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            if file.is_own(&implementation.name) {
                " class=\"own\""
            } else {
                ""
            },
            escape(&display_name(file, &implementation.name)),
            if implementation.name == file.scenario.baseline {
                " (baseline)"
            } else {
                ""
            },
            escape(file.family(&implementation.name).describe()),
            escape(&implementation.summary),
            escape(&implementation.ordering.name().replace('_', " ")),
            escape(
                implementation
                    .wait_class
                    .map_or("none", |wait_class| wait_class.name())
            ),
            escape(&batching),
        );
    }
    let _ = writeln!(out, "</table>");
    left_out(out, file);
}

/// What `"all"` left out of the roster, with the reasons.
pub(super) fn left_out(out: &mut String, file: &ResultsFile) {
    if file.scenario.left_out.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<p>Left out by <code>\"all\"</code> ({}): they cannot run this scenario.</p>\n<ul class=\"muted\">",
        file.scenario.left_out.len()
    );
    for left in &file.scenario.left_out {
        let _ = writeln!(
            out,
            "<li><b>{}</b>: {}</li>",
            escape(&left.name),
            escape(&left.reason)
        );
    }
    let _ = writeln!(out, "</ul>");
}

pub(super) fn failures(out: &mut String, file: &ResultsFile) {
    let failed: Vec<_> = file
        .configurations
        .iter()
        .flat_map(|c| c.runs.iter().map(move |run| (c, run)))
        .filter(|(_, run)| run.outcome.failed())
        .collect();
    let _ = writeln!(out, "<h3>Runs that did not pass</h3>");
    let mut unavailable: Vec<(&str, String)> = file
        .configurations
        .iter()
        .flat_map(|c| &c.runs)
        .filter(|run| run.outcome.unavailable())
        .map(|run| (run.implementation.as_str(), run.outcome.detail()))
        .collect();
    unavailable.sort();
    unavailable.dedup();
    for (implementation, reason) in unavailable {
        let _ = writeln!(
            out,
            "<p>Not run on this machine: <b>{}</b> ({}).</p>",
            escape(implementation),
            escape(&reason)
        );
    }
    if failed.is_empty() {
        let _ = writeln!(
            out,
            "<p>None: every run, warm-up included, passed the oracle.</p>"
        );
        return;
    }
    let _ = writeln!(
        out,
        "<p class=\"alert\">{} run(s) failed the oracle, crashed or were stopped by the watchdog. Their figures are not plotted.</p>\n<table>\n<tr><th>outcome</th><th>configuration</th><th>implementation</th><th>round</th><th>detail</th></tr>",
        failed.len()
    );
    for (configuration, run) in failed {
        let _ = writeln!(
            out,
            "<tr class=\"bad\"><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td></tr>",
            escape(run.outcome.label().as_str()),
            escape(&configuration.heading(file.scenario.topology)),
            escape(&run.implementation),
            run.round,
            if run.warmup { " (warm-up)" } else { "" },
            escape(&run.outcome.detail()),
        );
    }
    let _ = writeln!(out, "</table>");
}
