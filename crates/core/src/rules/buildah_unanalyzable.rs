//! `buildah-unanalyzable`: a buildah step whose calls cannot be read before it runs — a
//! command held in a variable, `eval` of a value built at run time, a script decoded or
//! written at run time, a non-shell interpreter — is reported instead of passing silently.
//! The other rules can only check what they can read.

use super::{Level, RuleId, buildah_containers};
use crate::buildah::call::CallKind;
use crate::engine::{Findings, TaskContext};
use crate::settings::Settings;

const RULE: RuleId = RuleId::BuildahUnanalyzable;

pub(super) fn check(task: &TaskContext<'_, '_>, _settings: &Settings, out: &mut Findings<'_>) {
    for c in buildah_containers(task) {
        for u in &c.analysis.unanalyzable {
            out.at(
                RULE,
                Level::Warning,
                c,
                u.loc,
                format!(
                    "at {}, {}; buildah calls there cannot be checked",
                    c.where_(u.loc),
                    u.reason
                ),
            );
        }
        for inv in &c.analysis.invocations {
            if out.full() {
                out.note_omitted();
                return;
            }
            if let CallKind::Undetermined { at } = inv.call.kind {
                let word = inv.argv.get(at).map_or("", |f| f.text.as_str());
                out.at(
                    RULE,
                    Level::Warning,
                    c,
                    inv.report_loc(),
                    format!(
                        "at {}, the buildah subcommand comes from `{word}`, only known when the step runs; the call cannot be checked",
                        c.where_(inv.report_loc())
                    ),
                );
            }
        }
    }
}
