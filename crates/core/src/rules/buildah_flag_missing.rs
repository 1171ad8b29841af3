//! `buildah-flag-missing`: buildah calls pass each `mandatoryFlags` option with the required
//! value. Options under `global` apply to every call that opens storage; the others to their
//! subcommand (`build` covers `bud`). By default these are the seed Task's options:
//! `--storage-driver=vfs`; for `build` `--format=oci --no-cache --layers=false --squash
//! --ulimit=nofile=4096:8192`; for `push` `--digestfile`.

use super::{
    Level, RuleId, buildah_containers, invocation_label, opaque_hint, written_after_positional,
};
use crate::analysis::Invocation;
use crate::buildah::call::CallKind;
use crate::engine::{Findings, TaskContext};
use crate::settings::{FlagRequirement, FlagScope, Settings, parse_bool};

const RULE: RuleId = RuleId::BuildahFlagMissing;

enum Verdict {
    Ok,
    Missing,
    AfterPositional,
    OnlySometimes,
    Wrong(String),
    Unknown(String),
}

pub(super) fn check(task: &TaskContext<'_, '_>, settings: &Settings, out: &mut Findings<'_>) {
    if settings.mandatory_flags.is_empty() {
        return;
    }
    for c in buildah_containers(task) {
        for inv in &c.analysis.invocations {
            let (CallKind::Command, Some(cmd)) = (&inv.call.kind, inv.call.command) else {
                continue;
            };
            let label = invocation_label(c, inv);
            let mut missing = Vec::new();
            for req in settings.mandatory_flags.iter().filter(|r| match r.scope {
                FlagScope::Global => cmd.touches_storage,
                FlagScope::Command(rc) => rc.name == cmd.name,
            }) {
                let want = display(req);
                let message = match verdict(inv, req) {
                    Verdict::Ok => continue,
                    Verdict::Missing => {
                        missing.push(format!("`{want}`"));
                        continue;
                    }
                    Verdict::AfterPositional => format!(
                        "{label} has `--{}` after a positional argument, where buildah no longer reads options; move it before",
                        req.flag.long
                    ),
                    Verdict::OnlySometimes => format!(
                        "{label} passes `{want}` only on some paths (it is added inside a condition); pass it every time"
                    ),
                    Verdict::Wrong(got) => format!("{label} passes `{got}`; expected `{want}`"),
                    Verdict::Unknown(got) => format!(
                        "{label} passes `{got}`, whose value is only known when the step runs; expected `{want}`"
                    ),
                };
                out.at(RULE, Level::Error, c, inv.report_loc(), message);
            }
            if !missing.is_empty() {
                out.at(
                    RULE,
                    Level::Error,
                    c,
                    inv.report_loc(),
                    format!("{label} lacks {}{}", missing.join(", "), opaque_hint(inv)),
                );
            }
        }
    }
}

/// `--layers=false`, `--squash`, `--digestfile`.
fn display(req: &FlagRequirement) -> String {
    match &req.value {
        Some(v) => format!("--{}={v}", req.flag.long),
        None => format!("--{}", req.flag.long),
    }
}

fn verdict(inv: &Invocation, req: &FlagRequirement) -> Verdict {
    let long = req.flag.long;
    let uses: Vec<_> = inv.call.uses(long).collect();
    let Some(last) = uses.last() else {
        return if written_after_positional(inv, long) {
            Verdict::AfterPositional
        } else {
            Verdict::Missing
        };
    };
    let sometimes = |at: usize| inv.argv.get(at).is_some_and(|f| f.conditional) && !inv.conditional;
    let shown = |value: Option<&str>| match value {
        Some(v) => format!("--{long}={v}"),
        None => format!("--{long}"),
    };
    if !req.flag.takes_value {
        let got = match &last.value {
            None => Some(true),
            Some(f) if f.exact => parse_bool(&f.text),
            Some(f) => return Verdict::Unknown(shown(Some(&f.text))),
        };
        let want = req.value.as_deref().and_then(parse_bool).unwrap_or(true);
        return if got != Some(want) {
            Verdict::Wrong(shown(last.value.as_ref().map(|f| f.text.as_str())))
        } else if sometimes(last.at) {
            Verdict::OnlySometimes
        } else {
            Verdict::Ok
        };
    }
    match &req.value {
        None => match uses.iter().find(|u| u.value.is_some()) {
            Some(u) if sometimes(u.at) => Verdict::OnlySometimes,
            Some(_) => Verdict::Ok,
            None => Verdict::Wrong(shown(None)),
        },
        Some(want) => {
            let matching = uses
                .iter()
                .find(|u| u.value.as_ref().is_some_and(|v| v.exact && v.text == *want));
            if let Some(u) = matching {
                return if sometimes(u.at) {
                    Verdict::OnlySometimes
                } else {
                    Verdict::Ok
                };
            }
            if let Some(u) = uses
                .iter()
                .find(|u| u.value.as_ref().is_some_and(|v| !v.exact))
            {
                return Verdict::Unknown(shown(u.value.as_ref().map(|v| v.text.as_str())));
            }
            Verdict::Wrong(shown(last.value.as_ref().map(|v| v.text.as_str())))
        }
    }
}
