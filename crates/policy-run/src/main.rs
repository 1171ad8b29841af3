//! Evaluates Tekton YAML files through policy.wasm and prints, for each document, the verdict
//! and the policy's message: what a cluster would answer (the module runs in the wasmi
//! interpreter; the e2e tests check that wasmtime, as policy-server runs it, answers the same).
//!
//! Usage: policy-run [--policy policy.wasm] [--settings settings.json] FILE_OR_DIR...

use policy_run::{Policy, default_wasm, yaml_each};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut wasm = default_wasm();
    let mut settings = Value::Object(Default::default());
    let mut inputs = Vec::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--policy" => wasm = args.next().map(PathBuf::from).unwrap_or(wasm),
            "--settings" => {
                let Some(path) = args.next() else {
                    eprintln!("--settings needs a file");
                    return ExitCode::from(2);
                };
                match std::fs::read_to_string(&path)
                    .map_err(|e| e.to_string())
                    .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
                {
                    Ok(v) => settings = v,
                    Err(e) => {
                        eprintln!("{path}: {e}");
                        return ExitCode::from(2);
                    }
                }
            }
            _ => inputs.push(PathBuf::from(a)),
        }
    }
    let policy = match Policy::load(&wasm) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match policy.validate_settings(&settings) {
        Ok(r) if r.valid => {}
        Ok(r) => {
            eprintln!("settings are not valid: {}", r.message.unwrap_or_default());
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    }
    let mut files = Vec::new();
    for input in &inputs {
        collect(input, &mut files);
    }
    files.sort();
    let mut failed = false;
    for file in &files {
        let docs = match yaml_each(file) {
            Ok(d) => d,
            Err(e) => {
                println!("ERROR     {e}");
                failed = true;
                continue;
            }
        };
        for doc in docs {
            let doc = match doc {
                Ok(d) => d,
                Err(e) => {
                    println!("ERROR     not valid YAML: {e}");
                    failed = true;
                    continue;
                }
            };
            let name = format!(
                "{} {}/{}",
                file.display(),
                doc["kind"].as_str().unwrap_or("?"),
                doc["metadata"]["name"]
                    .as_str()
                    .or_else(|| doc["metadata"]["generateName"].as_str())
                    .unwrap_or("?")
            );
            match policy.validate(&doc, &settings) {
                Ok(r) => {
                    let verdict = if r.accepted { "ADMITTED" } else { "REJECTED" };
                    println!("{verdict}  {name}");
                    if let Some(m) = &r.message {
                        println!("          {m}");
                    }
                    for w in r.warnings.iter().flatten() {
                        println!("          warning: {w}");
                    }
                }
                Err(e) => {
                    println!("ERROR     {name}: {e}");
                    failed = true;
                }
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let Ok(entries) = std::fs::read_dir(path) else {
            return;
        };
        for e in entries.flatten() {
            collect(&e.path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
        out.push(path.to_path_buf());
    }
}
