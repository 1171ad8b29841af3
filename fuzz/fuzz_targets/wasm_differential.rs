//! policy.wasm against the native policy on generated admission requests: the answers must
//! be the same bytes (accepted flag, message, warnings). The wasm side runs the real waPC
//! entry point with the request arena active, as policy-server runs it, on a warm instance
//! that serves many requests in a row (a new one every 64 requests) and, every 16th request,
//! also on a fresh instance; a call past 5 seconds counts as a difference. Inputs are the
//! structured Tekton objects of policy_structured (the shared generator), under one of a few
//! settings, and the raw bytes as a payload of their own.
//!
//! policy.wasm runs in `wasm-oracle` (e2e-tests), a process of its own: `$WASM_ORACLE` and
//! `$POLICY_WASM`, else the repository's (fuzz/run.sh builds both).
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use std::sync::Mutex;
use tekton_buildah_core::rules::RULES;
use tekton_buildah_fuzz::oracle::Oracle;
use tekton_buildah_fuzz::{Object, object};

static ORACLE: Mutex<Option<Oracle>> = Mutex::new(None);

/// Settings a request may carry: the defaults, every rule a warning, `buildah-unanalyzable`
/// an error on any image, and settings that are not valid (a rejection that names them).
fn settings(i: u8) -> Value {
    match i % 4 {
        0 => json!({}),
        1 => {
            let rules: serde_json::Map<String, Value> = RULES
                .iter()
                .filter(|r| r.id() != "invalid-object")
                .map(|r| (r.id().to_string(), json!({"level": "warning"})))
                .collect();
            json!({ "rules": rules })
        }
        2 => json!({"rules": {"buildah-unanalyzable": {"level": "error"}}, "buildahImages": ["*"]}),
        _ => json!({"mandatoryFlags": {"build": ["--sqush"]}}),
    }
}

fn check(oracle: &mut Oracle, payload: &[u8]) {
    let native = tekton_buildah_policy::validate_json(payload).expect("the native answer is JSON");
    let answers = oracle.answers(payload).unwrap_or_else(|e| panic!("{e}"));
    for a in answers {
        match a.answer {
            Ok(wasm) if wasm == native => {}
            Ok(wasm) => panic!(
                "{}: policy.wasm and the native policy answer differently\n  native: {}\n  wasm:   {}\npayload: {}",
                a.which,
                String::from_utf8_lossy(&native),
                String::from_utf8_lossy(&wasm),
                String::from_utf8_lossy(payload)
            ),
            Err(e) => panic!("{} failed: {e}\npayload: {}", a.which, String::from_utf8_lossy(payload)),
        }
    }
}

fuzz_target!(
    init: {
        // Compiling the module takes seconds: once, before the first input.
        let oracle = Oracle::spawn(&["--renew", "64", "--fresh", "16"]).unwrap_or_else(|e| panic!("{e}"));
        *ORACLE.lock().unwrap() = Some(oracle);
    },
    |data: &[u8]| {
        let mut guard = ORACLE.lock().unwrap();
        let oracle = guard.as_mut().expect("initialised");
        let mut u = Unstructured::new(data);
        if let Ok(o) = Object::arbitrary(&mut u) {
            let s = u.arbitrary::<u8>().unwrap_or(0);
            let payload = json!({
                "request": {"operation": "CREATE", "object": object(&o, "")},
                "settings": settings(s),
            });
            check(oracle, &serde_json::to_vec(&payload).unwrap());
        }
        check(oracle, data);
    }
);
