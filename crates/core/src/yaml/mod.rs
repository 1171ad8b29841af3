//! Reading Tekton YAML files: every document of a stream as a JSON value (what the API
//! server and the policy see), with the position of every node, so that a finding's logical
//! path (and a byte range inside a script) can be turned into `line:col`.

use crate::json::{Map, Number, Value};
use crate::shell::Span;
use crate::tekton::{PathSegment, path_segments};
use saphyr::{Scalar, ScalarStyle};
use saphyr_parser::Event;
use std::borrow::Cow;

mod direct;
pub mod edit;

/// Deepest nesting converted; deeper documents are refused rather than risking the stack.
const MAX_DEPTH: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based line and column.
    pub line: u32,
    pub col: u32,
    pub message: String,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {} column {}: {}",
            self.line, self.col, self.message
        )
    }
}

/// A position in the file: 1-based line, 1-based column counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

/// Where every node of a document is.
#[derive(Debug, Clone)]
pub enum Node {
    Scalar {
        at: Pos,
        /// A literal block scalar (`|`, `|-`, `|+`): its lines map one to one onto the file.
        literal: bool,
    },
    Seq {
        at: Pos,
        items: Vec<Node>,
    },
    /// Each entry's key position and node, in the order of the value's entries (the keys are
    /// there).
    Map {
        at: Pos,
        entries: Vec<(Pos, Node)>,
    },
}

impl Node {
    pub fn at(&self) -> Pos {
        match self {
            Node::Scalar { at, .. } | Node::Seq { at, .. } | Node::Map { at, .. } => *at,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Document<'t> {
    /// The document as a JSON value (`check_object(&doc.value, …)`; `to_serde()` for
    /// serde_json). Keys and plain scalars read by the direct reader borrow the file's text;
    /// everything else is owned (`into_owned()` keeps a value past the text).
    pub value: Value<'t>,
    pub nodes: Node,
    /// 1-based line where the document's content starts.
    pub line: u32,
}

/// A position resolved from a logical path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located {
    pub pos: Pos,
    /// The position is the offending token itself (inside a literal block scalar, or the field
    /// named by the path). False when it falls back to the start of a scalar that is not a
    /// literal block, or to the nearest enclosing field that exists.
    pub exact: bool,
}

impl Document<'_> {
    /// The position of `path` (a finding's logical path such as `spec.steps[0].script`), and
    /// of `span` (a byte range inside the string at that path) when given.
    pub fn locate(&self, path: &str, span: Option<Span>) -> Located {
        let mut node = &self.nodes;
        // The value `node` describes (a key written twice: its first entry), and the value the
        // path reads (its last, as serde_json reads it).
        let mut shape = &self.value;
        let mut value = Some(&self.value);
        let mut pos = node.at();
        let mut complete = true;
        for seg in path_segments(path) {
            let next = match (seg, node) {
                (PathSegment::Key(k), Node::Map { entries, .. }) => {
                    let keys = shape.as_object().map_or(&[][..], Map::entries);
                    keys.iter()
                        .position(|(name, _)| name == k)
                        .and_then(|i| Some((entries.get(i)?, &keys[i].1)))
                        .map(|((key_at, n), v)| (*key_at, n, v))
                }
                (PathSegment::Index(i), Node::Seq { items, .. }) => items
                    .get(i)
                    .and_then(|n| Some((n.at(), n, shape.get_index(i)?))),
                _ => None,
            };
            let Some((at, n, v)) = next else {
                complete = false;
                break;
            };
            pos = at;
            node = n;
            shape = v;
            value = value.and_then(|v| match seg {
                PathSegment::Key(k) => v.get(k),
                PathSegment::Index(i) => v.get_index(i),
            });
        }
        if !complete {
            return Located { pos, exact: false };
        }
        let Some(span) = span else {
            return Located { pos, exact: true };
        };
        match (node, value) {
            (Node::Scalar { at, literal: true }, Some(Value::String(text))) => Located {
                pos: offset_in_block(text, *at, span.start as usize),
                exact: true,
            },
            (Node::Scalar { at, .. }, Some(Value::String(text)))
                if span.start == 0 && span.end as usize == text.len() =>
            {
                // The span is the whole value: the value's own position.
                Located {
                    pos: *at,
                    exact: true,
                }
            }
            _ => Located {
                pos: node.at(),
                exact: false,
            },
        }
    }
}

/// The file position of a byte offset inside a literal block scalar starting at `content`.
fn offset_in_block(text: &str, content: Pos, offset: usize) -> Pos {
    let offset = text.floor_char_boundary(offset);
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    // Findings deep in long scripts are common.
    let lines = crate::lines::count(before.as_bytes()) as u32;
    let col = before[line_start..].chars().count() as u32;
    Pos {
        line: content.line + lines,
        col: content.col + col,
    }
}

/// Every non-empty document of a YAML stream; the first error fails the whole stream.
pub fn load(text: &str) -> Result<Vec<Document<'_>>, YamlError> {
    load_documents(text).into_iter().collect()
}

/// Every non-empty document of a YAML stream, each read on its own the way `kubectl` reads a
/// file (split at `---` lines): a document that is not valid YAML is an error for that
/// document, and the others are still read.
pub fn load_documents(text: &str) -> Vec<Result<Document<'_>, YamlError>> {
    load_with(text, true).0
}

/// [`load_documents`], with the byte offsets where the text's lines start (0, then just after
/// each `\n`), found on the way.
pub(crate) fn load_documents_and_lines(
    text: &str,
) -> (Vec<Result<Document<'_>, YamlError>>, Vec<u32>) {
    load_with(text, true)
}

/// `load_documents` without the direct reader: every piece read by the general parser (the
/// `yaml` fuzz target checks that the two always agree).
#[doc(hidden)]
pub fn load_documents_generally(text: &str) -> Vec<Result<Document<'_>, YamlError>> {
    load_with(text, false).0
}

fn load_with(text: &str, direct: bool) -> (Vec<Result<Document<'_>, YamlError>>, Vec<u32>) {
    let (lines, readable) = split_lines(text);
    let mut out = Vec::new();
    for (first, end) in pieces(&lines) {
        let read = if direct && readable {
            direct::read_chunk(&lines[first..end], first as u32)
        } else {
            None
        };
        let docs = match read {
            Some(docs) => Ok(docs),
            None => {
                let start = offset_of(text, lines[first]);
                let end = lines.get(end).map_or(text.len(), |l| offset_of(text, l));
                parse_chunk(&text[start..end], first as u32)
            }
        };
        match docs {
            Ok(docs) => out.extend(docs.into_iter().map(Ok)),
            Err(e) => out.push(Err(e)),
        }
    }
    let starts = lines.iter().map(|l| offset_of(text, l) as u32).collect();
    (out, starts)
}

/// Where `part`, a slice of `text`, starts in it.
fn offset_of(text: &str, part: &str) -> usize {
    part.as_ptr() as usize - text.as_ptr() as usize
}

/// The 1-based line where each piece of the stream starts (see `pieces`): the documents a
/// comment belongs to are told apart by them.
pub(crate) fn piece_lines(text: &str) -> Vec<u32> {
    let (lines, _) = split_lines(text);
    pieces(&lines)
        .iter()
        .map(|&(first, _)| first as u32 + 1)
        .collect()
}

/// The stream cut before each line that is `---` (trailing blanks allowed): the line indices
/// `first..end` of each piece.
fn pieces(lines: &[&str]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (k, line) in lines.iter().enumerate() {
        let is_separator = line
            .strip_prefix("---")
            .is_some_and(|rest| rest.trim_end().is_empty());
        if is_separator && k > start {
            out.push((start, k));
            start = k;
        }
    }
    let last = lines.len() - 1;
    if !(start == last && lines[last].is_empty()) || out.is_empty() {
        out.push((start, lines.len()));
    }
    out
}

/// The lines of `text` without their `\n` (and the `\r` of a `\r\n`), and whether the direct
/// reader may read them: every character printable for YAML, no byte order mark, no `\r`
/// but in `\r\n`, no line break other than `\n` and `\r\n`. Eight bytes at a time where
/// nothing but printable ASCII is.
fn split_lines(text: &str) -> (Vec<&str>, bool) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let b = text.as_bytes();
    let mut lines = Vec::with_capacity(b.len() / 32 + 1);
    let mut readable = true;
    let mut cr = false;
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        if let Some(word) = b.get(i..i + 8) {
            let w = u64::from_le_bytes(word.try_into().unwrap_or_default());
            let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGHS;
            let above_tilde = (w.wrapping_add(ONES) | w) & HIGHS;
            if below_space | above_tilde == 0 {
                i += 8;
                continue;
            }
        }
        match b[i] {
            b'\n' => {
                lines.push(&text[start..i]);
                start = i + 1;
            }
            b'\t' => {}
            b'\r' => cr = true,
            0..=0x1f | 0x7f => readable = false,
            // C1 controls (NEL among them), U+2028 and U+2029, U+FEFF, U+FFFE and U+FFFF.
            0xc2 if matches!(b.get(i + 1), Some(0x80..=0x9f)) => readable = false,
            0xe2 if b.get(i + 1) == Some(&0x80) && matches!(b.get(i + 2), Some(0xa8 | 0xa9)) => {
                readable = false
            }
            0xef if matches!(
                (b.get(i + 1), b.get(i + 2)),
                (Some(0xbb), Some(0xbf)) | (Some(0xbf), Some(0xbe | 0xbf))
            ) =>
            {
                readable = false
            }
            _ => {}
        }
        i += 1;
    }
    lines.push(&text[start..]);
    if cr {
        let last = lines.len() - 1;
        for (k, line) in lines.iter_mut().enumerate() {
            if k < last {
                *line = line.strip_suffix('\r').unwrap_or(line);
            }
            readable &= !line.contains('\r');
        }
    }
    (lines, readable)
}

/// Most nodes alias expansion may copy in one piece (a "billion laughs" guard).
const MAX_ALIAS_NODES: usize = 100_000;

/// A collection being built.
enum Frame {
    Seq {
        at: Pos,
        anchor: usize,
        values: Vec<Value<'static>>,
        nodes: Vec<Node>,
    },
    Map {
        at: Pos,
        anchor: usize,
        values: Map<'static>,
        entries: Vec<(Pos, Node)>,
        key: Option<(String, Pos)>,
    },
}

/// Reads one piece of a stream whose first line is line `line_offset + 1` of the file with the
/// general parser, straight from its events into JSON values and positions.
fn parse_chunk(text: &str, line_offset: u32) -> Result<Vec<Document<'static>>, YamlError> {
    let mut parser = saphyr_parser::Parser::new_from_str(text);
    let mut out = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: std::collections::HashMap<usize, (Value<'static>, Node)> = Default::default();
    let mut aliased = 0usize;
    let error = |line: u32, col: u32, message: String| YamlError {
        line: line + line_offset,
        col: col + 1,
        message,
    };
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| {
            error(
                e.marker().line() as u32,
                e.marker().col() as u32,
                e.info().to_string(),
            )
        })?;
        let at = pos(&span.start, line_offset);
        let complete = match event {
            Event::StreamEnd => break,
            Event::StreamStart | Event::DocumentStart(_) | Event::DocumentEnd | Event::Nothing => {
                continue;
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(error(
                        at.line - line_offset,
                        at.col - 1,
                        "nested too deeply".into(),
                    ));
                }
                if let Some(Frame::Map { key: None, .. }) = stack.last() {
                    return Err(error(
                        at.line - line_offset,
                        at.col - 1,
                        "a mapping key must be a plain value".into(),
                    ));
                }
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq {
                        at,
                        anchor,
                        values: Vec::new(),
                        nodes: Vec::new(),
                    }
                } else {
                    Frame::Map {
                        at,
                        anchor,
                        values: Map::new(),
                        entries: Vec::new(),
                        key: None,
                    }
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq {
                    at,
                    anchor,
                    values,
                    nodes,
                }) => (Value::Array(values), Node::Seq { at, items: nodes }, anchor),
                Some(Frame::Map {
                    at,
                    anchor,
                    values,
                    entries,
                    ..
                }) => (Value::Object(values), Node::Map { at, entries }, anchor),
                None => continue,
            },
            Event::Scalar(text, style, anchor, tag) => {
                // A key is kept as written; a value is typed by the YAML core schema.
                if let Some(Frame::Map {
                    key: key @ None, ..
                }) = stack.last_mut()
                {
                    *key = Some((text.into_owned(), at));
                    continue;
                }
                let scalar = Scalar::parse_from_cow_and_metadata(text.clone(), style, tag.as_ref())
                    .ok_or_else(|| {
                        error(
                            at.line - line_offset,
                            at.col - 1,
                            format!("`{text}` does not match its tag"),
                        )
                    })?;
                let node = Node::Scalar {
                    at,
                    literal: style == ScalarStyle::Literal,
                };
                (scalar_value(&scalar), node, anchor)
            }
            Event::Alias(id) => {
                let Some((value, node)) = anchors.get(&id) else {
                    return Err(error(
                        at.line - line_offset,
                        at.col - 1,
                        "unknown alias".into(),
                    ));
                };
                aliased += count_nodes(value);
                if aliased > MAX_ALIAS_NODES {
                    return Err(error(
                        at.line - line_offset,
                        at.col - 1,
                        "aliases expand to too many nodes".into(),
                    ));
                }
                if let Some(Frame::Map {
                    key: key @ None, ..
                }) = stack.last_mut()
                {
                    match value {
                        Value::String(s) => *key = Some((s.to_string(), at)),
                        _ => {
                            return Err(error(
                                at.line - line_offset,
                                at.col - 1,
                                "a mapping key must be a plain value".into(),
                            ));
                        }
                    }
                    continue;
                }
                (value.clone(), node.clone(), 0)
            }
        };
        let (value, node, anchor) = complete;
        if anchor != 0 {
            anchors.insert(anchor, (value.clone(), node.clone()));
        }
        match stack.last_mut() {
            None => {
                if !value.is_null() {
                    out.push(Document {
                        line: node.at().line,
                        value,
                        nodes: node,
                    });
                }
            }
            Some(Frame::Seq { values, nodes, .. }) => {
                values.push(value);
                nodes.push(node);
            }
            Some(Frame::Map {
                values,
                entries,
                key,
                ..
            }) => {
                if let Some((k, key_at)) = key.take() {
                    // A repeated key is kept: the map reads its last value, as serde_json's.
                    values.push(k, value);
                    entries.push((key_at, node));
                }
            }
        }
    }
    Ok(out)
}

/// Nodes of a value, a repeated key counted once (as when the value was a serde_json map).
fn count_nodes(v: &Value<'_>) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(count_nodes).sum::<usize>(),
        Value::Object(o) => 1 + o.iter().map(|(_, v)| count_nodes(v)).sum::<usize>(),
        _ => 1,
    }
}

fn pos(m: &saphyr::Marker, line_offset: u32) -> Pos {
    Pos {
        line: m.line() as u32 + line_offset,
        col: m.col() as u32 + 1,
    }
}

fn scalar_value(s: &Scalar<'_>) -> Value<'static> {
    match s {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::Number((*i).into()),
        Scalar::FloatingPoint(f) => {
            Number::from_f64(f.into_inner()).map_or(Value::Null, Value::Number)
        }
        Scalar::String(s) => Value::String(Cow::Owned(s.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_document() {
        let docs = load("---\na: 1\n---\n# only a comment\n---\nb: [x, 'y']\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].value, serde_json::json!({"a": 1}));
        assert_eq!(docs[1].value, serde_json::json!({"b": ["x", "y"]}));
        assert_eq!(docs[1].line, 6);
    }

    #[test]
    fn scalars_follow_the_yaml_core_schema() {
        let docs = load("a: yes\nb: 'true'\nc: true\nd: 010\ne: 1.5\nf: ~\ng: !!str 5\nh: \"2\"\n")
            .unwrap();
        assert_eq!(
            docs[0].value,
            serde_json::json!({"a": "yes", "b": "true", "c": true, "d": 10, "e": 1.5, "f": null, "g": "5", "h": "2"})
        );
    }

    #[test]
    fn block_scalars_keep_their_text() {
        let docs = load("script: |\n  #!/bin/sh\n  buildah bud .\n").unwrap();
        assert_eq!(
            docs[0].value.to_serde()["script"],
            "#!/bin/sh\nbuildah bud .\n"
        );
    }

    #[test]
    fn a_bad_document_does_not_hide_the_others() {
        let text = "a: 1\n---\nb: {{x}}\n--- \nc: 3\n---\n";
        let docs = load_documents(text);
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[0].as_ref().unwrap().value, serde_json::json!({"a": 1}));
        assert_eq!(docs[1].as_ref().unwrap_err().line, 3);
        let third = docs[2].as_ref().unwrap();
        assert_eq!(third.value, serde_json::json!({"c": 3}));
        assert_eq!(third.line, 5);
        assert_eq!(third.locate("c", None).pos, Pos { line: 5, col: 1 });
    }

    #[test]
    fn a_key_written_twice_is_placed_at_its_first_entry() {
        let doc = &load("a: 1\nb:\n  - x\n  - y\na: |\n  s\n").unwrap()[0];
        assert_eq!(doc.locate("a", None).pos, Pos { line: 1, col: 1 });
        assert_eq!(doc.locate("b[1]", None).pos, Pos { line: 4, col: 5 });
        assert!(!doc.locate("b[2]", None).exact);
    }

    #[test]
    fn invalid_yaml_reports_its_line() {
        let err = load("a: 1\nb: {{x}}\n").unwrap_err();
        assert_eq!(err.line, 2, "{err}");
        let err = load("a: 1\n  b: 2\n").unwrap_err();
        assert_eq!(err.line, 2, "{err}");
    }

    #[test]
    fn locates_paths_and_offsets_inside_literal_scripts() {
        let text = "\
spec:
  steps:
    - name: build
      env:
        - name: A
          value: b
      script: |
        #!/bin/sh
        buildah bud \\
          --squash .
      command: [buildah, 'bud']
      args:
        - >
          folded text
";
        let doc = &load(text).unwrap()[0];
        let at = |path: &str, span: Option<Span>| doc.locate(path, span);
        let p = |line, col| Pos { line, col };
        assert_eq!(at("spec.steps[0].env[0].value", None).pos, p(6, 11));
        assert_eq!(at("spec.steps[0].script", None).pos, p(7, 7));
        // `buildah` on the script's line 2, `--squash` on its line 3.
        let script = doc.value.to_serde()["spec"]["steps"][0]["script"]
            .as_str()
            .unwrap()
            .to_string();
        let squash = script.find("--squash").unwrap();
        assert_eq!(
            at("spec.steps[0].script", Some(Span::new(10, 17))),
            Located {
                pos: p(9, 9),
                exact: true
            }
        );
        assert_eq!(
            at("spec.steps[0].script", Some(Span::new(squash, squash + 8))).pos,
            p(10, 11)
        );
        assert_eq!(
            at("spec.steps[0].command[1]", Some(Span::new(0, 3))).pos,
            p(11, 26)
        );
        // Inside a folded scalar the offset cannot be mapped: the scalar's start, not exact.
        assert_eq!(
            at("spec.steps[0].args[0]", Some(Span::new(7, 11))),
            Located {
                pos: p(14, 11),
                exact: false
            }
        );
        // A path that does not exist falls back to the nearest field that does.
        assert_eq!(
            at("spec.steps[0].securityContext.privileged", None),
            Located {
                pos: p(3, 7),
                exact: false
            }
        );
    }
}
