//! What differs between SQL databases, as one trait with small hooks.
//!
//! The compiler (`sql::column`, `sql::json_path`, `sql::page`, the loaders)
//! writes every condition once and asks the dialect only for the pieces
//! that databases spell differently: how text is lowercased and compared by
//! code point, how a JSON path is walked into rows, how an instant is read,
//! what an operator compiles to at all, how a table is created and a row
//! upserted. Each built-in dialect is one file that overrides what differs
//! from the defaults here, in the manner of sea-query's `QueryBuilder` and
//! sqlparser's `Dialect`:
//!
//! | file | dialect |
//! |---|---|
//! | `postgres.rs` | PostgreSQL 15+ |
//! | `mysql.rs` | MySQL 8 / MariaDB 10.6+ |
//! | `sqlite.rs` | SQLite 3.38+ with siftql's functions registered |
//!
//! A [`Dialect`] is a copyable handle to a `&'static dyn SqlDialect`;
//! [`Dialect::new`] wraps a dialect of your own, which then compiles every
//! filter its hooks can say (see CONTRIBUTING.md for the checklist).
//!
//! Templates are SQL text in which each `?` stands for one expression,
//! given in order; the compiler numbers them (`$1`) for dialects whose
//! placeholders are numbered. A [`Fragment`] is a template with its
//! expressions.

mod mysql;
mod postgres;
mod sqlite;
#[cfg(feature = "sqlite")]
pub(crate) use sqlite::instant_key;

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use sea_query::{Expr, SelectStatement, Values};

use super::index::IndexSpec;
use super::{ColumnType, Gap};
use crate::ast::Operator;
use crate::error::{Error, ErrorCode};

pub use mysql::MySqlDialect;
pub use postgres::PostgresDialect;
pub use sqlite::SqliteDialect;

/// SQL text with a `?` for each of its expressions, in order.
#[derive(Clone, Debug, Default)]
pub struct Fragment {
    /// The SQL, `?` marking each expression.
    pub text: String,
    /// The expressions for the `?`s.
    pub params: Vec<Expr>,
}

impl Fragment {
    /// A fragment of `text` and its expressions.
    pub fn new(text: impl Into<String>, params: Vec<Expr>) -> Fragment {
        Fragment {
            text: text.into(),
            params,
        }
    }

    /// Appends SQL text.
    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// Appends a `?` and its expression.
    pub fn param(&mut self, template: &str, e: Expr) -> &mut Self {
        self.text.push_str(template);
        self.params.push(e);
        self
    }
}

/// Which rows a walk of a JSON path yields (see `sql::json_path`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Candidates {
    /// The values found.
    Found,
    /// "The value, or for an array any element": the values found, with
    /// array values replaced by their elements.
    ValueOrElements,
    /// The elements of the array values found, only.
    Elements,
}

impl Candidates {
    /// The number `siftql_leaves` takes for this walk on SQLite.
    pub fn code(self) -> u8 {
        match self {
            Candidates::Found => 0,
            Candidates::ValueOrElements => 1,
            Candidates::Elements => 2,
        }
    }
}

/// A cheaper walk of a JSON path for the common case (see
/// [`SqlDialect::json_rows_direct`]).
#[derive(Clone, Debug)]
pub struct DirectRows {
    /// Where this holds, `rows` are exactly the walk's candidates.
    pub when: Fragment,
    /// `FROM …` producing the rows `c(v)`, as [`SqlDialect::json_rows`].
    pub rows: Fragment,
    /// Where this holds (and `when` does not), the walk has no candidates.
    pub none: Option<Fragment>,
}

/// The JSON column itself, read without a path walk (see
/// [`SqlDialect::json_column_direct`]).
#[derive(Clone, Debug)]
pub enum ColumnDirect {
    /// `CASE kind WHEN string THEN … WHEN array THEN … ELSE FALSE END`.
    Typed {
        /// The column's JSON type.
        kind: Fragment,
        /// What `kind` is for a string.
        string: &'static str,
        /// What `kind` is for an array.
        array: &'static str,
        /// The string's text (read only where it is one).
        text: Fragment,
        /// `FROM …` producing the array's elements as rows `c`, as
        /// [`SqlDialect::json_rows`] writes them (read only where it is one).
        elements: Fragment,
        /// A test, without a subquery, that the array has an element that
        /// is a string equal to one more value appended to its parameters
        /// (compared exactly), where the dialect has one.
        has_string: Option<Fragment>,
    },
    /// One scan of the column: `rows` (`FROM …` giving rows `c`) are the
    /// column itself where it holds a scalar, marked by `scalar`, its
    /// elements where it holds an array, marked by `element`, and rows
    /// that are neither for an object.
    Walk {
        /// `FROM …` producing the rows `c`.
        rows: Fragment,
        /// True for the row that is the column's scalar value.
        scalar: &'static str,
        /// True for a row that is an element of the column's array.
        element: &'static str,
    },
}

/// Which end of a text a substring test anchors to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Affix {
    /// `starts_with`.
    Prefix,
    /// `ends_with`.
    Suffix,
    /// `contains` and `text`: anywhere.
    Infix,
}

/// How a request that needs both a page and statistics of one filtered set
/// reads it in one evaluation of the filter (see [`SqlDialect::one_pass`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OnePass {
    /// One statement: the filtered rows' sort and statistics columns in a
    /// materialized common table expression, grouped for the statistics
    /// and ordered and limited for the page (`WITH … AS MATERIALIZED`:
    /// PostgreSQL and SQLite). Only the page travels; on PostgreSQL the
    /// CTE's scan is not parallel.
    Materialized,
    /// The filtered rows' key, sort and statistics columns are read once
    /// and the statistics and the page computed from them by the caller
    /// ([`Sort::compare`](crate::sql::Sort::compare)); the page's documents
    /// are then read by key. The fastest of the two on every dialect
    /// measured (SQLite, PostgreSQL and MariaDB on loopback).
    Rows,
}

/// How one SQL database spells what the compiler needs.
///
/// Methods with a default are written for standard SQL and overridden only
/// where a dialect differs. Methods without one (`capability`, the JSON
/// walk, the column types) are what every dialect must decide. Templates
/// use `?` for each expression (see the module docs); a hook documents
/// which expressions its template takes.
pub trait SqlDialect: Send + Sync + 'static {
    /// The name used on the command line and in messages (`postgres`).
    fn name(&self) -> &'static str;

    /// Other spellings `Dialect::from_str` accepts (lowercase).
    fn aliases(&self) -> &'static [&'static str] {
        &[]
    }

    /// SQL with placeholders and the values to bind, by sea-query's builder
    /// for this database.
    fn build(&self, statement: &SelectStatement) -> (String, Values);

    /// SQL with the values inlined (escaped by sea-query).
    fn inline(&self, statement: &SelectStatement) -> String;

    /// Whether placeholders are numbered (`$1`, `$2`) instead of `?`.
    fn numbered_placeholders(&self) -> bool {
        false
    }

    /// Whether this dialect compiles `op` at all; `Err` says what is
    /// missing. Every dialect answers for every operator (an exhaustive
    /// `match`, so a new operator must be decided here).
    fn capability(&self, op: Operator) -> Result<(), Gap>;

    // ----- text

    /// Template of one expression: its Unicode lowercase.
    fn lower(&self) -> &'static str {
        "LOWER(?)"
    }

    /// Templates of one text expression each, for the column side and the
    /// literal side of a comparison: what each is compared as so that text
    /// compares by code point (PostgreSQL `COLLATE "C"`, MySQL `BINARY`).
    fn binary_text(&self) -> (&'static str, &'static str) {
        ("?", "?")
    }

    /// A membership test of a text expression in a list bound as one
    /// value: the template (the column side as [`SqlDialect::binary_text`]
    /// writes it, then the list) and the list as that one value. `None`
    /// (the default): one `IN (…)` with a value per item.
    fn text_in_one(&self, items: &[String]) -> Option<(&'static str, Expr)> {
        let _ = items;
        None
    }

    /// The name of a column the dialect keeps beside the typed text column
    /// `column`, holding its comparison key (the text as compared by code
    /// point, lowercased when `ci`), which compiled SQL compares instead of
    /// the expression so that an index on it serves equality, `in`,
    /// prefixes and ranges (MySQL/MariaDB, which match no expression to an
    /// index). `None` by default: the expression is compared.
    fn text_key(&self, column: &str, ci: bool) -> Option<String> {
        let _ = (column, ci);
        None
    }

    /// The definition of the column [`SqlDialect::text_key`] names, for
    /// `CREATE TABLE` and `ALTER TABLE … ADD COLUMN`.
    fn text_key_definition(&self, column: &str, ci: bool) -> Option<String> {
        let _ = (column, ci);
        None
    }

    /// Template of two text expressions compared by code point with `op`
    /// (`=`, `<`, …).
    fn text_compare(&self, op: &str) -> String {
        let (column, literal) = self.binary_text();
        format!("{column} {op} {literal}")
    }

    /// Template of one text expression: the value text orders by, code
    /// point by code point.
    fn text_order(&self) -> &'static str {
        self.binary_text().0
    }

    /// A substring test on a text column: a fragment whose first `?` is the
    /// column's (possibly lowercased) text, then the needle's expressions.
    /// The default is `LIKE … ESCAPE '\'`.
    fn text_match(&self, affix: Affix, needle: &str) -> Fragment {
        let pattern = super::like_pattern(needle, affix == Affix::Prefix, affix == Affix::Suffix);
        Fragment::new("? LIKE ? ESCAPE '\\'", vec![super::text(pattern)])
    }

    /// A regular-expression search (Rust `regex` meaning, case-insensitive
    /// when `ci`): a fragment whose first `?` is the text searched, or why
    /// the dialect cannot say it ([`Gap::Regex`] for a pattern it cannot
    /// translate exactly). [`Gap::Operator`] by default.
    fn regex(&self, pattern: &str, ci: bool) -> Result<Fragment, Gap> {
        let _ = (pattern, ci);
        Err(Gap::Operator(Operator::Regex))
    }

    // ----- instants

    /// Template of a `timestamp` column's text (RFC 3339, validated when
    /// loaded; `?` may appear several times, each the same text): an
    /// instant the database orders and compares.
    fn instant(&self) -> String;

    /// An instant (nanoseconds since the epoch) as a literal comparable
    /// with [`SqlDialect::instant`].
    fn instant_literal(&self, nanos: i128) -> Fragment;

    /// Template of any text: its instant when it is an RFC 3339 date-time
    /// or date, else `NULL` — comparable with
    /// [`SqlDialect::instant_literal`]. `None` when the dialect has no such
    /// parser (then ranges with an RFC 3339 literal on text are refused).
    fn parse_instant(&self) -> Option<&'static str> {
        None
    }

    // ----- JSON

    /// A cheaper exact form of [`SqlDialect::json_rows`] for the rows where
    /// it applies (say, a path of object keys met as objects), the general
    /// walk staying for the others; the compiler writes
    /// `CASE WHEN when THEN EXISTS (… direct rows …) WHEN none THEN FALSE
    /// ELSE EXISTS (… general walk …) END`. None by default.
    fn json_rows_direct(
        &self,
        column: &str,
        path: &[String],
        rows: Candidates,
        object_root: bool,
    ) -> Option<DirectRows> {
        let _ = (column, path, rows, object_root);
        None
    }

    /// "A string candidate of the path (its value, or an element of an
    /// array there) equals `lit`" as one expression with no subquery (a
    /// subquery keeps PostgreSQL from scanning in parallel), comparing
    /// lowercased candidates when `ci` (`lit` is lowercased already), or
    /// None for the walk. None by default.
    fn json_string_eq(
        &self,
        column: &str,
        path: &[String],
        lit: &str,
        ci: bool,
    ) -> Option<Fragment> {
        let _ = (column, path, lit, ci);
        None
    }

    /// For a path whose candidates can be tested as text without a walk:
    /// SQL that holds exactly when the path holds one value and it is a
    /// string; that string's text; and SQL that holds when the path has no
    /// string candidate (its one value is neither a string nor an array, or
    /// it has none). Elsewhere the walk decides. None by default.
    fn json_text_direct(
        &self,
        column: &str,
        path: &[String],
        object_root: bool,
    ) -> Option<(Fragment, Fragment, Fragment)> {
        let _ = (column, path, object_root);
        None
    }

    /// The column itself (an empty path; never the document column) as a
    /// string or an array, so that `contains` there is one `CASE` with at
    /// most one subquery instead of a walk for the string and another for
    /// the elements. None by default.
    fn json_column_direct(&self, column: &str) -> Option<ColumnDirect> {
        let _ = column;
        None
    }

    /// A condition an index on a JSON column can serve that holds wherever
    /// "some value at `path`, or an element of an array there, equals one
    /// of `values`" (scalars, compared exactly) holds — and, with `string`,
    /// also wherever the column itself is a string (for `contains`, which
    /// also tests substrings of strings found at an empty path). The
    /// compiler ANDs it before the exact condition, which it implies, so
    /// the meaning does not change. None by default.
    fn json_index_probe(
        &self,
        column: &str,
        path: &[String],
        object_root: bool,
        values: &[serde_json::Value],
        string: bool,
    ) -> Option<Fragment> {
        let _ = (column, path, object_root, values, string);
        None
    }

    /// Whether the dialect can walk `path` inside a JSON column as the
    /// evaluator does.
    fn json_path(&self, path: &[String]) -> Result<(), Gap> {
        let _ = path;
        Ok(())
    }

    /// `FROM …` producing the rows `c` of a walk of `path` in `column`, one
    /// fragment for each way the walk is written (the condition holds when
    /// it holds for any of them). `object_root` says the column always
    /// holds an object (the document column: a whole record), so the walk
    /// never meets an array at its start.
    fn json_rows(
        &self,
        column: &str,
        path: &[String],
        rows: Candidates,
        object_root: bool,
    ) -> Vec<Fragment>;

    /// SQL true when the candidate `c` is a JSON string.
    fn json_is_text(&self) -> &'static str;

    /// SQL of the candidate's text (for a JSON string).
    fn json_text(&self) -> &'static str;

    /// SQL true when the candidate is a JSON number.
    fn json_is_number(&self) -> &'static str;

    /// SQL of the candidate's number (for a JSON number), compared exactly
    /// with [`SqlDialect::json_number_literal`].
    fn json_number(&self) -> &'static str;

    /// A number literal to compare with [`SqlDialect::json_number`].
    fn json_number_literal(&self, n: &serde_json::Number) -> Result<Fragment, Gap> {
        Ok(Fragment::new(
            "?",
            vec![Expr::val(
                super::sql_value(&serde_json::Value::Number(n.clone()))
                    .ok_or(Gap::StructuredValue)?,
            )],
        ))
    }

    /// SQL true when the candidate is the JSON boolean `b`.
    fn json_is_bool(&self, b: bool) -> &'static str;

    /// SQL true when the candidate is JSON `null`.
    fn json_is_null(&self) -> &'static str;

    /// SQL true when the candidate is not JSON `null`.
    fn json_not_null(&self) -> &'static str;

    /// Template of two texts: the first contains the second.
    fn json_contains(&self) -> &'static str;

    /// Template of three texts: the first starts with the second (given
    /// twice: for its length, then to compare).
    fn json_starts(&self) -> &'static str;

    /// Template of three texts: the first ends with the second (given
    /// twice).
    fn json_ends(&self) -> &'static str;

    // ----- operators the evaluator runs

    /// The SQL function that runs the evaluator's own `op` on one value,
    /// if the dialect registers one (SQLite: `phrase`, `words`, geo).
    fn evaluator_function(&self, op: Operator) -> Option<&'static str> {
        let _ = op;
        None
    }

    /// The most walks of JSON paths (subqueries) one statement may make:
    /// past it a filter is refused (E0402) rather than sent to a database
    /// that plans it for minutes.
    fn max_json_walks(&self) -> usize {
        usize::MAX
    }

    /// The test on a JSON candidate `c` that runs the evaluator's own `op`
    /// (`phrase`, `words` or a geo operator) through
    /// [`SqlDialect::evaluator_function`]: which candidates it looks at, and
    /// SQL whose one `?` is the operator's value (the text for `phrase` and
    /// `words`, the JSON text of the shape for geo).
    fn json_evaluator_test(&self, op: Operator) -> Option<(Candidates, String)> {
        let _ = op;
        None
    }

    /// Template of one bound double.
    fn double(&self) -> &'static str {
        "?"
    }

    /// How each point encoding is read from the candidate `c`: a `FROM`
    /// suffix that defines `g.lat` and `g.lon`, and a condition that must
    /// hold too.
    fn geo_points(&self) -> Vec<(&'static str, &'static str)> {
        Vec::new()
    }

    /// `geo_radius` on `g.lat`, `g.lon` (see `sql::geo`): a `FROM` suffix
    /// of the joins it needs, and the test.
    fn geo_radius(&self, v: &serde_json::Value) -> Result<(Fragment, Fragment), Gap> {
        let _ = v;
        Err(Gap::Operator(Operator::GeoRadius))
    }

    // ----- statements over typed columns

    /// Template of a text parameter whose type the database must know
    /// (PostgreSQL infers none for `length(?)` or `||`).
    fn typed_text(&self) -> &'static str {
        "?"
    }

    /// Template of the document column, read back as text exactly as
    /// stored.
    fn document_text(&self) -> &'static str {
        "?"
    }

    /// The most values one statement can bind (PostgreSQL's and MySQL's
    /// protocols: 65,535; SQLite: 32,766). A filter that would bind more,
    /// less [`PARAMS_HEADROOM`](crate::sql::PARAMS_HEADROOM), is E0402.
    fn max_params(&self) -> usize {
        65_535
    }

    /// How a page and the statistics of one filtered set are read with one
    /// evaluation of the filter. [`OnePass::Rows`] by default.
    fn one_pass(&self) -> OnePass {
        OnePass::Rows
    }

    // ----- DDL and loading

    /// The indexes (see `sql::index`) that serve this dialect's SQL on a
    /// column of type `ty` named `column` (unquoted). None by default.
    fn column_indexes(&self, ty: ColumnType, column: &str) -> Vec<IndexSpec> {
        let _ = (ty, column);
        Vec::new()
    }

    /// The statements that create the indexes `specs` (name, unquoted, and
    /// spec) on `table` where they are missing: one `CREATE INDEX IF NOT
    /// EXISTS` each by default.
    fn index_statements(&self, table: &str, specs: &[(String, IndexSpec)]) -> Vec<String> {
        let table = self.quote(table);
        specs
            .iter()
            .map(|(name, spec)| {
                let using = spec
                    .method
                    .map(|m| format!(" USING {m}"))
                    .unwrap_or_default();
                format!(
                    "CREATE INDEX IF NOT EXISTS {} ON {table}{using} ({})",
                    self.quote(name),
                    spec.key
                )
            })
            .collect()
    }

    /// The statement prefix that shows a query's plan instead of running
    /// it (`EXPLAIN`, `EXPLAIN QUERY PLAN`).
    fn explain(&self) -> &'static str {
        "EXPLAIN"
    }

    /// Quotes an identifier.
    fn quote(&self, name: &str) -> String {
        format!("\"{}\"", name.replace('"', "\"\""))
    }

    /// The SQL type of a column (`key`: the primary key).
    fn column_type(&self, ty: ColumnType, key: bool) -> &'static str;

    /// The SQL type of the document column.
    fn document_type(&self) -> &'static str;

    /// A column definition that keeps load order, if the table needs one.
    fn sequence_column(&self) -> Option<&'static str> {
        None
    }

    /// The column rows are ordered by to come back in load order.
    fn load_order(&self) -> &'static str {
        "siftql_seq"
    }

    /// Written after the column list of `CREATE TABLE`.
    fn table_suffix(&self) -> &'static str {
        ""
    }

    /// Template of a boolean expression: whether a table named `?` (a
    /// text value) exists where unqualified table names resolve
    /// ([`Driver::has_table`](super::driver::Driver::has_table)). The
    /// default asks the standard `information_schema`.
    fn table_exists(&self) -> &'static str {
        "EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = ?)"
    }

    /// The placeholder for value `i` (1-based) of an `INSERT`, cast to JSON
    /// when the column is the document (`Some(true)`) or a `json` column
    /// (`Some(false)`).
    fn insert_placeholder(&self, i: usize, json: Option<bool>) -> String {
        let _ = (i, json);
        "?".to_owned()
    }

    /// The clause after `INSERT … VALUES (…)` that replaces the row with the
    /// same key: `key` and `names` are quoted.
    fn upsert(&self, key: &str, names: &[String]) -> String;
}

/// An SQL dialect: a copyable handle to a [`SqlDialect`].
///
/// The built-in ones are [`Dialect::Postgres`], [`Dialect::MySql`] and
/// [`Dialect::Sqlite`]; two handles are equal when their dialects have the
/// same name.
#[derive(Clone, Copy)]
pub struct Dialect(&'static dyn SqlDialect);

#[allow(non_upper_case_globals)]
impl Dialect {
    /// PostgreSQL (15+).
    pub const Postgres: Dialect = Dialect(&PostgresDialect);
    /// MySQL 8 / MariaDB 10.6+.
    pub const MySql: Dialect = Dialect(&MySqlDialect);
    /// SQLite 3.38+ with siftql's functions registered.
    pub const Sqlite: Dialect = Dialect(&SqliteDialect);

    /// Every built-in dialect.
    pub const ALL: [Dialect; 3] = [Dialect::Postgres, Dialect::MySql, Dialect::Sqlite];

    /// A handle to a dialect of your own.
    pub const fn new(dialect: &'static dyn SqlDialect) -> Dialect {
        Dialect(dialect)
    }

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// A boolean expression: whether table `table` exists
    /// ([`SqlDialect::table_exists`]).
    pub fn table_exists(self, table: &str) -> Expr {
        self.frag(self.0.table_exists(), vec![Expr::val(table)])
    }

    /// A custom SQL expression: `?` marks each expression of `exprs`, in
    /// order (numbered for dialects that number placeholders).
    pub fn frag(
        self,
        template: impl Into<std::borrow::Cow<'static, str>>,
        exprs: Vec<Expr>,
    ) -> Expr {
        let template = template.into();
        if !self.0.numbered_placeholders() {
            // sea-query writes `??` as `?`.
            return Expr::cust_with_exprs(template, exprs);
        }
        let mut out = String::with_capacity(template.len() + 8);
        let mut n = 0;
        let mut chars = template.chars().peekable();
        while let Some(ch) = chars.next() {
            if ch != '?' {
                out.push(ch);
            } else if chars.peek() == Some(&'?') {
                // `??` is a literal `?` (PostgreSQL's `@?` operator).
                chars.next();
                out.push('?');
            } else {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
        }
        Expr::cust_with_exprs(out, exprs)
    }

    /// A fragment as an expression.
    pub fn fragment(self, f: Fragment) -> Expr {
        self.frag(f.text, f.params)
    }

    /// A template of one expression, `x` standing at every `?`.
    pub fn apply(self, template: &str, x: Expr) -> Expr {
        let n = template.matches('?').count();
        if template == "?" {
            return x;
        }
        self.frag(template.to_owned(), vec![x; n])
    }
}

impl std::ops::Deref for Dialect {
    type Target = dyn SqlDialect;
    fn deref(&self) -> &(dyn SqlDialect + 'static) {
        self.0
    }
}

impl PartialEq for Dialect {
    fn eq(&self, other: &Dialect) -> bool {
        self.name() == other.name()
    }
}

impl Eq for Dialect {}

impl Hash for Dialect {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name().hash(state);
    }
}

impl fmt::Debug for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dialect({})", self.name())
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Dialect {
    type Err = Error;
    fn from_str(s: &str) -> Result<Dialect, Error> {
        let lower = s.to_ascii_lowercase();
        Dialect::ALL
            .into_iter()
            .find(|d| d.name() == lower || d.aliases().contains(&lower.as_str()))
            .ok_or_else(|| {
                let names: Vec<String> = Dialect::ALL
                    .iter()
                    .map(|d| match d.aliases() {
                        [] => d.name().to_owned(),
                        more => format!("{} (or {})", d.name(), more.join(", ")),
                    })
                    .collect();
                Error::new(ErrorCode::Unsupported, format!("unknown dialect `{s}`"))
                    .with_help(format!("the dialects are {}", names.join(", ")))
            })
    }
}

/// How a dialect spells what [`arithmetic_instant`] needs.
pub(crate) struct InstantSql {
    /// `substr(text, from, count)`.
    pub substr: &'static str,
    /// The length of a text in characters.
    pub length: &'static str,
    /// `{}`, a digit string, as an integer.
    pub int: &'static str,
    /// `{}`, an integer expression, as an exact decimal integer wide enough
    /// for nanoseconds since the epoch over years 0000–9999.
    pub wide: &'static str,
    /// Template of the days from 1970-01-01 to the date `YYYY-MM-DD` that
    /// the text `?` starts with (year 0000 included).
    pub days: &'static str,
}

/// Template of an RFC 3339 date-time or date (validated: a `timestamp`
/// column's text, or a value checked with [`crate::eval::instant`]) as an
/// exact integer of nanoseconds since the epoch, as the evaluator reads
/// it: any year 0000–9999, any offset up to ±23:59, the fraction truncated
/// to nanoseconds, a leap second (`:60`) as 59.999999999 s. The database's
/// date-time types are not involved (they refuse year 0000 or offsets past
/// ±14:00 or ±15:59, and keep microseconds), so instants hold over the
/// whole range of RFC 3339; only a date's day number comes from the
/// database's date arithmetic.
pub(crate) fn arithmetic_instant(s: &InstantSql) -> String {
    let sub = |from: &str, count: &str| format!("{}(?, {from}, {count})", s.substr);
    let int = |e: &str| s.int.replace("{}", e);
    let len = format!("{}(?)", s.length);
    let second = int(&sub("18", "2"));
    let leap = format!("{second} = 60");
    let zulu = format!("UPPER({}) = 'Z'", sub(&len, "1"));
    let offset = format!(
        "(CASE WHEN {zulu} THEN 0 ELSE (CASE WHEN {} = '-' THEN -1 ELSE 1 END) * ({} * 3600 + {} * 60) END)",
        sub(&format!("{len} - 5"), "1"),
        int(&sub(&format!("{len} - 4"), "2")),
        int(&sub(&format!("{len} - 1"), "2")),
    );
    let seconds = format!(
        "{} * 86400 + {} * 3600 + {} * 60 + (CASE WHEN {leap} THEN 59 ELSE {second} END) - {offset}",
        s.wide.replace("{}", s.days),
        int(&sub("12", "2")),
        int(&sub("15", "2")),
    );
    // The fraction's digits run from position 21 to the offset.
    let digits = format!("(CASE WHEN {zulu} THEN {len} - 21 ELSE {len} - 26 END)");
    let fraction = format!(
        "(CASE WHEN {leap} THEN 999999999 WHEN {} = '.' THEN {} ELSE 0 END)",
        sub("20", "1"),
        int(&format!(
            "RPAD({}, 9, '0')",
            sub("21", &format!("LEAST({digits}, 9)"))
        )),
    );
    format!(
        "(CASE WHEN {len} = 10 THEN {} * 86400000000000 ELSE ({seconds}) * 1000000000 + {fraction} END)",
        s.wide.replace("{}", s.days),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every dialect answers for every operator, and the names parse back.
    #[test]
    fn every_dialect_answers_for_every_operator() {
        for d in Dialect::ALL {
            assert_eq!(d.name().parse::<Dialect>().unwrap(), d);
            for alias in d.aliases() {
                assert_eq!(alias.parse::<Dialect>().unwrap(), d);
            }
            let answered = Operator::ALL
                .into_iter()
                .filter(|op| match d.capability(*op) {
                    Ok(()) => true,
                    Err(Gap::Operator(o)) => o == *op,
                    Err(_) => true,
                })
                .count();
            assert_eq!(answered, Operator::ALL.len(), "{d}");
        }
        assert_eq!(
            "oracle".parse::<Dialect>().unwrap_err().help(),
            Some("the dialects are postgres (or postgresql, pg), mysql (or mariadb), sqlite (or sqlite3)")
        );
    }

    #[test]
    fn numbered_placeholders() {
        let (sql, _) = Dialect::Postgres.build(
            &sea_query::Query::select()
                .expr(Dialect::Postgres.frag("? + ?", vec![Expr::val(1), Expr::val(2)]))
                .to_owned(),
        );
        assert_eq!(sql, "SELECT $1 + $2");
    }
}
