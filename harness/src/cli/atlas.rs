//! `harness atlas`: one scenario's verdicts from several machines side by
//! side (see [`reports::atlas`]), and `--add`, which keeps a compact copy
//! of a results file in the repository's atlas.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::context::{Context, InputError};

#[derive(Args)]
#[command(
    after_help = "Exit status: 0 when the atlas was written (whatever it shows), 2 for bad input (an unreadable file, files of different scenarios)."
)]
pub(super) struct AtlasArgs {
    /// Results files of one scenario, one per machine (atlas/SCENARIO/*.json
    /// holds the shipped ones).
    #[arg(required = true, value_name = "RESULTS.json")]
    paths: Vec<PathBuf>,
    /// Report folder for atlas.html (default: results/atlas-SCENARIO).
    #[arg(long, value_name = "DIR", conflicts_with = "add")]
    out: Option<PathBuf>,
    /// Instead of a report: keep a compact copy of each file (latency
    /// histograms and the summaries' unavailable counters dropped, one
    /// line of JSON) in the atlas folder, as
    /// DIR/SCENARIO/MACHINE.json, named by the CPU that produced it.
    #[arg(long)]
    add: bool,
    /// The atlas folder `--add` writes into.
    #[arg(long, value_name = "DIR", requires = "add")]
    dir: Option<PathBuf>,
}

pub(super) fn atlas(context: &Context, args: AtlasArgs) -> Result<ExitCode, InputError> {
    let files = args
        .paths
        .iter()
        .map(|path| reports::load(path))
        .collect::<Result<Vec<_>, _>>()?;
    if args.add {
        let dir = args.dir.unwrap_or_else(|| context.home.join("atlas"));
        for file in &files {
            let written = keep(file, &dir)?;
            println!("atlas: {}", written.display());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let atlas = reports::atlas::atlas(&files).map_err(|error| InputError(error.to_string()))?;
    print!("{}", atlas.text());
    let out = args.out.unwrap_or_else(|| {
        context
            .results_dir()
            .join(format!("atlas-{}", atlas.scenario))
    });
    let page = out.join("atlas.html");
    std::fs::create_dir_all(&out)
        .and_then(|()| std::fs::write(&page, atlas.html()))
        .map_err(|error| InputError(format!("cannot write {}: {error}", page.display())))?;
    println!("atlas page: {}", page.display());
    Ok(ExitCode::SUCCESS)
}

/// Writes a compact copy of `file` as `dir/SCENARIO/MACHINE.json`.
fn keep(file: &reports::ResultsFile, dir: &Path) -> Result<PathBuf, InputError> {
    let mut value = serde_json::to_value(&file.results)
        .map_err(|error| InputError(format!("cannot encode {}: {error}", file.path.display())))?;
    drop_histograms(&mut value);
    drop_unavailable_counters(&mut value);
    let folder = dir.join(&file.scenario.name);
    let path = folder.join(format!("{}.json", reports::atlas::machine_slug(file)));
    std::fs::create_dir_all(&folder)
        .and_then(|()| std::fs::write(&path, format!("{value}\n")))
        .map_err(|error| InputError(format!("cannot write {}: {error}", path.display())))?;
    Ok(path)
}

/// Empties every encoded latency histogram in a results file's JSON: the
/// atlas keeps verdicts and figures, not distributions.
fn drop_histograms(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                match key.as_str() {
                    "histogram" if inner.is_string() => *inner = serde_json::Value::from(""),
                    "service_histogram" => *inner = serde_json::Value::Null,
                    _ => drop_histograms(inner),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(drop_histograms),
        _ => {}
    }
}

/// Drops the counters the machine could not count from every summary: the
/// machine's own record (`machine.counters`) still says which and why.
fn drop_unavailable_counters(value: &mut serde_json::Value) {
    let Some(configurations) = value
        .get_mut("configurations")
        .and_then(serde_json::Value::as_array_mut)
    else {
        return;
    };
    for summary in configurations
        .iter_mut()
        .filter_map(|configuration| configuration.get_mut("summary"))
        .filter_map(serde_json::Value::as_array_mut)
        .flatten()
    {
        if let Some(counters) = summary
            .get_mut("counters")
            .and_then(serde_json::Value::as_array_mut)
        {
            counters.retain(|counter| counter["status"] != "unavailable");
        }
    }
}
