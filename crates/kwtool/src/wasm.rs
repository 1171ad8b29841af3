//! Custom sections of a core WebAssembly module: read them with `wasmparser`, and rewrite a
//! module with one custom section replaced using `wasm-encoder`. Every other section is copied
//! byte for byte, in its place.

use crate::error::{Error, Result};
use wasm_encoder::{CustomSection, Module, RawSection, Section};
use wasmparser::{Encoding, Parser, Payload};

fn wasm_error(e: impl std::fmt::Display) -> Error {
    Error::Wasm {
        what: "the module".to_string(),
        message: e.to_string(),
    }
}

/// A top-level section: id, contents, and the name when it is a custom section.
type RawSectionRef<'a> = (u8, &'a [u8], Option<&'a str>);

/// Walks the top-level sections of a core module.
fn sections(module: &[u8]) -> Result<Vec<RawSectionRef<'_>>> {
    let mut out = Vec::new();
    for payload in Parser::new(0).parse_all(module) {
        let payload = payload.map_err(wasm_error)?;
        match &payload {
            Payload::Version { encoding, .. } => {
                if *encoding != Encoding::Module {
                    return Err(wasm_error(
                        "it is a WebAssembly component; Kubewarden policies are core modules",
                    ));
                }
            }
            Payload::CustomSection(reader) => {
                let (id, range) = payload.as_section().expect("a custom section is a section");
                out.push((id, &module[range], Some(reader.name())));
            }
            _ => {
                if let Some((id, range)) = payload.as_section() {
                    out.push((id, &module[range], None));
                }
            }
        }
    }
    Ok(out)
}

/// The data of every custom section called `name`, in module order.
pub fn custom_sections<'a>(module: &'a [u8], name: &str) -> Result<Vec<&'a [u8]>> {
    let mut out = Vec::new();
    for payload in Parser::new(0).parse_all(module) {
        if let Payload::CustomSection(reader) = payload.map_err(wasm_error)?
            && reader.name() == name
        {
            out.push(reader.data());
        }
    }
    Ok(out)
}

/// The module without any custom section called `name`, then one custom section `name`
/// holding `data` appended at the end (where tools that add metadata put it).
pub fn replace_custom_section(module: &[u8], name: &str, data: &[u8]) -> Result<Vec<u8>> {
    let mut out = strip(module, name)?;
    CustomSection {
        name: name.into(),
        data: data.into(),
    }
    .append_to(&mut out);
    Ok(out)
}

/// The module without any custom section called `name`.
pub fn strip(module: &[u8], name: &str) -> Result<Vec<u8>> {
    let mut encoder = Module::new();
    for (id, data, custom) in sections(module)? {
        if custom == Some(name) {
            continue;
        }
        encoder.section(&RawSection { id, data });
    }
    Ok(encoder.finish())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use wasm_encoder::{
        CodeSection, ExportKind, ExportSection, Function, FunctionSection, Instruction,
        TypeSection, ValType,
    };

    /// A small module: one exported function, a `name`-like custom section before the code and
    /// one after it.
    pub(crate) fn sample_module() -> Vec<u8> {
        let mut module = Module::new();
        let mut types = TypeSection::new();
        types.ty().function([ValType::I32], [ValType::I32]);
        module.section(&types);
        let mut functions = FunctionSection::new();
        functions.function(0);
        module.section(&functions);
        let mut exports = ExportSection::new();
        exports.export("id", ExportKind::Func, 0);
        module.section(&exports);
        module.section(&CustomSection {
            name: "before-code".into(),
            data: b"one".as_slice().into(),
        });
        let mut code = CodeSection::new();
        let mut f = Function::new([]);
        f.instruction(&Instruction::LocalGet(0));
        f.instruction(&Instruction::End);
        code.function(&f);
        module.section(&code);
        module.section(&CustomSection {
            name: "producers".into(),
            data: b"two".as_slice().into(),
        });
        module.finish()
    }

    #[test]
    fn adds_one_section_and_keeps_every_other_byte() {
        let module = sample_module();
        let out = replace_custom_section(&module, "io.kubewarden.metadata", b"{}").unwrap();
        assert_eq!(
            &out[..module.len()],
            &module[..],
            "the original module is a prefix"
        );
        assert_eq!(
            custom_sections(&out, "io.kubewarden.metadata").unwrap(),
            vec![b"{}".as_slice()]
        );
        wasmparser::validate(&out).expect("still a valid module");
    }

    #[test]
    fn replaces_earlier_sections_of_the_same_name() {
        let module = sample_module();
        let once = replace_custom_section(&module, "io.kubewarden.metadata", b"[1]").unwrap();
        let twice = replace_custom_section(&once, "io.kubewarden.metadata", b"[2]").unwrap();
        assert_eq!(
            custom_sections(&twice, "io.kubewarden.metadata").unwrap(),
            vec![b"[2]".as_slice()]
        );
        assert_eq!(strip(&twice, "io.kubewarden.metadata").unwrap(), module);
        assert_eq!(
            custom_sections(&twice, "before-code").unwrap(),
            vec![b"one".as_slice()]
        );
        assert_eq!(
            custom_sections(&twice, "producers").unwrap(),
            vec![b"two".as_slice()]
        );
    }

    #[test]
    fn rejects_what_is_not_a_module() {
        let err = custom_sections(b"\x7fELF\x02\x01\x01\x00", "x").unwrap_err();
        assert!(
            err.to_string().contains("not a WebAssembly module"),
            "{err}"
        );
        // The header of a WebAssembly component (layer 1).
        let err = strip(b"\0asm\x0d\x00\x01\x00", "x").unwrap_err();
        assert!(err.to_string().contains("component"), "{err}");
    }
}
