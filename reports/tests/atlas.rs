//! The atlas on doctored copies of one recorded file, each given another
//! machine: a fastest that changes, and an implementation that is `~` the
//! fastest on one machine and `>` behind it on another, are marked as not
//! carrying; what agrees is not.
//!
//! `mpsc-contract.json`, configuration 0 (P1 C1, batch 1): crossbeam 20,
//! 21, 22 M/s over rounds 1-3, lmax 45, 47.25, 49.5, bitmap 50, 52.5, 55:
//! bitmap is the fastest and lmax 0.9x of it in every round. The
//! summaries' medians, which rank, are the first round's (bitmap 50).

use std::path::Path;

use reports::ResultsFile;
use reports::atlas::{AtlasError, atlas, machine_slug};
use schema::CpuId;

fn load(family: u32) -> ResultsFile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mpsc-contract.json");
    let mut file = reports::load(&path).expect("the fixture loads");
    file.provenance.cpu_model = Some("AMD EPYC".to_owned());
    file.provenance.cpu_id = Some(CpuId {
        vendor: "AuthenticAMD".to_owned(),
        family,
        model: 1,
    });
    file
}

/// Sets `implementation`'s measured throughputs at configuration 0, round
/// by round, and its summary median to match.
fn set_rounds(file: &mut ResultsFile, implementation: &str, values: &[f64]) {
    let configuration = &mut file.configurations[0];
    for run in configuration
        .runs
        .iter_mut()
        .filter(|run| run.implementation == implementation && !run.warmup)
    {
        run.throughput = Some(values[run.round as usize - 1] * 1e6);
    }
    let summary = configuration
        .summary
        .iter_mut()
        .find(|s| s.implementation == implementation)
        .expect("the implementation has a summary");
    summary.median = reports::stats::median(values).map(|median| median * 1e6);
}

#[test]
fn machines_that_agree_are_not_marked() {
    let atlas = atlas(&[load(25), load(26)]).expect("one scenario");
    assert_eq!(atlas.machines.len(), 2);
    assert!(
        atlas.machines[0]
            .label
            .contains("AuthenticAMD family 25 model 1")
    );
    assert!(
        atlas.rows.iter().all(|row| row.changes.is_empty()),
        "{}",
        atlas.text()
    );
    assert!(atlas.text().contains("0 of"), "{}", atlas.text());
}

#[test]
fn a_fastest_that_changes_between_machines_is_marked() {
    let mut other = load(26);
    // lmax ahead of bitmap on the second machine.
    set_rounds(&mut other, "lmax", &[60.0, 63.0, 66.0]);
    let atlas = atlas(&[load(25), other]).expect("one scenario");
    let changes = &atlas.rows[0].changes;
    assert!(
        changes.iter().any(
            |change| change.starts_with("the fastest changes: bitmap on")
                && change.contains("lmax on")
        ),
        "{changes:?}"
    );
    assert!(
        changes
            .iter()
            .any(|change| change.starts_with("bitmap: fastest on")),
        "{changes:?}"
    );
    // crossbeam is behind on both: it carries.
    assert!(
        !changes.iter().any(|change| change.starts_with("crossbeam")),
        "{changes:?}"
    );
    // The other configurations were not touched.
    assert!(atlas.rows[1..].iter().all(|row| row.changes.is_empty()));
    let text = atlas.text();
    assert!(
        text.contains("DOES NOT CARRY: the fastest changes"),
        "{text}"
    );
    assert!(text.contains("1 of"), "{text}");
    let page = atlas.html();
    assert!(
        page.contains("does not carry: the fastest changes"),
        "{page}"
    );
}

#[test]
fn a_tie_on_one_machine_and_a_gap_on_another_is_marked() {
    let mut other = load(26);
    // lmax within a hair of bitmap, on either side of it, on the second.
    set_rounds(&mut other, "lmax", &[46.0, 49.0, 56.0]);
    let atlas = atlas(&[load(25), other]).expect("one scenario");
    let changes = &atlas.rows[0].changes;
    assert!(
        !changes.iter().any(|c| c.starts_with("the fastest")),
        "{changes:?}"
    );
    assert!(
        changes
            .iter()
            .any(|change| change.starts_with("lmax: > behind the fastest on")
                && change.contains("~ the fastest on")),
        "{changes:?}"
    );
}

#[test]
fn files_of_different_scenarios_make_no_atlas() {
    let mut other = load(26);
    other.scenario.name = "spsc".to_owned();
    assert!(matches!(
        atlas(&[load(25), other]),
        Err(AtlasError::MixedScenarios { .. })
    ));
    assert_eq!(atlas(&[]).unwrap_err(), AtlasError::Empty);
}

#[test]
fn a_machine_is_named_by_its_cpu() {
    assert_eq!(machine_slug(&load(25)), "amd-epyc-f25-m1");
    let mut unknown = load(25);
    unknown.provenance.cpu_model = None;
    unknown.provenance.cpu_id = None;
    assert_eq!(machine_slug(&unknown), "unknown-cpu");
}
