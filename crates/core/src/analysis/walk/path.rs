//! Programs run by name: files the Task put in a directory on `PATH`, links and copies of
//! programs under another name, and aliases.
//!
//! A name without a slash is a function, a builtin, an alias (in the shells that expand
//! them in scripts) or a program looked up on `PATH`. The analysis knows the directories on
//! `PATH` — the usual ones of container images and those the step adds (`PATH=/x:$PATH`,
//! `export PATH=…`, `env PATH=… cmd`, the step's `env`) — so a script the step wrote there
//! (`printf '…' > /tmp/bin/bh; chmod +x /tmp/bin/bh; PATH=/tmp/bin:$PATH; bh push …`) is
//! followed like one run by its path, and one whose content is only known at run time is
//! reported. A file run directly is read with the shell its `#!` line names.

use super::files::{Target, normalize};
use super::requote;
use super::{Ctx, Launch, Origin, SHELLS, Var, Walker, literal_word, program_name};
use crate::analysis::Field;
use crate::shell::{Assign, Simple};

/// `PATH` in the usual container images, when the step does not set it.
const DEFAULT_PATH: &[&str] = &[
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
];

/// Builtins of sh, dash, bash and busybox that the walker does not handle itself: the
/// shell runs them, never a file of that name on `PATH`.
const BUILTINS: &[&str] = &[
    ":", "[", "alias", "bg", "break", "caller", "continue", "declare", "dirs", "disown", "echo",
    "enable", "exit", "export", "false", "fc", "fg", "getopts", "hash", "help", "jobs", "kill",
    "let", "local", "logout", "popd", "pushd", "pwd", "readonly", "return", "shopt", "test",
    "times", "trap", "true", "type", "typeset", "ulimit", "umask", "unalias", "wait",
];

/// What the walker knows about `PATH` and aliases.
#[derive(Debug, Default)]
pub(in crate::analysis) struct PathState {
    /// Directories the step put on `PATH`, as written (made absolute when the working
    /// directory is known).
    added: Vec<String>,
    /// `PATH` was given a part only known at run time: any directory may be on it.
    any: bool,
    /// Files made executable (`chmod +x`) that the analysis did not see written, with
    /// where.
    executables: Vec<(String, String)>,
    /// The aliases of the shell being followed.
    aliases: Aliases,
    /// Aliases being expanded: the shell does not expand an alias inside itself.
    expanding: Vec<String>,
}

/// A shell's aliases, and whether it expands them in what it runs.
#[derive(Debug, Default)]
pub(in crate::analysis) struct Aliases {
    expand: bool,
    defs: Vec<(String, String)>,
}

impl Aliases {
    /// A new shell (`sh`, `bash`, …; `""` for a script without `#!`, which Tekton runs with
    /// `/bin/sh`). sh, dash, ash and busybox expand aliases in scripts, and so does bash
    /// when it runs as `sh` (POSIX mode); bash under its own name only after
    /// `shopt -s expand_aliases` or with `--posix`.
    pub(in crate::analysis) fn for_shell(name: &str, args: &[Field]) -> Aliases {
        let posix = args.iter().enumerate().any(|(i, a)| {
            a.text == "--posix"
                || (a.text.starts_with('-')
                    && a.text.ends_with('o')
                    && args.get(i + 1).is_some_and(|v| v.text == "posix"))
        });
        Aliases {
            expand: name != "bash" || posix,
            defs: Vec::new(),
        }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.defs
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl PathState {
    pub(in crate::analysis) fn set_shell(&mut self, aliases: Aliases) {
        self.aliases = aliases;
    }

    /// A file made executable (`chmod +x`) whose content the analysis did not see.
    pub(super) fn made_executable(&mut self, path: String, by: String) {
        if !self.executables.iter().any(|(p, _)| *p == path) {
            self.executables.push((path, by));
        }
    }

    /// Notes the directories of a value given to `PATH`.
    fn note(&mut self, text: &str, cwd: Option<&str>) {
        for entry in text.split(':') {
            if matches!(entry, "$PATH" | "${PATH}") {
                continue;
            }
            if entry.contains('$') || entry.contains('`') {
                self.any = true;
                continue;
            }
            let dir = directory(entry, cwd);
            if !self.added.contains(&dir) {
                self.added.push(dir);
            }
        }
    }
}

/// A directory of `PATH` as the analysis names files: `""` and `.` are the working
/// directory.
fn directory(entry: &str, cwd: Option<&str>) -> String {
    let entry = entry.trim_end_matches('/');
    match (entry, cwd) {
        ("" | ".", Some(dir)) => dir.trim_end_matches('/').to_string(),
        ("" | ".", None) => ".".to_string(),
        _ => normalize(entry, cwd),
    }
}

/// The directory of a file's path, as [`directory`] names it.
fn parent(path: &str) -> (&str, &str) {
    path.rsplit_once('/').map_or((".", path), |(d, n)| {
        (if d.is_empty() { "/" } else { d }, n)
    })
}

impl Walker<'_, '_> {
    /// Notes the values assignments give to `PATH`, whether they stay in the shell or are
    /// only for one command (`PATH=/x:$PATH cmd`).
    pub(super) fn note_path_assignments(&mut self, values: &[(&Assign, Var)]) {
        for (a, v) in values {
            if a.name == "PATH" {
                self.note_path_value(v);
            }
        }
    }

    /// Notes `PATH=…` among the arguments of `env` or `sudo`.
    pub(super) fn note_path_arguments(&mut self, args: &[Field]) {
        for f in args {
            if let Some(value) = f.text.strip_prefix("PATH=") {
                let cwd = self.cwd.clone();
                self.path.note(value, cwd.as_deref());
            }
        }
    }

    fn note_path_value(&mut self, v: &Var) {
        let cwd = self.cwd.clone();
        match v {
            Var::Known(fields) => {
                for f in fields.iter().take(1) {
                    self.path.note(&f.text, cwd.as_deref());
                }
            }
            Var::Choice(values) => {
                for f in values {
                    self.path.note(&f.text, cwd.as_deref());
                }
            }
            Var::Unknown => self.path.any = true,
        }
    }

    /// Whether a file at `path` may be found on `PATH` now.
    fn on_path(&self, path: &str) -> bool {
        if self.path.any {
            return true;
        }
        let (dir, _) = parent(path);
        if DEFAULT_PATH.contains(&dir) || self.path.added.iter().any(|d| d == dir) {
            return true;
        }
        // `PATH` from the step's `env`, or set before the walker saw it change.
        match self.vars.get("PATH") {
            Some(Var::Known(fields)) => fields.first().is_some_and(|f| {
                f.text.split(':').any(|e| {
                    directory(e, self.cwd.as_deref()) == dir
                        || (e.contains('$') && !matches!(e, "$PATH" | "${PATH}"))
                })
            }),
            Some(_) => true,
            None => false,
        }
    }

    /// The builtins the walker does not follow itself (`alias`, `unalias`, `shopt`), then
    /// a program run by path or found on `PATH` among the files the Task wrote. True when
    /// the command was handled.
    pub(super) fn run_program(
        &mut self,
        f: &Field,
        args: &[Field],
        launch: Launch<'_>,
        ctx: Ctx<'_>,
    ) -> bool {
        if !f.exact {
            return false;
        }
        match f.text.as_str() {
            "alias" => {
                for a in args {
                    if let Some((name, value)) = a.text.split_once('=')
                        && !name.is_empty()
                        && !name.starts_with('-')
                    {
                        let value = if a.exact {
                            value.to_string()
                        } else {
                            a.text.clone()
                        };
                        self.path.aliases.defs.push((name.to_string(), value));
                    }
                }
                return true;
            }
            "unalias" => {
                if args.iter().any(|a| a.text == "-a") {
                    self.path.aliases.defs.clear();
                }
                self.path
                    .aliases
                    .defs
                    .retain(|(n, _)| !args.iter().any(|a| a.text == *n));
                return true;
            }
            "shopt" if args.iter().any(|a| a.text == "expand_aliases") => {
                match args.first().map(|a| a.text.as_str()) {
                    Some("-s") => self.path.aliases.expand = true,
                    Some("-u") => self.path.aliases.expand = false,
                    _ => {}
                }
                return true;
            }
            _ => {}
        }
        if f.text.contains('/') {
            return self.run_path(f, args, launch, ctx);
        }
        let name = f.text.as_str();
        if BUILTINS.contains(&name) {
            return false;
        }
        let mut found: Vec<String> = self
            .files
            .keys()
            .filter(|p| parent(p).1 == name && self.on_path(p))
            .cloned()
            .collect();
        found.sort();
        let made: Vec<(String, String)> = self
            .path
            .executables
            .iter()
            .filter(|(p, _)| parent(p).1 == name && !self.files.contains_key(p) && self.on_path(p))
            .cloned()
            .collect();
        for path in found.iter().cloned() {
            let file = Field {
                text: path,
                ..f.clone()
            };
            self.run_path(&file, args, launch, ctx);
        }
        for (path, by) in &made {
            self.unanalyzable(
                f.loc,
                format!(
                    "runs `{name}`, which may be `{path}` (made executable at {by}), whose content is not in the Task"
                ),
            );
        }
        !found.is_empty() || !made.is_empty()
    }

    /// Runs the file `file` names: a script the Task wrote, read with the shell of its `#!`
    /// line, or the program a link or copy stands for. False when the Task did not write it.
    fn run_path(&mut self, file: &Field, args: &[Field], launch: Launch<'_>, ctx: Ctx<'_>) -> bool {
        let f = file;
        let path = normalize(&file.text, self.cwd.as_deref());
        match self.resolve(&path) {
            None => false,
            Some(Target::Program(program)) => {
                let mut argv = Vec::with_capacity(args.len() + 1);
                argv.push(Field {
                    text: program,
                    ..f.clone()
                });
                argv.extend_from_slice(args);
                self.run(&mut argv, launch, ctx);
                true
            }
            Some(Target::Loop) => self.run_written_file(file, args, ctx),
            Some(Target::Written(target)) => {
                // The shell each possible content names on its `#!` line. A line naming no
                // program that exists (`#!/bin/sh\nbuildah`, an `echo` whose escapes were
                // not interpreted) makes that content run nothing.
                let mut shell = String::new();
                for content in &self.files[&target].contents {
                    let Some(line) = content.strip_prefix("#!") else {
                        continue;
                    };
                    match crate::analysis::interpreter_of(line.lines().next().unwrap_or("")) {
                        Ok(name) => shell = name.to_string(),
                        Err(program) if !program.contains('\\') => {
                            self.unanalyzable(
                                f.loc,
                                format!(
                                    "runs `{}`, a script for `{program}`, which the analysis does not read",
                                    file.text
                                ),
                            );
                            return true;
                        }
                        Err(_) => {}
                    }
                }
                // A new process: the aliases of this shell do not come along.
                let aliases = if shell.is_empty() {
                    Aliases {
                        expand: self.path.aliases.expand,
                        defs: Vec::new(),
                    }
                } else {
                    Aliases::for_shell(&shell, &[])
                };
                let saved = std::mem::replace(&mut self.path.aliases, aliases);
                let handled = self.run_written_file(file, args, ctx);
                self.path.aliases = saved;
                handled
            }
        }
    }

    /// A shell started as a new process (`sh -c`, `bash file`): its own aliases, none yet.
    /// Returns the current shell's, to put back.
    pub(super) fn enter_shell(&mut self, fields: &[Field]) -> Aliases {
        let name = fields.first().map_or("sh", program_name);
        let name = if SHELLS.contains(&name) { name } else { "sh" };
        std::mem::replace(
            &mut self.path.aliases,
            Aliases::for_shell(name, fields.get(1..).unwrap_or(&[])),
        )
    }

    pub(super) fn leave_shell(&mut self, saved: Aliases) {
        self.path.aliases = saved;
    }

    /// `set -o posix` in bash: aliases are expanded from then on.
    pub(super) fn note_set_options(&mut self, args: &[Field]) {
        if args
            .windows(2)
            .any(|w| w[0].text == "-o" && w[1].text == "posix")
        {
            self.path.aliases.expand = true;
        }
    }

    /// Expands an alias in the command's first word, where the shell does: the alias's text
    /// and the rest of the command line are read again as a command. True when it did.
    pub(super) fn expand_alias(&mut self, s: &Simple, fields: &[Field], ctx: Ctx<'_>) -> bool {
        if !self.path.aliases.expand || self.path.aliases.defs.is_empty() {
            return false;
        }
        let Some(name) = s.words.first().and_then(|w| literal_word(w, ctx.src)) else {
            return false;
        };
        if self.path.expanding.iter().any(|n| n == name) {
            return false;
        }
        let Some(value) = self.path.aliases.get(name) else {
            return false;
        };
        let mut text = value.to_string();
        for f in fields.iter().skip(1) {
            text.push(' ');
            text.push_str(&requote(f));
        }
        let origin = Origin {
            source: fields[0].loc.source,
            base: None,
            whole: fields[0].loc.span,
            layers: Default::default(),
        };
        self.path.expanding.push(name.to_string());
        self.reparse_from(&text, origin, None, ctx, Some(format!("alias {name}")));
        self.path.expanding.pop();
        true
    }
}
