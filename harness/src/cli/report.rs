//! Commands over results files: the HTML report and the regression gate.

use std::path::PathBuf;
use std::process::ExitCode;

use super::args::CompareArgs;
use super::context::InputError;

/// The regression gate: prints every matched pair and exits 1 when one
/// regressed beyond the limit or did not pass.
pub(super) fn compare(args: &CompareArgs) -> Result<ExitCode, InputError> {
    let old = reports::load(&args.old)?;
    let new = reports::load(&args.new)?;
    let pair = [old, new];
    let comparison = reports::compare::compare_all(&pair)
        .pop()
        .expect("two files give one comparison");
    let [old, new] = &pair;
    if let Some(problem) = reports::compare::gate_input_error(old, new, &comparison) {
        return Err(InputError(problem));
    }
    print!(
        "{}",
        reports::compare::text(old, new, &comparison, args.max_regression)
    );
    Ok(
        if reports::compare::gate(new, &comparison, args.max_regression).passes() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        },
    )
}

/// Writes a report from results files and prints where it is.
pub(super) fn report(paths: &[PathBuf], out: Option<PathBuf>) -> Result<PathBuf, InputError> {
    let results = paths
        .iter()
        .map(|path| reports::load(path))
        .collect::<Result<Vec<_>, _>>()?;
    let out = out.unwrap_or_else(|| reports::default_out_dir(&results));
    let summary = reports::render(&results, &out, &reports::Options::default())?;
    for warning in &summary.warnings {
        eprintln!("warning: {warning}");
    }
    println!(
        "report: {} ({} charts, {} runs that did not pass listed{})",
        summary.index.display(),
        summary.charts.len(),
        summary.failed_runs,
        if results.len() > 1 {
            format!(
                ", {} regressions and {} improvements flagged",
                summary.regressions, summary.improvements
            )
        } else {
            String::new()
        }
    );
    Ok(summary.index)
}
