//! Nothing between the request and the verdict may change it: on every document of every
//! example and corpus file, policy.wasm (the real waPC entry point, its request arena active,
//! on warm instances serving many requests in a row and on fresh ones) answers exactly the
//! bytes the native policy answers for the same payload — the same accepted flag, message
//! and warnings. `make fuzz` runs the same check on generated Tasks (`wasm_differential`).

use e2e_tests::{
    Differential, Limits, Policy, admission_request, default_wasm, every_rule_a_warning, repo_root,
    yaml_files,
};
use serde_json::json;
use std::time::Duration;

/// policy.wasm with bounds, so that a broken module fails the test instead of hanging it.
fn policy() -> Policy {
    let limits = Limits {
        memory_bytes: 256 << 20,
        deadline: Duration::from_secs(10),
    };
    Policy::load_limited(&default_wasm(), limits).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn policy_wasm_answers_every_example_and_corpus_document_as_the_native_policy() {
    let policy = policy();
    // A warm instance serves 25 requests before it is replaced; every third request is also
    // answered by a fresh instance.
    let mut diff = Differential::new(policy, 25, 3).unwrap_or_else(|e| panic!("{e}"));
    let mut files = yaml_files(&repo_root().join("examples"));
    files.extend(yaml_files(&repo_root().join("e2e-tests/corpus")));
    assert!(files.len() >= 122, "{} files", files.len());
    let settings = [json!({}), every_rule_a_warning()];
    let valid =
        tekton_buildah_policy::validate_settings(&serde_json::to_vec(&settings[1]).unwrap());
    assert!(valid.valid, "{:?}", valid.message);
    let mut documents = 0;
    let mut failures = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (i, doc) in tekton_buildah_core::yaml::load_documents(&text)
            .into_iter()
            .enumerate()
        {
            let Ok(doc) = doc else { continue };
            documents += 1;
            let object = doc.value.to_serde();
            for s in &settings {
                let payload = serde_json::to_vec(&json!({
                    "request": admission_request(&object, "CREATE"),
                    "settings": s,
                }))
                .unwrap();
                // The payload, and the same payload cut short (a request that cannot be read).
                for p in [&payload[..], &payload[..payload.len() / 2]] {
                    if let Err(e) = diff.check(p) {
                        failures.push(format!("{} document {}: {e}", file.display(), i + 1));
                    }
                }
                assert!(failures.len() < 5, "{}", failures.join("\n"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(documents >= 140, "{documents} documents");
    let wasm = &diff.wasm;
    assert_eq!(wasm.requests, documents * 4);
    assert!(wasm.instances >= 20 && wasm.fresh >= wasm.requests / 3);
    println!(
        "{} requests ({documents} documents): {} warm instances, {} requests also on fresh ones",
        wasm.requests, wasm.instances, wasm.fresh
    );
}

#[test]
fn a_difference_is_reported_with_both_answers() {
    // The check can fail: an answer that differs from the native one is shown.
    let mut diff = Differential::new(policy(), 1, 1).unwrap();
    let payload = br#"{"request": {"object": {"apiVersion": "tekton.dev/v1", "kind": "Task", "metadata": {"name": "t"}, "spec": {"steps": [{"name": "s", "image": "alpine", "securityContext": {"privileged": true}}]}}}}"#;
    assert_eq!(diff.check(payload), Ok(()));
    let err = e2e_tests::compare_answers(
        &tekton_buildah_policy::validate_json(payload).unwrap(),
        br#"{"accepted":true}"#,
        "test",
    )
    .unwrap_err();
    assert!(
        err.contains("accepted: false") && err.contains("accepted: true"),
        "{err}"
    );
}
