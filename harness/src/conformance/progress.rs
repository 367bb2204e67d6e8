//! The check's progress: one line per check as it ends, written straight
//! to the process's standard error (not through `eprintln!`, which a test
//! harness captures), so that someone watching `cargo test` sees where a
//! long check is while it runs.

use std::io::Write;
use std::time::Instant;

/// Times each check and writes its line, unless told to keep quiet.
pub(super) struct Progress {
    implementation: &'static str,
    enabled: bool,
    started: Instant,
    checks: usize,
}

impl Progress {
    /// Progress of the check of `implementation`; silent unless `enabled`.
    pub(super) fn new(implementation: &'static str, enabled: bool) -> Self {
        Self {
            implementation,
            enabled,
            started: Instant::now(),
            checks: 0,
        }
    }

    /// Runs `check`, which returns the cause of its failure, if any, and
    /// writes `what ... ok (0.3 s)` or `what ... FAILED (5.0 s): cause`.
    pub(super) fn run(
        &mut self,
        what: &str,
        check: impl FnOnce() -> Result<(), String>,
    ) -> Option<String> {
        let started = Instant::now();
        let result = check();
        let seconds = started.elapsed().as_secs_f64();
        self.checks += 1;
        match result {
            Ok(()) => {
                self.line(&format!("{what} ... ok ({seconds:.1} s)"));
                None
            }
            Err(cause) => {
                self.line(&format!("{what} ... FAILED ({seconds:.1} s): {cause}"));
                Some(cause)
            }
        }
    }

    /// Runs `check`, which adds its failures (whole lines) to `failures`,
    /// and writes its line: the first failure it added, and how many more.
    pub(super) fn run_adding(
        &mut self,
        what: &str,
        failures: &mut Vec<String>,
        check: impl FnOnce(&mut Vec<String>),
    ) {
        let before = failures.len();
        // The lines are in `failures` already; `run` only writes them.
        self.run(what, || {
            check(failures);
            match &failures[before..] {
                [] => Ok(()),
                [only] => Err(only.clone()),
                [first, rest @ ..] => Err(format!("{first} (and {} more)", rest.len())),
            }
        });
    }

    /// Writes that `what` did not run, and why.
    pub(super) fn skipped(&self, what: &str, why: &str) {
        self.line(&format!("{what} ... skipped: {why}"));
    }

    /// Writes the check's last line: how many checks ran, how long they
    /// took, and how many failures were found.
    pub(super) fn finish(&self, failures: usize) {
        let seconds = self.started.elapsed().as_secs_f64();
        let checks = self.checks;
        match failures {
            0 => self.line(&format!("conforms ({checks} checks, {seconds:.1} s)")),
            1 => self.line(&format!("1 failure ({checks} checks, {seconds:.1} s)")),
            n => self.line(&format!("{n} failures ({checks} checks, {seconds:.1} s)")),
        }
    }

    fn line(&self, text: &str) {
        if !self.enabled {
            return;
        }
        let line = format!("conformance {}: {text}\n", self.implementation);
        // One write under the lock, so that the lines of checks running
        // side by side do not interleave. Progress is a courtesy: a closed
        // standard error is no reason to fail the check.
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}
