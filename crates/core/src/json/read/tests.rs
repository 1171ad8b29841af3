use super::*;

/// Whenever the reader answers, serde_json reads the same text to the same value.
fn agrees(text: &str) -> Option<Value<'_>> {
    let ours = Reader::document(text);
    let theirs = serde_json::from_str::<Value<'_>>(text);
    if let Some(v) = &ours {
        match &theirs {
            Ok(t) => assert_eq!(v, t, "{text:?}"),
            Err(e) => panic!("{text:?}: read, but serde_json says {e}"),
        }
    }
    ours
}

#[test]
fn documents_read_as_serde_json_reads_them() {
    for text in [
        r#"{"a": 1, "b": [true, false, null], "c": {"d": "e"}}"#,
        " \t\r\n[ ] ",
        "{}",
        r#"{"a":{},"b":[],"c":""}"#,
        r#"{"k": "v", "k": "w"}"#,
        r#"["caf\u00e9", "\u0041\n\t\r\b\f\/\\\"", "naïve ✓", "\u0000"]"#,
        r#"[0, -0, 1, -1, 12.5, -0.25e-3, 1E5, 2e+2, 18446744073709551615, 18446744073709551616, -9223372036854775809]"#,
        r##"{"script": "#!/bin/sh\nbuildah --root \"$R\" bud .\n"}"##,
        "\"a string that is longer than eight bytes, with no escape at all\"",
    ] {
        assert!(agrees(text).is_some(), "{text:?} was not read");
    }
}

#[test]
fn strings_without_escapes_are_borrowed() {
    let v = Reader::document(r#"{"plain": "text", "escaped": "a\nb"}"#).unwrap();
    assert!(matches!(
        v.get("plain"),
        Some(Value::String(Cow::Borrowed("text")))
    ));
    assert!(matches!(v.get("escaped"), Some(Value::String(Cow::Owned(s))) if s == "a\nb"));
}

#[test]
fn what_it_is_not_sure_about_is_left_to_serde_json() {
    for text in [
        "",
        "   ",
        "{",
        "[1,]",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{a: 1}",
        "[01]",
        "[1.]",
        "[.5]",
        "[-]",
        "[1e]",
        "[1e400]",
        "tru",
        "nul",
        "\"unterminated",
        "\"control \u{1} character\"",
        "\"bad \\x escape\"",
        "\"\\u12\"",
        "\"\\ud83d\\ude00\"",
        "\"\\udc00\"",
        "[1] 2",
        "\u{feff}{}",
    ] {
        assert!(agrees(text).is_none(), "{text:?} was read");
    }
}

#[test]
fn nesting_is_read_to_the_limit_and_no_further() {
    let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    assert!(agrees(&nested(MAX_DEPTH)).is_some());
    assert!(agrees(&nested(MAX_DEPTH + 1)).is_none());
    let objects = |n: usize| format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n));
    assert!(agrees(&objects(MAX_DEPTH)).is_some());
    assert!(agrees(&objects(MAX_DEPTH + 1)).is_none());
}

#[test]
fn skipping_checks_what_it_passes_over() {
    let skip = |text: &str| {
        let mut r = Reader::new(text);
        r.skip().and_then(|()| r.end())
    };
    assert!(skip(r#"{"a": [1, "x\ny", {"b": null}], "c": -2.5e3}"#).is_some());
    for bad in ["[1,]", "\"a\u{2}\"", "{\"a\"}", "[01]", "\"\\q\""] {
        assert!(skip(bad).is_none(), "{bad:?}");
    }
}

#[cfg(feature = "yaml")]
#[test]
fn every_example_and_corpus_document_reads_as_with_serde_json() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut read = 0;
    for dir in ["examples", "e2e-tests/corpus"] {
        let mut stack = vec![root.join(dir)];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                if !path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                    continue;
                }
                for doc in crate::yaml::load_documents(&text).into_iter().flatten() {
                    let json = serde_json::to_string_pretty(&doc.value.to_serde()).unwrap();
                    assert!(agrees(&json).is_some(), "{}", path.display());
                    read += 1;
                }
            }
        }
    }
    assert!(read > 100, "only {read} documents");
}

#[test]
fn escape_at_finds_the_first_byte_a_string_cannot_hold() {
    let text = "0123456789abcdef\"x\\y\u{1}é";
    for start in 0..text.len() {
        let b = &text.as_bytes()[start..];
        let expected = b.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20);
        assert_eq!(crate::json::escape_at(b), expected, "from {start}");
    }
    assert_eq!(crate::json::escape_at(b"plain text, long enough"), None);
}
