//! Registry credentials from a docker `config.json` (what `docker login`, `podman login
//! --authfile` and `buildah login` write): the `auths` entry of a registry, either a base64
//! `user:password` in `auth` or `username` and `password`.

use crate::error::{Error, Result};
use base64::Engine;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ConfigFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default)]
    cred_helpers: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
struct AuthEntry {
    auth: Option<String>,
    username: Option<String>,
    password: Option<String>,
    identitytoken: Option<String>,
}

/// `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`, when that file exists.
pub fn default_path() -> Option<PathBuf> {
    let path = match std::env::var_os("DOCKER_CONFIG") {
        Some(dir) => PathBuf::from(dir).join("config.json"),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".docker/config.json"),
    };
    path.is_file().then_some(path)
}

/// `host[:port]` of an `auths` key, which may also be written as a URL
/// (`https://host:port/v1/`).
fn registry_of_key(key: &str) -> &str {
    let key = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    key.split('/').next().unwrap_or(key)
}

/// The credentials `path` holds for `registry` (`host[:port]`), if any.
pub fn lookup(path: &Path, registry: &str) -> Result<Option<Credentials>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let config: ConfigFile = serde_json::from_str(&text).map_err(|e| Error::DockerConfig {
        path: path.to_path_buf(),
        message: format!("not a docker config file: {e}"),
    })?;
    let bad = |message: String| Error::DockerConfig {
        path: path.to_path_buf(),
        message,
    };
    let Some(entry) = config
        .auths
        .iter()
        .find(|(k, _)| registry_of_key(k) == registry)
        .map(|(_, e)| e)
    else {
        if let Some(helper) = config.cred_helpers.get(registry) {
            return Err(bad(format!(
                "the credentials for {registry} are kept by `docker-credential-{helper}`, \
                 which kwtool does not run; pass --username with --password-stdin instead"
            )));
        }
        return Ok(None);
    };
    if let Some(auth) = entry.auth.as_deref().filter(|a| !a.is_empty()) {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .ok()
            .and_then(|d| String::from_utf8(d).ok())
            .ok_or_else(|| {
                bad(format!(
                    "auths.{registry}.auth is not base64 of `user:password`"
                ))
            })?;
        let (username, password) = decoded.split_once(':').ok_or_else(|| {
            bad(format!(
                "auths.{registry}.auth is not base64 of `user:password`"
            ))
        })?;
        return Ok(Some(Credentials {
            username: username.to_string(),
            password: password.to_string(),
        }));
    }
    match (&entry.username, &entry.password, &entry.identitytoken) {
        (Some(u), Some(p), _) => Ok(Some(Credentials {
            username: u.clone(),
            password: p.clone(),
        })),
        (_, _, Some(_)) => Err(bad(format!(
            "auths.{registry} holds an identity token, which kwtool does not use; log in with \
             a username and password, or pass --username with --password-stdin"
        ))),
        _ => Err(bad(format!(
            "auths.{registry} has neither `auth` nor `username` and `password`"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(json: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), json).unwrap();
        f
    }

    #[test]
    fn finds_the_entry_of_the_registry() {
        // "alice:s3cr:et" in base64: the password may contain colons.
        let f = write(
            r#"{"auths": {
                "https://127.0.0.1:5000/v1/": {"auth": "YWxpY2U6czNjcjpldA=="},
                "registry.example.com": {"username": "bob", "password": "pw"}
            }}"#,
        );
        assert_eq!(
            lookup(f.path(), "127.0.0.1:5000").unwrap(),
            Some(Credentials {
                username: "alice".into(),
                password: "s3cr:et".into()
            })
        );
        assert_eq!(
            lookup(f.path(), "registry.example.com").unwrap(),
            Some(Credentials {
                username: "bob".into(),
                password: "pw".into()
            })
        );
        assert_eq!(lookup(f.path(), "127.0.0.1:5001").unwrap(), None);
    }

    #[test]
    fn unusable_entries_are_explained() {
        let f = write(r#"{"auths": {"r.example.com": {"auth": "not base64!"}}}"#);
        let err = lookup(f.path(), "r.example.com").unwrap_err().to_string();
        assert!(err.contains("is not base64 of `user:password`"), "{err}");
        let f = write(r#"{"credHelpers": {"r.example.com": "pass"}}"#);
        let err = lookup(f.path(), "r.example.com").unwrap_err().to_string();
        assert!(err.contains("docker-credential-pass"), "{err}");
        let f = write(r#"{"auths": "r.example.com"}"#);
        let err = lookup(f.path(), "r.example.com").unwrap_err().to_string();
        assert!(err.contains("not a docker config file"), "{err}");
    }
}
