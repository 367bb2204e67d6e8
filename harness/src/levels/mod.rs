//! Levels of repetition above rounds (Kalibera and Jones, 2013): rounds in
//! fresh processes, builds of one source that differ only in code and data
//! layout, and two revisions side by side (`harness ab`).
//!
//! Every level runs the same way: a child process of some build runs
//! `scenario` with the parent's resolved parameters and writes its results
//! file; the children are interleaved (process by process, the order of
//! the builds turned round every time); their files are merged into one,
//! each run tagged with its process and layout, and the summaries are
//! computed again over the merged runs ([`merge`]). `ab` pairs the rounds
//! of two revisions that ran in the same slot of the schedule ([`pairs`]).
//!
//! A layout ([`Layout`]) varies, on stable Rust with the default linker
//! (LLD since Rust 1.90 on x86-64 Linux): the order of every function in
//! the binary (`--shuffle-sections`, seeded), the functions' alignment
//! (`-C llvm-args=-align-all-functions`), the initial stack (the size of
//! the environment, Mytkowicz et al. 2009) and the heap (a block allocated
//! before anything else). The harness varies the offset of each run
//! thread's own state by round already (`runner::launch::Placed`).

use std::path::{Path, PathBuf};
use std::process::Command;

pub mod children;
pub mod merge;
pub mod pairs;

/// The variable a layout's child reads at start to allocate its heap
/// offset (bytes, leaked before anything else runs).
pub const HEAP_OFFSET_VAR: &str = "RINGLAB_HEAP_OFFSET";

/// The variable whose length shifts a layout's initial stack.
pub const STACK_PAD_VAR: &str = "RINGLAB_STACK_PAD";

/// The most layouts one invocation may build.
pub const MAX_LAYOUTS: u32 = 16;

/// One build's layout. Layout 0 is the build as made, with nothing varied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout(pub u32);

impl Layout {
    /// The link-order seed (LLD's `--shuffle-sections`; 0 would ask it
    /// for a random one).
    fn seed(self) -> u64 {
        0x5EED_0000 + u64::from(self.0)
    }

    /// log2 of the functions' alignment, where varied (16 bytes is
    /// LLVM's default on x86-64).
    fn function_alignment(self) -> Option<u32> {
        [None, Some(5), Some(6), Some(4)][self.0 as usize % 4]
    }

    /// Bytes of environment that shift the initial stack (a prime step,
    /// so layouts land on different offsets within a page).
    fn stack_pad(self) -> usize {
        (self.0 as usize * 1_031) % 4_096
    }

    /// Bytes allocated before anything else.
    fn heap_offset(self) -> usize {
        (self.0 as usize * 4_243) % 65_536
    }

    /// The flags its build adds to `RUSTFLAGS` (none for layout 0).
    pub fn rustflags(self) -> Vec<String> {
        if self.0 == 0 {
            return Vec::new();
        }
        let mut flags = vec![format!(
            "-Clink-arg=-Wl,--shuffle-sections=*={}",
            self.seed()
        )];
        if let Some(alignment) = self.function_alignment() {
            flags.push(format!("-Cllvm-args=-align-all-functions={alignment}"));
        }
        flags
    }

    /// The environment its children get (none for layout 0).
    pub fn env(self) -> Vec<(String, String)> {
        if self.0 == 0 {
            return Vec::new();
        }
        vec![
            (STACK_PAD_VAR.to_owned(), "x".repeat(self.stack_pad())),
            (HEAP_OFFSET_VAR.to_owned(), self.heap_offset().to_string()),
        ]
    }

    /// What it varies, in words.
    pub fn describe(self) -> String {
        if self.0 == 0 {
            return "the build as made".to_owned();
        }
        format!(
            "link order shuffled (seed {:#x}), functions aligned to {} bytes, stack shifted by {} bytes of environment, heap by {} bytes",
            self.seed(),
            self.function_alignment().map_or(16, |log2| 1 << log2),
            self.stack_pad(),
            self.heap_offset()
        )
    }
}

/// Allocates and leaks the heap offset a layout's child is given (see
/// [`HEAP_OFFSET_VAR`]); nothing without it. Called first thing.
pub fn apply_heap_offset() {
    let bytes = std::env::var(HEAP_OFFSET_VAR)
        .ok()
        .and_then(|text| text.parse::<usize>().ok())
        .filter(|bytes| *bytes > 0 && *bytes <= 1 << 20);
    if let Some(bytes) = bytes {
        std::mem::forget(vec![0u8; bytes]);
    }
}

/// A binary that runs scenario rounds as child processes.
#[derive(Clone, Debug)]
pub struct Build {
    /// Which side of a comparison (`new`, `base`), or the scenario's name.
    pub side: String,
    /// Its layout.
    pub layout: Layout,
    /// The executable.
    pub binary: PathBuf,
}

impl Build {
    /// A command that starts it, with its layout's environment.
    pub fn command(&self) -> Command {
        let mut command = Command::new(&self.binary);
        command.envs(self.layout.env());
        command
    }

    /// `new L2`, or `new` where there is one layout.
    pub fn label(&self, layouts: u32) -> String {
        if layouts > 1 {
            format!("{} L{}", self.side, self.layout.0)
        } else {
            self.side.clone()
        }
    }
}

/// The name of the running binary (the one to build again), e.g. `harness`.
pub fn binary_name() -> Result<String, String> {
    let exe = std::env::current_exe()
        .map_err(|error| format!("cannot tell which binary is running: {error}"))?;
    exe.file_stem()
        .and_then(|stem| stem.to_str())
        .map(str::to_owned)
        .ok_or_else(|| format!("the running binary {} has no name", exe.display()))
}

/// Builds `bin` from the source tree `source` with the release profile
/// and `layout`'s flags into `target`, and returns the executable. Cargo's
/// output goes to stderr; a failed build is an error that says how to
/// repeat it.
pub fn build(source: &Path, target: &Path, bin: &str, layout: Layout) -> Result<PathBuf, String> {
    let mut flags: Vec<String> = std::env::var("RUSTFLAGS")
        .ok()
        .map(|text| text.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    flags.extend(layout.rustflags());
    let rustflags = flags.join(" ");
    eprintln!(
        "building {bin} (layout {}) from {} into {}{}",
        layout.0,
        source.display(),
        target.display(),
        if rustflags.is_empty() {
            String::new()
        } else {
            format!(" with RUSTFLAGS=\"{rustflags}\"")
        }
    );
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .current_dir(source)
        .args(["build", "--release", "--bin", bin, "--target-dir"])
        .arg(target)
        .env("RUSTFLAGS", &rustflags)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .status()
        .map_err(|error| {
            format!(
                "cannot start cargo to build layout {}: {error}; is cargo on PATH?",
                layout.0
            )
        })?;
    if !status.success() {
        return Err(format!(
            "building {bin} (layout {}) failed ({status}); to see why: cd {} && RUSTFLAGS=\"{rustflags}\" cargo build --release --bin {bin} --target-dir {}",
            layout.0,
            source.display(),
            target.display()
        ));
    }
    let binary = target.join("release").join(bin);
    if !binary.is_file() {
        return Err(format!(
            "cargo built {bin} but {} is not there",
            binary.display()
        ));
    }
    Ok(binary)
}

/// The full commit a revision names in the repository at `home`.
pub fn resolve_revision(home: &Path, revision: &str) -> Result<String, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(home)
        .args(["rev-parse", "--verify", "--quiet"])
        .arg(format!("{revision}^{{commit}}"))
        .output()
        .map_err(|error| format!("cannot run git to resolve `{revision}`: {error}"))?;
    let commit = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if !output.status.success() || commit.is_empty() {
        return Err(format!(
            "`{revision}` names no commit in the repository at {}; give a branch, tag or commit (git log shows them), or --base-binary PATH",
            home.display()
        ));
    }
    Ok(commit)
}

/// A checkout of `commit` in its own git worktree under `folder`, made
/// once and kept (the worktree and its build are reused by later runs).
pub fn worktree(home: &Path, commit: &str, folder: &Path) -> Result<PathBuf, String> {
    let short = &commit[..commit.len().min(12)];
    let path = folder.join(format!("src-{short}"));
    if path.join(".git").exists() {
        return Ok(path);
    }
    std::fs::create_dir_all(folder)
        .map_err(|error| format!("cannot create {}: {error}", folder.display()))?;
    // A folder left by an interrupted checkout, or pruned from git's list.
    let _ = std::fs::remove_dir_all(&path);
    let _ = Command::new("git")
        .arg("-C")
        .arg(home)
        .args(["worktree", "prune"])
        .status();
    let output = Command::new("git")
        .arg("-C")
        .arg(home)
        .args(["worktree", "add", "--detach", "--force"])
        .arg(&path)
        .arg(commit)
        .output()
        .map_err(|error| format!("cannot run git worktree: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "cannot check out {short} into {}: {}",
            path.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_zero_varies_nothing_and_the_others_differ() {
        assert!(Layout(0).rustflags().is_empty());
        assert!(Layout(0).env().is_empty());
        let flags: Vec<Vec<String>> = (1..5).map(|i| Layout(i).rustflags()).collect();
        for (i, a) in flags.iter().enumerate() {
            assert!(a[0].contains("--shuffle-sections=*="), "{a:?}");
            for b in &flags[i + 1..] {
                assert_ne!(a, b);
            }
        }
        let pads: Vec<usize> = (1..MAX_LAYOUTS).map(|i| Layout(i).stack_pad()).collect();
        let mut distinct = pads.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), pads.len(), "{pads:?}");
    }
}
