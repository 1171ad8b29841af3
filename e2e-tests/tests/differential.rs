//! The cluster and CI can never disagree: on every example and every corpus file, the CLI's
//! findings (native, from YAML) equal what policy.wasm answers through the waPC runtime for
//! the same documents — same rule ids, same steps and paths, same messages, same levels.

use e2e_tests::{Policy, default_wasm, repo_root, yaml_files};
use serde_json::json;
use tekton_buildah_core::rules::RULES;
use tekton_buildah_core::{Level, Settings};
use tekton_buildah_lint::check::check_text;

/// "N problems: [a] x; [b] y" → ["[a] x", "[b] y"].
fn split(message: &str) -> Vec<String> {
    let body = message.split_once(": ").map_or(message, |(_, b)| b);
    let mut out: Vec<String> = Vec::new();
    for piece in body.split("; ") {
        let starts = RULES
            .iter()
            .any(|r| piece.starts_with(&format!("[{}] ", r.id())));
        match out.last_mut() {
            Some(last) if !starts => {
                last.push_str("; ");
                last.push_str(piece);
            }
            _ => out.push(piece.to_string()),
        }
    }
    out
}

#[test]
fn cli_and_policy_agree_on_examples_and_corpus() {
    let policy = Policy::load(&default_wasm()).unwrap_or_else(|e| panic!("{e}"));
    let settings = Settings::default();
    let mut files = yaml_files(&repo_root().join("examples"));
    files.extend(yaml_files(&repo_root().join("e2e-tests/corpus")));
    assert!(files.len() >= 122, "{} files", files.len());
    let mut compared = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let cli = check_text(file.display().to_string(), &text, &settings, true);
        for (i, doc) in tekton_buildah_core::yaml::load_documents(&text)
            .iter()
            .enumerate()
        {
            let Ok(doc) = doc else {
                assert!(
                    !cli.errors.is_empty(),
                    "{}: the CLI must report the parse error",
                    file.display()
                );
                continue;
            };
            let r = policy.validate(&doc.value.to_serde(), &json!({})).unwrap();
            let from_cli = |level: Level| -> Vec<String> {
                cli.findings
                    .iter()
                    .filter(|f| f.document == i + 1 && f.finding.level == level)
                    .map(|f| f.finding.to_string())
                    .collect()
            };
            let wasm_errors = r.message.as_deref().map(split).unwrap_or_default();
            let wasm_warnings: Vec<String> = r
                .warnings
                .clone()
                .unwrap_or_default()
                .into_iter()
                .filter(|w| !w.starts_with("not checked: "))
                .collect();
            assert_eq!(
                from_cli(Level::Error),
                wasm_errors,
                "{} document {}",
                file.display(),
                i + 1
            );
            assert_eq!(
                from_cli(Level::Warning),
                wasm_warnings,
                "{} document {}",
                file.display(),
                i + 1
            );
            assert_eq!(r.accepted, wasm_errors.is_empty());
            compared += 1;
        }
    }
    assert!(compared >= 120, "{compared} documents compared");
}
