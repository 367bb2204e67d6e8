//! Verification is never forgotten: every implementation in the registry
//! whose code has `unsafe` has a loom model named after it.

use std::path::{Path, PathBuf};

use impls::{Queue, Visitor};

/// The `impls` source files of the modules a type's path names: for
/// `impls::disruptor::Disruptor<impls::disruptor::multi::Lmax>`, every
/// file of `impls/src/disruptor/`.
fn sources(type_name: &str, root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for (start, _) in type_name.match_indices("impls::") {
        let path: String = type_name[start..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        let segments: Vec<&str> = path.split("::").skip(1).collect();
        // The last segment is the type; the first names the module (a
        // file, or a folder of files).
        let Some((&module, _)) = segments.split_first() else {
            continue;
        };
        let file = root.join(format!("{module}.rs"));
        let folder = root.join(module);
        if file.is_file() {
            files.push(file);
        } else if folder.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(&folder)
                .expect("readable")
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
                .collect();
            entries.sort();
            files.extend(entries);
        }
    }
    files.sort();
    files.dedup();
    files
}

/// Whether `text` has `unsafe` code (a block, an impl or a function), not
/// counting comments.
fn has_unsafe(text: &str) -> bool {
    text.lines().map(str::trim_start).any(|line| {
        !line.starts_with("//")
            && ["unsafe {", "unsafe impl", "unsafe fn"]
                .iter()
                .any(|needle| line.contains(needle))
    })
}

#[test]
fn every_implementation_with_unsafe_code_has_a_loom_model() {
    struct TypeName;
    impl Visitor for TypeName {
        type Output = &'static str;
        fn visit<Q: Queue>(self) -> &'static str {
            std::any::type_name::<Q>()
        }
    }
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = crate_dir.join("../impls/src");
    let models = std::fs::read_to_string(crate_dir.join("tests/loom.rs")).expect("loom models");
    let mut missing = Vec::new();
    let mut checked = 0;
    for info in impls::all() {
        let type_name = impls::visit(info.name, TypeName).expect("registered");
        let files = sources(type_name, &root);
        assert!(
            !files.is_empty(),
            "{}: no source found for {type_name}",
            info.name
        );
        let unsafe_files: Vec<String> = files
            .iter()
            .filter(|file| has_unsafe(&std::fs::read_to_string(file).expect("readable")))
            .map(|file| file.display().to_string())
            .collect();
        if unsafe_files.is_empty() {
            continue;
        }
        checked += 1;
        if !models.contains(&format!("fn {}_", info.name)) {
            missing.push(format!(
                "{} ({}) has unsafe code in {} but no loom model: add `fn {}_...` to verify/tests/loom.rs",
                info.name,
                type_name,
                unsafe_files.join(", "),
                info.name
            ));
        }
    }
    // The rings and the disruptors have unsafe code: the test looks at them.
    assert!(
        checked >= 4,
        "only {checked} implementations had unsafe code"
    );
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn unsafe_is_found_in_code_only() {
    assert!(has_unsafe("let x = unsafe { *p };"));
    assert!(has_unsafe("unsafe impl Sync for X {}"));
    assert!(!has_unsafe("// SAFETY: no unsafe { here }"));
    assert!(!has_unsafe("let unsafe_count = 1;"));
}
