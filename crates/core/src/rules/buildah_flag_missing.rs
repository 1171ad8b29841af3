//! `buildah-flag-missing`: buildah calls pass each `mandatoryFlags` option with the required
//! value. Options under `global` apply to every call that opens storage; the others to their
//! subcommand (`build` covers `bud`). By default these are the seed Task's options:
//! `--storage-driver=vfs`; for `build` `--format=oci --no-cache --layers=false --squash
//! --ulimit=nofile=4096:8192`; for `push` `--digestfile`.

use super::{
    Level, RuleId, buildah_containers, invocation_label, opaque_hint, written_after_positional,
};
use crate::analysis::{Invocation, resolve_value, shell_quote};
use crate::buildah::call::CallKind;
use crate::buildah::env::{LOCAL_TRANSPORTS, equivalent};
use crate::engine::{ContainerContext, Findings, TaskContext};
use crate::fix::Fix;
use crate::fix::plan::{self, Anchor, NewArgs};
use crate::settings::{FlagRequirement, FlagScope, Settings, parse_bool};
use std::fmt;

const RULE: RuleId = RuleId::BuildahFlagMissing;

enum Verdict {
    Ok,
    Missing,
    AfterPositional,
    /// The option (at this argv index) is only added on some paths.
    OnlySometimes(usize),
    /// Another value: as written, where the value came from, the option's argv index.
    Wrong(String, Option<String>, usize),
    /// A value only known at run time.
    Unknown(String, usize),
}

pub(super) fn check(task: &TaskContext<'_, '_>, settings: &Settings, out: &mut Findings<'_>) {
    if settings.mandatory_flags.is_empty() {
        return;
    }
    for c in buildah_containers(task) {
        for inv in &c.analysis.invocations {
            if out.full() {
                out.note_omitted();
                return;
            }
            let (CallKind::Command, Some(cmd)) = (&inv.call.kind, inv.call.command) else {
                continue;
            };
            let label = invocation_label(c, inv);
            let local = pushes_locally(inv);
            let mut missing = Vec::new();
            let mut lacking = Vec::new();
            for req in settings.mandatory_flags.iter().filter(|r| match r.scope {
                FlagScope::Global => cmd.touches_storage,
                // A push into a local layout publishes nothing: push options do not apply.
                FlagScope::Command(rc) => rc.name == cmd.name && !local,
            }) {
                let want = Display(req);
                let verdict = match verdict(inv, req) {
                    Verdict::Missing if set_by_env(task, c, req) => Verdict::Ok,
                    v => v,
                };
                let mut at = inv.report_loc();
                let mut point = |i: usize| {
                    if inv.via.is_none()
                        && let Some(f) = inv.argv.get(i)
                    {
                        at = f.loc;
                    }
                };
                let mut remedy = Err("move it before the first positional argument");
                let message = match verdict {
                    Verdict::Ok => continue,
                    Verdict::Missing => {
                        missing.push(match env_alternative(req) {
                            Some(alt) => format!("`{want}` (or `{alt}` in the step's env)"),
                            None => format!("`{want}`"),
                        });
                        lacking.push(req);
                        continue;
                    }
                    Verdict::AfterPositional => format!(
                        "{label} has `--{}` after a positional argument, where buildah no longer reads options; move it before",
                        req.flag.long
                    ),
                    Verdict::OnlySometimes(i) => {
                        point(i);
                        remedy =
                            Err("the option is added inside a condition; pass it on every path");
                        format!(
                            "{label} passes `{want}` only on some paths (it is added inside a condition); pass it every time"
                        )
                    }
                    Verdict::Wrong(got, from, i) => {
                        point(i);
                        remedy = Ok(i);
                        let from = from.map(|r| format!(" (from `{r}`)")).unwrap_or_default();
                        format!("{label} passes `{got}`{from}; expected `{want}`")
                    }
                    Verdict::Unknown(got, i) => {
                        point(i);
                        remedy = Err("the value is only known when the step runs");
                        format!(
                            "{label} passes `{got}`, whose value is only known when the step runs; expected `{want}`"
                        )
                    }
                };
                out.at(RULE, Level::Error, c, at, message)
                    .fix(|| match remedy {
                        Ok(i) => replace_value(c, inv, req, i),
                        Err(reason) => Fix::Unavailable(reason.into()),
                    });
            }
            if !missing.is_empty() {
                out.at(
                    RULE,
                    Level::Error,
                    c,
                    inv.report_loc(),
                    format!("{label} lacks {}{}", missing.join(", "), opaque_hint(inv)),
                )
                .fix(|| add_missing(c, inv, &lacking));
            }
        }
    }
}

/// The missing options added: global ones after the program word, the others after the
/// subcommand, as the settings spell them.
fn add_missing(c: &ContainerContext<'_, '_>, inv: &Invocation, reqs: &[&FlagRequirement]) -> Fix {
    if let Some(r) = reqs
        .iter()
        .find(|r| r.flag.takes_value && r.value.is_none())
    {
        return Fix::Unavailable(format!(
            "`--{}` needs a value only you know; add it with one",
            r.flag.long
        ));
    }
    let mut edits = Vec::new();
    for anchor in [Anchor::Program, Anchor::Subcommand] {
        let global = anchor == Anchor::Program;
        let words: Vec<String> = reqs
            .iter()
            .filter(|r| matches!(r.scope, FlagScope::Global) == global)
            .flat_map(|r| match r.spec.split_once(' ') {
                // `--ulimit nofile=4096:8192`: two words, as written in the settings.
                Some((name, value)) => vec![name.to_string(), value.trim().to_string()],
                None => vec![r.spec.to_string()],
            })
            .collect();
        if words.is_empty() {
            continue;
        }
        let args = NewArgs {
            shell: words
                .iter()
                .map(|w| shell_quote(w))
                .collect::<Vec<_>>()
                .join(" "),
            items: words,
        };
        match plan::add_arguments(c, inv, anchor, &args) {
            Fix::Edits(e) => edits.extend(e),
            unavailable => return unavailable,
        }
    }
    Fix::Edits(edits)
}

/// The option at argv index `at` gets the required value: `--format=docker` becomes
/// `--format=oci`, `--layers` becomes `--layers=false`; in `--format docker` only the value
/// word changes.
fn replace_value(
    c: &ContainerContext<'_, '_>,
    inv: &Invocation,
    req: &FlagRequirement,
    at: usize,
) -> Fix {
    let Some(option) = inv.call.options.iter().find(|o| o.at == at) else {
        return Fix::Unavailable("the option is not written in the call".into());
    };
    let word = &inv.argv[at];
    match (&option.value, &req.value) {
        (Some(v), Some(want)) if v.loc != word.loc => {
            plan::replace_word(c, inv, v, &shell_quote(want), want)
        }
        _ if word.text.starts_with("--") => {
            let want = Display(req).to_string();
            plan::replace_word(c, inv, word, &shell_quote(&want), &want)
        }
        _ => Fix::Unavailable(format!(
            "`{}` is written in short form; write `{}` instead",
            word.text,
            Display(req)
        )),
    }
}

/// Whether a `push` or `manifest push` goes to a local layout (`oci:/dir`, `dir:…`) rather
/// than a registry. Without a destination buildah pushes to the image's own registry name.
fn pushes_locally(inv: &Invocation) -> bool {
    let destination = inv.call.positionals.get(1).and_then(|&i| inv.argv.get(i));
    destination.is_some_and(|d| LOCAL_TRANSPORTS.iter().any(|t| d.text.starts_with(t)))
}

/// `STORAGE_DRIVER=vfs` for `--storage-driver=vfs`: the variable buildah reads instead.
fn env_alternative(req: &FlagRequirement) -> Option<String> {
    let command = match req.scope {
        FlagScope::Global => None,
        FlagScope::Command(c) => Some(c.name),
    };
    let var = equivalent(command, req.flag.long)?;
    Some(match &req.value {
        Some(v) => format!("{var}={v}"),
        None if !req.flag.takes_value => format!("{var}=true"),
        None => var.to_string(),
    })
}

/// The step's env sets the variable buildah reads instead of the option, to the same value.
fn set_by_env(
    task: &TaskContext<'_, '_>,
    c: &ContainerContext<'_, '_>,
    req: &FlagRequirement,
) -> bool {
    let command = match req.scope {
        FlagScope::Global => None,
        FlagScope::Command(cmd) => Some(cmd.name),
    };
    let Some(var) = equivalent(command, req.flag.long) else {
        return false;
    };
    let Some(value) = c.merged.env_var(var).and_then(|e| e.value) else {
        return false;
    };
    let value = resolve_value(value, &task.spec.params);
    match (&req.value, req.flag.takes_value) {
        (Some(want), true) => value == *want,
        (None, true) => !value.is_empty(),
        (want, false) => {
            let want = want.as_deref().and_then(parse_bool).unwrap_or(true);
            parse_bool(&value) == Some(want)
        }
    }
}

/// `--layers=false`, `--squash`, `--digestfile`.
struct Display<'r>(&'r FlagRequirement);

impl fmt::Display for Display<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.value {
            Some(v) => write!(f, "--{}={v}", self.0.flag.long),
            None => write!(f, "--{}", self.0.flag.long),
        }
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
    let wrong = |u: &crate::buildah::call::OptionUse| {
        let value = u.value.as_ref();
        Verdict::Wrong(
            shown(value.map(|v| v.text.as_str())),
            value.and_then(|v| v.from.clone()),
            u.at,
        )
    };
    if !req.flag.takes_value {
        let got = match &last.value {
            None => Some(true),
            Some(f) if f.exact => parse_bool(&f.text),
            Some(f) => return Verdict::Unknown(shown(Some(&f.text)), last.at),
        };
        let want = req.value.as_deref().and_then(parse_bool).unwrap_or(true);
        return if got != Some(want) {
            wrong(last)
        } else if sometimes(last.at) {
            Verdict::OnlySometimes(last.at)
        } else {
            Verdict::Ok
        };
    }
    match &req.value {
        None => match uses.iter().find(|u| u.value.is_some()) {
            Some(u) if sometimes(u.at) => Verdict::OnlySometimes(u.at),
            Some(_) => Verdict::Ok,
            None => wrong(last),
        },
        Some(want) => {
            let matching = uses
                .iter()
                .find(|u| u.value.as_ref().is_some_and(|v| v.exact && v.text == *want));
            if let Some(u) = matching {
                return if sometimes(u.at) {
                    Verdict::OnlySometimes(u.at)
                } else {
                    Verdict::Ok
                };
            }
            if let Some(u) = uses
                .iter()
                .find(|u| u.value.as_ref().is_some_and(|v| !v.exact))
            {
                return Verdict::Unknown(shown(u.value.as_ref().map(|v| v.text.as_str())), u.at);
            }
            wrong(last)
        }
    }
}
