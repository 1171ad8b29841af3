//! A typed, version-aware view of the Tekton objects the policy checks.
//!
//! The object arrives as loose JSON (an admission request, or YAML read by the CLI). This module
//! turns it into [`TaskSpec`]s holding the containers that run (steps, sidecars, the
//! `stepTemplate`, a StepAction's `spec`), each with the logical path it was found at. Nothing
//! here panics or gives up on malformed input: a field of the wrong type is reported as a
//! [`Malformed`] problem with its path, and the rest of the object is still read.

mod container;
mod follow;
mod merge;
mod params;
mod storage;

pub use container::{Container, EnvVar, ResourceNames, Role, Security};
pub use follow::{Referenced, Unresolved};
pub use merge::{MergedContainer, merge_step};
pub use params::{ParamDefault, Params, TektonRef, resolve_ref};
pub use storage::{
    Backing, PodTemplate, RunAs, RunBindings, SpecStorage, StepWorkspace, Volume, VolumeMount,
    WorkspaceBinding, WorkspaceDecl,
};

use crate::json::{Map, Value};
use crate::refs::Refs;

/// `base.key`: a field's path. Paths are built for every field the reader visits, so this
/// avoids the formatting machinery.
pub(crate) fn field_path(base: &str, key: &str) -> String {
    let mut path = String::with_capacity(base.len() + 1 + key.len());
    path.push_str(base);
    path.push('.');
    path.push_str(key);
    path
}

/// `base[i]`: a list item's path.
pub(crate) fn index_path(base: &str, i: usize) -> String {
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(i);
    let mut path = String::with_capacity(base.len() + 2 + digits.len());
    path.push_str(base);
    path.push('[');
    path.push_str(digits);
    path.push(']');
    path
}

/// The API versions whose field names differ for step resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ApiVersion {
    V1,
    V1beta1,
    V1alpha1,
}

impl ApiVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V1 => "tekton.dev/v1",
            ApiVersion::V1beta1 => "tekton.dev/v1beta1",
            ApiVersion::V1alpha1 => "tekton.dev/v1alpha1",
        }
    }
}

/// The Tekton kinds that carry steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Task,
    ClusterTask,
    TaskRun,
    Pipeline,
    PipelineRun,
    StepAction,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Task => "Task",
            Kind::ClusterTask => "ClusterTask",
            Kind::TaskRun => "TaskRun",
            Kind::Pipeline => "Pipeline",
            Kind::PipelineRun => "PipelineRun",
            Kind::StepAction => "StepAction",
        }
    }

    fn parse(kind: &str) -> Option<Kind> {
        Some(match kind {
            "Task" => Kind::Task,
            "ClusterTask" => Kind::ClusterTask,
            "TaskRun" => Kind::TaskRun,
            "Pipeline" => Kind::Pipeline,
            "PipelineRun" => Kind::PipelineRun,
            "StepAction" => Kind::StepAction,
            _ => return None,
        })
    }
}

/// A field of the wrong shape, found while reading the object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub path: String,
    pub message: String,
    /// Found in an object the checked one refers to (an index into [`Object::referenced`]).
    pub origin: Option<usize>,
}

/// Steps, sidecars and template of one task definition (a Task's `spec`, an embedded
/// `taskSpec`, or a StepAction's `spec` seen as a one-step task).
#[derive(Debug)]
pub struct TaskSpec<'v> {
    /// Logical path of the spec, e.g. `spec` or `spec.pipelineSpec.tasks[0].taskSpec`.
    pub path: String,
    pub params: Params<'v>,
    pub workspaces: Vec<&'v str>,
    pub step_template: Option<Container<'v>>,
    pub steps: Vec<Container<'v>>,
    pub sidecars: Vec<Container<'v>>,
    /// Volumes, workspaces and, in a run, their bindings: where files land.
    pub storage: SpecStorage<'v>,
    /// Read from an object the checked one refers to (an index into [`Object::referenced`]).
    pub origin: Option<usize>,
}

/// What the policy reads from one object.
#[derive(Debug)]
pub struct Object<'v> {
    pub kind: Kind,
    pub version: ApiVersion,
    pub name: Option<&'v str>,
    pub specs: Vec<TaskSpec<'v>>,
    pub malformed: Vec<Malformed>,
    /// The objects it refers to that were read with it (when references are followed).
    pub referenced: Vec<Referenced>,
    /// References that gave nothing to read, and why.
    pub unresolved: Vec<Unresolved>,
}

/// Why an object is not checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// Not a Tekton object, or a Tekton kind without steps.
    NotApplicable,
    /// A Tekton kind with steps, in an API version the policy does not know.
    UnsupportedVersion(String),
}

/// Deepest nesting of embedded pipelines (`pipelineSpec` inside a pipeline task) followed.
const MAX_PIPELINE_NESTING: usize = 8;

/// Reads an object. `Err(Malformed)` when the document itself is not a JSON object or its
/// `apiVersion`/`kind` are not strings.
pub fn read_object<'v>(value: &'v Value<'v>) -> Result<Result<Object<'v>, Skip>, Malformed> {
    read_object_with(value, None)
}

/// Reads an object and, with `refs`, what it refers to: a run's Task or Pipeline (read with
/// the run's bindings) and the StepActions its steps use.
pub fn read_object_with<'v>(
    value: &'v Value<'v>,
    refs: Option<&'v Refs<'v, 'v>>,
) -> Result<Result<Object<'v>, Skip>, Malformed> {
    let Some(obj) = value.as_object() else {
        return Err(Malformed {
            path: String::new(),
            message: format!("expected an object, found {}", describe(value)),
            origin: None,
        });
    };
    let api_version = match obj.get("apiVersion") {
        Some(Value::String(s)) => s.as_ref(),
        None | Some(Value::Null) => return Ok(Err(Skip::NotApplicable)),
        Some(other) => {
            return Err(Malformed {
                path: "apiVersion".into(),
                message: format!("expected a string, found {}", describe(other)),
                origin: None,
            });
        }
    };
    let kind = match obj.get("kind") {
        Some(Value::String(s)) => s.as_ref(),
        None | Some(Value::Null) => return Ok(Err(Skip::NotApplicable)),
        Some(other) => {
            return Err(Malformed {
                path: "kind".into(),
                message: format!("expected a string, found {}", describe(other)),
                origin: None,
            });
        }
    };
    let Some(version) = api_version.strip_prefix("tekton.dev/") else {
        return Ok(Err(Skip::NotApplicable));
    };
    let Some(kind) = Kind::parse(kind) else {
        return Ok(Err(Skip::NotApplicable));
    };
    let version = match (kind, version) {
        (_, "v1") if kind != Kind::StepAction => ApiVersion::V1,
        (_, "v1beta1") => ApiVersion::V1beta1,
        (Kind::StepAction, "v1alpha1") => ApiVersion::V1alpha1,
        _ => {
            // Only worth a warning when the object holds steps the policy would have read.
            let holds_steps = obj.get("spec").and_then(Value::as_object).is_some_and(|s| {
                [
                    "steps",
                    "taskSpec",
                    "pipelineSpec",
                    "tasks",
                    "finally",
                    "image",
                    "script",
                ]
                .iter()
                .any(|k| s.contains_key(k))
            });
            return Ok(Err(if holds_steps {
                Skip::UnsupportedVersion(api_version.to_string())
            } else {
                Skip::NotApplicable
            }));
        }
    };
    let mut reader = Reader {
        version,
        malformed: Vec::new(),
        specs: Vec::new(),
        scope: None,
        task_run_specs: Vec::new(),
        refs,
        origin: None,
        referenced: Vec::new(),
        unresolved_refs: Vec::new(),
        namespace: crate::refs::namespace_of(value),
    };
    let name = obj
        .get("metadata")
        .and_then(Value::as_object)
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str);
    match reader.object_field(obj, "spec", || "spec".into()) {
        None => {
            let needs_spec = matches!(
                kind,
                Kind::Task | Kind::ClusterTask | Kind::Pipeline | Kind::StepAction
            );
            if needs_spec && !obj.contains_key("spec") {
                reader.problem(
                    "spec",
                    format!("missing; a {} needs a `spec`", kind.as_str()),
                );
            }
        }
        Some(spec) => match kind {
            Kind::Task | Kind::ClusterTask => reader.task_spec(spec, "spec".into()),
            Kind::TaskRun => {
                let ts = reader.object_field(spec, "taskSpec", || "spec.taskSpec".into());
                let tr = reader.object_field(spec, "taskRef", || "spec.taskRef".into());
                if ts.is_some() || (tr.is_some() && reader.refs.is_some()) {
                    let pod = reader.pod_template(spec, "podTemplate", "spec");
                    reader.scope = Some(reader.run_scope(spec, pod));
                }
                if let Some(ts) = ts {
                    reader.task_spec(ts, "spec.taskSpec".into());
                } else if let Some(tr) = tr {
                    reader.follow_task_ref(tr, "spec.taskRef".into());
                }
            }
            Kind::Pipeline => reader.pipeline_spec(spec, "spec", 0),
            Kind::PipelineRun => {
                let ps = reader.object_field(spec, "pipelineSpec", || "spec.pipelineSpec".into());
                let pr = reader.object_field(spec, "pipelineRef", || "spec.pipelineRef".into());
                if ps.is_some() || (pr.is_some() && reader.refs.is_some()) {
                    let pod = reader.pipeline_run_pods(spec);
                    reader.scope = Some(reader.run_scope(spec, pod));
                }
                if let Some(ps) = ps {
                    reader.pipeline_spec(ps, "spec.pipelineSpec", 0);
                } else if let Some(pr) = pr {
                    reader.follow_pipeline_ref(pr, "spec.pipelineRef".into());
                }
            }
            Kind::StepAction => reader.step_action(spec),
        },
    }
    Ok(Ok(Object {
        kind,
        version,
        name,
        specs: reader.specs,
        malformed: reader.malformed,
        referenced: reader.referenced,
        unresolved: reader.unresolved_refs,
    }))
}

/// "a string", "a list", … for messages about wrong types.
pub fn describe(value: &Value<'_>) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

struct Reader<'v> {
    version: ApiVersion,
    malformed: Vec<Malformed>,
    specs: Vec<TaskSpec<'v>>,
    /// While reading a run: the workspace bindings and pod template in scope.
    scope: Option<storage::BindingScope<'v>>,
    /// A PipelineRun's `taskRunSpecs` pod templates, by pipeline task name.
    task_run_specs: Vec<(&'v str, PodTemplate<'v>)>,
    /// The objects references name, when they are followed.
    refs: Option<&'v Refs<'v, 'v>>,
    /// While reading a referenced object: its index in `referenced`.
    origin: Option<usize>,
    referenced: Vec<Referenced>,
    unresolved_refs: Vec<Unresolved>,
    /// The namespace of the checked object (references are looked up there).
    namespace: Option<&'v str>,
}

impl<'v> Reader<'v> {
    fn problem(&mut self, path: &str, message: String) {
        self.malformed.push(Malformed {
            path: path.to_string(),
            message,
            origin: self.origin,
        });
    }

    /// `obj[key]` when it is an object; `None` when absent or null; a problem otherwise.
    /// `path` is only written out when there is a problem (paths are paid for on every
    /// admission request).
    fn object_field(
        &mut self,
        obj: &'v Map<'v>,
        key: &str,
        path: impl FnOnce() -> String,
    ) -> Option<&'v Map<'v>> {
        match obj.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Object(m)) => Some(m),
            Some(other) => {
                self.problem(
                    &path(),
                    format!("expected an object, found {}", describe(other)),
                );
                None
            }
        }
    }

    /// `obj[key]` when it is a list; `None` when absent or null; a problem otherwise.
    fn list_field(
        &mut self,
        obj: &'v Map<'v>,
        key: &str,
        path: impl FnOnce() -> String,
    ) -> Option<&'v [Value<'v>]> {
        match obj.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Array(a)) => Some(a),
            Some(other) => {
                self.problem(
                    &path(),
                    format!("expected a list, found {}", describe(other)),
                );
                None
            }
        }
    }

    fn pipeline_spec(&mut self, spec: &'v Map<'v>, path: &str, depth: usize) {
        if depth > MAX_PIPELINE_NESTING {
            self.problem(path, "pipelines are nested too deeply to check".into());
            return;
        }
        for section in ["tasks", "finally"] {
            let Some(tasks) = self.list_field(spec, section, || field_path(path, section)) else {
                continue;
            };
            let list_path = field_path(path, section);
            for (i, task) in tasks.iter().enumerate() {
                let task_path = index_path(&list_path, i);
                let Some(task) = task.as_object() else {
                    self.problem(
                        &task_path,
                        format!("expected an object, found {}", describe(task)),
                    );
                    continue;
                };
                let saved_scope = self.scope.clone();
                if let Some(scope) = saved_scope.as_ref() {
                    let mapping = self.pipeline_task_workspaces(task, &task_path);
                    let pod = (depth == 0)
                        .then(|| task.get("name").and_then(Value::as_str))
                        .flatten()
                        .and_then(|n| self.task_run_specs.iter().find(|(t, _)| *t == n))
                        .map(|(_, p)| p.clone());
                    self.scope = Some(scope.for_pipeline_task(&mapping, pod));
                }
                let ts_path = || field_path(&task_path, "taskSpec");
                if let Some(ts) = self.object_field(task, "taskSpec", ts_path) {
                    // An embedded custom task carries its own kind; only Tasks have steps.
                    let custom = ts
                        .get("kind")
                        .and_then(Value::as_str)
                        .is_some_and(|k| k != "Task");
                    if !custom {
                        self.task_spec(ts, ts_path());
                    }
                } else if self.scope.is_some()
                    && self.refs.is_some()
                    && let Some(tr) = task.get("taskRef").and_then(Value::as_object)
                {
                    // In a run: the Task it names, with the run's bindings.
                    self.follow_task_ref(tr, field_path(&task_path, "taskRef"));
                }
                let ps_path = || field_path(&task_path, "pipelineSpec");
                if let Some(ps) = self.object_field(task, "pipelineSpec", ps_path) {
                    self.pipeline_spec(ps, &ps_path(), depth + 1);
                }
                self.scope = saved_scope;
            }
        }
    }

    fn task_spec(&mut self, spec: &'v Map<'v>, path: String) {
        let params = self.params(spec, &path);
        let decls = self.workspaces(spec, &path);
        let workspaces = decls.iter().map(|d| d.name).collect();
        let storage = SpecStorage {
            volumes: self.volumes(spec, &path),
            run: self.scope.as_ref().map(|s| s.bind(&decls)),
            workspaces: decls,
        };
        let template_path = || field_path(&path, "stepTemplate");
        let step_template = self
            .object_field(spec, "stepTemplate", template_path)
            .map(|t| self.container(t, Role::StepTemplate, 0, template_path()));
        let mut steps = Vec::new();
        let mut sidecars = Vec::new();
        for (key, role, out) in [
            ("steps", Role::Step, &mut steps),
            ("sidecars", Role::Sidecar, &mut sidecars),
        ] {
            let Some(list) = self.list_field(spec, key, || field_path(&path, key)) else {
                continue;
            };
            let list_path = field_path(&path, key);
            // Exactly as many as written: a container is large, and a `Vec`'s first
            // allocation holds four.
            out.reserve_exact(list.len());
            for (i, item) in list.iter().enumerate() {
                let item_path = index_path(&list_path, i);
                match item.as_object() {
                    Some(c) => {
                        let mut container = self.container(c, role, i, item_path);
                        if container.uses_ref
                            && self.refs.is_some()
                            && let Some(r) = c.get("ref").and_then(Value::as_object)
                        {
                            self.follow_step_ref(&mut container, r);
                        }
                        out.push(container);
                    }
                    None => self.problem(
                        &item_path,
                        format!("expected an object, found {}", describe(item)),
                    ),
                }
            }
        }
        self.push_spec(TaskSpec {
            path,
            params,
            workspaces,
            step_template,
            steps,
            sidecars,
            storage,
            origin: self.origin,
        });
    }

    /// Records a spec. Nearly every object has one, and a `Vec`'s first allocation holds four.
    fn push_spec(&mut self, spec: TaskSpec<'v>) {
        if self.specs.is_empty() {
            self.specs.reserve_exact(1);
        }
        self.specs.push(spec);
    }

    fn step_action(&mut self, spec: &'v Map<'v>) {
        let params = self.params(spec, "spec");
        let step = self.container(spec, Role::StepAction, 0, "spec".into());
        self.push_spec(TaskSpec {
            path: "spec".into(),
            params,
            workspaces: Vec::new(),
            step_template: None,
            steps: vec![step],
            sidecars: Vec::new(),
            storage: SpecStorage::default(),
            origin: self.origin,
        });
    }

    fn workspaces(&mut self, spec: &'v Map<'v>, path: &str) -> Vec<WorkspaceDecl<'v>> {
        let list_path = || field_path(path, "workspaces");
        let Some(list) = self.list_field(spec, "workspaces", list_path) else {
            return Vec::new();
        };
        let mut decls = Vec::with_capacity(list.len());
        for (i, ws) in list.iter().enumerate() {
            match (ws.get("name"), ws.as_object()) {
                (Some(Value::String(n)), Some(obj)) => {
                    decls.push(self.workspace_decl(obj, n, index_path(&list_path(), i)))
                }
                _ => self.problem(
                    &field_path(&index_path(&list_path(), i), "name"),
                    "expected the workspace's name as a string".into(),
                ),
            }
        }
        decls
    }
}

/// Splits a rendered logical path back into its segments: `spec.steps[0].env` becomes
/// `["spec", "steps", 0, "env"]`.
pub fn path_segments(path: &str) -> Vec<PathSegment<'_>> {
    let mut out = Vec::new();
    for piece in path.split('.').filter(|p| !p.is_empty()) {
        let (key, mut rest) = match piece.find('[') {
            Some(i) => (&piece[..i], &piece[i..]),
            None => (piece, ""),
        };
        if !key.is_empty() {
            out.push(PathSegment::Key(key));
        }
        while let Some(stripped) = rest.strip_prefix('[') {
            let Some(close) = stripped.find(']') else {
                break;
            };
            if let Ok(i) = stripped[..close].parse() {
                out.push(PathSegment::Index(i));
            }
            rest = &stripped[close + 1..];
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathSegment<'a> {
    Key(&'a str),
    Index(usize),
}
