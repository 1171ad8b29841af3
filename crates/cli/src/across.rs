//! References across files: a PipelineRun in `.tekton/build.yaml` that names the Task in
//! `tasks/buildah.yaml`. Every file is first checked on its own, each run with what its own
//! file holds (the fast, parallel pass). A file whose runs named something it does not hold
//! is then checked again with every object of the linted files at hand: the files that define
//! what it names, what those name in turn, and so on. Repositories where runs embed their
//! specs, or name objects of their own file, pay nothing for it.

use crate::check::{FileResult, file_errors};
use crate::inputs::Input;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use tekton_buildah_core::refs::{Index, RefKey};
use tekton_buildah_core::text::{
    Elsewhere, RelatedLocation, TextReport, check_text_with, locate_related,
};
use tekton_buildah_core::yaml::{self, Document, YamlError};
use tekton_buildah_core::{Related, Settings};

/// Checks again the files whose runs named objects of other files.
pub fn resolve(results: &mut [FileResult], settings: &Settings) {
    let needing: Vec<usize> = (0..results.len())
        .filter(|&i| !results[i].missing.is_empty())
        .collect();
    if needing.is_empty() {
        return;
    }
    // The files to have at hand: those defining what is missing, then what they name (known
    // from the first pass: no file is read for this).
    let mut wanted: Vec<RefKey> = needing
        .iter()
        .flat_map(|&i| results[i].missing.iter().cloned())
        .collect();
    let mut loaded: BTreeSet<usize> = BTreeSet::new();
    while let Some(key) = wanted.pop() {
        for (i, r) in results.iter().enumerate() {
            if loaded.contains(&i) || !r.defines.iter().any(|d| same(d, &key)) {
                continue;
            }
            loaded.insert(i);
            wanted.extend(r.names.iter().map(|k| RefKey {
                namespace: k.namespace.clone().or_else(|| key.namespace.clone()),
                ..k.clone()
            }));
        }
    }
    let texts: Vec<(usize, String)> = loaded
        .into_iter()
        .filter_map(|i| Some((i, text_of(&results[i])?)))
        .collect();
    let docs = parse_all(&texts);
    // The checks again, on every core as in the first pass; each thread with its own index
    // over the same documents (building one is cheap next to a check).
    let jobs: Vec<(usize, String)> = needing
        .into_iter()
        .filter_map(|i| Some((i, text_of(&results[i])?)))
        .collect();
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(jobs.len());
    let files: &[FileResult] = results;
    let reports: Vec<(usize, TextReport)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut index = Index::new("among the linted files");
                    for (_, file_docs) in &docs {
                        for d in file_docs.iter().flatten() {
                            index.add(&d.value);
                        }
                    }
                    let locate = |r: &Related| locate_in(&docs, files, r);
                    let elsewhere = Elsewhere::Objects {
                        resolver: &index,
                        locate: &locate,
                    };
                    let mut out = Vec::new();
                    while let Some((i, text)) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                        out.push((*i, check_text_with(text, settings, &elsewhere)));
                    }
                    out
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    for (i, report) in reports {
        let r = &mut results[i];
        r.findings = report.findings;
        r.errors = file_errors(report.errors);
        r.missing = report.missing;
    }
}

/// The documents of every text, read on every core (in the order of `texts`).
fn parse_all(texts: &[(usize, String)]) -> Vec<(usize, Vec<Result<Document<'_>, YamlError>>)> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = texts.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = texts
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(i, t)| (*i, yaml::load_documents(t)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// Where a related place is, among the documents of the files at hand.
fn locate_in(
    docs: &[(usize, Vec<Result<Document<'_>, YamlError>>)],
    files: &[FileResult],
    r: &Related,
) -> Option<RelatedLocation> {
    docs.iter().find_map(|(i, file_docs)| {
        let readable = file_docs
            .iter()
            .enumerate()
            .filter_map(|(n, d)| d.as_ref().ok().map(|d| (n + 1, d)));
        locate_related(readable, r).map(|mut at| {
            at.file = Some(files[*i].name.clone());
            at
        })
    })
}

/// Two keys that name the same object: kind and name, and namespaces that do not differ.
fn same(defined: &RefKey, wanted: &RefKey) -> bool {
    defined.kind == wanted.kind
        && defined.name == wanted.name
        && (defined.namespace.is_none()
            || wanted.namespace.is_none()
            || defined.namespace == wanted.namespace)
}

/// The text a file's findings are about: the one kept (the fixed text when fixing), else the
/// file read again.
fn text_of(r: &FileResult) -> Option<String> {
    if let Some(t) = &r.text {
        return Some(t.clone());
    }
    match &r.input {
        Some(Input::File(p)) => std::fs::read_to_string(p).ok(),
        _ => None,
    }
}
