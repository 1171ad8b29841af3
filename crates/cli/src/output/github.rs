//! GitHub Actions workflow commands: `::error file=…,line=…,col=…,title=…::message`, shown
//! as annotations on the pull request's lines.

use super::{message, sorted};
use crate::check::FileResult;
use std::fmt::Write;
use tekton_buildah_core::Level;

/// Escapes the message part of a workflow command.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (also `:` and `,`).
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(results: &[FileResult]) -> String {
    let mut out = String::new();
    for r in results {
        let file = property(&r.name);
        for e in &r.errors {
            let _ = writeln!(
                out,
                "::error file={file},line={},col={},title={}::{}",
                e.line.max(1),
                e.col.max(1),
                property("tekton-buildah-lint: not checked"),
                data(&e.message)
            );
        }
        // Suppressed findings are accepted on purpose: no annotation.
        for l in sorted(r).into_iter().filter(|l| l.suppressed.is_none()) {
            let kind = match l.finding.level {
                Level::Error => "error",
                Level::Warning => "warning",
            };
            let _ = writeln!(
                out,
                "::{kind} file={file},line={},col={},title={}::{}",
                l.line,
                l.col,
                property(&format!("tekton-buildah-lint [{}]", l.finding.rule.id())),
                data(&message(l))
            );
        }
    }
    out
}
