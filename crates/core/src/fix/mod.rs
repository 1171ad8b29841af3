//! Fixes: what to change in an object to fix a finding, in the object's own terms — logical
//! paths, and byte ranges inside the strings at them — never in a file's text. A rule attaches
//! a [`Fix`] to its finding (built by the helpers of `plan`); the text layer (`text::fix`,
//! feature `yaml`) turns the edits into byte edits of the original YAML, and [`apply`]
//! performs them on the object itself, which is what the edited text must read back as.
//!
//! Fixes are only built where they are used: with the feature `fix` (which `yaml` turns on).
//! The policy never builds one; its findings carry none.

pub(crate) mod plan;

use crate::analysis::{Layer, Layers};
use crate::json::{Map, Value};
use crate::rules::RuleId;
use crate::shell::Span;
use crate::tekton::{PathSegment, path_segments};
use std::borrow::Cow;

/// How a finding can be fixed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fix {
    /// These edits fix it.
    Edits(Vec<Edit>),
    /// It cannot be fixed automatically, and why (what to do is in the finding's message).
    Unavailable(String),
}

/// One change to an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// Replaces the bytes `span` of the string at `path` by `text` (an empty span inserts).
    Text {
        path: String,
        span: Span,
        text: String,
    },
    /// Renames the mapping key at `path` to `to`.
    RenameKey { path: String, to: String },
    /// Removes the mapping entry at `path`.
    RemoveKey { path: String },
    /// Inserts `items` into the list at `path`, after its item `after`.
    InsertItems {
        path: String,
        after: usize,
        items: Vec<String>,
    },
    /// Appends `items` to the list at `path`, which (with the mappings above it, up to one
    /// that exists) is created when missing.
    Append { path: String, items: Vec<Item> },
}

/// A new list item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Scalar(String),
    /// A mapping of strings, keys in this order (an `env` entry: `name`, `value`).
    Entries(Vec<(String, String)>),
}

impl Edit {
    /// The path the edit changes.
    pub fn path(&self) -> &str {
        match self {
            Edit::Text { path, .. }
            | Edit::RenameKey { path, .. }
            | Edit::RemoveKey { path }
            | Edit::InsertItems { path, .. }
            | Edit::Append { path, .. } => path,
        }
    }
}

/// Why a rule's findings get no automatic fix at all.
pub fn never_fixed(rule: RuleId) -> Option<&'static str> {
    match rule {
        RuleId::ComputeResourcesMissing => Some(
            "no automatic fix: the requests and limits a build needs are not something to guess",
        ),
        RuleId::CapabilityNotAllowed => Some(
            "no automatic fix: removing a capability may break the step; decide whether it needs it",
        ),
        RuleId::BuildahUnanalyzable => {
            Some("no automatic fix: make the buildah call readable in the Task itself")
        }
        RuleId::StorageOnNodeDisk => Some(
            "no automatic fix: which claim should hold the build (its size, its class) is not something to guess",
        ),
        RuleId::ReferenceUnresolved => {
            Some("no automatic fix: apply the object the run names, or name one that exists")
        }
        RuleId::InvalidObject => Some("no automatic fix: the object itself is malformed"),
        RuleId::SuppressionInvalid | RuleId::SuppressionUnused => {
            Some("no automatic fix: edit or remove the comment")
        }
        _ => None,
    }
}

/// Edits that belong together merged: items appended to one list, in order, each once;
/// the same edit asked for twice, once. Returns the merged edits in the order first asked.
pub fn merge(edits: impl IntoIterator<Item = Edit>) -> Vec<Edit> {
    merge_owned(edits.into_iter().map(|e| ((), e)))
        .into_iter()
        .map(|(e, _)| e)
        .collect()
}

/// [`merge`], keeping who asked for each merged edit (the findings it fixes).
pub fn merge_owned<O: Copy + PartialEq>(
    edits: impl IntoIterator<Item = (O, Edit)>,
) -> Vec<(Edit, Vec<O>)> {
    let mut out: Vec<(Edit, Vec<O>)> = Vec::new();
    for (owner, edit) in edits {
        let same = out.iter().position(|(e, _)| match (e, &edit) {
            (Edit::Append { path: a, .. }, Edit::Append { path: b, .. }) => a == b,
            (a, b) => a == b,
        });
        let Some(i) = same else {
            out.push((edit, vec![owner]));
            continue;
        };
        let (merged, owners) = &mut out[i];
        if !owners.contains(&owner) {
            owners.push(owner);
        }
        if let (Edit::Append { items: have, .. }, Edit::Append { items, .. }) = (merged, edit) {
            for item in items {
                if !have.contains(&item) {
                    have.push(item);
                }
            }
        }
    }
    out
}

/// The object with `edits` made (merged, see [`merge`]): what the fixed text must read back
/// as. Edits of one string or one list at one place apply in the order given. `None` when an
/// edit does not fit the object (a path that is not there, overlapping text edits).
pub fn apply(value: &Value<'_>, edits: &[Edit]) -> Option<Value<'static>> {
    let mut out = value.clone().into_owned();
    // Text edits of one string together, left to right.
    let mut texts: Vec<(&str, Span, &str, usize)> = Vec::new();
    for (seq, edit) in edits.iter().enumerate() {
        match edit {
            Edit::Text { path, span, text } => texts.push((path, *span, text, seq)),
            Edit::RenameKey { path, to } => {
                let (map, key) = parent_map(&mut out, path)?;
                if map.contains_key(to) {
                    return None;
                }
                let entry = map.entries_mut().iter_mut().find(|(k, _)| k == key)?;
                entry.0 = Cow::Owned(to.clone());
            }
            Edit::RemoveKey { path } => {
                let (map, key) = parent_map(&mut out, path)?;
                let entries = map.entries_mut();
                let before = entries.len();
                entries.retain(|(k, _)| k != key);
                if entries.len() == before {
                    return None;
                }
            }
            Edit::InsertItems { .. } | Edit::Append { .. } => {}
        }
    }
    texts.sort_by_key(|&(path, span, _, seq)| (path, span.start, !span.is_empty(), seq));
    let mut i = 0;
    while i < texts.len() {
        let path = texts[i].0;
        let mut j = i;
        while j < texts.len() && texts[j].0 == path {
            j += 1;
        }
        let Value::String(s) = at_mut(&mut out, path)? else {
            return None;
        };
        let mut new = String::with_capacity(s.len() + 64);
        let mut copied = 0usize;
        for &(_, span, text, _) in &texts[i..j] {
            let (start, end) = (span.start as usize, span.end as usize);
            if start < copied || end < start {
                return None;
            }
            new.push_str(s.get(copied..start)?);
            new.push_str(text);
            copied = end;
        }
        new.push_str(s.get(copied..)?);
        *s = Cow::Owned(new);
        i = j;
    }
    // List insertions: the highest position first, so that positions stay valid; one place
    // in the order asked.
    let mut inserts: Vec<(&str, usize, usize, &[String])> = edits
        .iter()
        .enumerate()
        .filter_map(|(seq, e)| match e {
            Edit::InsertItems { path, after, items } => {
                Some((path.as_str(), *after, seq, &items[..]))
            }
            _ => None,
        })
        .collect();
    inserts.sort_by_key(|&(path, after, seq, _)| {
        (path, std::cmp::Reverse(after), std::cmp::Reverse(seq))
    });
    for (path, after, _, items) in inserts {
        let Value::Array(list) = at_mut(&mut out, path)? else {
            return None;
        };
        if after >= list.len() {
            return None;
        }
        for item in items.iter().rev() {
            list.insert(after + 1, Value::String(Cow::Owned(item.clone())));
        }
    }
    for edit in edits {
        if let Edit::Append { path, items } = edit {
            append(&mut out, path, items)?;
        }
    }
    Some(out)
}

/// The mapping holding the entry at `path`, and the entry's key.
fn parent_map<'v, 'p>(
    root: &'v mut Value<'static>,
    path: &'p str,
) -> Option<(&'v mut Map<'static>, &'p str)> {
    let segments = path_segments(path);
    let (last, parents) = segments.split_last()?;
    let PathSegment::Key(key) = *last else {
        return None;
    };
    match walk_mut(root, parents)? {
        Value::Object(map) => Some((map, key)),
        _ => None,
    }
}

fn at_mut<'v>(root: &'v mut Value<'static>, path: &str) -> Option<&'v mut Value<'static>> {
    walk_mut(root, &path_segments(path))
}

fn walk_mut<'v>(
    mut v: &'v mut Value<'static>,
    segments: &[PathSegment<'_>],
) -> Option<&'v mut Value<'static>> {
    for seg in segments {
        v = match (seg, v) {
            (PathSegment::Key(k), Value::Object(map)) => map
                .entries_mut()
                .iter_mut()
                .rev()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v)?,
            (PathSegment::Index(i), Value::Array(list)) => list.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

/// Appends to the list at `path`, creating it and the mappings above it.
fn append(root: &mut Value<'static>, path: &str, items: &[Item]) -> Option<()> {
    let mut v = root;
    for seg in path_segments(path) {
        v = match (seg, v) {
            (PathSegment::Key(k), Value::Object(map)) => {
                let entries = map.entries_mut();
                let at = match entries.iter().rposition(|(key, _)| key == k) {
                    Some(at) => at,
                    None => {
                        entries.push((Cow::Owned(k.to_string()), Value::Null));
                        entries.len() - 1
                    }
                };
                &mut entries[at].1
            }
            (PathSegment::Index(i), Value::Array(list)) => list.get_mut(i)?,
            _ => return None,
        };
        if v.is_null() {
            *v = Value::Object(Map::new());
        }
    }
    if matches!(v, Value::Object(m) if m.is_empty()) {
        *v = Value::Array(Vec::new());
    }
    let Value::Array(list) = v else {
        return None;
    };
    for item in items {
        list.push(match item {
            Item::Scalar(s) => Value::String(Cow::Owned(s.clone())),
            Item::Entries(entries) => {
                let mut map = Map::new();
                for (k, val) in entries {
                    map.push(k.clone(), Value::String(Cow::Owned(val.clone())));
                }
                Value::Object(map)
            }
        });
    }
    Some(())
}

/// `text` written so that the shell reading it through `layers` (the quoting around a
/// command string, outermost first) gets it back unchanged: escaped for each level, from the
/// inside out. An error says why it cannot be.
pub fn escape_through(text: &str, layers: Layers) -> Result<String, String> {
    let levels: Vec<Layer> = layers
        .levels()
        .ok_or_else(|| "the call is nested in too many command strings".to_string())?
        .collect();
    let mut out = text.to_string();
    for level in levels.iter().rev() {
        out = match level {
            Layer::Single => out.replace('\'', "'\\''"),
            Layer::Double => {
                let mut s = String::with_capacity(out.len() + 8);
                for ch in out.chars() {
                    if matches!(ch, '\\' | '"' | '$' | '`') {
                        s.push('\\');
                    }
                    s.push(ch);
                }
                s
            }
            Layer::Word => {
                return Err(
                    "the call is in a command string written as one unquoted word".to_string(),
                );
            }
            Layer::HereDoc => return Err("the call is in a heredoc".to_string()),
        };
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
