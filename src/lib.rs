//! The Kubewarden policy: a waPC guest around `tekton-buildah-core`.
//!
//! This crate only adapts. It decodes the admission request, hands the object and the
//! settings to the rules library, and turns the report into Kubewarden's response: errors
//! reject with one message listing every problem, warnings go into the response's `warnings`.
//! Nothing here panics on bad input: a request that cannot be read is rejected with a message
//! saying why.

use kubewarden_policy_sdk::response::ValidationResponse;
use kubewarden_policy_sdk::settings::SettingsValidationResponse;
use serde::Deserialize;
use std::borrow::Cow;
use tekton_buildah_core::json::{Reader, Value};
use tekton_buildah_core::{Checked, Report, Settings, check_object, check_object_with};

pub mod arena;
pub mod cluster;

#[cfg(target_arch = "wasm32")]
mod entry {
    use kubewarden_policy_sdk::protocol_version_guest;
    use kubewarden_policy_sdk::wapc_guest::{CallResult, register_function};

    /// Each call's allocations come from a region that starts over once the call has freed
    /// them (see `arena`).
    #[cfg(not(target_feature = "atomics"))]
    #[global_allocator]
    static ALLOCATOR: super::arena::RequestArena = super::arena::RequestArena::new();

    /// Puts the module's writable statics (`.data`, then `.bss`: waPC's registry, this
    /// allocator, std's few) on one page of their own. The linker aligns `.data` to its most
    /// aligned member and places this crate's first, so they start on a page boundary,
    /// after this never-touched page. Without it they start wherever the read-only data
    /// ends, and whenever that is just before a page boundary (it moves with every string
    /// added), a fresh instance copies two pages instead of one on its first writes: one
    /// more page fault, about 2 µs where `make bench` runs.
    #[repr(C, align(4096))]
    struct PageStart(core::sync::atomic::AtomicU8);

    #[used]
    static DATA_STARTS_ON_A_PAGE: PageStart = PageStart(core::sync::atomic::AtomicU8::new(1));

    #[unsafe(no_mangle)]
    pub extern "C" fn wapc_init() {
        #[cfg(not(target_feature = "atomics"))]
        ALLOCATOR.touch();
        register_function("validate", validate);
        register_function("validate_settings", validate_settings);
        register_function("protocol_version", protocol_version_guest);
        #[cfg(not(target_feature = "atomics"))]
        ALLOCATOR.start();
    }

    fn validate(payload: &[u8]) -> CallResult {
        Ok(super::validate_json(payload)?)
    }

    fn validate_settings(payload: &[u8]) -> CallResult {
        Ok(super::validate_settings_json(payload)?)
    }
}

/// What the policy reads of the `validate` payload. Its strings are borrowed from the
/// payload where they are written without escapes, and the rest of the request (`oldObject`,
/// `userInfo`, …) is skipped without being built: reading the request is paid for on every
/// admission request.
#[derive(Deserialize)]
struct Payload<'a> {
    #[serde(default, borrow)]
    settings: Value<'a>,
    #[serde(borrow)]
    request: AdmissionRequest<'a>,
}

#[derive(Deserialize)]
struct AdmissionRequest<'a> {
    #[serde(default, borrow)]
    object: Value<'a>,
    /// The namespace of a namespaced object (where a run's references are looked up).
    #[serde(default, borrow)]
    namespace: Option<Cow<'a, str>>,
}

/// The payload through the direct reader (`json::Reader`), reading only `settings` and
/// `request.object` and passing over the rest. `None` when the reader is not sure, or when
/// serde_json would refuse the payload (a field given twice): serde_json then reads it and
/// says what is wrong.
fn read_payload(text: &str) -> Option<Payload<'_>> {
    let mut r = Reader::new(text);
    let (mut settings, mut request) = (None, None);
    r.object(|key, r| match key.as_ref() {
        "settings" if settings.is_none() => {
            settings = Some(r.value()?);
            Some(())
        }
        "request" if request.is_none() => {
            let (mut object, mut namespace) = (None, None);
            r.object(|key, r| match key.as_ref() {
                "object" if object.is_none() => {
                    object = Some(r.value()?);
                    Some(())
                }
                "namespace" if namespace.is_none() => {
                    namespace = Some(r.value()?);
                    Some(())
                }
                "object" | "namespace" => None,
                _ => r.skip(),
            })?;
            let namespace = match namespace {
                None | Some(Value::Null) => None,
                Some(Value::String(ns)) => Some(ns),
                // Not a string: serde_json reads it and says what is wrong.
                Some(_) => return None,
            };
            request = Some(AdmissionRequest {
                object: object.unwrap_or_default(),
                namespace,
            });
            Some(())
        }
        "settings" | "request" => None,
        _ => r.skip(),
    })?;
    r.end()?;
    Some(Payload {
        settings: settings.unwrap_or_default(),
        request: request?,
    })
}

/// The bytes the `validate` entry point answers with. The differential tests compare them
/// with policy.wasm's, so that both sides share the whole path from payload to answer.
pub fn validate_json(payload: &[u8]) -> serde_json::Result<Vec<u8>> {
    serde_json::to_vec(&validate(payload))
}

/// The bytes the `validate_settings` entry point answers with.
pub fn validate_settings_json(payload: &[u8]) -> serde_json::Result<Vec<u8>> {
    serde_json::to_vec(&validate_settings(payload))
}

/// Evaluates a `validate` payload: `{"request": <AdmissionRequest>, "settings": {…}}`.
pub fn validate(payload: &[u8]) -> ValidationResponse {
    // Checked as UTF-8 once, in one pass, rather than string by string as it is read.
    let text = match std::str::from_utf8(payload) {
        Ok(t) => t,
        Err(e) => {
            return reject(format!(
                "the admission request could not be read: it is not UTF-8 ({e})"
            ));
        }
    };
    let payload = match read_payload(text) {
        Some(p) => p,
        None => match serde_json::from_str::<Payload<'_>>(text) {
            Ok(p) => p,
            Err(e) => return reject(format!("the admission request could not be read: {e}")),
        },
    };
    let settings = match Settings::from_json(&payload.settings) {
        Ok(s) => s,
        Err(e) => return reject(e.to_string()),
    };
    let request = payload.request;
    if request.object.is_null() {
        // DELETE and CONNECT carry no object: nothing to check.
        return accept(Vec::new());
    }
    if settings.resolve_references {
        // A run is checked with the Task or Pipeline it names, fetched from the cluster.
        let namespace = request.namespace.filter(|ns| !ns.is_empty());
        let cluster =
            cluster::Cluster::new(namespace.map(Cow::into_owned), cluster::host_get_resource);
        return response(&check_object_with(&request.object, &settings, &cluster));
    }
    response(&check_object(&request.object, &settings))
}

/// Evaluates a `validate_settings` payload: the settings object itself.
pub fn validate_settings(payload: &[u8]) -> SettingsValidationResponse {
    let checked = std::str::from_utf8(payload)
        .map_err(|e| format!("settings are not UTF-8 ({e})"))
        .and_then(|text| match Reader::document(text) {
            Some(v) => Ok(v),
            None => serde_json::from_str::<Value<'_>>(text)
                .map_err(|e| format!("settings are not valid JSON: {e}")),
        })
        .and_then(|v| Settings::from_json_checked(&v).map_err(|e| e.to_string()));
    match checked {
        Ok(_) => SettingsValidationResponse {
            valid: true,
            message: None,
        },
        Err(message) => SettingsValidationResponse {
            valid: false,
            message: Some(message),
        },
    }
}

/// The only place where the rules' report becomes Kubewarden's response.
fn response(report: &Report) -> ValidationResponse {
    let mut warnings: Vec<String> = report.warnings().map(ToString::to_string).collect();
    if let Checked::UnsupportedVersion(version) = &report.checked {
        warnings.push(format!(
            "not checked: {version} is not supported by tekton-buildah-policy (it checks tekton.dev/v1 and v1beta1)"
        ));
    }
    match report.rejection_message() {
        Some(message) => ValidationResponse {
            accepted: false,
            message: Some(message),
            code: None,
            mutated_object: None,
            audit_annotations: None,
            warnings: (!warnings.is_empty()).then_some(warnings),
        },
        None => accept(warnings),
    }
}

fn accept(warnings: Vec<String>) -> ValidationResponse {
    ValidationResponse {
        accepted: true,
        message: None,
        code: None,
        mutated_object: None,
        audit_annotations: None,
        warnings: (!warnings.is_empty()).then_some(warnings),
    }
}

fn reject(message: String) -> ValidationResponse {
    ValidationResponse {
        accepted: false,
        message: Some(message),
        code: None,
        mutated_object: None,
        audit_annotations: None,
        warnings: None,
    }
}

#[cfg(test)]
mod tests;
