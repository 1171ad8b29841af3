//! Reading what a run refers to as if it were embedded: a TaskRun's `taskRef`, a PipelineRun's
//! `pipelineRef` and its pipeline tasks' `taskRef`s, read with the run's workspace bindings and
//! pod template; and a step's `ref` to a StepAction, read as the step's program. The objects
//! come from [`Refs`], which a resolver filled beforehand (see `crate::refs`).

use super::{ApiVersion, Container, Params, Reader, field_path};
use crate::json::{Map, Value};
use crate::refs::{Failure, RefKey, RefKind, Refs, Target, target};

/// An object a run refers to, read along with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referenced {
    pub key: RefKey,
    /// Where the reference is written: `spec.taskRef`, `spec.pipelineSpec.tasks[1].taskRef`
    /// (in the run), or `spec.tasks[0].taskRef` of the referenced object `parent`.
    pub at: String,
    pub parent: Option<usize>,
}

/// A reference that gave nothing to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    /// Where the reference is written, in the run (or the referenced object `origin`).
    pub at: String,
    pub origin: Option<usize>,
    /// The kind the reference names.
    pub kind: RefKind,
    /// `Task/buildah`, what was named, when a name was given.
    pub key: Option<RefKey>,
    /// Why it gave nothing.
    pub reason: String,
}

impl<'v> Reader<'v> {
    /// Follows a `taskRef` (of a TaskRun, or of a pipeline task of a run) written at `at`.
    pub(super) fn follow_task_ref(&mut self, r: &'v Map<'v>, at: String) {
        let Some(task) = self.lookup(r, RefKind::Task, &at) else {
            return;
        };
        let (value, key) = task;
        let expected = key.kind.as_str();
        let Some(obj) = value.as_object() else {
            return;
        };
        if obj.get("kind").and_then(Value::as_str) != Some(expected) {
            self.unresolved(
                &at,
                Some(key),
                format!("what was found is not a {expected}"),
            );
            return;
        }
        let Some(spec) = obj.get("spec").and_then(Value::as_object) else {
            self.unresolved(&at, Some(key), "it has no `spec`".into());
            return;
        };
        self.within(obj, key, at, |reader| reader.task_spec(spec, "spec".into()));
    }

    /// Follows a PipelineRun's `pipelineRef` written at `at`.
    pub(super) fn follow_pipeline_ref(&mut self, r: &'v Map<'v>, at: String) {
        let Some((value, key)) = self.lookup(r, RefKind::Pipeline, &at) else {
            return;
        };
        let Some(obj) = value.as_object() else {
            return;
        };
        let Some(spec) = obj.get("spec").and_then(Value::as_object) else {
            self.unresolved(&at, Some(key), "it has no `spec`".into());
            return;
        };
        self.within(obj, key, at, |reader| reader.pipeline_spec(spec, "spec", 0));
    }

    /// A step's `ref`: the StepAction's program (image, command, args, script, env, working
    /// directory, volume mounts, security context) with the step's name and resources, and
    /// the StepAction's parameters given the step's values.
    pub(super) fn follow_step_ref(&mut self, step: &mut Container<'v>, r: &'v Map<'v>) {
        let at = field_path(&step.path, "ref");
        let Some((value, key)) = self.lookup(r, RefKind::StepAction, &at) else {
            return;
        };
        let Some(spec) = value
            .as_object()
            .filter(|o| o.get("kind").and_then(Value::as_str) == Some("StepAction"))
            .and_then(|o| o.get("spec"))
            .and_then(Value::as_object)
        else {
            self.unresolved(&at, Some(key), "what was found is not a StepAction".into());
            return;
        };
        let saved_version = self.version;
        self.version = ApiVersion::V1beta1;
        let index = self.referenced.len();
        self.referenced.push(Referenced {
            key,
            at,
            parent: self.origin,
        });
        let saved_origin = self.origin.replace(index);
        let mut action = self.container(spec, step.role, step.index, "spec".into());
        let params = self.params(spec, "spec");
        self.origin = saved_origin;
        self.version = saved_version;
        action.params = Some(step_params(params, step.given_params.take()));
        action.origin = Some(index);
        action.name = step.name;
        action.compute = step.compute.take();
        action.misnamed_resources = step.misnamed_resources;
        action.v1beta1_resources = step.v1beta1_resources;
        if action.security.privileged.is_none() && action.security.cap_add.is_none() {
            action.security = std::mem::take(&mut step.security);
        }
        *step = action;
    }

    /// Looks a reference up; records why when there is nothing to read.
    fn lookup(
        &mut self,
        r: &'v Map<'v>,
        default: RefKind,
        at: &str,
    ) -> Option<(&'v Value<'v>, RefKey)> {
        let refs: &Refs<'_, 'v> = self.refs?;
        let key = match target(r, default, self.namespace) {
            Target::Key(k) => k,
            Target::NotFollowed(why) => {
                self.unresolved_kind(at, default, None, why);
                return None;
            }
            Target::Ignored => return None,
        };
        match refs.get(&key) {
            Some(Ok(v)) => Some((v, key)),
            Some(Err(Failure::NotFound)) => {
                let why = format!("it was not found {}", refs.place);
                self.unresolved(at, Some(key), why);
                None
            }
            Some(Err(Failure::Error(e))) => {
                self.unresolved(at, Some(key), format!("looking it up failed: {e}"));
                None
            }
            None => {
                let why = "the run refers to too many objects to look them all up".into();
                self.unresolved(at, Some(key), why);
                None
            }
        }
    }

    /// Reads a referenced object (its API version, its origin) with `read`.
    fn within(&mut self, obj: &'v Map<'v>, key: RefKey, at: String, read: impl FnOnce(&mut Self)) {
        if self.referenced.iter().filter(|r| r.key == key).count() > 4 {
            // The same object reached again and again (a Pipeline listing one Task many
            // times is read each time; a cycle is not possible, but stay bounded).
            return;
        }
        let version = match obj.get("apiVersion").and_then(Value::as_str) {
            Some("tekton.dev/v1") => ApiVersion::V1,
            Some("tekton.dev/v1beta1") => ApiVersion::V1beta1,
            Some(other) => {
                let why = format!("its apiVersion `{other}` is not one the policy reads");
                self.unresolved(&at, Some(key), why);
                return;
            }
            None => {
                self.unresolved(&at, Some(key), "it has no `apiVersion`".into());
                return;
            }
        };
        let saved_version = std::mem::replace(&mut self.version, version);
        let index = self.referenced.len();
        self.referenced.push(Referenced {
            key,
            at,
            parent: self.origin,
        });
        let saved_origin = self.origin.replace(index);
        read(self);
        self.origin = saved_origin;
        self.version = saved_version;
    }

    fn unresolved(&mut self, at: &str, key: Option<RefKey>, reason: String) {
        let kind = key.as_ref().map_or(RefKind::Task, |k| k.kind);
        self.unresolved_kind(at, kind, key, reason);
    }

    fn unresolved_kind(&mut self, at: &str, kind: RefKind, key: Option<RefKey>, reason: String) {
        self.unresolved_refs.push(Unresolved {
            at: at.to_string(),
            origin: self.origin,
            kind,
            key,
            reason,
        });
    }
}

/// The StepAction's parameters, with the values the step gives (literal ones: a value that
/// refers to something else is only known when the run starts).
fn step_params<'v>(mut params: Params<'v>, given: Option<Vec<(&'v str, &'v str)>>) -> Params<'v> {
    for (name, value) in given.into_iter().flatten() {
        let default = if value.contains("$(") {
            super::ParamDefault::None
        } else {
            super::ParamDefault::String(value)
        };
        match params.decls.iter_mut().find(|(n, _)| *n == name) {
            Some(d) => d.1 = default,
            None => params.decls.push((name, default)),
        }
    }
    params
}
