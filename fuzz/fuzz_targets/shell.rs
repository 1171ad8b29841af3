//! Arbitrary text as a buildah step's script (and, split at NUL bytes, as exec-form
//! `command` + `args`): the analysis must answer, deterministically, without panicking.
//! Deterministically: the same object with its keys in another order (which JSON leaves open)
//! gives the same findings, in the same order.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::json;
use std::sync::OnceLock;
use tekton_buildah_core::{Settings, check_object};
use tekton_buildah_fuzz::keys_reversed;

fn settings() -> &'static Settings {
    static S: OnceLock<Settings> = OnceLock::new();
    S.get_or_init(Settings::default)
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\0');
    let script = parts.next().unwrap_or("");
    let exec: Vec<&str> = parts.collect();
    let mut step = json!({
        "name": "build",
        "image": "quay.io/buildah/stable",
        "env": [{"name": "BUILDAH_STORAGE_ROOT", "value": "$(workspaces.source.path)/s"}],
        "script": script,
    });
    let task = |step: &serde_json::Value| {
        json!({
            "apiVersion": "tekton.dev/v1",
            "kind": "Task",
            "metadata": {"name": "fuzz"},
            "spec": {
                "params": [{"name": "FORMAT", "default": "oci"}, {"name": "ARGS", "type": "array", "default": ["--squash"]}],
                "workspaces": [{"name": "source"}],
                "steps": [
                    {"name": "load", "image": "alpine", "script": script},
                    step,
                ],
            },
        })
    };
    let object = task(&step);
    let first = check_object(&object, settings());
    let again = check_object(&keys_reversed(&object), settings());
    assert_eq!(
        first.findings, again.findings,
        "findings must not depend on the order of keys, nor differ from one run to the next"
    );
    assert_eq!(first.rejection_message(), again.rejection_message());
    if !exec.is_empty() {
        step.as_object_mut().unwrap().remove("script");
        step["command"] = json!(exec[..1]);
        step["args"] = json!(exec[1..]);
        let _ = check_object(&task(&step), settings());
    }
});
