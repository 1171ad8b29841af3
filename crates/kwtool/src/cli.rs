//! The `kwtool` command line. [`run`] takes the arguments and the three standard streams, so
//! tests drive the real command in-process.

use crate::docker_config;
use crate::error::{Error, Result};
use crate::metadata::{Metadata, keys};
use crate::oci::{self, Auth, RegistryOptions};
use clap::{Args, Parser, Subcommand};
use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Ships a Kubewarden policy the way kwctl does: annotate the Wasm module with its metadata,
/// push it to an OCI registry and pull it back, write its Artifact Hub package.
#[derive(Parser, Debug)]
#[command(name = "kwtool", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Embed metadata.yml (and the README as usage text) in the module, as `kwctl annotate`.
    Annotate {
        /// The policy's metadata.
        #[arg(short, long, default_value = "metadata.yml")]
        metadata: PathBuf,
        /// Usage documentation to embed (the `io.kubewarden.policy.usage` annotation).
        #[arg(short, long)]
        usage: Option<PathBuf>,
        /// Where to write the annotated module.
        #[arg(short, long, default_value = "annotated-policy.wasm")]
        output: PathBuf,
        /// Replace metadata the module already carries.
        #[arg(long)]
        force: bool,
        /// The policy module (policy.wasm).
        module: PathBuf,
    },
    /// Print the metadata a module carries, as JSON.
    Inspect { module: PathBuf },
    /// Push an annotated module as a Kubewarden policy; prints its immutable reference.
    Push {
        #[command(flatten)]
        registry: RegistryArgs,
        /// Push a module that carries no Kubewarden metadata.
        #[arg(long)]
        force: bool,
        /// The annotated module.
        module: PathBuf,
        /// Where to push: [registry://]host[:port]/repository:tag
        reference: String,
    },
    /// Pull a Kubewarden policy by tag or digest, checking media types and digests.
    Pull {
        #[command(flatten)]
        registry: RegistryArgs,
        /// Where to write the module.
        #[arg(short, long, default_value = "pulled-policy.wasm")]
        output: PathBuf,
        /// [registry://]host[:port]/repository:tag or …/repository@sha256:<digest>
        reference: String,
    },
    /// Write artifacthub-pkg.yml from metadata.yml and questions-ui.yml.
    Artifacthub {
        #[arg(short, long, default_value = "metadata.yml")]
        metadata: PathBuf,
        /// Rancher UI questions (the `kubewarden/questions-ui` annotation).
        #[arg(short, long, default_value = "questions-ui.yml")]
        questions: PathBuf,
        /// Where the version's release date comes from.
        #[arg(long, default_value = "CHANGELOG.md")]
        changelog: PathBuf,
        #[arg(short, long, default_value = "artifacthub-pkg.yml")]
        output: PathBuf,
        /// Only compare with the existing file; fail when it differs.
        #[arg(long)]
        check: bool,
    },
}

#[derive(Args, Debug)]
struct RegistryArgs {
    /// User for basic authentication.
    #[arg(long)]
    username: Option<String>,
    /// Password for --username (prefer --password-stdin: arguments are visible to other users).
    #[arg(
        long,
        value_name = "PASSWORD",
        conflicts_with = "password_stdin",
        requires = "username"
    )]
    password: Option<String>,
    /// Read the password for --username from standard input.
    #[arg(long, requires = "username")]
    password_stdin: bool,
    /// Docker config.json with registry credentials [default: $DOCKER_CONFIG/config.json or
    /// ~/.docker/config.json]
    #[arg(long, value_name = "FILE")]
    docker_config: Option<PathBuf>,
    /// PEM certificate of a CA to trust for the registry's TLS certificate (repeatable).
    #[arg(long = "ca-cert", value_name = "FILE")]
    ca_certs: Vec<PathBuf>,
    /// Talk plain HTTP, without TLS (a registry on loopback).
    #[arg(long, conflicts_with = "ca_certs")]
    insecure: bool,
}

impl RegistryArgs {
    fn options(&self, reference: &str, stdin: &mut dyn Read) -> Result<RegistryOptions> {
        let registry = oci::parse_reference(reference)?.registry().to_string();
        let mut options = RegistryOptions {
            insecure: self.insecure,
            ..Default::default()
        };
        for ca in &self.ca_certs {
            options.add_ca_file(ca)?;
        }
        options.auth = if let Some(username) = &self.username {
            let password = match (&self.password, self.password_stdin) {
                (Some(p), _) => p.clone(),
                (None, true) => {
                    let mut text = String::new();
                    stdin.read_to_string(&mut text).map_err(|e| Error::Io {
                        path: PathBuf::from("<standard input>"),
                        source: e,
                    })?;
                    text.trim_end_matches(['\r', '\n']).to_string()
                }
                (None, false) => {
                    return Err(Error::Usage {
                        message: "--username needs --password-stdin or --password".to_string(),
                    });
                }
            };
            Auth::Basic {
                username: username.clone(),
                password,
            }
        } else if let Some(path) = self
            .docker_config
            .clone()
            .or_else(docker_config::default_path)
        {
            match docker_config::lookup(&path, &registry)? {
                Some(c) => Auth::Basic {
                    username: c.username,
                    password: c.password,
                },
                None => Auth::Anonymous,
            }
        } else {
            Auth::Anonymous
        };
        Ok(options)
    }
}

/// Runs kwtool; returns the exit status: 0 success, 1 failure, 2 wrong usage.
pub fn run<I, T>(
    args: I,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let to_stdout = !e.use_stderr();
            let text = e.render().to_string();
            let _ = if to_stdout {
                write!(stdout, "{text}")
            } else {
                write!(stderr, "{text}")
            };
            return if to_stdout { 0 } else { 2 };
        }
    };
    match execute(cli.command, stdin, stdout, stderr) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(stderr, "error: {e}");
            if matches!(e, Error::Usage { .. }) {
                2
            } else {
                1
            }
        }
    }
}

fn execute(
    command: Command,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8> {
    let say = |w: &mut dyn Write, text: String| {
        let _ = writeln!(w, "{text}");
    };
    match command {
        Command::Annotate {
            metadata,
            usage,
            output,
            force,
            module,
        } => {
            let annotated = crate::annotate::annotate_files(
                &module,
                &metadata,
                usage.as_deref(),
                &output,
                force,
            )?;
            for w in &annotated.warnings {
                say(err, format!("warning: {w}"));
            }
            say(
                err,
                format!(
                    "annotated {} ({} {}, protocol {}) -> {}",
                    module.display(),
                    annotated
                        .metadata
                        .annotation(keys::TITLE)
                        .unwrap_or("policy"),
                    annotated.metadata.annotation(keys::VERSION).unwrap_or("?"),
                    annotated
                        .metadata
                        .protocol_version
                        .map(|p| p.to_string())
                        .unwrap_or_default(),
                    output.display()
                ),
            );
            Ok(0)
        }
        Command::Inspect { module } => {
            let bytes = std::fs::read(&module).map_err(|e| Error::io(&module, e))?;
            match Metadata::from_module(&bytes)? {
                Some(m) => {
                    say(
                        out,
                        serde_json::to_string_pretty(&m).expect("metadata serializes"),
                    );
                    Ok(0)
                }
                None => {
                    say(
                        err,
                        format!(
                            "{} carries no Kubewarden metadata (annotate it with `kwtool annotate`)",
                            module.display()
                        ),
                    );
                    Ok(1)
                }
            }
        }
        Command::Push {
            registry,
            force,
            module,
            reference,
        } => {
            let options = registry.options(&reference, stdin)?;
            if options.insecure {
                warn_if_not_loopback(&reference, err);
            }
            let pushed = oci::push_policy(&module, &reference, &options, force)?;
            if !pushed.left_out.is_empty() {
                say(
                    err,
                    format!(
                        "note: multi-line annotations stay in the module only, not in the OCI \
                         manifest: {}",
                        pushed.left_out.join(", ")
                    ),
                );
            }
            say(err, format!("pushed {} to {reference}", module.display()));
            say(out, pushed.immutable_ref);
            Ok(0)
        }
        Command::Pull {
            registry,
            output,
            reference,
        } => {
            let options = registry.options(&reference, stdin)?;
            if options.insecure {
                warn_if_not_loopback(&reference, err);
            }
            let pulled = oci::pull_policy(&reference, &options)?;
            crate::annotate::write_atomically(&output, &pulled.module)?;
            let what = match &pulled.metadata {
                Some(m) => format!(
                    "{} {}",
                    m.annotation(keys::TITLE).unwrap_or("policy"),
                    m.annotation(keys::VERSION).unwrap_or("(no version)")
                ),
                None => "a policy without Kubewarden metadata".to_string(),
            };
            say(
                err,
                format!(
                    "pulled {what} ({} bytes, digests verified) -> {}",
                    pulled.module.len(),
                    output.display()
                ),
            );
            say(out, pulled.immutable_ref);
            Ok(0)
        }
        Command::Artifacthub {
            metadata,
            questions,
            changelog,
            output,
            check,
        } => {
            let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| Error::io(p, e));
            let (m, warnings) =
                Metadata::from_yaml(&read(&metadata)?, &metadata.display().to_string())?;
            for w in warnings {
                say(err, format!("warning: {w}"));
            }
            let text =
                crate::artifacthub::generate(&m, Some(&read(&questions)?), &read(&changelog)?)?;
            if check {
                let current = read(&output)?;
                if current != text {
                    say(
                        err,
                        format!(
                            "{} is out of date with metadata.yml, questions-ui.yml or \
                             CHANGELOG.md: run `make artifacthub-pkg.yml`",
                            output.display()
                        ),
                    );
                    return Ok(1);
                }
                say(err, format!("{} is up to date", output.display()));
            } else {
                std::fs::write(&output, text).map_err(|e| Error::io(&output, e))?;
                say(err, format!("wrote {}", output.display()));
            }
            Ok(0)
        }
    }
}

fn warn_if_not_loopback(reference: &str, err: &mut dyn Write) {
    let Ok(r) = oci::parse_reference(reference) else {
        return;
    };
    let host = r
        .registry()
        .rsplit_once(':')
        .map_or(r.registry(), |(h, _)| h);
    let loopback = host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if !loopback {
        let _ = writeln!(
            err,
            "warning: --insecure sends everything, credentials included, unencrypted to {}",
            r.registry()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_args(args: &[&str]) -> (u8, String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(
            std::iter::once("kwtool").chain(args.iter().copied()),
            &mut std::io::empty(),
            &mut out,
            &mut err,
        );
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn usage_errors_exit_2_and_help_exits_0() {
        let (code, _, err) = run_args(&["push", "only-one-argument"]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("REFERENCE"), "{err}");
        let (code, _, err) = run_args(&["pull", "--password", "x", "r.example.com/p:v1"]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("--username"), "{err}");
        let (code, out, _) = run_args(&["--help"]);
        assert_eq!(code, 0);
        assert!(
            out.contains("annotate") && out.contains("artifacthub"),
            "{out}"
        );
    }

    #[test]
    fn failures_exit_1_with_the_reason() {
        let (code, out, err) = run_args(&["inspect", "/nonexistent/policy.wasm"]);
        assert_eq!(code, 1);
        assert!(out.is_empty());
        assert!(
            err.starts_with("error: /nonexistent/policy.wasm: "),
            "{err}"
        );
        let (code, _, err) =
            run_args(&["pull", "--insecure", "--username", "u", "127.0.0.1:1/p:v1"]);
        assert_eq!(code, 2);
        assert!(err.contains("--username needs --password-stdin"), "{err}");
    }

    #[test]
    fn insecure_warns_off_loopback() {
        let mut err = Vec::new();
        warn_if_not_loopback("registry.example.com/p:v1", &mut err);
        assert!(String::from_utf8(err).unwrap().contains("unencrypted"));
        for local in [
            "127.0.0.1:5000/p:v1",
            "localhost:5000/p:v1",
            "[::1]:5000/p:v1",
        ] {
            let mut err = Vec::new();
            warn_if_not_loopback(local, &mut err);
            assert!(err.is_empty(), "{local}");
        }
    }
}
