//! `compute-resources-missing`: buildah steps declare the compute resources the settings
//! require (by default requests and limits for memory and cpu). The step's own values and the
//! `stepTemplate`'s are merged first, as Tekton merges them.

use super::{Level, RuleId, buildah_containers};
use crate::engine::{Findings, TaskContext};
use crate::settings::Settings;
use crate::tekton::{ApiVersion, Role};

const RULE: RuleId = RuleId::ComputeResourcesMissing;

pub(super) fn check(task: &TaskContext<'_, '_>, settings: &Settings, out: &mut Findings<'_>) {
    let want = &settings.compute_resources;
    if want.requests.is_empty() && want.limits.is_empty() {
        return;
    }
    let field = match task.version {
        ApiVersion::V1 => "computeResources",
        _ => "resources",
    };
    for c in buildah_containers(task) {
        if c.container().role == Role::StepAction {
            // A StepAction cannot declare resources; the step using it does.
            continue;
        }
        let have = c.merged.compute.as_ref();
        let mut missing = Vec::new();
        for (section, names, had) in [
            ("requests", &want.requests, have.map(|h| &h.requests)),
            ("limits", &want.limits, have.map(|h| &h.limits)),
        ] {
            for name in names {
                if !had.is_some_and(|h| h.iter().any(|n| n == name)) {
                    missing.push(format!("`{section}.{name}`"));
                }
            }
        }
        if missing.is_empty() {
            continue;
        }
        let where_ = if task.spec.step_template.is_some() && c.container().role == Role::Step {
            "here or in `stepTemplate`"
        } else {
            "on this step"
        };
        let path = match have {
            Some(_) if c.container().compute.is_some() => format!("{}.{field}", c.container().path),
            _ => c.container().path.clone(),
        };
        let them = if missing.len() == 1 { "it" } else { "them" };
        out.container(
            RULE,
            Level::Error,
            c,
            path,
            None,
            format!(
                "buildah runs without {} in `{field}`; set {them} {where_} so the build cannot take the node down",
                missing.join(", ")
            ),
        );
    }
}
