//! Runs checked with the objects they refer to, looked up in an [`Index`].

use super::Index;
use crate::json::Value;
use crate::rules::RuleId;
use crate::{Finding, Settings, check_object, check_object_with};

/// Every document of a YAML text.
fn docs(text: &str) -> Vec<Value<'static>> {
    crate::yaml::load(text)
        .unwrap()
        .into_iter()
        .map(|d| d.value.into_owned())
        .collect()
}

const SEED_TASK: &str = "
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: buildah
spec:
  workspaces:
    - name: source
  steps:
    - name: build
      image: quay.io/buildah/stable
      computeResources:
        requests: {memory: 8Gi, cpu: '2'}
        limits: {memory: 16Gi, cpu: '4'}
      env:
        - {name: BUILDAH_STORAGE_ROOT, value: $(workspaces.source.path)/.buildah-storage}
        - {name: STORAGE_DRIVER, value: vfs}
        - {name: TMPDIR, value: $(workspaces.source.path)/.tmp}
        - {name: HOME, value: $(workspaces.source.path)/.home}
      securityContext:
        capabilities:
          add: [SETFCAP]
      script: |
        buildah --root \"$BUILDAH_STORAGE_ROOT\" bud --format=oci --no-cache --layers=false \\
          --squash --ulimit nofile=4096:8192 -t img .
        buildah --root \"$BUILDAH_STORAGE_ROOT\" push --digestfile /tmp/d img
";

const BAD_TASK: &str = "
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: lint
spec:
  steps:
    - name: lint
      image: alpine
      securityContext:
        privileged: true
      script: echo lint
";

fn taskrun(binding: &str) -> String {
    format!(
        "
apiVersion: tekton.dev/v1
kind: TaskRun
metadata:
  name: run
spec:
  taskRef:
    name: buildah
  workspaces:
    - name: source
      {binding}
"
    )
}

const PIPELINE: &str = "
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: build
spec:
  workspaces:
    - name: shared
  tasks:
    - name: lint
      taskRef:
        name: lint
    - name: build
      taskRef:
        name: buildah
      workspaces:
        - name: source
          workspace: shared
";

fn pipelinerun(binding: &str) -> String {
    format!(
        "
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  name: run
spec:
  pipelineRef:
    name: build
  workspaces:
    - name: shared
      {binding}
"
    )
}

/// The findings of `run`, with every other document of the texts available.
fn check(run: &str, others: &[&str]) -> Vec<Finding> {
    let run = docs(run).remove(0);
    let all: Vec<Value<'static>> = others.iter().flat_map(|t| docs(t)).collect();
    let mut index = Index::new("among the test's objects");
    for v in &all {
        index.add(v);
    }
    check_object_with(&run, &Settings::default(), &index).findings
}

fn rules(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.rule.id()).collect()
}

#[test]
fn a_taskrun_is_judged_with_the_task_it_names_at_its_binding() {
    let found = check(&taskrun("emptyDir: {}"), &[SEED_TASK]);
    assert_eq!(
        rules(&found),
        ["storage-on-node-disk", "storage-on-node-disk"]
    );
    let root = &found[0];
    assert_eq!(root.path, "spec.workspaces[0].emptyDir");
    assert_eq!(root.object, None, "reported in the run");
    assert_eq!(root.subject, "Task/buildah step \"build\" (spec.steps[0])");
    let related = root.related.as_deref().expect("the call in the Task");
    assert_eq!(related.path, "spec.steps[0].script");
    assert_eq!(related.object.as_ref().unwrap().name, "buildah");
    assert!(
        root.message
            .contains("keeps its storage root `$(workspaces.source.path)/.buildah-storage`"),
        "{}",
        root.message
    );
    // Bound to a claim: nothing.
    let fine = check(
        &taskrun("persistentVolumeClaim: {claimName: c}"),
        &[SEED_TASK],
    );
    assert_eq!(rules(&fine), Vec::<&str>::new());
    // Without references followed, the run is admitted untouched, as before.
    let run = docs(&taskrun("emptyDir: {}")).remove(0);
    assert!(check_object(&run, &Settings::default()).findings.is_empty());
}

#[test]
fn a_pipelinerun_follows_its_pipeline_to_every_task() {
    let found = check(
        &pipelinerun("emptyDir: {}"),
        &[PIPELINE, SEED_TASK, BAD_TASK],
    );
    assert_eq!(
        rules(&found),
        [
            "privileged-container",
            "storage-on-node-disk",
            "storage-on-node-disk"
        ]
    );
    let privileged = &found[0];
    assert_eq!(privileged.path, "spec.steps[0].securityContext.privileged");
    assert_eq!(
        privileged.object.as_ref().map(|k| k.to_string()),
        Some("Task/lint".into()),
        "a problem of the Task itself is reported at the Task"
    );
    assert!(
        found[1]
            .message
            .contains("which this run binds as `shared` to an emptyDir")
    );
    assert_eq!(found[1].object, None);
}

#[test]
fn what_cannot_be_followed_says_why() {
    let found = check(&pipelinerun("emptyDir: {}"), &[PIPELINE, BAD_TASK]);
    let unresolved: Vec<&Finding> = found
        .iter()
        .filter(|f| f.rule == RuleId::ReferenceUnresolved)
        .collect();
    assert_eq!(unresolved.len(), 1, "{found:#?}");
    assert_eq!(unresolved[0].path, "spec.pipelineRef");
    assert_eq!(
        unresolved[0].message,
        "Task/buildah (in Pipeline/build at `spec.tasks[1].taskRef`) is not checked with this run: it was not found among the test's objects"
    );
    let resolver = "
apiVersion: tekton.dev/v1
kind: TaskRun
metadata:
  name: run
spec:
  taskRef:
    resolver: git
    params:
      - {name: url, value: https://example.com/tasks.git}
";
    let found = check(resolver, &[SEED_TASK]);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].rule, RuleId::ReferenceUnresolved);
    assert!(
        found[0]
            .message
            .ends_with("it goes through the `git` resolver, which is not followed"),
        "{}",
        found[0].message
    );
}

#[test]
fn a_clustertask_and_a_stepaction_are_followed() {
    let cluster_task = SEED_TASK
        .replace("kind: Task", "kind: ClusterTask")
        .replace("tekton.dev/v1", "tekton.dev/v1beta1")
        .replace("computeResources:", "resources:");
    let run =
        taskrun("emptyDir: {}").replace("name: buildah", "name: buildah\n    kind: ClusterTask");
    let found = check(&run, &[&cluster_task]);
    // (`resources` on v1beta1 is the right field, with a warning that v1 renames it.)
    assert_eq!(
        rules(&found),
        [
            "step-resources-field",
            "storage-on-node-disk",
            "storage-on-node-disk"
        ]
    );
    let found = &found[1..];
    assert!(found[0].subject.starts_with("ClusterTask/buildah "));

    let step_action = "
apiVersion: tekton.dev/v1beta1
kind: StepAction
metadata:
  name: build
spec:
  params:
    - name: ROOT
      default: /var/lib/containers/storage
  image: quay.io/buildah/stable
  script: |
    buildah --root $(params.ROOT) bud -t img .
";
    let task = "
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: uses-action
spec:
  workspaces:
    - name: source
  steps:
    - name: build
      ref:
        name: build
      params:
        - name: ROOT
          value: /cache
";
    let task_value = docs(task).remove(0);
    let mut index = Index::new("among the test's objects");
    let action = docs(step_action);
    index.add(&action[0]);
    let found = check_object_with(
        &task_value,
        &Settings::for_rule(RuleId::StorageOnNodeDisk),
        &index,
    )
    .findings;
    // The storage root and, with no TMPDIR, the temporary files: both on the container's
    // filesystem.
    assert_eq!(
        rules(&found),
        ["storage-on-node-disk", "storage-on-node-disk"],
        "{found:#?}"
    );
    assert!(
        found[0]
            .message
            .contains("storage root `/cache` (`--root`)"),
        "the step's value for the parameter: {}",
        found[0].message
    );
    assert_eq!(
        found[0].object.as_ref().map(|k| k.to_string()),
        Some("StepAction/build".into())
    );
}
