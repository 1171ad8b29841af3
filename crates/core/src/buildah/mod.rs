//! buildah's command line: the option table ([`table`]) and reading one invocation
//! ([`call`]).

pub mod call;
pub mod env;
pub mod table;
