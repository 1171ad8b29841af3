//! Reading Tekton YAML files: every document of a stream as a JSON value (what the API
//! server and the policy see), keeping where each document starts.

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};
use serde_json::{Map, Number, Value};

/// Deepest nesting converted; deeper documents are refused rather than risking the stack.
const MAX_DEPTH: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based line and column.
    pub line: u32,
    pub col: u32,
    pub message: String,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {} column {}: {}",
            self.line, self.col, self.message
        )
    }
}

#[derive(Debug, Clone)]
pub struct Document {
    pub value: Value,
    /// 1-based line where the document's content starts.
    pub line: u32,
}

/// Every non-empty document of a YAML stream.
pub fn load(text: &str) -> Result<Vec<Document>, YamlError> {
    let docs = MarkedYaml::load_from_str(text).map_err(|e| YamlError {
        line: e.marker().line() as u32,
        col: e.marker().col() as u32 + 1,
        message: e.info().to_string(),
    })?;
    let mut out = Vec::with_capacity(docs.len());
    for doc in &docs {
        let value = convert(doc, 0)?;
        if value.is_null() {
            continue;
        }
        out.push(Document {
            value,
            line: doc.span.start.line() as u32,
        });
    }
    Ok(out)
}

fn error_at(node: &MarkedYaml<'_>, message: impl Into<String>) -> YamlError {
    YamlError {
        line: node.span.start.line() as u32,
        col: node.span.start.col() as u32 + 1,
        message: message.into(),
    }
}

fn convert(node: &MarkedYaml<'_>, depth: usize) -> Result<Value, YamlError> {
    if depth > MAX_DEPTH {
        return Err(error_at(node, "nested too deeply"));
    }
    Ok(match &node.data {
        YamlData::Value(s) => scalar(s),
        YamlData::Representation(text, _, _) => Value::String(text.to_string()),
        YamlData::Sequence(items) => Value::Array(
            items
                .iter()
                .map(|i| convert(i, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        YamlData::Mapping(map) => {
            let mut obj = Map::with_capacity(map.len());
            for (k, v) in map {
                let key = match &k.data {
                    YamlData::Value(Scalar::String(s)) => s.to_string(),
                    YamlData::Value(Scalar::Null) => "null".to_string(),
                    YamlData::Value(s) => match scalar(s) {
                        Value::String(s) => s,
                        other => other.to_string(),
                    },
                    YamlData::Representation(text, _, _) => text.to_string(),
                    _ => return Err(error_at(k, "a mapping key must be a plain value")),
                };
                obj.insert(key, convert(v, depth + 1)?);
            }
            Value::Object(obj)
        }
        YamlData::Tagged(_, inner) => convert(inner, depth + 1)?,
        YamlData::Alias(_) => return Err(error_at(node, "unresolved alias")),
        YamlData::BadValue => return Err(error_at(node, "invalid value")),
    })
}

fn scalar(s: &Scalar<'_>) -> Value {
    match s {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::Number((*i).into()),
        Scalar::FloatingPoint(f) => {
            Number::from_f64(f.into_inner()).map_or(Value::Null, Value::Number)
        }
        Scalar::String(s) => Value::String(s.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_document() {
        let docs = load("---\na: 1\n---\n# only a comment\n---\nb: [x, 'y']\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].value, serde_json::json!({"a": 1}));
        assert_eq!(docs[1].value, serde_json::json!({"b": ["x", "y"]}));
        assert_eq!(docs[1].line, 6);
    }

    #[test]
    fn block_scalars_keep_their_text() {
        let docs = load("script: |\n  #!/bin/sh\n  buildah bud .\n").unwrap();
        assert_eq!(docs[0].value["script"], "#!/bin/sh\nbuildah bud .\n");
    }

    #[test]
    fn invalid_yaml_reports_its_line() {
        let err = load("a: 1\nb: {{x}}\n").unwrap_err();
        assert_eq!(err.line, 2, "{err}");
    }
}
