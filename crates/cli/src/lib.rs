//! The policy-as-code CLI: a thin adapter that reads Tekton YAML files, runs the same rules
//! and settings as the Kubewarden policy (`tekton-buildah-core`), turns each finding's
//! logical path into `file:line:col`, and prints text, JSON, SARIF or GitHub annotations.

pub mod across;
pub mod alloc;
pub mod check;
pub mod config;
pub mod fix;
pub mod inputs;
pub mod output;

use clap::{Parser, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use tekton_buildah_core::rules::RULES;
use tekton_buildah_core::{Level, RuleId, fix::never_fixed};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// `path:line:col: level[rule-id] message`, one per line
    Text,
    /// A versioned JSON document (see docs/cli-json.md)
    Json,
    /// SARIF 2.1.0 (GitHub code scanning and other viewers)
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…`)
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
}

/// Lint Tekton YAML for the buildah lessons: resources under `computeResources`, buildah
/// storage on a workspace (`BUILDAH_STORAGE_ROOT` and `--root`), the build options large
/// images need, no privileged containers.
#[derive(Debug, Parser)]
#[command(name = "tekton-buildah-lint", version, about, long_about = None)]
pub struct Args {
    /// Files or directories to check (`*.yaml`/`*.yml`, recursively, honouring .gitignore);
    /// `-` reads standard input.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Settings file (YAML or JSON): the policy's settings object, or a Kubewarden policy
    /// manifest whose `spec.settings` is used. Default: the nearest `.tekton-buildah.yaml`
    /// from the working directory upwards, else the built-in defaults.
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Exit with 1 when there are findings at or above this level.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,

    /// Show the offending source line under each finding (text format).
    #[arg(long)]
    pub snippet: bool,

    /// Skip paths matching this glob (gitignore syntax); repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Print the documentation of a rule and exit.
    #[arg(long, value_name = "RULE", exclusive = true)]
    pub explain: Option<String>,

    /// List the rules and exit.
    #[arg(long, exclusive = true)]
    pub list_rules: bool,

    /// Fix what can be fixed, writing the files in place (atomically, permissions kept),
    /// then report what is left.
    #[arg(long, conflicts_with = "diff")]
    pub fix: bool,

    /// Print the fixes as a unified diff instead of writing them.
    #[arg(long)]
    pub diff: bool,

    /// Fix only the findings of these rules (comma-separated ids); implies --fix unless
    /// --diff is given.
    #[arg(long, value_name = "RULE,…", value_delimiter = ',')]
    pub fix_only: Vec<String>,
}

/// Exit statuses.
pub mod status {
    /// No finding at or above `--fail-on`.
    pub const CLEAN: u8 = 0;
    /// Findings at or above `--fail-on`.
    pub const FINDINGS: u8 = 1;
    /// Usage, configuration or parse errors.
    pub const ERROR: u8 = 2;
}

pub fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let code = if e.use_stderr() {
                status::ERROR
            } else {
                status::CLEAN
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let code = run(&args, &mut out, &mut std::io::stderr());
    let _ = out.flush();
    ExitCode::from(code)
}

/// Runs the CLI; returns the exit status.
pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    if args.list_rules {
        for rule in RULES {
            let _ = writeln!(
                out,
                "{:<27} {:<31} {}",
                rule.id(),
                rule.default_level_text(),
                rule.summary()
            );
        }
        return status::CLEAN;
    }
    if let Some(id) = &args.explain {
        return match RuleId::from_id(id) {
            Some(rule) => {
                let _ = write!(out, "{}", rule.doc());
                status::CLEAN
            }
            None => {
                let known: Vec<&str> = RULES.iter().map(|r| r.id()).collect();
                let _ = writeln!(
                    err,
                    "error: `{id}` is not a rule id (rules: {})",
                    known.join(", ")
                );
                status::ERROR
            }
        };
    }
    let settings = match config::load(args.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return status::ERROR;
        }
    };
    let fixing = args.fix || args.diff || !args.fix_only.is_empty();
    let only = match fix_only(&args.fix_only) {
        Ok(only) => only,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return status::ERROR;
        }
    };
    if fixing && !args.diff && args.paths.iter().any(|p| p.as_os_str() == "-") {
        let _ = writeln!(
            err,
            "error: --fix cannot write standard input back; use --diff to see the fixes"
        );
        return status::ERROR;
    }
    let mode = check::Mode {
        keep_text: (args.snippet && args.format == Format::Text) || args.format == Format::Sarif,
        fix: fixing.then_some(only),
    };
    let mut results = match check::check_paths(&args.paths, &args.exclude, &settings, &mode) {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return status::ERROR;
        }
    };
    // Runs that name a Task or Pipeline of another file, checked with it.
    across::resolve(&mut results, &settings);
    let threshold = match args.fail_on {
        FailOn::Error => Level::Error,
        FailOn::Warning => Level::Warning,
    };
    if args.diff {
        let _ = out.write_all(fix::render_diff(&results).as_bytes());
        let _ = writeln!(err, "{}", fix::summary(&results, false));
        if results.iter().any(|r| !r.errors.is_empty()) {
            return status::ERROR;
        }
        // Nothing was written: the files are judged as they are.
        let failing = results.iter().any(|r| {
            counted(r).any(|f| f.finding.level >= threshold)
                || r.fix
                    .as_ref()
                    .is_some_and(|f| f.applied.iter().any(|a| a.level >= threshold))
        });
        return if failing {
            status::FINDINGS
        } else {
            status::CLEAN
        };
    }
    let mut write_failed = false;
    if fixing {
        for r in results.iter().filter(|r| r.changed()) {
            let (Some(inputs::Input::File(path)), Some(text)) = (&r.input, &r.text) else {
                continue;
            };
            if let Err(e) = fix::write_atomically(path, text) {
                let _ = writeln!(err, "error: {}: cannot write the fixes: {e}", r.name);
                write_failed = true;
            }
        }
    }
    let _ = match args.format {
        Format::Text => out.write_all(output::text::render(&results, args.snippet).as_bytes()),
        Format::Json => output::json::write(&results, out),
        Format::Sarif => out.write_all(output::sarif::render(&results).as_bytes()),
        Format::Github => out.write_all(output::github::render(&results).as_bytes()),
    };
    if fixing {
        let _ = writeln!(err, "{}", fix::summary(&results, true));
    } else if args.format == Format::Text {
        let fixable = results
            .iter()
            .flat_map(counted)
            .filter(|f| f.fixable())
            .count();
        if fixable > 0 {
            let _ = writeln!(
                err,
                "[*] {fixable} finding{} can be fixed with `--fix` (`--diff` shows how)",
                if fixable == 1 { "" } else { "s" }
            );
        }
    }
    if write_failed || results.iter().any(|r| !r.errors.is_empty()) {
        return status::ERROR;
    }
    if results
        .iter()
        .flat_map(counted)
        .any(|f| f.finding.level >= threshold)
    {
        status::FINDINGS
    } else {
        status::CLEAN
    }
}

/// The findings of a file that count: those no suppression comment silences.
fn counted(r: &check::FileResult) -> impl Iterator<Item = &check::Located> {
    r.findings.iter().filter(|f| f.suppressed.is_none())
}

/// The rules `--fix-only` names (`None`: all of them).
fn fix_only(ids: &[String]) -> Result<Option<Vec<RuleId>>, String> {
    if ids.is_empty() {
        return Ok(None);
    }
    let fixable = || {
        RULES
            .iter()
            .filter(|r| never_fixed(**r).is_none())
            .map(|r| r.id())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut rules = Vec::new();
    for id in ids.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        match RuleId::from_id(id) {
            Some(rule) if never_fixed(rule).is_none() => rules.push(rule),
            Some(_) => {
                return Err(format!(
                    "--fix-only: `{id}` has no automatic fix (rules with one: {})",
                    fixable()
                ));
            }
            None => {
                return Err(format!(
                    "--fix-only: `{id}` is not a rule id (rules with a fix: {})",
                    fixable()
                ));
            }
        }
    }
    Ok(Some(rules))
}
