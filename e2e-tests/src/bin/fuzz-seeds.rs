//! Writes the fuzzers' starting corpora from the project's own inputs: the examples, the rule
//! fixtures, the CLI's golden files and the real-world corpus.
//!
//! Usage: fuzz-seeds OUTDIR   (creates OUTDIR/{shell,yaml,policy_json,settings,policy_structured})

use e2e_tests::{admission_request, repo_root};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
}

fn scripts(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("script", Value::String(s)) => out.push(s.clone()),
                    ("command" | "args", Value::Array(items)) => {
                        let words: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
                        if !words.is_empty() {
                            out.push(words.join("\0"));
                        }
                    }
                    _ => scripts(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| scripts(x, out)),
        _ => {}
    }
}

fn main() {
    let out = PathBuf::from(std::env::args().nth(1).expect("usage: fuzz-seeds OUTDIR"));
    let root = repo_root();
    let mut files = Vec::new();
    for dir in [
        "examples",
        "crates/core/tests/fixtures",
        "crates/cli/tests/golden",
        "e2e-tests/corpus",
    ] {
        yaml_files(&root.join(dir), &mut files);
    }
    files.sort();
    for t in [
        "shell",
        "yaml",
        "policy_json",
        "settings",
        "policy_structured",
    ] {
        std::fs::create_dir_all(out.join(t)).unwrap();
    }
    let (mut n_shell, mut n_json) = (0, 0);
    for (i, file) in files.iter().enumerate() {
        let text = std::fs::read(file).unwrap();
        std::fs::write(out.join("yaml").join(format!("{i:04}.yaml")), &text).unwrap();
        let text = String::from_utf8_lossy(&text);
        for doc in tekton_buildah_core::yaml::load_documents(&text)
            .into_iter()
            .flatten()
        {
            let mut found = Vec::new();
            scripts(&doc.value.to_serde(), &mut found);
            for s in found {
                std::fs::write(out.join("shell").join(format!("{n_shell:05}.sh")), s).unwrap();
                n_shell += 1;
            }
            let payload = json!({"request": admission_request(&doc.value.to_serde(), "CREATE"), "settings": {}});
            std::fs::write(
                out.join("policy_json").join(format!("{n_json:05}.json")),
                serde_json::to_vec(&payload).unwrap(),
            )
            .unwrap();
            n_json += 1;
        }
    }
    let defaults = tekton_buildah_core::settings::defaults_json();
    std::fs::write(out.join("settings/defaults.json"), defaults.to_string()).unwrap();
    std::fs::write(
        out.join("settings/levels.json"),
        json!({"rules": {"buildah-unanalyzable": {"level": "error"}}, "requiredEnv": []})
            .to_string(),
    )
    .unwrap();
    println!(
        "{} YAML files, {n_shell} scripts, {n_json} admission payloads written under {}",
        files.len(),
        out.display()
    );
}
