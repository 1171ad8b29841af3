//! `tekton-buildah-lint`: the policy's rules over Tekton YAML files, for CI.

fn main() -> std::process::ExitCode {
    tekton_buildah_lint::main()
}
