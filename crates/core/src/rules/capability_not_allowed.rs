//! `capability-not-allowed`: containers add only capabilities listed in
//! `allowedCapabilities` (by default only `SETFCAP`).

use super::{Level, RuleId};
use crate::engine::{Findings, Site, TaskContext};
use crate::settings::{Settings, normalize_capability};

const RULE: RuleId = RuleId::CapabilityNotAllowed;

pub(super) fn check(task: &TaskContext<'_, '_>, settings: &Settings, out: &mut Findings<'_>) {
    let allowed = &settings.allowed_capabilities;
    if allowed.iter().any(|a| a == "ALL") {
        return;
    }
    let allowed_text = if allowed.is_empty() {
        "none are allowed".to_string()
    } else {
        format!(
            "allowed: {}",
            allowed
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    for (rank, c) in task.written_containers() {
        let Some((caps, path)) = &c.security.cap_add else {
            continue;
        };
        for (i, cap) in caps.iter().enumerate() {
            if allowed.contains(&normalize_capability(cap)) {
                continue;
            }
            out.push(
                RULE,
                Level::Error,
                Site {
                    subject: c.describe(),
                    path: format!("{path}[{i}]"),
                    span: None,
                    rank,
                },
                format!(
                    "adds capability `{cap}`, which is not allowed ({allowed_text}); remove it"
                ),
            );
        }
    }
}
