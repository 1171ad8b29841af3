//! Fixture tests, one folder per rule under `tests/fixtures/<rule-id>/`, each rule run alone
//! (every other rule off):
//! - `bad-*.yaml` must give findings of that rule, exactly those in the sibling `.out` file;
//! - `ok-*.yaml` must give none.
//!
//! `BLESS=1 cargo test --features yaml --test rules` rewrites the `.out` files; review the diff.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use tekton_buildah_core::refs::Index;
use tekton_buildah_core::rules::RULES;
use tekton_buildah_core::{RuleId, Settings, check_object_with, yaml};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// `level[rule] path@start-end: subject: message`, one line per finding.
fn render(path: &Path, rule: RuleId) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let settings = Settings::for_rule(rule);
    let mut out = String::new();
    let docs = yaml::load(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    // The documents of a fixture are at hand for each other's references, as in the CLI.
    let mut index = Index::new("in the fixture");
    for doc in &docs {
        index.add(&doc.value);
    }
    for doc in &docs {
        for f in check_object_with(&doc.value, &settings, &index).findings {
            let span = f
                .span
                .map(|s| format!("@{}-{}", s.start, s.end))
                .unwrap_or_default();
            writeln!(
                out,
                "{}[{}] {}{span}: {}: {}",
                f.level.as_str(),
                f.rule.id(),
                f.path,
                f.subject,
                f.message
            )
            .unwrap();
        }
    }
    out
}

#[test]
fn every_rule_has_good_and_bad_fixtures() {
    for rule in RULES {
        let dir = fixtures().join(rule.id());
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|_| panic!("no fixtures for {}", rule.id()))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().any(|n| n.starts_with("bad-")),
            "{}: no bad-*.yaml",
            rule.id()
        );
        if rule.configurable() {
            assert!(
                names.iter().any(|n| n.starts_with("ok-")),
                "{}: no ok-*.yaml",
                rule.id()
            );
        }
    }
}

#[test]
fn fixtures_give_exactly_the_expected_findings() {
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    for rule in RULES {
        let dir = fixtures().join(rule.id());
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        files.sort();
        for file in files {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            let got = render(&file, *rule);
            if name.starts_with("ok-") {
                if !got.is_empty() {
                    failures.push(format!(
                        "{}/{name} should give no finding:\n{got}",
                        rule.id()
                    ));
                }
                continue;
            }
            if !got.contains(&format!("[{}]", rule.id())) {
                failures.push(format!(
                    "{}/{name} gives no finding of its rule:\n{got}",
                    rule.id()
                ));
            }
            let expected_path = file.with_extension("out");
            if bless {
                std::fs::write(&expected_path, &got).unwrap();
                continue;
            }
            let want = std::fs::read_to_string(&expected_path).unwrap_or_default();
            if got != want {
                failures.push(format!(
                    "{}/{name}: findings differ from {}\n--- expected\n{want}--- got\n{got}",
                    rule.id(),
                    expected_path.file_name().unwrap().to_string_lossy()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
