//! The policy's trip through a real OCI registry: the CNCF distribution registry (Debian
//! package `docker-registry`, installed by `scripts/setup.sh test`), started by each test on a
//! free loopback port with its own storage and configuration, without authentication, with
//! basic authentication (bcrypt htpasswd made here) and over TLS with a CA made here.
//!
//! `annotated-policy.wasm` (`make annotated-policy.wasm`) is pushed with kwtool, pulled back by
//! tag and by digest, compared byte for byte and by digest, and the pulled module is evaluated
//! in the waPC harness. The bad paths — registry down, no or wrong credentials, untrusted
//! certificate, unknown tag, an artifact that is not a policy — each get their error checked.
//! Every registry is stopped and its files removed when its guard drops, whatever happened.

use base64::Engine;
use e2e_tests::{Policy, default_wasm, repo_root, yaml_documents};
use kwtool::Error;
use kwtool::metadata::{METADATA_SECTION, Metadata, keys};
use kwtool::oci::{
    self, Artifact, Auth, RegistryOptions, WASM_CONFIG_MEDIA_TYPE, WASM_LAYER_MEDIA_TYPE,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const REPOSITORY: &str = "kubewarden/policies/tekton-buildah-policy";
const USER: &str = "kubewarden";
const PASSWORD: &str = "correct horse battery staple";

// ---------------------------------------------------------------------------------------------
// The registry under test.

/// A `docker-registry` process on loopback; killed, and its directory removed, on drop.
struct Registry {
    child: Child,
    dir: tempfile::TempDir,
    /// `127.0.0.1:<port>`
    addr: String,
    /// The PEM certificate of the CA that signed the registry's certificate (TLS only).
    ca: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq)]
enum Transport {
    PlainHttp,
    Tls,
}

fn registry_binary() -> PathBuf {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("docker-registry"))
            .find(|p| p.is_file())
    });
    on_path
        .or_else(|| Some(PathBuf::from("/usr/bin/docker-registry")).filter(|p| p.is_file()))
        .expect(
            "`docker-registry` (the CNCF distribution registry) is not installed: run \
             `scripts/setup.sh test` or `apt-get install docker-registry`",
        )
}

/// A loopback port nothing listens on (just released by the OS).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

impl Registry {
    fn start(users: &[(&str, &str)], transport: Transport) -> Registry {
        // The port is free when chosen but another process may take it before the registry
        // binds it; then the registry exits and another port is tried.
        let mut last_log = String::new();
        for _ in 0..3 {
            match Registry::try_start(users, transport) {
                Ok(r) => return r,
                Err(log) => last_log = log,
            }
        }
        panic!("docker-registry did not start:\n{last_log}");
    }

    fn try_start(users: &[(&str, &str)], transport: Transport) -> Result<Registry, String> {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let addr = format!("127.0.0.1:{}", free_port());
        let path = |name: &str| dir.path().join(name);
        // JSON strings are YAML strings: paths need no further quoting.
        let q = |p: PathBuf| serde_json::to_string(&p.display().to_string()).unwrap();
        let mut config = format!(
            "version: 0.1\n\
             log:\n  level: info\n  accesslog:\n    disabled: true\n\
             storage:\n  filesystem:\n    rootdirectory: {storage}\n  delete:\n    enabled: true\n\
             \x20 maintenance:\n    uploadpurging:\n      enabled: false\n\
             http:\n  addr: {addr}\n  secret: kwtool-test-secret\n",
            storage = q(path("storage")),
        );
        let mut ca = None;
        if transport == Transport::Tls {
            let certs = Certificates::new(&["127.0.0.1", "localhost"]);
            std::fs::write(path("ca.pem"), &certs.ca_pem).unwrap();
            std::fs::write(path("server.pem"), &certs.server_pem).unwrap();
            std::fs::write(path("server.key"), &certs.server_key).unwrap();
            config += &format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                q(path("server.pem")),
                q(path("server.key"))
            );
            ca = Some(path("ca.pem"));
        }
        if !users.is_empty() {
            let htpasswd: String = users
                .iter()
                .map(|(u, p)| format!("{u}:{}\n", bcrypt::hash(p, 4).expect("bcrypt")))
                .collect();
            std::fs::write(path("htpasswd"), htpasswd).unwrap();
            config += &format!(
                "auth:\n  htpasswd:\n    realm: kwtool-test\n    path: {}\n",
                q(path("htpasswd"))
            );
        }
        std::fs::write(path("config.yml"), config).unwrap();
        let log = std::fs::File::create(path("registry.log")).unwrap();
        let child = Command::new(registry_binary())
            .arg("serve")
            .arg(path("config.yml"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("docker-registry starts");
        let mut registry = Registry {
            child,
            dir,
            addr,
            ca,
        };
        let socket: SocketAddr = registry.addr.parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(Some(status)) = registry.child.try_wait() {
                return Err(format!("exited with {status}:\n{}", registry.log()));
            }
            if TcpStream::connect_timeout(&socket, Duration::from_millis(200)).is_ok() {
                return Ok(registry);
            }
            if Instant::now() > deadline {
                return Err(format!("not listening after 15 s:\n{}", registry.log()));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn reference(&self, tag: &str) -> String {
        format!("{}/{REPOSITORY}:{tag}", self.addr)
    }

    /// Options that reach this registry, with `auth`.
    fn options(&self, auth: Auth) -> RegistryOptions {
        let mut options = RegistryOptions {
            auth,
            insecure: self.ca.is_none(),
            ..Default::default()
        };
        if let Some(ca) = &self.ca {
            options.add_ca_file(ca).unwrap();
        }
        options
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A CA and a server certificate it signed, made for one test.
struct Certificates {
    ca_pem: String,
    server_pem: String,
    server_key: String,
}

impl Certificates {
    fn new(names: &[&str]) -> Certificates {
        use rcgen::{
            BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
        };
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "kwtool test CA");
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_pem = ca.self_signed(&ca_key).unwrap().pem();
        let issuer = Issuer::new(ca, ca_key);
        let server_key = KeyPair::generate().unwrap();
        let mut server =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        server
            .distinguished_name
            .push(DnType::CommonName, "kwtool test registry");
        server.use_authority_key_identifier_extension = true;
        let server_pem = server.signed_by(&server_key, &issuer).unwrap().pem();
        Certificates {
            ca_pem,
            server_pem,
            server_key: server_key.serialize_pem(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What is pushed, and what it must carry.

/// `annotated-policy.wasm`, after checking that it is the current `policy.wasm` with the
/// current metadata.yml and README.md embedded.
fn annotated() -> &'static (PathBuf, Vec<u8>) {
    static ANNOTATED: OnceLock<(PathBuf, Vec<u8>)> = OnceLock::new();
    ANNOTATED.get_or_init(|| {
        let path = std::env::var_os("ANNOTATED_POLICY_WASM")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo_root().join("annotated-policy.wasm"));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "cannot read {}: {e} (build it with `make annotated-policy.wasm`)",
                path.display()
            )
        });
        let policy = std::fs::read(default_wasm()).expect("policy.wasm (make policy.wasm)");
        assert!(
            kwtool::wasm::strip(&bytes, METADATA_SECTION).unwrap() == policy,
            "{} was not made from the current policy.wasm: run `make annotated-policy.wasm`",
            path.display()
        );
        let metadata = Metadata::from_module(&bytes)
            .unwrap()
            .expect("annotated-policy.wasm carries metadata");
        let mut expected = metadata_yml_annotations();
        expected.insert(
            keys::USAGE.to_string(),
            std::fs::read_to_string(repo_root().join("README.md")).unwrap(),
        );
        assert!(
            metadata.annotations.as_ref() == Some(&expected),
            "{}'s annotations are not metadata.yml's and README.md: run `make \
             annotated-policy.wasm`",
            path.display()
        );
        (path, bytes)
    })
}

/// The annotations written in metadata.yml, read with the repository's own YAML reader.
fn metadata_yml_annotations() -> BTreeMap<String, String> {
    let docs = yaml_documents(&repo_root().join("metadata.yml")).unwrap();
    docs[0]["annotations"]
        .as_object()
        .expect("metadata.yml has annotations")
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str().expect("string annotations").to_string(),
            )
        })
        .collect()
}

fn version() -> String {
    metadata_yml_annotations()[keys::VERSION].clone()
}

fn sha256(data: &[u8]) -> String {
    oci::sha256_digest(data)
}

/// Runs the kwtool command in-process: (exit status, stdout, stderr).
fn kwtool(args: &[&str], stdin: &str) -> (u8, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = kwtool::cli::run(
        std::iter::once("kwtool").chain(args.iter().copied()),
        &mut stdin.as_bytes(),
        &mut out,
        &mut err,
    );
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

fn example(path: &str) -> Value {
    yaml_documents(&repo_root().join(path)).unwrap().remove(0)
}

fn assert_immutable_ref(registry: &Registry, text: &str) -> String {
    let prefix = format!("{}/{REPOSITORY}@sha256:", registry.addr);
    let hex = text
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{text:?} is not an immutable reference {prefix}<digest>"));
    assert!(
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
        "{text:?}"
    );
    format!("sha256:{hex}")
}

// ---------------------------------------------------------------------------------------------
// The tests.

#[test]
fn a_policy_goes_to_a_registry_and_comes_back_by_tag_and_by_digest() {
    let (path, bytes) = annotated();
    let registry = Registry::start(&[], Transport::PlainHttp);
    let reference = registry.reference(&format!("v{}", version()));

    let (code, out, err) = kwtool(
        &["push", "--insecure", path.to_str().unwrap(), &reference],
        "",
    );
    assert_eq!(code, 0, "{err}\n{}", registry.log());
    let immutable = out.trim().to_string();
    let digest = assert_immutable_ref(&registry, &immutable);
    assert!(
        err.contains(keys::USAGE),
        "the README stays out of the manifest, and the user is told: {err}"
    );

    let by_tag = oci::pull_policy(&reference, &registry.options(Auth::Anonymous))
        .unwrap_or_else(|e| panic!("{e}\n{}", registry.log()));
    assert!(
        by_tag.module == *bytes,
        "pulled by tag: not the pushed bytes"
    );
    assert_eq!(by_tag.digest, digest);
    assert_eq!(by_tag.immutable_ref, immutable);

    // The manifest kwctl writes: config `{}` of the Wasm config type, one Wasm layer, and the
    // metadata's one-line annotations plus org.opencontainers.image.source.
    let m = &by_tag.manifest;
    assert_eq!(m.media_type.as_deref(), Some(oci_client_media_type()));
    assert_eq!(m.config.media_type, WASM_CONFIG_MEDIA_TYPE);
    assert_eq!(m.config.digest, sha256(b"{}"));
    assert_eq!(m.config.size, 2);
    assert_eq!(m.layers.len(), 1);
    assert_eq!(m.layers[0].media_type, WASM_LAYER_MEDIA_TYPE);
    assert_eq!(m.layers[0].digest, sha256(bytes));
    assert_eq!(m.layers[0].size, bytes.len() as i64);
    let mut expected: BTreeMap<String, String> = metadata_yml_annotations()
        .into_iter()
        .filter(|(_, v)| v.lines().count() <= 1)
        .map(|(k, v)| (k, v.trim().to_string()))
        .collect();
    expected.insert(
        keys::OCI_IMAGE_SOURCE.to_string(),
        expected[keys::SOURCE].clone(),
    );
    assert_eq!(m.annotations.as_ref(), Some(&expected));
    assert_eq!(by_tag.metadata, Metadata::from_module(bytes).unwrap());

    // The manifest depends on the module and its metadata only: a copy pushed elsewhere has
    // the same digest.
    let copy = oci::push_policy(
        path,
        &format!("{}/mirror/tekton-buildah-policy:copy", registry.addr),
        &registry.options(Auth::Anonymous),
        false,
    )
    .unwrap();
    assert_eq!(copy.digest, digest);

    // By digest, with the command line, into a file.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pulled.wasm");
    let (code, out, err) = kwtool(
        &[
            "pull",
            "--insecure",
            "-o",
            file.to_str().unwrap(),
            &immutable,
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), immutable);
    let pulled = std::fs::read(&file).unwrap();
    assert!(pulled == *bytes, "pulled by digest: not the pushed bytes");
    assert_eq!(sha256(&pulled), m.layers[0].digest);

    // What came back is the policy: the seed Task is admitted, a bad one rejected.
    let policy = Policy::from_bytes(&pulled).unwrap();
    assert_eq!(policy.protocol_version().unwrap(), "v1");
    let seed = policy
        .validate(
            &example("examples/good/buildah-build-modelcar.yaml"),
            &Value::Object(Default::default()),
        )
        .unwrap();
    assert!(seed.accepted, "{:?}", seed.message);
    let bad = policy
        .validate(
            &example("examples/bad/privileged-container.yaml"),
            &Value::Object(Default::default()),
        )
        .unwrap();
    assert!(!bad.accepted);
    assert!(
        bad.message
            .as_deref()
            .unwrap_or_default()
            .contains("[privileged-container]"),
        "{:?}",
        bad.message
    );
}

fn oci_client_media_type() -> &'static str {
    kwtool::oci_client::manifest::OCI_IMAGE_MEDIA_TYPE
}

#[test]
fn unknown_tags_unannotated_modules_and_foreign_artifacts_get_clear_errors() {
    let registry = Registry::start(&[], Transport::PlainHttp);
    let options = registry.options(Auth::Anonymous);

    // A tag, and a digest, that were never pushed.
    let missing = registry.reference("v9.9.9");
    let err = oci::pull_policy(&missing, &options).unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    assert!(
        err.to_string()
            .contains(&format!("{missing} does not exist in the registry")),
        "{err}"
    );
    let never = format!("{}/{REPOSITORY}@{}", registry.addr, sha256(b"never pushed"));
    let err = oci::pull_policy(&never, &options).unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    let (code, _, err) = kwtool(&["pull", "--insecure", &missing], "");
    assert_eq!(code, 1);
    assert!(
        err.starts_with("error: ") && err.contains("does not exist"),
        "{err}"
    );

    // policy.wasm without metadata is refused, unless forced.
    let plain = default_wasm();
    let reference = registry.reference("unannotated");
    let err = oci::push_policy(&plain, &reference, &options, false).unwrap_err();
    assert!(matches!(err, Error::Unannotated { .. }), "{err}");
    assert!(err.to_string().contains("--force"), "{err}");
    oci::push_policy(&plain, &reference, &options, true).unwrap();
    let pulled = oci::pull_policy(&reference, &options).unwrap();
    assert!(pulled.metadata.is_none());
    assert!(pulled.module == std::fs::read(&plain).unwrap());
    assert!(pulled.manifest.annotations.is_none());

    // A push needs a tag.
    let err = oci::push_policy(
        &annotated().0,
        &format!("{}/{REPOSITORY}", registry.addr),
        &options,
        false,
    )
    .unwrap_err();
    assert!(matches!(err, Error::Reference { .. }), "{err}");

    // An ordinary container image is no policy.
    let image = format!("{}/library/not-a-policy:1.0", registry.addr);
    oci::push_artifact(
        &image,
        &Artifact {
            config_media_type: "application/vnd.oci.image.config.v1+json".to_string(),
            config:
                br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#
                    .to_vec(),
            layers: vec![(
                "application/vnd.oci.image.layer.v1.tar".to_string(),
                b"not a wasm module".to_vec(),
            )],
            annotations: None,
        },
        &options,
    )
    .unwrap();
    let err = oci::pull_policy(&image, &options).unwrap_err();
    let Error::NotAPolicy { problems, .. } = &err else {
        panic!("expected NotAPolicy, got {err}");
    };
    assert_eq!(
        problems,
        &[
            "its config has media type `application/vnd.oci.image.config.v1+json`".to_string(),
            "its layer 1 has media type `application/vnd.oci.image.layer.v1.tar`".to_string(),
        ]
    );
    let (code, _, err) = kwtool(&["pull", "--insecure", &image], "");
    assert_eq!(code, 1);
    assert!(err.contains("is not a Kubewarden policy"), "{err}");

    // Speaking HTTPS to a plain-HTTP registry.
    let https = RegistryOptions::default();
    let err = oci::pull_policy(&missing, &https).unwrap_err();
    assert!(matches!(err, Error::TlsHandshake { .. }), "{err}");
    assert!(err.to_string().contains("pass --insecure"), "{err}");
}

#[test]
fn a_registry_with_basic_auth_wants_the_right_credentials() {
    let (path, bytes) = annotated();
    let registry = Registry::start(&[(USER, PASSWORD)], Transport::PlainHttp);
    let reference = registry.reference(&format!("v{}", version()));
    let right = Auth::Basic {
        username: USER.to_string(),
        password: PASSWORD.to_string(),
    };
    let wrong = Auth::Basic {
        username: USER.to_string(),
        password: "not the password".to_string(),
    };

    let err =
        oci::push_policy(path, &reference, &registry.options(wrong.clone()), false).unwrap_err();
    assert!(
        matches!(&err, Error::Unauthorized { username: Some(u), .. } if u == USER),
        "{err}"
    );
    let pushed = oci::push_policy(path, &reference, &registry.options(right.clone()), false)
        .unwrap_or_else(|e| panic!("{e}\n{}", registry.log()));

    let err = oci::pull_policy(&reference, &registry.options(Auth::Anonymous)).unwrap_err();
    assert!(
        matches!(err, Error::Unauthorized { username: None, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("requires authentication"), "{err}");
    let err = oci::pull_policy(&reference, &registry.options(wrong)).unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("refused the credentials of user `{USER}`")),
        "{err}"
    );

    let pulled = oci::pull_policy(&pushed.immutable_ref, &registry.options(right)).unwrap();
    assert!(pulled.module == *bytes);

    // The command line: password on standard input, or a docker config.json.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pulled.wasm");
    let (code, out, err) = kwtool(
        &[
            "pull",
            "--insecure",
            "--username",
            USER,
            "--password-stdin",
            "-o",
            file.to_str().unwrap(),
            &reference,
        ],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), pushed.immutable_ref);
    assert!(std::fs::read(&file).unwrap() == *bytes);
    std::fs::remove_file(&file).unwrap();
    let config = dir.path().join("config.json");
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    std::fs::write(
        &config,
        serde_json::json!({"auths": {format!("http://{}", registry.addr): {"auth": auth}}})
            .to_string(),
    )
    .unwrap();
    let (code, _, err) = kwtool(
        &[
            "pull",
            "--insecure",
            "--docker-config",
            config.to_str().unwrap(),
            "-o",
            file.to_str().unwrap(),
            &reference,
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read(&file).unwrap() == *bytes);
}

#[test]
fn a_tls_registry_is_trusted_through_its_ca_certificate() {
    let (path, bytes) = annotated();
    let registry = Registry::start(&[(USER, PASSWORD)], Transport::Tls);
    let ca = registry.ca.clone().unwrap();
    let reference = registry.reference(&format!("v{}", version()));

    let (code, out, err) = kwtool(
        &[
            "push",
            "--ca-cert",
            ca.to_str().unwrap(),
            "--username",
            USER,
            "--password-stdin",
            path.to_str().unwrap(),
            &reference,
        ],
        PASSWORD,
    );
    assert_eq!(code, 0, "{err}\n{}", registry.log());
    let immutable = out.trim().to_string();
    assert_immutable_ref(&registry, &immutable);
    let creds = Auth::Basic {
        username: USER.to_string(),
        password: PASSWORD.to_string(),
    };
    let pulled = oci::pull_policy(&immutable, &registry.options(creds.clone())).unwrap();
    assert!(pulled.module == *bytes);

    // Not trusting the CA, trusting another CA, and plain HTTP are each explained.
    let system_roots_only = RegistryOptions {
        auth: creds.clone(),
        ..Default::default()
    };
    let err = oci::pull_policy(&reference, &system_roots_only).unwrap_err();
    assert!(matches!(err, Error::TlsHandshake { .. }), "{err}");
    assert!(err.to_string().contains("--ca-cert"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let other_ca = dir.path().join("other-ca.pem");
    std::fs::write(&other_ca, Certificates::new(&["127.0.0.1"]).ca_pem).unwrap();
    let mut other = RegistryOptions {
        auth: creds.clone(),
        ..Default::default()
    };
    other.add_ca_file(&other_ca).unwrap();
    let err = oci::pull_policy(&reference, &other).unwrap_err();
    assert!(
        err.to_string()
            .contains("did not sign the registry's certificate"),
        "{err}"
    );

    let plain = RegistryOptions {
        auth: creds,
        insecure: true,
        ..Default::default()
    };
    let err = oci::pull_policy(&reference, &plain).unwrap_err();
    assert!(err.to_string().contains("it speaks HTTPS"), "{err}");
}

#[test]
fn a_registry_that_is_down_is_reported_as_such() {
    let addr = format!("127.0.0.1:{}", free_port());
    let reference = format!("{addr}/{REPOSITORY}:v{}", version());
    let options = RegistryOptions {
        insecure: true,
        ..Default::default()
    };
    for err in [
        oci::push_policy(&annotated().0, &reference, &options, false).unwrap_err(),
        oci::pull_policy(&reference, &options).unwrap_err(),
    ] {
        assert!(matches!(err, Error::Unreachable { .. }), "{err}");
        let text = err.to_string();
        assert!(
            text.contains(&format!(
                "cannot reach the registry at {addr}: connection refused"
            )),
            "{text}"
        );
    }
    let (code, out, err) = kwtool(&["pull", "--insecure", &reference], "");
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.contains("is it running"), "{err}");
}

#[test]
fn the_registry_is_stopped_and_its_files_removed_when_the_guard_drops() {
    let registry = Registry::start(&[], Transport::PlainHttp);
    let pid = registry.child.id();
    let dir = registry.dir.path().to_path_buf();
    let addr: SocketAddr = registry.addr.parse().unwrap();
    assert!(Path::new(&format!("/proc/{pid}")).exists());
    drop(registry);
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "process {pid} still there"
    );
    assert!(!dir.exists(), "{} still there", dir.display());
    assert!(TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err());
}
