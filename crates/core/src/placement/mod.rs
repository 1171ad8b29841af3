//! Where a build's bytes land. For every buildah call that opens container storage, the two
//! paths buildah writes large files to:
//!
//! - the **storage root**: `--root`; else the `graphroot` of the `storage.conf` buildah is told
//!   to read (`CONTAINERS_STORAGE_CONF`), when the Task wrote it; else buildah's default for the
//!   user the step runs as (`/var/lib/containers/storage` as root,
//!   `$XDG_DATA_HOME/containers/storage` or `$HOME/.local/share/containers/storage` rootless);
//! - the **temporary directory**: `TMPDIR`, else `/var/tmp` (layer blobs are written there).
//!
//! Each path is then matched against the container's mounts (longest mount path first) and
//! judged by what backs it: a PVC, the node's disk (an `emptyDir`, a `hostPath`, the
//! container's own filesystem), memory, something read-only, or — for a Task whose workspace is
//! bound only when it runs — nothing yet.

mod mounts;
pub(crate) mod paths;
mod storage_conf;

pub use mounts::{Landing, Mount, MountOf, land, mounts, workspace_mount};
pub use paths::PathValue;

use crate::analysis::{CallEnv, EnvValue, Invocation, PlacementVar};
use crate::buildah::call::CallKind;
use crate::engine::{ContainerContext, TaskContext};
use crate::tekton::{Backing, RunAs};
use paths::contains;
use std::borrow::Cow;
use std::fmt;
use storage_conf::{ConfRoot, root_in};

/// buildah's storage root as root.
pub const ROOT_STORAGE: &str = "/var/lib/containers/storage";
/// Where buildah writes temporary files when `TMPDIR` is not set.
pub const DEFAULT_TMPDIR: &str = "/var/tmp";
/// The system `storage.conf`.
const SYSTEM_CONF: &str = "/etc/containers/storage.conf";
/// Subcommands that copy image data, staging layer blobs in the temporary directory. The
/// others (`images`, `tag`, `rmi`, `manifest create`, …) write nothing large there.
const COPIES_IMAGES: &[&str] = &[
    "build",
    "commit",
    "from",
    "pull",
    "push",
    "manifest push",
    "source pull",
    "source push",
    "mkcw",
];

/// Which of buildah's paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PathKind {
    StorageRoot,
    TmpDir,
}

impl PathKind {
    pub fn noun(self) -> &'static str {
        match self {
            PathKind::StorageRoot => "storage root",
            PathKind::TmpDir => "temporary files",
        }
    }
}

/// One of a call's paths, resolved as far as it can be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildPath {
    pub kind: PathKind,
    /// The path as the message shows it (`$(workspaces.source.path)/.tmp`, `/var/tmp`).
    pub text: String,
    pub value: PathValue,
    /// Where the path comes from, in words: `--root`, `buildah's default as root`, …
    pub origin: Cow<'static, str>,
    /// A `storage.conf` whose content is not in the object decides the root: why (the path
    /// is then unknown, and that is worth saying).
    pub conf_undecided: Option<String>,
}

/// Who a container runs as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum User {
    Root,
    /// Not root: `runAsUser` other than 0, or `runAsNonRoot: true`.
    Rootless,
}

/// The user a container runs as: its `runAsUser` (merged over the template, then the run's
/// pod), `runAsNonRoot`, else root (the user buildah images run as).
pub fn user_of(task: &TaskContext<'_, '_>, c: &ContainerContext<'_, '_>) -> User {
    let run_as = match task.spec.storage.run.as_ref() {
        Some(run) => c.merged.run_as.or(&run.pod.run_as),
        None => c.merged.run_as.clone(),
    };
    rootless(&run_as)
}

fn rootless(run_as: &RunAs) -> User {
    match (&run_as.user, &run_as.non_root) {
        (Some((0, _)), _) => User::Root,
        (Some(_), _) | (None, Some((true, _))) => User::Rootless,
        _ => User::Root,
    }
}

/// What one call sees: its own changes over the container's `env`.
struct Env<'a> {
    call: &'a CallEnv,
    initial: &'a [(PlacementVar, EnvValue)],
}

impl Env<'_> {
    fn get(&self, var: PlacementVar) -> &EnvValue {
        self.call.get(self.initial, var)
    }
}

/// A call's paths: its storage root, and its temporary directory when it copies images. Kept
/// inline: the rules run last, and whatever they allocate is the policy's peak memory.
pub type CallPaths<T> = smallvec::SmallVec<[T; 2]>;

/// The storage root of one buildah call, and its temporary directory when it copies images.
/// `initial` is what the container's `env` sets ([`crate::analysis::Analysis::initial_env`]).
pub fn call_paths(
    inv: &Invocation,
    initial: &[(PlacementVar, EnvValue)],
    user: User,
    mounts: &[Mount<'_, '_>],
) -> CallPaths<BuildPath> {
    let env = Env {
        call: &inv.env,
        initial,
    };
    let mut paths = CallPaths::new();
    paths.push(storage_root(inv, &env, user, mounts));
    if inv
        .call
        .command_name()
        .is_some_and(|c| COPIES_IMAGES.contains(&c))
    {
        paths.push(tmp_dir(&env));
    }
    paths
}

fn read(text: &str, env: &Env<'_>) -> PathValue {
    PathValue::read(text, env.call.cwd.as_deref())
}

fn storage_root(
    inv: &Invocation,
    env: &Env<'_>,
    user: User,
    mounts: &[Mount<'_, '_>],
) -> BuildPath {
    let path = |text: String, origin: Cow<'static, str>| BuildPath {
        kind: PathKind::StorageRoot,
        value: read(&text, env),
        text,
        origin,
        conf_undecided: None,
    };
    if let Some(root) = inv.call.uses("root").last() {
        return match &root.value {
            Some(v) => path(v.text.clone(), "`--root`".into()),
            None => undecided("`--root` has no value".into(), None),
        };
    }
    let home = match env.get(PlacementVar::Home) {
        EnvValue::Value(f) => Some(f.text.as_str()),
        _ => None,
    };
    // The storage.conf buildah reads, and the key that holds the root in it.
    let (conf, key) = match (env.get(PlacementVar::StorageConf), user) {
        (EnvValue::Value(f), _) => (
            Some((f.text.clone(), "`CONTAINERS_STORAGE_CONF`")),
            "graphroot",
        ),
        (EnvValue::Unknown(why), _) => {
            return undecided(
                format!(
                    "buildah reads the `storage.conf` named by `CONTAINERS_STORAGE_CONF`, and {why}"
                ),
                Some(true),
            );
        }
        (EnvValue::Unset, User::Root) => (None, "graphroot"),
        (EnvValue::Unset, User::Rootless) => {
            let user_conf = match (env.get(PlacementVar::XdgConfigHome), home) {
                (EnvValue::Value(f), _) => Some(format!("{}/containers/storage.conf", f.text)),
                (EnvValue::Unset, Some(h)) => Some(format!("{h}/.config/containers/storage.conf")),
                _ => None,
            };
            (user_conf.map(|p| (p, "the user's")), "graphroot")
        }
    };
    let system = (
        Cow::Borrowed(SYSTEM_CONF),
        "the system",
        if user == User::Root {
            "graphroot"
        } else {
            "rootless_storage_path"
        },
    );
    let candidates = conf
        .map(|(p, by)| (Cow::Owned(p), by, key))
        .into_iter()
        .chain(std::iter::once(system));
    for (conf_path, named_by, key) in candidates {
        let conf_path: &str = &conf_path;
        let explicit = named_by.starts_with('`');
        if let Some(written) = env.call.confs.iter().find(|w| w.path == conf_path) {
            let roots: Vec<ConfRoot> = written.contents.iter().map(|t| root_in(t, key)).collect();
            let first = roots.first().cloned().unwrap_or(ConfRoot::Unreadable(
                "its content is only known when the step runs".into(),
            ));
            if roots.iter().any(|r| *r != first) {
                return undecided(
                    format!(
                        "the `storage.conf` written at {} differs between paths",
                        written.by
                    ),
                    Some(true),
                );
            }
            match first {
                ConfRoot::Set(root) => {
                    return path(
                        root,
                        format!("`{key}` of the `storage.conf` written at {}", written.by).into(),
                    );
                }
                ConfRoot::Unreadable(why) => {
                    return undecided(
                        format!("the `storage.conf` written at {}: {why}", written.by),
                        Some(true),
                    );
                }
                ConfRoot::Default => break,
            }
        }
        if explicit {
            return undecided(
                format!("{named_by} names `{conf_path}`, whose content is not in the object"),
                Some(true),
            );
        }
        // A volume mounted over the file or its directory supplies it, as does a
        // configuration volume above it; an emptyDir or a workspace further up holds only
        // what the Task writes (which `confs` has).
        if let Some(m) = mounts
            .iter()
            .filter(|m| m.at != "/" && contains(&m.at, conf_path))
            .max_by_key(|m| m.at.len())
            && supplies(m, conf_path)
        {
            return undecided(
                format!(
                    "buildah reads `{conf_path}` from the volume mounted at `{}`, whose content is not in the object",
                    m.at
                ),
                Some(true),
            );
        }
    }
    if user == User::Root {
        return path(ROOT_STORAGE.into(), "default as root".into());
    }
    match env.get(PlacementVar::XdgDataHome) {
        EnvValue::Value(f) => {
            return path(
                format!("{}/containers/storage", f.text),
                "rootless default under `$XDG_DATA_HOME`".into(),
            );
        }
        EnvValue::Unknown(why) => {
            return undecided(
                format!("buildah's rootless default is under `$XDG_DATA_HOME`, and {why}"),
                None,
            );
        }
        EnvValue::Unset => {}
    }
    match env.get(PlacementVar::Home) {
        EnvValue::Value(f) => path(
            format!("{}/.local/share/containers/storage", f.text),
            "rootless default under `$HOME`".into(),
        ),
        EnvValue::Unknown(why) => undecided(
            format!("buildah's rootless default is under `$HOME`, and {why}"),
            None,
        ),
        EnvValue::Unset => {
            // HOME comes from the image's user: a directory of the image, unless a volume is
            // mounted where a home directory may be.
            let near_home = |at: &str| {
                ["/home", "/root", "/var/home"]
                    .iter()
                    .any(|h| contains(h, at) || (at != "/" && contains(at, h)))
            };
            if let Some(m) = mounts.iter().find(|m| near_home(&m.at)) {
                return undecided(
                    format!(
                        "`$HOME` comes from the image, and a volume is mounted at `{}`",
                        m.at
                    ),
                    None,
                );
            }
            BuildPath {
                kind: PathKind::StorageRoot,
                text: "$HOME/.local/share/containers/storage".into(),
                value: PathValue::InImage,
                origin: "rootless default under the image's `$HOME`".into(),
                conf_undecided: None,
            }
        }
    }
}

/// Whether the mount `m` (which contains `conf`) brings a `storage.conf` of its own.
fn supplies(m: &Mount<'_, '_>, conf: &str) -> bool {
    let config_source = match m.of {
        MountOf::Volume(_, v) => matches!(v.source, "configMap" | "secret" | "projected"),
        MountOf::Tekton => return false,
        _ => false,
    };
    let dir = conf.rsplit_once('/').map_or("", |(d, _)| d);
    config_source || m.at == conf || m.at == dir
}

/// A storage root that cannot be placed: `warn` when a configuration file decides it.
fn undecided(why: String, warn: Option<bool>) -> BuildPath {
    BuildPath {
        kind: PathKind::StorageRoot,
        text: String::new(),
        value: PathValue::Unknown(why.clone()),
        origin: Cow::Borrowed(""),
        conf_undecided: warn.filter(|w| *w).map(|_| why),
    }
}

fn tmp_dir(env: &Env<'_>) -> BuildPath {
    let (text, origin) = match env.get(PlacementVar::TmpDir) {
        EnvValue::Value(f) if !f.text.is_empty() => (f.text.clone(), "`TMPDIR`"),
        EnvValue::Unknown(why) => {
            return BuildPath {
                kind: PathKind::TmpDir,
                text: String::new(),
                value: PathValue::Unknown(why.clone()),
                origin: Cow::Borrowed(""),
                conf_undecided: None,
            };
        }
        _ => (DEFAULT_TMPDIR.to_string(), "default: `TMPDIR` is not set"),
    };
    BuildPath {
        kind: PathKind::TmpDir,
        value: read(&text, env),
        text,
        origin: Cow::Borrowed(origin),
        conf_undecided: None,
    }
}

/// What a path lands on, judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Backed by this.
    On(Backing),
    /// On a workspace or volume the run decides (a Task, a Pipeline).
    RunTime,
    /// Not known: why.
    Unknown(String),
}

/// Judges where a path lands.
pub fn verdict(path: &BuildPath, landing: &Landing<'_, '_, '_>) -> Verdict {
    if let PathValue::Unknown(why) = &path.value {
        return Verdict::Unknown(why.clone());
    }
    match landing {
        Landing::Unknown(why) => Verdict::Unknown(why.clone()),
        Landing::ContainerFs => Verdict::On(Backing::NodeDisk),
        Landing::Mount(m) => match m.of.backing() {
            Some(b) => Verdict::On(b),
            None => Verdict::RunTime,
        },
    }
}

/// A call's paths with where they land.
pub struct CallPlacement<'i, 'm, 't, 'v> {
    pub inv: &'i Invocation,
    pub paths: CallPaths<(BuildPath, Landing<'m, 't, 'v>)>,
}

/// The placements of every storage-opening buildah call of a container, one call at a time.
pub fn container_placements<'i, 'm, 't, 'v>(
    task: &'i TaskContext<'_, 'v>,
    c: &'i ContainerContext<'_, 'v>,
    mounts: &'m [Mount<'t, 'v>],
) -> impl Iterator<Item = CallPlacement<'i, 'm, 't, 'v>> {
    let user = user_of(task, c);
    c.analysis
        .invocations
        .iter()
        .filter(|inv| inv.call.kind == CallKind::Command && inv.call.touches_storage())
        .map(move |inv| CallPlacement {
            inv,
            paths: call_paths(inv, &c.analysis.initial_env, user, mounts)
                .into_iter()
                .map(|mut p| {
                    let mut landing = land(&p.value, mounts, task);
                    if p.kind == PathKind::StorageRoot
                        && let Some((dir, m)) = layer_mount(&p.value, mounts)
                    {
                        // The layers, nearly all of a build's bytes, are on that mount.
                        p.origin = format!("{}; its layers in `{dir}`", p.origin).into();
                        landing = Landing::Mount(m);
                    }
                    (p, landing)
                })
                .collect(),
        })
}

/// The storage drivers' layer directories below a storage root.
const LAYER_DIRS: [&str; 3] = ["vfs/dir", "vfs", "overlay"];

/// A mount below a storage root that holds its layers (`<root>/vfs/dir`), with its path.
fn layer_mount<'m, 't, 'v>(
    root: &PathValue,
    mounts: &'m [Mount<'t, 'v>],
) -> Option<(String, &'m Mount<'t, 'v>)> {
    // The root is `head` followed by `tail`; compared piece by piece, since nearly every
    // root has no such mount and building the candidate paths would cost more than the rest
    // of the placement. A root under a workspace starts where the workspace is mounted (not
    // at the mount it lands on, which may be a volume inside the workspace).
    let (head, tail) = match root {
        PathValue::Abs { path, known } if *known == path.len() => (path.as_str(), ""),
        PathValue::Workspace { name, rest } => (&*workspace_mount(mounts, name)?.at, rest.as_str()),
        _ => return None,
    };
    let tail = tail.trim_end_matches('/');
    let head = if tail.is_empty() {
        head.trim_end_matches('/')
    } else {
        head
    };
    LAYER_DIRS.iter().find_map(|d| {
        let m = mounts
            .iter()
            .find(|m| paths::is_joined(&m.at, &[head, tail, "/", d]))?;
        Some((m.at.to_string(), m))
    })
}

/// What backs a mount, in words, and the field that decides it (where a fix goes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// `emptyDir volume `cache``, `workspace `source`, bound by this run to an emptyDir`.
    pub what: String,
    /// The field that decides the backing (`spec.volumes[0].emptyDir`), when it is written
    /// in the object.
    pub at: Option<String>,
    /// `at` is in the run (a binding, the pod template), not in the task.
    pub in_run: bool,
}

/// Describes what a path lands on.
pub fn site(landing: &Landing<'_, '_, '_>) -> Site {
    let mut site = site_of(landing);
    if let Landing::Mount(m) = landing {
        site.in_run = m.in_run && site.at.is_some();
    }
    site
}

fn site_of(landing: &Landing<'_, '_, '_>) -> Site {
    let Landing::Mount(m) = landing else {
        return Site {
            what: "the container's own filesystem".into(),
            at: None,
            in_run: false,
        };
    };
    match m.of {
        MountOf::Volume(mount, _) | MountOf::MissingVolume(mount) if mount.read_only => Site {
            what: format!("volume `{}` mounted `readOnly` at `{}`", mount.name, m.at),
            at: Some(format!("{}.readOnly", mount.path)),
            in_run: false,
        },
        MountOf::Volume(_, v) => Site {
            what: format!("{} volume `{}`", source_noun(v.source, v.memory), v.name),
            at: Some(v.source_path()),
            in_run: false,
        },
        MountOf::MissingVolume(mount) => Site {
            what: format!("volume `{}`, which the run's pod template adds", mount.name),
            at: Some(mount.path.clone()),
            in_run: false,
        },
        MountOf::Workspace(d, _) if d.read_only => Site {
            what: format!("workspace `{}`, declared `readOnly`", d.name),
            at: Some(format!("{}.readOnly", d.path)),
            in_run: false,
        },
        MountOf::Workspace(d, None) => Site {
            what: format!("workspace `{}`, bound when the task runs", d.name),
            at: None,
            in_run: false,
        },
        MountOf::Workspace(d, Some(b)) => match &b.volume {
            Some(v) => Site {
                what: if v.name == d.name {
                    format!(
                        "workspace `{}`, which this run binds to {}",
                        d.name,
                        article(source_noun(v.source, v.memory))
                    )
                } else {
                    format!(
                        "workspace `{}`, which this run binds as `{}` to {}",
                        d.name,
                        v.name,
                        article(source_noun(v.source, v.memory))
                    )
                },
                at: Some(v.source_path()),
                in_run: false,
            },
            None => Site {
                what: format!(
                    "workspace `{}`, which this run leaves unbound (its path is empty)",
                    d.name
                ),
                at: None,
                in_run: false,
            },
        },
        MountOf::Tekton => Site {
            what: format!("Tekton's own emptyDir at `{}`", m.at),
            at: None,
            in_run: false,
        },
    }
}

/// `emptyDir`, `emptyDir (medium: Memory)`, `persistentVolumeClaim`, …
fn source_noun(source: &str, memory: bool) -> &str {
    match (source, memory) {
        ("emptyDir", true) => "memory-backed emptyDir",
        ("", _) => "unknown",
        (s, _) => s,
    }
}

fn article(noun: &str) -> String {
    let vowel = noun.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {noun}", if vowel { "an" } else { "a" })
}

/// Where the storage-opening calls of a task put their storage root and temporary files, one
/// line per container and placement: `step "build" (spec.steps[0]): `buildah bud` at script
/// line 3, `buildah push` at script line 9: storage root `/var/lib/containers/storage` (default
/// as root) on emptyDir volume `cache` [node disk]; …`.
pub fn describe(task: &TaskContext<'_, '_>) -> Vec<String> {
    let mut out = Vec::new();
    for c in task.containers.iter().filter(|c| c.buildah.is_some()) {
        let mounts = mounts(task, c);
        // (where the paths land, the calls that put them there)
        let mut lines: Vec<(String, Vec<String>)> = Vec::new();
        for call in container_placements(task, c, &mounts) {
            let mut placed = String::new();
            for (i, (path, landing)) in call.paths.iter().enumerate() {
                placed.push_str(if i == 0 { "" } else { "; " });
                placed.push_str(path.kind.noun());
                match verdict(path, landing) {
                    Verdict::Unknown(why) => {
                        placed.push_str(" unknown: ");
                        placed.push_str(&why);
                    }
                    v => {
                        let site = site(landing);
                        placed.push_str(&format!(
                            " `{}` ({}) on {} [{v}]",
                            path.text, path.origin, site.what
                        ));
                    }
                }
            }
            let label = crate::rules::invocation_label(c, call.inv).to_string();
            match lines.iter_mut().find(|(p, _)| *p == placed) {
                Some((_, labels)) => labels.push(label),
                None => lines.push((placed, vec![label])),
            }
        }
        for (placed, labels) in lines {
            out.push(format!(
                "{}: {}: {placed}",
                c.container().describe(),
                labels.join(", ")
            ));
        }
    }
    out
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::On(Backing::Persistent) => f.write_str("persistent"),
            Verdict::On(Backing::NodeDisk) => f.write_str("node disk"),
            Verdict::On(Backing::Memory) => f.write_str("memory"),
            Verdict::On(Backing::ReadOnly) => f.write_str("read-only"),
            Verdict::On(Backing::Unknown) => f.write_str("unknown backing"),
            Verdict::RunTime => f.write_str("decided at run time"),
            Verdict::Unknown(why) => write!(f, "unknown: {why}"),
        }
    }
}

#[cfg(test)]
mod tests;
