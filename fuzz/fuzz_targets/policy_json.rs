//! Arbitrary bytes as the `validate` and `validate_settings` payloads of the policy: every
//! input gets an answer (a trap would be a failed admission). And the direct JSON reader,
//! whenever it reads a text, reads it as serde_json does.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Some(direct) = tekton_buildah_core::json::Reader::document(text)
    {
        let serde = serde_json::from_str::<tekton_buildah_core::json::Value<'_>>(text);
        assert_eq!(serde.ok().as_ref(), Some(&direct), "read differently");
    }
    let r = tekton_buildah_policy::validate(data);
    if !r.accepted {
        assert!(r.message.as_deref().is_some_and(|m| !m.is_empty()), "a rejection says why");
    }
    let s = tekton_buildah_policy::validate_settings(data);
    if !s.valid {
        assert!(s.message.is_some(), "invalid settings say why");
    }
});
