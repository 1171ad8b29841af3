//! Follows a script statement by statement, the way the shell would run it, and records every
//! buildah invocation and every place where what runs cannot be known.

mod env;
mod files;
mod path;
mod printf;

pub use files::{Files, Written};
pub(super) use path::Aliases;

use super::expand::{FieldBuilder, requote};
use super::field::{Field, Layer, Layers, Loc, Source};
use super::{Analysis, Invocation, Unanalyzable};
use crate::buildah::call::{CallKind, parse_call};
use crate::shell::{
    self, Assign, AssignValue, Function, HereDoc, Param, ParamIndex, ParamName, ParamOp, Part,
    RedirKind, Script, Simple, SimpleKind, Span, Stmt, Word,
};
use crate::tekton::{Params, TektonRef, resolve_ref};
use rustc_hash::{FxHashMap, FxHasher};
use smallvec::SmallVec;

/// Work one container may make the analysis do: one unit per statement followed, plus one
/// per [`BYTES_PER_UNIT`] bytes of text parsed again or produced by expansions (strings can
/// grow with each `sh -c` level or assignment: statements alone do not bound the work). The
/// largest real Task of the corpus (Konflux's buildah) needs about 1,100 units.
pub(crate) const WORK_LIMIT: u32 = 50_000;
/// Bytes of text that cost one unit of work.
const BYTES_PER_UNIT: usize = 64;
/// Deepest chain of function calls followed.
const MAX_CALL_DEPTH: usize = 16;
/// Deepest chain of `sh -c` / `eval` strings parsed again.
const MAX_REPARSE_DEPTH: u32 = 8;

pub(super) const SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "ksh", "mksh", "zsh"];

/// A variable's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Var {
    Known(Vec<Field>),
    /// Set differently on different paths (`if …; then c=a; else c=b; fi`): one of these
    /// scalar values. Followed where a whole command string comes from it (`sh -c "$c"`).
    Choice(Vec<Field>),
    Unknown,
}

/// Most alternatives a variable keeps before it is taken as unknown.
const MAX_CHOICES: usize = 4;

/// Where a parsed text sits in the container: exactly at `base`, or (text built at run time)
/// somewhere in `whole`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Origin {
    pub source: Source,
    pub base: Option<u32>,
    pub whole: Span,
    /// The quoting around the text in its field (meaningful when `base` is known).
    pub layers: Layers,
}

impl Origin {
    pub fn loc(&self, span: Span) -> Loc {
        match self.base {
            Some(b) => Loc {
                source: self.source,
                span: Span {
                    start: b + span.start,
                    end: b + span.end,
                },
            },
            None => Loc {
                source: self.source,
                span: self.whole,
            },
        }
    }
}

/// The texts of a container the positions refer to.
pub(super) struct Sources<'a> {
    pub script: Option<&'a str>,
    pub command: &'a [&'a str],
    pub args: &'a [&'a str],
}

impl Sources<'_> {
    fn text(&self, source: Source) -> Option<&str> {
        match source {
            Source::Script => self.script,
            Source::Command(i) => self.command.get(i as usize).copied(),
            Source::Args(i) => self.args.get(i as usize).copied(),
        }
    }
}

/// One parsed text being followed.
#[derive(Clone, Copy)]
struct Ctx<'s> {
    src: &'s str,
    origin: Origin,
    heredocs: &'s [HereDoc],
    scope: &'s Scope<'s>,
}

#[derive(Clone, Copy)]
struct FuncDef<'s> {
    name: &'s str,
    func: &'s Function,
    src: &'s str,
    origin: Origin,
    heredocs: &'s [HereDoc],
}

/// Functions visible from a text: its own, then those of the texts around it.
struct Scope<'s> {
    defs: Vec<FuncDef<'s>>,
    parent: Option<&'s Scope<'s>>,
}

impl<'s> Scope<'s> {
    fn lookup(&self, name: &str) -> Option<&FuncDef<'s>> {
        self.defs
            .iter()
            .rev()
            .find(|d| d.name == name)
            .or_else(|| self.parent.and_then(|p| p.lookup(name)))
    }
}

/// How a command was started: what the statement around it adds.
#[derive(Clone, Copy, Default)]
struct Launch<'s> {
    conditional: bool,
    piped: bool,
    stmt: Option<&'s Simple>,
}

pub(super) struct Walker<'a, 'v> {
    params: &'a Params<'v>,
    sources: Sources<'a>,
    vars: FxHashMap<String, Var>,
    positional: Option<Vec<Field>>,
    pub(super) out: Analysis,
    call_stack: Vec<String>,
    called: Vec<String>,
    /// Outermost function call being followed, for reporting at the call site.
    via: Option<(String, Loc)>,
    in_uncalled: bool,
    in_conditional_call: bool,
    work: u32,
    reparse_depth: u32,
    /// Words that were conditional before `printf %q` turned them into a command string.
    conditional_words: Vec<String>,
    /// The variable holding the command string being followed (`$command`), for messages.
    built_in: Option<String>,
    /// Files the Task has written so far (this step and the ones before it).
    pub(super) files: Files,
    /// What the last command printed, when known (for a pipe into the next one).
    last_output: Option<String>,
    /// The previous command's output, for the current command when it reads a pipe.
    pipe_in: Option<String>,
    /// The working directory, when known (`workingDir`, then literal `cd`).
    pub(super) cwd: Option<String>,
    /// Calls already recorded: the [`call_key`] of each, with where the calls of that key
    /// are in `out.invocations`.
    seen_calls: FxHashMap<u64, SmallVec<[usize; 1]>>,
    /// Work this container may still do (the object's budget is shared by its containers).
    pub(super) work_limit: u32,
    /// A buffer for words expanded only for what they run.
    scratch: Vec<Field>,
    /// Where the script's lines start, for `describe_loc` (built on first use).
    line_starts: std::cell::OnceCell<Vec<u32>>,
    /// What is exported, for the environment each buildah call sees.
    env: env::EnvState,
    /// Directories on `PATH` and aliases (`path.rs`).
    pub(super) path: path::PathState,
}

impl<'a, 'v> Walker<'a, 'v> {
    pub(super) fn new(
        params: &'a Params<'v>,
        sources: Sources<'a>,
        vars: FxHashMap<String, Var>,
        positional: Option<Vec<Field>>,
    ) -> Self {
        let mut walker = Walker {
            params,
            sources,
            env: env::EnvState::new(vars.keys()),
            vars,
            positional,
            out: Analysis::default(),
            call_stack: Vec::new(),
            called: Vec::new(),
            via: None,
            in_uncalled: false,
            in_conditional_call: false,
            work: 0,
            reparse_depth: 0,
            conditional_words: Vec::new(),
            built_in: None,
            files: Files::default(),
            last_output: None,
            pipe_in: None,
            cwd: None,
            seen_calls: Default::default(),
            work_limit: WORK_LIMIT,
            scratch: Vec::new(),
            line_starts: std::cell::OnceCell::new(),
            path: path::PathState::default(),
        };
        walker.out.initial_env = walker.placement_env(false);
        walker
    }

    /// `script line 12`, `` `command[0]` ``: where a position is, for messages.
    fn describe_loc(&self, loc: Loc) -> String {
        match loc.source {
            Source::Script => {
                let starts = self
                    .line_starts
                    .get_or_init(|| crate::lines::starts(self.sources.script.unwrap_or("")));
                let line = starts.partition_point(|&s| s <= loc.span.start);
                format!("script line {line}")
            }
            Source::Command(i) => format!("`command[{i}]`"),
            Source::Args(i) => format!("`args[{i}]`"),
        }
    }

    fn note_program(&mut self, name: &str) {
        if !self.out.programs.iter().any(|p| p == name) {
            self.out.programs.push(name.to_string());
        }
    }

    fn unanalyzable(&mut self, loc: Loc, reason: String) {
        if !self.in_uncalled {
            self.out.unanalyzable.push(Unanalyzable { loc, reason });
        }
    }

    fn tick(&mut self, loc: Loc) -> bool {
        self.spend(1, loc)
    }

    /// Charges the work of handling `bytes` bytes of text; false once the budget is spent.
    fn charge(&mut self, bytes: usize, loc: Loc) -> bool {
        let units = u32::try_from(bytes / BYTES_PER_UNIT).unwrap_or(u32::MAX);
        self.spend(units, loc)
    }

    fn spend(&mut self, units: u32, loc: Loc) -> bool {
        let before = self.work;
        self.work = self.work.saturating_add(units);
        if before < self.work_limit && self.work >= self.work_limit {
            self.out.unanalyzable.push(Unanalyzable {
                loc,
                reason: "the script is too large or repetitive to follow completely".into(),
            });
        }
        self.work < self.work_limit
    }

    /// The analysis, with the files written so far.
    pub(super) fn finish(mut self) -> Analysis {
        self.out.files = std::mem::take(&mut self.files);
        self.out.work = self.work;
        self.out
    }

    /// Follows an exec-form command line (`command` + `args`).
    pub(super) fn exec(&mut self, argv: &mut [Field]) {
        let root = Scope {
            defs: Vec::new(),
            parent: None,
        };
        let ctx = Ctx {
            src: "",
            origin: Origin {
                source: Source::Command(0),
                base: None,
                whole: Span::default(),
                layers: Layers::default(),
            },
            heredocs: &[],
            scope: &root,
        };
        self.run(argv, Launch::default(), ctx);
    }

    /// Follows a whole script (a `script:` field or a string given to `sh -c`).
    pub(super) fn script(&mut self, script: &Script, src: &str, origin: Origin) {
        let root = Scope {
            defs: Vec::new(),
            parent: None,
        };
        self.script_in(script, src, origin, &root);
    }

    fn script_in(&mut self, script: &Script, src: &str, origin: Origin, parent: &Scope<'_>) {
        if let Some(err) = script.errors.first() {
            let span = Span {
                start: err.offset,
                end: err.offset,
            };
            let line = line_of(src, err.offset);
            self.unanalyzable(
                origin.loc(span),
                format!("the script does not parse ({} at line {line})", err.message),
            );
        }
        let mut defs = Vec::new();
        collect_functions(&script.body, src, origin, &script.heredocs, &mut defs);
        let scope = Scope {
            defs,
            parent: Some(parent),
        };
        let ctx = Ctx {
            src,
            origin,
            heredocs: &script.heredocs,
            scope: &scope,
        };
        self.stmts(&script.body, ctx);
        // Functions nobody calls are still code in the Task: read them once, with unknown
        // arguments.
        for def in &scope.defs {
            if self.called.iter().any(|c| c == def.name) {
                continue;
            }
            self.called.push(def.name.to_string());
            let saved_pos = self.positional.take();
            let saved_uncalled = std::mem::replace(&mut self.in_uncalled, true);
            let fctx = Ctx {
                src: def.src,
                origin: def.origin,
                heredocs: def.heredocs,
                scope: &scope,
            };
            self.stmts(&def.func.body, fctx);
            self.in_uncalled = saved_uncalled;
            self.positional = saved_pos;
        }
    }

    fn stmts(&mut self, stmts: &[Stmt], ctx: Ctx<'_>) {
        for stmt in stmts {
            if let Stmt::Simple(s) = stmt {
                if !self.tick(ctx.origin.loc(s.span)) {
                    return;
                }
                self.simple(s, ctx);
            }
        }
    }

    fn simple(&mut self, s: &Simple, ctx: Ctx<'_>) {
        match s.kind {
            SimpleKind::ForHeader => {
                for w in s.words.iter().skip(1) {
                    self.expand_for_effects(w, ctx);
                }
                if let Some(name) = s.words.first().and_then(|w| literal_word(w, ctx.src)) {
                    self.vars.insert(name.to_string(), Var::Unknown);
                }
            }
            SimpleKind::CaseWords | SimpleKind::Test => {
                for w in &s.words {
                    self.expand_for_effects(w, ctx);
                }
            }
            SimpleKind::Command => {
                self.pipe_in = self.last_output.take();
                let values: Vec<(&Assign, Var)> = s
                    .assigns
                    .iter()
                    .map(|a| (a, self.assign_value(a, ctx, s.conditional)))
                    .collect();
                self.note_path_assignments(&values);
                for r in &s.redirs {
                    self.expand_for_effects(&r.target, ctx);
                    if let Some(doc) = r.heredoc.and_then(|i| ctx.heredocs.get(i)) {
                        self.expand_parts(
                            &doc.parts,
                            ctx,
                            true,
                            &mut FieldBuilder::new(ctx.origin.loc(doc.body)),
                        );
                    }
                }
                let mut fields = Vec::with_capacity(s.words.len());
                for w in &s.words {
                    self.expand_into(w, ctx, &mut fields);
                }
                let keyword = s.words.first().and_then(|w| literal_word(w, ctx.src));
                let declaration = keyword.is_some_and(|w| {
                    matches!(w, "export" | "local" | "declare" | "typeset" | "readonly")
                });
                if let Some(keyword) = keyword.filter(|_| declaration) {
                    self.note_declaration(s, keyword, ctx.src);
                }
                // Assignments for this command only (`VAR=x cmd`, `env VAR=x cmd`) end with it.
                let command_env = self.env.command.len();
                if s.words.is_empty() || declaration {
                    for (a, v) in values {
                        self.note_assignment(&a.name);
                        self.assign(a, v, s.conditional);
                    }
                } else {
                    let values = values.iter().map(|(a, v)| (a.name.as_str(), v));
                    self.push_command_assigns(values);
                }
                if !fields.is_empty() && !self.expand_alias(s, &fields, ctx) {
                    let launch = Launch {
                        conditional: s.conditional,
                        piped: s.piped_input,
                        stmt: Some(s),
                    };
                    self.run(&mut fields, launch, ctx);
                }
                self.env.command.truncate(command_env);
            }
        }
    }

    fn assign_value(&mut self, a: &Assign, ctx: Ctx<'_>, conditional: bool) -> Var {
        let mut fields = match &a.value {
            AssignValue::Scalar(w) => {
                // No field splitting in assignments: the whole word is one value.
                let parts = self.expand(w, ctx);
                if parts.is_empty() {
                    vec![Field::literal("", ctx.origin.loc(w.span))]
                } else if parts.len() == 1 {
                    parts
                } else {
                    let mut joined = parts[0].clone();
                    for p in &parts[1..] {
                        joined.text.push(' ');
                        joined.text.push_str(&p.text);
                        joined.exact &= p.exact;
                    }
                    joined.multi = false;
                    vec![joined]
                }
            }
            AssignValue::Array(words) => {
                let mut out = Vec::new();
                for w in words {
                    self.expand_into(w, ctx, &mut out);
                }
                out
            }
        };
        if let AssignValue::Scalar(_) = a.value
            && let Some(f) = fields.first_mut()
        {
            f.multi = false;
        }
        for f in &mut fields {
            f.conditional |= conditional;
        }
        Var::Known(fields)
    }

    fn assign(&mut self, a: &Assign, value: Var, conditional: bool) {
        let is_array = matches!(a.value, AssignValue::Array(_));
        let new = match (self.vars.get(&a.name), value) {
            (_, Var::Unknown | Var::Choice(_)) => Var::Unknown,
            // `arr[i]=x`: one element changes; keep the rest unknown rather than guess.
            (_, Var::Known(_)) if a.indexed => Var::Unknown,
            (Some(Var::Known(old)), Var::Known(new)) if a.append => {
                if is_array {
                    let mut all = old.clone();
                    all.extend(new);
                    Var::Known(all)
                } else {
                    match (old.first(), new.first()) {
                        (Some(o), Some(n)) => {
                            let mut f = o.clone();
                            f.text.push_str(&n.text);
                            f.exact &= n.exact;
                            f.conditional |= n.conditional;
                            Var::Known(vec![f])
                        }
                        (None, _) => Var::Known(new),
                        (Some(_), None) => Var::Known(old.clone()),
                    }
                }
            }
            (Some(Var::Unknown | Var::Choice(_)), Var::Known(_)) if a.append => Var::Unknown,
            (Some(Var::Known(old)), Var::Known(new)) if conditional => {
                // Either the old or the new value: keep both when they are single values.
                if old.iter().map(|f| &f.text).eq(new.iter().map(|f| &f.text)) {
                    Var::Known(new)
                } else if !is_array && old.len() == 1 && new.len() == 1 {
                    Var::Choice(vec![old[0].clone(), new[0].clone()])
                } else {
                    Var::Unknown
                }
            }
            (Some(Var::Choice(old)), Var::Known(new)) if conditional && new.len() == 1 => {
                let mut all = old.clone();
                if !all.iter().any(|f| f.text == new[0].text) {
                    all.push(new[0].clone());
                }
                if all.len() > MAX_CHOICES {
                    Var::Unknown
                } else {
                    Var::Choice(all)
                }
            }
            (Some(Var::Unknown | Var::Choice(_)), Var::Known(_)) if conditional => Var::Unknown,
            (_, Var::Known(new)) => Var::Known(new),
        };
        self.vars.insert(a.name.clone(), new);
    }

    /// Runs a command: strips wrappers, then looks at what actually runs.
    /// Follows one command line. What becomes a buildah invocation is moved out of `fields`,
    /// which the caller does not read again.
    fn run(&mut self, fields: &mut [Field], launch: Launch<'_>, ctx: Ctx<'_>) {
        let mut i = 0;
        let mut extra_args = false;
        // `command NAME` skips shell functions of that name.
        let mut functions = true;
        while let Some(f) = fields.get(i) {
            let name = program_name(f);
            let next = i + 1;
            // Shell functions come first (`buildah() { command buildah --root … "$@"; }`).
            if functions
                && f.exact
                && let Some(def) = ctx.scope.lookup(name)
            {
                let def = *def;
                self.call(def, &fields[i..], launch, ctx);
                return;
            }
            let skip = |with_value: &[&str]| skip_options(fields, next, with_value);
            match name {
                "exec" => i = skip(&["-a"]),
                "command" => {
                    if fields[next..]
                        .iter()
                        .take_while(|f| f.text.starts_with('-'))
                        .any(|f| f.text.contains('v') || f.text.contains('V'))
                    {
                        return; // `command -v buildah` only looks it up.
                    }
                    functions = false;
                    i = skip(&[]);
                }
                // `retry` is a program in Konflux's images (retries its arguments); other
                // scripts define it as a function, which is followed above.
                "builtin" | "nohup" | "setsid" | "busybox" | "retry" => i = skip(&[]),
                "time" => i = skip(&["-f", "--format", "-o", "--output"]),
                "nice" => i = skip(&["-n", "--adjustment"]),
                "ionice" => i = skip(&["-c", "--class", "-n", "--classdata", "-t"]),
                "stdbuf" => i = skip(&["-i", "-o", "-e", "--input", "--output", "--error"]),
                "sudo" => {
                    i = skip(&[
                        "-u",
                        "-g",
                        "-C",
                        "-D",
                        "-h",
                        "-p",
                        "-r",
                        "-t",
                        "-T",
                        "-U",
                        "--user",
                        "--group",
                        "--close-from",
                        "--chdir",
                        "--host",
                        "--prompt",
                        "--role",
                        "--type",
                        "--command-timeout",
                        "--other-user",
                    ]);
                    let assignments = i;
                    i = skip_env_assignments(fields, i);
                    self.note_path_arguments(&fields[assignments..i]);
                    self.push_env_arguments(&fields[assignments..i]);
                }
                "env" => {
                    if fields[next..].iter().any(|f| {
                        f.text == "-S"
                            || f.text.starts_with("--split-string")
                            || f.text.starts_with("-S")
                    }) {
                        self.unanalyzable(
                            f.loc,
                            "`env -S` splits a command string at run time".into(),
                        );
                        return;
                    }
                    i = skip(&["-u", "--unset", "-C", "--chdir"]);
                    let assignments = i;
                    i = skip_env_assignments(fields, i);
                    self.note_path_arguments(&fields[assignments..i]);
                    self.push_env_arguments(&fields[assignments..i]);
                }
                "unshare" => {
                    i = skip(&[
                        "-R",
                        "--root",
                        "-w",
                        "--wd",
                        "-S",
                        "--setuid",
                        "-G",
                        "--setgid",
                        "--map-user",
                        "--map-group",
                        "--map-users",
                        "--map-groups",
                        "--setgroups",
                        "--propagation",
                    ])
                }
                "timeout" => i = skip(&["-s", "--signal", "-k", "--kill-after"]) + 1,
                // `find … -exec CMD … ;` runs CMD for each file found.
                "find" => {
                    let exec = fields[next..].iter().position(|f| {
                        matches!(f.text.as_str(), "-exec" | "-execdir" | "-ok" | "-okdir")
                    });
                    let Some(pos) = exec else {
                        self.note_program(name);
                        self.record_output(name, &fields[i..], launch, ctx);
                        return;
                    };
                    let start = next + pos + 1;
                    let end = fields[start..]
                        .iter()
                        .position(|f| f.text == ";" || f.text == "+")
                        .map_or(fields.len(), |e| start + e);
                    self.run(&mut fields[start..end], launch, ctx);
                    return;
                }
                // `flock [options] FILE CMD…` or `flock FILE -c "CMD"`.
                "flock" => {
                    let file = skip(&["-w", "--timeout", "-E", "--conflict-exit-code"]);
                    let cmd = file + 1;
                    match fields.get(cmd).map(|f| f.text.as_str()) {
                        Some("-c" | "--command") => {
                            if let Some(text) = fields.get(cmd + 1) {
                                let origin = self.exact_origin(text, ctx);
                                self.reparse(&text.text.clone(), origin, None, ctx);
                            }
                            return;
                        }
                        _ => i = cmd,
                    }
                }
                "xargs" => {
                    i = skip(&[
                        "-I",
                        "-L",
                        "-n",
                        "-P",
                        "-s",
                        "-d",
                        "-E",
                        "-a",
                        "--arg-file",
                        "--delimiter",
                        "--max-args",
                        "--max-procs",
                        "--max-lines",
                        "--max-chars",
                        "--replace",
                        "--eof",
                    ]);
                    extra_args = true;
                }
                "buildah" => {
                    self.buildah(&mut fields[i..], extra_args, launch, ctx);
                    return;
                }
                _ if SHELLS.contains(&name) => {
                    let outer = self.enter_shell(&fields[i..]);
                    self.shell(&fields[i..], launch, ctx);
                    self.leave_shell(outer);
                    return;
                }
                "eval" => {
                    self.eval(&fields[next..], f.loc, ctx);
                    return;
                }
                "source" | "." => {
                    if let Some(file) = fields.get(next)
                        && self.run_written_file(file, &fields[next + 1..], ctx)
                    {
                        return;
                    }
                    let target = fields.get(next).map_or("", |f| f.text.as_str());
                    self.unanalyzable(
                        f.loc,
                        format!("reads commands from `{target}`, whose content is not in the Task"),
                    );
                    return;
                }
                "cd" | "pushd" => {
                    self.note_program(name);
                    let dir = fields
                        .get(next)
                        .filter(|d| d.exact && !d.text.starts_with('-'));
                    self.cwd = dir.map(|d| files::normalize(&d.text, self.cwd.as_deref()));
                    return;
                }
                "set" => {
                    self.note_program(name);
                    self.note_set(&fields[next..]);
                    self.note_set_options(&fields[next..]);
                    if let Some(pos) = fields[next..].iter().position(|f| f.text == "--") {
                        self.positional = Some(fields[next + pos + 1..].to_vec());
                    }
                    return;
                }
                "shift" => {
                    self.note_program(name);
                    let n = fields
                        .get(next)
                        .and_then(|f| f.text.parse::<usize>().ok())
                        .unwrap_or(1);
                    if let Some(p) = &mut self.positional {
                        p.drain(..n.min(p.len()));
                    }
                    return;
                }
                "unset" => {
                    self.note_program(name);
                    for f in &fields[next..] {
                        if !f.text.starts_with('-') {
                            self.vars.insert(f.text.clone(), Var::Known(Vec::new()));
                        }
                    }
                    return;
                }
                "read" | "readarray" | "mapfile" | "getopts" => {
                    self.note_program(name);
                    for f in &fields[next..] {
                        if is_name(&f.text) {
                            self.vars.insert(f.text.clone(), Var::Unknown);
                        }
                    }
                    return;
                }
                "printf" => {
                    self.note_program(name);
                    self.record_output(name, &fields[i..], launch, ctx);
                    if let Some(pos) = fields[next..].iter().position(|f| f.text == "-v")
                        && let Some(var) = fields.get(next + pos + 1)
                    {
                        self.vars.insert(var.text.clone(), Var::Unknown);
                    }
                    return;
                }
                _ => {
                    self.note_program(name);
                    // A file the Task wrote, run by its path or found on `PATH` (the shell
                    // never runs `./echo` for `echo`).
                    if self.run_program(f, &fields[next..], launch, ctx) {
                        return;
                    }
                    self.record_output(name, &fields[i..], launch, ctx);
                    if name.is_empty() || name.contains('$') || f.multi {
                        self.unanalyzable(
                            f.loc,
                            format!(
                                "the command name comes from `{}`, which is only known when the step runs",
                                f.text
                            ),
                        );
                    } else if is_script_file(name) {
                        self.unanalyzable(
                            f.loc,
                            format!("runs `{}`, whose content is not in the Task", f.text),
                        );
                    }
                    return;
                }
            }
        }
    }

    fn buildah(
        &mut self,
        fields: &mut [Field],
        extra_args: bool,
        launch: Launch<'_>,
        ctx: Ctx<'_>,
    ) {
        let mut argv: Vec<Field> = fields[1..].iter_mut().map(Field::take).collect();
        if self.reparse_depth > 0 && !self.conditional_words.is_empty() {
            for f in &mut argv {
                if self.conditional_words.contains(&f.text) {
                    f.conditional = true;
                }
            }
        }
        if extra_args {
            argv.push(Field {
                text: "(arguments read by xargs)".into(),
                exact: false,
                multi: true,
                conditional: false,
                loc: fields[0].loc,
                from: None,
            });
        }
        let call = parse_call(&argv);
        if let CallKind::Wrapper { command_at } = call.kind {
            // `buildah unshare CMD…` runs CMD in buildah's user namespace.
            self.run(&mut argv[command_at..], launch, ctx);
            return;
        }
        if self.in_uncalled && call.command.is_none() {
            // `buildah "$@"` in a function nobody calls: nothing to judge.
            return;
        }
        let inv = Invocation {
            call,
            argv,
            loc: fields[0].loc,
            via: self.via.clone(),
            built_in: self.built_in.clone(),
            conditional: launch.conditional || self.in_conditional_call,
            env: self.call_env(),
            layers: ctx.origin.base.map(|_| ctx.origin.layers),
        };
        // The same call reached again (a function called in a loop or many times) is one call.
        // The key only finds candidates: a call is left out when it equals one recorded, never
        // because its key does, so no text written into a script can hide a call behind
        // another one whose hash it matches.
        let recorded = &self.out.invocations;
        let same = self.seen_calls.entry(call_key(&inv)).or_default();
        if !same
            .iter()
            .any(|&i| recorded.get(i).is_some_and(|r| same_call(r, &inv)))
        {
            same.push(recorded.len());
            self.out.invocations.push(inv);
        }
    }

    fn shell(&mut self, fields: &[Field], launch: Launch<'_>, ctx: Ctx<'_>) {
        let mut j = 1;
        let mut command_string = false;
        while let Some(f) = fields.get(j) {
            let t = f.text.as_str();
            if t == "--" || t == "-" {
                j += 1;
                break;
            }
            if !f.exact || t.len() < 2 || !(t.starts_with('-') || t.starts_with('+')) {
                break;
            }
            j += 1;
            if let Some(long) = t.strip_prefix("--") {
                if matches!(long, "rcfile" | "init-file") {
                    j += 1;
                }
                continue;
            }
            if t[1..].contains('c') {
                command_string = true;
            }
            if t[1..].contains('o') || t[1..].contains('O') {
                j += 1;
            }
        }
        if command_string {
            let Some(cmd) = fields.get(j) else { return };
            let positional = fields
                .get(j + 2..)
                .map(<[Field]>::to_vec)
                .unwrap_or_default();
            let runner = format!("`{} -c`", fields[0].text);
            let (texts, from) = self.alternatives(cmd, &runner);
            for text in texts {
                let origin = self.exact_origin(cmd, ctx);
                self.reparse_from(&text, origin, Some(positional.clone()), ctx, from.clone());
            }
            return;
        }
        if let Some(file) = fields.get(j) {
            if self.run_written_file(file, &fields[j + 1..], ctx) {
                return;
            }
            self.unanalyzable(
                file.loc,
                format!(
                    "runs the script `{}`, whose content is not in the Task",
                    file.text
                ),
            );
            return;
        }
        // No command string and no file: the shell reads its commands from standard input.
        if let Some(stmt) = launch.stmt {
            for r in &stmt.redirs {
                match r.kind {
                    RedirKind::HereDoc => {
                        if let Some(doc) = r.heredoc.and_then(|i| ctx.heredocs.get(i)) {
                            let body = doc.body.text(ctx.src).to_string();
                            let origin = Origin {
                                source: ctx.origin.source,
                                base: ctx.origin.base.map(|b| b + doc.body.start),
                                whole: ctx.origin.loc(doc.body).span,
                                layers: ctx.origin.layers.with(Layer::HereDoc),
                            };
                            self.reparse(&body, origin, None, ctx);
                        }
                        return;
                    }
                    RedirKind::HereString => {
                        if let Some(f) = self.expand(&r.target, ctx).into_iter().next() {
                            let origin = self.exact_origin(&f, ctx);
                            let (texts, from) = self.alternatives(&f, "a here-string");
                            for text in texts {
                                self.reparse_from(&text, origin, None, ctx, from.clone());
                            }
                        }
                        return;
                    }
                    RedirKind::Input => {
                        let target = r.target.span.text(ctx.src);
                        self.unanalyzable(
                            ctx.origin.loc(r.target.span),
                            format!("runs the script `{target}`, whose content is not in the Task"),
                        );
                        return;
                    }
                    _ => {}
                }
            }
        }
        if launch.piped {
            // The previous command's output is known (`echo … | base64 -d | bash`): read it.
            if let Some(text) = self.pipe_in.clone() {
                let origin = Origin {
                    source: fields[0].loc.source,
                    base: None,
                    whole: fields[0].loc.span,
                    layers: Layers::default(),
                };
                self.reparse(&text, origin, None, ctx);
                return;
            }
            self.unanalyzable(
                fields[0].loc,
                format!(
                    "`{}` runs a script read from a pipe, produced only when the step runs",
                    fields[0].text
                ),
            );
        }
    }

    fn eval(&mut self, args: &[Field], loc: Loc, ctx: Ctx<'_>) {
        if args.is_empty() {
            return;
        }
        let text = args
            .iter()
            .map(|f| f.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let origin = if args.len() == 1 {
            self.exact_origin(&args[0], ctx)
        } else {
            Origin {
                source: loc.source,
                base: None,
                whole: loc.span,
                layers: Layers::default(),
            }
        };
        if let [only] = args {
            let (texts, from) = self.alternatives(only, "`eval`");
            for text in texts {
                self.reparse_from(&text, origin, None, ctx, from.clone());
            }
            return;
        }
        self.reparse(&text, origin, None, ctx);
    }

    /// The texts a command string may have: its own, or each value of a variable set
    /// differently on different paths (`sh -c "$command"`). None when the whole string is a
    /// single value only known at run time (then it is reported, not parsed).
    /// Also returns the variable the string came from, for messages.
    fn alternatives(&mut self, f: &Field, runner: &str) -> (Vec<String>, Option<String>) {
        if !f.exact {
            let t = f.text.as_str();
            let name = t
                .strip_prefix("${")
                .and_then(|n| n.strip_suffix('}'))
                .or_else(|| t.strip_prefix('$'));
            if let Some(Var::Choice(values)) = name.and_then(|n| self.vars.get(n)) {
                let texts = values.iter().map(|v| v.text.clone()).collect();
                return (texts, Some(t.to_string()));
            }
            if is_single_reference(t) {
                self.unanalyzable(
                    f.loc,
                    format!("{runner} runs the command line in `{t}`, which is only known when the step runs"),
                );
                return (Vec::new(), None);
            }
        }
        (vec![f.text.clone()], f.from.clone())
    }

    /// Where a field's text sits, exactly when it was written literally (possibly quoted), and
    /// the quoting around it: a script's word adds its quotes to those of the text `ctx` reads;
    /// an exec-form item is the text itself.
    fn exact_origin(&self, f: &Field, ctx: Ctx<'_>) -> Origin {
        let fallback = Origin {
            source: f.loc.source,
            base: None,
            whole: f.loc.span,
            layers: Layers::default(),
        };
        if !f.exact {
            return fallback;
        }
        let Some(src) = self.sources.text(f.loc.source) else {
            return fallback;
        };
        let written = f.loc.span.text(src);
        let (base, layer) = if written == f.text {
            (Some(f.loc.span.start), Layer::Word)
        } else if written.len() == f.text.len() + 2
            && written.get(1..written.len() - 1) == Some(f.text.as_str())
        {
            let quote = match written.as_bytes()[0] {
                b'\'' => Layer::Single,
                _ => Layer::Double,
            };
            (Some(f.loc.span.start + 1), quote)
        } else {
            (None, Layer::Word)
        };
        let layers = match f.loc.source {
            Source::Script => ctx.origin.layers.with(layer),
            Source::Command(_) | Source::Args(_) => Layers::default(),
        };
        Origin {
            base,
            layers,
            ..fallback
        }
    }

    /// `reparse` of a command string held in a variable (`from`), named in messages.
    fn reparse_from(
        &mut self,
        text: &str,
        origin: Origin,
        positional: Option<Vec<Field>>,
        ctx: Ctx<'_>,
        from: Option<String>,
    ) {
        let saved = self.built_in.clone();
        if from.is_some() {
            self.built_in = from;
        }
        self.reparse(text, origin, positional, ctx);
        self.built_in = saved;
    }

    /// Parses a string again (`sh -c`, `eval`, a heredoc fed to a shell) and follows it.
    fn reparse(
        &mut self,
        text: &str,
        origin: Origin,
        positional: Option<Vec<Field>>,
        ctx: Ctx<'_>,
    ) {
        if self.reparse_depth >= MAX_REPARSE_DEPTH {
            self.unanalyzable(
                origin.loc(Span::default()),
                "shell strings are nested too deeply to follow".into(),
            );
            return;
        }
        if !self.charge(text.len(), origin.loc(Span::default())) {
            return;
        }
        self.reparse_depth += 1;
        let script = shell::parse(text);
        let saved = positional.map(|p| self.positional.replace(p));
        self.script_in(&script, text, origin, ctx.scope);
        if let Some(saved) = saved {
            self.positional = saved;
        }
        self.reparse_depth -= 1;
    }

    fn call(&mut self, def: FuncDef<'_>, fields: &[Field], launch: Launch<'_>, ctx: Ctx<'_>) {
        if self.call_stack.iter().any(|n| n == def.name) || self.call_stack.len() >= MAX_CALL_DEPTH
        {
            return;
        }
        if !self.called.iter().any(|c| c == def.name) {
            self.called.push(def.name.to_string());
        }
        let saved_pos = self.positional.replace(fields[1..].to_vec());
        let outermost = self.via.is_none();
        if outermost {
            self.via = Some((def.name.to_string(), fields[0].loc));
        }
        let saved_cond = self.in_conditional_call;
        self.in_conditional_call |= launch.conditional;
        self.call_stack.push(def.name.to_string());
        let fctx = Ctx {
            src: def.src,
            origin: def.origin,
            heredocs: def.heredocs,
            scope: ctx.scope,
        };
        self.stmts(&def.func.body, fctx);
        self.call_stack.pop();
        self.in_conditional_call = saved_cond;
        if outermost {
            self.via = None;
        }
        self.positional = saved_pos;
    }

    /// Expands one word into arguments (following command substitutions inside it).
    fn expand(&mut self, w: &Word, ctx: Ctx<'_>) -> Vec<Field> {
        let mut out = Vec::new();
        self.expand_into(w, ctx, &mut out);
        out
    }

    /// Expands one word, appending its arguments to `out`.
    fn expand_into(&mut self, w: &Word, ctx: Ctx<'_>, out: &mut Vec<Field>) {
        let first = out.len();
        let loc = ctx.origin.loc(w.span);
        let mut b = FieldBuilder::appending(loc, std::mem::take(out));
        self.expand_parts(&w.parts, ctx, false, &mut b);
        *out = b.into_fields();
        let bytes = out[first..].iter().map(|f| f.text.len()).sum();
        self.charge(bytes, loc);
    }

    /// Expands one word for what it runs (command substitutions), not for its value.
    fn expand_for_effects(&mut self, w: &Word, ctx: Ctx<'_>) {
        let mut scratch = std::mem::take(&mut self.scratch);
        self.expand_into(w, ctx, &mut scratch);
        scratch.clear();
        self.scratch = scratch;
    }

    fn expand_parts(&mut self, parts: &[Part], ctx: Ctx<'_>, quoted: bool, b: &mut FieldBuilder) {
        for part in parts {
            match part {
                Part::Lit(span) => b.literal(span.text(ctx.src)),
                Part::Text(t) => b.literal(t),
                Part::Single(span) => {
                    b.quoted_empty();
                    b.literal(span.text(ctx.src));
                }
                Part::Double(inner) => {
                    // `"$@"` and `"${a[@]}"` of an empty list make no argument at all.
                    let list_only = matches!(inner.as_slice(), [Part::Param(p)]
                        if p.name == ParamName::At || p.index == Some(ParamIndex::All));
                    if !list_only {
                        b.quoted_empty();
                    }
                    self.expand_parts(inner, ctx, true, b);
                }
                Part::Param(p) => self.expand_param(p, ctx, quoted, b),
                Part::CommandSub(body, span) => {
                    let value = self.command_sub(body, ctx);
                    match value {
                        Some(v) if quoted => b.literal(&v),
                        Some(v) => b.split(&v, true, false),
                        None => b.unknown(span.text(ctx.src), quoted),
                    }
                }
                Part::ProcessSub(body, span) => {
                    self.stmts(body, ctx);
                    b.unknown(span.text(ctx.src), true);
                }
                Part::Tekton(span) => {
                    let written = span.text(ctx.src);
                    match resolve_ref(written, self.params) {
                        TektonRef::Value(v) if quoted => {
                            b.from(written);
                            b.literal(v)
                        }
                        TektonRef::Value(v) => {
                            b.from(written);
                            b.split(v, true, false)
                        }
                        TektonRef::Array(items) => {
                            let joined = items.join(" ");
                            if quoted {
                                b.literal(&joined);
                            } else {
                                b.split(&joined, true, false);
                            }
                        }
                        // A parameter without default holds one value (an image, a path) far
                        // more often than a list of options: keep it one argument.
                        TektonRef::WorkspacePath(_) | TektonRef::Unknown => {
                            b.unknown(written, true)
                        }
                    }
                }
                Part::Arith(span) => b.unknown(span.text(ctx.src), true),
            }
        }
    }

    fn expand_param(&mut self, p: &Param, ctx: Ctx<'_>, quoted: bool, b: &mut FieldBuilder) {
        let written = p.span.text(ctx.src);
        // The common case, `$NAME` or `${NAME}` of a known variable: read in place.
        if matches!(p.op, ParamOp::None)
            && p.index.is_none()
            && let ParamName::Named(name) = &p.name
            && let Some(Var::Known(fields)) = self.vars.get(name)
        {
            b.from(written);
            if let Some(f) = fields.first() {
                b.value(f, quoted);
            }
            return;
        }
        let value: Option<Vec<Field>> = match &p.name {
            ParamName::Named(name) => match self.vars.get(name) {
                Some(Var::Known(fields)) => match p.index {
                    Some(ParamIndex::All) => Some(fields.clone()),
                    Some(ParamIndex::Element(idx)) => {
                        let i = idx.text(ctx.src).parse::<usize>().ok();
                        i.map(|i| fields.get(i).cloned().into_iter().collect())
                    }
                    None => Some(fields.first().cloned().into_iter().collect()),
                },
                _ => None,
            },
            ParamName::At | ParamName::Star => self.positional.clone(),
            ParamName::Positional(n) => self
                .positional
                .as_ref()
                .map(|p| p.get(*n as usize - 1).cloned().into_iter().collect()),
            ParamName::Special(_) => None,
        };
        let is_list = p.index == Some(ParamIndex::All) || p.name == ParamName::At;
        let star = p.name == ParamName::Star;
        if !is_list && value.is_some() {
            b.from(written);
        }
        match (&p.op, value) {
            (ParamOp::None, Some(fields)) => {
                if star && quoted {
                    let mut joined = fields.first().cloned();
                    if let Some(j) = &mut joined {
                        for f in &fields[1..] {
                            j.text.push(' ');
                            j.text.push_str(&f.text);
                            j.exact &= f.exact;
                        }
                        b.join(j);
                    } else {
                        b.quoted_empty();
                    }
                } else if is_list || star {
                    b.elements(&fields, !quoted);
                } else if let Some(f) = fields.first() {
                    b.value(f, quoted);
                }
            }
            (ParamOp::Default(word), Some(fields)) if fields.iter().all(|f| f.text.is_empty()) => {
                self.expand_op_word(word, ctx, quoted, b);
            }
            (ParamOp::Default(_), Some(fields)) => {
                for f in fields.iter().take(1) {
                    if quoted {
                        b.join(f);
                    } else {
                        b.split(&f.text, f.exact, f.conditional);
                    }
                }
            }
            (ParamOp::Alternative(word), Some(fields))
                if fields.iter().any(|f| !f.text.is_empty()) =>
            {
                self.expand_op_word(word, ctx, quoted, b);
            }
            (ParamOp::Alternative(_), Some(_)) => {}
            (ParamOp::Default(word) | ParamOp::Alternative(word), None) => {
                // The word may run command substitutions even when unused.
                self.expand_parts(
                    word,
                    ctx,
                    true,
                    &mut FieldBuilder::new(ctx.origin.loc(p.span)),
                );
                b.unknown(written, quoted);
            }
            _ => b.unknown(written, quoted && !is_list),
        }
    }

    /// The word of `${x:-word}` / `${x:+word}`: unquoted, its literal text is split into
    /// arguments too (`${R:+--root "$R"}` gives `--root` and the value).
    fn expand_op_word(&mut self, word: &[Part], ctx: Ctx<'_>, quoted: bool, b: &mut FieldBuilder) {
        for part in word {
            match part {
                Part::Lit(span) if !quoted => b.split(span.text(ctx.src), true, false),
                Part::Text(t) if !quoted => b.split(t, true, false),
                _ => self.expand_parts(std::slice::from_ref(part), ctx, quoted, b),
            }
        }
    }

    /// Follows a command substitution; returns its output when it is known statically
    /// (`$(printf '%q ' …)`, used to build command strings for `sh -c`).
    fn command_sub(&mut self, body: &[Stmt], ctx: Ctx<'_>) -> Option<String> {
        // `$(dirname "$0")`, `$(basename "$x")` of a known path.
        if let [Stmt::Simple(s)] = body
            && s.kind == SimpleKind::Command
            && let Some(tool @ ("dirname" | "basename")) =
                s.words.first().and_then(|w| literal_word(w, ctx.src))
            && let [arg] = s.words[1..]
                .iter()
                .flat_map(|w| self.expand(w, ctx))
                .collect::<Vec<_>>()
                .as_slice()
            && arg.exact
        {
            let path = arg.text.trim_end_matches('/');
            let (dir, base) = match path.rfind('/') {
                Some(0) => ("/", &path[1..]),
                Some(i) => (&path[..i], &path[i + 1..]),
                None => (".", path),
            };
            return Some(if tool == "dirname" { dir } else { base }.to_string());
        }
        if let [Stmt::Simple(s)] = body
            && s.kind == SimpleKind::Command
            && s.words.first().and_then(|w| literal_word(w, ctx.src)) == Some("printf")
        {
            let mut fields = Vec::new();
            for w in &s.words[1..] {
                self.expand_into(w, ctx, &mut fields);
            }
            if let Some((format, args)) = fields.split_first()
                && matches!(format.text.as_str(), "%q " | "%q" | " %q")
            {
                // Unknown parts stay as written, so that reading the string back gives the
                // same unknown arguments. Options added only on some paths lose that mark in
                // the string: remember them, to mark them again when the string is read.
                let quoted: Vec<String> = args
                    .iter()
                    .map(|f| {
                        if f.conditional && f.exact {
                            self.conditional_words.push(f.text.clone());
                        }
                        requote(f)
                    })
                    .collect();
                return Some(quoted.join(" "));
            }
            return None;
        }
        self.stmts(body, ctx);
        None
    }
}

fn collect_functions<'s>(
    stmts: &'s [Stmt],
    src: &'s str,
    origin: Origin,
    heredocs: &'s [HereDoc],
    out: &mut Vec<FuncDef<'s>>,
) {
    for stmt in stmts {
        if let Stmt::Function(f) = stmt {
            out.push(FuncDef {
                name: &f.name,
                func: f,
                src,
                origin,
                heredocs,
            });
            collect_functions(&f.body, src, origin, heredocs, out);
        }
    }
}

/// What makes two recorded calls the same: where they are reported and what they pass.
fn call_parts(inv: &Invocation) -> (Loc, Loc, Option<&str>, bool) {
    (
        inv.report_loc(),
        inv.loc,
        inv.built_in.as_deref(),
        inv.conditional,
    )
}

fn field_parts(f: &Field) -> (&str, bool, bool, bool, Loc) {
    (&f.text, f.exact, f.multi, f.conditional, f.loc)
}

/// A hash of [`same_call`]'s parts.
fn call_key(inv: &Invocation) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = FxHasher::default();
    call_parts(inv).hash(&mut h);
    for f in &inv.argv {
        field_parts(f).hash(&mut h);
    }
    h.finish()
}

fn same_call(a: &Invocation, b: &Invocation) -> bool {
    call_parts(a) == call_parts(b)
        && a.argv.len() == b.argv.len()
        && a.argv
            .iter()
            .zip(&b.argv)
            .all(|(x, y)| field_parts(x) == field_parts(y))
}

/// `$X`, `${X}` or `$(params.X)` and nothing else.
fn is_single_reference(t: &str) -> bool {
    let name = |n: &str| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    t.strip_prefix("${")
        .and_then(|n| n.strip_suffix('}'))
        .is_some_and(name)
        || t.strip_prefix('$').is_some_and(name)
        || (t.starts_with("$(")
            && t.ends_with(')')
            && t[2..].find(['(', ')', ' ']) == Some(t.len() - 3))
}

/// The text of a word made only of plain literal characters.
fn literal_word<'s>(w: &Word, src: &'s str) -> Option<&'s str> {
    match w.parts.as_slice() {
        [Part::Lit(span)] => Some(span.text(src)),
        _ => None,
    }
}

/// The program a field names: the last path component (`/usr/bin/buildah` is `buildah`).
fn program_name(f: &Field) -> &str {
    let t = f.text.as_str();
    t.rsplit('/').next().unwrap_or(t)
}

fn is_name(s: &str) -> bool {
    let mut b = s.bytes();
    b.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

fn is_script_file(name: &str) -> bool {
    name.ends_with(".sh") || name.ends_with(".bash")
}

/// Index of the first argument after a wrapper's options.
fn skip_options(fields: &[Field], mut i: usize, with_value: &[&str]) -> usize {
    while let Some(f) = fields.get(i) {
        let t = f.text.as_str();
        if t == "--" {
            return i + 1;
        }
        if f.multi
            && let Some(end) = fields[i..].iter().position(|f| f.text == "--" && f.exact)
        {
            // Unknown options (`"${UNSHARE_ARGS[@]}"`) before an explicit `--`.
            return i + end + 1;
        }
        if !t.starts_with('-') || t.len() < 2 {
            return i;
        }
        i += if with_value.contains(&t) { 2 } else { 1 };
    }
    i
}

/// Skips `NAME=value` arguments (`env`, `sudo`).
fn skip_env_assignments(fields: &[Field], mut i: usize) -> usize {
    while let Some(f) = fields.get(i) {
        match f.text.split_once('=') {
            Some((name, _)) if is_name(name) => i += 1,
            _ => break,
        }
    }
    i
}

/// 1-based line of a byte offset.
pub(crate) fn line_of(src: &str, offset: u32) -> u32 {
    let end = (offset as usize).min(src.len());
    crate::lines::count(&src.as_bytes()[..end]) as u32 + 1
}
