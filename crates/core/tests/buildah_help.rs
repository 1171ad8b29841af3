//! Checks `tekton_buildah_core::buildah::table` against the real buildah binary.
//!
//! The table describes Debian's buildah 1.28.2 plus options and commands that later releases
//! added (`since: Some(..)`). These tests run whatever `buildah` is first on `PATH` (or the
//! one named by the `BUILDAH` environment variable) and expect exactly the entries available in
//! its version: on 1.28.2 every entry with `since: None` and nothing else; on a newer binary
//! also the entries whose `since` is not later than its version. CI installs Debian's package,
//! so there the comparison is against 1.28.2. A missing binary is a failure, never a skip.
//!
//! Commands that run buildah for real use a fresh temporary directory as `--root` and
//! `--runroot` with the `vfs` driver, so the machine's own containers-storage is never read or
//! written, and none of them reach the network.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use tekton_buildah_core::buildah::table::{COMMANDS, Command, Flag, GLOBAL_FLAGS};

// ---------------------------------------------------------------------------------------------
// Running buildah
// ---------------------------------------------------------------------------------------------

/// The binary under test: `$BUILDAH` if set, otherwise `buildah` from `PATH`.
fn buildah_path() -> PathBuf {
    if let Some(explicit) = std::env::var_os("BUILDAH") {
        let path = PathBuf::from(explicit);
        assert!(
            path.is_file(),
            "BUILDAH={} does not name a file",
            path.display()
        );
        return path;
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("buildah"))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| panic!("buildah is not installed: apt-get install buildah"))
}

fn run(args: &[&str], cwd: Option<&Path>) -> Output {
    let mut command = Process::new(buildah_path());
    command.args(args).stdin(Stdio::null());
    if let Some(dir) = cwd {
        command.current_dir(dir);
    }
    command
        .output()
        .unwrap_or_else(|e| panic!("running buildah {args:?}: {e}"))
}

fn stdout_of(args: &[&str]) -> String {
    let output = run(args, None);
    assert!(
        output.status.success(),
        "buildah {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `(major, minor)` of the binary under test, from `buildah --version`.
fn buildah_version() -> (u32, u32) {
    let text = stdout_of(&["--version"]);
    // "buildah version 1.28.2 (image-spec 1.1.0-rc2, runtime-spec 1.0.2-dev)"
    let number = text
        .split_whitespace()
        .nth(2)
        .unwrap_or_else(|| panic!("unexpected `buildah --version` output: {text:?}"));
    parse_release(number).unwrap_or_else(|| panic!("unexpected buildah version {number:?}"))
}

fn parse_release(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.split(['.', '-']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// Whether an entry with this `since` exists in a buildah of `version`.
fn available(since: Option<&str>, version: (u32, u32)) -> bool {
    match since {
        None => true,
        Some(release) => {
            let release = parse_release(release)
                .unwrap_or_else(|| panic!("malformed `since` value {release:?} in the table"));
            release <= version
        }
    }
}

/// A directory under the system temp dir, removed again on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let unique = format!(
            "tekton-buildah-help-{}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            label.replace(' ', "-")
        );
        let path = std::env::temp_dir().join(unique);
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("creating a temporary directory");
        TempDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn join(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `buildah` with storage confined to `dir` (`root/` and `runroot/` inside it).
fn run_isolated(dir: &TempDir, command: &str, args: &[String]) -> Output {
    let root = dir.join("root");
    let runroot = dir.join("runroot");
    let mut all: Vec<&str> = vec![
        "--root",
        &root,
        "--runroot",
        &runroot,
        "--storage-driver",
        "vfs",
    ];
    all.extend(command.split(' '));
    all.extend(args.iter().map(String::as_str));
    run(&all, Some(dir.path()))
}

// ---------------------------------------------------------------------------------------------
// Parsing `--help`
// ---------------------------------------------------------------------------------------------

/// One option as pflag prints it in a "Flags:" section.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HelpFlag {
    short: Option<char>,
    /// The placeholder between the option name and the description: `string`, `pathname or
    /// URL`, `string[="true"]`, or empty for a boolean.
    placeholder: String,
}

impl HelpFlag {
    /// pflag prints a placeholder for every option that takes a value, and none for booleans.
    /// An option with a default for its bare form (`NoOptDefVal`) is shown as
    /// `type[="default"]`; it only takes a value as `--flag=value`, like a boolean.
    fn takes_value(&self) -> bool {
        !self.placeholder.is_empty() && !self.placeholder.contains("[=")
    }
}

/// The indented lines of the section whose header line satisfies `is_header`, stopping at the
/// first blank or unindented line.
fn section_lines(help: &str, is_header: impl Fn(&str) -> bool) -> Vec<&str> {
    let mut lines = help.lines();
    let mut out = Vec::new();
    if lines.by_ref().any(is_header) {
        for line in lines {
            if line.trim().is_empty() || !line.starts_with(' ') {
                break;
            }
            out.push(line);
        }
    }
    out
}

/// The local options of a help text ("Flags:" section; "Global Flags:" is not read), without
/// `--help`.
fn parse_flags(help: &str) -> BTreeMap<String, HelpFlag> {
    let mut flags = BTreeMap::new();
    for line in section_lines(help, |line| line == "Flags:") {
        let trimmed = line.trim_start();
        let (short, rest) = match trimmed.strip_prefix('-') {
            Some(after) if !after.starts_with('-') => {
                let mut chars = after.chars();
                let short = chars.next();
                (short, chars.as_str().trim_start_matches(", "))
            }
            _ => (None, trimmed),
        };
        // Continuation lines of multi-line descriptions do not start with an option.
        let Some(rest) = rest.strip_prefix("--") else {
            continue;
        };
        let name_end = rest.find(' ').unwrap_or(rest.len());
        let (long, after) = rest.split_at(name_end);
        // Name and placeholder are separated from the description by two or more spaces; a
        // placeholder itself may contain single spaces ("pathname or URL").
        let placeholder = match after.strip_prefix(' ') {
            Some(tail) if !tail.starts_with(' ') => tail.split("  ").next().unwrap_or(""),
            _ => "",
        };
        if long == "help" {
            continue;
        }
        flags.insert(
            long.to_string(),
            HelpFlag {
                short,
                placeholder: placeholder.trim().to_string(),
            },
        );
    }
    flags
}

/// Subcommand names from "Available Commands:" and, in newer releases, grouped sections such
/// as "Image Commands:".
fn parse_subcommands(help: &str) -> BTreeSet<String> {
    section_lines_all(help, |line| {
        !line.starts_with(' ') && line.trim_end().ends_with("Commands:")
    })
    .into_iter()
    .filter_map(|line| line.split_whitespace().next())
    .map(str::to_string)
    .collect()
}

/// Like [`section_lines`], for every section whose header matches.
fn section_lines_all(help: &str, is_header: impl Fn(&str) -> bool) -> Vec<&str> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in help.lines() {
        if is_header(line) {
            inside = true;
        } else if inside && line.starts_with(' ') && !line.trim().is_empty() {
            out.push(line);
        } else {
            inside = false;
        }
    }
    out
}

/// The "Aliases:" section: `  build, build-using-dockerfile, bud` gives the names after the
/// first.
fn parse_aliases(help: &str) -> Vec<String> {
    section_lines(help, |line| line == "Aliases:")
        .first()
        .map(|line| {
            line.split(',')
                .map(|name| name.trim().to_string())
                .skip(1)
                .collect()
        })
        .unwrap_or_default()
}

fn help_of(command: &str) -> String {
    let mut args: Vec<&str> = command.split(' ').filter(|s| !s.is_empty()).collect();
    args.push("--help");
    stdout_of(&args)
}

fn display_command(command: &str) -> String {
    if command.is_empty() {
        "buildah".to_string()
    } else {
        format!("buildah {command}")
    }
}

fn report(problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{} mismatch(es) between the table and {} (version {:?}):\n  {}",
        problems.len(),
        buildah_path().display(),
        buildah_version(),
        problems.join("\n  ")
    );
}

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

/// Compares one command's options (`command == ""` for the global ones) with its help text.
fn compare_flags(command: &str, table: &[Flag], version: (u32, u32), problems: &mut Vec<String>) {
    let who = display_command(command);
    let help = parse_flags(&help_of(command));

    let mut seen = BTreeSet::new();
    for flag in table {
        if !seen.insert(flag.long) {
            problems.push(format!("{who}: --{} is listed twice", flag.long));
        }
        let in_help = help.get(flag.long);
        match (available(flag.since(), version), in_help) {
            (true, None) => problems.push(format!(
                "{who}: --{} (since {:?}) is in the table but not in --help",
                flag.long,
                flag.since()
            )),
            (false, Some(_)) => problems.push(format!(
                "{who}: --{} is marked since {:?} but this buildah already lists it",
                flag.long,
                flag.since()
            )),
            _ => {}
        }
    }
    for (long, listed) in &help {
        let Some(flag) = table.iter().find(|f| f.long == long) else {
            problems.push(format!(
                "{who}: --{long} (placeholder {:?}) is in --help but not in the table",
                listed.placeholder
            ));
            continue;
        };
        if flag.short() != listed.short {
            problems.push(format!(
                "{who}: --{long}: short form in table {:?}, in --help {:?}",
                flag.short(),
                listed.short
            ));
        }
        if flag.takes_value != listed.takes_value() {
            problems.push(format!(
                "{who}: --{long}: table says takes_value={}, --help shows placeholder {:?}",
                flag.takes_value, listed.placeholder
            ));
        }
    }
}

#[test]
fn global_flags_match_help() {
    let version = buildah_version();
    let mut problems = Vec::new();
    compare_flags("", GLOBAL_FLAGS, version, &mut problems);
    report(&problems);
}

#[test]
fn command_flags_match_help() {
    let version = buildah_version();
    let mut problems = Vec::new();
    for command in COMMANDS.iter().filter(|c| available(c.since, version)) {
        compare_flags(command.name, command.flags, version, &mut problems);
    }
    report(&problems);
}

/// pflag rejects `--name` at the end of the line with "flag needs an argument" exactly when
/// the option consumes the next word; `--help` keeps the command from doing anything else.
/// This checks `takes_value` and the short forms independently of how the help text looks.
#[test]
fn takes_value_matches_the_parser() {
    let version = buildah_version();
    let mut probes: Vec<(String, String, bool)> = Vec::new();
    let all = std::iter::once(("", GLOBAL_FLAGS))
        .chain(COMMANDS.iter().map(|c: &Command| (c.name, c.flags)))
        .filter(|(name, _)| {
            name.is_empty()
                || COMMANDS
                    .iter()
                    .any(|c| c.name == *name && available(c.since, version))
        });
    for (command, flags) in all {
        for flag in flags.iter().filter(|f| available(f.since(), version)) {
            probes.push((
                command.to_string(),
                format!("--{}", flag.long),
                flag.takes_value,
            ));
            if let Some(short) = flag.short() {
                probes.push((command.to_string(), format!("-{short}"), flag.takes_value));
            }
        }
    }

    let problems: Vec<String> = thread::scope(|scope| {
        let workers = 8;
        let chunk = probes.len().div_ceil(workers).max(1);
        let handles: Vec<_> = probes
            .chunks(chunk)
            .map(|batch| {
                scope.spawn(move || {
                    let mut found = Vec::new();
                    for (command, option, takes_value) in batch {
                        let mut args: Vec<&str> =
                            command.split(' ').filter(|s| !s.is_empty()).collect();
                        args.push("--help");
                        args.push(option);
                        let output = run(&args, None);
                        let stderr = String::from_utf8_lossy(&output.stderr);
                        let needs_argument = stderr.contains("flag needs an argument");
                        if stderr.contains("unknown") {
                            found.push(format!(
                                "{}: {option} is rejected: {}",
                                display_command(command),
                                stderr.trim()
                            ));
                        } else if needs_argument != *takes_value {
                            found.push(format!(
                                "{}: {option}: table says takes_value={takes_value}, \
                                 but buildah {} a value",
                                display_command(command),
                                if needs_argument {
                                    "demands"
                                } else {
                                    "does not demand"
                                }
                            ));
                        }
                    }
                    found
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("probe thread panicked"))
            .collect()
    });
    report(&problems);
}

// ---------------------------------------------------------------------------------------------
// Commands and aliases
// ---------------------------------------------------------------------------------------------

/// Every subcommand that `buildah --help`, `buildah manifest --help` and `buildah source --help`
/// list is in COMMANDS with the same aliases, and vice versa. `help` is kept in the table (it
/// is a real command, listed by every release); cobra's `completion` command does not exist in
/// 1.28.2 and is hidden in the releases that have it, so it is neither listed nor tabled.
#[test]
fn subcommands_and_aliases_match_help() {
    let version = buildah_version();
    let mut problems = Vec::new();

    let mut listed: BTreeSet<String> = parse_subcommands(&help_of(""));
    for parent in ["manifest", "source"] {
        let children = parse_subcommands(&help_of(parent));
        if children.is_empty() {
            problems.push(format!("buildah {parent} --help lists no subcommands"));
        }
        listed.extend(
            children
                .into_iter()
                .map(|child| format!("{parent} {child}")),
        );
    }

    let mut names = BTreeSet::new();
    for command in COMMANDS {
        if !names.insert(command.name) {
            problems.push(format!("{:?} is listed twice in COMMANDS", command.name));
        }
        let is_listed = listed.contains(command.name);
        match (available(command.since, version), is_listed) {
            (true, false) => problems.push(format!(
                "{:?} (since {:?}) is in COMMANDS but not in the help's command lists",
                command.name, command.since
            )),
            (false, true) => problems.push(format!(
                "{:?} is marked since {:?} but this buildah already lists it",
                command.name, command.since
            )),
            _ => {}
        }
        if available(command.since, version) {
            let aliases = parse_aliases(&help_of(command.name));
            if aliases != command.aliases {
                problems.push(format!(
                    "{}: aliases in table {:?}, in --help {:?}",
                    display_command(command.name),
                    command.aliases,
                    aliases
                ));
            }
        }
    }
    for name in &listed {
        if !names.contains(name.as_str()) {
            problems.push(format!("buildah lists command {name:?}, COMMANDS does not"));
        }
    }
    report(&problems);
}

// ---------------------------------------------------------------------------------------------
// Behaviour: interspersed parsing and storage use
// ---------------------------------------------------------------------------------------------

/// A positional argument for the interspersed probe. Whatever follows it is either parsed as
/// an option (interspersed: pflag fails with "unknown flag") or passed on as an argument, in
/// which case every command fails harmlessly: buildah rejects option-like arguments after an
/// image or container name, `build` and `login` count arguments, `run` looks up a container
/// that does not exist, `mkcw` refuses to encrypt without a passphrase, and `unshare` runs
/// `true`.
fn positional_for(command: &str) -> &'static str {
    match command {
        "unshare" => "true",
        _ => "no-such-thing",
    }
}

#[test]
fn interspersed_matches_the_parser() {
    let version = buildah_version();
    let mut problems = Vec::new();
    for command in COMMANDS.iter().filter(|c| available(c.since, version)) {
        let dir = TempDir::new(command.name);
        let args = [
            positional_for(command.name).to_string(),
            "--no-such-flag".to_string(),
        ];
        let output = run_isolated(&dir, command.name, &args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let parsed_as_option = stderr.contains("unknown flag: --no-such-flag");
        // `login` became interspersed after 1.28 (seen on 1.39.3).
        let expected = command.interspersed || (command.name == "login" && version > (1, 28));
        if parsed_as_option != expected {
            problems.push(format!(
                "{}: table says interspersed={expected}, but an option after a positional \
                 argument was {} (stderr: {})",
                display_command(command.name),
                if parsed_as_option {
                    "parsed as an option"
                } else {
                    "not parsed as an option"
                },
                stderr.trim()
            ));
        }
    }
    report(&problems);
}

/// Arguments that make `command` fail (or finish) quickly, locally, without the network. The
/// names used do not exist in the fresh storage, and references that buildah might look up in
/// a registry are either transport-qualified (`dir:`, `oci:`) or invalid. `source pull` and
/// `source push` fail on their arguments before doing anything; they work on OCI layouts, not
/// on containers-storage, which `source create` and `source add` show with real runs. No
/// command is left out.
fn storage_probe_args(command: &str, dir: &TempDir) -> Vec<String> {
    let digest = format!("sha256:{}", "0".repeat(64));
    let args: Vec<String> = match command {
        "add" | "copy" => vec!["no-such-container".into(), dir.join("no-such-file")],
        "build" => {
            let context = dir.join("context");
            std::fs::create_dir_all(&context).expect("creating the build context");
            std::fs::write(dir.path().join("context/Containerfile"), "FROM scratch\n")
                .expect("writing the Containerfile");
            vec![context]
        }
        "commit" | "inspect" | "mount" | "rm" | "umount" => vec!["no-such-container".into()],
        "config" => vec!["--label".into(), "a=b".into(), "no-such-container".into()],
        "from" => vec!["scratch".into()],
        "login" => vec![
            "--authfile".into(),
            dir.join("auth.json"),
            "--get-login".into(),
            "example.invalid".into(),
        ],
        "logout" => vec![
            "--authfile".into(),
            dir.join("auth.json"),
            "example.invalid".into(),
        ],
        "manifest add" => vec!["no-such-list".into(), "no-such-image".into()],
        "manifest annotate" | "manifest remove" => vec!["no-such-list".into(), digest],
        "manifest create" | "manifest exists" | "manifest rm" => vec!["no-such-list".into()],
        // An uppercase name is not a valid reference, so no registry is asked.
        "manifest inspect" => vec!["NO-SUCH-LIST".into()],
        "manifest push" => vec!["no-such-list".into(), format!("dir:{}", dir.join("pushed"))],
        "mkcw" => vec![
            "--passphrase".into(),
            "secret".into(),
            format!("oci:{}", dir.join("no-such-layout")),
            "no-such-output".into(),
        ],
        "prune" => vec!["--force".into()],
        "pull" => vec![format!("dir:{}", dir.join("no-such-dir"))],
        "push" => vec![
            "no-such-image".into(),
            format!("dir:{}", dir.join("pushed")),
        ],
        "rename" => vec!["no-such-container".into(), "new-name".into()],
        "rmi" => vec!["no-such-image".into()],
        "run" => vec!["no-such-container".into(), "true".into()],
        "source add" => {
            // A real layout to add to, made with `source create`, which (as the "source
            // create" probe checks) does not touch storage.
            let layout = dir.join("layout");
            let file = dir.path().join("artifact.txt");
            std::fs::write(&file, "source\n").expect("writing the source artifact");
            let helper = TempDir::new("source-create-helper");
            let made = run_isolated(&helper, "source create", std::slice::from_ref(&layout));
            assert!(
                made.status.success(),
                "buildah source create {layout} failed: {}",
                String::from_utf8_lossy(&made.stderr)
            );
            vec![layout, file.to_string_lossy().into_owned()]
        }
        "source create" => vec![dir.join("layout")],
        "source pull" => vec!["NOT-A-REFERENCE".into(), dir.join("pulled")],
        "source push" => vec![dir.join("no-such-layout"), "localhost/x".into()],
        "tag" => vec!["no-such-image".into(), "new-name".into()],
        "unshare" => vec!["true".into()],
        // help, manifest, source, containers, images, info, version
        _ => vec![],
    };
    args
}

/// A command that opens containers-storage creates the `--root` directory if it is missing;
/// one that does not, leaves it absent.
#[test]
fn touches_storage_matches_root_creation() {
    let version = buildah_version();
    let mut problems = Vec::new();
    for command in COMMANDS.iter().filter(|c| available(c.since, version)) {
        let dir = TempDir::new(command.name);
        let args = storage_probe_args(command.name, &dir);
        let output = run_isolated(&dir, command.name, &args);
        let created = dir.path().join("root").exists();
        if created != command.touches_storage {
            problems.push(format!(
                "{} {}: table says touches_storage={}, but the root directory was {} \
                 (exit {:?}, stderr: {})",
                display_command(command.name),
                args.join(" "),
                command.touches_storage,
                if created { "created" } else { "not created" },
                output.status.code(),
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
    }
    report(&problems);
}
