//! Fixture tests, one folder per rule under `tests/fixtures/<rule-id>/`, each rule run alone
//! (every other rule off):
//! - `bad-*.yaml` must give findings of that rule, exactly those in the sibling `.out` file,
//!   and exactly the findings its `# expect:` comments state (see below);
//! - `ok-*.yaml` must give none, and states no expectation.
//!
//! `BLESS=1 cargo test --features yaml --test rules` rewrites the `.out` files; review the diff.
//! It never writes the `# expect:` comments: they are the human statement of what a fixture is
//! there to show, which the generated `.out` (byte ranges and all) is checked against.
//!
//! # Expectation comments
//!
//! A `bad-*` fixture opens with one comment line per finding it must give, before its first
//! YAML line (after any comment that explains the fixture):
//!
//! ```yaml
//! # Pushing without `--root`: the refactor dropped it.
//! # expect: buildah-root-missing step "build" line 17
//! # expect: buildah-flag-missing step "build" line 15: passes `--format=docker`
//! apiVersion: tekton.dev/v1
//! ```
//!
//! - the rule id;
//! - the subject as findings name it, without the path in parentheses: `step "build"`,
//!   `sidecar "proxy"`, `stepTemplate`, `StepAction`, or for `invalid-object` the field in
//!   backticks (`` `spec.steps` ``);
//! - `line N`: the line of the file the CLI reports (the offending token inside a literal
//!   `script: |`, otherwise the field, or the start of a folded or quoted script);
//! - optionally `: text`, which the finding's message must contain (to tell apart findings of
//!   one subject on one line, or to say what the finding is about).
//!
//! The fixture's findings and its expectations must match one to one: an expected finding
//! missing, or a finding nobody expected, fails the test, which prints the comment lines that
//! would describe what the fixture gives. A `bad-*` fixture without any `# expect:` line fails.
//! `# expect:` anywhere but the header (inside a script, say) is refused, not read.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use tekton_buildah_core::rules::RULES;
use tekton_buildah_core::text::{LocatedFinding, TextReport, check_text};
use tekton_buildah_core::{RuleId, Settings};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Every fixture of every rule: (rule, file name, path), sorted by name within a rule.
fn fixture_files() -> Vec<(RuleId, String, PathBuf)> {
    let mut all = Vec::new();
    for rule in RULES {
        let dir = fixtures().join(rule.id());
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|_| panic!("no fixtures for {}", rule.id()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        files.sort();
        for file in files {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            all.push((*rule, name, file));
        }
    }
    all
}

/// The fixture's findings, with that rule alone switched on; for the rules about suppression
/// comments, which need the other rules' findings, every rule on and that rule's findings kept.
fn check(path: &Path, rule: RuleId) -> (String, TextReport) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut report = if rule.reads_comments() {
        check_text(&text, &Settings::default())
    } else {
        check_text(&text, &Settings::for_rule(rule))
    };
    if let Some(e) = report.errors.first() {
        panic!("{}:{}:{}: {}", path.display(), e.line, e.col, e.message);
    }
    if rule.reads_comments() {
        report.findings.retain(|l| l.finding.rule == rule);
    }
    (text, report)
}

/// `level[rule] path@start-end: subject: message`, one line per finding.
fn render(report: &TextReport) -> String {
    let mut out = String::new();
    for l in &report.findings {
        let f = &l.finding;
        let span = f
            .span
            .map(|s| format!("@{}-{}", s.start, s.end))
            .unwrap_or_default();
        // A comment has no path in the object: its place in the text.
        let place = if f.path.is_empty() {
            format!("{}:{}", l.line, l.col)
        } else {
            format!("{}{span}", f.path)
        };
        writeln!(
            out,
            "{}[{}] {place}: {}: {}",
            f.level.as_str(),
            f.rule.id(),
            f.subject,
            f.message
        )
        .unwrap();
    }
    out
}

/// One `# expect:` line.
#[derive(Debug)]
struct Expectation {
    /// The comment as written, for messages.
    text: String,
    rule: String,
    subject: String,
    line: u32,
    /// Text the message must contain.
    says: Option<String>,
}

const EXPECT: &str = "# expect: ";

/// Reads `rule subject line N[: text]`.
fn parse_expectation(comment: &str) -> Result<Expectation, String> {
    let bad = || {
        format!("`{comment}`: expected `# expect: <rule-id> <subject> line <N>[: <message text>]`")
    };
    let rest = comment.strip_prefix(EXPECT).ok_or_else(bad)?;
    let (rule, rest) = rest.split_once(' ').ok_or_else(bad)?;
    // The first ` line <digits>` that ends the text or is followed by `: `.
    let mut from = 0;
    while let Some(i) = rest[from..].find(" line ").map(|i| i + from) {
        let after = &rest[i + " line ".len()..];
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let tail = &after[digits..];
        if digits > 0 && (tail.is_empty() || tail.starts_with(": ")) {
            let says = tail.strip_prefix(": ").map(str::to_string);
            if says.as_deref() == Some("") {
                return Err(bad());
            }
            return Ok(Expectation {
                text: comment.to_string(),
                rule: rule.to_string(),
                subject: rest[..i].to_string(),
                line: after[..digits].parse().map_err(|_| bad())?,
                says,
            });
        }
        from = i + 1;
    }
    Err(bad())
}

/// The `# expect:` lines of a fixture's header (the comments and blank lines before its first
/// YAML line); an `# expect:` anywhere else is an error.
fn expectations(text: &str) -> Result<Vec<Expectation>, String> {
    let mut out = Vec::new();
    let mut in_header = true;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        in_header &= trimmed.is_empty() || trimmed.starts_with('#');
        if !trimmed.starts_with("# expect:") {
            continue;
        }
        if !in_header || trimmed != line {
            return Err(format!(
                "line {}: `# expect:` comments belong in the header, before the first YAML line",
                i + 1
            ));
        }
        out.push(parse_expectation(line.trim_end())?);
    }
    Ok(out)
}

/// A finding's subject without the path in parentheses: `step "build"`.
fn short_subject(subject: &str) -> &str {
    match subject.rfind(" (") {
        Some(i) if subject.ends_with(')') => &subject[..i],
        _ => subject,
    }
}

/// The comment that states this finding (without message text).
fn expectation_for(f: &LocatedFinding) -> String {
    format!(
        "{EXPECT}{} {} line {}",
        f.finding.rule.id(),
        short_subject(&f.finding.subject),
        f.line
    )
}

fn fulfils(e: &Expectation, f: &LocatedFinding) -> bool {
    e.rule == f.finding.rule.id()
        && e.subject == short_subject(&f.finding.subject)
        && e.line == f.line
        && e.says
            .as_deref()
            .is_none_or(|s| f.finding.message.contains(s))
}

/// Pairs expectations with findings one to one; what is left on either side is a failure.
fn unmatched<'e, 'f>(
    expected: &'e [Expectation],
    found: &'f [LocatedFinding],
) -> (Vec<&'e Expectation>, Vec<&'f LocatedFinding>) {
    let mut taken = vec![false; found.len()];
    let mut missing = Vec::new();
    // The more precise expectations (with message text) choose first.
    let mut order: Vec<&Expectation> = expected.iter().collect();
    order.sort_by_key(|e| e.says.is_none());
    for e in order {
        match (0..found.len()).find(|&i| !taken[i] && fulfils(e, &found[i])) {
            Some(i) => taken[i] = true,
            None => missing.push(e),
        }
    }
    let unexpected = found
        .iter()
        .zip(&taken)
        .filter(|(_, t)| !**t)
        .map(|(f, _)| f)
        .collect();
    (missing, unexpected)
}

/// What is wrong between a fixture's `# expect:` comments and its findings, if anything.
fn expectation_failure(name: &str, text: &str, report: &TextReport) -> Option<String> {
    let is_bad = name.starts_with("bad-");
    let expected = match expectations(text) {
        Ok(e) => e,
        Err(e) => return Some(e),
    };
    let suggestion = || {
        report
            .sorted()
            .into_iter()
            .map(|f| format!("  {}\n", expectation_for(f)))
            .collect::<String>()
    };
    if !is_bad {
        return (!expected.is_empty())
            .then(|| "an ok-* fixture gives no finding: it has no `# expect:` line".to_string());
    }
    if expected.is_empty() {
        return Some(format!(
            "no `# expect:` comment: a bad-* fixture states in its header each finding it must \
             give (see the docs of crates/core/tests/rules.rs); what it gives now:\n{}",
            suggestion()
        ));
    }
    let (missing, unexpected) = unmatched(&expected, &report.findings);
    if missing.is_empty() && unexpected.is_empty() {
        return None;
    }
    let mut msg = String::from("findings differ from the `# expect:` comments\n");
    for e in missing {
        writeln!(msg, "  expected, not found: {}", e.text).unwrap();
    }
    for f in unexpected {
        writeln!(
            msg,
            "  found, not expected: {} ({})",
            expectation_for(f),
            f.finding.message
        )
        .unwrap();
    }
    write!(msg, "what it gives:\n{}", suggestion()).unwrap();
    Some(msg)
}

#[test]
fn every_rule_has_good_and_bad_fixtures() {
    let files = fixture_files();
    for rule in RULES {
        let of_rule = || files.iter().filter(|(r, _, _)| r == rule);
        assert!(
            of_rule().any(|(_, n, _)| n.starts_with("bad-")),
            "{}: no bad-*.yaml",
            rule.id()
        );
        if rule.configurable() {
            assert!(
                of_rule().any(|(_, n, _)| n.starts_with("ok-")),
                "{}: no ok-*.yaml",
                rule.id()
            );
        }
    }
    for (rule, name, _) in &files {
        assert!(
            name.starts_with("bad-") || name.starts_with("ok-"),
            "{}/{name}: a fixture's name starts with bad- or ok-",
            rule.id()
        );
    }
}

#[test]
fn fixtures_give_exactly_the_expected_findings() {
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    for (rule, name, file) in fixture_files() {
        let (text, report) = check(&file, rule);
        let got = render(&report);
        if let Some(why) = expectation_failure(&name, &text, &report) {
            failures.push(format!("{}/{name}: {why}", rule.id()));
        }
        if name.starts_with("ok-") {
            if !got.is_empty() {
                failures.push(format!(
                    "{}/{name} should give no finding:\n{got}",
                    rule.id()
                ));
            }
            continue;
        }
        if !got.contains(&format!("[{}]", rule.id())) {
            failures.push(format!(
                "{}/{name} gives no finding of its rule:\n{got}",
                rule.id()
            ));
        }
        let expected_path = file.with_extension("out");
        if bless {
            std::fs::write(&expected_path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if got != want {
            failures.push(format!(
                "{}/{name}: findings differ from {}\n--- expected\n{want}--- got\n{got}",
                rule.id(),
                expected_path.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn expectation_comments_are_read_as_documented() {
    let e = parse_expectation(r#"# expect: buildah-root-missing step "build" line 23"#).unwrap();
    assert_eq!(
        (e.rule.as_str(), e.subject.as_str(), e.line, e.says),
        ("buildah-root-missing", r#"step "build""#, 23, None)
    );
    let e = parse_expectation(
        "# expect: invalid-object `spec.steps[0].env[1]` line 9: at script line 4: needs",
    )
    .unwrap();
    assert_eq!(e.subject, "`spec.steps[0].env[1]`");
    assert_eq!(e.line, 9);
    assert_eq!(e.says.as_deref(), Some("at script line 4: needs"));
    for wrong in [
        "# expect: buildah-root-missing step \"build\"",
        "# expect: buildah-root-missing step \"build\" line x",
        "# expect: buildah-root-missing step \"build\" line 3 extra",
        "# expect: buildah-root-missing step \"build\" line 3: ",
        "# expect:buildah-root-missing",
    ] {
        assert!(parse_expectation(wrong).is_err(), "{wrong}");
    }
    let text = "# about\n# expect: a b line 1\n\nkind: Task\nspec:\n  script: |\n    # expect: a b line 2\n";
    assert!(expectations(text).unwrap_err().starts_with("line 7: "));
    assert_eq!(
        expectations(&text[..text.find("kind").unwrap()])
            .unwrap()
            .len(),
        1
    );
}
