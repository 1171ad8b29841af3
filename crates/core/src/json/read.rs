//! A direct JSON reader for the hot path: an admission request is read on every `kubectl
//! apply`, and serde_json's general machinery (a visitor call per value, strings scanned four
//! bytes at a time on wasm32) was the largest single cost of a typical request.
//!
//! It is deliberately narrow. It answers `None` for anything it is not sure about (malformed
//! text, nesting deeper than [`MAX_DEPTH`], a `\u` escape of a surrogate), and the caller then
//! reads the text with serde_json, which explains what is wrong. Whenever it answers, the value
//! is the one serde_json would build (`tests` and the `policy_json` fuzz target compare the
//! two); numbers are handed to serde_json one by one, so they convert exactly as it does.

use super::{Map, Value};
use std::borrow::Cow;

/// Deeper documents are left to serde_json (which refuses more than 128 levels).
pub const MAX_DEPTH: usize = 100;

/// A cursor over JSON text.
pub struct Reader<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
    /// The entries of the objects being read, innermost last, and the items of the arrays:
    /// each object or array is then allocated once, at its exact size. Growing its own `Vec`
    /// instead would copy it at every doubling, since its values are allocated while it
    /// grows, and in the policy's bump allocator every copy left behind stays in use until
    /// the request ends (a fresh instance pays for each page it touches).
    entries: Vec<(Cow<'a, str>, Value<'a>)>,
    items: Vec<Value<'a>>,
}

impl<'a> Reader<'a> {
    pub fn new(text: &'a str) -> Reader<'a> {
        Reader {
            text,
            pos: 0,
            depth: 0,
            entries: Vec::new(),
            items: Vec::new(),
        }
    }

    /// The whole text as one value.
    pub fn document(text: &'a str) -> Option<Value<'a>> {
        let mut r = Reader::new(text);
        let v = r.value()?;
        r.end()?;
        Some(v)
    }

    /// Only whitespace is left.
    pub fn end(&mut self) -> Option<()> {
        self.ws();
        (self.pos == self.text.len()).then_some(())
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        let end = self.pos + word.len();
        (self.bytes().get(self.pos..end)? == word.as_bytes()).then(|| self.pos = end)
    }

    /// The next value.
    pub fn value(&mut self) -> Option<Value<'a>> {
        self.ws();
        match self.peek()? {
            b'{' => {
                let start = self.entries.len();
                self.object(|key, r| {
                    let value = r.value()?;
                    r.entries.push((key, value));
                    Some(())
                })?;
                let entries = self.entries.drain(start..).collect();
                Some(Value::Object(Map { entries }))
            }
            b'[' => {
                let start = self.items.len();
                self.array(|r| {
                    let item = r.value()?;
                    r.items.push(item);
                    Some(())
                })?;
                Some(Value::Array(self.items.drain(start..).collect()))
            }
            b'"' => self.string().map(Value::String),
            b't' => self.literal("true").map(|()| Value::Bool(true)),
            b'f' => self.literal("false").map(|()| Value::Bool(false)),
            b'n' => self.literal("null").map(|()| Value::Null),
            _ => {
                let number = self.number()?;
                // serde_json converts it, exactly as inside a document.
                serde_json::from_str::<Value<'_>>(number).ok()
            }
        }
    }

    /// Passes over the next value, checking it as serde_json does when it ignores one.
    pub fn skip(&mut self) -> Option<()> {
        self.ws();
        match self.peek()? {
            b'{' => self.object(|_, r| r.skip()),
            b'[' => self.array(Reader::skip),
            b'"' => self.skip_string(),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            _ => self.number().map(drop),
        }
    }

    /// An object: `entry` reads (or skips) the value of each key in turn.
    pub fn object(
        &mut self,
        mut entry: impl FnMut(Cow<'a, str>, &mut Reader<'a>) -> Option<()>,
    ) -> Option<()> {
        self.ws();
        self.open(b'{')?;
        self.ws();
        if self.peek()? == b'}' {
            return self.close();
        }
        loop {
            self.ws();
            if self.peek()? != b'"' {
                return None;
            }
            let key = self.string()?;
            self.ws();
            if self.peek()? != b':' {
                return None;
            }
            self.pos += 1;
            entry(key, self)?;
            self.ws();
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => return self.close(),
                _ => return None,
            }
        }
    }

    fn array(&mut self, mut item: impl FnMut(&mut Reader<'a>) -> Option<()>) -> Option<()> {
        self.open(b'[')?;
        self.ws();
        if self.peek()? == b']' {
            return self.close();
        }
        loop {
            item(self)?;
            self.ws();
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => return self.close(),
                _ => return None,
            }
        }
    }

    fn open(&mut self, bracket: u8) -> Option<()> {
        if self.peek()? != bracket || self.depth == MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        self.pos += 1;
        Some(())
    }

    fn close(&mut self) -> Option<()> {
        self.depth -= 1;
        self.pos += 1;
        Some(())
    }

    /// A number's text, checked against JSON's grammar.
    fn number(&mut self) -> Option<&'a str> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek()? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            self.digits1()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            self.digits1()?;
        }
        Some(&self.text[start..self.pos])
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }

    fn digits1(&mut self) -> Option<()> {
        let start = self.pos;
        self.digits();
        (self.pos > start).then_some(())
    }

    /// A string, borrowed when it has no escapes.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.pos += 1; // the opening quote
        let start = self.pos;
        self.scan();
        match self.peek()? {
            b'"' => {
                let s = &self.text[start..self.pos];
                self.pos += 1;
                Some(Cow::Borrowed(s))
            }
            b'\\' => {
                let mut out = String::from(&self.text[start..self.pos]);
                self.rest_of_string(Some(&mut out))?;
                Some(Cow::Owned(out))
            }
            _ => None,
        }
    }

    /// Passes over a string, checking its escapes without writing them out.
    fn skip_string(&mut self) -> Option<()> {
        self.pos += 1; // the opening quote
        self.rest_of_string(None)
    }

    /// The rest of a string, up to and past its closing quote; its text, escapes decoded, is
    /// appended to `out` when given.
    fn rest_of_string(&mut self, mut out: Option<&mut String>) -> Option<()> {
        loop {
            let from = self.pos;
            self.scan();
            if let Some(out) = out.as_deref_mut() {
                out.push_str(&self.text[from..self.pos]);
            }
            match self.peek()? {
                b'"' => {
                    self.pos += 1;
                    return Some(());
                }
                b'\\' => {
                    self.pos += 1;
                    let c = self.escape()?;
                    if let Some(out) = out.as_deref_mut() {
                        out.push(c);
                    }
                }
                _ => return None, // a control character
            }
        }
    }

    /// One escape after its backslash. A `\u` escape of a surrogate is left to serde_json.
    fn escape(&mut self) -> Option<char> {
        let c = match self.peek()? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hex = self.text.get(self.pos + 1..self.pos + 5)?;
                if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                self.pos += 4;
                char::from_u32(u32::from_str_radix(hex, 16).ok()?)?
            }
            _ => return None,
        };
        self.pos += 1;
        Some(c)
    }

    /// Moves to the next `"`, `\` or control character (or the end).
    fn scan(&mut self) {
        let rest = &self.bytes()[self.pos..];
        self.pos += super::escape_at(rest).unwrap_or(rest.len());
    }
}

#[cfg(test)]
mod tests;
