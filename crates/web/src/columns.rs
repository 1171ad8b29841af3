//! Character columns (what the rules library counts) to UTF-16 code-unit columns (what
//! JavaScript strings, editors and the DOM count). They differ on a line that has a character
//! outside the Basic Multilingual Plane (an emoji, some CJK) before the position.

/// The lines of a text, split where YAML breaks lines: `\r\n`, `\n` or a lone `\r`.
pub struct Lines<'t> {
    lines: Vec<&'t str>,
}

impl<'t> Lines<'t> {
    pub fn new(text: &'t str) -> Lines<'t> {
        let mut lines = Vec::new();
        let mut rest = text;
        while let Some(i) = rest.find(['\n', '\r']) {
            lines.push(&rest[..i]);
            let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
            rest = &rest[i + skip..];
        }
        lines.push(rest);
        Lines { lines }
    }

    /// The 1-based UTF-16 column of the 1-based character column `col` on 1-based `line`,
    /// and the UTF-16 length of the `width` characters from there. Positions past the end
    /// of the line (or of the text) count one unit per missing character.
    pub fn utf16(&self, line: u32, col: u32, width: u32) -> (u32, u32) {
        let text = line
            .checked_sub(1)
            .and_then(|i| self.lines.get(i as usize))
            .copied()
            .unwrap_or("");
        let before = col.saturating_sub(1) as usize;
        let start = units(text.chars().take(before), before);
        let width_units = units(
            text.chars().skip(before).take(width as usize),
            width as usize,
        );
        (start + 1, width_units)
    }
}

/// UTF-16 units of `n` characters, of which `chars` yields those that exist.
fn units(chars: impl Iterator<Item = char>, n: usize) -> u32 {
    let mut counted = 0usize;
    let mut total = 0usize;
    for c in chars {
        counted += 1;
        total += c.len_utf16();
    }
    (total + n.saturating_sub(counted)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_columns_are_unchanged() {
        let lines = Lines::new("a: 1\n  bb: 22\n");
        assert_eq!(lines.utf16(2, 3, 2), (3, 2));
        assert_eq!(lines.utf16(1, 1, 0), (1, 0));
    }

    #[test]
    fn astral_characters_count_two_units() {
        // `🚀` is one character and two UTF-16 units; `構` is one of each.
        let lines = Lines::new("x\r\nname: \"🚀構\" key: v\rz");
        assert_eq!(lines.utf16(2, 12, 3), (13, 3));
        assert_eq!(lines.utf16(2, 8, 2), (8, 3));
        assert_eq!(lines.utf16(3, 1, 1), (1, 1));
    }

    #[test]
    fn positions_past_the_end_do_not_fail() {
        let lines = Lines::new("ab");
        assert_eq!(lines.utf16(1, 5, 2), (5, 2));
        assert_eq!(lines.utf16(9, 2, 1), (2, 1));
        assert_eq!(lines.utf16(0, 0, 0), (1, 0));
    }
}
