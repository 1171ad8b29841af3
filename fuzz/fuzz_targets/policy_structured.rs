//! Structure-aware Tekton objects (Tasks, runs, pipelines, StepActions with steps built from
//! shell and buildah fragments) through the rules and the policy adapter. Oracles: an answer
//! for everything, determinism (whatever the order of keys), and that a comment or an `echo`
//! appended to every script never changes the findings.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use serde_json::json;
use std::sync::OnceLock;
use tekton_buildah_core::{Settings, check_object};
use tekton_buildah_fuzz::{Object, ends_continued, keys_reversed, object};

fn settings() -> &'static Settings {
    static S: OnceLock<Settings> = OnceLock::new();
    S.get_or_init(Settings::default)
}

fuzz_target!(|data: &[u8]| {
    let Ok(o) = Object::arbitrary(&mut Unstructured::new(data)) else { return };
    let plain = object(&o, "");
    let report = check_object(&plain, settings());
    // Again, with the keys of every object in another order: the same findings.
    let again = check_object(&keys_reversed(&plain), settings());
    assert_eq!(report.findings, again.findings, "deterministic, whatever the order of keys");
    // A comment and an echo at the end of every script change nothing, unless a script does
    // not parse or its last line ends in a backslash: then the appended lines become part of
    // the unfinished construct, as they would in the shell.
    if report.findings.iter().any(|f| f.message.contains("does not parse")) || ends_continued(&plain) {
        return;
    }
    let noisy = object(&o, "\n# buildah push img --root /elsewhere\necho \"buildah bud --layers\"\n");
    let noisy_report = check_object(&noisy, settings());
    // The two lines cost analysis work too: a script just under the work budget may go over.
    if noisy_report.findings.iter().any(|f| f.message.contains("too large or repetitive to follow")) {
        return;
    }
    let key = |f: &tekton_buildah_core::Finding| (f.rule, f.path.clone(), f.message.clone());
    let a: Vec<_> = report.findings.iter().map(key).collect();
    let b: Vec<_> = noisy_report.findings.iter().map(key).collect();
    assert_eq!(a, b, "a comment or an echo changed the findings of {plain}");
    // Through the policy adapter, as an admission request.
    let payload = json!({"request": {"operation": "CREATE", "object": plain}, "settings": {}});
    let r = tekton_buildah_policy::validate(&serde_json::to_vec(&payload).unwrap());
    assert_eq!(r.accepted, report.rejection_message().is_none());
});
