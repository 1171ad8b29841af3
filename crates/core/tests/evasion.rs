//! docs/evasion.md is executed: every row of its table runs in a buildah step that has
//! everything else right, and must come out as the table says.

use serde_json::json;
use tekton_buildah_core::{RuleId, Settings, check_object};

struct Row {
    number: String,
    example: String,
    outcome: String,
}

fn rows() -> Vec<Row> {
    let doc = include_str!("../../../docs/evasion.md");
    let mut out = Vec::new();
    for line in doc.lines() {
        let Some(body) = line.strip_prefix("| ") else {
            continue;
        };
        // Split on unescaped `|` (a `\|` belongs to the example).
        let mut cells = Vec::new();
        let mut cell = String::new();
        let mut chars = body.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' if chars.peek() == Some(&'|') => {
                    cell.push('|');
                    chars.next();
                }
                '|' => cells.push(std::mem::take(&mut cell).trim().to_string()),
                _ => cell.push(c),
            }
        }
        if cells.len() != 4 || !cells[0].chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let example = cells[2]
            .strip_prefix('`')
            .and_then(|e| e.strip_suffix('`'))
            .expect("the example is one code span")
            .replace('⏎', "\n");
        out.push(Row {
            number: cells[0].clone(),
            example,
            outcome: cells[3].clone(),
        });
    }
    out
}

#[test]
fn every_row_of_the_evasion_table_holds() {
    let rows = rows();
    assert!(rows.len() >= 30, "{} rows", rows.len());
    let settings = Settings::default();
    let mut failures = Vec::new();
    for row in &rows {
        let task = json!({
            "apiVersion": "tekton.dev/v1", "kind": "Task", "metadata": {"name": "evasion"},
            "spec": {
                "workspaces": [{"name": "source"}],
                "params": [{"name": "BUILDER"}, {"name": "BUILD_COMMAND"}, {"name": "SCRIPT"}],
                "steps": [{
                    "name": "build",
                    "image": "quay.io/buildah/stable:v1",
                    "computeResources": {"requests": {"memory": "1Gi", "cpu": "1"}, "limits": {"memory": "2Gi", "cpu": "2"}},
                    "env": [
                        {"name": "BUILDAH_STORAGE_ROOT", "value": "$(workspaces.source.path)/s"},
                        {"name": "TMPDIR", "value": "$(workspaces.source.path)/t"},
                        {"name": "HOME", "value": "$(workspaces.source.path)/h"},
                        {"name": "STORAGE_DRIVER", "value": "vfs"},
                    ],
                    "securityContext": {"capabilities": {"add": ["SETFCAP"]}},
                    "script": row.example,
                }],
            },
        });
        let report = check_object(&task, &settings);
        let rules: Vec<RuleId> = report.findings.iter().map(|f| f.rule).collect();
        let found = rules.contains(&RuleId::BuildahRootMissing);
        let unreadable = rules.contains(&RuleId::BuildahUnanalyzable);
        let ok = match row.outcome.as_str() {
            "analysed" => found && !unreadable,
            "unanalyzable" => unreadable,
            "not a call" => !found && !unreadable,
            other => panic!("row {}: unknown outcome {other}", row.number),
        };
        if !ok {
            failures.push(format!(
                "row {} ({}): expected {}, got {:#?}",
                row.number,
                row.example.replace('\n', "⏎"),
                row.outcome,
                report
                    .findings
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
