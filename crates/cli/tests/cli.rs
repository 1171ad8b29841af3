//! The CLI end to end (in process): golden outputs in the actionlint style — every
//! `tests/golden/err/<case>.yaml` must print exactly `<case>.out`, every `ok/` case nothing —
//! plus each output format, the exit codes, configuration and standard input.
//!
//! `BLESS=1 cargo test -p tekton-buildah-lint --test cli` rewrites the `.out` files.

mod common;

use clap::Parser;
use common::lint;
use std::path::{Path, PathBuf};
use tekton_buildah_lint::Args;

fn cases(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(Path::new("tests/golden").join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    v.sort();
    v
}

#[test]
fn golden_error_cases_print_exactly_their_expected_output() {
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    for case in cases("err") {
        let path = case.to_str().unwrap();
        let (_, out, _) = lint(&[path]);
        let expected = case.with_extension("out");
        if bless {
            std::fs::write(&expected, &out).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&expected).unwrap_or_default();
        assert!(
            !want.is_empty(),
            "{}: empty expectation",
            expected.display()
        );
        if out != want {
            failures.push(format!("{path}\n--- expected\n{want}--- got\n{out}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn golden_ok_cases_print_nothing() {
    for case in cases("ok") {
        let (code, out, err) = lint(&[case.to_str().unwrap()]);
        assert_eq!(
            (code, out.as_str(), err.as_str()),
            (0, "", ""),
            "{}",
            case.display()
        );
    }
}

#[test]
fn exit_codes() {
    // Findings at error level.
    assert_eq!(lint(&["tests/golden/err/privileged-sidecar.yaml"]).0, 1);
    // Only warnings: clean by default, failing with --fail-on warning.
    let warn_only = "tests/golden/formats/warning-only.yaml";
    assert_eq!(lint(&[warn_only]).0, 0);
    assert_eq!(lint(&["--fail-on", "warning", warn_only]).0, 1);
    // Nothing to report.
    assert_eq!(lint(&["tests/golden/ok"]).0, 0);
    // A file that is not YAML: 2, even next to findings, and the other files are still checked.
    let (code, out, _) = lint(&[
        "tests/golden/err/not-yaml.yaml",
        "tests/golden/err/privileged-sidecar.yaml",
    ]);
    assert_eq!(code, 2);
    assert!(
        out.contains("privileged-sidecar.yaml:14:9: error[privileged-container]"),
        "{out}"
    );
    // A path that does not exist, a bad configuration, an unknown rule: 2.
    assert_eq!(lint(&["no/such/dir"]).0, 2);
    assert_eq!(
        lint(&[
            "--config",
            "tests/golden/formats/bad-config.yaml",
            "tests/golden/ok"
        ])
        .0,
        2
    );
    assert_eq!(lint(&["--explain", "no-such-rule"]).0, 2);
    // Usage errors come from the argument parser.
    let e = Args::try_parse_from(["tekton-buildah-lint", "--format", "xml"]).unwrap_err();
    assert!(e.use_stderr());
}

#[test]
fn directories_are_walked_and_gitignore_is_honoured() {
    let (code, out, _) = lint(&["tests/golden/walk"]);
    assert_eq!(code, 1);
    let files: Vec<&str> = out.lines().map(|l| l.split(':').next().unwrap()).collect();
    assert_eq!(files, ["tests/golden/walk/nested/task.yml"], "{out}");
    let (_, out, _) = lint(&["--exclude", "nested", "tests/golden/walk"]);
    assert_eq!(out, "");
}

#[test]
fn text_snippets_underline_the_token() {
    let (_, out, _) = lint(&["--snippet", "tests/golden/err/push-without-root.yaml"]);
    assert_eq!(
        out,
        "tests/golden/err/push-without-root.yaml:28:11: error[buildah-root-missing] [*] step \"push\" (spec.steps[0]): `buildah push` at script line 6 does not pass `--root`, so its storage lands on the node's disk; add `--root \"$BUILDAH_STORAGE_ROOT\"`\n   |\n28 |           buildah --storage-driver=vfs push --digestfile /tmp/digest \"$IMAGE\" \"docker://$IMAGE\"\n   |           ^^^^^^^\ntests/golden/err/push-without-root.yaml:28:11: error[storage-on-node-disk] step \"push\" (spec.steps[0]): `buildah push` at script line 6 keeps its storage root `/var/lib/containers/storage` (default as root) on the container's own filesystem, the node's disk: a large build is evicted; pass `--root` under a workspace backed by a PVC\n   |\n28 |           buildah --storage-driver=vfs push --digestfile /tmp/digest \"$IMAGE\" \"docker://$IMAGE\"\n   |           ^^^^^^^\n"
    );
}

#[test]
fn json_output_is_the_documented_version_1_schema() {
    let (code, out, _) = lint(&[
        "--format",
        "json",
        "tests/golden/err/privileged-sidecar.yaml",
        "tests/golden/err/not-yaml.yaml",
    ]);
    assert_eq!(code, 2);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["tool"]["name"], "tekton-buildah-lint");
    assert_eq!(v["files"], 2);
    assert_eq!(
        v["findings"][0],
        serde_json::json!({
            "file": "tests/golden/err/privileged-sidecar.yaml",
            "document": 1,
            "line": 14,
            "column": 9,
            "exact": true,
            "rule": "privileged-container",
            "level": "error",
            "subject": "sidecar \"dind\" (spec.sidecars[0])",
            "path": "spec.sidecars[0].securityContext.privileged",
            "message": "runs privileged (`privileged: true`); remove it and add only `SETFCAP` to `securityContext.capabilities.add`",
            "related": null,
            "fixable": true,
            "unfixable": null,
            "suppressed": null
        })
    );
    assert_eq!(v["fixed"], serde_json::json!([]));
    assert_eq!(v["errors"][0]["file"], "tests/golden/err/not-yaml.yaml");
    assert_eq!(v["errors"][0]["line"], 9);
}

#[test]
fn sarif_output_validates_against_the_sarif_2_1_0_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("tests/sarif-schema-2.1.0.json").unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let (_, out, _) = lint(&["--format", "sarif", "tests/golden/err", "tests/golden/ok"]);
    let sarif: serde_json::Value = serde_json::from_str(&out).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let run = &sarif["runs"][0];
    assert_eq!(
        run["tool"]["driver"]["rules"].as_array().unwrap().len(),
        tekton_buildah_core::rules::RULES.len()
    );
    assert!(
        run["tool"]["driver"]["rules"][3]["help"]["markdown"]
            .as_str()
            .unwrap()
            .starts_with("# buildah-root-missing")
    );
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    let first = &results[0];
    assert_eq!(
        first["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"],
        "%SRCROOT%"
    );
    // The file that is not YAML is a notification, not a silent skip.
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), 1);
}

#[test]
fn github_annotations_escape_their_values() {
    let (_, out, _) = lint(&[
        "--format",
        "github",
        "tests/golden/err/privileged-sidecar.yaml",
        "tests/golden/formats/warning-only.yaml",
    ]);
    assert_eq!(
        out,
        "::error file=tests/golden/err/privileged-sidecar.yaml,line=14,col=9,title=tekton-buildah-lint [privileged-container]::sidecar \"dind\" (spec.sidecars[0]): runs privileged (`privileged: true`); remove it and add only `SETFCAP` to `securityContext.capabilities.add`\n\
         ::warning file=tests/golden/formats/warning-only.yaml,line=10,col=7,title=tekton-buildah-lint [step-resources-field]::step \"hello\" (spec.steps[0]): tekton.dev/v1 renames the step field `resources` to `computeResources`; rename it when moving to v1 or it will be dropped\n"
    );
}

#[test]
fn settings_come_from_the_config_or_the_nearest_dotfile() {
    let task = "tests/golden/err/privileged-sidecar.yaml";
    // A plain settings object.
    let (code, out, _) = lint(&["--config", "tests/golden/formats/privileged-off.yaml", task]);
    assert_eq!((code, out.as_str()), (0, ""));
    // The cluster's own policy manifest: its `spec.settings`.
    let (code, _, _) = lint(&["--config", "../../policy.yaml", task]);
    assert_eq!(code, 1);
    // The settings error reads exactly as the policy's validate_settings says it.
    let (code, _, err) = lint(&["--config", "tests/golden/formats/bad-config.yaml", task]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: tests/golden/formats/bad-config.yaml: 2 problems in settings: `requiredEnvs` is not a setting (did you mean `requiredEnv`?); mandatoryFlags.build[0]: `buildah build` has no option `--sqush` (did you mean `--squash`?)\n"
    );
    // Discovery walks up from a directory.
    let found =
        tekton_buildah_lint::config::discover(Path::new("tests/golden/formats/nested/deeper"));
    assert_eq!(
        found.unwrap(),
        Path::new("tests/golden/formats/nested/.tekton-buildah.yaml")
    );
}

#[test]
fn explain_and_list_rules() {
    let (code, out, _) = lint(&["--explain", "buildah-root-missing"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("# buildah-root-missing\n"));
    assert!(out.contains("## Use instead"));
    let (code, out, _) = lint(&["--list-rules"]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), tekton_buildah_core::rules::RULES.len());
    assert!(
        out.lines()
            .next()
            .unwrap()
            .starts_with("step-resources-field ")
    );
}

#[test]
fn non_utf8_files_get_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("tbl-utf8-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("latin1.yaml");
    std::fs::write(
        &file,
        b"apiVersion: v1\nkind: ConfigMap\ndata:\n  a: caf\xe9\n",
    )
    .unwrap();
    let (code, out, _) = lint(&[file.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(code, 2);
    assert!(out.ends_with(":4:9: error: not UTF-8 text (invalid byte 0xe9 at offset 45); Kubernetes manifests must be UTF-8\n"), "{out}");
}

/// The user's global ignore file (git's `core.excludesFile`) is honoured like a `.gitignore`.
#[test]
fn the_global_git_excludes_file_is_honoured() {
    let dir = std::env::temp_dir().join(format!("tbl-global-excludes-{}", std::process::id()));
    let repo = dir.join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    let task = std::fs::read_to_string("tests/golden/walk/nested/task.yml").unwrap();
    std::fs::write(repo.join("kept.yaml"), &task).unwrap();
    std::fs::write(repo.join("scratch.yaml"), &task).unwrap();
    std::fs::write(dir.join("excludes"), "scratch.yaml\n").unwrap();
    std::fs::write(
        dir.join("gitconfig"),
        "[core]\n\texcludesFile = ~/excludes\n",
    )
    .unwrap();
    let run = |global: &Path| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_tekton-buildah-lint"))
            .arg(&repo)
            .env("HOME", &dir)
            .env("GIT_CONFIG_GLOBAL", global)
            .env("GIT_CONFIG_SYSTEM", dir.join("none"))
            .env_remove("XDG_CONFIG_HOME")
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let mut files: Vec<String> = text
            .lines()
            .map(|l| {
                l.split(':')
                    .next()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect();
        files.dedup();
        files
    };
    assert_eq!(run(&dir.join("gitconfig")), ["kept.yaml"]);
    assert_eq!(run(&dir.join("none")), ["kept.yaml", "scratch.yaml"]);
    std::fs::remove_dir_all(&dir).unwrap();
}
