//! tekton-buildah-policy's rules for JavaScript (browsers and Node.js), through wasm-bindgen.
//!
//! A thin adapter over `tekton-buildah-core`: the rules, the settings checks and the placing
//! of findings in YAML text all happen there (`text::check_text`, the function the CLI uses),
//! so the playground, the CLI and the cluster give the same answers. This crate only takes
//! JavaScript values in, gives plain JavaScript objects out, and counts columns in UTF-16
//! code units.
//!
//! Results cross the boundary as JSON text turned into objects by `JSON.parse`: the rules
//! library already carries `serde_json`, `JSON.parse` builds objects faster than building them
//! one property at a time from Wasm, and a settings object goes the other way through
//! `JSON.stringify` into exactly the reader the policy uses for its `settings`. Nothing here
//! panics on bad input: settings that are not valid make `lint` throw an `Error` whose message
//! is the policy's.

mod columns;
pub mod report;
pub mod settings;
pub mod yaml_out;

use serde_json::{Value, json};
use tekton_buildah_core::RuleId;
use tekton_buildah_core::rules::RULES;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/** Settings: a settings object as in the policy's `settings`, YAML or JSON text of one, or
 * a Kubewarden policy (object or text) whose `spec.settings` holds them. `null` or
 * `undefined`: the defaults. */
export type SettingsInput = SettingsObject | string | null | undefined;

/** The policy's settings object; every key is optional (see the README's Settings). */
export interface SettingsObject {
  requiredEnv?: { name: string; valuePattern?: string; inWorkspace?: boolean }[];
  allowedCapabilities?: string[];
  requiredCapabilities?: string[];
  /** Subcommand (`build`, `push`, `manifest push`, …, or `global`) → options. */
  mandatoryFlags?: Record<string, string[]>;
  computeResources?: { requests?: string[]; limits?: string[] };
  buildahImages?: string[];
  /** The cluster fetches the Task or Pipeline a run names; the playground always follows
   * references among the documents of its text. */
  resolveReferences?: boolean;
  rules?: Record<string, { level: "error" | "warning" | "off" }>;
}

export type Level = "error" | "warning";

/** A finding placed in the text. Lines and columns are 1-based; columns count UTF-16 code
 * units, as JavaScript strings and editors do. */
export interface Finding {
  /** The rule id, as in settings and docs/rules/. */
  rule: string;
  /** After the settings' `rules` levels. */
  level: Level;
  /** What the finding is about: `step "build" (spec.steps[0])`, … */
  subject: string;
  /** Logical path of the offending field in its document. */
  path: string;
  /** What is wrong and what is expected. */
  message: string;
  /** 1-based number of the YAML document in the text. */
  document: number;
  line: number;
  column: number;
  /** Column just past the offending token (equal to `column` when `width` is 0). */
  endColumn: number;
  /** UTF-16 code units of the offending token on its line; 0 when `exact` is false. */
  width: number;
  /** `line:column` is the offending token (or field) itself; false when it is the start of
   * a folded or quoted script, and the message says which script line. */
  exact: boolean;
  /** `fix()` (and `fixFinding()`) can fix it. */
  fixable: boolean;
  /** Why it cannot be fixed automatically (null when it can). */
  unfixable: string | null;
  /** The reason a suppression comment gives for accepting it, or null. A suppressed finding
   * does not count for the CLI; the cluster, which reads no comments, still counts it. */
  suppressed: string | null;
}

/** A finding fixed, or left with the reason. `line` and `column` are those of the text the
 * finding was reported in. */
export interface FixOutcome {
  rule: string;
  level: Level;
  document: number;
  line: number;
  column: number;
  /** `subject: message`, as reported. */
  message: string;
  /** Why it was not fixed (`skipped` only). */
  reason?: string;
}

/** What `fix()` returns: the text with every fix made (what `tekton-buildah-lint --fix`
 * writes), the unified diff from the text given, what was fixed and what is left. */
export interface FixResult {
  text: string;
  changed: boolean;
  diff: string;
  applied: FixOutcome[];
  skipped: FixOutcome[];
}

/** What `fixFinding()` returns. */
export interface FindingFix {
  text: string;
  changed: boolean;
  diff: string;
}

/** A YAML document that could not be read (the text's other documents are still checked). */
export interface DocumentError {
  document: number;
  line: number;
  column: number;
  /** `not valid YAML: …` */
  message: string;
}

/** What the policy answers for one document. */
export interface DocumentResult {
  document: number;
  /** Line where the document's content starts. */
  line: number;
  kind: string | null;
  /** `metadata.name` (or `generateName`). */
  name: string | null;
  /** The Tekton apiVersion the rules read it as (or the unsupported one). */
  apiVersion: string | null;
  /** `checked`: a Tekton object with steps; `not-applicable`: another kind, admitted
   * untouched; `unsupported-version`: a Tekton kind in an API version the policy does not
   * know; `invalid`: not a Kubernetes object (see the `invalid-object` finding). */
  checked: "checked" | "not-applicable" | "unsupported-version" | "invalid";
  verdict: "admitted" | "rejected";
  /** The rejection message the cluster gives, or null when admitted. */
  message: string | null;
  /** The warnings the cluster returns with the answer. */
  warnings: string[];
}

export interface LintResult {
  /** Every finding, in reading order: the CLI's findings for the same text and settings. */
  findings: Finding[];
  errors: DocumentError[];
  /** Every document that could be read, in order. */
  documents: DocumentResult[];
}

export interface RuleInfo {
  id: string;
  summary: string;
  /** The default level as the documentation states it, e.g. `error on v1, warning on v1beta1`. */
  defaultLevel: string;
  /** Whether settings may change its level (`invalid-object` always rejects). */
  configurable: boolean;
}

/** The answer of the policy's `validate_settings`. */
export interface SettingsCheck {
  valid: boolean;
  /** Every problem, as the policy reports it (absent when valid). */
  message?: string;
}
"#;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = JSON, js_name = stringify, catch)]
    fn json_stringify(value: &JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn json_parse(text: &str) -> Result<JsValue, JsValue>;
}

/// Reads settings given from JavaScript (see `SettingsInput`); none given: the defaults.
fn read_settings(input: &JsValue) -> Result<settings::Read, String> {
    if input.is_undefined() {
        return settings::from_json("null");
    }
    if let Some(text) = input.as_string() {
        return settings::from_text(&text);
    }
    let json = json_stringify(input)
        .ok()
        .and_then(|j| j.as_string())
        .ok_or_else(|| "settings are not valid JSON: they cannot be written as JSON".to_string())?;
    settings::from_json(&json)
}

fn to_js(value: &Value) -> Result<JsValue, JsError> {
    json_parse(&value.to_string()).map_err(|_| JsError::new("internal error: result is not JSON"))
}

/// Checks every document of a YAML text (Tasks, Pipelines, …) with the given settings.
/// Throws an `Error` with the policy's message when the settings are not valid.
#[wasm_bindgen(unchecked_return_type = "LintResult")]
pub fn lint(
    text: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "SettingsInput")] settings: JsValue,
) -> Result<JsValue, JsError> {
    let read = read_settings(&settings).map_err(|e| JsError::new(&e))?;
    to_js(&report::lint(text, &read.settings))
}

/// Fixes what can be fixed in a YAML text, as `tekton-buildah-lint --fix` does: returns the
/// fixed text, its diff, and the findings fixed and left (with the reason). `rules`: fix
/// only these rule ids. Throws when the settings are not valid or a rule id is unknown.
#[wasm_bindgen(unchecked_return_type = "FixResult")]
pub fn fix(
    text: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "SettingsInput")] settings: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "string[]")] rules: Option<Vec<String>>,
) -> Result<JsValue, JsError> {
    let read = read_settings(&settings).map_err(|e| JsError::new(&e))?;
    let only = match rules {
        None => None,
        Some(ids) => Some(
            ids.iter()
                .map(|id| {
                    RuleId::from_id(id)
                        .ok_or_else(|| JsError::new(&format!("`{id}` is not a rule id")))
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    to_js(&report::fix(text, &read.settings, only.as_deref()))
}

/// Fixes one finding: the one at `index` in `lint(text, settings).findings`. Throws when it
/// cannot be fixed (the message says why) or the settings are not valid.
#[wasm_bindgen(js_name = fixFinding, unchecked_return_type = "FindingFix")]
pub fn fix_finding(
    text: &str,
    #[wasm_bindgen(unchecked_param_type = "SettingsInput")] settings: JsValue,
    index: usize,
) -> Result<JsValue, JsError> {
    let read = read_settings(&settings).map_err(|e| JsError::new(&e))?;
    let fixed = report::fix_one(text, &read.settings, index).map_err(|e| JsError::new(&e))?;
    to_js(&fixed)
}

/// Checks settings as the policy's `validate_settings` does, with the same message.
#[wasm_bindgen(js_name = validateSettings, unchecked_return_type = "SettingsCheck")]
pub fn validate_settings(
    #[wasm_bindgen(unchecked_param_type = "unknown")] settings: JsValue,
) -> Result<JsValue, JsError> {
    let answer = match read_settings(&settings) {
        Ok(_) => json!({"valid": true}),
        Err(message) => json!({"valid": false, "message": message}),
    };
    to_js(&answer)
}

/// Every rule, in the order of the documentation.
#[wasm_bindgen(unchecked_return_type = "RuleInfo[]")]
pub fn rules() -> Result<JsValue, JsError> {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id(),
                "summary": r.summary(),
                "defaultLevel": r.default_level_text(),
                "configurable": r.configurable(),
            })
        })
        .collect();
    to_js(&Value::Array(rules))
}

/// A rule's documentation (Markdown, `docs/rules/<id>.md`), or `undefined` for an unknown id.
#[wasm_bindgen]
pub fn explain(id: &str) -> Option<String> {
    RuleId::from_id(id).map(|r| r.doc().to_string())
}

/// The default settings, written out as `policy.yaml` writes them (in its order).
#[wasm_bindgen(js_name = defaultSettings, unchecked_return_type = "SettingsObject")]
pub fn default_settings() -> Result<JsValue, JsError> {
    json_parse(&yaml_out::json_text(&yaml_out::policy_settings()))
        .map_err(|_| JsError::new("internal error: the default settings are not JSON"))
}

/// No settings given: the defaults, written out.
fn written_out(
    object: tekton_buildah_core::json::Value<'static>,
) -> tekton_buildah_core::json::Value<'static> {
    if object.is_null() {
        yaml_out::policy_settings()
    } else {
        object
    }
}

/// Settings as YAML text; without settings, the defaults written out (checked first: throws the policy's message when not valid).
#[wasm_bindgen(js_name = settingsYaml)]
pub fn settings_yaml(
    #[wasm_bindgen(unchecked_optional_param_type = "SettingsInput")] settings: JsValue,
) -> Result<String, JsError> {
    let read = read_settings(&settings).map_err(|e| JsError::new(&e))?;
    Ok(yaml_out::settings_yaml(&written_out(read.object)))
}

/// A ClusterAdmissionPolicy (the repository's `policy.yaml`: module, rules, mode) running the
/// policy with these settings (without settings: the defaults written out), as YAML. Throws the policy's message when they are not valid.
#[wasm_bindgen(js_name = policyYaml)]
pub fn policy_yaml(
    #[wasm_bindgen(unchecked_optional_param_type = "SettingsInput")] settings: JsValue,
) -> Result<String, JsError> {
    let read = read_settings(&settings).map_err(|e| JsError::new(&e))?;
    Ok(yaml_out::policy_yaml(&written_out(read.object)))
}

/// The version of the rules (the workspace's version).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
