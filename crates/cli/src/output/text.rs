//! `path:line:col: level[rule-id] subject: message`, optionally followed by the source line
//! with the offending token underlined. A finding `--fix` can fix is marked `[*]` after its
//! rule; suppressed findings are not printed (JSON and SARIF keep them).

use super::{message, sorted};
use crate::check::FileResult;
use std::fmt::Write;

pub fn render(results: &[FileResult], snippet: bool) -> String {
    let mut out = String::new();
    for r in results {
        for e in &r.errors {
            let _ = writeln!(out, "{}:{}:{}: error: {}", r.name, e.line, e.col, e.message);
        }
        for l in sorted(r).into_iter().filter(|l| l.suppressed.is_none()) {
            let f = &l.finding;
            let _ = writeln!(
                out,
                "{}:{}:{}: {}[{}] {}{}",
                r.name,
                l.line,
                l.col,
                f.level.as_str(),
                f.rule.id(),
                if l.fixable() { "[*] " } else { "" },
                message(l)
            );
            if snippet && let Some(text) = &r.text {
                write_snippet(&mut out, text, l.line, l.col, l.width);
            }
        }
    }
    out
}

fn write_snippet(out: &mut String, text: &str, line: u32, col: u32, width: u32) {
    let Some(src) = text.lines().nth(line.saturating_sub(1) as usize) else {
        return;
    };
    let gutter = line.to_string().len();
    let pad: String = src
        .chars()
        .take(col.saturating_sub(1) as usize)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let _ = writeln!(out, "{:gutter$} |", "");
    let _ = writeln!(out, "{line} | {src}");
    let _ = writeln!(
        out,
        "{:gutter$} | {pad}{}",
        "",
        "^".repeat(width.max(1) as usize)
    );
}
