//! Conditions on typed columns. A typed column holds a value of its type or
//! `NULL` (`load` rejects records whose field has another JSON type), so a
//! literal of another type can never match and compiles to a constant.

use sea_query::{Alias, Condition, Expr, ExprTrait};
use serde_json::Value;

use super::json;
use super::{always, frag, like_pattern, sql_value, text, Dialect, Gap, Schema};
use crate::ast::{Condition as Cond, Operator};
use crate::eval::{instant, lower};
use crate::sql::schema::{Column, ColumnType};

fn col(c: &Column) -> Expr {
    Expr::col(Alias::new(&c.column))
}

/// `lower(x)` as the dialect spells a Unicode lowercase.
pub(super) fn lower_expr(d: Dialect, x: Expr) -> Expr {
    match d {
        Dialect::Sqlite => frag(d, "siftql_lower(?)", vec![x]),
        _ => frag(d, "LOWER(?)", vec![x]),
    }
}

fn is_texty(ty: ColumnType) -> bool {
    matches!(ty, ColumnType::Text | ColumnType::Timestamp)
}

fn is_numeric(ty: ColumnType) -> bool {
    matches!(ty, ColumnType::Integer | ColumnType::Float)
}

/// `x <op> lit`, comparing text by code point (case-folded when `ci`).
fn text_cmp(d: Dialect, x: Expr, op: &str, lit: &str, ci: bool) -> Expr {
    let (x, lit) = if ci {
        (lower_expr(d, x), lower(lit))
    } else {
        (x, lit.to_owned())
    };
    let template = match (d, op) {
        (Dialect::Sqlite, "=") => "? = ?".into(),
        (Dialect::Postgres, _) => format!("(? COLLATE \"C\") {op} ?").into(),
        (Dialect::MySql, _) => format!("CAST(? AS BINARY) {op} CAST(? AS BINARY)").into(),
        (Dialect::Sqlite, _) => std::borrow::Cow::Owned(format!("? {op} ?")),
    };
    frag(d, template, vec![x, text(lit)])
}

/// The equality of one column value with one literal, two-valued.
fn eq_one(d: Dialect, c: &Column, v: &Value, ci: bool) -> Result<Condition, Gap> {
    let x = col(c);
    Ok(match (v, c.ty) {
        (Value::Null, _) => Condition::all().add(x.is_null()),
        (Value::String(s), ty) if is_texty(ty) => Condition::all()
            .add(x.clone().is_not_null())
            .add(text_cmp(d, x, "=", s, ci)),
        (Value::Number(_), ty) if is_numeric(ty) => Condition::all()
            .add(x.clone().is_not_null())
            .add(x.eq(sql_value(v).ok_or(Gap::StructuredValue)?)),
        (Value::Bool(b), ColumnType::Bool) => {
            Condition::all().add(x.clone().is_not_null()).add(x.eq(*b))
        }
        _ => always(false),
    })
}

/// `x <op> lit` for the range operators.
fn range(d: Dialect, c: &Column, op: Operator, v: &Value, ci: bool) -> Result<Condition, Gap> {
    let sym = match op {
        Operator::Gt => ">",
        Operator::Gte => ">=",
        Operator::Lt => "<",
        _ => "<=",
    };
    let x = col(c);
    let not_null = x.clone().is_not_null();
    Ok(match (v, c.ty) {
        (Value::Number(_), ty) if is_numeric(ty) => {
            let lit = sql_value(v).ok_or(Gap::StructuredValue)?;
            Condition::all()
                .add(not_null)
                .add(x.binary(binary(sym), lit))
        }
        (Value::String(s), ColumnType::Timestamp) if instant(s).is_some() => {
            let lit = match d {
                Dialect::Sqlite => Expr::val(instant(s).map(|n| n as i64)),
                Dialect::Postgres => frag(
                    d,
                    "CAST(CAST(? AS text) AS timestamptz)",
                    vec![text(utc(instant(s).unwrap_or_default()))],
                ),
                Dialect::MySql => frag(
                    d,
                    "CAST(? AS DATETIME(6))",
                    vec![text(mysql_utc(instant(s).unwrap_or_default()))],
                ),
            };
            let e = frag(d, format!("? {sym} ?"), vec![instant_expr(d, x), lit]);
            Condition::all().add(not_null).add(e)
        }
        // Text against an RFC 3339 literal compares as instants when the
        // text is one too, which needs a parser only SQLite has (siftql's).
        (Value::String(s), ColumnType::Text) if instant(s).is_some() => match d {
            Dialect::Sqlite => {
                let (xs, lit) = if ci {
                    (lower_expr(d, x.clone()), lower(s))
                } else {
                    (x.clone(), s.clone())
                };
                let e = frag(
                    d,
                    format!("CASE WHEN siftql_instant(?) IS NOT NULL THEN siftql_instant(?) {sym} ? ELSE ? {sym} ? END"),
                    vec![x.clone(), x, Expr::val(instant(s).map(|n| n as i64)), xs, text(lit)],
                );
                Condition::all().add(not_null).add(e)
            }
            _ => return Err(Gap::InstantRange),
        },
        (Value::String(s), ty) if is_texty(ty) => Condition::all()
            .add(not_null)
            .add(text_cmp(d, x, sym, s, ci)),
        _ => always(false),
    })
}

/// A timestamp column's text (an RFC 3339 date-time or date, validated when
/// loaded) as an instant the dialect orders and compares: nanoseconds on
/// SQLite (`siftql_instant`), `timestamptz` on PostgreSQL, a UTC
/// `DATETIME(6)` on MySQL. `x` is a text column (or, on PostgreSQL, a value
/// cast to `text`).
pub(super) fn instant_expr(d: Dialect, x: Expr) -> Expr {
    match d {
        Dialect::Sqlite => frag(d, "siftql_instant(?)", vec![x]),
        // A bare date is midnight UTC, whatever the session's time zone.
        Dialect::Postgres => frag(
            d,
            "CAST(CASE WHEN length(?) = 10 THEN ? || 'T00:00:00Z' ELSE ? END AS timestamptz)",
            vec![x.clone(), x.clone(), x],
        ),
        // The offset comes off the end and goes through CONVERT_TZ.
        Dialect::MySql => frag(
            d,
            "(CASE WHEN CHAR_LENGTH(?) = 10 THEN CAST(? AS DATETIME(6)) \
             WHEN RIGHT(?, 1) IN ('Z', 'z') THEN CAST(REPLACE(REPLACE(LEFT(?, CHAR_LENGTH(?) - 1), 'T', ' '), 't', ' ') AS DATETIME(6)) \
             ELSE CONVERT_TZ(CAST(REPLACE(REPLACE(LEFT(?, CHAR_LENGTH(?) - 6), 'T', ' '), 't', ' ') AS DATETIME(6)), RIGHT(?, 6), '+00:00') END)",
            vec![x.clone(), x.clone(), x.clone(), x.clone(), x.clone(), x.clone(), x.clone(), x],
        ),
    }
}

/// Nanoseconds since the epoch as an RFC 3339 UTC date-time.
fn utc(nanos: i128) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Nanoseconds since the epoch as a MySQL UTC `DATETIME(6)` literal.
fn mysql_utc(nanos: i128) -> String {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp_nanos(nanos) else {
        return String::new();
    };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

fn binary(sym: &str) -> sea_query::BinOper {
    use sea_query::BinOper::*;
    match sym {
        ">" => GreaterThan,
        ">=" => GreaterThanOrEqual,
        "<" => SmallerThan,
        _ => SmallerThanOrEqual,
    }
}

/// Substring, prefix or suffix match on a text column.
pub(super) fn text_match(d: Dialect, x: Expr, op: Operator, needle: &str, ci: bool) -> Expr {
    let (x, needle) = if ci {
        (lower_expr(d, x), lower(needle))
    } else {
        (x, needle.to_owned())
    };
    match (d, op) {
        (Dialect::Sqlite, Operator::StartsWith) => frag(
            d,
            "substr(?, 1, length(?)) = ?",
            vec![x, text(&needle), text(needle)],
        ),
        (Dialect::Sqlite, Operator::EndsWith) if needle.is_empty() => {
            frag(d, "? IS NOT NULL", vec![x])
        }
        (Dialect::Sqlite, Operator::EndsWith) => frag(
            d,
            "substr(?, -length(?)) = ?",
            vec![x, text(&needle), text(needle)],
        ),
        (Dialect::Sqlite, _) => frag(d, "instr(?, ?) > 0", vec![x, text(needle)]),
        (Dialect::Postgres, _) => {
            let pattern = like_pattern(
                &needle,
                op == Operator::StartsWith,
                op == Operator::EndsWith,
            );
            frag(d, "? LIKE ? ESCAPE '\\'", vec![x, text(pattern)])
        }
        (Dialect::MySql, _) => {
            let pattern = like_pattern(
                &needle,
                op == Operator::StartsWith,
                op == Operator::EndsWith,
            );
            frag(
                d,
                "CAST(? AS BINARY) LIKE CAST(? AS BINARY) ESCAPE '\\\\'",
                vec![x, text(pattern)],
            )
        }
    }
}

pub(super) fn condition(
    d: Dialect,
    schema: &Schema,
    c: &Column,
    cond: &Cond,
    v: &Value,
    ci: bool,
) -> Result<Condition, Gap> {
    let x = col(c);
    let texty = is_texty(c.ty);
    Ok(match cond.operator {
        Operator::Eq => eq_one(d, c, v, ci)?,
        Operator::Ne => eq_one(d, c, v, ci)?.not(),
        Operator::In | Operator::Nin => {
            let items = v.as_array().map(Vec::as_slice).unwrap_or_default();
            let any = items.iter().try_fold(Condition::any(), |acc, item| {
                Ok::<_, Gap>(acc.add(eq_one(d, c, item, ci)?))
            })?;
            if cond.operator == Operator::Nin {
                any.not()
            } else {
                any
            }
        }
        Operator::Gt | Operator::Gte | Operator::Lt | Operator::Lte => {
            range(d, c, cond.operator, v, ci)?
        }
        Operator::Contains | Operator::StartsWith | Operator::EndsWith | Operator::Text => {
            match v {
                Value::String(s) if texty => {
                    let op = if cond.operator == Operator::Text {
                        Operator::Contains
                    } else {
                        cond.operator
                    };
                    let ci = ci || cond.operator == Operator::Text;
                    Condition::all()
                        .add(x.clone().is_not_null())
                        .add(text_match(d, x, op, s, ci))
                }
                _ => always(false),
            }
        }
        Operator::Regex => match (v, d) {
            (Value::String(p), Dialect::Sqlite) if texty => {
                let pattern = if ci { format!("(?i){p}") } else { p.clone() };
                Condition::all().add(x.clone().is_not_null()).add(frag(
                    d,
                    "? REGEXP ?",
                    vec![x, text(pattern)],
                ))
            }
            (Value::String(_), _) if texty => return Err(Gap::Operator(Operator::Regex)),
            _ => always(false),
        },
        Operator::Exists => {
            let want = v.as_bool().unwrap_or(true);
            // A column cannot tell a missing field from null; the document can.
            let path: Vec<String> = cond.field.segments().map(str::to_owned).collect();
            let present = match schema
                .document
                .as_deref()
                .map(|doc| json::At::new(d, doc, &path))
            {
                Some(Ok(at)) => at.found(),
                _ => Condition::all().add(x.is_not_null()),
            };
            if want {
                present
            } else {
                present.not()
            }
        }
        Operator::IsNull => {
            if v.as_bool().unwrap_or(true) {
                Condition::all().add(x.is_null())
            } else {
                Condition::all().add(x.is_not_null())
            }
        }
        // Only SQLite runs the evaluator's code (capability says so first).
        Operator::Phrase | Operator::Words => match (v, d) {
            (Value::String(s), Dialect::Sqlite) if texty => Condition::all().add(frag(
                d,
                format!("{}(?, ?)", super::sqlite_function(cond.operator)),
                vec![x, text(s)],
            )),
            (Value::String(_), _) if texty => return Err(Gap::Operator(cond.operator)),
            _ => always(false),
        },
        // A typed column holds text, a number or a boolean: never a point.
        Operator::GeoRadius | Operator::GeoBoundingBox | Operator::GeoPolygon => always(false),
    })
}
