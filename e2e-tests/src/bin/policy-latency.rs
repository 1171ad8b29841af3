//! Measures `validate` on policy.wasm in the waPC runtime: a fresh instance per request (what
//! policy-server does) and a warm instance, on the bundled examples.
//!
//! Usage: policy-latency [--policy policy.wasm] [--iterations N] FILE.yaml...

use e2e_tests::{Policy, admission_request, default_wasm, yaml_documents};
use serde_json::json;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut wasm = default_wasm();
    let mut n = 2000usize;
    let mut files = Vec::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--policy" => wasm = PathBuf::from(args.next().expect("--policy FILE")),
            "--iterations" => {
                n = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--iterations N")
            }
            _ => files.push(PathBuf::from(a)),
        }
    }
    let size = std::fs::metadata(&wasm).map(|m| m.len()).unwrap_or(0);
    let policy = Policy::load(&wasm).unwrap_or_else(|e| panic!("{e}"));
    println!("{}: {size} bytes", wasm.display());
    for file in files {
        for doc in yaml_documents(&file).unwrap() {
            let payload = serde_json::to_vec(&json!({
                "request": admission_request(&doc, "CREATE"),
                "settings": {},
            }))
            .unwrap();
            let mut fresh = Vec::with_capacity(n);
            for _ in 0..n {
                let t = Instant::now();
                policy.call("validate", &payload).unwrap();
                fresh.push(t.elapsed());
            }
            let host = policy.warm_host().unwrap();
            let mut warm = Vec::with_capacity(n);
            for _ in 0..n {
                let t = Instant::now();
                host.call("validate", &payload).unwrap();
                warm.push(t.elapsed());
            }
            fresh.sort();
            warm.sort();
            println!(
                "{} ({} bytes of request): fresh instance median {:?} p99 {:?}; warm median {:?} p99 {:?}",
                file.display(),
                payload.len(),
                percentile(&fresh, 0.5),
                percentile(&fresh, 0.99),
                percentile(&warm, 0.5),
                percentile(&warm, 0.99),
            );
        }
    }
}
