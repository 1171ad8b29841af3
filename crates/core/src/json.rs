//! A JSON document that borrows its text from the bytes it was read from.
//!
//! policy-server gives the policy a fresh instance for every admission request, so reading the
//! request is paid for every time. `serde_json::Value` costs a tree node per object entry and
//! an allocation per string; here an object is one vector of entries in document order and a
//! string without escapes is a slice of the request. The rules only look fields up and walk
//! lists, which is all this type offers, with the accessor names of `serde_json::Value`.
//!
//! What a reader observes is what `serde_json::Value` gives (the rules' output must not depend
//! on which of the two an object arrived as): a key written twice has its last value, and
//! iterating an object yields each key once, in sorted order (serde_json's `Map` is a
//! `BTreeMap`). Lookups scan the entries from the end, so duplicates cost nothing until someone
//! iterates.

mod read;

pub use read::Reader;

/// Where the first byte a JSON string cannot hold as it is (`"`, `\` or a control character)
/// is, found eight bytes at a time: what a reader stops at inside a string, and what a writer
/// must escape.
pub fn escape_at(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The high bit of each byte of `x` that is zero (exact for the lowest one).
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut chunks = bytes.chunks_exact(8);
    for (i, c) in (&mut chunks).enumerate() {
        let w = u64::from_le_bytes(c.try_into().unwrap_or_default());
        let hits = zero(w ^ (ONES * u64::from(b'"')))
            | zero(w ^ (ONES * u64::from(b'\\')))
            | (w.wrapping_sub(ONES * 0x20) & !w & HIGH);
        if hits != 0 {
            return Some(i * 8 + (hits.trailing_zeros() / 8) as usize);
        }
    }
    let done = bytes.len() - chunks.remainder().len();
    chunks
        .remainder()
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .map(|i| done + i)
}
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use smallvec::SmallVec;
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// A number as serde_json keeps it (`u64`, `i64` or a finite `f64`), so that it prints
/// exactly as `serde_json::Value` prints it: a numeric parameter default becomes that text.
pub use serde_json::Number;

/// Any JSON value. Strings are borrowed from the input where it holds them verbatim.
#[derive(Debug, Clone, Default)]
pub enum Value<'a> {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    String(Cow<'a, str>),
    Array(Vec<Value<'a>>),
    Object(Map<'a>),
}

/// A JSON object: its entries in document order, a repeated key included (the last one
/// counts).
#[derive(Debug, Clone, Default)]
pub struct Map<'a> {
    entries: Vec<(Cow<'a, str>, Value<'a>)>,
}

impl<'a> Value<'a> {
    /// `self[key]` when `self` is an object holding `key`.
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        self.as_object()?.get(key)
    }

    /// `self[index]` when `self` is a list that long.
    pub fn get_index(&self, index: usize) -> Option<&Value<'a>> {
        self.as_array()?.get(index)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value<'a>]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Map<'a>> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The same value, owning all its text.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(b),
            Value::Number(n) => Value::Number(n),
            Value::String(s) => Value::String(Cow::Owned(s.into_owned())),
            Value::Array(a) => Value::Array(a.into_iter().map(Value::into_owned).collect()),
            Value::Object(m) => Value::Object(Map {
                entries: m
                    .entries
                    .into_iter()
                    .map(|(k, v)| (Cow::Owned(k.into_owned()), v.into_owned()))
                    .collect(),
            }),
        }
    }

    /// The value as a `serde_json::Value`, for code written against serde_json.
    pub fn to_serde(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::Value::Number(n.clone()),
            Value::String(s) => serde_json::Value::String(s.to_string()),
            Value::Array(a) => serde_json::Value::Array(a.iter().map(Value::to_serde).collect()),
            // In document order: a repeated key overwrites, as when serde_json reads it.
            Value::Object(m) => serde_json::Value::Object(
                m.entries
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_serde()))
                    .collect(),
            ),
        }
    }
}

impl<'a> Map<'a> {
    pub fn new() -> Map<'a> {
        Map::default()
    }

    /// Appends an entry. A key already present is not replaced: the new entry hides it, as a
    /// key written twice in a document.
    pub fn push(&mut self, key: impl Into<Cow<'a, str>>, value: Value<'a>) {
        self.entries.push((key.into(), value));
    }

    /// The value of `key` (its last occurrence).
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, _)| k == key)
    }

    /// Number of distinct keys.
    pub fn len(&self) -> usize {
        match self.sorted_order() {
            None => self.entries.len(),
            Some(order) => order.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Each key once with its last value, in sorted key order (as serde_json's `Map`).
    pub fn iter(&self) -> Iter<'_, 'a> {
        let order = match self.sorted_order() {
            None => Order::AsWritten(0..self.entries.len()),
            Some(order) => Order::Sorted(order.into_iter()),
        };
        Iter {
            entries: &self.entries,
            order,
        }
    }

    /// Each key once, in sorted order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.iter().map(|(k, _)| k)
    }

    /// Every entry as written, in document order, repeated keys included.
    pub fn entries(&self) -> &[(Cow<'a, str>, Value<'a>)] {
        &self.entries
    }

    /// The entries, to change (fixes applied to a value).
    pub(crate) fn entries_mut(&mut self) -> &mut Vec<(Cow<'a, str>, Value<'a>)> {
        &mut self.entries
    }

    /// The entry indices to visit when the entries are not already sorted with distinct keys
    /// (objects serde_json wrote are; objects people wrote mostly are not, and are small: the
    /// indices of a small object stay on the stack).
    fn sorted_order(&self) -> Option<Indices> {
        if self.entries.windows(2).all(|w| w[0].0 < w[1].0) {
            return None;
        }
        let mut order: Indices = (0..self.entries.len()).collect();
        // Stable: among equal keys the last written stays last.
        order.sort_by(|&a, &b| self.entries[a].0.cmp(&self.entries[b].0));
        let mut distinct = Indices::with_capacity(order.len());
        for i in order {
            match distinct.last_mut() {
                Some(last) if self.entries[*last].0 == self.entries[i].0 => *last = i,
                _ => distinct.push(i),
            }
        }
        Some(distinct)
    }
}

type Indices = SmallVec<[usize; 8]>;

/// Iterator over a [`Map`]'s distinct keys in sorted order.
pub struct Iter<'m, 'a> {
    entries: &'m [(Cow<'a, str>, Value<'a>)],
    order: Order,
}

enum Order {
    AsWritten(std::ops::Range<usize>),
    Sorted(smallvec::IntoIter<[usize; 8]>),
}

impl<'m, 'a> Iterator for Iter<'m, 'a> {
    type Item = (&'m str, &'m Value<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let i = match &mut self.order {
            Order::AsWritten(range) => range.next()?,
            Order::Sorted(order) => order.next()?,
        };
        let (k, v) = self.entries.get(i)?;
        Some((k, v))
    }
}

impl<'m, 'a> IntoIterator for &'m Map<'a> {
    type Item = (&'m str, &'m Value<'a>);
    type IntoIter = Iter<'m, 'a>;

    fn into_iter(self) -> Iter<'m, 'a> {
        self.iter()
    }
}

/// Equal as serde_json compares them: objects by their distinct keys and last values.
impl PartialEq for Value<'_> {
    fn eq(&self, other: &Value<'_>) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Array(a), Value::Array(b)) => a == b,
            (Value::Object(a), Value::Object(b)) => a == b,
            _ => false,
        }
    }
}

impl PartialEq for Map<'_> {
    fn eq(&self, other: &Map<'_>) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Value<'_> {}

impl Eq for Map<'_> {}

impl PartialEq<serde_json::Value> for Value<'_> {
    fn eq(&self, other: &serde_json::Value) -> bool {
        match (self, other) {
            (Value::Null, serde_json::Value::Null) => true,
            (Value::Bool(a), serde_json::Value::Bool(b)) => a == b,
            (Value::Number(a), serde_json::Value::Number(b)) => a == b,
            (Value::String(a), serde_json::Value::String(b)) => a == b,
            (Value::Array(a), serde_json::Value::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
            }
            (Value::Object(a), serde_json::Value::Object(b)) => {
                let mut mine = a.iter();
                b.iter()
                    .all(|(k, y)| mine.next().is_some_and(|(mk, x)| mk == k && x == y))
                    && mine.next().is_none()
            }
            _ => false,
        }
    }
}

/// Borrows every string of a `serde_json::Value`: objects built with `serde_json::json!`
/// (tests, tools) are read without copying their text.
impl<'a> From<&'a serde_json::Value> for Value<'a> {
    fn from(v: &'a serde_json::Value) -> Value<'a> {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(n.clone()),
            serde_json::Value::String(s) => Value::String(Cow::Borrowed(s)),
            serde_json::Value::Array(a) => Value::Array(a.iter().map(Value::from).collect()),
            serde_json::Value::Object(m) => Value::Object(Map {
                entries: m
                    .iter()
                    .map(|(k, v)| (Cow::Borrowed(k.as_str()), Value::from(v)))
                    .collect(),
            }),
        }
    }
}

/// Something the rules can read as a [`Value`]: the value itself, or a `serde_json::Value`
/// (borrowed into one first), so callers holding either need no conversion of their own.
pub trait AsValue {
    fn with_value<R>(&self, f: impl FnOnce(&Value<'_>) -> R) -> R;
}

impl AsValue for Value<'_> {
    fn with_value<R>(&self, f: impl FnOnce(&Value<'_>) -> R) -> R {
        f(self)
    }
}

impl AsValue for serde_json::Value {
    fn with_value<R>(&self, f: impl FnOnce(&Value<'_>) -> R) -> R {
        f(&Value::from(self))
    }
}

impl<T: AsValue + ?Sized> AsValue for &T {
    fn with_value<R>(&self, f: impl FnOnce(&Value<'_>) -> R) -> R {
        (**self).with_value(f)
    }
}

/// Reads any JSON value, borrowing strings the input holds verbatim (no escapes). The
/// deserializer bounds the nesting (serde_json refuses more than 128 levels), so neither
/// reading nor dropping a value can exhaust the stack.
impl<'de: 'a, 'a> Deserialize<'de> for Value<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value<'a>, D::Error> {
        deserializer.deserialize_any(ValueVisitor(PhantomData))
    }
}

struct ValueVisitor<'a>(PhantomData<Value<'a>>);

impl<'de: 'a, 'a> Visitor<'de> for ValueVisitor<'a> {
    type Value = Value<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value<'a>, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value<'a>, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value<'a>, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value<'a>, E> {
        Ok(Number::from_f64(n).map_or(Value::Null, Value::Number))
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Value<'a>, E> {
        Ok(Value::String(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value<'a>, E> {
        Ok(Value::String(Cow::Owned(s.to_string())))
    }

    fn visit_string<E>(self, s: String) -> Result<Value<'a>, E> {
        Ok(Value::String(Cow::Owned(s)))
    }

    fn visit_unit<E>(self) -> Result<Value<'a>, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value<'a>, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value<'a>, D::Error> {
        Value::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value<'a>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value<'a>, A::Error> {
        let mut entries = Vec::new();
        while let Some(Key(key)) = map.next_key()? {
            entries.push((key, map.next_value()?));
        }
        Ok(Value::Object(Map { entries }))
    }
}

/// An object key, borrowed when the input holds it verbatim (`Cow<str>`'s own `Deserialize`
/// always copies).
struct Key<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key<'a>, D::Error> {
        deserializer.deserialize_str(KeyVisitor(PhantomData))
    }
}

struct KeyVisitor<'a>(PhantomData<Key<'a>>);

impl<'de: 'a, 'a> Visitor<'de> for KeyVisitor<'a> {
    type Value = Key<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Key<'a>, E> {
        Ok(Key(Cow::Borrowed(s)))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Key<'a>, E> {
        Ok(Key(Cow::Owned(s.to_string())))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Key<'a>, E> {
        Ok(Key(Cow::Owned(s)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Value<'_> {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let v = parse(r#"{"a": "plain", "b\n": "esc\"aped"}"#);
        let m = v.as_object().unwrap();
        let (k0, v0) = &m.entries()[0];
        assert!(matches!(k0, Cow::Borrowed("a")));
        assert!(matches!(v0, Value::String(Cow::Borrowed("plain"))));
        let (k1, v1) = &m.entries()[1];
        assert!(matches!(k1, Cow::Owned(k) if k == "b\n"));
        assert!(matches!(v1, Value::String(Cow::Owned(s)) if s == "esc\"aped"));
    }

    #[test]
    fn a_repeated_key_has_its_last_value_and_iteration_is_sorted() {
        let text = r#"{"b": 1, "a": 2, "b": 3, "c": null}"#;
        let v = parse(text);
        let serde: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(v.get("b"), Some(&Value::Number(3.into())));
        let m = v.as_object().unwrap();
        assert_eq!(m.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(m.len(), 3);
        assert!(m.contains_key("c") && !m.contains_key("d"));
        assert_eq!(v, serde);
        assert_eq!(v.to_serde(), serde);
        assert_eq!(Value::from(&serde), v);
    }

    #[test]
    fn large_objects_iterate_as_serde_json_maps() {
        let keys: Vec<String> = (0..40)
            .rev()
            .map(|i| format!("\"k{}\": {i}", i % 25))
            .collect();
        let text = format!("{{{}}}", keys.join(", "));
        let v = parse(&text);
        let serde: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v.as_object().unwrap().len(), 25);
        assert_eq!(v, serde);
        assert_eq!(v.to_serde(), serde);
    }

    #[test]
    fn numbers_print_as_serde_json_prints_them() {
        let text = r#"[0, -0, 8080, -12, 18446744073709551615, 1.5, 100.0, 1e21, 0.1, -2.5e-7]"#;
        let v = parse(text);
        let serde: serde_json::Value = serde_json::from_str(text).unwrap();
        let mine: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|n| match n {
                Value::Number(n) => n.to_string(),
                _ => unreachable!(),
            })
            .collect();
        let theirs: Vec<String> = serde
            .as_array()
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(mine, theirs);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}1{}", "[".repeat(20_000), "]".repeat(20_000));
        let err = serde_json::from_str::<Value>(&deep).unwrap_err();
        assert!(err.to_string().contains("recursion limit"), "{err}");
    }
}
