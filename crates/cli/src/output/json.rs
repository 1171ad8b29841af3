//! The JSON output: a versioned document, independent of internal types. Schema: see
//! `docs/cli-json.md`. Version 1 fields are only ever added to, never renamed or removed.
//!
//! The document is written as serde_json's pretty printer writes it (two-space indentation,
//! keys in alphabetical order, as the first versions printed it), by hand and straight to the
//! output through one small buffer: on a large repository it is written after every file has
//! been checked, and building it whole (a value tree, then a string of the whole document)
//! cost as much again in fresh memory as in writing. Strings are escaped by serde_json.

use super::sorted;
use crate::check::FileResult;
use std::io::{self, Write};
use tekton_buildah_core::json::escape_at;
use tekton_buildah_core::text::RelatedLocation;

pub const SCHEMA_VERSION: u32 = 1;

/// A field's value.
enum Field<'a> {
    Str(&'a str),
    Num(u64),
    Bool(bool),
    /// `null`, or a string.
    OptStr(Option<&'a str>),
    /// `null`, or `{"justification": …}`.
    Suppression(Option<&'a str>),
    /// `null`, or `{"column", "file", "line", "message"}` (the finding's file when the place
    /// is in it).
    Related(Option<&'a RelatedLocation>, &'a str),
}

/// Writes the document for `results` to `out`.
pub fn write(results: &[FileResult], out: &mut dyn Write) -> io::Result<()> {
    let mut w = Chunked {
        buf: Vec::with_capacity(CHUNK + 4096),
        out,
    };
    w.buf.extend_from_slice(b"{\n  \"errors\": ");
    w.array(results.iter().flat_map(|r| {
        r.errors.iter().map(|e| {
            [
                ("column", Field::Num(e.col.into())),
                ("file", Field::Str(&r.name)),
                ("line", Field::Num(e.line.into())),
                ("message", Field::Str(&e.message)),
            ]
        })
    }))?;
    w.buf.extend_from_slice(b",\n  \"files\": ");
    w.buf
        .extend_from_slice(itoa::Buffer::new().format(results.len()).as_bytes());
    w.buf.extend_from_slice(b",\n  \"findings\": ");
    w.array(results.iter().flat_map(|r| {
        sorted(r).into_iter().map(|l| {
            let f = &l.finding;
            [
                ("column", Field::Num(l.col.into())),
                ("document", Field::Num(l.document as u64)),
                ("exact", Field::Bool(l.exact)),
                ("file", Field::Str(&r.name)),
                ("fixable", Field::Bool(l.fixable())),
                ("level", Field::Str(f.level.as_str())),
                ("line", Field::Num(l.line.into())),
                ("message", Field::Str(&f.message)),
                ("path", Field::Str(&f.path)),
                ("related", Field::Related(l.related.as_ref(), &r.name)),
                ("rule", Field::Str(f.rule.id())),
                ("subject", Field::Str(&f.subject)),
                ("suppressed", Field::Suppression(l.suppressed.as_deref())),
                (
                    "unfixable",
                    Field::OptStr(l.fix.as_ref().err().map(String::as_str)),
                ),
            ]
        })
    }))?;
    w.buf.extend_from_slice(b",\n  \"fixed\": ");
    w.array(results.iter().flat_map(|r| {
        r.fix.iter().flat_map(|fix| {
            fix.applied.iter().map(|a| {
                [
                    ("column", Field::Num(a.col.into())),
                    ("document", Field::Num(a.document as u64)),
                    ("file", Field::Str(&r.name)),
                    ("level", Field::Str(a.level.as_str())),
                    ("line", Field::Num(a.line.into())),
                    ("message", Field::Str(&a.message)),
                    ("rule", Field::Str(a.rule.id())),
                ]
            })
        })
    }))?;
    w.buf.extend_from_slice(
        b",\n  \"tool\": {\n    \"name\": \"tekton-buildah-lint\",\n    \"version\": ",
    );
    string(&mut w.buf, env!("CARGO_PKG_VERSION"));
    w.buf.extend_from_slice(b"\n  },\n  \"version\": ");
    w.buf
        .extend_from_slice(itoa::Buffer::new().format(SCHEMA_VERSION).as_bytes());
    w.buf.extend_from_slice(b"\n}\n");
    w.out.write_all(&w.buf)
}

/// Bytes gathered before they are written out.
const CHUNK: usize = 64 * 1024;

struct Chunked<'o> {
    buf: Vec<u8>,
    out: &'o mut dyn Write,
}

impl Chunked<'_> {
    /// An array of the top-level object.
    fn array<'a, const N: usize>(
        &mut self,
        entries: impl Iterator<Item = [(&'a str, Field<'a>); N]>,
    ) -> io::Result<()> {
        let mut first = true;
        for fields in entries {
            self.buf
                .extend_from_slice(if first { b"[\n" } else { b",\n" });
            first = false;
            object(&mut self.buf, &fields);
            if self.buf.len() >= CHUNK {
                self.out.write_all(&self.buf)?;
                self.buf.clear();
            }
        }
        self.buf
            .extend_from_slice(if first { b"[]" } else { b"\n  ]" });
        Ok(())
    }
}

/// One entry of an array of the top-level object.
fn object(out: &mut Vec<u8>, fields: &[(&str, Field<'_>)]) {
    out.extend_from_slice(b"    {\n");
    for (i, (key, value)) in fields.iter().enumerate() {
        out.extend_from_slice(b"      \"");
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(b"\": ");
        match value {
            Field::Str(s) | Field::OptStr(Some(s)) => string(out, s),
            Field::Num(n) => out.extend_from_slice(itoa::Buffer::new().format(*n).as_bytes()),
            Field::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Field::OptStr(None) | Field::Suppression(None) | Field::Related(None, _) => {
                out.extend_from_slice(b"null")
            }
            Field::Related(Some(at), file) => {
                out.extend_from_slice(b"{\n        \"column\": ");
                out.extend_from_slice(itoa::Buffer::new().format(at.col).as_bytes());
                out.extend_from_slice(b",\n        \"file\": ");
                string(out, at.file.as_deref().unwrap_or(file));
                out.extend_from_slice(b",\n        \"line\": ");
                out.extend_from_slice(itoa::Buffer::new().format(at.line).as_bytes());
                out.extend_from_slice(b",\n        \"message\": ");
                string(out, &at.what);
                out.extend_from_slice(b"\n      }");
            }
            Field::Suppression(Some(reason)) => {
                out.extend_from_slice(b"{\n        \"justification\": ");
                string(out, reason);
                out.extend_from_slice(b"\n      }");
            }
        }
        out.extend_from_slice(if i + 1 < fields.len() { b",\n" } else { b"\n" });
    }
    out.extend_from_slice(b"    }");
}

/// A JSON string. Most need no escape and are copied as they are; the others are escaped by
/// serde_json.
fn string(out: &mut Vec<u8>, s: &str) {
    if escape_at(s.as_bytes()).is_some() {
        // Writing into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, s);
    } else {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        for s in [
            "",
            "plain text, long enough for a few words",
            "a \"quoted\" word",
            "back\\slash",
            "tab\there and a newline\n",
            "\u{1}\u{1f}\u{7f} é ✓",
            "1234567\"",
            "12345678\\",
        ] {
            let mut out = Vec::new();
            super::string(&mut out, s);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(s).unwrap()
            );
        }
    }
}
