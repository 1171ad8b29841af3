//! The JSON output: a versioned document, independent of internal types. Schema: see
//! `docs/cli-json.md`. Version 1 fields are only ever added to, never renamed or removed.
//!
//! Written straight from the results (keys in alphabetical order, as the first versions
//! printed them), not through an intermediate `serde_json::Value`: on a large repository the
//! output is written after every file has been checked, so its cost is not shared by threads.

use super::sorted;
use crate::check::{FileError, FileResult, Located};
use serde::ser::{Serialize, SerializeStruct, Serializer};

pub const SCHEMA_VERSION: u32 = 1;

pub fn render(results: &[FileResult]) -> String {
    let mut out =
        Vec::with_capacity(256 + 400 * results.iter().map(|r| r.findings.len()).sum::<usize>());
    let _ = serde_json::to_writer_pretty(&mut out, &Report(results));
    out.push(b'\n');
    String::from_utf8(out).unwrap_or_default()
}

struct Report<'r>(&'r [FileResult]);
struct Tool;
struct Findings<'r>(&'r [FileResult]);
struct Errors<'r>(&'r [FileResult]);
struct FindingOut<'r>(&'r str, &'r Located);
struct ErrorOut<'r>(&'r str, &'r FileError);

impl Serialize for Report<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("Report", 5)?;
        m.serialize_field("errors", &Errors(self.0))?;
        m.serialize_field("files", &self.0.len())?;
        m.serialize_field("findings", &Findings(self.0))?;
        m.serialize_field("tool", &Tool)?;
        m.serialize_field("version", &SCHEMA_VERSION)?;
        m.end()
    }
}

impl Serialize for Tool {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("Tool", 2)?;
        m.serialize_field("name", "tekton-buildah-lint")?;
        m.serialize_field("version", env!("CARGO_PKG_VERSION"))?;
        m.end()
    }
}

impl Serialize for Findings<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            self.0
                .iter()
                .flat_map(|r| sorted(r).into_iter().map(|l| FindingOut(&r.name, l))),
        )
    }
}

impl Serialize for Errors<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            self.0
                .iter()
                .flat_map(|r| r.errors.iter().map(|e| ErrorOut(&r.name, e))),
        )
    }
}

impl Serialize for FindingOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let FindingOut(file, l) = *self;
        let f = &l.finding;
        let mut m = s.serialize_struct("Finding", 10)?;
        m.serialize_field("column", &l.col)?;
        m.serialize_field("document", &l.document)?;
        m.serialize_field("exact", &l.exact)?;
        m.serialize_field("file", file)?;
        m.serialize_field("level", f.level.as_str())?;
        m.serialize_field("line", &l.line)?;
        m.serialize_field("message", &f.message)?;
        m.serialize_field("path", &f.path)?;
        m.serialize_field("rule", f.rule.id())?;
        m.serialize_field("subject", &f.subject)?;
        m.end()
    }
}

impl Serialize for ErrorOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let ErrorOut(file, e) = *self;
        let mut m = s.serialize_struct("Error", 4)?;
        m.serialize_field("column", &e.col)?;
        m.serialize_field("file", file)?;
        m.serialize_field("line", &e.line)?;
        m.serialize_field("message", &e.message)?;
        m.end()
    }
}
