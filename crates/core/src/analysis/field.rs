//! Arguments as a program receives them, with where they were written.

use crate::shell::Span;

/// Which string of the container a position refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    Script,
    Command(u32),
    Args(u32),
}

impl Source {
    /// The field's path below the container, e.g. `script` or `args[2]`.
    pub fn suffix(self) -> String {
        match self {
            Source::Script => "script".to_string(),
            Source::Command(i) => format!("command[{i}]"),
            Source::Args(i) => format!("args[{i}]"),
        }
    }
}

/// A quoting level around shell text that the shell parses again: `sh -c '…'`, `eval "…"`, a
/// heredoc fed to a shell, a command string written as an unquoted word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    Word,
    Single,
    Double,
    HereDoc,
}

/// The quoting levels around a piece of shell text inside its field, outermost first: what
/// text inserted there must be escaped through to reach the inner shell unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Layers {
    /// Three bits per level, the outermost lowest.
    bits: u32,
    len: u8,
}

impl Layers {
    /// Most levels kept; deeper text is never edited.
    const MAX: u8 = 10;

    /// These levels with `layer` inside them (past [`Layers::MAX`], none can be used).
    pub fn with(self, layer: Layer) -> Layers {
        if self.len >= Layers::MAX {
            return Layers {
                bits: self.bits,
                len: u8::MAX,
            };
        }
        let code = match layer {
            Layer::Word => 1,
            Layer::Single => 2,
            Layer::Double => 3,
            Layer::HereDoc => 4,
        };
        Layers {
            bits: self.bits | code << (3 * u32::from(self.len)),
            len: self.len + 1,
        }
    }

    /// The levels, outermost first; `None` when there were too many to keep.
    pub fn levels(self) -> Option<impl Iterator<Item = Layer>> {
        (self.len <= Layers::MAX).then(|| {
            (0..u32::from(self.len)).map(move |i| match (self.bits >> (3 * i)) & 7 {
                1 => Layer::Word,
                2 => Layer::Single,
                3 => Layer::Double,
                _ => Layer::HereDoc,
            })
        })
    }
}

/// A position: a byte range inside one of the container's strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Loc {
    pub source: Source,
    pub span: Span,
}

/// One argument after expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The argument's text. Parts that are only known at run time keep the form they were
    /// written in (`$IMAGE`, `$(workspaces.source.path)`), so two fields built from the same
    /// unknown value compare equal.
    pub text: String,
    /// `text` is exactly what the program receives.
    pub exact: bool,
    /// An unquoted expansion of an unknown value: it may stand for any number of arguments,
    /// including none, so options can hide in it.
    pub multi: bool,
    /// The value was set inside a branch, loop or `&&`/`||` tail: it is not there on every path.
    pub conditional: bool,
    pub loc: Loc,
    /// The reference its value came from, when it was not written literally
    /// (`$(params.FORMAT)`, `${FMT}`), for messages.
    pub from: Option<String>,
}

impl Field {
    /// Moves the field out, leaving its text and origin empty.
    pub fn take(&mut self) -> Field {
        Field {
            text: std::mem::take(&mut self.text),
            from: self.from.take(),
            ..*self
        }
    }
}

impl Field {
    pub fn literal(text: &str, loc: Loc) -> Field {
        Field {
            text: text.to_string(),
            exact: true,
            multi: false,
            conditional: false,
            loc,
            from: None,
        }
    }
}
