//! Reading one buildah command line the way buildah (cobra + pflag) reads it.
//!
//! - The subcommand is the first argument that is not an option, where an option before it is
//!   known to take a value only from buildah's global options; like cobra, an unknown option
//!   without `=` is taken to consume the next argument.
//! - Options are then parsed with the subcommand's options plus the global ones (they are
//!   persistent), wherever they appear: before the subcommand, after it, or after positional
//!   arguments (unless the command stops at its first positional, as `run` does).
//! - `--name value` and `--name=value` for options taking a value; booleans take a value only
//!   as `--name=value`; short options cluster (`-qf file`); `--` ends the options.

use super::table::{COMMANDS, Command, Flag, GLOBAL_FLAGS};
use crate::analysis::Field;
use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallKind {
    /// A known subcommand.
    Command,
    /// `buildah unshare [options] CMD …`: CMD (at this argv index) runs in buildah's namespace.
    Wrapper { command_at: usize },
    /// No subcommand (`buildah --version`, `buildah` alone).
    NoCommand,
    /// The subcommand is only known at run time (`buildah $SUB …`).
    Undetermined { at: usize },
    /// A subcommand buildah does not have (or a newer one the table does not know).
    UnknownCommand { at: usize },
}

/// One option as used on the command line.
#[derive(Debug, Clone)]
pub struct OptionUse {
    /// The option's entry, when the subcommand or buildah's globals know it.
    pub flag: Option<&'static Flag>,
    /// Long name without dashes (the written name for unknown options).
    pub long: Cow<'static, str>,
    /// One of buildah's global options.
    pub global: bool,
    /// Written before the subcommand.
    pub before_command: bool,
    /// Its value: the text after `=`, the next argument, or `None` for a bare boolean.
    pub value: Option<Field>,
    /// Index of the option in the argument list.
    pub at: usize,
}

#[derive(Debug, Clone)]
pub struct BuildahCall {
    pub kind: CallKind,
    pub command: Option<&'static Command>,
    /// Indices of the subcommand words (`manifest`, `push`).
    pub command_words: Vec<usize>,
    pub options: Vec<OptionUse>,
    pub positionals: Vec<usize>,
    /// Arguments whose number and content are unknown: options may hide in them.
    pub opaque: Vec<usize>,
}

impl BuildahCall {
    pub fn command_name(&self) -> Option<&'static str> {
        self.command.map(|c| c.name)
    }

    /// Uses of the option with this long name, in order.
    pub fn uses<'a>(&'a self, long: &'a str) -> impl Iterator<Item = &'a OptionUse> + 'a {
        self.options.iter().filter(move |o| same(&o.long, long))
    }

    pub fn touches_storage(&self) -> bool {
        self.command.is_some_and(|c| c.touches_storage)
    }
}

/// Finds a subcommand by its full name or one of its aliases (`bud` is `build`).
pub fn find_command(name: &str) -> Option<&'static Command> {
    COMMANDS
        .iter()
        .find(|c| same(c.name, name) || c.aliases.iter().any(|a| same(a, name)))
}

/// `a == b`, looking at the length and the first byte before comparing the rest: the
/// tables are searched one entry at a time for every option of every call, and most
/// entries differ in one of those.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes().first() == b.as_bytes().first() && a == b
}

fn is_parent(name: &str) -> bool {
    let prefix_len = name.len();
    COMMANDS.iter().any(|c| {
        c.name.len() > prefix_len + 1
            && c.name.starts_with(name)
            && c.name.as_bytes()[prefix_len] == b' '
    })
}

fn long_flag<'f>(flags: &'f [Flag], name: &str) -> Option<&'f Flag> {
    flags.iter().find(|f| same(f.long, name))
}

fn short_flag(flags: &[Flag], c: char) -> Option<&Flag> {
    flags.iter().find(|f| f.short() == Some(c))
}

/// Index of the next non-option argument from `i`, skipping options the way cobra's
/// `stripFlags` does with the global options.
fn next_positional(argv: &[Field], mut i: usize, opaque: &mut Vec<usize>) -> Option<usize> {
    while let Some(f) = argv.get(i) {
        let t = f.text.as_str();
        if f.multi {
            if !opaque.contains(&i) {
                opaque.push(i);
            }
            i += 1;
            continue;
        }
        if t == "--" {
            return None;
        }
        if let Some(name) = t.strip_prefix("--") {
            let takes_next =
                !name.contains('=') && long_flag(GLOBAL_FLAGS, name).is_none_or(|g| g.takes_value);
            i += if takes_next { 2 } else { 1 };
            continue;
        }
        if t.len() == 2 && t.starts_with('-') {
            let c = t.chars().nth(1).unwrap_or('-');
            let takes_next = short_flag(GLOBAL_FLAGS, c).is_none_or(|g| g.takes_value);
            i += if takes_next { 2 } else { 1 };
            continue;
        }
        if t.starts_with('-') && t.len() > 1 {
            i += 1;
            continue;
        }
        return Some(i);
    }
    None
}

/// The most options one argument can be: one long option, or one per letter of a cluster of
/// short ones (`-qt`).
fn options_in(arg: &str) -> usize {
    match arg.strip_prefix('-') {
        Some("-") | Some("") | None => 0,
        Some(long) if long.starts_with('-') => 1,
        Some(short) => short.chars().count(),
    }
}

/// Reads a buildah command line (the arguments after the program name).
pub fn parse_call(argv: &[Field]) -> BuildahCall {
    let mut call = BuildahCall {
        kind: CallKind::NoCommand,
        command: None,
        command_words: Vec::new(),
        // Room for every option the arguments can hold, counted first: no growing and
        // copying on long command lines, and no room for the positional arguments either.
        options: Vec::with_capacity(argv.iter().map(|f| options_in(&f.text)).sum()),
        positionals: Vec::new(),
        opaque: Vec::new(),
    };
    let mut opaque = Vec::new();
    if let Some(at) = next_positional(argv, 0, &mut opaque) {
        let word = &argv[at];
        call.command_words.push(at);
        if !word.exact {
            call.kind = CallKind::Undetermined { at };
        } else if is_parent(&word.text) {
            match next_positional(argv, at + 1, &mut opaque) {
                Some(sub) if argv[sub].exact => {
                    call.command_words.push(sub);
                    let full = [word.text.as_str(), " ", argv[sub].text.as_str()].concat();
                    match find_command(&full) {
                        Some(c) => {
                            call.command = Some(c);
                            call.kind = CallKind::Command;
                        }
                        None => call.kind = CallKind::UnknownCommand { at: sub },
                    }
                }
                Some(sub) => call.kind = CallKind::Undetermined { at: sub },
                None => {
                    call.command = find_command(&word.text);
                    call.kind = CallKind::Command;
                }
            }
        } else {
            match find_command(&word.text) {
                Some(c) => {
                    call.command = Some(c);
                    call.kind = CallKind::Command;
                }
                None => call.kind = CallKind::UnknownCommand { at },
            }
        }
    }
    let flags: &[Flag] = call.command.map_or(&[], |c| c.flags);
    let interspersed = call.command.is_none_or(|c| c.interspersed);
    let first_command_word = call.command_words.first().copied();
    let mut i = 0;
    let mut options_done = false;
    while i < argv.len() {
        if call.command_words.contains(&i) {
            i += 1;
            continue;
        }
        let f = &argv[i];
        let before_command = first_command_word.is_some_and(|c| i < c);
        let t = f.text.as_str();
        if options_done {
            call.positionals.push(i);
            i += 1;
            continue;
        }
        if f.multi {
            opaque.push(i);
            i += 1;
            continue;
        }
        if t == "--" {
            options_done = true;
            i += 1;
            continue;
        }
        if let Some(body) = t.strip_prefix("--") {
            let at = i;
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (body, None),
            };
            let flag = long_flag(flags, name).or_else(|| long_flag(GLOBAL_FLAGS, name));
            let global = flag.is_some_and(|fl| long_flag(GLOBAL_FLAGS, fl.long) == Some(fl));
            let value = match inline {
                Some(v) => Some(sub_field(f, v)),
                None if flag.is_some_and(|fl| fl.takes_value) => {
                    i += 1;
                    argv.get(i).cloned()
                }
                None => None,
            };
            call.options.push(OptionUse {
                flag,
                long: flag
                    .map_or_else(|| Cow::Owned(name.to_string()), |fl| Cow::Borrowed(fl.long)),
                global,
                before_command,
                value,
                at,
            });
            i += 1;
            continue;
        }
        if t.len() > 1 && t.starts_with('-') {
            let at = i;
            for (pos, c) in t[1..].char_indices() {
                let flag = short_flag(flags, c).or_else(|| short_flag(GLOBAL_FLAGS, c));
                let global = flag.is_some_and(|fl| short_flag(GLOBAL_FLAGS, c) == Some(fl));
                let rest = &t[1 + pos + c.len_utf8()..];
                let mut value = None;
                let mut stop = false;
                if let Some(fl) = flag
                    && fl.takes_value
                {
                    if let Some(v) = rest
                        .strip_prefix('=')
                        .or(Some(rest))
                        .filter(|r| !r.is_empty())
                    {
                        value = Some(sub_field(f, v));
                    } else {
                        i += 1;
                        value = argv.get(i).cloned();
                    }
                    stop = true;
                } else if let Some(v) = rest.strip_prefix('=') {
                    value = Some(sub_field(f, v));
                    stop = true;
                }
                call.options.push(OptionUse {
                    flag,
                    long: flag
                        .map_or_else(|| Cow::Owned(c.to_string()), |fl| Cow::Borrowed(fl.long)),
                    global,
                    before_command: first_command_word.is_some_and(|cw| at < cw),
                    value,
                    at,
                });
                if stop {
                    break;
                }
            }
            i += 1;
            continue;
        }
        call.positionals.push(i);
        if !interspersed && first_command_word.is_some_and(|c| i > c) {
            options_done = true;
        }
        i += 1;
    }
    if let Some(c) = call.command
        && c.name == "unshare"
    {
        let after = first_command_word.unwrap_or(0);
        if let Some(&start) = call.positionals.iter().find(|&&p| p > after) {
            call.kind = CallKind::Wrapper { command_at: start };
        } else {
            call.kind = CallKind::NoCommand;
        }
    }
    opaque.sort_unstable();
    opaque.dedup();
    // After the first argument of a command that stops reading options there, an unknown
    // word can only add arguments, not options.
    if !interspersed
        && let Some(&first) = call
            .positionals
            .iter()
            .find(|&&p| first_command_word.is_none_or(|c| p > c))
    {
        opaque.retain(|&i| i < first);
    }
    call.opaque = opaque;
    call
}

/// The value part of `--name=value` as a field of its own.
fn sub_field(f: &Field, value: &str) -> Field {
    Field {
        text: value.to_string(),
        exact: f.exact,
        multi: false,
        conditional: f.conditional,
        loc: f.loc,
        from: f.from.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{Loc, Source};
    use crate::shell::Span;

    fn argv(line: &str) -> Vec<Field> {
        let loc = Loc {
            source: Source::Script,
            span: Span::default(),
        };
        line.split_whitespace()
            .map(|w| Field::literal(w, loc))
            .collect()
    }

    /// `command | opt=value opt … | positionals`.
    fn read(line: &str) -> String {
        let a = argv(line);
        let c = parse_call(&a);
        let name = match (&c.kind, c.command) {
            (CallKind::Command, Some(cmd)) => cmd.name.to_string(),
            (CallKind::NoCommand, _) => "-".to_string(),
            (CallKind::UnknownCommand { at }, _) => format!("unknown:{}", a[*at].text),
            (CallKind::Undetermined { at }, _) => format!("undetermined:{}", a[*at].text),
            (CallKind::Wrapper { command_at }, _) => format!("wrapper:{}", a[*command_at].text),
            (CallKind::Command, None) => "?".to_string(),
        };
        let opts: Vec<String> = c
            .options
            .iter()
            .map(|o| {
                let g = if o.before_command { "^" } else { "" };
                match &o.value {
                    Some(v) => format!("{g}{}={}", o.long, v.text),
                    None => format!("{g}{}", o.long),
                }
            })
            .collect();
        let pos: Vec<&str> = c.positionals.iter().map(|&i| a[i].text.as_str()).collect();
        format!("{name} | {} | {}", opts.join(" "), pos.join(" "))
    }

    #[test]
    fn reads_command_lines_like_buildah() {
        let cases = [
            // The seed's build: global options before the subcommand, values with and
            // without `=`, short options.
            (
                "--root /r --storage-driver=vfs bud --format oci --layers=false --squash --ulimit nofile=4096:8192 -f Dockerfile -t img .",
                "build | ^root=/r ^storage-driver=vfs format=oci layers=false squash ulimit=nofile=4096:8192 file=Dockerfile tag=img | .",
            ),
            ("build-using-dockerfile .", "build |  | ."),
            (
                "bud --squash=true --layers=false .",
                "build | squash=true layers=false | .",
            ),
            // Global options are persistent: accepted after the subcommand too.
            ("images --root /r -q", "images | root=/r quiet | "),
            // A non-global value option before the subcommand is read by the subcommand.
            ("--format json images", "images | ^format=json | "),
            // `push` stops reading options at its first argument (buildah then fails).
            (
                "push --digestfile /d img docker://x",
                "push | digestfile=/d | img docker://x",
            ),
            ("push img --digestfile /d", "push |  | img --digestfile /d"),
            // `tag` is interspersed: options after arguments count.
            ("tag a b --help", "tag | help | a b"),
            (
                "manifest push --all list docker://x",
                "manifest push | all | list docker://x",
            ),
            (
                "manifest create --amend list",
                "manifest create | amend | list",
            ),
            // Short options cluster; a value-taking one takes the rest or the next word.
            (
                "bud -qf Containerfile .",
                "build | quiet file=Containerfile | .",
            ),
            ("bud -fContainerfile .", "build | file=Containerfile | ."),
            (
                "--log-level debug push img",
                "push | ^log-level=debug | img",
            ),
            // `--` ends options.
            ("bud -- --squash", "build |  | --squash"),
            ("-- bud", "- |  | bud"),
            // Like cobra, an option unknown to the globals eats the next word when looking for
            // the subcommand: `buildah --squash bud` fails in buildah too.
            ("--squash bud .", "unknown:. | ^squash | bud"),
            ("--version", "- | version | "),
            (
                "unshare -m a:b buildah push img",
                "wrapper:buildah | mount=a:b | buildah push img",
            ),
            ("run ctr -- ls -la", "run |  | ctr -- ls -la"),
        ];
        for (line, want) in cases {
            assert_eq!(read(line), want, "buildah {line}");
        }
    }

    #[test]
    fn unknown_subcommands_and_runtime_words() {
        let mut a = argv("x push img");
        a[0].text = "$SUB".into();
        a[0].exact = false;
        assert_eq!(parse_call(&a).kind, CallKind::Undetermined { at: 0 });
        assert_eq!(read("bild ."), "unknown:bild |  | .");
        let mut a = argv("bud $EXTRA .");
        a[1].exact = false;
        a[1].multi = true;
        let c = parse_call(&a);
        assert_eq!(c.opaque, [1]);
        assert_eq!(c.positionals, [2]);
    }

    #[test]
    fn storage_is_known_per_command() {
        for (line, storage) in [
            ("push img", true),
            ("info", true),
            ("version", false),
            ("login -u a registry", false),
            ("manifest push l d", true),
        ] {
            assert_eq!(parse_call(&argv(line)).touches_storage(), storage, "{line}");
        }
    }
}
