//! Compiling filters to SQL with sea-query, for PostgreSQL, MySQL/MariaDB and
//! SQLite — values always bound.
//!
//! [`compile`] turns a filter into a sea-query [`Condition`] to embed in your
//! own statements, and [`Compiled::select`] into a whole `SELECT` of the
//! schema's document column. The SQL means what the evaluator means
//! (`docs/semantics.md`): every condition compiles to a two-valued SQL
//! expression (never `NULL`), so `NOT`, `ne` and `nin` are null-safe and
//! match missing fields.
//!
//! What a dialect cannot express is an error from [`capability`], never SQL
//! that means something else. The table is in docs/sql.md and checked by a
//! test against this code.
//!
//! ```
//! use siftql::sql::{compile, Dialect, Schema};
//!
//! let f = r#"status = "completed" and num_clusters >= 5"#.parse()?;
//! let c = compile(&f, &Schema::clusters(), Dialect::Sqlite)?;
//! let (sql, values) = c.build();
//! assert!(sql.starts_with(r#"SELECT "doc" FROM "clusters" WHERE"#));
//! assert_eq!(values.0.len(), 2);
//! # Ok::<(), siftql::Error>(())
//! ```

pub mod driver;
pub mod index;
pub mod load;
#[cfg(feature = "mysql")]
pub mod mysql;
mod page;
#[cfg(feature = "postgres")]
pub mod postgres;
pub mod regex;
mod schema;
#[cfg(feature = "sqlite")]
pub mod sqlite;
mod typecheck;

/// A database error as a siftql error (exit status 1 on the command line).
pub fn db_error(e: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::Database, format!("database error: {e}"))
}

/// An error's text followed by its causes' (`: cause`), each once: drivers
/// often say what failed in one error and why in its source.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub(crate) fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let part = c.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        cause = c.source();
    }
    text
}

/// A database URL fit to show: its password replaced by `***`.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((name, _)) => format!("{scheme}://{name}:***@{host}{path}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

pub use dialect::{Dialect, OnePass, SqlDialect};
pub use page::{sortable, Sort, SortKey};
pub use schema::{Column, ColumnType, Schema};

use std::collections::HashMap;
use std::sync::Arc;

use sea_query::{Alias, Condition, Expr, Query, SelectStatement, Value as SqlValue, Values};
use serde_json::Value;

use crate::ast::{
    Condition as FilterCondition, FieldPath, Filter, Fold, Group, GroupParts, Node, Operand,
    Operator, Scope,
};
use crate::check::check_operand;
use crate::error::{Error, ErrorCode};
use crate::eval::{Bindings, Predicate};
use crate::Limits;
use column::Mode;
use schema::Place;

/// Something a dialect cannot express (see [`capability`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gap {
    /// The operator is not compiled for values inside JSON columns.
    JsonOperator(Operator),
    /// A JSON path the dialect cannot walk as the evaluator does (a number
    /// segment on PostgreSQL or MySQL; on MySQL more than 8 segments, or a
    /// backslash or control character in a key).
    Json,
    /// `eq`/`ne`/`in`/`nin`/`contains` with an array or object value, or an
    /// integer beyond the signed 64-bit range.
    StructuredValue,
    /// The operator is not compiled at all.
    Operator(Operator),
    /// A range with an RFC 3339 literal on text that is not a `timestamp`
    /// column (a JSON field or a `text` column) outside SQLite: comparing as
    /// instants needs a parser the dialect lacks.
    InstantRange,
    /// A regular expression with a construct the dialect's engine cannot
    /// say exactly (see [`regex`]): the construct, in words.
    Regex(&'static str),
    /// A `geo_radius` radius under 10⁻¹⁰⁰ metres on PostgreSQL, which cannot
    /// round a product to zero the way the evaluator does (it raises an
    /// error instead; see `sql::geo`).
    TinyRadius,
    /// A field name or string value with U+0000 on PostgreSQL, whose text
    /// cannot hold it (no stored text holds it either: loading refuses it,
    /// see [`load::storable`]), or a string value with U+0000 on SQLite,
    /// whose `length` and `substr` stop at it (stored text may hold it).
    Nul,
}

/// Whether `dialect` compiles `op` at all; `Err` says what is missing. This
/// is the capability table of docs/sql.md, and the compiler consults it.
/// (Some values are gaps of their own, listed under the table: an RFC 3339
/// range literal on a text column or inside JSON on PostgreSQL and MySQL,
/// array/object literals, integers beyond 64 bits, number path segments on
/// PostgreSQL and MySQL.)
pub fn capability(dialect: Dialect, op: Operator) -> Result<(), Gap> {
    dialect.capability(op)
}

fn gap_error(dialect: Dialect, gap: Gap) -> Error {
    let what = match gap {
        Gap::Operator(op) => format!("operator `{op}` has no SQL translation yet; filter in memory (`siftql filter`)"),
        Gap::JsonOperator(op) => format!("operator `{op}` is not compiled for fields inside JSON on {dialect}"),
        Gap::Json => format!(
            "this path inside JSON cannot be compiled for {dialect} (a number segment; on MySQL more than 8 \
             segments, or a backslash or control character in a key)"
        ),
        Gap::InstantRange => "a range with an RFC 3339 date on a text or JSON field compares instants, which needs \
                               a date parser this dialect lacks; store the field in a timestamp column"
            .to_owned(),
        Gap::Regex(what) => format!(
            "this regex has {what}, which has no exact translation for {dialect}; \
             `sql::compile_rechecked` (as `siftql query` does) rechecks it in memory"
        ),
        Gap::TinyRadius => format!(
            "a `geo_radius` radius under {} m cannot be compiled for {dialect}",
            geo::MIN_PG_RADIUS
        ),
        Gap::Nul => format!(
            "U+0000 in this field or value has no exact SQL for {dialect} (PostgreSQL text \
             cannot hold it; SQLite's string functions stop at it)"
        ),
        Gap::StructuredValue => {
            "comparing with an array or object value, or an integer beyond 64 bits, has no SQL translation yet".to_owned()
        }
    };
    Error::new(
        ErrorCode::Unsupported,
        format!("{what} (dialect {dialect})"),
    )
    .with_help("see the capability table in docs/sql.md")
}

/// Whether the dialect's text holds the field's name and the value's
/// strings as the evaluator does: PostgreSQL's holds no U+0000, and
/// SQLite's `length` and `substr` stop at one.
fn holds_text(dialect: Dialect, field: &FieldPath, value: &Value) -> Result<(), Gap> {
    fn has_nul(v: &Value) -> bool {
        match v {
            Value::String(s) => s.contains('\0'),
            Value::Array(items) => items.iter().any(has_nul),
            Value::Object(m) => m.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
            _ => false,
        }
    }
    let nul = if dialect == Dialect::Postgres {
        field.as_str().contains('\0') || has_nul(value)
    } else {
        dialect == Dialect::Sqlite && has_nul(value)
    };
    if nul {
        return Err(Gap::Nul);
    }
    Ok(())
}

/// A compiled filter: a condition over the schema's table.
#[derive(Clone, Debug)]
pub struct Compiled {
    condition: Condition,
    table: String,
    document: Option<String>,
    dialect: Dialect,
    residual: Option<Arc<Predicate>>,
}

impl Compiled {
    /// The condition, to embed in your own statement (`.cond_where(…)`).
    ///
    /// It is a predicate for a `WHERE` clause (alone or `AND`/`OR`-ed with
    /// your own conditions, or in a `CASE WHEN`): TRUE exactly on the rows
    /// the filter matches, and FALSE or `NULL` on the others. Conditions
    /// that stand under no `NOT` leave out the `IS NOT NULL` guards that a
    /// `NULL` column would otherwise need, so a database can use its index.
    /// Do not put your own `NOT` around it or select it as a value: to
    /// exclude a filter's rows, compile `not (…)` of the filter instead.
    pub fn condition(&self) -> Condition {
        self.condition.clone()
    }

    /// `SELECT <document column> FROM <table> WHERE <condition>`, or
    /// `SELECT *` when the schema has no document column.
    pub fn select(&self) -> SelectStatement {
        let mut q = Query::select();
        match &self.document {
            Some(doc) => q.column(Alias::new(doc)),
            None => q.column(sea_query::Asterisk),
        };
        q.from(Alias::new(&self.table))
            .cond_where(self.condition.clone())
            .to_owned()
    }

    /// The dialect it was compiled for.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// What each row the condition selects must still pass, for a filter
    /// compiled by [`compile_rechecked`] with conditions the dialect cannot
    /// say exactly: the whole filter, in memory, on the row's document.
    /// `None` when the condition is exact (always, from [`compile`]).
    ///
    /// With a residual, [`condition`](Compiled::condition) is a superset of
    /// the filter's rows, never missing one; a statement of your own must
    /// read the document column and keep the rows whose document
    /// [`Predicate::matches`] (parsed with
    /// [`RawRecord::parse`](crate::eval::RawRecord::parse)), and counts,
    /// limits and offsets must be applied after that, not in SQL.
    /// [`Driver::documents`](driver::Driver::documents) does it.
    pub fn residual(&self) -> Option<&Predicate> {
        self.residual.as_deref()
    }
}

/// SQL with placeholders for `dialect`, and the values to bind.
pub fn build(statement: &SelectStatement, dialect: Dialect) -> (String, Values) {
    dialect.build(statement)
}

/// SQL with the values inlined (escaped by sea-query): for reading, not for
/// running user input.
pub fn to_inline(statement: &SelectStatement, dialect: Dialect) -> String {
    dialect.inline(statement)
}

impl Compiled {
    /// The whole `SELECT` for the dialect it was compiled for: SQL with
    /// placeholders and the values to bind. (Consumes the compiled filter so
    /// the condition is not copied; clone first to keep it.)
    pub fn build(self) -> (String, Values) {
        let dialect = self.dialect;
        build(&self.into_select(), dialect)
    }

    /// Like [`Compiled::select`], without copying the condition.
    pub fn into_select(self) -> SelectStatement {
        let mut q = Query::select();
        match &self.document {
            Some(doc) => q.column(Alias::new(doc)),
            None => q.column(sea_query::Asterisk),
        };
        q.from(Alias::new(&self.table))
            .cond_where(self.condition)
            .to_owned()
    }
}

/// Compiles `filter` for `dialect` over `schema` (a filter with dynamic
/// values needs [`compile_with`]).
pub fn compile(filter: &Filter, schema: &Schema, dialect: Dialect) -> Result<Compiled, Error> {
    compile_with(filter, schema, dialect, &Bindings::new())
}

/// Compiles `filter` for `dialect` over `schema`, binding dynamic values.
///
/// Exact only: a condition the dialect cannot say exactly in SQL is
/// [`ErrorCode::Unsupported`] (E0402), so the SQL alone selects exactly the
/// filter's rows. [`compile_rechecked`] compiles such filters too.
pub fn compile_with(
    filter: &Filter,
    schema: &Schema,
    dialect: Dialect,
    bindings: &Bindings,
) -> Result<Compiled, Error> {
    compile_inner(filter, schema, dialect, bindings, false)
}

/// Compiles `filter` like [`compile_with`], except that a condition the
/// dialect cannot say exactly (an operator or value it lacks: see the
/// capability table) is not refused. Its place in the SQL holds wherever
/// the condition could — TRUE, or FALSE under an odd number of `NOT`s — so
/// the condition selects a superset of the filter's rows, and
/// [`Compiled::residual`] is the whole filter, for the rows to be
/// rechecked in memory. Exact filters compile as with [`compile_with`]
/// (no residual). The schema needs a document column to recheck; without
/// one such a filter is still E0402.
///
/// The cost: the database narrows the rows only by the exact conditions
/// around the rechecked one, and every row it returns is read whole and
/// evaluated.
pub fn compile_rechecked(
    filter: &Filter,
    schema: &Schema,
    dialect: Dialect,
    bindings: &Bindings,
) -> Result<Compiled, Error> {
    compile_inner(filter, schema, dialect, bindings, schema.document.is_some())
}

fn compile_inner(
    filter: &Filter,
    schema: &Schema,
    dialect: Dialect,
    bindings: &Bindings,
    recheck: bool,
) -> Result<Compiled, Error> {
    let walks = std::cell::Cell::new(0);
    let values = std::cell::Cell::new(0);
    let rechecked = std::cell::Cell::new(false);
    let part = filter.fold(&mut Compiler {
        schema,
        dialect,
        bindings,
        limits: &Limits::default(),
        walks: &walks,
        values: &values,
        recheck,
        rechecked: &rechecked,
    })?;
    let mut cond = part.cond;
    if let Err(too_big) = within_limits(dialect, &cond, values.get(), part.walks) {
        if !recheck {
            return Err(too_big);
        }
        // More than the dialect takes in one statement: every row is a
        // candidate, and the filter runs in memory.
        cond = always(true);
        rechecked.set(true);
    }
    let residual = match rechecked.get() {
        true => Some(Arc::new(Predicate::compile(filter, bindings)?)),
        false => None,
    };
    Ok(Compiled {
        condition: cond,
        table: schema.table.clone(),
        document: schema.document.clone(),
        dialect,
        residual,
    })
}

/// E0402 where the condition binds more values, or reads JSON paths more
/// times, than `dialect` takes in one statement (`values`: an estimate from
/// above of the values bound).
fn within_limits(
    dialect: Dialect,
    cond: &Condition,
    values: usize,
    walks: usize,
) -> Result<(), Error> {
    // Counted exactly only when the generous estimate could reach the
    // dialect's limit (a filter with thousands of values).
    let max = dialect.max_params().saturating_sub(PARAMS_HEADROOM);
    if values > max {
        let probe = sea_query::Query::select()
            .expr(Expr::cust("1"))
            .cond_where(cond.clone())
            .to_owned();
        let n = dialect.build(&probe).1 .0.len();
        if n > max {
            return Err(Error::new(
                ErrorCode::Unsupported,
                format!(
                    "the filter binds {n} values; {dialect} takes at most {max} in one statement \
                     ({} less {PARAMS_HEADROOM} for the statement around the filter)",
                    dialect.max_params()
                ),
            )
            .with_help("split the longest `in` lists over several requests"));
        }
    }
    if walks > dialect.max_json_walks() {
        return Err(Error::new(
            ErrorCode::Unsupported,
            format!(
                "the filter reads JSON paths {} times; {dialect} is given at most {} in one statement",
                walks,
                dialect.max_json_walks()
            ),
        )
        .with_help(
            "conditions on one field share one read (`a = 1 or a = 2` is one); \
             use fewer distinct JSON fields, or typed columns",
        ));
    }
    Ok(())
}

/// A compiled item: its condition, and how many walks of JSON paths
/// (subqueries) it makes.
struct Part {
    cond: Condition,
    walks: usize,
}

struct Compiler<'a> {
    schema: &'a Schema,
    dialect: Dialect,
    bindings: &'a Bindings,
    limits: &'a Limits,
    /// Counts the walks of JSON paths the conditions make.
    walks: &'a std::cell::Cell<usize>,
    /// An estimate, from above, of the values the conditions bind.
    values: &'a std::cell::Cell<usize>,
    /// A condition the dialect cannot say becomes a superset to recheck.
    recheck: bool,
    /// Set when one did.
    rechecked: &'a std::cell::Cell<bool>,
}

/// Bound values a statement keeps free for what a caller adds around the
/// filter (a namespace, a search, a keyset position).
pub const PARAMS_HEADROOM: usize = 64;

impl Compiler<'_> {
    /// The compiled items of one list, with the conditions that can share
    /// one test of their field merged into it: in an OR list (`any`) the
    /// `eq` and `in` conditions with literal values on one field and of one
    /// case sensitivity become one `in`; in an AND list the `ne` and `nin`
    /// become one `nin`. So `a = 1 or a = 2 or …` costs one membership test
    /// (one walk of a JSON path), not one per condition.
    fn merge(
        &mut self,
        nodes: &[Node],
        compiled: Vec<Part>,
        any: bool,
        scope: Scope,
        negated: bool,
    ) -> Result<Vec<Part>, Error> {
        if nodes.len() < 2 || nodes.len() != compiled.len() {
            return Ok(compiled);
        }
        let (single, list) = if any {
            (Operator::Eq, Operator::In)
        } else {
            (Operator::Ne, Operator::Nin)
        };
        let scalar = |v: &Value| !matches!(v, Value::Array(_) | Value::Object(_));
        let mut keys: HashMap<(&str, bool), usize> = HashMap::new();
        let mut groups: Vec<Vec<&FilterCondition>> = Vec::new();
        let mut first: Vec<usize> = Vec::new();
        let mut dropped = vec![false; nodes.len()];
        for (i, node) in nodes.iter().enumerate() {
            let Node::Condition(c) = node else { continue };
            let Operand::Literal(v) = &c.value else {
                continue;
            };
            let fits = (c.operator == single && scalar(v))
                || (c.operator == list && v.as_array().is_some_and(|a| a.iter().all(scalar)));
            if !fits {
                continue;
            }
            let key = (c.field.as_str(), scope.case_sensitive || c.case_sensitive);
            match keys.get(&key) {
                Some(&k) => {
                    groups[k].push(c);
                    dropped[i] = true;
                }
                None => {
                    keys.insert(key, groups.len());
                    groups.push(vec![c]);
                    first.push(i);
                }
            }
        }
        let mut out: Vec<Option<Part>> = compiled.into_iter().map(Some).collect();
        for (members, at) in groups.iter().zip(first) {
            let [head, _, ..] = members.as_slice() else {
                continue;
            };
            let mut values = Vec::new();
            for c in members {
                match &c.value {
                    Operand::Literal(Value::Array(items)) => values.extend(items.iter().cloned()),
                    Operand::Literal(v) => values.push(v.clone()),
                    Operand::Dynamic(_) => {}
                }
            }
            let cs = scope.case_sensitive || head.case_sensitive;
            let merged = FilterCondition {
                field: head.field.clone(),
                operator: list,
                value: Operand::Literal(Value::Array(values)),
                case_sensitive: cs,
                span: head.span,
            };
            let inner = Scope {
                case_sensitive: cs,
                depth: scope.depth + 1,
                negated,
            };
            out[at] = Some(self.condition(&merged, inner)?);
        }
        Ok(out
            .into_iter()
            .zip(dropped)
            .filter_map(|(c, gone)| c.filter(|_| !gone))
            .collect())
    }
}

impl Compiler<'_> {
    /// A condition the dialect can say that holds wherever `c` (which it
    /// cannot say) holds, outside any negation: for `phrase`, each of its
    /// words as a `text` condition (a word that appears as a whole word
    /// also appears as a case-insensitive substring, and lowercasing maps
    /// each character alone, so the text's lowercase holds the word's).
    /// `None` where there is none.
    fn superset(
        &mut self,
        c: &FilterCondition,
        value: &Value,
        scope: Scope,
    ) -> Result<Option<Condition>, Error> {
        let (Operator::Phrase, Value::String(s), false) = (c.operator, value, scope.negated) else {
            return Ok(None);
        };
        let mut all = Vec::new();
        for word in crate::eval::words(s) {
            let t = FilterCondition {
                field: c.field.clone(),
                operator: Operator::Text,
                value: Operand::Literal(Value::String(word)),
                case_sensitive: false,
                span: c.span,
            };
            all.push(self.condition(&t, scope)?.cond);
        }
        Ok(Some(balanced(all, Condition::all)))
    }
}

/// The most items one `AND`/`OR` chain of the SQL holds; longer lists nest
/// as a tree of chains (see [`balanced`]).
const CHAIN: usize = 32;

/// `items` joined by `empty()`'s connective, nested so that no chain holds
/// more than [`CHAIN`] items. sea-query renders a chain of `n` items as
/// `n` nested binary expressions, recursively (so a long one overflows the
/// stack), and SQLite counts each as a level of expression depth (1,000 at
/// most): a tree keeps both at `CHAIN · log_CHAIN(n)`.
fn balanced(mut items: Vec<Condition>, empty: fn() -> Condition) -> Condition {
    while items.len() > CHAIN {
        let mut chunks = Vec::with_capacity(items.len().div_ceil(CHAIN));
        let mut rest = items.into_iter().peekable();
        while rest.peek().is_some() {
            chunks.push(rest.by_ref().take(CHAIN).fold(empty(), Condition::add));
        }
        items = chunks;
    }
    items.into_iter().fold(empty(), Condition::add)
}

fn always(b: bool) -> Condition {
    if b {
        Condition::all()
    } else {
        Condition::any()
    }
}

impl Fold for Compiler<'_> {
    type Output = Part;
    type Error = Error;

    fn condition(&mut self, c: &FilterCondition, scope: Scope) -> Result<Part, Error> {
        let value = match &c.value {
            Operand::Literal(v) => v.clone(),
            Operand::Dynamic(name) => {
                let v = crate::eval::binding(self.bindings, name.as_str()).ok_or_else(|| {
                    Error::new(
                        ErrorCode::UnboundDynamic,
                        format!("no value bound for `${}`", name.as_str()),
                    )
                    .with_span(c.span, "dynamic value used here")
                })?;
                check_operand(c.operator, &Operand::Literal(v.clone()), self.limits)
                    .map_err(|p| p.into_error().with_span(c.span, "bound value"))?;
                v.clone()
            }
        };
        // No condition binds more than 16 values besides two per list item.
        let items = value.as_array().map_or(0, Vec::len);
        self.values.set(self.values.get() + 16 + 2 * items);
        let place = self
            .schema
            .place(&c.field)
            .map_err(|e| e.with_span(c.span, "this field"))?;
        let ci = !scope.case_sensitive;
        let before = self.walks.get();
        let cond = capability(self.dialect, c.operator)
            .and_then(|()| holds_text(self.dialect, &c.field, &value))
            .and_then(|()| match place {
                Place::Column(col) => {
                    let two_valued = scope.negated;
                    column::condition(
                        self.dialect,
                        self.schema,
                        col,
                        c,
                        &value,
                        Mode { ci, two_valued },
                        self.walks,
                    )
                }
                Place::Json { column, path } => json_path::At::new(
                    self.dialect,
                    column,
                    &path,
                    self.schema.document.as_deref() == Some(column),
                    self.walks,
                )
                .and_then(|at| at.condition(c.operator, &value, ci)),
            });
        let cond = match cond {
            Ok(cond) => cond,
            // Holds wherever the condition could: a superset the dialect
            // can say, else TRUE; under an odd number of `NOT`s FALSE (so
            // that the `NOT` holds).
            Err(g) if self.recheck => {
                self.rechecked.set(true);
                self.walks.set(before);
                // (A superset would bind the same text.)
                let superset = match g {
                    Gap::Nul => None,
                    _ => self.superset(c, &value, scope)?,
                };
                superset.unwrap_or_else(|| always(!scope.negated))
            }
            Err(g) => return Err(gap_error(self.dialect, g).with_span(c.span, "")),
        };
        Ok(Part {
            cond,
            walks: self.walks.get() - before,
        })
    }

    fn group(&mut self, g: &Group, parts: GroupParts<Part>, scope: Scope) -> Result<Part, Error> {
        // sea-query renders, prints and drops conditions recursively: keep
        // them as shallow as the parser's own cap.
        if scope.depth >= Limits::DEPTH_CAP {
            return Err(Error::new(
                ErrorCode::TooDeep,
                format!(
                    "filter nests deeper than {} groups, the most the SQL compiler takes",
                    Limits::DEPTH_CAP
                ),
            ));
        }
        let mut all = Vec::new();
        let mut walks = 0;
        let mut take = |parts: Vec<Part>| {
            walks += parts.iter().map(|p| p.walks).sum::<usize>();
            parts.into_iter().map(|p| p.cond).collect::<Vec<_>>()
        };
        if let Some(and) = parts.and {
            let and = self.merge(
                g.and.as_deref().unwrap_or_default(),
                and,
                false,
                scope,
                scope.negated,
            )?;
            all.extend(take(and));
        }
        if let Some(or) = parts.or {
            let or = self.merge(
                g.or.as_deref().unwrap_or_default(),
                or,
                true,
                scope,
                scope.negated,
            )?;
            all.push(balanced(take(or), Condition::any));
        }
        if let Some(not) = parts.not {
            if !not.is_empty() {
                // The items of `NOT` are OR'd inside the negation.
                let not = self.merge(
                    g.not.as_deref().unwrap_or_default(),
                    not,
                    true,
                    scope,
                    !scope.negated,
                )?;
                all.push(balanced(take(not), Condition::any).not());
            }
        }
        Ok(Part {
            cond: balanced(all, Condition::all),
            walks,
        })
    }
}

pub(crate) fn sql_value(v: &Value) -> Option<SqlValue> {
    Some(match v {
        Value::Bool(b) => SqlValue::Bool(Some(*b)),
        // An integer beyond i64 would compare as a rounded float.
        Value::Number(n) if n.is_u64() && !n.is_i64() => return None,
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => SqlValue::BigInt(Some(i)),
            (None, Some(f)) => SqlValue::Double(Some(f)),
            _ => return None,
        },
        Value::String(s) => SqlValue::String(Some(s.clone())),
        _ => return None,
    })
}

pub(crate) fn text(s: impl Into<String>) -> Expr {
    Expr::val(SqlValue::String(Some(s.into())))
}

/// LIKE pattern for `prefix%`, `%suffix`, `%infix%` with `\` as the escape.
pub(crate) fn like_pattern(s: &str, start: bool, end: bool) -> String {
    let mut p = String::with_capacity(s.len() + 2);
    if !start {
        p.push('%');
    }
    for ch in s.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    if !end {
        p.push('%');
    }
    p
}

mod column;
pub mod dialect;
mod geo;
mod json_path;
