//! The rules' side of fixes: edits to a buildah call's arguments, to a container's lists and
//! fields, each checked against what is written in the object. An edit is only planned where
//! its place is certain — a word written literally where the analysis read it — and the
//! reason is given otherwise (a value from a parameter, a call through a function or a
//! variable, a heredoc, text built when the step runs).

use super::{Edit, Fix, Item, escape_through};
use crate::analysis::{Field, Invocation, Loc, Source};
use crate::engine::ContainerContext;
use crate::shell::Span;
use crate::tekton::{Container, Role};

/// Where new arguments of a buildah call go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchor {
    /// Right after the program word (buildah's global options).
    Program,
    /// Right after the subcommand (`bud`, `manifest push`): before any positional argument.
    Subcommand,
}

/// New arguments: as a script writes them (shell words) and as exec-form list items.
pub(crate) struct NewArgs {
    pub shell: String,
    pub items: Vec<String>,
}

/// Text of a container's string at `source`, as written in the object.
fn source_text<'c>(c: &'c ContainerContext<'_, '_>, source: Source) -> Option<&'c str> {
    match source {
        Source::Script => c.container().script,
        Source::Command(i) => c.merged.command?.get(i as usize).copied(),
        Source::Args(i) => c.merged.args?.get(i as usize).copied(),
    }
}

/// The path of a position's string, when it is written in this container (not inherited
/// from the `stepTemplate`, where a change would reach every step).
fn own_path(c: &ContainerContext<'_, '_>, source: Source) -> Result<String, String> {
    let own = match source {
        Source::Script => c.container().script.is_some(),
        Source::Command(_) => c.container().command.is_some(),
        Source::Args(_) => c.container().args.is_some(),
    };
    if own {
        Ok(format!("{}.{}", c.container().path, source.suffix()))
    } else {
        Err(format!(
            "`{}` comes from the stepTemplate, shared by every step",
            source.suffix().split('[').next().unwrap_or("")
        ))
    }
}

/// Why the call's own words cannot be edited, if they cannot.
fn call_not_editable(inv: &Invocation) -> Option<String> {
    if let Some((func, _)) = &inv.via {
        return Some(format!(
            "the call goes through the function `{func}`; change the buildah call inside it"
        ));
    }
    if let Some(var) = &inv.built_in {
        return Some(format!(
            "the command line comes from `{var}`, not from the words of the script"
        ));
    }
    None
}

/// Whether `loc` is an exec-form list item holding exactly `word`.
fn is_item(c: &ContainerContext<'_, '_>, loc: Loc, word: &str) -> bool {
    !matches!(loc.source, Source::Script)
        && source_text(c, loc.source)
            .is_some_and(|t| t == word && loc.span.start == 0 && loc.span.end as usize == t.len())
}

/// The list path and index of an exec-form item.
fn item_place(c: &ContainerContext<'_, '_>, source: Source) -> Result<(String, usize), String> {
    // Only the container's own list (the error says where it comes from otherwise).
    own_path(c, source)?;
    let (list, index) = match source {
        Source::Command(i) => ("command", i),
        Source::Args(i) => ("args", i),
        Source::Script => return Err("not a list item".into()),
    };
    Ok((format!("{}.{list}", c.container().path), index as usize))
}

/// Adds arguments to a buildah call: after the program word or after the subcommand.
pub(crate) fn add_arguments(
    c: &ContainerContext<'_, '_>,
    inv: &Invocation,
    anchor: Anchor,
    args: &NewArgs,
) -> Fix {
    match add_arguments_edit(c, inv, anchor, args) {
        Ok(edit) => Fix::Edits(vec![edit]),
        Err(reason) => Fix::Unavailable(reason),
    }
}

fn add_arguments_edit(
    c: &ContainerContext<'_, '_>,
    inv: &Invocation,
    anchor: Anchor,
    args: &NewArgs,
) -> Result<Edit, String> {
    if let Some(reason) = call_not_editable(inv) {
        return Err(reason);
    }
    let not_written = || "the call is not written literally in the Task".to_string();
    let (loc, word) = match anchor {
        Anchor::Program => {
            let text = source_text(c, inv.loc.source).ok_or_else(not_written)?;
            let word = inv.loc.span.text(text);
            if word.rsplit('/').next() != Some("buildah") {
                return Err(not_written());
            }
            (inv.loc, word)
        }
        Anchor::Subcommand => {
            let i = *inv
                .call
                .command_words
                .last()
                .ok_or_else(|| "the call has no subcommand".to_string())?;
            let f = inv.argv.get(i).ok_or_else(not_written)?;
            if !written_as_is(c, f) {
                return Err(format!(
                    "the subcommand comes from `{}`, not from the words of the script",
                    f.from.as_deref().unwrap_or(&f.text)
                ));
            }
            (f.loc, f.text.as_str())
        }
    };
    if is_item(c, loc, word) {
        let (path, after) = item_place(c, loc.source)?;
        return Ok(Edit::InsertItems {
            path,
            after,
            items: args.items.clone(),
        });
    }
    let layers = inv.layers.ok_or_else(not_written)?;
    let text = escape_through(&format!(" {}", args.shell), layers)?;
    Ok(Edit::Text {
        path: own_path(c, loc.source)?,
        span: Span {
            start: loc.span.end,
            end: loc.span.end,
        },
        text,
    })
}

/// Whether a field is a word written literally where its position says (quotes allowed).
fn written_as_is(c: &ContainerContext<'_, '_>, f: &Field) -> bool {
    if !f.exact || f.from.is_some() {
        return false;
    }
    let Some(text) = source_text(c, f.loc.source) else {
        return false;
    };
    let written = f.loc.span.text(text);
    written == f.text || unquoted(written) == Some(f.text.as_str())
}

/// The inside of `'…'` or `"…"`.
fn unquoted(written: &str) -> Option<&str> {
    let b = written.as_bytes();
    (b.len() >= 2 && (b[0] == b'\'' || b[0] == b'"') && b[b.len() - 1] == b[0])
        .then(|| &written[1..written.len() - 1])
}

/// Replaces a word of a buildah call (an option with a wrong value, or that value) by `shell`
/// in a script, or by `item` in an exec-form list.
pub(crate) fn replace_word(
    c: &ContainerContext<'_, '_>,
    inv: &Invocation,
    f: &Field,
    shell: &str,
    item: &str,
) -> Fix {
    let edit = (|| {
        if let Some(reason) = call_not_editable(inv) {
            return Err(reason);
        }
        if let Some(from) = &f.from {
            return Err(format!("the value comes from `{from}`; change it there"));
        }
        if !written_as_is(c, f) {
            return Err("the value is not written literally in the Task".to_string());
        }
        if is_item(c, f.loc, &f.text) {
            return Ok(Edit::Text {
                path: own_path(c, f.loc.source)?,
                span: f.loc.span,
                text: item.to_string(),
            });
        }
        let layers = inv
            .layers
            .ok_or_else(|| "the value is not written literally in the Task".to_string())?;
        Ok(Edit::Text {
            path: own_path(c, f.loc.source)?,
            span: f.loc.span,
            text: escape_through(shell, layers)?,
        })
    })();
    match edit {
        Ok(e) => Fix::Edits(vec![e]),
        Err(reason) => Fix::Unavailable(reason),
    }
}

/// Appends capabilities to a container's `securityContext.capabilities.add`: `list` is where
/// the list is (or is to be created).
pub(crate) fn add_capabilities(list: String, caps: &[&str]) -> Edit {
    Edit::Append {
        path: list,
        items: caps.iter().map(|c| Item::Scalar(c.to_string())).collect(),
    }
}

/// Where a container's own capability list is, or would be.
pub(crate) fn capability_list(c: &Container<'_>) -> String {
    match &c.security.cap_add {
        Some((_, path)) => path.clone(),
        None => format!("{}.securityContext.capabilities.add", c.path),
    }
}

/// Whether a step inherits its capabilities from the stepTemplate (a list of its own would
/// replace the template's).
pub(crate) fn inherits_capabilities(c: &Container<'_>, template: Option<&Container<'_>>) -> bool {
    c.role == Role::Step
        && c.security.cap_add.is_none()
        && template.is_some_and(|t| t.security.cap_add.is_some())
}
