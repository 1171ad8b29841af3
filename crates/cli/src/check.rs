//! Checking files: read, parse every YAML document, run the rules, place each finding at
//! `line:col`. Files are checked in parallel; results come back in input order.

use crate::inputs::Input;
use std::io::Read;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use tekton_buildah_core::{Finding, Settings, check_object, yaml};

/// A finding placed in its file.
#[derive(Debug, Clone)]
pub struct Located {
    pub finding: Finding,
    /// 1-based document number in the file.
    pub document: usize,
    /// 1-based line and column (in characters).
    pub line: u32,
    pub col: u32,
    /// Characters of the offending token on that line (0 when the position is a field).
    pub width: u32,
    /// `line:col` is the offending token; false when it is the start of the script or field
    /// that contains it (the message then says where inside, e.g. "script line 4").
    pub exact: bool,
}

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

/// Checks the text of one file: every document on its own, like the API server sees them.
pub fn check_text(name: String, text: String, settings: &Settings) -> FileResult {
    let mut findings = Vec::new();
    let mut errors = Vec::new();
    for (i, doc) in yaml::load_documents(&text).into_iter().enumerate() {
        let doc = match doc {
            Ok(d) => d,
            Err(e) => {
                errors.push(FileError {
                    line: e.line,
                    col: e.col,
                    message: format!("not valid YAML: {}", e.message),
                });
                continue;
            }
        };
        for finding in check_object(&doc.value, settings).findings {
            let at = doc.locate(&finding.path, finding.span);
            let width = match (at.exact, finding.span) {
                (true, Some(span)) => token_width(&doc.value, &finding.path, span),
                // A field: its key.
                (true, None) => last_key(&finding.path).map_or(0, |k| k.chars().count() as u32),
                _ => 0,
            };
            findings.push(Located {
                finding,
                document: i + 1,
                line: at.pos.line,
                col: at.pos.col,
                width,
                exact: at.exact,
            });
        }
    }
    FileResult {
        name,
        text: Some(text),
        findings,
        errors,
    }
}

fn last_key(path: &str) -> Option<&str> {
    use tekton_buildah_core::tekton::{PathSegment, path_segments};
    match path_segments(path).last() {
        Some(PathSegment::Key(k)) => Some(k),
        _ => None,
    }
}

/// Characters of the token `span` covers, up to the end of its line.
fn token_width(
    root: &tekton_buildah_core::json::Value<'_>,
    path: &str,
    span: tekton_buildah_core::shell::Span,
) -> u32 {
    use tekton_buildah_core::tekton::{PathSegment, path_segments};
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
