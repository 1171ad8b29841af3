//! One container of a task: a step, a sidecar, the `stepTemplate`, or a StepAction's `spec`.

use super::storage::{RunAs, StepWorkspace, VolumeMount};
use super::{ApiVersion, Params, Reader, describe, field_path, index_path};
use crate::json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Step,
    Sidecar,
    StepTemplate,
    StepAction,
}

impl Role {
    pub fn noun(self) -> &'static str {
        match self {
            Role::Step => "step",
            Role::Sidecar => "sidecar",
            Role::StepTemplate => "stepTemplate",
            Role::StepAction => "StepAction",
        }
    }
}

#[derive(Debug, Clone)]
pub struct EnvVar<'v> {
    pub name: &'v str,
    /// `value`, when given as a string.
    pub value: Option<&'v str>,
    /// Set from `valueFrom` (a secret, config map or field): unknown before the pod runs.
    pub value_from: bool,
    /// Path of this entry, e.g. `spec.steps[0].env[2]`.
    pub path: String,
}

/// `requests` and `limits` resource names a container declares.
#[derive(Debug, Clone, Default)]
pub struct ResourceNames<'v> {
    pub requests: Vec<&'v str>,
    pub limits: Vec<&'v str>,
}

#[derive(Debug, Clone, Default)]
pub struct Security<'v> {
    /// `securityContext.privileged` and its path.
    pub privileged: Option<(bool, String)>,
    /// `securityContext.capabilities.add` (when present) and its path.
    pub cap_add: Option<(Vec<&'v str>, String)>,
    /// `securityContext.runAsUser` / `runAsNonRoot`.
    pub run_as: RunAs,
}

#[derive(Debug, Clone)]
pub struct Container<'v> {
    pub role: Role,
    pub index: usize,
    /// Logical path, e.g. `spec.steps[1]`.
    pub path: String,
    pub name: Option<&'v str>,
    pub image: Option<&'v str>,
    pub command: Option<Vec<&'v str>>,
    pub args: Option<Vec<&'v str>>,
    pub script: Option<&'v str>,
    pub working_dir: Option<&'v str>,
    /// The step runs a StepAction (`ref:`): its program is defined elsewhere.
    pub uses_ref: bool,
    pub env: Vec<EnvVar<'v>>,
    pub security: Security<'v>,
    /// The field that holds compute resources for the object's API version
    /// (`computeResources` on v1, `resources` on v1beta1), when present.
    pub compute: Option<ResourceNames<'v>>,
    /// Key of a resources field the API version does not have (`resources` on v1,
    /// `computeResources` on v1beta1), when present.
    pub misnamed_resources: Option<&'static str>,
    /// `resources` as the right name on v1beta1 (renamed `computeResources` in v1).
    pub v1beta1_resources: bool,
    pub volume_mounts: Vec<VolumeMount<'v>>,
    /// The step's own `workspaces` (it then mounts only these), when it lists them.
    pub workspaces: Option<Vec<StepWorkspace<'v>>>,
    /// Parameters of its own (a StepAction's, with the values the step gives), instead of
    /// the task's.
    pub params: Option<Params<'v>>,
    /// The literal `params` a step gives the StepAction it uses (`ref`).
    pub given_params: Option<Vec<(&'v str, &'v str)>>,
    /// Read from another object than its task (a StepAction): an index into the object's
    /// `referenced`.
    pub origin: Option<usize>,
}

impl Container<'_> {
    /// `step "build" (spec.steps[0])`, `sidecar 1 (spec.sidecars[1])`,
    /// `stepTemplate (spec.stepTemplate)`.
    pub fn describe(&self) -> String {
        match (self.role, self.name) {
            (Role::StepTemplate, _) => format!("stepTemplate ({})", self.path),
            (Role::StepAction, _) => format!("StepAction ({})", self.path),
            (role, Some(name)) if !name.is_empty() => {
                format!("{} \"{}\" ({})", role.noun(), name, self.path)
            }
            (role, _) => format!("{} {} ({})", role.noun(), self.index, self.path),
        }
    }
}

impl<'v> Reader<'v> {
    pub(super) fn container(
        &mut self,
        c: &'v Map<'v>,
        role: Role,
        index: usize,
        path: String,
    ) -> Container<'v> {
        let name = self.string_field(c, "name", &path);
        let image = self.string_field(c, "image", &path);
        let script = self.string_field(c, "script", &path);
        let working_dir = self.string_field(c, "workingDir", &path);
        let command = self.string_list(c, "command", &path);
        let args = self.string_list(c, "args", &path);
        let uses_ref = c.get("ref").is_some_and(|r| !r.is_null());
        let env = self.env(c, &path);
        let security = self.security(c, &path);
        let volume_mounts = self.volume_mounts(c, &path);
        let workspaces = self.step_workspaces(c, &path);
        let given_params = uses_ref.then(|| {
            c.get("params")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|p| Some((p.get("name")?.as_str()?, p.get("value")?.as_str()?)))
                .collect()
        });
        let (right, wrong) = match self.version {
            ApiVersion::V1 => ("computeResources", "resources"),
            _ => ("resources", "computeResources"),
        };
        let compute = match role {
            // A StepAction has no resources of its own: the step that uses it does.
            Role::StepAction => None,
            _ => self.resources(c, right, &path),
        };
        let misnamed_resources = (role != Role::StepAction
            && c.get(wrong).is_some_and(|v| !v.is_null()))
        .then_some(wrong);
        // An empty `resources: {}` loses nothing when renamed.
        let v1beta1_resources = self.version == ApiVersion::V1beta1
            && compute
                .as_ref()
                .is_some_and(|c| !c.requests.is_empty() || !c.limits.is_empty());
        Container {
            role,
            index,
            path,
            name,
            image,
            command,
            args,
            script,
            working_dir,
            uses_ref,
            env,
            security,
            compute,
            misnamed_resources,
            v1beta1_resources,
            volume_mounts,
            workspaces,
            params: None,
            given_params,
            origin: None,
        }
    }

    pub(super) fn string_field(
        &mut self,
        c: &'v Map<'v>,
        key: &str,
        path: &str,
    ) -> Option<&'v str> {
        match c.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(other) => {
                self.problem(
                    &field_path(path, key),
                    format!("expected a string, found {}", describe(other)),
                );
                None
            }
        }
    }

    fn string_list(&mut self, c: &'v Map<'v>, key: &str, path: &str) -> Option<Vec<&'v str>> {
        let list = self.list_field(c, key, || field_path(path, key))?;
        let mut out = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            match item {
                Value::String(s) => out.push(s.as_ref()),
                other => self.problem(
                    &index_path(&field_path(path, key), i),
                    format!("expected a string, found {}", describe(other)),
                ),
            }
        }
        Some(out)
    }

    fn env(&mut self, c: &'v Map<'v>, path: &str) -> Vec<EnvVar<'v>> {
        let Some(list) = self.list_field(c, "env", || field_path(path, "env")) else {
            return Vec::new();
        };
        let list_path = field_path(path, "env");
        let mut out = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            let item_path = index_path(&list_path, i);
            let Some(e) = item.as_object() else {
                self.problem(
                    &item_path,
                    format!("expected an object, found {}", describe(item)),
                );
                continue;
            };
            let Some(name) = self.string_field(e, "name", &item_path) else {
                if !e.contains_key("name") {
                    self.problem(&item_path, "an environment variable needs a `name`".into());
                }
                continue;
            };
            let value = self.string_field(e, "value", &item_path);
            let value_from = e.get("valueFrom").is_some_and(|v| !v.is_null());
            out.push(EnvVar {
                name,
                value,
                value_from,
                path: item_path,
            });
        }
        out
    }

    fn security(&mut self, c: &'v Map<'v>, path: &str) -> Security<'v> {
        let sc_path = || field_path(path, "securityContext");
        let Some(sc) = self.object_field(c, "securityContext", sc_path) else {
            return Security::default();
        };
        let privileged = match sc.get("privileged") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some((*b, field_path(&sc_path(), "privileged"))),
            Some(other) => {
                self.problem(
                    &field_path(&sc_path(), "privileged"),
                    format!("expected a boolean, found {}", describe(other)),
                );
                None
            }
        };
        let caps_path = || field_path(&sc_path(), "capabilities");
        let cap_add = self
            .object_field(sc, "capabilities", caps_path)
            .and_then(|caps| {
                let caps_path = caps_path();
                self.string_list(caps, "add", &caps_path)
                    .map(|list| (list, field_path(&caps_path, "add")))
            });
        let run_as = self.run_as(sc, &sc_path());
        Security {
            privileged,
            cap_add,
            run_as,
        }
    }

    fn resources(&mut self, c: &'v Map<'v>, key: &str, path: &str) -> Option<ResourceNames<'v>> {
        let res_path = || field_path(path, key);
        let res = self.object_field(c, key, res_path)?;
        let mut names = ResourceNames::default();
        for (section, out) in [
            ("requests", &mut names.requests),
            ("limits", &mut names.limits),
        ] {
            if let Some(map) = self.object_field(res, section, || field_path(&res_path(), section))
            {
                out.extend(map.iter().filter(|(_, v)| !v.is_null()).map(|(k, _)| k));
            }
        }
        Some(names)
    }
}
