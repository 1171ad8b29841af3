//! Paths as a step knows them: absolute text, a path under a workspace
//! (`$(workspaces.source.path)/.buildah-storage`), or something only known when it runs.

/// A path, as far as it is known before the step runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathValue {
    /// An absolute path, normalised (no `.`, `..`, repeated or trailing slashes). `known` is
    /// the length of its leading part that is certain: after it comes text only known at run
    /// time (`/var/lib/$(params.DIR)/x` is known up to `/var/lib/`).
    Abs { path: String, known: usize },
    /// `$(workspaces.NAME.path)` followed by `rest` (empty, or starting with `/`).
    Workspace { name: String, rest: String },
    /// A directory of the image that no volume is mounted over (the image user's home).
    InImage,
    /// Not known before the step runs: why.
    Unknown(String),
}

impl PathValue {
    /// Reads a path's text: `exact` when the text is exactly the value (no unknown parts).
    /// A relative path is taken from `cwd` when that is known.
    pub fn read(text: &str, cwd: Option<&str>) -> PathValue {
        let text = text.trim();
        if text.is_empty() {
            return PathValue::Unknown("the path is empty".into());
        }
        if let Some(rest) = text.strip_prefix("$(workspaces.")
            && let Some(end) = workspace_path_end(rest)
        {
            let name = &rest[..end];
            let after = &rest[end + ".path)".len()..];
            if !name.is_empty() && !name.bytes().any(|b| matches!(b, b'.' | b'$' | b')')) {
                if after.is_empty() || after == "/" {
                    return PathValue::Workspace {
                        name: name.to_string(),
                        rest: String::new(),
                    };
                }
                if is_normal(after) {
                    // Nothing to resolve, so nothing climbs out either (the usual case).
                    return PathValue::Workspace {
                        name: name.to_string(),
                        rest: after.to_string(),
                    };
                }
                if after.starts_with('/') {
                    let rest = normalize(after);
                    if !climbs_out(after) {
                        return PathValue::Workspace {
                            name: name.to_string(),
                            rest: if rest == "/" { String::new() } else { rest },
                        };
                    }
                }
                return PathValue::Unknown(format!("`{text}` is not a path inside the workspace"));
            }
        }
        if text.starts_with('$') {
            let reference = leading_reference(text);
            return PathValue::Unknown(format!(
                "it comes from `{reference}`, which is only known when the step runs"
            ));
        }
        let absolute = if text.starts_with('/') {
            text.to_string()
        } else {
            match cwd {
                Some(dir) => format!("{}/{text}", dir.trim_end_matches('/')),
                None => {
                    return PathValue::Unknown(format!(
                        "`{text}` is relative and the working directory is only known when the step runs"
                    ));
                }
            }
        };
        // What follows the first reference is not known: keep the directory part before it.
        let known_text = match absolute.find('$') {
            Some(i) => &absolute[..absolute[..i].rfind('/').map_or(1, |j| j + 1)],
            None => absolute.as_str(),
        };
        let path = normalize(&absolute);
        let known = if known_text.len() == absolute.len() {
            path.len()
        } else {
            normalize(known_text).len()
        };
        PathValue::Abs { path, known }
    }
}

/// Where `.path)` starts in `rest` (what follows `$(workspaces.`): `rest.find(".path)")`,
/// with a quick look at the first `)` first, which is nearly always the one.
fn workspace_path_end(rest: &str) -> Option<usize> {
    let close = rest.find(')')?;
    match rest[..close].strip_suffix(".path") {
        Some(name) => Some(name.len()),
        None => rest.find(".path)"),
    }
}

/// `$(params.X)`, `${VAR}` or `$VAR` at the start of a text, for messages.
fn leading_reference(text: &str) -> &str {
    let b = text.as_bytes();
    let end = match b.get(1) {
        Some(b'(') => text.find(')').map_or(text.len(), |i| i + 1),
        Some(b'{') => text.find('}').map_or(text.len(), |i| i + 1),
        _ => {
            1 + text[1..]
                .bytes()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
                .count()
        }
    };
    &text[..end]
}

/// Removes `.` segments, repeated and trailing slashes, and resolves `..` (never above `/`).
pub fn normalize(path: &str) -> String {
    if is_normal(path) {
        return path.to_string();
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        return "/".into();
    }
    let mut out = String::with_capacity(path.len());
    for p in parts {
        out.push('/');
        out.push_str(p);
    }
    out
}

/// [`normalize`], keeping `path` itself when it is already normal.
pub fn normalize_owned(path: String) -> String {
    if is_normal(&path) {
        path
    } else {
        normalize(&path)
    }
}

/// Whether `normalize` would return `path` unchanged (most paths written in a Task).
fn is_normal(path: &str) -> bool {
    let b = path.as_bytes();
    if b == b"/" {
        return true;
    }
    if b.first() != Some(&b'/') || b.last() == Some(&b'/') {
        return false;
    }
    // No empty, `.` or `..` segment after any slash.
    !b.iter().enumerate().any(|(i, &c)| {
        c == b'/'
            && matches!(
                &b[i + 1..],
                [b'/', ..] | [b'.'] | [b'.', b'/', ..] | [b'.', b'.'] | [b'.', b'.', b'/', ..]
            )
    })
}

/// Whether a relative path's `..` segments lead above where it starts.
fn climbs_out(path: &str) -> bool {
    let mut depth = 0i32;
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                depth -= 1;
                if depth < 0 {
                    return true;
                }
            }
            _ => depth += 1,
        }
    }
    false
}

/// Whether `dir` is `path` or one of its ancestors (both normalised).
pub fn contains(dir: &str, path: &str) -> bool {
    dir == "/"
        || path
            .strip_prefix(dir)
            .is_some_and(|r| r.is_empty() || r.starts_with('/'))
}

/// [`contains`] for the path `head` followed by `tail`, without joining them.
pub fn contains_joined(dir: &str, head: &str, tail: &str) -> bool {
    let after = match head.strip_prefix(dir) {
        Some("") => tail,
        Some(r) => r,
        None => match dir.strip_prefix(head).and_then(|d| tail.strip_prefix(d)) {
            Some(r) => r,
            None => return dir == "/",
        },
    };
    dir == "/" || after.is_empty() || after.starts_with('/')
}

/// Whether `text` is the concatenation of `parts`.
pub fn is_joined(text: &str, parts: &[&str]) -> bool {
    let mut left = text;
    for p in parts {
        match left.strip_prefix(p) {
            Some(r) => left = r,
            None => return false,
        }
    }
    left.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn abs(path: &str, known: usize) -> PathValue {
        PathValue::Abs {
            path: path.into(),
            known,
        }
    }

    #[test]
    fn paths_are_read_as_the_step_sees_them() {
        assert_eq!(
            PathValue::read("/var/lib/containers//storage/", None),
            abs("/var/lib/containers/storage", 27)
        );
        assert_eq!(
            PathValue::read("$(workspaces.source.path)/.buildah-storage", None),
            PathValue::Workspace {
                name: "source".into(),
                rest: "/.buildah-storage".into()
            }
        );
        assert_eq!(
            PathValue::read("$(workspaces.source.path)", None),
            PathValue::Workspace {
                name: "source".into(),
                rest: String::new()
            }
        );
        assert!(matches!(
            PathValue::read("$(workspaces.source.path)/../..", None),
            PathValue::Unknown(_)
        ));
        assert_eq!(
            PathValue::read("storage", Some("/workspace/source")),
            abs("/workspace/source/storage", 25)
        );
        assert!(matches!(
            PathValue::read("storage", None),
            PathValue::Unknown(m) if m.contains("relative")
        ));
        assert_eq!(
            PathValue::read("/var/lib/$(params.DIR)/x", None),
            abs("/var/lib/$(params.DIR)/x", 8)
        );
        assert!(matches!(
            PathValue::read("$(params.ROOT)/x", None),
            PathValue::Unknown(m) if m.contains("`$(params.ROOT)`")
        ));
        assert!(matches!(
            PathValue::read("${STORAGE}/x", None),
            PathValue::Unknown(m) if m.contains("`${STORAGE}`")
        ));
    }

    #[test]
    fn the_workspace_reference_ends_at_the_first_path_suffix() {
        for rest in [
            "source.path)/x",
            "source.path)",
            "a)b.path)",
            "source.path",
            "x.paths)/y.path)",
            ")",
            "",
        ] {
            assert_eq!(workspace_path_end(rest), rest.find(".path)"), "{rest}");
        }
    }

    #[test]
    fn containment_is_by_whole_segments() {
        assert!(contains(
            "/var/lib/containers",
            "/var/lib/containers/storage"
        ));
        assert!(contains("/var/lib/containers", "/var/lib/containers"));
        assert!(!contains("/var/lib/containers", "/var/lib/containers2"));
        assert!(contains("/", "/x"));
        assert_eq!(normalize("/a/./b/../c"), "/a/c");
        assert_eq!(normalize("/../x"), "/x");
        for (path, normal) in [
            ("/", "/"),
            ("", "/"),
            ("a/b", "/a/b"),
            ("/a/b/", "/a/b"),
            ("/a//b", "/a/b"),
            ("/a/./b", "/a/b"),
            ("/a/b/..", "/a"),
            ("/a/.b/..c", "/a/.b/..c"),
            ("/a/.", "/a"),
            ("/a/..", "/"),
            ("/./a", "/a"),
            ("/../a", "/a"),
            ("/a/../b", "/b"),
            ("//", "/"),
            ("/.x/..y/...", "/.x/..y/..."),
        ] {
            assert_eq!(normalize(path), normal, "{path}");
            assert_eq!(is_normal(path), path == normal, "{path}");
        }
    }

    #[test]
    fn containment_of_a_joined_path_is_containment_of_the_join() {
        let texts = [
            "", "/", "/a", "/a/", "/ab", "/a/b", "/a/bc", "/ab/c", "a", "b", "/b", "/c", "//",
        ];
        for dir in texts {
            for head in texts {
                for tail in texts {
                    let joined = format!("{head}{tail}");
                    assert_eq!(
                        contains_joined(dir, head, tail),
                        contains(dir, &joined),
                        "dir {dir:?}, head {head:?}, tail {tail:?}"
                    );
                    assert!(is_joined(&joined, &[head, tail]));
                    assert_eq!(
                        is_joined(dir, &[head, tail]),
                        dir == joined,
                        "{dir:?} = {head:?} + {tail:?}"
                    );
                }
            }
        }
    }
}
