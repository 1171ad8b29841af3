//! Fixing a text: the fixes of its findings written as byte edits of the original text
//! (`yaml::edit`), merged per document, checked, and applied.
//!
//! - Edits of one document are merged first as edits of the object (items appended to one
//!   list together, each once), then written; two insertions at one place are joined in the
//!   findings' order; edits that overlap are refused, never mixed.
//! - The result is read back: every document must read as the object with the edits made
//!   (so nothing else changed), or the document's fixes are tried one by one and those that
//!   break it are refused.
//! - Fixing may reveal more to fix (a list created by one fix, then extended): the text is
//!   checked and fixed again, a few rounds at most, so fixing twice changes nothing more.

use super::{LocatedFinding, TextReport, check_documents};
use crate::fix::{Edit, Fix, apply, merge, merge_owned, never_fixed};
use crate::rules::{Level, RuleId};
use crate::settings::Settings;
use crate::yaml::edit::{Batch, ByteEdit, Editor};
use crate::yaml::{self, Document};

/// Most rounds of fixing one text.
const ROUNDS: usize = 4;

/// A fixed text and what became of its findings.
#[derive(Debug, Clone, Default)]
pub struct FixReport {
    /// The text with the fixes applied (the input when nothing was fixed).
    pub text: String,
    /// The findings fixed, as they were reported before.
    pub applied: Vec<Outcome>,
    /// The findings still there after fixing (suppressed ones and rules not asked for left
    /// out), each with why it was not fixed.
    pub skipped: Vec<Outcome>,
    /// The fixed text checked: what is left.
    pub report: TextReport,
}

/// One finding: where it was and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub rule: RuleId,
    pub level: Level,
    pub document: usize,
    pub line: u32,
    pub col: u32,
    /// `subject: message`, as reported.
    pub message: String,
    /// Why it was not fixed (empty for a fixed one).
    pub reason: String,
}

impl Outcome {
    fn of(l: &LocatedFinding, reason: String) -> Outcome {
        Outcome {
            rule: l.finding.rule,
            level: l.finding.level,
            document: l.document,
            line: l.line,
            col: l.col,
            message: format!("{}: {}", l.finding.subject, l.finding.message),
            reason,
        }
    }
}

/// Fixes what can be fixed in `text`: every finding that is not suppressed, of the rules in
/// `only` (all when `None`).
pub fn fix_text(text: &str, settings: &Settings, only: Option<&[RuleId]>) -> FixReport {
    let mut current = text.to_string();
    let mut applied = Vec::new();
    for _ in 0..ROUNDS {
        let round = plan(&current, settings, only);
        if round.edits.is_empty() {
            return FixReport {
                text: current,
                applied,
                skipped: round.skipped,
                report: round.report,
            };
        }
        applied.extend(round.applied);
        current = splice(&current, &round.edits);
    }
    let mut last = plan(&current, settings, only);
    for o in last.applied {
        last.skipped.push(Outcome {
            reason: format!("still fixable after {ROUNDS} rounds: run the fix again"),
            ..o
        });
    }
    last.skipped
        .sort_by_key(|o| (o.document, o.line, o.col, o.rule));
    FixReport {
        text: current,
        applied,
        skipped: last.skipped,
        report: last.report,
    }
}

/// One round: the edits to make, the findings they fix, and the others with their reasons.
struct Round {
    edits: Vec<ByteEdit>,
    applied: Vec<Outcome>,
    skipped: Vec<Outcome>,
    report: TextReport,
}

fn plan(text: &str, settings: &Settings, only: Option<&[RuleId]>) -> Round {
    let (report, documents, starts) = check_documents(text, settings, &super::Elsewhere::None);
    let wanted = |l: &LocatedFinding| {
        l.suppressed.is_none() && only.is_none_or(|rules| rules.contains(&l.finding.rule))
    };
    let mut round = Round {
        edits: Vec::new(),
        applied: Vec::new(),
        skipped: Vec::new(),
        report: TextReport::default(),
    };
    // The object's fields first: a variable added to `env` may make an option unnecessary
    // (`STORAGE_DRIVER=vfs` for `--storage-driver=vfs`); the calls are fixed in the next round.
    let fixable = |l: &&LocatedFinding| matches!(l.finding.fix.as_deref(), Some(Fix::Edits(_)));
    let fields_first = report
        .findings
        .iter()
        .filter(|l| wanted(l))
        .filter(fixable)
        .any(|l| l.finding.rule == RuleId::RequiredEnv);
    let this_round = |l: &LocatedFinding| {
        !fields_first
            || !matches!(
                l.finding.rule,
                RuleId::BuildahRootMissing | RuleId::BuildahFlagMissing
            )
    };
    for (number, doc) in &documents {
        let candidates: Vec<(usize, &[Edit])> = report
            .findings
            .iter()
            .enumerate()
            .filter(|(_, l)| l.document == *number && wanted(l) && this_round(l))
            .filter_map(|(i, l)| match l.finding.fix.as_deref() {
                Some(Fix::Edits(edits)) => Some((i, &edits[..])),
                _ => None,
            })
            .collect();
        if candidates.is_empty() {
            continue;
        }
        let (edits, fixed, refused) = plan_document(text, &starts, doc, &documents, &candidates);
        round.edits.extend(edits);
        round.applied.extend(
            fixed
                .iter()
                .map(|&i| Outcome::of(&report.findings[i], String::new())),
        );
        for (i, reason) in refused {
            round.skipped.push(Outcome::of(&report.findings[i], reason));
        }
    }
    // The findings no fix was tried for.
    for l in report.sorted() {
        if !wanted(l) {
            continue;
        }
        let reason = match l.finding.fix.as_deref() {
            Some(Fix::Edits(_)) => continue,
            Some(Fix::Unavailable(reason)) => reason.clone(),
            None => never_fixed(l.finding.rule)
                .unwrap_or("no automatic fix")
                .to_string(),
        };
        round.skipped.push(Outcome::of(l, reason));
    }
    round
        .skipped
        .sort_by_key(|o| (o.document, o.line, o.col, o.rule));
    round.edits.sort_by_key(|e| (e.start, e.end));
    round.report = report;
    round
}

/// The byte edits of one document's fixes, the findings they fix, and those refused with the
/// reason. Read back, the text must be the object with the edits made; otherwise the fixes
/// are taken one at a time, keeping those that pass.
fn plan_document(
    text: &str,
    starts: &[u32],
    doc: &Document<'_>,
    documents: &[(usize, Document<'_>)],
    candidates: &[(usize, &[Edit])],
) -> (Vec<ByteEdit>, Vec<usize>, Vec<(usize, String)>) {
    let editor = Editor::new(text, starts, doc);
    let mut refused = Vec::new();
    let (edits, fixed) = write_edits(&editor, candidates.to_vec(), &mut refused);
    if fixed.is_empty() || reads_back(text, &edits, doc, documents, candidates, &fixed) {
        return (edits, fixed, refused);
    }
    // One at a time: the fixes that keep the document what it should be.
    let mut kept: Vec<(usize, &[Edit])> = Vec::new();
    let mut best = (Vec::new(), Vec::new());
    refused.clear();
    for &candidate in candidates {
        let mut trial = kept.clone();
        trial.push(candidate);
        let mut ignored = Vec::new();
        let (edits, fixed) = write_edits(&editor, trial.clone(), &mut ignored);
        if fixed.contains(&candidate.0)
            && reads_back(text, &edits, doc, documents, candidates, &fixed)
        {
            kept = trial
                .into_iter()
                .filter(|(i, _)| fixed.contains(i))
                .collect();
            best = (edits, fixed);
        } else {
            let reason = ignored
                .into_iter()
                .find(|(i, _)| *i == candidate.0)
                .map(|(_, r)| r)
                .unwrap_or_else(|| {
                    "the edit cannot be written in this YAML without changing something else".into()
                });
            refused.push((candidate.0, reason));
        }
    }
    (best.0, best.1, refused)
}

/// Writes the candidates' edits (merged) as byte edits; a candidate whose edit cannot be
/// written, or that overlaps another's, is refused and the rest written again.
fn write_edits(
    editor: &Editor<'_, '_>,
    mut active: Vec<(usize, &[Edit])>,
    refused: &mut Vec<(usize, String)>,
) -> (Vec<ByteEdit>, Vec<usize>) {
    'again: loop {
        let merged = merge_owned(
            active
                .iter()
                .flat_map(|(i, edits)| edits.iter().map(move |e| (*i, e.clone()))),
        );
        let batch = Batch::new(merged.iter().map(|(e, _)| e));
        let mut bytes: Vec<(ByteEdit, Vec<usize>)> = Vec::new();
        for (edit, owners) in &merged {
            match editor.lower(edit, &batch) {
                Ok(written) => bytes.extend(written.into_iter().map(|b| (b, owners.clone()))),
                Err(reason) => {
                    drop_owners(&mut active, owners, &reason, refused);
                    continue 'again;
                }
            }
        }
        // Insertions at one place in the findings' order; the same edit once.
        bytes.sort_by_key(|(b, owners)| (b.start, b.end, owners.iter().min().copied()));
        bytes.dedup_by(|b, a| {
            let same = a.0 == b.0;
            if same {
                for o in &b.1 {
                    if !a.1.contains(o) {
                        a.1.push(*o);
                    }
                }
            }
            same
        });
        for pair in bytes.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            if b.0.start < a.0.end
                || (b.0.start == a.0.start && b.0.end == a.0.end && b.0.end > b.0.start)
            {
                let later = *b.1.iter().max().unwrap_or(&0);
                let reason = "its edit overlaps the fix of another finding at the same place";
                drop_owners(&mut active, &[later], reason, refused);
                continue 'again;
            }
        }
        let fixed = active.iter().map(|(i, _)| *i).collect();
        return (bytes.into_iter().map(|(b, _)| b).collect(), fixed);
    }
}

fn drop_owners(
    active: &mut Vec<(usize, &[Edit])>,
    owners: &[usize],
    reason: &str,
    refused: &mut Vec<(usize, String)>,
) {
    active.retain(|(i, _)| {
        let drop = owners.contains(i);
        if drop {
            refused.push((*i, reason.to_string()));
        }
        !drop
    });
}

/// Whether the text with `edits` reads back as it should: this document as its object with
/// the fixed findings' edits made, every other document as it was.
fn reads_back(
    text: &str,
    edits: &[ByteEdit],
    doc: &Document<'_>,
    documents: &[(usize, Document<'_>)],
    candidates: &[(usize, &[Edit])],
    fixed: &[usize],
) -> bool {
    let logical = merge(
        candidates
            .iter()
            .filter(|(i, _)| fixed.contains(i))
            .flat_map(|(_, e)| e.iter().cloned()),
    );
    let Some(expected) = apply(&doc.value, &logical) else {
        return false;
    };
    let mut sorted = edits.to_vec();
    sorted.sort_by_key(|e| (e.start, e.end));
    let new = splice(text, &sorted);
    let read = yaml::load_documents(&new);
    let mut docs = read.iter().filter_map(|d| d.as_ref().ok());
    let before = yaml::load_documents(text);
    if read.len() != before.len()
        || read
            .iter()
            .zip(&before)
            .any(|(a, b)| a.is_ok() != b.is_ok())
    {
        return false;
    }
    documents.iter().all(|(_, d)| {
        let Some(now) = docs.next() else {
            return false;
        };
        if std::ptr::eq(d, doc) {
            now.value == expected
        } else {
            now.value == d.value
        }
    }) && docs.next().is_none()
}

/// `text` with sorted, non-overlapping `edits` made.
pub fn splice(text: &str, edits: &[ByteEdit]) -> String {
    let mut out =
        String::with_capacity(text.len() + edits.iter().map(|e| e.text.len()).sum::<usize>());
    let mut at = 0;
    for e in edits {
        if e.start < at || e.end > text.len() {
            continue;
        }
        out.push_str(&text[at..e.start]);
        out.push_str(&e.text);
        at = e.end;
    }
    out.push_str(&text[at..]);
    out
}

/// `text` with one finding's fix made (the finding at `index` in reading order, as
/// [`super::TextReport::sorted`] lists them): for "fix this one" in an editor.
pub fn fix_finding(text: &str, settings: &Settings, index: usize) -> Result<String, String> {
    let report = super::check_text(text, settings);
    let finding = *report
        .sorted()
        .get(index)
        .ok_or_else(|| format!("there is no finding {index}"))?;
    if let Some(reason) = &finding.suppressed {
        return Err(format!("the finding is suppressed: {reason}"));
    }
    let edits = finding.fix.as_ref().map_err(Clone::clone)?;
    if !fix_holds(text, finding) {
        return Err(
            "the edit cannot be written in this YAML without changing something else".into(),
        );
    }
    Ok(splice(text, edits))
}

/// One finding's edits written alone (what `LocatedFinding::fix` holds).
pub(crate) fn lower_alone(
    editor: &Editor<'_, '_>,
    edits: &[Edit],
) -> Result<Vec<ByteEdit>, String> {
    let merged = merge(edits.iter().cloned());
    let batch = Batch::new(&merged);
    let mut out = Vec::new();
    for edit in &merged {
        out.extend(editor.lower(edit, &batch)?);
    }
    out.sort_by_key(|e| (e.start, e.end));
    Ok(out)
}

/// Whether a finding's own fix, made alone, leaves `text` reading as it should (its document
/// as the object with the edits made, the others as they were): for outputs that offer each
/// fix on its own (SARIF).
pub fn fix_holds(text: &str, finding: &LocatedFinding) -> bool {
    let (Ok(edits), Some(Fix::Edits(logical))) = (&finding.fix, finding.finding.fix.as_deref())
    else {
        return false;
    };
    let documents: Vec<(usize, Document<'_>)> = yaml::load_documents(text)
        .into_iter()
        .enumerate()
        .filter_map(|(i, d)| d.ok().map(|d| (i + 1, d)))
        .collect();
    let Some((_, doc)) = documents.iter().find(|(n, _)| *n == finding.document) else {
        return false;
    };
    reads_back(text, edits, doc, &documents, &[(0, logical)], &[0])
}

#[cfg(test)]
mod tests;
