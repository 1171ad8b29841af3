//! What each buildah call's paths resolve to, through the whole engine: only
//! `storage-on-node-disk` runs, and each case reads the paths its findings name.

use crate::rules::RuleId;
use crate::{Settings, check_object};
use serde_json::{Value, json};

/// A Task whose one step runs `script` with `env`, an emptyDir at /var/lib/containers and
/// another at /scratch.
fn task(script: &str, env: Value, security: Value) -> Value {
    json!({
        "apiVersion": "tekton.dev/v1",
        "kind": "Task",
        "metadata": {"name": "t"},
        "spec": {
            "steps": [{
                "name": "build",
                "image": "quay.io/buildah/stable",
                "env": env,
                "securityContext": security,
                "volumeMounts": [
                    {"name": "containers", "mountPath": "/var/lib/containers"},
                    {"name": "scratch", "mountPath": "/scratch"}
                ],
                "script": script
            }],
            "volumes": [
                {"name": "containers", "emptyDir": {}},
                {"name": "scratch", "persistentVolumeClaim": {"claimName": "scratch"}}
            ]
        }
    })
}

/// The storage findings' messages.
fn messages(object: &Value) -> Vec<String> {
    check_object(object, &Settings::for_rule(RuleId::StorageOnNodeDisk))
        .findings
        .into_iter()
        .map(|f| f.message)
        .collect()
}

/// Whether a finding says the temporary files of the call at `line` land on `/var/tmp`.
fn tmp_is_default(found: &[String], line: u32) -> bool {
    found.iter().any(|m| {
        m.contains(&format!("at script line {line}")) && m.contains("temporary files `/var/tmp`")
    })
}

#[test]
fn only_exported_variables_reach_buildah() {
    let script = "TMPDIR=/scratch/a\nbuildah bud .\nexport TMPDIR\nbuildah push x\n";
    let found = messages(&task(script, json!([]), json!({})));
    assert!(tmp_is_default(&found, 2), "{found:#?}");
    assert!(!tmp_is_default(&found, 4), "{found:#?}");

    let script = "set -a\nTMPDIR=/scratch/a\nbuildah bud .\n";
    let found = messages(&task(script, json!([]), json!({})));
    assert!(!tmp_is_default(&found, 3), "{found:#?}");

    let script = "declare -x TMPDIR=/scratch/a\nbuildah bud .\n";
    let found = messages(&task(script, json!([]), json!({})));
    assert!(!tmp_is_default(&found, 2), "{found:#?}");

    // A variable of the step's `env` is exported: a plain assignment changes what buildah sees.
    let env = json!([{"name": "TMPDIR", "value": "/var/tmp"}]);
    let script = "TMPDIR=/scratch/a\nbuildah bud .\n";
    let found = messages(&task(script, env, json!({})));
    assert!(
        found.iter().all(|m| !m.contains("temporary files")),
        "{found:#?}"
    );
}

#[test]
fn assignments_for_one_command_end_with_it() {
    let script =
        "TMPDIR=/scratch/a buildah bud .\nenv TMPDIR=/scratch/b buildah push x\nbuildah pull x\n";
    let found = messages(&task(script, json!([]), json!({})));
    assert!(!tmp_is_default(&found, 1), "{found:#?}");
    assert!(!tmp_is_default(&found, 2), "{found:#?}");
    assert!(tmp_is_default(&found, 3), "{found:#?}");
}

#[test]
fn the_user_decides_the_default_root() {
    let env = json!([{"name": "TMPDIR", "value": "/scratch"}, {"name": "HOME", "value": "/var/lib/containers/home"}]);
    let as_root = messages(&task(
        "buildah bud .\n",
        env.clone(),
        json!({"runAsUser": 0}),
    ));
    assert!(
        as_root
            .iter()
            .any(|m| m.contains("`/var/lib/containers/storage` (default as root)")),
        "{as_root:#?}"
    );
    let rootless = messages(&task("buildah bud .\n", env, json!({"runAsUser": 1000})));
    assert!(
        rootless.iter().any(|m| m.contains(
            "`/var/lib/containers/home/.local/share/containers/storage` (rootless default under `$HOME`)"
        )),
        "{rootless:#?}"
    );
}

#[test]
fn a_runs_pod_template_sets_the_user() {
    let run = json!({
        "apiVersion": "tekton.dev/v1",
        "kind": "TaskRun",
        "metadata": {"name": "r"},
        "spec": {
            "podTemplate": {"securityContext": {"runAsUser": 1000}},
            "taskSpec": {
                "steps": [{
                    "name": "build",
                    "image": "quay.io/buildah/stable",
                    "env": [{"name": "TMPDIR", "value": "/scratch"},
                            {"name": "HOME", "value": "/home/builder"}],
                    "script": "buildah bud ."
                }]
            }
        }
    });
    let found = messages(&run);
    assert!(
        found
            .iter()
            .any(|m| m.contains("`/home/builder/.local/share/containers/storage`")),
        "{found:#?}"
    );
}

#[test]
fn a_longer_mount_path_wins_and_unknown_parts_are_not_guessed() {
    let env = json!([{"name": "TMPDIR", "value": "/scratch"}]);
    // /var/lib/containers is an emptyDir, /var/lib/containers/storage a PVC.
    let mut t = task("buildah bud .\n", env.clone(), json!({}));
    t["spec"]["steps"][0]["volumeMounts"][1]["mountPath"] = json!("/var/lib/containers/storage");
    t["spec"]["steps"][0]["env"] =
        json!([{"name": "TMPDIR", "value": "/var/lib/containers/storage/tmp"}]);
    assert_eq!(messages(&t), Vec::<String>::new());
    // Below /var/lib, a parameter without a default could lead anywhere.
    let mut t = task(
        "buildah --root /var/lib/$(params.DIR)/storage bud .\n",
        env,
        json!({}),
    );
    t["spec"]["params"] = json!([{"name": "DIR"}]);
    assert_eq!(messages(&t), Vec::<String>::new());
}

#[test]
fn a_volume_over_the_layer_directory_holds_the_build() {
    // bcgov's Task: a workspace mounted where the vfs driver keeps its layers.
    let mut t = task(
        "buildah --storage-driver=vfs bud .\n",
        json!([{"name": "TMPDIR", "value": "/scratch"}]),
        json!({}),
    );
    t["spec"]["steps"][0]["volumeMounts"] = json!([{"name": "scratch", "mountPath": "/scratch"}]);
    t["spec"]["workspaces"] =
        json!([{"name": "build", "mountPath": "/var/lib/containers/storage/vfs/dir"}]);
    assert_eq!(messages(&t), Vec::<String>::new());
    t["spec"]["workspaces"][0]["mountPath"] = json!("/var/lib/containers/storage/vfs/dir/x");
    let found = messages(&t);
    assert!(found.iter().any(|m| m.contains("storage root `/var/lib/containers/storage` (default as root) on the container's own filesystem")), "{found:#?}");
}

#[test]
fn the_layer_directory_is_found_below_a_root_under_a_workspace() {
    // The root is on an emptyDir mounted inside the workspace, its layers on a claim below it.
    let mut t = task(
        "buildah --root $(workspaces.source.path)/storage --storage-driver=vfs bud .\n",
        json!([{"name": "TMPDIR", "value": "/scratch"}]),
        json!({}),
    );
    t["spec"]["workspaces"] = json!([{"name": "source"}]);
    t["spec"]["steps"][0]["volumeMounts"] = json!([
        {"name": "containers", "mountPath": "/workspace/source/storage"},
        {"name": "layers", "mountPath": "/workspace/source/storage/vfs/dir"},
        {"name": "scratch", "mountPath": "/scratch"}
    ]);
    t["spec"]["volumes"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "layers", "persistentVolumeClaim": {"claimName": "layers"}}));
    assert_eq!(messages(&t), Vec::<String>::new());
    // Without the claim below it, the root's emptyDir holds the layers.
    t["spec"]["steps"][0]["volumeMounts"][1]["mountPath"] = json!("/elsewhere");
    let found = messages(&t);
    assert!(
        found.iter().any(|m| m.contains(
            "`$(workspaces.source.path)/storage` (`--root`) on emptyDir volume `containers`"
        )),
        "{found:#?}"
    );
}
