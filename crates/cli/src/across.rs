//! References across files: a PipelineRun in `.tekton/build.yaml` that names the Task in
//! `tasks/buildah.yaml`. Every file is first checked on its own, each run with what its own
//! file holds (the fast, parallel pass). A file whose runs named something it does not hold
//! is then checked again with every object of the linted files at hand: the files that define
//! what it names, what those name in turn, and so on. Repositories where runs embed their
//! specs, or name objects of their own file, pay nothing for it.

use crate::check::{FileResult, file_errors};
use crate::inputs::Input;
use std::collections::BTreeSet;
use tekton_buildah_core::refs::{Index, RefKey, named_by};
use tekton_buildah_core::text::{Elsewhere, RelatedLocation, check_text_with, locate_related};
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
    // The files to have at hand: those defining what is missing, then what they name.
    let mut wanted: Vec<RefKey> = needing
        .iter()
        .flat_map(|&i| results[i].missing.iter().cloned())
        .collect();
    let mut loaded: BTreeSet<usize> = BTreeSet::new();
    let mut texts: Vec<(usize, String)> = Vec::new();
    while let Some(key) = wanted.pop() {
        for (i, r) in results.iter().enumerate() {
            if loaded.contains(&i) || !r.defines.iter().any(|d| same(d, &key)) {
                continue;
            }
            loaded.insert(i);
            let Some(text) = text_of(r) else { continue };
            for doc in yaml::load_documents(&text).iter().flatten() {
                wanted.extend(named_by(&doc.value, key.namespace.as_deref()));
            }
            texts.push((i, text));
        }
    }
    texts.sort_by_key(|(i, _)| *i);
    let docs: Vec<(usize, Vec<Result<Document<'_>, YamlError>>)> = texts
        .iter()
        .map(|(i, t)| (*i, yaml::load_documents(t)))
        .collect();
    let mut index = Index::new("among the linted files");
    for (_, file_docs) in &docs {
        for d in file_docs.iter().flatten() {
            index.add(&d.value);
        }
    }
    let names: Vec<String> = results.iter().map(|r| r.name.clone()).collect();
    let locate = |r: &Related| -> Option<RelatedLocation> {
        docs.iter().find_map(|(i, file_docs)| {
            let readable = file_docs
                .iter()
                .enumerate()
                .filter_map(|(n, d)| d.as_ref().ok().map(|d| (n + 1, d)));
            locate_related(readable, r).map(|mut at| {
                at.file = Some(names[*i].clone());
                at
            })
        })
    };
    let elsewhere = Elsewhere::Objects {
        resolver: &index,
        locate: &locate,
    };
    for i in needing {
        let Some(text) = text_of(&results[i]) else {
            continue;
        };
        let report = check_text_with(&text, settings, &elsewhere);
        let r = &mut results[i];
        r.findings = report.findings;
        r.errors = file_errors(report.errors);
        r.missing = report.missing;
    }
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
