//! What decides where a step's files land: the volumes and workspaces a Task declares, the
//! volume mounts and user of each container, and — when the object is a run — what the run
//! binds the workspaces to and the volumes and user its pod template adds.
//!
//! Only reading happens here; `crate::placement` judges the paths.

use super::{Reader, describe, field_path, index_path};
use crate::json::{Map, Value};

/// Where files written on a volume end up, as far as the node is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Backing {
    /// A PersistentVolumeClaim (also a generic ephemeral volume, a workspace's
    /// `volumeClaimTemplate`) or a network filesystem: not the node's ephemeral storage.
    Persistent,
    /// The node's ephemeral storage: an `emptyDir` on disk, a `hostPath`, the container's own
    /// writable layer.
    NodeDisk,
    /// An `emptyDir` with `medium: Memory`: counted against the container's memory.
    Memory,
    /// Mounted read-only: `configMap`, `secret`, `projected`, `downwardAPI`, `image`, or a
    /// volume or workspace mounted `readOnly`.
    ReadOnly,
    /// A source whose placement depends on a driver (`csi`, `flexVolume`) or that the policy
    /// does not know.
    Unknown,
}

/// Network and cloud volume sources: their bytes are not on the node's ephemeral storage.
const PERSISTENT_SOURCES: &[&str] = &[
    "persistentVolumeClaim",
    "ephemeral",
    "volumeClaimTemplate",
    "nfs",
    "iscsi",
    "rbd",
    "cephfs",
    "glusterfs",
    "fc",
    "awsElasticBlockStore",
    "gcePersistentDisk",
    "azureDisk",
    "azureFile",
    "cinder",
    "vsphereVolume",
    "portworxVolume",
    "photonPersistentDisk",
    "quobyte",
    "scaleIO",
    "storageos",
    "flocker",
];

/// Sources the kubelet always mounts read-only.
const READ_ONLY_SOURCES: &[&str] = &["configMap", "secret", "projected", "downwardAPI", "image"];

/// A volume source (a pod volume, or what a run binds a workspace to).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume<'v> {
    /// The volume's name (or the run's workspace name for a binding).
    pub name: &'v str,
    /// The source's key: `emptyDir`, `persistentVolumeClaim`, `volumeClaimTemplate`, …
    /// (empty when the entry names none).
    pub source: &'v str,
    /// `emptyDir.medium: Memory`.
    pub memory: bool,
    /// The source itself is mounted read-only (`persistentVolumeClaim.readOnly`, …).
    pub read_only: bool,
    /// Path of the entry: `spec.volumes[1]`, `spec.workspaces[0]`.
    pub path: String,
}

impl Volume<'_> {
    pub fn backing(&self) -> Backing {
        let s = self.source;
        if READ_ONLY_SOURCES.contains(&s) || self.read_only {
            Backing::ReadOnly
        } else if s == "emptyDir" && self.memory {
            Backing::Memory
        } else if matches!(s, "emptyDir" | "hostPath" | "gitRepo") {
            Backing::NodeDisk
        } else if PERSISTENT_SOURCES.contains(&s) {
            Backing::Persistent
        } else {
            Backing::Unknown
        }
    }

    /// Path of the field that decides the backing: `spec.volumes[1].emptyDir`,
    /// `spec.volumes[0].emptyDir.medium`.
    pub fn source_path(&self) -> String {
        if self.source.is_empty() {
            return self.path.clone();
        }
        let source = field_path(&self.path, self.source);
        if self.memory {
            field_path(&source, "medium")
        } else if self.read_only && !READ_ONLY_SOURCES.contains(&self.source) {
            field_path(&source, "readOnly")
        } else {
            source
        }
    }
}

/// A workspace a Task declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceDecl<'v> {
    pub name: &'v str,
    /// `mountPath`, when it is set (else `/workspace/<name>`).
    pub mount_path: Option<&'v str>,
    pub read_only: bool,
    pub optional: bool,
    /// `spec.workspaces[0]`.
    pub path: String,
}

impl WorkspaceDecl<'_> {
    /// Where the workspace is mounted in the steps (unless a step says otherwise).
    pub fn mount_path(&self) -> String {
        match self.mount_path {
            Some(p) if !p.is_empty() => p.to_string(),
            _ => ["/workspace/", self.name].concat(),
        }
    }
}

/// A container's `volumeMounts` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeMount<'v> {
    pub name: &'v str,
    pub mount_path: &'v str,
    pub read_only: bool,
    /// `spec.steps[0].volumeMounts[1]`.
    pub path: String,
}

/// A step's own `workspaces` entry (isolated workspaces): the step mounts only these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepWorkspace<'v> {
    pub name: &'v str,
    pub mount_path: Option<&'v str>,
}

/// Who a container runs as (`securityContext.runAsUser` / `runAsNonRoot`), each with its path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunAs {
    pub user: Option<(i64, String)>,
    pub non_root: Option<(bool, String)>,
}

impl RunAs {
    /// Fields this one leaves unset come from `outer` (a step over its template, a container
    /// over its pod).
    pub fn or(&self, outer: &RunAs) -> RunAs {
        RunAs {
            user: self.user.clone().or_else(|| outer.user.clone()),
            non_root: self.non_root.clone().or_else(|| outer.non_root.clone()),
        }
    }
}

/// What a run's pod template adds (`spec.podTemplate`, `spec.taskRunTemplate.podTemplate`,
/// a `taskRunSpecs` entry's).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodTemplate<'v> {
    pub volumes: Vec<Volume<'v>>,
    pub run_as: RunAs,
}

/// How a run binds one of a Task's workspaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceBinding<'v> {
    /// The Task's name for the workspace.
    pub workspace: &'v str,
    /// What backs it (`None`: the run binds nothing to it; only an optional workspace may be
    /// left so, and its path is then empty).
    pub volume: Option<Volume<'v>>,
    /// Where a pipeline passes it on to the task, when it does: `spec.pipelineSpec.tasks[0].workspaces[1]`.
    pub via: Option<String>,
}

/// What the run that embeds a task spec decides about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunBindings<'v> {
    /// One entry per workspace the task declares, in declaration order.
    pub workspaces: Vec<WorkspaceBinding<'v>>,
    pub pod: PodTemplate<'v>,
}

impl<'v> RunBindings<'v> {
    pub fn binding(&self, workspace: &str) -> Option<&WorkspaceBinding<'v>> {
        self.workspaces.iter().find(|b| b.workspace == workspace)
    }
}

/// The storage side of a task spec.
#[derive(Debug, Clone, Default)]
pub struct SpecStorage<'v> {
    pub volumes: Vec<Volume<'v>>,
    pub workspaces: Vec<WorkspaceDecl<'v>>,
    /// `None` for a Task, a Pipeline or a StepAction: their workspaces are bound when they run.
    pub run: Option<RunBindings<'v>>,
}

/// Workspace bindings in scope while reading a run: the run's own (by its workspace names),
/// with what a pipeline task maps them to.
#[derive(Debug, Clone, Default)]
pub(super) struct BindingScope<'v> {
    /// Name → what backs it, in lookup order (a pipeline task's mapping first, then the
    /// names of the level above, which Tekton propagates to embedded specs).
    pub names: Vec<(&'v str, Option<Volume<'v>>, Option<String>)>,
    pub pod: PodTemplate<'v>,
}

impl<'v> BindingScope<'v> {
    fn lookup(&self, name: &str) -> Option<(Option<Volume<'v>>, Option<String>)> {
        self.names
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, v, via)| (v.clone(), via.clone()))
    }

    /// The bindings of a task spec that declares `decls`.
    pub fn bind(&self, decls: &[WorkspaceDecl<'v>]) -> RunBindings<'v> {
        RunBindings {
            workspaces: decls
                .iter()
                .map(|d| {
                    let (volume, via) = self.lookup(d.name).unwrap_or((None, None));
                    WorkspaceBinding {
                        workspace: d.name,
                        volume,
                        via,
                    }
                })
                .collect(),
            pod: self.pod.clone(),
        }
    }

    /// The scope of a pipeline task: its `workspaces` mapping (`name` → the pipeline's
    /// `workspace`), then the pipeline's own names.
    pub fn for_pipeline_task(
        &self,
        mapping: &[(&'v str, &'v str, String)],
        pod: Option<PodTemplate<'v>>,
    ) -> BindingScope<'v> {
        let mut names: Vec<(&'v str, Option<Volume<'v>>, Option<String>)> = mapping
            .iter()
            .map(|(task_name, pipeline_name, path)| {
                let volume = self.lookup(pipeline_name).and_then(|(v, _)| v);
                (*task_name, volume, Some(path.clone()))
            })
            .collect();
        names.extend(self.names.iter().cloned());
        BindingScope {
            names,
            pod: match pod {
                Some(p) => PodTemplate {
                    volumes: if p.volumes.is_empty() {
                        self.pod.volumes.clone()
                    } else {
                        p.volumes
                    },
                    run_as: p.run_as.or(&self.pod.run_as),
                },
                None => self.pod.clone(),
            },
        }
    }
}

impl<'v> Reader<'v> {
    /// `volumes` of a task spec or pod template.
    pub(super) fn volumes(&mut self, obj: &'v Map<'v>, path: &str) -> Vec<Volume<'v>> {
        let list_path = || field_path(path, "volumes");
        let Some(list) = self.list_field(obj, "volumes", list_path) else {
            return Vec::new();
        };
        let list_path = list_path();
        let mut out = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            let item_path = index_path(&list_path, i);
            if let Some(v) = self.volume(item, item_path) {
                out.push(v);
            }
        }
        out
    }

    /// One volume or workspace binding: `{name, <source>: {…}}`.
    fn volume(&mut self, item: &'v Value<'v>, path: String) -> Option<Volume<'v>> {
        let Some(obj) = item.as_object() else {
            self.problem(
                &path,
                format!("expected an object, found {}", describe(item)),
            );
            return None;
        };
        let name = match obj.get("name") {
            Some(Value::String(n)) => n.as_ref(),
            _ => {
                self.problem(
                    &field_path(&path, "name"),
                    "expected the name as a string".into(),
                );
                return None;
            }
        };
        let (source, body) = obj
            .entries()
            .iter()
            .find(|(k, v)| k != "name" && k != "subPath" && !v.is_null())
            .map_or(("", None), |(k, v)| (k.as_ref(), v.as_object()));
        let flag = |key: &str| {
            body.and_then(|b| b.get(key))
                .is_some_and(|v| v.as_bool() == Some(true))
        };
        let memory = source == "emptyDir"
            && body
                .and_then(|b| b.get("medium"))
                .and_then(Value::as_str)
                .is_some_and(|m| m == "Memory");
        Some(Volume {
            name,
            source,
            memory,
            read_only: flag("readOnly"),
            path,
        })
    }

    /// One of a task spec's `workspaces`, with where and how it is mounted.
    pub(super) fn workspace_decl(
        &mut self,
        obj: &'v Map<'v>,
        name: &'v str,
        path: String,
    ) -> WorkspaceDecl<'v> {
        WorkspaceDecl {
            name,
            mount_path: self.string_field(obj, "mountPath", &path),
            read_only: self.bool_field(obj, "readOnly", &path),
            optional: self.bool_field(obj, "optional", &path),
            path,
        }
    }

    fn bool_field(&mut self, obj: &'v Map<'v>, key: &str, path: &str) -> bool {
        match obj.get(key) {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                self.problem(
                    &field_path(path, key),
                    format!("expected a boolean, found {}", describe(other)),
                );
                false
            }
        }
    }

    /// A container's `volumeMounts`.
    pub(super) fn volume_mounts(&mut self, c: &'v Map<'v>, path: &str) -> Vec<VolumeMount<'v>> {
        let list_path = || field_path(path, "volumeMounts");
        let Some(list) = self.list_field(c, "volumeMounts", list_path) else {
            return Vec::new();
        };
        let list_path = list_path();
        let mut out = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            let item_path = index_path(&list_path, i);
            let Some(m) = item.as_object() else {
                self.problem(
                    &item_path,
                    format!("expected an object, found {}", describe(item)),
                );
                continue;
            };
            let name = self.string_field(m, "name", &item_path);
            let mount_path = self.string_field(m, "mountPath", &item_path);
            let read_only = self.bool_field(m, "readOnly", &item_path);
            let (Some(name), Some(mount_path)) = (name, mount_path) else {
                self.problem(
                    &item_path,
                    "a volume mount needs a `name` and a `mountPath`".into(),
                );
                continue;
            };
            out.push(VolumeMount {
                name,
                mount_path,
                read_only,
                path: item_path,
            });
        }
        out
    }

    /// A step's own `workspaces` (isolated workspaces), when it lists them.
    pub(super) fn step_workspaces(
        &mut self,
        c: &'v Map<'v>,
        path: &str,
    ) -> Option<Vec<StepWorkspace<'v>>> {
        let list = self.list_field(c, "workspaces", || field_path(path, "workspaces"))?;
        Some(
            list.iter()
                .filter_map(Value::as_object)
                .filter_map(|w| {
                    Some(StepWorkspace {
                        name: w.get("name").and_then(Value::as_str)?,
                        mount_path: w.get("mountPath").and_then(Value::as_str),
                    })
                })
                .collect(),
        )
    }

    /// `runAsUser` and `runAsNonRoot` of a `securityContext`.
    pub(super) fn run_as(&mut self, sc: &'v Map<'v>, sc_path: &str) -> RunAs {
        let mut run_as = RunAs::default();
        match sc.get("runAsUser") {
            None | Some(Value::Null) => {}
            Some(Value::Number(n)) if n.as_i64().is_some() => {
                let uid = n.as_i64().unwrap_or_default();
                run_as.user = Some((uid, field_path(sc_path, "runAsUser")));
            }
            Some(other) => self.problem(
                &field_path(sc_path, "runAsUser"),
                format!("expected an integer, found {}", describe(other)),
            ),
        }
        if let Some(b) = sc.get("runAsNonRoot").filter(|v| !v.is_null()) {
            match b {
                Value::Bool(b) => run_as.non_root = Some((*b, field_path(sc_path, "runAsNonRoot"))),
                other => self.problem(
                    &field_path(sc_path, "runAsNonRoot"),
                    format!("expected a boolean, found {}", describe(other)),
                ),
            }
        }
        run_as
    }

    /// A run's pod template at `obj[key]`.
    pub(super) fn pod_template(
        &mut self,
        obj: &'v Map<'v>,
        key: &str,
        path: &str,
    ) -> Option<PodTemplate<'v>> {
        let pt_path = field_path(path, key);
        let pt = self.object_field(obj, key, || pt_path.clone())?;
        let volumes = self.volumes(pt, &pt_path);
        let sc_path = field_path(&pt_path, "securityContext");
        let run_as = match self.object_field(pt, "securityContext", || sc_path.clone()) {
            Some(sc) => self.run_as(sc, &sc_path),
            None => RunAs::default(),
        };
        Some(PodTemplate { volumes, run_as })
    }

    /// A run's `spec.workspaces`: the scope its task or pipeline spec is read in.
    pub(super) fn run_scope(
        &mut self,
        spec: &'v Map<'v>,
        pod: Option<PodTemplate<'v>>,
    ) -> BindingScope<'v> {
        let mut names = Vec::new();
        if let Some(list) = self.list_field(spec, "workspaces", || "spec.workspaces".into()) {
            for (i, item) in list.iter().enumerate() {
                if let Some(v) = self.volume(item, index_path("spec.workspaces", i)) {
                    names.push((v.name, Some(v), None));
                }
            }
        }
        BindingScope {
            names,
            pod: pod.unwrap_or_default(),
        }
    }

    /// A pipeline task's `workspaces`: (the task's name, the pipeline's name, path).
    pub(super) fn pipeline_task_workspaces(
        &mut self,
        task: &'v Map<'v>,
        path: &str,
    ) -> Vec<(&'v str, &'v str, String)> {
        let Some(list) = self.list_field(task, "workspaces", || field_path(path, "workspaces"))
        else {
            return Vec::new();
        };
        let list_path = field_path(path, "workspaces");
        let mut out = Vec::new();
        for (i, item) in list.iter().enumerate() {
            let Some(w) = item.as_object() else { continue };
            let Some(name) = w.get("name").and_then(Value::as_str) else {
                continue;
            };
            // Without `workspace`, the pipeline's workspace of the same name.
            let pipeline = w.get("workspace").and_then(Value::as_str).unwrap_or(name);
            out.push((name, pipeline, index_path(&list_path, i)));
        }
        out
    }
}

impl<'v> Reader<'v> {
    /// A PipelineRun's pod templates: the one for every task (`taskRunTemplate.podTemplate` in
    /// v1, `podTemplate` in v1beta1), and those of `taskRunSpecs`, kept by task name.
    pub(super) fn pipeline_run_pods(&mut self, spec: &'v Map<'v>) -> Option<PodTemplate<'v>> {
        let (global, per_task_key) = match self.version {
            super::ApiVersion::V1 => {
                let trt =
                    self.object_field(spec, "taskRunTemplate", || "spec.taskRunTemplate".into());
                (
                    trt.and_then(|t| self.pod_template(t, "podTemplate", "spec.taskRunTemplate")),
                    "podTemplate",
                )
            }
            _ => (
                self.pod_template(spec, "podTemplate", "spec"),
                "taskPodTemplate",
            ),
        };
        if let Some(list) = self.list_field(spec, "taskRunSpecs", || "spec.taskRunSpecs".into()) {
            for (i, item) in list.iter().enumerate() {
                let Some(obj) = item.as_object() else {
                    continue;
                };
                let Some(name) = obj.get("pipelineTaskName").and_then(Value::as_str) else {
                    continue;
                };
                let path = index_path("spec.taskRunSpecs", i);
                if let Some(pod) = self.pod_template(obj, per_task_key, &path) {
                    self.task_run_specs.push((name, pod));
                }
            }
        }
        global
    }
}
