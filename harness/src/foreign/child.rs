//! A child process that speaks the foreign protocol: started once per
//! implementation and configuration, one request line in and one reply
//! line out per run, every wait bounded by a deadline.
//!
//! Standard output is read line by line on a thread of its own, so a child
//! that hangs is noticed at the deadline, killed, and reported; standard
//! error is kept (its last lines) for the message of a child that dies.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::protocol::{self, Hello};

/// Lines of standard error kept for messages.
const STDERR_LINES: usize = 12;

/// Longest line read from a child: a line this long is not the protocol.
const MAX_LINE: u64 = 64 << 20;

/// How long a child gets to exit once its input is closed.
const EXIT_GRACE: Duration = Duration::from_secs(2);

/// A running child.
pub struct Child {
    process: std::process::Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Result<String, String>>,
    stderr: Arc<Mutex<VecDeque<String>>>,
    /// What it said it is.
    pub hello: Hello,
}

impl Child {
    /// Starts `command` and reads its hello within `startup`.
    pub fn start(
        command: &mut Command,
        implementation: &str,
        startup: Duration,
    ) -> Result<Self, String> {
        let mut process = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| format!("cannot start {command:?}: {error}"))?;
        let stdin = process.stdin.take();
        let stdout = process.stdout.take().expect("stdout is piped");
        let stderr_pipe = process.stderr.take().expect("stderr is piped");
        let (sender, lines) = channel();
        thread::Builder::new()
            .name(format!("{implementation}-stdout"))
            .spawn(move || {
                let mut reader = BufReader::new(stdout);
                loop {
                    let mut line = String::new();
                    let (message, last) = match (&mut reader).take(MAX_LINE).read_line(&mut line) {
                        Ok(0) => (Err("it closed its output".to_owned()), true),
                        Ok(_) if !line.ends_with('\n') => (
                            Err(format!(
                                "it wrote a line longer than {MAX_LINE} bytes, or closed its output mid-line"
                            )),
                            true,
                        ),
                        Ok(_) => (Ok(line.trim_end().to_owned()), false),
                        Err(error) => (Err(format!("its output is unreadable: {error}")), true),
                    };
                    if sender.send(message).is_err() || last {
                        break;
                    }
                }
            })
            .map_err(|error| format!("cannot start a reader thread: {error}"))?;
        let stderr = Arc::new(Mutex::new(VecDeque::new()));
        let kept = Arc::clone(&stderr);
        thread::Builder::new()
            .name(format!("{implementation}-stderr"))
            .spawn(move || {
                for line in BufReader::new(stderr_pipe).lines().map_while(Result::ok) {
                    let mut kept = kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                    if kept.len() == STDERR_LINES {
                        kept.pop_front();
                    }
                    kept.push_back(line);
                }
            })
            .map_err(|error| format!("cannot start a reader thread: {error}"))?;
        let mut child = Child {
            process,
            stdin,
            lines,
            stderr,
            hello: Hello {
                hello: String::new(),
                implementation: implementation.to_owned(),
                runtime: String::new(),
                library: String::new(),
            },
        };
        let line = child.read_line(startup, "to say hello")?;
        child.hello = protocol::parse_hello(&line, implementation)?;
        Ok(child)
    }

    /// Writes `request` and reads the reply line within `timeout`. On an
    /// error the child is beyond use: drop it.
    pub fn exchange(&mut self, request: &str, timeout: Duration) -> Result<String, String> {
        let Some(stdin) = self.stdin.as_mut() else {
            return Err("its input is closed".to_owned());
        };
        if let Err(error) = writeln!(stdin, "{request}").and_then(|()| stdin.flush()) {
            let mut message = format!("cannot write to it: {error}");
            message.push_str(&self.ended());
            return Err(message);
        }
        self.read_line(timeout, "to answer")
    }

    fn read_line(&mut self, timeout: Duration, purpose: &str) -> Result<String, String> {
        match self.lines.recv_timeout(timeout) {
            Ok(Ok(line)) => Ok(line),
            Ok(Err(why)) => Err(format!("{why}{}", self.ended())),
            Err(RecvTimeoutError::Timeout) => {
                let _ = self.process.kill();
                let _ = self.process.wait();
                Err(format!(
                    "watchdog: it took more than {:.0} s {purpose}; killed it{}",
                    timeout.as_secs_f64(),
                    self.stderr_tail()
                ))
            }
            Err(RecvTimeoutError::Disconnected) => {
                Err(format!("its output is gone{}", self.ended()))
            }
        }
    }

    /// How the process ended (waiting briefly for it), and its last
    /// lines of standard error.
    fn ended(&mut self) -> String {
        let deadline = Instant::now() + EXIT_GRACE;
        let status = loop {
            match self.process.try_wait() {
                Ok(Some(status)) => break format!("; it exited with {status}"),
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
                Ok(None) => {
                    let _ = self.process.kill();
                    let _ = self.process.wait();
                    break "; it was still running and was killed".to_owned();
                }
                Err(error) => break format!("; its status is unknown: {error}"),
            }
        };
        // The stderr reader may still be reading the last lines.
        thread::sleep(Duration::from_millis(20));
        format!("{status}{}", self.stderr_tail())
    }

    fn stderr_tail(&self) -> String {
        let kept = self
            .stderr
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if kept.is_empty() {
            String::new()
        } else {
            format!(
                "; its last words: {}",
                protocol::shorten(&kept.iter().cloned().collect::<Vec<_>>().join(" | "))
            )
        }
    }
}

impl Drop for Child {
    /// Closes its input (the child then exits), and kills it if it has
    /// not exited within a grace period.
    fn drop(&mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + EXIT_GRACE;
        while Instant::now() < deadline {
            if let Ok(Some(_)) | Err(_) = self.process.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(5));
        }
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}
