//! The request arena as the global allocator of a whole program, as in policy.wasm: the
//! requests are answered once with the system allocator, then again, several times over,
//! with every allocation served by the arena, and the answers must be the same bytes. After
//! each request everything it allocated has been freed, so the region starts over.
//!
//! A program of its own (`harness = false`): the arena is sound only with one thread, and
//! the test harness runs tests on threads. `make miri` runs it under Miri on a few examples,
//! where every access to an arena block is checked against the region.

use serde_json::{Value, json};
use std::ops::Range;
use tekton_buildah_policy::arena::{ARENA_BYTES, RequestArena};
use tekton_buildah_policy::validate_json;

#[global_allocator]
static ALLOCATOR: RequestArena = RequestArena::new();

const EXAMPLES: &[&str] = &[
    include_str!("../examples/good/buildah-build-modelcar.yaml"),
    include_str!("../examples/bad/buildah-root-missing.yaml"),
    include_str!("../examples/bad/buildah-flag-missing.yaml"),
    include_str!("../examples/bad/buildah-unanalyzable.yaml"),
    include_str!("../examples/bad/capability-missing.yaml"),
    include_str!("../examples/bad/capability-not-allowed.yaml"),
    include_str!("../examples/bad/compute-resources-missing.yaml"),
    include_str!("../examples/bad/privileged-container.yaml"),
    include_str!("../examples/bad/required-env.yaml"),
    include_str!("../examples/bad/step-resources-field.yaml"),
];

/// Admission payloads for every document of the examples, with the default settings and
/// with every rule lowered to a warning (accepted answers that carry warnings).
fn payloads(examples: &[&str]) -> Vec<Vec<u8>> {
    let rules: serde_json::Map<String, Value> = tekton_buildah_core::rules::RULES
        .iter()
        .filter(|r| r.id() != "invalid-object")
        .map(|r| (r.id().to_string(), json!({"level": "warning"})))
        .collect();
    let warnings = json!({ "rules": rules });
    let mut out = Vec::new();
    for text in examples {
        for doc in tekton_buildah_core::yaml::load_documents(text) {
            let object = doc.expect("the examples are YAML").value.to_serde();
            for settings in [json!({}), warnings.clone()] {
                let payload = json!({
                    "request": {"operation": "CREATE", "object": object},
                    "settings": settings,
                });
                out.push(serde_json::to_vec(&payload).unwrap());
            }
        }
    }
    out
}

/// A Task bigger than the region: its script alone does not fit, so the request overflows
/// to the system allocator part of the way.
fn larger_than_the_region() -> Vec<u8> {
    let script = "buildah --root /r push img\n".repeat(ARENA_BYTES / 20);
    let task: Value = json!({
        "apiVersion": "tekton.dev/v1", "kind": "Task", "metadata": {"name": "big"},
        "spec": {"steps": [{"name": "build", "image": "quay.io/buildah/stable", "script": script}]},
    });
    serde_json::to_vec(&json!({"request": {"object": task}, "settings": {}})).unwrap()
}

/// The address the next small block gets: the region's first byte when nothing is alive.
fn next_block() -> usize {
    let probe = Box::new(0u64);
    std::hint::black_box(&*probe as *const u64).addr()
}

fn main() {
    let (examples, rounds) = if cfg!(miri) {
        (&EXAMPLES[..2], 2)
    } else {
        (EXAMPLES, 5)
    };
    let mut requests = payloads(examples);
    if !cfg!(miri) {
        requests.push(larger_than_the_region());
    }
    let expected: Vec<Vec<u8>> = requests.iter().map(|p| validate_json(p).unwrap()).collect();

    // From here on, as after `wapc_init`: every allocation comes from the region.
    ALLOCATOR.touch();
    ALLOCATOR.start();
    let first = next_block();
    let region: Range<usize> = first..first + ARENA_BYTES;
    let mut in_region = 0;
    for round in 0..rounds {
        for (i, (payload, want)) in requests.iter().zip(&expected).enumerate() {
            let got = validate_json(payload).unwrap();
            if got != *want {
                panic!(
                    "request {i}, round {round}: the arena changed the answer\n  system: {}\n  arena:  {}",
                    String::from_utf8_lossy(want),
                    String::from_utf8_lossy(&got)
                );
            }
            in_region += usize::from(region.contains(&got.as_ptr().addr()));
            drop(got);
            assert_eq!(
                next_block(),
                first,
                "request {i}, round {round}: something it allocated is still alive"
            );
        }
    }
    // All but the one larger than the region, at least.
    assert!(
        in_region >= (requests.len() - usize::from(!cfg!(miri))) * rounds,
        "answers built in the region: {in_region} of {}",
        requests.len() * rounds
    );
    println!(
        "arena_global: {} requests x {rounds} rounds answered the same with the arena",
        requests.len()
    );
}
