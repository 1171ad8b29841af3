//! `tekton-buildah-lint`: the policy's rules over Tekton YAML files, for CI.

/// The analysis allocates many small, short-lived values (words, fields, invocations); on
/// the corpus, glibc's malloc and free were about a quarter of the CLI's instructions.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    tekton_buildah_lint::main()
}
