//! The mounts of one container: its `volumeMounts` (the `stepTemplate`'s included) into the
//! task's volumes or the run's pod template, the task's workspaces (at `/workspace/<name>`, their
//! `mountPath`, or a step's own), and the directories Tekton mounts itself.

use super::paths::{PathValue, contains, contains_joined, normalize, normalize_owned};
use crate::engine::{ContainerContext, TaskContext};
use crate::tekton::{Backing, Volume, VolumeMount, WorkspaceBinding, WorkspaceDecl};
use std::borrow::Cow;

/// What a mount is.
#[derive(Debug, Clone, Copy)]
pub enum MountOf<'t, 'v> {
    /// A volume of the task spec or of the run's pod template.
    Volume(&'t VolumeMount<'v>, &'t Volume<'v>),
    /// A `volumeMounts` entry whose volume the task does not declare: the run's pod template
    /// adds it (or the pod fails to start).
    MissingVolume(&'t VolumeMount<'v>),
    /// A workspace; `binding` when the object is a run (its bindings are known).
    Workspace(&'t WorkspaceDecl<'v>, Option<&'t WorkspaceBinding<'v>>),
    /// An `emptyDir` Tekton mounts in every step (`/workspace`, `/tekton/home`).
    Tekton,
}

#[derive(Debug, Clone)]
pub struct Mount<'t, 'v> {
    /// Where it is mounted, normalised.
    pub at: Cow<'static, str>,
    pub of: MountOf<'t, 'v>,
    /// What backs it is written in the run (its bindings, its pod template), not the task.
    pub in_run: bool,
}

/// Tekton's own `emptyDir` volumes, mounted in every step.
const TEKTON_MOUNTS: [&str; 2] = ["/workspace", "/tekton/home"];

/// The container's mounts, in no particular order.
pub fn mounts<'t, 'v>(
    task: &'t TaskContext<'_, 'v>,
    c: &'t ContainerContext<'_, 'v>,
) -> Vec<Mount<'t, 'v>> {
    let storage = &task.spec.storage;
    let mut out = Vec::new();
    for m in &c.merged.volume_mounts {
        let own = storage.volumes.iter().find(|v| v.name == m.name);
        let from_pod = || {
            storage
                .run
                .as_ref()
                .and_then(|r| r.pod.volumes.iter().find(|v| v.name == m.name))
        };
        let (of, in_run) = match own {
            Some(v) => (MountOf::Volume(m, v), false),
            None => match from_pod() {
                Some(v) => (MountOf::Volume(m, v), true),
                None => (MountOf::MissingVolume(m), false),
            },
        };
        out.push(Mount {
            at: normalize(m.mount_path).into(),
            of,
            // A `readOnly` mount is fixed in the task, whatever the run adds.
            in_run: in_run && !m.read_only,
        });
    }
    let own = c.container().workspaces.as_deref();
    // A workspace some container lists for itself is mounted only in those (isolated).
    let isolated = |name: &str| {
        task.containers
            .iter()
            .filter_map(|o| o.container().workspaces.as_deref())
            .flatten()
            .any(|w| w.name == name)
    };
    for decl in &storage.workspaces {
        let at = match own.and_then(|list| list.iter().find(|w| w.name == decl.name)) {
            Some(w) => match w.mount_path {
                Some(p) if !p.is_empty() => p.to_string(),
                _ => decl.mount_path(),
            },
            None if isolated(decl.name) => continue,
            None => decl.mount_path(),
        };
        let binding = storage.run.as_ref().and_then(|r| r.binding(decl.name));
        out.push(Mount {
            at: normalize_owned(at).into(),
            of: MountOf::Workspace(decl, binding),
            in_run: !decl.read_only && binding.is_some_and(|b| b.volume.is_some()),
        });
    }
    for at in TEKTON_MOUNTS {
        out.push(Mount {
            at: Cow::Borrowed(at),
            of: MountOf::Tekton,
            in_run: false,
        });
    }
    out
}

/// Where a path lands among the mounts.
#[derive(Debug, Clone)]
pub enum Landing<'m, 't, 'v> {
    /// On this mount.
    Mount(&'m Mount<'t, 'v>),
    /// On the container's own filesystem (its writable layer).
    ContainerFs,
    /// Not known: why.
    Unknown(String),
}

/// Where the workspace `name` is mounted in this container.
pub fn workspace_mount<'m, 't, 'v>(
    mounts: &'m [Mount<'t, 'v>],
    name: &str,
) -> Option<&'m Mount<'t, 'v>> {
    mounts
        .iter()
        .find(|m| matches!(m.of, MountOf::Workspace(d, _) if d.name == name))
}

/// The mount a path lands on: the one with the longest mount path containing it.
pub fn land<'m, 't, 'v>(
    path: &PathValue,
    mounts: &'m [Mount<'t, 'v>],
    task: &TaskContext<'_, 'v>,
) -> Landing<'m, 't, 'v> {
    // The path is `head` followed by `tail`, matched without joining them: this runs for
    // every path of every call, and most land under a workspace.
    let (head, tail) = match path {
        PathValue::Unknown(why) => return Landing::Unknown(why.clone()),
        PathValue::InImage => return Landing::ContainerFs,
        PathValue::Abs { path, known } => {
            let certain = &path[..(*known).min(path.len())];
            // A mount below the part that is known may or may not hold the path.
            if certain.len() < path.len()
                && let Some(m) = mounts
                    .iter()
                    .find(|m| m.at.len() > certain.len() && contains(certain, &m.at))
            {
                return Landing::Unknown(format!(
                    "`{path}` may or may not be under the mount at `{}`",
                    m.at
                ));
            }
            (certain, "")
        }
        PathValue::Workspace { name, rest } => {
            let Some(ws) = workspace_mount(mounts, name) else {
                let declared = task.spec.storage.workspaces.iter().any(|d| d.name == name);
                return Landing::Unknown(if declared {
                    format!("workspace `{name}` is not mounted in this step")
                } else {
                    format!("the task declares no workspace `{name}`")
                });
            };
            (&*ws.at, rest.as_str())
        }
    };
    match mounts
        .iter()
        .filter(|m| contains_joined(&m.at, head, tail))
        .max_by_key(|m| m.at.len())
    {
        Some(m) => Landing::Mount(m),
        None => Landing::ContainerFs,
    }
}

impl MountOf<'_, '_> {
    /// What backs the mount: `None` when it is decided when the task runs (a Task's workspace,
    /// a volume the run's pod template adds).
    pub fn backing(&self) -> Option<Backing> {
        match self {
            MountOf::Volume(m, _) if m.read_only => Some(Backing::ReadOnly),
            MountOf::Volume(_, v) => Some(v.backing()),
            MountOf::MissingVolume(m) if m.read_only => Some(Backing::ReadOnly),
            MountOf::MissingVolume(_) => None,
            MountOf::Workspace(d, _) if d.read_only => Some(Backing::ReadOnly),
            MountOf::Workspace(_, None) => None,
            MountOf::Workspace(_, Some(b)) => match &b.volume {
                Some(v) => Some(v.backing()),
                // Left unbound by the run: the path is empty, files land at the root.
                None => Some(Backing::NodeDisk),
            },
            MountOf::Tekton => Some(Backing::NodeDisk),
        }
    }
}
