//! Linux capability names, as Kubernetes `securityContext.capabilities` takes them.

/// Every capability of current Linux kernels (`capabilities(7)`), without the `CAP_` prefix.
pub const CAPABILITIES: &[&str] = &[
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
];

/// Container runtimes accept `setfcap`, `SETFCAP` and `CAP_SETFCAP` alike: compare in one form.
/// Whether a capability as written in a container (`cap_setfcap`, ` SETFCAP`) is the one
/// with this normalised name, without building the normalised string.
pub fn is_capability(written: &str, normalized: &str) -> bool {
    let w = written.trim();
    let w = match w.get(..4) {
        Some(prefix) if prefix.eq_ignore_ascii_case("CAP_") => &w[4..],
        _ => w,
    };
    w.eq_ignore_ascii_case(normalized)
}

pub fn normalize_capability(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    match upper.strip_prefix("CAP_") {
        Some(rest) => rest.to_string(),
        None => upper,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_normalise_to_one_name() {
        for s in [
            "SETFCAP",
            "setfcap",
            "CAP_SETFCAP",
            "cap_setfcap",
            " SETFCAP ",
        ] {
            assert_eq!(normalize_capability(s), "SETFCAP");
        }
    }

    #[test]
    fn the_list_has_every_current_capability_once() {
        assert_eq!(CAPABILITIES.len(), 41);
        let mut sorted = CAPABILITIES.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 41);
    }
}
