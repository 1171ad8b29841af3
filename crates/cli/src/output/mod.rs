//! Output formats. Each renders the same results; the JSON and SARIF documents are built
//! from their own shapes here, never by serializing internal types, so refactoring the rules
//! library cannot change what users parse.

pub mod github;
pub mod json;
pub mod sarif;
pub mod text;

use crate::check::{FileResult, Located};

/// Findings of a file in reading order.
pub(crate) fn sorted(r: &FileResult) -> Vec<&Located> {
    let mut v: Vec<&Located> = r.findings.iter().collect();
    v.sort_by(|a, b| a.reading_order().cmp(&b.reading_order()));
    v
}

/// `subject: message`, what a finding says without its position; with where the call is in
/// a referenced Task, when the finding is at a run's binding (`file:line:col`).
pub(crate) fn message(l: &Located) -> String {
    match &l.related {
        Some(at) => format!(
            "{}: {} (the call: {} at {}{}:{})",
            l.finding.subject,
            l.finding.message,
            at.what,
            at.file
                .as_deref()
                .map(|f| format!("{f}:"))
                .unwrap_or_default(),
            at.line,
            at.col
        ),
        None => format!("{}: {}", l.finding.subject, l.finding.message),
    }
}
