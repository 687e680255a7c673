//! Conditions on paths inside JSON columns.
//!
//! A path is walked the way the evaluator walks it — objects by key, arrays
//! of objects element by element — and what is found becomes rows `c` of a
//! subquery:
//!
//! * SQLite: `json_each(siftql_leaves(json, path, mode))`, where
//!   `siftql_leaves` (registered by `sql::sqlite`) does the walk;
//! * PostgreSQL: `jsonb_path_query(json, 'lax $."a"."b"')` — lax mode unwraps
//!   arrays met on the way, exactly that walk.
//!
//! The rows are, by mode:
//!
//! * 0: the values found;
//! * 1: the candidates of "the value, or for an array any element": the
//!   values, with array values replaced by their elements;
//! * 2: the elements of array values only.
//!
//! Every operator is then plain SQL over those rows; `EXISTS` keeps each
//! condition two-valued.

use sea_query::{Alias, Condition, Expr};
use serde_json::Value;

use super::typed::lower_expr;
use super::{always, frag, text, Dialect, Gap};
use crate::ast::Operator;
use crate::eval::{instant, lower};

/// How a dialect spells the pieces of a JSON condition. `{v}` in a template
/// stands for the candidate's value column.
struct Flavor {
    d: Dialect,
}

impl Flavor {
    /// `FROM …` producing the rows `c`, and the expressions for its `?`s;
    /// MySQL needs one per way the path can cross arrays (the condition is
    /// then true when it holds for any of them).
    fn sources(&self, column: &str, path: &[String], mode: u8) -> Vec<(String, Vec<Expr>)> {
        let col = Expr::col(Alias::new(column));
        match self.d {
            Dialect::Postgres => {
                let path_expr = text(jsonpath(path));
                let found = "jsonb_path_query(CAST(? AS jsonb), CAST(CAST(? AS text) AS jsonpath))";
                let sql = match mode {
                    0 => format!("{found} AS c(v)"),
                    _ => format!(
                        "{found} AS l(v) CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(l.v) = 'array' \
                         THEN l.v ELSE {} END) AS c(v)",
                        if mode == 1 { "jsonb_build_array(l.v)" } else { "'[]'::jsonb" }
                    ),
                };
                vec![(sql, vec![col, path_expr])]
            }
            Dialect::MySql => {
                // JSON_TABLE takes its path only as a literal: sea-query
                // writes it, escaped; the values stay bound.
                let table = "JSON_TABLE(?, ? COLUMNS (v JSON PATH '$'))";
                let sql = match mode {
                    0 => format!("{table} AS c"),
                    _ => format!(
                        "{table} AS l CROSS JOIN JSON_TABLE(CASE WHEN JSON_TYPE(l.v) = 'ARRAY' THEN l.v ELSE {} END, \
                         '$[*]' COLUMNS (v JSON PATH '$')) AS c",
                        if mode == 1 { "CONCAT('[', l.v, ']')" } else { "'[]'" }
                    ),
                };
                mysql_paths(path)
                    .into_iter()
                    .map(|p| {
                        (
                            sql.clone(),
                            vec![
                                col.clone(),
                                Expr::Constant(sea_query::Value::String(Some(p))),
                            ],
                        )
                    })
                    .collect()
            }
            Dialect::Sqlite => {
                let path = serde_json::to_string(path).expect("a list of strings");
                vec![(
                    format!("json_each(siftql_leaves(?, ?, {mode})) AS c"),
                    vec![col, text(path)],
                )]
            }
        }
    }

    fn is_text(&self) -> &'static str {
        match self.d {
            Dialect::Postgres => "jsonb_typeof(c.v) = 'string'",
            Dialect::MySql => "JSON_TYPE(c.v) = 'STRING'",
            Dialect::Sqlite => "c.type = 'text'",
        }
    }

    fn text_value(&self) -> Expr {
        match self.d {
            Dialect::Postgres => Expr::cust("(c.v #>> '{}')"),
            Dialect::MySql => Expr::cust("JSON_UNQUOTE(c.v)"),
            Dialect::Sqlite => Expr::cust("c.value"),
        }
    }

    fn is_number(&self) -> &'static str {
        match self.d {
            Dialect::Postgres => "jsonb_typeof(c.v) = 'number'",
            Dialect::MySql => {
                "JSON_TYPE(c.v) IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL')"
            }
            Dialect::Sqlite => "c.type IN ('integer', 'real')",
        }
    }

    /// `number <op> literal`, exactly.
    fn number_cmp(&self, op: &str, n: &serde_json::Number) -> Result<(String, Vec<Expr>), Gap> {
        Ok(match self.d {
            // The literal travels as text so numeric keeps every digit.
            Dialect::Postgres => (
                format!(
                    "{} AND CAST(c.v #>> '{{}}' AS numeric) {op} CAST(CAST(? AS text) AS numeric)",
                    self.is_number()
                ),
                vec![text(n.to_string())],
            ),
            Dialect::MySql => (
                format!("{} AND CAST(c.v AS DOUBLE) {op} ?", self.is_number()),
                vec![Expr::val(
                    super::sql_value(&Value::Number(n.clone())).ok_or(Gap::StructuredValue)?,
                )],
            ),
            Dialect::Sqlite => (
                format!("{} AND c.value {op} ?", self.is_number()),
                vec![Expr::val(
                    super::sql_value(&Value::Number(n.clone())).ok_or(Gap::StructuredValue)?,
                )],
            ),
        })
    }

    fn is_bool(&self, b: bool) -> &'static str {
        match (self.d, b) {
            (Dialect::Postgres, true) => "jsonb_typeof(c.v) = 'boolean' AND c.v = 'true'::jsonb",
            (Dialect::Postgres, false) => "jsonb_typeof(c.v) = 'boolean' AND c.v = 'false'::jsonb",
            (Dialect::MySql, true) => "JSON_TYPE(c.v) = 'BOOLEAN' AND JSON_UNQUOTE(c.v) = 'true'",
            (Dialect::MySql, false) => "JSON_TYPE(c.v) = 'BOOLEAN' AND JSON_UNQUOTE(c.v) = 'false'",
            (_, true) => "c.type = 'true'",
            (_, false) => "c.type = 'false'",
        }
    }

    fn is_null(&self) -> &'static str {
        match self.d {
            Dialect::Postgres => "jsonb_typeof(c.v) = 'null'",
            Dialect::MySql => "JSON_TYPE(c.v) = 'NULL'",
            Dialect::Sqlite => "c.type = 'null'",
        }
    }

    fn not_null(&self) -> &'static str {
        match self.d {
            Dialect::Postgres => "jsonb_typeof(c.v) <> 'null'",
            Dialect::MySql => "JSON_TYPE(c.v) <> 'NULL'",
            Dialect::Sqlite => "c.type <> 'null'",
        }
    }

    /// Text comparison by code point.
    fn text_cmp(&self, op: &str) -> String {
        match self.d {
            Dialect::Postgres => format!("(? COLLATE \"C\") {op} ?"),
            Dialect::MySql => format!("CAST(? AS BINARY) {op} CAST(? AS BINARY)"),
            Dialect::Sqlite => format!("? {op} ?"),
        }
    }

    fn instr(&self) -> &'static str {
        match self.d {
            Dialect::Postgres => "strpos(?, ?) > 0",
            Dialect::MySql => "INSTR(CAST(? AS BINARY), CAST(? AS BINARY)) > 0",
            Dialect::Sqlite => "instr(?, ?) > 0",
        }
    }

    fn starts(&self) -> &'static str {
        match self.d {
            Dialect::Postgres => "left(?, length(?)) = ?",
            Dialect::MySql => "CAST(LEFT(?, CHAR_LENGTH(?)) AS BINARY) = CAST(? AS BINARY)",
            Dialect::Sqlite => "substr(?, 1, length(?)) = ?",
        }
    }

    fn ends(&self) -> &'static str {
        match self.d {
            Dialect::Postgres => "right(?, length(?)) = ?",
            Dialect::MySql => "CAST(RIGHT(?, CHAR_LENGTH(?)) AS BINARY) = CAST(? AS BINARY)",
            Dialect::Sqlite => "substr(?, -length(?)) = ?",
        }
    }
}

/// A lax SQL/JSON path for PostgreSQL: `lax $."a"."b"`.
fn jsonpath(path: &[String]) -> String {
    let mut p = String::from("lax $");
    for seg in path {
        p.push_str(".\"");
        for ch in seg.chars() {
            match ch {
                '"' => p.push_str("\\\""),
                '\\' => p.push_str("\\\\"),
                c if c.is_control() => p.push_str(&format!("\\u{:04x}", u32::from(c))),
                c => p.push(c),
            }
        }
        p.push('"');
    }
    p
}

/// The MySQL paths for every way `path` can cross arrays on the way:
/// `$."a"."b"` and `$."a"[*]."b"`.
fn mysql_paths(path: &[String]) -> Vec<String> {
    let quoted: Vec<String> = path
        .iter()
        .map(|seg| format!("\"{}\"", seg.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    let variants = 1usize << path.len().saturating_sub(1);
    (0..variants)
        .map(|bits| {
            let mut p = String::from("$");
            for (j, q) in quoted.iter().enumerate() {
                if j > 0 && bits & (1 << (j - 1)) != 0 {
                    p.push_str("[*]");
                }
                p.push('.');
                p.push_str(q);
            }
            p
        })
        .collect()
}

/// Most segments a MySQL path may have (it becomes 2^(n-1) variants).
const MYSQL_MAX_SEGMENTS: usize = 8;

/// A JSON condition builder for one column and path.
pub(super) struct At<'a> {
    f: Flavor,
    column: &'a str,
    path: &'a [String],
}

impl<'a> At<'a> {
    pub(super) fn new(d: Dialect, column: &'a str, path: &'a [String]) -> Result<At<'a>, Gap> {
        match d {
            // MariaDB's path syntax has no escape for a backslash in a key.
            Dialect::MySql
                if path.len() > MYSQL_MAX_SEGMENTS
                    || path
                        .iter()
                        .any(|s| s.contains(|c: char| c == '\\' || c.is_control())) =>
            {
                Err(Gap::Json)
            }
            // A number segment indexes arrays in the evaluator; these paths
            // cannot say "index if array, key if object".
            Dialect::Postgres | Dialect::MySql
                if path.iter().any(|s| s.parse::<usize>().is_ok()) =>
            {
                Err(Gap::Json)
            }
            _ => Ok(At {
                f: Flavor { d },
                column,
                path,
            }),
        }
    }

    fn exists(&self, mode: u8, test: Option<(String, Vec<Expr>)>) -> Condition {
        self.exists_joined(mode, ("", &[]), test)
    }

    /// [`At::exists`] with more joins after the rows `c` (SQL and values).
    fn exists_joined(
        &self,
        mode: u8,
        (join, join_params): (&str, &[Expr]),
        test: Option<(String, Vec<Expr>)>,
    ) -> Condition {
        let mut any = Condition::any();
        for (from, mut exprs) in self.f.sources(self.column, self.path, mode) {
            exprs.extend(join_params.iter().cloned());
            let sql = match &test {
                Some((t, params)) => {
                    exprs.extend(params.iter().cloned());
                    format!("EXISTS (SELECT 1 FROM {from}{join} WHERE {t})")
                }
                None => format!("EXISTS (SELECT 1 FROM {from}{join})"),
            };
            any = any.add(frag(self.f.d, sql, exprs));
        }
        any
    }

    /// `phrase`, `words` and the geo operators. SQLite hands each value
    /// found (geo) or each string candidate (`phrase`, `words`) to the
    /// evaluator's own code (`sql::sqlite`); PostgreSQL and MySQL compute
    /// `geo_radius` and `geo_bounding_box` in SQL (`sql::geo`) on the points
    /// among the values found and the elements of arrays found.
    fn evaluator_op(&self, op: Operator, v: &Value) -> Result<Condition, Gap> {
        let geo = !matches!(op, Operator::Phrase | Operator::Words);
        match self.f.d {
            Dialect::Sqlite => {
                let name = super::sqlite_function(op);
                Ok(if geo {
                    self.exists(
                        0,
                        Some((
                            format!("c.type IN ('object', 'array') AND {name}(c.value, ?)"),
                            vec![text(v.to_string())],
                        )),
                    )
                } else {
                    self.exists(
                        1,
                        Some((
                            format!("c.type = 'text' AND {name}(c.value, ?)"),
                            vec![text(v.as_str().unwrap_or_default())],
                        )),
                    )
                })
            }
            d => {
                if !matches!(op, Operator::GeoRadius | Operator::GeoBoundingBox) {
                    return Err(Gap::JsonOperator(op));
                }
                let (from, test) = super::geo::test(d, op == Operator::GeoRadius, v)?;
                let mut any = Condition::any();
                for mode in [0, 2] {
                    for (point, is_point) in super::geo::points(d) {
                        any = any.add(self.exists_joined(
                            mode,
                            (&format!("{point}{}", from.text), &from.params),
                            Some((format!("{is_point} AND {}", test.text), test.params.clone())),
                        ));
                    }
                }
                Ok(any)
            }
        }
    }

    /// Some value is found at the path (even `null`).
    pub(super) fn found(&self) -> Condition {
        self.exists(0, None)
    }

    /// The candidate's text, lowercased when `ci`.
    fn text(&self, ci: bool) -> Expr {
        let x = self.f.text_value();
        if ci {
            lower_expr(self.f.d, x)
        } else {
            x
        }
    }

    /// The test "candidate equals this scalar literal".
    fn eq_test(&self, v: &Value, ci: bool) -> Result<(String, Vec<Expr>), Gap> {
        Ok(match v {
            Value::Null => (self.f.is_null().to_owned(), vec![]),
            Value::Bool(b) => (self.f.is_bool(*b).to_owned(), vec![]),
            Value::Number(n) => self.f.number_cmp("=", n)?,
            Value::String(s) => {
                let lit = if ci { lower(s) } else { s.clone() };
                (
                    format!("{} AND ? = ?", self.f.is_text()),
                    vec![self.text(ci), text(lit)],
                )
            }
            _ => return Err(Gap::StructuredValue),
        })
    }

    /// `eq v`: the value or an element equals `v`; `eq null` also matches missing.
    fn eq(&self, v: &Value, ci: bool) -> Result<Condition, Gap> {
        let hit = self.exists(1, Some(self.eq_test(v, ci)?));
        Ok(if v.is_null() {
            Condition::any().add(self.found().not()).add(hit)
        } else {
            hit
        })
    }

    /// A string operator on the candidates of `mode`: `sql` takes the
    /// candidate's text, then `params`.
    fn string_op(&self, mode: u8, ci: bool, sql: &str, params: Vec<Expr>) -> Condition {
        let mut exprs = vec![self.text(ci)];
        exprs.extend(params);
        self.exists(
            mode,
            Some((format!("{} AND {sql}", self.f.is_text()), exprs)),
        )
    }

    fn range(&self, op: Operator, v: &Value, ci: bool) -> Result<Condition, Gap> {
        let sym = match op {
            Operator::Gt => ">",
            Operator::Gte => ">=",
            Operator::Lt => "<",
            _ => "<=",
        };
        Ok(match v {
            Value::Number(n) => self.exists(1, Some(self.f.number_cmp(sym, n)?)),
            Value::String(s) => {
                let lit = text(if ci { lower(s) } else { s.clone() });
                let cmp = self.f.text_cmp(sym);
                match (instant(s), self.f.d) {
                    // Instants when both sides are RFC 3339; text otherwise.
                    (Some(nanos), Dialect::Sqlite) => self.exists(
                        1,
                        Some((
                            format!(
                                "{} AND CASE WHEN siftql_instant(c.value) IS NOT NULL \
                                 THEN siftql_instant(c.value) {sym} ? ELSE {cmp} END",
                                self.f.is_text()
                            ),
                            vec![Expr::val(nanos as i64), self.text(ci), lit],
                        )),
                    ),
                    (Some(_), _) => return Err(Gap::InstantRange),
                    (None, _) => self.string_op(1, ci, &cmp, vec![lit]),
                }
            }
            _ => always(false),
        })
    }

    pub(super) fn condition(&self, op: Operator, v: &Value, ci: bool) -> Result<Condition, Gap> {
        Ok(match op {
            Operator::Eq => self.eq(v, ci)?,
            Operator::Ne => self.eq(v, ci)?.not(),
            Operator::In | Operator::Nin => {
                let items = v.as_array().map(Vec::as_slice).unwrap_or_default();
                let hit = items.iter().try_fold(Condition::any(), |acc, item| {
                    Ok::<_, Gap>(acc.add(self.eq(item, ci)?))
                })?;
                if op == Operator::Nin {
                    hit.not()
                } else {
                    hit
                }
            }
            Operator::Gt | Operator::Gte | Operator::Lt | Operator::Lte => self.range(op, v, ci)?,
            Operator::Contains => {
                let elements = self.exists(2, Some(self.eq_test(v, ci)?));
                match v {
                    Value::String(s) => {
                        let lit = if ci { lower(s) } else { s.clone() };
                        Condition::any()
                            .add(self.string_op(0, ci, self.f.instr(), vec![text(lit)]))
                            .add(elements)
                    }
                    _ => elements,
                }
            }
            Operator::StartsWith | Operator::EndsWith | Operator::Text => {
                let s = v.as_str().unwrap_or_default();
                let ci = ci || op == Operator::Text;
                if s.is_empty() {
                    // Every string starts with, ends with and contains "".
                    return Ok(self.exists(1, Some((self.f.is_text().to_owned(), vec![]))));
                }
                let lit = if ci { lower(s) } else { s.to_owned() };
                match op {
                    Operator::StartsWith => {
                        self.string_op(1, ci, self.f.starts(), vec![text(&lit), text(lit)])
                    }
                    Operator::EndsWith => {
                        self.string_op(1, ci, self.f.ends(), vec![text(&lit), text(lit)])
                    }
                    _ => self.string_op(1, ci, self.f.instr(), vec![text(lit)]),
                }
            }
            Operator::Regex if self.f.d == Dialect::Sqlite => {
                let p = v.as_str().unwrap_or_default();
                let pattern = if ci { format!("(?i){p}") } else { p.to_owned() };
                self.exists(
                    1,
                    Some((
                        "c.type = 'text' AND c.value REGEXP ?".to_owned(),
                        vec![text(pattern)],
                    )),
                )
            }
            Operator::Exists => {
                if v.as_bool().unwrap_or(true) {
                    self.found()
                } else {
                    self.found().not()
                }
            }
            Operator::IsNull => {
                if v.as_bool().unwrap_or(true) {
                    Condition::any()
                        .add(self.found().not())
                        .add(self.exists(0, Some((self.f.is_null().to_owned(), vec![]))))
                } else {
                    self.exists(0, Some((self.f.not_null().to_owned(), vec![])))
                }
            }
            Operator::Phrase
            | Operator::Words
            | Operator::GeoRadius
            | Operator::GeoBoundingBox
            | Operator::GeoPolygon => self.evaluator_op(op, v)?,
            op => return Err(Gap::JsonOperator(op)),
        })
    }
}
