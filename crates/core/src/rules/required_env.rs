//! `required-env`: buildah steps set each `requiredEnv` variable (the `stepTemplate`'s `env`
//! counts) to an acceptable value. By default `BUILDAH_STORAGE_ROOT`, `TMPDIR` and `HOME` must
//! point under a workspace the task declares, so that storage, temporary files and buildah's
//! configuration land on the workspace volume instead of the node's disk, and
//! `STORAGE_DRIVER` must be `vfs`.

use super::{Level, RuleId, buildah_containers};
use crate::analysis::resolve_value;
use crate::engine::{ContainerContext, Findings, TaskContext};
use crate::settings::{RequiredEnv, Settings};
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
        );
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
        );
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
        out.container(RULE, Level::Error, c, path(), None, message);
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
        let dir = match &*req.name {
            "BUILDAH_STORAGE_ROOT" => ".buildah-storage".to_string(),
            "TMPDIR" => ".tmp".to_string(),
            other => format!(".{}", other.to_ascii_lowercase().replace('_', "-")),
        };
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
