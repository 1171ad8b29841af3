//! Inputs shared by the criterion benchmarks: the same requests as `policy-bench`.

use std::path::{Path, PathBuf};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Name and file of each benchmarked object.
pub const CASES: &[(&str, &str)] = &[
    ("seed_task", "examples/good/buildah-build-modelcar.yaml"),
    (
        "konflux_buildah_0_9",
        "e2e-tests/corpus/konflux-ci__build-definitions/task__buildah__0.9__buildah.yaml",
    ),
    ("pipelinerun_embedded", "bench/objects/pipelinerun-embedded.yaml"),
    ("deployment", "bench/objects/deployment.yaml"),
];

pub fn read(file: &str) -> String {
    let path = repo_root().join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
