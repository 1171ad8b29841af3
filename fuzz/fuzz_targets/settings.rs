//! Settings objects, from arbitrary JSON and from structure-aware values built on the real
//! keys: validation reports problems with messages, never panics, and accepted settings work.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use tekton_buildah_core::{Settings, check_object};

const WORDS: &[&str] = &[
    "requiredEnv", "allowedCapabilities", "requiredCapabilities", "mandatoryFlags",
    "computeResources", "buildahImages", "rules", "name", "valuePattern", "inWorkspace",
    "level", "error", "warning", "off", "global", "build", "bud", "push", "manifest push",
    "--squash", "--layers=false", "--format=oci", "--digestfile", "--root", "-f", "--ulimit nofile=1:2",
    "SETFCAP", "CAP_SYS_ADMIN", "ALL", "memory", "cpu", "*buildah*", "^vfs$", "(", "[a-", "\\", "",
    "buildah-root-missing", "invalid-object", "requests", "limits", "BUILDAH_STORAGE_ROOT",
];

fn value(u: &mut Unstructured<'_>, depth: u32) -> arbitrary::Result<Value> {
    let word = |u: &mut Unstructured<'_>| -> arbitrary::Result<String> {
        Ok(if u.ratio(3, 4)? {
            (*u.choose(WORDS)?).to_string()
        } else {
            String::arbitrary(u)?
        })
    };
    Ok(match u.int_in_range(0..=6)? {
        _ if depth > 4 => json!(word(u)?),
        0 => Value::Null,
        1 => json!(bool::arbitrary(u)?),
        2 => json!(i64::arbitrary(u)?),
        3 | 4 => json!(word(u)?),
        5 => {
            let n = u.int_in_range(0..=4)?;
            Value::Array((0..n).map(|_| value(u, depth + 1)).collect::<Result<_, _>>()?)
        }
        _ => {
            let n = u.int_in_range(0..=5)?;
            let mut m = serde_json::Map::new();
            for _ in 0..n {
                m.insert(word(u)?, value(u, depth + 1)?);
            }
            Value::Object(m)
        }
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = serde_json::from_slice::<Value>(data) {
        let _ = Settings::from_json_checked(&v);
    }
    let mut u = Unstructured::new(data);
    let Ok(v) = value(&mut u, 0) else { return };
    match Settings::from_json_checked(&v) {
        Ok(settings) => {
            let task = json!({
                "apiVersion": "tekton.dev/v1", "kind": "Task", "metadata": {"name": "t"},
                "spec": {"steps": [{"name": "b", "image": "quay.io/buildah/stable",
                    "script": "buildah --root /r bud --squash .\nbuildah push img docker://x"}]}
            });
            let _ = check_object(&task, &settings).rejection_message();
        }
        Err(e) => assert!(!e.problems.is_empty()),
    }
});
