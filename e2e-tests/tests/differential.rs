//! The cluster and CI can never disagree: on every example and every corpus file, the CLI's
//! findings (native, from YAML) equal what policy.wasm answers through the waPC runtime for
//! the same documents — same rule ids, same steps and paths, same messages, same levels.
//!
//! References are followed on both sides: the CLI among the file's documents, the policy with
//! `resolveReferences: true` in a cluster holding the same documents. Two differences are by
//! design and undone before comparing: the CLI leaves a referenced Task's own problems to the
//! Task's document (the cluster reports them with the run too), and says it looked "among the
//! documents of this file" where the cluster says "in the cluster".

use e2e_tests::{FakeCluster, Policy, default_wasm, repo_root, yaml_files};
use serde_json::json;
use tekton_buildah_core::refs::Index;
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
        // The cluster: the file's objects, in the namespace the harness's requests name.
        let objects: Vec<serde_json::Value> = tekton_buildah_core::yaml::load_documents(&text)
            .iter()
            .map(|doc| {
                let mut v = doc
                    .as_ref()
                    .map_or(serde_json::Value::Null, |d| d.value.to_serde());
                if v["metadata"].is_object() && v["metadata"]["namespace"].is_null() {
                    v["metadata"]["namespace"] = json!("default");
                }
                v
            })
            .collect();
        let cluster = FakeCluster::new(objects.iter().filter(|v| !v.is_null()).cloned().collect());
        let mut index = Index::new("in the cluster");
        let values: Vec<tekton_buildah_core::json::Value<'_>> = objects
            .iter()
            .map(tekton_buildah_core::json::Value::from)
            .collect();
        for v in &values {
            index.add(v);
        }
        for (i, doc) in tekton_buildah_core::yaml::load_documents(&text)
            .iter()
            .enumerate()
        {
            let Ok(_) = doc else {
                assert!(
                    !cli.errors.is_empty(),
                    "{}: the CLI must report the parse error",
                    file.display()
                );
                continue;
            };
            let r = policy
                .validate_in(&objects[i], &json!({"resolveReferences": true}), &cluster)
                .unwrap();
            // A referenced object's own problems: in the cluster's answer, at their own
            // document in the CLI's.
            let elsewhere: Vec<String> =
                tekton_buildah_core::check_object_with(&values[i], &settings, &index)
                    .findings
                    .iter()
                    .filter(|f| f.object.is_some())
                    .map(ToString::to_string)
                    .collect();
            let as_the_cli = |items: Vec<String>| -> Vec<String> {
                items
                    .into_iter()
                    .filter(|f| !elsewhere.contains(f))
                    .map(|f| f.replace("in the cluster", "among the documents of this file"))
                    .collect()
            };
            let from_cli = |level: Level| -> Vec<String> {
                cli.findings
                    .iter()
                    // Comments are not in the object: the rules about them are the CLI's own.
                    .filter(|f| f.document == i + 1 && f.finding.level == level)
                    .filter(|f| !f.finding.rule.reads_comments())
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
            let accepted = wasm_errors.is_empty();
            let (wasm_errors, wasm_warnings) = (as_the_cli(wasm_errors), as_the_cli(wasm_warnings));
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
            assert_eq!(r.accepted, accepted);
            compared += 1;
        }
    }
    assert!(compared >= 120, "{compared} documents compared");
}
