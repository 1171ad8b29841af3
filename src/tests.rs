//! The adapter natively: payload decoding and the report → response mapping. The same code
//! runs in policy.wasm, where `e2e-tests` checks it again through the waPC runtime.

use super::*;
use serde_json::{Value, json};
use std::borrow::Cow;
use tekton_buildah_core::json::Value as Doc;

fn payload(object: Value, settings: Value) -> Vec<u8> {
    serde_json::to_vec(
        &json!({"request": {"operation": "CREATE", "object": object}, "settings": settings}),
    )
    .unwrap()
}

fn task(script: &str, privileged: bool) -> Value {
    json!({
        "apiVersion": "tekton.dev/v1", "kind": "Task", "metadata": {"name": "t"},
        "spec": {"steps": [{
            "name": "build", "image": "alpine", "script": script,
            "securityContext": {"privileged": privileged}
        }]}
    })
}

#[test]
fn errors_reject_with_one_message() {
    let r = validate(&payload(task("true", true), json!({})));
    assert!(!r.accepted);
    assert_eq!(
        r.message.as_deref(),
        Some(
            "1 problem: [privileged-container] step \"build\" (spec.steps[0]): runs privileged (`privileged: true`); remove it and add only `SETFCAP` to `securityContext.capabilities.add`"
        )
    );
    assert_eq!(r.code, None);
    assert!(r.mutated_object.is_none());
}

#[test]
fn warnings_ride_on_an_accepted_response() {
    let settings = json!({"rules": {"privileged-container": {"level": "warning"}}});
    let r = validate(&payload(task("true", true), settings));
    assert!(r.accepted);
    assert_eq!(r.message, None);
    let w = r.warnings.unwrap();
    assert_eq!(w.len(), 1);
    assert!(w[0].starts_with("[privileged-container] step \"build\""));
}

#[test]
fn clean_objects_are_accepted_without_warnings() {
    let r = validate(&payload(task("true", false), json!({})));
    assert!(r.accepted && r.warnings.is_none() && r.message.is_none());
}

#[test]
fn bad_settings_in_a_request_reject_with_the_settings_message() {
    let r = validate(&payload(task("true", false), json!({"rules": 1})));
    assert!(!r.accepted);
    assert_eq!(
        r.message.as_deref(),
        Some(
            "1 problem in settings: rules: expected an object of rule id to `{level: …}`, found a number"
        )
    );
}

#[test]
fn settings_validation_answers() {
    assert!(validate_settings(b"{}").valid);
    let r = validate_settings(br#"{"buildahImages": "x"}"#);
    assert!(!r.valid);
    assert_eq!(
        r.message.as_deref(),
        Some("1 problem in settings: buildahImages: expected a list of strings, found a string")
    );
    let r = validate_settings(b"{");
    assert!(!r.valid);
    assert!(
        r.message
            .unwrap()
            .starts_with("settings are not valid JSON: ")
    );
}

#[test]
fn the_request_is_read_in_place() {
    let bytes = br#"{"request": {"uid": "1", "userInfo": {"groups": ["a"]},
        "object": {"kind": "Task", "metadata": {"name": "a\"b"}}}, "settings": {}}"#;
    let p: Payload<'_> = serde_json::from_slice(bytes).unwrap();
    let object = &p.request.object;
    // Plain strings point into the payload; only the escaped one is copied.
    assert!(matches!(
        object.get("kind"),
        Some(Doc::String(Cow::Borrowed("Task")))
    ));
    let name = object.get("metadata").and_then(|m| m.get("name"));
    assert!(matches!(name, Some(Doc::String(Cow::Owned(n))) if n == "a\"b"));
}

#[test]
fn a_key_written_twice_has_its_last_value() {
    // As serde_json reads it: the second `privileged` counts.
    let text = br#"{"request": {"object": {"apiVersion": "tekton.dev/v1", "kind": "Task",
        "spec": {"steps": [{"name": "build", "image": "alpine", "script": "true",
        "securityContext": {"privileged": true, "privileged": false}}]}}}}"#;
    let r = validate(text);
    assert!(r.accepted, "{:?}", r.message);
    let flipped = String::from_utf8_lossy(text)
        .replace("true, \"privileged\": false", "false, \"privileged\": true");
    assert!(!validate(flipped.as_bytes()).accepted);
}

#[test]
fn a_request_that_is_not_utf8_is_rejected_with_where() {
    let mut bytes = payload(task("echo caf\u{e9}", false), json!({}));
    let at = bytes.windows(2).position(|w| w == "é".as_bytes()).unwrap();
    bytes[at] = 0xff;
    let r = validate(&bytes);
    assert!(!r.accepted);
    let message = r.message.unwrap();
    assert!(
        message.starts_with("the admission request could not be read: it is not UTF-8")
            && message.contains(&format!("index {at}")),
        "{message}"
    );
}

#[test]
fn the_direct_reader_and_serde_json_read_a_payload_alike() {
    let bytes = payload(
        task("buildah bud -t x .", false),
        json!({"buildahImages": ["*"]}),
    );
    let text = std::str::from_utf8(&bytes).unwrap();
    let direct = read_payload(text).expect("read directly");
    let serde: Payload<'_> = serde_json::from_str(text).unwrap();
    assert_eq!(direct.settings, serde.settings);
    assert_eq!(direct.request.object, serde.request.object);
    // The rest of the request is passed over, not built, but it must still be JSON.
    let extra = text.replacen(
        "{\"request\":{",
        "{\"request\":{\"userInfo\":{\"groups\":[1,2]},",
        1,
    );
    assert!(read_payload(&extra).is_some());
    assert!(
        read_payload(&text.replacen("{\"request\":{", "{\"request\":{\"uid\":01,", 1)).is_none()
    );
}

#[test]
fn a_field_given_twice_is_refused_as_serde_json_refuses_it() {
    for twice in [
        r#"{"request": {"object": null}, "request": {}}"#,
        r#"{"settings": {}, "settings": {}, "request": {}}"#,
        r#"{"request": {"object": {}, "object": {}}}"#,
    ] {
        assert!(read_payload(twice).is_none(), "{twice}");
        let r = validate(twice.as_bytes());
        assert!(!r.accepted);
        assert!(r.message.unwrap().contains("duplicate field"), "{twice}");
    }
}

mod cluster {
    use crate::cluster::Cluster;
    use std::borrow::Cow;
    use tekton_buildah_core::refs::{Failure, RefKey, RefKind, Resolver};

    fn key(kind: RefKind, namespace: Option<&str>) -> RefKey {
        RefKey {
            kind,
            name: "buildah".into(),
            namespace: namespace.map(str::to_string),
        }
    }

    #[test]
    fn the_lookup_is_the_request_the_sdk_sends() {
        use kubewarden_policy_sdk::host_capabilities::kubernetes::GetResourceRequest;
        let cluster = Cluster::new(Some("ci".into()), |_| Err("unused".into()));
        for (k, ns, api, want_ns) in [
            (RefKind::Task, None, "tekton.dev/v1", Some("ci")),
            (
                RefKind::Pipeline,
                Some("other"),
                "tekton.dev/v1",
                Some("other"),
            ),
            (RefKind::ClusterTask, Some("ci"), "tekton.dev/v1beta1", None),
            (RefKind::StepAction, None, "tekton.dev/v1beta1", Some("ci")),
        ] {
            let key = key(k, ns);
            let sdk = GetResourceRequest {
                api_version: api.into(),
                kind: k.as_str().into(),
                name: "buildah".into(),
                namespace: want_ns.map(str::to_string),
                disable_cache: false,
                field_masks: None,
            };
            assert_eq!(
                serde_json::to_value(cluster.request(&key)).unwrap(),
                serde_json::to_value(&sdk).unwrap()
            );
        }
    }

    #[test]
    fn the_hosts_answers_are_read() {
        let found = Cluster::new(None, |_| {
            Ok(br#"{"apiVersion":"tekton.dev/v1","kind":"Task","metadata":{"name":"buildah"},"spec":{}}"#.to_vec())
        });
        let v = found.resolve(&key(RefKind::Task, Some("ci"))).unwrap();
        assert_eq!(v.get("kind").and_then(|k| k.as_str()), Some("Task"));
        assert!(matches!(v, Cow::Owned(_)));
        // policy-evaluator's words for a missing object.
        let missing = Cluster::new(None, |_| {
            Err(
                "Cannot find tekton.dev/v1/Task named 'buildah' inside of namespace 'Some(\"ci\")'"
                    .into(),
            )
        });
        assert_eq!(
            missing.resolve(&key(RefKind::Task, Some("ci"))).err(),
            Some(Failure::NotFound)
        );
        let denied = Cluster::new(None, |_| {
            Err("Policy has not been granted access to Kubernetes tekton.dev/v1/Task resources. The violation has been reported.".into())
        });
        assert!(matches!(
            denied.resolve(&key(RefKind::Task, Some("ci"))),
            Err(Failure::Error(e)) if e.contains("has not been granted access")
        ));
        let garbage = Cluster::new(None, |_| Ok(b"<html>".to_vec()));
        assert!(matches!(
            garbage.resolve(&key(RefKind::Task, None)),
            Err(Failure::Error(e)) if e.contains("could not be read")
        ));
    }
}
