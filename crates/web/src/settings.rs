//! Settings as JavaScript hands them over: a settings object (as its JSON text, read exactly
//! as the policy reads its `settings`), or YAML or JSON text typed by a person (read like the
//! CLI's `--config` file). Either may be a Kubewarden policy whose `spec.settings` holds them.

use tekton_buildah_core::Settings;
use tekton_buildah_core::json::Value;
use tekton_buildah_core::settings::settings_in;
use tekton_buildah_core::text::settings_from_text;
use tekton_buildah_core::yaml;

/// Settings that were read and checked, with the settings object they came from.
#[derive(Debug)]
pub struct Read {
    pub settings: Settings,
    /// In the order written (`null` when none was given).
    pub object: Value<'static>,
}

/// Reads the JSON text of a JavaScript value: the path of the policy's `validate_settings`
/// (`serde_json` into the borrowed document, then the checked settings), so a problem reads
/// exactly as the policy writes it.
pub fn from_json(json: &str) -> Result<Read, String> {
    let value: Value<'_> =
        serde_json::from_str(json).map_err(|e| format!("settings are not valid JSON: {e}"))?;
    let object = settings_in(&value);
    let settings = Settings::from_json_checked(object).map_err(|e| e.to_string())?;
    Ok(Read {
        settings,
        object: object.clone().into_owned(),
    })
}

/// Reads settings typed as YAML or JSON text.
pub fn from_text(text: &str) -> Result<Read, String> {
    let settings = settings_from_text(text).map_err(|e| e.to_string())?;
    // The text was read once already; reading it again for the object cannot fail.
    let object = yaml::load(text)
        .ok()
        .and_then(|docs| docs.into_iter().next())
        .map_or(Value::Null, |d| settings_in(&d.value).clone().into_owned());
    Ok(Read { settings, object })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_read_as_the_policy_reads_them() {
        let bad = r#"{"rules": {"buildah-root-missing": {"level": "loud"}}, "extra": 1}"#;
        let err = from_json(bad).unwrap_err();
        // The policy's message for the same settings (src/lib.rs, validate_settings).
        let value: Value<'_> = serde_json::from_str(bad).unwrap();
        let policy = Settings::from_json_checked(&value).unwrap_err().to_string();
        assert_eq!(err, policy);
        assert!(err.starts_with("2 problems in settings: "), "{err}");
        assert!(from_json("null").is_ok());
        let read = from_json(r#"{"buildahImages": ["*kaniko*"]}"#).unwrap();
        assert!(
            read.settings
                .is_buildah_image("gcr.io/kaniko-project/executor")
        );
        assert_eq!(
            read.object,
            serde_json::json!({"buildahImages": ["*kaniko*"]})
        );
    }

    #[test]
    fn text_is_yaml_or_json_or_a_policy() {
        let read = from_text("buildahImages: ['*kaniko*']\n").unwrap();
        assert_eq!(
            read.object,
            serde_json::json!({"buildahImages": ["*kaniko*"]})
        );
        let policy = "apiVersion: policies.kubewarden.io/v1\nspec:\n  settings:\n    rules: {}\n";
        let read = from_text(policy).unwrap();
        assert_eq!(read.object, serde_json::json!({"rules": {}}));
        let err = from_text("rules: {nope: {level: off}}").unwrap_err();
        assert!(
            err.starts_with("1 problem in settings: rules: `nope`"),
            "{err}"
        );
        let err = from_text("a: [").unwrap_err();
        assert!(err.starts_with("not valid YAML or JSON: "), "{err}");
    }
}
