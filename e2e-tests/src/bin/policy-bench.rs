//! `make bench`, the Wasm part: policy.wasm against a no-op waPC policy (the runtime's floor),
//! side by side in one run on the same machine, in the waPC runtime policy-server uses.
//!
//! For each request it measures `validate` with a fresh instance per request (policy-server's
//! way: rehydrate, `wapc_init`, call, discard) and on one warm instance, alternating the two
//! modules call by call so that both see the same machine state. Then module size, compile
//! time and instantiation time.
//!
//! Usage: policy-bench [--iterations N] [--policy policy.wasm] [--noop noop.wasm]
//!                     [--annotated annotated-policy.wasm] [--settings policy.yaml]
//!                     [NAME=FILE.yaml ...]

use e2e_tests::{Policy, admission_request, repo_root, yaml_documents};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The requests of the issue: a typical buildah Task, a large one, a PipelineRun with
/// embedded taskSpecs, and an object that is not Tekton's.
const CASES: &[(&str, &str)] = &[
    (
        "seed Task (typical)",
        "examples/good/buildah-build-modelcar.yaml",
    ),
    (
        "Konflux buildah 0.9 Task (large)",
        "e2e-tests/corpus/konflux-ci__build-definitions/task__buildah__0.9__buildah.yaml",
    ),
    (
        "PipelineRun, 3 embedded taskSpecs",
        "bench/objects/pipelinerun-embedded.yaml",
    ),
    ("Deployment (not Tekton)", "bench/objects/deployment.yaml"),
];

struct Options {
    iterations: usize,
    policy: PathBuf,
    noop: PathBuf,
    annotated: PathBuf,
    settings: PathBuf,
    cases: Vec<(String, PathBuf)>,
}

fn options() -> Options {
    let root = repo_root();
    let mut o = Options {
        iterations: 3000,
        policy: root.join("policy.wasm"),
        noop: root.join("target/noop/wasm32-wasip1/release/noop_policy.wasm"),
        annotated: root.join("annotated-policy.wasm"),
        settings: root.join("policy.yaml"),
        cases: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .unwrap_or_else(|| panic!("{name} needs a value"))
        };
        match a.as_str() {
            "--iterations" => o.iterations = value("--iterations").parse().expect("--iterations N"),
            "--policy" => o.policy = value("--policy").into(),
            "--noop" => o.noop = value("--noop").into(),
            "--annotated" => o.annotated = value("--annotated").into(),
            "--settings" => o.settings = value("--settings").into(),
            case => {
                let (name, file) = case.split_once('=').expect("cases are NAME=FILE.yaml");
                o.cases.push((name.to_string(), file.into()));
            }
        }
    }
    if o.cases.is_empty() {
        o.cases = CASES
            .iter()
            .map(|(name, file)| (name.to_string(), root.join(file)))
            .collect();
    }
    o
}

/// Median and 99th percentile.
fn stats(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
    (at(0.5), at(0.99))
}

/// Minor page faults of this process so far (Linux): for a fresh instance, every page of
/// linear memory it touches is one (or, for the module's read-only data, one per 64 KiB
/// the kernel maps around a read).
fn minor_faults() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let after = &stat[stat.rfind(')')? + 2..];
    after.split(' ').nth(7)?.parse().ok()
}

/// Page faults per `validate` on a fresh instance, averaged over `n` calls.
fn faults_per_call(policy: &Policy, payload: &[u8], n: usize) -> Option<f64> {
    let before = minor_faults()?;
    for _ in 0..n {
        policy.call("validate", payload).expect("validate");
    }
    Some((minor_faults()? - before) as f64 / n as f64)
}

fn us(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e6)
}

/// The settings a cluster sends with every request: `spec.settings` of the policy resource.
fn settings(path: &Path) -> Value {
    let docs = yaml_documents(path).unwrap_or_else(|e| panic!("{e}"));
    docs.first()
        .map(|d| d["spec"]["settings"].clone())
        .filter(|s| !s.is_null())
        .unwrap_or_else(|| json!({}))
}

fn load(path: &Path) -> (Policy, Duration, u64) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run `make bench`, which builds it)",
            path.display()
        )
    });
    let start = Instant::now();
    let policy = Policy::from_bytes(&bytes).unwrap_or_else(|e| panic!("{e}"));
    (policy, start.elapsed(), bytes.len() as u64)
}

fn accepted(response: &[u8]) -> bool {
    serde_json::from_slice::<Value>(response)
        .ok()
        .and_then(|v| v["accepted"].as_bool())
        .unwrap_or_else(|| {
            panic!(
                "not a validation response: {}",
                String::from_utf8_lossy(response)
            )
        })
}

fn main() {
    let o = options();
    let settings = settings(&o.settings);
    let (ours, ours_compile, ours_size) = load(&o.policy);
    let (noop, noop_compile, noop_size) = load(&o.noop);
    let n = o.iterations;

    println!("## validate latency, µs ({n} requests per cell, modules alternating call by call)\n");
    println!("Settings: `spec.settings` of {}.\n", o.settings.display());
    println!(
        "| request | bytes | verdict | fresh: ours p50 / p99 | fresh: no-op p50 / p99 | fresh ratio | warm: ours p50 / p99 | warm: no-op p50 / p99 | warm ratio |"
    );
    println!("|---|---:|---|---:|---:|---:|---:|---:|---:|");
    let mut faults = Vec::new();
    for (name, file) in &o.cases {
        let docs = yaml_documents(file).unwrap_or_else(|e| panic!("{e}"));
        // The largest Tekton document of the file (or its first document).
        let object = docs
            .iter()
            .max_by_key(|d| serde_json::to_vec(d).map(|v| v.len()).unwrap_or(0))
            .expect("a document");
        let payload = serde_json::to_vec(&json!({
            "request": admission_request(object, "CREATE"),
            "settings": settings,
        }))
        .expect("JSON");
        let verdict = if accepted(&ours.call("validate", &payload).expect("validate")) {
            "accepted"
        } else {
            "rejected"
        };
        assert!(accepted(
            &noop.call("validate", &payload).expect("validate")
        ));

        let (mut ours_fresh, mut noop_fresh) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for _ in 0..n {
            let t = Instant::now();
            ours.call("validate", &payload).expect("validate");
            ours_fresh.push(t.elapsed());
            let t = Instant::now();
            noop.call("validate", &payload).expect("validate");
            noop_fresh.push(t.elapsed());
        }
        let (ours_host, noop_host) = (ours.warm_host().unwrap(), noop.warm_host().unwrap());
        let (mut ours_warm, mut noop_warm) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for _ in 0..n {
            let t = Instant::now();
            ours_host.call("validate", &payload).expect("validate");
            ours_warm.push(t.elapsed());
            let t = Instant::now();
            noop_host.call("validate", &payload).expect("validate");
            noop_warm.push(t.elapsed());
        }
        faults.push((
            name,
            faults_per_call(&ours, &payload, 200),
            faults_per_call(&noop, &payload, 200),
        ));
        let (of, of99) = stats(ours_fresh);
        let (nf, nf99) = stats(noop_fresh);
        let (ow, ow99) = stats(ours_warm);
        let (nw, nw99) = stats(noop_warm);
        println!(
            "| {name} | {} | {verdict} | {} / {} | {} / {} | {:.2}× | {} / {} | {} / {} | {:.2}× |",
            payload.len(),
            us(of),
            us(of99),
            us(nf),
            us(nf99),
            of.as_secs_f64() / nf.as_secs_f64(),
            us(ow),
            us(ow99),
            us(nw),
            us(nw99),
            ow.as_secs_f64() / nw.as_secs_f64(),
        );
    }

    println!("\n## Page faults per fresh instance (instantiate, `wapc_init`, `validate`)\n");
    println!("| request | ours | no-op |");
    println!("|---|---:|---:|");
    for (name, ours, noop) in faults {
        let show = |f: Option<f64>| f.map_or("n/a".into(), |f| format!("{f:.1}"));
        println!("| {name} | {} | {} |", show(ours), show(noop));
    }

    println!("\n## Module\n");
    println!(
        "| module | bytes | compile (once per policy-server start) | instantiate + `wapc_init`, p50 |"
    );
    println!("|---|---:|---:|---:|");
    let instantiate = |p: &Policy| {
        let mut samples = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            drop(p.warm_host().expect("instance"));
            samples.push(t.elapsed());
        }
        stats(samples).0
    };
    let annotated = std::fs::metadata(&o.annotated)
        .map(|m| format!(" ({} annotated)", m.len()))
        .unwrap_or_default();
    println!(
        "| policy.wasm | {ours_size}{annotated} | {:.0} ms | {} µs |",
        ours_compile.as_secs_f64() * 1e3,
        us(instantiate(&ours))
    );
    println!(
        "| no-op policy | {noop_size} | {:.0} ms | {} µs |",
        noop_compile.as_secs_f64() * 1e3,
        us(instantiate(&noop))
    );
}
