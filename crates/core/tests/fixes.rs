//! Fixes, on every bundled example and every corpus file, and as golden cases:
//!
//! - `tests/fixes/<case>/before.yaml` fixed must be exactly `after.yaml` (a `settings.yaml`
//!   beside them replaces the defaults); `BLESS=1 cargo test --features yaml --test fixes`
//!   rewrites the `after.yaml` files (review the diff);
//! - properties, on every file: the fixed text is valid YAML with the same documents; each
//!   document reads as before except at the paths the fixes name; checking it again reports
//!   none of the fixed findings and nothing new; fixing it again changes nothing;
//! - every row of the table of `docs/fixes.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use tekton_buildah_core::fix::{Edit, Fix};
use tekton_buildah_core::text::fix::fix_text;
use tekton_buildah_core::text::{TextReport, check_text, settings_from_text};
use tekton_buildah_core::{Settings, yaml};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(p);
        }
    }
}

/// How many findings each rule reports about each container: fixing may shorten a message
/// (an option found missing no longer is) or move a finding (a variable still missing is
/// reported at the `env` the fix created), but never adds one.
fn counted(report: &TextReport) -> BTreeMap<(String, String), usize> {
    let mut out = BTreeMap::new();
    for l in report.findings.iter().filter(|l| l.suppressed.is_none()) {
        let key = (l.finding.rule.id().to_string(), l.finding.subject.clone());
        *out.entry(key).or_insert(0) += 1;
    }
    out
}

/// Paths where two values differ (a path and everything below it counts once, at the
/// shallowest place).
fn differences(a: &serde_json::Value, b: &serde_json::Value, at: &str, out: &mut Vec<String>) {
    use serde_json::Value::{Array, Object};
    match (a, b) {
        (Object(x), Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let path = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                match (x.get(k), y.get(k)) {
                    (Some(v), Some(w)) => differences(v, w, &path, out),
                    _ => out.push(path),
                }
            }
        }
        (Array(x), Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                differences(v, w, &format!("{at}[{i}]"), out);
            }
        }
        _ if a != b => out.push(at.to_string()),
        _ => {}
    }
}

/// Checks the properties of fixing `text`; returns how many findings were fixed.
fn check_properties(name: &str, text: &str, settings: &Settings) -> usize {
    let before = check_text(text, settings);
    let fixed = fix_text(text, settings, None);
    if fixed.applied.is_empty() {
        assert_eq!(fixed.text, text, "{name}: changed without a fix applied");
        return 0;
    }
    // Valid YAML, the same documents.
    let docs_before = yaml::load_documents(text);
    let docs_after = yaml::load_documents(&fixed.text);
    assert_eq!(docs_before.len(), docs_after.len(), "{name}: documents");
    // Each document changes only where the fixes of its findings point.
    for (i, (a, b)) in docs_before.iter().zip(&docs_after).enumerate() {
        let (Ok(a), Ok(b)) = (a, b) else {
            assert_eq!(
                a.is_ok(),
                b.is_ok(),
                "{name}: document {} no longer reads",
                i + 1
            );
            continue;
        };
        let mut allowed: Vec<String> = Vec::new();
        for l in before.findings.iter().filter(|l| l.document == i + 1) {
            if let Some(Fix::Edits(edits)) = l.finding.fix.as_deref() {
                for e in edits {
                    allowed.push(e.path().to_string());
                    // A key renamed is a change at its new name too.
                    if let Edit::RenameKey { path, to } = e {
                        let parent = path.rsplit_once('.').map_or("", |(p, _)| p);
                        allowed.push(format!("{parent}.{to}"));
                    }
                }
            }
        }
        let mut changed = Vec::new();
        differences(&a.value.to_serde(), &b.value.to_serde(), "", &mut changed);
        for path in changed {
            assert!(
                allowed
                    .iter()
                    .any(|p| path.starts_with(p) || p.starts_with(&path)),
                "{name}: document {} changed at `{path}`, which no fix names ({allowed:?})",
                i + 1
            );
        }
    }
    // None of the fixed findings again, and nothing new.
    let after = check_text(&fixed.text, settings);
    let was = counted(&before);
    let new: Vec<_> = counted(&after)
        .into_iter()
        .filter(|(k, n)| was.get(k).is_none_or(|m| n > m))
        .collect();
    assert!(
        new.is_empty(),
        "{name}: new findings after fixing: {new:#?}"
    );
    for a in &fixed.applied {
        let again = after.findings.iter().any(|l| {
            l.finding.rule == a.rule
                && a.message == format!("{}: {}", l.finding.subject, l.finding.message)
        });
        assert!(!again, "{name}: fixed, but reported again: {}", a.message);
    }
    // Fixing twice is fixing once.
    let twice = fix_text(&fixed.text, settings, None);
    assert_eq!(
        twice.text, fixed.text,
        "{name}: a second --fix changed more"
    );
    assert!(twice.applied.is_empty(), "{name}");
    fixed.applied.len()
}

#[test]
fn fixing_every_example_and_corpus_file_keeps_its_promises() {
    let mut files = Vec::new();
    yaml_files(&root().join("examples"), &mut files);
    yaml_files(&root().join("e2e-tests/corpus"), &mut files);
    files.sort();
    assert!(files.len() >= 120, "{} files", files.len());
    let settings = Settings::default();
    let mut fixed = 0;
    let mut files_fixed = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let name = file
            .strip_prefix(root())
            .unwrap_or(file)
            .display()
            .to_string();
        let n = check_properties(&name, &text, &settings);
        fixed += n;
        files_fixed += usize::from(n > 0);
        // The same with Windows line breaks: every line keeps its `\r\n`.
        if !text.contains('\r') {
            let crlf = text.replace('\n', "\r\n");
            let m = check_properties(&format!("{name} (CRLF)"), &crlf, &settings);
            assert_eq!(m, n, "{name}: CRLF fixes differ");
            let out = fix_text(&crlf, &settings, None).text;
            assert!(
                !out.replace("\r\n", "").contains('\n'),
                "{name}: a lone \\n in CRLF"
            );
        }
    }
    // Most corpus Tasks lack something fixable.
    assert!(files_fixed >= 60, "{files_fixed} files fixed");
    assert!(fixed >= 150, "{fixed} findings fixed");
}

#[test]
fn golden_cases_fix_exactly_as_expected() {
    let bless = std::env::var_os("BLESS").is_some();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixes");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "{} cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let before = std::fs::read_to_string(case.join("before.yaml")).unwrap();
        let settings = match std::fs::read_to_string(case.join("settings.yaml")) {
            Ok(s) => settings_from_text(&s).unwrap(),
            Err(_) => Settings::default(),
        };
        let fixed = fix_text(&before, &settings, None);
        check_properties(&name, &before, &settings);
        let expected = case.join("after.yaml");
        if bless {
            std::fs::write(&expected, &fixed.text).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&expected).unwrap_or_default();
        if fixed.text != want {
            failures.push(format!(
                "{name}\n--- expected\n{want}--- got\n{}\nskipped: {:#?}",
                fixed.text, fixed.skipped
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A step that has everything right but its script.
const STEP: &str = "\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: fixes
spec:
  workspaces:
    - name: source
  steps:
    - name: build
      image: quay.io/buildah/stable
      computeResources:
        requests: {memory: 8Gi, cpu: \"2\"}
        limits: {memory: 16Gi, cpu: \"4\"}
      env:
        - {name: BUILDAH_STORAGE_ROOT, value: $(workspaces.source.path)/.buildah-storage}
        - {name: STORAGE_DRIVER, value: vfs}
        - {name: TMPDIR, value: $(workspaces.source.path)/.tmp}
        - {name: HOME, value: $(workspaces.source.path)/.home}
      securityContext:
        capabilities:
          add: [SETFCAP]
      script: |
";

#[test]
fn every_row_of_the_fixes_table_holds() {
    let doc = include_str!("../../../docs/fixes.md");
    let code = |cell: &str| {
        cell.strip_prefix('`')
            .and_then(|c| c.strip_suffix('`'))
            .map(|c| c.replace('⏎', "\n"))
    };
    let mut rows = 0;
    for line in doc.lines().filter(|l| l.starts_with("| ")) {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        let [number, script, after] = cells[..] else {
            continue;
        };
        if !number.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        rows += 1;
        let script = code(script).expect("the script is one code span");
        let indent = |s: &str| {
            s.lines()
                .map(|l| format!("        {l}\n"))
                .collect::<String>()
        };
        let text = format!("{STEP}{}", indent(&script));
        let fixed = fix_text(&text, &Settings::default(), None);
        match code(after) {
            Some(want) => assert_eq!(
                fixed.text,
                format!("{STEP}{}", indent(&want)),
                "row {number}"
            ),
            None => {
                let reason = after
                    .strip_prefix("unchanged: ")
                    .expect("`unchanged: <reason>`");
                assert_eq!(fixed.text, text, "row {number}");
                let reasons: Vec<&str> = fixed.skipped.iter().map(|s| s.reason.as_str()).collect();
                assert!(reasons.contains(&reason), "row {number}: {reasons:?}");
            }
        }
    }
    assert!(rows >= 15, "{rows} rows");
}
