//! Kubewarden policies in OCI registries, with the client library Kubewarden's policy fetcher
//! uses (`oci-client`).
//!
//! A policy is pushed the way `kwctl push` pushes it: an OCI image manifest whose config is
//! `{}` of type `application/vnd.wasm.config.v1+json` and whose only layer is the module, of
//! type `application/vnd.wasm.content.layer.v1+wasm`; the manifest's annotations are the
//! metadata's one-line annotations plus `org.opencontainers.image.source`. Pulling checks
//! those media types and every digest before handing the module back.

use crate::error::{Error, Result};
use crate::metadata::{Metadata, keys};
use oci_client::client::{
    Certificate, CertificateEncoding, ClientConfig, ClientProtocol, Config, ImageLayer,
};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::manifest::{
    IMAGE_MANIFEST_LIST_MEDIA_TYPE, IMAGE_MANIFEST_MEDIA_TYPE, OCI_IMAGE_INDEX_MEDIA_TYPE,
    OCI_IMAGE_MEDIA_TYPE, OciImageManifest,
};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference, RegistryOperation};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

pub use oci_client::manifest::{WASM_CONFIG_MEDIA_TYPE, WASM_LAYER_MEDIA_TYPE};

/// How to authenticate to the registry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Auth {
    #[default]
    Anonymous,
    Basic {
        username: String,
        password: String,
    },
}

/// How to talk to the registry.
#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    pub auth: Auth,
    /// Plain HTTP instead of HTTPS (for a registry on loopback without TLS).
    pub insecure: bool,
    /// PEM certificates of CAs to trust besides the system's (`--ca-cert`).
    pub ca_certs: Vec<Vec<u8>>,
}

impl RegistryOptions {
    /// Reads the CA certificates of `--ca-cert` files.
    pub fn add_ca_file(&mut self, path: &Path) -> Result<()> {
        let pem = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        if split_pem(&pem).is_empty() {
            return Err(Error::Tls {
                message: format!(
                    "{}: no PEM certificate in it (expected `-----BEGIN CERTIFICATE-----`)",
                    path.display()
                ),
            });
        }
        self.ca_certs.push(pem);
        Ok(())
    }
}

/// Any OCI artifact: a config blob and layers (the policy is one kind).
#[derive(Debug, Clone)]
pub struct Artifact {
    pub config_media_type: String,
    pub config: Vec<u8>,
    /// `(media type, data)` of each layer.
    pub layers: Vec<(String, Vec<u8>)>,
    pub annotations: Option<BTreeMap<String, String>>,
}

/// What a push did.
#[derive(Debug, Clone)]
pub struct Pushed {
    /// `registry/repository@sha256:…`: the reference that always names this content.
    pub immutable_ref: String,
    /// The manifest's digest.
    pub digest: String,
    pub manifest: OciImageManifest,
    /// Annotations of the metadata left out of the manifest (multi-line values).
    pub left_out: Vec<String>,
}

/// A policy pulled and checked.
#[derive(Debug, Clone)]
pub struct Pulled {
    pub module: Vec<u8>,
    /// The manifest's digest.
    pub digest: String,
    pub immutable_ref: String,
    pub manifest: OciImageManifest,
    /// The metadata the module carries, if it is annotated.
    pub metadata: Option<Metadata>,
}

/// Parses `[registry://]host[:port]/repository[:tag][@digest]`.
pub fn parse_reference(text: &str) -> Result<Reference> {
    let bare = text.strip_prefix("registry://").unwrap_or(text);
    Reference::try_from(bare).map_err(|e| Error::Reference {
        reference: text.to_string(),
        message: format!(
            "not an OCI reference ({e}); write it as host[:port]/repository:tag or \
             host[:port]/repository@sha256:<digest>"
        ),
    })
}

/// Whether the reference spells out a tag (the parser would otherwise assume `latest`).
fn has_explicit_tag(text: &str) -> bool {
    let last = text.rsplit('/').next().unwrap_or(text);
    last.split('@').next().unwrap_or(last).contains(':')
}

/// `registry/repository@digest`.
pub fn immutable_ref(reference: &Reference, digest: &str) -> String {
    format!(
        "{}/{}@{digest}",
        reference.registry(),
        reference.repository()
    )
}

pub fn sha256_digest(data: &[u8]) -> String {
    let hash = Sha256::digest(data);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in hash {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The manifest annotations `kwctl push` writes: the metadata's annotations whose value is
/// one line (OCI annotations are not meant for documents such as the README), trimmed, plus
/// `org.opencontainers.image.source` from `io.kubewarden.policy.source` unless already set.
/// Also returns the keys left out.
pub fn manifest_annotations(metadata: &Metadata) -> (BTreeMap<String, String>, Vec<String>) {
    let mut out = BTreeMap::new();
    let mut left_out = Vec::new();
    for (key, value) in metadata.annotations.iter().flatten() {
        if value.lines().count() <= 1 {
            out.insert(key.clone(), value.trim().to_string());
        } else {
            left_out.push(key.clone());
        }
    }
    if let Some(source) = out.get(keys::SOURCE).cloned() {
        out.entry(keys::OCI_IMAGE_SOURCE.to_string())
            .or_insert(source);
    }
    (out, left_out)
}

/// Pushes the module at `path` as a Kubewarden policy. A module without metadata is refused
/// unless `force`.
pub fn push_policy(
    path: &Path,
    reference: &str,
    options: &RegistryOptions,
    force: bool,
) -> Result<Pushed> {
    let module = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let metadata = Metadata::from_module(&module).map_err(|e| match e {
        Error::Wasm { message, .. } => Error::Wasm {
            what: path.display().to_string(),
            message,
        },
        other => other,
    })?;
    let (annotations, left_out) = match &metadata {
        Some(m) => manifest_annotations(m),
        None if force => (BTreeMap::new(), Vec::new()),
        None => {
            return Err(Error::Unannotated {
                path: path.display().to_string(),
            });
        }
    };
    let artifact = Artifact {
        config_media_type: WASM_CONFIG_MEDIA_TYPE.to_string(),
        config: b"{}".to_vec(),
        layers: vec![(WASM_LAYER_MEDIA_TYPE.to_string(), module)],
        annotations: (!annotations.is_empty()).then_some(annotations),
    };
    let mut pushed = push_artifact(reference, &artifact, options)?;
    pushed.left_out = left_out;
    Ok(pushed)
}

/// Pushes any artifact under a tag and returns its immutable reference, after checking that
/// the tag now resolves to the pushed manifest.
pub fn push_artifact(
    reference: &str,
    artifact: &Artifact,
    options: &RegistryOptions,
) -> Result<Pushed> {
    let parsed = parse_reference(reference)?;
    if parsed.digest().is_some() || !has_explicit_tag(reference.trim_start_matches("registry://")) {
        return Err(Error::Reference {
            reference: reference.to_string(),
            message: "a push needs a tag and no digest, e.g. host:port/repository:v0.1.0 (the \
                      digest is computed from the content)"
                .to_string(),
        });
    }
    runtime()?.block_on(push_async(&parsed, artifact, options))
}

async fn push_async(
    reference: &Reference,
    artifact: &Artifact,
    options: &RegistryOptions,
) -> Result<Pushed> {
    let client = client(options)?;
    let auth = oci_auth(&options.auth);
    let ctx = Context::new(reference, options, "the manifest");
    client
        .auth(reference, &auth, RegistryOperation::Push)
        .await
        .map_err(|e| ctx.error(e))?;

    let layers: Vec<ImageLayer> = artifact
        .layers
        .iter()
        .map(|(media_type, data)| ImageLayer::new(data.clone(), media_type.clone(), None))
        .collect();
    let config = Config {
        data: artifact.config.clone().into(),
        media_type: artifact.config_media_type.clone(),
        annotations: None,
    };
    let mut manifest = OciImageManifest::build(&layers, &config, artifact.annotations.clone());
    // kwctl leaves the type to the Content-Type header; the image spec wants it in the body.
    manifest.media_type = Some(OCI_IMAGE_MEDIA_TYPE.to_string());
    for (layer, descriptor) in layers.iter().zip(&manifest.layers) {
        client
            .push_blob(reference, layer.data.clone(), &descriptor.digest)
            .await
            .map_err(|e| ctx.error(e))?;
    }
    client
        .push_blob(reference, config.data.clone(), &manifest.config.digest)
        .await
        .map_err(|e| ctx.error(e))?;

    let body = serde_json::to_vec(&manifest).expect("a manifest is always serializable");
    let digest = sha256_digest(&body);
    let location = client
        .push_manifest_raw(
            reference,
            body,
            OCI_IMAGE_MEDIA_TYPE.parse().expect("a valid header value"),
        )
        .await
        .map_err(|e| ctx.error(e))?;
    if let Some(announced) = location
        .rsplit('/')
        .next()
        .filter(|s| s.starts_with("sha256:"))
        && announced != digest
    {
        return Err(Error::DigestMismatch {
            what: "the pushed manifest".to_string(),
            expected: digest,
            actual: announced.to_string(),
        });
    }
    let resolved = client
        .fetch_manifest_digest(reference, &auth)
        .await
        .map_err(|e| ctx.error(e))?;
    if resolved != digest {
        return Err(Error::Registry {
            registry: reference.registry().to_string(),
            message: format!(
                "after the push, {reference} names {resolved} instead of the pushed manifest \
                 {digest} (did someone else push to the same tag?)"
            ),
        });
    }
    Ok(Pushed {
        immutable_ref: immutable_ref(reference, &digest),
        digest,
        manifest,
        left_out: Vec::new(),
    })
}

/// Pulls a policy by tag or digest, checks that it is a Kubewarden policy and that every
/// digest matches, and returns the module.
pub fn pull_policy(reference: &str, options: &RegistryOptions) -> Result<Pulled> {
    let parsed = parse_reference(reference)?;
    runtime()?.block_on(pull_async(&parsed, options))
}

async fn pull_async(reference: &Reference, options: &RegistryOptions) -> Result<Pulled> {
    let client = client(options)?;
    let auth = oci_auth(&options.auth);
    let ctx = Context::new(reference, options, "the manifest");
    client
        .auth(reference, &auth, RegistryOperation::Pull)
        .await
        .map_err(|e| ctx.error(e))?;
    let (body, digest) = client
        .pull_manifest_raw(
            reference,
            &auth,
            &[
                OCI_IMAGE_MEDIA_TYPE,
                IMAGE_MANIFEST_MEDIA_TYPE,
                OCI_IMAGE_INDEX_MEDIA_TYPE,
                IMAGE_MANIFEST_LIST_MEDIA_TYPE,
            ],
        )
        .await
        .map_err(|e| ctx.error(e))?;
    let actual = sha256_digest(&body);
    for expected in [Some(digest.as_str()), reference.digest()]
        .into_iter()
        .flatten()
    {
        if expected != actual {
            return Err(Error::DigestMismatch {
                what: format!("the manifest of {reference}"),
                expected: expected.to_string(),
                actual,
            });
        }
    }
    let not_a_policy = |problems: Vec<String>| Error::NotAPolicy {
        reference: reference.to_string(),
        problems,
    };
    let value: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| not_a_policy(vec![format!("its manifest is not JSON ({e})")]))?;
    let media_type = value["mediaType"].as_str().unwrap_or_default();
    if media_type == OCI_IMAGE_INDEX_MEDIA_TYPE || media_type == IMAGE_MANIFEST_LIST_MEDIA_TYPE {
        return Err(not_a_policy(vec![format!(
            "it is an image index (`{media_type}`), a list of manifests for several platforms"
        )]));
    }
    let manifest: OciImageManifest = serde_json::from_value(value)
        .map_err(|e| not_a_policy(vec![format!("its manifest is not an image manifest ({e})")]))?;
    let problems = policy_manifest_problems(&manifest);
    if !problems.is_empty() {
        return Err(not_a_policy(problems));
    }

    let layer = &manifest.layers[0];
    let ctx = Context::new(reference, options, "the policy layer");
    let mut module = Vec::with_capacity(usize::try_from(layer.size).unwrap_or(0));
    client
        .pull_blob(reference, layer, &mut module)
        .await
        .map_err(|e| ctx.error(e))?;
    let actual = sha256_digest(&module);
    if actual != layer.digest {
        return Err(Error::DigestMismatch {
            what: format!("the policy layer of {reference}"),
            expected: layer.digest.clone(),
            actual,
        });
    }
    if i64::try_from(module.len()).ok() != Some(layer.size) {
        return Err(Error::Registry {
            registry: reference.registry().to_string(),
            message: format!(
                "the policy layer has {} bytes, the manifest announced {}",
                module.len(),
                layer.size
            ),
        });
    }
    if !module.starts_with(b"\0asm") {
        return Err(not_a_policy(vec![
            "its layer is not a WebAssembly module".to_string(),
        ]));
    }
    let metadata = Metadata::from_module(&module)?;
    Ok(Pulled {
        immutable_ref: immutable_ref(reference, &digest),
        module,
        digest,
        manifest,
        metadata,
    })
}

/// Why a manifest is not a Kubewarden policy's (empty when it is one).
pub fn policy_manifest_problems(manifest: &OciImageManifest) -> Vec<String> {
    let mut problems = Vec::new();
    if manifest.config.media_type != WASM_CONFIG_MEDIA_TYPE {
        problems.push(format!(
            "its config has media type `{}`",
            manifest.config.media_type
        ));
    }
    if manifest.layers.len() != 1 {
        problems.push(format!("it has {} layers", manifest.layers.len()));
    }
    for (i, layer) in manifest.layers.iter().enumerate() {
        if layer.media_type != WASM_LAYER_MEDIA_TYPE {
            problems.push(format!(
                "its layer {} has media type `{}`",
                i + 1,
                layer.media_type
            ));
        }
    }
    problems
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Registry {
            registry: String::new(),
            message: format!("cannot start the I/O runtime: {e}"),
        })
}

fn oci_auth(auth: &Auth) -> RegistryAuth {
    match auth {
        Auth::Anonymous => RegistryAuth::Anonymous,
        Auth::Basic { username, password } => {
            RegistryAuth::Basic(username.clone(), password.clone())
        }
    }
}

/// The PEM certificate blocks in a file.
fn split_pem(pem: &[u8]) -> Vec<Vec<u8>> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let text = String::from_utf8_lossy(pem);
    let mut out = Vec::new();
    let mut rest = text.as_ref();
    while let Some(start) = rest.find(BEGIN) {
        let Some(len) = rest[start..].find(END) else {
            break;
        };
        let end = start + len + END.len();
        out.push(format!("{}\n", &rest[start..end]).into_bytes());
        rest = &rest[end..];
    }
    out
}

fn client(options: &RegistryOptions) -> Result<Client> {
    // reqwest is built without a default TLS crypto provider; ring is the one used here.
    // An error only means one was installed before, which is as good.
    let _ = rustls::crypto::ring::default_provider().install_default();
    if options.insecure && !options.ca_certs.is_empty() {
        return Err(Error::Usage {
            message: "--insecure (plain HTTP) and --ca-cert (HTTPS with a custom CA) exclude \
                      each other"
                .to_string(),
        });
    }
    let config = ClientConfig {
        protocol: if options.insecure {
            ClientProtocol::Http
        } else {
            ClientProtocol::Https
        },
        extra_root_certificates: options
            .ca_certs
            .iter()
            .flat_map(|pem| split_pem(pem))
            .map(|data| Certificate {
                encoding: CertificateEncoding::Pem,
                data,
            })
            .collect(),
        connect_timeout: Some(Duration::from_secs(10)),
        read_timeout: Some(Duration::from_secs(60)),
        ..Default::default()
    };
    Client::try_from(config).map_err(|e| Error::Tls {
        message: format!(
            "cannot set up the HTTP client: {e}{}",
            if options.ca_certs.is_empty() && !options.insecure {
                " (HTTPS without --ca-cert needs the system's CA certificates: on Debian, the \
                 package ca-certificates)"
            } else {
                ""
            }
        ),
    })
}

/// What an operation was about, to turn the client's errors into useful ones.
struct Context<'a> {
    reference: &'a Reference,
    options: &'a RegistryOptions,
    what: &'static str,
}

impl<'a> Context<'a> {
    fn new(reference: &'a Reference, options: &'a RegistryOptions, what: &'static str) -> Self {
        Context {
            reference,
            options,
            what,
        }
    }

    fn registry(&self) -> String {
        self.reference.registry().to_string()
    }

    fn unauthorized(&self) -> Error {
        Error::Unauthorized {
            registry: self.registry(),
            username: match &self.options.auth {
                Auth::Anonymous => None,
                Auth::Basic { username, .. } => Some(username.clone()),
            },
        }
    }

    fn not_found(&self) -> Error {
        Error::NotFound {
            reference: self.reference.to_string(),
        }
    }

    fn error(&self, e: OciDistributionError) -> Error {
        match e {
            OciDistributionError::RequestError(e) => {
                self.request_error(&e, e.is_timeout(), e.is_connect())
            }
            OciDistributionError::UnauthorizedError { .. }
            | OciDistributionError::AuthenticationFailure(_) => self.unauthorized(),
            OciDistributionError::RegistryError { envelope, .. } => {
                let codes: Vec<&OciErrorCode> = envelope.errors.iter().map(|e| &e.code).collect();
                if codes
                    .iter()
                    .any(|c| matches!(c, OciErrorCode::Unauthorized | OciErrorCode::Denied))
                {
                    self.unauthorized()
                } else if codes.iter().any(|c| {
                    matches!(
                        c,
                        OciErrorCode::ManifestUnknown
                            | OciErrorCode::NameUnknown
                            | OciErrorCode::NotFound
                    )
                }) {
                    self.not_found()
                } else {
                    Error::Registry {
                        registry: self.registry(),
                        message: envelope
                            .errors
                            .iter()
                            .map(|e| format!("{:?}: {}", e.code, e.message))
                            .collect::<Vec<_>>()
                            .join("; "),
                    }
                }
            }
            OciDistributionError::ServerError { code, message, .. } => match code {
                401 => self.unauthorized(),
                403 => Error::Registry {
                    registry: self.registry(),
                    message: format!(
                        "HTTP 403 Forbidden: the credentials are valid but may not do this \
                         ({})",
                        message.trim()
                    ),
                },
                404 => self.not_found(),
                400 if message.contains("HTTP request to an HTTPS server") => Error::TlsHandshake {
                    registry: self.registry(),
                    detail: "it speaks HTTPS, and --insecure asked for plain HTTP".to_string(),
                    hint: "drop --insecure (and pass --ca-cert if a private CA signed its \
                               certificate)"
                        .to_string(),
                },
                _ => Error::Registry {
                    registry: self.registry(),
                    message: format!("HTTP {code}: {}", message.trim()),
                },
            },
            OciDistributionError::DigestError(
                oci_client::errors::DigestError::VerificationError { expected, actual },
            ) => Error::DigestMismatch {
                what: format!("{} of {}", self.what, self.reference),
                expected,
                actual,
            },
            other => Error::Registry {
                registry: self.registry(),
                message: other.to_string(),
            },
        }
    }

    /// An HTTP request that got no answer: connection, TLS or timeout trouble.
    fn request_error(
        &self,
        e: &(dyn std::error::Error + 'static),
        is_timeout: bool,
        is_connect: bool,
    ) -> Error {
        let registry = self.registry();
        let mut chain: Vec<String> = Vec::new();
        let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(err) = current {
            if let Some(tls) = find_tls_error(err) {
                return self.tls_error(tls);
            }
            if let Some(io) = err.downcast_ref::<std::io::Error>() {
                use std::io::ErrorKind::*;
                let detail = match io.kind() {
                    ConnectionRefused => Some("connection refused"),
                    ConnectionReset | ConnectionAborted if !self.options.insecure => {
                        Some("the connection was closed during the TLS handshake")
                    }
                    TimedOut => Some("no answer in time"),
                    _ => None,
                };
                if let Some(detail) = detail {
                    return Error::Unreachable {
                        registry,
                        detail: detail.to_string(),
                    };
                }
            }
            chain.push(err.to_string());
            current = err.source();
        }
        let detail = chain.last().cloned().unwrap_or_else(|| e.to_string());
        if is_timeout {
            Error::Unreachable {
                registry,
                detail: "no answer in time".to_string(),
            }
        } else if is_connect {
            Error::Unreachable { registry, detail }
        } else {
            Error::Registry {
                registry,
                message: chain.join(": "),
            }
        }
    }

    fn tls_error(&self, tls: &rustls::Error) -> Error {
        let registry = self.registry();
        let hint = match tls {
            rustls::Error::InvalidCertificate(_) if self.options.ca_certs.is_empty() => {
                "if a private CA signed the registry's certificate, pass that CA's certificate \
                 with --ca-cert (PEM)"
                    .to_string()
            }
            rustls::Error::InvalidCertificate(_) => format!(
                "the --ca-cert certificates did not sign the registry's certificate, or that \
                 certificate does not name {}",
                self.reference.registry()
            ),
            rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
                "the registry may speak plain HTTP: pass --insecure for a registry without TLS"
                    .to_string()
            }
            _ => "check the registry's TLS setup".to_string(),
        };
        Error::TlsHandshake {
            registry,
            detail: tls.to_string(),
            hint,
        }
    }
}

/// The rustls error in an error chain, also when wrapped in an `io::Error` (whose `source`
/// skips the wrapped error).
fn find_tls_error<'e>(err: &'e (dyn std::error::Error + 'static)) -> Option<&'e rustls::Error> {
    if let Some(tls) = err.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    let inner = err.downcast_ref::<std::io::Error>()?.get_ref()?;
    inner
        .downcast_ref::<rustls::Error>()
        .or_else(|| find_tls_error(inner))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn references() {
        let r = parse_reference("registry://127.0.0.1:5000/kubewarden/policies/x:v0.1.0").unwrap();
        assert_eq!(r.registry(), "127.0.0.1:5000");
        assert_eq!(r.repository(), "kubewarden/policies/x");
        assert_eq!(r.tag(), Some("v0.1.0"));
        let digest = format!("sha256:{}", "ab".repeat(32));
        assert_eq!(
            immutable_ref(&r, &digest),
            format!("127.0.0.1:5000/kubewarden/policies/x@{digest}")
        );
        assert!(has_explicit_tag("localhost:5000/x:v1"));
        assert!(!has_explicit_tag("localhost:5000/x"));
        assert!(!has_explicit_tag("localhost:5000/x@sha256:00"));
        let err = parse_reference("UPPER/Case:tag").unwrap_err().to_string();
        assert!(err.contains("not an OCI reference"), "{err}");
    }

    #[test]
    fn manifest_annotations_are_kwctls() {
        let mut metadata = Metadata::from_yaml("rules: []\nmutating: false\n", "m.yml")
            .unwrap()
            .0;
        metadata.annotations = Some(BTreeMap::from([
            (
                keys::SOURCE.to_string(),
                "https://example.com/src".to_string(),
            ),
            (keys::USAGE.to_string(), "# Title\n\nbody\n".to_string()),
            (keys::DESCRIPTION.to_string(), "one line\n".to_string()),
        ]));
        let (annotations, left_out) = manifest_annotations(&metadata);
        assert_eq!(left_out, vec![keys::USAGE.to_string()]);
        assert_eq!(
            annotations,
            BTreeMap::from([
                (keys::DESCRIPTION.to_string(), "one line".to_string()),
                (
                    keys::SOURCE.to_string(),
                    "https://example.com/src".to_string()
                ),
                (
                    keys::OCI_IMAGE_SOURCE.to_string(),
                    "https://example.com/src".to_string()
                ),
            ])
        );
    }

    #[test]
    fn digests_and_pem() {
        assert_eq!(
            sha256_digest(b"{}"),
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
        let pem = b"junk\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n\
                    -----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n";
        let certs = split_pem(pem);
        assert_eq!(certs.len(), 2);
        assert!(String::from_utf8_lossy(&certs[1]).contains("BBBB"));
        assert!(split_pem(b"no certificate").is_empty());
    }
}
