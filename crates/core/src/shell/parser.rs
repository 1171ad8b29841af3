//! A hand-written, error-tolerant parser for the shell found in Tekton `script:` fields.
//!
//! It covers what step scripts use: POSIX sh plus the bash syntax seen in the wild (arrays,
//! `[[ ]]`, `function`, `$'…'`, process substitution, `|&`, `;;&`). It never fails as a whole:
//! a syntax error is recorded with its offset, the parser skips to the next line and goes on, so
//! the commands before and after the error are still seen. Nesting is capped at
//! [`MAX_DEPTH`] so hostile input cannot exhaust the stack.
//!
//! Tekton references (`$(params.X)`, `$(workspaces.w.path)`, …) are recognised as values, not
//! command substitutions: Tekton replaces them before the shell starts.

use super::ast::*;

/// Deepest nesting of compound commands, substitutions and `${…}` the parser follows.
pub const MAX_DEPTH: u32 = 64;

/// Parses a whole script.
pub fn parse(src: &str) -> Script {
    let mut p = Parser {
        s: src.as_bytes(),
        pos: 0,
        depth: 0,
        cond: 0,
        heredocs: Vec::new(),
        pending: Vec::new(),
        errors: Vec::new(),
        in_backtick: false,
        words: Vec::new(),
    };
    let mut body = Vec::new();
    loop {
        p.parse_list(&mut body, &[]);
        if p.pos >= p.s.len() {
            break;
        }
        // parse_list only returns early at a stop word; at top level there is none, but a
        // stray closer may remain after error recovery.
        p.error("unexpected token");
        p.skip_line();
    }
    if !p.pending.is_empty() {
        p.error("here-document is missing its body");
    }
    Script {
        body,
        heredocs: p.heredocs,
        errors: p.errors,
    }
}

/// Words that end a list at command position.
/// A name cut from the script as owned text (names are ASCII; anything else is kept lossily).
fn text(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.to_owned(),
        Err(_) => String::from_utf8_lossy(b).into_owned(),
    }
}

const CLOSERS: &[&str] = &[
    "then", "elif", "else", "fi", "do", "done", "esac", "}", ")", ";;", "`",
];

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    depth: u32,
    /// How many enclosing constructs make the current statement conditional.
    cond: u32,
    heredocs: Vec<HereDoc>,
    /// Heredocs whose body starts after the next newline: (index, delimiter).
    pending: Vec<(usize, Vec<u8>)>,
    errors: Vec<ParseError>,
    in_backtick: bool,
    /// The words of the simple commands being read, innermost last (a command substitution
    /// inside a word starts another): each command's list is then allocated once, at its
    /// exact size, rather than grown and copied while its words allocate their parts (see
    /// `json::read::Reader` for why that matters to the policy).
    words: Vec<Word>,
}

const fn is_meta(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')'
    )
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

/// Bytes a word takes as plain text wherever they are: not a metacharacter, a quote, an
/// escape, an expansion or a carriage return (which `read_word` looks at one by one).
const WORD_TEXT: [bool; 256] = {
    let mut t = [true; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        if is_meta(b) || matches!(b, b'\\' | b'\'' | b'"' | b'$' | b'`' | b'\r') {
            t[i] = false;
        }
        i += 1;
    }
    t
};

fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Roots of Tekton variable references.
const TEKTON_ROOTS: &[&[u8]] = &[
    b"params",
    b"context",
    b"workspaces",
    b"results",
    b"steps",
    b"step",
    b"tasks",
    b"inputs",
    b"outputs",
    b"resources",
];

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn byte_at(&self, i: usize) -> Option<u8> {
        self.s.get(i).copied()
    }

    fn at(&self, lit: &str) -> bool {
        // The first byte alone rules out nearly every keyword and operator tried.
        let lit = lit.as_bytes();
        match lit.first() {
            Some(first) if self.s.get(self.pos) != Some(first) => false,
            _ => self.s[self.pos.min(self.s.len())..].starts_with(lit),
        }
    }

    fn eof(&self) -> bool {
        self.pos >= self.s.len()
    }

    fn error(&mut self, message: &'static str) {
        self.error_at(self.pos, message);
    }

    fn error_at(&mut self, at: usize, message: &'static str) {
        let mut at = at.min(self.s.len());
        // The end of the input after its last line break belongs to the last line: there is
        // no line after it to point at.
        if at == self.s.len() && self.s.last() == Some(&b'\n') {
            at -= 1;
        }
        let offset = at as u32;
        // One error per offset is enough; recovery can revisit the same place.
        if self.errors.last().map(|e| e.offset) != Some(offset) {
            self.errors.push(ParseError { offset, message });
        }
    }

    /// Gives up on the rest of the input (nesting too deep).
    fn abort(&mut self, message: &'static str) {
        self.error(message);
        self.pos = self.s.len();
        self.pending.clear();
    }

    fn enter(&mut self) -> bool {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.abort("nesting is deeper than the analysis follows");
            return false;
        }
        true
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Skips spaces, tabs, carriage returns before a newline, and line continuations.
    fn skip_blanks(&mut self) {
        while let Some(b) = self.peek() {
            match b {
                b' ' | b'\t' => self.pos += 1,
                b'\r' if self.byte_at(self.pos + 1) == Some(b'\n') => self.pos += 1,
                b'\\' if self.byte_at(self.pos + 1) == Some(b'\n') => self.pos += 2,
                _ => break,
            }
        }
    }

    fn skip_comment(&mut self) {
        if self.peek() == Some(b'#') {
            while let Some(b) = self.peek() {
                if b == b'\n' {
                    break;
                }
                self.pos += 1;
            }
        }
    }

    /// Skips blanks, comments and newlines (reading heredoc bodies at each newline).
    fn skip_space_nl(&mut self) {
        loop {
            self.skip_blanks();
            self.skip_comment();
            if self.peek() == Some(b'\n') {
                self.newline();
            } else {
                break;
            }
        }
    }

    fn skip_line(&mut self) {
        while let Some(b) = self.peek() {
            if b == b'\n' {
                self.newline();
                return;
            }
            self.pos += 1;
        }
    }

    /// Consumes a newline and then the bodies of the heredocs opened on that line.
    fn newline(&mut self) {
        self.pos += 1;
        if self.pending.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut self.pending);
        for (idx, delim) in pending {
            self.read_heredoc_body(idx, &delim);
        }
    }

    fn read_heredoc_body(&mut self, idx: usize, delim: &[u8]) {
        let strip_tabs = self.heredocs[idx].strip_tabs;
        let body_start = self.pos;
        let mut line_start = self.pos;
        let body_end;
        loop {
            if line_start >= self.s.len() {
                // Unterminated: the shell warns and takes the rest of the input.
                body_end = self.s.len();
                self.pos = self.s.len();
                break;
            }
            let line_end = self.s[line_start..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(self.s.len(), |i| line_start + i);
            let mut line = &self.s[line_start..line_end];
            if let Some(stripped) = line.strip_suffix(b"\r") {
                line = stripped;
            }
            if strip_tabs {
                while let Some(rest) = line.strip_prefix(b"\t") {
                    line = rest;
                }
            }
            if line == delim {
                body_end = line_start;
                self.pos = (line_end + 1).min(self.s.len());
                break;
            }
            line_start = line_end + 1;
        }
        let body = Span::new(body_start, body_end);
        self.heredocs[idx].body = body;
        if !self.heredocs[idx].quoted {
            let resume = self.pos;
            self.pos = body_start;
            let parts = self.parse_quoted_parts(body_end, true);
            self.pos = resume;
            self.heredocs[idx].parts = Parts::from_vec(parts);
        }
    }

    /// True when `kw` is at the current position as a whole unquoted word.
    fn at_keyword(&self, kw: &str) -> bool {
        if !self.at(kw) {
            return false;
        }
        match self.byte_at(self.pos + kw.len()) {
            None => true,
            Some(b) => is_meta(b) || b == b'\r' || (b == b'`' && self.in_backtick),
        }
    }

    /// Which of `stops` (or of the closers, when `any_closer`) is at the current position.
    fn stop_at(&self, stops: &[&'static str]) -> Option<&'static str> {
        stops.iter().copied().find(|&s| self.closer_at(s))
    }

    fn closer_at(&self, s: &str) -> bool {
        match s {
            ")" => self.peek() == Some(b')'),
            "`" => self.in_backtick && self.peek() == Some(b'`'),
            ";;" => self.at(";;") || self.at(";&"),
            _ => self.at_keyword(s),
        }
    }

    /// Parses statements until the input ends or one of `stops` appears at command position
    /// (returned, not consumed).
    fn parse_list(&mut self, out: &mut Vec<Stmt>, stops: &[&'static str]) -> Option<&'static str> {
        loop {
            self.skip_space_nl();
            while self.peek() == Some(b';') && !self.at(";;") && !self.at(";&") {
                // An empty statement: the shell rejects it, but it harms nothing here.
                self.pos += 1;
                self.skip_space_nl();
            }
            if self.eof() {
                return None;
            }
            if let Some(stop) = self.stop_at(stops) {
                return Some(stop);
            }
            if let Some(closer) = CLOSERS.iter().find(|&&c| self.closer_at(c)) {
                if *closer == "`" || *closer == ")" {
                    // Belongs to an enclosing construct we are not in: stop here and let the
                    // caller report it.
                    return None;
                }
                self.error("unexpected keyword");
                self.pos += closer.len();
                continue;
            }
            let before = self.pos;
            self.parse_and_or(out);
            self.skip_blanks();
            self.skip_comment();
            match self.peek() {
                None => return None,
                Some(b'\n') => self.newline(),
                Some(b';') if !self.at(";;") && !self.at(";&") => self.pos += 1,
                Some(b'&') if !self.at("&&") => self.pos += 1,
                _ => {
                    if self.stop_at(stops).is_some() || self.closer_at(")") || self.closer_at("`") {
                        continue;
                    }
                    self.error("unexpected token");
                    self.skip_line();
                }
            }
            if self.pos == before {
                // Guarantee progress whatever the input.
                self.pos += 1;
            }
        }
    }

    fn parse_and_or(&mut self, out: &mut Vec<Stmt>) {
        let saved = self.cond;
        self.parse_pipeline(out);
        loop {
            self.skip_blanks();
            if self.at("&&") || self.at("||") {
                self.pos += 2;
                self.skip_space_nl();
                self.cond = saved + 1;
                self.parse_pipeline(out);
            } else {
                break;
            }
        }
        self.cond = saved;
    }

    fn parse_pipeline(&mut self, out: &mut Vec<Stmt>) {
        self.skip_blanks();
        if self.at_keyword("time") {
            self.pos += 4;
            self.skip_blanks();
            if self.at_keyword("-p") {
                self.pos += 2;
            }
            self.skip_blanks();
        }
        while self.at_keyword("!") {
            self.pos += 1;
            self.skip_blanks();
        }
        let mut piped = false;
        loop {
            let first = out.len();
            self.parse_command(out, piped);
            self.skip_blanks();
            if self.at("||") {
                break;
            }
            if self.at("|&") {
                self.pos += 2;
            } else if self.peek() == Some(b'|') {
                self.pos += 1;
            } else {
                break;
            }
            for stmt in &mut out[first..] {
                if let Stmt::Simple(s) = stmt {
                    s.piped_output = true;
                }
            }
            self.skip_space_nl();
            piped = true;
        }
    }

    fn parse_command(&mut self, out: &mut Vec<Stmt>, piped: bool) {
        self.skip_blanks();
        let Some(first) = self.peek() else {
            return;
        };
        // Most commands are simple: only these bytes can start a keyword or a group.
        if !matches!(
            first,
            b'i' | b'w' | b'u' | b'f' | b's' | b'c' | b'{' | b'(' | b'['
        ) {
            self.parse_simple(out, piped);
            return;
        }
        if self.at_keyword("if") {
            self.parse_if(out);
        } else if self.at_keyword("while") || self.at_keyword("until") {
            self.parse_while(out);
        } else if self.at_keyword("for") || self.at_keyword("select") {
            self.parse_for(out);
        } else if self.at_keyword("case") {
            self.parse_case(out);
        } else if self.at_keyword("function") {
            self.pos += "function".len();
            self.skip_blanks();
            let name_start = self.pos;
            while self.peek().is_some_and(|b| !is_meta(b)) {
                self.pos += 1;
            }
            let name = text(&self.s[name_start..self.pos]);
            self.skip_blanks();
            if self.at("()") {
                self.pos += 2;
            } else if self.peek() == Some(b'(') {
                self.pos += 1;
                self.skip_blanks();
                if self.peek() == Some(b')') {
                    self.pos += 1;
                }
            }
            self.parse_function_body(out, name, name_start);
            return;
        } else if self.at_keyword("{") {
            self.pos += 1;
            if !self.enter() {
                return;
            }
            self.parse_list(out, &["}"]);
            self.expect_keyword("}", "missing `}`");
            self.leave();
        } else if self.at("((") {
            self.skip_arith_command();
        } else if self.peek() == Some(b'(') {
            self.pos += 1;
            if !self.enter() {
                return;
            }
            self.parse_list(out, &[")"]);
            if self.peek() == Some(b')') {
                self.pos += 1;
            } else {
                self.error("missing `)`");
            }
            self.leave();
        } else if self.at_keyword("[[") {
            self.parse_test(out);
            return;
        } else {
            self.parse_simple(out, piped);
            return;
        }
        self.parse_trailing_redirs(out);
    }

    fn expect_keyword(&mut self, kw: &str, message: &'static str) -> bool {
        if self.at_keyword(kw) {
            self.pos += kw.len();
            true
        } else {
            self.error(message);
            false
        }
    }

    /// Redirections after a compound command (`done < file`, `} > log`, `done <<EOF`).
    fn parse_trailing_redirs(&mut self, out: &mut Vec<Stmt>) {
        let start = self.pos;
        let mut redirs = Vec::new();
        loop {
            self.skip_blanks();
            match self.try_redir() {
                Some(r) => redirs.push(r),
                None => break,
            }
        }
        if !redirs.is_empty() {
            out.push(Stmt::Simple(Simple {
                kind: SimpleKind::Command,
                assigns: Vec::new(),
                words: Vec::new(),
                redirs,
                conditional: self.cond > 0,
                piped_input: false,
                piped_output: false,
                span: Span::new(start, self.pos),
            }));
        }
    }

    fn parse_if(&mut self, out: &mut Vec<Stmt>) {
        self.pos += 2;
        if !self.enter() {
            return;
        }
        self.parse_list(out, &["then"]);
        if self.expect_keyword("then", "missing `then`") {
            self.cond += 1;
            loop {
                match self.parse_list(out, &["elif", "else", "fi"]) {
                    Some("elif") => {
                        self.pos += 4;
                        self.parse_list(out, &["then"]);
                        if !self.expect_keyword("then", "missing `then`") {
                            break;
                        }
                    }
                    Some("else") => {
                        self.pos += 4;
                        self.parse_list(out, &["fi"]);
                        self.expect_keyword("fi", "missing `fi`");
                        break;
                    }
                    Some(_) => {
                        self.pos += 2;
                        break;
                    }
                    None => {
                        self.error("missing `fi`");
                        break;
                    }
                }
            }
            self.cond -= 1;
        }
        self.leave();
    }

    fn parse_while(&mut self, out: &mut Vec<Stmt>) {
        // `while` and `until` are both five bytes long.
        self.pos += 5;
        if !self.enter() {
            return;
        }
        self.parse_list(out, &["do"]);
        if self.expect_keyword("do", "missing `do`") {
            self.parse_loop_body(out);
        }
        self.leave();
    }

    /// `do … done` (already past `do`).
    fn parse_loop_body(&mut self, out: &mut Vec<Stmt>) {
        self.cond += 1;
        self.parse_list(out, &["done"]);
        self.expect_keyword("done", "missing `done`");
        self.cond -= 1;
    }

    fn parse_for(&mut self, out: &mut Vec<Stmt>) {
        let start = self.pos;
        self.pos += if self.at("for") { 3 } else { 6 };
        if !self.enter() {
            return;
        }
        self.skip_blanks();
        if self.at("((") {
            self.skip_arith_command();
        } else {
            let mut words = vec![self.read_word()];
            self.skip_space_nl();
            if self.at_keyword("in") {
                self.pos += 2;
                loop {
                    self.skip_blanks();
                    match self.peek() {
                        None | Some(b'\n') | Some(b';') => break,
                        Some(b'#') => {
                            self.skip_comment();
                            break;
                        }
                        Some(b) if is_meta(b) => {
                            self.error("unexpected token in `for` list");
                            break;
                        }
                        Some(_) => words.push(self.read_word()),
                    }
                }
            }
            out.push(Stmt::Simple(Simple {
                kind: SimpleKind::ForHeader,
                assigns: Vec::new(),
                words,
                redirs: Vec::new(),
                conditional: true,
                piped_input: false,
                piped_output: false,
                span: Span::new(start, self.pos),
            }));
        }
        self.skip_blanks();
        if self.peek() == Some(b';') {
            self.pos += 1;
        }
        self.skip_space_nl();
        if self.at_keyword("do") {
            self.pos += 2;
            self.parse_loop_body(out);
        } else if self.at_keyword("{") {
            self.pos += 1;
            self.cond += 1;
            self.parse_list(out, &["}"]);
            self.expect_keyword("}", "missing `}`");
            self.cond -= 1;
        } else {
            self.error("missing `do`");
        }
        self.leave();
    }

    fn parse_case(&mut self, out: &mut Vec<Stmt>) {
        let start = self.pos;
        self.pos += 4;
        if !self.enter() {
            return;
        }
        self.skip_blanks();
        let subject = self.read_word();
        out.push(Stmt::Simple(Simple {
            kind: SimpleKind::CaseWords,
            assigns: Vec::new(),
            words: vec![subject],
            redirs: Vec::new(),
            conditional: self.cond > 0,
            piped_input: false,
            piped_output: false,
            span: Span::new(start, self.pos),
        }));
        self.skip_space_nl();
        if !self.expect_keyword("in", "missing `in` after `case`") {
            self.leave();
            return;
        }
        self.cond += 1;
        loop {
            self.skip_space_nl();
            if self.at_keyword("esac") {
                self.pos += 4;
                break;
            }
            if self.eof() {
                self.error("missing `esac`");
                break;
            }
            let arm_start = self.pos;
            if self.peek() == Some(b'(') {
                self.pos += 1;
            }
            let mut patterns = Vec::new();
            loop {
                self.skip_blanks();
                match self.peek() {
                    Some(b')') => {
                        self.pos += 1;
                        break;
                    }
                    Some(b'|') => self.pos += 1,
                    Some(b) if !is_meta(b) => patterns.push(self.read_word()),
                    _ => {
                        self.error("bad `case` pattern");
                        self.skip_line();
                        break;
                    }
                }
            }
            out.push(Stmt::Simple(Simple {
                kind: SimpleKind::CaseWords,
                assigns: Vec::new(),
                words: patterns,
                redirs: Vec::new(),
                conditional: true,
                piped_input: false,
                piped_output: false,
                span: Span::new(arm_start, self.pos),
            }));
            match self.parse_list(out, &[";;", "esac"]) {
                Some(";;") => {
                    self.pos += if self.at(";;&") { 3 } else { 2 };
                }
                Some(_) => {}
                None => {
                    self.error("missing `esac`");
                    break;
                }
            }
        }
        self.cond -= 1;
        self.leave();
    }

    fn parse_function_body(&mut self, out: &mut Vec<Stmt>, name: String, start: usize) {
        self.skip_space_nl();
        if !self.enter() {
            return;
        }
        let saved = self.cond;
        self.cond = 0;
        let mut body = Vec::new();
        let compound = ["{", "if", "while", "until", "for", "select", "case", "[["];
        if self.peek() == Some(b'(') || compound.iter().any(|kw| self.at_keyword(kw)) {
            self.parse_command(&mut body, false);
        } else {
            self.error("missing function body");
        }
        self.cond = saved;
        self.leave();
        out.push(Stmt::Function(Function {
            name,
            body,
            span: Span::new(start, self.pos),
        }));
    }

    fn parse_test(&mut self, out: &mut Vec<Stmt>) {
        let start = self.pos;
        self.pos += 2;
        let mut words = Vec::new();
        loop {
            self.skip_blanks();
            if self.at_keyword("]]") {
                self.pos += 2;
                break;
            }
            match self.peek() {
                None | Some(b'\n') => {
                    self.error("missing `]]`");
                    break;
                }
                Some(b'&' | b'|') if self.at("&&") || self.at("||") => self.pos += 2,
                Some(b'(' | b')' | b'<' | b'>' | b'!') => self.pos += 1,
                Some(_) => {
                    let w = self.read_word();
                    if w.span.is_empty() {
                        self.pos += 1;
                    } else {
                        words.push(w);
                    }
                }
            }
        }
        out.push(Stmt::Simple(Simple {
            kind: SimpleKind::Test,
            assigns: Vec::new(),
            words,
            redirs: Vec::new(),
            conditional: self.cond > 0,
            piped_input: false,
            piped_output: false,
            span: Span::new(start, self.pos),
        }));
        self.parse_trailing_redirs(out);
    }

    /// `(( … ))` as a command, or the header of `for (( … ))`: arithmetic only.
    fn skip_arith_command(&mut self) {
        let mut depth = 0usize;
        while let Some(b) = self.peek() {
            self.pos += 1;
            match b {
                b'(' => depth += 1,
                b')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return;
                    }
                }
                b'\n' if depth == 0 => return,
                _ => {}
            }
        }
        self.error("missing `))`");
    }

    fn parse_simple(&mut self, out: &mut Vec<Stmt>, piped: bool) {
        let start = self.pos;
        let mut simple = Simple {
            kind: SimpleKind::Command,
            assigns: Vec::new(),
            words: Vec::new(),
            redirs: Vec::new(),
            conditional: self.cond > 0,
            piped_input: piped,
            piped_output: false,
            span: Span::default(),
        };
        let mut declaration = false;
        let base = self.words.len();
        loop {
            self.skip_blanks();
            let Some(b) = self.peek() else { break };
            if (b == b'<' || b == b'>') && self.byte_at(self.pos + 1) == Some(b'(') {
                let w = self.read_word();
                self.words.push(w);
                continue;
            }
            if let Some(r) = self.try_redir() {
                simple.redirs.push(r);
                continue;
            }
            if b == b'(' {
                if self.words.len() == base + 1 && simple.assigns.is_empty() {
                    // `name () compound`: a function definition.
                    let save = self.pos;
                    self.pos += 1;
                    self.skip_blanks();
                    if self.peek() == Some(b')') {
                        self.pos += 1;
                        let name_span = self.words[base].span;
                        self.words.truncate(base);
                        let name = text(&self.s[name_span.start as usize..name_span.end as usize]);
                        self.parse_function_body(out, name, start);
                        return;
                    }
                    self.pos = save;
                }
                self.error("unexpected `(`");
                self.skip_line();
                break;
            }
            if b == b'#' {
                // A `#` at the start of a word starts a comment.
                self.skip_comment();
                break;
            }
            if is_meta(b) {
                break;
            }
            if b == b'`' && self.in_backtick {
                break;
            }
            if (self.words.len() == base || declaration)
                && let Some(assign) = self.try_assignment()
            {
                simple.assigns.push(assign);
                continue;
            }
            let w = self.read_word();
            if w.span.is_empty() {
                // Nothing consumable here (should not happen); avoid looping.
                self.pos += 1;
                continue;
            }
            if self.words.len() == base {
                declaration = is_declaration(w.span.text_bytes(self.s));
            }
            self.words.push(w);
        }
        simple.words = self.words.drain(base..).collect();
        simple.span = Span::new(start, self.pos);
        if !simple.words.is_empty() || !simple.assigns.is_empty() || !simple.redirs.is_empty() {
            out.push(Stmt::Simple(simple));
        }
    }

    /// `NAME=value`, `NAME+=value`, `NAME=(a b c)`, `NAME[i]=value` at the current position.
    fn try_assignment(&mut self) -> Option<Assign> {
        let start = self.pos;
        if !self.peek().is_some_and(is_name_start) {
            return None;
        }
        let mut i = self.pos;
        while self.byte_at(i).is_some_and(is_name_char) {
            i += 1;
        }
        let name_end = i;
        let mut indexed = false;
        if self.byte_at(i) == Some(b'[') {
            let close = self.s[i..].iter().position(|&b| b == b']' || b == b'\n')?;
            if self.s[i + close] != b']' {
                return None;
            }
            i += close + 1;
            indexed = true;
        }
        let append = self.byte_at(i) == Some(b'+');
        if append {
            i += 1;
        }
        if self.byte_at(i) != Some(b'=') {
            return None;
        }
        let name = text(&self.s[start..name_end]);
        self.pos = i + 1;
        let value = if self.peek() == Some(b'(') && !indexed {
            self.pos += 1;
            let mut items = Vec::new();
            loop {
                self.skip_space_nl();
                match self.peek() {
                    None => {
                        self.error("missing `)` after array");
                        break;
                    }
                    Some(b')') => {
                        self.pos += 1;
                        break;
                    }
                    Some(b) if is_meta(b) => {
                        self.error("unexpected token in array");
                        self.pos += 1;
                    }
                    Some(_) => {
                        let w = self.read_word();
                        if w.span.is_empty() {
                            self.pos += 1;
                        } else {
                            items.push(w);
                        }
                    }
                }
            }
            AssignValue::Array(items)
        } else {
            AssignValue::Scalar(self.read_word())
        };
        Some(Assign {
            name,
            append,
            indexed,
            value,
            span: Span::new(start, self.pos),
        })
    }

    /// A redirection at the current position, with its target word.
    fn try_redir(&mut self) -> Option<Redir> {
        let start = self.pos;
        let mut i = self.pos;
        while self.byte_at(i).is_some_and(|b| b.is_ascii_digit()) {
            i += 1;
        }
        if i == self.pos && self.byte_at(i) == Some(b'{') {
            // `{fd}>file`
            let mut j = i + 1;
            while self.byte_at(j).is_some_and(is_name_char) {
                j += 1;
            }
            if j > i + 1 && self.byte_at(j) == Some(b'}') {
                i = j + 1;
            }
        }
        let rest = &self.s[i.min(self.s.len())..];
        let (kind, len) = if rest.starts_with(b"<<<") {
            (RedirKind::HereString, 3)
        } else if rest.starts_with(b"<<-") {
            (RedirKind::HereDoc, 3)
        } else if rest.starts_with(b"<<") {
            (RedirKind::HereDoc, 2)
        } else if rest.starts_with(b"<&") || rest.starts_with(b">&") {
            (RedirKind::Dup, 2)
        } else if rest.starts_with(b">>") {
            (RedirKind::Append, 2)
        } else if rest.starts_with(b">|") || rest.starts_with(b"<>") {
            (RedirKind::Output, 2)
        } else if rest.starts_with(b"<") {
            (RedirKind::Input, 1)
        } else if rest.starts_with(b">") {
            (RedirKind::Output, 1)
        } else if i == self.pos && rest.starts_with(b"&>>") {
            (RedirKind::Append, 3)
        } else if i == self.pos && rest.starts_with(b"&>") {
            (RedirKind::Output, 2)
        } else {
            self.pos = start;
            return None;
        };
        let strip_tabs = rest.starts_with(b"<<-");
        self.pos = i + len;
        self.skip_blanks();
        // A `#` where the target should start begins a comment: there is no target.
        let target = if self.peek() == Some(b'#') {
            Word {
                parts: Parts::new(),
                span: Span {
                    start: self.pos as u32,
                    end: self.pos as u32,
                },
            }
        } else {
            self.read_word()
        };
        if target.span.is_empty() {
            self.error("redirection without a target");
        }
        let heredoc = if kind == RedirKind::HereDoc {
            let raw = target.span.text_bytes(self.s);
            let quoted = raw.iter().any(|&b| b == b'\'' || b == b'"' || b == b'\\');
            let delim: Vec<u8> = raw
                .iter()
                .copied()
                .filter(|&b| b != b'\'' && b != b'"' && b != b'\\')
                .collect();
            let idx = self.heredocs.len();
            self.heredocs.push(HereDoc {
                body: Span::default(),
                quoted,
                strip_tabs,
                parts: Parts::new(),
            });
            self.pending.push((idx, delim));
            Some(idx)
        } else {
            None
        };
        Some(Redir {
            kind,
            target,
            heredoc,
        })
    }

    /// Reads one word: everything up to an unquoted blank or operator.
    fn read_word(&mut self) -> Word {
        let start = self.pos;
        let mut parts = Parts::new();
        if matches!(self.peek(), Some(b'<' | b'>')) && self.byte_at(self.pos + 1) == Some(b'(') {
            self.pos += 2;
            if self.enter() {
                let mut body = Vec::new();
                let saved_bt = self.in_backtick;
                self.in_backtick = false;
                self.parse_list(&mut body, &[")"]);
                self.in_backtick = saved_bt;
                if self.peek() == Some(b')') {
                    self.pos += 1;
                } else {
                    self.error("missing `)`");
                }
                self.leave();
                parts.push(Part::ProcessSub(body, Span::new(start, self.pos)));
            }
        }
        let mut lit = self.pos;
        while let Some(b) = self.peek() {
            match b {
                b'\r' if self.byte_at(self.pos + 1) == Some(b'\n') => break,
                b'`' if self.in_backtick => break,
                _ if is_meta(b) => break,
                b'\\' => {
                    flush_lit(&mut parts, lit, self.pos);
                    match self.byte_at(self.pos + 1) {
                        Some(b'\n') => self.pos += 2,
                        Some(_) => {
                            let ch = self.char_at(self.pos + 1);
                            push_text(&mut parts, ch);
                            self.pos += 1 + ch.len_utf8();
                        }
                        None => self.pos += 1,
                    }
                    lit = self.pos;
                }
                b'\'' => {
                    flush_lit(&mut parts, lit, self.pos);
                    let open = self.pos;
                    match self.s[open + 1..].iter().position(|&b| b == b'\'') {
                        Some(n) => {
                            parts.push(Part::Single(Span::new(open + 1, open + 1 + n)));
                            self.pos = open + n + 2;
                        }
                        None => {
                            self.error("unterminated single quote");
                            parts.push(Part::Single(Span::new(open + 1, self.s.len())));
                            self.pos = self.s.len();
                        }
                    }
                    lit = self.pos;
                }
                b'"' => {
                    flush_lit(&mut parts, lit, self.pos);
                    self.pos += 1;
                    let inner = self.parse_quoted_parts(self.s.len(), false);
                    parts.push(Part::Double(inner));
                    lit = self.pos;
                }
                b'$' => {
                    flush_lit(&mut parts, lit, self.pos);
                    let part = self.parse_dollar(false);
                    parts.push(part);
                    lit = self.pos;
                }
                b'`' => {
                    flush_lit(&mut parts, lit, self.pos);
                    let part = self.parse_backtick();
                    parts.push(part);
                    lit = self.pos;
                }
                _ => {
                    // Bytes that are only text, as many as follow.
                    self.pos += 1;
                    while self.s.get(self.pos).is_some_and(|&b| WORD_TEXT[b as usize]) {
                        self.pos += 1;
                    }
                }
            }
        }
        flush_lit(&mut parts, lit, self.pos);
        Word {
            span: Span::new(start, self.pos),
            parts,
        }
    }

    fn char_at(&self, i: usize) -> char {
        let end = (i + 4).min(self.s.len());
        let chunk = &self.s[i..end];
        let valid = match std::str::from_utf8(chunk) {
            Ok(s) => s,
            Err(e) => std::str::from_utf8(&chunk[..e.valid_up_to()]).unwrap_or(""),
        };
        valid.chars().next().unwrap_or('\u{fffd}')
    }

    /// The inside of `"…"` (after the opening quote; consumes the closing one), or of an
    /// unquoted heredoc body (up to `limit`, where `"` is an ordinary character).
    fn parse_quoted_parts(&mut self, limit: usize, heredoc: bool) -> Vec<Part> {
        let mut parts = Vec::new();
        let mut lit = self.pos;
        // Where the quote opened: what an unterminated quote's error points at.
        let open = self.pos.saturating_sub(1);
        loop {
            if self.pos >= limit {
                flush_lit(&mut parts, lit, limit);
                self.pos = limit;
                if !heredoc {
                    self.error_at(open, "unterminated double quote");
                }
                return parts;
            }
            let b = self.s[self.pos];
            match b {
                b'"' if !heredoc => {
                    flush_lit(&mut parts, lit, self.pos);
                    self.pos += 1;
                    return parts;
                }
                b'\\' => match self.byte_at(self.pos + 1) {
                    Some(b'\n') => {
                        flush_lit(&mut parts, lit, self.pos);
                        self.pos += 2;
                        lit = self.pos;
                    }
                    Some(c @ (b'$' | b'`' | b'\\' | b'"')) if c != b'"' || !heredoc => {
                        flush_lit(&mut parts, lit, self.pos);
                        push_text(&mut parts, c as char);
                        self.pos += 2;
                        lit = self.pos;
                    }
                    _ => self.pos += 1,
                },
                b'$' => {
                    flush_lit(&mut parts, lit, self.pos);
                    let part = self.parse_dollar(true);
                    parts.push(part);
                    lit = self.pos;
                }
                b'`' if !self.in_backtick || heredoc => {
                    flush_lit(&mut parts, lit, self.pos);
                    let part = self.parse_backtick();
                    parts.push(part);
                    lit = self.pos;
                }
                _ => self.pos += 1,
            }
        }
    }

    /// An expansion starting with `$` at the current position.
    fn parse_dollar(&mut self, quoted: bool) -> Part {
        let start = self.pos;
        match self.byte_at(start + 1) {
            Some(b'(') if self.byte_at(start + 2) == Some(b'(') => {
                let end = self.matching_close(start + 1, b'(', b')');
                self.pos = end;
                Part::Arith(Span::new(start, end))
            }
            Some(b'(') if self.tekton_ref_at(start + 2) => {
                let end = self.tekton_ref_end(start + 2, b')');
                self.pos = end;
                Part::Tekton(Span::new(start, end))
            }
            Some(b'(') => {
                self.pos = start + 2;
                if !self.enter() {
                    return Part::Lit(Span::new(start, start));
                }
                let mut body = Vec::new();
                let saved_bt = self.in_backtick;
                let saved_cond = self.cond;
                self.in_backtick = false;
                self.parse_list(&mut body, &[")"]);
                self.in_backtick = saved_bt;
                self.cond = saved_cond;
                if self.peek() == Some(b')') {
                    self.pos += 1;
                } else {
                    self.error("missing `)` of command substitution");
                }
                self.leave();
                Part::CommandSub(body, Span::new(start, self.pos))
            }
            Some(b'{') => self.parse_brace_param(),
            Some(b'\'') if !quoted => {
                self.pos = start + 2;
                let text = self.read_ansi_c();
                Part::Text(text)
            }
            Some(b'"') if !quoted => {
                self.pos = start + 2;
                Part::Double(self.parse_quoted_parts(self.s.len(), false))
            }
            Some(b) if is_name_start(b) => {
                let mut i = start + 1;
                while self.byte_at(i).is_some_and(is_name_char) {
                    i += 1;
                }
                self.pos = i;
                let name = text(&self.s[start + 1..i]);
                Part::Param(Box::new(Param {
                    name: ParamName::Named(name),
                    index: None,
                    op: ParamOp::None,
                    span: Span::new(start, i),
                }))
            }
            Some(b)
                if b.is_ascii_digit()
                    || matches!(b, b'@' | b'*' | b'#' | b'?' | b'$' | b'!' | b'-') =>
            {
                self.pos = start + 2;
                let name = match b {
                    b'@' => ParamName::At,
                    b'*' => ParamName::Star,
                    b'0' => ParamName::Special(b'0'),
                    b'1'..=b'9' => ParamName::Positional((b - b'0') as u32),
                    other => ParamName::Special(other),
                };
                Part::Param(Box::new(Param {
                    name,
                    index: None,
                    op: ParamOp::None,
                    span: Span::new(start, start + 2),
                }))
            }
            _ => {
                self.pos = start + 1;
                Part::Lit(Span::new(start, start + 1))
            }
        }
    }

    /// Whether `$(` is followed by a Tekton reference such as `params.X` or `workspaces.w.path`.
    fn tekton_ref_at(&self, mut i: usize) -> bool {
        while self.byte_at(i) == Some(b' ') {
            i += 1;
        }
        let rest = &self.s[i.min(self.s.len())..];
        TEKTON_ROOTS.iter().any(|root| {
            rest.starts_with(root) && matches!(rest.get(root.len()), Some(b'.') | Some(b'['))
        })
    }

    /// End (exclusive) of a Tekton reference whose body starts at `i`, closed by `close`.
    fn tekton_ref_end(&mut self, mut i: usize, close: u8) -> usize {
        let mut quote: Option<u8> = None;
        while let Some(b) = self.byte_at(i) {
            match (quote, b) {
                (Some(q), _) if b == q => quote = None,
                (Some(_), _) => {}
                (None, b'"' | b'\'') => quote = Some(b),
                (None, b'\n') => break,
                (None, _) if b == close => return i + 1,
                _ => {}
            }
            i += 1;
        }
        self.error("unterminated Tekton reference");
        i
    }

    /// Index just past the bracket closing the one at `open`.
    fn matching_close(&mut self, open: usize, o: u8, c: u8) -> usize {
        let mut depth = 0usize;
        let mut i = open;
        while let Some(b) = self.byte_at(i) {
            if b == o {
                depth += 1;
            } else if b == c {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            i += 1;
        }
        self.error("unbalanced parentheses");
        self.s.len()
    }

    /// `${…}` at the current position.
    fn parse_brace_param(&mut self) -> Part {
        let start = self.pos;
        let mut i = start + 2;
        if !self.enter() {
            return Part::Lit(Span::new(start, start));
        }
        // `${#x}` (length) and `${!x}` (indirection) transform the value.
        let mut transform = false;
        if matches!(self.byte_at(i), Some(b'#') | Some(b'!'))
            && self
                .byte_at(i + 1)
                .is_some_and(|b| is_name_char(b) || b == b'@' || b == b'*')
        {
            transform = true;
            i += 1;
        }
        let name_start = i;
        let name = match self.byte_at(i) {
            Some(b) if is_name_start(b) => {
                while self.byte_at(i).is_some_and(is_name_char) {
                    i += 1;
                }
                // `${inputs.params.X}`: the old Tekton brace syntax.
                if self.byte_at(i) == Some(b'.') {
                    let end = self.tekton_ref_end(i, b'}');
                    self.pos = end;
                    self.leave();
                    return Part::Tekton(Span::new(start, end));
                }
                ParamName::Named(text(&self.s[name_start..i]))
            }
            Some(b) if b.is_ascii_digit() => {
                let mut n: u32 = 0;
                while let Some(d) = self.byte_at(i).filter(u8::is_ascii_digit) {
                    n = n.saturating_mul(10).saturating_add((d - b'0') as u32);
                    i += 1;
                }
                if n == 0 {
                    ParamName::Special(b'0')
                } else {
                    ParamName::Positional(n)
                }
            }
            Some(b'@') => {
                i += 1;
                ParamName::At
            }
            Some(b'*') => {
                i += 1;
                ParamName::Star
            }
            Some(b @ (b'#' | b'?' | b'$' | b'!' | b'-')) => {
                i += 1;
                ParamName::Special(b)
            }
            _ => {
                self.error("bad substitution");
                ParamName::Special(b'?')
            }
        };
        let mut index = None;
        if self.byte_at(i) == Some(b'[') {
            let close = self.matching_close(i, b'[', b']');
            let inner = Span::new(i + 1, close.saturating_sub(1));
            let text = inner.text_bytes(self.s);
            index = Some(if text == b"@" || text == b"*" {
                ParamIndex::All
            } else {
                ParamIndex::Element(inner)
            });
            i = close;
        }
        self.pos = i;
        let op = match self.peek() {
            Some(b'}') => {
                self.pos += 1;
                ParamOp::None
            }
            _ => {
                let rest = &self.s[self.pos..];
                let (kind, len) = if rest.starts_with(b":-") || rest.starts_with(b":=") {
                    (1, 2)
                } else if rest.starts_with(b"-") || rest.starts_with(b"=") {
                    (1, 1)
                } else if rest.starts_with(b":+") {
                    (2, 2)
                } else if rest.starts_with(b"+") {
                    (2, 1)
                } else if rest.starts_with(b":?") {
                    (4, 2)
                } else if rest.starts_with(b"?") {
                    (4, 1)
                } else {
                    (3, 0)
                };
                self.pos += len;
                let word = self.parse_brace_word();
                match kind {
                    _ if transform => ParamOp::Transform,
                    1 => ParamOp::Default(word),
                    2 => ParamOp::Alternative(word),
                    // `${x:?message}` is x (or an error when unset).
                    4 => ParamOp::None,
                    _ => ParamOp::Transform,
                }
            }
        };
        let op = if transform { ParamOp::Transform } else { op };
        self.leave();
        Part::Param(Box::new(Param {
            name,
            index,
            op,
            span: Span::new(start, self.pos),
        }))
    }

    /// The word inside `${x:-word}` up to the closing brace (consumed).
    fn parse_brace_word(&mut self) -> Vec<Part> {
        let mut parts = Vec::new();
        let mut lit = self.pos;
        let mut depth = 0usize;
        while let Some(b) = self.peek() {
            match b {
                b'}' if depth == 0 => {
                    flush_lit(&mut parts, lit, self.pos);
                    self.pos += 1;
                    return parts;
                }
                b'}' => {
                    depth -= 1;
                    self.pos += 1;
                }
                b'{' => {
                    depth += 1;
                    self.pos += 1;
                }
                b'\\' => {
                    flush_lit(&mut parts, lit, self.pos);
                    if self.byte_at(self.pos + 1).is_some() {
                        let ch = self.char_at(self.pos + 1);
                        push_text(&mut parts, ch);
                        self.pos += 1 + ch.len_utf8();
                    } else {
                        self.pos += 1;
                    }
                    lit = self.pos;
                }
                b'\'' => {
                    flush_lit(&mut parts, lit, self.pos);
                    let open = self.pos;
                    let n = self.s[open + 1..]
                        .iter()
                        .position(|&b| b == b'\'')
                        .unwrap_or(self.s.len() - open - 1);
                    parts.push(Part::Single(Span::new(open + 1, open + 1 + n)));
                    self.pos = (open + n + 2).min(self.s.len());
                    lit = self.pos;
                }
                b'"' => {
                    flush_lit(&mut parts, lit, self.pos);
                    self.pos += 1;
                    let inner = self.parse_quoted_parts(self.s.len(), false);
                    parts.push(Part::Double(inner));
                    lit = self.pos;
                }
                b'$' => {
                    flush_lit(&mut parts, lit, self.pos);
                    let part = self.parse_dollar(false);
                    parts.push(part);
                    lit = self.pos;
                }
                b'`' => {
                    flush_lit(&mut parts, lit, self.pos);
                    let part = self.parse_backtick();
                    parts.push(part);
                    lit = self.pos;
                }
                _ => self.pos += 1,
            }
        }
        self.error("missing `}` of parameter expansion");
        flush_lit(&mut parts, lit, self.pos);
        parts
    }

    /// `` `…` `` at the current position.
    fn parse_backtick(&mut self) -> Part {
        let start = self.pos;
        self.pos += 1;
        if !self.enter() {
            return Part::Lit(Span::new(start, start));
        }
        let saved_bt = self.in_backtick;
        let saved_cond = self.cond;
        self.in_backtick = true;
        let mut body = Vec::new();
        self.parse_list(&mut body, &["`"]);
        self.in_backtick = saved_bt;
        self.cond = saved_cond;
        if self.peek() == Some(b'`') {
            self.pos += 1;
        } else {
            self.error("unterminated backquote");
        }
        self.leave();
        Part::CommandSub(body, Span::new(start, self.pos))
    }

    /// The body of `$'…'` with its escapes resolved (after `$'`; consumes the closing quote).
    fn read_ansi_c(&mut self) -> String {
        let mut out = String::new();
        while let Some(b) = self.peek() {
            match b {
                b'\'' => {
                    self.pos += 1;
                    return out;
                }
                b'\\' => {
                    let esc = self.byte_at(self.pos + 1);
                    self.pos += 2;
                    match esc {
                        Some(b'n') => out.push('\n'),
                        Some(b't') => out.push('\t'),
                        Some(b'r') => out.push('\r'),
                        Some(b'e' | b'E') => out.push('\u{1b}'),
                        Some(b'a') => out.push('\u{7}'),
                        Some(b'0') => out.push('\0'),
                        Some(b'x') => {
                            let mut v = 0u32;
                            let mut n = 0;
                            while n < 2 {
                                match self.peek().and_then(|h| (h as char).to_digit(16)) {
                                    Some(d) => {
                                        v = v * 16 + d;
                                        self.pos += 1;
                                        n += 1;
                                    }
                                    None => break,
                                }
                            }
                            out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                        }
                        Some(c) => {
                            if !matches!(c, b'\\' | b'\'' | b'"' | b'?') {
                                out.push('\\');
                            }
                            self.pos -= 1;
                            let ch = self.char_at(self.pos);
                            out.push(ch);
                            self.pos += ch.len_utf8();
                        }
                        None => {}
                    }
                }
                _ => {
                    let ch = self.char_at(self.pos);
                    out.push(ch);
                    self.pos += ch.len_utf8().max(1);
                }
            }
        }
        self.error("unterminated $'…' string");
        out
    }
}

fn is_declaration(word: &[u8]) -> bool {
    matches!(
        word,
        b"export" | b"local" | b"declare" | b"typeset" | b"readonly"
    )
}

/// A word's parts ([`Parts`]) or a quoted string's (`Vec<Part>`).
trait PartList {
    fn push_part(&mut self, part: Part);
    fn last_part(&mut self) -> Option<&mut Part>;
}

impl PartList for Vec<Part> {
    fn push_part(&mut self, part: Part) {
        self.push(part);
    }
    fn last_part(&mut self) -> Option<&mut Part> {
        self.last_mut()
    }
}

impl PartList for Parts {
    fn push_part(&mut self, part: Part) {
        self.push(part);
    }
    fn last_part(&mut self) -> Option<&mut Part> {
        self.last_mut()
    }
}

fn flush_lit(parts: &mut impl PartList, start: usize, end: usize) {
    if end > start {
        parts.push_part(Part::Lit(Span::new(start, end)));
    }
}

fn push_text(parts: &mut impl PartList, ch: char) {
    if let Some(Part::Text(t)) = parts.last_part() {
        t.push(ch);
    } else {
        parts.push_part(Part::Text(ch.to_string()));
    }
}
