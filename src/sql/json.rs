//! Conditions on paths inside JSON columns (SQLite).
//!
//! `siftql_leaves(json, path, mode)` (registered by [`super::sqlite`]) walks a
//! path the way the evaluator does — objects by key, arrays of objects
//! element by element — and returns what it found as a JSON array, which
//! `json_each` turns into rows `c(type, value)`:
//!
//! * mode 0: the values found;
//! * mode 1: the candidates of "the value, or for an array any element":
//!   scalar values, and the elements of array values;
//! * mode 2: the elements of array values only.
//!
//! Every operator is then plain SQL over those rows, and `EXISTS` keeps it
//! two-valued.

use sea_query::{Alias, Condition, Expr};
use serde_json::Value;

use super::typed::lower_expr;
use super::{always, frag, sql_value, text, Dialect, Gap};
use crate::ast::Operator;
use crate::eval::{instant, lower};

fn leaves(
    d: Dialect,
    column: &str,
    path: &[String],
    mode: u8,
    test: Option<(&str, Vec<Expr>)>,
) -> Expr {
    let path = serde_json::to_string(path).expect("a list of strings");
    let mut exprs = vec![Expr::col(Alias::new(column)), text(path)];
    let template = match test {
        Some((sql, params)) => {
            exprs.extend(params);
            format!(
                "EXISTS (SELECT 1 FROM json_each(siftql_leaves(?, ?, {mode})) AS c WHERE {sql})"
            )
        }
        None => format!("EXISTS (SELECT 1 FROM json_each(siftql_leaves(?, ?, {mode})))"),
    };
    frag(d, &template, exprs)
}

/// Some value is found at the path (even `null`).
pub(super) fn found(d: Dialect, column: &str, path: &[String]) -> Condition {
    Condition::all().add(leaves(d, column, path, 0, None))
}

fn c_value() -> Expr {
    Expr::cust("c.value")
}

/// The test "candidate equals this scalar literal" on `c`.
fn eq_test(d: Dialect, v: &Value, ci: bool) -> Result<(String, Vec<Expr>), Gap> {
    Ok(match v {
        Value::Null => ("c.type = 'null'".to_owned(), vec![]),
        Value::Bool(true) => ("c.type = 'true'".to_owned(), vec![]),
        Value::Bool(false) => ("c.type = 'false'".to_owned(), vec![]),
        Value::Number(_) => (
            "c.type IN ('integer', 'real') AND c.value = ?".to_owned(),
            vec![Expr::val(sql_value(v).ok_or(Gap::StructuredValue)?)],
        ),
        Value::String(s) if ci => (
            "c.type = 'text' AND ? = ?".to_owned(),
            vec![lower_expr(d, c_value()), text(lower(s))],
        ),
        Value::String(s) => (
            "c.type = 'text' AND c.value = ?".to_owned(),
            vec![text(s.as_str())],
        ),
        _ => return Err(Gap::StructuredValue),
    })
}

fn any(
    d: Dialect,
    column: &str,
    path: &[String],
    mode: u8,
    test: (String, Vec<Expr>),
) -> Condition {
    Condition::all().add(leaves(d, column, path, mode, Some((&test.0, test.1))))
}

/// `eq v`: the value or an element equals `v`; `eq null` also matches missing.
fn eq(d: Dialect, column: &str, path: &[String], v: &Value, ci: bool) -> Result<Condition, Gap> {
    let hit = any(d, column, path, 1, eq_test(d, v, ci)?);
    Ok(if v.is_null() {
        Condition::any().add(found(d, column, path).not()).add(hit)
    } else {
        hit
    })
}

fn string_test(
    d: Dialect,
    ci: bool,
    sql: &str,
    lit: &str,
    extra: Vec<Expr>,
) -> (String, Vec<Expr>) {
    let x = if ci {
        lower_expr(d, c_value())
    } else {
        c_value()
    };
    let lit = if ci { lower(lit) } else { lit.to_owned() };
    let mut exprs = vec![x];
    exprs.extend(extra);
    exprs.push(text(lit));
    (format!("c.type = 'text' AND {sql}"), exprs)
}

pub(super) fn condition(
    d: Dialect,
    column: &str,
    path: &[String],
    op: Operator,
    v: &Value,
    ci: bool,
) -> Result<Condition, Gap> {
    if d != Dialect::Sqlite {
        return Err(Gap::Json);
    }
    Ok(match op {
        Operator::Eq => eq(d, column, path, v, ci)?,
        Operator::Ne => eq(d, column, path, v, ci)?.not(),
        Operator::In | Operator::Nin => {
            let items = v.as_array().map(Vec::as_slice).unwrap_or_default();
            let hit = items.iter().try_fold(Condition::any(), |acc, item| {
                Ok::<_, Gap>(acc.add(eq(d, column, path, item, ci)?))
            })?;
            if op == Operator::Nin {
                hit.not()
            } else {
                hit
            }
        }
        Operator::Gt | Operator::Gte | Operator::Lt | Operator::Lte => {
            let sym = match op {
                Operator::Gt => ">",
                Operator::Gte => ">=",
                Operator::Lt => "<",
                _ => "<=",
            };
            match v {
                Value::Number(_) => any(
                    d,
                    column,
                    path,
                    1,
                    (
                        format!("c.type IN ('integer', 'real') AND c.value {sym} ?"),
                        vec![Expr::val(sql_value(v).ok_or(Gap::StructuredValue)?)],
                    ),
                ),
                Value::String(s) => {
                    let x = if ci {
                        lower_expr(d, c_value())
                    } else {
                        c_value()
                    };
                    let lit = if ci { lower(s) } else { s.clone() };
                    match instant(s) {
                        // Instants when both sides are RFC 3339; text otherwise.
                        Some(nanos) => any(
                            d,
                            column,
                            path,
                            1,
                            (
                                format!(
                                    "c.type = 'text' AND CASE WHEN siftql_instant(c.value) IS NOT NULL \
                                     THEN siftql_instant(c.value) {sym} ? ELSE ? {sym} ? END"
                                ),
                                vec![Expr::val(nanos as i64), x, text(lit)],
                            ),
                        ),
                        None => any(d, column, path, 1, (format!("c.type = 'text' AND ? {sym} ?"), vec![x, text(lit)])),
                    }
                }
                _ => always(false),
            }
        }
        Operator::Contains => {
            let elements = any(d, column, path, 2, eq_test(d, v, ci)?);
            match v {
                Value::String(s) => Condition::any()
                    .add(any(
                        d,
                        column,
                        path,
                        0,
                        string_test(d, ci, "instr(?, ?) > 0", s, vec![]),
                    ))
                    .add(elements),
                _ => elements,
            }
        }
        Operator::StartsWith | Operator::EndsWith | Operator::Text => {
            let s = v.as_str().unwrap_or_default();
            let ci = ci || op == Operator::Text;
            if s.is_empty() {
                // Every string starts with, ends with and contains "".
                return Ok(any(
                    d,
                    column,
                    path,
                    1,
                    ("c.type = 'text'".to_owned(), vec![]),
                ));
            }
            let sql = match op {
                Operator::StartsWith => "substr(?, 1, length(?)) = ?",
                Operator::EndsWith => "substr(?, -length(?)) = ?",
                _ => "instr(?, ?) > 0",
            };
            let extra = if op == Operator::Text {
                vec![]
            } else {
                vec![text(if ci { lower(s) } else { s.to_owned() })]
            };
            any(d, column, path, 1, string_test(d, ci, sql, s, extra))
        }
        Operator::Regex => {
            let p = v.as_str().unwrap_or_default();
            let pattern = if ci { format!("(?i){p}") } else { p.to_owned() };
            any(
                d,
                column,
                path,
                1,
                (
                    "c.type = 'text' AND c.value REGEXP ?".to_owned(),
                    vec![text(pattern)],
                ),
            )
        }
        Operator::Exists => {
            if v.as_bool().unwrap_or(true) {
                found(d, column, path)
            } else {
                found(d, column, path).not()
            }
        }
        Operator::IsNull => {
            if v.as_bool().unwrap_or(true) {
                Condition::any().add(found(d, column, path).not()).add(any(
                    d,
                    column,
                    path,
                    0,
                    ("c.type = 'null'".to_owned(), vec![]),
                ))
            } else {
                any(d, column, path, 0, ("c.type <> 'null'".to_owned(), vec![]))
            }
        }
        op => return Err(Gap::JsonOperator(op)),
    })
}
