//! The policy metadata Kubewarden reads from a module: the same fields, names and defaults as
//! `Metadata` in Kubewarden's policy-evaluator (`policy_metadata.rs`), so that the JSON kwtool
//! embeds is the JSON kwctl embeds, and the checks kwctl runs before annotating run here too.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Name of the custom section that carries the metadata (JSON) in an annotated module.
pub const METADATA_SECTION: &str = "io.kubewarden.metadata";

/// The annotation keys Kubewarden gives a meaning to.
pub mod keys {
    pub const TITLE: &str = "io.kubewarden.policy.title";
    pub const VERSION: &str = "io.kubewarden.policy.version";
    pub const DESCRIPTION: &str = "io.kubewarden.policy.description";
    pub const AUTHOR: &str = "io.kubewarden.policy.author";
    pub const URL: &str = "io.kubewarden.policy.url";
    pub const OCI_URL: &str = "io.kubewarden.policy.ociUrl";
    pub const SOURCE: &str = "io.kubewarden.policy.source";
    pub const LICENSE: &str = "io.kubewarden.policy.license";
    pub const USAGE: &str = "io.kubewarden.policy.usage";
    pub const SEVERITY: &str = "io.kubewarden.policy.severity";
    pub const CATEGORY: &str = "io.kubewarden.policy.category";
    pub const HIDDEN_UI: &str = "io.kubewarden.hidden-ui";
    pub const ARTIFACTHUB_DISPLAY_NAME: &str = "io.artifacthub.displayName";
    pub const ARTIFACTHUB_RESOURCES: &str = "io.artifacthub.resources";
    pub const ARTIFACTHUB_KEYWORDS: &str = "io.artifacthub.keywords";
    /// OCI manifest annotation for the source repository.
    pub const OCI_IMAGE_SOURCE: &str = "org.opencontainers.image.source";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Operation {
    #[serde(rename = "CREATE")]
    Create,
    #[serde(rename = "UPDATE")]
    Update,
    #[serde(rename = "DELETE")]
    Delete,
    #[serde(rename = "CONNECT")]
    Connect,
    #[serde(rename = "*")]
    All,
}

/// One admission rule, as in a ValidatingWebhookConfiguration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    pub api_groups: Vec<String>,
    pub api_versions: Vec<String>,
    pub resources: Vec<String>,
    pub operations: Vec<Operation>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextAwareResource {
    pub api_version: String,
    pub kind: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExecutionMode {
    #[default]
    #[serde(rename = "kubewarden-wapc")]
    KubewardenWapc,
    #[serde(rename = "opa")]
    Opa,
    #[serde(rename = "gatekeeper")]
    Gatekeeper,
    #[serde(rename = "wasi")]
    Wasi,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PolicyType {
    #[default]
    #[serde(rename = "kubernetes")]
    Kubernetes,
    #[serde(rename = "raw")]
    Raw,
}

/// The waPC protocol a policy speaks (the answer to its `protocol_version` call).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProtocolVersion {
    #[serde(rename = "Unknown")]
    Unknown,
    #[serde(rename = "v1")]
    V1,
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProtocolVersion::Unknown => "Unknown",
            ProtocolVersion::V1 => "v1",
        })
    }
}

fn default_true() -> bool {
    true
}

/// The metadata of a policy. Field order, names, defaults and which fields are left out when
/// empty follow Kubewarden's `Metadata`; annotations are a sorted map, as there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    #[serde(default)]
    pub protocol_version: Option<ProtocolVersion>,
    pub rules: Vec<Rule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    pub mutating: bool,
    #[serde(default = "default_true")]
    pub background_audit: bool,
    #[serde(default)]
    pub context_aware_resources: BTreeSet<ContextAwareResource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_capabilities: Option<BTreeSet<String>>,
    #[serde(default)]
    pub execution_mode: ExecutionMode,
    #[serde(default)]
    pub policy_type: PolicyType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_kubewarden_version: Option<String>,
}

/// The top-level keys `metadata.yml` may have.
const FIELDS: &[&str] = &[
    "protocolVersion",
    "rules",
    "annotations",
    "mutating",
    "backgroundAudit",
    "contextAwareResources",
    "hostCapabilities",
    "executionMode",
    "policyType",
    "minimumKubewardenVersion",
];

impl Metadata {
    /// Reads `metadata.yml`. `path` only names the file in messages. Keys Kubewarden does not
    /// know are returned as warnings (Kubewarden ignores them too, which hides typos).
    pub fn from_yaml(text: &str, path: &str) -> Result<(Metadata, Vec<String>)> {
        let yaml_error = |e: serde_saphyr::Error| Error::Yaml {
            path: path.to_string(),
            message: e.to_string(),
        };
        let keys: BTreeMap<String, serde_json::Value> =
            serde_saphyr::from_str(text).map_err(yaml_error)?;
        let warnings = keys
            .keys()
            .filter(|k| !FIELDS.contains(&k.as_str()))
            .map(|k| {
                format!(
                    "{path}: `{k}` is not a metadata field Kubewarden reads (fields: {}); it is \
                     left out",
                    FIELDS.join(", ")
                )
            })
            .collect();
        let metadata: Metadata = serde_saphyr::from_str(text).map_err(yaml_error)?;
        Ok((metadata, warnings))
    }

    /// The metadata embedded in a module (the first `io.kubewarden.metadata` section, the one
    /// Kubewarden reads), if it has any.
    pub fn from_module(module: &[u8]) -> Result<Option<Metadata>> {
        let Some(data) = crate::wasm::custom_sections(module, METADATA_SECTION)?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        serde_json::from_slice(data)
            .map(Some)
            .map_err(|e| Error::Wasm {
                what: "the module".to_string(),
                message: format!("its `{METADATA_SECTION}` section is not policy metadata: {e}"),
            })
    }

    /// The JSON written into the custom section (compact, as kwctl writes it).
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("metadata is always serializable")
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.as_ref()?.get(key).map(String::as_str)
    }

    /// The checks kwctl runs before it writes metadata into a module. Every problem is
    /// returned, each naming the field.
    pub fn validate(&self) -> Result<()> {
        let mut problems = Vec::new();
        match (self.execution_mode, self.protocol_version) {
            (_, None) => problems.push(
                "protocolVersion: missing (annotating sets it from the module's answer to \
                 `protocol_version`)"
                    .to_string(),
            ),
            (ExecutionMode::KubewardenWapc, Some(ProtocolVersion::Unknown)) => problems.push(
                "protocolVersion: a kubewarden-wapc policy must speak a known protocol version"
                    .to_string(),
            ),
            _ => {}
        }
        for (i, rule) in self.rules.iter().enumerate() {
            let path = format!("rules[{i}]");
            check_list(
                &rule.api_groups,
                &format!("{path}.apiGroups"),
                &mut problems,
            );
            check_list(
                &rule.api_versions,
                &format!("{path}.apiVersions"),
                &mut problems,
            );
            if rule.resources.is_empty() {
                problems.push(format!("{path}.resources: must not be empty"));
            } else if let Err(e) = check_resources(&rule.resources) {
                problems.push(format!("{path}.resources: {e}"));
            }
            if rule.operations.is_empty() {
                problems.push(format!("{path}.operations: must not be empty"));
            } else if rule.operations.contains(&Operation::All) && rule.operations.len() > 1 {
                problems.push(format!(
                    "{path}.operations: `*` must be the only element when it is used"
                ));
            }
        }
        for (i, r) in self.context_aware_resources.iter().enumerate() {
            if r.api_version.is_empty() {
                problems.push(format!(
                    "contextAwareResources[{i}].apiVersion: must not be empty"
                ));
            }
            if r.kind.is_empty() {
                problems.push(format!(
                    "contextAwareResources[{i}].kind: must not be empty"
                ));
            }
        }
        if let Some(v) = &self.minimum_kubewarden_version
            && let Err(e) = semver::Version::parse(v)
        {
            problems.push(format!(
                "minimumKubewardenVersion: `{v}` is not a semantic version ({e})"
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidMetadata { problems })
        }
    }
}

fn check_list(items: &[String], path: &str, problems: &mut Vec<String>) {
    if items.is_empty() {
        problems.push(format!("{path}: must not be empty"));
    } else if items.iter().any(|i| i == "*") && items.len() > 1 {
        problems.push(format!(
            "{path}: `*` must be the only element when it is used"
        ));
    }
}

/// The resource-list checks the Kubernetes API server applies to webhook rules (and kwctl
/// with it): no empty names; `*/*` alone; `*` not beside plain resources; `x/*` not beside
/// `x/y`; `*/y` not beside `x/y`.
fn check_resources(resources: &[String]) -> std::result::Result<(), String> {
    let mut wildcard_sub_of: BTreeSet<&str> = BTreeSet::new(); // x in `x/*`
    let mut any_resource_sub: BTreeSet<&str> = BTreeSet::new(); // y in `*/y`
    let mut all_and_subs = false; // `*/*`
    let mut all = false; // `*`
    let mut plain = false; // `x`
    for r in resources {
        if r.is_empty() {
            return Err("an empty resource name is not allowed".to_string());
        }
        match r.as_str() {
            "*/*" => all_and_subs = true,
            "*" => all = true,
            _ => {}
        }
        let Some((res, sub)) = r.split_once('/') else {
            plain |= r != "*";
            continue;
        };
        if wildcard_sub_of.contains(res) {
            return Err(format!("`{res}/*` is present, so `{r}` must not be"));
        }
        if any_resource_sub.contains(sub) {
            return Err(format!("`*/{sub}` is present, so `{r}` must not be"));
        }
        if sub == "*" {
            wildcard_sub_of.insert(res);
        }
        if res == "*" {
            any_resource_sub.insert(sub);
        }
    }
    if all_and_subs && resources.len() > 1 {
        return Err("`*/*` must be the only resource when it is used".to_string());
    }
    if all && plain {
        return Err(
            "`*` covers every resource, so no other resource without a subresource may be \
             listed"
                .to_string(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const MINIMAL: &str = r#"
rules:
  - apiGroups: [""]
    apiVersions: ["v1"]
    resources: ["pods"]
    operations: ["CREATE"]
mutating: false
"#;

    fn minimal() -> Metadata {
        let (mut m, warnings) = Metadata::from_yaml(MINIMAL, "metadata.yml").unwrap();
        assert!(warnings.is_empty());
        m.protocol_version = Some(ProtocolVersion::V1);
        m
    }

    #[test]
    fn defaults_and_field_names_are_kubewardens() {
        let mut m = minimal();
        m.annotations = Some(BTreeMap::from([(
            "io.kubewarden.policy.title".to_string(),
            "x".to_string(),
        )]));
        let json: serde_json::Value = serde_json::from_slice(&m.to_json()).unwrap();
        assert_eq!(
            json,
            json!({
                "protocolVersion": "v1",
                "rules": [{"apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"], "operations": ["CREATE"]}],
                "annotations": {"io.kubewarden.policy.title": "x"},
                "mutating": false,
                "backgroundAudit": true,
                "contextAwareResources": [],
                "executionMode": "kubewarden-wapc",
                "policyType": "kubernetes"
            })
        );
    }

    #[test]
    fn optional_fields_are_written_only_when_set() {
        let mut m = minimal();
        m.host_capabilities = Some(BTreeSet::from(["kubernetes/get_resource".to_string()]));
        m.minimum_kubewarden_version = Some("1.20.0".to_string());
        let json: serde_json::Value = serde_json::from_slice(&m.to_json()).unwrap();
        assert_eq!(json["hostCapabilities"], json!(["kubernetes/get_resource"]));
        assert_eq!(json["minimumKubewardenVersion"], json!("1.20.0"));
        assert!(json.get("annotations").is_none());
    }

    #[test]
    fn reads_back_what_it_writes() {
        let m = minimal();
        let back: Metadata = serde_json::from_slice(&m.to_json()).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn unknown_keys_are_warned_about() {
        let text = format!("{MINIMAL}backgroundAdit: false\n");
        let (m, warnings) = Metadata::from_yaml(&text, "metadata.yml").unwrap();
        assert!(m.background_audit);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("`backgroundAdit`"), "{warnings:?}");
    }

    #[test]
    fn yaml_errors_name_the_file() {
        let err = Metadata::from_yaml("rules: 3\nmutating: false\n", "meta.yml").unwrap_err();
        assert!(err.to_string().starts_with("meta.yml: "), "{err}");
        let err = Metadata::from_yaml("rules: []\n", "meta.yml").unwrap_err();
        assert!(err.to_string().contains("mutating"), "{err}");
        let err = Metadata::from_yaml(
            "rules: []\nmutating: false\nexecutionMode: docker\n",
            "meta.yml",
        )
        .unwrap_err();
        assert!(err.to_string().contains("docker"), "{err}");
    }

    #[test]
    fn validation_reports_every_problem() {
        let text = r#"
rules:
  - apiGroups: []
    apiVersions: ["v1", "*"]
    resources: ["*", "pods"]
    operations: ["*", "CREATE"]
  - apiGroups: ["apps"]
    apiVersions: ["v1"]
    resources: ["deployments/*", "deployments/scale"]
    operations: []
mutating: false
contextAwareResources:
  - apiVersion: ""
    kind: Pod
minimumKubewardenVersion: one
"#;
        let (m, _) = Metadata::from_yaml(text, "metadata.yml").unwrap();
        let Err(Error::InvalidMetadata { problems }) = m.validate() else {
            panic!("expected problems");
        };
        let expected = [
            "protocolVersion: missing",
            "rules[0].apiGroups: must not be empty",
            "rules[0].apiVersions: `*` must be the only element",
            "rules[0].resources: `*` covers every resource",
            "rules[0].operations: `*` must be the only element",
            "rules[1].resources: `deployments/*` is present, so `deployments/scale` must not be",
            "rules[1].operations: must not be empty",
            "contextAwareResources[0].apiVersion: must not be empty",
            "minimumKubewardenVersion: `one` is not a semantic version",
        ];
        assert_eq!(problems.len(), expected.len(), "{problems:#?}");
        for (p, e) in problems.iter().zip(expected) {
            assert!(p.starts_with(e), "{p:?} should start with {e:?}");
        }
    }

    #[test]
    fn resource_lists_follow_the_api_server() {
        let ok = |r: &[&str]| check_resources(&r.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert!(ok(&["pods"]).is_ok());
        assert!(ok(&["*", "pods/log", "pods/*", "*/scale"]).is_ok());
        assert!(ok(&["pods/*", "pods"]).is_ok());
        assert!(ok(&["*/*"]).is_ok());
        assert!(ok(&["*/*", "pods"]).is_err());
        assert!(ok(&["*/log", "pods/log"]).is_err());
        assert!(ok(&[""]).is_err());
    }

    #[test]
    fn a_wapc_policy_needs_a_known_protocol() {
        let mut m = minimal();
        assert!(m.validate().is_ok());
        m.protocol_version = Some(ProtocolVersion::Unknown);
        assert!(m.validate().is_err());
        m.execution_mode = ExecutionMode::Opa;
        assert!(m.validate().is_ok());
    }
}
