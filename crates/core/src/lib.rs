//! The rules library of tekton-buildah-policy.
//!
//! It reads a Tekton object (a Task, ClusterTask, TaskRun, Pipeline, PipelineRun or
//! StepAction, as JSON), finds the steps that run buildah, and checks them against the lessons
//! of a buildah build evicted hours in: compute resources under the right field, buildah
//! storage on a workspace (`BUILDAH_STORAGE_ROOT` *and* `--root`), the build flags that keep
//! 40 GB images workable, and no privileged containers.
//!
//! No I/O happens here: the Kubewarden policy, the CLI and the browser build are thin adapters
//! over [`check_object`] and [`Settings`]; those that have a file's text use `text::check_text`
//! (feature `yaml`), which places every finding at its line and column, reads suppression
//! comments, and `text::fix::fix_text`, which writes the findings' [`Fix`]es into the text.

pub mod analysis;
pub mod buildah;
mod engine;
mod finding;
pub mod fix;
pub mod json;
mod lines;
pub mod placement;
pub mod refs;
pub mod rules;
pub mod settings;
pub mod shell;
pub mod tekton;
#[cfg(feature = "yaml")]
pub mod text;
#[cfg(feature = "yaml")]
pub mod yaml;

pub use engine::{
    Checked, MAX_FINDINGS, Report, check_object, check_object_with, describe_storage,
    rejection_message,
};
pub use finding::{Finding, Related};
pub use fix::Fix;
pub use rules::{Level, RuleId};
pub use settings::{Settings, SettingsError};
