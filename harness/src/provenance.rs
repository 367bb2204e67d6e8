//! Where and how a result was obtained: enough to judge whether two result
//! files can be compared.

use std::path::Path;
use std::process::Command;

pub use schema::{CpuId, Provenance};

fn read_trimmed(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|text| text.trim().to_owned())
}

/// The 1, 5 and 15 minute load averages.
pub fn load_average() -> Option<[f64; 3]> {
    let text = read_trimmed("/proc/loadavg")?;
    let mut fields = text
        .split_whitespace()
        .map(|field| field.parse::<f64>().ok());
    Some([fields.next()??, fields.next()??, fields.next()??])
}

fn git(repo: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The first processor's vendor, family and model from `/proc/cpuinfo`.
pub fn cpu_id() -> Option<CpuId> {
    let text = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let field = |name: &str| {
        text.lines()
            .take_while(|line| !line.trim().is_empty())
            .filter_map(|line| line.split_once(':'))
            .find(|(key, _)| key.trim() == name)
            .map(|(_, value)| value.trim().to_owned())
    };
    Some(CpuId {
        vendor: field("vendor_id")?,
        family: field("cpu family")?.parse().ok()?,
        model: field("model")?.parse().ok()?,
    })
}

/// The commit of the repository holding `folder`, and whether its tracked
/// files differ from it.
fn commit_of(folder: &Path) -> (Option<String>, Option<bool>) {
    let commit = git(folder, &["rev-parse", "HEAD"]);
    let dirty = commit
        .as_ref()
        .and_then(|_| git(folder, &["status", "--porcelain", "--untracked-files=no"]))
        .map(|status| !status.is_empty());
    (commit, dirty)
}

/// Collects provenance; `repo` is the folder the binary was built from
/// (ringlab's harness, or a crate of its own). When that is a crate in
/// another repository than ringlab's, ringlab's commit is recorded too.
pub fn collect(repo: &Path, usable_cores: Vec<usize>) -> Provenance {
    let (git_commit, git_dirty) = commit_of(repo);
    let ringlab = Path::new(env!("CARGO_MANIFEST_DIR"));
    let top = |folder: &Path| git(folder, &["rev-parse", "--show-toplevel"]);
    let (ringlab_commit, ringlab_dirty) = if top(ringlab) != top(repo) {
        commit_of(ringlab)
    } else {
        (None, None)
    };
    let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        });
    Provenance {
        cpu_id: cpu_id(),
        git_commit,
        git_dirty,
        source: Some(repo.to_owned()),
        ringlab_commit,
        ringlab_dirty,
        rustc: env!("RINGLAB_RUSTC_VERSION").to_owned(),
        profile: if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
        .to_owned(),
        cpu_model,
        logical_cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        usable_cores,
        kernel: read_trimmed("/proc/sys/kernel/osrelease"),
        hostname: read_trimmed("/proc/sys/kernel/hostname"),
        load_average_at_start: load_average(),
    }
}
