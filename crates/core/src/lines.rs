//! Line breaks in long texts (scripts, YAML files), found with memchr: findings deep in long
//! scripts are common, and each needs the line it is on.

/// How many `\n` there are in `b`.
pub(crate) fn count(b: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', b).count()
}

/// Byte offsets where the lines of `s` start: 0, then just after each `\n`.
pub(crate) fn starts(s: &str) -> Vec<u32> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len() / 32 + 1);
    out.push(0);
    out.extend(memchr::memchr_iter(b'\n', b).map(|i| i as u32 + 1));
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn agree_with_a_byte_at_a_time() {
        let text = "a\nbc\n\n0123456789\nx\n\n\n\n\n\n\n\n\n\n\n\n\n\nyz é\n\u{80a}\n";
        for end in 0..=text.len() {
            let b = &text.as_bytes()[..end];
            assert_eq!(super::count(b), b.iter().filter(|&&c| c == b'\n').count());
            if let Some(s) = text.get(..end) {
                let expected: Vec<u32> = std::iter::once(0)
                    .chain(s.match_indices('\n').map(|(i, _)| i as u32 + 1))
                    .collect();
                assert_eq!(super::starts(s), expected);
            }
        }
    }
}
