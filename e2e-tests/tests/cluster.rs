//! Context-aware: with `resolveReferences: true`, policy.wasm asks its host for the Task or
//! Pipeline a run names (`kubewarden`/`kubernetes`/`get_resource`), and checks the run with it.
//! The host here is `FakeCluster`, which answers as policy-evaluator does: the object, "Cannot
//! find …", a refusal for resources the policy was not granted, or an API error.

use e2e_tests::{FakeCluster, Policy, Response, default_wasm, repo_root, yaml_documents};
use serde_json::{Value, json};
use std::sync::{Arc, OnceLock};

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| Policy::load(&default_wasm()).unwrap_or_else(|e| panic!("{e}")))
}

const NS: &str = "ci";

fn in_namespace(mut object: Value) -> Value {
    object["metadata"]["namespace"] = json!(NS);
    object
}

/// The seed's Task, as the cluster holds it.
fn seed_task() -> Value {
    let docs = yaml_documents(&repo_root().join("examples/good/buildah-build-modelcar.yaml"));
    in_namespace(docs.unwrap().remove(0))
}

fn lint_task() -> Value {
    in_namespace(json!({
        "apiVersion": "tekton.dev/v1",
        "kind": "Task",
        "metadata": {"name": "lint"},
        "spec": {"steps": [{
            "name": "lint",
            "image": "registry.access.redhat.com/ubi9/ubi-minimal",
            "securityContext": {"privileged": true},
            "script": "echo lint"
        }]}
    }))
}

fn pipeline() -> Value {
    in_namespace(json!({
        "apiVersion": "tekton.dev/v1",
        "kind": "Pipeline",
        "metadata": {"name": "build"},
        "spec": {
            "workspaces": [{"name": "shared"}],
            "tasks": [
                {"name": "lint", "taskRef": {"name": "lint"}},
                {
                    "name": "build",
                    "taskRef": {"name": "buildah-build-modelcar"},
                    "workspaces": [{"name": "source", "workspace": "shared"}]
                }
            ]
        }
    }))
}

fn task_run(task_ref: Value, binding: Value) -> Value {
    let mut workspace = json!({"name": "source"});
    for (k, v) in binding.as_object().unwrap() {
        workspace[k] = v.clone();
    }
    in_namespace(json!({
        "apiVersion": "tekton.dev/v1",
        "kind": "TaskRun",
        "metadata": {"generateName": "build-"},
        "spec": {"taskRef": task_ref, "workspaces": [workspace]}
    }))
}

fn pipeline_run(binding: Value) -> Value {
    let mut workspace = json!({"name": "shared"});
    for (k, v) in binding.as_object().unwrap() {
        workspace[k] = v.clone();
    }
    in_namespace(json!({
        "apiVersion": "tekton.dev/v1",
        "kind": "PipelineRun",
        "metadata": {"generateName": "build-"},
        "spec": {"pipelineRef": {"name": "build"}, "workspaces": [workspace]}
    }))
}

fn empty_dir() -> Value {
    json!({"emptyDir": {}})
}

fn claim() -> Value {
    json!({"volumeClaimTemplate": {"spec": {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": "500Gi"}}
    }}})
}

fn resolving() -> Value {
    json!({"resolveReferences": true})
}

fn cluster() -> Arc<FakeCluster> {
    FakeCluster::new(vec![seed_task(), lint_task(), pipeline()])
}

fn validate(object: &Value, settings: &Value, cluster: &Arc<FakeCluster>) -> Response {
    policy().validate_in(object, settings, cluster).unwrap()
}

fn message(r: &Response) -> &str {
    r.message.as_deref().unwrap_or("")
}

fn warnings(r: &Response) -> Vec<String> {
    r.warnings.clone().unwrap_or_default()
}

#[test]
fn a_taskrun_is_rejected_when_the_task_it_names_puts_storage_on_its_emptydir() {
    let c = cluster();
    let run = task_run(json!({"name": "buildah-build-modelcar"}), empty_dir());
    let r = validate(&run, &resolving(), &c);
    assert!(!r.accepted, "{r:?}");
    assert!(
        message(&r).starts_with("2 problems: [storage-on-node-disk] Task/buildah-build-modelcar step \"build-and-push\" (spec.steps[0]): `buildah bud` at script line 10 (and 1 more) keeps its storage root `$(workspaces.source.path)/.buildah-storage` (`--root`) on workspace `source`, which this run binds to an emptyDir (`spec.workspaces[0].emptyDir`)"),
        "{}",
        message(&r)
    );
    // The request is the one Kubewarden's SDK sends, in the run's namespace.
    assert_eq!(
        c.requests.lock().unwrap().as_slice(),
        [json!({
            "api_version": "tekton.dev/v1",
            "kind": "Task",
            "name": "buildah-build-modelcar",
            "namespace": NS,
            "disable_cache": false,
            "field_masks": null
        })]
    );
}

#[test]
fn a_taskrun_bound_to_a_claim_is_admitted() {
    let run = task_run(json!({"name": "buildah-build-modelcar"}), claim());
    let r = validate(&run, &resolving(), &cluster());
    assert!(r.accepted && r.warnings.is_none(), "{r:?}");
}

#[test]
fn a_pipelinerun_is_checked_with_its_pipeline_and_every_task() {
    let c = cluster();
    let r = validate(&pipeline_run(empty_dir()), &resolving(), &c);
    assert!(!r.accepted);
    let m = message(&r);
    assert!(m.starts_with("3 problems: [privileged-container] Task/lint step \"lint\" (spec.steps[0]): runs privileged"), "{m}");
    assert!(
        m.contains("[storage-on-node-disk] Task/buildah-build-modelcar step \"build-and-push\""),
        "{m}"
    );
    assert!(
        m.contains(
            "which this run binds as `shared` to an emptyDir (`spec.workspaces[0].emptyDir`)"
        ),
        "{m}"
    );
    let asked: Vec<String> = c
        .requests
        .lock()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{}/{}",
                r["kind"].as_str().unwrap(),
                r["name"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        asked,
        ["Pipeline/build", "Task/lint", "Task/buildah-build-modelcar"]
    );
    // Bound to a claim: only the lint Task's own problem is left.
    let r = validate(&pipeline_run(claim()), &resolving(), &cluster());
    assert!(
        message(&r).starts_with("1 problem: [privileged-container] Task/lint"),
        "{r:?}"
    );
}

#[test]
fn a_missing_task_admits_the_run_with_a_warning() {
    let run = task_run(json!({"name": "not-there"}), empty_dir());
    let r = validate(&run, &resolving(), &cluster());
    assert!(r.accepted, "{r:?}");
    assert_eq!(
        warnings(&r),
        [
            "[reference-unresolved] `spec.taskRef`: Task/not-there is not checked with this run: it was not found in the cluster"
        ]
    );
}

#[test]
fn an_api_error_admits_with_a_warning_or_rejects_when_the_rule_says_so() {
    let failing = Arc::new(FakeCluster {
        failing: Some("the server was unable to return a response in the time allotted".into()),
        ..Arc::try_unwrap(cluster()).unwrap()
    });
    let run = task_run(json!({"name": "buildah-build-modelcar"}), empty_dir());
    let r = validate(&run, &resolving(), &failing);
    assert!(r.accepted, "{r:?}");
    assert_eq!(
        warnings(&r),
        [
            "[reference-unresolved] `spec.taskRef`: Task/buildah-build-modelcar is not checked with this run: looking it up failed: the server was unable to return a response in the time allotted"
        ]
    );
    let strict =
        json!({"resolveReferences": true, "rules": {"reference-unresolved": {"level": "error"}}});
    let r = validate(&run, &strict, &failing);
    assert!(!r.accepted);
    assert!(
        message(&r).starts_with("1 problem: [reference-unresolved]"),
        "{r:?}"
    );
}

#[test]
fn a_policy_not_granted_the_resources_says_so() {
    let denied = Arc::new(FakeCluster {
        granted: Vec::new(),
        ..Arc::try_unwrap(cluster()).unwrap()
    });
    let run = task_run(json!({"name": "buildah-build-modelcar"}), empty_dir());
    let r = validate(&run, &resolving(), &denied);
    assert!(r.accepted);
    assert!(
        warnings(&r)[0].ends_with("looking it up failed: Policy has not been granted access to Kubernetes tekton.dev/v1/Task resources. The violation has been reported."),
        "{r:?}"
    );
}

#[test]
fn a_resolver_reference_is_named_and_not_looked_up() {
    let c = cluster();
    let run = task_run(
        json!({"resolver": "hub", "params": [{"name": "name", "value": "buildah"}]}),
        empty_dir(),
    );
    let r = validate(&run, &resolving(), &c);
    assert!(r.accepted);
    assert_eq!(
        warnings(&r),
        [
            "[reference-unresolved] `spec.taskRef`: the Task is not checked with this run: it goes through the `hub` resolver, which is not followed"
        ]
    );
    assert!(c.requests.lock().unwrap().is_empty());
}

#[test]
fn a_clustertask_is_looked_up_cluster_wide() {
    let mut cluster_task = seed_task();
    cluster_task["apiVersion"] = json!("tekton.dev/v1beta1");
    cluster_task["kind"] = json!("ClusterTask");
    cluster_task["metadata"] = json!({"name": "buildah"});
    let step = &mut cluster_task["spec"]["steps"][0];
    let compute = step
        .as_object_mut()
        .unwrap()
        .remove("computeResources")
        .unwrap();
    step["resources"] = compute;
    let c = FakeCluster::new(vec![cluster_task]);
    let run = task_run(
        json!({"name": "buildah", "kind": "ClusterTask"}),
        empty_dir(),
    );
    let r = validate(&run, &resolving(), &c);
    assert!(
        message(&r).contains("[storage-on-node-disk] ClusterTask/buildah step"),
        "{r:?}"
    );
    let req = c.requests.lock().unwrap()[0].clone();
    assert_eq!(req["api_version"], "tekton.dev/v1beta1");
    assert_eq!(req["namespace"], Value::Null);
}

#[test]
fn with_the_setting_off_nothing_is_looked_up_and_nothing_changes() {
    let c = cluster();
    for run in [
        task_run(json!({"name": "buildah-build-modelcar"}), empty_dir()),
        pipeline_run(empty_dir()),
    ] {
        let r = validate(&run, &json!({}), &c);
        assert!(r.accepted && r.warnings.is_none(), "{r:?}");
        // The same answer as without a host at all (today's policy).
        let plain = policy().validate(&run, &json!({})).unwrap();
        assert_eq!(
            (plain.accepted, plain.message, plain.warnings),
            (true, None, None)
        );
    }
    assert!(c.requests.lock().unwrap().is_empty());
}
