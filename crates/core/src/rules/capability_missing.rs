//! `capability-missing`: buildah steps add the capabilities buildah needs (by default
//! `SETFCAP`, without which it cannot set file capabilities while committing layers). A
//! privileged container has every capability and is left to `privileged-container`.

use super::{Level, Quoted, RuleId, buildah_containers};
use crate::engine::{Findings, TaskContext};
use crate::fix::Fix;
use crate::fix::plan::{add_capabilities, capability_list};
use crate::settings::{Settings, is_capability};

const RULE: RuleId = RuleId::CapabilityMissing;

pub(super) fn check(task: &TaskContext<'_, '_>, settings: &Settings, out: &mut Findings<'_>) {
    for c in buildah_containers(task) {
        if matches!(c.merged.privileged, Some((true, _))) {
            continue;
        }
        let added: &[&str] = c.merged.cap_add.map_or(&[], |(caps, _)| caps);
        if added.iter().any(|a| is_capability(a, "ALL")) {
            continue;
        }
        let missing: Vec<&str> = settings
            .required_capabilities
            .iter()
            .filter(|r| !added.iter().any(|a| is_capability(a, r)))
            .map(|r| r.as_ref())
            .collect();
        if missing.is_empty() {
            continue;
        }
        let path = match c.merged.cap_add {
            Some((_, p)) => p.to_string(),
            None => format!("{}.securityContext", c.container().path),
        };
        // The list the step gets: its own or the stepTemplate's, or a new one of its own.
        let list = match c.merged.cap_add {
            Some((_, p)) => p.to_string(),
            None => capability_list(c.container()),
        };
        out.container(
            RULE,
            Level::Warning,
            c,
            path,
            None,
            format!(
                "buildah needs capability {}; add it to `securityContext.capabilities.add`",
                Quoted(&missing)
            ),
        )
        .fix(|| {
            let allowed = |cap: &str| {
                settings
                    .allowed_capabilities
                    .iter()
                    .any(|a| a.as_ref() == "ALL" || is_capability(cap, a))
            };
            match missing.iter().find(|cap| !allowed(cap)) {
                Some(cap) => Fix::Unavailable(format!(
                    "`{cap}` is not in `allowedCapabilities`: adding it would be rejected too"
                )),
                None => Fix::Edits(vec![add_capabilities(list, &missing)]),
            }
        });
    }
}
