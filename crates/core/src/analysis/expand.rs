//! Word expansion: turning parsed words into the arguments a program receives.
//!
//! It follows the shell where the value is known (literals, quotes, variables assigned literal
//! values, the step's `env`, Tekton parameters with defaults, arrays, `"$@"`) and keeps the
//! written form where it is not, marking the argument inexact. Unquoted unknown expansions may
//! split into any number of arguments and are marked `multi`.

use super::field::{Field, Loc};

/// Longest argument built. Longer text (a value doubled by assignments in a loop, say) stops
/// growing and the argument counts as not exactly known.
pub(super) const MAX_FIELD_BYTES: usize = 1 << 20;

/// Collects the fields one word expands to.
pub(super) struct FieldBuilder {
    out: Vec<Field>,
    cur: String,
    exact: bool,
    multi: bool,
    conditional: bool,
    started: bool,
    /// The word's own position.
    loc: Loc,
    /// Position of an array element adopted whole (kept only if nothing else joins it).
    adopted: Option<Loc>,
    pieces: u32,
    /// The first reference that supplied part of the current argument.
    from: Option<String>,
}

impl FieldBuilder {
    pub(super) fn new(loc: Loc) -> FieldBuilder {
        FieldBuilder {
            out: Vec::new(),
            cur: String::new(),
            exact: true,
            multi: false,
            conditional: false,
            started: false,
            loc,
            adopted: None,
            pieces: 0,
            from: None,
        }
    }

    /// Notes that the next text comes from this reference (`$(params.X)`, `$VAR`).
    pub(super) fn from(&mut self, reference: &str) {
        if self.from.is_none() {
            self.from = Some(reference.to_string());
        }
    }

    /// Appends text to the current argument, up to [`MAX_FIELD_BYTES`].
    fn push(&mut self, s: &str) {
        if self.cur.len() + s.len() <= MAX_FIELD_BYTES {
            self.cur.push_str(s);
        } else {
            self.exact = false;
        }
    }

    pub(super) fn literal(&mut self, s: &str) {
        self.push(s);
        self.started = true;
        self.pieces += 1;
    }

    /// A quoted empty string still makes an argument.
    pub(super) fn quoted_empty(&mut self) {
        self.started = true;
    }

    pub(super) fn unknown(&mut self, written: &str, quoted: bool) {
        self.push(written);
        self.exact = false;
        self.started = true;
        self.pieces += 1;
        if !quoted {
            self.multi = true;
        }
    }

    /// An unquoted known value: split at blanks into separate arguments. In a value with
    /// unknown parts (kept in their written `$…` form) only the pieces holding such a part are
    /// inexact: `buildah bud -t $(params.IMAGE)` still names `bud` exactly.
    pub(super) fn split(&mut self, value: &str, exact: bool, conditional: bool) {
        let mut piece_started = false;
        for (i, chunk) in value.split([' ', '\t', '\n']).enumerate() {
            if i > 0 && (self.started || piece_started) {
                self.finish();
            }
            if !chunk.is_empty() {
                self.push(chunk);
                self.started = true;
                self.pieces += 1;
                self.exact &= exact || !(chunk.contains('$') || chunk.contains('`'));
                self.conditional |= conditional;
                piece_started = true;
            }
        }
    }

    /// Another field's text joining the current argument (a quoted scalar).
    pub(super) fn join(&mut self, f: &Field) {
        self.push(&f.text);
        self.started = true;
        self.pieces += 1;
        self.exact &= f.exact;
        self.multi |= f.multi;
        self.conditional |= f.conditional;
    }

    /// A variable's value: joined as it is when quoted (or when it may stand for several
    /// arguments), split into words otherwise.
    pub(super) fn value(&mut self, f: &Field, quoted: bool) {
        if quoted || f.multi {
            self.join(f);
        } else {
            self.split(&f.text, f.exact, f.conditional);
        }
    }

    /// Elements of an array or `$@`: each is its own argument (the first and last join the
    /// text around them). Unquoted, each element is split further.
    pub(super) fn elements(&mut self, items: &[Field], split: bool) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.finish();
            }
            if split && item.exact && !item.multi {
                self.split(&item.text, true, item.conditional);
                continue;
            }
            let whole = self.cur.is_empty() && self.pieces == 0;
            self.join(item);
            if whole {
                self.adopted = Some(item.loc);
            }
        }
    }

    pub(super) fn finish(&mut self) {
        if self.started {
            let loc = match self.adopted {
                Some(l) if self.pieces <= 1 => l,
                _ => self.loc,
            };
            self.out.push(Field {
                text: std::mem::take(&mut self.cur),
                exact: self.exact,
                multi: self.multi,
                conditional: self.conditional,
                loc,
                from: self.from.take(),
            });
        }
        self.cur.clear();
        self.exact = true;
        self.multi = false;
        self.conditional = false;
        self.started = false;
        self.adopted = None;
        self.pieces = 0;
        self.from = None;
    }

    /// Builds into `out`, after the fields already there (saves a vector per word).
    pub(super) fn appending(loc: Loc, out: Vec<Field>) -> FieldBuilder {
        FieldBuilder {
            out,
            ..FieldBuilder::new(loc)
        }
    }

    pub(super) fn into_fields(mut self) -> Vec<Field> {
        self.finish();
        self.out
    }
}

/// `'…'` around a value so that the shell reads it back as one word (`printf %q`).
/// A field written back as shell text that reads as the same argument: quoted when its
/// text is exact, as written when it may stand for several arguments (`$ARGS`), in double
/// quotes when it is one unknown argument (`"$IMAGE"`).
pub(super) fn requote(f: &super::Field) -> String {
    if f.exact {
        shell_quote(&f.text)
    } else if f.multi {
        f.text.clone()
    } else {
        format!("\"{}\"", f.text.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

pub(crate) fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'-' | b'_' | b'.' | b'/' | b'=' | b':' | b',' | b'@' | b'+'
                )
        })
    {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for ch in s.chars() {
        if ch == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(ch);
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::field::Source;
    use crate::shell::Span;

    fn loc() -> Loc {
        Loc {
            source: Source::Script,
            span: Span::new(0, 1),
        }
    }

    #[test]
    fn split_joins_surrounding_text() {
        let mut b = FieldBuilder::new(loc());
        b.literal("x");
        b.split("a b", true, false);
        b.literal("y");
        let texts: Vec<_> = b.into_fields().into_iter().map(|f| f.text).collect();
        assert_eq!(texts, ["xa", "by"]);
    }

    #[test]
    fn empty_unquoted_value_makes_no_argument() {
        let mut b = FieldBuilder::new(loc());
        b.split("", true, false);
        assert!(b.into_fields().is_empty());
        let mut b = FieldBuilder::new(loc());
        b.quoted_empty();
        assert_eq!(b.into_fields().len(), 1);
    }

    #[test]
    fn quoting_round_trips_through_the_parser() {
        assert_eq!(shell_quote("--format=oci"), "--format=oci");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
