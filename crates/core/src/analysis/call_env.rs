//! The environment a buildah call sees, as far as it decides where the call writes: the
//! temporary directory, the home and XDG directories a rootless buildah derives its storage
//! from, the `storage.conf` it is told to read, and the working directory.
//!
//! The walker records this at each call, because a script can change these variables between
//! two calls (`export TMPDIR=…`), and only exported variables reach buildah.

use super::Field;

/// The variables that move buildah's files, in the order of [`CallEnv::vars`].
pub const PLACEMENT_VARS: [&str; 5] = [
    "TMPDIR",
    "HOME",
    "XDG_DATA_HOME",
    "XDG_CONFIG_HOME",
    "CONTAINERS_STORAGE_CONF",
];

/// Index of a variable in [`PLACEMENT_VARS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PlacementVar {
    TmpDir = 0,
    Home = 1,
    XdgDataHome = 2,
    XdgConfigHome = 3,
    StorageConf = 4,
}

impl PlacementVar {
    pub fn name(self) -> &'static str {
        PLACEMENT_VARS[self as usize]
    }

    /// The variable of this name, if it is one of [`PLACEMENT_VARS`].
    pub fn of(name: &str) -> Option<PlacementVar> {
        Some(match name {
            "TMPDIR" => PlacementVar::TmpDir,
            "HOME" => PlacementVar::Home,
            "XDG_DATA_HOME" => PlacementVar::XdgDataHome,
            "XDG_CONFIG_HOME" => PlacementVar::XdgConfigHome,
            "CONTAINERS_STORAGE_CONF" => PlacementVar::StorageConf,
            _ => return None,
        })
    }
}

/// A variable's value as buildah receives it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum EnvValue {
    /// Not in buildah's environment (never set, unset, or set but not exported).
    #[default]
    Unset,
    /// One value; its text keeps unknown parts as written (`$(workspaces.source.path)/.tmp`).
    Value(Field),
    /// Set, but to something only known when the step runs: how it was written, or why.
    Unknown(String),
}

impl EnvValue {
    pub fn value(&self) -> Option<&Field> {
        match self {
            EnvValue::Value(f) => Some(f),
            _ => None,
        }
    }
}

/// A file the Task wrote before the call, whose path ends in `storage.conf`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenConf {
    pub path: String,
    /// Its possible contents (empty: only known at run time).
    pub contents: Vec<String>,
    /// Where it was written, in words (`script line 4`).
    pub by: String,
}

/// What one buildah call sees of [`PLACEMENT_VARS`], and where it runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallEnv {
    /// The variables whose value differs from the container's own `env` (see
    /// [`CallEnv::get`]): usually none.
    pub vars: Vec<(PlacementVar, EnvValue)>,
    /// The working directory, when it is known as an absolute path.
    pub cwd: Option<String>,
    /// `storage.conf` files written by the Task before the call.
    pub confs: Vec<WrittenConf>,
}

impl CallEnv {
    /// The variable's value for the call: its own when the script changed it, else the one
    /// of `initial` (the container's `env`, [`crate::analysis::Analysis::initial_env`]).
    pub fn get<'a>(
        &'a self,
        initial: &'a [(PlacementVar, EnvValue)],
        var: PlacementVar,
    ) -> &'a EnvValue {
        static UNSET: EnvValue = EnvValue::Unset;
        self.vars
            .iter()
            .chain(initial)
            .find(|(v, _)| *v == var)
            .map_or(&UNSET, |(_, value)| value)
    }
}
