//! `capability-not-allowed`: containers add only capabilities listed in
//! `allowedCapabilities` (by default only `SETFCAP`).

use super::{Level, Quoted, RuleId};
use crate::engine::{Findings, Site, TaskContext};
use crate::settings::{Settings, is_capability};

const RULE: RuleId = RuleId::CapabilityNotAllowed;

pub(super) fn check(task: &TaskContext<'_, '_>, settings: &Settings, out: &mut Findings<'_>) {
    let allowed = &settings.allowed_capabilities;
    if allowed.iter().any(|a| a == "ALL") {
        return;
    }
    let allowed_text = || {
        if allowed.is_empty() {
            "none are allowed".to_string()
        } else {
            format!("allowed: {}", Quoted(allowed))
        }
    };
    for (rank, c) in task.written_containers() {
        let Some((caps, path)) = &c.security.cap_add else {
            continue;
        };
        for (i, cap) in caps.iter().enumerate() {
            if allowed.iter().any(|a| is_capability(cap, a)) {
                continue;
            }
            out.push(
                RULE,
                Level::Error,
                Site {
                    subject: c.describe(),
                    path: crate::tekton::index_path(path, i),
                    span: None,
                    rank,
                },
                format!(
                    "adds capability `{cap}`, which is not allowed ({}); remove it",
                    allowed_text()
                ),
            );
        }
    }
}
