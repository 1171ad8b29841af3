//! buildah's command-line surface: global options, subcommands and their options.
//!
//! Provenance. Everything with `since: None` is transcribed from the `--help` output of the
//! Debian `buildah` package 1.28.2 (bookworm), the binary the integration test
//! `tests/buildah_help.rs` checks this table against. Whether each option takes a value was
//! also confirmed by running `buildah <command> --help --<option>`: pflag answers "flag needs
//! an argument" exactly for the options that consume the next word.
//!
//! Entries with `since: Some(..)` were added by later releases. Each one was seen in the
//! `--help` output of a newer Debian build (1.39.3 from trixie, 1.43.2 from sid, 1.45.0 from
//! experimental), which also settles its short form and whether it takes a value; the release
//! that added it comes from the upstream pull request and release notes named in the comment
//! above each group (pull request numbers refer to the buildah repository, now
//! `podman-container-tools/buildah`). Where the comment says "approx." the merge date sits
//! close to a release date, and where it says "upper bound" or "first seen" the value is the
//! earliest release known to have the option rather than the one that introduced it.
//!
//! Not listed: `-h/--help` (accepted everywhere), hidden options (for example
//! `--signature-policy`, `--blob-cache`, the global `--debug` and `--default-mounts-file`,
//! `build --pull-always`, `commit --omit-timestamp`), the names pflag normalizes to listed
//! options (`--net` for `--network`, `--override-arch`, `--override-os`, `--purge` for
//! `--rm`, `--tty` for `--terminal`, and from 1.44 `--raw-iidfile`), and hidden commands
//! (`dumpbolt`; in 1.45 also `completion`, `mount-sshfs`, `umount-sshfs`, `serve-sftp`, `rpc`).
//!
//! Parsing. Commands with `interspersed: false` stop reading options at the first positional
//! argument. Most of them then reject any later word that starts with `-` ("no options (...)
//! can be specified after the image or container name"); `build` and `login` count such words
//! as extra arguments, and `run` and `unshare` hand them to the command they run. Global
//! options therefore have to come before the first positional argument of such a command.
//!
//! Options with an optional value: `--pull` on `build`, `from` and (from 1.35) `commit` is a
//! string flag with a default for the bare form (pflag prints it as `string[="true"]`). Such a
//! flag behaves like a boolean on the command line: `--pull=never` sets a value, while in
//! `--pull never` the word `never` is *not* consumed and becomes a positional argument. The
//! table therefore records `takes_value: false` for them.

/// One option, as `buildah <command> --help` lists it.
///
/// Kept to 12 bytes on wasm32 (a `&str`, then one byte each): the tables hold nearly 500
/// options, and with an `Option<char>` and an `Option<&str>` they took twice that. The
/// policy's read-only data is then small enough for what every request reads of it to stay
/// within the first 64 KiB, which a fresh instance maps with one page fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag {
    /// Long name without the leading dashes, e.g. `"format"`.
    pub long: &'static str,
    /// One-letter short form (ASCII), 0 for none: see [`Flag::short`].
    short: u8,
    /// True when the option takes a value (`--format oci` / `--format=oci`); false for booleans,
    /// which only take a value in the `--flag=value` form.
    pub takes_value: bool,
    /// 0 when buildah 1.28.2 has it, else 1 + the index in [`RELEASES`] of the release that
    /// added it: see [`Flag::since`].
    since: u8,
}

/// The releases after 1.28.2 that added options, for [`Flag::since`].
const RELEASES: [&str; 15] = [
    "1.29", "1.30", "1.32", "1.33", "1.34", "1.35", "1.36", "1.37", "1.38", "1.39", "1.40", "1.41",
    "1.42", "1.44", "1.45",
];

impl Flag {
    /// One-letter short form, e.g. `Some('f')`.
    pub const fn short(&self) -> Option<char> {
        match self.short {
            0 => None,
            c => Some(c as char),
        }
    }

    /// `None` when buildah 1.28.2 has it; `Some("1.33")` when a later release added it.
    pub const fn since(&self) -> Option<&'static str> {
        match self.since {
            0 => None,
            i => Some(RELEASES[i as usize - 1]),
        }
    }
}

/// One subcommand (nested ones are written with a space: `"manifest push"`).
#[derive(Debug, Clone, Copy)]
pub struct Command {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub flags: &'static [Flag],
    /// Whether options may still follow positional arguments (pflag interspersed parsing).
    /// False for commands such as `run` and `unshare`, where everything after the first
    /// positional argument belongs to the command being run.
    pub interspersed: bool,
    /// Whether the command opens containers-storage (and therefore needs `--root`).
    pub touches_storage: bool,
    /// `None` when buildah 1.28.2 has the command; otherwise the release that added it.
    pub since: Option<&'static str>,
}

/// Option that takes a value.
const fn v(long: &'static str) -> Flag {
    Flag {
        long,
        short: 0,
        takes_value: true,
        since: 0,
    }
}

/// Option that takes a value and has a short form.
const fn vs(long: &'static str, short: char) -> Flag {
    assert!(short.is_ascii() && short != '\0');
    Flag {
        short: short as u8,
        ..v(long)
    }
}

/// Boolean option (or one whose value is optional, see the module documentation).
const fn b(long: &'static str) -> Flag {
    Flag {
        takes_value: false,
        ..v(long)
    }
}

/// Boolean option with a short form.
const fn bs(long: &'static str, short: char) -> Flag {
    assert!(short.is_ascii() && short != '\0');
    Flag {
        short: short as u8,
        ..b(long)
    }
}

impl Flag {
    /// Marks an option that a release after 1.28.2 added.
    const fn added_in(self, release: &'static str) -> Flag {
        let mut i = 0;
        while i < RELEASES.len() {
            if eq(RELEASES[i].as_bytes(), release.as_bytes()) {
                return Flag {
                    since: i as u8 + 1,
                    ..self
                };
            }
            i += 1;
        }
        panic!("a release missing from RELEASES")
    }
}

/// `a == b`, usable in a constant.
const fn eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Options of the `buildah` program itself (cobra persistent flags: accepted before the
/// subcommand and, being persistent, after it too).
pub static GLOBAL_FLAGS: &[Flag] = &[
    // `buildah --help`, 1.28.2.
    v("cgroup-manager"),
    v("log-level"),
    v("registries-conf"),
    v("registries-conf-dir"),
    v("root"),
    v("runroot"),
    v("short-name-alias-conf"),
    v("storage-driver"),
    v("storage-opt"),
    v("userns-gid-map"),
    v("userns-uid-map"),
    bs("version", 'v'),
    // Storage options added in 1.42: PRs #6341 (--imagestore) and #6346 (--transient-store), both
    // merged in August 2025; defined in cmd/buildah/main.go.
    v("imagestore").added_in("1.42"),
    b("transient-store").added_in("1.42"),
];

/// Every subcommand, parents (`"manifest"`, `"source"`) included.
pub static COMMANDS: &[Command] = &[
    Command {
        name: "add",
        aliases: &[],
        flags: &[
            // `buildah add --help`, 1.28.2.
            b("add-history"),
            v("chmod"),
            v("chown"),
            v("contextdir"),
            v("from"),
            v("ignorefile"),
            bs("quiet", 'q'),
            v("retry"),
            v("retry-delay"),
            // ADD --checksum for HTTP sources, PR #5152 (November 2023, approx. release).
            v("checksum").added_in("1.34"),
            // TLS settings for fetching URLs, PR #5646 (merged after the 1.37.0 tag).
            v("cert-dir").added_in("1.38"),
            b("tls-verify").added_in("1.38"),
            // --exclude patterns, PR #5733 (October 2024).
            v("exclude").added_in("1.38"),
            // --timestamp (PR #6178, May 2025) and --link (PR #6240, June 2025, approx. release).
            b("link").added_in("1.41"),
            v("timestamp").added_in("1.41"),
            // --no-follow-symlinks, PR #6760 (April 2026, approx. release).
            b("no-follow-symlinks").added_in("1.44"),
            // Wildcard controls, PR #6843 (May 2026); first seen in 1.45.0, may already be in 1.44.
            b("allow-empty-wildcard").added_in("1.45"),
            b("allow-wildcard").added_in("1.45"),
        ],
        interspersed: false,
        touches_storage: true,
        since: None,
    },
    Command {
        name: "build",
        aliases: &["build-using-dockerfile", "bud"],
        flags: &[
            // `buildah build --help`, 1.28.2.
            v("add-host"),
            b("all-platforms"),
            v("annotation"),
            v("arch"),
            v("authfile"),
            v("build-arg"),
            v("build-context"),
            v("cache-from"),
            v("cache-to"),
            v("cache-ttl"),
            v("cap-add"),
            v("cap-drop"),
            v("cert-dir"),
            v("cgroup-parent"),
            v("cgroupns"),
            b("compress"),
            v("cpp-flag"),
            v("cpu-period"),
            v("cpu-quota"),
            vs("cpu-shares", 'c'),
            v("cpuset-cpus"),
            v("cpuset-mems"),
            v("creds"),
            v("decryption-key"),
            v("device"),
            bs("disable-compression", 'D'),
            b("disable-content-trust"),
            v("dns"),
            v("dns-option"),
            v("dns-search"),
            v("env"),
            vs("file", 'f'),
            b("force-rm"),
            v("format"),
            v("from"),
            v("hooks-dir"),
            b("http-proxy"),
            b("identity-label"),
            v("ignorefile"),
            v("iidfile"),
            v("ipc"),
            v("isolation"),
            v("jobs"),
            v("label"),
            b("layers"),
            v("logfile"),
            b("logsplit"),
            v("manifest"),
            vs("memory", 'm'),
            v("memory-swap"),
            v("network"),
            b("no-cache"),
            b("no-hosts"),
            b("omit-history"),
            v("os"),
            v("os-feature"),
            v("os-version"),
            vs("output", 'o'),
            v("pid"),
            v("platform"),
            // Optional value: `--pull=never`, bare `--pull` means "true".
            b("pull"),
            bs("quiet", 'q'),
            v("retry"),
            v("retry-delay"),
            b("rm"),
            v("runtime"),
            v("runtime-flag"),
            v("secret"),
            v("security-opt"),
            v("shm-size"),
            v("sign-by"),
            b("skip-unused-stages"),
            b("squash"),
            v("ssh"),
            b("stdin"),
            vs("tag", 't'),
            v("target"),
            v("timestamp"),
            b("tls-verify"),
            v("ulimit"),
            v("unsetenv"),
            v("userns"),
            v("userns-gid-map"),
            v("userns-gid-map-group"),
            v("userns-uid-map"),
            v("userns-uid-map-user"),
            v("uts"),
            v("variant"),
            vs("volume", 'v'),
            // --group-add, PR #4479 (December 2022).
            v("group-add").added_in("1.29"),
            // --build-arg-file, PR #4686 (March 2023).
            v("build-arg-file").added_in("1.30"),
            // --layer-label (PR #4940) and --cw for confidential workloads (PR #4960, which also
            // added `mkcw`), both summer 2023.
            v("cw").added_in("1.32"),
            v("layer-label").added_in("1.32"),
            // --unsetlabel (PR #5062) and --no-hostname (PR #5094), autumn 2023.
            b("no-hostname").added_in("1.33"),
            v("unsetlabel").added_in("1.33"),
            // SBOM scanning options, PR #5279 (January 2024); see pkg/cli/common.go GetBudFlags.
            v("sbom").added_in("1.35"),
            v("sbom-image-output").added_in("1.35"),
            v("sbom-image-purl-output").added_in("1.35"),
            v("sbom-merge-strategy").added_in("1.35"),
            v("sbom-output").added_in("1.35"),
            v("sbom-purl-output").added_in("1.35"),
            v("sbom-scanner-command").added_in("1.35"),
            v("sbom-scanner-image").added_in("1.35"),
            // --compat-volumes, PR #5604; Podman vendored it together with Buildah 1.37.0 (podman
            // #23440).
            b("compat-volumes").added_in("1.37"),
            // --inherit-labels, PR #6103 (April 2025); issue #6153 shows it in a 1.40.0 binary.
            b("inherit-labels").added_in("1.40"),
            // Reproducibility and annotation controls, summer 2025: --source-date-epoch and
            // --rewrite-timestamp (PR #6208), --inherit-annotations (PR #6198), --unsetannotation
            // (PR #6195), --created-annotation (PR #6239).
            b("created-annotation").added_in("1.41"),
            b("inherit-annotations").added_in("1.41"),
            b("rewrite-timestamp").added_in("1.41"),
            v("source-date-epoch").added_in("1.41"),
            v("unsetannotation").added_in("1.41"),
            // Merged after the 1.42 release (1.43 was branched from the 1.42 line, so they first
            // ship in 1.44): --metadata-file (PR #6442, listed in the 1.44.0 release notes),
            // --iidfile-raw (PR #6521), --mount (PR #6289), --save-stages/--stage-labels (PR
            // #6556), --source-policy-file (PR #6647).
            v("iidfile-raw").added_in("1.44"),
            v("metadata-file").added_in("1.44"),
            v("mount").added_in("1.44"),
            b("save-stages").added_in("1.44"),
            v("source-policy-file").added_in("1.44"),
            b("stage-labels").added_in("1.44"),
            // Layer compression controls; absent from 1.43.2, first seen in 1.45.0 (April 2026
            // work, may already be in 1.44).
            v("compression-format").added_in("1.45"),
            v("compression-level").added_in("1.45"),
            b("force-compression").added_in("1.45"),
        ],
        interspersed: false,
        touches_storage: true,
        since: None,
    },
    Command {
        name: "commit",
        aliases: &[],
        flags: &[
            // `buildah commit --help`, 1.28.2.
            v("authfile"),
            v("cert-dir"),
            v("creds"),
            bs("disable-compression", 'D'),
            v("encrypt-layer"),
            v("encryption-key"),
            vs("format", 'f'),
            b("identity-label"),
            v("iidfile"),
            v("manifest"),
            b("omit-history"),
            bs("quiet", 'q'),
            b("rm"),
            v("sign-by"),
            b("squash"),
            v("timestamp"),
            b("tls-verify"),
            v("unsetenv"),
            // --cw, PR #4960 (September 2023).
            v("cw").added_in("1.32"),
            // --change/-c and --config, PR #5150 (November 2023).
            vs("change", 'c').added_in("1.34"),
            v("config").added_in("1.34"),
            // --add-file (PR #5226, December 2023) and the SBOM options with the --pull policy for
            // scanner images (PR #5279, January 2024); see cmd/buildah/commit.go.
            v("add-file").added_in("1.35"),
            // Optional value: `--pull=never`, bare `--pull` means "true".
            b("pull").added_in("1.35"),
            v("sbom").added_in("1.35"),
            v("sbom-image-output").added_in("1.35"),
            v("sbom-image-purl-output").added_in("1.35"),
            v("sbom-merge-strategy").added_in("1.35"),
            v("sbom-output").added_in("1.35"),
            v("sbom-purl-output").added_in("1.35"),
            v("sbom-scanner-command").added_in("1.35"),
            v("sbom-scanner-image").added_in("1.35"),
            // --source-date-epoch/--rewrite-timestamp (PR #6189) and
            // --annotation/--unsetannotation/--created-annotation (PR #6239), mid 2025.
            v("annotation").added_in("1.41"),
            b("created-annotation").added_in("1.41"),
            b("rewrite-timestamp").added_in("1.41"),
            v("source-date-epoch").added_in("1.41"),
            v("unsetannotation").added_in("1.41"),
            // --metadata-file, PR #6442 (1.44.0 release notes).
            v("metadata-file").added_in("1.44"),
            // Layer compression controls; absent from 1.43.2, first seen in 1.45.0.
            v("compression-format").added_in("1.45"),
            v("compression-level").added_in("1.45"),
            b("force-compression").added_in("1.45"),
        ],
        interspersed: false,
        touches_storage: true,
        since: None,
    },
    Command {
        name: "config",
        aliases: &[],
        flags: &[
            // `buildah config --help`, 1.28.2.
            b("add-history"),
            vs("annotation", 'a'),
            v("arch"),
            v("author"),
            v("cmd"),
            v("comment"),
            v("created-by"),
            v("domainname"),
            v("entrypoint"),
            vs("env", 'e'),
            v("healthcheck"),
            v("healthcheck-interval"),
            v("healthcheck-retries"),
            v("healthcheck-start-period"),
            v("healthcheck-timeout"),
            v("history-comment"),
            v("hostname"),
            vs("label", 'l'),
            v("onbuild"),
            v("os"),
            v("os-feature"),
            v("os-version"),
            vs("port", 'p'),
            v("shell"),
            v("stop-signal"),
            vs("user", 'u'),
            v("variant"),
            vs("volume", 'v'),
            v("workingdir"),
            // --unsetlabel, PR #5062 (September 2023).
            v("unsetlabel").added_in("1.33"),
            // --healthcheck-start-interval: missing in February 2024 (podman issue #21701), present
            // in Debian's 1.39.3; exact release not pinned down, so this is an upper bound.
            v("healthcheck-start-interval").added_in("1.39"),
            // --unsetannotation, PR #6195 (June 2025).
            v("unsetannotation").added_in("1.41"),
        ],
        interspersed: false,
        touches_storage: true,
        since: None,
    },
    Command {
        name: "containers",
        aliases: &["list", "ls", "ps"],
        flags: &[
            // `buildah containers --help`, 1.28.2.
            bs("all", 'a'),
            vs("filter", 'f'),
            v("format"),
            b("json"),
            bs("noheading", 'n'),
            b("notruncate"),
            bs("quiet", 'q'),
        ],
        interspersed: true,
        touches_storage: true,
        since: None,
    },
    Command {
        name: "copy",
        aliases: &[],
        flags: &[
            // `buildah copy --help`, 1.28.2.
            b("add-history"),
            v("chmod"),
            v("chown"),
            v("contextdir"),
            v("from"),
            v("ignorefile"),
            bs("quiet", 'q'),
            v("retry"),
            v("retry-delay"),
            // Same history as `add`: --checksum (PR #5152).
            v("checksum").added_in("1.34"),
            // --cert-dir/--tls-verify (PR #5646) and --exclude (PR #5733).
            v("cert-dir").added_in("1.38"),
            v("exclude").added_in("1.38"),
            b("tls-verify").added_in("1.38"),
            // --parents, PR #6008 (February 2025).
            b("parents").added_in("1.40"),
            // --timestamp (PR #6178) and --link (PR #6240, approx. release).
            b("link").added_in("1.41"),
            v("timestamp").added_in("1.41"),
            // --no-follow-symlinks, PR #6760 (approx. release).
            b("no-follow-symlinks").added_in("1.44"),
            // Wildcard controls, PR #6843; first seen in 1.45.0.
            b("allow-empty-wildcard").added_in("1.45"),
            b("allow-wildcard").added_in("1.45"),
        ],
        interspersed: false,
        touches_storage: true,
        since: None,
    },
    Command {
        name: "from",
        aliases: &[],
        flags: &[
            // `buildah from --help`, 1.28.2.
            v("add-host"),
            v("arch"),
            v("authfile"),
            v("cap-add"),
            v("cap-drop"),
            v("cert-dir"),
            v("cgroup-parent"),
            v("cgroupns"),
            v("cidfile"),
            v("cpu-period"),
            v("cpu-quota"),
            vs("cpu-shares", 'c'),
            v("cpuset-cpus"),
            v("cpuset-mems"),
            v("creds"),
            v("decryption-key"),
            v("device"),
            v("dns"),
            v("dns-option"),
            v("dns-search"),
            vs("format", 'f'),
            b("http-proxy"),
            v("ipc"),
            v("isolation"),
            vs("memory", 'm'),
            v("memory-swap"),
            v("name"),
            v("network"),
            v("os"),
            v("pid"),
            v("platform"),
            // Optional value: `--pull=never`, bare `--pull` means "true".
            b("pull"),
            bs("quiet", 'q'),
            v("retry"),
            v("retry-delay"),
            v("security-opt"),
            v("shm-size"),
            b("tls-verify"),
            v("ulimit"),
            v("userns"),
            v("userns-gid-map"),
            v("userns-gid-map-group"),
            v("userns-uid-map"),
            v("userns-uid-map-user"),
            v("uts"),
            v("variant"),
            vs("volume", 'v'),
            // --group-add, PR #4479 (December 2022).
            v("group-add").added_in("1.29"),
        ],
        interspersed: false,
        touches_storage: true,
        since: None,
    },
    Command {
        name: "help",
        aliases: &[],
        flags: &[],
        interspersed: true,
        touches_storage: false,
        since: None,
    },
    Command {
        name: "images",
        aliases: &[],
        flags: &[
            // `buildah images --help`, 1.28.2.
            bs("all", 'a'),
            b("digests"),
            vs("filter", 'f'),
            v("format"),
            b("history"),
            b("json"),
            b("no-trunc"),
            bs("noheading", 'n'),
            bs("quiet", 'q'),
        ],
        interspersed: false,
        touches_storage: true,
        since: None,
    },
    Command {
        name: "info",
        aliases: &[],
        flags: &[
            // `buildah info --help`, 1.28.2.
            bs("debug", 'd'),
            v("format"),
        ],
        interspersed: true,
        touches_storage: true,
        since: None,
    },
    Command {
        name: "inspect",
        aliases: &[],
        flags: &[
            // `buildah inspect --help`, 1.28.2.
            vs("format", 'f'),
            vs("type", 't'),
        ],
        interspersed: false,
        touches_storage: true,
        since: None,
    },
    Command {
        name: "login",
        aliases: &[],
        flags: &[
            // `buildah login --help`, 1.28.2.
            v("authfile"),
            v("cert-dir"),
            b("get-login"),
            vs("password", 'p'),
            b("password-stdin"),
            b("tls-verify"),
            vs("username", 'u'),
            bs("verbose", 'v'),
            // --compat-auth-file, PR #5143 (November 2023, approx. release).
            v("compat-auth-file").added_in("1.34"),
        ],
        // 1.28.2 stops parsing options at the registry name; 1.39.3 and later do not.
        interspersed: false,
        touches_storage: false,
        since: None,
    },
    Command {
        name: "logout",
        aliases: &[],
        flags: &[
            // `buildah logout --help`, 1.28.2.
            bs("all", 'a'),
            v("authfile"),
            // --compat-auth-file, PR #5143 (November 2023, approx. release).
            v("compat-auth-file").added_in("1.34"),
        ],
        interspersed: true,
        touches_storage: false,
        since: None,
    },
    Command {
        name: "manifest",
        aliases: &[],
        flags: &[],
        interspersed: true,
        touches_storage: false,
        since: None,
    },
    Command {
        name: "manifest add",
        aliases: &[],
        flags: &[
            // `buildah manifest add --help`, 1.28.2.
            b("all"),
            v("annotation"),
            v("arch"),
            v("authfile"),
            v("cert-dir"),
            v("creds"),
            v("features"),
            v("os"),
            v("os-features"),
            v("os-version"),
            b("tls-verify"),
            v("variant"),
            // Artifact manifests, PR #5301 (January 2024).
            b("artifact").added_in("1.35"),
            v("artifact-config").added_in("1.35"),
            v("artifact-config-type").added_in("1.35"),
            b("artifact-exclude-titles").added_in("1.35"),
            v("artifact-layer-type").added_in("1.35"),
            v("artifact-subject").added_in("1.35"),
            v("artifact-type").added_in("1.35"),
            // --artifact-annotation, PR #5854 (December 2024).
            v("artifact-annotation").added_in("1.39"),
        ],
        interspersed: true,
        touches_storage: true,
        since: None,
    },
    Command {
        name: "manifest annotate",
        aliases: &[],
        flags: &[
            // `buildah manifest annotate --help`, 1.28.2.
            v("annotation"),
            v("arch"),
            v("features"),
            v("os"),
            v("os-features"),
            v("os-version"),
            v("variant"),
            // --index and --subject, PR #5301 (January 2024).
            b("index").added_in("1.35"),
            v("subject").added_in("1.35"),
        ],
        interspersed: true,
        touches_storage: true,
        since: None,
    },
    Command {
        name: "manifest create",
        aliases: &[],
        flags: &[
            // `buildah manifest create --help`, 1.28.2.
            b("all"),
            b("amend"),
            b("tls-verify"),
            // --annotation, PR #5301 (January 2024).
            v("annotation").added_in("1.35"),
            // --replace, PR #6676 (February 2026).
            b("replace").added_in("1.44"),
        ],
        interspersed: true,
        touches_storage: true,
        since: None,
    },
    Command {
        name: "manifest exists",
        aliases: &[],
        flags: &[],
        interspersed: true,
        touches_storage: true,
        since: None,
    },
    Command {
        name: "manifest inspect",
        aliases: &[],
        flags: &[
            // --authfile/--tls-verify, PR #4912; issue #5038 (12 September 2023) says they were not
            // released yet, 1.32.0 followed two days later.
            v("authfile").added_in("1.32"),
            b("tls-verify").added_in("1.32"),
        ],
        interspersed: true,
        touches_storage: true,
        since: None,
    },
    Command {
        name: "manifest push",
        aliases: &[],
        flags: &[
            // `buildah manifest push --help`, 1.28.2.
            b("all"),
            v("authfile"),
            v("cert-dir"),
            v("creds"),
            v("digestfile"),
            vs("format", 'f'),
            bs("quiet", 'q'),
            b("remove-signatures"),
            b("rm"),
            v("sign-by"),
            b("tls-verify"),
            // --add-compression (PR #4912), --compression-format/--compression-level/
            // --force-compression (PR #4973, followed up by #5013 in August 2023).
            v("add-compression").added_in("1.32"),
            v("compression-format").added_in("1.32"),
            v("compression-level").added_in("1.32"),
            b("force-compression").added_in("1.32"),
            // --retry/--retry-delay, PR #5315 (February 2024).
            v("retry").added_in("1.35"),
            v("retry-delay").added_in("1.35"),
            // --timestamp, PR #6899 (June 2026, after the 1.44.0 release).
            v("timestamp").added_in("1.45"),
        ],
        interspersed: true,
        touches_storage: true,
        since: None,
    },
    Command {
        name: "manifest remove",
        aliases: &[],
        flags: &[],
        interspersed: true,
        touches_storage: true,
        since: None,
    },
    Command {
        name: "manifest rm",
        aliases: &[],
        flags: &[],
        interspersed: true,
        touches_storage: true,
        since: None,
    },
    Command {
        name: "mount",
        aliases: &[],
        flags: &[
            // `buildah mount --help`, 1.28.2.
            b("json"),
        ],
        interspersed: false,
        touches_storage: true,
        since: None,
    },
    Command {
        name: "pull",
        aliases: &[],
        flags: &[
            // `buildah pull --help`, 1.28.2.
            bs("all-tags", 'a'),
            v("arch"),
            v("authfile"),
            v("cert-dir"),
            v("creds"),
            v("decryption-key"),
            v("os"),
            v("platform"),
            v("policy"),
            bs("quiet", 'q'),
            b("remove-signatures"),
            v("retry"),
            v("retry-delay"),
            b("tls-verify"),
            v("variant"),
        ],
        interspersed: false,
        touches_storage: true,
        since: None,
    },
    Command {
        name: "push",
        aliases: &[],
        flags: &[
            // `buildah push --help`, 1.28.2.
            b("all"),
            v("authfile"),
            v("cert-dir"),
            v("compression-format"),
            v("compression-level"),
            v("creds"),
            v("digestfile"),
            bs("disable-compression", 'D'),
            v("encrypt-layer"),
            v("encryption-key"),
            vs("format", 'f'),
            bs("quiet", 'q'),
            b("remove-signatures"),
            v("retry"),
            v("retry-delay"),
            b("rm"),
            v("sign-by"),
            b("tls-verify"),
            // --force-compression, PR #4973/#5013 (August 2023).
            b("force-compression").added_in("1.32"),
        ],
        interspersed: false,
        touches_storage: true,
        since: None,
    },
    Command {
        name: "rename",
        aliases: &[],
        flags: &[],
        interspersed: true,
        touches_storage: true,
        since: None,
    },
    Command {
        name: "rm",
        aliases: &["delete"],
        flags: &[
            // `buildah rm --help`, 1.28.2.
            bs("all", 'a'),
        ],
        interspersed: false,
        touches_storage: true,
        since: None,
    },
    Command {
        name: "rmi",
        aliases: &[],
        flags: &[
            // `buildah rmi --help`, 1.28.2.
            bs("all", 'a'),
            bs("force", 'f'),
            bs("prune", 'p'),
        ],
        interspersed: false,
        touches_storage: true,
        since: None,
    },
    Command {
        name: "run",
        aliases: &[],
        flags: &[
            // `buildah run --help`, 1.28.2.
            b("add-history"),
            v("cap-add"),
            v("cap-drop"),
            v("cgroupns"),
            v("contextdir"),
            vs("env", 'e'),
            v("hostname"),
            v("ipc"),
            v("isolation"),
            v("mount"),
            v("network"),
            b("no-hosts"),
            b("no-pivot"),
            v("pid"),
            v("runtime"),
            v("runtime-flag"),
            bs("terminal", 't'),
            v("user"),
            v("uts"),
            vs("volume", 'v'),
            v("workingdir"),
            // --no-hostname, PR #5094 (October 2023).
            b("no-hostname").added_in("1.33"),
            // --device, PR #5443 (listed in the 1.36.0 release notes).
            v("device").added_in("1.36"),
            // --valid-exit-codes, PR #6817 (April 2026); first seen in 1.45.0.
            v("valid-exit-codes").added_in("1.45"),
        ],
        interspersed: false,
        touches_storage: true,
        since: None,
    },
    Command {
        name: "source",
        aliases: &[],
        flags: &[],
        interspersed: true,
        touches_storage: false,
        since: None,
    },
    Command {
        name: "source add",
        aliases: &[],
        flags: &[
            // `buildah source add --help`, 1.28.2.
            v("annotation"),
        ],
        interspersed: true,
        touches_storage: false,
        since: None,
    },
    Command {
        name: "source create",
        aliases: &[],
        flags: &[
            // `buildah source create --help`, 1.28.2.
            v("author"),
            b("time-stamp"),
        ],
        interspersed: true,
        touches_storage: false,
        since: None,
    },
    Command {
        name: "source pull",
        aliases: &[],
        flags: &[
            // `buildah source pull --help`, 1.28.2.
            v("creds"),
            bs("quiet", 'q'),
            b("tls-verify"),
        ],
        interspersed: true,
        touches_storage: false,
        since: None,
    },
    Command {
        name: "source push",
        aliases: &[],
        flags: &[
            // `buildah source push --help`, 1.28.2.
            v("creds"),
            bs("quiet", 'q'),
            b("tls-verify"),
            // --digestfile, PR #5454 (listed in the 1.36.0 release notes).
            v("digestfile").added_in("1.36"),
        ],
        interspersed: true,
        touches_storage: false,
        since: None,
    },
    Command {
        name: "tag",
        aliases: &[],
        flags: &[],
        interspersed: true,
        touches_storage: true,
        since: None,
    },
    Command {
        name: "umount",
        aliases: &["unmount"],
        flags: &[
            // `buildah umount --help`, 1.28.2.
            bs("all", 'a'),
        ],
        interspersed: false,
        touches_storage: true,
        since: None,
    },
    Command {
        name: "unshare",
        aliases: &[],
        flags: &[
            // `buildah unshare --help`, 1.28.2.
            vs("mount", 'm'),
        ],
        interspersed: false,
        touches_storage: false,
        since: None,
    },
    Command {
        name: "version",
        aliases: &[],
        flags: &[
            // `buildah version --help`, 1.28.2.
            b("json"),
        ],
        interspersed: true,
        touches_storage: false,
        since: None,
    },
    Command {
        name: "mkcw",
        aliases: &[],
        flags: &[
            // All options as listed by 1.39.3; assumed to date from the command itself (PR #4960).
            vs("attestation-url", 'u').added_in("1.32"),
            vs("base-image", 'b').added_in("1.32"),
            vs("cpus", 'c').added_in("1.32"),
            vs("firmware-library", 'f').added_in("1.32"),
            vs("memory", 'm').added_in("1.32"),
            vs("passphrase", 'p').added_in("1.32"),
            vs("slop", 's').added_in("1.32"),
            vs("type", 't').added_in("1.32"),
            vs("workload-id", 'w').added_in("1.32"),
            // --add-file followed `commit --add-file` (PR #5226); approx. release.
            v("add-file").added_in("1.35"),
        ],
        interspersed: false,
        touches_storage: true,
        since: Some("1.32"),
    },
    Command {
        name: "prune",
        aliases: &[],
        flags: &[
            // PR #4490 (January 2023) added the command with --all and --force.
            bs("all", 'a').added_in("1.29"),
            bs("force", 'f').added_in("1.29"),
        ],
        interspersed: false,
        touches_storage: true,
        since: Some("1.29"),
    },
];
