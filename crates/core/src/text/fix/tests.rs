use super::*;

const TASK: &str = "\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: t
spec:
  workspaces:
    - name: source
  steps:
    - name: build
      image: quay.io/buildah/stable
      computeResources:
        requests: {memory: 8Gi, cpu: \"2\"}
        limits: {memory: 16Gi, cpu: \"4\"}
      securityContext:
        capabilities:
          add: [SETFCAP]
      script: |
        buildah images
";

#[test]
fn the_objects_fields_are_fixed_before_the_calls() {
    // `STORAGE_DRIVER=vfs` in `env` makes `--storage-driver=vfs` unnecessary: the call only
    // gets `--root`.
    let r = fix_text(TASK, &Settings::default(), None);
    assert!(
        r.text
            .contains("- name: STORAGE_DRIVER\n          value: vfs\n"),
        "{}",
        r.text
    );
    assert!(
        r.text
            .contains("        buildah --root \"$BUILDAH_STORAGE_ROOT\" images\n"),
        "{}",
        r.text
    );
    let rules: Vec<RuleId> = r.applied.iter().map(|a| a.rule).collect();
    assert_eq!(
        rules,
        [
            RuleId::RequiredEnv,
            RuleId::RequiredEnv,
            RuleId::RequiredEnv,
            RuleId::RequiredEnv,
            RuleId::BuildahRootMissing
        ]
    );
    assert!(r.skipped.is_empty(), "{:?}", r.skipped);
    assert!(r.report.findings.is_empty());
}

#[test]
fn only_the_rules_asked_for_are_fixed() {
    let only = [RuleId::BuildahRootMissing];
    let r = fix_text(TASK, &Settings::default(), Some(&only));
    assert_eq!(r.applied.len(), 1);
    assert!(r.skipped.is_empty());
    // The variables are still missing; the global option is still asked for.
    assert!(!r.text.contains("env:"));
    let left: Vec<RuleId> = r.report.findings.iter().map(|l| l.finding.rule).collect();
    assert!(left.contains(&RuleId::RequiredEnv), "{left:?}");
}

#[test]
fn what_is_not_fixed_says_why() {
    // No workspace for the storage: only `STORAGE_DRIVER` is added, at the `env` the three
    // others are then reported at.
    let text = TASK.replace("  workspaces:\n    - name: source\n", "");
    let r = fix_text(&text, &Settings::default(), None);
    assert!(
        r.text
            .contains("      env:\n        - name: STORAGE_DRIVER\n")
    );
    let reasons: Vec<String> = r
        .skipped
        .iter()
        .map(|s| format!("{} {}: {}", s.rule.id(), s.line, s.reason))
        .collect();
    assert_eq!(
        reasons,
        [
            "required-env 15: the task declares no workspace to put it on; declare one in `spec.workspaces` first",
            "required-env 15: the task declares no workspace to put it on; declare one in `spec.workspaces` first",
            "required-env 15: the task declares no workspace to put it on; declare one in `spec.workspaces` first",
        ]
    );
}

#[test]
fn overlapping_edits_are_refused_not_mixed() {
    let doc = crate::yaml::load(TASK).unwrap().remove(0);
    let starts = crate::lines::starts(TASK);
    let path = "spec.steps[0].script";
    let replace = |start: usize, end: usize, text: &str| Edit::Text {
        path: path.into(),
        span: crate::shell::Span::new(start, end),
        text: text.into(),
    };
    let first = [replace(0, 7, "podman")];
    let second = [replace(3, 9, "x")];
    let third = [replace(7, 7, " --a")];
    let fourth = [replace(7, 7, " --b")];
    let candidates: Vec<(usize, &[Edit])> =
        vec![(0, &first), (1, &second), (2, &third), (3, &fourth)];
    let documents = vec![(1, doc)];
    let doc = &documents[0].1;
    let (edits, fixed, refused) = plan_document(TASK, &starts, doc, &documents, &candidates);
    assert_eq!(fixed, [0, 2, 3]);
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].0, 1);
    let out = splice(TASK, &edits);
    // Two insertions at one place: both, in the findings' order.
    assert!(out.contains("        podman --a --b images\n"), "{out}");
}

#[test]
fn fixing_never_breaks_what_it_cannot_read() {
    for text in [
        "",
        "---\n",
        "a: [\n",
        "kind: Task\nspec: 3\n",
        "\u{feff}kind: Task\n",
    ] {
        let r = fix_text(text, &Settings::default(), None);
        assert_eq!(r.text, text);
        assert!(r.applied.is_empty());
    }
}
