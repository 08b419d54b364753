//! Embeds every vendored OCA schema: writes `$OUT_DIR/schemas.rs`, one table per version of
//! `(action, is_response, file name, include_str!(file))`.

use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

const VERSIONS: [(&str, &str, bool); 3] = [
    ("V16", "schemas/v16", false),
    ("V201", "schemas/v201", true),
    ("V21", "schemas/v21", true),
];

fn main() {
    let root = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let out = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    println!("cargo:rerun-if-changed=schemas");
    let mut code = String::new();
    for (name, dir, request_suffix) in VERSIONS {
        println!("cargo:rerun-if-changed={dir}");
        let path = Path::new(&root).join(dir);
        let mut files: Vec<String> = fs::read_dir(&path)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", path.display()))
            .map(|entry| {
                entry
                    .expect("readable directory entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .filter(|f| Path::new(f).extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no schemas in {dir}");
        writeln!(
            code,
            "pub(crate) static {name}: &[(&str, bool, &str, &str)] = &["
        )
        .expect("write to String");
        for file in files {
            let stem = file.trim_end_matches(".json");
            let (action, is_response) = split_name(stem, request_suffix);
            let full = path.join(&file);
            writeln!(
                code,
                "    ({action:?}, {is_response}, {file:?}, include_str!({:?})),",
                full.display().to_string()
            )
            .expect("write to String");
        }
        code.push_str("];\n");
    }
    fs::write(Path::new(&out).join("schemas.rs"), code).expect("write schemas.rs");
}

/// 1.6: `Action.json` / `ActionResponse.json`; 2.x: `ActionRequest.json` / `ActionResponse.json`
/// (2.1's `NotifyPeriodicEventStream.json`, a SEND payload, has no suffix: a request).
fn split_name(stem: &str, request_suffix: bool) -> (&str, bool) {
    if let Some(action) = stem.strip_suffix("Response") {
        return (action, true);
    }
    if request_suffix {
        if let Some(action) = stem.strip_suffix("Request") {
            return (action, false);
        }
    }
    (stem, false)
}
