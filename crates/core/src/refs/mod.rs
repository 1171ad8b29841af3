//! References between Tekton objects: a run's `taskRef` and `pipelineRef`, a pipeline task's
//! `taskRef`, a step's `ref` to a StepAction. A run is where the workspaces are bound and the
//! Task is where the paths are written: only together do they say where a build's bytes land.
//!
//! Resolution happens in two phases. [`fetch`] walks the object, asks a [`Resolver`] for every
//! object it names (and for what those name in turn: a Pipeline's Tasks, a Task's
//! StepActions), and keeps the answers. The Tekton reader then reads the referenced specs with
//! the run's bindings, as if they were embedded ([`Refs`]). References through a resolver
//! (`resolver: git|hub|bundles|cluster|http`) or an OCI bundle are not followed, and say so.

use crate::json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

mod index;
#[cfg(test)]
mod tests;

pub use index::{Index, indexable};

/// The kinds a reference names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RefKind {
    Task,
    ClusterTask,
    Pipeline,
    StepAction,
}

impl RefKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RefKind::Task => "Task",
            RefKind::ClusterTask => "ClusterTask",
            RefKind::Pipeline => "Pipeline",
            RefKind::StepAction => "StepAction",
        }
    }

    /// The API version to ask the API server for: Tasks and Pipelines are served as
    /// `tekton.dev/v1` whatever version they were written in; ClusterTasks and StepActions
    /// only as `tekton.dev/v1beta1`.
    pub fn api_version(self) -> &'static str {
        match self {
            RefKind::Task | RefKind::Pipeline => "tekton.dev/v1",
            RefKind::ClusterTask | RefKind::StepAction => "tekton.dev/v1beta1",
        }
    }

    /// Whether objects of this kind live in a namespace.
    pub fn namespaced(self) -> bool {
        self != RefKind::ClusterTask
    }
}

/// What a reference names: kind, name and, for namespaced kinds, the namespace of the object
/// that refers (`None` when that object names none: the CLI then takes any).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RefKey {
    pub kind: RefKind,
    pub name: String,
    pub namespace: Option<String>,
}

impl fmt::Display for RefKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind.as_str(), self.name)?;
        if let Some(ns) = &self.namespace {
            write!(f, " in namespace `{ns}`")?;
        }
        Ok(())
    }
}

/// Why a lookup gave nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    NotFound,
    /// The lookup itself failed (denied, the API server did not answer, …): why.
    Error(String),
}

/// Finds the objects references name: the CLI among the files it reads, the policy through
/// Kubewarden's host capabilities.
pub trait Resolver<'v> {
    fn resolve(&self, key: &RefKey) -> Result<Cow<'v, Value<'v>>, Failure>;

    /// Where to say the object was looked for, in messages: `among the linted files`,
    /// `in the cluster`.
    fn place(&self) -> &'static str;
}

/// A reference as written in an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An object to look up.
    Key(RefKey),
    /// A reference the analysis does not follow: why (a resolver, a bundle).
    NotFollowed(String),
    /// Not a reference to something with steps (a custom task, an empty reference).
    Ignored,
}

/// Reads a `taskRef`, `pipelineRef` or step `ref` object.
pub fn target(r: &Map<'_>, default: RefKind, namespace: Option<&str>) -> Target {
    if let Some(resolver) = r.get("resolver").and_then(Value::as_str) {
        return Target::NotFollowed(format!(
            "it goes through the `{resolver}` resolver, which is not followed"
        ));
    }
    if r.get("bundle").and_then(Value::as_str).is_some() {
        return Target::NotFollowed("it names an OCI bundle, which is not followed".into());
    }
    if let Some(api) = r.get("apiVersion").and_then(Value::as_str)
        && !api.starts_with("tekton.dev/")
    {
        return Target::Ignored;
    }
    let kind = match (default, r.get("kind").and_then(Value::as_str)) {
        (RefKind::Task, None | Some("Task")) => RefKind::Task,
        (RefKind::Task, Some("ClusterTask")) => RefKind::ClusterTask,
        (RefKind::Task, Some(_)) => return Target::Ignored,
        (kind, _) => kind,
    };
    match r.get("name").and_then(Value::as_str) {
        Some(name) if !name.is_empty() && !name.contains("$(") => Target::Key(RefKey {
            kind,
            name: name.to_string(),
            namespace: namespace.filter(|_| kind.namespaced()).map(str::to_string),
        }),
        Some(name) if !name.is_empty() => Target::NotFollowed(format!(
            "its name `{name}` is only known when the run starts"
        )),
        _ => Target::Ignored,
    }
}

/// Most objects one check looks up: a PipelineRun of a large Pipeline and its StepActions
/// stay far below it; the rest is reported, not fetched.
pub const MAX_LOOKUPS: usize = 64;

/// What the resolver answered for each reference an object needs.
#[derive(Debug, Default)]
pub struct Fetched<'v> {
    answers: Vec<(RefKey, Result<Cow<'v, Value<'v>>, Failure>)>,
    /// Where the resolver looked (for messages).
    pub place: &'static str,
}

/// The answers, borrowed for reading.
#[derive(Debug, Default)]
pub struct Refs<'a, 'v> {
    answers: Vec<(&'a RefKey, Result<&'a Value<'v>, &'a Failure>)>,
    pub place: &'static str,
}

impl<'v> Fetched<'v> {
    pub fn refs(&self) -> Refs<'_, 'v> {
        Refs {
            answers: self
                .answers
                .iter()
                .map(|(k, r)| (k, r.as_ref().map(|c| c.as_ref())))
                .collect(),
            place: self.place,
        }
    }

    fn has(&self, key: &RefKey) -> bool {
        self.answers.iter().any(|(k, _)| k == key)
    }
}

impl<'a, 'v> Refs<'a, 'v> {
    /// The answer for a key: the object, or why there is none (`None`: it was not looked up,
    /// past [`MAX_LOOKUPS`]).
    pub fn get(&self, key: &RefKey) -> Option<Result<&'a Value<'v>, &'a Failure>> {
        self.answers
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, r)| *r)
    }
}

/// Looks up everything `object` refers to, and what those objects refer to in turn.
pub fn fetch<'v>(object: &Value<'_>, resolver: &dyn Resolver<'v>) -> Fetched<'v> {
    let mut fetched = Fetched {
        answers: Vec::new(),
        place: resolver.place(),
    };
    let mut wanted = Vec::new();
    let namespace = namespace_of(object);
    collect(object, namespace, false, &mut wanted);
    let mut next = 0;
    while next < wanted.len() {
        let key: RefKey = wanted[next].clone();
        next += 1;
        if fetched.has(&key) {
            continue;
        }
        if fetched.answers.len() >= MAX_LOOKUPS {
            break;
        }
        let answer = resolver.resolve(&key);
        if let Ok(found) = &answer {
            // A Pipeline's Tasks, a Task's StepActions, in the namespace the run is in.
            let ns = key.namespace.as_deref().or(namespace);
            collect(found.as_ref(), ns, true, &mut wanted);
        }
        fetched.answers.push((key, answer));
    }
    fetched
}

/// What an object fetched for a run names in turn (a Pipeline's Tasks, a Task's
/// StepActions), in its namespace or `namespace`.
pub fn named_by(object: &Value<'_>, namespace: Option<&str>) -> Vec<RefKey> {
    let mut out = Vec::new();
    collect(object, namespace_of(object).or(namespace), true, &mut out);
    out
}

/// `metadata.namespace` of an object.
pub fn namespace_of<'a>(object: &'a Value<'_>) -> Option<&'a str> {
    object
        .get("metadata")
        .and_then(|m| m.get("namespace"))
        .and_then(Value::as_str)
        .filter(|ns| !ns.is_empty())
}

/// The keys an object's references name (its `spec` only: a run's `taskRef`/`pipelineRef`, a
/// pipeline's tasks, steps' `ref`s).
fn collect(object: &Value<'_>, namespace: Option<&str>, follow_tasks: bool, out: &mut Vec<RefKey>) {
    let Some(spec) = object.get("spec").and_then(Value::as_object) else {
        return;
    };
    let mut push = |t: Target| {
        if let Target::Key(k) = t {
            out.push(k);
        }
    };
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or("");
    match kind {
        "TaskRun" => {
            if let Some(r) = spec.get("taskRef").and_then(Value::as_object) {
                push(target(r, RefKind::Task, namespace));
            }
            if let Some(ts) = spec.get("taskSpec").and_then(Value::as_object) {
                task_refs(ts, namespace, &mut push);
            }
        }
        "PipelineRun" => {
            if let Some(r) = spec.get("pipelineRef").and_then(Value::as_object) {
                push(target(r, RefKind::Pipeline, namespace));
            }
            if let Some(ps) = spec.get("pipelineSpec").and_then(Value::as_object) {
                pipeline_refs(ps, namespace, &mut push, true, 0);
            }
        }
        // Fetched for a run: its Tasks too. Checked on its own, a Pipeline's Tasks are not
        // followed (they are checked when applied): only its embedded steps' StepActions.
        "Pipeline" => pipeline_refs(spec, namespace, &mut push, follow_tasks, 0),
        "Task" | "ClusterTask" => task_refs(spec, namespace, &mut push),
        _ => {}
    }
}

fn pipeline_refs(
    spec: &Map<'_>,
    namespace: Option<&str>,
    push: &mut impl FnMut(Target),
    follow_tasks: bool,
    depth: usize,
) {
    if depth > 8 {
        return;
    }
    for section in ["tasks", "finally"] {
        for task in spec
            .get(section)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
        {
            if let Some(r) = task.get("taskRef").and_then(Value::as_object)
                && follow_tasks
            {
                push(target(r, RefKind::Task, namespace));
            }
            if let Some(ts) = task.get("taskSpec").and_then(Value::as_object) {
                task_refs(ts, namespace, push);
            }
            if let Some(ps) = task.get("pipelineSpec").and_then(Value::as_object) {
                pipeline_refs(ps, namespace, push, follow_tasks, depth + 1);
            }
        }
    }
}

fn task_refs(spec: &Map<'_>, namespace: Option<&str>, push: &mut impl FnMut(Target)) {
    for step in spec
        .get("steps")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
    {
        if let Some(r) = step.get("ref").and_then(Value::as_object) {
            push(target(r, RefKind::StepAction, namespace));
        }
    }
}
