//! Properties of the verdict, on generated Tasks whose steps run generated buildah scripts:
//! - it does not depend on how the YAML is written (block or flow style, key order, quoting,
//!   the script as a literal block or a quoted string) nor on line-continuation style;
//! - it does not depend on the order of an object's keys, which JSON and YAML leave open;
//! - adding a comment or an `echo` line never changes the findings;
//! - it is deterministic: another process (other hash seeds, other addresses), checking the
//!   same objects in the opposite order, gives the same findings, byte for byte;
//! - inserting a compliant option never adds a finding.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Map, Value, json};
use tekton_buildah_core::json::AsValue;
use tekton_buildah_core::text::check_text;
use tekton_buildah_core::{Finding, RuleId, Settings, check_object, json as core_json, yaml};

/// One line of a generated script.
#[derive(Debug, Clone)]
enum Line {
    Buildah {
        command: &'static str,
        root: bool,
        flags: Vec<&'static str>,
        args: Vec<&'static str>,
    },
    Echo(&'static str),
    Mkdir,
    If(Vec<Line>),
}

const COMMANDS: &[&str] = &[
    "bud", "build", "push", "pull", "images", "from", "tag", "version",
];
const FLAGS: &[&str] = &[
    "--storage-driver=vfs",
    "--storage-driver=overlay",
    "--format=oci",
    "--format docker",
    "--no-cache",
    "--layers=false",
    "--layers",
    "--squash",
    "--ulimit nofile=4096:8192",
    "--ulimit=nofile=1:2",
    "--digestfile /tmp/d",
    "--tls-verify=false",
    "-q",
];
const ARGS: &[&str] = &[
    "img",
    ".",
    "docker://registry.example/img",
    "\"$(params.IMAGE)\"",
    "oci:/tmp/o",
];
const ECHOES: &[&str] = &["hello", "buildah push img", "--root /x", "$(params.IMAGE)"];

fn line() -> impl Strategy<Value = Line> {
    let buildah = (
        prop::sample::select(COMMANDS),
        any::<bool>(),
        prop::collection::vec(prop::sample::select(FLAGS), 0..5),
        prop::collection::vec(prop::sample::select(ARGS), 0..3),
    )
        .prop_map(|(command, root, flags, args)| Line::Buildah {
            command,
            root,
            flags,
            args,
        });
    let leaf = prop_oneof![
        4 => buildah,
        1 => prop::sample::select(ECHOES).prop_map(Line::Echo),
        1 => Just(Line::Mkdir),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop::collection::vec(inner, 1..3).prop_map(Line::If)
    })
}

/// How a buildah command line is broken over lines.
#[derive(Debug, Clone, Copy)]
enum Continuation {
    OneLine,
    EachOption,
    AfterSubcommand,
}

fn render_script(lines: &[Line], cont: Continuation, indent: usize, out: &mut Vec<String>) {
    let pad = " ".repeat(indent);
    for l in lines {
        match l {
            Line::Buildah {
                command,
                root,
                flags,
                args,
            } => {
                let mut words: Vec<String> = vec!["buildah".into()];
                if *root {
                    words.push("--root \"$BUILDAH_STORAGE_ROOT\"".into());
                }
                words.push((*command).into());
                words.extend(flags.iter().map(|f| f.to_string()));
                words.extend(args.iter().map(|a| a.to_string()));
                let split_from = match cont {
                    Continuation::OneLine => words.len(),
                    Continuation::EachOption => 1,
                    Continuation::AfterSubcommand => 2 + usize::from(*root),
                };
                let (head, tail) = words.split_at(split_from.min(words.len()));
                let mut text = format!("{pad}{}", head.join(" "));
                for w in tail {
                    text.push_str(&format!(" \\\n{pad}  {w}"));
                }
                out.push(text);
            }
            Line::Echo(text) => out.push(format!("{pad}echo \"{text}\"")),
            Line::Mkdir => out.push(format!("{pad}mkdir -p \"$TMPDIR\"")),
            Line::If(inner) => {
                out.push(format!("{pad}if [ -n \"$X\" ]; then"));
                render_script(inner, cont, indent + 2, out);
                out.push(format!("{pad}fi"));
            }
        }
    }
}

fn script_of(lines: &[Line], cont: Continuation) -> String {
    let mut out = Vec::new();
    render_script(lines, cont, 0, &mut out);
    let mut s = out.join("\n");
    s.push('\n');
    s
}

#[derive(Debug, Clone)]
struct Task {
    v1: bool,
    env: Vec<(&'static str, &'static str)>,
    privileged: bool,
    caps: Vec<&'static str>,
    resources: bool,
    steps: Vec<Vec<Line>>,
}

fn task() -> impl Strategy<Value = Task> {
    (
        any::<bool>(),
        prop::collection::vec(
            (
                prop::sample::select(
                    &[
                        "BUILDAH_STORAGE_ROOT",
                        "TMPDIR",
                        "HOME",
                        "STORAGE_DRIVER",
                        "BUILDAH_FORMAT",
                    ][..],
                ),
                prop::sample::select(
                    &[
                        "$(workspaces.source.path)/x",
                        "/tmp",
                        "vfs",
                        "oci",
                        "overlay",
                    ][..],
                ),
            ),
            0..5,
        ),
        any::<bool>(),
        prop::collection::vec(
            prop::sample::select(&["SETFCAP", "SYS_ADMIN", "CHOWN"][..]),
            0..3,
        ),
        any::<bool>(),
        prop::collection::vec(prop::collection::vec(line(), 1..6), 1..3),
    )
        .prop_map(|(v1, env, privileged, caps, resources, steps)| Task {
            v1,
            env,
            privileged,
            caps,
            resources,
            steps,
        })
}

fn to_json(t: &Task, cont: Continuation) -> Value {
    let field = if t.v1 {
        "computeResources"
    } else {
        "resources"
    };
    let steps: Vec<Value> = t
        .steps
        .iter()
        .enumerate()
        .map(|(i, lines)| {
            let mut s = json!({
                "name": format!("step-{i}"),
                "image": "quay.io/buildah/stable:v1",
                "env": t.env.iter().map(|(n, v)| json!({"name": n, "value": v})).collect::<Vec<_>>(),
                "securityContext": {"privileged": t.privileged, "capabilities": {"add": t.caps}},
                "script": script_of(lines, cont),
            });
            if t.resources {
                s[field] = json!({"requests": {"memory": "1Gi", "cpu": "1"}, "limits": {"memory": "2Gi", "cpu": "2"}});
            }
            s
        })
        .collect();
    json!({
        "apiVersion": if t.v1 { "tekton.dev/v1" } else { "tekton.dev/v1beta1" },
        "kind": "Task",
        "metadata": {"name": "generated"},
        "spec": {"workspaces": [{"name": "source"}], "params": [{"name": "IMAGE"}], "steps": steps},
    })
}

/// How the YAML is written.
#[derive(Debug, Clone, Copy)]
struct Style {
    flow: bool,
    reverse_keys: bool,
    quote_all: bool,
    literal_scripts: bool,
}

fn style() -> impl Strategy<Value = Style> {
    (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
        |(flow, reverse_keys, quote_all, literal_scripts)| Style {
            flow,
            reverse_keys,
            quote_all,
            literal_scripts,
        },
    )
}

fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn scalar(v: &Value, style: Style) -> String {
    match v {
        Value::String(s) => {
            let plain = !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._/-".contains(c))
                && !s.starts_with('-')
                && s.parse::<f64>().is_err()
                && !matches!(
                    s.as_str(),
                    "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
                );
            if plain && !style.quote_all {
                s.clone()
            } else {
                quoted(s)
            }
        }
        other => other.to_string(),
    }
}

fn keys(m: &Map<String, Value>, style: Style) -> Vec<&String> {
    let mut k: Vec<&String> = m.keys().collect();
    if style.reverse_keys {
        k.reverse();
    }
    k
}

/// A YAML rendering of `v`, block style at `indent` (or flow style inside collections).
fn emit(v: &Value, indent: usize, style: Style, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(_) if style.flow && indent > 0 => out.push_str(&flow(v, style)),
        Value::Object(m) => {
            for k in keys(m, style) {
                let x = &m[k];
                out.push_str(&format!("\n{pad}{k}:"));
                match x {
                    Value::String(s) if s.contains('\n') && style.literal_scripts => {
                        out.push_str(" |");
                        for l in s.trim_end_matches('\n').split('\n') {
                            out.push('\n');
                            if !l.is_empty() {
                                out.push_str(&format!("{pad}  {l}"));
                            }
                        }
                    }
                    Value::Array(a) if a.is_empty() => out.push_str(" []"),
                    Value::Object(o) if o.is_empty() => out.push_str(" {}"),
                    Value::Object(_) | Value::Array(_) if !style.flow => {
                        emit(x, indent + 2, style, out)
                    }
                    Value::Object(_) | Value::Array(_) => {
                        out.push(' ');
                        out.push_str(&flow(x, style));
                    }
                    _ => {
                        out.push(' ');
                        out.push_str(&scalar(x, style));
                    }
                }
            }
        }
        Value::Array(items) => {
            for x in items {
                out.push_str(&format!("\n{pad}-"));
                match x {
                    Value::Object(_) | Value::Array(_) => {
                        let mut inner = String::new();
                        emit(x, indent + 2, style, &mut inner);
                        out.push_str(&format!(" {}", inner.trim_start()));
                    }
                    _ => {
                        out.push(' ');
                        out.push_str(&scalar(x, style));
                    }
                }
            }
        }
        _ => out.push_str(&scalar(v, style)),
    }
}

fn flow(v: &Value, style: Style) -> String {
    match v {
        Value::Object(m) => {
            let parts: Vec<String> = keys(m, style)
                .into_iter()
                .map(|k| format!("{}: {}", k, flow(&m[k], style)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|x| flow(x, style))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::String(s) if s.contains('\n') => quoted(s),
        other => scalar(other, style),
    }
}

fn yaml_text(v: &Value, style: Style) -> String {
    let mut out = String::new();
    emit(v, 0, style, &mut out);
    out.trim_start().to_string() + "\n"
}

/// What a finding says, without positions inside the script.
fn key(f: &Finding) -> (String, String, String) {
    let mut message = String::new();
    let mut rest = f.message.as_str();
    // A storage finding stands for every call whose storage root (or temporary directory)
    // lands on one place, named by the first call: the problem is which path lands where, not
    // which call is named nor how the path is spelled (a compliant `--root` may move it from
    // one spot of the container's filesystem to another).
    if f.rule == RuleId::StorageOnNodeDisk
        && let Some(i) = rest.find(" keeps its ")
        && let Some(j) = rest[i..].find(" on ")
    {
        let noun = rest[i..].split('`').next().unwrap_or("");
        return (
            f.rule.id().to_string(),
            f.path.clone(),
            format!("{noun}{}", &rest[i + j..]),
        );
    }
    while let Some(i) = rest.find("script line ") {
        message.push_str(&rest[..i + "script line ".len()]);
        rest = rest[i + "script line ".len()..].trim_start_matches(|c: char| c.is_ascii_digit());
        message.push('N');
    }
    message.push_str(rest);
    (f.rule.id().to_string(), f.path.clone(), message)
}

fn findings(v: &impl AsValue) -> Vec<(String, String, String)> {
    let mut k: Vec<_> = check_object(v, &Settings::default())
        .findings
        .iter()
        .map(key)
        .collect();
    k.sort();
    k
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn yaml_formatting_and_continuations_do_not_change_the_verdict(t in task(), s in style()) {
        let reference = to_json(&t, Continuation::OneLine);
        let want = findings(&reference);
        for cont in [Continuation::EachOption, Continuation::AfterSubcommand] {
            prop_assert_eq!(&findings(&to_json(&t, cont)), &want);
        }
        let text = yaml_text(&reference, s);
        let docs = yaml::load(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&docs[0].value, &reference, "{}", text);
        // As read (keys in the order written); `to_serde` would sort them again.
        prop_assert_eq!(&findings(&docs[0].value), &want);
    }

    #[test]
    fn comments_and_echo_lines_change_nothing(t in task(), at in any::<prop::sample::Index>(), noisy in any::<bool>()) {
        let v = to_json(&t, Continuation::OneLine);
        let want = findings(&v);
        let mut noisy_task = v.clone();
        let script = noisy_task["spec"]["steps"][0]["script"].as_str().unwrap().to_string();
        let lines: Vec<&str> = script.lines().collect();
        // Insert at a line boundary outside a continued command.
        let boundaries: Vec<usize> = (0..=lines.len())
            .filter(|&i| i == 0 || !lines[i - 1].ends_with('\\'))
            .collect();
        let i = boundaries[at.index(boundaries.len())];
        let extra = if noisy { "# buildah push img --root /var/lib/containers" } else { "echo \"buildah bud --layers\"" };
        let mut new_lines = lines.clone();
        new_lines.insert(i, extra);
        noisy_task["spec"]["steps"][0]["script"] = json!(new_lines.join("\n") + "\n");
        prop_assert_eq!(findings(&noisy_task), want);
    }

    #[test]
    fn the_verdict_does_not_depend_on_key_order(t in task(), seed in any::<u64>()) {
        let v = to_json(&t, Continuation::EachOption);
        // serde_json's map keeps keys sorted: that is the order the engine sees from `v`.
        let sorted = check_object(&v, &Settings::default());
        let shuffled = check_object(&with_keys_shuffled(&v, &mut Shuffle(seed | 1)), &Settings::default());
        prop_assert_eq!(&shuffled.findings, &sorted.findings);
        prop_assert_eq!(shuffled.rejection_message(), sorted.rejection_message());
    }

    #[test]
    fn a_compliant_option_never_adds_a_finding(t in task(), which in any::<prop::sample::Index>()) {
        let v = to_json(&t, Continuation::OneLine);
        let before = findings(&v);
        // Add a mandatory option right after the subcommand of one buildah call.
        let mut better = t.clone();
        let mut calls: Vec<&mut Line> = Vec::new();
        fn collect<'a>(lines: &'a mut [Line], out: &mut Vec<&'a mut Line>) {
            for l in lines {
                match l {
                    Line::If(inner) => collect(inner, out),
                    b @ Line::Buildah { .. } => out.push(b),
                    _ => {}
                }
            }
        }
        for step in &mut better.steps {
            collect(step, &mut calls);
        }
        if calls.is_empty() {
            return Ok(());
        }
        let n = calls.len();
        if let Line::Buildah { command, root, flags, .. } = &mut *calls[which.index(n)] {
            let compliant: &[&'static str] = match *command {
                "bud" | "build" => &["--format=oci", "--no-cache", "--layers=false", "--squash", "--ulimit nofile=4096:8192", "--storage-driver=vfs"],
                "push" => &["--digestfile /tmp/d", "--storage-driver=vfs"],
                _ => &["--storage-driver=vfs"],
            };
            for c in compliant {
                flags.insert(0, c);
            }
            *root = true;
        }
        let after = findings(&to_json(&better, Continuation::OneLine));
        for f in &after {
            prop_assert!(before.contains(f), "new finding {:?}", f);
        }
    }
}

/// A small xorshift generator for shuffles.
struct Shuffle(u64);

impl Shuffle {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// `v` as the engine's own JSON value, every object's keys in a shuffled order (lists keep
/// theirs: their order means something).
fn with_keys_shuffled(v: &Value, rng: &mut Shuffle) -> core_json::Value<'static> {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            for i in (1..entries.len()).rev() {
                entries.swap(i, rng.below(i + 1));
            }
            let mut out = core_json::Map::new();
            for (k, x) in entries {
                out.push(k.clone(), with_keys_shuffled(x, rng));
            }
            core_json::Value::Object(out)
        }
        Value::Array(items) => {
            core_json::Value::Array(items.iter().map(|x| with_keys_shuffled(x, rng)).collect())
        }
        other => core_json::Value::from(other).into_owned(),
    }
}

/// Set in the second process of [`the_verdict_is_the_same_in_another_process`]: where it
/// writes its verdicts.
const OTHER_PROCESS: &str = "TEKTON_BUILDAH_VERDICTS_OUT";
const SAME_IN_ANOTHER_PROCESS: &str = "the_verdict_is_the_same_in_another_process";

/// The same generated Tasks (and YAML styles) in every process: a fixed seed.
fn fixed_cases(n: usize) -> Vec<(Task, Style)> {
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[0x5e; 32]);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let strategy = (task(), style());
    (0..n)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}

/// Everything the adapters show of one case: the policy's report for the object, and the
/// CLI's for the object written as YAML (findings at their lines and columns).
fn verdict((t, s): &(Task, Style)) -> String {
    let v = to_json(t, Continuation::EachOption);
    let report = check_object(&v, &Settings::default());
    let text = check_text(&yaml_text(&v, *s), &Settings::default());
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n",
        report.checked,
        report.findings,
        report.rejection_message(),
        text.findings,
        text.errors
    )
}

/// Runs the engine on the same objects here and in a second process that checks them in the
/// opposite order: anything that reaches the output from a randomly seeded hash map, from
/// memory addresses or from state left by an earlier check makes them differ.
#[test]
fn the_verdict_is_the_same_in_another_process() {
    let cases = fixed_cases(200);
    if let Some(out) = std::env::var_os(OTHER_PROCESS) {
        let mut verdicts: Vec<String> = cases.iter().rev().map(verdict).collect();
        verdicts.reverse();
        std::fs::write(out, verdicts.join("\u{1e}")).unwrap();
        return;
    }
    let here: Vec<String> = cases.iter().map(verdict).collect();
    let out = std::env::temp_dir().join(format!("tekton-buildah-verdicts-{}", std::process::id()));
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([SAME_IN_ANOTHER_PROCESS, "--exact", "--test-threads=1", "-q"])
        .env(OTHER_PROCESS, &out)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "the second process failed: {status}");
    let there = std::fs::read_to_string(&out).expect("the second process wrote its verdicts");
    let _ = std::fs::remove_file(&out);
    let there: Vec<&str> = there.split('\u{1e}').collect();
    assert_eq!(there.len(), here.len());
    for ((case, a), b) in cases.iter().zip(&here).zip(there) {
        if let Some((x, y)) = a.lines().zip(b.lines()).find(|(x, y)| x != y) {
            panic!(
                "another process gives another verdict for\n{}\n--- here\n{x}\n--- there\n{y}",
                serde_json::to_string(&to_json(&case.0, Continuation::EachOption)).unwrap()
            );
        }
        assert_eq!(a, b);
    }
    // Most cases must have findings, or the comparison says little.
    let with_findings = cases.iter().filter(|c| {
        !check_object(
            &to_json(&c.0, Continuation::EachOption),
            &Settings::default(),
        )
        .findings
        .is_empty()
    });
    assert!(with_findings.count() > 150);
}
