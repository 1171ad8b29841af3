//! The syntax tree the shell parser produces.
//!
//! It keeps only what the buildah analysis needs: simple commands in source order (with the
//! words, assignments and redirections they carry), function definitions, and a flag telling
//! whether a command runs only conditionally. Compound commands (`if`, loops, `case`, groups,
//! subshells) are flattened into their inner statements. Every piece of text is a byte span of
//! the parsed source, so positions survive into findings.

/// A byte range `[start, end)` of the parsed source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    pub fn text(self, src: &str) -> &str {
        src.get(self.start as usize..self.end as usize)
            .unwrap_or("")
    }

    pub fn text_bytes(self, s: &[u8]) -> &[u8] {
        s.get(self.start as usize..self.end as usize).unwrap_or(&[])
    }

    pub fn is_empty(self) -> bool {
        self.end <= self.start
    }
}

/// A parsed script: its statements, the heredoc bodies they refer to, and syntax errors.
#[derive(Debug, Default)]
pub struct Script {
    pub body: Vec<Stmt>,
    pub heredocs: Vec<HereDoc>,
    pub errors: Vec<ParseError>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset in the parsed source.
    pub offset: u32,
    pub message: &'static str,
}

#[derive(Debug)]
pub enum Stmt {
    Simple(Simple),
    Function(Function),
}

#[derive(Debug)]
pub struct Function {
    pub name: String,
    pub body: Vec<Stmt>,
    pub span: Span,
}

/// What a simple statement is. Only `Command` runs a program; the others carry words that are
/// expanded (and may hold command substitutions) but name no command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimpleKind {
    Command,
    /// `for NAME in WORDS` / `select NAME in WORDS`: assigns NAME on each turn.
    ForHeader,
    /// `case WORD in` and the patterns of its arms.
    CaseWords,
    /// `[[ … ]]`.
    Test,
}

#[derive(Debug)]
pub struct Simple {
    pub kind: SimpleKind,
    pub assigns: Vec<Assign>,
    pub words: Vec<Word>,
    pub redirs: Vec<Redir>,
    /// Runs only on some paths: inside a branch, loop body or `case` arm, or after `&&`/`||`.
    pub conditional: bool,
    /// Standard input comes from the previous command of a pipeline.
    pub piped_input: bool,
    /// Standard output goes into a pipe (this command, or one inside a compound command,
    /// before `|`).
    pub piped_output: bool,
    pub span: Span,
}

#[derive(Debug)]
pub struct Assign {
    pub name: String,
    pub append: bool,
    /// `NAME[i]=…`: one element of an array.
    pub indexed: bool,
    pub value: AssignValue,
    pub span: Span,
}

#[derive(Debug)]
pub enum AssignValue {
    Scalar(Word),
    Array(Vec<Word>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirKind {
    /// `<`
    Input,
    /// `>`, `>|`, `&>`, `<>`
    Output,
    /// `>>`, `&>>`
    Append,
    /// `>&`, `<&`
    Dup,
    /// `<<`, `<<-`
    HereDoc,
    /// `<<<`
    HereString,
}

#[derive(Debug)]
pub struct Redir {
    pub kind: RedirKind,
    /// The target word (file, descriptor, heredoc delimiter or here-string).
    pub target: Word,
    /// Index into [`Script::heredocs`] for `<<` redirections.
    pub heredoc: Option<usize>,
}

#[derive(Debug, Default)]
pub struct HereDoc {
    /// The body, without the delimiter line.
    pub body: Span,
    /// A quoted delimiter (`<<'EOF'`) keeps the body literal; otherwise it is expanded.
    pub quoted: bool,
    /// `<<-`: leading tabs are stripped from each line.
    pub strip_tabs: bool,
    /// Expansions found in an unquoted body (command substitutions run when it is read).
    pub parts: Parts,
}

#[derive(Debug)]
pub struct Word {
    pub span: Span,
    pub parts: Parts,
}

/// The parts of a word: nearly always one, kept inline.
pub type Parts = smallvec::SmallVec<[Part; 1]>;

#[derive(Debug)]
pub enum Part {
    /// Literal text, exactly as written (no backslashes to process).
    Lit(Span),
    /// Literal text whose backslash escapes were resolved while parsing.
    Text(String),
    /// The body of `'…'`.
    Single(Span),
    /// `"…"`: its parts are quoted (not split into fields).
    Double(Vec<Part>),
    Param(Box<Param>),
    /// `$(…)` or `` `…` ``.
    CommandSub(Vec<Stmt>, Span),
    /// `<(…)` or `>(…)`.
    ProcessSub(Vec<Stmt>, Span),
    /// A Tekton reference such as `$(params.IMAGE)` or `$(workspaces.source.path)`: Tekton
    /// replaces it before the shell runs, so it is a value, not a command substitution.
    Tekton(Span),
    /// `$((…))`.
    Arith(Span),
}

#[derive(Debug)]
pub struct Param {
    pub name: ParamName,
    /// `${a[@]}` / `${a[*]}`: every element; `${a[0]}`: one element.
    pub index: Option<ParamIndex>,
    pub op: ParamOp,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamName {
    Named(String),
    /// `$1` … `${10}`.
    Positional(u32),
    /// `$@`
    At,
    /// `$*`
    Star,
    /// `$#`, `$?`, `$$`, `$!`, `$-`, `$0`.
    Special(u8),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamIndex {
    All,
    Element(Span),
}

#[derive(Debug)]
pub enum ParamOp {
    None,
    /// `${x:-word}` / `${x-word}`: the word when x is unset (or empty).
    Default(Vec<Part>),
    /// `${x:+word}` / `${x+word}`: the word when x is set.
    Alternative(Vec<Part>),
    /// Anything that transforms the value (`${#x}`, `${x%…}`, `${x/…}`, `${!x}`, …).
    Transform,
}
