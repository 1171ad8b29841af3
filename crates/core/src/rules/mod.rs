//! The rules. One module per rule; each reads the [`TaskContext`] the engine prepared (steps
//! merged with their template, buildah invocations already parsed) and reports findings with
//! the rule's default level. The engine applies the levels chosen in the settings.

mod buildah_flag_missing;
mod buildah_root_missing;
mod buildah_unanalyzable;
mod capability_missing;
mod capability_not_allowed;
mod compute_resources_missing;
mod privileged_container;
mod required_env;
mod step_resources_field;
mod storage_on_node_disk;

use crate::engine::{ContainerContext, Findings, TaskContext};
use crate::settings::Settings;
use std::fmt;

/// How serious a finding is. An error rejects the object; a warning is reported with an
/// accepted one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Warning,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// Every rule. The kebab-case id is the one name used in settings, messages, JSON, SARIF
/// and docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RuleId {
    StepResourcesField,
    ComputeResourcesMissing,
    RequiredEnv,
    BuildahRootMissing,
    StorageOnNodeDisk,
    BuildahFlagMissing,
    PrivilegedContainer,
    CapabilityNotAllowed,
    CapabilityMissing,
    BuildahUnanalyzable,
    /// A reference a run makes gives nothing to check (not found, a lookup error, a resolver).
    ReferenceUnresolved,
    /// Not a configurable rule: the object itself is malformed where the policy must read it.
    InvalidObject,
    /// A suppression comment without a reason, or naming a rule that does not exist (read
    /// from the text by the CLI and the playground; the cluster never sees comments).
    SuppressionInvalid,
    /// A suppression comment that silences nothing.
    SuppressionUnused,
}

/// All rules, in the order of the documentation.
pub const RULES: &[RuleId] = &[
    RuleId::StepResourcesField,
    RuleId::ComputeResourcesMissing,
    RuleId::RequiredEnv,
    RuleId::BuildahRootMissing,
    RuleId::StorageOnNodeDisk,
    RuleId::BuildahFlagMissing,
    RuleId::PrivilegedContainer,
    RuleId::CapabilityNotAllowed,
    RuleId::CapabilityMissing,
    RuleId::BuildahUnanalyzable,
    RuleId::ReferenceUnresolved,
    RuleId::InvalidObject,
    RuleId::SuppressionInvalid,
    RuleId::SuppressionUnused,
];

impl RuleId {
    pub fn id(self) -> &'static str {
        match self {
            RuleId::StepResourcesField => "step-resources-field",
            RuleId::ComputeResourcesMissing => "compute-resources-missing",
            RuleId::RequiredEnv => "required-env",
            RuleId::BuildahRootMissing => "buildah-root-missing",
            RuleId::StorageOnNodeDisk => "storage-on-node-disk",
            RuleId::BuildahFlagMissing => "buildah-flag-missing",
            RuleId::PrivilegedContainer => "privileged-container",
            RuleId::CapabilityNotAllowed => "capability-not-allowed",
            RuleId::CapabilityMissing => "capability-missing",
            RuleId::BuildahUnanalyzable => "buildah-unanalyzable",
            RuleId::ReferenceUnresolved => "reference-unresolved",
            RuleId::InvalidObject => "invalid-object",
            RuleId::SuppressionInvalid => "suppression-invalid",
            RuleId::SuppressionUnused => "suppression-unused",
        }
    }

    pub fn from_id(id: &str) -> Option<RuleId> {
        RULES.iter().copied().find(|r| r.id() == id)
    }

    /// Whether `rules.<id>.level` may change it (`invalid-object` always rejects).
    pub fn configurable(self) -> bool {
        self != RuleId::InvalidObject
    }

    /// Whether it is about comments in a file (suppressions), which only the CLI and the
    /// playground read: the objects a cluster receives have none.
    pub fn reads_comments(self) -> bool {
        matches!(self, RuleId::SuppressionInvalid | RuleId::SuppressionUnused)
    }

    /// One line on what the rule checks.
    pub fn summary(self) -> &'static str {
        match self {
            RuleId::StepResourcesField => {
                "step resources under the field name the apiVersion has (`computeResources` on v1)"
            }
            RuleId::ComputeResourcesMissing => {
                "buildah steps declare the required compute resource requests and limits"
            }
            RuleId::RequiredEnv => {
                "buildah steps set the required environment variables to the required values"
            }
            RuleId::BuildahRootMissing => {
                "every buildah call that opens storage passes `--root $BUILDAH_STORAGE_ROOT`"
            }
            RuleId::StorageOnNodeDisk => {
                "buildah's storage root and temporary files land on a PVC, not the node's disk, memory or a read-only mount"
            }
            RuleId::BuildahFlagMissing => {
                "buildah calls pass the mandatory options with the mandatory values"
            }
            RuleId::PrivilegedContainer => "no step, sidecar or stepTemplate runs privileged",
            RuleId::CapabilityNotAllowed => "containers add only allowed capabilities",
            RuleId::CapabilityMissing => "buildah steps add the capabilities buildah needs",
            RuleId::BuildahUnanalyzable => "what a buildah step runs can be read before it runs",
            RuleId::ReferenceUnresolved => {
                "the Task, Pipeline or StepAction a run refers to can be found and read"
            }
            RuleId::InvalidObject => {
                "the object has the shape Tekton requires where the policy reads it"
            }
            RuleId::SuppressionInvalid => {
                "suppression comments name existing rules and give a reason (CLI and playground)"
            }
            RuleId::SuppressionUnused => {
                "every suppression comment silences a finding (CLI and playground)"
            }
        }
    }

    /// The default level, as the documentation states it.
    pub fn default_level_text(self) -> &'static str {
        match self {
            RuleId::StepResourcesField => "error on v1, warning on v1beta1",
            RuleId::CapabilityMissing
            | RuleId::BuildahUnanalyzable
            | RuleId::ReferenceUnresolved
            | RuleId::SuppressionInvalid
            | RuleId::SuppressionUnused => "warning",
            _ => "error",
        }
    }

    /// The rule's documentation (Markdown), as shown by `--explain` and in SARIF help.
    pub fn doc(self) -> &'static str {
        match self {
            RuleId::StepResourcesField => {
                include_str!("../../../../docs/rules/step-resources-field.md")
            }
            RuleId::ComputeResourcesMissing => {
                include_str!("../../../../docs/rules/compute-resources-missing.md")
            }
            RuleId::RequiredEnv => include_str!("../../../../docs/rules/required-env.md"),
            RuleId::BuildahRootMissing => {
                include_str!("../../../../docs/rules/buildah-root-missing.md")
            }
            RuleId::StorageOnNodeDisk => {
                include_str!("../../../../docs/rules/storage-on-node-disk.md")
            }
            RuleId::BuildahFlagMissing => {
                include_str!("../../../../docs/rules/buildah-flag-missing.md")
            }
            RuleId::PrivilegedContainer => {
                include_str!("../../../../docs/rules/privileged-container.md")
            }
            RuleId::CapabilityNotAllowed => {
                include_str!("../../../../docs/rules/capability-not-allowed.md")
            }
            RuleId::CapabilityMissing => {
                include_str!("../../../../docs/rules/capability-missing.md")
            }
            RuleId::BuildahUnanalyzable => {
                include_str!("../../../../docs/rules/buildah-unanalyzable.md")
            }
            RuleId::ReferenceUnresolved => {
                include_str!("../../../../docs/rules/reference-unresolved.md")
            }
            RuleId::InvalidObject => include_str!("../../../../docs/rules/invalid-object.md"),
            RuleId::SuppressionInvalid => {
                include_str!("../../../../docs/rules/suppression-invalid.md")
            }
            RuleId::SuppressionUnused => {
                include_str!("../../../../docs/rules/suppression-unused.md")
            }
        }
    }
}

/// Runs every enabled rule over one task.
pub(crate) fn check_task(task: &TaskContext<'_, '_>, settings: &Settings, out: &mut Findings<'_>) {
    type Check = fn(&TaskContext<'_, '_>, &Settings, &mut Findings<'_>);
    let checks: [(RuleId, Check); 10] = [
        (RuleId::StepResourcesField, step_resources_field::check),
        (
            RuleId::ComputeResourcesMissing,
            compute_resources_missing::check,
        ),
        (RuleId::RequiredEnv, required_env::check),
        (RuleId::BuildahRootMissing, buildah_root_missing::check),
        (RuleId::StorageOnNodeDisk, storage_on_node_disk::check),
        (RuleId::BuildahFlagMissing, buildah_flag_missing::check),
        (RuleId::PrivilegedContainer, privileged_container::check),
        (RuleId::CapabilityNotAllowed, capability_not_allowed::check),
        (RuleId::CapabilityMissing, capability_missing::check),
        (RuleId::BuildahUnanalyzable, buildah_unanalyzable::check),
    ];
    for (rule, check) in checks {
        if settings.rule_enabled(rule) {
            check(task, settings, out);
        }
    }
}

/// The buildah steps of a task (steps, sidecars or the StepAction that run buildah).
pub(crate) fn buildah_containers<'t, 'a, 'v>(
    task: &'t TaskContext<'a, 'v>,
) -> impl Iterator<Item = &'t ContainerContext<'a, 'v>> {
    task.containers.iter().filter(|c| c.buildah.is_some())
}

/// How a finding names an invocation: `` `buildah push` at script line 24 ``, or through a
/// function: `` `buildah bud` via `_buildah` at script line 40 ``. Written only when a
/// finding's message is.
pub struct InvocationLabel<'c, 'a, 'v> {
    c: &'c ContainerContext<'a, 'v>,
    inv: &'c crate::analysis::Invocation,
}

pub fn invocation_label<'c, 'a, 'v>(
    c: &'c ContainerContext<'a, 'v>,
    inv: &'c crate::analysis::Invocation,
) -> InvocationLabel<'c, 'a, 'v> {
    InvocationLabel { c, inv }
}

impl fmt::Display for InvocationLabel<'_, '_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (c, inv) = (self.c, self.inv);
        f.write_str(&inv.describe())?;
        if let Some(var) = &inv.built_in {
            write!(f, " (from `{var}`)")?;
        }
        match &inv.via {
            Some((func, loc)) => write!(f, " via `{func}` at {}", c.where_(*loc)),
            None => write!(f, " at {}", c.where_(inv.loc)),
        }
    }
}

/// `` `SETFCAP`, `SYS_ADMIN` ``: names quoted and joined, for messages.
pub(crate) struct Quoted<'a, T>(pub &'a [T]);

impl<T: fmt::Display> fmt::Display for Quoted<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, item) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "`{item}`")?;
        }
        Ok(())
    }
}

/// ` (options in `$(params.EXTRA)` cannot be checked)` when some arguments are unknown.
pub(crate) fn opaque_hint(inv: &crate::analysis::Invocation) -> String {
    match inv.call.opaque.first().and_then(|&i| inv.argv.get(i)) {
        Some(f) => format!(
            " (`{}` is only known when the step runs and may add options)",
            f.text
        ),
        None => String::new(),
    }
}

/// Whether `--long` was written after a positional argument of a command that stops reading
/// options there (buildah then fails or takes it as an argument).
pub(crate) fn written_after_positional(inv: &crate::analysis::Invocation, long: &str) -> bool {
    let flag = format!("--{long}");
    inv.call.positionals.iter().any(|&i| {
        inv.argv.get(i).is_some_and(|f| {
            f.text == flag
                || f.text
                    .strip_prefix(&flag)
                    .is_some_and(|r| r.starts_with('='))
        })
    })
}
