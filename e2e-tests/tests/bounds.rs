//! Hostile and huge inputs get an answer inside the Wasm runtime with a memory ceiling and an
//! execution deadline (docs/evasion.md, "Limits"): a trap here would be a failed admission in
//! a cluster.

use e2e_tests::{Limits, Policy, Response, default_wasm};
use serde_json::{Value, json};
use std::sync::OnceLock;
use std::time::Duration;

fn policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(|| {
        let limits = Limits {
            memory_bytes: 512 << 20,
            deadline: Duration::from_secs(20),
        };
        Policy::load_limited(&default_wasm(), limits).unwrap_or_else(|e| panic!("{e}"))
    })
}

fn task(steps: Vec<Value>) -> Value {
    json!({
        "apiVersion": "tekton.dev/v1", "kind": "Task", "metadata": {"name": "big"},
        "spec": {"workspaces": [{"name": "source"}], "steps": steps},
    })
}

fn step(i: usize, script: &str) -> Value {
    json!({"name": format!("s{i}"), "image": "quay.io/buildah/stable", "script": script})
}

fn answer(object: &Value) -> Response {
    policy()
        .validate(object, &json!({}))
        .unwrap_or_else(|e| panic!("no answer (trap, out of memory or deadline): {e}"))
}

#[test]
fn a_10_mb_object_is_answered() {
    let script = "buildah --root /r bud --squash -t img .\necho \"building\"\n".repeat(200);
    let steps: Vec<Value> = (0..1_000).map(|i| step(i, &script)).collect();
    let object = task(steps);
    assert!(object.to_string().len() > 10_000_000);
    let r = answer(&object);
    assert!(!r.accepted);
    let m = r.message.unwrap();
    assert!(
        m.starts_with("1000 problems: [compute-resources-missing] step \"s0\""),
        "{}",
        &m[..200]
    );
    assert!(m.ends_with("; and more: only the first 1000 findings are listed"));
}

#[test]
fn a_1_mb_script_and_a_1_mb_line_are_answered() {
    let script = "buildah push img\n".repeat(62_000);
    assert!(script.len() > 1_000_000);
    let r = answer(&task(vec![step(0, &script)]));
    assert!(!r.accepted);
    let line = format!("buildah push img {}\n", "--label=a=b ".repeat(90_000));
    assert!(line.len() > 1_000_000);
    let r = answer(&task(vec![step(0, &line)]));
    assert!(
        r.message
            .unwrap()
            .contains("`buildah push` at script line 1")
    );
}

#[test]
fn ten_thousand_steps_are_answered() {
    let steps: Vec<Value> = (0..10_000).map(|i| step(i, "buildah images")).collect();
    let r = answer(&task(steps));
    let m = r.message.unwrap();
    assert!(
        m.ends_with("; and more: only the first 1000 findings are listed"),
        "{}",
        &m[m.len() - 200..]
    );
}

#[test]
fn deep_shell_nesting_is_bounded() {
    // (JSON nested past serde_json's limit: tests/policy.rs.) Shell nesting far past the
    // parser's limit.
    let nested = format!(
        "{}buildah push img{}",
        "$(".repeat(20_000),
        ")".repeat(20_000)
    );
    let r = answer(&task(vec![step(0, &nested)]));
    let warnings = r.warnings.unwrap_or_default().join("\n");
    assert!(
        warnings.contains("nesting is deeper than the analysis follows"),
        "{warnings}"
    );
    let ifs = format!(
        "{}buildah push img\n{}",
        "if true; then\n".repeat(20_000),
        "fi\n".repeat(20_000)
    );
    let r = answer(&task(vec![step(0, &ifs)]));
    assert!(
        r.warnings
            .unwrap_or_default()
            .iter()
            .any(|w| w.contains("nesting"))
    );
}

#[test]
fn repetitive_scripts_hit_the_work_limit() {
    // Each function calls the previous one ten times: 10^12 calls if followed naively.
    let mut script = String::from("f0() { buildah images; }\n");
    for i in 1..12 {
        let calls = format!("f{} ", i - 1).repeat(10).replace(' ', "; ");
        script.push_str(&format!("f{i}() {{ {calls} }}\n"));
    }
    script.push_str("f11\n");
    let r = answer(&task(vec![step(0, &script)]));
    let warnings = r.warnings.unwrap_or_default().join("\n");
    assert!(
        warnings.contains("too large or repetitive to follow completely"),
        "{warnings}"
    );
}

/// policy-server gives every request a fresh instance, but an instance that answers many
/// requests must not accumulate memory either: each call frees what it allocated, and the
/// policy's allocator starts over (src/arena.rs). Here linear memory cannot grow past the
/// module's initial size, so a leak, or a typical or large Task that did not fit in the
/// initial memory, would trap.
#[test]
fn a_warm_instance_answers_request_after_request_in_its_initial_memory() {
    use e2e_tests::{admission_request, repo_root, wasmtime, yaml_documents};
    let engine = wasmtime::Engine::default();
    let module = wasmtime::Module::from_file(&engine, default_wasm()).expect("policy.wasm");
    let pages = module
        .exports()
        .find_map(|e| e.ty().memory().map(|m| m.minimum()))
        .expect("an exported memory");
    let limits = Limits {
        memory_bytes: pages * 65536,
        deadline: Duration::from_secs(20),
    };
    let policy = Policy::load_limited(&default_wasm(), limits).unwrap_or_else(|e| panic!("{e}"));
    let host = policy.warm_host().expect("an instance");
    let settings =
        yaml_documents(&repo_root().join("policy.yaml")).unwrap()[0]["spec"]["settings"].clone();
    let payload = |file: &str| {
        let object = yaml_documents(&repo_root().join(file)).unwrap()[0].clone();
        serde_json::to_vec(&json!({
            "request": admission_request(&object, "CREATE"),
            "settings": settings,
        }))
        .unwrap()
    };
    let typical = payload("examples/good/buildah-build-modelcar.yaml");
    let large =
        payload("e2e-tests/corpus/konflux-ci__build-definitions/task__buildah__0.9__buildah.yaml");
    let accepted = |out: Vec<u8>| serde_json::from_slice::<Response>(&out).unwrap().accepted;
    for round in 0..300 {
        let out = host.call("validate", &typical);
        assert!(accepted(
            out.unwrap_or_else(|e| panic!("round {round}: {e}"))
        ));
        if round % 30 == 0 {
            let out = host.call("validate", &large);
            assert!(!accepted(
                out.unwrap_or_else(|e| panic!("round {round}: {e}"))
            ));
            let out = host.call("validate_settings", &serde_json::to_vec(&settings).unwrap());
            assert!(out.is_ok(), "round {round}");
        }
    }
}
