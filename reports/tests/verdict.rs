//! Verdicts on recorded and doctored results files: the ranking, the
//! per-round ratio to the fastest and its interval, who is indistinguishable
//! from it, and every mark.
//!
//! `mpsc-contract.json`, configuration 0 (P1 C1, batch 1): crossbeam 20,
//! 21, 22 M/s over rounds 1-3, lmax 45, 47.25, 49.5, bitmap 50, 52.5, 55,
//! base 400, 420, 440: lmax is 0.9x bitmap in every round. The summaries'
//! medians are the first round's (20, 45, 50, 400), and the ranking and
//! the figures shown follow the summaries, as the tables do.

use std::path::{Path, PathBuf};

use reports::ResultsFile;
use reports::model::Label;
use reports::verdict::{self, ConfigurationVerdict, Metric};
use schema::Kind;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn load() -> ResultsFile {
    reports::load(&fixture("mpsc-contract.json")).expect("the fixture loads")
}

/// Sets `implementation`'s measured throughputs at configuration `index`,
/// round by round, and its summary median to match.
fn set_rounds(file: &mut ResultsFile, index: usize, implementation: &str, values: &[f64]) {
    let configuration = &mut file.configurations[index];
    configuration
        .runs
        .retain(|run| run.implementation != implementation);
    let template = configuration.runs[0].clone();
    for (round, &value) in values.iter().enumerate() {
        let mut run = template.clone();
        run.implementation = implementation.to_owned();
        run.round = round as u32 + 1;
        run.throughput = Some(value);
        configuration.runs.push(run);
    }
    let summary = configuration
        .summary
        .iter_mut()
        .find(|s| s.implementation == implementation)
        .expect("the implementation has a summary");
    summary.median = reports::stats::median(values);
}

fn verdict_of(file: &ResultsFile, index: usize) -> ConfigurationVerdict {
    verdict::verdicts(file).swap_remove(index)
}

fn names(verdict: &ConfigurationVerdict) -> Vec<&str> {
    verdict
        .ranked
        .iter()
        .map(|r| r.implementation.as_str())
        .collect()
}

#[test]
fn ranks_by_median_with_per_round_ratios_to_the_fastest() {
    let file = load();
    let verdicts = verdict::verdicts(&file);
    assert_eq!(verdicts.len(), file.configurations.len());
    let first = &verdicts[0];
    assert_eq!(first.metric, Metric::Throughput);
    assert_eq!(
        names(first),
        ["bitmap", "lmax", "crossbeam"],
        "base is not ranked"
    );
    let lmax = &first.ranked[1];
    assert!((lmax.ratio - 0.9).abs() < 1e-9, "{lmax:?}");
    let (low, high) = lmax.interval.expect("3 paired rounds give an interval");
    assert!((low - 0.9).abs() < 1e-9 && (high - 0.9).abs() < 1e-9);
    assert!(!lmax.indistinguishable, "0.9x in every round is separated");
    assert!(first.ranked.iter().all(|r| !r.harness_bound));
    assert_eq!(first.base, Some(400e6), "the base case's summary median");
    let line = first.line();
    assert!(
        line.starts_with("P1 C1 · cap 1024 · 8 B · batch 1 · busy_spin"),
        "{line}"
    );
    assert!(
        line.ends_with(": bitmap 50.0 M/s > lmax 0.90x (0.90–0.90), crossbeam 0.40x (0.40–0.40)"),
        "{line}"
    );
    // Configuration 1 (P2 C1) ran oversubscribed.
    assert!(verdicts[1].oversubscribed);
    assert!(
        verdicts[1].line().ends_with("  [OVERSUBSCRIBED]"),
        "{}",
        verdicts[1].line()
    );
}

#[test]
fn an_interval_that_reaches_one_is_indistinguishable() {
    let mut file = load();
    // lmax/bitmap per round: 0.98, 0.943, 1.018; lmax's median 49.5 M/s
    // stays below bitmap's 50.
    set_rounds(&mut file, 0, "lmax", &[49e6, 49.5e6, 56e6]);
    let verdict = verdict_of(&file, 0);
    assert_eq!(names(&verdict), ["bitmap", "lmax", "crossbeam"]);
    let lmax = &verdict.ranked[1];
    let (low, high) = lmax.interval.unwrap();
    assert!(low < 1.0 && high >= 1.0, "{low} {high}");
    assert!(lmax.indistinguishable);
    assert!(!verdict.ranked[2].indistinguishable);
    let line = verdict.line();
    assert!(line.contains(": bitmap 50.0 M/s ~ lmax 0.98x ("), "{line}");
    assert!(line.contains(") > crossbeam 0.40x"), "{line}");
}

#[test]
fn fewer_than_three_paired_rounds_separate_nothing() {
    let mut file = load();
    set_rounds(&mut file, 0, "lmax", &[10e6, 10e6]);
    let verdict = verdict_of(&file, 0);
    let lmax = verdict
        .ranked
        .iter()
        .find(|r| r.implementation == "lmax")
        .unwrap();
    assert_eq!(lmax.paired_rounds, 2);
    assert_eq!(lmax.interval, None);
    assert!(
        lmax.indistinguishable,
        "two rounds cannot tell 0.2x from 1x"
    );
    assert!(
        verdict
            .line()
            .contains("~ lmax 0.20x (2 paired rounds: no interval)"),
        "{}",
        verdict.line()
    );
}

#[test]
fn figures_near_the_base_case_are_harness_bound() {
    let mut file = load();
    // Base at 60 M/s: within 20% of it means at least 48 M/s: bitmap (50)
    // is, lmax (45) is not.
    set_rounds(&mut file, 0, "base", &[60e6, 60e6, 60e6]);
    let verdict = verdict_of(&file, 0);
    let bound: Vec<&str> = verdict
        .ranked
        .iter()
        .filter(|r| r.harness_bound)
        .map(|r| r.implementation.as_str())
        .collect();
    assert_eq!(bound, ["bitmap"]);
    assert!(
        verdict.line().ends_with("  [bitmap harness-bound]"),
        "{}",
        verdict.line()
    );
}

#[test]
fn runs_that_did_not_all_pass_are_marked_or_left_out() {
    let mut file = load();
    {
        let summaries = &mut file.configurations[0].summary;
        let lmax = summaries
            .iter_mut()
            .find(|s| s.implementation == "lmax")
            .unwrap();
        lmax.verdict = Label::Fail;
        let bitmap = summaries
            .iter_mut()
            .find(|s| s.implementation == "bitmap")
            .unwrap();
        bitmap.passed_runs = 2;
    }
    let verdict = verdict_of(&file, 0);
    assert_eq!(names(&verdict), ["bitmap", "crossbeam"]);
    assert_eq!(verdict.unranked, [("lmax".to_owned(), Label::Fail)]);
    let line = verdict.line();
    assert!(line.contains("; not ranked: lmax FAIL"), "{line}");
    assert!(line.ends_with("[bitmap 2/3 passed]"), "{line}");
}

#[test]
fn latency_scenarios_rank_by_p99_without_intervals() {
    let mut file = load();
    file.scenario.kind = Kind::Latency;
    let verdict = verdict_of(&file, 0);
    assert_eq!(verdict.metric, Metric::LatencyP99);
    let p99: Vec<f64> = verdict.ranked.iter().map(|r| r.value).collect();
    assert!(p99.windows(2).all(|pair| pair[0] <= pair[1]), "{p99:?}");
    assert!(verdict.ranked.iter().all(|r| r.interval.is_none()));
    assert!(
        verdict.ranked[1..]
            .iter()
            .all(|r| r.ratio >= 1.0 && !r.indistinguishable)
    );
    assert!(
        verdict.line().contains("the best's p99"),
        "{}",
        verdict.line()
    );
}

#[test]
fn the_report_opens_with_the_verdicts_linked_to_charts_and_tables() {
    let file = load();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("verdict-report");
    let _ = std::fs::remove_dir_all(&out);
    let summary = reports::render(
        std::slice::from_ref(&file),
        &out.join("report"),
        &reports::Options::default(),
    )
    .expect("render");
    let html = std::fs::read_to_string(&summary.index).unwrap();
    let verdicts = html
        .find("<h2 id=\"verdicts\">")
        .expect("a verdict section");
    let how_to = html.find("How to read this report").unwrap();
    assert!(verdicts < how_to, "the verdicts come first");
    for index in 0..file.configurations.len() {
        let link = format!("href=\"#cfg-0-{index}\"");
        assert!(html.contains(&link), "{link}");
        assert!(html.contains(&format!("id=\"cfg-0-{index}\"")));
    }
    // Every chart link points at a chart group on the page.
    let mut rest = &html[verdicts..];
    let mut charts = 0;
    while let Some(at) = rest.find("href=\"#charts-") {
        rest = &rest[at + "href=\"#".len()..];
        let id = &rest[..rest.find('"').unwrap()];
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
        charts += 1;
    }
    assert_eq!(charts, file.configurations.len());
    assert!(html.contains("bitmap 50.0 M/s"));
    assert!(html.contains("lmax 0.90x (0.90–0.90)"));
}

#[test]
fn a_ranking_that_flips_between_layouts_is_marked_and_its_interval_covers_them() {
    let mut file = load();
    set_rounds(&mut file, 0, "bitmap", &[50e6; 6]);
    set_rounds(&mut file, 0, "lmax", &[45e6, 45e6, 45e6, 52e6, 52e6, 52e6]);
    let plain = verdict_of(&file, 0);
    let lmax = plain
        .ranked
        .iter()
        .find(|r| r.implementation == "lmax")
        .unwrap();
    assert_eq!(lmax.layout_range, None, "one layout: no layout range");
    assert!(
        !lmax.marks().iter().any(|m| m.contains("layout")),
        "{lmax:?}"
    );
    // Rounds 1-3 in layout 0, 4-6 in layout 1: lmax is 0.9x bitmap in one
    // layout and 1.04x in the other.
    for run in &mut file.configurations[0].runs {
        run.layout = Some(u32::from(run.round > 3));
    }
    let verdict = verdict_of(&file, 0);
    assert_eq!(verdict.ranked[0].implementation, "bitmap");
    let lmax = verdict
        .ranked
        .iter()
        .find(|r| r.implementation == "lmax")
        .unwrap();
    let (low, high) = lmax.layout_range.expect("two layouts give a range");
    assert!(
        (low - 0.9).abs() < 1e-9 && (high - 1.04).abs() < 1e-9,
        "{lmax:?}"
    );
    assert!(lmax.layout_sensitive());
    let (a, b) = lmax.interval.expect("6 paired rounds give an interval");
    assert!(
        a <= 0.9 + 1e-9 && b >= 1.04 - 1e-9,
        "the interval covers the layouts: {lmax:?}"
    );
    assert!(lmax.indistinguishable);
    assert!(
        verdict
            .line()
            .contains("lmax layout-sensitive (0.90-1.04x over layouts)"),
        "{}",
        verdict.line()
    );
}

#[test]
fn the_leader_is_chosen_by_the_paired_comparison_the_ratios_use() {
    let mut file = load();
    // lmax is a hair ahead of bitmap round by round (0.99x, 1.01x, 1.02x:
    // median above 1), but its summary median (49) is below bitmap's (50).
    set_rounds(&mut file, 0, "lmax", &[49.5e6, 53e6, 56e6]);
    file.configurations[0]
        .summary
        .iter_mut()
        .find(|s| s.implementation == "lmax")
        .unwrap()
        .median = Some(49e6);
    let verdict = verdict_of(&file, 0);
    assert_eq!(names(&verdict), ["lmax", "bitmap", "crossbeam"]);
    let bitmap = &verdict.ranked[1];
    assert!(bitmap.ratio < 1.0, "{}", verdict.line());
    // Close rivals: the paired comparison cannot tell them apart.
    assert!(bitmap.indistinguishable, "{}", verdict.line());
    assert!(verdict.line().starts_with("P1 C1"), "{}", verdict.line());
    assert!(
        verdict.line().contains(": lmax 49.0 M/s ~ bitmap"),
        "{}",
        verdict.line()
    );
}

#[test]
fn unstable_placement_a_loaded_machine_and_an_unbounded_queue_are_marked() {
    let mut file = load();
    file.configurations[1].floor = Some(
        serde_json::from_value(serde_json::json!({
            "cores": [0, 1],
            "rounds": [],
            "median_ns": 400.0,
            "range_ns": [65.0, 790.0],
            "unstable": true
        }))
        .unwrap(),
    );
    file.implementations
        .iter_mut()
        .find(|implementation| implementation.name == "crossbeam")
        .unwrap()
        .bounded = false;
    let verdicts = verdict::verdicts(&file);
    // Configuration 0 (P1 C1 on 2 cores, load 0.5): nothing but the queue.
    assert!(
        verdicts[0].conditions.is_empty(),
        "{:?}",
        verdicts[0].conditions
    );
    let crossbeam = verdicts[0]
        .ranked
        .iter()
        .find(|ranked| ranked.implementation == "crossbeam")
        .unwrap();
    assert!(crossbeam.marks().contains(&"unbounded".to_owned()));
    assert!(
        verdicts[0].line().contains("crossbeam unbounded"),
        "{}",
        verdicts[0].line()
    );
    assert_eq!(
        verdicts[1].conditions,
        ["UNSTABLE PLACEMENT (the round trip moved more than 2x)"]
    );
    assert!(
        verdicts[1].line().contains("UNSTABLE PLACEMENT"),
        "{}",
        verdicts[1].line()
    );

    // A load of 5.8 on 2 cores, with every core taken by the run.
    file.provenance.load_average_at_start = Some([5.8, 4.0, 3.0]);
    let loaded = verdict::verdicts(&file);
    assert!(
        loaded[0]
            .conditions
            .contains(&"LOADED (load 5.8 at start on 2 cores, 2 run threads)".to_owned()),
        "{:?}",
        loaded[0].conditions
    );
    // Just under a core above the free cores: not marked.
    file.provenance.load_average_at_start = Some([0.9, 0.9, 0.9]);
    assert!(verdict::verdicts(&file)[0].conditions.is_empty());
}
