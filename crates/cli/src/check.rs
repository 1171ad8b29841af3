//! Checking files: read them and hand their text to the rules library, which parses every
//! YAML document, runs the rules and places each finding at `line:col`. Files are checked in
//! parallel, while the directories are walked; results come back in input order.

use crate::inputs::{self, Input};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::io::Read;
use std::path::PathBuf;
use std::sync::{Condvar, Mutex};
use tekton_buildah_core::refs::RefKey;
use tekton_buildah_core::text::fix::{Outcome, fix_text};
use tekton_buildah_core::{RuleId, Settings, text};

/// A finding placed in its file (`line:col` in characters, token width, exactness).
pub use tekton_buildah_core::text::LocatedFinding as Located;

/// A file that could not be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub line: u32,
    pub col: u32,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct FileResult {
    /// The file as named in output.
    pub name: String,
    /// The file as read (for `--fix`, which may write it back).
    pub input: Option<Input>,
    /// Its text, for snippets, fixes and SARIF (None when it could not be read, or was not
    /// asked for); when fixing, the fixed text.
    pub text: Option<String>,
    pub findings: Vec<Located>,
    /// What could not be checked: the file (unreadable, not UTF-8) or single documents that
    /// are not valid YAML.
    pub errors: Vec<FileError>,
    /// When fixing: the text before, and what fixing did (`text` and `findings` are then the
    /// fixed text's).
    pub fix: Option<FileFix>,
    /// The objects of the file a reference can name, and what its runs named that the file
    /// does not hold (see `across`).
    pub defines: Vec<RefKey>,
    pub missing: Vec<RefKey>,
    /// What the file's objects name (see `TextReport::names`).
    pub names: Vec<RefKey>,
}

/// What fixing did to one file.
#[derive(Debug, Clone)]
pub struct FileFix {
    pub original: String,
    /// The findings fixed (as reported before).
    pub applied: Vec<Outcome>,
    /// The findings left, with why each was not fixed.
    pub skipped: Vec<Outcome>,
}

impl FileResult {
    /// Whether fixing changed the text.
    pub fn changed(&self) -> bool {
        match (&self.fix, &self.text) {
            (Some(f), Some(t)) => f.original != *t,
            _ => false,
        }
    }
}

/// What to do with each file.
#[derive(Debug, Clone, Default)]
pub struct Mode {
    /// Keep the text (snippets, SARIF fixes).
    pub keep_text: bool,
    /// Fix, with the rules to fix (`None`: all); the text is always kept.
    pub fix: Option<Option<Vec<RuleId>>>,
}

/// Checks the files `paths` name (see [`inputs::visit`]), using all cores: files are checked
/// while directories are still being walked, the largest known file first (so that no
/// thread is left with a large file at the end). Results are sorted by input, each input
/// once; they keep the files' text when `keep_text` (for snippets).
pub fn check_paths(
    paths: &[PathBuf],
    excludes: &[String],
    settings: &Settings,
    mode: &Mode,
) -> Result<Vec<FileResult>, String> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let queue = Mutex::new(Queue::default());
    let ready = Condvar::new();
    let results: Mutex<Vec<(Input, FileResult)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut buf = Vec::new();
                while let Some(input) = take(&queue, &ready) {
                    let r = check_input(&input, settings, mode, &mut buf);
                    lock(&results).push((input, r));
                }
            });
        }
        let walked = inputs::visit(paths, excludes, |input, size| {
            let mut q = lock(&queue);
            if q.seen.insert(input.clone()) {
                let order = Reverse(q.seen.len());
                q.pending.push((size, order, input));
                ready.notify_one();
            }
        });
        let mut q = lock(&queue);
        q.done = true;
        if walked.is_err() {
            q.pending.clear();
        }
        ready.notify_all();
        walked
    })?;
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(results.into_iter().map(|(_, r)| r).collect())
}

/// Inputs found and not yet taken: the largest first (then in the order found).
#[derive(Default)]
struct Queue {
    pending: BinaryHeap<(u64, Reverse<usize>, Input)>,
    seen: HashSet<Input>,
    done: bool,
}

/// The next input to check, waiting for the walk to find one; `None` when it is over.
fn take(queue: &Mutex<Queue>, ready: &Condvar) -> Option<Input> {
    let mut q = lock(queue);
    loop {
        if let Some((_, _, input)) = q.pending.pop() {
            return Some(input);
        }
        if q.done {
            return None;
        }
        q = ready.wait(q).unwrap_or_else(|e| e.into_inner());
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Reads and checks one input, reading into `buf` (a worker's, reused from file to file: the
/// text is read into memory already in use rather than fresh pages).
fn check_input(input: &Input, settings: &Settings, mode: &Mode, buf: &mut Vec<u8>) -> FileResult {
    let name = input.display();
    buf.clear();
    let read = match input {
        Input::File(p) => std::fs::File::open(p).and_then(|mut f| f.read_to_end(buf)),
        Input::Stdin => std::io::stdin().read_to_end(buf),
    };
    let mut result = match read {
        Ok(_) => check_bytes(name, buf, settings, mode),
        Err(e) => FileResult {
            name,
            input: None,
            text: None,
            findings: Vec::new(),
            errors: vec![FileError {
                line: 0,
                col: 0,
                message: format!("cannot read: {e}"),
            }],
            fix: None,
            defines: Vec::new(),
            missing: Vec::new(),
            names: Vec::new(),
        },
    };
    result.input = Some(input.clone());
    result
}

/// Checks (and fixes, in `mode`) the bytes of one file.
pub fn check_bytes(name: String, bytes: &[u8], settings: &Settings, mode: &Mode) -> FileResult {
    match std::str::from_utf8(bytes) {
        Ok(text) => match &mode.fix {
            Some(only) => fix_file(name, text, settings, only.as_deref()),
            None => check_text(name, text, settings, mode.keep_text),
        },
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            let col = valid.iter().rev().take_while(|&&b| b != b'\n').count() as u32 + 1;
            FileResult {
                name,
                input: None,
                text: None,
                fix: None,
                defines: Vec::new(),
                missing: Vec::new(),
                names: Vec::new(),
                findings: Vec::new(),
                errors: vec![FileError {
                    line,
                    col,
                    message: format!(
                        "not UTF-8 text (invalid byte 0x{:02x} at offset {}); Kubernetes manifests must be UTF-8",
                        bytes[valid.len()],
                        valid.len()
                    ),
                }],
            }
        }
    }
}

/// Checks the text of one file: every document on its own, like the API server sees them
/// (the rules library's `text::check_text`).
pub fn check_text(name: String, text: &str, settings: &Settings, keep_text: bool) -> FileResult {
    let report = text::check_text(text, settings);
    FileResult {
        name,
        input: None,
        text: keep_text.then(|| text.to_string()),
        findings: report.findings,
        errors: file_errors(report.errors),
        fix: None,
        defines: report.defines,
        missing: report.missing,
        names: report.names,
    }
}

/// Fixes the text of one file (the rules in `only`, or all): the result holds the fixed text
/// and what is left in it.
pub fn fix_file(
    name: String,
    text: &str,
    settings: &Settings,
    only: Option<&[RuleId]>,
) -> FileResult {
    let fixed = fix_text(text, settings, only);
    FileResult {
        name,
        input: None,
        text: Some(fixed.text),
        findings: fixed.report.findings,
        errors: file_errors(fixed.report.errors),
        defines: fixed.report.defines,
        missing: fixed.report.missing,
        names: fixed.report.names,
        fix: Some(FileFix {
            original: text.to_string(),
            applied: fixed.applied,
            skipped: fixed.skipped,
        }),
    }
}

pub(crate) fn file_errors(errors: Vec<text::DocumentError>) -> Vec<FileError> {
    errors
        .into_iter()
        .map(|e| FileError {
            line: e.line,
            col: e.col,
            message: e.message,
        })
        .collect()
}
