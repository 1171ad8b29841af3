//! The real-world corpus (`e2e-tests/corpus/`: 112 public Tekton files from 29 repositories,
//! sources and licenses in its `SOURCES.md`, copied byte for byte) through policy.wasm,
//! compared with the reviewed snapshot `tests/corpus.snap`.
//!
//! Every document of every file gets an answer; the one file that is not valid YAML gives a
//! parse error with its line. `BLESS=1 cargo test -p e2e-tests --test corpus` rewrites the
//! snapshot: review the diff before committing it. The snapshot is also checked against the
//! human reading of each file in `corpus/NOTES.md` (transcribed in `tests/corpus-notes.txt`):
//! a rule NOTES says a file violates must be in it, one it says the file satisfies must not.

use e2e_tests::{Policy, default_wasm, repo_root};
use serde_json::json;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use tekton_buildah_core::rules::RULES;
use tekton_buildah_core::{Settings, describe_storage};

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
            // Where each buildah call's bytes land, read from the native core: the review of
            // the storage placement analysis.
            for line in describe_storage(&doc.value, &Settings::default()) {
                writeln!(out, "  storage {line}").unwrap();
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

/// Where the reviewed snapshot and NOTES disagree: (file, rules, why). Each was looked at and
/// reported; any other disagreement fails the test, and so does one listed here that is gone.
const DISAGREEMENTS: &[(&str, &str, &str)] = &[
    (
        "tektoncd__catalog/buildah__buildah@f22332e.yaml",
        "required-env buildah-root-missing buildah-flag-missing privileged-container",
        "tekton.dev/v1alpha1: the policy admits it with a warning that it was not checked",
    ),
    (
        "openshift__pipelines-catalog/buildah-imagestreams__task-imagestream-buildah.yaml",
        "required-env buildah-root-missing buildah-flag-missing privileged-container",
        "tekton.dev/v1alpha1: the policy admits it with a warning that it was not checked",
    ),
    (
        "phemankita__refarch-kc/tekton__tasks__buildah.yaml",
        "required-env buildah-root-missing buildah-flag-missing capability-missing",
        "tekton.dev/v1alpha1: the policy admits it with a warning that it was not checked",
    ),
    (
        "konflux-ci__build-definitions/task__build-vm-image__0.3__build-vm-image.yaml",
        "required-env buildah-root-missing capability-missing",
        "its buildah calls are in a script the step copies to a VM and runs there over ssh; NOTES \
         (C10) reads them as run by the step, the policy does not",
    ),
    (
        "konflux-ci__build-definitions/task__buildah-sast-oci-ta__0.2__buildah-sast-oci-ta.yaml",
        "capability-missing",
        "step `prepare` runs on a buildah image and its script (curl, sed, …) does not rule buildah \
         out, so the policy counts it as a buildah step without SETFCAP; NOTES counts only `build`",
    ),
];

/// Rules about buildah steps: a file without one gives none of them.
const BUILDAH_STEP_RULES: &[&str] = &[
    "compute-resources-missing",
    "required-env",
    "buildah-root-missing",
    "buildah-flag-missing",
    "capability-missing",
    "buildah-unanalyzable",
    "storage-on-node-disk",
];

/// `tests/corpus-notes.txt`: (file, its row: whether a step runs buildah, then R1 to R5).
fn notes_table() -> Vec<(String, Vec<String>)> {
    let text =
        std::fs::read_to_string(repo_root().join("e2e-tests/tests/corpus-notes.txt")).unwrap();
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut words: Vec<String> = l.split_whitespace().map(str::to_string).collect();
            assert_eq!(words.len(), 7, "corpus-notes.txt: {l}");
            let file = words.pop().unwrap();
            (file, words)
        })
        .collect()
}

/// What a row of NOTES says about our rules: (rules that must be found, rules that must not).
fn notes_expectations(row: &[String]) -> (Vec<&'static str>, Vec<&'static str>) {
    let (mut found, mut absent) = (Vec::new(), Vec::new());
    match row[0].as_str() {
        "yes" => {}
        "no" => absent.extend(BUILDAH_STEP_RULES),
        other => panic!("buildah: expected yes or no, found {other:?}"),
    }
    let marks = &row[1..];
    for (column, mark) in marks.iter().enumerate() {
        let (violated, satisfied): (&[&str], &[&str]) = match column {
            0 => (&["step-resources-field"], &["step-resources-field"]),
            1 => (&["required-env"], &["required-env"]),
            2 => (&["buildah-root-missing"], &["buildah-root-missing"]),
            // R4 leaves out `--no-cache` and `--storage-driver=vfs`, which the rule also asks
            // for: satisfying R4 does not mean the rule is quiet.
            3 => (&["buildah-flag-missing"], &[]),
            _ => (
                &["privileged-container"],
                &[
                    "privileged-container",
                    "capability-not-allowed",
                    "capability-missing",
                ],
            ),
        };
        match mark.as_str() {
            "✗" => found.extend(violated),
            "✓" => absent.extend(satisfied),
            // R5 ~: neither privileged nor SETFCAP, which the policy warns about.
            "~" if column == 4 => {
                absent.push("privileged-container");
                found.push("capability-missing");
            }
            "~" | "?" | "–" => {}
            other => panic!("unknown mark {other:?} in {row:?}"),
        }
    }
    (found, absent)
}

/// The rule ids each file of the snapshot shows, errors and warnings.
fn snapshot_rules(snapshot: &str) -> Vec<(String, Vec<String>)> {
    let mut files: Vec<(String, Vec<String>)> = Vec::new();
    for line in snapshot.lines() {
        if let Some(name) = line.strip_prefix("== ") {
            files.push((name.to_string(), Vec::new()));
            continue;
        }
        let finding = line
            .strip_prefix("  warning [")
            .or(line.strip_prefix("  ["));
        let rule = finding.and_then(|f| f.split_once(']')).map(|(r, _)| r);
        if let (Some(rule), Some((_, rules))) = (rule, files.last_mut()) {
            rules.push(rule.to_string());
        }
    }
    files
}

#[test]
fn the_snapshot_agrees_with_the_human_reading_in_notes() {
    let corpus = repo_root().join("e2e-tests/corpus");
    let notes = std::fs::read_to_string(corpus.join("NOTES.md")).unwrap();
    let snapshot =
        std::fs::read_to_string(repo_root().join("e2e-tests/tests/corpus.snap")).unwrap();
    let shown = snapshot_rules(&snapshot);
    let table = notes_table();
    let names: Vec<&str> = table.iter().map(|(f, _)| f.as_str()).collect();
    let mut in_snapshot: Vec<&str> = shown.iter().map(|(f, _)| f.as_str()).collect();
    in_snapshot.sort_unstable();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted, in_snapshot,
        "NOTES classifies every file of the corpus"
    );
    let mut failures = Vec::new();
    // Every (file, rule) listed, and whether it still disagrees.
    let mut listed: Vec<(&str, &str, bool)> = DISAGREEMENTS
        .iter()
        .flat_map(|(f, rules, _)| rules.split(' ').map(|r| (*f, r, false)))
        .collect();
    for (file, row) in &table {
        let base = file.rsplit('/').next().unwrap();
        assert!(
            notes.contains(&format!("| `{base}` |")) || notes.contains(&format!("| `{file}` |")),
            "{file} is not a row of NOTES.md"
        );
        let rules = &shown.iter().find(|(f, _)| f == file).unwrap().1;
        let (found, absent) = notes_expectations(row);
        let disagreements = found
            .iter()
            .filter(|r| !rules.iter().any(|x| x == *r))
            .map(|r| (r, "NOTES' reading asks for it, the snapshot has none"))
            .chain(
                absent
                    .iter()
                    .filter(|r| rules.iter().any(|x| x == *r))
                    .map(|r| (r, "NOTES' reading rules it out, the snapshot has it")),
            );
        for (rule, what) in disagreements {
            match listed.iter_mut().find(|(f, r, _)| f == file && r == rule) {
                Some((_, _, seen)) => *seen = true,
                None => failures.push(format!("{file} ({}): `{rule}`: {what}", row.join(" "))),
            }
        }
    }
    for (file, rule, _) in listed.iter().filter(|(_, _, seen)| !seen) {
        failures.push(format!(
            "{file}: listed as disagreeing on `{rule}`, but it agrees now: update DISAGREEMENTS"
        ));
    }
    assert!(
        failures.is_empty(),
        "the corpus snapshot and NOTES.md disagree:\n{}",
        failures.join("\n")
    );
}

/// Whether a document is a run that names its Task or Pipeline (or a pipeline task's Task).
fn refers(v: &serde_json::Value) -> bool {
    let spec = &v["spec"];
    match v["kind"].as_str() {
        Some("TaskRun") => spec.get("taskRef").is_some(),
        Some("PipelineRun") => {
            spec.get("pipelineRef").is_some()
                || ["tasks", "finally"].iter().any(|s| {
                    spec["pipelineSpec"][s]
                        .as_array()
                        .is_some_and(|t| t.iter().any(|t| t.get("taskRef").is_some()))
                })
        }
        _ => false,
    }
}

/// The corpus's runs that name their Task or Pipeline, each checked through policy.wasm with
/// `resolveReferences: true` in a cluster holding its repository's objects (one namespace per
/// repository, as each repository's objects are applied together).
fn render_runs(policy: &Policy, dir: &Path) -> String {
    let mut out = String::new();
    let mut repos: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    repos.sort();
    let settings = json!({"resolveReferences": true});
    for repo in repos {
        let namespace = repo.file_name().unwrap().to_string_lossy().into_owned();
        let mut objects = Vec::new();
        let mut runs = Vec::new();
        for file in corpus_files(dir)
            .into_iter()
            .filter(|f| f.starts_with(&repo))
        {
            let name = file.strip_prefix(dir).unwrap().display().to_string();
            let text = std::fs::read_to_string(&file).unwrap();
            for doc in tekton_buildah_core::yaml::load_documents(&text)
                .into_iter()
                .flatten()
            {
                let mut v = doc.value.to_serde();
                if v["metadata"].is_object() && v["kind"] != "ClusterTask" {
                    v["metadata"]["namespace"] = json!(namespace);
                }
                if refers(&v) {
                    runs.push((name.clone(), doc.line, v.clone()));
                }
                objects.push((name.clone(), v));
            }
        }
        for (name, line, run) in runs {
            // A repository may hold several versions of one Task under one name (the catalog's
            // `task/buildah/0.1` … `0.9`): the run's cluster holds the one nearest to it, its
            // own file's first, then the one whose path shares the longest prefix with it.
            let mut near: Vec<(usize, serde_json::Value)> = objects
                .iter()
                .map(|(file, v)| {
                    let shared = file
                        .bytes()
                        .zip(name.bytes())
                        .take_while(|(a, b)| a == b)
                        .count();
                    (if *file == name { usize::MAX } else { shared }, v.clone())
                })
                .collect();
            near.sort_by_key(|n| std::cmp::Reverse(n.0));
            let cluster = e2e_tests::FakeCluster::new(near.into_iter().map(|(_, v)| v).collect());
            let r = policy.validate_in(&run, &settings, &cluster).unwrap();
            let id = format!(
                "{}/{}",
                run["kind"].as_str().unwrap_or("?"),
                run["metadata"]["name"]
                    .as_str()
                    .or(run["metadata"]["generateName"].as_str())
                    .unwrap_or("?")
            );
            let verdict = if r.accepted { "admitted" } else { "rejected" };
            writeln!(out, "== {name} line {line} {id}: {verdict}").unwrap();
            for f in r.message.as_deref().map(split_findings).unwrap_or_default() {
                writeln!(out, "  {f}").unwrap();
            }
            for w in r.warnings.iter().flatten() {
                writeln!(out, "  warning {w}").unwrap();
            }
        }
    }
    out
}

#[test]
fn corpus_runs_checked_with_what_they_name_match_the_reviewed_snapshot() {
    let policy = Policy::load(&default_wasm()).unwrap_or_else(|e| panic!("{e}"));
    let got = render_runs(&policy, &repo_root().join("e2e-tests/corpus"));
    let snap = repo_root().join("e2e-tests/tests/corpus-runs.snap");
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&snap, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&snap).unwrap_or_default();
    assert!(
        got == want,
        "the corpus's runs changed verdict; rerun with BLESS=1 and review the diff of tests/corpus-runs.snap:\n{got}"
    );
}
