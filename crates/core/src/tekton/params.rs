//! Task parameters and the Tekton references (`$(params.X)`, `$(workspaces.w.path)`, …) that
//! use them.
//!
//! The policy checks a Task as it runs with its declared defaults: `--format=$(params.FORMAT)`
//! with `FORMAT` defaulting to `oci` is `--format=oci`. A parameter without a default (or a
//! reference to something only known at run time) stays unresolved.

use super::{Reader, describe, field_path, index_path};
use crate::json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamDefault<'v> {
    None,
    String(&'v str),
    /// A number or boolean default: Tekton reads it as its text (`8080` is `"8080"`).
    Scalar(String),
    Array(Vec<&'v str>),
    Object(&'v Map<'v>),
}

#[derive(Debug, Clone, Default)]
pub struct Params<'v> {
    pub decls: Vec<(&'v str, ParamDefault<'v>)>,
}

impl<'v> Params<'v> {
    pub fn get(&self, name: &str) -> Option<&ParamDefault<'v>> {
        self.decls.iter().find(|(n, _)| *n == name).map(|(_, d)| d)
    }
}

/// What a Tekton reference stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TektonRef<'v> {
    /// A parameter with a string default (or one element / key of one).
    Value(&'v str),
    /// `$(params.A[*])` of an array parameter with a default.
    Array(Vec<&'v str>),
    /// `$(workspaces.NAME.path)`.
    WorkspacePath(String),
    /// Known only when the task runs (a parameter without default, a result path, context).
    Unknown,
}

/// Resolves the text of a reference such as `$(params.IMAGE)`, `$(params["a.b"])`,
/// `$(params.ARGS[*])`, `$(inputs.params.X)` or `${inputs.params.X}`.
pub fn resolve_ref<'p>(text: &str, params: &'p Params<'_>) -> TektonRef<'p> {
    let body = text
        .strip_prefix("$(")
        .and_then(|t| t.strip_suffix(')'))
        .or_else(|| text.strip_prefix("${").and_then(|t| t.strip_suffix('}')))
        .unwrap_or(text)
        .trim();
    if let Some(rest) = body.strip_prefix("workspaces.") {
        return match rest.strip_suffix(".path") {
            Some(name) if !name.contains('.') => TektonRef::WorkspacePath(name.to_string()),
            _ => TektonRef::Unknown,
        };
    }
    let rest = body
        .strip_prefix("params")
        .or_else(|| body.strip_prefix("inputs.params"));
    let Some(rest) = rest else {
        return TektonRef::Unknown;
    };
    let (name, tail) = if let Some(r) = rest.strip_prefix('.') {
        let end = r.find(['.', '[']).unwrap_or(r.len());
        (&r[..end], &r[end..])
    } else if let Some(r) = rest.strip_prefix('[') {
        let quote = r.chars().next();
        match quote {
            Some(q @ ('"' | '\'')) => {
                let inner = &r[1..];
                match inner.find(q) {
                    Some(end) => {
                        let after = &inner[end + 1..];
                        (&inner[..end], after.strip_prefix(']').unwrap_or(after))
                    }
                    None => return TektonRef::Unknown,
                }
            }
            _ => return TektonRef::Unknown,
        }
    } else {
        return TektonRef::Unknown;
    };
    let Some(default) = params.get(name) else {
        return TektonRef::Unknown;
    };
    match (default, tail) {
        (ParamDefault::String(s), "") => TektonRef::Value(s),
        (ParamDefault::Scalar(s), "") => TektonRef::Value(s),
        (ParamDefault::Array(items), "[*]") => TektonRef::Array(items.clone()),
        (ParamDefault::Array(items), t) => {
            let idx = t
                .strip_prefix('[')
                .and_then(|t| t.strip_suffix(']'))
                .and_then(|i| i.parse::<usize>().ok());
            match idx.and_then(|i| items.get(i)) {
                Some(s) => TektonRef::Value(s),
                None => TektonRef::Unknown,
            }
        }
        (ParamDefault::Object(map), t) => match t.strip_prefix('.') {
            Some(key) => match map.get(key) {
                Some(Value::String(s)) => TektonRef::Value(s),
                _ => TektonRef::Unknown,
            },
            None => TektonRef::Unknown,
        },
        _ => TektonRef::Unknown,
    }
}

impl<'v> Reader<'v> {
    pub(super) fn params(&mut self, spec: &'v Map<'v>, path: &str) -> Params<'v> {
        let list_path = || field_path(path, "params");
        let Some(list) = self.list_field(spec, "params", list_path) else {
            return Params::default();
        };
        let mut decls = Vec::with_capacity(list.len());
        for (i, p) in list.iter().enumerate() {
            let p_path = || index_path(&list_path(), i);
            let Some(p) = p.as_object() else {
                self.problem(
                    &p_path(),
                    format!("expected an object, found {}", describe(p)),
                );
                continue;
            };
            let Some(Value::String(name)) = p.get("name") else {
                self.problem(&p_path(), "a parameter needs a `name` string".into());
                continue;
            };
            let default = match p.get("default") {
                None | Some(Value::Null) => ParamDefault::None,
                Some(Value::String(s)) => ParamDefault::String(s),
                Some(Value::Array(items)) => {
                    let strings: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
                    match strings {
                        Some(s) => ParamDefault::Array(s),
                        None => {
                            self.problem(
                                &field_path(&p_path(), "default"),
                                "expected a list of strings".into(),
                            );
                            ParamDefault::None
                        }
                    }
                }
                Some(Value::Object(m)) => ParamDefault::Object(m),
                // Tekton reads a number or boolean default as its text (serde_json's).
                Some(Value::Bool(b)) => ParamDefault::Scalar(b.to_string()),
                Some(Value::Number(n)) => ParamDefault::Scalar(n.to_string()),
            };
            decls.push((name.as_ref(), default));
        }
        Params { decls }
    }
}
