//! Line breaks in long texts (scripts, YAML files), found eight bytes at a time: findings deep
//! in long scripts are common, and each needs the line it is on.

const ONES: u64 = 0x0101_0101_0101_0101;
const LOWS: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// The high bit of every byte of `word` that is a `\n`.
fn newline_bits(word: &[u8]) -> u64 {
    let x = u64::from_le_bytes(word.try_into().unwrap_or_default()) ^ (ONES * u64::from(b'\n'));
    // The high bit of every byte that is not zero, inverted.
    !(((x & LOWS).wrapping_add(LOWS) | x) | LOWS)
}

/// How many `\n` there are in `b`.
pub(crate) fn count(b: &[u8]) -> usize {
    let mut chunks = b.chunks_exact(8);
    let mut n = 0;
    for c in &mut chunks {
        // One bit per `\n`, at the top of its byte: summed by a multiplication.
        n += ((newline_bits(c) >> 7).wrapping_mul(ONES) >> 56) as usize;
    }
    n + chunks.remainder().iter().filter(|&&c| c == b'\n').count()
}

/// Byte offsets where the lines of `s` start: 0, then just after each `\n`.
pub(crate) fn starts(s: &str) -> Vec<u32> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len() / 32 + 1);
    out.push(0);
    let mut chunks = b.chunks_exact(8);
    let mut at = 0;
    for c in &mut chunks {
        let mut bits = newline_bits(c);
        while bits != 0 {
            out.push((at + bits.trailing_zeros() as usize / 8 + 1) as u32);
            bits &= bits - 1;
        }
        at += 8;
    }
    for (i, &c) in chunks.remainder().iter().enumerate() {
        if c == b'\n' {
            out.push((at + i + 1) as u32);
        }
    }
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
