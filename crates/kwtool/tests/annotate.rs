//! `kwtool annotate` on the real policy.wasm (`make policy.wasm`; `$POLICY_WASM` overrides):
//! the custom section is read back with wasmparser, independently of kwtool's reader, and
//! compared with metadata.yml read on its own.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/kwtool is two levels down")
        .to_path_buf()
}

fn policy_wasm() -> PathBuf {
    let path = std::env::var_os("POLICY_WASM")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("policy.wasm"));
    assert!(
        path.is_file(),
        "{} is missing: build it with `make policy.wasm`",
        path.display()
    );
    path
}

fn kwtool(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kwtool"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("kwtool runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Every custom section of a module, (name, data), in order, and where the last section ends.
fn custom_sections(module: &[u8]) -> Vec<(String, Vec<u8>, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(module) {
        let payload = payload.expect("a valid module");
        if let wasmparser::Payload::CustomSection(reader) = &payload {
            let (_, range) = payload.as_section().unwrap();
            out.push((reader.name().to_string(), reader.data().to_vec(), range));
        }
    }
    out
}

#[test]
fn the_metadata_section_holds_metadata_yml_as_kwctl_writes_it() {
    let policy = policy_wasm();
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("annotated-policy.wasm");
    let (code, _, err) = kwtool(&[
        "annotate",
        "--metadata",
        "metadata.yml",
        "--usage",
        "README.md",
        "--output",
        output.to_str().unwrap(),
        policy.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("protocol v1"), "{err}");

    let original = std::fs::read(&policy).unwrap();
    let annotated = std::fs::read(&output).unwrap();
    let sections = custom_sections(&annotated);
    let metadata: Vec<_> = sections
        .iter()
        .filter(|(name, _, _)| name == "io.kubewarden.metadata")
        .collect();
    assert_eq!(metadata.len(), 1, "exactly one metadata section");
    let (_, data, range) = metadata[0];
    assert_eq!(range.end, annotated.len(), "the section is appended last");
    assert_eq!(
        &annotated[..original.len()],
        &original[..],
        "everything before the section is policy.wasm, byte for byte"
    );

    // What kwctl writes: metadata.yml as JSON, camelCase, with protocolVersion from the module,
    // the defaults filled in and the README as the usage annotation.
    let actual: Value = serde_json::from_slice(data).expect("the section is JSON");
    let mut expected: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(root().join("metadata.yml")).unwrap())
            .unwrap();
    expected["protocolVersion"] = json!("v1");
    expected["annotations"]["io.kubewarden.policy.usage"] =
        json!(std::fs::read_to_string(root().join("README.md")).unwrap());
    for (field, default) in [
        ("backgroundAudit", json!(true)),
        ("contextAwareResources", json!([])),
        ("executionMode", json!("kubewarden-wapc")),
        ("policyType", json!("kubernetes")),
    ] {
        if expected.get(field).is_none() {
            expected[field] = default;
        }
    }
    assert_eq!(actual, expected);
    // Compact JSON with Kubewarden's field order (annotations, a sorted map, in between).
    let text = std::str::from_utf8(data).unwrap();
    assert!(
        text.starts_with(r#"{"protocolVersion":"v1","rules":[{"apiGroups":"#),
        "{}",
        &text[..80]
    );
    assert!(
        text.ends_with(
            r#"},"mutating":false,"backgroundAudit":true,"contextAwareResources":[{"apiVersion":"tekton.dev/v1","kind":"Pipeline"},{"apiVersion":"tekton.dev/v1","kind":"Task"},{"apiVersion":"tekton.dev/v1beta1","kind":"ClusterTask"},{"apiVersion":"tekton.dev/v1beta1","kind":"StepAction"}],"hostCapabilities":["kubernetes/get_resource"],"executionMode":"kubewarden-wapc","policyType":"kubernetes"}"#
        ),
        "{}",
        &text[text.len() - 400..]
    );

    // `inspect` reads it back; annotating again needs --force.
    let (code, out, err) = kwtool(&["inspect", output.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap(), actual);
    let (code, _, err) = kwtool(&[
        "annotate",
        "--output",
        dir.path().join("twice.wasm").to_str().unwrap(),
        output.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("already carries Kubewarden metadata"), "{err}");
    assert!(err.contains("--force"), "{err}");
}

#[test]
fn broken_metadata_is_reported_field_by_field_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let metadata = dir.path().join("metadata.yml");
    std::fs::write(
        &metadata,
        "rules:\n  - apiGroups: []\n    apiVersions: [v1]\n    resources: [\"*\", tasks]\n    operations: [CREATE]\nmutating: false\n",
    )
    .unwrap();
    let output = dir.path().join("out.wasm");
    let (code, _, err) = kwtool(&[
        "annotate",
        "--metadata",
        metadata.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
        policy_wasm().to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("rules[0].apiGroups: must not be empty"),
        "{err}"
    );
    assert!(
        err.contains("rules[0].resources: `*` covers every resource"),
        "{err}"
    );
    assert!(!output.exists());

    std::fs::write(&metadata, "rules: []\n").unwrap();
    let (code, _, err) = kwtool(&[
        "annotate",
        "--metadata",
        metadata.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
        policy_wasm().to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("metadata.yml") && err.contains("mutating"),
        "{err}"
    );
    assert!(!output.exists());
}
