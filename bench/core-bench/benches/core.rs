//! Native throughput of the rules library: checking parsed objects, reading YAML and checking
//! (the CLI's path, over the whole corpus), and the policy's `validate` on a JSON payload.

use core_bench::{CASES, read, repo_root};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use tekton_buildah_core::{Settings, check_object, yaml};

fn check(c: &mut Criterion) {
    let settings = Settings::default();
    let mut group = c.benchmark_group("check_object");
    for (name, file) in CASES {
        let text = read(file);
        let docs: Vec<_> = yaml::load_documents(&text)
            .into_iter()
            .filter_map(Result::ok)
            .collect();
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(name), &docs, |b, docs| {
            b.iter(|| {
                for d in docs {
                    black_box(check_object(&d.value, &settings));
                }
            })
        });
    }
    group.finish();
}

fn corpus(c: &mut Criterion) {
    let settings = Settings::default();
    let dir = repo_root().join("e2e-tests/corpus");
    let mut texts = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("corpus") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                texts.push(std::fs::read_to_string(&p).expect("utf-8"));
            }
        }
    }
    let bytes: usize = texts.iter().map(String::len).sum();
    let mut group = c.benchmark_group("corpus");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function(format!("yaml_and_check_{}_files", texts.len()), |b| {
        b.iter(|| {
            for t in &texts {
                for d in yaml::load_documents(t).into_iter().flatten() {
                    black_box(check_object(&d.value, &settings));
                }
            }
        })
    });
    group.finish();
}

criterion_group!(benches, check, corpus);
criterion_main!(benches);
