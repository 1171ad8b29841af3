//! The rule pages are documentation users read and `--explain` prints: each has the fixed
//! structure, states the rule's real default level, and its examples are executed — the
//! "Example" must trigger the rule and "Use instead" must pass every rule.

use tekton_buildah_core::refs::Index;
use tekton_buildah_core::rules::RULES;
use tekton_buildah_core::{Finding, Settings, check_object_with, yaml};

/// The findings of every document of a block, each checked with the others at hand (a run
/// and the Pipeline it names, as the CLI reads a file).
fn block_findings(block: &str, settings: &Settings) -> Vec<Finding> {
    let docs = yaml::load(block).unwrap();
    let mut index = Index::new("in the same example");
    for d in &docs {
        index.add(&d.value);
    }
    docs.iter()
        .flat_map(|d| check_object_with(&d.value, settings, &index).findings)
        .collect()
}

const HEADINGS: &[&str] = &[
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## Use instead",
    "## Options",
];

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
        let findings = block_findings(yaml_block(doc, "## Example"), &settings);
        assert!(
            findings.iter().any(|f| f.rule == *rule),
            "{}: the example gives {:?}",
            rule.id(),
            findings.iter().map(ToString::to_string).collect::<Vec<_>>()
        );
        let findings = block_findings(yaml_block(doc, "## Use instead"), &settings);
        assert!(
            findings.is_empty(),
            "{}: the fix still gives {:?}",
            rule.id(),
            findings.iter().map(ToString::to_string).collect::<Vec<_>>()
        );
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
