use super::*;
use crate::shell::Span;
use crate::yaml::load;

/// `text` with `edit` made, as the editor writes it (or its reason).
fn edited(text: &str, edit: Edit) -> Result<String, String> {
    let docs = load(text).unwrap();
    let starts = crate::lines::starts(text);
    let editor = Editor::new(text, &starts, &docs[0]);
    let batch = Batch::new([&edit]);
    let mut bytes = editor.lower(&edit, &batch)?;
    bytes.sort_by_key(|b| (b.start, b.end));
    let out = crate::text::fix::splice(text, &bytes);
    // Whatever is written must read back as the object with the edit made.
    let want = crate::fix::apply(&docs[0].value, &[edit]).unwrap();
    assert_eq!(load(&out).unwrap()[0].value, want, "\n{out}");
    Ok(out)
}

fn insert(path: &str, at: usize, text: &str) -> Edit {
    Edit::Text {
        path: path.into(),
        span: Span::new(at, at),
        text: text.into(),
    }
}

#[test]
fn text_inside_literal_blocks_lands_on_its_line() {
    // Blank lines before the text, an indentation indicator, keep chomping.
    let yaml = "s: |2+\n\n   buildah push\n  x\n\nt: 1\n";
    let out = edited(yaml, insert("s", 9, " --root r")).unwrap();
    assert_eq!(out, "s: |2+\n\n   buildah --root r push\n  x\n\nt: 1\n");
    // A new line in the text gets the block's indentation; CRLF stays CRLF.
    let crlf = "s: |\r\n  a\r\n  b\r\n";
    let out = edited(crlf, insert("s", 1, "\nc")).unwrap();
    assert_eq!(out, "s: |\r\n  a\r\n  c\r\n  b\r\n");
}

#[test]
fn text_inside_one_line_scalars_is_escaped_for_their_style() {
    let root = " --root \"$R\"";
    assert_eq!(
        edited("a: [x, buildah push]\n", insert("a[1]", 7, root)).unwrap(),
        "a: [x, buildah --root \"$R\" push]\n"
    );
    assert_eq!(
        edited("a: 'it''s buildah push'\n", insert("a", 12, root)).unwrap(),
        "a: 'it''s buildah --root \"$R\" push'\n"
    );
    assert_eq!(
        edited("a: \"\\tbuildah push\"\n", insert("a", 8, root)).unwrap(),
        "a: \"\\tbuildah --root \\\"$R\\\" push\"\n"
    );
    // Escapes the editor does not map are refused, as are folded and multi-line scalars.
    for yaml in [
        "a: \"\\u00e9 buildah push\"\n",
        "a: >\n  buildah\n  push\n",
        "a: buildah\n  push\n",
        "a: 'buildah\n  push'\n",
    ] {
        assert!(edited(yaml, insert("a", 7, root)).is_err(), "{yaml}");
    }
}

#[test]
fn keys_are_renamed_where_written() {
    let yaml = "step:\n  resources: {}   # old\n  \"x\": 1\n";
    let rename = |path: &str| Edit::RenameKey {
        path: path.into(),
        to: "computeResources".into(),
    };
    assert_eq!(
        edited(yaml, rename("step.resources")).unwrap(),
        "step:\n  computeResources: {}   # old\n  \"x\": 1\n"
    );
    assert_eq!(
        edited(yaml, rename("step.x")).unwrap(),
        "step:\n  resources: {}   # old\n  \"computeResources\": 1\n"
    );
}

#[test]
fn entries_are_removed_with_their_lines_or_commas() {
    let remove = |path: &str| Edit::RemoveKey { path: path.into() };
    let block = "sc:\n  privileged: true\n  nested:\n    - a\n\n    - b\n  # about c\n  c: 1\n";
    assert_eq!(
        edited(block, remove("sc.nested")).unwrap(),
        "sc:\n  privileged: true\n  # about c\n  c: 1\n"
    );
    assert_eq!(
        edited(block, remove("sc.c")).unwrap(),
        "sc:\n  privileged: true\n  nested:\n    - a\n\n    - b\n  # about c\n"
    );
    for (path, want) in [
        ("f.a", "f: {b: 2, c: 3}\n"),
        ("f.b", "f: {a: 1, c: 3}\n"),
        ("f.c", "f: {a: 1, b: 2}\n"),
    ] {
        assert_eq!(
            edited("f: {a: 1, b: 2, c: 3}\n", remove(path)).unwrap(),
            want
        );
    }
    assert_eq!(edited("f: {a: 1}\n", remove("f.a")).unwrap(), "f: {}\n");
    // The last entry of a block mapping: `{}`, not an empty value (null).
    assert_eq!(
        edited(
            "s:\n  sc:\n    privileged: true\n",
            remove("s.sc.privileged")
        )
        .unwrap(),
        "s:\n  sc: {}\n"
    );
    // On the line of a `-`: left alone.
    assert!(edited("- a: 1\n  b: 2\n", remove("[0].a")).is_err());
}

#[test]
fn items_are_added_like_their_neighbours() {
    let items = |path: &str, after: usize| Edit::InsertItems {
        path: path.into(),
        after,
        items: vec!["--root".into(), "$(R)".into()],
    };
    assert_eq!(
        edited("c: [\"buildah\", 'push']\n", items("c", 0)).unwrap(),
        "c: [\"buildah\", \"--root\", \"$(R)\", 'push']\n"
    );
    assert_eq!(
        edited("c:\n  - |\n    buildah\n  - push # x\n", items("c", 1)).unwrap(),
        "c:\n  - |\n    buildah\n  - push # x\n  - --root\n  - $(R)\n"
    );
    assert_eq!(
        edited("c:\n- buildah\n- push", items("c", 0)).unwrap(),
        "c:\n- buildah\n- --root\n- $(R)\n- push"
    );
    // At the end of a file without a final line break.
    assert_eq!(
        edited("c:\n- buildah", items("c", 0)).unwrap(),
        "c:\n- buildah\n- --root\n- $(R)\n"
    );
}

#[test]
fn lists_and_their_mappings_are_created_where_missing() {
    let caps = |path: &str| Edit::Append {
        path: path.into(),
        items: vec![Item::Scalar("SETFCAP".into())],
    };
    let env = Edit::Append {
        path: "steps[0].env".into(),
        items: vec![Item::Entries(vec![
            ("name".into(), "TMPDIR".into()),
            ("value".into(), "$(workspaces.w.path)/.tmp".into()),
        ])],
    };
    let step = "steps:\n  - name: a\n    # the program\n    script: |\n      buildah images\n";
    assert_eq!(
        edited(step, env.clone()).unwrap(),
        "steps:\n  - name: a\n    env:\n      - name: TMPDIR\n        value: $(workspaces.w.path)/.tmp\n    # the program\n    script: |\n      buildah images\n"
    );
    assert_eq!(
        edited("steps:\n  - {name: a, env: []}\n", env.clone()).unwrap(),
        "steps:\n  - {name: a, env: [{name: TMPDIR, value: $(workspaces.w.path)/.tmp}]}\n"
    );
    assert_eq!(
        edited("steps:\n  - {name: a}\n", env).unwrap(),
        "steps:\n  - {name: a, env: [{name: TMPDIR, value: $(workspaces.w.path)/.tmp}]}\n"
    );
    assert_eq!(
        edited(
            "s:\n    sc:\n        runAsUser: 0\n",
            caps("s.sc.capabilities.add")
        )
        .unwrap(),
        "s:\n    sc:\n        runAsUser: 0\n        capabilities:\n            add:\n                - SETFCAP\n"
    );
    assert_eq!(
        edited("s:\n  add:\n  - MKNOD\n", caps("s.add")).unwrap(),
        "s:\n  add:\n  - MKNOD\n  - SETFCAP\n"
    );
    // A value that is there but not a list or mapping is not replaced.
    assert!(edited("s:\n  add:\n", caps("s.add")).is_err());
    assert!(edited("s: text\n", caps("s.add")).is_err());
}

#[test]
fn flow_collections_are_read_entry_by_entry() {
    let text = "[a, 'b, c', \"d]\" , {e: [f, g]}, h # c, ]\n , i's]";
    let scan = scan_flow(text, 0).unwrap();
    let entries: Vec<&str> = scan.entries.iter().map(|&(s, e)| &text[s..e]).collect();
    assert_eq!(
        entries,
        ["a", "'b, c'", "\"d]\"", "{e: [f, g]}", "h", "i's"]
    );
    assert_eq!(scan.close, text.len() - 1);
    assert!(scan_flow("[a, b", 0).is_none());
    assert_eq!(scan_flow("{}", 0).unwrap().entries.len(), 0);
}

#[test]
fn plain_scalars_are_only_written_when_they_read_back_as_strings() {
    for s in [
        "--root",
        "$(R)",
        "vfs",
        "nofile=4096:8192",
        "a#b",
        "quay.io/x:1",
    ] {
        assert!(plain_safe(s, true), "{s}");
    }
    for s in [
        "", "true", "null", "1", "0x1f", "1e3", "- x", "a: b", "a #b", "*x", "x:", " x",
    ] {
        assert!(!plain_safe(s, false), "{s}");
    }
    assert!(!plain_safe("a,b", true));
    assert_eq!(scalar("true", Style::Plain, false).unwrap(), "\"true\"");
}
