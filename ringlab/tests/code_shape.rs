//! The shape every crate of the workspace keeps, checked on its source:
//! no function over 100 lines, no glob imports of a parent module, no
//! `too_many_arguments` allowance, and no modules that import each other,
//! directly or in a loop (a parent that declares and uses its children is
//! fine; a child that then imports from that parent is not). Test code
//! (`#[cfg(test)]` items, `tests.rs` files, `tests/` folders) is left out,
//! A path through a crate's root (`crate::Name`) counts as an import of
//! the module the root re-exports `Name` from.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The crates whose `src/` is checked.
const CRATES: [&str; 7] = [
    "harness",
    "impls",
    "reports",
    "schema",
    "scenarios",
    "verify",
    "ringlab",
];

/// Longest function body, in lines from its `fn` line to its closing brace.
const MAX_FUNCTION_LINES: usize = 100;

/// The workspace's root folder.
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the crate sits in the workspace")
        .to_owned()
}

/// Every non-test `.rs` file under `dir`, sorted.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).expect("readable source folder") {
            let path = entry.expect("readable entry").path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_dir() {
                if name != "tests" {
                    pending.push(path);
                }
            } else if name.ends_with(".rs") && name != "tests.rs" {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// `text` with comments, string and character literals blanked out (line
/// breaks kept, so line numbers hold).
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if chars[i] == '\n' {
                        out.push('\n');
                    }
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && is_raw_start(&chars, i) {
            let mut hashes = 0;
            i += 1;
            while chars[i] == '#' {
                hashes += 1;
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
            loop {
                if chars[i] == '"' && (0..hashes).all(|k| chars.get(i + 1 + k) == Some(&'#')) {
                    i += 1 + hashes;
                    break;
                }
                if chars[i] == '\n' {
                    out.push('\n');
                }
                i += 1;
            }
        } else if c == '"' {
            out.push_str("\"\"");
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                if chars.get(i) == Some(&'\n') {
                    out.push('\n');
                }
                i += 1;
            }
            i += 1;
        } else if c == '\'' && is_char_literal(&chars, i) {
            out.push_str("' '");
            i += 1;
            while chars[i] != '\'' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Whether the `r` at `i` starts a raw string (`r"`, `r#"`), not an
/// identifier ending in `r`.
fn is_raw_start(chars: &[char], i: usize) -> bool {
    let before = i.checked_sub(1).map(|b| chars[b]);
    if before.is_some_and(|b| b.is_alphanumeric() || b == '_') {
        return false;
    }
    let mut j = i + 1;
    while chars.get(j) == Some(&'#') {
        j += 1;
    }
    chars.get(j) == Some(&'"')
}

/// Whether the `'` at `i` opens a character literal rather than a
/// lifetime or label.
fn is_char_literal(chars: &[char], i: usize) -> bool {
    matches!(
        (chars.get(i + 1), chars.get(i + 2)),
        (Some('\\'), _) | (Some(_), Some('\''))
    )
}

/// The lines of `code` with every item under a `#[cfg(test)]`-like
/// attribute (a `cfg` that names `test`) blanked.
fn without_test_items(code: &str) -> Vec<String> {
    let mut lines: Vec<String> = code.lines().map(str::to_owned).collect();
    let mut i = 0;
    while i < lines.len() {
        let trimmed = lines[i].trim_start();
        if trimmed.starts_with("#[cfg(") && trimmed.contains("test") {
            let mut j = i;
            let mut depth = 0i64;
            let mut opened = false;
            while j < lines.len() {
                for c in lines[j].chars() {
                    match c {
                        '{' => {
                            depth += 1;
                            opened = true;
                        }
                        '}' => depth -= 1,
                        _ => {}
                    }
                }
                let ends_item = if opened {
                    depth == 0
                } else {
                    j > i && lines[j].trim_end().ends_with(';')
                };
                lines[j].clear();
                j += 1;
                if ends_item {
                    break;
                }
            }
            i = j;
        } else {
            i += 1;
        }
    }
    lines
}

/// Functions over [`MAX_FUNCTION_LINES`] in `lines`: `(first line, name,
/// length)`.
fn long_functions(lines: &[String]) -> Vec<(usize, String, usize)> {
    let mut long = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let Some(name) = function_name(line) else {
            continue;
        };
        let mut depth = 0i64;
        let mut opened = false;
        for (offset, body) in lines[start..].iter().enumerate() {
            for c in body.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            if !opened && body.trim_end().ends_with(';') {
                break;
            }
            if opened && depth == 0 {
                if offset + 1 > MAX_FUNCTION_LINES {
                    long.push((start + 1, name.clone(), offset + 1));
                }
                break;
            }
        }
    }
    long
}

/// The name of the function a line declares, if it declares one.
fn function_name(line: &str) -> Option<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words.iter().position(|word| *word == "fn")?;
    let qualifiers_only = words[..at].iter().all(|word| {
        word.starts_with("pub") || ["const", "async", "unsafe", "extern", "\"\""].contains(word)
    });
    if !qualifiers_only {
        return None;
    }
    let name: String = words
        .get(at + 1)?
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// A module's path inside its crate: `faults::inject` for
/// `src/faults/inject.rs`, empty for `src/lib.rs`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().expect("a file name");
    let stem = last.trim_end_matches(".rs");
    if !["mod", "lib", "main"].contains(&stem) {
        parts.push(stem.to_owned());
    }
    parts
}

/// Identifier and `::`/`{`/`}`/`,`/`;` tokens of `code`.
fn tokens(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
            continue;
        }
        if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push("::".to_owned());
            i += 2;
            continue;
        }
        if "{},;*".contains(c) {
            out.push(c.to_string());
        } else if !c.is_whitespace() {
            out.push(" ".to_owned());
        }
        i += 1;
    }
    out
}

/// The paths a `use` tree starting at `tokens[at]` names, each from the
/// tree's root, and the index after the tree.
fn use_tree(tokens: &[String], mut at: usize, prefix: &[String]) -> (Vec<Vec<String>>, usize) {
    let mut path = prefix.to_vec();
    while at < tokens.len() {
        match tokens[at].as_str() {
            "::" => at += 1,
            "{" => {
                let mut paths = Vec::new();
                at += 1;
                while at < tokens.len() && tokens[at] != "}" {
                    if tokens[at] == "," {
                        at += 1;
                        continue;
                    }
                    let (inner, next) = use_tree(tokens, at, &path);
                    paths.extend(inner);
                    at = next;
                }
                return (paths, at + 1);
            }
            "," | "}" | ";" => return (vec![path], at),
            "*" => {
                at += 1;
            }
            "as" => at += 2,
            word => {
                path.push(word.to_owned());
                at += 1;
            }
        }
    }
    (vec![path], at)
}

/// Which modules `lines` (the module `here`'s code) refers to, as paths
/// from the crate root: every `use` tree, and every `crate::`, `super::`
/// or `self::` path in the code.
fn referenced(lines: &[String], here: &[String], is_folder: bool) -> Vec<Vec<String>> {
    let tokens = tokens(&lines.join("\n"));
    let parent: Vec<String> = here[..here.len().saturating_sub(1)].to_vec();
    let resolve = |path: &[String]| -> Option<Vec<String>> {
        let (base, rest) = match path.first()?.as_str() {
            "crate" => (Vec::new(), &path[1..]),
            "super" => (parent.clone(), &path[1..]),
            "self" => (here.to_vec(), &path[1..]),
            _ => return None,
        };
        let mut base = base;
        let mut rest = rest;
        while rest.first().is_some_and(|word| word == "super") {
            base.pop();
            rest = &rest[1..];
        }
        Some(base.into_iter().chain(rest.iter().cloned()).collect())
    };
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i] == "use" {
            let (paths, next) = use_tree(&tokens, i + 1, &[]);
            for path in paths {
                match resolve(&path) {
                    Some(resolved) => found.push(resolved),
                    // `use child::item` in a module with children.
                    None if is_folder || here.is_empty() => {
                        found.push(here.iter().cloned().chain(path).collect());
                    }
                    None => {}
                }
            }
            i = next;
            continue;
        }
        if ["crate", "super", "self"].contains(&tokens[i].as_str())
            && tokens.get(i + 1).is_some_and(|t| t == "::")
        {
            let mut path = vec![tokens[i].clone()];
            let mut j = i + 1;
            while tokens.get(j).is_some_and(|t| t == "::")
                && tokens.get(j + 1).is_some_and(|t| {
                    t.chars().all(|c| c.is_alphanumeric() || c == '_') && !t.is_empty()
                })
            {
                path.push(tokens[j + 1].clone());
                j += 2;
            }
            found.extend(resolve(&path));
            i = j;
            continue;
        }
        i += 1;
    }
    found
}

/// One crate's modules and what each refers to.
struct Crate {
    /// Module path to file.
    modules: BTreeMap<Vec<String>, PathBuf>,
    /// Module path to the modules it imports.
    edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
}

fn read_crate(src: &Path, problems: &mut Vec<String>) -> Crate {
    let files = sources(src);
    let modules: BTreeMap<Vec<String>, PathBuf> = files
        .iter()
        .map(|file| (module_path(src, file), file.clone()))
        .collect();
    let reexports = modules
        .get(&Vec::new())
        .map(|root| root_reexports(&fs::read_to_string(root).expect("readable source")))
        .unwrap_or_default();
    let mut edges = BTreeMap::new();
    for (here, file) in &modules {
        let text = fs::read_to_string(file).expect("readable source");
        let lines = without_test_items(&code_only(&text));
        let shown = file.strip_prefix(workspace()).unwrap_or(file).display();
        for (line, function, length) in long_functions(&lines) {
            problems.push(format!(
                "{shown}:{line}: fn {function} is {length} lines (at most {MAX_FUNCTION_LINES})"
            ));
        }
        for (index, line) in lines.iter().enumerate() {
            let compact: String = line.split_whitespace().collect();
            if compact.contains("usesuper::*") {
                problems.push(format!(
                    "{shown}:{}: a glob import of the parent module",
                    index + 1
                ));
            }
            if compact.contains("too_many_arguments") {
                problems.push(format!(
                    "{shown}:{}: a too_many_arguments allowance",
                    index + 1
                ));
            }
        }
        let is_folder = file.file_name().is_some_and(|n| n == "mod.rs");
        let mut targets = BTreeSet::new();
        for path in referenced(&lines, here, is_folder) {
            // The longest prefix of the path that is a module; a name the
            // crate root re-exports counts as the module it comes from.
            let mut target = module_of(&modules, &path);
            if target.is_empty()
                && let Some(name) = path.first()
                && let Some(origin) = reexports.get(name)
            {
                target = module_of(&modules, origin);
            }
            if &target != here && (modules.contains_key(&target)) && !target.is_empty() {
                targets.insert(target);
            }
        }
        edges.insert(here.clone(), targets);
    }
    Crate { modules, edges }
}

/// The longest prefix of `path` that is a module of `modules` (empty: the
/// crate root).
fn module_of(modules: &BTreeMap<Vec<String>, PathBuf>, path: &[String]) -> Vec<String> {
    (1..=path.len())
        .rev()
        .map(|k| path[..k].to_vec())
        .find(|prefix| modules.contains_key(prefix))
        .unwrap_or_default()
}

/// What a crate root (`text`, its `lib.rs`) re-exports with `pub use`:
/// each name, and the path it comes from.
fn root_reexports(text: &str) -> BTreeMap<String, Vec<String>> {
    let lines = without_test_items(&code_only(text));
    let tokens = tokens(&lines.join("\n"));
    let mut names = BTreeMap::new();
    for at in 0..tokens.len().saturating_sub(1) {
        if tokens[at] == "pub" && tokens[at + 1] == "use" {
            let (paths, _) = use_tree(&tokens, at + 2, &[]);
            for mut path in paths {
                if path.first().is_some_and(|word| word == "crate") {
                    path.remove(0);
                }
                if let Some(name) = path.last() {
                    names.insert(name.clone(), path.clone());
                }
            }
        }
    }
    names
}

/// Every loop in `edges`: a module that reaches itself through imports,
/// shown as the loop's path.
fn loops(edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<Vec<String>>> {
    let mut found: Vec<Vec<Vec<String>>> = Vec::new();
    let mut seen_sets: BTreeSet<BTreeSet<Vec<String>>> = BTreeSet::new();
    for start in edges.keys() {
        // Breadth-first from `start`'s imports back to `start`.
        let mut previous: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
        let mut queue: Vec<Vec<String>> = edges[start].iter().cloned().collect();
        for next in &queue {
            previous.insert(next.clone(), start.clone());
        }
        let mut at = 0;
        while at < queue.len() {
            let node = queue[at].clone();
            at += 1;
            if &node == start {
                let mut cycle = vec![start.clone()];
                let mut back = previous[start].clone();
                while &back != start {
                    cycle.push(back.clone());
                    back = previous[&back].clone();
                }
                cycle.reverse();
                let set: BTreeSet<Vec<String>> = cycle.iter().cloned().collect();
                if seen_sets.insert(set) {
                    found.push(cycle);
                }
                break;
            }
            for next in edges.get(&node).into_iter().flatten() {
                if !previous.contains_key(next) {
                    previous.insert(next.clone(), node.clone());
                    queue.push(next.clone());
                }
            }
        }
    }
    found
}

fn name_of(module: &[String]) -> String {
    if module.is_empty() {
        "the crate root".to_owned()
    } else {
        module.join("::")
    }
}

#[test]
fn the_workspace_keeps_its_shape() {
    let mut problems = Vec::new();
    for name in CRATES {
        let krate = read_crate(&workspace().join(name).join("src"), &mut problems);
        assert!(
            krate.modules.contains_key(&Vec::new()),
            "{name}: no src/lib.rs found; is the source tree where it should be?"
        );
        for cycle in loops(&krate.edges) {
            let mut shown: Vec<String> = cycle.iter().map(|m| name_of(m)).collect();
            shown.push(name_of(&cycle[0]));
            problems.push(format!(
                "{name}: modules import each other: {}",
                shown.join(" -> ")
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

#[test]
fn the_checks_find_what_they_look_for() {
    // A long function, a glob, an allowance and a loop, in made-up code.
    let body: String = (0..MAX_FUNCTION_LINES)
        .map(|i| format!("    let x{i} = {i};\n"))
        .collect();
    let code = format!("pub fn long() {{\n{body}}}\nfn short() {{}}\n");
    let lines = without_test_items(&code_only(&code));
    assert_eq!(
        long_functions(&lines),
        [(1, "long".to_owned(), MAX_FUNCTION_LINES + 2)]
    );
    let tested = format!("#[cfg(test)]\nmod tests {{\n    use super::*;\n{code}}}\n");
    let lines = without_test_items(&code_only(&tested));
    assert!(long_functions(&lines).is_empty());
    assert!(lines.iter().all(|line| !line.contains("super")));
    let hidden = code_only("// fn long() {\nlet s = \"use super::*; }\";\nlet c = '}';\n");
    assert!(!hidden.contains("super") && !hidden.contains('}'));

    let here = vec!["faults".to_owned(), "inject".to_owned()];
    let lines = vec![
        "use super::{spec::FaultSpec, report::{FaultReport, ProducerEnd}};".to_owned(),
        "use crate::oracle::{self, Tally};".to_owned(),
        "let x = super::classify::classify(spec);".to_owned(),
    ];
    let found: BTreeSet<String> = referenced(&lines, &here, false)
        .iter()
        .map(|path| path.join("::"))
        .collect();
    for expected in [
        "faults::spec::FaultSpec",
        "faults::report::FaultReport",
        "faults::report::ProducerEnd",
        "oracle::self",
        "oracle::Tally",
        "faults::classify::classify",
    ] {
        assert!(found.contains(expected), "{expected} not in {found:?}");
    }
    let module = |path: &str| path.split("::").map(str::to_owned).collect::<Vec<_>>();
    let mut edges = BTreeMap::new();
    edges.insert(module("a"), BTreeSet::from([module("b")]));
    edges.insert(module("b"), BTreeSet::from([module("c")]));
    edges.insert(module("c"), BTreeSet::from([module("a")]));
    edges.insert(module("d"), BTreeSet::from([module("a")]));
    let found = loops(&edges);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].len(), 3);
    edges.insert(module("c"), BTreeSet::new());
    assert!(loops(&edges).is_empty());

    // Two modules that reach each other through the root's re-exports.
    let src = std::env::temp_dir().join(format!("code-shape-{}", std::process::id()));
    fs::create_dir_all(&src).expect("a temporary folder");
    let files = [
        (
            "lib.rs",
            "mod error;\nmod faults;\npub use error::Problem;\npub use faults::{Fault, KIND};\n",
        ),
        ("error.rs", "pub struct Problem(crate::Fault);\n"),
        (
            "faults.rs",
            "use crate::{Problem, other::Thing};\npub enum Fault { A }\n",
        ),
    ];
    for (name, text) in files {
        fs::write(src.join(name), text).expect("writable");
    }
    let mut problems = Vec::new();
    let krate = read_crate(&src, &mut problems);
    fs::remove_dir_all(&src).expect("removable");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        krate.edges[&module("error")],
        BTreeSet::from([module("faults")])
    );
    assert_eq!(
        krate.edges[&module("faults")],
        BTreeSet::from([module("error")])
    );
    assert_eq!(loops(&krate.edges).len(), 1);
}
