//! Runs `policy.wasm` on the host, quickly: the module in the `wasmi` interpreter behind a
//! small waPC host of our own ([`host`]), a fresh instance for every call as policy-server
//! makes one (`_start` if the module has it, then `wapc_init`, then `__guest_call`).
//!
//! Kubewarden's policy-server runs policies in wasmtime through the `wapc` crates; building
//! wasmtime costs minutes, interpreting the policy milliseconds. The e2e tests
//! (`e2e-tests/tests/engines.rs`) run every example and corpus file through both and require
//! the same answers.
//!
//! Also here, so that the e2e tests share them without this crate needing wasmtime: the
//! AdmissionRequest a document is wrapped in, the policy's answers as types, and the YAML
//! documents of a file as JSON.

pub mod host;

use host::{Call, HostFn};
use serde::Deserialize;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wasmi::{Engine, Linker, Module, Store};

/// The policy's answer to `validate`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Response {
    pub accepted: bool,
    pub message: Option<String>,
    pub code: Option<u16>,
    pub warnings: Option<Vec<String>>,
}

/// The policy's answer to `validate_settings`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SettingsResponse {
    pub valid: bool,
    pub message: Option<String>,
}

/// A policy module, validated once, instantiated for every call.
pub struct Policy {
    engine: Engine,
    module: Module,
    linker: Linker<Call>,
}

/// `policy.wasm` at the repository root, or `$POLICY_WASM`.
pub fn default_wasm() -> PathBuf {
    std::env::var_os("POLICY_WASM")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("policy.wasm"))
}

/// The bytes of a policy module, or what to do when there are none.
pub fn read_module(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| {
        format!(
            "cannot read {}: {e} (build it with `make policy.wasm`)",
            path.display()
        )
    })
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/policy-run lives in the repository")
        .to_path_buf()
}

impl Policy {
    pub fn load(path: &Path) -> Result<Policy, String> {
        Policy::from_bytes(&read_module(path)?)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Policy, String> {
        let engine = Engine::default();
        let module =
            Module::new(&engine, bytes).map_err(|e| format!("cannot compile the module: {e}"))?;
        let linker = host::linker(&engine)?;
        Ok(Policy {
            engine,
            module,
            linker,
        })
    }

    /// One waPC call on a fresh instance; `__host_call` is answered with an error.
    pub fn call(&self, operation: &str, payload: &[u8]) -> Result<Vec<u8>, String> {
        self.call_with(operation, payload, None)
    }

    /// One waPC call on a fresh instance whose `__host_call` is answered by `host`.
    pub fn call_with(
        &self,
        operation: &str,
        payload: &[u8],
        host: Option<Arc<HostFn>>,
    ) -> Result<Vec<u8>, String> {
        let mut store = Store::new(&self.engine, Call::new(host));
        let instance = self
            .linker
            .instantiate_and_start(&mut store, &self.module)
            .map_err(|e| format!("cannot instantiate: {e}"))?;
        for start in ["_start", "wapc_init"] {
            let Some(func) = instance.get_func(&store, start) else {
                continue;
            };
            let init = func
                .typed::<(), ()>(&store)
                .and_then(|f| f.call(&mut store, ()));
            match init {
                Ok(()) => {}
                // A WASI program's `main` may end with a successful exit.
                Err(e) if e.i32_exit_status() == Some(0) => {}
                Err(e) => return Err(format!("cannot initialise the guest: {start}: {e}")),
            }
        }
        let guest_call = instance
            .get_typed_func::<(i32, i32), i32>(&store, "__guest_call")
            .map_err(|e| format!("cannot initialise the guest: __guest_call: {e}"))?;
        let (Ok(op_len), Ok(len)) = (i32::try_from(operation.len()), i32::try_from(payload.len()))
        else {
            return Err(format!("{operation} failed: the request is too large"));
        };
        store.data_mut().request = Some((operation.as_bytes().to_vec(), payload.to_vec()));
        let status = guest_call
            .call(&mut store, (op_len, len))
            .map_err(|e| format!("{operation} failed: {e}"))?;
        let call = store.into_data();
        // As waPC's host reads the outcome: any status but 0 is success.
        match (status != 0, call.response, call.error) {
            (true, Some(response), _) => Ok(response),
            (_, _, Some(error)) => Err(format!("{operation} failed: {error}")),
            (true, None, None) => Err(format!("{operation} failed: the guest set no response")),
            (false, _, None) => Err(format!("{operation} failed: the guest set no error")),
        }
    }

    /// `validate` with a Kubernetes AdmissionRequest built around `object`.
    pub fn validate(&self, object: &Value, settings: &Value) -> Result<Response, String> {
        self.validate_with(object, settings, None)
    }

    /// `validate`, the guest's host capabilities answered by `host`.
    pub fn validate_with(
        &self,
        object: &Value,
        settings: &Value,
        host: Option<Arc<HostFn>>,
    ) -> Result<Response, String> {
        let out = self.call_with("validate", &validate_payload(object, settings), host)?;
        serde_json::from_slice(&out).map_err(|e| format!("unreadable response: {e}"))
    }

    pub fn validate_settings(&self, settings: &Value) -> Result<SettingsResponse, String> {
        let out = self.call(
            "validate_settings",
            &serde_json::to_vec(settings).expect("JSON"),
        )?;
        serde_json::from_slice(&out).map_err(|e| format!("unreadable response: {e}"))
    }
}

/// The payload of `validate`: the AdmissionRequest of a CREATE of `object`, and the settings.
pub fn validate_payload(object: &Value, settings: &Value) -> Vec<u8> {
    let payload = json!({
        "request": admission_request(object, "CREATE"),
        "settings": settings,
    });
    serde_json::to_vec(&payload).expect("JSON")
}

/// An `admission.k8s.io/v1` AdmissionRequest as the API server sends it (camelCase).
pub fn admission_request(object: &Value, operation: &str) -> Value {
    let api_version = object["apiVersion"].as_str().unwrap_or("");
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let kind = object["kind"].as_str().unwrap_or("");
    let resource = format!("{}s", kind.to_ascii_lowercase());
    let mut request = json!({
        "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {"group": group, "version": version, "resource": resource},
        "requestKind": {"group": group, "version": version, "kind": kind},
        "requestResource": {"group": group, "version": version, "resource": resource},
        "namespace": object["metadata"]["namespace"].as_str().unwrap_or("default"),
        "operation": operation,
        "userInfo": {"username": "alice", "groups": ["system:authenticated"]},
        "object": object,
        "dryRun": false,
    });
    // The API server leaves `name` out when the object has only a `generateName`.
    if let Some(name) = object["metadata"]["name"].as_str() {
        request["name"] = json!(name);
    }
    request
}

/// Every document of a YAML file as JSON values (the first document that is not valid YAML
/// fails the whole file).
pub fn yaml_documents(path: &Path) -> Result<Vec<Value>, String> {
    yaml_each(path)?.into_iter().collect()
}

/// Every document of a YAML file, each as a JSON value or the reason it is not valid YAML.
pub fn yaml_each(path: &Path) -> Result<Vec<Result<Value, String>>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(tekton_buildah_core::yaml::load_documents(&text)
        .into_iter()
        .map(|d| {
            d.map(|d| d.value.to_serde())
                .map_err(|e| format!("{}: {e}", path.display()))
        })
        .collect())
}
