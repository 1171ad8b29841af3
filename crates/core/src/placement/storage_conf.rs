//! The storage root a `storage.conf` sets: `graphroot` (and, for a rootless user reading the
//! system file, `rootless_storage_path`) in its `[storage]` table.
//!
//! Hand-written rather than through the `toml` crate: it reads two string keys of one table,
//! of files a Task writes with a heredoc, and a whole TOML parser would be linked into
//! policy.wasm for that. Anything it does not understand makes the answer unknown, never a
//! guess.

/// What a `storage.conf` says about the storage root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfRoot {
    /// It sets the root to this path.
    Set(String),
    /// It leaves the root at buildah's default.
    Default,
    /// It cannot be read here: why.
    Unreadable(String),
}

/// Reads `key` (`graphroot` or `rootless_storage_path`) from the `[storage]` table.
pub fn root_in(text: &str, key: &str) -> ConfRoot {
    let mut table = "";
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(header) = line.strip_prefix('[') {
            table = header.trim_end_matches(']').trim();
            continue;
        }
        if table != "storage" {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        if k.trim().trim_matches('"') != key {
            continue;
        }
        let v = v.trim();
        let value = match v.as_bytes().first() {
            Some(q @ (b'"' | b'\'')) => v[1..].split(*q as char).next().unwrap_or(""),
            _ => return ConfRoot::Unreadable(format!("`{key} = {v}` is not a plain string")),
        };
        if value.contains('\\') || value.contains('$') {
            return ConfRoot::Unreadable(format!("`{key}` is `{value}`, only known when it runs"));
        }
        return if value.is_empty() {
            ConfRoot::Default
        } else {
            ConfRoot::Set(value.to_string())
        };
    }
    ConfRoot::Default
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_storage_table_decides() {
        let conf = "[storage]\ndriver = \"vfs\"\nrunroot = \"/run/x\"\ngraphroot = \"/var/lib/containers/storage\"\n[storage.options]\ngraphroot = \"/elsewhere\"\n";
        assert_eq!(
            root_in(conf, "graphroot"),
            ConfRoot::Set("/var/lib/containers/storage".into())
        );
        assert_eq!(root_in(conf, "rootless_storage_path"), ConfRoot::Default);
        assert_eq!(
            root_in("[storage]\n  graphroot = '/x' # comment\n", "graphroot"),
            ConfRoot::Set("/x".into())
        );
        assert_eq!(
            root_in("[storage.options]\ngraphroot = \"/x\"\n", "graphroot"),
            ConfRoot::Default
        );
        assert!(matches!(
            root_in("[storage]\ngraphroot = \"$HOME/x\"\n", "graphroot"),
            ConfRoot::Unreadable(_)
        ));
    }
}
