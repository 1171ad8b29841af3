//! A Kubewarden policy that only decodes the admission request (as the SDK's policies do)
//! and accepts it: what any waPC policy pays per request, the floor `make bench` compares
//! tekton-buildah-policy against.

use kubewarden_policy_sdk::request::ValidationRequest;
use kubewarden_policy_sdk::wapc_guest::{CallResult, register_function};
use kubewarden_policy_sdk::{accept_request, protocol_version_guest, reject_request};

#[unsafe(no_mangle)]
pub extern "C" fn wapc_init() {
    register_function("validate", validate);
    register_function("validate_settings", validate_settings);
    register_function("protocol_version", protocol_version_guest);
}

fn validate(payload: &[u8]) -> CallResult {
    match ValidationRequest::<serde_json::Value>::new(payload) {
        Ok(_) => accept_request(),
        Err(e) => reject_request(Some(e.to_string()), None, None, None),
    }
}

fn validate_settings(_payload: &[u8]) -> CallResult {
    Ok(br#"{"valid":true}"#.to_vec())
}
