//! What the CLI's test files share.

use clap::Parser;
use tekton_buildah_lint::{Args, run};

/// Runs the CLI with `args`; returns (exit status, stdout, stderr).
pub fn lint(args: &[&str]) -> (u8, String, String) {
    let args =
        Args::try_parse_from(std::iter::once("tekton-buildah-lint").chain(args.iter().copied()))
            .expect("valid arguments");
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = run(&args, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}
