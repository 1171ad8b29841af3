//! Table tests: which buildah calls a step makes, and where the analysis has to give up.

use super::*;
use crate::tekton::{merge_step, read_object};
use serde_json::{Value, json};

fn analyze_step(step: Value, params: Value) -> Analysis {
    let task = json!({
        "apiVersion": "tekton.dev/v1",
        "kind": "Task",
        "metadata": {"name": "t"},
        "spec": {"params": params, "steps": [step]},
    });
    let task = crate::json::Value::from(&task);
    let obj = read_object(&task).unwrap().unwrap();
    let spec = &obj.specs[0];
    let merged = merge_step(&spec.steps[0], None);
    analyze(&merged, &spec.params)
}

fn script(s: &str) -> Analysis {
    analyze_step(json!({"name": "s", "image": "img", "script": s}), json!([]))
}

/// `subcommand@line` for each invocation (`?` when the subcommand is not known), at the line
/// findings would point to.
fn calls(a: &Analysis, src: &str) -> Vec<String> {
    a.invocations
        .iter()
        .map(|i| {
            let name = i.call.command_name().unwrap_or("?");
            let loc = i.report_loc();
            let line = if loc.source == Source::Script {
                line_of(src, loc.span.start)
            } else {
                0
            };
            format!("{name}@{line}")
        })
        .collect()
}

/// Each script is reported as unanalyzable with a reason containing its text.
fn assert_reported(cases: &[(&str, &str)]) {
    for (src, want) in cases {
        let a = script(src);
        let reasons: Vec<&str> = a.unanalyzable.iter().map(|u| u.reason.as_str()).collect();
        assert!(
            reasons.iter().any(|r| r.contains(want)),
            "script: {src:?}\nwant a reason containing {want:?}\ngot {reasons:?}"
        );
    }
}

fn found(s: &str) -> Vec<String> {
    calls(&script(s), s)
}

/// The `--long` options of the first invocation, as `name=value` (`name` for bare booleans).
fn options(a: &Analysis) -> Vec<String> {
    let inv = &a.invocations[0];
    inv.call
        .options
        .iter()
        .map(|o| match &o.value {
            Some(v) => format!("{}={}", o.long, v.text),
            None => o.long.to_string(),
        })
        .collect()
}

#[test]
fn finds_buildah_through_wrappers_and_control_structures() {
    let cases: &[(&str, &[&str])] = &[
        ("buildah bud .", &["build@1"]),
        ("/usr/bin/buildah push img", &["push@1"]),
        ("exec buildah push img", &["push@1"]),
        ("exec -a name buildah push img", &["push@1"]),
        ("time buildah push img", &["push@1"]),
        ("time -p buildah push img", &["push@1"]),
        ("sudo -E buildah push img", &["push@1"]),
        ("sudo -u root -E buildah push img", &["push@1"]),
        ("env STORAGE_DRIVER=vfs buildah push img", &["push@1"]),
        ("env -i -u X A=b buildah push img", &["push@1"]),
        ("nice -n 10 buildah push img", &["push@1"]),
        ("nohup buildah push img &", &["push@1"]),
        ("timeout 10m buildah push img", &["push@1"]),
        ("command buildah push img", &["push@1"]),
        ("stdbuf -oL buildah push img", &["push@1"]),
        (
            "unshare -Uf --keep-caps -r --map-users 1,1,65536 --mount -- buildah build .",
            &["build@1"],
        ),
        ("buildah unshare buildah push img", &["push@1"]),
        ("buildah unshare -m a:b -- buildah push img", &["push@1"]),
        ("if buildah push img; then :; fi", &["push@1"]),
        (
            "if true\nthen\n  buildah push a\nelse\n  buildah push b\nfi",
            &["push@3", "push@5"],
        ),
        ("while ! buildah push img; do sleep 1; done", &["push@1"]),
        (
            "for i in 1 2; do buildah push img && break; done",
            &["push@1"],
        ),
        ("until buildah push img; do :; done", &["push@1"]),
        ("false || buildah push img", &["push@1"]),
        ("echo x | buildah push img", &["push@1"]),
        ("( buildah push img )", &["push@1"]),
        ("{ buildah push img; }", &["push@1"]),
        (
            "case \"$x\" in\n  a|b) buildah push img ;;\n  *) buildah push other ;;\nesac",
            &["push@2", "push@3"],
        ),
        ("X=$(buildah from img)", &["from@1"]),
        ("echo \"id: $(buildah images -q)\"", &["images@1"]),
        ("X=`buildah info`", &["info@1"]),
        ("[[ -n $(buildah images -q) ]] && echo yes", &["images@1"]),
        ("diff <(buildah images) expected", &["images@1"]),
        ("export CTR=$(buildah from img)", &["from@1"]),
        ("local x=$(buildah mount ctr)", &["mount@1"]),
        ("sh -c 'buildah push img'", &["push@1"]),
        ("bash -ec \"buildah push img\"", &["push@1"]),
        ("cmd='buildah push img'\nsh -c \"$cmd\"", &["push@2"]),
        ("bash <<'EOF'\nbuildah push img\nEOF", &["push@2"]),
        ("buildah \\\n  --root /r \\\n  push img", &["push@1"]),
        ("set -e; buildah push img; echo done", &["push@1"]),
        (
            "retry() { for i in 1 2 3; do \"$@\" && return 0; done; }\nretry buildah push img",
            &["push@2"],
        ),
        (
            "_buildah() { buildah --storage-driver=vfs \"$@\"; }\n_buildah bud .\n_buildah push img",
            &["build@2", "push@3"],
        ),
        ("CMD=(buildah push img)\n\"${CMD[@]}\"", &["push@1"]),
        ("B=buildah\n$B push img", &["push@2"]),
        ("eval 'buildah push img'", &["push@1"]),
        ("retry buildah push img", &["push@1"]),
        (
            "buildah() { command buildah --root /r \"$@\"; }\nbuildah push img",
            &["push@2"],
        ),
    ];
    for (src, want) in cases {
        assert_eq!(found(src), *want, "script: {src:?}");
    }
}

#[test]
fn text_that_merely_mentions_buildah_is_not_a_call() {
    let cases = [
        "# buildah push img",
        "echo \"buildah push img\"",
        "echo buildah push img",
        "echo 'Run buildah build'",
        "cat <<EOF\nbuildah push img\nEOF",
        "cat <<'EOF' > Containerfile\nFROM x\nRUN buildah push img\nEOF",
        "cat <<-EOF\n\tbuildah push img\n\tEOF",
        "printf '%s\\n' buildah",
        "BUILDAH_FORMAT=oci",
        "command -v buildah",
        "which buildah || exit 1",
        "type buildah",
        "echo $(params.buildah-image)",
        "x=\"buildah push img\"",
        "label_pairs+=(\"io.buildah.version=1\")",
        "cosign initialize --root \"${TUF_URL}/root.json\"",
        "skopeo inspect --format '{{index .Labels \"io.buildah.version\"}}' docker://x",
        "f() { echo buildah; }\nf",
    ];
    for src in cases {
        assert_eq!(found(src), Vec::<String>::new(), "script: {src:?}");
    }
}

#[test]
fn unreadable_commands_are_reported() {
    let cases = [
        ("$cmd push img", "the command name comes from `$cmd`"),
        (
            "eval \"$BUILD\"",
            "`eval` runs the command line in `$BUILD`, which is only known",
        ),
        (
            "curl -sSfL \"$URL\" | bash",
            "runs a script read from a pipe",
        ),
        (
            "/scripts/build.sh --tls-verify=false",
            "runs `/scripts/build.sh`",
        ),
        (
            "bash /scripts/build.sh",
            "runs the script `/scripts/build.sh`",
        ),
        ("source ./env.sh", "reads commands from `./env.sh`"),
        (
            "sh -c \"$(params.CMD)\"",
            "`sh -c` runs the command line in `$(params.CMD)`, which",
        ),
        ("bash < build.sh", "runs the script `build.sh`"),
        (
            "echo 'unterminated",
            "the script does not parse (unterminated single quote at line 1)",
        ),
        (
            "if true; then buildah push img",
            "the script does not parse (missing `fi` at line 1)",
        ),
        // An unterminated quote is reported where it opened, and the end of a script that
        // ends with a line break is on its last line (there is no line after it).
        (
            "echo \"a\nb\nc\n",
            "the script does not parse (unterminated double quote at line 1)",
        ),
        (
            "if true; then\n  buildah push img\n",
            "the script does not parse (missing `fi` at line 2)",
        ),
    ];
    assert_reported(&cases);
}

#[test]
fn partly_unknown_command_strings_are_still_read() {
    // Only the words holding an unknown part are unknown; the subcommand stays `bud`.
    let src = "cmd=\"buildah --storage-driver=vfs bud --squash -t $(params.IMAGE) .\"\n$cmd";
    let a = script(src);
    assert!(a.unanalyzable.is_empty(), "{:?}", a.unanalyzable);
    assert_eq!(calls(&a, src), ["build@2"]);
    assert_eq!(
        options(&a),
        ["storage-driver=vfs", "squash", "tag=$(params.IMAGE)"]
    );
}

#[test]
fn default_and_alternative_words_split_like_the_shell() {
    let a = analyze_step(
        json!({
            "name": "s", "image": "img",
            "env": [{"name": "R", "value": "/r"}],
            "script": "buildah ${R:+--root \"$R\"} ${UNSET:-bud} --squash .",
        }),
        json!([]),
    );
    assert_eq!(options(&a), ["root=/r", "squash"]);
}

#[test]
fn non_shell_scripts_are_not_parsed_as_shell() {
    let a =
        script("#!/usr/bin/env python3\nimport subprocess\nsubprocess.run(['buildah', 'push'])\n");
    assert!(a.invocations.is_empty());
    assert_eq!(a.unanalyzable.len(), 1);
    assert!(a.unanalyzable[0].reason.contains("`python3`"));
    for shebang in [
        "#!/bin/bash -e",
        "#!/usr/bin/env bash",
        "#!/bin/sh",
        "#!/usr/bin/env -S bash -eu",
    ] {
        let src = format!("{shebang}\nbuildah push img\n");
        assert_eq!(found(&src), ["push@2"], "{shebang}");
    }
}

#[test]
fn exec_form_keeps_list_boundaries() {
    let a = analyze_step(
        json!({
            "name": "s", "image": "img",
            "command": ["buildah", "--storage-driver=$(params.DRIVER)", "bud"],
            "args": ["--format", "$(params.FORMAT)", "-t", "my image", "."],
        }),
        json!([{"name": "DRIVER", "default": "vfs"}, {"name": "FORMAT", "default": "oci"}]),
    );
    assert_eq!(calls(&a, ""), ["build@0"]);
    assert_eq!(
        options(&a),
        ["storage-driver=vfs", "format=oci", "tag=my image"]
    );
    assert_eq!(a.invocations[0].loc.source, Source::Command(0));
}

#[test]
fn exec_form_shell_strings_are_parsed_again() {
    let a = analyze_step(
        json!({"name": "s", "image": "img", "command": ["/bin/bash"], "args": ["-c", "set -e\nbuildah push img"]}),
        json!([]),
    );
    assert_eq!(a.invocations.len(), 1);
    // The call is placed exactly inside the `args[1]` string.
    assert_eq!(a.invocations[0].loc.source, Source::Args(1));
    assert_eq!(a.invocations[0].loc.span, Span::new(7, 14));
}

#[test]
fn exec_form_array_params_expand_to_several_arguments() {
    let a = analyze_step(
        json!({"name": "s", "image": "img", "command": ["buildah", "bud"], "args": ["$(params.EXTRA[*])", "."]}),
        json!([{"name": "EXTRA", "type": "array", "default": ["--squash", "--layers=false"]}]),
    );
    assert_eq!(options(&a), ["squash", "layers=false"]);
}

#[test]
fn kubernetes_env_references_resolve_in_exec_form() {
    let a = analyze_step(
        json!({
            "name": "s", "image": "img",
            "env": [{"name": "BUILDAH_STORAGE_ROOT", "value": "$(workspaces.w.path)/s"}],
            "command": ["buildah", "--root", "$(BUILDAH_STORAGE_ROOT)", "images"],
        }),
        json!([]),
    );
    assert_eq!(options(&a), ["root=$(workspaces.w.path)/s"]);
}

#[test]
fn values_follow_variables_params_and_env() {
    let a = analyze_step(
        json!({
            "name": "s", "image": "img",
            "env": [{"name": "FMT", "value": "$(params.FORMAT)"}],
            "script": "ARGS=(--layers=false --squash)\nbuildah bud --format=\"${FMT}\" \"${ARGS[@]}\" $(params.EXTRA) .",
        }),
        json!([{"name": "FORMAT", "default": "oci"}, {"name": "EXTRA", "default": "--no-cache --ulimit nofile=4096:8192"}]),
    );
    assert_eq!(
        options(&a),
        [
            "format=oci",
            "layers=false",
            "squash",
            "no-cache",
            "ulimit=nofile=4096:8192"
        ]
    );
}

#[test]
fn conditional_additions_are_marked() {
    let src = "ARGS=(--format=oci)\nif [ \"$SQUASH\" = true ]; then\n  ARGS+=(--squash)\nfi\nbuildah bud \"${ARGS[@]}\" .";
    let a = script(src);
    let inv = &a.invocations[0];
    let squash = inv.call.uses("squash").next().unwrap();
    assert!(inv.argv[squash.at].conditional);
    let format = inv.call.uses("format").next().unwrap();
    assert!(!inv.argv[format.at].conditional);
}

#[test]
fn unknown_values_stay_symbolic() {
    let a = script("buildah --root \"$BUILDAH_STORAGE_ROOT\" bud --format \"$FMT\" $EXTRA .");
    let inv = &a.invocations[0];
    let root = inv.call.uses("root").next().unwrap().value.clone().unwrap();
    assert_eq!(root.text, "$BUILDAH_STORAGE_ROOT");
    assert!(!root.exact);
    // `$EXTRA` unquoted may hold any options: it is opaque.
    assert_eq!(inv.call.opaque.len(), 1);
    assert_eq!(inv.argv[inv.call.opaque[0]].text, "$EXTRA");
}

#[test]
fn printf_q_command_strings_are_followed() {
    let src = "cmd=(buildah build --squash -t img .)\ncommand=\"$(printf '%q ' \"${cmd[@]}\")\"\nunshare -Uf -- sh -c \"$command\"";
    let a = script(src);
    assert_eq!(calls(&a, src).len(), 1);
    assert_eq!(options(&a), ["squash", "tag=img"]);
}

#[test]
fn function_calls_report_at_the_call_site() {
    let src = "_buildah() {\n  buildah --root \"$R\" \"$@\"\n}\n_buildah push img";
    let a = script(src);
    let inv = &a.invocations[0];
    assert_eq!(inv.via.as_ref().map(|(f, _)| f.as_str()), Some("_buildah"));
    assert_eq!(line_of(src, inv.report_loc().span.start), 4);
    assert_eq!(line_of(src, inv.loc.span.start), 2);
}

#[test]
fn uncalled_functions_are_still_read() {
    // Never called: the call is reported where it is written, inside the function.
    let src = "set -e\ncleanup() {\n  echo cleaning\n  buildah rmi --all\n}\necho done";
    assert_eq!(found(src), ["rmi@4"]);
}

#[test]
fn recursion_and_huge_scripts_stay_bounded() {
    let a = script("f() { f; buildah push img; }\nf");
    assert_eq!(a.invocations.len(), 1);
    let big = "buildah push img\n".repeat(20_000);
    let a = script(&big);
    assert_eq!(a.invocations.len(), 20_000);
    let nested = format!("{}buildah push img{}", "$(".repeat(500), ")".repeat(500));
    let a = script(&nested);
    assert!(a.unanalyzable.iter().any(|u| u.reason.contains("nesting")));
}

#[test]
fn command_strings_set_on_different_paths_are_all_followed() {
    // Konflux's buildah tasks: the command line as a printf-quoted string, prefixed in
    // hermetic mode, run through `unshare … -- sh -c "$command"`.
    let src = r#"BUILDAH_ARGS=()
if [ "${SQUASH}" == "true" ]; then
  BUILDAH_ARGS+=("--squash")
fi
UNSHARE_ARGS=()
buildah_cmd_array=(
    buildah build
    "${VOLUME_MOUNTS[@]}"
    "${BUILDAH_ARGS[@]}"
    --tls-verify="$TLSVERIFY" --no-cache
    --ulimit nofile=4096:4096
    -f "$dockerfile_copy" -t "$IMAGE" .
)
buildah_cmd=$(printf "%q " "${buildah_cmd_array[@]}")
if [ "${HERMETIC}" == "true" ]; then
  command="ip link set lo up && $buildah_cmd"
else
  command="$buildah_cmd"
fi
unshare -Uf "${UNSHARE_ARGS[@]}" "${EXTRA[@]}" --keep-caps -r --mount -- sh -c "$command"
"#;
    let a = script(src);
    assert!(a.unanalyzable.is_empty(), "{:?}", a.unanalyzable);
    assert_eq!(a.invocations.len(), 2, "one per path");
    for inv in &a.invocations {
        assert_eq!(inv.call.command_name(), Some("build"));
        let squash = inv.call.uses("squash").next().expect("--squash is seen");
        assert!(
            inv.argv[squash.at].conditional,
            "--squash stays conditional through the string"
        );
        assert!(inv.call.uses("no-cache").next().is_some());
        // `${VOLUME_MOUNTS[@]}` is unknown and stays opaque.
        assert_eq!(inv.call.opaque.len(), 1);
    }
}

#[test]
fn a_comment_where_a_redirection_target_belongs_stays_a_comment() {
    // Found by fuzzing: the comment became the target and its words a buildah call.
    let src = "> > \\\n# buildah push img --root /elsewhere\necho done\n";
    assert_eq!(found(src), Vec::<String>::new());
    let a = script(src);
    assert!(
        a.unanalyzable
            .iter()
            .any(|u| u.reason.contains("redirection without a target")),
        "{:?}",
        a.unanalyzable
    );
    assert_eq!(found("echo hi > #c\nbuildah push img\n"), ["push@2"]);
}

#[test]
fn values_that_keep_doubling_stop_at_the_work_budget() {
    // Each line doubles `$a`: 2^60 bytes if followed naively. Values stop growing at 1 MiB
    // and the bytes count against the work budget, so the analysis ends and says why.
    let src = format!("a=x\n{}buildah bud $a\n", "a=\"$a$a\"\n".repeat(60));
    let a = script(&src);
    assert!(
        a.unanalyzable
            .iter()
            .any(|u| u.reason.contains("too large or repetitive")),
        "{:?}",
        a.unanalyzable
    );
}

/// The subcommands of the buildah calls a script makes.
fn subcommands(s: &str) -> Vec<String> {
    found(s)
        .into_iter()
        .map(|c| c.split('@').next().unwrap_or("").to_string())
        .collect()
}

/// The issue's wrapper: a script written with `printf`, made executable and run by name
/// from a directory the step puts on `PATH`.
const PATH_WRAPPER: &str = "mkdir -p /tmp/bin\nprintf '#!/bin/sh\\nbuildah \"$@\"\\n' > /tmp/bin/bh\nchmod +x /tmp/bin/bh\nPATH=/tmp/bin:$PATH\nbh push img\n";

#[test]
fn a_wrapper_written_with_printf_and_run_from_path_is_followed() {
    let a = script(PATH_WRAPPER);
    assert_eq!(
        calls(&a, PATH_WRAPPER),
        ["push@5"],
        "reported at `bh push img`"
    );
    let inv = &a.invocations[0];
    assert_eq!(inv.built_in.as_deref(), Some("/tmp/bin/bh"));
    assert_eq!(
        inv.argv.iter().map(|f| f.text.as_str()).collect::<Vec<_>>(),
        ["push", "img"],
        "the wrapper's \"$@\" is the arguments `bh` was given"
    );
    assert!(a.unanalyzable.is_empty(), "{:?}", a.unanalyzable);

    // The same wrapper with content only known when the step runs.
    let unknown = PATH_WRAPPER.replace(
        "printf '#!/bin/sh\\nbuildah \"$@\"\\n'",
        "printf \"$(params.WRAPPER)\"",
    );
    let a = script(&unknown);
    assert!(a.invocations.is_empty());
    let reasons: Vec<&str> = a.unanalyzable.iter().map(|u| u.reason.as_str()).collect();
    assert_eq!(
        reasons,
        ["runs `/tmp/bin/bh`, written at script line 2 from content only known when the step runs"]
    );
    assert_eq!(line_of(&unknown, a.unanalyzable[0].loc.span.start), 5);
}

#[test]
fn a_directory_on_path_with_nothing_written_there_is_not_reported() {
    for src in [
        "PATH=/tmp/bin:$PATH\nbh push img\n",
        "export PATH=\"$HOME/bin:$PATH\"\nmytool --version\n",
        // Written elsewhere, or under another name.
        "printf 'buildah \"$@\"' > /tmp/other/bh\nPATH=/tmp/bin:$PATH\nbh push img\n",
        "printf 'buildah \"$@\"' > /tmp/bin/bh2\nPATH=/tmp/bin:$PATH\nbh push img\n",
        // A builtin is never looked up on PATH.
        "printf 'buildah push img' > /tmp/bin/echo\nPATH=/tmp/bin:$PATH\necho hi\n",
    ] {
        let a = script(src);
        assert!(
            a.invocations.is_empty() && a.unanalyzable.is_empty(),
            "script: {src:?}\n{:?}\n{:?}",
            calls(&a, src),
            a.unanalyzable
        );
    }
}

#[test]
fn files_on_path_are_found_however_path_is_changed() {
    for src in [
        // The image's own PATH.
        "printf 'buildah \"$@\"' > /usr/local/bin/bh\nbh push img\n",
        "printf 'buildah \"$@\"' > /opt/bin/bh\nexport PATH=/opt/bin:$PATH\nbh push img\n",
        "printf 'buildah \"$@\"' > /opt/bin/bh\nPATH=\"$PATH:/opt/bin\" bh push img\n",
        "printf 'buildah \"$@\"' > /opt/bin/bh\nenv PATH=/opt/bin:/usr/bin bh push img\n",
        "printf 'buildah \"$@\"' > /opt/bin/bh\nsudo PATH=/opt/bin bh push img\n",
        // A relative entry is the working directory.
        "cd /work\nprintf 'buildah \"$@\"' > bh\nPATH=.:$PATH\nbh push img\n",
        // PATH only known at run time: any written file of that name may be the one.
        "printf 'buildah \"$@\"' > /x/bh\nPATH=\"$(params.TOOLS):$PATH\"\nbh push img\n",
    ] {
        assert_eq!(subcommands(src), ["push"], "script: {src:?}");
    }
}

#[test]
fn copies_moves_and_links_run_what_their_source_runs() {
    for src in [
        "cat > /tmp/w.sh <<'EOF'\nbuildah \"$@\"\nEOF\ncp /tmp/w.sh /opt/bin/\nPATH=/opt/bin:$PATH\nw.sh push img\n",
        "cat > /tmp/w.sh <<'EOF'\nbuildah \"$@\"\nEOF\ninstall -D -m 0755 /tmp/w.sh /opt/bin/bh\n/opt/bin/bh push img\n",
        "cat > /tmp/w.sh <<'EOF'\nbuildah \"$@\"\nEOF\ncp -t /opt/bin /tmp/w.sh\n/opt/bin/w.sh push img\n",
        "mkdir -p /tmp/s\ncat > /tmp/s/w.sh <<'EOF'\nbuildah \"$@\"\nEOF\ncp -r /tmp/s /opt/s\n/opt/s/w.sh push img\n",
        "ln -s /usr/bin/buildah /usr/local/bin/bh\nbh push img\n",
        "cp /usr/bin/buildah /opt/bh\n/opt/bh push img\n",
        "ln -sf /usr/bin/buildah /opt/a\nln -sf /opt/a /opt/b\n/opt/b push img\n",
    ] {
        assert_eq!(subcommands(src), ["push"], "script: {src:?}");
    }
    // A moved file is gone from where it was.
    let a = script("printf 'buildah \"$@\"' > /tmp/a\nmv /tmp/a /tmp/b\n/tmp/a push img\n");
    assert!(a.invocations.is_empty());
    // Links that go round in circles are reported, not followed forever.
    let a = script("ln -sf /opt/b /opt/a\nln -sf /opt/a /opt/b\n/opt/a push img\n");
    assert_eq!(
        a.unanalyzable
            .iter()
            .map(|u| u.reason.as_str())
            .collect::<Vec<_>>(),
        ["runs `/opt/a`, a chain of links too long to follow"]
    );
}

#[test]
fn aliases_are_expanded_where_the_shell_expands_them() {
    // sh (no `#!`: Tekton uses /bin/sh), dash, busybox and bash as `sh` expand them.
    for src in [
        "alias bh='buildah --storage-driver=vfs'\nbh push img\n",
        "#!/bin/sh\nalias bh=buildah\nbh push img\n",
        "#!/usr/bin/env bash\nshopt -s expand_aliases\nalias bh=buildah\nbh push img\n",
        "#!/bin/bash\nset -o posix\nalias bh=buildah\nbh push img\n",
        "#!/bin/bash\nsh -c 'alias bh=buildah\nbh push img'\n",
        // An alias naming another alias, and one that mentions itself.
        "alias b2=buildah\nalias bh='b2'\nbh push img\n",
        "alias buildah='buildah --storage-driver=vfs'\nbuildah push img\n",
    ] {
        assert_eq!(subcommands(src), ["push"], "script: {src:?}");
    }
    for src in [
        // bash under its own name does not, and `bh` is then not found.
        "#!/bin/bash\nalias bh=buildah\nbh push img\n",
        "alias bh=buildah\nbash -c 'bh push img'\n",
        // Quoting the word prevents it.
        "alias bh=buildah\n'bh' push img\n",
        "alias bh=buildah\nunalias bh\nbh push img\n",
    ] {
        assert_eq!(subcommands(src), Vec::<String>::new(), "script: {src:?}");
    }
    let src = "alias bh='buildah --storage-driver=vfs'\nbh push img\n";
    let a = script(src);
    assert_eq!(a.invocations[0].built_in.as_deref(), Some("alias bh"));
    assert_eq!(options(&a), ["storage-driver=vfs"]);
}

#[test]
fn files_whose_content_is_only_known_at_run_time_are_reported_when_run() {
    let cases = [
        (
            "wget -q -O /opt/bin/bh \"$URL\"\nPATH=/opt/bin:$PATH\nbh push img\n",
            "runs `/opt/bin/bh`, downloaded at script line 1",
        ),
        (
            "cd /opt/bin\ncurl -sSLO https://example.com/tools/bh?raw=1\nPATH=/opt/bin:$PATH\nbh push img\n",
            "runs `/opt/bin/bh`, downloaded at script line 2",
        ),
        (
            "printf 'echo hi' > /opt/bin/bh\nsed -i -e 's/echo hi/buildah/' /opt/bin/bh\n/opt/bin/bh push img\n",
            "runs `/opt/bin/bh`, edited in place at script line 2",
        ),
        (
            "unzip -o tools.zip -d /opt/bin\nchmod 0755 /opt/bin/bh\nPATH=/opt/bin:$PATH\nbh push img\n",
            "runs `bh`, which may be `/opt/bin/bh` (made executable at script line 2)",
        ),
        (
            "ln -s \"$(command -v buildah)\" /usr/local/bin/bh\nbh push img\n",
            "runs `/usr/local/bin/bh`, linked at script line 1",
        ),
        (
            "printf '#!/usr/bin/env python3\\nimport os\\n' > /opt/bin/bh\n/opt/bin/bh push img\n",
            "runs `/opt/bin/bh`, a script for `python3`",
        ),
    ];
    assert_reported(&cases);
    // A file made executable somewhere off PATH, or not executable, is nothing to report.
    for src in [
        "chmod +x /opt/bin/bh\nbh push img\n",
        "chmod 644 /usr/local/bin/bh\nbh push img\n",
        "chmod -x /usr/local/bin/bh\nbh push img\n",
    ] {
        let a = script(src);
        assert!(
            a.unanalyzable.is_empty(),
            "script: {src:?}: {:?}",
            a.unanalyzable
        );
    }
}
