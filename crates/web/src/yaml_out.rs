//! Writing settings as YAML, and the ClusterAdmissionPolicy that runs the policy with them.
//!
//! Settings are small JSON values, so the writer is small: mappings in block style, lists of
//! plain values on one line (`[memory, cpu]`, as `policy.yaml` writes them), lists holding
//! mappings in block style, and strings quoted whenever a plain scalar could be read as
//! something else (a number, a boolean in YAML 1.1 or 1.2, an alias, a flow indicator, …).

use tekton_buildah_core::json::{Map, Value};
use tekton_buildah_core::settings::settings_in;
use tekton_buildah_core::yaml;

/// The repository's `policy.yaml`: its resource (module, rules, mode, …) is the template.
const POLICY: &str = include_str!("../../../policy.yaml");

/// The default settings as `policy.yaml` writes them out, in its order.
pub fn policy_settings() -> Value<'static> {
    yaml::load(POLICY)
        .ok()
        .and_then(|docs| docs.into_iter().next())
        .map_or(Value::Null, |d| settings_in(&d.value).clone())
}

/// Each key once with its last value, in the order written (a JavaScript object's order).
pub fn entries<'m, 'a>(map: &'m Map<'a>) -> impl Iterator<Item = (&'m str, &'m Value<'a>)> {
    let all = map.entries();
    all.iter()
        .enumerate()
        .filter(|(i, (k, _))| !all[i + 1..].iter().any(|(later, _)| later == k))
        .map(|(_, (k, v))| (k.as_ref(), v))
}

/// JSON text of a value, keys in the order written.
pub fn json_text(v: &Value<'_>) -> String {
    let mut out = String::new();
    write_json(&mut out, v);
    out
}

fn write_json(out: &mut String, v: &Value<'_>) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => quoted(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in entries(map).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                quoted(out, k);
                out.push(':');
                write_json(out, item);
            }
            out.push('}');
        }
    }
}

/// A JSON string: also a valid YAML double-quoted scalar.
fn quoted(out: &mut String, s: &str) {
    out.push_str(&serde_json::Value::String(s.to_string()).to_string());
}

/// A ClusterAdmissionPolicy running tekton-buildah-policy with `settings`: `policy.yaml`
/// with its settings replaced.
pub fn policy_yaml(settings: &Value<'_>) -> String {
    let mut out = String::from(
        "# A ClusterAdmissionPolicy running tekton-buildah-policy with the settings below\n\
         # (see README.md and docs/rules/ in the policy's repository).\n",
    );
    // From `apiVersion:` (after the file's header comment) up to `spec.settings`.
    let body = POLICY
        .find("\napiVersion:")
        .map_or(POLICY, |i| &POLICY[i + 1..]);
    let head = body.find("\n  settings:").map_or(body, |i| &body[..i + 1]);
    out.push_str(head);
    out.push_str("  settings:");
    write_value(&mut out, settings, 4);
    out.push('\n');
    out
}

/// `value` written after a key (`key:`): on the key's line when it fits there, else as block
/// lines (each starting with a line break) indented by `indent` spaces.
fn write_value(out: &mut String, value: &Value<'_>, indent: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in entries(map) {
                out.push('\n');
                push_indent(out, indent);
                scalar_text(out, k);
                out.push(':');
                write_value(out, v, indent + 2);
            }
        }
        Value::Array(items)
            if items
                .iter()
                .any(|v| matches!(v, Value::Object(_) | Value::Array(_))) =>
        {
            for item in items {
                out.push('\n');
                push_indent(out, indent);
                out.push('-');
                match item {
                    Value::Object(map) if !map.is_empty() => {
                        // The first key on the dash's line, the others under it.
                        let mut first = String::new();
                        write_value(&mut first, item, indent + 2);
                        out.push(' ');
                        out.push_str(first.trim_start());
                    }
                    _ => write_value(out, item, indent + 2),
                }
            }
        }
        Value::Array(items) => {
            out.push_str(" [");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                scalar(out, item);
            }
            out.push(']');
        }
        other => {
            out.push(' ');
            scalar(out, other);
        }
    }
}

/// The settings alone, as a YAML document.
pub fn settings_yaml(settings: &Value<'_>) -> String {
    match settings {
        Value::Object(map) if !map.is_empty() => {
            let mut lines = String::new();
            write_value(&mut lines, settings, 0);
            // Each line was written after a line break: move the first to the end.
            let mut out = lines.strip_prefix('\n').unwrap_or(&lines).to_string();
            out.push('\n');
            out
        }
        other => {
            let mut out = String::new();
            scalar(&mut out, other);
            out.push('\n');
            out
        }
    }
}

fn push_indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// A value on one line: a scalar, or an empty mapping or list.
fn scalar(out: &mut String, v: &Value<'_>) {
    match v {
        Value::String(s) => scalar_text(out, s),
        Value::Object(m) if m.is_empty() => out.push_str("{}"),
        Value::Array(a) if a.is_empty() => out.push_str("[]"),
        // Numbers, booleans and null as JSON writes them (valid YAML); a collection inside a
        // flow list is never written (such lists are written in block style).
        other => write_json(out, other),
    }
}

/// A string, plain when it reads back as the same string, else double-quoted (a JSON string
/// is a valid YAML double-quoted scalar).
fn scalar_text(out: &mut String, s: &str) {
    if is_plain(s) {
        out.push_str(s);
    } else {
        quoted(out, s);
    }
}

fn is_plain(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
    ];
    let Some(first) = s.chars().next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '_' || first == '/')
        && !s.ends_with(' ')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ' '))
        && !WORDS.contains(&s.to_ascii_lowercase().as_str())
        && !s.contains("  ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read_back(text: &str) -> serde_json::Value {
        yaml::load(text).unwrap()[0].value.to_serde()
    }

    #[test]
    fn settings_read_back_as_written() {
        let cases = [
            tekton_buildah_core::settings::defaults_json(),
            json!({}),
            json!({"rules": {"buildah-root-missing": {"level": "off"}}, "buildahImages": []}),
            json!({"requiredEnv": [{"name": "A B", "valuePattern": "^(yes|no)$"}, {"name": "yes"}],
                   "allowedCapabilities": ["ALL", "1", "-x", "a: b", "#c", "é", "", "  s", "null"],
                   "mandatoryFlags": {"manifest push": ["--digestfile"], "x\"y": ["\\n"]}}),
        ];
        for settings in cases {
            let ours = Value::from(&settings);
            let text = settings_yaml(&ours);
            assert_eq!(read_back(&text), settings, "{text}");
            let policy = read_back(&policy_yaml(&ours));
            assert_eq!(policy["spec"]["settings"], settings);
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(&json_text(&ours)).unwrap(),
                settings
            );
        }
    }

    #[test]
    fn the_policy_is_the_repository_policy_with_new_settings() {
        let defaults = policy_settings();
        assert_eq!(defaults, tekton_buildah_core::settings::defaults_json());
        let text = policy_yaml(&defaults);
        let ours = read_back(&text);
        let repository = read_back(POLICY);
        assert_eq!(ours, repository);
        assert!(
            text.contains("    allowedCapabilities: [SETFCAP]\n"),
            "{text}"
        );
        assert!(text.contains("    rules: {}\n"), "{text}");
        assert!(text.contains("\n      - name: BUILDAH_STORAGE_ROOT\n        inWorkspace: true\n"));
        assert!(text.ends_with('\n'));
        // In the order written, a repeated key once with its last value.
        let doc = yaml::load("b: 1\na: [x]\nb: {c: 2}\n")
            .unwrap()
            .remove(0)
            .value;
        assert_eq!(json_text(&doc), r#"{"a":["x"],"b":{"c":2}}"#);
        assert_eq!(settings_yaml(&doc), "a: [x]\nb:\n  c: 2\n");
    }
}
