//! Sorting and keyset pagination over a schema's typed columns.
//!
//! [`Sort::order_by`] orders a `SELECT` by typed columns — text by code
//! point, timestamps as instants, numbers and booleans by value — with
//! `NULL` after every present value in both directions, and ties broken by
//! a unique text column (the key) ascending, so the order is total and
//! stable. [`Sort::after`] is the condition "comes after this row in that
//! order": a page that starts after the last row of the previous one needs
//! no `OFFSET`, and stays right when rows are inserted or deleted between
//! the two requests.
//!
//! ```
//! use siftql::sql::{compile, Dialect, Schema, Sort, SortKey};
//! use siftql::sql::load::Cell;
//!
//! let schema = Schema::clusters();
//! let sort = Sort::new(&schema, vec![SortKey::desc("created_at")], "cluster_id")?;
//! let mut select = compile(&"status = done".parse()?, &schema, Dialect::Sqlite)?.select();
//! sort.order_by(&mut select, Dialect::Sqlite);
//! let last = [Cell::Text("2024-05-01T10:00:00+02:00".into())];
//! select.cond_where(sort.after(Dialect::Sqlite, &last, "cl_042")?);
//! let (sql, _) = siftql::sql::build(&select, Dialect::Sqlite);
//! assert!(sql.contains("ORDER BY"));
//! # Ok::<(), siftql::Error>(())
//! ```

use sea_query::{Alias, Condition, Expr, ExprTrait, Order, SelectStatement, Value as SqlValue};

use super::column::instant_expr;
use super::load::{AsCellRef, Cell, CellRef};
use super::{text, Column, ColumnType, Dialect, Schema};
use crate::error::{did_you_mean, Error, ErrorCode};

/// One sort key: a field and a direction.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SortKey {
    /// The field path; it must have a typed (not JSON) column.
    pub field: String,
    /// Largest first.
    pub descending: bool,
}

impl SortKey {
    /// Smallest first.
    pub fn asc(field: impl Into<String>) -> SortKey {
        SortKey {
            field: field.into(),
            descending: false,
        }
    }

    /// Largest first.
    pub fn desc(field: impl Into<String>) -> SortKey {
        SortKey {
            field: field.into(),
            descending: true,
        }
    }
}

/// A checked sort order over a schema's typed columns, with a tie-breaking
/// key column.
#[derive(Clone, Debug)]
pub struct Sort {
    keys: Vec<(Column, bool)>,
    key: Column,
}

/// The fields a schema can sort by: those with a typed, non-JSON column.
pub fn sortable(schema: &Schema) -> impl Iterator<Item = &Column> {
    schema.columns.iter().filter(|c| c.ty != ColumnType::Json)
}

fn sort_column(schema: &Schema, field: &str) -> Result<Column, Error> {
    if let Some(c) = sortable(schema).find(|c| c.field == field) {
        return Ok(c.clone());
    }
    let known = sortable(schema).map(|c| c.field.as_str());
    let e = Error::new(
        ErrorCode::UnknownField,
        format!("cannot sort by `{field}`: not a sortable field"),
    );
    // A near miss, or else the one field the name starts (`created` →
    // `created_at`).
    let suggestion = did_you_mean(field, known).or_else(|| {
        let mut starting = sortable(schema)
            .map(|c| c.field.as_str())
            .filter(|c| c.len() > field.len() && c.starts_with(field));
        match (starting.next(), starting.next()) {
            (Some(only), None) if !field.is_empty() => Some(only),
            _ => None,
        }
    });
    Err(match suggestion {
        Some(s) => e.with_help(format!("did you mean `{s}`?")),
        None => e.with_help(format!(
            "sortable fields: {}",
            sortable(schema)
                .map(|c| c.field.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    })
}

impl Sort {
    /// Checks every key against the schema (an unknown or JSON field is
    /// error E0401 with a suggestion) and the tie-breaking `key` field, which
    /// must be a text column whose values are unique and never `NULL` (the
    /// cluster schema's `cluster_id`).
    pub fn new(schema: &Schema, keys: Vec<SortKey>, key: &str) -> Result<Sort, Error> {
        let key = sort_column(schema, key)?;
        if key.ty != ColumnType::Text {
            return Err(Error::new(
                ErrorCode::InvalidSchema,
                format!("the tie-breaking key `{}` must be a text column", key.field),
            ));
        }
        let keys = keys
            .into_iter()
            .map(|k| Ok((sort_column(schema, &k.field)?, k.descending)))
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(Sort { keys, key })
    }

    /// The sort columns, in order (without the tie-breaking key).
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|(c, _)| c.field.as_str())
    }

    /// The tie-breaking key's field.
    pub fn key_field(&self) -> &str {
        &self.key.field
    }

    /// Appends the `ORDER BY`: each key with its `NULL`s last, then the
    /// tie-breaking key ascending.
    pub fn order_by(&self, select: &mut SelectStatement, dialect: Dialect) {
        for (c, desc) in &self.keys {
            let x = Expr::col(Alias::new(&c.column));
            select.order_by_expr(x.clone().is_null(), Order::Asc);
            let order = if *desc { Order::Desc } else { Order::Asc };
            select.order_by_expr(ordered_column(dialect, c), order);
        }
        select.order_by_expr(ordered_column(dialect, &self.key), Order::Asc);
    }

    /// The rows that come after a row whose sort columns hold `last` (one
    /// cell each, in key order, as [`load::row`](super::load::row) gives
    /// them) and whose key is `key`, in this order.
    pub fn after(&self, dialect: Dialect, last: &[Cell], key: &str) -> Result<Condition, Error> {
        if last.len() != self.keys.len() {
            return Err(Error::new(
                ErrorCode::InvalidRecord,
                format!(
                    "a position in this order has {} values, not {}",
                    self.keys.len(),
                    last.len()
                ),
            ));
        }
        // (k1 after) or (k1 same and k2 after) or … or (all same and key after)
        let mut any = Condition::any();
        let mut same = Condition::all();
        for ((c, desc), cell) in self.keys.iter().zip(last) {
            let x = Expr::col(Alias::new(&c.column));
            let Some(v) = literal(dialect, c, cell)? else {
                // After NULL come only later NULLs: equal here, decided later.
                same = same.add(x.is_null());
                continue;
            };
            let lhs = ordered_column(dialect, c);
            // A timestamp's literal is its instant already.
            let rhs = match c.ty {
                ColumnType::Timestamp => v,
                _ => ordered(dialect, c.ty, v),
            };
            let beyond = if *desc {
                lhs.clone().lt(rhs.clone())
            } else {
                lhs.clone().gt(rhs.clone())
            };
            let later = Condition::any().add(x.clone().is_null()).add(beyond);
            any = any.add(same.clone().add(later));
            same = same.add(x.is_not_null()).add(lhs.eq(rhs));
        }
        let k = ordered_column(dialect, &self.key);
        let kv = ordered(dialect, ColumnType::Text, text(key));
        Ok(any.add(same.add(k.gt(kv))))
    }
}

impl Sort {
    /// Compares two rows in this order, as [`Sort::order_by`] orders them:
    /// each row is its sort columns' cells (one per key, in key order, as
    /// [`load::row`](super::load::row) or a driver gives them) and its key.
    /// A server that reads the filtered rows once can sort and page them
    /// itself with this, and `a` comes after `b` exactly when
    /// [`Sort::after`] with `b`'s position selects `a`.
    ///
    /// Text compares by code point, timestamps as instants, numbers by
    /// value (an integer cell in a float column too), booleans `false`
    /// first; `NULL` (or a cell that does not fit the column) comes after
    /// every value in both directions.
    pub fn compare<A: AsCellRef, B: AsCellRef>(
        &self,
        a: (&[A], &str),
        b: (&[B], &str),
    ) -> std::cmp::Ordering {
        for (i, (c, desc)) in self.keys.iter().enumerate() {
            let x = sort_value(c.ty, a.0.get(i).map(AsCellRef::cell_ref));
            let y = sort_value(c.ty, b.0.get(i).map(AsCellRef::cell_ref));
            let o = match (x, y) {
                (None, None) => std::cmp::Ordering::Equal,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some(_), None) => std::cmp::Ordering::Less,
                (Some(x), Some(y)) if *desc => y.cmp(&x),
                (Some(x), Some(y)) => x.cmp(&y),
            };
            if o.is_ne() {
                return o;
            }
        }
        a.1.cmp(b.1)
    }
}

/// A cell's place in its column's order; `None` sorts last. One column
/// gives one kind of value.
#[derive(PartialEq)]
enum SortValue<'a> {
    Text(&'a str),
    Instant(i128),
    Int(i64),
    Float(f64),
}

impl SortValue<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        use SortValue::*;
        match (self, other) {
            (Text(x), Text(y)) => x.cmp(y),
            (Instant(x), Instant(y)) => x.cmp(y),
            (Int(x), Int(y)) => x.cmp(y),
            // -0 and 0 are one value, as in SQL.
            (Float(x), Float(y)) => x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal),
            _ => std::cmp::Ordering::Equal,
        }
    }
}

fn sort_value(ty: ColumnType, cell: Option<CellRef<'_>>) -> Option<SortValue<'_>> {
    match (ty, cell?) {
        (ColumnType::Text, CellRef::Text(s)) => Some(SortValue::Text(s)),
        (ColumnType::Timestamp, CellRef::Text(s)) => {
            crate::eval::instant(s).map(SortValue::Instant)
        }
        (ColumnType::Integer, CellRef::Int(i)) => Some(SortValue::Int(i)),
        (ColumnType::Float, CellRef::Float(f)) => Some(SortValue::Float(f)),
        (ColumnType::Float, CellRef::Int(i)) => Some(SortValue::Float(i as f64)),
        (ColumnType::Bool, CellRef::Bool(b)) => Some(SortValue::Int(i64::from(b))),
        // MySQL's BOOLEAN is a TINYINT.
        (ColumnType::Bool, CellRef::Int(i)) => Some(SortValue::Int(i64::from(i != 0))),
        _ => None,
    }
}

/// The expression a column of type `ty` orders by: text by code point,
/// timestamps as instants, the rest by value.
/// What column `c` orders by: for text, the dialect's case-sensitive key
/// column where it keeps one (an index on it can serve the order).
fn ordered_column(d: Dialect, c: &Column) -> Expr {
    match (c.ty, d.text_key(&c.column, false)) {
        (ColumnType::Text, Some(key)) => Expr::col(Alias::new(key)),
        _ => ordered(d, c.ty, Expr::col(Alias::new(&c.column))),
    }
}

fn ordered(d: Dialect, ty: ColumnType, x: Expr) -> Expr {
    match ty {
        ColumnType::Timestamp => instant_expr(d, x),
        ColumnType::Text => d.apply(d.text_order(), x),
        ColumnType::Integer | ColumnType::Float | ColumnType::Bool | ColumnType::Json => x,
    }
}

/// A cell as a bound value of the column's type, or `None` for `NULL`.
fn literal(d: Dialect, c: &Column, cell: &Cell) -> Result<Option<Expr>, Error> {
    let v = match (c.ty, cell) {
        (_, Cell::Null) => return Ok(None),
        (ColumnType::Text, Cell::Text(s)) => text(s.as_str()),
        (ColumnType::Timestamp, Cell::Text(s)) => match crate::eval::instant(s) {
            Some(nanos) => d.fragment(d.instant_literal(nanos)),
            None => {
                return Err(Error::new(
                    ErrorCode::InvalidRecord,
                    format!(
                        "a position in this order has `{s}` for `{}`, which is not an RFC 3339 date-time or date",
                        c.field
                    ),
                ))
            }
        },
        (ColumnType::Integer, Cell::Int(i)) => Expr::val(SqlValue::BigInt(Some(*i))),
        (ColumnType::Float, Cell::Float(f)) => Expr::val(SqlValue::Double(Some(*f))),
        (ColumnType::Float, Cell::Int(i)) => Expr::val(SqlValue::Double(Some(*i as f64))),
        (ColumnType::Bool, Cell::Bool(b)) => Expr::val(SqlValue::Bool(Some(*b))),
        _ => {
            return Err(Error::new(
                ErrorCode::InvalidRecord,
                format!(
                    "a position in this order has {cell:?} for `{}`, a {} column",
                    c.field,
                    c.ty.name()
                ),
            ))
        }
    };
    Ok(Some(v))
}
