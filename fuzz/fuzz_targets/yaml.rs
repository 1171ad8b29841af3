//! Arbitrary text as a YAML file through the CLI's path: every document parsed (by the direct
//! reader and by the general parser, which must agree), checked, and each finding placed at a
//! line and column inside the file; then fixed (`--fix`), which must not fail, and fixing the
//! fixed text again must change nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tekton_buildah_core::Settings;

fn settings() -> &'static Settings {
    static S: OnceLock<Settings> = OnceLock::new();
    S.get_or_init(Settings::default)
}

fuzz_target!(|data: &[u8]| {
    // The direct YAML reader answers exactly as the general parser, or leaves the piece to it.
    if let Ok(text) = std::str::from_utf8(data) {
        let direct = tekton_buildah_core::yaml::load_documents(text);
        let general = tekton_buildah_core::yaml::load_documents_generally(text);
        assert_eq!(format!("{direct:?}"), format!("{general:?}"), "{text:?}");
    }
    use tekton_buildah_lint::check::{Mode, check_bytes};
    let lint = Mode {
        keep_text: true,
        fix: None,
    };
    let result = check_bytes("fuzz.yaml".into(), data, settings(), &lint);
    // YAML's line breaks: `\n`, `\r\n` and a lone `\r` (found by fuzzing: a lone `\r` is a
    // break for the parser, not for `str::lines`).
    let text = String::from_utf8_lossy(data);
    let lines = text.replace("\r\n", "\n").matches(['\n', '\r']).count() as u32 + 1;
    for f in &result.findings {
        assert!(f.line >= 1 && f.line <= lines, "line {} outside the file ({lines} lines)", f.line);
        assert!(f.col >= 1);
    }
    let _ = tekton_buildah_lint::output::text::render(std::slice::from_ref(&result), true);
    let _ = tekton_buildah_lint::output::sarif::render(std::slice::from_ref(&result));
    let fix = Mode {
        keep_text: true,
        fix: Some(None),
    };
    let fixed = check_bytes("fuzz.yaml".into(), data, settings(), &fix);
    if fixed.changed()
        && let Some(once) = &fixed.text
    {
        let twice = check_bytes("fuzz.yaml".into(), once.as_bytes(), settings(), &fix);
        assert_eq!(twice.text.as_deref(), Some(once.as_str()), "fixing twice changed more");
    }
});
