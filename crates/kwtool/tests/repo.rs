//! The shipping files of the repository agree with each other: one version everywhere,
//! `artifacthub-pkg.yml` generated from its sources, `questions-ui.yml` covering every setting
//! with the policy's defaults.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use tekton_buildah_core::rules::RULES;
use tekton_buildah_core::settings::{KEYS, Settings, defaults_json};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/kwtool is two levels down")
        .to_path_buf()
}

fn read(name: &str) -> String {
    std::fs::read_to_string(root().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn yaml(name: &str) -> Value {
    serde_saphyr::from_str(&read(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn metadata() -> kwtool::metadata::Metadata {
    kwtool::metadata::Metadata::from_yaml(&read("metadata.yml"), "metadata.yml")
        .unwrap()
        .0
}

#[test]
fn artifacthub_pkg_yml_is_generated_from_its_sources() {
    let generated = kwtool::artifacthub::generate(
        &metadata(),
        Some(&read("questions-ui.yml")),
        &read("CHANGELOG.md"),
    )
    .unwrap();
    let committed = read("artifacthub-pkg.yml");
    if generated != committed {
        let line = generated
            .lines()
            .zip(committed.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || "at the end".to_string(),
                |i| format!("from line {}", i + 1),
            );
        panic!(
            "artifacthub-pkg.yml differs from what metadata.yml, questions-ui.yml and \
             CHANGELOG.md give ({line}): run `make artifacthub-pkg.yml` and commit the result"
        );
    }
}

#[test]
fn one_version_everywhere() {
    let version = env!("CARGO_PKG_VERSION");
    let tag = format!("v{version}");
    let m = metadata();
    assert_eq!(
        m.annotation("io.kubewarden.policy.version"),
        Some(version),
        "metadata.yml's io.kubewarden.policy.version is not the workspace version"
    );
    assert_eq!(
        yaml("artifacthub-pkg.yml")["version"],
        json!(version),
        "artifacthub-pkg.yml"
    );
    kwtool::artifacthub::release_date(&read("CHANGELOG.md"), version)
        .expect("CHANGELOG.md has an entry for the version");

    // policy.yaml's module (the tag form is active; the digest form is a comment).
    let oci_url = m.annotation("io.kubewarden.policy.ociUrl").unwrap();
    let policy: Value = serde_saphyr::from_str(&read("policy.yaml")).unwrap();
    assert_eq!(
        policy["spec"]["module"],
        json!(format!("registry://{oci_url}:{tag}")),
        "policy.yaml's module is not the ociUrl with the version's tag"
    );
    let digest_form = read("policy.yaml")
        .lines()
        .find(|l| l.trim_start().starts_with("# module: registry://"))
        .map(|l| l.trim_start().trim_start_matches("# module: ").to_string())
        .expect("policy.yaml shows the digest form of `module` in a comment");
    assert!(
        digest_form.starts_with(&format!("registry://{oci_url}@sha256:")),
        "{digest_form}"
    );

    // What `make push` pushes by default.
    let output = std::process::Command::new("make")
        .args(["--no-print-directory", "-s", "print-push-ref"])
        .current_dir(root())
        .env_remove("TAG")
        .env_remove("REGISTRY")
        .env_remove("MAKEFLAGS")
        .env_remove("MAKELEVEL")
        .env_remove("MFLAGS")
        .output()
        .expect("make runs");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        format!("{oci_url}:{tag}"),
        "`make push` does not push to the ociUrl under the version's tag"
    );
}

/// Writes `value` at a dotted `variable` path, as the Rancher UI does with an answer.
fn set(target: &mut Value, variable: &str, value: Value) {
    let mut parts = variable.split('.').peekable();
    let mut node = target;
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            node[part] = value;
            return;
        }
        if node.get(part).is_none() {
            node[part] = json!({});
        }
        node = &mut node[part];
    }
}

#[test]
fn questions_ui_covers_every_setting_with_its_default() {
    let questions = yaml("questions-ui.yml");
    let questions = questions["questions"].as_array().expect("a questions list");
    let known_types = [
        "string",
        "boolean",
        "int",
        "enum",
        "array[",
        "map[",
        "sequence[",
    ];
    let mut answers = json!({});
    let mut variables = Vec::new();
    for q in questions {
        let variable = q["variable"]
            .as_str()
            .expect("every question has a variable");
        let ty = q["type"].as_str().unwrap_or_default();
        assert!(known_types.contains(&ty), "{variable}: type {ty:?}");
        assert!(
            q.get("label").is_some() || q.get("description").is_some(),
            "{variable}: no label"
        );
        if variable == "description" {
            assert_eq!(q["hide_input"], json!(true));
            continue;
        }
        variables.push(variable.to_string());
        if let Some(default) = q.get("default") {
            set(&mut answers, variable, default.clone());
        }
        for sub in q["subquestions"].as_array().into_iter().flatten() {
            let sub_variable = sub["variable"].as_str().unwrap();
            assert!(
                sub_variable.starts_with(&format!("{variable}.")),
                "{sub_variable} is not under {variable}"
            );
            if let Some(default) = sub.get("default") {
                set(&mut answers, sub_variable, default.clone());
            }
        }
        if ty == "sequence[" {
            let fields: Vec<&str> = q["sequence_questions"]
                .as_array()
                .expect("sequence questions")
                .iter()
                .map(|s| s["variable"].as_str().unwrap())
                .collect();
            assert_eq!(
                fields,
                ["name", "valuePattern", "inWorkspace"],
                "{variable}"
            );
        }
    }
    assert_eq!(
        variables, KEYS,
        "one question per setting, in the README's order"
    );
    assert_eq!(
        answers,
        defaults_json(),
        "the form's defaults are not the policy's defaults"
    );
    Settings::from_json_checked(&answers).expect("the form's defaults are valid settings");

    // One level question per configurable rule; each answer is a valid setting.
    let rules = questions.iter().find(|q| q["variable"] == "rules").unwrap();
    let levels: Vec<&Value> = rules["subquestions"].as_array().unwrap().iter().collect();
    // The rules about suppression comments are the CLI's and the playground's: a cluster
    // never sees comments, so its form does not offer them.
    let configurable: Vec<_> = RULES
        .iter()
        .filter(|r| r.configurable() && !r.reads_comments())
        .collect();
    assert_eq!(levels.len(), configurable.len());
    for (q, rule) in levels.iter().zip(configurable) {
        assert_eq!(q["variable"], json!(format!("rules.{}.level", rule.id())));
        assert!(
            q.get("default").is_none(),
            "unset keeps the rule's default level"
        );
        assert_eq!(q["options"], json!(["error", "warning", "off"]));
        for level in ["error", "warning", "off"] {
            let mut settings = json!({});
            set(&mut settings, q["variable"].as_str().unwrap(), json!(level));
            Settings::from_json(&settings).unwrap_or_else(|e| panic!("{}={level}: {e}", rule.id()));
        }
    }
}

#[test]
fn the_committed_artifacthub_pkg_carries_the_ui_and_the_rules() {
    let pkg = yaml("artifacthub-pkg.yml");
    let annotations = &pkg["annotations"];
    assert!(
        annotations["kubewarden/questions-ui"] == json!(read("questions-ui.yml")),
        "kubewarden/questions-ui is not questions-ui.yml word for word"
    );
    assert_eq!(annotations["kubewarden/mutation"], json!("false"));
    let rules: Value =
        serde_saphyr::from_str(annotations["kubewarden/rules"].as_str().unwrap()).unwrap();
    assert_eq!(rules, serde_json::to_value(&metadata().rules).unwrap());
    // What the policy may read with `resolveReferences`, as the Rancher UI shows it.
    let resources: Value = serde_saphyr::from_str(
        annotations["kubewarden/contextAwareResources"]
            .as_str()
            .expect("the context-aware resources"),
    )
    .unwrap();
    assert_eq!(
        resources,
        serde_json::to_value(&metadata().context_aware_resources).unwrap()
    );
}

/// `kwtool artifacthub --check` against `package`: (exit status, stderr).
fn check(package: &Path) -> (u8, String) {
    let root = root();
    let path = |n: &str| root.join(n).display().to_string();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = kwtool::cli::run(
        [
            "kwtool".to_string(),
            "artifacthub".to_string(),
            "--check".to_string(),
            "--metadata".to_string(),
            path("metadata.yml"),
            "--questions".to_string(),
            path("questions-ui.yml"),
            "--changelog".to_string(),
            path("CHANGELOG.md"),
            "--output".to_string(),
            package.display().to_string(),
        ],
        &mut std::io::empty(),
        &mut out,
        &mut err,
    );
    (code, String::from_utf8(err).unwrap())
}

#[test]
fn kwtool_artifacthub_check_tells_a_current_file_from_a_stale_one() {
    let (code, err) = check(&root().join("artifacthub-pkg.yml"));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("is up to date"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let stale = dir.path().join("artifacthub-pkg.yml");
    std::fs::write(
        &stale,
        read("artifacthub-pkg.yml").replace("version: \"0.", "version: \"9."),
    )
    .unwrap();
    let (code, err) = check(&stale);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("run `make artifacthub-pkg.yml`"), "{err}");
}
