//! Edits of YAML text: a fix's logical edits ([`crate::fix::Edit`]) turned into byte ranges
//! of the original text, never by writing the document out again. Comments, key order,
//! quoting, indentation, blank lines and the other documents of the file stay as they are.
//!
//! Each edit is made where its bytes are certain and refused (with the reason) where they
//! are not:
//! - inside a string: a literal block scalar (`|`), whose lines are the file's lines less
//!   their indentation, or a scalar on one line (plain, `'…'` or `"…"`, escapes written for
//!   its style); not a folded (`>`) or multi-line flow scalar, where positions move;
//! - a key renamed where it is written; an entry removed with its lines (or from its flow
//!   mapping with its comma);
//! - list items and new keys written in the style around them: block lines at the
//!   indentation of their neighbours, or flow syntax (`[a, b]`, `{k: v}`) inside a flow
//!   collection, with the file's line breaks (`\r\n` stays `\r\n`).
//!
//! The caller checks the result: the edited text must read back as the object with the
//! edits made (`text::fix`).

use super::{Document, Node, Pos};
use crate::fix::{Edit, Item};
use crate::json::Value;
use crate::tekton::{PathSegment, path_segments};
use std::cell::RefCell;

/// Bytes `start..end` of the text replaced by `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ByteEdit {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// What a whole batch of edits does to mappings, which each edit needs to know: entries
/// removed (a flow mapping's commas, a block mapping left empty) and mappings that get new
/// keys.
#[derive(Debug, Default)]
pub struct Batch {
    removed: Vec<String>,
    extended: Vec<String>,
}

impl Batch {
    pub fn new<'e>(edits: impl IntoIterator<Item = &'e Edit>) -> Batch {
        let mut batch = Batch::default();
        for edit in edits {
            match edit {
                Edit::RemoveKey { path } => batch.removed.push(path.clone()),
                Edit::Append { path, .. } => batch.extended.push(path.clone()),
                _ => {}
            }
        }
        batch
    }
}

/// One document of a text, ready to be edited.
pub struct Editor<'a, 't> {
    text: &'t str,
    /// Byte offsets where the file's lines start.
    starts: &'a [u32],
    doc: &'a Document<'t>,
    /// The file's line break.
    nl: &'static str,
    /// Spaces a nested block mapping is indented by, and whether a block sequence under a key
    /// starts at the key's column (`env:\n- name: …`): read from the document when first
    /// needed (only new keys need them).
    style: std::cell::OnceCell<(usize, bool)>,
    /// The strings already mapped (by node), with how they are written.
    written: RefCell<Vec<(usize, Result<Written, String>)>>,
}

/// A node found by its path.
struct Found<'a, 't> {
    node: &'a Node,
    value: &'a Value<'t>,
    /// The position of its key, when it is a mapping entry.
    key: Option<Pos>,
}

/// How a scalar is written.
#[derive(Clone)]
enum Written {
    /// A literal block: its content lines start on `first` (0-based), indented `indent`;
    /// `lines`: where the value's own lines start.
    Literal {
        first: usize,
        indent: usize,
        lines: Vec<u32>,
    },
    /// On one line: the byte offset in the file of each byte of the value, and of its end.
    OneLine { offsets: Vec<usize>, style: Style },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
}

impl<'a, 't> Editor<'a, 't> {
    pub fn new(text: &'t str, starts: &'a [u32], doc: &'a Document<'t>) -> Editor<'a, 't> {
        let nl = match text.find('\n') {
            Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
            _ => "\n",
        };
        Editor {
            text,
            starts,
            doc,
            nl,
            style: std::cell::OnceCell::new(),
            written: RefCell::new(Vec::new()),
        }
    }

    /// The indentation unit and sequence style of the document (2 and indented by default).
    fn style(&self) -> (usize, bool) {
        *self.style.get_or_init(|| {
            let mut found = (None, None);
            self.style_of(&self.doc.nodes, &mut found);
            (found.0.unwrap_or(2), found.1.unwrap_or(false))
        })
    }

    /// The indentation unit and sequence style the document uses, from the first nested
    /// block mapping and the first block sequence under a key (`found`, filled in as they
    /// are met; the walk stops once both are known).
    fn style_of(&self, node: &Node, found: &mut (Option<usize>, Option<bool>)) {
        let children: Vec<&Node> = match node {
            Node::Map { entries, .. } if !self.is_flow(node) => {
                for (key, child) in entries {
                    let col = self.col_of(*key);
                    if let (Node::Map { at, .. }, None) = (child, found.0)
                        && at.line > key.line
                        && !self.is_flow(child)
                    {
                        found.0 = self.col_of(*at).checked_sub(col).filter(|u| *u > 0);
                    }
                    if let (Node::Seq { .. }, None) = (child, found.1)
                        && !self.is_flow(child)
                        && let Some(dash) = self.dash_of(child, 0)
                        && dash.0 > key.line as usize - 1
                    {
                        found.1 = Some(dash.1 == col);
                    }
                }
                entries.iter().map(|(_, n)| n).collect()
            }
            Node::Seq { items, .. } => items.iter().collect(),
            _ => return,
        };
        for child in children {
            if found.0.is_some() && found.1.is_some() {
                return;
            }
            self.style_of(child, found);
        }
    }

    // ---- positions -------------------------------------------------------------------

    fn line_count(&self) -> usize {
        self.starts.len()
    }

    fn line_start(&self, line: usize) -> usize {
        self.starts
            .get(line)
            .map_or(self.text.len(), |&s| s as usize)
    }

    /// The end of a line's content (before its `\n` or `\r\n`).
    fn line_end(&self, line: usize) -> usize {
        match self.starts.get(line + 1) {
            Some(&next) => {
                let end = next as usize - 1;
                if end > 0 && self.text.as_bytes()[end - 1] == b'\r' {
                    end - 1
                } else {
                    end
                }
            }
            None => self.text.len(),
        }
    }

    fn line(&self, line: usize) -> &'t str {
        &self.text[self.line_start(line)..self.line_end(line)]
    }

    fn indent(&self, line: usize) -> usize {
        let l = self.line(line);
        l.len() - l.trim_start_matches(' ').len()
    }

    /// Blank or only a comment.
    fn is_empty_line(&self, line: usize) -> bool {
        let t = self.line(line).trim_start_matches([' ', '\t']);
        t.is_empty() || t.starts_with('#')
    }

    /// The byte offset of a position.
    fn offset(&self, pos: Pos) -> usize {
        let line = pos.line as usize - 1;
        let start = self.line_start(line);
        let text = self.line(line);
        let col = pos.col as usize - 1;
        // Columns count characters: bytes, as long as the line is ASCII up to there.
        if text.as_bytes().get(..col).is_some_and(<[u8]>::is_ascii) {
            return start + col;
        }
        start + text.char_indices().nth(col).map_or(text.len(), |(i, _)| i)
    }

    /// The byte column of a position on its line.
    fn col_of(&self, pos: Pos) -> usize {
        self.offset(pos) - self.line_start(pos.line as usize - 1)
    }

    fn is_flow(&self, node: &Node) -> bool {
        matches!(node, Node::Map { .. } | Node::Seq { .. })
            && matches!(
                self.text.as_bytes().get(self.offset(node.at())),
                Some(b'{' | b'[')
            )
    }

    // ---- finding nodes ---------------------------------------------------------------

    /// The node at `path`. Keys written twice on the way are refused: which one an edit
    /// would reach is not certain.
    fn find(&self, path: &str) -> Result<Found<'a, 't>, String> {
        let mut found = Found {
            node: &self.doc.nodes,
            value: &self.doc.value,
            key: None,
        };
        for seg in path_segments(path) {
            found = self
                .child(&found, seg)
                .ok_or_else(|| format!("`{path}` is not in the document"))??;
        }
        Ok(found)
    }

    fn child(
        &self,
        parent: &Found<'a, 't>,
        seg: PathSegment<'_>,
    ) -> Option<Result<Found<'a, 't>, String>> {
        match (seg, parent.node, parent.value) {
            (PathSegment::Key(k), Node::Map { entries, .. }, Value::Object(map)) => {
                let written = map.entries();
                let i = written.iter().position(|(name, _)| name == k)?;
                if written.iter().filter(|(name, _)| name == k).count() > 1 {
                    return Some(Err(format!("`{k}` is written twice in its mapping")));
                }
                let (key, node) = entries.get(i)?;
                Some(Ok(Found {
                    node,
                    value: &written[i].1,
                    key: Some(*key),
                }))
            }
            (PathSegment::Index(i), Node::Seq { items, .. }, Value::Array(values)) => {
                Some(Ok(Found {
                    node: items.get(i)?,
                    value: values.get(i)?,
                    key: None,
                }))
            }
            _ => None,
        }
    }

    // ---- lowering ----------------------------------------------------------------------

    /// The byte edits that make `edit`, knowing what the whole `batch` does.
    pub fn lower(&self, edit: &Edit, batch: &Batch) -> Result<Vec<ByteEdit>, String> {
        match edit {
            Edit::Text { path, span, text } => {
                self.text_edit(path, span.start as usize, span.end as usize, text)
            }
            Edit::RenameKey { path, to } => self.rename(path, to),
            Edit::RemoveKey { path } => self.remove(path, batch),
            Edit::InsertItems { path, after, items } => self.insert_items(path, *after, items),
            Edit::Append { path, items } => self.append(path, items, batch),
        }
    }

    /// Replaces bytes `start..end` of the string at `path`.
    fn text_edit(
        &self,
        path: &str,
        start: usize,
        end: usize,
        new: &str,
    ) -> Result<Vec<ByteEdit>, String> {
        let found = self.find(path)?;
        let Value::String(value) = found.value else {
            return Err(format!("`{path}` is not a string"));
        };
        if start > end
            || end > value.len()
            || !value.is_char_boundary(start)
            || !value.is_char_boundary(end)
        {
            return Err(format!("the edit does not fall inside `{path}`"));
        }
        match self.written_cached(found.node, value)? {
            Written::Literal {
                first,
                indent,
                lines,
            } => {
                let line_of = |o: usize| {
                    lines
                        .partition_point(|&s| s as usize <= o)
                        .saturating_sub(1)
                };
                for o in [start, end] {
                    if !self.literal_line_is(first, indent, &lines, value, line_of(o)) {
                        return Err("the block scalar does not match the file".into());
                    }
                }
                let at = |o: usize| {
                    let k = line_of(o);
                    let line_start = lines.get(k).map_or(0, |&s| s as usize);
                    self.line_start(first + k) + indent + (o - line_start)
                };
                // New lines of the inserted text at the block's indentation.
                let text = new.replace('\n', &format!("{}{}", self.nl, " ".repeat(indent)));
                if start == end
                    && value[start..].starts_with('\n')
                    && start > 0
                    && value[..start].ends_with('\n')
                {
                    // An empty line of the block may be shorter than its indentation.
                    return Err("the edit falls on an empty line of the script".into());
                }
                Ok(vec![ByteEdit {
                    start: at(start),
                    end: at(end),
                    text,
                }])
            }
            Written::OneLine { offsets, style } => {
                let text = escape_scalar(new, style).ok_or_else(|| {
                    "the new text cannot be written in this scalar's style".to_string()
                })?;
                Ok(vec![ByteEdit {
                    start: offsets[start],
                    end: offsets[end],
                    text,
                }])
            }
        }
    }

    /// [`Editor::written`], worked out once per scalar: the findings of one script all
    /// edit it.
    fn written_cached(&self, node: &Node, value: &str) -> Result<Written, String> {
        let key = node as *const Node as usize;
        let mut cache = self.written.borrow_mut();
        if let Some((_, w)) = cache.iter().find(|(k, _)| *k == key) {
            return w.clone();
        }
        let w = self.written(node, value);
        cache.push((key, w.clone()));
        w
    }

    /// How a string scalar is written, with its bytes mapped to the file's.
    fn written(&self, node: &Node, value: &str) -> Result<Written, String> {
        let Node::Scalar { at, literal } = node else {
            return Err("not a scalar".into());
        };
        if *literal {
            return self.literal_block(*at, value);
        }
        let start = self.offset(*at);
        let line = at.line as usize - 1;
        let line_end = self.line_end(line);
        if self.text[self.line_start(line)..start]
            .trim_start_matches(' ')
            .is_empty()
            && !value.is_empty()
        {
            return Err(
                "the string is a folded block or starts its own line: positions inside it are not exact"
                    .into(),
            );
        }
        let bytes = self.text.as_bytes();
        let mut offsets = Vec::with_capacity(value.len() + 1);
        let mut decoded = Vec::with_capacity(value.len());
        let style = match bytes.get(start) {
            Some(b'\'') => Style::Single,
            Some(b'"') => Style::Double,
            _ => Style::Plain,
        };
        let not_one_line = || {
            "the string is written over several lines: positions inside it are not exact"
                .to_string()
        };
        match style {
            Style::Plain => {
                if value.contains('\n') || self.text.get(start..start + value.len()) != Some(value)
                {
                    return Err(not_one_line());
                }
                offsets.extend(start..=start + value.len());
                return Ok(Written::OneLine { offsets, style });
            }
            Style::Single => {
                let mut i = start + 1;
                loop {
                    if i >= line_end {
                        return Err(not_one_line());
                    }
                    if bytes[i] == b'\'' {
                        if bytes.get(i + 1) == Some(&b'\'') {
                            offsets.push(i);
                            decoded.push(b'\'');
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    offsets.push(i);
                    decoded.push(bytes[i]);
                    i += 1;
                }
                offsets.push(i);
            }
            Style::Double => {
                let mut i = start + 1;
                loop {
                    if i >= line_end {
                        return Err(not_one_line());
                    }
                    match bytes[i] {
                        b'"' => break,
                        b'\\' => {
                            let c = match bytes.get(i + 1) {
                                Some(b'\\') => b'\\',
                                Some(b'"') => b'"',
                                Some(b'/') => b'/',
                                Some(b'n') => b'\n',
                                Some(b't') => b'\t',
                                Some(b' ') => b' ',
                                _ => {
                                    return Err(
                                        "the string has escapes the fixer does not edit around"
                                            .into(),
                                    );
                                }
                            };
                            offsets.push(i);
                            decoded.push(c);
                            i += 2;
                        }
                        b => {
                            offsets.push(i);
                            decoded.push(b);
                            i += 1;
                        }
                    }
                }
                offsets.push(i);
            }
        }
        if decoded != value.as_bytes() {
            return Err(not_one_line());
        }
        Ok(Written::OneLine { offsets, style })
    }

    /// A literal block scalar whose content starts at `at`: checked line by line against the
    /// file (every line of the value is a line of the file less the indentation).
    fn literal_block(&self, at: Pos, value: &str) -> Result<Written, String> {
        let indent = self.col_of(at);
        let mut header = at.line as usize - 1;
        // Blank lines before the first line with text belong to the block.
        loop {
            if header == 0 {
                return Err("the block scalar's header is not where it should be".into());
            }
            header -= 1;
            if !self.line(header).trim().is_empty() {
                break;
            }
        }
        let head = self.line(header);
        let head = head.split(" #").next().unwrap_or(head).trim_end();
        let indicator = head.rsplit([' ', '\t']).next().unwrap_or("");
        if !indicator.starts_with('|')
            || !indicator[1..]
                .bytes()
                .all(|b| b == b'-' || b == b'+' || b.is_ascii_digit())
        {
            return Err("the block scalar's header is not where it should be".into());
        }
        let first = header + 1;
        let lines = crate::lines::starts(value);
        // Its first and last lines where they should be (the lines an edit touches are
        // checked as well; the fixed text is read back before it is kept).
        let last = lines.partition_point(|&s| (s as usize) < value.len().max(1)) - 1;
        if !self.literal_line_is(first, indent, &lines, value, 0)
            || !self.literal_line_is(first, indent, &lines, value, last)
        {
            return Err("the block scalar does not match the file".into());
        }
        Ok(Written::Literal {
            first,
            indent,
            lines,
        })
    }

    /// Whether line `k` of a literal block's value is line `first + k` of the file, less the
    /// block's indentation.
    fn literal_line_is(
        &self,
        first: usize,
        indent: usize,
        lines: &[u32],
        value: &str,
        k: usize,
    ) -> bool {
        let Some(&start) = lines.get(k) else {
            return false;
        };
        let end = lines.get(k + 1).map_or(value.len(), |&e| e as usize - 1);
        let Some(part) = value.get(start as usize..end) else {
            return false;
        };
        if first + k >= self.line_count() {
            return false;
        }
        let text = self.line(first + k);
        match text.get(indent..) {
            Some(rest) => rest == part,
            None => part.is_empty() && text.trim().is_empty(),
        }
    }

    /// Renames the key at `path`.
    fn rename(&self, path: &str, to: &str) -> Result<Vec<ByteEdit>, String> {
        let found = self.find(path)?;
        let key_at = found
            .key
            .ok_or_else(|| format!("`{path}` is not a mapping entry"))?;
        let old = match path_segments(path).last() {
            Some(PathSegment::Key(k)) => *k,
            _ => return Err(format!("`{path}` is not a mapping entry")),
        };
        let start = self.offset(key_at);
        let rest = &self.text[start..];
        let (start, len) = if rest.starts_with(old) {
            (start, old.len())
        } else if (rest.starts_with('"') || rest.starts_with('\'')) && rest[1..].starts_with(old) {
            (start + 1, old.len())
        } else {
            return Err("the key is not written plainly".into());
        };
        if !plain_safe(to, false) {
            return Err(format!("`{to}` cannot be written as a plain key"));
        }
        Ok(vec![ByteEdit {
            start,
            end: start + len,
            text: to.to_string(),
        }])
    }

    /// The path of the mapping holding the entry at `path`, and the entry's key.
    fn split_entry(path: &str) -> Option<(String, &str)> {
        let (parent, key) = path.rsplit_once('.')?;
        (!key.contains('[')).then(|| (parent.to_string(), key))
    }

    /// Removes the entry at `path`.
    fn remove(&self, path: &str, batch: &Batch) -> Result<Vec<ByteEdit>, String> {
        let (parent_path, key) =
            Editor::split_entry(path).ok_or_else(|| format!("`{path}` is not a mapping entry"))?;
        let parent = self.find(&parent_path)?;
        let Node::Map { entries, .. } = parent.node else {
            return Err(format!("`{parent_path}` is not a mapping"));
        };
        let Value::Object(map) = parent.value else {
            return Err(format!("`{parent_path}` is not a mapping"));
        };
        let index = map
            .entries()
            .iter()
            .position(|(k, _)| k == key)
            .ok_or_else(|| format!("`{path}` is not in the document"))?;
        let removed_here = |i: usize| {
            map.entries().get(i).is_some_and(|(k, _)| {
                batch
                    .removed
                    .iter()
                    .any(|r| *r == format!("{parent_path}.{k}"))
            })
        };
        let gets_keys = batch.extended.iter().any(|p| {
            p.starts_with(&format!("{parent_path}.")) && !self.find_prefix_exists(p, &parent_path)
        });
        if self.is_flow(parent.node) {
            let scan = self.flow(parent.node.at())?;
            if scan.entries.len() != entries.len() {
                return Err("the flow mapping could not be read entry by entry".into());
            }
            let (start, end) = scan.entries[index];
            let range = if let Some(&(next, _)) = scan.entries.get(index + 1) {
                (start, next)
            } else if index > 0 && !(0..index).all(removed_here) {
                (scan.entries[index - 1].1, end)
            } else {
                (start, end)
            };
            return Ok(vec![ByteEdit {
                start: range.0,
                end: range.1,
                text: String::new(),
            }]);
        }
        let (key_at, _) = entries[index];
        let line = key_at.line as usize - 1;
        let col = self.col_of(key_at);
        if !self.line(line)[..col].trim_start_matches(' ').is_empty() {
            return Err("the entry shares its line with a `-`; remove it by hand".into());
        }
        let last = self.last_line_of(line, col, false);
        let mut out = vec![self.remove_lines(line, last)];
        let everything = (0..entries.len()).all(|i| i == index || removed_here(i));
        if everything && !gets_keys {
            // An empty block mapping reads as null: write `{}` after its key instead.
            let holder = parent
                .key
                .filter(|k| (k.line as usize) < key_at.line as usize)
                .ok_or_else(|| "the mapping would be left empty".to_string())?;
            let colon = self.colon_after(holder)?;
            out.push(ByteEdit {
                start: colon + 1,
                end: colon + 1,
                text: " {}".into(),
            });
        }
        Ok(out)
    }

    /// Whether the part of `path` right below `parent` exists (a list or mapping being
    /// appended to, rather than new keys).
    fn find_prefix_exists(&self, path: &str, parent: &str) -> bool {
        let rest = &path[parent.len() + 1..];
        let first = rest.split(['.', '[']).next().unwrap_or(rest);
        self.find(&format!("{parent}.{first}")).is_ok()
    }

    /// The byte just after the `:` that follows the key at `key`.
    fn colon_after(&self, key: Pos) -> Result<usize, String> {
        let start = self.offset(key);
        let end = self.line_end(key.line as usize - 1);
        let rest = &self.text[start..end];
        let mut i = 0;
        let b = rest.as_bytes();
        if matches!(b.first(), Some(b'"' | b'\'')) {
            let q = b[0];
            i = 1
                + rest[1..]
                    .find(q as char)
                    .ok_or_else(|| "the key is not written plainly".to_string())?
                + 1;
        }
        while i < b.len() {
            if b[i] == b':' && (i + 1 == b.len() || b[i + 1] == b' ') {
                return Ok(start + i);
            }
            i += 1;
        }
        Err("the key is not written plainly".into())
    }

    /// The last line of a block entry or item that starts on `line` at byte column `col`:
    /// lines after it belong to it while they are blank, comments or indented more (and, for
    /// a mapping entry, a `-` at its column: an indentless sequence). Trailing blank and
    /// comment lines are left out.
    fn last_line_of(&self, line: usize, col: usize, item: bool) -> usize {
        let mut last = line;
        let mut l = line + 1;
        while l < self.line_count() {
            if self.is_empty_line(l) {
                l += 1;
                continue;
            }
            let i = self.indent(l);
            let rest = &self.line(l)[i..];
            let dash = rest == "-" || rest.starts_with("- ");
            if i > col || (!item && i == col && dash) {
                last = l;
                l += 1;
                continue;
            }
            break;
        }
        last
    }

    /// Lines `first..=last` removed, with their line breaks.
    fn remove_lines(&self, first: usize, last: usize) -> ByteEdit {
        let start = self.line_start(first);
        if last + 1 < self.line_count() {
            ByteEdit {
                start,
                end: self.line_start(last + 1),
                text: String::new(),
            }
        } else {
            // The last line of a file without a final line break: take the one before.
            let start = if first > 0 {
                self.line_end(first - 1)
            } else {
                start
            };
            ByteEdit {
                start,
                end: self.text.len(),
                text: String::new(),
            }
        }
    }

    /// Where a new line goes after line `last`: the start of the next line (a file that
    /// does not end with a line break gets one first).
    fn after_line(&self, last: usize) -> (usize, &'static str) {
        if last + 1 < self.line_count() {
            (self.line_start(last + 1), "")
        } else {
            (self.text.len(), self.nl)
        }
    }

    /// The dash of item `i` of a block sequence: its line and byte column.
    fn dash_of(&self, seq: &Node, i: usize) -> Option<(usize, usize)> {
        let Node::Seq { items, .. } = seq else {
            return None;
        };
        let item = items.get(i)?;
        let at = item.at();
        let line = at.line as usize - 1;
        let before = &self.line(line)[..self.col_of(at)];
        let trimmed = before.trim_end_matches(' ');
        if trimmed.ends_with('-')
            && trimmed[..trimmed.len() - 1]
                .trim_start_matches(' ')
                .is_empty()
        {
            return Some((line, trimmed.len() - 1));
        }
        if !before.trim_start_matches(' ').is_empty() {
            return None;
        }
        // The value starts on a line of its own: the `-` (with a block header) is above.
        let mut l = line;
        while l > 0 {
            l -= 1;
            if self.line(l).trim().is_empty() {
                continue;
            }
            let text = self.line(l);
            let rest = text.trim_start_matches(' ');
            let col = text.len() - rest.len();
            return (rest == "-" || rest.starts_with("- ") || rest.starts_with("-\t"))
                .then_some((l, col));
        }
        None
    }

    /// Inserts exec-form items after item `after` of the list at `path`.
    fn insert_items(
        &self,
        path: &str,
        after: usize,
        items: &[String],
    ) -> Result<Vec<ByteEdit>, String> {
        let found = self.find(path)?;
        let Node::Seq { items: nodes, .. } = found.node else {
            return Err(format!("`{path}` is not a list"));
        };
        if after >= nodes.len() {
            return Err(format!("`{path}` has no item {after}"));
        }
        let style = self.scalar_style(&nodes[after]);
        let items: Vec<Item> = items.iter().map(|s| Item::Scalar(s.clone())).collect();
        if self.is_flow(found.node) {
            let scan = self.flow(found.node.at())?;
            if scan.entries.len() != nodes.len() {
                return Err("the flow list could not be read item by item".into());
            }
            let mut text = String::new();
            for item in &items {
                text.push_str(", ");
                text.push_str(&flow_item(item, style)?);
            }
            let at = scan.entries[after].1;
            return Ok(vec![ByteEdit {
                start: at,
                end: at,
                text,
            }]);
        }
        let (line, col) = self
            .dash_of(found.node, after)
            .ok_or_else(|| "the list's `-` could not be found".to_string())?;
        let last = self.last_line_of(line, col, true);
        let (at, lead) = self.after_line(last);
        let text = format!("{lead}{}", self.block_items(&items, col, 2, style)?);
        Ok(vec![ByteEdit {
            start: at,
            end: at,
            text,
        }])
    }

    /// How a list item is quoted, to write new ones alike.
    fn scalar_style(&self, node: &Node) -> Style {
        match self.text.as_bytes().get(self.offset(node.at())) {
            Some(b'"') => Style::Double,
            Some(b'\'') => Style::Single,
            _ => Style::Plain,
        }
    }

    /// Block sequence items at column `col`, a mapping item's keys `key_offset` columns after
    /// the dash.
    fn block_items(
        &self,
        items: &[Item],
        col: usize,
        key_offset: usize,
        style: Style,
    ) -> Result<String, String> {
        let key_offset = key_offset.max(2);
        let mut out = String::with_capacity(64 * items.len());
        let spaces = |out: &mut String, n: usize| out.extend(std::iter::repeat_n(' ', n));
        for item in items {
            match item {
                Item::Scalar(s) => {
                    spaces(&mut out, col);
                    out.push_str("- ");
                    out.push_str(&scalar(s, style, false)?);
                    out.push_str(self.nl);
                }
                Item::Entries(entries) => {
                    for (k, (key, value)) in entries.iter().enumerate() {
                        if k == 0 {
                            spaces(&mut out, col);
                            out.push('-');
                            spaces(&mut out, key_offset - 1);
                        } else {
                            spaces(&mut out, col + key_offset);
                        }
                        out.push_str(&scalar(key, Style::Plain, false)?);
                        out.push_str(": ");
                        out.push_str(&scalar(value, Style::Plain, false)?);
                        out.push_str(self.nl);
                    }
                }
            }
        }
        Ok(out)
    }

    /// Appends items to the list at `path`, creating what is missing above it.
    fn append(&self, path: &str, items: &[Item], batch: &Batch) -> Result<Vec<ByteEdit>, String> {
        // The deepest part of the path that exists.
        let segments = path_segments(path);
        let mut found = Found {
            node: &self.doc.nodes,
            value: &self.doc.value,
            key: None,
        };
        let mut depth = 0;
        let mut existing = String::new();
        for seg in &segments {
            match self.child(&found, *seg) {
                Some(Ok(next)) => {
                    found = next;
                    depth += 1;
                    match seg {
                        PathSegment::Key(k) => {
                            if !existing.is_empty() {
                                existing.push('.');
                            }
                            existing.push_str(k);
                        }
                        PathSegment::Index(i) => existing.push_str(&format!("[{i}]")),
                    }
                }
                Some(Err(e)) => return Err(e),
                None => break,
            }
        }
        if depth == segments.len() {
            return self.append_to_list(&found, path, items);
        }
        let keys: Vec<&str> = segments[depth..]
            .iter()
            .map(|s| match s {
                PathSegment::Key(k) => Ok(*k),
                PathSegment::Index(_) => Err("a list item to create".to_string()),
            })
            .collect::<Result<_, _>>()?;
        let Node::Map { entries, .. } = found.node else {
            return Err(format!("`{existing}` is not a mapping"));
        };
        let Value::Object(map) = found.value else {
            return Err(format!("`{existing}` is not a mapping"));
        };
        if self.is_flow(found.node) {
            let scan = self.flow(found.node.at())?;
            if scan.entries.len() != entries.len() {
                return Err("the flow mapping could not be read entry by entry".into());
            }
            let kept = map.entries().iter().any(|(k, _)| {
                !batch
                    .removed
                    .iter()
                    .any(|r| *r == format!("{existing}.{k}"))
            });
            let text = format!(
                "{}{}",
                if kept { ", " } else { "" },
                flow_keys(&keys, items)?
            );
            let at = scan.entries.last().map_or(scan.close, |e| e.1);
            return Ok(vec![ByteEdit {
                start: at,
                end: at,
                text,
            }]);
        }
        let Some(&(first_key, _)) = entries.first() else {
            return Err(format!("`{existing}` is empty"));
        };
        let col = self.col_of(first_key);
        // Before the step's program (`script`, `command`, `args`), as Tasks are usually
        // written; else after the last entry.
        let before = map
            .entries()
            .iter()
            .position(|(k, _)| matches!(k.as_ref(), "script" | "command" | "args"))
            .map(|i| entries[i].0)
            .filter(|at| {
                let line = at.line as usize - 1;
                self.line(line)[..self.col_of(*at)]
                    .trim_start_matches(' ')
                    .is_empty()
            });
        let text = self.block_keys(&keys, items, col)?;
        match before {
            Some(at) => {
                let mut line = at.line as usize - 1;
                // Comments just above that key describe it: stay above them.
                while line > 0 {
                    let above = self.line(line - 1);
                    let rest = above.trim_start_matches(' ');
                    if rest.starts_with('#') && above.len() - rest.len() == col {
                        line -= 1;
                    } else {
                        break;
                    }
                }
                let start = self.line_start(line);
                Ok(vec![ByteEdit {
                    start,
                    end: start,
                    text,
                }])
            }
            None => {
                let (last_key, _) = entries[entries.len() - 1];
                let last = self.last_line_of(last_key.line as usize - 1, col, false);
                let (at, lead) = self.after_line(last);
                Ok(vec![ByteEdit {
                    start: at,
                    end: at,
                    text: format!("{lead}{text}"),
                }])
            }
        }
    }

    /// Appends to a list that exists.
    fn append_to_list(
        &self,
        found: &Found<'a, 't>,
        path: &str,
        items: &[Item],
    ) -> Result<Vec<ByteEdit>, String> {
        let Node::Seq { items: nodes, .. } = found.node else {
            return Err(format!("`{path}` is not a list"));
        };
        let style = nodes.last().map_or(Style::Plain, |n| self.scalar_style(n));
        if self.is_flow(found.node) {
            let scan = self.flow(found.node.at())?;
            if scan.entries.len() != nodes.len() {
                return Err("the flow list could not be read item by item".into());
            }
            let mut parts = Vec::new();
            for item in items {
                parts.push(flow_item(item, style)?);
            }
            let (at, lead) = match scan.entries.last() {
                Some(&(_, end)) => (end, ", "),
                None => (scan.close, ""),
            };
            return Ok(vec![ByteEdit {
                start: at,
                end: at,
                text: format!("{lead}{}", parts.join(", ")),
            }]);
        }
        let last = nodes
            .len()
            .checked_sub(1)
            .ok_or_else(|| format!("`{path}` is empty"))?;
        let (line, col) = self
            .dash_of(found.node, last)
            .ok_or_else(|| "the list's `-` could not be found".to_string())?;
        // Keys of a mapping item as far after the dash as in the last item.
        let key_offset = match &nodes[last] {
            Node::Map { at, .. } if at.line as usize - 1 == line => self.col_of(*at) - col,
            _ => 2,
        };
        let end = self.last_line_of(line, col, true);
        let (at, lead) = self.after_line(end);
        Ok(vec![ByteEdit {
            start: at,
            end: at,
            text: format!("{lead}{}", self.block_items(items, col, key_offset, style)?),
        }])
    }

    /// New block entries `keys[0]:` … with the list at the end, at column `col`.
    fn block_keys(&self, keys: &[&str], items: &[Item], col: usize) -> Result<String, String> {
        let (unit, indentless) = self.style();
        let mut out = String::new();
        let mut c = col;
        for key in keys {
            if !plain_safe(key, false) {
                return Err(format!("`{key}` cannot be written as a plain key"));
            }
            out.push_str(&format!("{}{key}:{}", " ".repeat(c), self.nl));
            c += unit;
        }
        let dash = if indentless { c - unit } else { c };
        out.push_str(&self.block_items(items, dash, 2, Style::Plain)?);
        Ok(out)
    }

    // ---- flow collections --------------------------------------------------------------

    /// The entries of the flow collection opening at `at`: each entry's byte range, and the
    /// closing bracket's offset.
    fn flow(&self, at: Pos) -> Result<FlowScan, String> {
        scan_flow(self.text, self.offset(at))
            .ok_or_else(|| "the flow collection could not be read".to_string())
    }
}

/// Entries of a flow collection.
struct FlowScan {
    entries: Vec<(usize, usize)>,
    close: usize,
}

/// Reads the flow collection whose `[` or `{` is at `open`: the byte range of each entry
/// (leading and trailing blanks and comments left out) and where it closes.
fn scan_flow(text: &str, open: usize) -> Option<FlowScan> {
    let b = text.as_bytes();
    let close_byte = match b.get(open)? {
        b'[' => b']',
        b'{' => b'}',
        _ => return None,
    };
    let mut entries = Vec::new();
    let mut depth = 0usize;
    let mut start: Option<usize> = None;
    let mut end = 0usize;
    // A quote opens a quoted scalar only where a scalar starts.
    let mut scalar_start = true;
    let mut i = open + 1;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                if depth == 0 && start.is_none() {
                    scalar_start = true;
                }
                continue;
            }
            b'#' if i > 0 && matches!(b[i - 1], b' ' | b'\t' | b'\n') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            _ => {}
        }
        if depth == 0 {
            if c == b',' {
                if let Some(s) = start.take() {
                    entries.push((s, end));
                }
                scalar_start = true;
                i += 1;
                continue;
            }
            if c == close_byte {
                if let Some(s) = start.take() {
                    entries.push((s, end));
                }
                return Some(FlowScan { entries, close: i });
            }
            if start.is_none() {
                start = Some(i);
            }
        }
        match c {
            b'\'' | b'"' if scalar_start => {
                let quote = c;
                i += 1;
                while i < b.len() {
                    if b[i] == b'\\' && quote == b'"' {
                        i += 2;
                        continue;
                    }
                    if b[i] == quote {
                        if quote == b'\'' && b.get(i + 1) == Some(&b'\'') {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
                end = i;
                scalar_start = false;
                continue;
            }
            b'[' | b'{' => {
                depth += 1;
                scalar_start = true;
            }
            b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                scalar_start = false;
            }
            b',' => scalar_start = true,
            b':' => scalar_start = true,
            _ => scalar_start = false,
        }
        i += 1;
        end = i;
    }
    None
}

/// A plain scalar that reads back as this string, in block (`flow` false) or flow context.
fn plain_safe(s: &str, flow: bool) -> bool {
    let Some(first) = s.bytes().next() else {
        return false;
    };
    let starts_ok = match first {
        b'-' | b'?' | b':' => s.len() > 1 && !matches!(s.as_bytes()[1], b' ' | b'\t'),
        b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
        | b'"' | b'%' | b'@' | b'`' | b' ' | b'\t' => false,
        _ => true,
    };
    starts_ok
        && !s.ends_with([' ', '\t', ':'])
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.contains(['\n', '\r', '\t'])
        && (!flow || !s.contains([',', '[', ']', '{', '}']))
        && !resolves_to_other(s)
}

/// Whether a plain scalar would read as something other than a string (YAML 1.2 core).
fn resolves_to_other(s: &str) -> bool {
    // Only these can start anything but a string.
    if !s
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_digit() || b"+-.~nNtTfF".contains(&b))
    {
        return false;
    }
    matches!(
        s,
        "null"
            | "Null"
            | "NULL"
            | "~"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | ".inf"
            | ".Inf"
            | ".INF"
            | "-.inf"
            | "-.Inf"
            | "-.INF"
            | ".nan"
            | ".NaN"
            | ".NAN"
    ) || s.parse::<f64>().is_ok()
        || s.strip_prefix("0x")
            .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()))
        || s.strip_prefix("0o")
            .is_some_and(|o| !o.is_empty() && o.bytes().all(|b| (b'0'..=b'7').contains(&b)))
}

/// A string written as a scalar: in `style` when it can be (plain only when safe),
/// double-quoted otherwise.
fn scalar(s: &str, style: Style, flow: bool) -> Result<String, String> {
    match style {
        Style::Plain if plain_safe(s, flow) => Ok(s.to_string()),
        Style::Single if !s.contains(['\n', '\r']) => Ok(format!("'{}'", s.replace('\'', "''"))),
        _ => escape_scalar(s, Style::Double)
            .map(|e| format!("\"{e}\""))
            .ok_or_else(|| format!("`{s}` cannot be written in YAML here")),
    }
}

/// Text to put inside a scalar of `style` so that it reads back as `s`.
fn escape_scalar(s: &str, style: Style) -> Option<String> {
    match style {
        Style::Plain => (!s.contains(['\n', '\r']) && !s.contains(" #") && !s.contains(": "))
            .then(|| s.to_string()),
        Style::Single => (!s.contains(['\n', '\r'])).then(|| s.replace('\'', "''")),
        Style::Double => {
            let mut out = String::with_capacity(s.len() + 8);
            for ch in s.chars() {
                match ch {
                    '\\' => out.push_str("\\\\"),
                    '"' => out.push_str("\\\""),
                    '\n' => out.push_str("\\n"),
                    '\t' => out.push_str("\\t"),
                    c if c.is_control() => return None,
                    c => out.push(c),
                }
            }
            Some(out)
        }
    }
}

/// An item written in flow syntax.
fn flow_item(item: &Item, style: Style) -> Result<String, String> {
    match item {
        Item::Scalar(s) => scalar(s, style, true),
        Item::Entries(entries) => {
            let parts: Result<Vec<String>, String> = entries
                .iter()
                .map(|(k, v)| {
                    Ok(format!(
                        "{}: {}",
                        scalar(k, Style::Plain, true)?,
                        scalar(v, Style::Plain, true)?
                    ))
                })
                .collect();
            Ok(format!("{{{}}}", parts?.join(", ")))
        }
    }
}

/// `k1: {k2: [items]}` in flow syntax.
fn flow_keys(keys: &[&str], items: &[Item]) -> Result<String, String> {
    let parts: Result<Vec<String>, String> =
        items.iter().map(|i| flow_item(i, Style::Plain)).collect();
    let mut out = format!("[{}]", parts?.join(", "));
    for (k, key) in keys.iter().enumerate().rev() {
        if !plain_safe(key, true) {
            return Err(format!("`{key}` cannot be written as a plain key"));
        }
        out = if k == 0 {
            format!("{key}: {out}")
        } else {
            format!("{{{key}: {out}}}")
        };
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
