//! Checking YAML text, for the adapters that have a file's text (the CLI, the browser build):
//! every document of the text checked on its own, each finding placed at `line:col` with the
//! width of the token it is about, documents that are not valid YAML reported with their
//! position. Settings written as YAML or JSON text are read here too.
//!
//! Columns are counted in characters; an adapter that needs another unit (UTF-16 code units
//! for editors) converts them with the text at hand.
//!
//! The text also has what objects lack: comments, which may suppress findings
//! ([`suppress`]), and the places where fixes are written ([`fix`]).
//!
//! A run is checked with the Task or Pipeline it names when that object is among the
//! documents at hand (see `crate::refs`): the text's own documents, and whatever a caller adds
//! (the CLI: the other files it reads). What the run's bindings cause is reported at the run,
//! with where the Task writes the path as a related location; the Task's own problems are
//! reported at the Task, once.

pub mod diff;
pub mod fix;
pub mod suppress;

use crate::engine::{Checked, check_object_with};
use crate::finding::{Finding, Related};
use crate::fix::Fix;
use crate::json::Value;
use crate::refs::{Failure, Index, RefKey, Resolver, indexable};
use crate::settings::{Settings, SettingsError, settings_in};
use crate::shell::Span;
use crate::tekton::{PathSegment, path_segments};
use crate::yaml::edit::{ByteEdit, Editor};
use crate::yaml::{self, Document, YamlError};
use std::borrow::Cow;
use std::fmt;

/// A finding placed in the text.
#[derive(Debug, Clone)]
pub struct LocatedFinding {
    pub finding: Finding,
    /// 1-based number of the document in the text.
    pub document: usize,
    /// 1-based line and column (in characters).
    pub line: u32,
    pub col: u32,
    /// Characters of the offending token on that line (0 when the position is not exact).
    pub width: u32,
    /// `line:col` is the offending token (or the field the path names); false when it is the
    /// start of the script or field that contains it (the message then says where inside,
    /// e.g. "script line 4").
    pub exact: bool,
    /// The finding's own fix written as byte edits of the text, or why there is none. (With
    /// other fixes of the same document, `fix::fix_text` may merge or refuse it.)
    pub fix: Result<Vec<ByteEdit>, String>,
    /// The reason given by the suppression comment that silences it, if one does
    /// ([`suppress`]): it stays in the report, but does not count.
    pub suppressed: Option<String>,
    /// Another place the finding points to (where a referenced Task writes the path that
    /// lands on this run's binding).
    pub related: Option<RelatedLocation>,
}

/// A place in this text or another file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelatedLocation {
    /// The file, when it is another one (the CLI's files).
    pub file: Option<String>,
    /// 1-based number of the document in its text.
    pub document: usize,
    pub line: u32,
    pub col: u32,
    /// What is there, in words: `Task/buildah spec.steps[0].script`.
    pub what: String,
}

impl LocatedFinding {
    /// Whether `--fix` would fix it.
    pub fn fixable(&self) -> bool {
        self.fix.is_ok()
    }
}

impl LocatedFinding {
    /// Reading order: document, position, then rule and message for findings at one place.
    pub fn reading_order(&self) -> impl Ord + '_ {
        (
            self.document,
            self.line,
            self.col,
            self.finding.rule,
            self.finding.message.as_str(),
        )
    }
}

/// A document that is not valid YAML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentError {
    /// 1-based number of the document in the text.
    pub document: usize,
    /// 1-based line and column (in characters) where the parser stopped.
    pub line: u32,
    pub col: u32,
    /// `not valid YAML: …`
    pub message: String,
}

/// What became of one document that could be read.
#[derive(Debug, Clone)]
pub struct DocumentOutcome {
    /// 1-based number of the document in the text.
    pub document: usize,
    /// 1-based line where its content starts.
    pub line: u32,
    /// Its `kind` and `metadata.name` (or `generateName`), when they are strings.
    pub kind: Option<String>,
    pub name: Option<String>,
    pub checked: Checked,
    /// More findings than the engine lists (see [`crate::MAX_FINDINGS`]).
    pub omitted: bool,
}

/// The outcome of checking a text.
#[derive(Debug, Clone, Default)]
pub struct TextReport {
    /// Every finding: documents in order, each document's findings in the engine's order
    /// (the order of the policy's messages); [`TextReport::sorted`] gives reading order.
    pub findings: Vec<LocatedFinding>,
    /// Documents that are not valid YAML (the others are still checked).
    pub errors: Vec<DocumentError>,
    /// Every document that could be read, in order.
    pub documents: Vec<DocumentOutcome>,
    /// What runs named that is not at hand (see [`missing_references`]).
    pub missing: Vec<RefKey>,
    /// The objects of the text a reference can name (Tasks, Pipelines, …).
    pub defines: Vec<RefKey>,
    /// What the text's objects name (runs, Pipelines, steps), for gathering what a run
    /// needs across texts without reading them again; a key of an object without a
    /// namespace has none (the reader supplies it).
    pub names: Vec<RefKey>,
}

impl TextReport {
    /// The findings in reading order (document, line, column, rule, message).
    pub fn sorted(&self) -> Vec<&LocatedFinding> {
        let mut v: Vec<&LocatedFinding> = self.findings.iter().collect();
        v.sort_by(|a, b| a.reading_order().cmp(&b.reading_order()));
        v
    }
}

/// Checks every document of `text` on its own, the way the API server receives them, each
/// run with the objects it names among the other documents, and applies the text's
/// suppression comments.
pub fn check_text(text: &str, settings: &Settings) -> TextReport {
    check_documents(text, settings, &Elsewhere::None).0
}

/// Objects outside the text a run may name (the CLI's other files), and how to place a
/// related location in them.
pub enum Elsewhere<'a, 'v> {
    None,
    Objects {
        resolver: &'a (dyn Resolver<'v> + 'a),
        locate: &'a (dyn Fn(&Related) -> Option<RelatedLocation> + 'a),
    },
}

/// [`check_text`] with objects from `elsewhere` at hand too.
pub fn check_text_with(
    text: &str,
    settings: &Settings,
    elsewhere: &Elsewhere<'_, '_>,
) -> TextReport {
    check_documents(text, settings, elsewhere).0
}

/// The keys runs of `text` named that are neither in the text nor elsewhere: what another
/// file may hold (the CLI checks such a file again with every file at hand).
pub fn missing_references(report: &TextReport) -> &[RefKey] {
    &report.missing
}

/// Resolves among the text's documents first, then elsewhere; remembers what neither has.
struct Chain<'a, 'o, 'e> {
    own: Index<'o>,
    elsewhere: &'a Elsewhere<'a, 'e>,
    missing: std::cell::RefCell<Vec<RefKey>>,
}

impl<'o, 'e: 'o> Resolver<'o> for Chain<'_, 'o, 'e> {
    fn resolve(&self, key: &RefKey) -> Result<Cow<'o, Value<'o>>, Failure> {
        let found = match self.own.resolve(key) {
            Err(Failure::NotFound) => match self.elsewhere {
                Elsewhere::Objects { resolver, .. } => match resolver.resolve(key) {
                    // What lives longer than the text's documents serves as well.
                    Ok(Cow::Borrowed(v)) => Ok(Cow::Borrowed(v)),
                    Ok(Cow::Owned(v)) => Ok(Cow::Owned(v)),
                    Err(e) => Err(e),
                },
                Elsewhere::None => Err(Failure::NotFound),
            },
            other => other,
        };
        if matches!(found, Err(Failure::NotFound)) {
            self.missing.borrow_mut().push(key.clone());
        }
        found
    }

    fn place(&self) -> &'static str {
        match self.elsewhere {
            Elsewhere::None => self.own.place(),
            Elsewhere::Objects { resolver, .. } => resolver.place(),
        }
    }
}

/// Where a related place is, among `docs` (the documents of one text).
pub fn locate_related<'t, 'd>(
    docs: impl IntoIterator<Item = (usize, &'d Document<'t>)>,
    r: &Related,
) -> Option<RelatedLocation>
where
    't: 'd,
{
    let key = r.object.as_ref()?;
    docs.into_iter().find_map(|(document, d)| {
        let (kind, namespace, name) = indexable(&d.value)?;
        let same_ns =
            key.namespace.is_none() || namespace.is_none() || namespace == key.namespace.as_deref();
        (kind == key.kind && name == key.name && same_ns).then(|| {
            let at = d.locate(&r.path, r.span);
            RelatedLocation {
                file: None,
                document,
                line: at.pos.line,
                col: at.pos.col,
                what: format!("{}/{} `{}`", key.kind.as_str(), key.name, r.path),
            }
        })
    })
}

/// [`check_text_with`], keeping the documents that could be read (by number) and where the
/// text's lines start.
pub(crate) fn check_documents<'t>(
    text: &'t str,
    settings: &Settings,
    elsewhere: &Elsewhere<'_, '_>,
) -> (TextReport, Vec<(usize, Document<'t>)>, Vec<u32>) {
    let mut report = TextReport::default();
    let (loaded, starts) = yaml::load_documents_and_lines(text);
    {
        let mut own = Index::new("among the documents of this file");
        for d in loaded.iter().flatten() {
            report.names.extend(crate::refs::named_by(&d.value, None));
            if let Some((kind, namespace, name)) = indexable(&d.value) {
                own.add(&d.value);
                report.defines.push(RefKey {
                    kind,
                    name: name.to_string(),
                    namespace: namespace.map(str::to_string),
                });
            }
        }
        let chain = Chain {
            own,
            elsewhere,
            missing: Default::default(),
        };
        let readable = || {
            loaded
                .iter()
                .enumerate()
                .filter_map(|(i, d)| d.as_ref().ok().map(|d| (i + 1, d)))
        };
        for (i, doc) in loaded.iter().enumerate() {
            let document = i + 1;
            let doc = match doc {
                Ok(d) => d,
                Err(e) => {
                    report.errors.push(DocumentError {
                        document,
                        line: e.line,
                        col: e.col,
                        message: format!("not valid YAML: {}", e.message),
                    });
                    continue;
                }
            };
            let checked = check_object_with(&doc.value, settings, &chain);
            // Made when a finding of the document first has a fix.
            let mut editor = None;
            for finding in checked.findings {
                // A problem of a referenced object is reported where that object is written.
                if finding.object.is_some() {
                    continue;
                }
                let fix = match finding.fix.as_deref() {
                    Some(Fix::Edits(edits)) => {
                        let editor = editor.get_or_insert_with(|| Editor::new(text, &starts, doc));
                        fix::lower_alone(editor, edits)
                    }
                    Some(Fix::Unavailable(reason)) => Err(reason.clone()),
                    None => Err(crate::fix::never_fixed(finding.rule)
                        .unwrap_or("no automatic fix")
                        .to_string()),
                };
                let at = doc.locate(&finding.path, finding.span);
                let width = match (at.exact, finding.span) {
                    (true, Some(span)) => token_width(&doc.value, &finding.path, span),
                    // A field: its key.
                    (true, None) => last_key(&finding.path).map_or(0, |k| k.chars().count() as u32),
                    _ => 0,
                };
                let related = finding.related.as_deref().and_then(|r| {
                    locate_related(readable(), r).or_else(|| match elsewhere {
                        Elsewhere::Objects { locate, .. } => locate(r),
                        Elsewhere::None => None,
                    })
                });
                report.findings.push(LocatedFinding {
                    finding,
                    document,
                    line: at.pos.line,
                    col: at.pos.col,
                    width,
                    exact: at.exact,
                    fix,
                    suppressed: None,
                    related,
                });
            }
            let text_at = |v: Option<&Value<'_>>| v.and_then(Value::as_str).map(str::to_string);
            let metadata = doc.value.get("metadata");
            report.documents.push(DocumentOutcome {
                document,
                line: doc.line,
                kind: text_at(doc.value.get("kind")),
                name: text_at(metadata.and_then(|m| m.get("name")))
                    .or_else(|| text_at(metadata.and_then(|m| m.get("generateName")))),
                checked: checked.checked,
                omitted: checked.omitted,
            });
        }
        report.missing = chain.missing.into_inner();
        report.missing.sort();
        report.missing.dedup();
    }
    let documents: Vec<(usize, Document<'t>)> = loaded
        .into_iter()
        .enumerate()
        .filter_map(|(i, d)| d.ok().map(|d| (i + 1, d)))
        .collect();
    suppress::apply(text, &documents, settings, &mut report);
    (report, documents, starts)
}

fn last_key(path: &str) -> Option<&str> {
    match path_segments(path).last() {
        Some(PathSegment::Key(k)) => Some(k),
        _ => None,
    }
}

/// Characters of the token `span` covers, up to the end of its line.
fn token_width(root: &Value<'_>, path: &str, span: Span) -> u32 {
    let mut v = Some(root);
    for seg in path_segments(path) {
        v = v.and_then(|x| match seg {
            PathSegment::Key(k) => x.get(k),
            PathSegment::Index(i) => x.get_index(i),
        });
    }
    let Some(text) = v.and_then(|x| x.as_str()) else {
        return 0;
    };
    text.get(span.start as usize..span.end as usize)
        .map_or(0, |t| {
            t.split('\n').next().unwrap_or("").chars().count() as u32
        })
}

/// Settings text that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingsTextError {
    /// Neither YAML nor JSON.
    Syntax(YamlError),
    /// Read, but not valid settings: the policy's own message.
    Settings(SettingsError),
}

impl fmt::Display for SettingsTextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingsTextError::Syntax(e) => write!(f, "not valid YAML or JSON: {e}"),
            SettingsTextError::Settings(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SettingsTextError {}

/// Reads settings written as YAML or JSON: a settings object, or a Kubewarden policy whose
/// `spec.settings` holds one (so a cluster's `policy.yaml` can be used as it is). An empty
/// text gives the defaults. The settings are checked as the policy's `validate_settings`
/// checks them.
pub fn settings_from_text(text: &str) -> Result<Settings, SettingsTextError> {
    let docs = yaml::load(text).map_err(SettingsTextError::Syntax)?;
    let value = docs.into_iter().next().map_or(Value::Null, |d| d.value);
    Settings::from_json_checked(settings_in(&value)).map_err(SettingsTextError::Settings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleId;

    const TASK: &str = "\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: build
spec:
  steps:
    - name: build
      image: quay.io/buildah/stable
      securityContext:
        privileged: true
";

    #[test]
    fn findings_are_placed_on_their_lines() {
        let settings = Settings::for_rule(RuleId::PrivilegedContainer);
        let text = format!("a: 1\n---\n{TASK}---\nb: {{{{x}}}}\n");
        let report = check_text(&text, &settings);
        assert_eq!(report.findings.len(), 1);
        let f = &report.findings[0];
        assert_eq!((f.document, f.line, f.col, f.width), (2, 12, 9, 10));
        assert!(f.exact);
        assert_eq!(f.finding.rule, RuleId::PrivilegedContainer);
        assert_eq!(report.errors.len(), 1);
        assert_eq!(report.errors[0].document, 3);
        assert_eq!(report.errors[0].line, 14);
        assert!(report.errors[0].message.starts_with("not valid YAML: "));
        let docs: Vec<_> = report
            .documents
            .iter()
            .map(|d| (d.document, d.line, d.kind.as_deref(), d.name.as_deref()))
            .collect();
        assert_eq!(
            docs,
            [(1, 1, None, None), (2, 3, Some("Task"), Some("build"))]
        );
        assert_eq!(report.documents[0].checked, Checked::NotApplicable);
    }

    #[test]
    fn columns_count_characters() {
        let line = "      securityContext: {note: \"構築 🚀\", privileged: true}";
        let text = TASK.replace(
            "      securityContext:\n        privileged: true\n",
            &format!("{line}\n"),
        );
        let report = check_text(&text, &Settings::for_rule(RuleId::PrivilegedContainer));
        let f = &report.findings[0];
        let before = &line[..line.find("privileged").unwrap()];
        assert_eq!(f.line, 9);
        assert_eq!(f.col, before.chars().count() as u32 + 1, "{f:?}");
        assert_eq!(f.width, 10);
    }

    #[test]
    fn settings_text_is_yaml_json_or_a_policy() {
        assert!(settings_from_text("").is_ok());
        assert!(settings_from_text("{\"rules\": {}}").is_ok());
        let policy = "apiVersion: policies.kubewarden.io/v1\nkind: ClusterAdmissionPolicy\nspec:\n  settings:\n    rules: {nope: {level: off}}\n";
        let err = settings_from_text(policy).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("1 problem in settings: rules: `nope`"),
            "{err}"
        );
        let err = settings_from_text("a: [").unwrap_err();
        assert!(
            err.to_string().starts_with("not valid YAML or JSON: line "),
            "{err}"
        );
    }
}
