//! SARIF 2.1.0: one run, the rules with their documentation as help, a result per finding
//! (physical location plus the logical path), and files that could not be read as tool
//! execution notifications. A finding with a fix carries it (`fixes`: the file's bytes to
//! replace, as editors and code scanning offer them); a suppressed one carries its
//! suppression (`kind: inSource` with the comment's reason), which viewers show as dismissed.

use super::{message, sorted};
use crate::check::{FileResult, Located};
use serde_json::{Value, json};
use tekton_buildah_core::Level;
use tekton_buildah_core::rules::RULES;
use tekton_buildah_core::text::fix::fix_holds;

fn level(l: Level) -> &'static str {
    match l {
        Level::Error => "error",
        Level::Warning => "warning",
    }
}

/// A file name as a SARIF URI: relative paths against the source root.
fn uri(name: &str) -> Value {
    let slashed = name.replace('\\', "/");
    let trimmed = slashed.strip_prefix("./").unwrap_or(&slashed);
    if trimmed.starts_with('/') {
        json!({"uri": format!("file://{}", percent(trimmed))})
    } else {
        json!({"uri": percent(trimmed), "uriBaseId": "%SRCROOT%"})
    }
}

/// Percent-encodes what may not appear raw in a URI path.
fn percent(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The first paragraph after the title: the rule's one-sentence description.
fn short(doc: &str) -> String {
    doc.lines()
        .skip(1)
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// 1-based line and column (in characters) of a byte offset.
fn position(text: &str, starts: &[usize], offset: usize) -> Value {
    let line = starts.partition_point(|&s| s <= offset).max(1);
    let start = starts[line - 1];
    let col = text.get(start..offset).map_or(1, |t| t.chars().count() + 1);
    json!([line, col])
}

/// A finding's fix as a SARIF `fix`, when it can be made on its own.
fn fix(text: &str, starts: &[usize], l: &Located, file: &str) -> Option<Value> {
    let edits = l.fix.as_ref().ok()?;
    if !fix_holds(text, l) {
        return None;
    }
    let replacements: Vec<Value> = edits
        .iter()
        .map(|e| {
            let (a, b) = (
                position(text, starts, e.start),
                position(text, starts, e.end),
            );
            json!({
                "deletedRegion": {
                    "startLine": a[0], "startColumn": a[1], "endLine": b[0], "endColumn": b[1],
                },
                "insertedContent": {"text": e.text},
            })
        })
        .collect();
    Some(json!({
        "description": {"text": format!("Fix [{}] {}", l.finding.rule.id(), message(l))},
        "artifactChanges": [{"artifactLocation": uri(file), "replacements": replacements}],
    }))
}

pub fn render(results: &[FileResult]) -> String {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            let default = match r.default_level_text() {
                "warning" => "warning",
                _ => "error",
            };
            json!({
                "id": r.id(),
                "name": r.id(),
                "shortDescription": {"text": r.summary()},
                "fullDescription": {"text": short(r.doc())},
                "help": {"text": r.doc(), "markdown": r.doc()},
                "defaultConfiguration": {"level": default},
                "properties": {"tags": ["tekton", "buildah"]},
            })
        })
        .collect();
    let mut out_results = Vec::new();
    let mut notifications = Vec::new();
    for r in results {
        let starts: Vec<usize> = r.text.as_deref().map_or_else(Vec::new, |t| {
            std::iter::once(0)
                .chain(t.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        for e in &r.errors {
            let mut region = json!({});
            if e.line > 0 {
                region = json!({"startLine": e.line, "startColumn": e.col.max(1)});
            }
            notifications.push(json!({
                "level": "error",
                "message": {"text": format!("{}: {}", r.name, e.message)},
                "locations": [{"physicalLocation": {"artifactLocation": uri(&r.name), "region": region}}],
            }));
        }
        for l in sorted(r) {
            let f = &l.finding;
            let mut region = json!({"startLine": l.line, "startColumn": l.col});
            if l.width > 0 {
                region["endColumn"] = json!(l.col + l.width);
            }
            let rule_index = RULES.iter().position(|x| *x == f.rule).unwrap_or(0);
            let mut result = json!({
                "ruleId": f.rule.id(),
                "ruleIndex": rule_index,
                "level": level(f.level),
                "message": {"text": message(l)},
                "locations": [{
                    "physicalLocation": {"artifactLocation": uri(&r.name), "region": region},
                    "logicalLocations": [{"fullyQualifiedName": f.path, "kind": "member"}],
                }],
                "partialFingerprints": {
                    "logicalPath/v1": format!("{}:{}:{}:{}", r.name, l.document, f.path, f.rule.id()),
                },
            });
            if let Some(reason) = &l.suppressed {
                result["suppressions"] = json!([{"kind": "inSource", "justification": reason}]);
            }
            if let Some(at) = &l.related {
                let file = at.file.as_deref().unwrap_or(&r.name);
                result["relatedLocations"] = json!([{
                    "id": 0,
                    "physicalLocation": {
                        "artifactLocation": uri(file),
                        "region": {"startLine": at.line, "startColumn": at.col},
                    },
                    "message": {"text": format!("the call, in {}", at.what)},
                }]);
            }
            if let Some(text) = r.text.as_deref()
                && let Some(fix) = fix(text, &starts, l, &r.name)
            {
                result["fixes"] = json!([fix]);
            }
            out_results.push(result);
        }
    }
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "tekton-buildah-lint",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": "./"}},
            "columnKind": "unicodeCodePoints",
            "invocations": [{
                "executionSuccessful": notifications.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "results": out_results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
