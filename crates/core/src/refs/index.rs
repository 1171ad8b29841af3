//! An index of objects at hand, for the adapters that have them all: the CLI (every document
//! of every file it reads) and the playground (every document of the text).

use super::{Failure, RefKey, RefKind, Resolver};
use crate::json::Value;
use std::borrow::Cow;

/// Objects by kind, namespace and name.
#[derive(Debug, Default)]
pub struct Index<'v> {
    entries: Vec<Entry<'v>>,
    place: &'static str,
}

#[derive(Debug)]
struct Entry<'v> {
    kind: RefKind,
    namespace: Option<&'v str>,
    name: &'v str,
    value: &'v Value<'v>,
}

impl<'v> Index<'v> {
    /// An empty index; `place` says where it looked, for messages (`among the linted files`).
    pub fn new(place: &'static str) -> Index<'v> {
        Index {
            entries: Vec::new(),
            place,
        }
    }

    /// Adds an object when it is one a reference can name (a Tekton Task, ClusterTask,
    /// Pipeline or StepAction with a name); returns whether it was added.
    pub fn add(&mut self, value: &'v Value<'v>) -> bool {
        let Some(key) = indexable(value) else {
            return false;
        };
        self.entries.push(Entry {
            kind: key.0,
            namespace: key.1,
            name: key.2,
            value,
        });
        true
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The kind, namespace and name under which an object can be referred to.
pub fn indexable<'v>(value: &'v Value<'v>) -> Option<(RefKind, Option<&'v str>, &'v str)> {
    let api = value.get("apiVersion").and_then(Value::as_str)?;
    if !api.starts_with("tekton.dev/") {
        return None;
    }
    let kind = match value.get("kind").and_then(Value::as_str)? {
        "Task" => RefKind::Task,
        "ClusterTask" => RefKind::ClusterTask,
        "Pipeline" => RefKind::Pipeline,
        "StepAction" => RefKind::StepAction,
        _ => return None,
    };
    let metadata = value.get("metadata")?;
    let name = metadata.get("name").and_then(Value::as_str)?;
    let namespace = super::namespace_of(value);
    Some((kind, namespace, name))
}

impl<'v> Resolver<'v> for Index<'v> {
    /// The object of that kind and name in the key's namespace; else one written without a
    /// namespace (it takes the namespace of whoever applies it); a key without namespace
    /// takes any, when only one namespace has such an object.
    fn resolve(&self, key: &RefKey) -> Result<Cow<'v, Value<'v>>, Failure> {
        let same = |e: &&Entry<'v>| e.kind == key.kind && e.name == key.name;
        let found = match key.namespace.as_deref() {
            Some(ns) => self
                .entries
                .iter()
                .filter(same)
                .find(|e| e.namespace == Some(ns))
                .or_else(|| {
                    self.entries
                        .iter()
                        .filter(same)
                        .find(|e| e.namespace.is_none())
                }),
            None => {
                let mut all = self.entries.iter().filter(same);
                let first = all.next();
                match first {
                    Some(f) if all.all(|e| e.namespace == f.namespace) => Some(f),
                    Some(_) => {
                        return Err(Failure::Error(format!(
                            "several {}s named `{}` in different namespaces, and the run names none",
                            key.kind.as_str(),
                            key.name
                        )));
                    }
                    None => None,
                }
            }
        };
        found
            .map(|e| Cow::Borrowed(e.value))
            .ok_or(Failure::NotFound)
    }

    fn place(&self) -> &'static str {
        self.place
    }
}
