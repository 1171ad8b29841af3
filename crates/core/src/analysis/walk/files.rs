//! Scripts the Task writes and then runs: a heredoc saved with `cat > file <<'EOF'`, base64
//! text decoded into a file (`printf '%s' "…" | base64 -d > /scripts/build.sh`), possibly by
//! an earlier step into a shared volume. The analysis keeps what each file holds, so that
//! running the file (`bash file`, `/scripts/build.sh`, `source file`) is followed like any
//! other script instead of being reported as unreadable.

use super::{Ctx, Launch, Origin, Var, Walker};
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

/// A path as written, made absolute against the working directory when that is known.
pub(crate) fn normalize(path: &str, cwd: Option<&str>) -> String {
    let path = path.strip_prefix("./").unwrap_or(path);
    match cwd {
        Some(dir) if !path.starts_with('/') && !path.starts_with('$') => {
            format!("{}/{path}", dir.trim_end_matches('/'))
        }
        _ => path.to_string(),
    }
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
                let newline = !args.iter().any(|a| a.text == "-n");
                let words: Vec<&str> = args
                    .iter()
                    .filter(|a| !matches!(a.text.as_str(), "-n" | "-e" | "-E"))
                    .map(|a| a.text.as_str())
                    .collect();
                Some(vec![format!(
                    "{}{}",
                    words.join(" "),
                    if newline { "\n" } else { "" }
                )])
            }
            "printf" => match args {
                [format, value] if matches!(format.text.as_str(), "%s" | "%s\\n") => {
                    Some(vec![value.text.clone()])
                }
                _ => None,
            },
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
            });
            if !append {
                entry.contents = new;
                entry.origin = origin;
                entry.by = by.clone();
                entry.earlier = false;
            } else if new.is_empty() || entry.contents.is_empty() {
                entry.contents.clear();
                entry.origin = None;
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

    /// Follows a file the Task wrote, when a command runs it. False when the file is unknown.
    pub(super) fn run_written_file(
        &mut self,
        f: &Field,
        positional: &[Field],
        ctx: Ctx<'_>,
    ) -> bool {
        if self.files.is_empty() {
            return false;
        }
        let path = normalize(&f.text, self.cwd.as_deref());
        let Some(written) = self.files.get(&path).cloned() else {
            return false;
        };
        if written.contents.is_empty() {
            self.unanalyzable(
                f.loc,
                format!(
                    "runs `{}`, written at {} from content only known when the step runs",
                    f.text, written.by
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
