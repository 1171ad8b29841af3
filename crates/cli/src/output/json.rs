//! The JSON output: a versioned document, independent of internal types. Schema: see
//! `docs/cli-json.md`. Version 1 fields are only ever added to, never renamed or removed.

use super::sorted;
use crate::check::FileResult;
use serde_json::{Value, json};

pub const SCHEMA_VERSION: u32 = 1;

pub fn render(results: &[FileResult]) -> String {
    let mut findings = Vec::new();
    let mut errors = Vec::new();
    for r in results {
        for e in &r.errors {
            errors.push(json!({
                "file": r.name,
                "line": e.line,
                "column": e.col,
                "message": e.message,
            }));
        }
        for l in sorted(r) {
            let f = &l.finding;
            findings.push(json!({
                "file": r.name,
                "document": l.document,
                "line": l.line,
                "column": l.col,
                "exact": l.exact,
                "rule": f.rule.id(),
                "level": f.level.as_str(),
                "subject": f.subject,
                "path": f.path,
                "message": f.message,
            }));
        }
    }
    let doc: Value = json!({
        "version": SCHEMA_VERSION,
        "tool": {"name": "tekton-buildah-lint", "version": env!("CARGO_PKG_VERSION")},
        "files": results.len(),
        "findings": findings,
        "errors": errors,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
