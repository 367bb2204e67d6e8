//! HTML reports from ringlab results files.
//!
//! [`load`] reads a `ringlab.results/1` file through the schema's own types,
//! leniently ([`model`]); [`render`] writes a self-contained report into a
//! folder: `index.html`, PNG and SVG charts beside it (referenced by
//! relative paths, so the page opens from disk), and `figures.csv` with
//! every configuration's figures. Several files are set side by side and
//! each configuration whose ratio to the baseline moved beyond its interval
//! is flagged ([`compare`]).
//!
//! The report is written into a temporary folder beside the target and
//! renamed into place at the end, so a failed run never leaves a
//! half-written report. Every report holds a [`MARKER`] file, and only a
//! folder with that marker (or an empty one) is ever replaced: `--out`
//! pointed at a folder of the user's is refused, never emptied.
//!
//! ```no_run
//! let results = reports::load("results/spsc-20261125T141655Z.json".as_ref())?;
//! let out = reports::default_out_dir(std::slice::from_ref(&results));
//! let summary = reports::render(&[results], &out, &reports::Options::default())?;
//! println!("{}", summary.index.display());
//! # Ok::<(), reports::ReportError>(())
//! ```

pub mod atlas;
pub mod columns;
pub mod compare;
pub mod format;
pub mod model;
pub mod stats;
pub mod terminal;
pub mod verdict;

mod charts;
mod csv;
mod html;
mod layout;

use std::path::{Path, PathBuf};

pub use model::ResultsFile;

/// The file that marks a folder as a report written here, and so as one
/// the next report may replace.
pub const MARKER: &str = ".ringlab-report";

/// What the marker says to someone who finds it.
const MARKER_TEXT: &str =
    "This folder is a ringlab report. The next report written to this folder replaces it whole.\n";

/// What can go wrong reading results or writing a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// No results file was named.
    #[error("no results files given: name at least one results file (results/*.json)")]
    NoInput,
    /// A results file could not be read.
    #[error(
        "cannot read results file {path}: {source}; check the path (runs write results/SCENARIO-TIMESTAMP.json)"
    )]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A results file is not JSON (often: truncated).
    #[error(
        "results file {path} is not valid JSON ({source}); it may be truncated or from an interrupted run: rerun the scenario or pick another file"
    )]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's complaint.
        source: serde_json::Error,
    },
    /// A JSON file that is not a ringlab results file of this schema.
    #[error("{path} is not a ringlab results file this report can read: its schema is {found}, expected \"{expected}\"", expected = model::SCHEMA)]
    Schema {
        /// The file.
        path: PathBuf,
        /// The schema it names (or `missing`).
        found: String,
    },
    /// The schema matches but a required field is missing or mistyped.
    #[error("results file {path} says \"{schema}\" but does not match it: {source}", schema = model::SCHEMA)]
    Shape {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        source: serde_json::Error,
    },
    /// The output path exists and is neither an empty folder nor a report.
    #[error(
        "{path} exists and is not a report folder (it is not empty and has no {MARKER} file), so it is left alone; choose another --out, or remove it yourself if nothing in it is needed"
    )]
    NotAReport {
        /// The folder (or file) in the way.
        path: PathBuf,
    },
    /// The new report could not be moved into place, nor the previous one
    /// back.
    #[error(
        "cannot move the new report into {path} ({source}), nor the previous report back: it is at {previous}; rename it to {path} to restore it"
    )]
    Restore {
        /// The report folder.
        path: PathBuf,
        /// Where the previous report was moved aside to.
        previous: PathBuf,
        /// Why the new report could not be moved into place.
        source: std::io::Error,
    },
    /// Writing a file of the report failed.
    #[error("cannot write the report at {path}: {source}")]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Drawing a chart failed.
    #[error("cannot draw chart {path}: {message}")]
    Chart {
        /// The chart file.
        path: PathBuf,
        /// What the drawing library said.
        message: String,
    },
}

/// How to render.
#[derive(Clone, Debug)]
pub struct Options {
    /// Page title; by default built from the scenario names.
    pub title: Option<String>,
    /// Write an SVG beside every PNG chart.
    pub svg: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            title: None,
            svg: true,
        }
    }
}

/// What [`render`] wrote.
#[derive(Clone, Debug)]
pub struct ReportSummary {
    /// The report folder.
    pub out_dir: PathBuf,
    /// Its `index.html`.
    pub index: PathBuf,
    /// The CSV of every configuration's figures.
    pub csv: PathBuf,
    /// Every chart file (PNG and SVG), in the report folder.
    pub charts: Vec<PathBuf>,
    /// Runs that did not pass (listed, never plotted), over all files.
    pub failed_runs: usize,
    /// Compared configurations flagged as a regression.
    pub regressions: usize,
    /// Compared configurations flagged as an improvement.
    pub improvements: usize,
    /// What went wrong without spoiling the report (a previous report that
    /// could not be removed), in words.
    pub warnings: Vec<String>,
}

/// Reads one results file, checking its schema.
pub fn load(path: &Path) -> Result<ResultsFile, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReportError::Read {
        path: path.to_owned(),
        source,
    })?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|source| ReportError::Json {
            path: path.to_owned(),
            source,
        })?;
    match value.get("schema").and_then(|s| s.as_str()) {
        Some(model::SCHEMA) => {}
        Some(other) => {
            return Err(ReportError::Schema {
                path: path.to_owned(),
                found: format!("\"{other}\""),
            });
        }
        None => {
            return Err(ReportError::Schema {
                path: path.to_owned(),
                found: "missing".to_owned(),
            });
        }
    }
    let results: model::Results =
        serde_json::from_value(value).map_err(|source| ReportError::Shape {
            path: path.to_owned(),
            source,
        })?;
    let results = ResultsFile {
        path: path.to_owned(),
        results,
    };
    Ok(results)
}

/// The default report folder: beside the first results file,
/// `report-STEM` for one file, `report-STEM1-vs-STEM2` for several.
pub fn default_out_dir(results: &[ResultsFile]) -> PathBuf {
    let parent = results
        .first()
        .and_then(|r| r.path.parent())
        .map_or_else(|| PathBuf::from("."), Path::to_owned);
    let stems: Vec<String> = results.iter().map(ResultsFile::stem).collect();
    let name = if stems.is_empty() {
        "report".to_owned()
    } else {
        format!("report-{}", stems.join("-vs-"))
    };
    parent.join(name)
}

/// Writes the report for `results` into `out_dir` and says what it wrote.
///
/// An existing `out_dir` is replaced only when it is a report (it holds
/// [`MARKER`]) or an empty folder; anything else is
/// [`ReportError::NotAReport`] and left as it was.
pub fn render(
    results: &[ResultsFile],
    out_dir: &Path,
    options: &Options,
) -> Result<ReportSummary, ReportError> {
    if results.is_empty() {
        return Err(ReportError::NoInput);
    }
    if out_dir.exists() && !is_replaceable(out_dir) {
        return Err(ReportError::NotAReport {
            path: out_dir.to_owned(),
        });
    }
    let name = out_dir
        .file_name()
        .map_or_else(|| "report".into(), |n| n.to_string_lossy().into_owned());
    let parent = match out_dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    let write_error = |path: &Path| {
        let path = path.to_owned();
        move |source| ReportError::Write { path, source }
    };
    std::fs::create_dir_all(&parent).map_err(write_error(&parent))?;
    let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(write_error(&staging))?;
    }
    std::fs::create_dir(&staging).map_err(write_error(&staging))?;

    let written = write_into(results, &staging, options);
    let files = match written {
        Ok(files) => files,
        Err(error) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(error);
        }
    };

    // The previous report is moved aside, not deleted, until the new one
    // is in place, so a failed swap can put it back.
    let previous = parent.join(format!(".{name}.old-{}", std::process::id()));
    let moved_aside = if out_dir.exists() {
        if let Err(source) = std::fs::rename(out_dir, &previous) {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(write_error(out_dir)(source));
        }
        true
    } else {
        false
    };
    if let Err(source) = std::fs::rename(&staging, out_dir) {
        let _ = std::fs::remove_dir_all(&staging);
        if moved_aside && std::fs::rename(&previous, out_dir).is_err() {
            return Err(ReportError::Restore {
                path: out_dir.to_owned(),
                previous,
                source,
            });
        }
        return Err(write_error(out_dir)(source));
    }
    let mut warnings = Vec::new();
    // The new report is in place: an old one left behind is untidy, not a
    // failure.
    if moved_aside && let Err(error) = std::fs::remove_dir_all(&previous) {
        warnings.push(format!(
            "the previous report, moved aside to {}, could not be removed ({error}); delete it yourself",
            previous.display()
        ));
    }

    Ok(ReportSummary {
        out_dir: out_dir.to_owned(),
        index: out_dir.join("index.html"),
        csv: out_dir.join(csv::FILE_NAME),
        charts: files.charts.iter().map(|c| out_dir.join(c)).collect(),
        failed_runs: files.failed_runs,
        regressions: files.regressions,
        improvements: files.improvements,
        warnings,
    })
}

/// An existing folder may be replaced only when it is empty or holds the
/// marker of a report: an `index.html` alone may be the user's own page.
fn is_replaceable(dir: &Path) -> bool {
    dir.is_dir()
        && (dir.join(MARKER).is_file()
            || std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none()))
}

/// What was written into the staging folder (chart paths are relative).
struct Written {
    charts: Vec<String>,
    failed_runs: usize,
    regressions: usize,
    improvements: usize,
}

fn write_into(
    results: &[ResultsFile],
    dir: &Path,
    options: &Options,
) -> Result<Written, ReportError> {
    let marker = dir.join(MARKER);
    std::fs::write(&marker, MARKER_TEXT).map_err(|source| ReportError::Write {
        path: marker.clone(),
        source,
    })?;
    let plan = layout::Plan::new(results);
    let comparisons = compare::compare_all(results);
    let charts = charts::draw_all(results, &plan, &comparisons, dir, options.svg)?;
    let page = html::page(results, &plan, &charts, &comparisons, options);
    let index = dir.join("index.html");
    std::fs::write(&index, page).map_err(|source| ReportError::Write {
        path: index.clone(),
        source,
    })?;
    let csv_path = dir.join(csv::FILE_NAME);
    std::fs::write(&csv_path, csv::figures(results)).map_err(|source| ReportError::Write {
        path: csv_path.clone(),
        source,
    })?;
    let mut files = Vec::new();
    for chart in &charts.list {
        files.push(chart.png.clone());
        if let Some(svg) = &chart.svg {
            files.push(svg.clone());
        }
    }
    let failed_runs = results
        .iter()
        .flat_map(|r| &r.configurations)
        .flat_map(|c| &c.runs)
        .filter(|run| run.outcome.failed())
        .count();
    let regressions = comparisons
        .iter()
        .flat_map(|c| &c.rows)
        .filter(|row| row.flag == compare::Flag::Regression)
        .count();
    let improvements = comparisons
        .iter()
        .flat_map(|c| &c.rows)
        .filter(|row| row.flag == compare::Flag::Improvement)
        .count();
    Ok(Written {
        charts: files,
        failed_runs,
        regressions,
        improvements,
    })
}
