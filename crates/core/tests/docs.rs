//! The rule pages are documentation users read and `--explain` prints: each has the fixed
//! structure, states the rule's real default level, and its examples are executed — the
//! "Example" must trigger the rule, "Use instead" must pass every rule, and "Fix" must say
//! what `--fix` does to the example.

use tekton_buildah_core::rules::RULES;
use tekton_buildah_core::text::{check_text, fix::fix_text};
use tekton_buildah_core::{Finding, Settings, yaml};

const HEADINGS: &[&str] = &[
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## Use instead",
    "## Fix",
    "## Options",
];

/// The findings of a YAML text that count (not suppressed), as the CLI reports them.
fn findings(text: &str, settings: &Settings) -> Vec<Finding> {
    check_text(text, settings)
        .findings
        .into_iter()
        .filter(|l| l.suppressed.is_none())
        .map(|l| l.finding)
        .collect()
}

/// The body of the first ```yaml block after `heading`.
fn yaml_block<'a>(doc: &'a str, heading: &str) -> &'a str {
    let section = &doc[doc.find(heading).unwrap()..];
    let start = section.find("```yaml\n").expect("a yaml block") + "```yaml\n".len();
    let end = section[start..].find("```").unwrap();
    &section[start..start + end]
}

#[test]
fn every_rule_page_has_the_fixed_structure() {
    for rule in RULES {
        let doc = rule.doc();
        assert!(
            doc.starts_with(&format!("# {}\n", rule.id())),
            "{}",
            rule.id()
        );
        let intro = doc.lines().nth(2).unwrap_or("");
        assert!(
            intro.contains(&format!("Default level: {}", rule.default_level_text())),
            "{}: the intro must state `Default level: {}`",
            rule.id(),
            rule.default_level_text()
        );
        let mut last = 0;
        for h in HEADINGS {
            let at = doc
                .find(h)
                .unwrap_or_else(|| panic!("{}: missing {h}", rule.id()));
            assert!(at > last, "{}: {h} out of order", rule.id());
            last = at;
        }
    }
}

#[test]
fn examples_trigger_their_rule_and_fixes_pass_every_rule() {
    let settings = Settings::default();
    for rule in RULES {
        let doc = rule.doc();
        let found = findings(yaml_block(doc, "## Example"), &settings);
        let findings_of_example = &found;
        assert!(
            findings_of_example.iter().any(|f| f.rule == *rule),
            "{}: the example gives {:?}",
            rule.id(),
            findings_of_example
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        );
        let good = findings(yaml_block(doc, "## Use instead"), &settings);
        assert!(
            good.is_empty(),
            "{}: the fix still gives {:?}",
            rule.id(),
            good.iter().map(ToString::to_string).collect::<Vec<_>>()
        );
    }
}

#[test]
fn the_fix_section_says_what_fix_does_to_the_example() {
    let settings = Settings::default();
    for rule in RULES {
        let doc = rule.doc();
        let fix = &doc[doc.find("## Fix").unwrap()..doc.find("## Options").unwrap()];
        let example = yaml_block(doc, "## Example");
        let fixed = fix_text(example, &settings, Some(&[*rule]));
        let left: Vec<String> = findings(&fixed.text, &settings)
            .iter()
            .filter(|f| f.rule == *rule)
            .map(ToString::to_string)
            .collect();
        if fix.contains("No automatic fix") {
            assert_eq!(
                fixed.text,
                example,
                "{}: said not fixable, but fixed",
                rule.id()
            );
        } else {
            assert!(left.is_empty(), "{}: --fix leaves {left:?}", rule.id());
            assert!(!fixed.applied.is_empty(), "{}", rule.id());
            // Fixed as the page says: no other finding appears.
            let before = findings(example, &settings).len();
            let after = findings(&fixed.text, &settings).len();
            assert!(
                after < before,
                "{}: {before} findings, {after} after --fix",
                rule.id()
            );
            assert!(yaml::load(&fixed.text).is_ok());
        }
    }
}

#[test]
fn options_blocks_are_valid_settings() {
    for rule in RULES.iter().filter(|r| r.configurable()) {
        let block = yaml_block(rule.doc(), "## Options");
        let doc = &yaml::load(block).unwrap()[0];
        let settings = doc.value.get("settings").unwrap_or(&doc.value);
        if let Err(e) = Settings::from_json_checked(settings) {
            panic!("{}: {e}", rule.id());
        }
    }
}
