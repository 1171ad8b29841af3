//! `privileged-container`: no step, sidecar, `stepTemplate` or StepAction sets
//! `securityContext.privileged: true`. buildah builds fine without it given `SETFCAP`.

use super::{Level, Quoted, RuleId};
use crate::engine::{Findings, Site, TaskContext};
use crate::fix::plan::{add_capabilities, capability_list, inherits_capabilities};
use crate::fix::{Edit, Fix};
use crate::settings::{Settings, is_capability};
use crate::tekton::Container;

const RULE: RuleId = RuleId::PrivilegedContainer;

pub(super) fn check(task: &TaskContext<'_, '_>, settings: &Settings, out: &mut Findings<'_>) {
    let instead = || match settings.required_capabilities.as_slice() {
        [] => String::from("run it unprivileged"),
        caps => format!(
            "add only {} to `securityContext.capabilities.add`",
            Quoted(caps)
        ),
    };
    for (rank, c) in task.written_containers() {
        if let Some((true, path)) = &c.security.privileged {
            out.push(
                RULE,
                Level::Error,
                Site {
                    subject: c.describe(),
                    path: path.clone(),
                    span: None,
                    rank,
                },
                format!(
                    "runs privileged (`privileged: true`); remove it and {}",
                    instead()
                ),
            )
            .fix(|| fix(c, path, task.spec.step_template.as_ref(), settings));
        }
    }
}

/// `privileged: true` removed, and the required capabilities (those allowed) added to the
/// container's own list.
fn fix(
    c: &Container<'_>,
    path: &str,
    template: Option<&Container<'_>>,
    settings: &Settings,
) -> Fix {
    let have: &[&str] = c.security.cap_add.as_ref().map_or(&[], |(caps, _)| caps);
    let inherited: &[&str] = if inherits_capabilities(c, template) {
        template
            .and_then(|t| t.security.cap_add.as_ref())
            .map_or(&[], |(caps, _)| caps)
    } else {
        &[]
    };
    let missing: Vec<&str> = settings
        .required_capabilities
        .iter()
        .map(|r| r.as_ref())
        .filter(|r| {
            settings
                .allowed_capabilities
                .iter()
                .any(|a| a.as_ref() == "ALL" || is_capability(r, a))
                && !have.iter().chain(inherited).any(|h| is_capability(h, r))
        })
        .collect();
    let mut edits = vec![Edit::RemoveKey {
        path: path.to_string(),
    }];
    if !missing.is_empty() {
        if inherits_capabilities(c, template) {
            return Fix::Unavailable(
                "the step's capabilities come from the stepTemplate; a list of its own would replace them".into(),
            );
        }
        edits.push(add_capabilities(capability_list(c), &missing));
    }
    Fix::Edits(edits)
}
