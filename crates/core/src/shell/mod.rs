//! Shell scripts as Tekton steps carry them: parsing ([`parser`]) into a small syntax tree
//! ([`ast`]).

pub mod ast;
pub mod parser;

pub use ast::*;
pub use parser::{MAX_DEPTH, parse};
