//! Decoding: filter JSON (text or a `serde_json::Value`) into the AST,
//! strictly — every accepted form of the [module docs](super), and for
//! anything else an error with a JSON pointer and, where one is close, a
//! did-you-mean.

use std::cell::Cell;

use serde::de::{self, DeserializeSeed};
use serde_json::{Map, Value};

use crate::ast::{Condition, FieldPath, Filter, Group, Node, Operand, Operator};
use crate::check::{check_operand, kind};
use crate::error::{did_you_mean, Error, ErrorCode};
use crate::limits::{too_deep, too_large};
use crate::Limits;

use super::{escape_pointer, locate, strict};

const GROUP_KEYS: [&str; 4] = ["AND", "OR", "NOT", "case_sensitive"];
const CONDITION_KEYS: [&str; 4] = ["field", "operator", "value", "case_sensitive"];

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
        let value = strict::from_str(text, limits)?;
        Filter::from_json_value_with(&value, limits).map_err(|e| locate::at_pointer(e, text))
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
}

/// Accepts every JSON form of the module docs, with the default [`Limits`];
/// errors carry the rendered diagnostic as their message.
impl<'de> de::Deserialize<'de> for Filter {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Filter, D::Error> {
        let limits = Limits::default();
        let failure = Cell::new(None);
        let value = strict::Strict::root(&limits, &failure)
            .deserialize(d)
            .map_err(|e| match failure.take() {
                Some(err) => de::Error::custom(err),
                None => e,
            })?;
        Filter::from_json_value_with(&value, &limits).map_err(de::Error::custom)
    }
}

/// An unknown operator name in JSON (the DSL builds its own, with a span).
fn unknown_operator(name: &str) -> Error {
    let names = Operator::ALL.map(|o| o.name());
    let e = Error::new(
        ErrorCode::UnknownOperator,
        format!("unknown operator `{name}`"),
    );
    match did_you_mean(name, names) {
        Some(s) => e.with_help(format!("did you mean `{s}`?")),
        None => e.with_help(format!("operators are: {}", names.join(", "))),
    }
}

/// Looks an operator up by its exact JSON name, like [`Operator::from_name`];
/// the error suggests the closest name.
impl std::str::FromStr for Operator {
    type Err = Error;
    fn from_str(s: &str) -> Result<Operator, Error> {
        Operator::from_name(s).ok_or_else(|| unknown_operator(s))
    }
}

/// The value a condition without a `value` key means, for the operators
/// that may leave it out: `true`.
fn implied_value(op: Operator) -> Option<Operand> {
    use Operator::*;
    match op {
        Exists | IsNull => Some(Operand::Literal(Value::Bool(true))),
        Eq | Ne | Gt | Lt | Gte | Lte | In | Nin | Contains | StartsWith | EndsWith | Regex
        | Text | Phrase | Words | GeoRadius | GeoBoundingBox | GeoPolygon => None,
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
        None => e.with_help(format!("the keys of {what} are: {}", allowed.join(", "))),
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
            Some(Value::String(name)) => name
                .parse::<Operator>()
                .map_err(|e| e.with_pointer(at(ptr, "operator")))?,
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
            None => match implied_value(operator) {
                Some(v) => v,
                None => {
                    return Err(Error::new(
                        ErrorCode::MissingKey,
                        format!("condition on `{}` has no `value`", field.as_str()),
                    )
                    .with_pointer(ptr.as_str()))
                }
            },
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
            let op = name
                .parse::<Operator>()
                .map_err(|e| e.with_pointer(ptr.as_str()))?;
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
