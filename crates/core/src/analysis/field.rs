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
