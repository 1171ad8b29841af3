//! A direct reader for the YAML that Tekton files are written in: block mappings and
//! sequences indented with spaces, plain and quoted scalars (folded over lines), one-line
//! flow collections, literal and folded block scalars, comments, `\r\n` line breaks.
//!
//! The general parser reads a file a character at a time through a token queue, and was half
//! of the CLI's time on real repositories, most of it spent on the block scalars that hold the
//! scripts. This reader works a line at a time. It is deliberately narrow: it answers `None`
//! for anything it is not sure about (anchors, aliases, tags, tabs in indentation, explicit
//! keys, escapes it does not know, anything malformed), and the caller then reads the piece
//! with the general parser, which also explains what is wrong. Whenever it answers, the
//! documents (values, positions, scalar styles) are the ones the general parser gives: `tests`
//! compare the two on hand-written cases and every bundled file, the `yaml` fuzz target on
//! whatever it generates.

use super::{Document, Node, Pos, scalar_value};
use crate::json::{Map, Value};
use saphyr::{Scalar, ScalarStyle};
use std::borrow::Cow;

/// Deeper nesting is left to the general parser.
const MAX_DEPTH: usize = 64;

/// The documents of one piece of a stream: its `lines` (see `split_lines`), the first of
/// them line `line_offset + 1` of the file; or `None`.
pub(super) fn read_chunk<'t>(lines: &[&'t str], line_offset: u32) -> Option<Vec<Document<'t>>> {
    Reader { lines, line_offset }.document()
}

struct Reader<'l, 't> {
    /// The piece's lines, without their `\n`.
    lines: &'l [&'t str],
    line_offset: u32,
}

/// What a node reader gives back: the value, its positions, and the line after it.
type Read<'t> = Option<(Value<'t>, Node, usize)>;

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// A line holding nothing but spaces, or a comment.
fn is_empty(line: &str) -> bool {
    let rest = line.trim_start_matches(' ');
    rest.is_empty() || rest.starts_with('#')
}

/// What may end a value on its line: nothing, or a comment after a space.
fn is_line_end(rest: &str) -> bool {
    let trimmed = rest.trim_start_matches(' ');
    trimmed.is_empty() || (trimmed.starts_with('#') && trimmed.len() < rest.len())
}

/// A plain scalar may not start with these (or with `-`, `?`, `:` before a space).
fn is_indicator(b: u8) -> bool {
    matches!(
        b,
        b'-' | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
            | b'\t'
            | b' '
    )
}

/// Whether `s` starts a plain scalar this reader reads (`-x` and `--flag` do).
fn starts_plain(s: &str) -> bool {
    match s.as_bytes() {
        [] => false,
        [b'-', next, ..] => !matches!(next, b' ' | b'\t'),
        [b, ..] => !is_indicator(*b),
    }
}

/// A sequence entry: `-` followed by a space or the end of the line.
fn is_dash(rest: &str) -> bool {
    rest == "-" || rest.starts_with("- ")
}

/// The end of a one-line plain scalar starting `s` in block context: before a comment or the
/// line's end, trailing spaces trimmed; and whether a `: ` (a mapping key) came first. `None`
/// for a tab (which the general parser treats in ways this reader does not).
fn plain_end(s: &str) -> Option<(usize, bool)> {
    let b = s.as_bytes();
    let mut end = b.len();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b':' if i + 1 == b.len() || b[i + 1] == b' ' => return Some((i, true)),
            b'#' if i > 0 && b[i - 1] == b' ' => {
                end = i;
                break;
            }
            b'\t' => return None,
            _ => {}
        }
        i += 1;
    }
    Some((s[..end].trim_end_matches(' ').len(), false))
}

/// Whether `s` starts with a plain mapping key and its `: `.
fn is_key(s: &str) -> bool {
    starts_plain(s) && matches!(plain_end(s), Some((_, true)))
}

/// The typed value of a plain scalar (the YAML core schema, as the general parser types it);
/// a string borrows its text.
fn plain_value(s: &str) -> Value<'_> {
    if resolves(s)
        && let Some(scalar) =
            Scalar::parse_from_cow_and_metadata(Cow::Borrowed(s), ScalarStyle::Plain, None)
    {
        return scalar_value(&scalar);
    }
    Value::String(Cow::Borrowed(s))
}

/// The same for a plain scalar folded over lines.
fn plain_owned<'t>(s: String) -> Value<'t> {
    match plain_value(&s) {
        Value::String(_) => Value::String(Cow::Owned(s)),
        typed => typed.into_owned(),
    }
}

/// Whether a plain scalar may be something other than a string: null, a boolean or a number.
fn resolves(s: &str) -> bool {
    match s.as_bytes().first() {
        None => true,
        Some(b) => b.is_ascii_digit() || b"+-.~nNtTfF".contains(b),
    }
}

impl<'t> Reader<'_, 't> {
    fn pos(&self, line: usize, byte: usize) -> Pos {
        let prefix = &self.lines[line][..byte];
        let col = if prefix.is_ascii() {
            prefix.len()
        } else {
            prefix.chars().count()
        };
        Pos {
            line: line as u32 + 1 + self.line_offset,
            col: col as u32 + 1,
        }
    }

    /// The first line at or after `from` with content.
    fn next_content(&self, mut from: usize) -> Option<usize> {
        while from < self.lines.len() {
            if !is_empty(self.lines[from]) {
                return Some(from);
            }
            from += 1;
        }
        None
    }

    /// The indentation of the first content line at or after `from`, if any.
    fn next_indent(&self, from: usize) -> Option<usize> {
        self.next_content(from).map(|l| indent(self.lines[l]))
    }

    fn document(&self) -> Option<Vec<Document<'t>>> {
        let Some(mut first) = self.next_content(0) else {
            return Some(Vec::new());
        };
        let line = self.lines[first];
        if let Some(rest) = line.strip_prefix("---") {
            if first != 0 || !rest.trim_end_matches(' ').is_empty() {
                return None;
            }
            match self.next_content(1) {
                Some(l) => first = l,
                None => return Some(Vec::new()),
            }
        }
        // Directives, markers and tabs are the general parser's business.
        if self.lines[first..]
            .iter()
            .any(|l| l.starts_with("---") || l.starts_with("...") || l.starts_with('%'))
        {
            return None;
        }
        let n = indent(self.lines[first]);
        let (value, node, next) = self.block_node(first, n, 0)?;
        if self.next_content(next).is_some() {
            return None;
        }
        if value.is_null() {
            return Some(Vec::new());
        }
        Some(vec![Document {
            line: node.at().line,
            value,
            nodes: node,
        }])
    }

    /// A block collection whose first entry starts the line `li` at column `n`.
    fn block_node(&self, li: usize, n: usize, depth: usize) -> Read<'t> {
        let rest = &self.lines[li][n..];
        if is_dash(rest) {
            self.sequence(li, n, false, depth)
        } else if is_key(rest) {
            self.mapping(li, n, depth)
        } else {
            None
        }
    }

    /// A block mapping whose first key is on line `li` at column `n` (possibly after `- `).
    fn mapping(&self, mut li: usize, n: usize, depth: usize) -> Read<'t> {
        if depth >= MAX_DEPTH {
            return None;
        }
        let at = self.pos(li, n);
        let mut values = Map::new();
        let mut entries = Vec::new();
        loop {
            let line = self.lines[li];
            let rest = &line[n..];
            if !starts_plain(rest) {
                return None;
            }
            let (key_len, is_key) = plain_end(rest)?;
            if !is_key {
                return None;
            }
            let key = rest[..key_len].trim_end_matches(' ');
            let key_at = self.pos(li, n);
            let colon = n + key_len;
            let after = colon + 1;
            let (value, node, next) = if is_line_end(&line[after..]) {
                self.value_below(li, colon, n, true, depth)?
            } else {
                let start = after + indent(&line[after..]);
                self.value_inline(li, start, n, depth)?
            };
            values.push(key, value);
            entries.push((key_at, node));
            let Some(nl) = self.next_content(next) else {
                li = self.lines.len();
                break;
            };
            let i = indent(self.lines[nl]);
            if i < n || (i == n && is_dash(&self.lines[nl][n..])) {
                li = nl;
                break;
            }
            if i > n {
                return None;
            }
            li = nl;
        }
        Some((Value::Object(values), Node::Map { at, entries }, li))
    }

    /// A block sequence whose first `-` is on line `li` at column `n`. `indentless`: the value
    /// of a mapping key at the same indentation.
    fn sequence(&self, mut li: usize, n: usize, indentless: bool, depth: usize) -> Read<'t> {
        if depth >= MAX_DEPTH {
            return None;
        }
        let mut at = self.pos(li, n);
        let mut values = Vec::new();
        let mut nodes = Vec::new();
        loop {
            let line = self.lines[li];
            let after = n + 1;
            let (value, node, next) = if is_line_end(&line[after..]) {
                self.value_below(li, n, n, false, depth)?
            } else {
                let start = after + indent(&line[after..]);
                let rest = &line[start..];
                if is_dash(rest) {
                    return None;
                }
                if is_key(rest) {
                    self.mapping(li, start, depth + 1)?
                } else {
                    self.value_inline(li, start, n, depth)?
                }
            };
            if indentless && values.is_empty() {
                at = node.at();
            }
            values.push(value);
            nodes.push(node);
            let Some(nl) = self.next_content(next) else {
                li = self.lines.len();
                break;
            };
            let i = indent(self.lines[nl]);
            if i < n {
                li = nl;
                break;
            }
            if i > n {
                return None;
            }
            if !is_dash(&self.lines[nl][n..]) {
                if indentless {
                    li = nl;
                    break;
                }
                return None;
            }
            li = nl;
        }
        Some((Value::Array(values), Node::Seq { at, items: nodes }, li))
    }

    /// The value of a key (or a `-`) that ends its line at column `end`: a collection on the
    /// lines below, or nothing (null).
    fn value_below(&self, li: usize, end: usize, n: usize, in_map: bool, depth: usize) -> Read<'t> {
        let next = self.next_content(li + 1);
        if let Some(nl) = next {
            let i = indent(self.lines[nl]);
            let rest = &self.lines[nl][i..];
            if i > n {
                if rest.starts_with('\t') {
                    return None;
                }
                return self.block_node(nl, i, depth + 1);
            }
            if i == n && in_map && is_dash(rest) {
                return self.sequence(nl, n, true, depth + 1);
            }
        }
        // Nothing: a null where the key's `:` (or the `-`) is, when it is not the last line.
        if !in_map {
            return None;
        }
        Some((
            Value::Null,
            Node::Scalar {
                at: self.pos(li, end),
                literal: false,
            },
            li + 1,
        ))
    }

    /// A value that starts on the line of its key or `-` at byte `start`; `n` is the
    /// indentation of that key or `-`.
    fn value_inline(&self, li: usize, start: usize, n: usize, depth: usize) -> Read<'t> {
        let rest = &self.lines[li][start..];
        let at = self.pos(li, start);
        let (value, node, end) = match rest.as_bytes()[0] {
            b'|' | b'>' => return self.block_scalar(li, start, n),
            b'[' | b'{' => Flow { r: self, li }.collection(start, depth + 1)?,
            b'"' | b'\'' => {
                let (text, li, end) = self.quoted(li, start, n)?;
                let node = scalar(at);
                if !is_line_end(&self.lines[li][end..])
                    || self.next_indent(li + 1).is_some_and(|i| i > n)
                {
                    return None;
                }
                return Some((Value::String(Cow::Owned(text)), node, li + 1));
            }
            _ if starts_plain(rest) => {
                let (len, is_key) = plain_end(rest)?;
                if is_key {
                    return None;
                }
                // Most often the next line starts the next entry: the scalar is one line.
                let one_line = len == rest.len()
                    && self.lines.get(li + 1).is_none_or(|next| {
                        let i = indent(next);
                        i < next.len() && i <= n && next.as_bytes()[i] != b'#'
                    });
                if one_line {
                    return Some((plain_value(rest), scalar(at), li + 1));
                }
                if is_line_end(&rest[len..])
                    && !rest[len..].contains('#')
                    && let Some((text, next)) = self.plain_lines(li, &rest[..len], n)
                {
                    return Some((plain_owned(text), scalar(at), next));
                }
                (plain_value(&rest[..len]), scalar(at), start + len)
            }
            _ => return None,
        };
        // Only a comment may follow, and a value continued on more indented lines is not one
        // line long.
        if !is_line_end(&self.lines[li][end..]) || self.next_indent(li + 1).is_some_and(|i| i > n) {
            return None;
        }
        Some((value, node, li + 1))
    }

    /// The lines after `li` that continue a scalar, up to the first one indented `n` or less:
    /// each line's index, its indentation, and how many blank lines came before it.
    fn continued(&self, li: usize, n: usize) -> impl Iterator<Item = (usize, usize, usize)> {
        let mut k = li + 1;
        std::iter::from_fn(move || {
            let mut blanks = 0;
            while let Some(l) = self.lines.get(k) {
                k += 1;
                let i = indent(l);
                if i == l.len() {
                    blanks += 1;
                } else {
                    return (i > n).then_some((k - 1, i, blanks));
                }
            }
            None
        })
    }

    /// A quoted scalar opening at byte `start` of line `li`, closing on that line or on one
    /// below indented more than `n`: its text (lines joined as plain lines are), and the line
    /// and byte after the closing quote.
    fn quoted(&self, li: usize, start: usize, n: usize) -> Option<(String, usize, usize)> {
        let line = self.lines[li];
        let double = line.as_bytes()[start] == b'"';
        let mut text = String::new();
        let first = &line[start + 1..];
        if let Some(close) = quoted_part(first, double, &mut text)? {
            return Some((text, li, start + 1 + close + 1));
        }
        // Spaces before a line break are not part of the text.
        text.clear();
        let trimmed = first.trim_end_matches(' ');
        if trimmed.ends_with('\\') || quoted_part(trimmed, double, &mut text)?.is_some() {
            return None;
        }
        for (k, i, blanks) in self.continued(li, n) {
            let l = self.lines[k];
            fold_break(&mut text, blanks);
            let mark = text.len();
            if let Some(close) = quoted_part(&l[i..], double, &mut text)? {
                return Some((text, k, i + close + 1));
            }
            text.truncate(mark);
            let trimmed = l[i..].trim_end_matches(' ');
            if trimmed.ends_with('\\') {
                return None;
            }
            quoted_part(trimmed, double, &mut text)?;
        }
        None
    }

    /// A plain scalar `first` continued on the lines after `li` that are indented more than
    /// `n`: the lines joined by spaces (a blank line between them is a line break), and the
    /// line after the last. `None` when there is no such line, or one this reader leaves to
    /// the general parser (a comment, a `: `, an indicator first).
    fn plain_lines(&self, li: usize, first: &str, n: usize) -> Option<(String, usize)> {
        let mut text = String::new();
        let mut last = li;
        for (k, i, blanks) in self.continued(li, n) {
            let part = self.lines[k][i..].trim_end_matches(' ');
            let (len, is_key) = plain_end(part)?;
            if is_key || len != part.len() || !starts_plain(part) {
                return None;
            }
            if text.is_empty() {
                text.push_str(first);
            }
            fold_break(&mut text, blanks);
            text.push_str(part);
            last = k;
        }
        (last > li).then_some((text, last + 1))
    }

    /// A literal (`|`) or folded (`>`) block scalar whose header is at `start` on line `li`,
    /// the value of a key or `-` at indentation `n`.
    fn block_scalar(&self, li: usize, start: usize, n: usize) -> Read<'t> {
        let line = self.lines[li];
        let literal = line.as_bytes()[start] == b'|';
        let mut strip = false;
        let mut explicit = None;
        let mut i = start + 1;
        let b = line.as_bytes();
        while i < b.len() {
            match b[i] {
                b'-' if !strip => strip = true,
                b'1'..=b'9' if explicit.is_none() => explicit = Some((b[i] - b'0') as usize),
                _ => break,
            }
            i += 1;
        }
        if !is_line_end(&line[i..]) {
            return None;
        }
        // The first line with text sets the indentation; blank lines before it may not be
        // longer.
        let mut first = li + 1;
        let mut leading = 0;
        while self.lines.get(first).is_some_and(|l| indent(l) == l.len()) {
            leading = leading.max(self.lines[first].len());
            first += 1;
        }
        let first_line = *self.lines.get(first)?;
        let found = indent(first_line);
        let m = explicit.map_or(found, |d| n + d);
        if m <= n || found < m || leading > m {
            return None;
        }
        let blank_lines = first - (li + 1);
        let mut end = first;
        let mut last = first;
        while end < self.lines.len() {
            let l = self.lines[end];
            let i = indent(l);
            if i == l.len() {
                // Spaces past the indentation are text (the line is not empty), which
                // folding treats in ways left to the general parser.
                if i > m {
                    if !literal {
                        return None;
                    }
                    last = end;
                }
            } else if i < m {
                break;
            } else {
                last = end;
            }
            end += 1;
        }
        let content = &self.lines[first..=last];
        let mut text = String::with_capacity(content.iter().map(|l| l.len() + 1).sum());
        text.extend(std::iter::repeat_n('\n', blank_lines));
        if literal {
            for (k, l) in content.iter().enumerate() {
                if k > 0 {
                    text.push('\n');
                }
                text.push_str(l.get(m..).unwrap_or(""));
            }
        } else {
            fold(content, m, &mut text);
        }
        if !strip {
            text.push('\n');
        }
        let node = Node::Scalar {
            at: self.pos(first, m),
            literal,
        };
        Some((Value::String(Cow::Owned(text)), node, last + 1))
    }
}

/// Where two folded lines meet: a space, or a line break for each blank line between them.
fn fold_break(text: &mut String, blanks: usize) {
    if blanks == 0 {
        text.push(' ');
    } else {
        text.extend(std::iter::repeat_n('\n', blanks));
    }
}

/// A scalar that is not a literal block.
fn scalar(at: Pos) -> Node {
    Node::Scalar { at, literal: false }
}

/// Folded content (`>`): a line break between two lines of text becomes a space, blank lines
/// become line breaks, and more indented lines keep theirs.
fn fold(content: &[&str], m: usize, text: &mut String) {
    let mut blanks = 0;
    let mut prev_more: Option<bool> = None;
    for l in content {
        let l = l.get(m..).unwrap_or("");
        if l.is_empty() {
            blanks += 1;
            continue;
        }
        let more = l.starts_with([' ', '\t']);
        match prev_more {
            None => text.extend(std::iter::repeat_n('\n', blanks)),
            Some(false) if !more => fold_break(text, blanks),
            Some(_) => text.extend(std::iter::repeat_n('\n', blanks + 1)),
        }
        text.push_str(l);
        blanks = 0;
        prev_more = Some(more);
    }
}

/// Reads quoted text from `s` (after the opening quote, or a continuation line) into `out`:
/// `Some(Some(i))` when the closing quote is at byte `i`, `Some(None)` when the line ends
/// first, `None` for an escape this reader leaves to the general parser.
fn quoted_part(s: &str, double: bool, out: &mut String) -> Option<Option<usize>> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut run = 0;
    while i < b.len() {
        match b[i] {
            b'"' if double => {
                out.push_str(&s[run..i]);
                return Some(Some(i));
            }
            b'\'' if !double => {
                out.push_str(&s[run..i]);
                if b.get(i + 1) != Some(&b'\'') {
                    return Some(Some(i));
                }
                out.push('\'');
                i += 2;
                run = i;
                continue;
            }
            b'\\' if double => {
                out.push_str(&s[run..i]);
                let c = match *b.get(i + 1)? {
                    b'\\' => '\\',
                    b'"' => '"',
                    b'/' => '/',
                    b'n' => '\n',
                    b't' => '\t',
                    b'r' => '\r',
                    b'0' => '\0',
                    b'a' => '\x07',
                    b'b' => '\x08',
                    b'e' => '\x1b',
                    b'f' => '\x0c',
                    b'v' => '\x0b',
                    b' ' => ' ',
                    _ => return None,
                };
                out.push(c);
                i += 2;
                run = i;
                continue;
            }
            b'\t' => return None,
            _ => {}
        }
        i += 1;
    }
    out.push_str(&s[run..]);
    Some(None)
}

/// A flow collection on one line.
struct Flow<'r, 'l, 't> {
    r: &'r Reader<'l, 't>,
    li: usize,
}

impl<'t> Flow<'_, '_, 't> {
    fn line(&self) -> &'t str {
        self.r.lines[self.li]
    }

    fn skip_spaces(&self, mut i: usize) -> usize {
        let b = self.line().as_bytes();
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        i
    }

    /// `[…]` or `{…}` at byte `i`: value, positions, the byte after it.
    fn collection(&self, i: usize, depth: usize) -> Read<'t> {
        if depth >= MAX_DEPTH {
            return None;
        }
        let at = self.r.pos(self.li, i);
        let map = self.line().as_bytes()[i] == b'{';
        let close = if map { b'}' } else { b']' };
        let mut values = Vec::new();
        let mut nodes = Vec::new();
        let mut object = Map::new();
        let mut entries = Vec::new();
        let mut i = self.skip_spaces(i + 1);
        if self.line().as_bytes().get(i) == Some(&close) {
            i += 1;
        } else {
            loop {
                if map {
                    let key_at = self.r.pos(self.li, i);
                    let (key, end) = self.plain(i)?;
                    let end = self.skip_spaces(end);
                    let b = self.line().as_bytes();
                    if b.get(end) != Some(&b':') || b.get(end + 1) != Some(&b' ') {
                        return None;
                    }
                    let (value, node, after) = self.item(self.skip_spaces(end + 1), depth)?;
                    object.push(key, value);
                    entries.push((key_at, node));
                    i = after;
                } else {
                    let (value, node, after) = self.item(i, depth)?;
                    values.push(value);
                    nodes.push(node);
                    i = after;
                }
                i = self.skip_spaces(i);
                match *self.line().as_bytes().get(i)? {
                    b',' => {
                        i = self.skip_spaces(i + 1);
                        // A trailing comma is left to the general parser.
                        if matches!(self.line().as_bytes().get(i), Some(b']' | b'}')) {
                            return None;
                        }
                    }
                    c if c == close => {
                        i += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        Some(if map {
            (Value::Object(object), Node::Map { at, entries }, i)
        } else {
            (Value::Array(values), Node::Seq { at, items: nodes }, i)
        })
    }

    /// One entry of a flow collection at byte `i`.
    fn item(&self, i: usize, depth: usize) -> Read<'t> {
        let rest = &self.line()[i..];
        let at = self.r.pos(self.li, i);
        match *rest.as_bytes().first()? {
            b'[' | b'{' => self.collection(i, depth + 1),
            quote @ (b'"' | b'\'') => {
                let mut text = String::new();
                let close = quoted_part(&rest[1..], quote == b'"', &mut text)??;
                Some((Value::String(Cow::Owned(text)), scalar(at), i + close + 2))
            }
            _ => {
                let (s, end) = self.plain(i)?;
                Some((plain_value(s), scalar(at), end))
            }
        }
    }

    /// A plain scalar in flow context at byte `i`: its text and the byte after it. `: ` and
    /// comments inside are left to the general parser.
    fn plain(&self, i: usize) -> Option<(&'t str, usize)> {
        let line = self.line();
        let rest = &line[i..];
        if !starts_plain(rest) {
            return None;
        }
        let b = rest.as_bytes();
        let mut j = 0;
        while j < b.len() {
            match b[j] {
                b',' | b'[' | b']' | b'{' | b'}' => break,
                b':' if matches!(b.get(j + 1), None | Some(b' ' | b',' | b']' | b'}')) => break,
                b'#' if j > 0 && b[j - 1] == b' ' => return None,
                b'\t' => return None,
                _ => {}
            }
            j += 1;
        }
        let s = rest[..j].trim_end_matches(' ');
        if s.is_empty() {
            return None;
        }
        Some((s, i + s.len()))
    }
}

#[cfg(test)]
mod tests;
