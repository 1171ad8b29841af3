//! What each buildah call sees of the variables that move its files ([`CallEnv`]): the
//! container's `env` (always exported), variables the script exports (`export`, `declare -x`,
//! `set -a`), and assignments written for one command (`TMPDIR=/x buildah …`,
//! `env TMPDIR=/x buildah …`). A plain assignment of a variable nobody exported stays in the
//! shell: buildah does not see it.

use super::{Var, Walker, is_name};
use crate::analysis::{CallEnv, EnvValue, Field, PLACEMENT_VARS, PlacementVar, WrittenConf};

/// [`PLACEMENT_VARS`] as variables, in the same order.
const PLACEMENT: [PlacementVar; 5] = [
    PlacementVar::TmpDir,
    PlacementVar::Home,
    PlacementVar::XdgDataHome,
    PlacementVar::XdgConfigHome,
    PlacementVar::StorageConf,
];
use crate::shell::Simple;

/// Bit of `HOME` in the exported set: always in a container's environment (the runtime sets
/// it from the user's entry when the image does not).
const HOME_BIT: u8 = 1 << PlacementVar::Home as u8;

/// What the walker keeps to build a [`CallEnv`].
#[derive(Default)]
pub(super) struct EnvState {
    /// [`PLACEMENT_VARS`] that are exported, one bit each.
    exported: u8,
    /// `set -a`: every assignment is exported.
    allexport: bool,
    /// Assignments for the command being run (`VAR=x cmd`, `env VAR=x cmd`), innermost last.
    pub(super) command: Vec<(PlacementVar, Var)>,
}

impl EnvState {
    /// The state at the start of a container: its `env` entries are exported.
    pub(super) fn new(vars: impl Iterator<Item = impl AsRef<str>>) -> EnvState {
        let mut exported = HOME_BIT;
        for name in vars {
            if let Some(v) = PlacementVar::of(name.as_ref()) {
                exported |= 1 << v as u8;
            }
        }
        EnvState {
            exported,
            ..EnvState::default()
        }
    }

    fn export(&mut self, name: &str) {
        if let Some(v) = PlacementVar::of(name) {
            self.exported |= 1 << v as u8;
        }
    }
}

impl Walker<'_, '_> {
    /// A declaration statement (`export A=1 B`, `declare -x C=2`): marks the names it exports.
    pub(super) fn note_declaration(&mut self, s: &Simple, keyword: &str, src: &str) {
        let exports = keyword == "export"
            || s.words[1..]
                .iter()
                .map(|w| w.span.text(src))
                .any(|w| w.starts_with('-') && !w.starts_with("--") && w.contains('x'));
        if !exports {
            return;
        }
        for a in &s.assigns {
            self.env.export(&a.name);
        }
        for w in &s.words[1..] {
            let text = w.span.text(src);
            if is_name(text) {
                self.env.export(text);
            }
        }
    }

    /// An assignment statement without a command: exported when `set -a` is on.
    pub(super) fn note_assignment(&mut self, name: &str) {
        if self.env.allexport {
            self.env.export(name);
        }
    }

    /// `set -a`, `set -o allexport` (and their `+` forms).
    pub(super) fn note_set(&mut self, args: &[Field]) {
        let mut words = args.iter().map(|f| f.text.as_str()).peekable();
        while let Some(w) = words.next() {
            let (on, flags) = match (w.strip_prefix('-'), w.strip_prefix('+')) {
                (Some(f), _) => (true, f),
                (_, Some(f)) => (false, f),
                _ => break,
            };
            if flags == "o" {
                if words.peek() == Some(&"allexport") {
                    self.env.allexport = on;
                }
                continue;
            }
            if flags.contains('a') && !flags.starts_with('-') {
                self.env.allexport = on;
            }
        }
    }

    /// Assignments written before a command (`TMPDIR=/x buildah …`): the values `simple`
    /// computed, kept for the calls this command makes.
    pub(super) fn push_command_assigns<'a>(
        &mut self,
        values: impl Iterator<Item = (&'a str, &'a Var)>,
    ) {
        for (name, value) in values {
            if let Some(v) = PlacementVar::of(name) {
                self.env.command.push((v, value.clone()));
            }
        }
    }

    /// `NAME=value` arguments of `env` or `sudo`, for the command they run.
    pub(super) fn push_env_arguments(&mut self, args: &[Field]) {
        for f in args {
            if let Some((name, value)) = f.text.split_once('=')
                && let Some(v) = PlacementVar::of(name)
            {
                let mut value_field = f.clone();
                value_field.text = value.to_string();
                self.env.command.push((v, Var::Known(vec![value_field])));
            }
        }
    }

    /// The placement variables as the script sees them now, with this command's assignments
    /// when `for_command`.
    pub(super) fn placement_env(&self, for_command: bool) -> Vec<(PlacementVar, EnvValue)> {
        PLACEMENT
            .iter()
            .filter_map(|&var| Some((var, env_value(var, self.current(var, for_command)?)?)))
            .collect()
    }

    /// The variable as a command run now sees it (`None`: not in its environment).
    fn current(&self, var: PlacementVar, for_command: bool) -> Option<&Var> {
        let i = var as usize;
        let override_ = for_command
            .then(|| self.env.command.iter().rev().find(|(v, _)| *v == var))
            .flatten();
        match override_ {
            Some((_, value)) => Some(value),
            None if self.env.exported & (1 << i) != 0 => self.vars.get(PLACEMENT_VARS[i]),
            None => None,
        }
    }

    /// What a buildah call run now sees: what differs from the container's own `env`
    /// ([`crate::analysis::Analysis::initial_env`]), which most calls see unchanged.
    pub(super) fn call_env(&self) -> CallEnv {
        let mut env = CallEnv {
            cwd: self.cwd.clone(),
            ..CallEnv::default()
        };
        let initial = &self.out.initial_env;
        for var in PLACEMENT {
            let before = initial.iter().find(|(v, _)| *v == var).map(|(_, e)| e);
            let now = self.current(var, true);
            // Compared in place: this runs at every call, and nearly always finds the value
            // the container started with.
            let unchanged = match (before, now) {
                (Some(EnvValue::Value(b)), Some(Var::Known(fields))) => {
                    fields.len() == 1 && fields[0] == *b
                }
                (None, None) => true,
                (None, Some(Var::Known(fields))) => fields.is_empty(),
                _ => false,
            };
            if unchanged {
                continue;
            }
            let after = now.and_then(|v| env_value(var, v));
            if before != after.as_ref() {
                env.vars.push((var, after.unwrap_or(EnvValue::Unset)));
            }
        }
        for (path, w) in self.files.iter() {
            if path.ends_with("storage.conf") {
                env.confs.push(WrittenConf {
                    path: path.clone(),
                    contents: w.contents.clone(),
                    by: w.by.clone(),
                });
            }
        }
        // The files map has no order of its own.
        env.confs.sort_by(|a, b| a.path.cmp(&b.path));
        env
    }
}

/// A variable's value as buildah receives it (`None`: not in its environment).
fn env_value(var: PlacementVar, value: &Var) -> Option<EnvValue> {
    let name = var.name();
    Some(match value {
        Var::Known(fields) => match fields.as_slice() {
            [] => return None,
            [one] => EnvValue::Value(one.clone()),
            _ => EnvValue::Unknown(format!("`{name}` holds several words")),
        },
        Var::Choice(_) => {
            EnvValue::Unknown(format!("`{name}` is set differently on different paths"))
        }
        Var::Unknown => EnvValue::Unknown(format!("`{name}` is only known when the step runs")),
    })
}
