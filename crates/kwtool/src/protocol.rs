//! Asks a policy which waPC protocol it speaks, the way kwctl does before annotating: load the
//! module in wasmtime through the waPC engine (the runtime of Kubewarden's policy-evaluator and
//! of this repository's e2e harness), let `wapc_init` run, then call `protocol_version`.

use crate::error::{Error, Result};
use crate::metadata::ProtocolVersion;
use wasmtime_provider::WasmtimeEngineProviderBuilder;

pub fn detect(module: &[u8]) -> Result<ProtocolVersion> {
    let engine = WasmtimeEngineProviderBuilder::new()
        .module_bytes(module)
        .build()
        .map_err(|e| Error::Protocol {
            message: format!("wasmtime cannot load it: {e}"),
        })?;
    let host = wapc::WapcHost::new(Box::new(engine), None).map_err(|e| Error::Protocol {
        message: format!("the waPC host cannot initialise it: {e}"),
    })?;
    let answer = host
        .call("protocol_version", b"")
        .map_err(|e| Error::Protocol {
            message: format!("the call failed: {e}"),
        })?;
    match serde_json::from_slice::<ProtocolVersion>(&answer) {
        Ok(ProtocolVersion::Unknown) | Err(_) => Err(Error::Protocol {
            message: format!(
                "it answered {:?}, which is not a protocol version Kubewarden knows (\"v1\")",
                String::from_utf8_lossy(&answer)
            ),
        }),
        Ok(v) => Ok(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_that_is_not_a_wapc_guest_gets_a_clear_error() {
        let err = detect(&crate::wasm::tests::sample_module()).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("cannot ask the module for its waPC protocol version"),
            "{text}"
        );
    }
}
