//! The filter JSON of the List Clusters API (SPEC §1): strict decoding of
//! every accepted form, and canonical encoding.
//!
//! # Accepted input
//!
//! * A **group**: an object with optional `AND`, `OR` (arrays), `NOT` (an
//!   array, or a single object taken as a one-item list) and
//!   `case_sensitive` (boolean). `null` for any of these is the same as the
//!   key being absent (clients that serialise optional fields write `null`).
//! * A **condition**: an object with a `field` key (wherever it stands, the
//!   root included — a root condition becomes the root's only `AND` item),
//!   `operator` (default `eq`), `value` and optional `case_sensitive`.
//!   `value` may be left out for `exists` and `is_null`, meaning `true`.
//! * **Shorthand**: any other key of a group is a condition on that field:
//!   `{"metadata.title": "v"}` is `eq "v"`; `{"position": {"gte": 1, "lte": 5}}`
//!   (an object whose keys are all operator names) is one condition per
//!   operator. Shorthand conditions are appended to the group's `AND` list in
//!   key order. A key that differs from `AND`/`OR`/`NOT`/`case_sensitive` only
//!   by case or a typo is an error, not a shorthand condition.
//! * **Dynamic values**: `{"type": "dynamic", "field": "inputs.q"}`.
//!
//! Everything else is an error with a JSON pointer and, where one is close, a
//! did-you-mean. Duplicate keys are an error (serde_json would keep the last
//! one and silently drop the first).
//!
//! # Canonical output
//!
//! Keys in the order `AND`, `OR`, `NOT`, `case_sensitive`; conditions as
//! `field`, `operator`, `value` (then `case_sensitive`); absent lists omitted;
//! `case_sensitive` written only where it is `true`; numbers as serde_json
//! holds them (integers stay integers).

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, SerializeMap, SerializeSeq};
use serde_json::{Map, Value};

use crate::ast::{Condition, FieldPath, Filter, Group, Node, Operand, Operator, Span};
use crate::check::{check_operand, kind};
use crate::error::{did_you_mean, Error, ErrorCode};
use crate::limits::too_deep;
use crate::Limits;

const GROUP_KEYS: [&str; 4] = ["AND", "OR", "NOT", "case_sensitive"];
const CONDITION_KEYS: [&str; 4] = ["field", "operator", "value", "case_sensitive"];

/// Escapes a key for a JSON pointer (RFC 6901).
pub(crate) fn escape_pointer(key: &str) -> std::borrow::Cow<'_, str> {
    if key.contains(['~', '/']) {
        key.replace('~', "~0").replace('/', "~1").into()
    } else {
        key.into()
    }
}

/// JSON nesting a filter of `max_depth` groups may need: two levels per group
/// (object and list) plus the deepest value (a polygon's points: four).
fn json_depth(limits: &Limits) -> usize {
    limits.depth().saturating_mul(2).saturating_add(6)
}

impl Filter {
    /// Decodes filter JSON text with the default [`Limits`].
    pub fn from_json_str(text: &str) -> Result<Filter, Error> {
        Filter::from_json_str_with(text, &Limits::default())
    }

    /// Decodes filter JSON text.
    pub fn from_json_str_with(text: &str, limits: &Limits) -> Result<Filter, Error> {
        if text.len() > limits.max_input_bytes {
            return Err(too_large(text.len(), limits));
        }
        let failure = Cell::new(None);
        let mut de = serde_json::Deserializer::from_str(text);
        let parsed = Strict {
            depth_left: json_depth(limits),
            failure: &failure,
        }
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v));
        let value = parsed.map_err(|e| {
            let at = byte_offset(text, e.line(), e.column());
            let err = failure.take().unwrap_or_else(|| syntax_error(&e, limits));
            let label = err.label().unwrap_or("here").to_owned();
            err.with_span(Span::new(at, at + 1), label)
                .with_source(text)
        })?;
        Filter::from_json_value_with(&value, limits).map_err(|e| locate(e, text))
    }

    /// Decodes a filter from a parsed JSON value with the default [`Limits`].
    pub fn from_json_value(value: &Value) -> Result<Filter, Error> {
        Filter::from_json_value_with(value, &Limits::default())
    }

    /// Decodes a filter from a parsed JSON value.
    pub fn from_json_value_with(value: &Value, limits: &Limits) -> Result<Filter, Error> {
        let mut d = Decoder { limits, nodes: 0 };
        let mut ptr = String::new();
        let root = match value {
            Value::Object(m) if m.contains_key("field") => {
                let c = d.condition(m, &mut ptr)?;
                d.count(&ptr)?;
                Group::all(vec![c.into()])
            }
            _ => d.group(value, &mut ptr, 1)?,
        };
        Ok(Filter { root })
    }

    /// Canonical JSON text, compact. Works for trees of any depth.
    pub fn to_json_string(&self) -> String {
        let mut out = Vec::with_capacity(64);
        write_canonical(self, &mut out);
        String::from_utf8(out).expect("serde_json writes UTF-8")
    }

    /// Canonical JSON as a `serde_json::Value`.
    ///
    /// Fails only for trees deeper than [`MAX_SERIALIZE_DEPTH`], which no
    /// parser produces but the public API can build.
    pub fn to_json_value(&self) -> Result<Value, Error> {
        serde_json::to_value(self).map_err(|e| Error::new(ErrorCode::TooDeep, e.to_string()))
    }
}

/// Gives a decode error the span its JSON pointer names in `text`, so it
/// renders with a caret like DSL errors do.
fn locate(err: Error, text: &str) -> Error {
    let Some(pointer) = err.pointer() else {
        return err.with_source(text);
    };
    let segments: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    let mut scan = Scan { text, pos: 0 };
    let Some((key, value)) = scan.find(&segments, None) else {
        return err.with_source(text);
    };
    let (span, label) = match err.code() {
        ErrorCode::UnknownKey => (key.unwrap_or(value), "unknown key"),
        ErrorCode::UnknownOperator if key.is_some() && !pointer.ends_with("/operator") => {
            (key.unwrap_or(value), "not an operator")
        }
        ErrorCode::UnknownOperator => (value, "not an operator"),
        ErrorCode::WrongType => (value, "wrong type"),
        ErrorCode::MissingKey => (value, "in this object"),
        ErrorCode::TooDeep => (value, "too deep"),
        ErrorCode::TooManyNodes => (value, "the limit is reached here"),
        _ => (value, "this value"),
    };
    err.with_span(span, label).with_source(text)
}

/// A minimal JSON walker over text that serde_json has already accepted,
/// used only to find where a pointer lands.
struct Scan<'t> {
    text: &'t str,
    pos: usize,
}

impl Scan<'_> {
    fn ws(&mut self) {
        let rest = &self.text[self.pos..];
        self.pos += rest.len() - rest.trim_start_matches([' ', '\t', '\n', '\r']).len();
    }

    fn peek(&self) -> u8 {
        self.text.as_bytes().get(self.pos).copied().unwrap_or(0)
    }

    /// The span of the value at `path` below the cursor, and of its key.
    fn find(&mut self, path: &[String], key: Option<Span>) -> Option<(Option<Span>, Span)> {
        self.ws();
        let start = self.pos;
        let Some((first, rest)) = path.split_first() else {
            self.skip()?;
            return Some((key, Span::new(start, self.pos)));
        };
        match self.peek() {
            b'{' => {
                self.pos += 1;
                loop {
                    self.ws();
                    if self.peek() != b'"' {
                        return None;
                    }
                    let kstart = self.pos;
                    self.string()?;
                    let kspan = Span::new(kstart, self.pos);
                    let name: String = serde_json::from_str(&self.text[kspan.range()]).ok()?;
                    self.ws();
                    self.pos += 1; // ':'
                    if &name == first {
                        return self.find(rest, Some(kspan));
                    }
                    self.ws();
                    self.skip()?;
                    self.ws();
                    if self.peek() != b',' {
                        return None;
                    }
                    self.pos += 1;
                }
            }
            b'[' => {
                let index: usize = first.parse().ok()?;
                self.pos += 1;
                for _ in 0..index {
                    self.ws();
                    self.skip()?;
                    self.ws();
                    if self.peek() != b',' {
                        return None;
                    }
                    self.pos += 1;
                }
                self.find(rest, None)
            }
            _ => None,
        }
    }

    fn string(&mut self) -> Option<()> {
        let bytes = self.text.as_bytes();
        let mut i = self.pos + 1;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'"' => {
                    self.pos = i + 1;
                    return Some(());
                }
                _ => i += 1,
            }
        }
        None
    }

    /// Moves past one value.
    fn skip(&mut self) -> Option<()> {
        self.ws();
        match self.peek() {
            b'"' => self.string(),
            open @ (b'{' | b'[') => {
                let close = if open == b'{' { b'}' } else { b']' };
                self.pos += 1;
                loop {
                    self.ws();
                    match self.peek() {
                        c if c == close => {
                            self.pos += 1;
                            return Some(());
                        }
                        b',' | b':' => self.pos += 1,
                        0 => return None,
                        _ => self.skip()?,
                    }
                }
            }
            0 => None,
            _ => {
                let rest = &self.text[self.pos..];
                let len = rest
                    .find([',', '}', ']', ' ', '\t', '\n', '\r'])
                    .unwrap_or(rest.len());
                self.pos += len.max(1);
                Some(())
            }
        }
    }
}

fn too_large(len: usize, limits: &Limits) -> Error {
    Error::new(
        ErrorCode::InputTooLarge,
        format!(
            "input is {len} bytes, over the limit max_input_bytes = {}",
            limits.max_input_bytes
        ),
    )
}

fn syntax_error(e: &serde_json::Error, limits: &Limits) -> Error {
    let text = e.to_string();
    let msg = text.split(" at line ").next().unwrap_or(&text);
    if msg.contains("recursion limit exceeded") {
        return too_deep(limits).with_help("serde_json stops at 128 nested arrays/objects");
    }
    Error::new(ErrorCode::InvalidJson, format!("invalid JSON: {msg}"))
}

fn byte_offset(text: &str, line: usize, column: usize) -> usize {
    let line_start = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>();
    (line_start + column.saturating_sub(1)).min(text.len())
}

/// Builds a `serde_json::Value` while rejecting duplicate keys and nesting
/// beyond the limit; the structured reason travels in `failure` because a
/// deserializer error can only carry a string.
struct Strict<'c> {
    depth_left: usize,
    failure: &'c Cell<Option<Error>>,
}

impl Strict<'_> {
    fn fail<E: de::Error>(&self, err: Error) -> E {
        let msg = err.message().to_owned();
        self.failure.set(Some(err));
        E::custom(msg)
    }

    fn nested<E: de::Error>(&self) -> Result<Strict<'_>, E> {
        match self.depth_left.checked_sub(1) {
            Some(depth_left) => Ok(Strict {
                depth_left,
                failure: self.failure,
            }),
            None => Err(self.fail(
                Error::new(
                    ErrorCode::TooDeep,
                    "JSON nests deeper than the filter's max_depth allows",
                )
                .with_help("raise Limits::max_depth, or flatten the filter"),
            )),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number is not finite"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = self.nested()?;
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = seq.next_element_seed(Strict { ..inner })? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = self.nested()?;
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(self.fail(
                    Error::new(ErrorCode::DuplicateKey, format!("duplicate key `{key}`"))
                        .with_help("each key may appear once per object; merge the two"),
                ));
            }
            let v = map.next_value_seed(Strict { ..inner })?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

struct Decoder<'l> {
    limits: &'l Limits,
    nodes: usize,
}

fn wrong_type(expected: &str, found: &Value, ptr: &str) -> Error {
    Error::new(
        ErrorCode::WrongType,
        format!("expected {expected}, found {}", kind(found)),
    )
    .with_pointer(ptr)
}

fn push_key(ptr: &mut String, key: &str) {
    ptr.push('/');
    ptr.push_str(&escape_pointer(key));
}

fn push_index(ptr: &mut String, i: usize) {
    use std::fmt::Write;
    let _ = write!(ptr, "/{i}");
}

fn flag(v: &Value, ptr: &str) -> Result<bool, Error> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Null => Ok(false),
        other => Err(wrong_type("`true` or `false`", other, ptr)),
    }
}

fn path(v: &Value, ptr: &str, limits: &Limits) -> Result<FieldPath, Error> {
    match v {
        Value::String(s) if s.len() > limits.max_string_bytes => {
            Err(crate::check::check_path(s, limits)
                .unwrap_err()
                .with_pointer(ptr))
        }
        Value::String(s) => FieldPath::new(s.as_str()).map_err(|e| {
            Error::new(
                ErrorCode::InvalidField,
                format!("invalid field path {v}: {e}"),
            )
            .with_pointer(ptr)
        }),
        other => Err(wrong_type("a field path (a string)", other, ptr)),
    }
}

fn unknown_key(key: &str, allowed: &[&str], what: &str, ptr: &str) -> Error {
    let e = Error::new(
        ErrorCode::UnknownKey,
        format!("unknown key `{key}` in {what}"),
    )
    .with_pointer(ptr);
    match did_you_mean(key, allowed.iter().copied()) {
        Some(s) => e.with_help(format!("did you mean `{s}`?")),
        None => e.with_help(format!("{what} keys are: {}", allowed.join(", "))),
    }
}

impl Decoder<'_> {
    fn count(&mut self, ptr: &str) -> Result<(), Error> {
        self.nodes += 1;
        if self.nodes > self.limits.max_nodes {
            return Err(crate::limits::too_many_nodes(self.limits).with_pointer(ptr));
        }
        Ok(())
    }

    fn group(&mut self, v: &Value, ptr: &mut String, depth: usize) -> Result<Group, Error> {
        if depth > self.limits.depth() {
            return Err(too_deep(self.limits).with_pointer(ptr.as_str()));
        }
        self.count(ptr)?;
        let Value::Object(map) = v else {
            return Err(wrong_type("a group (an object)", v, ptr));
        };
        let mut g = Group::default();
        let mut shorthand = Vec::new();
        for (key, val) in map {
            let len = ptr.len();
            push_key(ptr, key);
            match key.as_str() {
                "AND" => g.and = self.list(val, ptr, depth, false)?,
                "OR" => g.or = self.list(val, ptr, depth, false)?,
                "NOT" => g.not = self.list(val, ptr, depth, true)?,
                "case_sensitive" => g.case_sensitive = flag(val, ptr)?,
                _ => {
                    let near_group_key = did_you_mean(key, GROUP_KEYS).is_some()
                        && (val.is_array() || val.is_object() || val.is_boolean());
                    if near_group_key {
                        return Err(unknown_key(key, &GROUP_KEYS, "a group", ptr));
                    }
                    self.shorthand(key, val, ptr, &mut shorthand)?;
                }
            }
            ptr.truncate(len);
        }
        if !shorthand.is_empty() {
            g.and.get_or_insert_with(Vec::new).extend(shorthand);
        }
        Ok(g)
    }

    fn list(
        &mut self,
        v: &Value,
        ptr: &mut String,
        depth: usize,
        single_ok: bool,
    ) -> Result<Option<Vec<Node>>, Error> {
        let items = match v {
            Value::Null => return Ok(None),
            Value::Array(items) => items,
            Value::Object(_) if single_ok => return Ok(Some(vec![self.item(v, ptr, depth)?])),
            other => return Err(wrong_type("an array of conditions and groups", other, ptr)),
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let len = ptr.len();
            push_index(ptr, i);
            out.push(self.item(item, ptr, depth)?);
            ptr.truncate(len);
        }
        Ok(Some(out))
    }

    fn item(&mut self, v: &Value, ptr: &mut String, depth: usize) -> Result<Node, Error> {
        match v {
            Value::Object(m) if m.contains_key("field") => {
                self.count(ptr)?;
                Ok(self.condition(m, ptr)?.into())
            }
            Value::Object(_) => Ok(self.group(v, ptr, depth + 1)?.into()),
            other => Err(wrong_type("a condition or a group (an object)", other, ptr)),
        }
    }

    fn condition(&mut self, m: &Map<String, Value>, ptr: &mut String) -> Result<Condition, Error> {
        let at = |ptr: &mut String, key: &str| {
            let mut p = ptr.clone();
            push_key(&mut p, key);
            p
        };
        for key in m.keys() {
            if !CONDITION_KEYS.contains(&key.as_str()) {
                return Err(unknown_key(
                    key,
                    &CONDITION_KEYS,
                    "a condition",
                    &at(ptr, key),
                ));
            }
        }
        let field = path(&m["field"], &at(ptr, "field"), self.limits)?;
        let operator = match m.get("operator") {
            None | Some(Value::Null) => Operator::Eq,
            Some(Value::String(name)) => Operator::from_name(name).ok_or_else(|| {
                crate::error::unknown_operator(name).with_pointer(at(ptr, "operator"))
            })?,
            Some(other) => {
                return Err(wrong_type(
                    "an operator name (a string)",
                    other,
                    &at(ptr, "operator"),
                ))
            }
        };
        let case_sensitive = match m.get("case_sensitive") {
            Some(v) => flag(v, &at(ptr, "case_sensitive"))?,
            None => false,
        };
        let vptr = at(ptr, "value");
        let value = match m.get("value") {
            Some(v) => operand(v, &vptr, self.limits)?,
            None if matches!(operator, Operator::Exists | Operator::IsNull) => {
                Operand::Literal(Value::Bool(true))
            }
            None => {
                return Err(Error::new(
                    ErrorCode::MissingKey,
                    format!("condition on `{}` has no `value`", field.as_str()),
                )
                .with_pointer(ptr.as_str()))
            }
        };
        self.checked(field, operator, value, case_sensitive, &vptr)
    }

    fn checked(
        &self,
        field: FieldPath,
        operator: Operator,
        value: Operand,
        case_sensitive: bool,
        vptr: &str,
    ) -> Result<Condition, Error> {
        check_operand(operator, &value, self.limits).map_err(|p| {
            let at = format!("{vptr}{}", p.at);
            p.into_error().with_pointer(at)
        })?;
        Ok(Condition {
            case_sensitive,
            ..Condition::new(field, operator, value)
        })
    }

    fn shorthand(
        &mut self,
        key: &str,
        v: &Value,
        ptr: &mut String,
        out: &mut Vec<Node>,
    ) -> Result<(), Error> {
        let field = path(&Value::String(key.to_owned()), ptr, self.limits)?;
        let ops = match v {
            Value::Object(m)
                if !m.is_empty() && m.keys().any(|k| Operator::from_name(k).is_some()) =>
            {
                m
            }
            _ => {
                self.count(ptr)?;
                let value = operand(v, ptr, self.limits)?;
                out.push(self.checked(field, Operator::Eq, value, false, ptr)?.into());
                return Ok(());
            }
        };
        for (name, val) in ops {
            let len = ptr.len();
            push_key(ptr, name);
            let op = Operator::from_name(name)
                .ok_or_else(|| crate::error::unknown_operator(name).with_pointer(ptr.as_str()))?;
            self.count(ptr)?;
            let value = operand(val, ptr, self.limits)?;
            out.push(self.checked(field.clone(), op, value, false, ptr)?.into());
            ptr.truncate(len);
        }
        Ok(())
    }
}

/// A condition's value: a dynamic reference or a literal.
fn operand(v: &Value, ptr: &str, limits: &Limits) -> Result<Operand, Error> {
    let Value::Object(m) = v else {
        return Ok(Operand::Literal(v.clone()));
    };
    if m.get("type").and_then(Value::as_str) != Some("dynamic") {
        return Ok(Operand::Literal(v.clone()));
    }
    if let Some(extra) = m.keys().find(|k| *k != "type" && *k != "field") {
        let mut p = ptr.to_owned();
        push_key(&mut p, extra);
        return Err(Error::new(
            ErrorCode::InvalidDynamic,
            format!("unknown key `{extra}` in a dynamic value"),
        )
        .with_pointer(p)
        .with_help(r#"a dynamic value is {"type": "dynamic", "field": "inputs.name"}"#));
    }
    let field = m.get("field").ok_or_else(|| {
        Error::new(ErrorCode::InvalidDynamic, "dynamic value has no `field`")
            .with_pointer(ptr)
            .with_help(r#"a dynamic value is {"type": "dynamic", "field": "inputs.name"}"#)
    })?;
    let mut p = ptr.to_owned();
    push_key(&mut p, "field");
    Ok(Operand::Dynamic(path(field, &p, limits)?))
}

enum JsonPiece<'a> {
    Str(&'static str),
    Group(&'a Group),
    Cond(&'a Condition),
}

fn write_canonical(filter: &Filter, out: &mut Vec<u8>) {
    let mut stack = vec![JsonPiece::Group(&filter.root)];
    let mut next = Vec::new();
    while let Some(piece) = stack.pop() {
        match piece {
            JsonPiece::Str(s) => out.extend_from_slice(s.as_bytes()),
            JsonPiece::Cond(c) => write_condition(c, out),
            JsonPiece::Group(g) => {
                next.push(JsonPiece::Str("{"));
                let mut first = true;
                for (kind, list) in g.lists() {
                    let Some(items) = list else { continue };
                    if !std::mem::take(&mut first) {
                        next.push(JsonPiece::Str(","));
                    }
                    next.push(JsonPiece::Str(match kind.key() {
                        "AND" => "\"AND\":[",
                        "OR" => "\"OR\":[",
                        _ => "\"NOT\":[",
                    }));
                    for (i, n) in items.iter().enumerate() {
                        if i > 0 {
                            next.push(JsonPiece::Str(","));
                        }
                        next.push(match n {
                            Node::Condition(c) => JsonPiece::Cond(c),
                            Node::Group(g) => JsonPiece::Group(g),
                        });
                    }
                    next.push(JsonPiece::Str("]"));
                }
                if g.case_sensitive {
                    next.push(JsonPiece::Str(if first {
                        "\"case_sensitive\":true"
                    } else {
                        ",\"case_sensitive\":true"
                    }));
                }
                next.push(JsonPiece::Str("}"));
                stack.extend(next.drain(..).rev());
            }
        }
    }
}

fn write_condition(c: &Condition, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"field\":");
    json(out, c.field.as_str());
    out.extend_from_slice(b",\"operator\":\"");
    out.extend_from_slice(c.operator.name().as_bytes());
    out.extend_from_slice(b"\",\"value\":");
    match &c.value {
        Operand::Literal(v) => json(out, v),
        Operand::Dynamic(p) => {
            out.extend_from_slice(b"{\"type\":\"dynamic\",\"field\":");
            json(out, p.as_str());
            out.push(b'}');
        }
    }
    if c.case_sensitive {
        out.extend_from_slice(b",\"case_sensitive\":true");
    }
    out.push(b'}');
}

fn json<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
    serde_json::to_writer(out, v).expect("a str or a Value always writes to a Vec");
}

/// Deepest tree that `Serialize` (which recurses through serde) accepts;
/// [`Filter::to_json_string`] and `Display` have no such bound.
pub const MAX_SERIALIZE_DEPTH: usize = 512;

impl ser::Serialize for Filter {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.depth() > MAX_SERIALIZE_DEPTH {
            return Err(ser::Error::custom(format_args!(
                "filter nests deeper than {MAX_SERIALIZE_DEPTH} groups; use Filter::to_json_string"
            )));
        }
        SerGroup(&self.root).serialize(s)
    }
}

struct SerGroup<'a>(&'a Group);
struct SerList<'a>(&'a [Node]);
struct SerCondition<'a>(&'a Condition);
struct SerOperand<'a>(&'a Operand);

impl ser::Serialize for SerGroup<'_> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let g = self.0;
        let mut m = s.serialize_map(None)?;
        for (kind, list) in g.lists() {
            if let Some(items) = list {
                m.serialize_entry(kind.key(), &SerList(items))?;
            }
        }
        if g.case_sensitive {
            m.serialize_entry("case_sensitive", &true)?;
        }
        m.end()
    }
}

impl ser::Serialize for SerList<'_> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for n in self.0 {
            match n {
                Node::Condition(c) => seq.serialize_element(&SerCondition(c))?,
                Node::Group(g) => seq.serialize_element(&SerGroup(g))?,
            }
        }
        seq.end()
    }
}

impl ser::Serialize for SerCondition<'_> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("field", c.field.as_str())?;
        m.serialize_entry("operator", c.operator.name())?;
        m.serialize_entry("value", &SerOperand(&c.value))?;
        if c.case_sensitive {
            m.serialize_entry("case_sensitive", &true)?;
        }
        m.end()
    }
}

impl ser::Serialize for SerOperand<'_> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Operand::Literal(v) => v.serialize(s),
            Operand::Dynamic(p) => {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("type", "dynamic")?;
                m.serialize_entry("field", p.as_str())?;
                m.end()
            }
        }
    }
}

/// Accepts every JSON form of the module docs, with the default [`Limits`];
/// errors carry the rendered diagnostic as their message.
impl<'de> de::Deserialize<'de> for Filter {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Filter, D::Error> {
        let limits = Limits::default();
        let failure = Cell::new(None);
        let value = Strict {
            depth_left: json_depth(&limits),
            failure: &failure,
        }
        .deserialize(d)
        .map_err(|e| match failure.take() {
            Some(err) => de::Error::custom(err),
            None => e,
        })?;
        Filter::from_json_value_with(&value, &limits).map_err(de::Error::custom)
    }
}
