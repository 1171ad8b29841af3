//! Scripts the Task writes and then runs: a heredoc saved with `cat > file <<'EOF'`, base64
//! text decoded into a file (`printf '%s' "…" | base64 -d > /scripts/build.sh`), text
//! printed by `printf` or `echo`, possibly by an earlier step into a shared volume; copies,
//! moves and links of those (`cp`, `install`, `mv`, `ln -s`), and files whose content only
//! exists at run time (downloads, files edited in place). The analysis keeps what each file
//! holds, so that running the file (`bash file`, `/scripts/build.sh`, `source file`, or by
//! name from a directory on `PATH`: `path.rs`) is followed like any other script instead of
//! being reported as unreadable.

use super::{Ctx, Launch, Origin, Var, Walker, printf};
use crate::analysis::Field;
use crate::analysis::{Layer, Layers};
use crate::shell::{ParamName, ParamOp, Part, RedirKind};
use rustc_hash::FxHashMap;

/// Most alternative contents kept for one file.
const MAX_CONTENTS: usize = 4;

/// What a file written by the Task holds.
#[derive(Debug, Clone)]
pub struct Written {
    /// Its possible contents (several when it was built from values set on different paths);
    /// empty when the content is only known at run time.
    pub contents: Vec<String>,
    /// Where it was written, for messages: `script line 12`, or
    /// `script line 3 of step "load-scripts" (spec.steps[0])` for an earlier step.
    pub by: String,
    /// Where the content sits in this container, when it is a quoted heredoc body.
    pub(in crate::analysis) origin: Option<Origin>,
    /// Written by an earlier step (positions in its script mean nothing in this one).
    pub earlier: bool,
    /// How it came to be, for messages: `written`, `copied`, `downloaded`, …
    pub how: &'static str,
    /// What running it runs instead of `contents`: the path a symbolic link points to, or
    /// the file a copy was made of when the Task did not write that file (a program of the
    /// image: `cp /usr/bin/buildah /tmp/bin/bh`).
    pub link: Option<String>,
}

impl Written {
    /// The file as the next step sees it.
    pub fn pass_on(&mut self, step: &str) {
        if !self.earlier {
            self.by = format!("{} of {step}", self.by);
            self.earlier = true;
            self.origin = None;
        }
    }
}

/// Files written so far, by path.
pub type Files = FxHashMap<String, Written>;

/// A path as written, made absolute against the working directory when that is known, with
/// `.` and `..` components resolved in absolute paths.
pub(crate) fn normalize(path: &str, cwd: Option<&str>) -> String {
    let path = path.strip_prefix("./").unwrap_or(path);
    let path = match cwd {
        Some(dir) if !path.starts_with('/') && !path.starts_with('$') => {
            format!("{}/{path}", dir.trim_end_matches('/'))
        }
        _ => path.to_string(),
    };
    if !path.starts_with('/') || !(path.contains("/.") || path.contains("//")) {
        return path;
    }
    crate::placement::paths::normalize(&path)
}

/// Standard base64 (RFC 4648) with padding; blanks are ignored. `None` if it is not base64.
pub(crate) fn decode_base64(text: &str) -> Option<String> {
    let mut bits: u32 = 0;
    let mut nbits = 0;
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for b in text.bytes() {
        let v = match BASE64[b as usize] {
            SKIP => continue,
            END => break,
            INVALID => return None,
            v => v,
        };
        bits = (bits << 6) | v as u32;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    String::from_utf8(out).ok()
}

const SKIP: u8 = 0xfd;
const END: u8 = 0xfe;
const INVALID: u8 = 0xff;

/// Each byte's value in base64: its 6 bits, or what to do with it (blanks are skipped,
/// padding ends the text, anything else makes it not base64).
const BASE64: [u8; 256] = {
    let mut t = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        let c = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[i];
        t[c as usize] = i as u8;
        i += 1;
    }
    t[b' ' as usize] = SKIP;
    t[b'\n' as usize] = SKIP;
    t[b'\r' as usize] = SKIP;
    t[b'\t' as usize] = SKIP;
    t[b'=' as usize] = END;
    t
};

impl Walker<'_, '_> {
    /// The text a command reads on standard input, when it is known: a heredoc, a
    /// here-string, a file the Task wrote, or the output of the previous command of a pipe.
    fn stdin(&mut self, launch: Launch<'_>, ctx: Ctx<'_>) -> Option<Vec<String>> {
        if let Some(stmt) = launch.stmt {
            for r in &stmt.redirs {
                match r.kind {
                    RedirKind::HereDoc => {
                        let doc = r.heredoc.and_then(|i| ctx.heredocs.get(i))?;
                        if doc.quoted {
                            return Some(vec![doc.body.text(ctx.src).to_string()]);
                        }
                        return Some(self.expanded_texts(&doc.parts, ctx));
                    }
                    RedirKind::HereString => {
                        let f = self.expand(&r.target, ctx).into_iter().next()?;
                        return Some(vec![format!("{}\n", f.text)]);
                    }
                    RedirKind::Input => {
                        let target = self.expand(&r.target, ctx).into_iter().next()?;
                        return self
                            .files
                            .get(&normalize(&target.text, self.cwd.as_deref()))
                            .map(|w| w.contents.clone())
                            .filter(|c| !c.is_empty());
                    }
                    _ => {}
                }
            }
        }
        if launch.piped {
            return self.pipe_in.clone().map(|o| vec![o]);
        }
        None
    }

    /// The texts an unquoted heredoc body expands to. A variable set differently on different
    /// paths gives one text per value.
    fn expanded_texts(&mut self, parts: &[Part], ctx: Ctx<'_>) -> Vec<String> {
        let mut texts = vec![String::new()];
        for part in parts {
            let pieces: Vec<String> = match part {
                Part::Lit(span) => vec![span.text(ctx.src).to_string()],
                Part::Text(t) => vec![t.clone()],
                Part::Param(p)
                    if p.index.is_none()
                        && matches!(p.op, ParamOp::None)
                        && matches!(p.name, ParamName::Named(_)) =>
                {
                    let ParamName::Named(name) = &p.name else {
                        unreachable!()
                    };
                    match self.vars.get(name) {
                        Some(Var::Known(f)) if f.len() == 1 => vec![f[0].text.clone()],
                        Some(Var::Choice(values)) => {
                            values.iter().map(|v| v.text.clone()).collect()
                        }
                        _ => vec![p.span.text(ctx.src).to_string()],
                    }
                }
                other => {
                    // Run what it runs (command substitutions) and keep the written form.
                    let mut b = super::FieldBuilder::new(ctx.origin.loc(Default::default()));
                    self.expand_parts(std::slice::from_ref(other), ctx, true, &mut b);
                    let fields = b.into_fields();
                    vec![
                        fields
                            .into_iter()
                            .map(|f| f.text)
                            .collect::<Vec<_>>()
                            .join(" "),
                    ]
                }
            };
            if texts.len() * pieces.len() > MAX_CONTENTS {
                for t in &mut texts {
                    t.push_str(&pieces[0]);
                }
                continue;
            }
            texts = texts
                .iter()
                .flat_map(|t| pieces.iter().map(move |p| format!("{t}{p}")))
                .collect();
        }
        texts
    }

    /// What a command prints, when that is known (`cat`, `echo`, `printf '%s'`,
    /// `base64 -d`, `tee`), given its arguments after the program name.
    fn output(
        &mut self,
        name: &str,
        args: &[Field],
        launch: Launch<'_>,
        ctx: Ctx<'_>,
    ) -> Option<Vec<String>> {
        let operands: Vec<&Field> = args
            .iter()
            .filter(|a| !a.text.starts_with('-') || a.text == "-")
            .collect();
        match name {
            "cat" if operands.is_empty() => self.stdin(launch, ctx),
            "cat" => {
                let mut text = String::new();
                for o in operands {
                    let w = self.files.get(&normalize(&o.text, self.cwd.as_deref()))?;
                    text.push_str(w.contents.first()?);
                }
                Some(vec![text])
            }
            "tee" => self.stdin(launch, ctx),
            "echo" => {
                let words: Vec<&str> = args.iter().map(|a| a.text.as_str()).collect();
                Some(printf::echo(&words))
            }
            "printf" => {
                let args = match args.first() {
                    Some(a) if a.text == "--" => &args[1..],
                    _ => args,
                };
                let (format, values) = args.split_first()?;
                if !format.exact || format.text == "-v" {
                    return None;
                }
                let values: Vec<&str> = values.iter().map(|a| a.text.as_str()).collect();
                Some(vec![printf::printf(&format.text, &values)?])
            }
            "base64"
                if args
                    .iter()
                    .any(|a| matches!(a.text.as_str(), "-d" | "--decode" | "-D")) =>
            {
                let input = self.stdin(launch, ctx)?;
                Some(vec![decode_base64(input.first()?)?])
            }
            _ => None,
        }
    }

    /// Records what a command leaves behind: its output for a following pipe, and the files
    /// it writes (`> file`, `>> file`, `tee file`).
    pub(super) fn record_output(
        &mut self,
        name: &str,
        fields: &[Field],
        launch: Launch<'_>,
        ctx: Ctx<'_>,
    ) {
        let args = fields.get(1..).unwrap_or(&[]);
        self.record_file_ops(name, fields);
        // Output nobody reads (no pipe, no file) is not worth working out.
        let read = name == "tee"
            || launch.stmt.is_some_and(|s| {
                s.piped_output
                    || s.redirs
                        .iter()
                        .any(|r| matches!(r.kind, RedirKind::Output | RedirKind::Append))
            });
        if !read {
            self.last_output = None;
            return;
        }
        let output = self.output(name, args, launch, ctx);
        self.last_output = output.as_ref().and_then(|o| o.first().cloned());
        let mut targets: Vec<(String, bool)> = Vec::new();
        if name == "tee" {
            let append = args.iter().any(|a| a.text == "-a" || a.text == "--append");
            targets.extend(
                args.iter()
                    .filter(|a| !a.text.starts_with('-'))
                    .map(|a| (a.text.clone(), append)),
            );
        }
        if let Some(stmt) = launch.stmt {
            for r in &stmt.redirs {
                let append = match r.kind {
                    RedirKind::Output => false,
                    RedirKind::Append => true,
                    _ => continue,
                };
                let Some(target) = self.expand(&r.target, ctx).into_iter().next() else {
                    continue;
                };
                if target.text.starts_with("/dev/") {
                    continue;
                }
                targets.push((target.text, append));
            }
        }
        if targets.is_empty() {
            return;
        }
        let loc = fields
            .first()
            .map_or(ctx.origin.loc(Default::default()), |f| f.loc);
        let by = self.describe_loc(loc);
        let origin = self.quoted_heredoc_origin(launch, ctx);
        for (path, append) in targets {
            let path = normalize(&path, self.cwd.as_deref());
            let new = output.clone().unwrap_or_default();
            let entry = self.files.entry(path).or_insert_with(|| Written {
                contents: vec![String::new()],
                by: by.clone(),
                origin: None,
                earlier: false,
                how: "written",
                link: None,
            });
            if !append {
                entry.contents = new;
                entry.origin = origin;
                entry.by = by.clone();
                entry.earlier = false;
                entry.how = "written";
                entry.link = None;
            } else if new.is_empty() || entry.contents.is_empty() || entry.link.is_some() {
                entry.contents.clear();
                entry.origin = None;
                entry.link = None;
            } else {
                let combined: Vec<String> = entry
                    .contents
                    .iter()
                    .flat_map(|old| new.iter().map(move |n| format!("{old}{n}")))
                    .take(MAX_CONTENTS)
                    .collect();
                entry.contents = combined;
                entry.origin = None;
            }
        }
    }

    /// The exact origin of a quoted heredoc body fed to this command, if any.
    fn quoted_heredoc_origin(&self, launch: Launch<'_>, ctx: Ctx<'_>) -> Option<Origin> {
        let stmt = launch.stmt?;
        let doc = stmt
            .redirs
            .iter()
            .find_map(|r| r.heredoc.and_then(|i| ctx.heredocs.get(i)))?;
        if !doc.quoted {
            return None;
        }
        Some(Origin {
            source: ctx.origin.source,
            base: ctx.origin.base.map(|b| b + doc.body.start),
            whole: ctx.origin.loc(doc.body).span,
            layers: ctx.origin.layers.with(Layer::HereDoc),
        })
    }

    /// Where running the file at `path` leads, following symbolic links; `None` when the
    /// Task did not write `path`.
    pub(super) fn resolve(&self, path: &str) -> Option<Target> {
        let mut at = path.to_string();
        for _ in 0..MAX_LINKS {
            let Some(w) = self.files.get(&at) else {
                return (at != path).then_some(Target::Program(at));
            };
            match &w.link {
                None => return Some(Target::Written(at)),
                Some(next) => at = next.clone(),
            }
        }
        Some(Target::Loop)
    }

    /// Follows a file the Task wrote, when a command runs it or a shell reads it. False when
    /// the file is unknown, or is a program the Task did not write.
    pub(super) fn run_written_file(
        &mut self,
        f: &Field,
        positional: &[Field],
        ctx: Ctx<'_>,
    ) -> bool {
        if self.files.is_empty() {
            return false;
        }
        let written = match self.resolve(&normalize(&f.text, self.cwd.as_deref())) {
            None | Some(Target::Program(_)) => return false,
            Some(Target::Loop) => {
                self.unanalyzable(
                    f.loc,
                    format!("runs `{}`, a chain of links too long to follow", f.text),
                );
                return true;
            }
            Some(Target::Written(path)) => self.files[&path].clone(),
        };
        if written.contents.is_empty() {
            self.unanalyzable(
                f.loc,
                format!(
                    "runs `{}`, {} at {} from content only known when the step runs",
                    f.text, written.how, written.by
                ),
            );
            return true;
        }
        let origin = written.origin.unwrap_or(Origin {
            source: f.loc.source,
            base: None,
            whole: f.loc.span,
            layers: Layers::default(),
        });
        // The script knows its own path (`$(dirname "${BASH_SOURCE[0]}")/common.sh`).
        let own_path = Var::Known(vec![Field::literal(&f.text, f.loc)]);
        let saved = self.vars.insert("BASH_SOURCE".to_string(), own_path);
        for content in &written.contents {
            self.reparse_from(
                content,
                origin,
                Some(positional.to_vec()),
                ctx,
                Some(f.text.clone()),
            );
        }
        match saved {
            Some(v) => self.vars.insert("BASH_SOURCE".to_string(), v),
            None => self.vars.remove("BASH_SOURCE"),
        };
        true
    }

    /// Files a command makes other than with its output: copies, moves and links of files
    /// (`cp`, `install`, `mv`, `ln`), downloads (`curl -o`, `wget -O`), files edited in
    /// place (`sed -i`), and files made executable (`chmod +x`), which may then be run from
    /// a directory on `PATH`.
    fn record_file_ops(&mut self, name: &str, fields: &[Field]) {
        match name {
            "cp" | "install" | "mv" | "ln" => self.record_copies(name, fields),
            "curl" | "wget" => {
                let by = self.describe_loc(fields[0].loc);
                for target in download_targets(name, fields) {
                    let path = normalize(&target, self.cwd.as_deref());
                    self.files.insert(path, unknown(by.clone(), "downloaded"));
                }
            }
            "sed" | "perl"
                if fields[1..].iter().any(|f| {
                    f.text == "--in-place"
                        || f.text.starts_with("--in-place=")
                        || (f.text.starts_with('-')
                            && !f.text.starts_with("--")
                            && f.text.contains('i'))
                }) =>
            {
                let by = self.describe_loc(fields[0].loc);
                for f in &fields[1..] {
                    let path = normalize(&f.text, self.cwd.as_deref());
                    if let Some(w) = self.files.get_mut(&path) {
                        *w = unknown(by.clone(), "edited in place");
                    }
                }
            }
            "chmod" => {
                let Some(mode) = fields[1..].iter().position(|f| {
                    !matches!(
                        f.text.as_str(),
                        "-R" | "-v"
                            | "-c"
                            | "-f"
                            | "--recursive"
                            | "--verbose"
                            | "--changes"
                            | "--silent"
                            | "--quiet"
                    )
                }) else {
                    return;
                };
                if !adds_execute(&fields[1 + mode].text) {
                    return;
                }
                let by = self.describe_loc(fields[0].loc);
                for f in &fields[2 + mode..] {
                    let path = normalize(&f.text, self.cwd.as_deref());
                    if !self.files.contains_key(&path) {
                        self.path.made_executable(path, by.clone());
                    }
                }
            }
            _ => {}
        }
    }

    /// `cp`, `install`, `mv` and `ln`: each destination gets what its source holds, or
    /// runs what its source runs.
    fn record_copies(&mut self, name: &str, fields: &[Field]) {
        let Some(op) = CopyArgs::read(name, fields) else {
            return;
        };
        let by = self.describe_loc(fields[0].loc);
        let how = match name {
            "mv" => "moved",
            "ln" => "linked",
            _ => "copied",
        };
        let cwd = self.cwd.clone();
        for src in &op.sources {
            let from = normalize(&src.text, cwd.as_deref());
            let base = from.trim_end_matches('/').rsplit('/').next().unwrap_or("");
            let targets: Vec<String> = match &op.dest {
                Dest::Dir(d) => vec![format!("{}/{base}", d.trim_end_matches('/'))],
                Dest::File(f) => vec![f.clone()],
                Dest::Either(f) => vec![f.clone(), format!("{}/{base}", f.trim_end_matches('/'))],
            };
            for target in targets {
                let to = normalize(&target, cwd.as_deref());
                let entry = if !src.exact {
                    unknown(by.clone(), how)
                } else if op.symbolic {
                    // A relative target is read from the link's directory.
                    let pointed = if src.text.starts_with('/') {
                        normalize(&src.text, None)
                    } else {
                        let dir = to.rsplit_once('/').map_or(".", |(d, _)| d);
                        normalize(&format!("{dir}/{}", src.text), None)
                    };
                    Written {
                        link: Some(pointed),
                        ..unknown(by.clone(), how)
                    }
                } else {
                    // Files below a copied directory come along.
                    let below = format!("{}/", from.trim_end_matches('/'));
                    let inside: Vec<(String, Written)> = self
                        .files
                        .iter()
                        .filter(|(p, _)| p.starts_with(&below))
                        .map(|(p, w)| (format!("{to}/{}", &p[below.len()..]), w.clone()))
                        .collect();
                    self.files.extend(inside);
                    match self.files.get(&from) {
                        Some(w) => Written {
                            by: by.clone(),
                            earlier: false,
                            how,
                            ..w.clone()
                        },
                        None => Written {
                            link: Some(from.clone()),
                            ..unknown(by.clone(), how)
                        },
                    }
                };
                self.files.insert(to, entry);
            }
            if name == "mv" {
                let below = format!("{}/", from.trim_end_matches('/'));
                self.files
                    .retain(|p, _| *p != from && !p.starts_with(&below));
            }
        }
    }
}

/// Deepest chain of symbolic links followed.
const MAX_LINKS: usize = 8;

/// Where running a file leads.
pub(super) enum Target {
    /// A file the Task wrote, by path.
    Written(String),
    /// A program the Task did not write, by path (a link to it, or a copy of it).
    Program(String),
    /// Links too deep to follow.
    Loop,
}

/// A file whose content is only known when the step runs.
fn unknown(by: String, how: &'static str) -> Written {
    Written {
        contents: Vec::new(),
        by,
        origin: None,
        earlier: false,
        how,
        link: None,
    }
}

/// Where copies go.
enum Dest {
    /// Into this directory, under the source's name.
    Dir(String),
    /// To this path.
    File(String),
    /// To this path, or into it when it is a directory (the analysis cannot tell).
    Either(String),
}

/// The arguments of `cp`, `install`, `mv` or `ln`.
struct CopyArgs<'f> {
    sources: Vec<&'f Field>,
    dest: Dest,
    symbolic: bool,
}

impl<'f> CopyArgs<'f> {
    fn read(name: &str, fields: &'f [Field]) -> Option<CopyArgs<'f>> {
        // Options that take a value, besides the target directory.
        let valued: &[char] = if name == "install" {
            &['m', 'o', 'g', 'S']
        } else {
            &['S']
        };
        let valued_long: &[&str] = &["--mode", "--owner", "--group", "--suffix"];
        let (mut target_dir, mut no_target_dir, mut symbolic) = (None, false, false);
        let mut operands: Vec<&Field> = Vec::new();
        let mut options = true;
        let mut i = 1;
        while let Some(f) = fields.get(i) {
            i += 1;
            let t = f.text.as_str();
            if !options || t == "-" || !t.starts_with('-') {
                operands.push(f);
                continue;
            }
            if t == "--" {
                options = false;
            } else if let Some(long) = t.strip_prefix("--") {
                match long.split_once('=') {
                    Some(("target-directory", dir)) => target_dir = Some(dir.to_string()),
                    _ if long == "target-directory" => {
                        target_dir = fields.get(i).map(|f| f.text.clone());
                        i += 1;
                    }
                    _ if long == "symbolic" => symbolic = true,
                    _ if long == "no-target-directory" => no_target_dir = true,
                    _ if long == "directory" && name == "install" => return None,
                    _ if valued_long.contains(&t) => i += 1,
                    _ => {}
                }
            } else {
                for (k, c) in t.char_indices().skip(1) {
                    let rest = &t[k + c.len_utf8()..];
                    match c {
                        's' if name == "ln" => symbolic = true,
                        'T' => no_target_dir = true,
                        'd' if name == "install" => return None,
                        't' | 'm' | 'o' | 'g' | 'S' if c == 't' || valued.contains(&c) => {
                            let value = if rest.is_empty() {
                                i += 1;
                                fields.get(i - 1).map(|f| f.text.clone())
                            } else {
                                Some(rest.to_string())
                            };
                            if c == 't' {
                                target_dir = value;
                            }
                            break;
                        }
                        _ => {}
                    }
                }
            }
        }
        let dest = match target_dir {
            Some(dir) => Dest::Dir(dir),
            // `ln TARGET`: a link of the same name in the working directory.
            None if name == "ln" && operands.len() == 1 => Dest::Dir(".".to_string()),
            None => {
                let last = operands.pop()?;
                if operands.is_empty() {
                    return None;
                }
                let t = last.text.clone();
                if operands.len() > 1 || t.ends_with('/') {
                    Dest::Dir(t)
                } else if no_target_dir {
                    Dest::File(t)
                } else {
                    Dest::Either(t)
                }
            }
        };
        Some(CopyArgs {
            sources: operands,
            dest,
            symbolic,
        })
    }
}

/// The files `curl` or `wget` writes: `-o FILE` / `-O FILE`, or the URL's last segment
/// (`curl -O`, `wget` without `-O`), in `wget -P DIR` when given.
fn download_targets(name: &str, fields: &[Field]) -> Vec<String> {
    // Short options that take a value (the rest of the word or the next argument).
    let valued = if name == "curl" {
        "dHuXAbcCeEFKmorTUwxyYzQDP"
    } else {
        "OPoaeiBUTtwQlARDIXYn"
    };
    let (mut out, mut urls, mut remote_name, mut dir) = (Vec::new(), Vec::new(), false, None);
    let mut i = 1;
    while let Some(f) = fields.get(i) {
        i += 1;
        let t = f.text.as_str();
        if let Some(long) = t.strip_prefix("--") {
            let (key, inline) = match long.split_once('=') {
                Some((k, v)) => (k, Some(v.to_string())),
                None => (long, None),
            };
            let takes_value = matches!(
                key,
                "output"
                    | "output-document"
                    | "directory-prefix"
                    | "output-dir"
                    | "header"
                    | "data"
                    | "user"
                    | "request"
                    | "user-agent"
                    | "config"
                    | "cert"
                    | "form"
                    | "url"
                    | "proxy"
                    | "max-time"
                    | "retry"
                    | "connect-timeout"
                    | "cacert"
            );
            let value = match inline {
                Some(v) => Some(v),
                None if takes_value => {
                    i += 1;
                    fields.get(i - 1).map(|f| f.text.clone())
                }
                None => None,
            };
            match (key, value) {
                ("output" | "output-document", Some(v)) => out.push(v),
                ("directory-prefix" | "output-dir", Some(v)) => dir = Some(v),
                ("url", Some(v)) => urls.push(v),
                ("remote-name", _) => remote_name = true,
                _ => {}
            }
            continue;
        }
        if t.len() > 1 && t.starts_with('-') {
            for (k, c) in t.char_indices().skip(1) {
                if name == "curl" && c == 'O' {
                    remote_name = true;
                    continue;
                }
                if !valued.contains(c) {
                    continue;
                }
                let rest = &t[k + 1..];
                let value = if rest.is_empty() {
                    i += 1;
                    fields.get(i - 1).map(|f| f.text.clone())
                } else {
                    Some(rest.to_string())
                };
                match (name, c, value) {
                    ("curl", 'o', Some(v)) | ("wget", 'O', Some(v)) => out.push(v),
                    ("wget", 'P', Some(v)) => dir = Some(v),
                    _ => {}
                }
                break;
            }
            continue;
        }
        urls.push(t.to_string());
    }
    out.retain(|o| o != "-" && !o.starts_with("/dev/"));
    if out.is_empty() && (name == "wget" || remote_name) {
        for url in urls {
            let path = url.split(['?', '#']).next().unwrap_or("");
            let path = path.split_once("://").map_or(path, |(_, rest)| rest);
            if let Some((_, file)) = path.rsplit_once('/')
                && !file.is_empty()
            {
                out.push(file.to_string());
            }
        }
    }
    if let Some(d) = &dir {
        for o in &mut out {
            if !o.starts_with('/') {
                *o = format!("{}/{o}", d.trim_end_matches('/'));
            }
        }
    }
    out
}

/// Whether a `chmod` mode makes files executable: octal with an execute bit, or a symbolic
/// clause that adds or sets `x`.
fn adds_execute(mode: &str) -> bool {
    if !mode.is_empty() && mode.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return mode.bytes().any(|b| (b - b'0') & 1 == 1);
    }
    mode.split(',').any(|clause| {
        clause
            .find(['+', '='])
            .is_some_and(|op| clause[op..].contains(['x', 'X']))
    })
}

#[cfg(test)]
mod tests {
    use super::decode_base64;

    #[test]
    fn decodes_base64() {
        assert_eq!(
            decode_base64("YnVpbGRhaCBidWQgLgo=").as_deref(),
            Some("buildah bud .\n")
        );
        assert_eq!(decode_base64("YnVp\nbGRh aA==").as_deref(), Some("buildah"));
        assert_eq!(decode_base64("not base64!"), None);
    }
}
