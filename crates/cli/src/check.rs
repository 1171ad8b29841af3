//! Checking files: read them and hand their text to the rules library, which parses every
//! YAML document, runs the rules and places each finding at `line:col`. Files are checked in
//! parallel; results come back in input order.

use crate::inputs::Input;
use std::io::Read;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use tekton_buildah_core::{Settings, text};

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
    /// Its text, for snippets (None when it could not be read).
    pub text: Option<String>,
    pub findings: Vec<Located>,
    /// What could not be checked: the file (unreadable, not UTF-8) or single documents that
    /// are not valid YAML.
    pub errors: Vec<FileError>,
}

/// Checks every input, using all cores; results are in input order.
pub fn check_all(inputs: &[Input], settings: &Settings) -> Vec<FileResult> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(inputs.len().max(1));
    if threads <= 1 {
        return inputs.iter().map(|i| check_input(i, settings)).collect();
    }
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<FileResult>>> = Mutex::new(vec![None; inputs.len()]);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(input) = inputs.get(i) else { break };
                    let r = check_input(input, settings);
                    results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .flatten()
        .collect()
}

fn check_input(input: &Input, settings: &Settings) -> FileResult {
    let name = input.display();
    let bytes = match input {
        Input::File(p) => std::fs::read(p),
        Input::Stdin => {
            let mut b = Vec::new();
            std::io::stdin().read_to_end(&mut b).map(|_| b)
        }
    };
    match bytes {
        Ok(b) => check_bytes(name, b, settings),
        Err(e) => FileResult {
            name,
            text: None,
            findings: Vec::new(),
            errors: vec![FileError {
                line: 0,
                col: 0,
                message: format!("cannot read: {e}"),
            }],
        },
    }
}

/// Checks the bytes of one file.
pub fn check_bytes(name: String, bytes: Vec<u8>, settings: &Settings) -> FileResult {
    match String::from_utf8(bytes) {
        Ok(text) => check_text(name, text, settings),
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            let col = valid.iter().rev().take_while(|&&b| b != b'\n').count() as u32 + 1;
            FileResult {
                name,
                text: None,
                findings: Vec::new(),
                errors: vec![FileError {
                    line,
                    col,
                    message: format!(
                        "not UTF-8 text (invalid byte 0x{:02x} at offset {}); Kubernetes manifests must be UTF-8",
                        e.as_bytes()[valid.len()],
                        valid.len()
                    ),
                }],
            }
        }
    }
}

/// Checks the text of one file: every document on its own, like the API server sees them
/// (the rules library's `text::check_text`).
pub fn check_text(name: String, text: String, settings: &Settings) -> FileResult {
    let report = text::check_text(&text, settings);
    FileResult {
        name,
        text: Some(text),
        findings: report.findings,
        errors: report
            .errors
            .into_iter()
            .map(|e| FileError {
                line: e.line,
                col: e.col,
                message: e.message,
            })
            .collect(),
    }
}
