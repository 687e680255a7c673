//! Turning a record (JSON text) into the cells of a schema's row, checking
//! each typed field against its column type. Shared by the drivers.

// The DDL and upsert helpers serve the drivers; a build with the compiler
// alone (feature `sql`) has none.
#![cfg_attr(
    not(any(feature = "sqlite", feature = "postgres", feature = "mysql")),
    allow(dead_code)
)]

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

use super::{Column, ColumnType, Dialect, Schema};
use crate::error::{Error, ErrorCode};
use crate::eval::instant;

/// One cell of a row, ready for any driver.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// SQL `NULL` (the field is missing or `null`).
    Null,
    /// Text (also JSON text for `json` columns and the document).
    Text(String),
    /// A whole number.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
}

/// A cell borrowed from a row as a driver reads it
/// ([`Driver::scan`](super::driver::Driver::scan)): no copy of its text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CellRef<'a> {
    /// SQL `NULL`.
    Null,
    /// Text.
    Text(&'a str),
    /// A whole number.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
}

impl Cell {
    /// The cell, borrowed.
    pub fn as_ref(&self) -> CellRef<'_> {
        match self {
            Cell::Null => CellRef::Null,
            Cell::Text(s) => CellRef::Text(s),
            Cell::Int(i) => CellRef::Int(*i),
            Cell::Float(f) => CellRef::Float(*f),
            Cell::Bool(b) => CellRef::Bool(*b),
        }
    }
}

impl CellRef<'_> {
    /// The cell, owned.
    pub fn to_cell(self) -> Cell {
        match self {
            CellRef::Null => Cell::Null,
            CellRef::Text(s) => Cell::Text(s.to_owned()),
            CellRef::Int(i) => Cell::Int(i),
            CellRef::Float(f) => Cell::Float(f),
            CellRef::Bool(b) => Cell::Bool(b),
        }
    }
}

/// A cell, owned or borrowed, as [`Sort::compare`](super::Sort::compare)
/// reads it.
pub trait AsCellRef {
    /// The cell, borrowed.
    fn cell_ref(&self) -> CellRef<'_>;
}

impl AsCellRef for Cell {
    fn cell_ref(&self) -> CellRef<'_> {
        self.as_ref()
    }
}

impl AsCellRef for CellRef<'_> {
    fn cell_ref(&self) -> CellRef<'_> {
        *self
    }
}

fn invalid(message: String) -> Error {
    Error::new(ErrorCode::InvalidRecord, message)
}

/// A JSON value read exactly as `serde_json::Value` reads it (the same
/// deserializer, so the same grammar, numbers, nesting limit and errors),
/// but cheaper to build for one row: strings without escapes borrow the
/// text, objects are lists of pairs (a key given twice means its last
/// value, as in `Value`).
enum Json<'a> {
    Null,
    Bool(bool),
    Number(Number),
    Str(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

impl Json<'_> {
    /// The value a key of an object has (its last, as in `Value`).
    fn get<'s>(members: &'s [(Cow<'_, str>, Json<'s>)], key: &str) -> Option<&'s Json<'s>> {
        members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// As `serde_json::Value` (for messages, and objects with a key twice).
    fn to_value(&self) -> Value {
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => Value::Number(n.clone()),
            Json::Str(s) => Value::String(s.as_ref().to_owned()),
            Json::Array(items) => Value::Array(items.iter().map(Json::to_value).collect()),
            Json::Object(members) => {
                let mut map = Map::with_capacity(members.len());
                for (k, v) in members {
                    map.insert(k.as_ref().to_owned(), v.to_value());
                }
                Value::Object(map)
            }
        }
    }
}

/// A key an object has twice, if any.
fn duplicate<'m>(members: &'m [(Cow<'_, str>, Json<'_>)]) -> Option<&'m str> {
    crate::eval::repeated_key(members.iter().map(|(k, _)| k.as_ref()))
}

/// Whether an object has a key twice (then `Value` keeps one member).
fn has_duplicates(members: &[(Cow<'_, str>, Json<'_>)]) -> bool {
    duplicate(members).is_some()
}

/// Written exactly as the `serde_json::Value` it reads as.
impl Serialize for Json<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::Number(n) => n.serialize(s),
            Json::Str(text) => s.serialize_str(text),
            Json::Array(items) => s.collect_seq(items),
            Json::Object(members) if has_duplicates(members) => self.to_value().serialize(s),
            Json::Object(members) => {
                let mut map = s.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k.as_ref(), v)?;
                }
                map.end()
            }
        }
    }
}

/// The visitor of [`Json`]: `serde_json::Value`'s, building [`Json`].
struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Json<'de>, E> {
        Ok(Json::Bool(b))
    }

    fn visit_i64<E>(self, i: i64) -> Result<Json<'de>, E> {
        Ok(Json::Number(i.into()))
    }

    fn visit_u64<E>(self, u: u64) -> Result<Json<'de>, E> {
        Ok(Json::Number(u.into()))
    }

    fn visit_f64<E>(self, f: f64) -> Result<Json<'de>, E> {
        Ok(Number::from_f64(f).map_or(Json::Null, Json::Number))
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Json<'de>, E> {
        Ok(Json::Str(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Json<'de>, E> {
        Ok(Json::Str(Cow::Owned(s.to_owned())))
    }

    fn visit_string<E>(self, s: String) -> Result<Json<'de>, E> {
        Ok(Json::Str(Cow::Owned(s)))
    }

    fn visit_unit<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }

    fn visit_none<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json<'de>, D::Error> {
        Json::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(v) = seq.next_element()? {
            items.push(v);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Json<'de>, A::Error> {
        Members.visit_map(map).map(Json::Object)
    }
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json<'de>, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

/// An object key, borrowed when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key<'de>, D::Error> {
        match Json::deserialize(d)? {
            Json::Str(s) => Ok(Key(s)),
            _ => Err(de::Error::custom("a key must be a string")),
        }
    }
}

/// The visitor of an object's members (the record itself: a map, as
/// `Map<String, Value>` expects).
struct Members;

impl<'de> Visitor<'de> for Members {
    type Value = Vec<(Cow<'de, str>, Json<'de>)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(Key(k)) = map.next_key()? {
            members.push((k, map.next_value()?));
        }
        // A record with a key twice means different things to different
        // readers (the first wins on some databases, the last in
        // `serde_json`): it is refused, at any depth.
        if let Some(k) = duplicate(&members) {
            return Err(de::Error::custom(format!("duplicate key `{k}`")));
        }
        Ok(members)
    }
}

/// The value at a typed column's field: objects only (a typed column holds
/// one value, so an array on the way does not fit it).
fn field<'r>(
    record: &'r [(Cow<'r, str>, Json<'r>)],
    path: &str,
) -> Result<Option<&'r Json<'r>>, Error> {
    let mut segs = path.split('.');
    let mut v = match Json::get(record, segs.next().unwrap_or_default()) {
        Some(v) => v,
        None => return Ok(None),
    };
    for seg in segs {
        v = match v {
            Json::Object(m) => match Json::get(m, seg) {
                Some(v) => v,
                None => return Ok(None),
            },
            Json::Null => return Ok(None),
            other => {
                return Err(invalid(format!(
                    "field `{path}` goes through {}, which a typed column cannot hold",
                    other.to_value()
                )))
            }
        };
    }
    Ok(Some(v))
}

fn cell(c: &Column, v: Option<&Json<'_>>) -> Result<Cell, Error> {
    let wrong = |v: &Json<'_>| {
        let what = match c.ty {
            ColumnType::Timestamp => "an RFC 3339 date-time or date",
            ColumnType::Integer => "an integer",
            ColumnType::Float => "a number",
            ColumnType::Bool => "a boolean",
            _ => "a string",
        };
        Err(invalid(format!(
            "field `{}` must be {what} or null (column type {}), found {}",
            c.field,
            c.ty.name(),
            v.to_value()
        )))
    };
    Ok(match (c.ty, v) {
        // A JSON column keeps `null` apart from a missing field, as the
        // evaluator does (`exists` is true for it).
        (ColumnType::Json, Some(Json::Null)) => Cell::Text("null".to_owned()),
        (_, None | Some(Json::Null)) => Cell::Null,
        (ColumnType::Json, Some(v)) => Cell::Text(
            serde_json::to_string(v).map_err(|e| invalid(format!("field `{}`: {e}", c.field)))?,
        ),
        (ColumnType::Text, Some(Json::Str(s))) => Cell::Text(s.as_ref().to_owned()),
        (ColumnType::Timestamp, Some(Json::Str(s))) if instant(s).is_some() => {
            Cell::Text(s.as_ref().to_owned())
        }
        (ColumnType::Bool, Some(Json::Bool(b))) => Cell::Bool(*b),
        (ColumnType::Integer, Some(Json::Number(n))) if n.is_i64() => {
            Cell::Int(n.as_i64().unwrap_or_default())
        }
        (ColumnType::Float, Some(Json::Number(n))) => Cell::Float(n.as_f64().unwrap_or_default()),
        (_, Some(v)) => return wrong(v),
    })
}

/// The key column of a schema, used for upserts: the one for `cluster_id`.
pub(crate) fn key_column(schema: &Schema) -> Option<&Column> {
    schema.columns.iter().find(|c| c.field == "cluster_id")
}

/// The row for one record: the document (the text as given) when the schema
/// has one, then one cell per column, in the schema's order.
pub fn row(schema: &Schema, text: &str) -> Result<Vec<Cell>, Error> {
    let not_object = |e: serde_json::Error| match e.to_string() {
        m if m.starts_with("duplicate key") => invalid(m),
        m => invalid(format!("not a JSON object: {m}")),
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let record = de.deserialize_map(Members).map_err(not_object)?;
    de.end().map_err(not_object)?;
    let key = key_column(schema).map(|k| k.column.as_str());
    let mut cells = Vec::with_capacity(schema.columns.len() + 1);
    if schema.document.is_some() {
        cells.push(Cell::Text(text.to_owned()));
    }
    for c in &schema.columns {
        let v = cell(c, field(&record, &c.field)?)?;
        if v == Cell::Null && key == Some(c.column.as_str()) {
            return Err(invalid(format!("record has no `{}` (the key)", c.field)));
        }
        cells.push(v);
    }
    Ok(cells)
}

/// Whether `dialect` can store a record (JSON text): PostgreSQL's `text`
/// and `jsonb` cannot hold U+0000, so a record with a `\u0000` escape in a
/// key or string anywhere is [`ErrorCode::InvalidRecord`] there (naming the
/// field). [`BatchLoader::push`](super::driver::BatchLoader::push) checks
/// it; a loader of its own that makes rows with [`row`] should too.
pub fn storable(dialect: Dialect, text: &str) -> Result<(), Error> {
    // Only the escape can put U+0000 in JSON text.
    if dialect != Dialect::Postgres || !text.contains("u0000") {
        return Ok(());
    }
    fn nul_at(v: &Value, path: &mut Vec<String>) -> bool {
        match v {
            Value::String(s) => s.contains('\0'),
            Value::Array(items) => items.iter().enumerate().any(|(i, v)| {
                path.push(i.to_string());
                let found = nul_at(v, path);
                if !found {
                    path.pop();
                }
                found
            }),
            Value::Object(m) => m.iter().any(|(k, v)| {
                path.push(k.replace('\0', "\\u0000"));
                let found = k.contains('\0') || nul_at(v, path);
                if !found {
                    path.pop();
                }
                found
            }),
            _ => false,
        }
    }
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        // `row` says what is wrong with it.
        return Ok(());
    };
    let mut path = Vec::new();
    if nul_at(&v, &mut path) {
        return Err(invalid(format!(
            "field `{}` holds U+0000 (`\\u0000`), which PostgreSQL text and JSON cannot store",
            path.join(".")
        )));
    }
    Ok(())
}

/// The column names of [`row`]'s cells, in order.
pub(crate) fn row_columns(schema: &Schema) -> Vec<&str> {
    schema
        .document
        .iter()
        .map(String::as_str)
        .chain(schema.columns.iter().map(|c| c.column.as_str()))
        .collect()
}

/// `CREATE TABLE IF NOT EXISTS …` for `schema`.
pub(crate) fn create_table_sql(schema: &Schema, d: Dialect) -> String {
    let mut cols: Vec<String> = d
        .sequence_column()
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    if let Some(doc) = &schema.document {
        cols.push(format!("{} {} NOT NULL", d.quote(doc), d.document_type()));
    }
    for c in &schema.columns {
        let key = key_column(schema).is_some_and(|k| k.column == c.column);
        let pk = if key { " PRIMARY KEY" } else { "" };
        cols.push(format!(
            "{} {}{pk}",
            d.quote(&c.column),
            d.column_type(c.ty, key)
        ));
    }
    cols.extend(
        text_key_definitions(schema, d)
            .into_iter()
            .map(|(_, def)| def),
    );
    format!(
        "CREATE TABLE IF NOT EXISTS {} ({}){}",
        d.quote(&schema.table),
        cols.join(", "),
        d.table_suffix()
    )
}

/// The key columns the dialect keeps beside the schema's text columns
/// ([`SqlDialect::text_key`](super::SqlDialect::text_key)): name and
/// definition of each.
pub(crate) fn text_key_definitions(schema: &Schema, d: Dialect) -> Vec<(String, String)> {
    schema
        .columns
        .iter()
        .filter(|c| matches!(c.ty, ColumnType::Text | ColumnType::Timestamp))
        .flat_map(|c| [true, false].map(|ci| (c, ci)))
        .filter_map(|(c, ci)| {
            Some((
                d.text_key(&c.column, ci)?,
                d.text_key_definition(&c.column, ci)?,
            ))
        })
        .collect()
}

/// `INSERT …` of one [`row`], replacing the row with the same key.
pub(crate) fn insert_sql(schema: &Schema, d: Dialect) -> String {
    insert_rows_sql(schema, d, 1)
}

/// `INSERT … VALUES (…), (…), …` of `rows` [`row`]s (placeholders numbered
/// row by row), replacing the rows with the same key. Databases whose upsert
/// takes duplicate keys within one statement in order (MySQL) give the same
/// rows as one statement a row.
pub(crate) fn insert_rows_sql(schema: &Schema, d: Dialect, rows: usize) -> String {
    let names: Vec<String> = row_columns(schema)
        .into_iter()
        .map(|n| d.quote(n))
        .collect();
    let json: Vec<Option<bool>> = schema
        .document
        .iter()
        .map(|_| Some(true))
        .chain(
            schema
                .columns
                .iter()
                .map(|c| (c.ty == ColumnType::Json).then_some(false)),
        )
        .collect();
    let width = json.len();
    let tuples: Vec<String> = (0..rows)
        .map(|r| {
            let marks: Vec<String> = json
                .iter()
                .enumerate()
                .map(|(i, j)| d.insert_placeholder(r * width + i + 1, *j))
                .collect();
            format!("({})", marks.join(", "))
        })
        .collect();
    let update =
        key_column(schema).map_or(String::new(), |k| d.upsert(&d.quote(&k.column), &names));
    format!(
        "INSERT INTO {} ({}) VALUES {}{update}",
        d.quote(&schema.table),
        names.join(", "),
        tuples.join(", ")
    )
}

#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
/// A key cell, compared as the database compares a key of its type.
#[derive(PartialEq, Eq, Hash)]
enum KeyCell<'a> {
    Text(&'a str),
    Int(i64),
    Float(u64),
    Bool(bool),
    Null,
}

impl<'a> From<&'a Cell> for KeyCell<'a> {
    fn from(c: &'a Cell) -> KeyCell<'a> {
        match c {
            Cell::Text(s) => KeyCell::Text(s),
            Cell::Int(i) => KeyCell::Int(*i),
            // -0.0 = 0.0.
            Cell::Float(f) => KeyCell::Float(if *f == 0.0 { 0 } else { f.to_bits() }),
            Cell::Bool(b) => KeyCell::Bool(*b),
            Cell::Null => KeyCell::Null,
        }
    }
}

#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
/// One row per key, for a statement that may not touch a row twice
/// (PostgreSQL's `ON CONFLICT DO UPDATE`): each key's row stands where the
/// key first appears and holds its last row — what upserting the rows one by
/// one leaves (the first insert fixes a new row's place in load order, the
/// later ones replace its values). Without a key column, `rows` as they are.
pub(crate) fn last_per_key(schema: &Schema, rows: Vec<Vec<Cell>>) -> Vec<Vec<Cell>> {
    let Some(key) = key_column(schema) else {
        return rows;
    };
    let at = usize::from(schema.document.is_some())
        + schema
            .columns
            .iter()
            .position(|c| c.column == key.column)
            .unwrap_or_default();
    // The place of each row's key, numbered by first appearance.
    let mut seen = std::collections::HashMap::with_capacity(rows.len());
    let places: Vec<usize> = rows
        .iter()
        .map(|r| {
            let next = seen.len();
            *seen.entry(KeyCell::from(&r[at])).or_insert(next)
        })
        .collect();
    let unique = seen.len() == rows.len();
    drop(seen);
    if unique {
        return rows;
    }
    let mut out: Vec<Vec<Cell>> = Vec::with_capacity(rows.len());
    for (r, place) in rows.into_iter().zip(places) {
        if place == out.len() {
            out.push(r);
        } else {
            // In input order: the key's last row is the one left.
            out[place] = r;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // ----- `row` as it was, through `serde_json::Value`: the reference.

    /// The value at a typed column's field: objects only (a typed column holds
    /// one value, so an array on the way does not fit it).
    fn value_field<'r>(
        record: &'r Map<String, Value>,
        path: &str,
    ) -> Result<Option<&'r Value>, Error> {
        let mut segs = path.split('.');
        let mut v = match record.get(segs.next().unwrap_or_default()) {
            Some(v) => v,
            None => return Ok(None),
        };
        for seg in segs {
            v = match v {
                Value::Object(m) => match m.get(seg) {
                    Some(v) => v,
                    None => return Ok(None),
                },
                Value::Null => return Ok(None),
                other => {
                    return Err(invalid(format!(
                        "field `{path}` goes through {other}, which a typed column cannot hold"
                    )))
                }
            };
        }
        Ok(Some(v))
    }

    fn value_cell(c: &Column, v: Option<&Value>) -> Result<Cell, Error> {
        let wrong = |v: &Value| {
            let what = match c.ty {
                ColumnType::Timestamp => "an RFC 3339 date-time or date",
                ColumnType::Integer => "an integer",
                ColumnType::Float => "a number",
                ColumnType::Bool => "a boolean",
                _ => "a string",
            };
            Err(invalid(format!(
                "field `{}` must be {what} or null (column type {}), found {v}",
                c.field,
                c.ty.name()
            )))
        };
        Ok(match (c.ty, v) {
            (_, None | Some(Value::Null)) => Cell::Null,
            (ColumnType::Json, Some(v)) => Cell::Text(v.to_string()),
            (ColumnType::Text, Some(Value::String(s))) => Cell::Text(s.clone()),
            (ColumnType::Timestamp, Some(Value::String(s))) if instant(s).is_some() => {
                Cell::Text(s.clone())
            }
            (ColumnType::Bool, Some(Value::Bool(b))) => Cell::Bool(*b),
            (ColumnType::Integer, Some(Value::Number(n))) if n.is_i64() => {
                Cell::Int(n.as_i64().unwrap_or_default())
            }
            (ColumnType::Float, Some(Value::Number(n))) => {
                Cell::Float(n.as_f64().unwrap_or_default())
            }
            (_, Some(v)) => return wrong(v),
        })
    }

    /// The row for one record: the document (the text as given) when the schema
    /// has one, then one cell per column, in the schema's order.
    fn value_row(schema: &Schema, text: &str) -> Result<Vec<Cell>, Error> {
        let record: Map<String, Value> =
            serde_json::from_str(text).map_err(|e| invalid(format!("not a JSON object: {e}")))?;
        let mut cells = Vec::with_capacity(schema.columns.len() + 1);
        if schema.document.is_some() {
            cells.push(Cell::Text(text.to_owned()));
        }
        for c in &schema.columns {
            let v = value_cell(c, value_field(&record, &c.field)?)?;
            if v == Cell::Null && key_column(schema).is_some_and(|k| k.column == c.column) {
                return Err(invalid(format!("record has no `{}` (the key)", c.field)));
            }
            cells.push(v);
        }
        Ok(cells)
    }

    /// [`row`] gives what reading the record as a `Value` gives: the same
    /// cells, or the same error.
    #[test]
    fn row_reads_records_as_value_does() {
        let schema = Schema::from_json_str(
            r#"{"table": "t", "document": "doc", "open": true, "columns": [
                {"field": "cluster_id", "column": "id", "type": "text"},
                {"field": "n", "column": "n", "type": "integer"},
                {"field": "x", "column": "x", "type": "float"},
                {"field": "b", "column": "b", "type": "bool"},
                {"field": "t", "column": "t", "type": "timestamp"},
                {"field": "j", "column": "j", "type": "json"},
                {"field": "a.b.c", "column": "abc", "type": "text"},
                {"field": "a.j", "column": "aj", "type": "json"}]}"#,
        )
        .unwrap();
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let records = [
            r#"{"cluster_id": "k"}"#.to_owned(),
            r#"{"cluster_id": "k", "n": 1, "x": 2, "b": true, "t": "2024-01-01", "j": {"z": 1, "a": [1, 2.5, "s", null, {}]}}"#.to_owned(),
            r#"{"cluster_id": "\u006b\n\"", "j": "\ud83e\udd80 \u00e9 \/ \\", "a": {"b": {"c": "\t"}}}"#.to_owned(),
            r#"{"cluster_id": "k", "a": {"b": null}, "n": -9223372036854775808}"#.to_owned(),
            r#"{"cluster_id": "k", "a": {"b": [1]}}"#.to_owned(),
            r#"{"cluster_id": "k", "a": [1]}"#.to_owned(),
            r#"{"cluster_id": "k", "n": 18446744073709551615}"#.to_owned(),
            r#"{"cluster_id": "k", "n": 1.0}"#.to_owned(),
            r#"{"cluster_id": "k", "x": 123456789012345678901234567890}"#.to_owned(),
            r#"{"cluster_id": "k", "x": -0.0, "j": [-0.0, 1E2, 1.5e-7, 0.1]}"#.to_owned(),
            r#"{"cluster_id": "k", "x": 1e400}"#.to_owned(),
            r#"{"cluster_id": "k", "j": "\ud800"}"#.to_owned(),
            r#"{"cluster_id": "k", "j": "\x"}"#.to_owned(),
            r#"{"cluster_id": "k", "b": "true"}"#.to_owned(),
            r#"{"cluster_id": "k", "t": "yesterday"}"#.to_owned(),
            r#"{"cluster_id": 5}"#.to_owned(),
            r#"{"cluster_id": null}"#.to_owned(),
            r#"{"n": 1}"#.to_owned(),
            r#"{"cluster_id": "k"} x"#.to_owned(),
            r#"{"cluster_id": "k",}"#.to_owned(),
            r#"{"cluster_id": "k" "n": 1}"#.to_owned(),
            " \t{\"cluster_id\":\"k\"}\r\n ".to_owned(),
            "[1]".to_owned(),
            "\"s\"".to_owned(),
            "null".to_owned(),
            String::new(),
            "{\"cluster_id\": \"k\", \"j\": \"a\u{1}b\"}".to_owned(),
            format!(r#"{{"cluster_id": "k", "j": {deep}}}"#),
            format!(r#"{{"cluster_id": "k", "z": {deep}}}"#),
        ];
        for text in &records {
            let got = row(&schema, text).map_err(|e| e.message().to_owned());
            let want = value_row(&schema, text).map_err(|e| e.message().to_owned());
            assert_eq!(got, want, "{text}");
        }
    }

    /// A key twice, at any depth, with or without escapes, and in objects
    /// past the sixteen keys that are compared pairwise, is refused (where
    /// `Value` would keep the last).
    #[test]
    fn row_refuses_a_key_twice() {
        let schema = Schema::clusters();
        let many: String = (0..20).map(|i| format!("\"k{i}\": {i}, ")).collect();
        for (text, key) in [
            (
                r#"{"cluster_id": "k", "cluster_id": "k2"}"#.to_owned(),
                "cluster_id",
            ),
            (
                r#"{"cluster_id": "k", "j": {"a": 1, "a": 2, "b": 3}}"#.to_owned(),
                "a",
            ),
            (
                r#"{"cluster_id": "k", "j": {"a": {"x": 1, "x": [2]}}}"#.to_owned(),
                "x",
            ),
            (
                r#"{"cluster_id": "k", "j": [{"y": 1, "\u0079": 2}]}"#.to_owned(),
                "y",
            ),
            (
                format!(r#"{{"cluster_id": "k", "m": {{{many}"k3": 33}}}}"#),
                "k3",
            ),
            (format!(r#"{{{many}"cluster_id": "k", "k19": 0}}"#), "k19"),
        ] {
            let e = row(&schema, &text).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidRecord);
            assert!(
                e.message().starts_with(&format!("duplicate key `{key}`")),
                "{text}: {}",
                e.message()
            );
        }
    }

    #[test]
    fn last_per_key_keeps_first_places_and_last_rows() {
        let schema = Schema::clusters();
        let r = |id: &str, status: &str| {
            row(
                &schema,
                &format!(r#"{{"cluster_id": "{id}", "status": "{status}"}}"#),
            )
            .unwrap()
        };
        let rows = vec![
            r("a", "1"),
            r("b", "1"),
            r("a", "2"),
            r("c", "1"),
            r("a", "3"),
            r("b", "2"),
        ];
        let want = vec![r("a", "3"), r("b", "2"), r("c", "1")];
        assert_eq!(last_per_key(&schema, rows), want);
        let rows = vec![r("a", "1"), r("b", "1")];
        assert_eq!(last_per_key(&schema, rows.clone()), rows);
    }

    #[test]
    fn multi_row_insert_numbers_placeholders_row_by_row() {
        let schema = Schema::from_json_str(
            r#"{"table": "t", "document": "doc", "columns": [{"field": "cluster_id", "column": "id", "type": "text"}]}"#,
        )
        .unwrap();
        assert_eq!(
            insert_rows_sql(&schema, Dialect::Postgres, 2),
            "INSERT INTO \"t\" (\"doc\", \"id\") VALUES (CAST(CAST($1 AS text) AS json), $2), \
             (CAST(CAST($3 AS text) AS json), $4) ON CONFLICT (\"id\") DO UPDATE SET \
             \"doc\" = EXCLUDED.\"doc\", \"id\" = EXCLUDED.\"id\""
        );
        assert_eq!(
            insert_rows_sql(&schema, Dialect::MySql, 2),
            "INSERT INTO `t` (`doc`, `id`) VALUES (?, ?), (?, ?) ON DUPLICATE KEY UPDATE \
             `doc` = VALUES(`doc`), `id` = VALUES(`id`)"
        );
    }
}
