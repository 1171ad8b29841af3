//! `--fix` and `--diff`: writing fixed files back, and showing what would change.

use crate::check::FileResult;
use std::io::Write;
use std::path::Path;
use tekton_buildah_core::text::diff::unified_diff;

/// Writes `text` over the file at `path` atomically: into a temporary file in the same
/// directory (so the rename cannot cross file systems), with the original's permissions, then
/// renamed over it. A symbolic link is followed: the file it points to is replaced, the link
/// stays.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let target = std::fs::canonicalize(path)?;
    let permissions = std::fs::metadata(&target)?.permissions();
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let temp = dir.join(format!(
        ".{name}.tekton-buildah-lint-{}.tmp",
        std::process::id()
    ));
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(text.as_bytes())?;
        file.set_permissions(permissions)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, &target)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// A unified diff of what fixing changed in each file (`a/` and `b/` prefixes, three lines
/// of context, as `git diff` shows them).
pub fn render_diff(results: &[FileResult]) -> String {
    let mut out = String::new();
    for r in results {
        let (Some(fix), Some(text)) = (&r.fix, &r.text) else {
            continue;
        };
        let name = r.name.trim_start_matches("./").trim_start_matches('/');
        out.push_str(&unified_diff(name, &fix.original, text));
    }
    out
}

/// `fixed 3 findings in 2 files; 4 left` and the like.
pub fn summary(results: &[FileResult], written: bool) -> String {
    let fixed: usize = results
        .iter()
        .filter_map(|r| r.fix.as_ref())
        .map(|f| f.applied.len())
        .sum();
    let files = results.iter().filter(|r| r.changed()).count();
    let left: usize = results
        .iter()
        .filter_map(|r| r.fix.as_ref())
        .map(|f| f.skipped.len())
        .sum();
    let verb = if written { "fixed" } else { "would fix" };
    format!(
        "{verb} {fixed} finding{} in {files} file{}; {left} left to fix by hand",
        if fixed == 1 { "" } else { "s" },
        if files == 1 { "" } else { "s" },
    )
}
