//! The seeded mutants in `verify/mutants/` stay alive: every patch still
//! applies, exactly, to the code it breaks, and names a model that exists.
//!
//! `scripts/mutants.sh` (run by hand: a rebuild per mutant) refuses a patch
//! that no longer applies, but only when someone runs it; code that moves
//! (a refactor, a comment reworded beside the mutated line) would otherwise
//! leave mutants that test nothing until then. This test runs with the
//! workspace's tests, so a change that breaks a patch fails at once and
//! says which patch and hunk to refresh.
//!
//! Stricter than `patch`: each hunk's old side (context and removed lines)
//! must occur exactly once in the file, with no fuzz, so a patch cannot
//! drift onto a similar line elsewhere.

use std::fs;
use std::path::{Path, PathBuf};

/// The workspace root (this crate's parent).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("verify sits in the workspace")
        .to_path_buf()
}

/// One hunk of a unified diff: its old side and its new side.
#[derive(Debug, Default)]
struct Hunk {
    old: Vec<String>,
    new: Vec<String>,
}

/// One file of a patch.
#[derive(Debug)]
struct FileDiff {
    path: String,
    hunks: Vec<Hunk>,
}

/// A mutant patch: its header lines and its diff.
#[derive(Debug)]
struct Patch {
    name: String,
    headers: Vec<(String, String)>,
    files: Vec<FileDiff>,
}

impl Patch {
    fn header(&self, key: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses a patch file; `Err` says what is malformed.
fn parse(name: &str, text: &str) -> Result<Patch, String> {
    let mut headers = Vec::new();
    let mut files: Vec<FileDiff> = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next_if(|l| !l.starts_with("--- ")) {
        if let Some((key, value)) = line.split_once(": ") {
            headers.push((key.to_string(), value.to_string()));
        } else if !line.trim().is_empty() {
            return Err(format!("header line without `key: value`: {line:?}"));
        }
    }
    while let Some(line) = lines.next() {
        if let Some(old) = line.strip_prefix("--- ") {
            let path = old.strip_prefix("a/").ok_or("`---` line without `a/`")?;
            match lines.next() {
                Some(new) if new.starts_with("+++ b/") => {}
                other => return Err(format!("`--- {path}` not followed by `+++ b/`: {other:?}")),
            }
            files.push(FileDiff {
                path: path.to_string(),
                hunks: Vec::new(),
            });
        } else if line.starts_with("@@") {
            let file = files.last_mut().ok_or("a hunk before any `---` line")?;
            file.hunks.push(Hunk::default());
        } else {
            let hunk = files
                .last_mut()
                .and_then(|f| f.hunks.last_mut())
                .ok_or_else(|| format!("a diff line outside a hunk: {line:?}"))?;
            match line.split_at_checked(1) {
                Some((" ", rest)) => {
                    hunk.old.push(rest.to_string());
                    hunk.new.push(rest.to_string());
                }
                Some(("-", rest)) => hunk.old.push(rest.to_string()),
                Some(("+", rest)) => hunk.new.push(rest.to_string()),
                // An empty context line, as some tools write it.
                None => {
                    hunk.old.push(String::new());
                    hunk.new.push(String::new());
                }
                Some(("\\", _)) => {}
                _ => return Err(format!("not a diff line: {line:?}")),
            }
        }
    }
    if files.is_empty() || files.iter().any(|f| f.hunks.is_empty()) {
        return Err("no diff, or a file without hunks".into());
    }
    Ok(Patch {
        name: name.to_string(),
        headers,
        files,
    })
}

/// How often `needle` (whole lines) occurs in `haystack`.
fn occurrences(haystack: &[&str], needle: &[String]) -> usize {
    if needle.is_empty() || needle.len() > haystack.len() {
        return 0;
    }
    haystack
        .windows(needle.len())
        .filter(|window| window.iter().zip(needle).all(|(a, b)| a == b))
        .count()
}

/// What is wrong with `patch` against the tree at `root` (empty: nothing).
fn problems(root: &Path, patch: &Patch) -> Vec<String> {
    let mut found = Vec::new();
    let name = &patch.name;
    if patch.header("mutant").is_none() {
        found.push(format!("{name}: no `mutant:` line saying what it breaks"));
    }
    let checker = patch.header("checker").unwrap_or("loom");
    if !["loom", "shuttle"].contains(&checker) {
        found.push(format!(
            "{name}: checker `{checker}` is neither loom nor shuttle"
        ));
    }
    match patch.header("model") {
        Some(model) => {
            let models = root.join(format!("verify/tests/{checker}.rs"));
            let source = fs::read_to_string(&models).unwrap_or_default();
            if !source.contains(&format!("fn {model}()")) {
                found.push(format!(
                    "{name}: model `{model}` is not a test of verify/tests/{checker}.rs"
                ));
            }
        }
        None if patch.header("equivalent").is_none() => {
            found.push(format!(
                "{name}: no `model:` line (only an equivalent mutant may lack one)"
            ));
        }
        None => {}
    }
    for file in &patch.files {
        let Ok(source) = fs::read_to_string(root.join(&file.path)) else {
            found.push(format!("{name}: {} does not exist", file.path));
            continue;
        };
        let lines: Vec<&str> = source.lines().collect();
        for (index, hunk) in file.hunks.iter().enumerate() {
            let count = occurrences(&lines, &hunk.old);
            if count != 1 {
                found.push(format!(
                    "{name}: hunk {} of {} occurs {count} times there (must be once): \
                     refresh the patch (edit the file by hand, then `diff -u`)",
                    index + 1,
                    file.path
                ));
            }
            if hunk.old == hunk.new {
                found.push(format!(
                    "{name}: hunk {} of {} changes nothing",
                    index + 1,
                    file.path
                ));
            }
        }
    }
    found
}

/// The patches in `verify/mutants/`, by name.
fn patches(root: &Path) -> Vec<(String, String)> {
    let mut patches: Vec<_> = fs::read_dir(root.join("verify/mutants"))
        .expect("verify/mutants exists")
        .map(|entry| entry.expect("readable").path())
        .filter(|path| path.extension().is_some_and(|e| e == "patch"))
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            (name, fs::read_to_string(&path).expect("readable patch"))
        })
        .collect();
    patches.sort();
    patches
}

#[test]
fn every_mutant_applies_exactly_and_names_a_model() {
    let root = root();
    let patches = patches(&root);
    assert!(patches.len() > 50, "only {} patches found", patches.len());
    let mut found = Vec::new();
    for (name, text) in &patches {
        match parse(name, text) {
            Ok(patch) => found.extend(problems(&root, &patch)),
            Err(why) => found.push(format!("{name}: {why}")),
        }
    }
    assert!(
        found.is_empty(),
        "stale or malformed mutants:\n{}",
        found.join("\n")
    );
}

/// The check is not blind: a patch whose context has moved, one that
/// matches twice, one that changes nothing and one that names a missing
/// model are each reported.
#[test]
fn a_stale_patch_is_reported() {
    let dir = std::env::temp_dir().join(format!("ringlab-mutants-{}", std::process::id()));
    fs::create_dir_all(dir.join("verify/tests")).unwrap();
    fs::write(
        dir.join("verify/tests/loom.rs"),
        "#[test]\nfn model_a() {}\n",
    )
    .unwrap();
    fs::write(
        dir.join("code.rs"),
        "fn f() {\n    a();\n    b();\n}\nfn g() {\n    b();\n}\n",
    )
    .unwrap();
    let patch = |model: &str, old: &str, new: &str| {
        format!(
            "mutant: m\nmodel: {model}\n\n--- a/code.rs\n+++ b/code.rs\n@@ -1,2 +1,2 @@\n{old}\n{new}\n"
        )
    };
    let check = |text: String| problems(&dir, &parse("p", &text).unwrap());
    assert!(check(patch("model_a", " fn f() {\n-    a();", "+    c();")).is_empty());
    let moved = check(patch("model_a", " fn h() {\n-    a();", "+    c();"));
    assert!(
        moved.iter().any(|p| p.contains("occurs 0 times")),
        "{moved:?}"
    );
    let twice = check(patch("model_a", "-    b();", "+    c();"));
    assert!(
        twice.iter().any(|p| p.contains("occurs 2 times")),
        "{twice:?}"
    );
    let nothing = check(patch("model_a", " fn f() {\n-    a();", "+    a();"));
    assert!(
        nothing.iter().any(|p| p.contains("changes nothing")),
        "{nothing:?}"
    );
    let missing = check(patch("model_b", " fn f() {\n-    a();", "+    c();"));
    assert!(missing.iter().any(|p| p.contains("model_b")), "{missing:?}");
    assert!(parse("p", "mutant: m\nno diff here\n").is_err());
    fs::remove_dir_all(&dir).unwrap();
}
