//! Image globs (`buildahImages`): `*` matches any run of characters, `?` one character,
//! everything else itself. A pattern must match the whole image reference.

pub fn glob_match(pattern: &str, text: &str) -> bool {
    // Classic two-pointer match with backtracking to the last `*`: linear in practice,
    // O(len(p) * len(t)) at worst, never exponential. Positions are byte offsets on
    // character boundaries; nothing is allocated (this runs on every admission request).
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        let tn = ti + char_len(t[ti]);
        let pn = if pi < p.len() {
            pi + char_len(p[pi])
        } else {
            pi
        };
        if pi < p.len() && (p[pi] == b'?' || p[pi..pn] == t[ti..tn]) {
            pi = pn;
            ti = tn;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            let st = st + char_len(t[st]);
            pi = sp + 1;
            ti = st;
            star = Some((sp, st));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// Length of the UTF-8 character that starts with this byte.
fn char_len(first: u8) -> usize {
    match first {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn matches_image_references() {
        let cases = [
            ("*buildah*", "registry.redhat.io/rhel9/buildah:latest", true),
            (
                "*buildah*",
                "quay.io/konflux-ci/buildah-task:latest@sha256:abc",
                true,
            ),
            ("*buildah*", "buildah", true),
            ("*buildah*", "quay.io/kaniko/executor", false),
            ("quay.io/buildah/*", "quay.io/buildah/stable:v1.38", true),
            (
                "quay.io/buildah/*",
                "docker.io/quay.io/buildah/stable",
                false,
            ),
            ("buildah:?", "buildah:1", true),
            ("buildah:?", "buildah:10", false),
            ("", "", true),
            ("*", "", true),
            ("a*b*c", "aXbYc", true),
            ("a*b*c", "aXbY", false),
            ("bü?ldah", "büíldah", true),
            ("*ä", "xyzä", true),
            ("?", "é", true),
            ("??", "é", false),
        ];
        for (pattern, text, want) in cases {
            assert_eq!(glob_match(pattern, text), want, "{pattern} vs {text}");
        }
    }

    #[test]
    fn pathological_patterns_stay_fast() {
        let text = "a".repeat(10_000);
        let pattern = format!("{}b", "*a".repeat(50));
        assert!(!glob_match(&pattern, &text));
    }
}
