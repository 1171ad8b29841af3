//! `buildah-root-missing`: every buildah call that opens container storage passes `--root`
//! with the storage root from `BUILDAH_STORAGE_ROOT`. buildah does not read that variable
//! itself: without `--root` it stores layers under `/var/lib/containers` on the node's
//! ephemeral disk, which is how a 48 GB build gets evicted.

use super::{
    Level, RuleId, buildah_containers, invocation_label, opaque_hint, written_after_positional,
};
use crate::analysis::{Field, Invocation, resolve_value};
use crate::buildah::call::{CallKind, OptionUse};
use crate::engine::{ContainerContext, Findings, TaskContext};
use crate::fix::Fix;
use crate::fix::plan::{self, Anchor, NewArgs};
use crate::settings::Settings;

const RULE: RuleId = RuleId::BuildahRootMissing;
/// The variable that holds the storage root.
pub(crate) const STORAGE_ROOT_ENV: &str = "BUILDAH_STORAGE_ROOT";

pub(super) fn check(task: &TaskContext<'_, '_>, _settings: &Settings, out: &mut Findings<'_>) {
    for c in buildah_containers(task) {
        for inv in &c.analysis.invocations {
            if out.full() {
                out.note_omitted();
                return;
            }
            if inv.call.kind != CallKind::Command || !inv.call.touches_storage() {
                continue;
            }
            let label = invocation_label(c, inv);
            let mut at = inv.report_loc();
            let mut remedy = Remedy::Manual("move `--root` before the first positional argument");
            let message = match inv.call.uses("root").last() {
                None if written_after_positional(inv, "root") => format!(
                    "{label} has `--root` after a positional argument, where buildah no longer reads options; move it before"
                ),
                None => {
                    remedy = Remedy::Add;
                    format!(
                        "{label} does not pass `--root`, so its storage lands on the node's disk; add `--root \"${STORAGE_ROOT_ENV}\"`{}",
                        opaque_hint(inv)
                    )
                }
                Some(root) => match &root.value {
                    Some(v) if is_storage_root(v, task, c) => {
                        let word = &inv.argv[root.at];
                        if word.conditional && !inv.conditional {
                            remedy = Remedy::Manual(
                                "`--root` is set inside a condition; pass it on every path",
                            );
                            format!(
                                "{label} passes `--root` only on some paths (it is set inside a condition); pass it every time"
                            )
                        } else {
                            continue;
                        }
                    }
                    Some(v) => {
                        if inv.via.is_none() {
                            at = inv.argv[root.at].loc;
                        }
                        remedy = Remedy::Replace(root);
                        let from = v
                            .from
                            .as_ref()
                            .map(|r| format!(" (from `{r}`)"))
                            .unwrap_or_default();
                        format!(
                            "{label} passes `--root {}`{from}; expected the storage root from `{STORAGE_ROOT_ENV}`: `--root \"${STORAGE_ROOT_ENV}\"`",
                            v.text
                        )
                    }
                    None => {
                        remedy = Remedy::Manual("`--root` has no value");
                        format!("{label} passes `--root` without a value")
                    }
                },
            };
            out.at(RULE, Level::Error, c, at, message)
                .fix(|| fix(c, inv, remedy));
        }
    }
}

/// What fixes a finding.
enum Remedy<'i> {
    /// `--root "$BUILDAH_STORAGE_ROOT"` after the program word.
    Add,
    /// This `--root` gets the storage root as its value.
    Replace(&'i OptionUse),
    Manual(&'static str),
}

fn fix(c: &ContainerContext<'_, '_>, inv: &Invocation, remedy: Remedy<'_>) -> Fix {
    let shell = format!("\"${STORAGE_ROOT_ENV}\"");
    let item = format!("$({STORAGE_ROOT_ENV})");
    match remedy {
        Remedy::Add => plan::add_arguments(
            c,
            inv,
            Anchor::Program,
            &NewArgs {
                shell: format!("--root {shell}"),
                items: vec!["--root".into(), item],
            },
        ),
        Remedy::Replace(root) => {
            let word = &inv.argv[root.at];
            match &root.value {
                // `--root=/path`: the whole word.
                Some(v) if v.loc == word.loc => plan::replace_word(
                    c,
                    inv,
                    word,
                    &format!("--root={shell}"),
                    &format!("--root={item}"),
                ),
                Some(v) => plan::replace_word(c, inv, v, &shell, &item),
                None => Fix::Unavailable("`--root` has no value".into()),
            }
        }
        Remedy::Manual(reason) => Fix::Unavailable(reason.into()),
    }
}

/// The value is `$BUILDAH_STORAGE_ROOT` (any spelling) or the same value the step sets it to.
fn is_storage_root(v: &Field, task: &TaskContext<'_, '_>, c: &ContainerContext<'_, '_>) -> bool {
    let text = v.text.trim();
    // `$BUILDAH_STORAGE_ROOT`, `${BUILDAH_STORAGE_ROOT}` or `$(BUILDAH_STORAGE_ROOT)`.
    let by_name = text.strip_prefix('$').is_some_and(|t| {
        [("", ""), ("{", "}"), ("(", ")")]
            .iter()
            .any(|(open, close)| {
                t.strip_prefix(open)
                    .and_then(|t| t.strip_suffix(close))
                    .is_some_and(|name| name == STORAGE_ROOT_ENV)
            })
    });
    if !v.exact && by_name {
        return true;
    }
    let Some(declared) = c.merged.env_var(STORAGE_ROOT_ENV).and_then(|e| e.value) else {
        return false;
    };
    !declared.is_empty() && (text == declared || text == resolve_value(declared, &task.spec.params))
}
