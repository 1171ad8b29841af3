//! `--fix`, `--diff`, `--fix-only` and suppression comments, end to end (in process), on
//! copies of the bundled examples in a temporary directory.

mod common;

use common::lint;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A fresh directory with copies of `files` (paths relative to the repository).
fn workspace(name: &str, files: &[&str]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tbl-fix-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for f in files {
        let from = Path::new("../..").join(f);
        std::fs::copy(&from, dir.join(from.file_name().unwrap())).unwrap();
    }
    dir
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

#[test]
fn fix_writes_in_place_keeps_permissions_and_reports_what_is_left() {
    let dir = workspace(
        "write",
        &[
            "examples/bad/buildah-root-missing.yaml",
            "examples/bad/compute-resources-missing.yaml",
            "examples/good/buildah-build-modelcar.yaml",
        ],
    );
    let root_missing = dir.join("buildah-root-missing.yaml");
    std::fs::set_permissions(&root_missing, std::fs::Permissions::from_mode(0o640)).unwrap();
    let good = read(&dir.join("buildah-build-modelcar.yaml"));
    let before = read(&root_missing);
    let untouched = read(&dir.join("compute-resources-missing.yaml"));
    let (code, out, err) = lint(&["--fix", dir.to_str().unwrap()]);
    // The fixed file is the known-good Task, but for its comments.
    let after = read(&root_missing);
    assert_ne!(after, before);
    assert!(after.contains("buildah --root \"$BUILDAH_STORAGE_ROOT\" --storage-driver=vfs push"));
    assert_eq!(
        after
            .lines()
            .skip(2)
            .filter(|l| !l.trim_start().starts_with('#'))
            .collect::<Vec<_>>(),
        good.replace(
            "${BUILDAH_STORAGE_ROOT} --storage-driver=vfs push",
            "\"$BUILDAH_STORAGE_ROOT\" --storage-driver=vfs push"
        )
        .lines()
        .skip(2)
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
    );
    let mode = std::fs::metadata(&root_missing)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);
    // No temporary file is left behind; the file without a fix is not rewritten.
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert_eq!(read(&dir.join("compute-resources-missing.yaml")), untouched);
    // What is left is reported, and decides the exit status.
    assert_eq!(code, 1);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains("error[compute-resources-missing]"), "{out}");
    assert_eq!(err, "fixed 1 finding in 1 file; 1 left to fix by hand\n");
    // Fixing again changes nothing.
    let (_, _, err) = lint(&["--fix", dir.to_str().unwrap()]);
    assert_eq!(err, "fixed 0 findings in 0 files; 1 left to fix by hand\n");
    assert_eq!(read(&root_missing), after);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn diff_shows_the_fixes_and_writes_nothing() {
    let dir = workspace("diff", &["examples/bad/privileged-container.yaml"]);
    let file = dir.join("privileged-container.yaml");
    let before = read(&file);
    let (code, out, err) = lint(&["--diff", file.to_str().unwrap()]);
    assert_eq!(read(&file), before);
    let name = file.to_str().unwrap().trim_start_matches('/');
    assert_eq!(
        out,
        format!(
            "--- a/{name}\n+++ b/{name}\n@@ -37,7 +37,6 @@\n         - name: HOME\n           value: $(workspaces.source.path)/.home\n       securityContext:\n-        privileged: true\n         capabilities:\n           add:\n             - SETFCAP\n"
        )
    );
    assert_eq!(
        err,
        "would fix 1 finding in 1 file; 0 left to fix by hand\n"
    );
    // The file as it is still has the error.
    assert_eq!(code, 1);
    // Standard input can be shown, not written.
    let (code, _, err) = lint(&["--fix", "-"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--fix cannot write standard input back"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn fix_only_limits_the_rules() {
    let dir = workspace("only", &["examples/bad/step-resources-field.yaml"]);
    let file = dir.join("step-resources-field.yaml");
    let before = read(&file);
    let (_, out, _) = lint(&[
        "--diff",
        "--fix-only",
        "buildah-root-missing",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out, "");
    let (code, out, _) = lint(&[
        "--fix-only",
        "step-resources-field,buildah-root-missing",
        file.to_str().unwrap(),
    ]);
    assert_eq!(
        read(&file),
        before.replace("      resources:\n", "      computeResources:\n")
    );
    // compute-resources-missing went with the rename: the limits are read again.
    assert_eq!((code, out.as_str()), (0, ""));
    for (id, says) in [
        ("no-such-rule", "is not a rule id"),
        ("compute-resources-missing", "has no automatic fix"),
    ] {
        let (code, _, err) = lint(&["--fix-only", id, file.to_str().unwrap()]);
        assert_eq!(code, 2);
        assert!(err.contains(says), "{err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The known-good Task with a privileged step accepted on purpose, and a suppression that
/// names a rule that does not exist.
fn suppressed_task(dir: &Path) -> PathBuf {
    let good = read(Path::new("../../examples/good/buildah-build-modelcar.yaml"));
    let text = good
        .replace(
            "    - name: build-and-push\n",
            "    - name: build-and-push # tekton-buildah-lint: ignore[privileged-container] the nodes' SELinux policy needs it\n",
        )
        .replace(
            "      securityContext:\n",
            "      securityContext:\n        privileged: true\n",
        )
        .replace(
            "        set -e\n",
            "        set -e # tekton-buildah-lint: ignore[buildah-root-mising] typo\n",
        );
    let file = dir.join("suppressed.yaml");
    std::fs::write(&file, text).unwrap();
    file
}

#[test]
fn suppressed_findings_stay_in_json_and_sarif_but_do_not_count() {
    let dir = workspace("suppressed", &[]);
    let file = suppressed_task(&dir);
    let path = file.to_str().unwrap();
    // Text: the suppressed finding is not printed; the bad comment is a warning; exit 0.
    let (code, out, _) = lint(&[path]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.contains("warning[suppression-invalid] comment on line 47: `buildah-root-mising` is not a rule id (did you mean `buildah-root-missing`?)"),
        "{out}"
    );
    // JSON keeps it, with the reason.
    let (_, out, _) = lint(&["--format", "json", path]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let privileged = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "privileged-container")
        .unwrap();
    assert_eq!(
        privileged["suppressed"],
        serde_json::json!({"justification": "the nodes' SELinux policy needs it"})
    );
    // SARIF: dismissed in source, with the justification.
    let (_, out, _) = lint(&["--format", "sarif", path]);
    let sarif: serde_json::Value = serde_json::from_str(&out).unwrap();
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "privileged-container")
        .unwrap();
    assert_eq!(
        result["suppressions"],
        serde_json::json!([{"kind": "inSource", "justification": "the nodes' SELinux policy needs it"}])
    );
    // And --fix leaves it.
    let (_, _, err) = lint(&["--fix", path]);
    assert_eq!(err, "fixed 0 findings in 0 files; 1 left to fix by hand\n");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sarif_offers_each_fix_as_replacements_of_the_file() {
    let schema: serde_json::Value =
        serde_json::from_str(&read(Path::new("tests/sarif-schema-2.1.0.json"))).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let (_, out, _) = lint(&["--format", "sarif", "../../examples/bad"]);
    let sarif: serde_json::Value = serde_json::from_str(&out).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let with_fix = |rule: &str| {
        results
            .iter()
            .find(|r| r["ruleId"] == rule)
            .and_then(|r| r.get("fixes"))
            .cloned()
    };
    assert_eq!(with_fix("compute-resources-missing"), None);
    let fix = with_fix("buildah-root-missing").unwrap();
    let change = &fix[0]["artifactChanges"][0];
    assert_eq!(
        change["artifactLocation"]["uri"],
        "../../examples/bad/buildah-root-missing.yaml"
    );
    // Inserted right after `buildah` on line 65 (column 9, seven characters).
    assert_eq!(
        change["replacements"],
        serde_json::json!([{
            "deletedRegion": {"startLine": 65, "startColumn": 16, "endLine": 65, "endColumn": 16},
            "insertedContent": {"text": " --root \"$BUILDAH_STORAGE_ROOT\""},
        }])
    );
    // Applying the replacements gives what --fix writes.
    let fix = with_fix("privileged-container").unwrap();
    let text = read(Path::new("../../examples/bad/privileged-container.yaml"));
    let mut lines: Vec<String> = text.split_inclusive('\n').map(String::from).collect();
    let r = &fix[0]["artifactChanges"][0]["replacements"][0];
    let (start, end) = (
        r["deletedRegion"]["startLine"].as_u64().unwrap() as usize,
        r["deletedRegion"]["endLine"].as_u64().unwrap() as usize,
    );
    assert_eq!(r["deletedRegion"]["startColumn"], 1);
    assert_eq!(r["deletedRegion"]["endColumn"], 1);
    lines.drain(start - 1..end - 1);
    let (_, diff, _) = lint(&["--diff", "../../examples/bad/privileged-container.yaml"]);
    assert!(diff.contains("-        privileged: true\n"));
    assert!(!lines.concat().contains("privileged: true"));
}
