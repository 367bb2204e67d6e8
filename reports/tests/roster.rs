//! A roster of 25: verdict lines fold what is behind the first names
//! (never the user's own queues or the baseline), the page folds the same
//! way, marks the user's queues, names what `all` left out, draws a ranked
//! dot plot per configuration and line charts that keep to the leaders,
//! the baseline and the user's queues, with every implementation a link
//! away.
//!
//! The file is `mpsc-contract.json` (crossbeam, lmax, bitmap, base; the
//! baseline is crossbeam) with 22 more implementations made from
//! crossbeam's runs at configuration 0, `q00` (slowest, 0.15x crossbeam)
//! to `q21` (fastest, 3.3x, ahead of bitmap's 2.5x), and `q03` the user's own.

use std::path::{Path, PathBuf};

use reports::model::{Family, LeftOut};
use reports::verdict;
use reports::{Options, ResultsFile};

const EXTRA: usize = 22;
const OWN: &str = "q03";

fn roster() -> ResultsFile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mpsc-contract.json");
    let mut file = reports::load(&path).expect("the fixture loads");
    let template = file
        .implementation("crossbeam")
        .expect("crossbeam is recorded")
        .clone();
    file.configurations.truncate(1);
    let runs: Vec<_> = file.configurations[0]
        .runs
        .iter()
        .filter(|run| run.implementation == "crossbeam")
        .cloned()
        .collect();
    let summary = file.configurations[0]
        .summary
        .iter()
        .find(|summary| summary.implementation == "crossbeam")
        .expect("crossbeam's summary")
        .clone();
    for index in 0..EXTRA {
        let name = format!("q{index:02}");
        let factor = 0.15 * (index + 1) as f64;
        for run in &runs {
            let mut run = run.clone();
            run.implementation = name.clone();
            run.throughput = run.throughput.map(|t| t * factor);
            file.configurations[0].runs.push(run);
        }
        let mut summary = summary.clone();
        summary.implementation = name.clone();
        summary.median = summary.median.map(|m| m * factor);
        summary.min = summary.min.map(|m| m * factor);
        summary.max = summary.max.map(|m| m * factor);
        summary.throughput_ci = summary.throughput_ci.map(|(l, h)| (l * factor, h * factor));
        summary.ratio_to_baseline = Some(factor);
        summary.ratio_ci = Some((factor * 0.95, factor * 1.05));
        file.configurations[0].summary.push(summary);
        let mut record = template.clone();
        record.name = name.clone();
        record.family = if name == OWN {
            Family::Own
        } else {
            Family::Crate
        };
        file.implementations.push(record);
        file.scenario.implementations.push(name);
    }
    file.scenario.left_out = vec![LeftOut {
        name: "rtrb".to_owned(),
        reason: "`rtrb` cannot run topology `mpsc`; it supports: spsc".to_owned(),
    }];
    file
}

/// The names a verdict line gives, in order.
fn named(line: &str) -> Vec<String> {
    let after_label = line.split_once(": ").map_or(line, |(_, rest)| rest);
    let body = after_label.split("  [").next().unwrap_or_default();
    let body = body.split(" (+").next().unwrap_or_default();
    body.split([',', '~', '>'])
        .filter_map(|part| part.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn verdict_lines_fold_the_rest_but_never_the_own_queues_or_the_baseline() {
    let file = roster();
    let verdict = verdict::verdicts(&file).swap_remove(0);
    assert_eq!(
        verdict.ranked.len(),
        EXTRA + 3,
        "every implementation ranked"
    );
    assert_eq!(verdict.ranked[0].implementation, "q21");

    let full = verdict.line();
    assert_eq!(named(&full).len(), EXTRA + 3, "{full}");
    assert!(!full.contains("more: --full"), "{full}");

    let folded = verdict.line_top(Some(4));
    let names = named(&folded);
    // The four first in the ranking, then the baseline and the own queue,
    // which stand far behind.
    assert_eq!(names[..4], ["q21", "q20", "q19", "q18"], "{folded}");
    assert!(names.contains(&"crossbeam".to_owned()), "{folded}");
    assert!(names.contains(&OWN.to_owned()), "{folded}");
    assert_eq!(names.len(), 6, "{folded}");
    assert!(
        folded.contains(&format!("(+{} more: --full)", EXTRA + 3 - 6)),
        "{folded}"
    );
    assert!(folded.contains("q03 (own) 0."), "{folded}");

    // The terminal rendering folds by default and names what all left out.
    let rendered = verdict::render_top(&file, Some(verdict::TOP));
    assert!(rendered.contains("more: --full"), "{rendered}");
    assert!(rendered.contains("left out by \"all\""), "{rendered}");
    assert!(rendered.contains("rtrb"), "{rendered}");
    assert!(!verdict::render(&file).contains("more: --full"));
}

/// The texts of an SVG chart (plotters writes each on a line of its own).
fn texts(path: &Path) -> Vec<String> {
    let svg = std::fs::read_to_string(path).expect("an SVG chart");
    svg.split("<text")
        .skip(1)
        .filter_map(|element| {
            let (_, rest) = element.split_once('>')?;
            let (text, _) = rest.split_once("</text>")?;
            Some(text.trim().to_owned())
        })
        .collect()
}

fn out_dir() -> PathBuf {
    let parent = Path::new(env!("CARGO_TARGET_TMPDIR")).join("reports-roster");
    if parent.exists() {
        std::fs::remove_dir_all(&parent).expect("remove an earlier test report");
    }
    parent.join("report")
}

#[test]
fn the_page_folds_marks_the_own_queue_and_draws_charts_that_scale() {
    let file = roster();
    let out = out_dir();
    let options = Options {
        svg: true,
        ..Options::default()
    };
    let summary = reports::render(std::slice::from_ref(&file), &out, &options).expect("render");
    let html = std::fs::read_to_string(&summary.index).expect("index.html");

    // Folding in the verdict table, and the own queue marked.
    assert!(html.contains("<details><summary>"), "a fold");
    assert!(
        html.contains("<span class=\"own\">q03 (own)"),
        "own in the verdicts"
    );
    assert!(
        html.contains("<tr class=\"own\"><td>q03"),
        "own in the implementations"
    );
    // What all left out, with the reason.
    assert!(html.contains("<b>rtrb</b>: `rtrb` cannot run topology `mpsc`"));

    // A ranked dot plot per configuration, every implementation at its row.
    assert!(html.contains("src=\"rank-0-0.png\""));
    let rank = texts(&out.join("rank-0-0.svg"));
    for index in 0..EXTRA {
        let name = format!("q{index:02}");
        let label = if name == OWN {
            format!("{name} (own)")
        } else {
            name
        };
        assert!(rank.contains(&label), "{label} in the rank plot: {rank:?}");
    }
    assert!(
        rank.contains(&"crossbeam (baseline)".to_owned()),
        "{rank:?}"
    );
    assert!(
        rank.contains(&"your queues".to_owned()),
        "the key: {rank:?}"
    );

    // The line chart keeps the leaders, the baseline and the own queue;
    // every implementation is one link away.
    let focused = texts(&out.join("throughput-0-0.svg"));
    for kept in ["q21", "q20", "q19", "crossbeam", "q03 (own)"] {
        assert!(
            focused.contains(&kept.to_owned()),
            "{kept} in the focused chart: {focused:?}"
        );
    }
    for left in ["q10", "q00", "lmax", "bitmap"] {
        assert!(
            !focused.contains(&left.to_owned()),
            "{left} is not in the focused chart"
        );
    }
    assert!(html.contains("href=\"throughput-all-0-0.png\""));
    let all = texts(&out.join("throughput-all-0-0.svg"));
    for name in ["q00", "q10", "q21", "lmax", "bitmap", "crossbeam"] {
        assert!(
            all.contains(&name.to_owned()),
            "{name} in the full chart: {all:?}"
        );
    }
}
