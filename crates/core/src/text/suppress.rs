//! Suppression comments: accepting a finding on purpose, with the reason written next to it.
//!
//! ```yaml
//! - name: build # tekton-buildah-lint: ignore[capability-missing] runs on a node pool with SETFCAP granted
//! ```
//!
//! - `# tekton-buildah-lint: ignore[rule-id, …] reason` silences those rules' findings on its
//!   line, or, on the line where a step, sidecar or `stepTemplate` starts (its `- name:`),
//!   every finding of those rules about that container; inside a script the comment is a
//!   shell comment and works the same way.
//! - `# tekton-buildah-lint: ignore-file[rule-id, …] reason` before a document's content
//!   silences those rules in the whole document.
//!
//! A suppressed finding stays in the report with its reason (JSON and SARIF show it as
//! dismissed) but does not count. A comment without a reason, or naming a rule that does not
//! exist, is itself a finding (`suppression-invalid`) and silences nothing; a rule it names
//! that is not reported there is `suppression-unused` (as ruff's RUF100). The cluster never
//! sees comments: there, exceptions are made in the policy's own settings and selectors.

use super::{LocatedFinding, TextReport};
use crate::finding::Finding;
use crate::rules::{Level, RULES, RuleId};
use crate::settings::Settings;
use crate::yaml::{self, Document};

/// What introduces a directive.
pub const MARKER: &str = "tekton-buildah-lint:";

/// A directive read from a comment.
#[derive(Debug, Clone)]
struct Directive {
    line: u32,
    /// 1-based column of its `#`, and its width in characters.
    col: u32,
    width: u32,
    file: bool,
    /// The rules it names that exist and may be suppressed, with whether each silenced
    /// anything.
    rules: Vec<(RuleId, bool)>,
    reason: String,
    /// What is wrong with it, if anything.
    problems: Vec<String>,
    /// The piece of the stream (between `---` lines) it is in.
    piece: usize,
}

/// Reads the directives of `text`, marks the findings they silence, and adds the findings
/// about the directives themselves.
pub(crate) fn apply(
    text: &str,
    documents: &[(usize, Document<'_>)],
    settings: &Settings,
    report: &mut TextReport,
) {
    if !text.contains(MARKER) {
        return;
    }
    let pieces = yaml::piece_lines(text);
    let piece_of = |line: u32| {
        pieces
            .partition_point(|&start| start <= line)
            .saturating_sub(1)
    };
    let mut directives = read(text, &piece_of);
    if directives.is_empty() {
        return;
    }
    // Where each document's content starts, and the line of each container it has.
    let doc_piece = |number: usize| {
        documents
            .iter()
            .find(|(n, _)| *n == number)
            .map(|(_, d)| (piece_of(d.line), d.line))
    };
    for f in report.findings.iter_mut() {
        let Some((piece, content)) = doc_piece(f.document) else {
            continue;
        };
        let container_line = container_path(&f.finding.path).and_then(|p| {
            let doc = &documents.iter().find(|(n, _)| *n == f.document)?.1;
            let at = doc.locate(p, None);
            at.exact.then_some(at.pos.line)
        });
        for d in directives.iter_mut() {
            if d.piece != piece || !d.problems.is_empty() && d.reason.is_empty() {
                continue;
            }
            let here = if d.file {
                d.line < content
            } else {
                d.line == f.line || Some(d.line) == container_line
            };
            if !here {
                continue;
            }
            if let Some((_, used)) = d.rules.iter_mut().find(|(r, _)| *r == f.finding.rule) {
                *used = true;
                if f.suppressed.is_none() {
                    f.suppressed = Some(d.reason.clone());
                }
            }
        }
    }
    for d in &directives {
        let Some(document) = document_of(d, documents, &piece_of) else {
            continue;
        };
        if !d.problems.is_empty() {
            push(
                report,
                settings,
                RuleId::SuppressionInvalid,
                d,
                document,
                d.problems.join("; "),
            );
            if d.reason.is_empty() {
                continue;
            }
        }
        for (rule, used) in &d.rules {
            if *used || settings.level(*rule, Level::Error).is_none() {
                continue;
            }
            let scope = if d.file {
                "in this document"
            } else {
                "on this line or for the container starting here"
            };
            push(
                report,
                settings,
                RuleId::SuppressionUnused,
                d,
                document,
                format!(
                    "`{}` reports nothing {scope}; remove it from the comment",
                    rule.id()
                ),
            );
        }
    }
}

/// The document a directive belongs to: the one in its piece of the stream (a comment-only
/// piece has none; its directives are then not about any document).
fn document_of(
    d: &Directive,
    documents: &[(usize, Document<'_>)],
    piece_of: &impl Fn(u32) -> usize,
) -> Option<usize> {
    documents
        .iter()
        .find(|(_, doc)| piece_of(doc.line) == d.piece)
        .map(|(n, _)| *n)
}

fn push(
    report: &mut TextReport,
    settings: &Settings,
    rule: RuleId,
    d: &Directive,
    document: usize,
    message: String,
) {
    let Some(level) = settings.level(rule, Level::Warning) else {
        return;
    };
    report.findings.push(LocatedFinding {
        finding: Finding {
            rule,
            level,
            subject: format!("comment on line {}", d.line),
            path: String::new(),
            span: None,
            message,
            order: (u32::MAX, 0, d.line),
            fix: None,
            object: None,
            related: None,
        },
        document,
        line: d.line,
        col: d.col,
        width: d.width,
        exact: true,
        fix: Err(crate::fix::never_fixed(rule)
            .unwrap_or("no automatic fix")
            .to_string()),
        suppressed: None,
        related: None,
    });
}

/// The container a finding's path is about: `spec.steps[2]`, `spec.sidecars[0]`,
/// `spec.stepTemplate`, or inside a Pipeline's `taskSpec`.
fn container_path(path: &str) -> Option<&str> {
    let mut best = None;
    for marker in [".steps[", ".sidecars["] {
        if let Some(i) = path.rfind(marker) {
            let close = path[i..].find(']')? + i + 1;
            best = best.max(Some(close));
        }
    }
    if let Some(i) = path.rfind(".stepTemplate") {
        let end = i + ".stepTemplate".len();
        if path[end..].is_empty() || path[end..].starts_with('.') {
            best = best.max(Some(end));
        }
    }
    best.map(|end| &path[..end])
}

/// Every directive in the text's comments.
fn read(text: &str, piece_of: &impl Fn(u32) -> usize) -> Vec<Directive> {
    let mut out = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let Some(at) = line.find(MARKER) else {
            continue;
        };
        // The marker must open a comment: `#`, then blanks only.
        let before = line[..at].trim_end_matches([' ', '\t']);
        let Some(hash) = before.strip_suffix('#') else {
            continue;
        };
        if !(hash.is_empty() || hash.ends_with([' ', '\t'])) {
            continue;
        }
        let line_no = i as u32 + 1;
        let rest = line[at + MARKER.len()..].trim_end_matches('\r');
        let width = line[hash.len()..].trim_end_matches('\r').chars().count() as u32;
        let mut d = Directive {
            line: line_no,
            col: hash.chars().count() as u32 + 1,
            width,
            file: false,
            rules: Vec::new(),
            reason: String::new(),
            problems: Vec::new(),
            piece: piece_of(line_no),
        };
        parse(rest.trim_start(), &mut d);
        out.push(d);
    }
    out
}

/// Reads `ignore[…] reason` or `ignore-file[…] reason` into `d`.
fn parse(s: &str, d: &mut Directive) {
    let (file, rest) = if let Some(r) = s.strip_prefix("ignore-file[") {
        (true, r)
    } else if let Some(r) = s.strip_prefix("ignore[") {
        (false, r)
    } else {
        let word = s.split([' ', '[']).next().unwrap_or("");
        d.problems.push(format!(
            "`{word}` is not a directive; write `ignore[rule-id, …] reason` or `ignore-file[rule-id, …] reason`"
        ));
        return;
    };
    d.file = file;
    let Some((list, reason)) = rest.split_once(']') else {
        d.problems.push("the rule list has no closing `]`".into());
        return;
    };
    for name in list.split(',').map(str::trim) {
        match RuleId::from_id(name) {
            Some(rule) if rule.configurable() && !rule.reads_comments() => {
                if !d.rules.iter().any(|(r, _)| *r == rule) {
                    d.rules.push((rule, false));
                }
            }
            Some(rule) => d
                .problems
                .push(format!("`{}` cannot be suppressed", rule.id())),
            None if name.is_empty() => d.problems.push("the rule list is empty".into()),
            None => {
                let known = RULES
                    .iter()
                    .filter(|r| r.configurable() && !r.reads_comments())
                    .map(|r| r.id());
                d.problems.push(format!(
                    "`{name}` is not a rule id{}",
                    crate::settings::suggest(name, known)
                ));
            }
        }
    }
    d.reason = reason.trim().to_string();
    if d.reason.is_empty() {
        d.problems
            .push("a suppression needs a reason after the rule list".into());
    }
}

#[cfg(test)]
mod tests;
