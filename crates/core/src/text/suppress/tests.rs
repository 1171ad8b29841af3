use super::*;
use crate::text::check_text;

const TASK: &str = "\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: t
spec:
  steps:
    - name: build{NAME}
      image: quay.io/buildah/stable
      securityContext:
        privileged: true{LINE}
      script: |
        buildah images{SCRIPT}
";

fn task(name: &str, line: &str, script: &str) -> String {
    TASK.replace("{NAME}", name)
        .replace("{LINE}", line)
        .replace("{SCRIPT}", script)
}

fn settings() -> Settings {
    let mut s = Settings::for_rule(RuleId::PrivilegedContainer);
    // The rules of this test on, with the suppression rules.
    for rule in [
        RuleId::BuildahRootMissing,
        RuleId::SuppressionInvalid,
        RuleId::SuppressionUnused,
    ] {
        s = s.with_level(rule, None);
    }
    s
}

/// `rule line suppressed-reason` of every finding.
fn summary(text: &str) -> Vec<String> {
    check_text(text, &settings())
        .sorted()
        .into_iter()
        .map(|l| {
            format!(
                "{} {} {}",
                l.finding.rule.id(),
                l.line,
                l.suppressed.as_deref().unwrap_or("-")
            )
        })
        .collect()
}

#[test]
fn a_comment_silences_its_line_its_step_or_its_document() {
    let file = "# tekton-buildah-lint: ignore-file[buildah-root-missing] lists only\n";
    let cases: [(String, &[&str]); 5] = [
        (
            task("", "", ""),
            &["privileged-container 10 -", "buildah-root-missing 12 -"],
        ),
        (
            task(
                "",
                " # tekton-buildah-lint: ignore[privileged-container] needs /dev/fuse",
                "",
            ),
            &[
                "privileged-container 10 needs /dev/fuse",
                "buildah-root-missing 12 -",
            ],
        ),
        // On the `- name:` line, the whole step; in the script, a shell comment.
        (
            task(
                " # tekton-buildah-lint: ignore[privileged-container, buildah-root-missing] legacy node pool",
                "",
                "  # tekton-buildah-lint: ignore[buildah-root-missing] only lists",
            ),
            &[
                "privileged-container 10 legacy node pool",
                "buildah-root-missing 12 legacy node pool",
            ],
        ),
        (
            format!("{file}{}", task("", "", "")),
            &[
                "privileged-container 11 -",
                "buildah-root-missing 13 lists only",
            ],
        ),
        // Another document's comment does not reach this one.
        (
            format!("{file}kind: ConfigMap\n---\n{}", task("", "", "")),
            &[
                "suppression-unused 1 -",
                "privileged-container 13 -",
                "buildah-root-missing 15 -",
            ],
        ),
    ];
    for (text, want) in cases {
        assert_eq!(summary(&text), want, "{text}");
    }
}

#[test]
fn bad_comments_are_findings_and_silence_nothing() {
    let text = task(
        " # tekton-buildah-lint: ignore[privileged-container]",
        " # tekton-buildah-lint: ignore[privileged, buildah-root-missing] typo",
        " # tekton-buildah-lint: disable[buildah-root-missing] x",
    );
    let report = check_text(&text, &settings());
    let got: Vec<String> = report
        .sorted()
        .into_iter()
        .map(|l| {
            format!(
                "{} {}:{} {}",
                l.finding.rule.id(),
                l.line,
                l.col,
                l.finding.message
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "suppression-invalid 7:19 a suppression needs a reason after the rule list",
            "privileged-container 10:9 runs privileged (`privileged: true`); remove it and add only `SETFCAP` to `securityContext.capabilities.add`",
            "suppression-invalid 10:26 `privileged` is not a rule id",
            "suppression-unused 10:26 `buildah-root-missing` reports nothing on this line or for the container starting here; remove it from the comment",
            "buildah-root-missing 12:9 `buildah images` at script line 1 does not pass `--root`, so its storage lands on the node's disk; add `--root \"$BUILDAH_STORAGE_ROOT\"`",
            "suppression-invalid 12:24 `disable` is not a directive; write `ignore[rule-id, …] reason` or `ignore-file[rule-id, …] reason`",
        ]
    );
    assert!(report.findings.iter().all(|l| l.suppressed.is_none()));
}

#[test]
fn unused_is_not_reported_for_a_rule_turned_off() {
    let text = task(
        " # tekton-buildah-lint: ignore[capability-missing] granted by the cluster",
        "",
        "",
    );
    assert!(
        !summary(&text)
            .iter()
            .any(|s| s.starts_with("suppression-unused"))
    );
    let on = settings().with_level(RuleId::CapabilityMissing, None);
    let report = check_text(&text, &on);
    assert!(
        report
            .findings
            .iter()
            .any(|l| l.finding.rule == RuleId::SuppressionUnused)
    );
}

#[test]
fn markers_in_other_text_are_not_comments() {
    let text = task("", "", "\n        echo 'tekton-buildah-lint: ignore[x]'");
    assert_eq!(
        summary(&text),
        ["privileged-container 10 -", "buildah-root-missing 12 -"]
    );
    assert_eq!(
        container_path("spec.tasks[1].taskSpec.steps[2].script"),
        Some("spec.tasks[1].taskSpec.steps[2]")
    );
    assert_eq!(
        container_path("spec.stepTemplate.env"),
        Some("spec.stepTemplate")
    );
    assert_eq!(container_path("spec.stepTemplateX"), None);
    assert_eq!(container_path("spec.workspaces"), None);
}
