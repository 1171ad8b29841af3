//! Loads `policy.wasm` the way Kubewarden's policy-evaluator does — wasmtime through the
//! `wasmtime-provider` waPC engine, `wapc_init` on instantiation, then the `validate`,
//! `validate_settings` and `protocol_version` calls — and gives tests a typed view of the
//! answers.
//!
//! Like policy-server, every call gets a fresh instance of the pre-compiled module.
//!
//! The request and answer types, the AdmissionRequest and the YAML reading are `policy-run`'s
//! (the quick host `make run` uses), re-exported here: both hosts send the same bytes.

pub use policy_run::{
    Response, SettingsResponse, admission_request, default_wasm, read_module, repo_root,
    validate_payload, yaml_documents, yaml_each,
};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
pub use wasmtime_provider::wasmtime;
use wasmtime_provider::{EpochDeadlines, WasmtimeEngineProviderBuilder, WasmtimeEngineProviderPre};

pub struct Policy {
    pre: WasmtimeEngineProviderPre,
    deadlines: Option<EpochDeadlines>,
    ticker: Option<Ticker>,
}

/// Advances the engine's epoch on a timer, as policy-server does for `--policy-timeout`.
struct Ticker {
    stop: Arc<AtomicBool>,
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Resource bounds for [`Policy::load_limited`].
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest linear memory the module may have.
    pub memory_bytes: u64,
    /// Longest a call may run before it is interrupted.
    pub deadline: Duration,
}

impl Policy {
    /// Compiles the module once, as policy-server does at boot.
    pub fn load(path: &Path) -> Result<Policy, String> {
        Policy::from_bytes(&read_module(path)?)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Policy, String> {
        Policy::with_builder(bytes, WasmtimeEngineProviderBuilder::new())
    }

    /// Compiles with a given wasmtime engine (a profiler, another allocation strategy).
    pub fn with_engine(bytes: &[u8], engine: wasmtime::Engine) -> Result<Policy, String> {
        Policy::with_builder(bytes, WasmtimeEngineProviderBuilder::new().engine(engine))
    }

    fn with_builder(
        bytes: &[u8],
        builder: WasmtimeEngineProviderBuilder,
    ) -> Result<Policy, String> {
        let pre = builder
            .module_bytes(bytes)
            .build_pre()
            .map_err(|e| format!("cannot compile the module: {e}"))?;
        Ok(Policy {
            pre,
            deadlines: None,
            ticker: None,
        })
    }

    /// Like [`Policy::load`], with a memory ceiling (linear memory cannot grow past it: the
    /// guest's allocation fails and the call traps) and an execution deadline (epoch
    /// interruption, like policy-server's `--policy-timeout`).
    pub fn load_limited(path: &Path, limits: Limits) -> Result<Policy, String> {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut config = wasmtime::Config::default();
        config
            .epoch_interruption(true)
            .memory_reservation(limits.memory_bytes)
            .memory_reservation_for_growth(0)
            .memory_may_move(false);
        let engine = wasmtime::Engine::new(&config).map_err(|e| e.to_string())?;
        let tick = Duration::from_millis(50);
        let ticks = (limits.deadline.as_millis() / tick.as_millis()).max(1) as u64;
        let deadlines = EpochDeadlines {
            wapc_init: ticks,
            wapc_func: ticks,
        };
        let pre = WasmtimeEngineProviderBuilder::new()
            .engine(engine.clone())
            .module_bytes(&bytes)
            .enable_epoch_interruptions(deadlines)
            .build_pre()
            .map_err(|e| format!("cannot compile the module: {e}"))?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(tick);
                engine.increment_epoch();
            }
        });
        Ok(Policy {
            pre,
            deadlines: Some(deadlines),
            ticker: Some(Ticker { stop }),
        })
    }

    /// One waPC call on a fresh instance (`wapc_init` runs first).
    pub fn call(&self, operation: &str, payload: &[u8]) -> Result<Vec<u8>, String> {
        self.call_with(operation, payload, None)
    }

    /// One waPC call on a fresh instance whose host answers Kubewarden's `kubernetes`
    /// capabilities from `cluster`.
    pub fn call_with(
        &self,
        operation: &str,
        payload: &[u8],
        cluster: Option<Arc<FakeCluster>>,
    ) -> Result<Vec<u8>, String> {
        let _ = &self.ticker;
        let engine = self
            .pre
            .rehydrate(self.deadlines)
            .map_err(|e| format!("cannot instantiate: {e}"))?;
        let host = wapc::WapcHost::new(Box::new(engine), cluster.map(host_callback))
            .map_err(|e| format!("cannot initialise the guest: {e}"))?;
        host.call(operation, payload)
            .map_err(|e| format!("{operation} failed: {e}"))
    }

    /// `validate` on a fresh instance whose host is `cluster` (context-aware lookups).
    pub fn validate_in(
        &self,
        object: &Value,
        settings: &Value,
        cluster: &Arc<FakeCluster>,
    ) -> Result<Response, String> {
        let payload = validate_payload(object, settings);
        let out = self.call_with("validate", &payload, Some(cluster.clone()))?;
        serde_json::from_slice(&out).map_err(|e| format!("unreadable response: {e}"))
    }

    /// An instance kept for several calls (policy-server does not do this; for comparison).
    pub fn warm_host(&self) -> Result<wapc::WapcHost, String> {
        let engine = self
            .pre
            .rehydrate(self.deadlines)
            .map_err(|e| format!("cannot instantiate: {e}"))?;
        wapc::WapcHost::new(Box::new(engine), None)
            .map_err(|e| format!("cannot initialise the guest: {e}"))
    }

    /// `validate` with a Kubernetes AdmissionRequest built around `object`.
    pub fn validate(&self, object: &Value, settings: &Value) -> Result<Response, String> {
        self.validate_payload(&validate_payload(object, settings))
    }

    /// `validate` with a raw payload.
    pub fn validate_payload(&self, payload: &[u8]) -> Result<Response, String> {
        let out = self.call("validate", payload)?;
        serde_json::from_slice(&out).map_err(|e| format!("unreadable response: {e}"))
    }

    pub fn validate_settings(&self, settings: &Value) -> Result<SettingsResponse, String> {
        let out = self.call(
            "validate_settings",
            &serde_json::to_vec(settings).expect("JSON"),
        )?;
        serde_json::from_slice(&out).map_err(|e| format!("unreadable response: {e}"))
    }

    pub fn protocol_version(&self) -> Result<String, String> {
        let out = self.call("protocol_version", b"")?;
        serde_json::from_slice(&out).map_err(|e| format!("unreadable response: {e}"))
    }
}

/// The `.yaml` and `.yml` files below `dir`, sorted.
pub fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}

/// Settings with every rule that has a level lowered to a warning: accepted answers that
/// carry warnings.
pub fn every_rule_a_warning() -> Value {
    let rules: serde_json::Map<String, Value> = tekton_buildah_core::rules::RULES
        .iter()
        .filter(|r| r.id() != "invalid-object")
        .map(|r| (r.id().to_string(), json!({"level": "warning"})))
        .collect();
    json!({ "rules": rules })
}

/// What the waPC host callback returns.
type HostResult = Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>>;
/// The waPC host callback: (call id, binding, namespace, operation, payload).
type HostCallback = Box<dyn Fn(u64, &str, &str, &str, &[u8]) -> HostResult + Send + Sync>;

/// The host side of Kubewarden's context-aware capabilities, answering from fixture objects
/// the way policy-evaluator does: binding `kubewarden`, namespace `kubernetes`, operation
/// `get_resource` with a `GetResourceRequest` as JSON (`api_version`, `kind`, `name`,
/// `namespace`, `disable_cache`); the object as JSON, or an error string. Resources the
/// policy was not granted (`contextAwareResources`) are refused with the host's message.
#[derive(Debug, Default)]
pub struct FakeCluster {
    /// The objects in the cluster (each with its `metadata.namespace`, but ClusterTasks).
    pub objects: Vec<Value>,
    /// `(apiVersion, kind)` the policy may read; empty: the policy's `metadata.yml` grants.
    pub granted: Vec<(String, String)>,
    /// Every lookup fails with this (the API server does not answer).
    pub failing: Option<String>,
    /// The requests the guest made, in order.
    pub requests: std::sync::Mutex<Vec<Value>>,
}

impl FakeCluster {
    pub fn new(objects: Vec<Value>) -> Arc<FakeCluster> {
        Arc::new(FakeCluster {
            objects,
            granted: granted_in_metadata(),
            ..FakeCluster::default()
        })
    }

    /// Answers a host call as policy-evaluator does: only `kubewarden/kubernetes/get_resource`.
    pub fn host_call(
        &self,
        binding: &str,
        namespace: &str,
        operation: &str,
        payload: &[u8],
    ) -> Result<Vec<u8>, String> {
        match (binding, namespace, operation) {
            ("kubewarden", "kubernetes", "get_resource") => self.get_resource(payload),
            ("kubewarden", "kubernetes", op) => Err(format!("unknown operation: {op}")),
            ("kubewarden", ns, _) => Err(format!("unknown namespace: {ns}")),
            (b, _, _) => Err(format!("unknown binding: {b}")),
        }
    }

    /// Answers one `get_resource` request.
    pub fn get_resource(&self, payload: &[u8]) -> Result<Vec<u8>, String> {
        let req: Value =
            serde_json::from_slice(payload).map_err(|e| format!("invalid request: {e}"))?;
        self.requests.lock().unwrap().push(req.clone());
        let field = |k: &str| req[k].as_str().map(str::to_string);
        let (Some(api_version), Some(kind), Some(name)) =
            (field("api_version"), field("kind"), field("name"))
        else {
            return Err(format!("invalid request: {req}"));
        };
        if !req["disable_cache"].is_boolean() {
            return Err("invalid request: missing field `disable_cache`".into());
        }
        let namespace = field("namespace");
        if !self
            .granted
            .iter()
            .any(|(a, k)| *a == api_version && *k == kind)
        {
            return Err(format!(
                "Policy has not been granted access to Kubernetes {api_version}/{kind} resources. The violation has been reported."
            ));
        }
        if let Some(e) = &self.failing {
            return Err(e.clone());
        }
        let group = |a: &str| a.split('/').next().unwrap_or("").to_string();
        let found = self.objects.iter().find(|o| {
            group(o["apiVersion"].as_str().unwrap_or("")) == group(&api_version)
                && o["kind"] == kind.as_str()
                && o["metadata"]["name"] == name.as_str()
                && o["metadata"]["namespace"].as_str().map(str::to_string) == namespace
        });
        match found {
            Some(o) => Ok(serde_json::to_vec(o).expect("JSON")),
            None => Err(format!(
                "Cannot find {api_version}/{kind} named '{name}' inside of namespace '{namespace:?}'"
            )),
        }
    }
}

/// `contextAwareResources` of the repository's `metadata.yml`.
pub fn granted_in_metadata() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repo_root().join("metadata.yml")).unwrap_or_default();
    let doc = tekton_buildah_core::yaml::load(&text)
        .ok()
        .and_then(|d| d.into_iter().next())
        .map(|d| d.value.to_serde())
        .unwrap_or(Value::Null);
    doc["contextAwareResources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| {
            Some((
                r["apiVersion"].as_str()?.to_string(),
                r["kind"].as_str()?.to_string(),
            ))
        })
        .collect()
}

/// policy-evaluator's waPC host callback, with the `kubernetes` capabilities of `cluster`.
fn host_callback(cluster: Arc<FakeCluster>) -> HostCallback {
    Box::new(move |_id, binding, namespace, operation, payload| {
        cluster
            .host_call(binding, namespace, operation, payload)
            .map_err(Into::into)
    })
}

/// policy.wasm's answers to `validate`, as policy-server gets them: through the real waPC
/// entry point with the request arena active, on a warm instance that serves several
/// requests in a row (renewed every `renew_every`) and, every `fresh_every` requests, also
/// on a fresh instance.
pub struct WasmAnswers {
    policy: Policy,
    warm: wapc::WapcHost,
    /// Requests answered so far.
    pub requests: u64,
    /// Requests also answered by a fresh instance.
    pub fresh: u64,
    /// Warm instances used so far.
    pub instances: u64,
    pub renew_every: u64,
    pub fresh_every: u64,
}

impl WasmAnswers {
    pub fn new(policy: Policy, renew_every: u64, fresh_every: u64) -> Result<WasmAnswers, String> {
        let warm = policy.warm_host()?;
        Ok(WasmAnswers {
            policy,
            warm,
            requests: 0,
            fresh: 0,
            instances: 1,
            renew_every: renew_every.max(1),
            fresh_every: fresh_every.max(1),
        })
    }

    /// The answers to `payload`, each with which instance gave it, or why it gave none.
    pub fn answer(&mut self, payload: &[u8]) -> Vec<(String, Result<Vec<u8>, String>)> {
        let nth = self.requests;
        self.requests += 1;
        let mut out = Vec::with_capacity(2);
        if nth > 0 && nth.is_multiple_of(self.renew_every) {
            match self.policy.warm_host() {
                Ok(host) => {
                    self.warm = host;
                    self.instances += 1;
                }
                Err(e) => out.push((format!("request {nth} on a new warm instance"), Err(e))),
            }
        }
        out.push((
            format!("request {nth} on a warm instance"),
            self.warm
                .call("validate", payload)
                .map_err(|e| e.to_string()),
        ));
        if nth.is_multiple_of(self.fresh_every) {
            self.fresh += 1;
            out.push((
                format!("request {nth} on a fresh instance"),
                self.policy.call("validate", payload),
            ));
        }
        out
    }
}

/// policy.wasm against the native policy on the same `validate` payloads: the answers must
/// be the same bytes. The native side is the same adapter code
/// (`tekton_buildah_policy::validate_json`, what the entry point returns) with the system
/// allocator.
pub struct Differential {
    pub wasm: WasmAnswers,
}

impl Differential {
    pub fn new(policy: Policy, renew_every: u64, fresh_every: u64) -> Result<Differential, String> {
        Ok(Differential {
            wasm: WasmAnswers::new(policy, renew_every, fresh_every)?,
        })
    }

    /// Answers `payload` natively and in policy.wasm; the error says how they differ.
    pub fn check(&mut self, payload: &[u8]) -> Result<(), String> {
        let native = tekton_buildah_policy::validate_json(payload)
            .map_err(|e| format!("the native answer is not JSON: {e}"))?;
        for (which, answer) in self.wasm.answer(payload) {
            let answer = answer.map_err(|e| format!("{which} failed: {e}"))?;
            compare_answers(&native, &answer, &which)?;
        }
        Ok(())
    }
}

/// `Ok` when the two answers are the same bytes, else both, readably.
pub fn compare_answers(native: &[u8], wasm: &[u8], which: &str) -> Result<(), String> {
    if native == wasm {
        return Ok(());
    }
    let show = |b: &[u8]| match serde_json::from_slice::<Response>(b) {
        Ok(r) => format!("{r:?}"),
        Err(_) => String::from_utf8_lossy(b).into_owned(),
    };
    Err(format!(
        "{which}: policy.wasm and the native policy answer differently\n  native: {}\n  wasm:   {}",
        show(native),
        show(wasm)
    ))
}
