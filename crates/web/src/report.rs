//! What `lint()` returns, built from the rules library's `TextReport` as its own shape (the
//! `LintResult` interface in the TypeScript declarations), so internal types never leak to
//! JavaScript. Positions are 1-based; columns are UTF-16 code units, as JavaScript counts.

use crate::columns::Lines;
use serde_json::{Value, json};
use tekton_buildah_core::text::diff::unified_diff;
use tekton_buildah_core::text::fix::{Outcome, fix_finding, fix_text};
use tekton_buildah_core::text::{DocumentOutcome, TextReport, check_text};
use tekton_buildah_core::{Checked, Level, RuleId, Settings, rejection_message};

/// Checks `text` and returns the `LintResult` object.
pub fn lint(text: &str, settings: &Settings) -> Value {
    let report = check_text(text, settings);
    let lines = Lines::new(text);
    let findings: Vec<Value> = report
        .sorted()
        .into_iter()
        .map(|l| {
            let f = &l.finding;
            let (column, width) = lines.utf16(l.line, l.col, l.width);
            json!({
                "rule": f.rule.id(),
                "level": f.level.as_str(),
                "subject": f.subject,
                "path": f.path,
                "message": f.message,
                "document": l.document,
                "line": l.line,
                "column": column,
                "endColumn": column + width,
                "width": width,
                "exact": l.exact,
                "fixable": l.fixable(),
                "unfixable": l.fix.as_ref().err(),
                "suppressed": l.suppressed,
            })
        })
        .collect();
    let errors: Vec<Value> = report
        .errors
        .iter()
        .map(|e| {
            let (column, _) = lines.utf16(e.line, e.col, 0);
            json!({
                "document": e.document,
                "line": e.line,
                "column": column,
                "message": e.message,
            })
        })
        .collect();
    let documents: Vec<Value> = report
        .documents
        .iter()
        .map(|d| document(&report, d))
        .collect();
    json!({
        "findings": findings,
        "errors": errors,
        "documents": documents,
    })
}

/// What `fix()` returns: the fixed text, the diff from the text given, the findings fixed and
/// those left with the reason (the `FixResult` interface). `only`: the rules to fix.
pub fn fix(text: &str, settings: &Settings, only: Option<&[RuleId]>) -> Value {
    let fixed = fix_text(text, settings, only);
    let lines = Lines::new(text);
    let outcome = |o: &Outcome, lines: &Lines<'_>, with_reason: bool| {
        let (column, _) = lines.utf16(o.line, o.col, 0);
        let mut v = json!({
            "rule": o.rule.id(),
            "level": o.level.as_str(),
            "document": o.document,
            "line": o.line,
            "column": column,
            "message": o.message,
        });
        if with_reason {
            v["reason"] = json!(o.reason);
        }
        v
    };
    let after = Lines::new(&fixed.text);
    json!({
        "text": fixed.text,
        "changed": fixed.text != text,
        "diff": unified_diff("yaml", text, &fixed.text),
        "applied": fixed.applied.iter().map(|o| outcome(o, &lines, false)).collect::<Vec<_>>(),
        "skipped": fixed.skipped.iter().map(|o| outcome(o, &after, true)).collect::<Vec<_>>(),
    })
}

/// What `fixFinding()` returns: the text with one finding's fix made, and the diff.
pub fn fix_one(text: &str, settings: &Settings, index: usize) -> Result<Value, String> {
    let fixed = fix_finding(text, settings, index)?;
    Ok(json!({
        "diff": unified_diff("yaml", text, &fixed),
        "changed": fixed != text,
        "text": fixed,
    }))
}

/// What the policy answers for one document: rejected with its message when it has errors,
/// admitted (with its warnings) otherwise. The cluster reads no comments: suppressions do not
/// change its answer, and the findings about them are not part of it.
fn document(report: &TextReport, d: &DocumentOutcome) -> Value {
    let own = || {
        report
            .findings
            .iter()
            .filter(move |l| l.document == d.document && !l.finding.rule.reads_comments())
            .map(|l| &l.finding)
    };
    let message = rejection_message(own().filter(|f| f.level == Level::Error), d.omitted);
    let warnings: Vec<String> = own()
        .filter(|f| f.level == Level::Warning)
        .map(ToString::to_string)
        .collect();
    let (checked, api_version) = match &d.checked {
        Checked::Yes { version, .. } => ("checked", Some(version.as_str().to_string())),
        Checked::NotApplicable => ("not-applicable", None),
        Checked::UnsupportedVersion(v) => ("unsupported-version", Some(v.clone())),
        Checked::Invalid => ("invalid", None),
    };
    json!({
        "document": d.document,
        "line": d.line,
        "kind": d.kind,
        "name": d.name,
        "apiVersion": api_version,
        "checked": checked,
        "verdict": if message.is_some() { "rejected" } else { "admitted" },
        "message": message,
        "warnings": warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TASK: &str = "\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: build
spec:
  steps:
    - name: build
      image: quay.io/buildah/stable
      securityContext: {note: \"構築 🚀\", privileged: true}
";

    #[test]
    fn columns_are_utf16_and_the_verdict_is_the_policys() {
        let settings = Settings::for_rule(tekton_buildah_core::RuleId::PrivilegedContainer);
        let r = lint(TASK, &settings);
        let f = &r["findings"][0];
        let line = TASK.lines().nth(8).unwrap();
        let before = &line[..line.find("privileged").unwrap()];
        let utf16 = before.encode_utf16().count() as u64 + 1;
        assert_eq!(f["line"], 9);
        assert_eq!(f["column"], utf16);
        // One more than in characters: the rocket is two UTF-16 units.
        assert_eq!(utf16, before.chars().count() as u64 + 2);
        assert_eq!(f["endColumn"], utf16 + 10);
        assert_eq!(f["rule"], "privileged-container");
        let d = &r["documents"][0];
        assert_eq!(d["verdict"], "rejected");
        assert_eq!(d["kind"], "Task");
        assert_eq!(d["apiVersion"], "tekton.dev/v1");
        assert!(
            d["message"]
                .as_str()
                .unwrap()
                .starts_with("1 problem: [privileged-container] step \"build\"")
        );
    }

    #[test]
    fn invalid_documents_are_errors_and_others_are_still_checked() {
        let text = format!("{TASK}---\na: {{{{x}}}}\n---\nkind: ConfigMap\n");
        let r = lint(&text, &Settings::default());
        assert_eq!(r["errors"].as_array().unwrap().len(), 1);
        assert_eq!(r["errors"][0]["document"], 2);
        let docs = r["documents"].as_array().unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1]["document"], 3);
        assert_eq!(docs[1]["checked"], "not-applicable");
        assert_eq!(docs[1]["verdict"], "admitted");
        assert_eq!(docs[1]["message"], Value::Null);
    }
}
