//! References across files: a policy-as-code repository with a PipelineRun in `.tekton/`, the
//! Pipeline it names in `pipelines/` and the seed's Task in `tasks/`
//! (`golden/refs/{bad,fixed}`: the run binds the workspace to an emptyDir, or to a claim).

mod common;

use common::lint;

const BAD: &str = "tests/golden/refs/bad";
const FIXED: &str = "tests/golden/refs/fixed";

#[test]
fn a_binding_in_one_file_is_reported_with_the_task_of_another() {
    let (code, out, _) = lint(&[BAD]);
    assert_eq!(code, 1, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    for (line, path) in lines.iter().zip([
        "storage root `$(workspaces.source.path)/.buildah-storage`",
        "temporary files `$(workspaces.source.path)/.tmp`",
    ]) {
        // At the run's binding, naming where the call is in the Task's file.
        assert!(
            line.starts_with(&format!(
                "{BAD}/.tekton/build.yaml:14:7: error[storage-on-node-disk] Task/buildah-build-modelcar step \"build-and-push\" (spec.steps[0]):"
            )),
            "{line}"
        );
        assert!(line.contains(path), "{line}");
        assert!(
            line.ends_with(&format!(
                "(the call: Task/buildah-build-modelcar `spec.steps[0].script` at {BAD}/tasks/buildah.yaml:54:9)"
            )),
            "{line}"
        );
    }
    // Alone, the Task and the Pipeline leave the decision to the run.
    for part in ["tasks", "pipelines"] {
        let (code, out, _) = lint(&[&format!("{BAD}/{part}")]);
        assert_eq!((code, out.as_str()), (0, ""), "{part}");
    }
}

#[test]
fn bound_to_a_claim_nothing_is_reported() {
    let (code, out, err) = lint(&[FIXED]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
}

#[test]
fn the_run_alone_says_its_pipeline_was_not_found() {
    let (code, out, _) = lint(&[&format!("{BAD}/.tekton")]);
    assert_eq!(code, 0, "a warning does not fail");
    assert_eq!(
        out,
        format!(
            "{BAD}/.tekton/build.yaml:15:3: warning[reference-unresolved] `spec.pipelineRef`: Pipeline/build-modelcar is not checked with this run: it was not found among the linted files\n"
        )
    );
}

#[test]
fn json_and_sarif_carry_the_related_location() {
    let (_, out, _) = lint(&["--format", "json", BAD]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let finding = &doc["findings"][0];
    assert_eq!(finding["file"], format!("{BAD}/.tekton/build.yaml"));
    assert_eq!(finding["path"], "spec.workspaces[0].emptyDir");
    assert_eq!(
        finding["related"],
        serde_json::json!({
            "column": 9,
            "file": format!("{BAD}/tasks/buildah.yaml"),
            "line": 54,
            "message": "Task/buildah-build-modelcar `spec.steps[0].script`"
        })
    );
    let (_, out, _) = lint(&["--format", "sarif", BAD]);
    let sarif: serde_json::Value = serde_json::from_str(&out).unwrap();
    let related = &sarif["runs"][0]["results"][0]["relatedLocations"][0];
    assert_eq!(
        related["physicalLocation"]["region"],
        serde_json::json!({"startLine": 54, "startColumn": 9})
    );
    assert!(
        related["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("refs/bad/tasks/buildah.yaml")
    );
}
