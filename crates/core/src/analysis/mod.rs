//! What a container runs: its buildah invocations, read from `script` (parsed as shell),
//! from exec-form `command` + `args`, or from strings handed to `sh -c`, and the places where
//! what runs cannot be known before the step starts.

mod call_env;
mod expand;
mod field;
mod walk;

pub use call_env::{CallEnv, EnvValue, PLACEMENT_VARS, PlacementVar, WrittenConf};
pub(crate) use expand::shell_quote;
pub use field::{Field, Layer, Layers, Loc, Source};
pub use walk::{Files, Written};

use crate::buildah::call::{BuildahCall, CallKind};
use crate::shell::{self, Span};
use crate::tekton::{MergedContainer, Params, TektonRef, resolve_ref};
use rustc_hash::FxHashMap;
use walk::{Aliases, Origin, Sources, Var, Walker};

#[cfg(test)]
pub(crate) use walk::line_of;

/// One buildah command line found in a container.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub call: BuildahCall,
    /// Arguments after the program name.
    pub argv: Vec<Field>,
    /// Where `buildah` is written.
    pub loc: Loc,
    /// The function the call goes through (`_buildah bud …`) and where that call is.
    pub via: Option<(String, Loc)>,
    /// The variable the command line was built in (`sh -c "$command"`).
    pub built_in: Option<String>,
    /// Runs only on some paths (inside a branch, a loop, after `&&`/`||`).
    pub conditional: bool,
    /// What the call sees of the variables that move its files (see [`CallEnv`]).
    pub env: CallEnv,
    /// The quoting around the shell text the call was read from, when that text sits exactly
    /// in its field (`None`: exec form, or text built at run time).
    pub layers: Option<Layers>,
}

impl Invocation {
    /// Where to report problems of this invocation: the call site when it goes through a
    /// function (that is where its arguments are), else the `buildah` word.
    pub fn report_loc(&self) -> Loc {
        self.via.as_ref().map_or(self.loc, |(_, l)| *l)
    }

    /// `` `buildah push` ``, `` `buildah manifest push` `` or `` `buildah` ``.
    pub fn describe(&self) -> String {
        match (&self.call.kind, self.call.command) {
            (CallKind::Command, Some(c)) => {
                let written: Vec<&str> = self
                    .call
                    .command_words
                    .iter()
                    .filter_map(|&i| self.argv.get(i).map(|f| f.text.as_str()))
                    .collect();
                if written.is_empty() {
                    format!("`buildah {}`", c.name)
                } else {
                    format!("`buildah {}`", written.join(" "))
                }
            }
            _ => "`buildah`".to_string(),
        }
    }
}

/// A place where what runs cannot be read before the step starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unanalyzable {
    pub loc: Loc,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct Analysis {
    pub invocations: Vec<Invocation>,
    pub unanalyzable: Vec<Unanalyzable>,
    /// Other programs the container runs (`cat`, `skopeo`, …), each once.
    pub programs: Vec<String>,
    /// Files written by this container and the steps before it (`cat > f <<'EOF'`, base64
    /// decoded scripts): what a later step may run.
    pub files: Files,
    /// Statements and arguments followed (counted against the object's work budget).
    pub work: u32,
    /// What the container's `env` sets of [`PLACEMENT_VARS`], as the script starts: what a
    /// buildah call sees unless the script changed it (see [`CallEnv::get`]).
    pub initial_env: Vec<(PlacementVar, EnvValue)>,
}

/// Statements and arguments the analysis follows for one object, all containers together.
/// Past it, the remaining code is reported as not analysed (`buildah-unanalyzable`).
pub const WORK_BUDGET: u32 = walk::WORK_LIMIT;

/// Utilities that never run buildah: a step that runs only these (and no buildah) is not a
/// buildah step, whatever its image (`cat` of a digest file on a buildah image).
pub const PLAIN_UTILITIES: &[&str] = &[
    ":",
    "[",
    "basename",
    "cat",
    "cd",
    "chmod",
    "chown",
    "cp",
    "cut",
    "date",
    "declare",
    "dirname",
    "echo",
    "exit",
    "export",
    "false",
    "grep",
    "head",
    "jq",
    "ln",
    "local",
    "ls",
    "mkdir",
    "mktemp",
    "mv",
    "printf",
    "pwd",
    "read",
    "readlink",
    "readonly",
    "realpath",
    "return",
    "rm",
    "rmdir",
    "sed",
    "set",
    "sha256sum",
    "shift",
    "sleep",
    "sort",
    "stat",
    "tail",
    "tee",
    "test",
    "touch",
    "tr",
    "trap",
    "true",
    "typeset",
    "uniq",
    "unset",
    "wait",
    "wc",
    "yq",
];

impl Analysis {
    /// Everything the container runs was read, and none of it is buildah or could run it.
    pub fn runs_only_plain_utilities(&self) -> bool {
        self.invocations.is_empty()
            && self.unanalyzable.is_empty()
            && self
                .programs
                .iter()
                .all(|p| PLAIN_UTILITIES.contains(&p.as_str()))
    }
}

/// Analyses what a (merged) container runs.
pub fn analyze(c: &MergedContainer<'_, '_>, params: &Params<'_>) -> Analysis {
    analyze_after(c, params, &Files::default(), WORK_BUDGET)
}

/// Analyses a container that runs after steps which wrote `files` (shared volumes persist
/// between a Task's steps).
pub fn analyze_after(
    c: &MergedContainer<'_, '_>,
    params: &Params<'_>,
    files: &Files,
    budget: u32,
) -> Analysis {
    let mut vars: FxHashMap<String, Var> = FxHashMap::default();
    for e in &c.env {
        let var = if e.value_from {
            Var::Unknown
        } else {
            let text = e.value.unwrap_or("");
            let (text, exact) = resolve_text(text, params, &vars);
            Var::Known(vec![Field {
                text,
                exact,
                multi: false,
                conditional: false,
                loc: Loc {
                    source: Source::Script,
                    span: Span::default(),
                },
                from: None,
            }])
        };
        vars.insert(e.name.to_string(), var);
    }
    let command: &[&str] = c.command.unwrap_or(&[]);
    let args: &[&str] = c.args.unwrap_or(&[]);
    let script = c.container.script;
    let arg_fields = exec_fields(args, Source::Args, params, &vars);
    let working_dir = c
        .working_dir
        .map(|d| resolve(d, params, &vars))
        .filter(|r| r.exact && r.text.starts_with('/'))
        .map(|r| r.text);
    let sources = Sources {
        script,
        command,
        args,
    };
    if let Some(script) = script {
        let mut walker = Walker::new(params, sources, vars, Some(arg_fields));
        walker.files = files.clone();
        walker.cwd = working_dir;
        walker.work_limit = budget;
        match interpreter(script) {
            Ok(shell) => {
                walker.path.set_shell(Aliases::for_shell(shell, &[]));
                let parsed = shell::parse(script);
                let origin = Origin {
                    source: Source::Script,
                    base: Some(0),
                    whole: Span::new(0, script.len()),
                    layers: Layers::default(),
                };
                walker.script(&parsed, script, origin);
            }
            Err(program) => walker.out.unanalyzable.push(Unanalyzable {
                loc: Loc {
                    source: Source::Script,
                    span: Span::new(0, script.find('\n').unwrap_or(script.len())),
                },
                reason: format!(
                    "the script runs with `{program}`, which the analysis does not read"
                ),
            }),
        }
        return walker.finish();
    }
    if command.is_empty() {
        let mut out = Analysis::default();
        if !args.is_empty() {
            out.unanalyzable.push(Unanalyzable {
                loc: Loc {
                    source: Source::Args(0),
                    span: Span::new(0, args[0].len()),
                },
                reason: "it runs the image's own entrypoint with `args`, so the program is not in the Task".into(),
            });
        }
        return out;
    }
    let mut argv = exec_fields(command, Source::Command, params, &vars);
    argv.extend(arg_fields);
    let mut walker = Walker::new(params, sources, vars, None);
    walker.files = files.clone();
    walker.cwd = working_dir;
    walker.work_limit = budget;
    walker.exec(&mut argv);
    walker.finish()
}

/// A plain value (an image reference, an `env` value) with the task's parameter defaults
/// filled in: `$(params.BUILDER_IMAGE)` becomes the default image.
pub fn resolve_value(text: &str, params: &Params<'_>) -> String {
    resolve_text(text, params, &FxHashMap::default()).0
}

/// `Ok` with the shell when a script runs in one: no shebang (`""`: Tekton uses `/bin/sh`)
/// or a shell's. Otherwise the interpreter's name.
fn interpreter(script: &str) -> Result<&str, String> {
    match script.strip_prefix("#!") {
        None => Ok(""),
        Some(line) => interpreter_of(line.lines().next().unwrap_or("")),
    }
}

/// The shell a `#!` line (the text after `#!`) names, or the interpreter that is not one.
pub(crate) fn interpreter_of(line: &str) -> Result<&str, String> {
    let mut words = line.split_whitespace();
    let mut program = words.next().map(basename).unwrap_or("");
    if program == "env" {
        program = words
            .find(|w| !w.starts_with('-') && !w.contains('='))
            .map(basename)
            .unwrap_or("");
    }
    if program == "busybox" {
        program = words.next().unwrap_or("");
    }
    if walk::SHELLS.contains(&program) {
        Ok(program)
    } else {
        Err(program.to_string())
    }
}

fn basename(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// Exec-form arguments: each list item is one argument. Tekton replaces its references, then
/// Kubernetes expands `$(VAR)` from the container's environment (`$$` escapes a `$`). An item
/// that is exactly an array parameter (`$(params.ARGS[*])`) becomes one argument per element.
fn exec_fields(
    items: &[&str],
    source: fn(u32) -> Source,
    params: &Params<'_>,
    vars: &FxHashMap<String, Var>,
) -> Vec<Field> {
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let loc = Loc {
            source: source(i as u32),
            span: Span::new(0, item.len()),
        };
        let trimmed = item.trim();
        if trimmed.starts_with("$(") && trimmed.ends_with("[*])") {
            match resolve_ref(trimmed, params) {
                TektonRef::Array(elements) => {
                    out.extend(elements.iter().map(|e| Field::literal(e, loc)));
                    continue;
                }
                TektonRef::Unknown => {
                    out.push(Field {
                        text: item.to_string(),
                        exact: false,
                        multi: true,
                        conditional: false,
                        loc,
                        from: None,
                    });
                    continue;
                }
                _ => {}
            }
        }
        let r = resolve(item, params, vars);
        out.push(Field {
            text: r.text,
            exact: r.exact,
            multi: false,
            conditional: false,
            loc,
            from: r.from,
        });
    }
    out
}

/// A plain string with its references replaced.
struct Resolved {
    text: String,
    exact: bool,
    /// The first reference whose value was filled in.
    from: Option<String>,
}

/// Replaces Tekton references and Kubernetes `$(VAR)` references in a plain (non-shell)
/// string. Unknown references stay as written and make the result inexact.
fn resolve_text(text: &str, params: &Params<'_>, vars: &FxHashMap<String, Var>) -> (String, bool) {
    let r = resolve(text, params, vars);
    (r.text, r.exact)
}

fn resolve(text: &str, params: &Params<'_>, vars: &FxHashMap<String, Var>) -> Resolved {
    let mut from = None;
    if !text.contains('$') {
        return Resolved {
            text: text.to_string(),
            exact: true,
            from,
        };
    }
    let mut out = String::with_capacity(text.len());
    let mut exact = true;
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("$$") {
            out.push('$');
            rest = after;
            continue;
        }
        if tail.starts_with("$(")
            && let Some(close) = tail.find(')')
        {
            let reference = &tail[..=close];
            let inner = &reference[2..reference.len() - 1];
            let is_var = !inner.is_empty()
                && inner
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if is_var {
                match vars.get(inner) {
                    Some(Var::Known(f)) if f.len() == 1 => {
                        out.push_str(&f[0].text);
                        exact &= f[0].exact;
                        from.get_or_insert_with(|| reference.to_string());
                    }
                    _ => {
                        out.push_str(reference);
                        exact = false;
                    }
                }
            } else {
                match resolve_ref(reference, params) {
                    TektonRef::Value(v) => {
                        out.push_str(v);
                        from.get_or_insert_with(|| reference.to_string());
                    }
                    TektonRef::Array(items) => out.push_str(&items.join(" ")),
                    TektonRef::WorkspacePath(_) | TektonRef::Unknown => {
                        out.push_str(reference);
                        exact = false;
                    }
                }
            }
            rest = &tail[close + 1..];
            continue;
        }
        out.push('$');
        rest = &tail[1..];
    }
    out.push_str(rest);
    Resolved {
        text: out,
        exact,
        from,
    }
}

#[cfg(test)]
mod tests;
