//! Settings: what a user writes (a JSON object, the same in a Kubewarden policy's `settings`
//! and in the CLI's config file) resolved into what the rules read.
//!
//! Every key is optional and falls back to the incident's working configuration. Unknown
//! keys, wrong types, bad regular expressions, unknown rule ids, unknown buildah options and
//! invalid capability names are all reported together, each with the path of the bad value.

mod capabilities;
mod glob;

pub use capabilities::{CAPABILITIES, is_capability, normalize_capability};
pub use glob::glob_match;

use crate::buildah::call::find_command;
use crate::buildah::table::{Command, Flag, GLOBAL_FLAGS};
use crate::json::{AsValue, Map, Value};
use crate::rules::{Level, RULES, RuleId};
use crate::tekton::describe;
use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

/// Text that is either one of the built-in defaults or read from the user's settings: the
/// defaults cost no allocation, which matters because the settings are resolved again for
/// every admission request.
pub type Text = Cow<'static, str>;

/// A required environment variable on buildah steps.
#[derive(Debug, Clone)]
pub struct RequiredEnv {
    pub name: Text,
    /// The value must match this regular expression.
    pub value_pattern: Option<Pattern>,
    /// The value must be a path under a workspace the task declares:
    /// `$(workspaces.<name>.path)/…`.
    pub in_workspace: bool,
}

/// A regular expression from the settings, compiled the first time it is used. Expressions
/// that are only a literal, optionally anchored (`^vfs$`, `^/workspace/`), are matched as
/// text: same answer, no compilation.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub source: Text,
    compiled: OnceLock<Result<Matcher, String>>,
}

#[derive(Debug, Clone)]
enum Matcher {
    /// `^?literal$?`: the literal is `source[start..end]`.
    Literal {
        anchored_start: bool,
        anchored_end: bool,
        start: usize,
        end: usize,
    },
    Regex(regex_lite::Regex),
}

impl Pattern {
    pub fn new(source: impl Into<Text>) -> Pattern {
        Pattern {
            source: source.into(),
            compiled: OnceLock::new(),
        }
    }

    fn compiled(&self) -> &Result<Matcher, String> {
        self.compiled.get_or_init(|| {
            if let Some(literal) = literal_matcher(&self.source) {
                return Ok(literal);
            }
            regex_lite::Regex::new(&self.source)
                .map(Matcher::Regex)
                .map_err(|e| first_line(&e.to_string()))
        })
    }

    /// The one text the expression matches, when it is an anchored literal (`^vfs$`).
    pub fn literal(&self) -> Option<String> {
        match literal_matcher(&self.source)? {
            Matcher::Literal {
                anchored_start: true,
                anchored_end: true,
                start,
                end,
            } => Some(self.source[start..end].to_string()),
            _ => None,
        }
    }

    /// Whether `text` matches; `Err` with the reason when the expression does not compile.
    pub fn is_match(&self, text: &str) -> Result<bool, String> {
        match self.compiled() {
            Ok(Matcher::Literal {
                anchored_start,
                anchored_end,
                start,
                end,
            }) => {
                let lit = &self.source[*start..*end];
                Ok(match (anchored_start, anchored_end) {
                    (true, true) => text == lit,
                    (true, false) => text.starts_with(lit),
                    (false, true) => text.ends_with(lit),
                    (false, false) => text.contains(lit),
                })
            }
            Ok(Matcher::Regex(re)) => Ok(re.is_match(text)),
            Err(e) => Err(e.clone()),
        }
    }

    fn check(&self) -> Result<(), String> {
        self.compiled().as_ref().map(|_| ()).map_err(Clone::clone)
    }
}

/// An expression without any regex syntax between its optional anchors.
fn literal_matcher(source: &str) -> Option<Matcher> {
    let anchored_start = source.starts_with('^');
    let start = usize::from(anchored_start);
    let anchored_end = source.len() > start && source.ends_with('$');
    let end = source.len() - usize::from(anchored_end);
    let body = &source[start..end];
    let special = |c: char| "\\.+*?()|[]{}^$#".contains(c) || c.is_whitespace();
    (!body.contains(special)).then_some(Matcher::Literal {
        anchored_start,
        anchored_end,
        start,
        end,
    })
}

fn first_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or(s)
        .to_string()
}

/// Where a mandatory flag applies.
#[derive(Debug, Clone, Copy)]
pub enum FlagScope {
    /// Every buildah call that opens container storage.
    Global,
    Command(&'static Command),
}

/// One `mandatoryFlags` entry, such as `--layers=false` for `build`.
#[derive(Debug, Clone)]
pub struct FlagRequirement {
    pub scope: FlagScope,
    pub flag: &'static Flag,
    /// The value it must have (`false`, `oci`); `None` means it only has to be present (for a
    /// boolean: present and true).
    pub value: Option<Text>,
    /// As written in the settings.
    pub spec: Text,
}

#[derive(Debug, Clone, Default)]
pub struct ResourceRequirement {
    pub requests: Vec<Text>,
    pub limits: Vec<Text>,
}

/// Level chosen for a rule in `rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelSetting {
    Level(Level),
    Off,
}

/// The resolved settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub required_env: Vec<RequiredEnv>,
    /// Normalised names (upper case, no `CAP_` prefix).
    pub allowed_capabilities: Vec<Text>,
    pub required_capabilities: Vec<Text>,
    pub mandatory_flags: Vec<FlagRequirement>,
    pub compute_resources: ResourceRequirement,
    pub buildah_images: Vec<Text>,
    /// The policy fetches the Task or Pipeline a run names from the cluster (Kubewarden's
    /// context-aware host capability) and checks the run with it. The CLI and the playground
    /// always follow references among the documents they read.
    pub resolve_references: bool,
    levels: [Option<LevelSetting>; RULES.len()],
}

/// Every problem found in a settings object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    pub problems: Vec<String>,
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(
            f,
            "{n} problem{} in settings: {}",
            if n == 1 { "" } else { "s" },
            self.problems.join("; ")
        )
    }
}

impl std::error::Error for SettingsError {}

/// The keys a settings object may have.
pub const KEYS: &[&str] = &[
    "requiredEnv",
    "allowedCapabilities",
    "requiredCapabilities",
    "mandatoryFlags",
    "computeResources",
    "buildahImages",
    "resolveReferences",
    "rules",
];

impl Default for Settings {
    /// The seed's working configuration (what [`defaults_json`] writes down), built without
    /// reading any JSON.
    fn default() -> Self {
        Settings {
            required_env: default_required_env(),
            allowed_capabilities: default_capabilities(),
            required_capabilities: default_capabilities(),
            mandatory_flags: default_mandatory_flags(),
            compute_resources: default_compute_resources(),
            buildah_images: default_buildah_images(),
            resolve_references: false,
            levels: [None; RULES.len()],
        }
    }
}

impl Settings {
    /// Reads and checks a settings object (a [`Value`] or a `serde_json::Value`). `null` and
    /// `{}` give the defaults. Regular expressions are compiled only when first used (see
    /// [`Settings::from_json_checked`]).
    pub fn from_json<D: AsValue + ?Sized>(value: &D) -> Result<Settings, SettingsError> {
        value.with_value(|v| Settings::parse(v, false))
    }

    /// `from_json` plus the checks that cost more (compiling every `valuePattern`). Run it
    /// when settings are loaded; per admission request `from_json` suffices.
    pub fn from_json_checked<D: AsValue + ?Sized>(value: &D) -> Result<Settings, SettingsError> {
        value.with_value(|v| Settings::parse(v, true))
    }

    fn parse(value: &Value<'_>, compile_patterns: bool) -> Result<Settings, SettingsError> {
        let mut p = Problems::default();
        let empty = Map::new();
        let obj = match value {
            Value::Null => &empty,
            Value::Object(m) => m,
            other => {
                return Err(SettingsError {
                    problems: vec![format!(
                        "settings must be an object, found {}",
                        describe(other)
                    )],
                });
            }
        };
        for key in obj.keys() {
            if !KEYS.contains(&key) {
                p.push(format!(
                    "`{key}` is not a setting{}",
                    suggest(key, KEYS.iter().copied())
                ));
            }
        }
        let given = |k: &str| obj.get(k).filter(|v| !v.is_null());
        // Keys not given keep the default (built directly: see `Settings::default`).
        let settings = Settings {
            required_env: match given("requiredEnv") {
                Some(v) => required_env(v, &mut p),
                None => default_required_env(),
            },
            allowed_capabilities: match given("allowedCapabilities") {
                Some(v) => capability_list(v, "allowedCapabilities", &mut p),
                None => default_capabilities(),
            },
            required_capabilities: match given("requiredCapabilities") {
                Some(v) => capability_list(v, "requiredCapabilities", &mut p),
                None => default_capabilities(),
            },
            mandatory_flags: match given("mandatoryFlags") {
                Some(v) => mandatory_flags(v, &mut p),
                None => default_mandatory_flags(),
            },
            compute_resources: match given("computeResources") {
                Some(v) => compute_resources(v, &mut p),
                None => default_compute_resources(),
            },
            buildah_images: match given("buildahImages") {
                Some(v) => string_list(v, &"buildahImages", &mut p),
                None => default_buildah_images(),
            },
            resolve_references: match given("resolveReferences") {
                None | Some(Value::Bool(false)) => false,
                Some(Value::Bool(true)) => true,
                Some(other) => {
                    p.push(format!(
                        "resolveReferences: expected true or false, found {}",
                        describe(other)
                    ));
                    false
                }
            },
            levels: match given("rules") {
                Some(v) => levels(v, &mut p),
                None => [None; RULES.len()],
            },
        };
        if compile_patterns {
            for (i, e) in settings.required_env.iter().enumerate() {
                if let Some(pattern) = &e.value_pattern
                    && let Err(err) = pattern.check()
                {
                    p.push(format!(
                        "requiredEnv[{i}].valuePattern: `{}` is not a valid regular expression ({err})",
                        pattern.source
                    ));
                }
            }
        }
        if p.0.is_empty() {
            Ok(settings)
        } else {
            Err(SettingsError { problems: p.0 })
        }
    }

    /// The defaults with every other rule turned off: one rule in isolation, for tests.
    pub fn for_rule(rule: RuleId) -> Settings {
        let mut s = Settings::default();
        for r in RULES {
            if *r != rule && r.configurable() {
                s.levels[*r as usize] = Some(LevelSetting::Off);
            }
        }
        s
    }

    /// These settings with a rule's level as `rules.<id>.level` sets it (`None`: the rule's
    /// default).
    pub fn with_level(mut self, rule: RuleId, level: Option<LevelSetting>) -> Settings {
        if let Some(slot) = self.levels.get_mut(rule as usize) {
            *slot = level;
        }
        self
    }

    /// The level a rule's finding gets: the setting's choice, else the rule's default for
    /// this finding. `None` when the rule is off.
    pub fn level(&self, rule: RuleId, default: Level) -> Option<Level> {
        match self.levels.get(rule as usize).copied().flatten() {
            None => Some(default),
            Some(LevelSetting::Level(l)) => Some(l),
            Some(LevelSetting::Off) => None,
        }
    }

    pub fn rule_enabled(&self, rule: RuleId) -> bool {
        self.levels.get(rule as usize).copied().flatten() != Some(LevelSetting::Off)
    }

    /// Whether an image reference names a buildah image.
    pub fn is_buildah_image(&self, image: &str) -> bool {
        self.buildah_images.iter().any(|g| glob_match(g, image))
    }
}

fn default_required_env() -> Vec<RequiredEnv> {
    let in_workspace = |name: &'static str| RequiredEnv {
        name: Cow::Borrowed(name),
        value_pattern: None,
        in_workspace: true,
    };
    vec![
        in_workspace("BUILDAH_STORAGE_ROOT"),
        in_workspace("TMPDIR"),
        in_workspace("HOME"),
        RequiredEnv {
            name: Cow::Borrowed("STORAGE_DRIVER"),
            value_pattern: Some(Pattern::new("^vfs$")),
            in_workspace: false,
        },
    ]
}

/// The default `mandatoryFlags`, in the order a settings object's keys are read (sorted).
const DEFAULT_MANDATORY_FLAGS: &[(&str, &[&str])] = &[
    (
        "build",
        &[
            "--format=oci",
            "--no-cache",
            "--layers=false",
            "--squash",
            "--ulimit=nofile=4096:8192",
        ],
    ),
    ("global", &["--storage-driver=vfs"]),
    ("manifest push", &["--digestfile"]),
    ("push", &["--digestfile"]),
];

fn default_mandatory_flags() -> Vec<FlagRequirement> {
    let mut p = Problems::default();
    let mut out = Vec::with_capacity(8);
    for (key, specs) in DEFAULT_MANDATORY_FLAGS {
        let Some(scope) = flag_scope(key) else {
            continue;
        };
        for spec in *specs {
            out.extend(flag_requirement(spec, Cow::Borrowed, scope, &"", &mut p));
        }
    }
    debug_assert!(p.0.is_empty(), "default mandatory flags: {:?}", p.0);
    out
}

fn default_capabilities() -> Vec<Text> {
    vec![Cow::Borrowed("SETFCAP")]
}

fn default_buildah_images() -> Vec<Text> {
    vec![Cow::Borrowed("*buildah*")]
}

fn default_compute_resources() -> ResourceRequirement {
    let both = || vec![Cow::Borrowed("memory"), Cow::Borrowed("cpu")];
    ResourceRequirement {
        requests: both(),
        limits: both(),
    }
}

/// The settings object in a document that is either a settings object or a Kubewarden policy
/// (`apiVersion: policies.kubewarden.io/…`) whose `spec.settings` holds one; a policy without
/// `spec.settings` has the default settings (`null`).
pub fn settings_in<'v, 'a>(document: &'v Value<'a>) -> &'v Value<'a> {
    let is_policy = document
        .get("apiVersion")
        .and_then(Value::as_str)
        .is_some_and(|v| v.starts_with("policies.kubewarden.io/"));
    if !is_policy {
        return document;
    }
    document
        .get("spec")
        .and_then(|s| s.get("settings"))
        .unwrap_or(&Value::Null)
}

/// The defaults, as a settings object: the seed's working Task written down.
pub fn defaults_json() -> serde_json::Value {
    serde_json::json!({
        "requiredEnv": [
            {"name": "BUILDAH_STORAGE_ROOT", "inWorkspace": true},
            {"name": "TMPDIR", "inWorkspace": true},
            {"name": "HOME", "inWorkspace": true},
            {"name": "STORAGE_DRIVER", "valuePattern": "^vfs$"}
        ],
        "allowedCapabilities": ["SETFCAP"],
        "requiredCapabilities": ["SETFCAP"],
        "mandatoryFlags": {
            "global": ["--storage-driver=vfs"],
            "build": ["--format=oci", "--no-cache", "--layers=false", "--squash", "--ulimit=nofile=4096:8192"],
            "push": ["--digestfile"],
            "manifest push": ["--digestfile"]
        },
        "computeResources": {
            "requests": ["memory", "cpu"],
            "limits": ["memory", "cpu"]
        },
        "buildahImages": ["*buildah*"],
        "resolveReferences": false,
        "rules": {}
    })
}

/// A settings path for messages (`requiredEnv[2]`, `mandatoryFlags.build[0]`), written out
/// only when there is a problem to report: valid settings are read on every request.
#[derive(Clone, Copy)]
enum SettingsPath<'a> {
    Key(&'a str, &'a str),
    Index(&'a SettingsPath<'a>, usize),
    Top(&'a str, usize),
}

impl fmt::Display for SettingsPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingsPath::Key(section, key) => write!(f, "{section}.{key}"),
            SettingsPath::Index(parent, i) => write!(f, "{parent}[{i}]"),
            SettingsPath::Top(section, i) => write!(f, "{section}[{i}]"),
        }
    }
}

#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn push(&mut self, s: String) {
        self.0.push(s);
    }

    fn wrong_type(&mut self, path: impl fmt::Display, expected: &str, found: &Value<'_>) {
        self.push(format!(
            "{path}: expected {expected}, found {}",
            describe(found)
        ));
    }
}

/// A list of non-empty strings; `path` is only written out when there is a problem.
fn string_list(value: &Value<'_>, path: &dyn fmt::Display, p: &mut Problems) -> Vec<Text> {
    let Some(items) = value.as_array() else {
        p.wrong_type(path, "a list of strings", value);
        return Vec::new();
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match item.as_str() {
            Some(s) if !s.trim().is_empty() => out.push(Cow::Owned(s.to_string())),
            Some(_) => p.push(format!("{path}[{i}]: must not be empty")),
            None => p.wrong_type(format!("{path}[{i}]"), "a string", item),
        }
    }
    out
}

fn capability_list(value: &Value<'_>, path: &str, p: &mut Problems) -> Vec<Text> {
    let names = string_list(value, &path, p);
    let mut out = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let norm = normalize_capability(name);
        if norm == "ALL" || CAPABILITIES.contains(&norm.as_str()) {
            out.push(Cow::Owned(norm));
        } else {
            p.push(format!(
                "{path}[{i}]: `{name}` is not a Linux capability{}",
                suggest(&norm, CAPABILITIES.iter().copied())
            ));
        }
    }
    out
}

fn required_env(value: &Value<'_>, p: &mut Problems) -> Vec<RequiredEnv> {
    let Some(items) = value.as_array() else {
        p.wrong_type("requiredEnv", "a list", value);
        return Vec::new();
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = SettingsPath::Top("requiredEnv", i);
        let Some(obj) = item.as_object() else {
            p.wrong_type(path, "an object with `name`", item);
            continue;
        };
        for key in obj.keys() {
            if !["name", "valuePattern", "inWorkspace"].contains(&key) {
                p.push(format!(
                    "{path}: `{key}` is not a field of a required variable (use `name`, `valuePattern`, `inWorkspace`)"
                ));
            }
        }
        let name = match obj.get("name") {
            Some(Value::String(s)) if is_env_name(s) => Cow::Owned(s.to_string()),
            Some(Value::String(s)) => {
                p.push(format!(
                    "{path}.name: `{s}` is not an environment variable name"
                ));
                continue;
            }
            Some(other) => {
                p.wrong_type(format!("{path}.name"), "a string", other);
                continue;
            }
            None => {
                p.push(format!("{path}: missing `name`"));
                continue;
            }
        };
        let value_pattern = match obj.get("valuePattern") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(Pattern::new(s.to_string())),
            Some(other) => {
                p.wrong_type(format!("{path}.valuePattern"), "a string", other);
                None
            }
        };
        let in_workspace = match obj.get("inWorkspace") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                p.wrong_type(format!("{path}.inWorkspace"), "true or false", other);
                false
            }
        };
        if out.iter().any(|e: &RequiredEnv| e.name == name) {
            p.push(format!("{path}.name: `{name}` is listed twice"));
        }
        out.push(RequiredEnv {
            name,
            value_pattern,
            in_workspace,
        });
    }
    out
}

fn is_env_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
}

fn mandatory_flags(value: &Value<'_>, p: &mut Problems) -> Vec<FlagRequirement> {
    let Some(obj) = value.as_object() else {
        p.wrong_type(
            "mandatoryFlags",
            "an object of subcommand to options",
            value,
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, specs) in obj {
        let path = SettingsPath::Key("mandatoryFlags", key);
        let scope = match flag_scope(key) {
            Some(scope) => scope,
            None => {
                p.push(format!(
                    "{path}: buildah has no subcommand `{key}`{}",
                    suggest(
                        key,
                        crate::buildah::table::COMMANDS
                            .iter()
                            .map(|c| c.name)
                            .chain(["global"])
                    )
                ));
                continue;
            }
        };
        let Some(items) = specs.as_array() else {
            p.wrong_type(path, "a list of options", specs);
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            let item_path = SettingsPath::Index(&path, i);
            let Some(spec) = item.as_str() else {
                p.wrong_type(item_path, "a string such as `--layers=false`", item);
                continue;
            };
            let owned = |s: &str| Cow::Owned(s.to_string());
            if let Some(req) = flag_requirement(spec, owned, scope, &item_path, p) {
                out.push(req);
            }
        }
    }
    out
}

/// `global` or a buildah subcommand (`build`, `bud`, `manifest push`).
fn flag_scope(key: &str) -> Option<FlagScope> {
    if key == "global" {
        Some(FlagScope::Global)
    } else {
        find_command(key).map(FlagScope::Command)
    }
}

/// Reads one `mandatoryFlags` entry; `keep` turns a part of it into stored text (borrowed
/// for the built-in defaults, copied for the user's settings).
fn flag_requirement<'s>(
    spec: &'s str,
    keep: impl Fn(&'s str) -> Text,
    scope: FlagScope,
    path: &dyn fmt::Display,
    p: &mut Problems,
) -> Option<FlagRequirement> {
    let spec = spec.trim();
    let (name, value) = match spec.find(['=', ' ']) {
        Some(i) => (&spec[..i], Some(spec[i + 1..].trim())),
        None => (spec, None),
    };
    let (command_name, flags): (&str, &[&[Flag]]) = match scope {
        FlagScope::Global => ("buildah", &[GLOBAL_FLAGS]),
        FlagScope::Command(c) => (c.name, &[c.flags, GLOBAL_FLAGS]),
    };
    let all = || flags.iter().flat_map(|f| f.iter());
    let flag = if let Some(long) = name.strip_prefix("--") {
        all().find(|f| f.long == long)
    } else if let Some(short) = name.strip_prefix('-').filter(|s| s.chars().count() == 1) {
        let c = short.chars().next()?;
        all().find(|f| f.short() == Some(c))
    } else {
        p.push(format!(
            "{path}: `{spec}` is not an option; write it as `--name` or `--name=value`"
        ));
        return None;
    };
    let Some(flag) = flag else {
        let what = if matches!(scope, FlagScope::Global) {
            "buildah has no global option".to_string()
        } else {
            format!("`buildah {command_name}` has no option")
        };
        p.push(format!(
            "{path}: {what} `{name}`{}",
            suggest_flag(name, all())
        ));
        return None;
    };
    let value = match value {
        Some("") => {
            p.push(format!("{path}: `{spec}` has an empty value"));
            return None;
        }
        Some(v) if !flag.takes_value => match parse_bool(v) {
            Some(b) => Some(Cow::Borrowed(if b { "true" } else { "false" })),
            None => {
                p.push(format!(
                    "{path}: `--{}` is a boolean; its value must be true or false, not `{v}`",
                    flag.long
                ));
                return None;
            }
        },
        Some(v) => Some(keep(v)),
        None => None,
    };
    Some(FlagRequirement {
        scope,
        flag,
        value,
        spec: keep(spec),
    })
}

/// pflag's boolean spellings.
pub fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

fn compute_resources(value: &Value<'_>, p: &mut Problems) -> ResourceRequirement {
    let Some(obj) = value.as_object() else {
        p.wrong_type(
            "computeResources",
            "an object with `requests` and `limits`",
            value,
        );
        return ResourceRequirement::default();
    };
    for key in obj.keys() {
        if key != "requests" && key != "limits" {
            p.push(format!(
                "computeResources: `{key}` is not a field (use `requests` and `limits`)"
            ));
        }
    }
    let list = |k: &str, p: &mut Problems| match obj.get(k) {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => string_list(v, &SettingsPath::Key("computeResources", k), p),
    };
    ResourceRequirement {
        requests: list("requests", p),
        limits: list("limits", p),
    }
}

fn levels(value: &Value<'_>, p: &mut Problems) -> [Option<LevelSetting>; RULES.len()] {
    let mut out = [None; RULES.len()];
    let Some(obj) = value.as_object() else {
        p.wrong_type("rules", "an object of rule id to `{level: …}`", value);
        return out;
    };
    for (id, conf) in obj {
        let path = SettingsPath::Key("rules", id);
        let Some(rule) = RuleId::from_id(id).filter(|r| r.configurable()) else {
            p.push(format!(
                "rules: `{id}` is not a rule id{}",
                suggest(
                    id,
                    RULES.iter().filter(|r| r.configurable()).map(|r| r.id())
                )
            ));
            continue;
        };
        let Some(conf) = conf.as_object() else {
            p.wrong_type(path, "an object such as `{\"level\": \"warning\"}`", conf);
            continue;
        };
        for key in conf.keys() {
            if key != "level" {
                p.push(format!("{path}: `{key}` is not a field (use `level`)"));
            }
        }
        match conf.get("level") {
            Some(Value::String(l)) => match l.as_ref() {
                "error" => out[rule as usize] = Some(LevelSetting::Level(Level::Error)),
                "warning" => out[rule as usize] = Some(LevelSetting::Level(Level::Warning)),
                "off" => out[rule as usize] = Some(LevelSetting::Off),
                other => p.push(format!(
                    "{path}.level: expected `error`, `warning` or `off`, found `{other}`"
                )),
            },
            Some(other) => p.wrong_type(format!("{path}.level"), "a string", other),
            None => p.push(format!("{path}: missing `level`")),
        }
    }
    out
}

fn suggest_flag<'a>(written: &str, flags: impl Iterator<Item = &'a Flag>) -> String {
    let names: Vec<String> = flags.map(|f| format!("--{}", f.long)).collect();
    suggest(written, names.iter().map(String::as_str))
}

/// ` (did you mean `x`?)` when a known name is close to `given`.
pub(crate) fn suggest<'a>(given: &str, known: impl Iterator<Item = &'a str>) -> String {
    let given_l = given.to_ascii_lowercase();
    let best = known
        .map(|k| (edit_distance(&given_l, &k.to_ascii_lowercase()), k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min_by_key(|(d, _)| *d);
    match best {
        Some((_, k)) => format!(" (did you mean `{k}`?)"),
        None => String::new(),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests;
