//! `step-resources-field`: compute resources under the field name the object's apiVersion has.
//!
//! In `tekton.dev/v1` a step's requests and limits live in `computeResources`; `resources` is
//! not a field and the API server drops it (with only a warning, or silently), so the build
//! runs with no limits at all. In `v1beta1` the field is still called `resources`, and a
//! `computeResources` key there is the field that gets dropped.

use super::{Level, RuleId};
use crate::engine::{Findings, Site, TaskContext};
use crate::fix::{Edit, Fix};
use crate::settings::Settings;
use crate::tekton::Role;

const RULE: RuleId = RuleId::StepResourcesField;

pub(super) fn check(task: &TaskContext<'_, '_>, _settings: &Settings, out: &mut Findings<'_>) {
    for (rank, c) in task.written_containers() {
        if c.role == Role::StepAction {
            continue;
        }
        let noun = c.role.noun();
        if let Some(wrong) = c.misnamed_resources {
            let path = format!("{}.{wrong}", c.path);
            let fix = || {
                if wrong != "resources" {
                    Fix::Unavailable(
                        "name it `resources` or move the object to tekton.dev/v1: the choice is yours".into(),
                    )
                } else if c.compute.is_some() {
                    Fix::Unavailable(format!(
                        "the {noun} has `computeResources` too; merge the two by hand"
                    ))
                } else {
                    Fix::Edits(vec![Edit::RenameKey {
                        path: path.clone(),
                        to: "computeResources".into(),
                    }])
                }
            };
            let message = if wrong == "resources" {
                format!(
                    "`resources` is not a field of a tekton.dev/v1 {noun}: it is dropped and no requests or limits apply; rename it to `computeResources`"
                )
            } else {
                format!(
                    "`computeResources` is not a field of a tekton.dev/v1beta1 {noun}: it is dropped; name it `resources` or move the object to tekton.dev/v1"
                )
            };
            out.push(
                RULE,
                Level::Error,
                Site {
                    subject: c.describe(),
                    path: path.clone(),
                    span: None,
                    rank,
                },
                message,
            )
            .fix(fix);
        }
        if c.v1beta1_resources {
            out.push(
                RULE,
                Level::Warning,
                Site {
                    subject: c.describe(),
                    path: format!("{}.resources", c.path),
                    span: None,
                    rank,
                },
                format!(
                    "tekton.dev/v1 renames the {noun} field `resources` to `computeResources`; rename it when moving to v1 or it will be dropped"
                ),
            )
            .fix(|| {
                Fix::Unavailable(
                    "the field is right for v1beta1: rename it when the object moves to v1".into(),
                )
            });
        }
    }
}
