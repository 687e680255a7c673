//! Turning a record (JSON text) into the cells of a schema's row, checking
//! each typed field against its column type. Shared by the drivers.

use serde_json::{Map, Value};

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

fn invalid(message: String) -> Error {
    Error::new(ErrorCode::InvalidRecord, message)
}

/// The value at a typed column's field: objects only (a typed column holds
/// one value, so an array on the way does not fit it).
fn field<'r>(record: &'r Map<String, Value>, path: &str) -> Result<Option<&'r Value>, Error> {
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

fn cell(c: &Column, v: Option<&Value>) -> Result<Cell, Error> {
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
        // A JSON column keeps `null` apart from a missing field, as the
        // evaluator does (`exists` is true for it).
        (ColumnType::Json, Some(Value::Null)) => Cell::Text("null".to_owned()),
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
        (ColumnType::Float, Some(Value::Number(n))) => Cell::Float(n.as_f64().unwrap_or_default()),
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
    let record: Map<String, Value> =
        serde_json::from_str(text).map_err(|e| invalid(format!("not a JSON object: {e}")))?;
    let mut cells = Vec::with_capacity(schema.columns.len() + 1);
    if schema.document.is_some() {
        cells.push(Cell::Text(text.to_owned()));
    }
    for c in &schema.columns {
        let v = cell(c, field(&record, &c.field)?)?;
        if v == Cell::Null && key_column(schema).is_some_and(|k| k.column == c.column) {
            return Err(invalid(format!("record has no `{}` (the key)", c.field)));
        }
        cells.push(v);
    }
    Ok(cells)
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
    format!(
        "CREATE TABLE IF NOT EXISTS {} ({}){}",
        d.quote(&schema.table),
        cols.join(", "),
        d.table_suffix()
    )
}

/// `INSERT …` of one [`row`], replacing the row with the same key.
pub(crate) fn insert_sql(schema: &Schema, d: Dialect) -> String {
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
    let marks: Vec<String> = json
        .iter()
        .enumerate()
        .map(|(i, j)| d.insert_placeholder(i + 1, *j))
        .collect();
    let update =
        key_column(schema).map_or(String::new(), |k| d.upsert(&d.quote(&k.column), &names));
    format!(
        "INSERT INTO {} ({}) VALUES ({}){update}",
        d.quote(&schema.table),
        names.join(", "),
        marks.join(", ")
    )
}
