//! Fixture tests, one folder per rule under `tests/fixtures/<rule-id>/`, each rule run alone
//! (every other rule off):
//! - `bad-*.yaml` must give findings of that rule, exactly those in the sibling `.out` file;
//! - `ok-*.yaml` must give none.
//!
//! `BLESS=1 cargo test --features yaml --test rules` rewrites the `.out` files; review the diff.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use tekton_buildah_core::rules::RULES;
use tekton_buildah_core::{Finding, RuleId, Settings, check_object, text, yaml};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// `level[rule] path@start-end: subject: message`, one line per finding.
fn render(path: &Path, rule: RuleId) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    if rule.reads_comments() {
        return render_comments(&text, rule);
    }
    let settings = Settings::for_rule(rule);
    let mut out = String::new();
    let docs = yaml::load(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    for doc in docs {
        for f in check_object(&doc.value, &settings).findings {
            let span = f
                .span
                .map(|s| format!("@{}-{}", s.start, s.end))
                .unwrap_or_default();
            line(&mut out, &f, &format!("{}{span}", f.path));
        }
    }
    out
}

/// The rules about suppression comments need the text and the other rules' findings:
/// `level[rule] line:col: subject: message`, with every rule on.
fn render_comments(text: &str, rule: RuleId) -> String {
    let mut out = String::new();
    let report = text::check_text(text, &Settings::default());
    for l in report.sorted() {
        if l.finding.rule == rule {
            line(&mut out, &l.finding, &format!("{}:{}", l.line, l.col));
        }
    }
    out
}

/// `level[rule] place: subject: message`.
fn line(out: &mut String, f: &Finding, place: &str) {
    writeln!(
        out,
        "{}[{}] {place}: {}: {}",
        f.level.as_str(),
        f.rule.id(),
        f.subject,
        f.message
    )
    .unwrap();
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
