//! Where and how a result was obtained: enough to judge whether two result
//! files can be compared.

use std::path::Path;
use std::process::Command;

use serde::{Deserialize, Serialize};

/// The machine, the build and the source a result came from.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Provenance {
    /// Git commit of the source tree, when it can be read.
    pub git_commit: Option<String>,
    /// Whether tracked files differed from that commit.
    pub git_dirty: Option<bool>,
    /// `rustc --version` of the compiler that built the harness.
    pub rustc: String,
    /// `release` or `debug`; only release results are benchmarks.
    pub profile: String,
    /// CPU model name.
    pub cpu_model: Option<String>,
    /// Logical cores the OS reports.
    pub logical_cores: usize,
    /// Cores this process may run on (its affinity mask), in OS numbering.
    pub usable_cores: Vec<usize>,
    /// Kernel release.
    pub kernel: Option<String>,
    /// Host name.
    pub hostname: Option<String>,
    /// 1, 5 and 15 minute load averages when the invocation started.
    pub load_average_at_start: Option<[f64; 3]>,
}

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

impl Provenance {
    /// Collects provenance; `repo` is the source tree the harness was built from.
    pub fn collect(repo: &Path, usable_cores: Vec<usize>) -> Self {
        let git_commit = git(repo, &["rev-parse", "HEAD"]);
        let git_dirty = git_commit
            .as_ref()
            .and_then(|_| git(repo, &["status", "--porcelain", "--untracked-files=no"]))
            .map(|status| !status.is_empty());
        let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|text| {
                text.lines()
                    .find(|line| line.starts_with("model name"))
                    .and_then(|line| line.split_once(':'))
                    .map(|(_, model)| model.trim().to_owned())
            });
        Self {
            git_commit,
            git_dirty,
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
}
