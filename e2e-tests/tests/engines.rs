//! `make run` shows the verdicts a cluster gives: policy-run (policy.wasm in the wasmi
//! interpreter behind our own waPC host) and the runtime Kubewarden's policy-server uses
//! (wasmtime through wasmtime-provider and wapc) give the same answer (accepted, message,
//! code, warnings) for every document of every example and corpus file, with the default
//! settings and with references followed in a cluster holding the file's documents; and they
//! judge settings alike.

use e2e_tests::{FakeCluster, Policy, default_wasm, repo_root, yaml_each, yaml_files};
use serde_json::{Value, json};
use std::sync::Arc;

fn both() -> (Policy, policy_run::Policy) {
    let wasm = default_wasm();
    let wasmtime = Policy::load(&wasm).unwrap_or_else(|e| panic!("{e}"));
    let wasmi = policy_run::Policy::load(&wasm).unwrap_or_else(|e| panic!("{e}"));
    (wasmtime, wasmi)
}

#[test]
fn wasmi_and_wasmtime_answer_alike_on_examples_and_corpus() {
    let (wasmtime, wasmi) = both();
    let mut files = yaml_files(&repo_root().join("examples"));
    files.extend(yaml_files(&repo_root().join("e2e-tests/corpus")));
    assert!(files.len() >= 122, "{} files", files.len());
    let (mut compared, mut rejected, mut looked_up) = (0, 0, 0);
    for file in &files {
        let docs: Vec<Value> = yaml_each(file).unwrap().into_iter().flatten().collect();
        // The cluster: the file's objects, in the namespace the requests name.
        let objects = docs
            .iter()
            .filter(|d| d.is_object())
            .cloned()
            .map(|mut d| {
                if d["metadata"].is_object() && d["metadata"]["namespace"].is_null() {
                    d["metadata"]["namespace"] = json!("default");
                }
                d
            })
            .collect();
        let cluster = FakeCluster::new(objects);
        let host = {
            let cluster = cluster.clone();
            Arc::new(move |b: &str, n: &str, o: &str, p: &[u8]| cluster.host_call(b, n, o, p))
        };
        for doc in &docs {
            let at = format!("{} {}", file.display(), doc["metadata"]["name"]);
            let plain = json!({});
            let a = wasmtime
                .validate(doc, &plain)
                .unwrap_or_else(|e| panic!("{at}: {e}"));
            let b = wasmi
                .validate(doc, &plain)
                .unwrap_or_else(|e| panic!("{at}: {e}"));
            assert_eq!(a, b, "{at}: wasmtime (left) and wasmi (right) differ");

            let follow = json!({"resolveReferences": true});
            let asked = cluster.requests.lock().unwrap().len();
            let a = wasmtime
                .validate_in(doc, &follow, &cluster)
                .unwrap_or_else(|e| panic!("{at}: {e}"));
            let by_wasmtime = cluster.requests.lock().unwrap().len() - asked;
            let b = wasmi
                .validate_with(doc, &follow, Some(host.clone()))
                .unwrap_or_else(|e| panic!("{at}: {e}"));
            let by_wasmi = cluster.requests.lock().unwrap().len() - asked - by_wasmtime;
            assert_eq!(a, b, "{at} (resolveReferences): wasmtime and wasmi differ");
            assert_eq!(by_wasmtime, by_wasmi, "{at}: lookups made");
            compared += 1;
            rejected += usize::from(!a.accepted);
            looked_up += by_wasmi;
        }
    }
    // The comparison covered both verdicts and the host's lookups.
    // (145 documents, 94 rejected, 19 lookups when written.)
    assert!(compared >= 140, "{compared} documents");
    assert!(rejected >= 80, "{rejected} rejections");
    assert!(looked_up >= 15, "{looked_up} lookups");
}

#[test]
fn settings_are_judged_alike() {
    let (wasmtime, wasmi) = both();
    let cases = [
        json!({}),
        json!({"resolveReferences": true, "allowedCapabilities": ["SETFCAP", "SYS_ADMIN"]}),
        json!({"rules": {"buildah-unanalyzable": {"level": "error"}}, "requiredEnv": []}),
        json!({"bogus": 1}),
        json!({"rules": {"no-such-rule": {"level": "error"}}}),
        json!([1, 2]),
    ];
    let mut invalid = 0;
    for settings in &cases {
        let a = wasmtime.validate_settings(settings).unwrap();
        let b = wasmi.validate_settings(settings).unwrap();
        assert_eq!(a, b, "{settings}");
        invalid += usize::from(!a.valid);
    }
    assert_eq!(invalid, 3);
}

/// Without a host, policy-run refuses lookups and says so, where the cluster would answer.
#[test]
fn policy_run_has_no_host_capabilities() {
    let (_, wasmi) = both();
    let run = json!({
        "apiVersion": "tekton.dev/v1",
        "kind": "TaskRun",
        "metadata": {"name": "build"},
        "spec": {"taskRef": {"name": "buildah"}},
    });
    let r = wasmi
        .validate(&run, &json!({"resolveReferences": true}))
        .unwrap();
    let warnings = r.warnings.unwrap_or_default().join("\n");
    assert!(
        warnings.contains(policy_run::host::NO_HOST),
        "{warnings}\n{:?}",
        r.message
    );
}
