//! Looking up what a run refers to in the cluster, through Kubewarden's host capability
//! `kubernetes/get_resource` (waPC binding `kubewarden`, namespace `kubernetes`). The host only
//! answers for resources the policy was granted in `contextAwareResources`, and caches answers
//! for a few seconds.
//!
//! The request is the one `kubewarden-policy-sdk` sends from
//! `host_capabilities::kubernetes::get_resource`; that module is compiled only with the SDK's
//! `cluster-context` feature, which also links k8s-openapi into policy.wasm for types this
//! policy never uses, so the same call is made here. A test checks the request against the
//! SDK's own type.

use serde::Serialize;
use std::borrow::Cow;
use tekton_buildah_core::json::Value;
use tekton_buildah_core::refs::{Failure, RefKey, Resolver};

/// `GetResourceRequest` as the host reads it.
#[derive(Debug, Serialize)]
pub struct GetResourceRequest<'a> {
    pub api_version: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    /// `None` for cluster-wide kinds (ClusterTask).
    pub namespace: Option<&'a str>,
    pub disable_cache: bool,
    /// The whole object is wanted.
    pub field_masks: Option<Vec<&'a str>>,
}

/// One host call: payload in, answer or the host's error out.
pub type HostCall = fn(&[u8]) -> Result<Vec<u8>, String>;

/// The cluster, as the policy sees it through its host.
pub struct Cluster {
    /// The admission request's namespace: where a run's references are looked up when the
    /// object itself names none.
    namespace: Option<String>,
    call: HostCall,
}

impl Cluster {
    pub fn new(namespace: Option<String>, call: HostCall) -> Cluster {
        Cluster { namespace, call }
    }

    /// The request for a key.
    pub fn request<'a>(&'a self, key: &'a RefKey) -> GetResourceRequest<'a> {
        GetResourceRequest {
            api_version: key.kind.api_version(),
            kind: key.kind.as_str(),
            name: &key.name,
            namespace: if key.kind.namespaced() {
                key.namespace.as_deref().or(self.namespace.as_deref())
            } else {
                None
            },
            disable_cache: false,
            field_masks: None,
        }
    }
}

impl Resolver<'static> for Cluster {
    fn resolve(&self, key: &RefKey) -> Result<Cow<'static, Value<'static>>, Failure> {
        let payload = serde_json::to_vec(&self.request(key))
            .map_err(|e| Failure::Error(format!("the lookup could not be written: {e}")))?;
        let answer = (self.call)(&payload).map_err(|e| {
            // The host's words for a missing object (policy-evaluator's kubernetes client).
            if e.contains("Cannot find ") {
                Failure::NotFound
            } else {
                Failure::Error(e)
            }
        })?;
        let value: Value<'_> = serde_json::from_slice(&answer).map_err(|e| {
            Failure::Error(format!("the API server's answer could not be read: {e}"))
        })?;
        Ok(Cow::Owned(value.into_owned()))
    }

    fn place(&self) -> &'static str {
        "in the cluster"
    }
}

/// `kubewarden/kubernetes/get_resource` through waPC.
#[cfg(target_arch = "wasm32")]
pub fn host_get_resource(payload: &[u8]) -> Result<Vec<u8>, String> {
    kubewarden_policy_sdk::wapc_guest::host_call(
        "kubewarden",
        "kubernetes",
        "get_resource",
        payload,
    )
    .map_err(|e| {
        // waPC's wrapping of the host's message.
        let e = e.to_string();
        e.strip_prefix("Host error: ")
            .map(str::to_string)
            .unwrap_or(e)
    })
}

/// Outside Wasm there is no host: every lookup fails, saying so.
#[cfg(not(target_arch = "wasm32"))]
pub fn host_get_resource(_payload: &[u8]) -> Result<Vec<u8>, String> {
    Err("no Kubewarden host to ask (not running as a policy)".into())
}
