use super::*;
use serde_json::{Value, json};

fn problems(v: Value) -> Vec<String> {
    match Settings::from_json_checked(&v) {
        Ok(_) => Vec::new(),
        Err(e) => e.problems,
    }
}

#[test]
fn empty_and_null_settings_give_the_seed_defaults() {
    for v in [json!({}), Value::Null] {
        let s = Settings::from_json_checked(&v).unwrap();
        let names: Vec<&str> = s.required_env.iter().map(|e| &*e.name).collect();
        assert_eq!(
            names,
            ["BUILDAH_STORAGE_ROOT", "TMPDIR", "HOME", "STORAGE_DRIVER"]
        );
        assert!(s.required_env[0].in_workspace);
        assert_eq!(
            s.required_env[3].value_pattern.as_ref().unwrap().source,
            "^vfs$"
        );
        assert_eq!(s.allowed_capabilities, ["SETFCAP"]);
        assert_eq!(s.required_capabilities, ["SETFCAP"]);
        let flags: Vec<String> = s
            .mandatory_flags
            .iter()
            .map(|f| {
                let scope = match f.scope {
                    FlagScope::Global => "global",
                    FlagScope::Command(c) => c.name,
                };
                format!("{scope} {}", f.spec)
            })
            .collect();
        assert_eq!(
            flags,
            [
                "build --format=oci",
                "build --no-cache",
                "build --layers=false",
                "build --squash",
                "build --ulimit=nofile=4096:8192",
                "global --storage-driver=vfs",
                "manifest push --digestfile",
                "push --digestfile",
            ]
        );
        assert_eq!(s.compute_resources.requests, ["memory", "cpu"]);
        assert_eq!(s.compute_resources.limits, ["memory", "cpu"]);
        assert_eq!(s.buildah_images, ["*buildah*"]);
    }
}

#[test]
fn given_keys_replace_the_defaults() {
    let s = Settings::from_json(&json!({
        "requiredEnv": [],
        "allowedCapabilities": ["cap_setfcap", "SYS_ADMIN"],
        "mandatoryFlags": {"bud": ["--layers false"], "manifest push": ["--all"]},
        "rules": {"capability-missing": {"level": "off"}, "buildah-unanalyzable": {"level": "error"}},
    }))
    .unwrap();
    assert!(s.required_env.is_empty());
    assert_eq!(s.allowed_capabilities, ["SETFCAP", "SYS_ADMIN"]);
    assert_eq!(s.mandatory_flags.len(), 2);
    assert_eq!(s.mandatory_flags[0].value.as_deref(), Some("false"));
    assert!(
        matches!(s.mandatory_flags[1].scope, FlagScope::Command(c) if c.name == "manifest push")
    );
    assert!(!s.rule_enabled(RuleId::CapabilityMissing));
    assert_eq!(
        s.level(RuleId::BuildahUnanalyzable, Level::Warning),
        Some(Level::Error)
    );
    assert_eq!(
        s.level(RuleId::RequiredEnv, Level::Error),
        Some(Level::Error)
    );
}

#[test]
fn every_problem_is_reported_with_its_path() {
    let got = problems(json!({
        "requiredEnvs": [],
        "requiredEnv": [
            {"name": "TMPDIR", "valuePattern": "(unclosed"},
            {"name": "HOME", "inWorkspace": "yes"},
            {"value": "x"},
            {"name": "A B"},
            {"name": "TMPDIR", "extra": 1}
        ],
        "allowedCapabilities": ["SETFCAPP", 3],
        "requiredCapabilities": "SETFCAP",
        "mandatoryFlags": {
            "build": ["--sqush", "--squash=maybe", "squash", "--format="],
            "bild": ["--squash"],
            "global": ["--layers=false"],
            "push": "--digestfile"
        },
        "computeResources": {"requests": ["memory"], "limit": ["cpu"]},
        "buildahImages": [""],
        "rules": {
            "buildah-rot-missing": {"level": "off"},
            "invalid-object": {"level": "off"},
            "required-env": {"level": "fatal"},
            "capability-missing": "off"
        }
    }));
    let want = [
        "`requiredEnvs` is not a setting (did you mean `requiredEnv`?)",
        "requiredEnv[0].valuePattern: `(unclosed` is not a valid regular expression (found open group without closing ')')",
        "requiredEnv[1].inWorkspace: expected true or false, found a string",
        "requiredEnv[2]: `value` is not a field of a required variable (use `name`, `valuePattern`, `inWorkspace`)",
        "requiredEnv[2]: missing `name`",
        "requiredEnv[3].name: `A B` is not an environment variable name",
        "requiredEnv[4]: `extra` is not a field of a required variable (use `name`, `valuePattern`, `inWorkspace`)",
        "requiredEnv[4].name: `TMPDIR` is listed twice",
        "allowedCapabilities[1]: expected a string, found a number",
        "allowedCapabilities[0]: `SETFCAPP` is not a Linux capability (did you mean `SETFCAP`?)",
        "requiredCapabilities: expected a list of strings, found a string",
        "mandatoryFlags.bild: buildah has no subcommand `bild` (did you mean `build`?)",
        "mandatoryFlags.build[0]: `buildah build` has no option `--sqush` (did you mean `--squash`?)",
        "mandatoryFlags.build[1]: `--squash` is a boolean; its value must be true or false, not `maybe`",
        "mandatoryFlags.build[2]: `squash` is not an option; write it as `--name` or `--name=value`",
        "mandatoryFlags.build[3]: `--format=` has an empty value",
        "mandatoryFlags.global[0]: buildah has no global option `--layers`",
        "mandatoryFlags.push: expected a list of options, found a string",
        "computeResources: `limit` is not a field (use `requests` and `limits`)",
        "buildahImages[0]: must not be empty",
        "rules: `buildah-rot-missing` is not a rule id (did you mean `buildah-root-missing`?)",
        "rules: `invalid-object` is not a rule id",
        "rules.required-env.level: expected `error`, `warning` or `off`, found `fatal`",
        "rules.capability-missing: expected an object such as `{\"level\": \"warning\"}`, found a string",
    ];
    for w in want {
        assert!(
            got.iter().any(|g| g == w),
            "missing problem {w:?}\ngot:\n{}",
            got.join("\n")
        );
    }
    assert_eq!(got.len(), want.len(), "got:\n{}", got.join("\n"));
}

#[test]
fn bad_regular_expressions_are_caught_when_settings_are_loaded() {
    let v = json!({"requiredEnv": [{"name": "X", "valuePattern": "(unclosed"}]});
    // Per request the pattern is not compiled until a step needs it...
    assert!(Settings::from_json(&v).is_ok());
    // ...but validate_settings compiles every pattern.
    let got = problems(v);
    assert_eq!(got.len(), 1);
    assert!(
        got[0].starts_with(
            "requiredEnv[0].valuePattern: `(unclosed` is not a valid regular expression ("
        ),
        "{got:?}"
    );
}

#[test]
fn the_error_message_counts_and_joins_problems() {
    let err = Settings::from_json(&json!({"a": 1, "b": 2})).unwrap_err();
    assert_eq!(
        err.to_string(),
        "2 problems in settings: `a` is not a setting; `b` is not a setting"
    );
    let err = Settings::from_json(&json!([])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "1 problem in settings: settings must be an object, found a list"
    );
}

#[test]
fn built_in_defaults_are_what_defaults_json_writes_down() {
    // `Settings::default` is built without JSON (it runs on every admission request); it
    // must stay the settings object that docs, policy.yaml and questions-ui.yml show.
    let from_json = Settings::from_json(&defaults_json()).unwrap();
    let built_in = Settings::default();
    assert_eq!(format!("{built_in:?}"), format!("{from_json:?}"));
}

#[test]
fn literal_patterns_match_as_the_regex_would() {
    let patterns = [
        "^vfs$",
        "vfs",
        "^vfs",
        "vfs$",
        "^$",
        "",
        "^",
        "$",
        "^/workspace/",
        "^a.c$",
        "^(vfs)$",
        "^vfs|overlay$",
        "^v\\.fs$",
        "^V$",
    ];
    let texts = [
        "vfs",
        "",
        "overlay",
        "xvfs",
        "vfsx",
        "/workspace/x",
        "abc",
        "a.c",
        "v.fs",
        "V",
    ];
    for source in patterns {
        let ours = Pattern::new(source);
        let re = regex_lite::Regex::new(source).unwrap();
        for text in texts {
            assert_eq!(
                ours.is_match(text),
                Ok(re.is_match(text)),
                "`{source}` on `{text}`"
            );
        }
    }
}
