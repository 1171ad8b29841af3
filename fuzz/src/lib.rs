//! What the fuzz targets share.

use tekton_buildah_core::json;

/// `v` as the engine's own JSON value with every object's keys in reverse order: serde_json
/// keeps them sorted, so the engine sees them unsorted. JSON leaves the order of keys open, so
/// the findings must not change.
pub fn keys_reversed(v: &serde_json::Value) -> json::Value<'static> {
    match v {
        serde_json::Value::Object(m) => {
            let mut out = json::Map::new();
            for (k, x) in m.iter().rev() {
                out.push(k.clone(), keys_reversed(x));
            }
            json::Value::Object(out)
        }
        serde_json::Value::Array(items) => {
            json::Value::Array(items.iter().map(keys_reversed).collect())
        }
        other => json::Value::from(other).into_owned(),
    }
}
