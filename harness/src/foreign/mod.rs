//! Foreign implementations: the originals that designs in the roster come
//! from, run in a child process under the same workload and the same
//! oracle.
//!
//! - `go_chan`: Go's buffered channel (`foreign/go_chan/main.go`), the
//!   baseline of crossbeam-channel's own benchmark suite, each run
//!   goroutine locked to an OS thread pinned to its core.
//! - `go_chan_sched`: the same program with `-scheduled`: goroutines left to
//!   Go's scheduler, `GOMAXPROCS` = the cores given, as Go programs run
//!   (and as the peer's `go.go` runs); its CPU time is the process's.
//! - `lmax_java`: the Java LMAX Disruptor from Debian's libdisruptor-java
//!   (`foreign/lmax_java/LmaxJava.java`), where the availability array of
//!   `lmax` comes from.
//!
//! The harness starts one child per implementation and configuration
//! ([`Sessions`]), hands it each run as one JSON line and judges the
//! tallies it reports with its own oracle ([`protocol`]); the runs sit in
//! the same rounds as the Rust ones, interleaved. The sources are
//! compiled into the harness and built on first use under the target
//! directory (`target/<profile>/foreign/`), keyed by a hash of the source
//! and the toolchain's version. Where a runtime is missing, its runs are
//! `unavailable` (not failed) and say how to install it:
//! `scripts/install-foreign.sh`.

pub mod child;
pub mod protocol;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use impls::{Info, Salt};

use crate::oracle::Expected;
#[cfg(doc)]
use crate::oracle::fresh_salt;
use crate::runner::{Mode, Outcome, RunSpec, quotas};
use child::Child;
use protocol::{Hello, Request};

/// What to tell a user whose machine lacks a runtime.
pub const INSTALL: &str = "run scripts/install-foreign.sh";

/// How long a child gets to start and say hello.
const STARTUP: Duration = Duration::from_secs(60);

/// How long past the run's own deadline a child gets to answer, at most
/// (and at most the deadline again: short runs get short margins).
const REPLY_MARGIN: Duration = Duration::from_secs(10);

/// Where Debian's libdisruptor-java puts the Disruptor.
const DISRUPTOR_JAR: &str = "/usr/share/java/disruptor.jar";

const GO_SOURCE: &str = include_str!("../../../foreign/go_chan/main.go");
const JAVA_SOURCE: &str = include_str!("../../../foreign/lmax_java/LmaxJava.java");

/// The runtime a foreign implementation needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runtime {
    /// The Go toolchain (`go`).
    Go,
    /// A JDK (`java`, `javac`) and the Disruptor jar.
    Java,
}

/// One foreign implementation.
#[derive(Debug)]
pub struct Foreign {
    /// What it is, as the roster's implementations describe themselves.
    pub info: Info,
    /// What it needs.
    pub runtime: Runtime,
    /// Arguments the child is started with.
    pub args: &'static [&'static str],
    prepared: OnceLock<Result<Prepared, String>>,
}

/// A built child, ready to start.
#[derive(Clone, Debug)]
struct Prepared {
    program: PathBuf,
    args: Vec<String>,
}

/// Go's buffered channel.
pub static GO_CHAN: Foreign = Foreign {
    info: impls::foreign::GO_CHAN,
    runtime: Runtime::Go,
    args: &[],
    prepared: OnceLock::new(),
};

/// Go's buffered channel, goroutines scheduled by Go.
pub static GO_CHAN_SCHED: Foreign = Foreign {
    info: impls::foreign::GO_CHAN_SCHED,
    runtime: Runtime::Go,
    args: &["-scheduled"],
    prepared: OnceLock::new(),
};

/// The Java LMAX Disruptor.
pub static LMAX_JAVA: Foreign = Foreign {
    info: impls::foreign::LMAX_JAVA,
    runtime: Runtime::Java,
    args: &[],
    prepared: OnceLock::new(),
};

/// Every foreign implementation.
pub static ALL: [&Foreign; 3] = [&GO_CHAN, &GO_CHAN_SCHED, &LMAX_JAVA];

/// The foreign implementation named `name`.
pub fn find(name: &str) -> Option<&'static Foreign> {
    ALL.iter()
        .copied()
        .find(|foreign| foreign.info.name == name)
}

/// What every foreign implementation is.
pub fn infos() -> Vec<Info> {
    impls::foreign::infos()
}

/// Runs `program args` and returns its standard output and error, or
/// `None` when it cannot be started or fails.
fn output(program: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(program).args(args).output().ok()?;
    output.status.success().then(|| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// The Disruptor's version, from the `disruptor-VERSION.jar` link that
/// Debian's package puts beside the jar.
fn disruptor_version(jar: &Path) -> Option<String> {
    let directory = jar.parent()?;
    std::fs::read_dir(directory)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let version = name.strip_prefix("disruptor-")?.strip_suffix(".jar")?;
            version
                .starts_with(|c: char| c.is_ascii_digit())
                .then(|| version.to_owned())
        })
        .max()
}

/// FNV-1a, 64 bits: names a build by what went into it.
fn fingerprint(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// Where children are built: `foreign/` beside the running program (in
/// the target directory for a cargo build).
fn build_root() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|directory| directory.join("foreign")))
        .unwrap_or_else(|| std::env::temp_dir().join("ringlab-foreign"))
}

/// Runs a build command, with its output in the error.
fn build(command: &mut Command, what: &str) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|error| format!("cannot build {what}: cannot run {command:?}: {error}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "cannot build {what}: {command:?} failed ({}): {}",
            output.status,
            protocol::shorten(&String::from_utf8_lossy(&output.stderr))
        ))
    }
}

impl Foreign {
    /// The runtime's version, or why it cannot run here (without
    /// building anything).
    pub fn probe(&self) -> Result<String, String> {
        match self.runtime {
            Runtime::Go => {
                let version = output("go", &["version"])
                    .ok_or_else(|| format!("unavailable: `go` is not installed; {INSTALL}"))?;
                Ok(version
                    .split_whitespace()
                    .nth(2)
                    .unwrap_or("go (version unknown)")
                    .to_owned())
            }
            Runtime::Java => {
                let version = output("java", &["-version"])
                    .ok_or_else(|| format!("unavailable: `java` is not installed; {INSTALL}"))?;
                output("javac", &["-version"]).ok_or_else(|| {
                    format!("unavailable: `javac` (a JDK) is not installed; {INSTALL}")
                })?;
                if !Path::new(DISRUPTOR_JAR).is_file() {
                    return Err(format!(
                        "unavailable: the Disruptor jar ({DISRUPTOR_JAR}) is not installed; {INSTALL}"
                    ));
                }
                let java = version
                    .split('"')
                    .nth(1)
                    .map_or("java (version unknown)".to_owned(), |v| format!("java {v}"));
                let library = disruptor_version(Path::new(DISRUPTOR_JAR))
                    .map_or("Disruptor (version unknown)".to_owned(), |v| {
                        format!("Disruptor {v}")
                    });
                Ok(format!("{java}, {library}"))
            }
        }
    }

    /// The command that starts a child, building it on first use.
    pub fn command(&self) -> Result<Command, String> {
        let prepared = self.prepared.get_or_init(|| self.prepare(&build_root()));
        let prepared = prepared.clone()?;
        let mut command = Command::new(prepared.program);
        command.args(prepared.args);
        Ok(command)
    }

    /// Checks the runtime and builds the child under `root`, unless a
    /// build of the same source with the same toolchain is there.
    fn prepare(&self, root: &Path) -> Result<Prepared, String> {
        let version = self.probe()?;
        let name = self.info.name;
        let (source, file) = match self.runtime {
            Runtime::Go => (GO_SOURCE, "main.go"),
            Runtime::Java => (JAVA_SOURCE, "LmaxJava.java"),
        };
        let built = root.join(format!("{name}-{}", fingerprint(&[source, &version])));
        let cannot = |error: std::io::Error| {
            format!("cannot build {name} under {}: {error}", root.display())
        };
        if !built.join("done").exists() {
            std::fs::create_dir_all(root).map_err(cannot)?;
            // Built aside and renamed into place, so that two harnesses
            // building at once never see half a build.
            let scratch = root.join(format!("{name}.{}.tmp", std::process::id()));
            let _ = std::fs::remove_dir_all(&scratch);
            std::fs::create_dir_all(&scratch).map_err(cannot)?;
            std::fs::write(scratch.join(file), source).map_err(cannot)?;
            match self.runtime {
                Runtime::Go => build(
                    Command::new("go")
                        .args(["build", "-o", name, file])
                        .current_dir(&scratch)
                        .env("GOCACHE", root.join("go-cache"))
                        .env("GOPATH", root.join("go-path"))
                        .env("GO111MODULE", "off")
                        .env("GOFLAGS", ""),
                    name,
                )?,
                Runtime::Java => build(
                    Command::new("javac")
                        .args(["-d", "classes", "-cp", DISRUPTOR_JAR, file])
                        .current_dir(&scratch),
                    name,
                )?,
            }
            std::fs::write(scratch.join("done"), &version).map_err(cannot)?;
            if std::fs::rename(&scratch, &built).is_err() {
                // Another harness finished the same build first.
                let _ = std::fs::remove_dir_all(&scratch);
            }
            if !built.join("done").exists() {
                return Err(format!("cannot build {name} under {}", root.display()));
            }
        }
        Ok(match self.runtime {
            Runtime::Go => Prepared {
                program: built.join(name),
                args: self.args.iter().map(|arg| (*arg).to_owned()).collect(),
            },
            Runtime::Java => Prepared {
                program: PathBuf::from("java"),
                args: vec![
                    format!(
                        "-Dringlab.library={}",
                        version.split(", ").nth(1).unwrap_or("Disruptor")
                    ),
                    "-cp".to_owned(),
                    format!("{}:{DISRUPTOR_JAR}", built.join("classes").display()),
                    "LmaxJava".to_owned(),
                ],
            },
        })
    }
}

/// A runtime's version as tables show it: `go 1.19.8`, `java 17.0.15`.
pub fn runtime_label(runtime: &str) -> String {
    let runtime = runtime.split('+').next().unwrap_or(runtime);
    match runtime.strip_prefix("go") {
        Some(version) if version.starts_with(|c: char| c.is_ascii_digit()) => {
            format!("go {version}")
        }
        _ => runtime.to_owned(),
    }
}

/// The children of one configuration, one per foreign implementation,
/// kept from run to run (the JVM's JIT stays warm from the warm-up
/// rounds to the measured ones). Dropping it ends them.
#[derive(Default)]
pub struct Sessions {
    children: BTreeMap<String, Child>,
    /// Every child's hello, kept after it ends (for labels).
    hellos: BTreeMap<String, Hello>,
    /// How each child said it waited, in its own terms.
    waits: BTreeMap<String, String>,
    next_run: u64,
}

impl Sessions {
    /// Runs `spec` on the foreign implementation `name` with messages
    /// salted with `salt` (a [`fresh_salt`] for each run), starting its
    /// child with `command` if none is running; `corrupt` asks the child
    /// for a damaged tally (tests of the oracle).
    pub fn run(
        &mut self,
        name: &str,
        command: impl FnOnce() -> Result<Command, String>,
        spec: &RunSpec,
        payload: usize,
        salt: Salt,
        corrupt: bool,
    ) -> Outcome {
        if spec.mode != Mode::Throughput {
            return Outcome::BuildFailed {
                error: format!(
                    "{name} runs throughput scenarios only (consumers that read every message): it has no one-way latency, ping-pong or count-only mode"
                ),
            };
        }
        let quotas = quotas(spec.messages, spec.setup.producers);
        // Before the child runs: on a machine with few cores the harness
        // must not compete with the child's run threads.
        if !impls::PAYLOAD_SIZES.contains(&payload) {
            return Outcome::BuildFailed {
                error: format!("payload {payload} is not one of 8, 64, 256 bytes"),
            };
        }
        let expected = Expected::new(&quotas, salt);
        if !self.children.contains_key(name) {
            let mut command = match command() {
                Ok(command) => command,
                Err(reason) => return Outcome::Unavailable { reason },
            };
            match Child::start(&mut command, name, STARTUP) {
                Ok(child) => {
                    self.hellos.insert(name.to_owned(), child.hello.clone());
                    self.children.insert(name.to_owned(), child);
                }
                Err(error) => {
                    return Outcome::Crashed {
                        error: format!("{name} child: {error}"),
                    };
                }
            }
        }
        self.next_run += 1;
        let request = Request {
            run: self.next_run,
            topology: spec.setup.topology.name().to_owned(),
            producers: spec.setup.producers,
            consumers: spec.setup.consumers,
            capacity: spec.setup.capacity,
            batch: spec.setup.batch,
            payload_words: payload / 8,
            quotas,
            salt: salt.0,
            cores: spec.placement.cores.clone(),
            wait: spec.setup.wait.name().to_owned(),
            timeout_ms: u64::try_from(spec.timeout.as_millis()).unwrap_or(u64::MAX),
            corrupt,
        };
        let line = serde_json::to_string(&request).expect("a request is plain data");
        let child = self
            .children
            .get_mut(name)
            .expect("the child was started above");
        let reply = child
            .exchange(&line, spec.timeout + spec.timeout.min(REPLY_MARGIN))
            .and_then(|line| protocol::parse_reply(&line));
        let outcome = match reply {
            Ok(reply) => {
                if let Some(wait) = &reply.wait {
                    self.waits.insert(name.to_owned(), wait.clone());
                }
                protocol::judge_reply(&request, spec.setup.topology, &expected, reply)
            }
            Err(error) => Outcome::Crashed {
                error: format!("{name} child: {error}"),
            },
        };
        if let Outcome::Crashed { error } = &outcome {
            // A child that failed once is not trusted with the next run.
            self.children.remove(name);
            return Outcome::Crashed {
                error: if error.starts_with(name) {
                    error.clone()
                } else {
                    format!("{name} child: {error}")
                },
            };
        }
        outcome
    }

    /// What tables add to the wait column of `name`: how its child
    /// waited and on what runtime, e.g. `BusySpinWaitStrategy; foreign:
    /// java 17.0.15, Disruptor 3.4.4`.
    pub fn describe(&self, name: &str) -> Option<String> {
        let hello = self.hellos.get(name)?;
        let runtime = format!(
            "foreign: {}, {}",
            runtime_label(&hello.runtime),
            hello.library
        );
        Some(match self.waits.get(name) {
            Some(wait) => format!("{wait}; {runtime}"),
            None => runtime,
        })
    }

    /// Whether any child ran.
    pub fn used(&self) -> bool {
        !self.hellos.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtimes_read_as_tables_show_them() {
        assert_eq!(runtime_label("go1.19.8"), "go 1.19.8");
        assert_eq!(
            runtime_label("java 17.0.15+6-Debian-1deb12u1"),
            "java 17.0.15"
        );
        assert_eq!(runtime_label("gollum"), "gollum");
    }

    #[test]
    fn builds_are_named_by_source_and_toolchain() {
        assert_ne!(fingerprint(&["a", "b"]), fingerprint(&["ab", ""]));
        assert_ne!(
            fingerprint(&[GO_SOURCE, "go1.19"]),
            fingerprint(&[GO_SOURCE, "go1.20"])
        );
        assert_eq!(fingerprint(&["x"]), fingerprint(&["x"]));
    }

    #[test]
    fn foreign_names_are_found_and_rust_ones_are_not() {
        assert_eq!(find("go_chan").map(|f| f.runtime), Some(Runtime::Go));
        assert_eq!(find("lmax_java").map(|f| f.runtime), Some(Runtime::Java));
        assert!(find("lmax").is_none());
        for info in infos() {
            assert!(
                impls::info(info.name).is_none(),
                "{} is also in the roster",
                info.name
            );
        }
    }
}
