//! The generator on small recorded results files (`tests/fixtures/`).
//!
//! `mpsc-contract.json` and `mpsc-contract-regressed.json` have exactly the
//! shape the harness writes now (the harness's `report_cli` tests check
//! it); `spsc.json` and `spsc-failed.json` are older files, from before the
//! machine section, run costs, scenario kind and consume mode, which a
//! report must still read.

use std::path::{Path, PathBuf};

use reports::{Options, ReportError, ReportSummary, ResultsFile};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A fresh folder for one test's report, alone in its own parent (the
/// report is staged beside it).
fn out_dir(test: &str) -> PathBuf {
    let parent = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("reports-{test}"));
    if parent.exists() {
        std::fs::remove_dir_all(&parent).expect("remove an earlier test report");
    }
    parent.join("report")
}

fn load(name: &str) -> ResultsFile {
    reports::load(&fixture(name)).unwrap_or_else(|error| panic!("{name}: {error}"))
}

fn render(files: &[&str], test: &str) -> (ReportSummary, String) {
    let results: Vec<ResultsFile> = files.iter().map(|name| load(name)).collect();
    let out = out_dir(test);
    let summary = reports::render(&results, &out, &Options::default()).expect("render");
    let html = std::fs::read_to_string(&summary.index).expect("read index.html");
    (summary, html)
}

/// Every `src="..."` and `href="..."` of the page that is not an anchor.
fn references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(start) = rest.find(attribute) {
            rest = &rest[start + attribute.len()..];
            let end = rest.find('"').expect("attribute closes");
            let value = &rest[..end];
            if !value.starts_with('#') {
                found.push(value.to_owned());
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

fn assert_png(path: &Path) {
    let bytes = std::fs::read(path).expect("read png");
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} has no PNG signature",
        path.display()
    );
    let image = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
        .unwrap_or_else(|error| panic!("{} does not decode: {error}", path.display()));
    assert!(image.width() >= 600 && image.height() >= 300);
    // Not blank: a chart has dark text and coloured marks on white.
    let rgb = image.to_rgb8();
    let dark = rgb.pixels().filter(|p| p.0.iter().all(|&c| c < 80)).count();
    assert!(
        dark > 500,
        "{} looks blank ({dark} dark pixels)",
        path.display()
    );
}

fn assert_svg(path: &Path) {
    let text = std::fs::read_to_string(path).expect("read svg");
    let document = roxmltree::Document::parse(&text)
        .unwrap_or_else(|error| panic!("{} is not well-formed XML: {error}", path.display()));
    assert_eq!(document.root_element().tag_name().name(), "svg");
    assert!(
        document
            .descendants()
            .any(|node| node.tag_name().name() == "text"),
        "{} has no text (axes, legend)",
        path.display()
    );
}

#[test]
fn page_references_every_chart_and_each_exists_and_is_valid() {
    let (summary, html) = render(&["mpsc-contract.json"], "references");
    assert!(!summary.charts.is_empty());
    let referenced = references(&html);
    for chart in &summary.charts {
        let name = chart
            .file_name()
            .and_then(|n| n.to_str())
            .expect("chart name");
        assert!(
            referenced.iter().any(|r| r == name),
            "index.html does not reference {name}"
        );
    }
    for reference in &referenced {
        let path = summary.out_dir.join(reference);
        assert!(path.is_file(), "index.html references missing {reference}");
        if reference.ends_with(".png") {
            assert_png(&path);
        } else if reference.ends_with(".svg") {
            assert_svg(&path);
        }
    }
    // Throughput and ratio per chart group (batch 1 and batch 64), latency
    // where measured, CPU time and the measured counter per message; each as
    // PNG and SVG.
    let pngs: Vec<&str> = referenced
        .iter()
        .filter(|r| r.ends_with(".png"))
        .map(String::as_str)
        .collect();
    for expected in [
        "throughput-0-0.png",
        "throughput-0-1.png",
        "ratio-0-0.png",
        "ratio-0-1.png",
        "latency-0-0.png",
    ] {
        assert!(pngs.contains(&expected), "no {expected} in {pngs:?}");
    }
    assert_eq!(
        summary.charts.len(),
        pngs.len() * 2,
        "an SVG beside every PNG"
    );
    assert!(referenced.iter().any(|r| r == "figures.csv"));
    // No staging folders left beside the report.
    let parent = summary.out_dir.parent().expect("parent");
    for entry in std::fs::read_dir(parent).expect("list parent") {
        let name = entry.expect("entry").file_name();
        assert!(!name.to_string_lossy().contains(".partial-"));
    }
}

#[test]
fn page_shows_contract_fields_and_provenance() {
    let (_, html) = render(&["mpsc-contract.json"], "contract");
    // Intervals say which kind they are: bootstrap intervals under their
    // headers, and nothing here is marked min–max.
    assert!(html.contains("<th>95% CI M/s</th>"));
    assert!(html.contains("<th>ratio 95% CI</th>"));
    assert!(!html.contains("(min–max)</td>"));
    // CPU time, counters (measured and unavailable), latency, machine ceiling.
    assert!(html.contains("CPU ns/msg"));
    assert!(html.contains("context_switches"));
    assert!(html.contains(
        "Counters unavailable here (not measured, never shown as 0; the machine table says why): cycles."
    ));
    assert!(html.contains("latency p50 / p99 / p99.9 / max"));
    assert!(html.contains("60 ns / 240 ns / 720 ns / 18 µs"));
    assert!(html.contains("core-to-core round trip"));
    assert!(html.contains(
        "<tr><th>counters unavailable (hardware): no cpu PMU under /sys/bus/event_source/devices</th><td>cycles</td></tr>"
    ));
    assert!(
        html.contains("<tr><th>counters measured (getrusage)</th><td>context_switches</td></tr>")
    );
    assert!(html.contains("140 ns"));
    // The base row is labelled as the harness's own cost.
    assert!(html.contains("base (harness cost)"));
    // Ordering guarantee and wait class of each implementation.
    assert!(html.contains("<td>per producer fifo</td><td>configurable</td>"));
    assert!(html.contains("<td>global fifo</td><td>blocking</td>"));
    // Provenance and the rules.
    assert!(html.contains("0123456789ab"));
    assert!(html.contains("Intel(R) Xeon(R) Processor"));
    assert!(html.contains("Fair comparison rules"));
    assert!(html.contains("; consumers read every word, fold it into a checksum"));
    assert!(!html.contains("<i>discard</i>"));
    assert!(html.contains("oversubscription"));
    // Text from the file is escaped.
    assert!(html.contains("channels &lt;b&gt;&amp;amp"));
    assert!(!html.contains("<b>&amp</b>"));
}

#[test]
fn older_files_without_contract_fields_render_and_say_what_is_missing() {
    let (summary, html) = render(&["spsc.json"], "older");
    assert!(html.contains("(min–max)"));
    assert!(!html.contains("(95% CI)"));
    assert!(!html.contains("CPU ns/msg"));
    assert!(html.contains("not recorded in this file (no machine section)"));
    assert!(html.contains("per-round min–max of the ratio (no ratio_ci recorded)"));
    assert!(
        summary
            .charts
            .iter()
            .all(|c| !c.to_string_lossy().contains("latency"))
    );
    let rows = parse_csv(&std::fs::read_to_string(&summary.csv).expect("csv"));
    // Header plus 2 configurations x 3 implementations.
    assert_eq!(rows.len(), 1 + 6);
    assert!(rows.iter().all(|row| row.len() == rows[0].len()));
    let first = csv_row(&rows, 1);
    assert_eq!(first["implementation"], "crossbeam");
    assert_eq!(first["baseline"], "crossbeam");
    assert_eq!(first["verdict"], "pass");
}

#[test]
fn older_files_read_with_the_meaning_their_missing_fields_had() {
    // spsc.json predates scenario kinds, consume modes, `bounded`, the
    // machine section and per-consumer deliveries.
    let raw = std::fs::read_to_string(fixture("spsc.json")).unwrap();
    for field in [
        "\"kind\"",
        "\"consume\"",
        "\"bounded\"",
        "\"machine\"",
        "deliveries_per_consumer",
    ] {
        assert!(!raw.contains(field), "the fixture has {field}");
    }
    let file = load("spsc.json");
    assert_eq!(file.scenario.kind, schema::Kind::Throughput);
    assert!(file.machine.is_none());
    assert!(file.implementations.iter().all(|i| i.bounded));
    for configuration in &file.configurations {
        assert_eq!(configuration.consume, schema::Consume::Read);
        for run in &configuration.runs {
            if let schema::Outcome::Completed {
                deliveries_per_consumer,
                ..
            } = &run.outcome
            {
                assert!(deliveries_per_consumer.is_empty());
            }
        }
    }
    // An unknown field (written by a later version) is ignored.
    assert!(
        std::fs::read_to_string(fixture("mpsc-contract.json"))
            .unwrap()
            .contains("some_future_field")
    );
    assert_eq!(
        load("mpsc-contract.json").scenario.topology,
        schema::Topology::Mpsc
    );
}

/// The records of a CSV file (RFC 4180: fields in double quotes may hold
/// commas, line breaks and doubled quotes).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(!quoted, "a quoted field is never closed");
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// Row `index` of parsed CSV `rows`, by column name.
fn csv_row(rows: &[Vec<String>], index: usize) -> std::collections::HashMap<&str, &str> {
    rows[0]
        .iter()
        .map(String::as_str)
        .zip(rows[index].iter().map(String::as_str))
        .collect()
}

#[test]
fn csv_quotes_text_and_leaves_the_figures_of_failed_rows_empty() {
    let mut results = load("spsc-failed.json");
    let placement = "pinned p0:0, c0:1 \"same socket\"\nsecond line";
    results.configurations[0].placement_description = placement.to_owned();
    let out = out_dir("csv");
    let summary = reports::render(&[results], &out, &Options::default()).expect("render");
    let text = std::fs::read_to_string(&summary.csv).expect("csv");
    let rows = parse_csv(&text);
    // Header plus 2 configurations x 4 implementations, each as wide as
    // the header.
    assert_eq!(rows.len(), 1 + 8);
    assert!(rows.iter().all(|row| row.len() == rows[0].len()));
    let figures = [
        "median_msg_per_s",
        "min_msg_per_s",
        "max_msg_per_s",
        "ratio_to_baseline",
        "ratio_min",
        "ratio_max",
        "counters_per_message",
    ];
    let mut failed = 0;
    for index in 1..rows.len() {
        let row = csv_row(&rows, index);
        if index <= 4 {
            assert_eq!(row["placement"], placement);
        }
        match row["verdict"] {
            "pass" => {
                assert!(!row["median_msg_per_s"].is_empty());
                assert!(!row["ratio_to_baseline"].is_empty());
            }
            verdict => {
                // flume: FAIL with a median from its one passed run, then
                // a timeout.
                assert_eq!(row["implementation"], "flume", "{verdict}");
                for column in figures {
                    assert_eq!(row[column], "", "{column} of a {verdict} row");
                }
                assert!(!row["measured_runs"].is_empty());
                failed += 1;
            }
        }
    }
    assert_eq!(failed, 2);
}

#[test]
fn failed_and_timed_out_runs_are_listed_and_not_plotted() {
    let (summary, html) = render(&["spsc-failed.json"], "failed");
    assert_eq!(summary.failed_runs, 2);
    assert!(html.contains("Runs that did not pass"));
    assert!(html.contains("producer 0: 2 messages lost"));
    assert!(html.contains("stopped by the watchdog after 41234 deliveries"));
    assert!(html.contains("FAIL 1/2 — not plotted"));
    assert!(html.contains("timeout 0/2 — not plotted"));
    // The charts were drawn from the same data without flume: its legend
    // entry appears in no chart.
    for chart in summary
        .charts
        .iter()
        .filter(|c| c.extension().is_some_and(|e| e == "svg"))
    {
        let svg = std::fs::read_to_string(chart).expect("svg");
        assert!(
            svg.contains("crossbeam"),
            "{} has no legend",
            chart.display()
        );
        assert!(
            !svg.contains("flume"),
            "{} plots a run that did not pass",
            chart.display()
        );
    }
}

#[test]
fn comparison_flags_the_constructed_regression_only() {
    let (summary, html) = render(
        &["mpsc-contract.json", "mpsc-contract-regressed.json"],
        "compare",
    );
    assert_eq!(summary.regressions, 1);
    assert_eq!(summary.improvements, 0);
    assert!(html.contains("1 regression(s), 0 improvement(s)"));
    // The change chart is on the page and valid.
    assert!(html.contains("<img src=\"change-0.png\""));
    assert_png(&summary.out_dir.join("change-0.png"));
    assert_svg(&summary.out_dir.join("change-0.svg"));

    let results = vec![
        load("mpsc-contract.json"),
        load("mpsc-contract-regressed.json"),
    ];
    let comparisons = reports::compare::compare_all(&results);
    assert_eq!(comparisons.len(), 1);
    let rows = &comparisons[0].rows;
    assert_eq!(
        rows.len(),
        6 * 4,
        "every configuration and implementation matched"
    );
    let regressed: Vec<_> = rows
        .iter()
        .filter(|r| r.flag == reports::compare::Flag::Regression)
        .collect();
    assert_eq!(regressed.len(), 1);
    assert_eq!(regressed[0].implementation, "lmax");
    assert!(regressed[0].configuration.contains("P2 C1"));
    assert!(regressed[0].configuration.contains("batch 64"));
    // The same implementation elsewhere is unchanged, and the baseline is
    // never flagged.
    assert!(rows.iter().any(|r| r.implementation == "lmax"
        && r.configuration.contains("P1 C1")
        && r.flag == reports::compare::Flag::Unchanged));
    assert!(
        rows.iter()
            .filter(|r| r.implementation == "crossbeam")
            .all(|r| r.flag == reports::compare::Flag::Baseline)
    );
    // The rule is stated on the page.
    assert!(html.contains("wholly below the reference interval"));
    // Both are clean --quick runs of the same length and build.
    assert!(comparisons[0].warnings.is_empty());
    assert!(!html.contains("May not be like for like"));
}

#[test]
fn comparison_warns_when_the_files_are_not_like_for_like() {
    let reference = load("mpsc-contract.json");
    let mut later = load("mpsc-contract-regressed.json");
    later.scenario.quick = false;
    later.scenario.messages = 2_000_000;
    later.provenance.profile = "debug".to_owned();
    later.provenance.git_dirty = Some(true);
    let results = vec![reference, later];
    let comparisons = reports::compare::compare_all(&results);
    let warnings = &comparisons[0].warnings;
    assert_eq!(
        warnings,
        &[
            "mpsc-contract is a --quick run and mpsc-contract-regressed a full run",
            "mpsc-contract ran 200000 messages per run and mpsc-contract-regressed 2000000",
            "mpsc-contract is from a release build and mpsc-contract-regressed from a debug build",
            "mpsc-contract-regressed was built from a tree with uncommitted changes, so its commit does not name the code that ran",
        ]
    );
    // The flags still stand.
    assert_eq!(
        comparisons[0]
            .rows
            .iter()
            .filter(|r| r.flag == reports::compare::Flag::Regression)
            .count(),
        1
    );
    let out = out_dir("unlike");
    let summary = reports::render(&results, &out, &Options::default()).expect("render");
    let html = std::fs::read_to_string(&summary.index).expect("index");
    // The warning sits under the comparison's heading, before its findings.
    let heading = html
        .find("<h3>mpsc-contract (commit")
        .expect("comparison heading");
    let warning = html.find("May not be like for like:").expect("warning");
    let findings = html.find("1 regression(s)").expect("findings");
    assert!(heading < warning && warning < findings);
    for text in warnings {
        assert!(html.contains(text.as_str()), "{text}");
    }
}

#[test]
fn unchanged_files_flag_nothing() {
    let results = vec![load("mpsc-contract.json"), load("mpsc-contract.json")];
    let comparisons = reports::compare::compare_all(&results);
    assert!(comparisons[0].rows.iter().all(|r| matches!(
        r.flag,
        reports::compare::Flag::Unchanged | reports::compare::Flag::Baseline
    )));
    assert!(comparisons[0].unmatched.is_empty());
}

#[test]
fn comparison_without_bootstrap_intervals_uses_min_max() {
    let results = vec![load("spsc.json"), load("spsc-failed.json")];
    let comparisons = reports::compare::compare_all(&results);
    let row = comparisons[0]
        .rows
        .iter()
        .find(|r| r.implementation == "rtrb")
        .expect("rtrb matched");
    let intervals = row.intervals.expect("intervals");
    assert_eq!(intervals.kind, reports::model::IntervalKind::MinMax);
    assert_eq!(
        intervals.after,
        (0.43508458657892585, 0.7866105340350559),
        "the later file's per-round min-max of rtrb at batch 1"
    );
    // flume is only in the later file.
    assert!(
        comparisons[0]
            .unmatched
            .iter()
            .any(|line| line.contains("flume"))
    );
}

fn error_for(path: &Path) -> ReportError {
    match reports::load(path) {
        Ok(_) => panic!("{} loaded", path.display()),
        Err(error) => error,
    }
}

#[test]
fn bad_input_names_the_file() {
    let missing = fixture("no-such-file.json");
    let error = error_for(&missing);
    assert!(matches!(error, ReportError::Read { .. }));
    assert!(error.to_string().contains("no-such-file.json"));

    let truncated = fixture("truncated.json");
    let error = error_for(&truncated);
    assert!(matches!(error, ReportError::Json { .. }), "{error}");
    assert!(error.to_string().contains("truncated.json"));
    assert!(error.to_string().contains("truncated"));

    let wrong = fixture("wrong-schema.json");
    let error = error_for(&wrong);
    assert!(matches!(error, ReportError::Schema { .. }), "{error}");
    let message = error.to_string();
    assert!(message.contains("wrong-schema.json"));
    assert!(message.contains("ringlab.results/0"));
    assert!(message.contains("expected \"ringlab.results/1\""));

    // Valid JSON with the schema but not its shape.
    let dir = out_dir("shape");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let shapeless = dir.join("shapeless.json");
    std::fs::write(
        &shapeless,
        r#"{"schema": "ringlab.results/1", "scenario": 3}"#,
    )
    .expect("write");
    let error = error_for(&shapeless);
    assert!(matches!(error, ReportError::Shape { .. }), "{error}");
    assert!(error.to_string().contains("shapeless.json"));
}

/// The names in `dir`, sorted.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list the folder")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

#[test]
fn rendering_replaces_an_earlier_report_and_never_a_foreign_folder() {
    let out = out_dir("replace");
    reports::render(&[load("spsc.json")], &out, &Options::default()).expect("first render");
    assert!(out.join(reports::MARKER).is_file());
    let first = std::fs::read_to_string(out.join("index.html")).expect("index");
    // A report of another file replaces it whole.
    let summary = reports::render(&[load("spsc-failed.json")], &out, &Options::default())
        .expect("second render");
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
    let second = std::fs::read_to_string(out.join("index.html")).expect("index");
    assert_ne!(first, second);
    assert!(!first.contains("flume") && second.contains("flume"));
    assert!(out.join(reports::MARKER).is_file());
    // No staging folder and no previous report left beside it.
    assert_eq!(names_in(out.parent().expect("parent")), ["report"]);

    // A folder of the user's is never replaced, even one with an index.html.
    let foreign = out_dir("foreign");
    std::fs::create_dir_all(&foreign).expect("mkdir");
    std::fs::write(foreign.join("keep.txt"), "mine").expect("write");
    std::fs::write(foreign.join("index.html"), "<p>my page</p>").expect("write");
    let error = reports::render(&[load("spsc.json")], &foreign, &Options::default())
        .expect_err("refuses a foreign folder");
    assert!(matches!(error, ReportError::NotAReport { .. }), "{error}");
    let message = error.to_string();
    assert!(message.contains(reports::MARKER) && message.contains("choose another --out"));
    assert_eq!(names_in(&foreign), ["index.html", "keep.txt"]);
    assert_eq!(
        std::fs::read_to_string(foreign.join("index.html")).expect("read"),
        "<p>my page</p>"
    );
    assert_eq!(names_in(foreign.parent().expect("parent")), ["report"]);
    // A file where the folder would go is left alone too.
    let file = out_dir("file");
    std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
    std::fs::write(&file, "mine").expect("write");
    assert!(matches!(
        reports::render(&[load("spsc.json")], &file, &Options::default()),
        Err(ReportError::NotAReport { .. })
    ));
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "mine");
    // An empty folder is taken.
    let empty = out_dir("empty-folder");
    std::fs::create_dir_all(&empty).expect("mkdir");
    reports::render(&[load("spsc.json")], &empty, &Options::default()).expect("render");
    assert!(empty.join("index.html").is_file());
    // Nothing at all is no report.
    assert!(matches!(
        reports::render(&[], &out_dir("empty"), &Options::default()),
        Err(ReportError::NoInput)
    ));
}

#[test]
fn default_folder_is_beside_the_results() {
    let one = vec![load("spsc.json")];
    assert_eq!(reports::default_out_dir(&one), fixture("report-spsc"));
    let two = vec![load("spsc.json"), load("spsc-failed.json")];
    assert_eq!(
        reports::default_out_dir(&two),
        fixture("report-spsc-vs-spsc-failed")
    );
}

#[test]
fn count_only_runs_are_plotted_apart_from_the_fair_workload() {
    let mut results = load("spsc.json");
    let mut discard = results.configurations[0].clone();
    discard.consume = schema::Consume::Discard;
    for summary in &mut discard.summary {
        summary.verdict = schema::Label::PassCountOnly;
    }
    for configuration in &mut results.configurations {
        configuration.consume = schema::Consume::Read;
    }
    results.configurations.push(discard);
    let out = out_dir("count-only");
    let summary = reports::render(&[results], &out, &Options::default()).expect("render");
    let html = std::fs::read_to_string(&summary.index).expect("index");
    // Read and discard never share a chart: each has its own group.
    let titles: Vec<&str> = html
        .lines()
        .filter(|line| line.starts_with("<h4 id=\"charts-") && line.contains("\">spsc · 8 B ·"))
        .collect();
    assert!(
        titles.iter().any(|t| t.contains("consume read")),
        "{titles:?}"
    );
    assert!(
        titles.iter().any(|t| t.contains("consume discard")),
        "{titles:?}"
    );
    // Count-only figures are plotted (the page says what they are).
    let throughput_charts = summary
        .charts
        .iter()
        .filter(|c| {
            let name = c.to_string_lossy();
            name.contains("throughput") && name.ends_with(".svg")
        })
        .count();
    // Threads do not vary, so batch runs along x: one chart for read
    // (batch 1 and 64), one for discard.
    assert_eq!(throughput_charts, 2);
    assert!(
        html.contains("\">spsc · 8 B · P1 C1 · capacity 1024 · wait busy_spin · consume read</h4>")
    );
    assert!(html.contains("pass (count only) 5/5"));
    // The fairness rules do not claim that discarding consumers read.
    assert!(html.contains("In <i>discard</i> configurations (count only) consumers take each message off the queue unread"));
    assert!(!html.contains("; consumers read every word"));
    let csv = std::fs::read_to_string(&summary.csv).expect("csv");
    assert!(csv.contains(",discard,"));
}

#[test]
fn figures_that_are_zero_everywhere_are_said_not_charted() {
    let mut results = load("mpsc-contract.json");
    for configuration in &mut results.configurations {
        for summary in &mut configuration.summary {
            for counter in &mut summary.counters {
                if counter.name == "context_switches" {
                    counter.per_message = Some(0.0);
                }
            }
        }
    }
    let out = out_dir("zero");
    let summary = reports::render(&[results], &out, &Options::default()).expect("render");
    let html = std::fs::read_to_string(&summary.index).expect("index");
    assert!(html.contains(
        "Zero per message for every implementation here (not charted): context_switches."
    ));
    // CPU time is still charted.
    assert!(html.contains("CPU time per published message"));
    assert!(!html.contains("context_switches per published message"));
}

#[test]
fn a_line_breaks_where_its_implementation_did_not_pass() {
    let mut results = load("mpsc-contract.json");
    // lmax fails at P2 C1 with batch 64, between P1 and P4 where it passed.
    let configuration = results
        .configurations
        .iter_mut()
        .find(|c| c.producers == 2 && c.batch == 64)
        .expect("P2 C1 batch 64");
    let lmax = configuration
        .summary
        .iter_mut()
        .find(|s| s.implementation == "lmax")
        .expect("lmax");
    lmax.verdict = schema::Label::Fail;
    let out = out_dir("gap");
    let summary = reports::render(&[results], &out, &Options::default()).expect("render");
    let html = std::fs::read_to_string(&summary.index).expect("index");
    // Only the batch 64 chart has a gap, and its caption says what it is.
    let captions: Vec<&str> = html
        .split("<figcaption>")
        .skip(1)
        .filter_map(|rest| rest.split("</figcaption>").next())
        .filter(|caption| caption.contains("A line breaks where its implementation"))
        .collect();
    assert_eq!(captions.len(), 1, "{captions:?}");
}

/// The text of every `<text>` element of an SVG chart, trimmed.
fn svg_texts(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("read svg");
    let document = roxmltree::Document::parse(&text).expect("well-formed svg");
    document
        .descendants()
        .filter(|node| node.tag_name().name() == "text")
        .filter_map(|node| node.text())
        .map(|text| text.trim().to_owned())
        .collect()
}

/// The caption of the chart whose PNG is `png`.
fn caption_of<'a>(html: &'a str, png: &str) -> &'a str {
    let figure = &html[html
        .find(&format!("<img src=\"{png}\""))
        .unwrap_or_else(|| panic!("no {png} on the page"))..];
    let start = figure.find("<figcaption>").expect("caption") + "<figcaption>".len();
    let end = figure.find("</figcaption>").expect("caption closes");
    &figure[start..end]
}

#[test]
fn oversubscribed_configurations_are_marked_and_explained() {
    let (summary, html) = render(&["mpsc-contract.json"], "oversubscribed");
    // Threads run along x; P2 C1 and P4 C1 put 3 and 5 threads on 2 cores
    // and their busy_spin waits ran as spin_yield.
    let ticks = svg_texts(&summary.out_dir.join("throughput-0-2.svg"));
    for tick in ["P1 C1", "P2 C1*", "P4 C1*"] {
        assert!(ticks.iter().any(|t| t == tick), "{tick} not in {ticks:?}");
    }
    assert!(!ticks.iter().any(|t| t == "P1 C1*"), "{ticks:?}");
    let note = "* oversubscribed: threads outnumber cores and ran unpinned; busy_spin waits fell back to spin_yield.";
    for png in [
        "throughput-0-2.png",
        "ratio-0-2.png",
        "per-message-0-2-0.png",
    ] {
        assert!(caption_of(&html, png).contains(note), "{png}");
    }
    // The offered-rate chart has P1 C1 alone: no mark, no note.
    assert!(svg_texts(&summary.out_dir.join("throughput-0-0.svg")).contains(&"P1 C1".to_owned()));
    assert!(!caption_of(&html, "throughput-0-0.png").contains("oversubscribed"));
}

#[test]
fn odd_figures_draw_without_panicking() {
    // Zero and negative figures, an interval below zero and an empty
    // configuration: nothing a log axis can show, nothing that may panic.
    let mut results = load("mpsc-contract.json");
    let summary = &mut results.configurations[0].summary[1];
    summary.median = Some(0.0);
    summary.ratio_to_baseline = Some(-1.0);
    summary.ratio_ci = Some((-3.0, 2.0));
    results.configurations[1].summary[2].throughput_ci = Some((-5.0, 1e9));
    results.configurations[2].summary.clear();
    let out = out_dir("odd");
    let summary = reports::render(&[results], &out, &Options::default()).expect("render");
    assert!(summary.index.is_file());
}

#[test]
fn a_pair_is_flagged_exactly_when_its_interval_quotient_excludes_one() {
    let results = vec![
        load("spsc.json"),
        load("spsc-failed.json"),
        load("mpsc-contract.json"),
    ];
    // Every later file against the first, plus the constructed regression.
    let mut rows = reports::compare::compare_all(&results)
        .into_iter()
        .flat_map(|c| c.rows)
        .collect::<Vec<_>>();
    rows.extend(
        reports::compare::compare_all(&[
            load("mpsc-contract.json"),
            load("mpsc-contract-regressed.json"),
        ])
        .into_iter()
        .flat_map(|c| c.rows),
    );
    let mut judged = 0;
    for row in &rows {
        let Some(intervals) = row.intervals else {
            continue;
        };
        let low = intervals.after.0 / intervals.before.1;
        let high = intervals.after.1 / intervals.before.0;
        let expected = if high < 1.0 {
            reports::compare::Flag::Regression
        } else if low > 1.0 {
            reports::compare::Flag::Improvement
        } else {
            reports::compare::Flag::Unchanged
        };
        assert_eq!(
            row.flag, expected,
            "{} {}",
            row.configuration, row.implementation
        );
        judged += 1;
    }
    assert!(judged >= 4);
}

#[test]
fn csv_has_every_figure_the_tables_show_with_its_value() {
    let mut results = load("mpsc-contract.json");
    let summary = &mut results.configurations[0].summary[0];
    summary.floor_multiple = Some(2.5);
    summary.floor_multiple_ci = Some((2.25, 2.75));
    summary.consumer_share = Some((0.375, 0.625));
    summary.layout_range = Some((1e6, 2e6));
    summary.ratio_layout_range = Some((0.75, 1.25));
    let implementation = summary.implementation.clone();
    let out = out_dir("csv-figures");
    let rendered = reports::render(&[results], &out, &Options::default()).expect("render");
    let rows = parse_csv(&std::fs::read_to_string(&rendered.csv).expect("csv"));
    // Every figure column has its CSV columns, each named once.
    let header = &rows[0];
    let mut names: Vec<&String> = header.iter().collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), header.len(), "a CSV column named twice");
    for column in reports::columns::CSV {
        assert!(!column.csv.is_empty());
        for field in column.csv {
            assert!(
                header.iter().any(|name| name == field.name),
                "{}",
                field.name
            );
        }
    }
    let row = csv_row(&rows, 1);
    assert_eq!(row["implementation"], implementation);
    assert_eq!(row["floor_multiple"], "2.5");
    assert_eq!(row["floor_multiple_ci_low"], "2.25");
    assert_eq!(row["floor_multiple_ci_high"], "2.75");
    assert_eq!(row["consumer_share_low"], "0.375");
    assert_eq!(row["consumer_share_high"], "0.625");
    assert_eq!(row["layouts_low_msg_per_s"], "1000000");
    assert_eq!(row["ratio_layouts_high"], "1.25");
    // The columns files have long had keep their places.
    assert_eq!(header[17], "verdict");
    assert_eq!(header[37], "counters_per_message");
}
