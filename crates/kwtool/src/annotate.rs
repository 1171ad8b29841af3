//! `kwtool annotate`: what `kwctl annotate -m metadata.yml -u README.md` does. The metadata is
//! read and checked, `protocolVersion` comes from the module's own answer, the README becomes
//! the `io.kubewarden.policy.usage` annotation, and the result is written as JSON into the
//! `io.kubewarden.metadata` custom section (replacing none: an annotated module is refused
//! unless `force`).

use crate::error::{Error, Result};
use crate::metadata::{ExecutionMode, METADATA_SECTION, Metadata, ProtocolVersion, keys};
use std::path::Path;

/// An annotated module and the metadata it carries.
#[derive(Debug, Clone)]
pub struct Annotated {
    pub module: Vec<u8>,
    pub metadata: Metadata,
    /// Things worth telling the user that did not stop the annotation.
    pub warnings: Vec<String>,
}

/// Annotates `module` with `metadata` and, when given, `usage` (the README).
pub fn annotate(
    module: &[u8],
    mut metadata: Metadata,
    usage: Option<String>,
    force: bool,
) -> Result<Annotated> {
    let mut warnings = Vec::new();
    if !crate::wasm::custom_sections(module, METADATA_SECTION)?.is_empty() {
        if !force {
            return Err(Error::AlreadyAnnotated);
        }
        warnings.push("the module was already annotated: its metadata is replaced".to_string());
    }
    if metadata.execution_mode != ExecutionMode::KubewardenWapc {
        return Err(Error::InvalidMetadata {
            problems: vec![format!(
                "executionMode: kwtool annotates waPC policies (`kubewarden-wapc`), not `{}`",
                serde_json::to_value(metadata.execution_mode)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            )],
        });
    }
    if let Some(usage) = usage {
        let annotations = metadata.annotations.get_or_insert_with(Default::default);
        if annotations.insert(keys::USAGE.to_string(), usage).is_some() {
            warnings.push(format!(
                "`{}` in the metadata is replaced by the usage file",
                keys::USAGE
            ));
        }
    }
    // Report mistakes in metadata.yml before the few seconds the module takes to compile.
    metadata.protocol_version = Some(ProtocolVersion::V1);
    metadata.validate()?;
    metadata.protocol_version = Some(crate::protocol::detect(module)?);
    metadata.validate()?;
    let annotated =
        crate::wasm::replace_custom_section(module, METADATA_SECTION, &metadata.to_json())?;
    // What Kubewarden will read back must be what was meant.
    let read_back = Metadata::from_module(&annotated)?;
    assert_eq!(
        read_back.as_ref(),
        Some(&metadata),
        "the metadata section reads back as written"
    );
    Ok(Annotated {
        module: annotated,
        metadata,
        warnings,
    })
}

/// Reads the files, annotates, and writes `output` (replacing it only once everything worked).
pub fn annotate_files(
    wasm: &Path,
    metadata_path: &Path,
    usage: Option<&Path>,
    output: &Path,
    force: bool,
) -> Result<Annotated> {
    let module = std::fs::read(wasm).map_err(|e| Error::io(wasm, e))?;
    let text = std::fs::read_to_string(metadata_path).map_err(|e| Error::io(metadata_path, e))?;
    let (metadata, mut warnings) =
        Metadata::from_yaml(&text, &metadata_path.display().to_string())?;
    let usage = usage
        .map(|p| std::fs::read_to_string(p).map_err(|e| Error::io(p, e)))
        .transpose()?;
    let mut annotated = annotate(&module, metadata, usage, force)?;
    write_atomically(output, &annotated.module)?;
    warnings.append(&mut annotated.warnings);
    annotated.warnings = warnings;
    Ok(annotated)
}

/// Writes `bytes` next to `path` and renames it into place, so a failure never leaves half a
/// module behind. Something that is not a regular file (`/dev/stdout`) is written directly.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    if path.exists() && !path.is_file() {
        return std::fs::write(path, bytes).map_err(|e| Error::io(path, e));
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = Path::new(&tmp);
    std::fs::write(tmp, bytes).map_err(|e| Error::io(tmp, e))?;
    std::fs::rename(tmp, path).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata() -> Metadata {
        Metadata::from_yaml(
            "rules: []\nmutating: false\nexecutionMode: opa\n",
            "metadata.yml",
        )
        .unwrap()
        .0
    }

    #[test]
    fn an_annotated_module_is_refused_without_force() {
        let module = crate::wasm::replace_custom_section(
            &crate::wasm::tests::sample_module(),
            METADATA_SECTION,
            b"{}",
        )
        .unwrap();
        let err = annotate(&module, metadata(), None, false).unwrap_err();
        assert!(matches!(err, Error::AlreadyAnnotated), "{err}");
        assert!(err.to_string().contains("--force"));
    }

    #[test]
    fn metadata_mistakes_are_reported_before_the_module_is_loaded() {
        let (m, _) = Metadata::from_yaml(
            "rules:\n  - apiGroups: []\n    apiVersions: [v1]\n    resources: [pods]\n    operations: [CREATE]\nmutating: false\n",
            "metadata.yml",
        )
        .unwrap();
        // The sample module is no waPC guest: reaching protocol detection would fail otherwise.
        let err = annotate(&crate::wasm::tests::sample_module(), m, None, false).unwrap_err();
        assert!(
            err.to_string()
                .contains("rules[0].apiGroups: must not be empty"),
            "{err}"
        );
    }

    #[test]
    fn only_wapc_policies_are_annotated() {
        let err = annotate(
            &crate::wasm::tests::sample_module(),
            metadata(),
            None,
            false,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("executionMode: kwtool annotates waPC policies"),
            "{err}"
        );
    }
}
