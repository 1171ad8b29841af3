//! End-to-end: the built `policy.wasm`, loaded through wasmtime-provider and waPC exactly as
//! Kubewarden's policy-evaluator loads it, answering admission requests.

use e2e_tests::{Policy, Response, admission_request, default_wasm, repo_root, yaml_documents};
use serde_json::{Value, json};
use std::sync::OnceLock;
use tekton_buildah_core::rules::RULES;

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| Policy::load(&default_wasm()).unwrap_or_else(|e| panic!("{e}")))
}

fn example(path: &str) -> Value {
    let docs = yaml_documents(&repo_root().join(path)).unwrap();
    docs.into_iter().next().unwrap()
}

fn seed() -> Value {
    example("examples/good/buildah-build-modelcar.yaml")
}

fn validate(object: &Value) -> Response {
    policy().validate(object, &json!({})).unwrap()
}

fn validate_with(object: &Value, settings: Value) -> Response {
    policy().validate(object, &settings).unwrap()
}

fn message(r: &Response) -> &str {
    r.message.as_deref().unwrap_or("")
}

fn warnings(r: &Response) -> Vec<String> {
    r.warnings.clone().unwrap_or_default()
}

/// The seed Task with its first step replaced by `f(step)`.
fn seed_with(f: impl FnOnce(&mut Value)) -> Value {
    let mut task = seed();
    f(&mut task["spec"]["steps"][0]);
    task
}

#[test]
fn speaks_wapc_protocol_v1() {
    assert_eq!(policy().protocol_version().unwrap(), "v1");
}

#[test]
fn the_seed_task_is_admitted_without_warnings() {
    let r = validate(&seed());
    assert!(r.accepted, "{r:?}");
    assert_eq!(r.message, None);
    assert_eq!(r.warnings, None);
}

#[test]
fn each_bad_example_is_reported_with_its_rule() {
    let dir = repo_root().join("examples/bad");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        // Named after the rule, or the rule and what the example shows
        // (`storage-on-node-disk-pipelinerun`).
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let rule = RULES
            .iter()
            .map(|r| r.id())
            .filter(|id| stem == *id || stem.starts_with(&format!("{id}-")))
            .max_by_key(|id| id.len())
            .unwrap_or_else(|| panic!("{stem}: not named after a rule"));
        for doc in yaml_documents(&path).unwrap() {
            let r = validate(&doc);
            let all = format!("{} {}", message(&r), warnings(&r).join(" "));
            assert!(
                all.contains(&format!("[{rule}]")),
                "{}: expected [{rule}], got {r:?}",
                path.display()
            );
            seen += 1;
        }
    }
    assert!(seen >= 10, "one bad example per rule, found {seen}");
}

#[test]
fn a_rejection_lists_every_problem_in_order() {
    let task = seed_with(|step| {
        step["securityContext"] =
            json!({"privileged": true, "capabilities": {"add": ["SETFCAP", "SYS_ADMIN"]}});
        let script = step["script"].as_str().unwrap().replace(
            "buildah --root ${BUILDAH_STORAGE_ROOT} --storage-driver=vfs push",
            "buildah --storage-driver=vfs push",
        );
        step["script"] = json!(script);
    });
    let r = validate(&task);
    assert!(!r.accepted);
    assert_eq!(
        message(&r),
        "4 problems: \
         [privileged-container] step \"build-and-push\" (spec.steps[0]): runs privileged (`privileged: true`); remove it and add only `SETFCAP` to `securityContext.capabilities.add`; \
         [capability-not-allowed] step \"build-and-push\" (spec.steps[0]): adds capability `SYS_ADMIN`, which is not allowed (allowed: `SETFCAP`); remove it; \
         [buildah-root-missing] step \"build-and-push\" (spec.steps[0]): `buildah push` at script line 21 does not pass `--root`, so its storage lands on the node's disk; add `--root \"$BUILDAH_STORAGE_ROOT\"`; \
         [storage-on-node-disk] step \"build-and-push\" (spec.steps[0]): `buildah push` at script line 21 keeps its storage root `/var/lib/containers/storage` (default as root) on the container's own filesystem, the node's disk: a large build is evicted; pass `--root` under a workspace backed by a PVC"
    );
}

#[test]
fn warnings_are_returned_on_an_accepted_request() {
    let task = seed_with(|step| {
        step["securityContext"] = json!({"runAsUser": 1000});
    });
    let r = validate(&task);
    assert!(r.accepted, "{r:?}");
    assert_eq!(
        warnings(&r),
        [
            "[capability-missing] step \"build-and-push\" (spec.steps[0]): buildah needs capability `SETFCAP`; add it to `securityContext.capabilities.add`"
        ]
    );
}

#[test]
fn v1beta1_step_resources_warn_and_v1_ones_reject() {
    let mut task = seed_with(|step| {
        let compute = step
            .as_object_mut()
            .unwrap()
            .remove("computeResources")
            .unwrap();
        step["resources"] = compute;
    });
    let r = validate(&task);
    assert!(!r.accepted);
    assert!(message(&r).contains("[step-resources-field] step \"build-and-push\" (spec.steps[0]): `resources` is not a field of a tekton.dev/v1 step"));
    task["apiVersion"] = json!("tekton.dev/v1beta1");
    let r = validate(&task);
    assert!(r.accepted, "{r:?}");
    assert!(warnings(&r)[0].starts_with(
        "[step-resources-field] step \"build-and-push\" (spec.steps[0]): tekton.dev/v1 renames"
    ));
}

/// A step that breaks the privileged rule, wrapped in every kind that can carry it.
#[test]
fn every_kind_that_carries_steps_is_checked() {
    let step = json!({"name": "bad", "image": "alpine", "securityContext": {"privileged": true}, "script": "true"});
    let task_spec = json!({"steps": [step]});
    let cases = [
        ("tekton.dev/v1", "Task", json!(task_spec), "spec.steps[0]"),
        (
            "tekton.dev/v1beta1",
            "ClusterTask",
            json!(task_spec),
            "spec.steps[0]",
        ),
        (
            "tekton.dev/v1",
            "TaskRun",
            json!({"taskSpec": task_spec}),
            "spec.taskSpec.steps[0]",
        ),
        (
            "tekton.dev/v1",
            "Pipeline",
            json!({"tasks": [{"name": "a", "taskRef": {"name": "x"}}], "finally": [{"name": "f", "taskSpec": task_spec}]}),
            "spec.finally[0].taskSpec.steps[0]",
        ),
        (
            "tekton.dev/v1beta1",
            "PipelineRun",
            json!({"pipelineSpec": {"tasks": [{"name": "t", "taskSpec": task_spec}]}}),
            "spec.pipelineSpec.tasks[0].taskSpec.steps[0]",
        ),
        ("tekton.dev/v1beta1", "StepAction", step.clone(), "spec"),
        ("tekton.dev/v1alpha1", "StepAction", step.clone(), "spec"),
    ];
    for (api, kind, spec, path) in cases {
        let object =
            json!({"apiVersion": api, "kind": kind, "metadata": {"name": "x"}, "spec": spec});
        let r = validate(&object);
        assert!(!r.accepted, "{api} {kind}: {r:?}");
        let m = message(&r);
        assert!(
            m.starts_with("1 problem: [privileged-container] ") && m.contains(&format!("({path})")),
            "{api} {kind}: {m}"
        );
    }
}

#[test]
fn objects_the_policy_does_not_check_are_admitted_untouched() {
    let cases = [
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"script": "buildah bud ."}}),
        json!({"apiVersion": "shipwright.io/v1beta1", "kind": "ClusterBuildStrategy", "metadata": {"name": "b"},
               "spec": {"steps": [{"name": "b", "image": "quay.io/buildah/stable", "securityContext": {"privileged": true}}]}}),
        json!({"apiVersion": "tekton.dev/v1", "kind": "Pipeline", "metadata": {"name": "p"},
               "spec": {"tasks": [{"name": "b", "taskRef": {"resolver": "bundles", "params": []}}]}}),
        json!({"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "metadata": {"name": "r"}, "spec": {"taskRef": {"name": "buildah"}}}),
        json!({"apiVersion": "tekton.dev/v1", "kind": "EventListener", "metadata": {"name": "e"}}),
    ];
    for object in cases {
        let r = validate(&object);
        assert!(r.accepted && r.warnings.is_none(), "{object}: {r:?}");
    }
}

#[test]
fn delete_requests_without_an_object_are_admitted() {
    let mut request = admission_request(&seed(), "DELETE");
    request["oldObject"] = request["object"].take();
    let payload = json!({"request": request, "settings": {}});
    let r = policy()
        .validate_payload(serde_json::to_string(&payload).unwrap().as_bytes())
        .unwrap();
    assert!(r.accepted, "{r:?}");
}

#[test]
fn unsupported_tekton_versions_are_admitted_with_a_warning() {
    let mut task = seed();
    task["apiVersion"] = json!("tekton.dev/v1alpha1");
    let r = validate(&task);
    assert!(r.accepted);
    assert_eq!(
        warnings(&r),
        [
            "not checked: tekton.dev/v1alpha1 is not supported by tekton-buildah-policy (it checks tekton.dev/v1 and v1beta1)"
        ]
    );
}

#[test]
fn settings_change_the_verdict() {
    // Only TMPDIR left (without it, temporary files would land on the node's disk too).
    let task = seed_with(|step| {
        step["env"] = json!([{"name": "TMPDIR", "value": "$(workspaces.source.path)/.tmp"}]);
    });
    let r = validate(&task);
    assert!(!r.accepted);
    assert!(
        message(&r).starts_with("3 problems: [required-env]"),
        "{}",
        message(&r)
    );
    // Fewer required variables.
    let r = validate_with(&task, json!({"requiredEnv": []}));
    assert!(r.accepted, "{r:?}");
    // Turned into warnings.
    let r = validate_with(
        &task,
        json!({"rules": {"required-env": {"level": "warning"}}}),
    );
    assert!(r.accepted);
    assert_eq!(warnings(&r).len(), 3);
    // Turned off.
    let r = validate_with(&task, json!({"rules": {"required-env": {"level": "off"}}}));
    assert!(r.accepted && r.warnings.is_none(), "{r:?}");
    // Stricter: a flag the seed does not pass.
    let r = validate_with(&seed(), json!({"mandatoryFlags": {"push": ["--retry=5"]}}));
    assert!(!r.accepted);
    assert!(message(&r).contains("lacks `--retry=5`"), "{}", message(&r));
    // Unanalyzable steps can be made to fail closed.
    let hidden = seed_with(|step| step["script"] = json!("/scripts/build.sh"));
    let r = validate_with(
        &hidden,
        json!({"rules": {"buildah-unanalyzable": {"level": "error"}}}),
    );
    assert!(!r.accepted);
    assert!(message(&r).contains("[buildah-unanalyzable]"));
}

#[test]
fn validate_settings_accepts_good_settings() {
    for settings in [
        json!({}),
        json!({"allowedCapabilities": ["SETFCAP", "CHOWN"], "buildahImages": ["quay.io/buildah/*"]}),
        serde_json::from_str::<Value>(&policy_yaml_settings()).unwrap(),
    ] {
        let r = policy().validate_settings(&settings).unwrap();
        assert!(r.valid, "{settings}: {r:?}");
    }
}

/// The settings written out in policy.yaml (as JSON).
fn policy_yaml_settings() -> String {
    let docs = yaml_documents(&repo_root().join("policy.yaml")).unwrap();
    docs[0]["spec"]["settings"].to_string()
}

#[test]
fn validate_settings_reports_every_problem_at_once() {
    let r = policy()
        .validate_settings(&json!({
            "requiredEnv": [{"name": "HOME", "valuePattern": "(["}],
            "allowedCapabilities": ["SYS_ADMINN"],
            "mandatoryFlags": {"build": ["--sqush"]},
            "rules": {"no-such-rule": {"level": "off"}},
            "typo": true
        }))
        .unwrap();
    assert!(!r.valid);
    let m = r.message.unwrap();
    assert!(m.starts_with("5 problems in settings: "), "{m}");
    for part in [
        "`typo` is not a setting",
        "allowedCapabilities[0]: `SYS_ADMINN` is not a Linux capability (did you mean `SYS_ADMIN`?)",
        "mandatoryFlags.build[0]: `buildah build` has no option `--sqush` (did you mean `--squash`?)",
        "rules: `no-such-rule` is not a rule id",
        "requiredEnv[0].valuePattern: `([` is not a valid regular expression",
    ] {
        assert!(m.contains(part), "missing {part:?} in {m}");
    }
    let r = policy().call("validate_settings", b"not json").unwrap();
    let r: Value = serde_json::from_slice(&r).unwrap();
    assert_eq!(r["valid"], false);
}

#[test]
fn malformed_objects_get_an_answer_not_a_trap() {
    let cases = [
        (
            json!({"apiVersion": "tekton.dev/v1", "kind": "Task", "metadata": {"name": "t"}, "spec": {"steps": "buildah bud ."}}),
            "1 problem: [invalid-object] `spec.steps`: expected a list, found a string",
        ),
        (
            json!({"apiVersion": "tekton.dev/v1", "kind": "Task", "metadata": {"name": "t"}}),
            "1 problem: [invalid-object] `spec`: missing; a Task needs a `spec`",
        ),
        (
            json!({"apiVersion": "tekton.dev/v1", "kind": "Task", "metadata": {"name": "t"}, "spec": []}),
            "1 problem: [invalid-object] `spec`: expected an object, found a list",
        ),
        (
            json!({"apiVersion": 1, "kind": "Task"}),
            "1 problem: [invalid-object] `apiVersion`: expected a string, found a number",
        ),
        (
            json!("a string"),
            "1 problem: [invalid-object] object: expected an object, found a string",
        ),
        (
            json!({"apiVersion": "tekton.dev/v1", "kind": "Task", "metadata": {"name": "t"},
                "spec": {"steps": [{"name": "s", "image": "quay.io/buildah/stable", "env": "x", "script": 5}]}}),
            "[invalid-object] `spec.steps[0].env`: expected a list, found a string",
        ),
    ];
    for (object, want) in cases {
        let r = validate(&object);
        assert!(!r.accepted, "{object}");
        assert!(
            message(&r).starts_with(want) || message(&r).contains(want),
            "{object}: {}",
            message(&r)
        );
    }
    for payload in [&b"not json"[..], b"{}", b"{\"request\": 5}", b""] {
        let r = policy().validate_payload(payload).unwrap();
        assert!(!r.accepted);
        assert!(
            message(&r).starts_with("the admission request could not be read: "),
            "{r:?}"
        );
    }
}

#[test]
fn huge_and_hostile_inputs_are_answered() {
    // A 1 MB script.
    let big =
        "buildah --root \"$BUILDAH_STORAGE_ROOT\" --storage-driver=vfs images\n".repeat(16_000);
    assert!(big.len() > 1_000_000);
    let task = seed_with(|step| step["script"] = json!(big));
    let r = validate(&task);
    assert!(
        r.accepted,
        "{:?}",
        r.message.map(|m| m.chars().take(300).collect::<String>())
    );
    // Deeply nested substitutions.
    let nested = format!(
        "{}buildah push img{}",
        "$(".repeat(5_000),
        ")".repeat(5_000)
    );
    let task = seed_with(|step| step["script"] = json!(nested));
    let r = validate(&task);
    assert!(
        warnings(&r)
            .iter()
            .any(|w| w.contains("nesting is deeper than the analysis follows")),
        "{r:?}"
    );
    // Deeply nested JSON (serde_json stops at 128 levels): a clear refusal, not a trap.
    let deep = format!(
        "{{\"request\": {{\"object\": {}1{}}}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let r = policy().validate_payload(deep.as_bytes()).unwrap();
    assert!(!r.accepted);
    assert!(message(&r).contains("recursion limit"), "{r:?}");
    // Many steps.
    let steps: Vec<Value> = (0..2_000)
        .map(|i| json!({"name": format!("s{i}"), "image": "alpine", "script": "echo hi"}))
        .collect();
    let r = validate(
        &json!({"apiVersion": "tekton.dev/v1", "kind": "Task", "metadata": {"name": "many"}, "spec": {"steps": steps}}),
    );
    assert!(r.accepted, "{r:?}");
}

#[test]
fn policy_yaml_writes_out_exactly_the_defaults() {
    let written: Value = serde_json::from_str(&policy_yaml_settings()).unwrap();
    assert_eq!(written, tekton_buildah_core::settings::defaults_json());
}

/// The seed's Task run by a TaskRun that binds its `source` workspace as `binding`.
fn seed_taskrun(binding: Value) -> Value {
    let mut workspace = json!({"name": "source"});
    for (k, v) in binding.as_object().unwrap() {
        workspace[k] = v.clone();
    }
    json!({
        "apiVersion": "tekton.dev/v1",
        "kind": "TaskRun",
        "metadata": {"generateName": "build-"},
        "spec": {
            "params": [{"name": "IMAGE", "value": "registry.example.com/model:1"}],
            "workspaces": [workspace],
            "taskSpec": seed()["spec"].clone(),
        }
    })
}

#[test]
fn storage_placement_is_judged_in_a_task() {
    // The seed's spelling, with a memory-backed emptyDir over TMPDIR.
    let r = validate(&example("examples/bad/storage-on-node-disk.yaml"));
    assert!(!r.accepted);
    assert_eq!(
        message(&r),
        "1 problem: [storage-on-node-disk] step \"build-and-push\" (spec.steps[0]): `buildah bud` at script line 10 (and 1 more) keeps its temporary files `$(workspaces.source.path)/.tmp` (`TMPDIR`) on memory-backed emptyDir volume `fast-tmp` (`spec.volumes[0].emptyDir.medium`), which counts as memory: a large build is OOM-killed; make the volume a `persistentVolumeClaim` or `ephemeral.volumeClaimTemplate`"
    );
    // Alone, the seed's Task leaves the decision to the run that binds its workspace.
    assert!(validate(&seed()).accepted);
}

#[test]
fn storage_placement_is_judged_in_a_taskrun_at_its_binding() {
    let r = validate(&seed_taskrun(json!({"emptyDir": {}})));
    assert!(!r.accepted);
    let m = message(&r);
    assert!(m.starts_with("2 problems: [storage-on-node-disk]"), "{m}");
    assert!(
        m.contains("keeps its storage root `$(workspaces.source.path)/.buildah-storage` (`--root`) on workspace `source`, which this run binds to an emptyDir (`spec.workspaces[0].emptyDir`)"),
        "{m}"
    );
    assert!(
        m.contains("keeps its temporary files `$(workspaces.source.path)/.tmp` (`TMPDIR`)"),
        "{m}"
    );
    let claim = json!({"volumeClaimTemplate": {"spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "500Gi"}}}}});
    let r = validate(&seed_taskrun(claim));
    assert!(r.accepted && r.warnings.is_none(), "{r:?}");
    let r = validate(&seed_taskrun(
        json!({"persistentVolumeClaim": {"claimName": "models"}}),
    ));
    assert!(r.accepted && r.warnings.is_none(), "{r:?}");
    // A configMap is read-only: the build fails at its first write.
    let r = validate(&seed_taskrun(json!({"configMap": {"name": "x"}})));
    assert!(message(&r).contains("which this run binds to a configMap (`spec.workspaces[0].configMap`): buildah fails at its first write there"), "{r:?}");
}

#[test]
fn storage_placement_is_judged_in_a_pipelinerun_at_its_binding() {
    let run = example("examples/bad/storage-on-node-disk-pipelinerun.yaml");
    let r = validate(&run);
    assert!(!r.accepted);
    let m = message(&r);
    assert!(m.starts_with("2 problems: [storage-on-node-disk] step \"build-and-push\" (spec.pipelineSpec.tasks[0].taskSpec.steps[0])"), "{m}");
    assert!(m.contains("on workspace `source`, which this run binds as `shared` to an emptyDir (`spec.workspaces[0].emptyDir`)"), "{m}");
    // The same run with a volumeClaimTemplate.
    let mut fixed = run.clone();
    fixed["spec"]["workspaces"][0] = json!({"name": "shared", "volumeClaimTemplate": {"spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "500Gi"}}}}});
    let r = validate(&fixed);
    assert!(r.accepted && r.warnings.is_none(), "{r:?}");
}
