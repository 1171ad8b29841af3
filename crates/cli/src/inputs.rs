//! Which files to read: explicit files, directories walked recursively for `*.yaml`/`*.yml`
//! (honouring `.gitignore`, `.ignore` and `--exclude`), and `-` for standard input.

use ignore::WalkBuilder;
use ignore::overrides::OverrideBuilder;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
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

/// Calls `found` with every input as it is found, and its size in bytes (0 when unknown):
/// checking can start before the walk ends. Inputs may repeat (a file named twice).
pub fn visit(
    paths: &[PathBuf],
    excludes: &[String],
    mut found: impl FnMut(Input, u64),
) -> Result<(), String> {
    // Found once, when a directory is first walked.
    let mut global = None;
    for path in paths {
        if path.as_os_str() == "-" {
            found(Input::Stdin, 0);
            continue;
        }
        if let Ok(meta) = std::fs::metadata(path)
            && meta.is_file()
        {
            // A file named explicitly is read whatever its extension.
            found(Input::File(path.clone()), meta.len());
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
        let mut walker = WalkBuilder::new(path);
        walker
            .hidden(false)
            .require_git(false)
            .git_global(false)
            .overrides(overrides)
            .filter_entry(|e| e.file_name() != ".git");
        if let Some(global) = global.get_or_insert_with(global_excludes) {
            // A file that cannot be read or parsed is skipped, as git skips it.
            let _ = walker.add_ignore(global);
        }
        let walker = walker.build();
        for entry in walker {
            let entry = entry.map_err(|e| e.to_string())?;
            if entry.file_type().is_some_and(|t| t.is_file()) && is_yaml(entry.path()) {
                let size = entry.metadata().map_or(0, |m| m.len());
                found(Input::File(entry.into_path()), size);
            }
        }
    }
    Ok(())
}

/// The user's global ignore file, as git finds it: `core.excludesFile` from the global
/// configuration (`$GIT_CONFIG_GLOBAL`, else `~/.gitconfig`, then `$XDG_CONFIG_HOME/git/config`),
/// then from the system's (`$GIT_CONFIG_SYSTEM` or `/etc/gitconfig`), else
/// `$XDG_CONFIG_HOME/git/ignore` (`~/.config/git/ignore`).
///
/// The walker can find it itself, but compiles a regular expression to read the configuration
/// on every run, which was a twentieth of the time of a whole run on a real repository.
fn global_excludes() -> Option<PathBuf> {
    let env = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let home = env("HOME");
    let xdg = env("XDG_CONFIG_HOME").or_else(|| home.as_ref().map(|h| h.join(".config")));
    let global = match env("GIT_CONFIG_GLOBAL") {
        Some(file) => vec![file],
        None => [
            home.as_ref().map(|h| h.join(".gitconfig")),
            xdg.as_ref().map(|x| x.join("git/config")),
        ]
        .into_iter()
        .flatten()
        .collect(),
    };
    let system = env("GIT_CONFIG_SYSTEM").unwrap_or_else(|| PathBuf::from("/etc/gitconfig"));
    global
        .iter()
        .chain(std::iter::once(&system))
        .find_map(|file| excludes_file(&std::fs::read_to_string(file).ok()?))
        .map(|p| expand_tilde(&p, home.as_deref()))
        .or_else(|| xdg.map(|x| x.join("git/ignore")))
        .filter(|p| p.is_file())
}

/// `core.excludesFile` in git configuration text.
fn excludes_file(config: &str) -> Option<String> {
    let mut in_core = false;
    for line in config.lines() {
        let line = line.trim();
        if let Some(section) = line.strip_prefix('[') {
            let name = section.split([']', ' ', '"']).next().unwrap_or("");
            in_core = name.eq_ignore_ascii_case("core");
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if in_core && key.trim().eq_ignore_ascii_case("excludesfile") {
            let value = value.split([';', '#']).next().unwrap_or("").trim();
            return Some(value.trim_matches('"').to_string()).filter(|v| !v.is_empty());
        }
    }
    None
}

fn expand_tilde(path: &str, home: Option<&Path>) -> PathBuf {
    match (path.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excludes_file_is_read_from_the_core_section() {
        let config = "[user]\n\texcludesfile = no\n[core]\n\teditor = vi\n\tExcludesFile = \"~/.gitignore_global\" # mine\n";
        assert_eq!(
            excludes_file(config).as_deref(),
            Some("~/.gitignore_global")
        );
        assert_eq!(excludes_file("[core]\n\tautocrlf = input\n"), None);
        assert_eq!(
            expand_tilde("~/.gitignore_global", Some(Path::new("/home/me"))),
            PathBuf::from("/home/me/.gitignore_global")
        );
        assert_eq!(
            expand_tilde("/etc/ignore", None),
            PathBuf::from("/etc/ignore")
        );
    }
}
