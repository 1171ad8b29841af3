//! Which files to read: explicit files, directories walked recursively for `*.yaml`/`*.yml`
//! (honouring `.gitignore`, `.ignore` and `--exclude`), and `-` for standard input.

use ignore::WalkBuilder;
use ignore::overrides::OverrideBuilder;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Input {
    File(PathBuf),
    Stdin,
}

impl Input {
    /// How the input is named in findings.
    pub fn display(&self) -> String {
        match self {
            Input::File(p) => p.display().to_string(),
            Input::Stdin => "<stdin>".to_string(),
        }
    }
}

fn is_yaml(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// Every input, sorted and without duplicates.
pub fn collect(paths: &[PathBuf], excludes: &[String]) -> Result<Vec<Input>, String> {
    let mut out = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            out.push(Input::Stdin);
            continue;
        }
        if path.is_file() {
            // A file named explicitly is read whatever its extension.
            out.push(Input::File(path.clone()));
            continue;
        }
        if !path.is_dir() {
            return Err(format!("{}: no such file or directory", path.display()));
        }
        let mut overrides = OverrideBuilder::new(path);
        for glob in excludes {
            overrides
                .add(&format!("!{glob}"))
                .map_err(|e| format!("--exclude {glob}: {e}"))?;
        }
        let overrides = overrides.build().map_err(|e| e.to_string())?;
        let walker = WalkBuilder::new(path)
            .hidden(false)
            .require_git(false)
            .overrides(overrides)
            .filter_entry(|e| e.file_name() != ".git")
            .build();
        for entry in walker {
            let entry = entry.map_err(|e| e.to_string())?;
            if entry.file_type().is_some_and(|t| t.is_file()) && is_yaml(entry.path()) {
                out.push(Input::File(entry.into_path()));
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}
