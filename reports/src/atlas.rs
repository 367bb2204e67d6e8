//! The atlas: one scenario's verdicts from several machines side by side,
//! and where they disagree.
//!
//! Each results file knows only the machine it ran on. The atlas puts the
//! files of one scenario together: per configuration, each machine's
//! verdict (the fastest, those it could not tell from it `~`, the rest `>`
//! with their ratio to the fastest and its interval), the machine itself
//! (CPU model, vendor, family and model numbers, cores, the core-to-core
//! floor), and a mark where the fastest changes, or where an
//! implementation is `~` the fastest on one machine and `>` on another.
//! A verdict marked so does not carry from one machine to another.

use std::fmt::Write as _;

use crate::format::escape;
use crate::model::ResultsFile;
use crate::verdict::{ConfigurationVerdict, verdicts};
use schema::ConfigurationKey;

/// Why files cannot make one atlas.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AtlasError {
    /// No file given.
    #[error("give at least one results file")]
    Empty,
    /// Files of different scenarios.
    #[error(
        "{path} holds scenario `{found}`, the first file `{expected}`: an atlas compares one scenario across machines (make one atlas per scenario)"
    )]
    MixedScenarios {
        /// The file of another scenario.
        path: String,
        /// Its scenario.
        found: String,
        /// The first file's scenario.
        expected: String,
    },
}

/// One machine of the atlas.
#[derive(Clone, Debug)]
pub struct MachineColumn {
    /// In a few words: model name, vendor/family/model, cores.
    pub label: String,
    /// The results file it came from.
    pub path: String,
}

/// One configuration across the machines.
#[derive(Clone, Debug)]
pub struct Row {
    /// The configuration in a few words.
    pub label: String,
    /// Per machine (in the atlas's order), its verdict, when that machine
    /// ran this configuration.
    pub verdicts: Vec<Option<ConfigurationVerdict>>,
    /// Per machine, its floor (median core-to-core round trip, ns).
    pub floors: Vec<Option<f64>>,
    /// What does not carry between machines, in words; empty when every
    /// machine that ran it agrees (or only one did).
    pub changes: Vec<String>,
}

/// The atlas of one scenario.
#[derive(Clone, Debug)]
pub struct Atlas {
    /// The scenario.
    pub scenario: String,
    /// The machines, in the order the files were given.
    pub machines: Vec<MachineColumn>,
    /// Every configuration any machine ran, in the first file's order,
    /// then any others.
    pub rows: Vec<Row>,
}

/// A machine in a few words, from a file's provenance.
pub fn machine_label(file: &ResultsFile) -> String {
    let provenance = &file.provenance;
    let model = provenance.cpu_model.as_deref().unwrap_or("unknown CPU");
    let id = provenance
        .cpu_id
        .as_ref()
        .map_or("family unknown".to_owned(), ToString::to_string);
    format!("{model} ({id}), {} cores", provenance.logical_cores)
}

/// A short name for a machine, for file names: `amd-epyc-f26-m2`.
pub fn machine_slug(file: &ResultsFile) -> String {
    let model = file
        .provenance
        .cpu_model
        .as_deref()
        .unwrap_or("unknown-cpu");
    let mut slug: String = model
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if let Some(id) = &file.provenance.cpu_id {
        let _ = write!(slug, "-f{}-m{}", id.family, id.model);
    }
    let parts: Vec<&str> = slug.split('-').filter(|part| !part.is_empty()).collect();
    parts.join("-")
}

/// Builds the atlas of `files` (one scenario, one file per machine).
pub fn atlas(files: &[ResultsFile]) -> Result<Atlas, AtlasError> {
    let first = files.first().ok_or(AtlasError::Empty)?;
    let scenario = first.scenario.name.clone();
    if let Some(other) = files.iter().find(|file| file.scenario.name != scenario) {
        return Err(AtlasError::MixedScenarios {
            path: other.path.display().to_string(),
            found: other.scenario.name.clone(),
            expected: scenario,
        });
    }
    let machines = files
        .iter()
        .map(|file| MachineColumn {
            label: machine_label(file),
            path: file.path.display().to_string(),
        })
        .collect();
    let per_file: Vec<Vec<ConfigurationVerdict>> = files.iter().map(verdicts).collect();
    // One row per configuration key (topology and every axis as asked),
    // in the order the files first give them.
    let mut keys: Vec<(ConfigurationKey, String)> = Vec::new();
    for verdicts in &per_file {
        for verdict in verdicts {
            if !keys.iter().any(|(key, _)| *key == verdict.key) {
                keys.push((verdict.key, verdict.label.clone()));
            }
        }
    }
    let rows = keys
        .into_iter()
        .map(|(row_key, row_label)| {
            let verdicts: Vec<Option<ConfigurationVerdict>> = per_file
                .iter()
                .map(|verdicts| verdicts.iter().find(|v| v.key == row_key).cloned())
                .collect();
            let floors = files
                .iter()
                .map(|file| {
                    file.configurations
                        .iter()
                        .find(|configuration| configuration.key(file.scenario.topology) == row_key)
                        .and_then(|configuration| configuration.floor.as_ref())
                        .and_then(|floor| floor.median_ns)
                })
                .collect();
            let changes = changes(files, &verdicts);
            Row {
                label: row_label,
                verdicts,
                floors,
                changes,
            }
        })
        .collect();
    Ok(Atlas {
        scenario,
        machines,
        rows,
    })
}

/// Where an implementation stands on one machine: the fastest, `~` it, or
/// `>` behind it.
fn standing(verdict: &ConfigurationVerdict, implementation: &str) -> Option<&'static str> {
    let position = verdict
        .ranked
        .iter()
        .position(|ranked| ranked.implementation == implementation)?;
    Some(if position == 0 {
        "fastest"
    } else if verdict.ranked[position].indistinguishable {
        "~ the fastest"
    } else {
        "> behind the fastest"
    })
}

/// What changes between the machines that ran a configuration: the
/// fastest, and each implementation's standing (`~` or `>`) beside it.
fn changes(files: &[ResultsFile], verdicts: &[Option<ConfigurationVerdict>]) -> Vec<String> {
    let ran: Vec<(String, &ConfigurationVerdict)> = files
        .iter()
        .zip(verdicts)
        .filter_map(|(file, verdict)| {
            let verdict = verdict.as_ref()?;
            verdict.best()?;
            Some((machine_label(file), verdict))
        })
        .collect();
    if ran.len() < 2 {
        return Vec::new();
    }
    let mut changes = Vec::new();
    let fastest: Vec<&str> = ran
        .iter()
        .filter_map(|(_, verdict)| verdict.best().map(|best| best.implementation.as_str()))
        .collect();
    // The fastest changes where one machine's fastest is `>` behind on
    // another; a fastest that is `~` the other's fastest there is a tie
    // both machines saw.
    let behind_elsewhere = fastest.iter().any(|name| {
        ran.iter()
            .any(|(_, verdict)| standing(verdict, name) == Some("> behind the fastest"))
    });
    if behind_elsewhere {
        let each: Vec<String> = ran
            .iter()
            .zip(&fastest)
            .map(|((machine, _), name)| format!("{name} on {machine}"))
            .collect();
        changes.push(format!("the fastest changes: {}", each.join("; ")));
    }
    // Implementations every machine ranked, in the first machine's order.
    let names: Vec<&str> = ran[0]
        .1
        .ranked
        .iter()
        .map(|ranked| ranked.implementation.as_str())
        .filter(|name| {
            ran.iter()
                .all(|(_, verdict)| standing(verdict, name).is_some())
        })
        .collect();
    for name in names {
        let standings: Vec<&str> = ran
            .iter()
            .filter_map(|(_, verdict)| standing(verdict, name))
            .collect();
        // A change of the fastest is told above; here `~` against `>`.
        let tied = |s: &&str| *s != "> behind the fastest";
        if standings.iter().any(tied) && !standings.iter().all(tied) {
            let each: Vec<String> = ran
                .iter()
                .zip(&standings)
                .map(|((machine, _), standing)| format!("{standing} on {machine}"))
                .collect();
            changes.push(format!("{name}: {}", each.join("; ")));
        }
    }
    changes
}

impl Atlas {
    /// The atlas for the terminal.
    pub fn text(&self) -> String {
        let mut text = format!(
            "atlas · {} · {} machines\n",
            self.scenario,
            self.machines.len()
        );
        for (index, machine) in self.machines.iter().enumerate() {
            let _ = writeln!(
                text,
                "  [{}] {} ({})",
                index + 1,
                machine.label,
                machine.path
            );
        }
        for row in &self.rows {
            let _ = writeln!(text, "\n{}", row.label);
            for (index, verdict) in row.verdicts.iter().enumerate() {
                let line = verdict.as_ref().map_or("not run".to_owned(), |verdict| {
                    let line = verdict.line();
                    line.strip_prefix(&format!("{}: ", verdict.label))
                        .unwrap_or(&line)
                        .to_owned()
                });
                let floor =
                    row.floors[index].map_or(String::new(), |ns| format!(" (floor {ns:.0} ns)"));
                let _ = writeln!(text, "  [{}]{floor} {line}", index + 1);
            }
            for change in &row.changes {
                let _ = writeln!(text, "  DOES NOT CARRY: {change}");
            }
        }
        let marked = self
            .rows
            .iter()
            .filter(|row| !row.changes.is_empty())
            .count();
        let _ = writeln!(
            text,
            "\n{marked} of {} configurations change between machines",
            self.rows.len()
        );
        text
    }

    /// The atlas as one HTML page.
    pub fn html(&self) -> String {
        let mut page = format!(
            "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>atlas · {scenario}</title>\n<style>\nbody{{font-family:sans-serif;margin:2em;max-width:80em}}\ntable{{border-collapse:collapse;margin:0.5em 0 1.5em}}\ntd,th{{border:1px solid #ccc;padding:0.3em 0.6em;text-align:left;vertical-align:top}}\nth{{background:#f4f4f4}}\n.change{{color:#b00020;font-weight:bold}}\n.agree{{color:#2e7d32}}\n</style></head><body>\n<h1>atlas · {scenario}</h1>\n<p>One scenario's verdicts on every machine given. A verdict that changes between machines (the fastest, or an implementation that is <code>~</code> the fastest on one and <code>&gt;</code> behind it on another) is marked: it does not carry.</p>\n<h2>Machines</h2>\n<ol>\n",
            scenario = escape(&self.scenario)
        );
        for machine in &self.machines {
            let _ = writeln!(
                page,
                "<li>{} <small>({})</small></li>",
                escape(&machine.label),
                escape(&machine.path)
            );
        }
        page.push_str("</ol>\n");
        for row in &self.rows {
            let _ = writeln!(page, "<h2>{}</h2>", escape(&row.label));
            if row.changes.is_empty() {
                page.push_str(
                    "<p class=\"agree\">the same verdict on every machine that ran it</p>\n",
                );
            } else {
                for change in &row.changes {
                    let _ = writeln!(
                        page,
                        "<p class=\"change\">does not carry: {}</p>",
                        escape(change)
                    );
                }
            }
            page.push_str("<table><tr><th>machine</th><th>floor</th><th>fastest</th><th>~ indistinguishable</th><th>&gt; behind (ratio to the fastest, 95% interval)</th></tr>\n");
            for (index, verdict) in row.verdicts.iter().enumerate() {
                let floor = row.floors[index].map_or("-".to_owned(), |ns| format!("{ns:.0} ns"));
                let cells = verdict.as_ref().map_or_else(
                    || ["not run".to_owned(), String::new(), String::new()],
                    cells,
                );
                let _ = writeln!(
                    page,
                    "<tr><td>[{}] {}</td><td>{floor}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    index + 1,
                    escape(&self.machines[index].label),
                    cells[0],
                    cells[1],
                    cells[2]
                );
            }
            page.push_str("</table>\n");
        }
        page.push_str("</body></html>\n");
        page
    }
}

/// A verdict's fastest, tied and behind cells, escaped.
fn cells(verdict: &ConfigurationVerdict) -> [String; 3] {
    let Some(best) = verdict.best() else {
        return ["nothing passed".to_owned(), String::new(), String::new()];
    };
    let fastest = escape(&format!(
        "{} {}",
        best.implementation,
        verdict.value(best.value)
    ));
    let (tied, behind): (Vec<_>, Vec<_>) = verdict.ranked[1..]
        .iter()
        .partition(|ranked| ranked.indistinguishable);
    let list = |items: Vec<&crate::verdict::Ranked>| {
        items
            .iter()
            .map(|ranked| escape(&verdict.versus(ranked)))
            .collect::<Vec<_>>()
            .join("<br>")
    };
    [fastest, list(tied), list(behind)]
}
