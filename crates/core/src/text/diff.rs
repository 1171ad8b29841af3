//! Unified diffs of fixes (`--diff`, the playground's preview), as `git diff` writes them.
//!
//! Our own, small: the `similar` crate writes the same diffs, but it made the browser build
//! 410 KB larger (1,134 KB of Wasm against 722 KB, before wasm-bindgen), more than all of
//! the fixing and suppression code. A fix changes a few lines of a file, so the common lines
//! at both ends are set aside first and Myers' algorithm runs on what is left; past
//! [`MAX_EDITS`] the middle is shown as replaced, which is still a correct diff.

/// Most line edits searched for; more (a file rewritten) shows the middle as replaced.
const MAX_EDITS: usize = 2_000;
/// Lines of context around each change.
const CONTEXT: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Same,
    Delete,
    Insert,
}

/// A unified diff from `before` to `after`, the files named `a/NAME` and `b/NAME`; empty when
/// they are the same.
pub fn unified_diff(name: &str, before: &str, after: &str) -> String {
    if before == after {
        return String::new();
    }
    let a: Vec<&str> = before.split_inclusive('\n').collect();
    let b: Vec<&str> = after.split_inclusive('\n').collect();
    let ops = diff(&a, &b);
    let mut out = format!("--- a/{name}\n+++ b/{name}\n");
    // Runs of changes with their context, merged when the context would touch.
    let changed: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, op)| **op != Op::Same)
        .map(|(i, _)| i)
        .collect();
    let mut k = 0;
    while k < changed.len() {
        let start = changed[k].saturating_sub(CONTEXT);
        let mut end = changed[k];
        while k < changed.len() && changed[k] <= end + 2 * CONTEXT {
            end = changed[k];
            k += 1;
        }
        let end = (end + CONTEXT + 1).min(ops.len());
        hunk(&ops[..end], start, &a, &b, &mut out);
    }
    out
}

/// Writes the hunk of `ops[start..]` (`ops` given from the beginning, to count lines).
fn hunk(ops: &[Op], start: usize, a: &[&str], b: &[&str], out: &mut String) {
    let count = |ops: &[Op], side: Op| {
        ops.iter()
            .filter(|o| **o == Op::Same || **o == side)
            .count()
    };
    let (a_before, b_before) = (
        count(&ops[..start], Op::Delete),
        count(&ops[..start], Op::Insert),
    );
    let (a_len, b_len) = (
        count(&ops[start..], Op::Delete),
        count(&ops[start..], Op::Insert),
    );
    out.push_str(&format!(
        "@@ -{} +{} @@\n",
        range(a_before, a_len),
        range(b_before, b_len)
    ));
    let (mut i, mut j) = (a_before, b_before);
    for op in &ops[start..] {
        let (mark, line) = match op {
            Op::Same => {
                i += 1;
                j += 1;
                (' ', a[i - 1])
            }
            Op::Delete => {
                i += 1;
                ('-', a[i - 1])
            }
            Op::Insert => {
                j += 1;
                ('+', b[j - 1])
            }
        };
        out.push(mark);
        out.push_str(line);
        if !line.ends_with('\n') {
            out.push_str("\n\\ No newline at end of file\n");
        }
    }
}

/// `start,len` as diff writes it: 1-based, `,len` left out for one line, the line before for
/// none.
fn range(before: usize, len: usize) -> String {
    match len {
        0 => format!("{before},0"),
        1 => format!("{}", before + 1),
        _ => format!("{},{len}", before + 1),
    }
}

/// The edit script from `a` to `b`: the common lines at both ends, a shortest script between.
fn diff(a: &[&str], b: &[&str]) -> Vec<Op> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let mut ops = vec![Op::Same; prefix];
    let (ma, mb) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    match myers(ma, mb) {
        Some(middle) => ops.extend(middle),
        None => {
            ops.extend(std::iter::repeat_n(Op::Delete, ma.len()));
            ops.extend(std::iter::repeat_n(Op::Insert, mb.len()));
        }
    }
    ops.extend(std::iter::repeat_n(Op::Same, suffix));
    ops
}

/// Myers' greedy shortest edit script, or `None` past [`MAX_EDITS`].
fn myers(a: &[&str], b: &[&str]) -> Option<Vec<Op>> {
    let (n, m) = (a.len() as isize, b.len() as isize);
    let max = (a.len() + b.len()).min(MAX_EDITS) as isize;
    let offset = max + 1;
    let mut v = vec![0isize; 2 * offset as usize + 1];
    let mut trace: Vec<Vec<isize>> = Vec::new();
    for d in 0..=max {
        trace.push(v.clone());
        let mut k = -d;
        while k <= d {
            let i = (k + offset) as usize;
            let mut x = if k == -d || (k != d && v[i - 1] < v[i + 1]) {
                v[i + 1]
            } else {
                v[i - 1] + 1
            };
            let mut y = x - k;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
            }
            v[i] = x;
            if x >= n && y >= m {
                return Some(backtrack(&trace, n, m, offset));
            }
            k += 2;
        }
    }
    None
}

/// The script, walking the saved frontiers back from the end.
fn backtrack(trace: &[Vec<isize>], n: isize, m: isize, offset: isize) -> Vec<Op> {
    let mut ops = Vec::new();
    let (mut x, mut y) = (n, m);
    for (d, v) in trace.iter().enumerate().rev() {
        let d = d as isize;
        let k = x - y;
        let i = (k + offset) as usize;
        let prev_k = if k == -d || (k != d && v[i - 1] < v[i + 1]) {
            k + 1
        } else {
            k - 1
        };
        let prev_x = v[(prev_k + offset) as usize];
        let prev_y = prev_x - prev_k;
        while x > prev_x && y > prev_y {
            ops.push(Op::Same);
            x -= 1;
            y -= 1;
        }
        if d > 0 {
            ops.push(if x == prev_x { Op::Insert } else { Op::Delete });
        }
        x = prev_x;
        y = prev_y;
    }
    ops.reverse();
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `before` patched with `diff`, read the simple way (every hunk's lines in order).
    fn patch(before: &str, diff: &str) -> String {
        let a: Vec<&str> = before.split_inclusive('\n').collect();
        let mut out = String::new();
        let mut at = 0;
        let mut lines = diff.split_inclusive('\n').skip(2).peekable();
        while let Some(header) = lines.next() {
            let old = header.split(' ').nth(1).unwrap().trim_start_matches('-');
            let (start, len) = match old.split_once(',') {
                Some((s, l)) => (s.parse::<usize>().unwrap(), l.parse::<usize>().unwrap()),
                None => (old.parse::<usize>().unwrap(), 1),
            };
            let first = if len == 0 { start } else { start - 1 };
            out.extend(a[at..first].iter().copied());
            at = first;
            while let Some(l) = lines.next_if(|l| !l.starts_with("@@")) {
                let no_newline = lines.next_if(|n| n.starts_with('\\')).is_some();
                let text = if no_newline {
                    l.trim_end_matches('\n')
                } else {
                    l
                };
                match &text[..1] {
                    " " => {
                        out.push_str(&text[1..]);
                        at += 1;
                    }
                    "-" => at += 1,
                    _ => out.push_str(&text[1..]),
                }
            }
        }
        out.extend(a[at..].iter().copied());
        out
    }

    #[test]
    fn diffs_read_like_git_diff() {
        let before = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n";
        let after = "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\n";
        assert_eq!(
            unified_diff("x.yaml", before, after),
            "--- a/x.yaml\n+++ b/x.yaml\n@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n@@ -11,3 +11,4 @@\n k\n l\n m\n+n\n"
        );
        assert_eq!(
            unified_diff("x", "a\nb", "a\nc"),
            "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"
        );
        assert_eq!(
            unified_diff("x", "", "a\n"),
            "--- a/x\n+++ b/x\n@@ -0,0 +1 @@\n+a\n"
        );
        assert_eq!(unified_diff("x", "same\n", "same\n"), "");
    }

    #[test]
    fn diffs_patch_back_and_are_shortest() {
        // Every pair of small texts over a few lines: the patch gives `after`, and no line
        // is touched that an LCS would keep.
        let pool = ["a\n", "b\n", "c\n", "a\n", "d"];
        let texts: Vec<String> = (0..400u32)
            .map(|seed| {
                let mut s = String::new();
                let mut x = seed;
                for _ in 0..(seed % 7) {
                    s.push_str(pool[(x % 4) as usize]);
                    x = x.wrapping_mul(2654435761).rotate_left(7);
                }
                if seed % 5 == 0 {
                    s.push_str(pool[4]);
                }
                s
            })
            .collect();
        for before in &texts[..40] {
            for after in &texts {
                let d = unified_diff("x", before, after);
                assert_eq!(patch(before, &d), *after, "{before:?} -> {after:?}\n{d}");
                let a: Vec<&str> = before.split_inclusive('\n').collect();
                let b: Vec<&str> = after.split_inclusive('\n').collect();
                let same = diff(&a, &b).iter().filter(|o| **o == Op::Same).count();
                assert_eq!(same, lcs(&a, &b), "{before:?} -> {after:?}");
            }
        }
    }

    fn lcs(a: &[&str], b: &[&str]) -> usize {
        let mut t = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for i in (0..a.len()).rev() {
            for j in (0..b.len()).rev() {
                t[i][j] = if a[i] == b[j] {
                    t[i + 1][j + 1] + 1
                } else {
                    t[i + 1][j].max(t[i][j + 1])
                };
            }
        }
        t[0][0]
    }
}
