use super::*;
use serde_json::json;

fn value(v: &serde_json::Value) -> Value<'static> {
    Value::from(v).into_owned()
}

fn text(path: &str, start: usize, end: usize, t: &str) -> Edit {
    Edit::Text {
        path: path.into(),
        span: Span::new(start, end),
        text: t.into(),
    }
}

#[test]
fn edits_apply_to_the_object() {
    let object = value(&json!({
        "spec": {"steps": [{
            "resources": {"limits": {"cpu": "1"}},
            "securityContext": {"privileged": true},
            "command": ["buildah", "push"],
            "script": "buildah push img",
        }]}
    }));
    let edits = merge([
        text("spec.steps[0].script", 7, 7, " --root x"),
        // Two insertions at one place, in the order given.
        text("spec.steps[0].script", 12, 12, " --a"),
        text("spec.steps[0].script", 12, 12, " --b"),
        Edit::RenameKey {
            path: "spec.steps[0].resources".into(),
            to: "computeResources".into(),
        },
        Edit::RemoveKey {
            path: "spec.steps[0].securityContext.privileged".into(),
        },
        Edit::InsertItems {
            path: "spec.steps[0].command".into(),
            after: 0,
            items: vec!["--root".into(), "$(R)".into()],
        },
        Edit::Append {
            path: "spec.steps[0].securityContext.capabilities.add".into(),
            items: vec![Item::Scalar("SETFCAP".into())],
        },
        Edit::Append {
            path: "spec.steps[0].env".into(),
            items: vec![Item::Entries(vec![
                ("name".into(), "A".into()),
                ("value".into(), "b".into()),
            ])],
        },
    ]);
    let fixed = apply(&object, &edits).unwrap();
    assert_eq!(
        fixed,
        json!({
            "spec": {"steps": [{
                "computeResources": {"limits": {"cpu": "1"}},
                "securityContext": {"capabilities": {"add": ["SETFCAP"]}},
                "command": ["buildah", "--root", "$(R)", "push"],
                "script": "buildah --root x push --a --b img",
                "env": [{"name": "A", "value": "b"}],
            }]}
        })
    );
}

#[test]
fn edits_that_do_not_fit_are_refused() {
    let object = value(&json!({"a": "text", "b": [1], "c": {"d": 1, "e": 2}}));
    for edit in [
        text("a", 2, 9, "x"),
        text("missing", 0, 0, "x"),
        Edit::RenameKey {
            path: "c.d".into(),
            to: "e".into(),
        },
        Edit::RemoveKey { path: "c.f".into() },
        Edit::InsertItems {
            path: "b".into(),
            after: 3,
            items: vec![],
        },
        Edit::Append {
            path: "a.list".into(),
            items: vec![],
        },
    ] {
        assert_eq!(
            apply(&object, std::slice::from_ref(&edit)),
            None,
            "{edit:?}"
        );
    }
    // Overlapping replacements.
    assert_eq!(
        apply(&object, &[text("a", 0, 2, "x"), text("a", 1, 3, "y")]),
        None
    );
}

#[test]
fn merging_joins_appends_to_one_list_and_drops_repeats() {
    let add = |cap: &str| Edit::Append {
        path: "caps".into(),
        items: vec![Item::Scalar(cap.into())],
    };
    let merged = merge_owned([
        (1, add("A")),
        (2, add("B")),
        (3, add("A")),
        (3, text("s", 0, 0, "x")),
        (4, text("s", 0, 0, "x")),
    ]);
    assert_eq!(merged.len(), 2);
    assert_eq!(
        merged[0],
        (
            Edit::Append {
                path: "caps".into(),
                items: vec![Item::Scalar("A".into()), Item::Scalar("B".into())]
            },
            vec![1, 2, 3]
        )
    );
    assert_eq!(merged[1].1, vec![3, 4]);
}

#[test]
fn text_is_escaped_through_every_quoting_level() {
    let root = " --root \"$BUILDAH_STORAGE_ROOT\"";
    let none = Layers::default();
    assert_eq!(escape_through(root, none).unwrap(), root);
    let single = none.with(Layer::Single);
    assert_eq!(escape_through(root, single).unwrap(), root);
    assert_eq!(escape_through("it's", single).unwrap(), "it'\\''s");
    let double = none.with(Layer::Double);
    assert_eq!(
        escape_through(root, double).unwrap(),
        " --root \\\"\\$BUILDAH_STORAGE_ROOT\\\""
    );
    // `sh -c "bash -c '…'"`: single inside double.
    let both = double.with(Layer::Single);
    assert_eq!(
        escape_through(root, both).unwrap(),
        " --root \\\"\\$BUILDAH_STORAGE_ROOT\\\""
    );
    assert_eq!(escape_through("'", both).unwrap(), "'\\\\''");
    assert!(escape_through(root, none.with(Layer::Word)).is_err());
    assert!(escape_through(root, single.with(Layer::HereDoc)).is_err());
    let mut deep = none;
    for _ in 0..11 {
        deep = deep.with(Layer::Single);
    }
    assert!(escape_through(root, deep).is_err());
}

#[test]
fn every_rule_is_either_fixed_or_says_why_not() {
    for rule in crate::rules::RULES {
        let doc = rule.doc();
        let fix = &doc[doc.find("## Fix").unwrap()..];
        assert_eq!(
            never_fixed(*rule).is_some(),
            fix.contains("No automatic fix"),
            "{}",
            rule.id()
        );
    }
}
