//! The engine: reads the object, prepares each task once (merged steps, parsed buildah
//! invocations, which steps run buildah), runs the rules, applies the configured levels and
//! returns the findings in document order.

use crate::analysis::{self, Analysis, Files, Loc, Source};
use crate::finding::{Finding, Related};
use crate::fix::Fix;
use crate::json::{AsValue, Value};
use crate::refs::{self, RefKey, Resolver};
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
    /// The object its program was read from, when it is not its task's (a StepAction).
    pub origin: Option<&'a RefKey>,
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
    /// The object the spec was read from, when it is not the checked one.
    pub origin: Option<&'a RefKey>,
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
    /// The object the current spec was read from, when it is not the checked one (boxed: the
    /// collector lives on the stack under every rule and the analysis).
    origin: Option<Box<RefKey>>,
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
        let object = self.origin.as_deref().cloned();
        self.push_in(rule, default, site, message, object, None)
    }

    /// A finding at a path of the checked object (a run's binding) about a spec that may come
    /// from another object, with where it points in that spec.
    pub fn in_run(
        &mut self,
        rule: RuleId,
        default: Level,
        c: &ContainerContext<'_, '_>,
        path: String,
        related: Option<(String, Option<Span>)>,
        message: String,
    ) -> Pushed<'_> {
        let site = Site {
            subject: self.subject(c),
            path,
            span: None,
            rank: c.rank,
        };
        let related = match (c.origin.or(self.origin.as_deref()), related) {
            (Some(o), Some((path, span))) => Some(Box::new(Related {
                object: Some(o.clone()),
                path,
                span,
            })),
            _ => None,
        };
        self.push_in(rule, default, site, message, None, related)
    }

    fn push_in(
        &mut self,
        rule: RuleId,
        default: Level,
        site: Site,
        message: String,
        object: Option<RefKey>,
        related: Option<Box<Related>>,
    ) -> Pushed<'_> {
        let Some(level) = self.settings.level(rule, default) else {
            return Pushed(None);
        };
        // In an object the checked one refers to, say which: `Task/lint step "lint" (…)`.
        let mut site = site;
        if let Some(o) = &object {
            let prefix = format!("{}/{} ", o.kind.as_str(), o.name);
            if !site.subject.starts_with(&prefix) {
                site.subject.insert_str(0, &prefix);
            }
        }
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
            object,
            related,
            order: (self.spec_index, site.rank, offset),
            fix: None,
        });
        Pushed(self.items.last_mut())
    }

    /// `step "build" (spec.steps[0])`, and in a spec read from another object,
    /// `Task/buildah step "build" (spec.steps[0])`.
    pub fn subject(&self, c: &ContainerContext<'_, '_>) -> String {
        let own = c.container().describe();
        match c.origin.or(self.origin.as_deref()) {
            Some(o) => format!("{}/{} {own}", o.kind.as_str(), o.name),
            None => own,
        }
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
            subject: self.subject(c),
            path,
            span,
            rank: c.rank,
        };
        let object = c.origin.or(self.origin.as_deref()).cloned();
        self.push_in(rule, default, site, message, object, None)
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
    object.with_value(|object| check_value(object, settings, None))
}

/// [`check_object`], following references with `resolver`: a run is checked together with
/// the Task or Pipeline it names (read with the run's workspace bindings), and steps with the
/// StepActions they use. A reference that gives nothing is a `reference-unresolved` finding.
pub fn check_object_with<'r, D: AsValue + ?Sized>(
    object: &D,
    settings: &Settings,
    resolver: &dyn Resolver<'r>,
) -> Report {
    object.with_value(|object| check_value(object, settings, Some(resolver)))
}

fn check_value<'r>(
    object: &Value<'_>,
    settings: &Settings,
    resolver: Option<&dyn Resolver<'r>>,
) -> Report {
    match resolver {
        None => check_read(tekton::read_object(object), settings),
        Some(r) => check_resolved(object, settings, r),
    }
}

/// With references followed: kept out of [`check_value`] so that the usual path (every
/// admission request without `resolveReferences`) does not carry its state on the stack.
#[inline(never)]
fn check_resolved<'r>(
    object: &Value<'_>,
    settings: &Settings,
    resolver: &dyn Resolver<'r>,
) -> Report {
    let fetched = refs::fetch(object, resolver);
    let refs = fetched.refs();
    check_read(tekton::read_object_with(object, Some(&refs)), settings)
}

fn check_read(
    read: Result<Result<Object<'_>, Skip>, tekton::Malformed>,
    settings: &Settings,
) -> Report {
    let mut findings = Findings {
        settings,
        items: Vec::new(),
        spec_index: 0,
        origin: None,
        omitted: false,
    };
    let checked = match read {
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

/// Where the storage-opening buildah calls of an object put their storage root and temporary
/// files, one line per call (see [`crate::placement::describe`]); empty for objects the
/// policy does not check.
pub fn describe_storage<D: AsValue + ?Sized>(object: &D, settings: &Settings) -> Vec<String> {
    object.with_value(|object| {
        let Ok(Ok(obj)) = tekton::read_object(object) else {
            return Vec::new();
        };
        let mut budget = analysis::WORK_BUDGET;
        let mut out = Vec::new();
        for spec in &obj.specs {
            let task = prepare(&obj, spec, settings, &mut budget);
            out.extend(crate::placement::describe(&task));
        }
        out
    })
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
        findings.origin = bad.origin.map(|i| Box::new(obj.referenced[i].key.clone()));
        invalid(findings, &bad.path, &bad.message);
    }
    findings.origin = None;
    for u in &obj.unresolved {
        unresolved(obj, u, findings);
    }
    // One work budget for the whole object, shared by all its containers.
    let mut budget = analysis::WORK_BUDGET;
    for (index, spec) in obj.specs.iter().enumerate() {
        findings.spec_index = index as u32;
        findings.origin = spec.origin.map(|i| Box::new(obj.referenced[i].key.clone()));
        let task = prepare(obj, spec, settings, &mut budget);
        rules::check_task(&task, settings, findings);
    }
    findings.origin = None;
}

/// A reference that gave nothing: reported in the checked object, where it (or the reference
/// to the object that holds it) is written.
fn unresolved(obj: &Object<'_>, u: &tekton::Unresolved, findings: &mut Findings<'_>) {
    // The reference inside a referenced Pipeline: report it at the run's `pipelineRef`.
    let mut at = u.at.as_str();
    let mut within = String::new();
    let mut origin = u.origin;
    while let Some(i) = origin {
        let r = &obj.referenced[i];
        if within.is_empty() {
            within = format!(" (in {}/{} at `{at}`)", r.key.kind.as_str(), r.key.name);
        }
        at = &r.at;
        origin = r.parent;
    }
    let what = match &u.key {
        Some(k) => format!("{}/{}", k.kind.as_str(), k.name),
        None => format!("the {}", u.kind.as_str()),
    };
    let site = Site {
        subject: format!("`{at}`"),
        path: at.to_string(),
        span: None,
        rank: 0,
    };
    findings.push(
        RuleId::ReferenceUnresolved,
        Level::Warning,
        site,
        format!("{what}{within} is not checked with this run: {}", u.reason),
    );
}

fn prepare<'a, 'v>(
    obj: &'a Object<'v>,
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
        // A StepAction's program reads its own parameters.
        let params = c.params.as_ref().unwrap_or(&spec.params);
        let analysis = analysis::analyze_after(&merged, params, &inherited, (*budget).max(1));
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
            let resolved = analysis::resolve_value(image, params);
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
            origin: c.origin.map(|i| &obj.referenced[i].key),
            line_starts: OnceLock::new(),
        });
    }
    TaskContext {
        version: obj.version,
        origin: spec.origin.map(|i| &obj.referenced[i].key),
        spec,
        containers,
    }
}
