//! kwtool ships tekton-buildah-policy the way Kubewarden's `kwctl` ships a policy, for
//! machines where kwctl is not installed:
//!
//! - [`annotate`]: `policy.wasm` + `metadata.yml` (+ README as usage) → `annotated-policy.wasm`,
//!   the metadata as JSON in the `io.kubewarden.metadata` custom section, as `kwctl annotate`
//!   writes it (the format is [`metadata::Metadata`]);
//! - [`oci`]: push the annotated module as a Kubewarden policy artifact (the media types,
//!   config and manifest annotations of `kwctl push`) and pull it back by tag or digest,
//!   checking media types and digests;
//! - [`artifacthub`]: `artifacthub-pkg.yml` from `metadata.yml` and `questions-ui.yml`, as
//!   `kwctl scaffold artifacthub` writes it;
//! - [`cli`]: the `kwtool` command.

pub mod annotate;
pub mod artifacthub;
pub mod cli;
pub mod docker_config;
pub mod error;
pub mod metadata;
pub mod oci;
pub mod protocol;
pub mod wasm;

pub use error::{Error, Result};
/// The OCI client library, for callers that need its types (manifests, references).
pub use oci_client;
