//! SQLite 3.38+, with the functions `sql::sqlite::register` adds to a
//! connection.
//!
//! SQLite lacks a Unicode lowercase, an RFC 3339 parser, regular
//! expressions and a JSON walk that unwraps arrays as the evaluator does;
//! siftql registers each as a function that runs the evaluator's own code,
//! and also `phrase`, `words` and the geo operators on one value. So every
//! operator compiles here, with the evaluator's exact meaning.

use sea_query::{Expr, SelectStatement, Values};

use super::{Affix, Candidates, ColumnDirect, Fragment, SqlDialect};
use crate::ast::Operator;
use crate::sql::index::IndexSpec;
use crate::sql::{text, ColumnType, Gap};

/// SQLite.
#[derive(Clone, Copy, Debug, Default)]
pub struct SqliteDialect;

impl SqlDialect for SqliteDialect {
    fn table_exists(&self) -> &'static str {
        // SQLite's table names have no case.
        "EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE)"
    }

    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["sqlite3"]
    }

    fn build(&self, statement: &SelectStatement) -> (String, Values) {
        statement.build(sea_query::SqliteQueryBuilder)
    }

    fn inline(&self, statement: &SelectStatement) -> String {
        statement.to_string(sea_query::SqliteQueryBuilder)
    }

    fn capability(&self, op: Operator) -> Result<(), Gap> {
        use Operator::*;
        match op {
            Eq | Ne | Gt | Lt | Gte | Lte | In | Nin | Contains | StartsWith | EndsWith | Regex
            | Exists | IsNull | Text | Phrase | Words | GeoRadius | GeoBoundingBox | GeoPolygon => {
                Ok(())
            }
        }
    }

    fn lower(&self) -> &'static str {
        "siftql_lower(?)"
    }

    fn text_match(&self, affix: Affix, needle: &str) -> Fragment {
        match affix {
            Affix::Prefix => Fragment::new(
                "substr(?, 1, length(?)) = ?",
                vec![text(needle), text(needle)],
            ),
            Affix::Suffix if needle.is_empty() => Fragment::new("? IS NOT NULL", vec![]),
            Affix::Suffix => Fragment::new(
                "substr(?, -length(?)) = ?",
                vec![text(needle), text(needle)],
            ),
            Affix::Infix => Fragment::new("instr(?, ?) > 0", vec![text(needle)]),
        }
    }

    // `regexp` is siftql's: Rust `regex` itself.
    fn regex(&self, pattern: &str, ci: bool) -> Result<Fragment, Gap> {
        let pattern = if ci {
            format!("(?i){pattern}")
        } else {
            pattern.to_owned()
        };
        Ok(Fragment::new("? REGEXP ?", vec![text(pattern)]))
    }

    // SQLITE_MAX_VARIABLE_NUMBER's default since 3.32 (the bundled build).
    fn max_params(&self) -> usize {
        32_766
    }

    fn instant(&self) -> String {
        "siftql_instant(?)".to_owned()
    }

    fn instant_literal(&self, nanos: i128) -> Fragment {
        Fragment::new("?", vec![text(instant_key(nanos))])
    }

    fn parse_instant(&self) -> Option<&'static str> {
        Some("siftql_instant(?)")
    }

    // Lax mode (PostgreSQL) and siftql's walk (SQLite) cross an array at
    // the start like any other.
    fn json_rows(
        &self,
        column: &str,
        path: &[String],
        rows: Candidates,
        _object_root: bool,
    ) -> Vec<Fragment> {
        let col = || Expr::col(sea_query::Alias::new(column));
        if path.is_empty() {
            // The column itself: `json_each` walks it without siftql's
            // function (SQL NULL is no value).
            let sql = match rows {
                Candidates::Found => {
                    "json_each(CASE WHEN ? IS NULL THEN '[]' ELSE json_array(json(?)) END) AS c"
                }
                Candidates::ValueOrElements => {
                    "json_each(CASE WHEN ? IS NULL THEN '[]' WHEN json_type(?) = 'array' THEN ? \
                     ELSE json_array(json(?)) END) AS c"
                }
                Candidates::Elements => {
                    "json_each(CASE WHEN json_type(?) = 'array' THEN ? ELSE '[]' END) AS c"
                }
            };
            let n = sql.matches('?').count();
            return vec![Fragment::new(sql, (0..n).map(|_| col()).collect())];
        }
        let path = serde_json::to_string(path).expect("a list of strings");
        vec![Fragment::new(
            format!("json_each(siftql_leaves(?, ?, {})) AS c", rows.code()),
            vec![Expr::col(sea_query::Alias::new(column)), text(path)],
        )]
    }

    // A path of keys met as objects holds one value: `json_type` tells a
    // string and `json_extract` reads its text, with no walk. SQLite's
    // quoted labels have no escape, so keys with `"` keep the walk; so does
    // the document column. SQLite reads the first of repeated keys, where
    // the evaluator takes the last: `siftql load` writes JSON columns
    // without repeated keys.
    fn json_text_direct(
        &self,
        column: &str,
        path: &[String],
        object_root: bool,
    ) -> Option<(Fragment, Fragment, Fragment)> {
        if path.is_empty() || object_root || path.iter().any(|k| k.contains('"')) {
            return None;
        }
        let col = || Expr::col(sea_query::Alias::new(column));
        let json_path = |keys: &[String]| {
            let mut p = String::from("$");
            for k in keys {
                p.push_str(".\"");
                p.push_str(k);
                p.push('"');
            }
            text(p)
        };
        let full = json_path(path);
        let is_string = Fragment::new("json_type(?, ?) = 'text'", vec![col(), full.clone()]);
        let value = Fragment::new("json_extract(?, ?)", vec![col(), full.clone()]);
        let none = Fragment::new(
            "json_type(?, ?) <> 'array' OR ? IS NULL \
             OR (json_type(?) = 'object' AND json_type(?, ?) IS NULL)",
            vec![col(), full, col(), col(), col(), json_path(&path[..1])],
        );
        Some((is_string, value, none))
    }

    // `json_each` of the column parses it once (a `json_type` first would
    // parse it again): a scalar is one row with no key, an array's
    // elements have integer keys, an object's members text keys.
    fn json_column_direct(&self, column: &str) -> Option<ColumnDirect> {
        Some(ColumnDirect::Walk {
            rows: Fragment::new(
                "json_each(?) AS c",
                vec![Expr::col(sea_query::Alias::new(column))],
            ),
            scalar: "c.key IS NULL",
            element: "typeof(c.key) = 'integer'",
        })
    }

    fn json_is_text(&self) -> &'static str {
        "c.type = 'text'"
    }

    fn json_text(&self) -> &'static str {
        "c.value"
    }

    fn json_is_number(&self) -> &'static str {
        "c.type IN ('integer', 'real')"
    }

    fn json_number(&self) -> &'static str {
        "c.value"
    }

    fn json_is_bool(&self, b: bool) -> &'static str {
        if b {
            "c.type = 'true'"
        } else {
            "c.type = 'false'"
        }
    }

    fn json_is_null(&self) -> &'static str {
        "c.type = 'null'"
    }

    fn json_not_null(&self) -> &'static str {
        "c.type <> 'null'"
    }

    fn json_contains(&self) -> &'static str {
        "instr(?, ?) > 0"
    }

    fn json_starts(&self) -> &'static str {
        "substr(?, 1, length(?)) = ?"
    }

    fn json_ends(&self) -> &'static str {
        "substr(?, -length(?)) = ?"
    }

    fn evaluator_function(&self, op: Operator) -> Option<&'static str> {
        use Operator::*;
        match op {
            Phrase => Some("siftql_phrase"),
            Words => Some("siftql_words"),
            GeoRadius => Some("siftql_geo_radius"),
            GeoBoundingBox => Some("siftql_geo_bounding_box"),
            GeoPolygon => Some("siftql_geo_polygon"),
            Eq | Ne | Gt | Lt | Gte | Lte | In | Nin | Contains | StartsWith | EndsWith | Regex
            | Exists | IsNull | Text => None,
        }
    }

    // Geo functions take each value found as JSON text (a point or an
    // array of points); `phrase` and `words` each string candidate.
    fn json_evaluator_test(&self, op: Operator) -> Option<(Candidates, String)> {
        use Operator::*;
        let name = self.evaluator_function(op)?;
        Some(match op {
            Phrase | Words => (
                Candidates::ValueOrElements,
                format!("c.type = 'text' AND {name}(c.value, ?)"),
            ),
            GeoRadius | GeoBoundingBox | GeoPolygon => (
                Candidates::Found,
                format!("c.type IN ('object', 'array') AND {name}(c.value, ?)"),
            ),
            Eq | Ne | Gt | Lt | Gte | Lte | In | Nin | Contains | StartsWith | EndsWith | Regex
            | Exists | IsNull | Text => return None,
        })
    }

    // Text: the case-insensitive key (`siftql_lower` is deterministic, so
    // SQLite indexes it; every connection that writes the table needs
    // siftql's functions registered) and the column itself, which SQLite
    // compares by bytes; numbers and booleans: the column.
    fn column_indexes(&self, ty: ColumnType, column: &str) -> Vec<IndexSpec> {
        let column = &self.quote(column);
        match ty {
            ColumnType::Text | ColumnType::Timestamp => vec![
                IndexSpec {
                    suffix: "lower",
                    key: format!("siftql_lower({column})"),
                    method: None,
                    json: false,
                },
                IndexSpec {
                    suffix: "text",
                    key: column.to_owned(),
                    method: None,
                    json: false,
                },
            ],
            ColumnType::Integer | ColumnType::Float | ColumnType::Bool => vec![IndexSpec {
                suffix: "value",
                key: column.to_owned(),
                method: None,
                json: false,
            }],
            ColumnType::Json => Vec::new(),
        }
    }

    fn explain(&self) -> &'static str {
        "EXPLAIN QUERY PLAN"
    }

    fn column_type(&self, ty: ColumnType, _key: bool) -> &'static str {
        match ty {
            ColumnType::Text | ColumnType::Timestamp | ColumnType::Json => "TEXT",
            ColumnType::Integer | ColumnType::Bool => "INTEGER",
            ColumnType::Float => "REAL",
        }
    }

    fn document_type(&self) -> &'static str {
        "TEXT"
    }

    fn load_order(&self) -> &'static str {
        "rowid"
    }

    fn upsert(&self, key: &str, names: &[String]) -> String {
        let set: Vec<String> = names
            .iter()
            .map(|n| format!("{n} = excluded.{n}"))
            .collect();
        format!(" ON CONFLICT({key}) DO UPDATE SET {}", set.join(", "))
    }
}

/// An instant (nanoseconds since the epoch) as text that orders as the
/// instants do, byte by byte, over the whole range of RFC 3339 (no 64-bit
/// integer holds its nanoseconds): the 128-bit value with its sign bit
/// flipped, in 32 hex digits. `siftql_instant` returns it.
pub(crate) fn instant_key(nanos: i128) -> String {
    format!("{:032x}", (nanos as u128) ^ (1 << 127))
}
