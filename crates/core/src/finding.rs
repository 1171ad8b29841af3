//! A finding: which rule, how severe, where (a logical path, optionally a byte range inside
//! the string at that path) and what to change.

use crate::fix::Fix;
use crate::refs::RefKey;
use crate::rules::{Level, RuleId};
use crate::shell::Span;
use std::fmt;

/// Another place a finding concerns: where, in a Task a run refers to, the path that lands on
/// the run's binding is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    /// The object it is in (`None`: the checked one).
    pub object: Option<RefKey>,
    pub path: String,
    pub span: Option<Span>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: RuleId,
    pub level: Level,
    /// What the finding is about, readable without a line number:
    /// `step "build" (spec.steps[0])`.
    pub subject: String,
    /// Logical path of the offending field, e.g. `spec.steps[0].script` or
    /// `spec.steps[0].securityContext.privileged`.
    pub path: String,
    /// Byte range inside the string at `path` (a token in a script or an argument).
    pub span: Option<Span>,
    /// What is wrong and what is expected.
    pub message: String,
    /// The object `path` is in, when it is not the checked one but an object it refers to
    /// (a Task a run names): the CLI reports those at that object's own file.
    pub object: Option<RefKey>,
    /// Where else the finding points (see [`Related`]).
    pub related: Option<Box<Related>>,
    /// Document order: (task spec, container, offset) — keeps output in reading order.
    pub(crate) order: (u32, u32, u32),
    /// How to fix it, for the rules that know (only built with the feature `fix`).
    pub fix: Option<Box<Fix>>,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}: {}", self.rule.id(), self.subject, self.message)
    }
}

impl Finding {
    pub(crate) fn sort_key(&self) -> impl Ord + '_ {
        (
            self.order,
            self.rule,
            self.path.as_str(),
            self.message.as_str(),
        )
    }
}
