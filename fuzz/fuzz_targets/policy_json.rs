//! Arbitrary bytes as the `validate` and `validate_settings` payloads of the policy: every
//! input gets an answer (a trap would be a failed admission).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let r = tekton_buildah_policy::validate(data);
    if !r.accepted {
        assert!(r.message.as_deref().is_some_and(|m| !m.is_empty()), "a rejection says why");
    }
    let s = tekton_buildah_policy::validate_settings(data);
    if !s.valid {
        assert!(s.message.is_some(), "invalid settings say why");
    }
});
