//! The real-world corpus (`e2e-tests/corpus/`: 112 public Tekton files from 29 repositories,
//! sources and licenses in its `SOURCES.md`, copied byte for byte) through policy.wasm,
//! compared with the reviewed snapshot `tests/corpus.snap`.
//!
//! Every document of every file gets an answer; the one file that is not valid YAML gives a
//! parse error with its line. `BLESS=1 cargo test -p e2e-tests --test corpus` rewrites the
//! snapshot: review the diff before committing it.

use e2e_tests::{Policy, default_wasm, repo_root};
use serde_json::json;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use tekton_buildah_core::rules::RULES;

fn corpus_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for repo in std::fs::read_dir(dir).unwrap() {
        let repo = repo.unwrap().path();
        if !repo.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&repo).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                files.push(f);
            }
        }
    }
    files.sort();
    files
}

/// Splits "N problems: [a] x; [b] y" into its findings.
fn split_findings(message: &str) -> Vec<String> {
    let body = message.split_once(": ").map_or(message, |(_, b)| b);
    let mut out = Vec::new();
    let mut current = String::new();
    for piece in body.split("; ") {
        let starts_finding = RULES
            .iter()
            .any(|r| piece.starts_with(&format!("[{}] ", r.id())));
        if starts_finding && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push_str("; ");
        }
        current.push_str(piece);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn render(policy: &Policy, dir: &Path) -> String {
    let mut out = String::new();
    for file in corpus_files(dir) {
        let name = file.strip_prefix(dir).unwrap().display().to_string();
        writeln!(out, "== {name}").unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        for doc in tekton_buildah_core::yaml::load_documents(&text) {
            let doc = match doc {
                Ok(d) => d,
                Err(e) => {
                    writeln!(out, "not YAML: {e}").unwrap();
                    continue;
                }
            };
            let v = &doc.value.to_serde();
            let r = policy
                .validate(v, &json!({}))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let id = format!(
                "{}/{}",
                v["kind"].as_str().unwrap_or("?"),
                v["metadata"]["name"].as_str().unwrap_or("?")
            );
            let verdict = if r.accepted { "admitted" } else { "rejected" };
            writeln!(out, "line {} {id}: {verdict}", doc.line).unwrap();
            if let Some(m) = &r.message {
                for f in split_findings(m) {
                    writeln!(out, "  {f}").unwrap();
                }
            }
            for w in r.warnings.iter().flatten() {
                writeln!(out, "  warning {w}").unwrap();
            }
        }
    }
    out
}

#[test]
fn corpus_verdicts_match_the_reviewed_snapshot() {
    let policy = Policy::load(&default_wasm()).unwrap_or_else(|e| panic!("{e}"));
    let got = render(&policy, &repo_root().join("e2e-tests/corpus"));
    let snap = repo_root().join("e2e-tests/tests/corpus.snap");
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&snap, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&snap).unwrap_or_default();
    if got != want {
        let diff: Vec<String> = want
            .lines()
            .zip(got.lines())
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .take(10)
            .map(|(i, (a, b))| format!("line {}:\n  - {a}\n  + {b}", i + 1))
            .collect();
        panic!(
            "corpus verdicts changed ({} vs {} lines); first differences:\n{}\nrerun with BLESS=1 and review the diff",
            want.lines().count(),
            got.lines().count(),
            diff.join("\n")
        );
    }
}

/// Every file under `dir`, as (path relative to `dir`, path), sorted.
fn all_files(dir: &Path) -> Vec<(PathBuf, PathBuf)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, PathBuf)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push((p.strip_prefix(root).unwrap().to_path_buf(), p));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Set by CI (`.ci/run`), where the shared original is always present: its absence is then a
/// failure, not a skip.
const SHARED_CORPUS_VAR: &str = "TEKTON_BUILDAH_SHARED_CORPUS";

#[test]
fn the_copied_corpus_is_the_shared_one() {
    // The corpus is vendored so that a clean clone can run the corpus tests; where the shared
    // original is present, the copy must match it file for file, byte for byte.
    let shared = repo_root().join("../shared/corpus");
    let required = match std::env::var(SHARED_CORPUS_VAR).as_deref() {
        Ok("required") => true,
        Err(std::env::VarError::NotPresent) => false,
        other => panic!("{SHARED_CORPUS_VAR}: expected `required` or unset, found {other:?}"),
    };
    if !shared.is_dir() {
        assert!(
            !required,
            "{} is missing, and {SHARED_CORPUS_VAR}=required says it must be there",
            shared.display()
        );
        // Written to the process's stderr, past the harness's capture: a passing test does
        // not show what `eprintln!` says.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED the_copied_corpus_is_the_shared_one: {} is not here, so the copy in \
             e2e-tests/corpus was not compared with it (CI sets {SHARED_CORPUS_VAR}=required)",
            shared.display()
        );
        return;
    }
    let ours = repo_root().join("e2e-tests/corpus");
    let names = |files: &[(PathBuf, PathBuf)]| -> Vec<PathBuf> {
        files.iter().map(|(name, _)| name.clone()).collect()
    };
    let (a, b) = (all_files(&shared), all_files(&ours));
    assert_eq!(
        names(&a),
        names(&b),
        "the copy has other files than the original"
    );
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(
            std::fs::read(x).unwrap() == std::fs::read(y).unwrap(),
            "e2e-tests/corpus/{} differs from the shared original",
            name.display()
        );
    }
}

#[test]
fn every_corpus_file_is_read() {
    let files = corpus_files(&repo_root().join("e2e-tests/corpus"));
    assert_eq!(files.len(), 112);
    let mut not_yaml = Vec::new();
    let mut documents = 0;
    for f in &files {
        for d in tekton_buildah_core::yaml::load_documents(&std::fs::read_to_string(f).unwrap()) {
            match d {
                Ok(_) => documents += 1,
                Err(e) => not_yaml.push(format!(
                    "{}:{}",
                    f.file_name().unwrap().to_string_lossy(),
                    e.line
                )),
            }
        }
    }
    // One document of one file is not YAML (a Pipelines-as-Code template); the 15 documents
    // before it in the same file are still read.
    assert_eq!(not_yaml, [".tekton__pipeline.yaml:1019"]);
    assert_eq!(documents, 133);
}
