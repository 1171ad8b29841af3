//! Settings for the CLI: the same object, schema and validation as the policy's settings, so
//! an error reads the same in CI and in the cluster.

use std::path::{Path, PathBuf};
use tekton_buildah_core::{Settings, text};

/// Names searched for from the working directory upwards.
pub const FILE_NAMES: &[&str] = &[".tekton-buildah.yaml", ".tekton-buildah.yml"];

/// Loads `--config FILE`, else the nearest `.tekton-buildah.yaml`, else the defaults.
pub fn load(explicit: Option<&Path>) -> Result<Settings, String> {
    let path = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => std::env::current_dir().ok().and_then(|d| discover(&d)),
    };
    match path {
        Some(p) => from_file(&p),
        None => Ok(Settings::default()),
    }
}

/// The nearest settings file in `dir` or its parents.
pub fn discover(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .flat_map(|d| FILE_NAMES.iter().map(move |n| d.join(n)))
        .find(|p| p.is_file())
}

/// Reads a settings file: a settings object, or a Kubewarden policy whose `spec.settings`
/// holds one (so `policy.yaml` itself can be the CLI's configuration).
pub fn from_file(path: &Path) -> Result<Settings, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: {e}"))?;
    text::settings_from_text(&text).map_err(|e| format!("{shown}: {e}"))
}
