//! The engine: reads the object, prepares each task once (merged steps, parsed buildah
//! invocations, which steps run buildah), runs the rules, applies the configured levels and
//! returns the findings in document order.

use crate::analysis::{self, Analysis, Files, Loc, Source};
use crate::finding::Finding;
use crate::fix::Fix;
use crate::json::{AsValue, Value};
use crate::rules::{self, Level, RuleId};
use crate::settings::Settings;
use crate::shell::Span;
use crate::tekton::{
    self, ApiVersion, Container, Kind, MergedContainer, Object, Role, Skip, TaskSpec, merge_step,
};
use std::sync::OnceLock;

/// Why a container counts as a buildah step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildahEvidence {
    /// Its image matches one of `buildahImages`.
    Image,
    /// It runs buildah (found in its script or command).
    Invocation,
}

/// One container as the rules see it.
pub struct ContainerContext<'a, 'v> {
    pub merged: MergedContainer<'a, 'v>,
    pub analysis: Analysis,
    pub buildah: Option<BuildahEvidence>,
    /// Position in the task, for ordering findings.
    pub(crate) rank: u32,
    /// Byte offsets where the script's lines start (built on first use).
    line_starts: OnceLock<Vec<u32>>,
}

impl ContainerContext<'_, '_> {
    pub fn container(&self) -> &Container<'_> {
        self.merged.container
    }

    /// Path of a position inside this container: `spec.steps[0].script`.
    pub fn path_of(&self, loc: Loc) -> String {
        format!("{}.{}", self.merged.container.path, loc.source.suffix())
    }

    /// Where a position is, in words: `script line 12`, `command`, `args[2]`.
    pub fn where_(&self, loc: Loc) -> String {
        match loc.source {
            Source::Script => {
                let starts = self.line_starts.get_or_init(|| {
                    crate::lines::starts(self.merged.container.script.unwrap_or(""))
                });
                let line = starts.partition_point(|&s| s <= loc.span.start);
                format!("script line {line}")
            }
            Source::Command(i) => format!("`command[{i}]`"),
            Source::Args(i) => format!("`args[{i}]`"),
        }
    }
}

/// One task definition with everything the rules need.
pub struct TaskContext<'a, 'v> {
    pub version: ApiVersion,
    pub spec: &'a TaskSpec<'v>,
    /// Steps (merged over the template), then sidecars; a StepAction's `spec` alone.
    pub containers: Vec<ContainerContext<'a, 'v>>,
}

impl TaskContext<'_, '_> {
    /// Every container definition as written (template included), for rules about fields.
    pub fn written_containers(&self) -> impl Iterator<Item = (u32, &Container<'_>)> {
        self.spec
            .step_template
            .iter()
            .map(|t| (0, t))
            .chain(self.containers.iter().map(|c| (c.rank, c.merged.container)))
    }
}

/// Where a finding is.
pub struct Site {
    /// What it is about, in words: `step "build" (spec.steps[0])`.
    pub subject: String,
    /// Logical path of the offending field.
    pub path: String,
    /// Byte range inside the string at `path`.
    pub span: Option<Span>,
    /// Position of the container in its task (template 0, then steps and sidecars), for order.
    pub rank: u32,
}

/// Most findings one object reports; the rest are counted. Only hostile or generated objects
/// come near it, and it keeps the admission response small.
pub const MAX_FINDINGS: usize = 1000;

/// Collects findings with their rule's default level.
pub struct Findings<'s> {
    settings: &'s Settings,
    items: Vec<Finding>,
    spec_index: u32,
    /// Whether findings beyond [`MAX_FINDINGS`] were left out.
    omitted: bool,
}

impl Findings<'_> {
    /// No more findings are kept: rules may stop looking.
    pub fn full(&self) -> bool {
        self.items.len() >= MAX_FINDINGS
    }

    /// Notes that a rule stopped early because the list is full.
    pub fn note_omitted(&mut self) {
        self.omitted = true;
    }

    /// Reports a finding with the rule's default level for it; its fix can be attached to
    /// what this returns.
    pub fn push(
        &mut self,
        rule: RuleId,
        default: Level,
        site: Site,
        message: String,
    ) -> Pushed<'_> {
        let Some(level) = self.settings.level(rule, default) else {
            return Pushed(None);
        };
        if self.full() {
            self.omitted = true;
            return Pushed(None);
        }
        let offset = site.span.map_or(0, |s| s.start);
        self.items.push(Finding {
            rule,
            level,
            subject: site.subject,
            path: site.path,
            span: site.span,
            message,
            order: (self.spec_index, site.rank, offset),
            fix: None,
        });
        Pushed(self.items.last_mut())
    }

    /// A finding about one container.
    pub fn container(
        &mut self,
        rule: RuleId,
        default: Level,
        c: &ContainerContext<'_, '_>,
        path: String,
        span: Option<Span>,
        message: String,
    ) -> Pushed<'_> {
        let site = Site {
            subject: c.container().describe(),
            path,
            span,
            rank: c.rank,
        };
        self.push(rule, default, site, message)
    }

    /// A finding at a position inside a container's script, command or args.
    pub fn at(
        &mut self,
        rule: RuleId,
        default: Level,
        c: &ContainerContext<'_, '_>,
        loc: Loc,
        message: String,
    ) -> Pushed<'_> {
        let path = c.path_of(loc);
        self.container(rule, default, c, path, Some(loc.span), message)
    }
}

/// A finding just reported (none when its rule is off or the list is full).
pub struct Pushed<'f>(Option<&'f mut Finding>);

impl Pushed<'_> {
    /// Attaches the finding's fix. `make` runs only where fixes are used (feature `fix`: the
    /// CLI and the browser build), never in the policy, whose findings carry no fix.
    pub fn fix(self, make: impl FnOnce() -> Fix) {
        #[cfg(feature = "fix")]
        if let Some(f) = self.0 {
            f.fix = Some(Box::new(make()));
        }
        #[cfg(not(feature = "fix"))]
        let _ = (self.0, make);
    }
}

/// Whether and how the object was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// A Tekton object with steps, read and checked.
    Yes { kind: Kind, version: ApiVersion },
    /// Not an object this policy checks (another kind, or another group).
    NotApplicable,
    /// A Tekton kind with steps in an API version the policy does not know.
    UnsupportedVersion(String),
    /// Not a Kubernetes object at all (see the `invalid-object` finding).
    Invalid,
}

/// The outcome of checking one object.
#[derive(Debug, Clone)]
pub struct Report {
    pub checked: Checked,
    /// Every finding, in document order (at most [`MAX_FINDINGS`]).
    pub findings: Vec<Finding>,
    /// Whether there were more findings than [`MAX_FINDINGS`] (the rest are not listed).
    pub omitted: bool,
}

impl Report {
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.level == Level::Error)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.level == Level::Warning)
    }

    /// `N problems: [rule] subject: message; …` over the errors, or `None` when there are
    /// none (the object is accepted).
    pub fn rejection_message(&self) -> Option<String> {
        rejection_message(self.errors(), self.omitted)
    }
}

/// The message that rejects an object: `N problems: [rule] subject: message; …` over its
/// error findings in the engine's order (`omitted`: there were more than [`MAX_FINDINGS`]), or
/// `None` when there are none.
pub fn rejection_message<'f>(
    errors: impl IntoIterator<Item = &'f Finding>,
    omitted: bool,
) -> Option<String> {
    let errors: Vec<String> = errors.into_iter().map(ToString::to_string).collect();
    if errors.is_empty() {
        return None;
    }
    let n = errors.len();
    let more = if omitted {
        format!("; and more: only the first {MAX_FINDINGS} findings are listed")
    } else {
        String::new()
    };
    Some(format!(
        "{n} problem{}: {}{more}",
        if n == 1 { "" } else { "s" },
        errors.join("; ")
    ))
}

/// Checks one object (a Tekton resource as JSON) against the settings: a [`Value`] (what the
/// policy reads from a request, the CLI from YAML) or a `serde_json::Value`.
pub fn check_object<D: AsValue + ?Sized>(object: &D, settings: &Settings) -> Report {
    object.with_value(|object| check_value(object, settings))
}

fn check_value(object: &Value<'_>, settings: &Settings) -> Report {
    let mut findings = Findings {
        settings,
        items: Vec::new(),
        spec_index: 0,
        omitted: false,
    };
    let checked = match tekton::read_object(object) {
        Err(bad) => {
            invalid(&mut findings, &bad.path, &bad.message);
            Checked::Invalid
        }
        Ok(Err(Skip::NotApplicable)) => Checked::NotApplicable,
        Ok(Err(Skip::UnsupportedVersion(v))) => Checked::UnsupportedVersion(v),
        Ok(Ok(obj)) => {
            check_read_object(&obj, settings, &mut findings);
            Checked::Yes {
                kind: obj.kind,
                version: obj.version,
            }
        }
    };
    let omitted = findings.omitted;
    let mut items = findings.items;
    items.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    items.dedup_by(|a, b| {
        a.rule == b.rule && a.path == b.path && a.span == b.span && a.message == b.message
    });
    Report {
        checked,
        findings: items,
        omitted,
    }
}

fn invalid(findings: &mut Findings<'_>, path: &str, message: &str) {
    let subject = if path.is_empty() {
        "object".to_string()
    } else {
        format!("`{path}`")
    };
    let site = Site {
        subject,
        path: path.to_string(),
        span: None,
        rank: 0,
    };
    findings.push(
        RuleId::InvalidObject,
        Level::Error,
        site,
        message.to_string(),
    );
}

fn check_read_object(obj: &Object<'_>, settings: &Settings, findings: &mut Findings<'_>) {
    for bad in &obj.malformed {
        invalid(findings, &bad.path, &bad.message);
    }
    // One work budget for the whole object, shared by all its containers.
    let mut budget = analysis::WORK_BUDGET;
    for (index, spec) in obj.specs.iter().enumerate() {
        findings.spec_index = index as u32;
        let task = prepare(obj, spec, settings, &mut budget);
        rules::check_task(&task, settings, findings);
    }
}

fn prepare<'a, 'v>(
    obj: &Object<'v>,
    spec: &'a TaskSpec<'v>,
    settings: &Settings,
    budget: &mut u32,
) -> TaskContext<'a, 'v> {
    let mut containers = Vec::with_capacity(spec.steps.len() + spec.sidecars.len());
    let template = spec.step_template.as_ref();
    // Steps run in order and share the Task's volumes: what one writes, the next may run.
    let mut written = Files::default();
    for (rank, c) in (1..).zip(spec.steps.iter().chain(spec.sidecars.iter())) {
        let merged = match c.role {
            Role::Step => merge_step(c, template),
            _ => merge_step(c, None),
        };
        let inherited = if c.role == Role::Step {
            written.clone()
        } else {
            Files::default()
        };
        let analysis = analysis::analyze_after(&merged, &spec.params, &inherited, (*budget).max(1));
        *budget = budget.saturating_sub(analysis.work);
        if c.role == Role::Step {
            written = analysis.files.clone();
            if !written.is_empty() {
                let step = c.describe();
                for w in written.values_mut() {
                    w.pass_on(&step);
                }
            }
        }
        let image_matches = merged.image.is_some_and(|image| {
            let resolved = analysis::resolve_value(image, &spec.params);
            settings.is_buildah_image(&resolved)
        });
        let visible = c.script.is_some() || merged.command.is_some();
        let buildah = if !analysis.invocations.is_empty() {
            Some(BuildahEvidence::Invocation)
        } else if image_matches && !(visible && analysis.runs_only_plain_utilities()) {
            // The image says buildah and what runs cannot rule it out.
            Some(BuildahEvidence::Image)
        } else {
            None
        };
        containers.push(ContainerContext {
            merged,
            analysis,
            buildah,
            rank,
            line_starts: OnceLock::new(),
        });
    }
    TaskContext {
        version: obj.version,
        spec,
        containers,
    }
}
