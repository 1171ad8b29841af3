//! Image globs (`buildahImages`): `*` matches any run of characters, `?` one character,
//! everything else itself. A pattern must match the whole image reference.

pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Classic two-pointer match with backtracking to the last `*`: linear in practice,
    // O(len(p) * len(t)) at worst, never exponential.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
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
