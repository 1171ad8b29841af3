//! What `printf` and `echo` print, so that a script a step writes with them
//! (`printf '#!/bin/sh\nbuildah "$@"\n' > /tmp/bin/bh`) is known like a heredoc.

/// Most bytes `printf` is taken to print: past it, the output counts as unknown.
const MAX_OUTPUT: usize = 1 << 20;

/// Backslash escapes: those of `printf`'s format (`octal_zero` false: `\NNN`) or those of
/// `%b` and `echo` (`\0NNN`, and `\c`, which ends the output). Returns the text and whether
/// `\c` was met.
pub(super) fn unescape(s: &str, octal_zero: bool) -> (String, bool) {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            out.push('\\');
            break;
        };
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'v' => out.push('\x0b'),
            'e' | 'E' => out.push('\x1b'),
            '\\' => out.push('\\'),
            'c' if octal_zero => return (out, true),
            '0'..='7' if !octal_zero || e == '0' => {
                let mut value = if octal_zero { 0 } else { e as u32 - '0' as u32 };
                for _ in 0..if octal_zero { 3 } else { 2 } {
                    match chars.peek() {
                        Some(&d @ '0'..='7') => {
                            value = value * 8 + (d as u32 - '0' as u32);
                            chars.next();
                        }
                        _ => break,
                    }
                }
                out.push(char::from_u32(value & 0xff).unwrap_or('\u{fffd}'));
            }
            'x' => {
                let mut value = 0;
                let mut digits = 0;
                while digits < 2
                    && let Some(d) = chars.peek().and_then(|d| d.to_digit(16))
                {
                    value = value * 16 + d;
                    digits += 1;
                    chars.next();
                }
                if digits == 0 {
                    out.push_str("\\x");
                } else {
                    out.push(char::from_u32(value).unwrap_or('\u{fffd}'));
                }
            }
            '"' | '\'' if !octal_zero => out.push(e),
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    (out, false)
}

/// What `printf FORMAT ARGS…` prints: `%s`, `%b`, `%c`, `%d`/`%i`/`%u` with flags, width
/// and precision, `%%`, and the format used again while arguments remain. `None` for
/// what it does not emulate (`%q`, `%x`, `%*d`, a number that does not parse).
pub(super) fn printf(format: &str, args: &[&str]) -> Option<String> {
    let (format, _) = unescape(format, false);
    let mut out = String::new();
    let mut next = 0;
    loop {
        let before = next;
        let mut chars = format.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            let mut flags = String::new();
            while let Some(&f @ ('-' | '+' | ' ' | '#' | '0')) = chars.peek() {
                flags.push(f);
                chars.next();
            }
            let mut width = 0usize;
            while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                width = width.saturating_mul(10).saturating_add(d as usize);
                chars.next();
            }
            let mut precision = None;
            if chars.peek() == Some(&'.') {
                chars.next();
                let mut p = 0usize;
                while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                    p = p.saturating_mul(10).saturating_add(d as usize);
                    chars.next();
                }
                precision = Some(p);
            }
            if width > MAX_OUTPUT || precision.is_some_and(|p| p > MAX_OUTPUT) {
                return None;
            }
            let conversion = chars.next()?;
            if conversion == '%' {
                out.push('%');
                continue;
            }
            let arg = args.get(next).copied();
            next += 1;
            let text = match conversion {
                's' => arg.unwrap_or("").to_string(),
                'b' => {
                    let (text, stop) = unescape(arg.unwrap_or(""), true);
                    if stop {
                        out.push_str(&text);
                        return Some(out);
                    }
                    text
                }
                'c' => arg
                    .and_then(|a| a.chars().next())
                    .map(String::from)
                    .unwrap_or_default(),
                'd' | 'i' | 'u' => {
                    let a = arg.unwrap_or("0").trim();
                    let n: i64 = if a.is_empty() {
                        0
                    } else {
                        a.strip_prefix('+').unwrap_or(a).parse().ok()?
                    };
                    let digits = n.unsigned_abs().to_string();
                    let sign = if n < 0 {
                        "-"
                    } else if flags.contains('+') {
                        "+"
                    } else {
                        ""
                    };
                    let digits = match precision {
                        Some(p) if p > digits.len() => {
                            format!("{}{digits}", "0".repeat(p - digits.len()))
                        }
                        _ => digits,
                    };
                    if flags.contains('0') && !flags.contains('-') && precision.is_none() {
                        let pad = width.saturating_sub(sign.len() + digits.len());
                        format!("{sign}{}{digits}", "0".repeat(pad))
                    } else {
                        format!("{sign}{digits}")
                    }
                }
                _ => return None,
            };
            let text = match (conversion, precision) {
                ('s' | 'b', Some(p)) => text.chars().take(p).collect(),
                _ => text,
            };
            let pad = width.saturating_sub(text.chars().count());
            if flags.contains('-') {
                out.push_str(&text);
                out.extend(std::iter::repeat_n(' ', pad));
            } else {
                out.extend(std::iter::repeat_n(' ', pad));
                out.push_str(&text);
            }
            if out.len() > MAX_OUTPUT {
                return None;
            }
        }
        // The format is used again for the remaining arguments, if it took any.
        if next == before || next >= args.len() {
            return Some(out);
        }
    }
}

/// What `echo ARGS…` prints, as each shell's `echo` does it: bash's and busybox's read
/// `-n`, `-e` and `-E` and only interpret escapes with `-e`; dash's reads only `-n` and
/// always interprets them. One text, or two when they differ.
pub(super) fn echo(args: &[&str]) -> Vec<String> {
    // bash, busybox: leading options made only of n, e, E.
    let mut newline = true;
    let mut escapes = false;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        let Some(letters) = a.strip_prefix('-') else {
            break;
        };
        if letters.is_empty() || !letters.chars().all(|c| matches!(c, 'n' | 'e' | 'E')) {
            break;
        }
        for c in letters.chars() {
            match c {
                'n' => newline = false,
                'e' => escapes = true,
                _ => escapes = false,
            }
        }
        i += 1;
    }
    let mut bash = args[i..].join(" ");
    if escapes {
        let (text, stop) = unescape(&bash, true);
        bash = text;
        newline &= !stop;
    }
    if newline {
        bash.push('\n');
    }
    // dash: `-n` only, escapes always.
    let (dash_args, dash_newline) = match args.first() {
        Some(&"-n") => (&args[1..], false),
        _ => (args, true),
    };
    let (mut dash, stop) = unescape(&dash_args.join(" "), true);
    if dash_newline && !stop {
        dash.push('\n');
    }
    if dash == bash {
        vec![bash]
    } else {
        vec![bash, dash]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printf_formats_like_the_shell() {
        let p = |f: &str, a: &[&str]| printf(f, a);
        assert_eq!(
            p("#!/bin/sh\\nbuildah \"$@\"\\n", &[]).as_deref(),
            Some("#!/bin/sh\nbuildah \"$@\"\n")
        );
        assert_eq!(p("%s\\n", &["a", "b"]).as_deref(), Some("a\nb\n"));
        assert_eq!(p("%s %s;", &["a", "b", "c"]).as_deref(), Some("a b;c ;"));
        assert_eq!(p("%b", &["x\\ty\\0101\\c", "z"]).as_deref(), Some("x\tyA"));
        assert_eq!(p("\\101\\x42%%%c", &["Cat"]).as_deref(), Some("AB%C"));
        assert_eq!(
            p("[%5s|%-3s|%.2s]", &["ab", "c", "xyz"]).as_deref(),
            Some("[   ab|c  |xy]")
        );
        assert_eq!(
            p("%03d %d %+d", &["7", "-2", "5"]).as_deref(),
            Some("007 -2 +5")
        );
        assert_eq!(p("no args %s.", &[]).as_deref(), Some("no args ."));
        assert_eq!(p("%q", &["a"]), None);
        assert_eq!(p("%d", &["x"]), None);
        assert_eq!(p("%", &[]), None);
    }

    #[test]
    fn echo_gives_each_shells_text() {
        assert_eq!(echo(&["buildah", "push", "img"]), ["buildah push img\n"]);
        assert_eq!(echo(&["-n", "x"]), ["x"]);
        assert_eq!(echo(&["-e", "a\\nb"]), ["a\nb\n", "-e a\nb\n"]);
        assert_eq!(echo(&["a\\nb"]), ["a\\nb\n", "a\nb\n"]);
        assert_eq!(echo(&["-E", "a\\nb"]), ["a\\nb\n", "-E a\nb\n"]);
        assert_eq!(echo(&["-x"]), ["-x\n"]);
    }
}
