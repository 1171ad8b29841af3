//! A step as it runs: the step merged over the `stepTemplate` the way Tekton merges them.
//!
//! Tekton applies the step onto the template as a Kubernetes strategic merge patch of the
//! container: `env` merges by variable name (the step's entry wins), the `securityContext`
//! merges field by field (a step's `capabilities` replaces the template's), compute resource
//! `requests` and `limits` merge by resource name, `volumeMounts` merge by mount path, and
//! scalar fields the step leaves unset (`image`, `command`, `args`) come from the template.
//! Sidecars are not merged.

use super::{Container, EnvVar, ResourceNames, RunAs, VolumeMount};

#[derive(Debug)]
pub struct MergedContainer<'c, 'v> {
    pub container: &'c Container<'v>,
    pub image: Option<&'v str>,
    pub command: Option<&'c [&'v str]>,
    pub args: Option<&'c [&'v str]>,
    pub working_dir: Option<&'v str>,
    /// Effective environment: template entries the step does not override, then the step's.
    pub env: Vec<&'c EnvVar<'v>>,
    /// Effective `privileged` with the path it was set at.
    pub privileged: Option<(bool, &'c str)>,
    /// Effective `capabilities.add` with the path it was set at.
    pub cap_add: Option<(&'c [&'v str], &'c str)>,
    /// Effective compute resources; `None` when neither the step nor the template sets any.
    pub compute: Option<ResourceNames<'v>>,
    /// Effective volume mounts: the template's the step does not replace, then the step's.
    pub volume_mounts: Vec<&'c VolumeMount<'v>>,
    /// Effective `runAsUser` / `runAsNonRoot` (the pod's are added where the run sets them).
    pub run_as: RunAs,
}

impl<'v> MergedContainer<'_, 'v> {
    pub fn env_var(&self, name: &str) -> Option<&EnvVar<'v>> {
        self.env.iter().rev().find(|e| e.name == name).copied()
    }
}

/// Merges a container over the template (pass `None` for sidecars and StepActions).
pub fn merge_step<'c, 'v>(
    step: &'c Container<'v>,
    template: Option<&'c Container<'v>>,
) -> MergedContainer<'c, 'v> {
    let mut env: Vec<&'c EnvVar<'v>> = Vec::with_capacity(step.env.len());
    if let Some(t) = template {
        env.extend(
            t.env
                .iter()
                .filter(|te| !step.env.iter().any(|se| se.name == te.name)),
        );
    }
    env.extend(step.env.iter());

    let pick = |f: fn(&'c Container<'v>) -> bool| -> Option<&'c Container<'v>> {
        if f(step) {
            Some(step)
        } else {
            template.filter(|t| f(t))
        }
    };
    let privileged = pick(|c| c.security.privileged.is_some())
        .and_then(|c| c.security.privileged.as_ref())
        .map(|(b, p)| (*b, p.as_str()));
    let cap_add = pick(|c| c.security.cap_add.is_some())
        .and_then(|c| c.security.cap_add.as_ref())
        .map(|(list, p)| (list.as_slice(), p.as_str()));

    let compute = match (
        template.and_then(|t| t.compute.as_ref()),
        step.compute.as_ref(),
    ) {
        (None, None) => None,
        (Some(t), None) => Some(t.clone()),
        (None, Some(s)) => Some(s.clone()),
        (Some(t), Some(s)) => {
            let mut merged = s.clone();
            for r in &t.requests {
                if !merged.requests.contains(r) {
                    merged.requests.push(r);
                }
            }
            for l in &t.limits {
                if !merged.limits.contains(l) {
                    merged.limits.push(l);
                }
            }
            Some(merged)
        }
    };

    let mut volume_mounts: Vec<&'c VolumeMount<'v>> = Vec::new();
    if let Some(t) = template {
        volume_mounts.extend(t.volume_mounts.iter().filter(|tm| {
            !step
                .volume_mounts
                .iter()
                .any(|sm| sm.mount_path == tm.mount_path)
        }));
    }
    volume_mounts.extend(step.volume_mounts.iter());
    let run_as = match template {
        Some(t) => step.security.run_as.or(&t.security.run_as),
        None => step.security.run_as.clone(),
    };

    MergedContainer {
        container: step,
        image: step.image.or(template.and_then(|t| t.image)),
        command: step
            .command
            .as_deref()
            .or(template.and_then(|t| t.command.as_deref())),
        args: step
            .args
            .as_deref()
            .or(template.and_then(|t| t.args.as_deref())),
        working_dir: step.working_dir.or(template.and_then(|t| t.working_dir)),
        env,
        privileged,
        cap_add,
        compute,
        volume_mounts,
        run_as,
    }
}
