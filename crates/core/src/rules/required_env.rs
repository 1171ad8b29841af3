//! `required-env`: buildah steps set each `requiredEnv` variable (the `stepTemplate`'s `env`
//! counts) to an acceptable value. By default `BUILDAH_STORAGE_ROOT`, `TMPDIR` and `HOME` must
//! point under a workspace the task declares, so that storage, temporary files and buildah's
//! configuration land on the workspace volume instead of the node's disk, and
//! `STORAGE_DRIVER` must be `vfs`.

use super::{Level, RuleId, buildah_containers};
use crate::analysis::resolve_value;
use crate::engine::{ContainerContext, Findings, TaskContext};
use crate::fix::{Edit, Fix, Item};
use crate::settings::{RequiredEnv, Settings};
use crate::shell::Span;
use crate::tekton::Role;

const RULE: RuleId = RuleId::RequiredEnv;

pub(super) fn check(task: &TaskContext<'_, '_>, settings: &Settings, out: &mut Findings<'_>) {
    if settings.required_env.is_empty() {
        return;
    }
    let workspaces = &task.spec.workspaces;
    for c in buildah_containers(task) {
        let any_workspace = c.container().role == Role::StepAction;
        for req in &settings.required_env {
            check_one(task, c, req, workspaces, any_workspace, out);
        }
    }
}

fn check_one(
    task: &TaskContext<'_, '_>,
    c: &ContainerContext<'_, '_>,
    req: &RequiredEnv,
    workspaces: &[&str],
    any_workspace: bool,
    out: &mut Findings<'_>,
) {
    let name = &req.name;
    let Some(var) = c.merged.env_var(name) else {
        let path = if c.container().env.is_empty() {
            c.container().path.clone()
        } else {
            format!("{}.env", c.container().path)
        };
        out.container(
            RULE,
            Level::Error,
            c,
            path,
            None,
            format!(
                "`{name}` is not set; set it to {}",
                expectation(req, workspaces)
            ),
        )
        .fix(|| match value_for(req, workspaces, any_workspace) {
            Ok(value) => Fix::Edits(vec![Edit::Append {
                path: env_list(task, c),
                items: vec![Item::Entries(vec![
                    ("name".into(), name.to_string()),
                    ("value".into(), value),
                ])],
            }]),
            Err(reason) => Fix::Unavailable(reason),
        });
        return;
    };
    if !req.in_workspace && req.value_pattern.is_none() {
        return;
    }
    let path = || format!("{}.value", var.path);
    if var.value_from && var.value.is_none() {
        out.container(
            RULE,
            Level::Error,
            c,
            format!("{}.valueFrom", var.path),
            None,
            format!(
                "`{name}` comes from `valueFrom`, so its value cannot be checked; set `value` to {}",
                expectation(req, workspaces)
            ),
        );
        return;
    }
    let raw = var.value.unwrap_or("");
    // A literal value (no reference in it) is replaced by one that satisfies the settings.
    let replace = || {
        if var.value.is_none() {
            return Fix::Unavailable(format!("`{name}` has no `value`"));
        }
        if raw.contains("$(") {
            return Fix::Unavailable(format!(
                "`{name}` is built from references; choose its value by hand"
            ));
        }
        match value_for(req, workspaces, any_workspace) {
            Ok(value) => Fix::Edits(vec![Edit::Text {
                path: path(),
                span: Span::new(0, raw.len()),
                text: value,
            }]),
            Err(reason) => Fix::Unavailable(reason),
        }
    };
    if req.in_workspace && !under_declared_workspace(raw, workspaces, any_workspace) {
        let declared = if any_workspace {
            "the workspaces of the Task using this StepAction".to_string()
        } else if workspaces.is_empty() {
            "the task declares no workspace".to_string()
        } else {
            format!(
                "declared: {}",
                workspaces
                    .iter()
                    .map(|w| format!("`{w}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        out.container(
            RULE,
            Level::Error,
            c,
            path(),
            None,
            format!(
                "`{name}` is `{raw}`, not a path under a declared workspace ({declared}); expected `$(workspaces.<name>.path)/…`"
            ),
        )
        .fix(replace);
    }
    if let Some(pattern) = &req.value_pattern {
        let mut resolved = String::new();
        let matched = pattern.is_match(raw).and_then(|m| {
            if m {
                Ok(true)
            } else {
                resolved = resolve_value(raw, &task.spec.params);
                pattern.is_match(&resolved)
            }
        });
        let message = match matched {
            Ok(true) => return,
            Ok(false) if resolved != raw => format!(
                "`{name}` is `{raw}` (`{resolved}` with the parameter defaults); expected a value matching `{}`",
                pattern.source
            ),
            Ok(false) => format!(
                "`{name}` is `{raw}`; expected a value matching `{}`",
                pattern.source
            ),
            Err(e) => format!(
                "`{name}` cannot be checked: the settings' pattern `{}` is not a valid regular expression ({e})",
                pattern.source
            ),
        };
        out.container(RULE, Level::Error, c, path(), None, message)
            .fix(replace);
    }
}

/// The `env` list a missing variable goes to: the step's own, or the stepTemplate's when the
/// step has none and the template's holds the other variables.
fn env_list(task: &TaskContext<'_, '_>, c: &ContainerContext<'_, '_>) -> String {
    match &task.spec.step_template {
        Some(t)
            if c.container().role == Role::Step
                && c.container().env.is_empty()
                && !t.env.is_empty() =>
        {
            format!("{}.env", t.path)
        }
        _ => format!("{}.env", c.container().path),
    }
}

/// The value a fix gives a required variable: a directory of the first declared workspace,
/// or the one literal value the settings' pattern allows.
fn value_for(
    req: &RequiredEnv,
    workspaces: &[&str],
    any_workspace: bool,
) -> Result<String, String> {
    let value = if req.in_workspace {
        if any_workspace {
            return Err(
                "a StepAction's workspaces are those of the Task using it; set it to a path under one of them".into(),
            );
        }
        let Some(ws) = workspaces.first() else {
            return Err(
                "the task declares no workspace to put it on; declare one in `spec.workspaces` first".into(),
            );
        };
        format!("$(workspaces.{ws}.path)/{}", directory(&req.name))
    } else if let Some(p) = &req.value_pattern {
        p.literal()
            .ok_or_else(|| format!("no one value matches `{}`; set one that does", p.source))?
    } else {
        return Err("any value will do, so there is none to choose; set one".into());
    };
    match &req.value_pattern {
        Some(p) if p.is_match(&value) != Ok(true) => Err(format!(
            "`{value}` would not match `{}`; set a value that does",
            p.source
        )),
        _ => Ok(value),
    }
}

/// The directory a variable gets under a workspace: `.buildah-storage`, `.tmp`, `.home`.
fn directory(name: &str) -> String {
    match name {
        "BUILDAH_STORAGE_ROOT" => ".buildah-storage".to_string(),
        "TMPDIR" => ".tmp".to_string(),
        other => format!(".{}", other.to_ascii_lowercase().replace('_', "-")),
    }
}

/// `$(workspaces.NAME.path)/…` with NAME declared (any NAME for a StepAction, whose
/// workspaces are the using Task's).
fn under_declared_workspace(value: &str, workspaces: &[&str], any_workspace: bool) -> bool {
    let Some(rest) = value.trim_start().strip_prefix("$(workspaces.") else {
        return false;
    };
    let Some((name, after)) = rest.split_once(".path)") else {
        return false;
    };
    after.starts_with('/')
        && after.len() > 1
        && !name.is_empty()
        && (any_workspace || workspaces.contains(&name))
}

/// What the variable should be set to, with an example where one helps.
fn expectation(req: &RequiredEnv, workspaces: &[&str]) -> String {
    if req.in_workspace {
        let ws = workspaces.first().copied().unwrap_or("<workspace>");
        let dir = directory(&req.name);
        let declare = if workspaces.is_empty() {
            " (declare one in `spec.workspaces`)"
        } else {
            ""
        };
        format!("a path under a workspace{declare}, e.g. `$(workspaces.{ws}.path)/{dir}`")
    } else if let Some(p) = &req.value_pattern {
        format!("a value matching `{}`", p.source)
    } else {
        "any value".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::under_declared_workspace;

    #[test]
    fn workspace_paths() {
        let ws = ["source", "cache"];
        assert!(under_declared_workspace(
            "$(workspaces.source.path)/.tmp",
            &ws,
            false
        ));
        assert!(under_declared_workspace(
            "$(workspaces.cache.path)/a/b",
            &ws,
            false
        ));
        assert!(!under_declared_workspace(
            "$(workspaces.source.path)",
            &ws,
            false
        ));
        assert!(!under_declared_workspace(
            "$(workspaces.source.path)/",
            &ws,
            false
        ));
        assert!(!under_declared_workspace(
            "$(workspaces.other.path)/x",
            &ws,
            false
        ));
        assert!(under_declared_workspace(
            "$(workspaces.other.path)/x",
            &ws,
            true
        ));
        assert!(!under_declared_workspace(
            "/workspace/buildah-storage",
            &ws,
            false
        ));
        assert!(!under_declared_workspace(
            "/tmp/$(workspaces.source.path)/x",
            &ws,
            false
        ));
    }
}
