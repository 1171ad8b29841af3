//! What the fuzz targets share: the structured Tekton generator (Tasks, runs, pipelines and
//! StepActions whose steps are built from shell and buildah fragments, chosen by the fuzzer's
//! bytes: `Object::arbitrary`, then `object`), `keys_reversed` and policy.wasm's answers
//! (`oracle`).

use arbitrary::Arbitrary;
use serde_json::{Value, json};
use tekton_buildah_core::json as core_json;

pub mod oracle;

const TOKENS: &[&str] = &[
    "buildah", "/usr/bin/buildah", "bud", "build", "push", "pull", "from", "images", "info", "version",
    "manifest", "unshare", "--root", "\"$BUILDAH_STORAGE_ROOT\"", "${BUILDAH_STORAGE_ROOT}", "--root=/r",
    "--storage-driver=vfs", "--format", "oci", "--format=docker", "--layers=false", "--layers", "--squash",
    "--no-cache", "--ulimit", "nofile=4096:8192", "--digestfile", "/tmp/d", "-f", "-t", "img", ".",
    "docker://x", "oci:/o", "--", "-qf", "$(params.FORMAT)", "$(params.ARGS[*])", "$(workspaces.source.path)",
    "\"${ARGS[@]}\"", "$EXTRA", "\"$@\"", "$1", "$(", ")", "`", "'", "\"", "\\", "\n", ";", "&&", "||", "|",
    "&", "(", "{", "}", "if", "then", "else", "fi", "for", "in", "do", "done", "while", "case", "esac", ";;",
    "function", "f()", "f", "retry", "sudo", "-E", "env", "A=b", "exec", "time", "nohup", "timeout", "10",
    "sh", "bash", "-c", "eval", "source", "./x.sh", "cat", ">", "x.sh", "<<'EOF'", "<<EOF", "EOF", "<<<",
    "base64", "-d", "printf", "'%s'", "'%q '", "echo", "#", "ARGS=(", "ARGS+=(", "cmd=", "$cmd", "export",
    "local", "set", "--", "shift", "${x:-bud}", "${R:+--root $R}", "$((1+2))", "<(", "[[", "]]", "!",
];

/// Fragments of the first step's prelude: wrappers written, linked or copied onto `PATH`,
/// `PATH` changes and aliases (kept apart from `TOKENS`, so that the inputs saved under
/// fuzz/regressions keep meaning what they meant).
const PATH_TOKENS: &[&str] = &[
    "bh", "/tmp/bin/bh", "/usr/local/bin/bh", "PATH=/tmp/bin:$PATH", "export", "PATH=\"$PATH:/tmp/bin\"",
    "alias", "bh=buildah", "'bh=buildah --root /r'", "unalias", "shopt", "-s", "expand_aliases", "ln", "-sf",
    "/usr/bin/buildah", "cp", "mv", "install", "-m", "755", "/tmp/w.sh", "chmod", "+x", "printf",
    "'#!/bin/sh\\nbuildah \"$@\"\\n'", "'%s\\n'", "echo", "'buildah \"$@\"'", ">", ">>", "tee", "cat", "<<'EOF'",
    "EOF", "\n", ";", "&&", "curl", "-o", "sed", "-i", "s/x/y/", "env", "#!/bin/bash\n", "push", "img", "\"$@\"",
    "--root", "/r",
];

const IMAGES: &[&str] = &["quay.io/buildah/stable", "alpine", "$(params.IMAGE)", "registry/task-runner"];
const ENV: &[&str] = &["BUILDAH_STORAGE_ROOT", "TMPDIR", "HOME", "STORAGE_DRIVER", "BUILDAH_FORMAT", "EXTRA"];
const VALUES: &[&str] = &["$(workspaces.source.path)/x", "/tmp", "vfs", "overlay", "oci", "$(params.FORMAT)", ""];
const CAPS: &[&str] = &["SETFCAP", "SYS_ADMIN", "ALL", "cap_setfcap", "bogus"];

#[derive(Debug, Arbitrary)]
pub struct Step {
    named: bool,
    image: u8,
    tokens: Vec<u8>,
    exec: Option<Vec<u8>>,
    env: Vec<(u8, u8)>,
    privileged: Option<bool>,
    caps: Option<Vec<u8>>,
    requests: bool,
    limits: bool,
    wrong_field: bool,
}

#[derive(Debug, Arbitrary)]
pub struct Object {
    kind: u8,
    v1: bool,
    template: Option<Step>,
    steps: Vec<Step>,
    sidecars: Vec<Step>,
    workspace: bool,
    /// Put before the first step's script (`PATH_TOKENS`). Last, so that the fields before
    /// it read the same bytes as before it was added.
    path_prelude: Vec<u8>,
}

fn pick<'a>(list: &[&'a str], i: u8) -> &'a str {
    list[i as usize % list.len()]
}

fn script(tokens: &[u8]) -> String {
    tokens.iter().map(|&t| pick(TOKENS, t)).collect::<Vec<_>>().join(" ")
}

fn step(s: &Step, i: usize, v1: bool) -> Value {
    let mut v = json!({"image": pick(IMAGES, s.image)});
    if s.named {
        v["name"] = json!(format!("s{i}"));
    }
    match &s.exec {
        Some(words) => {
            let words: Vec<&str> = words.iter().map(|&t| pick(TOKENS, t)).collect();
            v["command"] = json!(words.iter().take(2).collect::<Vec<_>>());
            v["args"] = json!(words.iter().skip(2).collect::<Vec<_>>());
        }
        None => v["script"] = json!(script(&s.tokens)),
    }
    if !s.env.is_empty() {
        v["env"] = json!(s.env.iter().map(|&(n, x)| json!({"name": pick(ENV, n), "value": pick(VALUES, x)})).collect::<Vec<_>>());
    }
    let mut sc = json!({});
    if let Some(p) = s.privileged {
        sc["privileged"] = json!(p);
    }
    if let Some(caps) = &s.caps {
        sc["capabilities"] = json!({"add": caps.iter().map(|&c| pick(CAPS, c)).collect::<Vec<_>>()});
    }
    v["securityContext"] = sc;
    let field = if v1 != s.wrong_field { "computeResources" } else { "resources" };
    let mut res = json!({});
    if s.requests {
        res["requests"] = json!({"memory": "1Gi", "cpu": "1"});
    }
    if s.limits {
        res["limits"] = json!({"memory": "2Gi", "cpu": "2"});
    }
    v[field] = res;
    v
}

fn task_spec(o: &Object, extra: &str) -> Value {
    let mut steps: Vec<Value> = o.steps.iter().take(8).enumerate().map(|(i, s)| step(s, i, o.v1)).collect();
    if !o.path_prelude.is_empty()
        && let Some(text) = steps.first().and_then(|s| s.get("script")).and_then(Value::as_str)
    {
        let prelude: Vec<&str> = o.path_prelude.iter().map(|&t| pick(PATH_TOKENS, t)).collect();
        steps[0]["script"] = json!(format!("{}\n{text}", prelude.join(" ")));
    }
    for s in &mut steps {
        if let Some(text) = s.get("script").and_then(Value::as_str) {
            s["script"] = json!(format!("{text}{extra}"));
        }
    }
    let mut spec = json!({
        "params": [{"name": "FORMAT", "default": "oci"}, {"name": "ARGS", "type": "array", "default": ["--squash"]}, {"name": "IMAGE"}],
        "steps": steps,
        "sidecars": o.sidecars.iter().take(2).enumerate().map(|(i, s)| step(s, i, o.v1)).collect::<Vec<_>>(),
    });
    if let Some(t) = &o.template {
        spec["stepTemplate"] = step(t, 0, o.v1);
    }
    if o.workspace {
        spec["workspaces"] = json!([{"name": "source"}]);
    }
    spec
}

/// The object `o` describes, with `extra` appended to every script.
pub fn object(o: &Object, extra: &str) -> Value {
    let ts = task_spec(o, extra);
    let (kind, spec) = match o.kind % 6 {
        0 => ("Task", ts),
        1 => ("TaskRun", json!({"taskSpec": ts})),
        2 => ("Pipeline", json!({"tasks": [{"name": "a", "taskSpec": ts}], "finally": [{"name": "f", "taskRef": {"name": "x"}}]})),
        3 => ("PipelineRun", json!({"pipelineSpec": {"finally": [{"name": "f", "taskSpec": ts}]}})),
        4 => ("ClusterTask", ts),
        _ => ("StepAction", ts["steps"].get(0).cloned().unwrap_or(json!({}))),
    };
    let version = if o.v1 && kind != "StepAction" { "tekton.dev/v1" } else { "tekton.dev/v1beta1" };
    json!({"apiVersion": version, "kind": kind, "metadata": {"name": "fuzz"}, "spec": spec})
}

/// Whether some script ends in a backslash, which continues its last line into what follows.
pub fn ends_continued(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.iter().any(|(k, v)| match v {
            Value::String(s) if k == "script" => s.ends_with('\\'),
            _ => ends_continued(v),
        }),
        Value::Array(a) => a.iter().any(ends_continued),
        _ => false,
    }
}

/// `v` as the engine's own JSON value with every object's keys in reverse order: serde_json
/// keeps them sorted, so the engine sees them unsorted. JSON leaves the order of keys open, so
/// the findings must not change.
pub fn keys_reversed(v: &serde_json::Value) -> core_json::Value<'static> {
    match v {
        serde_json::Value::Object(m) => {
            let mut out = core_json::Map::new();
            for (k, x) in m.iter().rev() {
                out.push(k.clone(), keys_reversed(x));
            }
            core_json::Value::Object(out)
        }
        serde_json::Value::Array(items) => {
            core_json::Value::Array(items.iter().map(keys_reversed).collect())
        }
        other => core_json::Value::from(other).into_owned(),
    }
}
