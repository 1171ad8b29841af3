//! `storage-on-node-disk`: buildah's storage root and temporary files land on something that
//! can hold a large build — a PersistentVolumeClaim — and not on the node's ephemeral disk (an
//! `emptyDir`, a `hostPath`, the container's own filesystem, Tekton's own `emptyDir`s), in
//! memory (`emptyDir` with `medium: Memory`), or on something read-only. Where the paths land
//! is worked out by `crate::placement` from `--root`, `TMPDIR`, buildah's defaults, the
//! container's mounts and, in a run, the run's workspace bindings.
//!
//! One finding per container, path (storage root or temporary files) and backing: every call
//! whose storage root lands on one `emptyDir` is one problem with one fix. It is reported where
//! the fix goes: the volume's or the run binding's source field, or the first call when nothing
//! is mounted there.

use super::{Level, RuleId, buildah_containers, invocation_label};
use crate::analysis::Invocation;
use crate::buildah::call::CallKind;
use crate::engine::{ContainerContext, Findings, TaskContext};
use crate::placement::{
    self, BuildPath, Landing, MountOf, PathKind, Site, Verdict, container_placements, mounts,
};
use crate::settings::Settings;
use crate::tekton::Backing;
use std::fmt::Write;

const RULE: RuleId = RuleId::StorageOnNodeDisk;

/// The calls of one container whose path of one kind lands on one backing, fixed in one place.
struct Group<'i> {
    kind: PathKind,
    backing: Backing,
    /// The field that decides the backing (`None`: nothing is mounted there).
    at: Option<String>,
    /// `at` is in the run that binds the task, not in the task.
    in_run: bool,
    /// The kind of mount, for the advice.
    mount: MountKind,
    calls: Vec<&'i Invocation>,
    /// Each path: its text, where it comes from, what it lands on.
    paths: Vec<(String, String, String)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum MountKind {
    /// No mount: the container's filesystem or an `emptyDir` Tekton adds.
    None,
    /// A volume of the task (or of the run's pod template).
    Volume { host: bool },
    /// A workspace the run binds (to the source in `Site::at`), or leaves unbound.
    Binding { bound: bool },
    /// A mount or workspace marked `readOnly`.
    ReadOnlyFlag,
}

pub(super) fn check(task: &TaskContext<'_, '_>, _settings: &Settings, out: &mut Findings<'_>) {
    for c in buildah_containers(task) {
        let opens_storage =
            |inv: &Invocation| inv.call.kind == CallKind::Command && inv.call.touches_storage();
        if !c.analysis.invocations.iter().any(opens_storage) {
            continue;
        }
        if out.full() {
            out.note_omitted();
            return;
        }
        let mounts = mounts(task, c);
        let mut groups: Vec<Group<'_>> = Vec::new();
        let mut undecided: Vec<(&Invocation, String)> = Vec::new();
        for call in container_placements(task, c, &mounts) {
            for (path, landing) in &call.paths {
                if let Some(why) = &path.conf_undecided {
                    if !undecided.iter().any(|(_, w)| w == why) {
                        undecided.push((call.inv, why.clone()));
                    }
                    continue;
                }
                let backing = match placement::verdict(path, landing) {
                    Verdict::On(b @ (Backing::NodeDisk | Backing::Memory | Backing::ReadOnly)) => b,
                    _ => continue,
                };
                add(&mut groups, backing, landing, call.inv, path);
            }
        }
        for g in &groups {
            report(c, g, out);
        }
        for (inv, why) in undecided {
            out.at(
                RULE,
                Level::Warning,
                c,
                inv.report_loc(),
                format!(
                    "cannot tell where {} keeps its storage: {why}; pass `--root` to a path on a PVC-backed workspace",
                    invocation_label(c, inv)
                ),
            );
        }
    }
}

fn add<'i>(
    groups: &mut Vec<Group<'i>>,
    backing: Backing,
    landing: &Landing<'_, '_, '_>,
    inv: &'i Invocation,
    path: &BuildPath,
) {
    let Site { what, at, in_run } = placement::site(landing);
    let mount = match landing {
        Landing::Mount(m) => match m.of {
            MountOf::Volume(vm, _) | MountOf::MissingVolume(vm) if vm.read_only => {
                MountKind::ReadOnlyFlag
            }
            MountOf::Workspace(d, _) if d.read_only => MountKind::ReadOnlyFlag,
            MountOf::Volume(_, v) => MountKind::Volume {
                host: v.source == "hostPath",
            },
            MountOf::MissingVolume(_) => MountKind::Volume { host: false },
            MountOf::Workspace(_, b) => MountKind::Binding {
                bound: b.is_some_and(|b| b.volume.is_some()),
            },
            MountOf::Tekton => MountKind::None,
        },
        _ => MountKind::None,
    };
    let i = match groups
        .iter()
        .position(|g| g.kind == path.kind && g.backing == backing && g.at == at && g.mount == mount)
    {
        Some(i) => i,
        None => {
            groups.push(Group {
                kind: path.kind,
                backing,
                at,
                in_run,
                mount,
                calls: Vec::new(),
                paths: Vec::new(),
            });
            groups.len() - 1
        }
    };
    let g = &mut groups[i];
    if !g.calls.iter().any(|c| std::ptr::eq(*c, inv)) {
        g.calls.push(inv);
    }
    if !g.paths.iter().any(|(t, _, _)| *t == path.text) {
        g.paths
            .push((path.text.clone(), path.origin.to_string(), what));
    }
}

fn report(c: &ContainerContext<'_, '_>, g: &Group<'_>, out: &mut Findings<'_>) {
    let first = g.calls[0];
    let mut m = invocation_label(c, first).to_string();
    if g.calls.len() > 1 {
        let _ = write!(m, " (and {} more)", g.calls.len() - 1);
    }
    m.push_str(" keeps ");
    let _ = write!(m, "its {} ", g.kind.noun());
    let same_place = g.paths.iter().all(|p| p.2 == g.paths[0].2);
    for (i, (text, origin, what)) in g.paths.iter().enumerate() {
        if i > 0 {
            m.push_str(" and ");
        }
        let _ = write!(m, "`{text}` ({origin})");
        if !same_place || i + 1 == g.paths.len() {
            let _ = write!(m, " on {what}");
        }
    }
    if let Some(at) = &g.at {
        let _ = write!(m, " (`{at}`)");
    }
    m.push_str(match (g.backing, g.mount) {
        (Backing::NodeDisk, MountKind::Volume { host: true }) => {
            ", the node's own disk (and a way onto the host); "
        }
        (Backing::NodeDisk, _) => ", the node's disk: a large build is evicted; ",
        (Backing::Memory, _) => ", which counts as memory: a large build is OOM-killed; ",
        _ => ": buildah fails at its first write there; ",
    });
    m.push_str(advice(g));
    match &g.at {
        // The run's binding: where the fix goes; the related place is the call, in the task.
        Some(at) if g.in_run => {
            let call = first.report_loc();
            let related = Some((c.path_of(call), Some(call.span)));
            out.in_run(RULE, Level::Error, c, at.clone(), related, m);
        }
        Some(at) => {
            out.container(RULE, Level::Error, c, at.clone(), None, m);
        }
        None => {
            out.at(RULE, Level::Error, c, first.report_loc(), m);
        }
    }
}

/// What to change.
fn advice(g: &Group<'_>) -> &'static str {
    match g.mount {
        MountKind::ReadOnlyFlag => "keep buildah's paths on a writable volume backed by a PVC",
        MountKind::Volume { .. } if g.backing == Backing::ReadOnly => {
            "keep buildah's paths on a writable volume backed by a PVC"
        }
        MountKind::Binding { .. } => {
            "bind the workspace to a `volumeClaimTemplate` or `persistentVolumeClaim`"
        }
        MountKind::Volume { .. } => {
            "make the volume a `persistentVolumeClaim` or `ephemeral.volumeClaimTemplate`"
        }
        MountKind::None => match g.kind {
            PathKind::StorageRoot => "pass `--root` under a workspace backed by a PVC",
            PathKind::TmpDir => "set `TMPDIR` under a workspace backed by a PVC",
        },
    }
}
