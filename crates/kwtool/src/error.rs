//! Every way kwtool can fail, each with a message that says what to do about it.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub enum Error {
    /// A file could not be read or written.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// `metadata.yml` (or another YAML input) is not what it must be.
    Yaml { path: String, message: String },
    /// The metadata breaks the rules Kubewarden checks; every problem is listed.
    InvalidMetadata { problems: Vec<String> },
    /// Not a WebAssembly module kwtool can read.
    Wasm { what: String, message: String },
    /// The module did not answer the waPC `protocol_version` call.
    Protocol { message: String },
    /// The module is already annotated and `--force` was not given.
    AlreadyAnnotated,
    /// Pushing a module without Kubewarden metadata, without `--force`.
    Unannotated { path: String },
    /// A registry reference that cannot be parsed or cannot be used here.
    Reference { reference: String, message: String },
    /// TLS options that do not fit together, or a CA file that is not PEM.
    Tls { message: String },
    /// A docker `config.json` that cannot be used.
    DockerConfig { path: PathBuf, message: String },
    /// Nothing answers at the registry's address.
    Unreachable { registry: String, detail: String },
    /// The TLS handshake failed (unknown CA, wrong name, plain HTTP on the other side…).
    TlsHandshake {
        registry: String,
        detail: String,
        hint: String,
    },
    /// The registry refused the request: no credentials, or wrong ones.
    Unauthorized {
        registry: String,
        username: Option<String>,
    },
    /// No manifest under that tag or digest.
    NotFound { reference: String },
    /// The artifact exists but is not a Kubewarden policy.
    NotAPolicy {
        reference: String,
        problems: Vec<String>,
    },
    /// Content whose digest is not the one announced.
    DigestMismatch {
        what: String,
        expected: String,
        actual: String,
    },
    /// Any other answer from the registry.
    Registry { registry: String, message: String },
    /// Producing the Artifact Hub package failed.
    ArtifactHub { message: String },
    /// Options that do not fit together.
    Usage { message: String },
}

impl Error {
    pub fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Yaml { path, message } => write!(f, "{path}: {message}"),
            Error::InvalidMetadata { problems } => {
                write!(f, "the policy metadata is not valid:")?;
                for p in problems {
                    write!(f, "\n  - {p}")?;
                }
                Ok(())
            }
            Error::Wasm { what, message } => {
                write!(
                    f,
                    "{what} is not a WebAssembly module kwtool can read: {message}"
                )
            }
            Error::Protocol { message } => write!(
                f,
                "cannot ask the module for its waPC protocol version: {message} (is it a \
                 Kubewarden policy built for wasm32-wasip1 that registers `protocol_version`?)"
            ),
            Error::AlreadyAnnotated => write!(
                f,
                "the module already carries Kubewarden metadata (custom section \
                 `io.kubewarden.metadata`); annotate the unannotated policy.wasm, or pass \
                 --force to replace the metadata"
            ),
            Error::Unannotated { path } => write!(
                f,
                "{path} carries no Kubewarden metadata (custom section `io.kubewarden.metadata`), \
                 so kwctl and policy-server would not know its rules or execution mode; \
                 annotate it first (`make annotated-policy.wasm` or `kwtool annotate`), \
                 or pass --force to push it as it is"
            ),
            Error::Reference { reference, message } => write!(f, "`{reference}`: {message}"),
            Error::Tls { message } => write!(f, "{message}"),
            Error::DockerConfig { path, message } => {
                write!(f, "docker config {}: {message}", path.display())
            }
            Error::Unreachable { registry, detail } => write!(
                f,
                "cannot reach the registry at {registry}: {detail}; is it running, and is the \
                 address right?"
            ),
            Error::TlsHandshake {
                registry,
                detail,
                hint,
            } => write!(
                f,
                "TLS connection to the registry at {registry} failed: {detail}; {hint}"
            ),
            Error::Unauthorized {
                registry,
                username: Some(user),
            } => write!(
                f,
                "the registry at {registry} refused the credentials of user `{user}` \
                 (HTTP 401 Unauthorized): check --username and the password, or the entry \
                 for {registry} in the docker config"
            ),
            Error::Unauthorized {
                registry,
                username: None,
            } => write!(
                f,
                "the registry at {registry} requires authentication (HTTP 401 Unauthorized) \
                 and no credentials were given: pass --username with --password or \
                 --password-stdin, or add an entry for {registry} to the docker config \
                 (--docker-config)"
            ),
            Error::NotFound { reference } => write!(
                f,
                "{reference} does not exist in the registry (no manifest under that tag or \
                 digest); check the repository and the tag, or push it first"
            ),
            Error::NotAPolicy {
                reference,
                problems,
            } => write!(
                f,
                "{reference} is not a Kubewarden policy: {}; a policy has one layer of type \
                 `application/vnd.wasm.content.layer.v1+wasm` and a config of type \
                 `application/vnd.wasm.config.v1+json` (as `kwctl push` and `kwtool push` \
                 write it)",
                problems.join("; ")
            ),
            Error::DigestMismatch {
                what,
                expected,
                actual,
            } => write!(
                f,
                "{what}: the content's digest is {actual}, not the expected {expected}; the \
                 download was corrupted or the registry serves other content than it announced"
            ),
            Error::Registry { registry, message } => {
                write!(f, "the registry at {registry} answered: {message}")
            }
            Error::ArtifactHub { message } => {
                write!(f, "cannot write the Artifact Hub package: {message}")
            }
            Error::Usage { message } => write!(f, "{message}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
