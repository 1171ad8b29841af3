//! `privileged-container`: no step, sidecar, `stepTemplate` or StepAction sets
//! `securityContext.privileged: true`. buildah builds fine without it given `SETFCAP`.

use super::{Level, Quoted, RuleId};
use crate::engine::{Findings, Site, TaskContext};
use crate::settings::Settings;

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
            );
        }
    }
}
