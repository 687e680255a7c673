//! MySQL 8 / MariaDB 10.6+.
//!
//! JSON paths are walked by `JSON_TABLE`, whose path must be a literal
//! (sea-query writes it, escaped; values stay bound), once for every way
//! the path can cross arrays; text compares by code point as `BINARY`;
//! instants are UTC `DATETIME(6)` through `CONVERT_TZ`; double arithmetic
//! is IEEE, so the geo formula needs no guards.

use sea_query::{Expr, SelectStatement, Values};

use super::{Affix, Candidates, ColumnDirect, Fragment, SqlDialect};
use crate::ast::Operator;
use crate::sql::geo;
use crate::sql::index::IndexSpec;
use crate::sql::{text, ColumnType, Gap};

/// MySQL and MariaDB.
#[derive(Clone, Copy, Debug, Default)]
pub struct MySqlDialect;

/// Most segments a path may have (it becomes 2^(n-1) variants).
const MAX_SEGMENTS: usize = 8;

impl SqlDialect for MySqlDialect {
    fn table_exists(&self) -> &'static str {
        // information_schema compares names without case; table names have
        // it unless `lower_case_table_names` folds them.
        "EXISTS (SELECT 1 FROM information_schema.tables, (SELECT ? AS n) AS q \
         WHERE table_schema = DATABASE() AND (BINARY table_name = BINARY q.n \
         OR (@@lower_case_table_names <> 0 AND LOWER(table_name) = LOWER(q.n))))"
    }

    fn name(&self) -> &'static str {
        "mysql"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["mariadb"]
    }

    fn build(&self, statement: &SelectStatement) -> (String, Values) {
        statement.build(sea_query::MysqlQueryBuilder)
    }

    fn inline(&self, statement: &SelectStatement) -> String {
        statement.to_string(sea_query::MysqlQueryBuilder)
    }

    fn capability(&self, op: Operator) -> Result<(), Gap> {
        use Operator::*;
        match op {
            Eq | Ne | Gt | Lt | Gte | Lte | In | Nin | Contains | StartsWith | EndsWith | Regex
            | Exists | IsNull | Text | GeoRadius | GeoBoundingBox => Ok(()),
            // Porter2 stemming and the polygon test run only in the
            // evaluator.
            Phrase | Words | GeoPolygon => Err(Gap::Operator(op)),
        }
    }

    // The pattern translated into the syntax PCRE2 (MariaDB) and ICU
    // (MySQL 8) share (`sql::regex`), led by `(?-i)`: `REGEXP` would
    // otherwise fold case under a case-insensitive collation.
    fn regex(&self, pattern: &str, ci: bool) -> Result<Fragment, Gap> {
        let re = crate::sql::regex::translate(pattern, ci, crate::sql::regex::Flavor::Pcre)
            .map_err(|e| Gap::Regex(e.0))?;
        Ok(Fragment::new("? REGEXP ?", vec![text(re)]))
    }

    fn binary_text(&self) -> (&'static str, &'static str) {
        ("CAST(? AS BINARY)", "CAST(? AS BINARY)")
    }

    fn text_match(&self, affix: Affix, needle: &str) -> Fragment {
        let pattern =
            crate::sql::like_pattern(needle, affix == Affix::Prefix, affix == Affix::Suffix);
        Fragment::new(
            "CAST(? AS BINARY) LIKE CAST(? AS BINARY) ESCAPE '\\\\'",
            vec![text(pattern)],
        )
    }

    // Nanoseconds as a `DECIMAL`, from the digits; `DATEDIFF` counts the
    // days (MySQL's day numbers go wrong in January and February of year
    // 0000, so years before 1000 are counted 400 years, 146,097 days, later).
    fn instant(&self) -> String {
        super::arithmetic_instant(&super::InstantSql {
            substr: "SUBSTR",
            length: "CHAR_LENGTH",
            int: "CAST({} AS SIGNED)",
            wide: "CAST({} AS DECIMAL(30,0))",
            days: "(CASE WHEN SUBSTR(?, 1, 4) < '1000' \
                   THEN DATEDIFF(CONCAT(LPAD(CAST(SUBSTR(?, 1, 4) AS SIGNED) + 400, 4, '0'), SUBSTR(?, 5, 6)), '1970-01-01') - 146097 \
                   ELSE DATEDIFF(SUBSTR(?, 1, 10), '1970-01-01') END)",
        })
    }

    fn instant_literal(&self, nanos: i128) -> Fragment {
        Fragment::new("CAST(? AS DECIMAL(30,0))", vec![text(nanos.to_string())])
    }

    fn json_path(&self, path: &[String]) -> Result<(), Gap> {
        // The path syntax has no escape for a backslash in a key; a number
        // segment indexes arrays in the evaluator, which a path cannot say
        // for "index if array, key if object". MariaDB misreads a quoted key
        // that starts with `-` (`$."-1"`: no match in `JSON_EXTRACT`, a
        // syntax error in `JSON_TABLE`), as the start of a negative index.
        if path.len() > MAX_SEGMENTS
            || path
                .iter()
                .any(|s| s.contains(|c: char| c == '\\' || c.is_control()))
            || path
                .iter()
                .any(|s| s.parse::<usize>().is_ok() || s.starts_with('-'))
        {
            return Err(Gap::Json);
        }
        Ok(())
    }

    fn json_rows(
        &self,
        column: &str,
        path: &[String],
        rows: Candidates,
        object_root: bool,
    ) -> Vec<Fragment> {
        let table = "JSON_TABLE(?, ? COLUMNS (v JSON PATH '$'))";
        let sql = match rows {
            Candidates::Found => format!("{table} AS c"),
            _ => format!(
                "{table} AS l CROSS JOIN JSON_TABLE(CASE WHEN JSON_TYPE(l.v) = 'ARRAY' THEN l.v ELSE {} END, \
                 '$[*]' COLUMNS (v JSON PATH '$')) AS c",
                if rows == Candidates::ValueOrElements {
                    "CONCAT('[', l.v, ']')"
                } else {
                    "'[]'"
                }
            ),
        };
        let col = Expr::col(sea_query::Alias::new(column));
        paths(path, object_root)
            .into_iter()
            .map(|p| {
                Fragment::new(
                    sql.clone(),
                    vec![
                        col.clone(),
                        Expr::Constant(sea_query::Value::String(Some(p))),
                    ],
                )
            })
            .collect()
    }

    fn json_column_direct(&self, column: &str) -> Option<ColumnDirect> {
        let col = || vec![Expr::col(sea_query::Alias::new(column))];
        Some(ColumnDirect::Typed {
            kind: Fragment::new("JSON_TYPE(?)", col()),
            string: "'STRING'",
            array: "'ARRAY'",
            text: Fragment::new("JSON_UNQUOTE(?)", col()),
            elements: Fragment::new(
                "JSON_TABLE(?, '$[*]' COLUMNS (v JSON PATH '$')) AS c",
                col(),
            ),
            has_string: None,
        })
    }

    // A path of keys met as objects holds one value, read with
    // `JSON_EXTRACT` and no `JSON_TABLE`; the document column keeps the walk.
    fn json_text_direct(
        &self,
        column: &str,
        path: &[String],
        object_root: bool,
    ) -> Option<(Fragment, Fragment, Fragment)> {
        if path.is_empty() || object_root {
            return None;
        }
        let col = || Expr::col(sea_query::Alias::new(column));
        let at = |keys: &[String]| Expr::Constant(sea_query::Value::String(Some(key_path(keys))));
        let is_string = Fragment::new(
            "JSON_TYPE(JSON_EXTRACT(?, ?)) = 'STRING'",
            vec![col(), at(path)],
        );
        let value = Fragment::new("JSON_UNQUOTE(JSON_EXTRACT(?, ?))", vec![col(), at(path)]);
        let none = Fragment::new(
            "JSON_TYPE(JSON_EXTRACT(?, ?)) <> 'ARRAY' OR ? IS NULL \
             OR (JSON_TYPE(?) = 'OBJECT' AND JSON_EXTRACT(?, ?) IS NULL)",
            vec![col(), at(path), col(), col(), col(), at(&path[..1])],
        );
        Some((is_string, value, none))
    }

    // 3,000 walks run in 0.7 s on a 40-row table; 10,000 took MariaDB to
    // 18 GB of memory.
    fn max_json_walks(&self) -> usize {
        2_000
    }

    fn json_is_text(&self) -> &'static str {
        "JSON_TYPE(c.v) = 'STRING'"
    }

    fn json_text(&self) -> &'static str {
        "JSON_UNQUOTE(c.v)"
    }

    fn json_is_number(&self) -> &'static str {
        "JSON_TYPE(c.v) IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL')"
    }

    fn json_number(&self) -> &'static str {
        "CAST(c.v AS DOUBLE)"
    }

    fn json_is_bool(&self, b: bool) -> &'static str {
        if b {
            "JSON_TYPE(c.v) = 'BOOLEAN' AND JSON_UNQUOTE(c.v) = 'true'"
        } else {
            "JSON_TYPE(c.v) = 'BOOLEAN' AND JSON_UNQUOTE(c.v) = 'false'"
        }
    }

    fn json_is_null(&self) -> &'static str {
        "JSON_TYPE(c.v) = 'NULL'"
    }

    fn json_not_null(&self) -> &'static str {
        "JSON_TYPE(c.v) <> 'NULL'"
    }

    fn json_contains(&self) -> &'static str {
        "INSTR(CAST(? AS BINARY), CAST(? AS BINARY)) > 0"
    }

    fn json_starts(&self) -> &'static str {
        "CAST(LEFT(?, CHAR_LENGTH(?)) AS BINARY) = CAST(? AS BINARY)"
    }

    fn json_ends(&self) -> &'static str {
        "CAST(RIGHT(?, CHAR_LENGTH(?)) AS BINARY) = CAST(? AS BINARY)"
    }

    // No LATERAL in MariaDB: one JSON_TABLE per encoding.
    fn geo_points(&self) -> Vec<(&'static str, &'static str)> {
        vec![
            (
                " CROSS JOIN JSON_TABLE(c.v, '$' COLUMNS (lat DOUBLE PATH '$.lat', lon DOUBLE PATH '$.lon')) AS g",
                OBJECT,
            ),
            (
                " CROSS JOIN JSON_TABLE(c.v, '$.coordinates' COLUMNS (lon DOUBLE PATH '$[0]', lat DOUBLE PATH '$[1]')) AS g",
                GEOJSON,
            ),
            (
                " CROSS JOIN JSON_TABLE(c.v, '$' COLUMNS (lon DOUBLE PATH '$[0]', lat DOUBLE PATH '$[1]')) AS g",
                PAIR,
            ),
        ]
    }

    // IEEE throughout; SQRT of a negative is NULL, which COALESCE turns
    // into the evaluator's 1.
    fn geo_radius(&self, v: &serde_json::Value) -> Result<(Fragment, Fragment), Gap> {
        let geo::Radius { p1, cp1, lon1, r } = geo::Radius::of(v);
        let d = self.double();
        let num = |x: f64| Expr::val(x);
        let sin_half_dp = |s: &mut Fragment| {
            s.push("SIN((g.lat * ")
                .param(d, num(geo::RADS_PER_DEG))
                .push(" - ")
                .param(d, num(p1))
                .push(") / 2)");
        };
        let sin_half_dl = |s: &mut Fragment| {
            s.push("SIN((g.lon - ")
                .param(d, num(lon1))
                .push(") * ")
                .param(d, num(geo::RADS_PER_DEG))
                .push(" / 2)");
        };
        let mut s = Fragment::default();
        s.param(d, num(2.0 * geo::EARTH_RADIUS))
            .push(" * ASIN(COALESCE(LEAST(SQRT(");
        sin_half_dp(&mut s);
        s.push(" * ");
        sin_half_dp(&mut s);
        s.push(" + ")
            .param(d, num(cp1))
            .push(" * COS(g.lat * ")
            .param(d, num(geo::RADS_PER_DEG))
            .push(") * (");
        sin_half_dl(&mut s);
        s.push(" * ");
        sin_half_dl(&mut s);
        s.push(")), 1), 1)) <= ").param(d, num(r));
        Ok((Fragment::default(), s))
    }

    // Numbers and booleans: the column. Text compares as `BINARY` of the
    // (lowercased) column, an expression MariaDB does not match to an
    // index, so text shapes are not index-served here yet.
    // Numbers and booleans: the column. Text: its two key columns (see
    // `text_key`), by their first 255 bytes (they are BLOBs; equal
    // prefixes are told apart on the row).
    fn column_indexes(&self, ty: ColumnType, column: &str) -> Vec<IndexSpec> {
        match ty {
            ColumnType::Integer | ColumnType::Float | ColumnType::Bool => vec![IndexSpec {
                suffix: "value",
                key: self.quote(column),
                method: None,
                json: false,
            }],
            ColumnType::Text | ColumnType::Timestamp => [(true, "lower"), (false, "text")]
                .into_iter()
                .filter_map(|(ci, suffix)| {
                    Some(IndexSpec {
                        suffix,
                        key: format!("{}(255)", self.quote(&self.text_key(column, ci)?)),
                        method: None,
                        json: false,
                    })
                })
                .collect(),
            ColumnType::Json => Vec::new(),
        }
    }

    // MariaDB uses an index on a generated column only when the query
    // names the column: so each text column has two virtual ones,
    // `siftql_l_<col>` = CAST(LOWER(col) AS BINARY) and `siftql_b_<col>` =
    // CAST(col AS BINARY), the very expressions the comparisons use.
    fn text_key(&self, column: &str, ci: bool) -> Option<String> {
        let name = format!("siftql_{}_{column}", if ci { 'l' } else { 'b' });
        // MySQL's identifiers are at most 64 characters.
        (name.chars().count() <= 64).then_some(name)
    }

    fn text_key_definition(&self, column: &str, ci: bool) -> Option<String> {
        let name = self.text_key(column, ci)?;
        let x = self.quote(column);
        let x = if ci { self.lower().replace('?', &x) } else { x };
        Some(format!(
            "{} LONGBLOB AS (CAST({x} AS BINARY)) VIRTUAL",
            self.quote(&name)
        ))
    }

    // One ALTER TABLE: InnoDB reads the table (and computes the virtual
    // key columns) once for all of them.
    fn index_statements(&self, table: &str, specs: &[(String, IndexSpec)]) -> Vec<String> {
        if specs.is_empty() {
            return Vec::new();
        }
        let adds: Vec<String> = specs
            .iter()
            .map(|(name, spec)| {
                format!(
                    "ADD INDEX IF NOT EXISTS {} ({})",
                    self.quote(name),
                    spec.key
                )
            })
            .collect();
        vec![format!(
            "ALTER TABLE {} {}",
            self.quote(table),
            adds.join(", ")
        )]
    }

    fn quote(&self, name: &str) -> String {
        format!("`{}`", name.replace('`', "``"))
    }

    fn column_type(&self, ty: ColumnType, key: bool) -> &'static str {
        match ty {
            ColumnType::Text | ColumnType::Timestamp if key => "VARCHAR(255)",
            ColumnType::Text | ColumnType::Timestamp => "TEXT",
            ColumnType::Integer => "BIGINT",
            ColumnType::Float => "DOUBLE",
            ColumnType::Bool => "BOOLEAN",
            ColumnType::Json => "LONGTEXT",
        }
    }

    // LONGTEXT keeps a record byte for byte.
    fn document_type(&self) -> &'static str {
        "LONGTEXT"
    }

    fn sequence_column(&self) -> Option<&'static str> {
        Some("siftql_seq BIGINT NOT NULL AUTO_INCREMENT UNIQUE")
    }

    fn table_suffix(&self) -> &'static str {
        " CHARACTER SET utf8mb4"
    }

    fn upsert(&self, _key: &str, names: &[String]) -> String {
        let set: Vec<String> = names.iter().map(|n| format!("{n} = VALUES({n})")).collect();
        format!(" ON DUPLICATE KEY UPDATE {}", set.join(", "))
    }
}

/// The paths for every way `path` can cross arrays on the way:
/// `$."a"."b"` and `$."a"[*]."b"`, and `$[*]."a"…` unless the root is
/// always an object.
fn paths(path: &[String], object_root: bool) -> Vec<String> {
    let quoted: Vec<String> = path.iter().map(|seg| quote_key(seg)).collect();
    // Bit j: an array is crossed before segment j (j = 0: at the root).
    let skip = usize::from(object_root);
    let variants = 1usize << path.len().saturating_sub(skip);
    (0..variants)
        .map(|bits| {
            let mut p = String::from("$");
            for (j, q) in quoted.iter().enumerate() {
                if j >= skip && bits & (1 << (j - skip)) != 0 {
                    p.push_str("[*]");
                }
                p.push('.');
                p.push_str(q);
            }
            p
        })
        .collect()
}

/// A path segment as a quoted key of a MySQL path.
fn quote_key(seg: &str) -> String {
    format!("\"{}\"", seg.replace('\\', "\\\\").replace('"', "\\\""))
}

/// `$."k1"."k2"…`: the path met as objects at every step.
fn key_path(keys: &[String]) -> String {
    keys.iter().fold(String::from("$"), |mut p, k| {
        p.push('.');
        p.push_str(&quote_key(k));
        p
    })
}

/// `{"lat": n, "lon": n}`.
const OBJECT: &str = "JSON_TYPE(c.v) = 'OBJECT' \
    AND JSON_TYPE(JSON_EXTRACT(c.v, '$.lat')) IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL') \
    AND JSON_TYPE(JSON_EXTRACT(c.v, '$.lon')) IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL')";

/// A GeoJSON `Point` without both `lat` and `lon` keys.
const GEOJSON: &str = "JSON_TYPE(c.v) = 'OBJECT' \
    AND NOT JSON_CONTAINS_PATH(c.v, 'all', '$.lat', '$.lon') \
    AND JSON_TYPE(JSON_EXTRACT(c.v, '$.type')) = 'STRING' \
    AND CAST(JSON_UNQUOTE(JSON_EXTRACT(c.v, '$.type')) AS BINARY) = CAST('Point' AS BINARY) \
    AND JSON_TYPE(JSON_EXTRACT(c.v, '$.coordinates')) = 'ARRAY' \
    AND JSON_LENGTH(JSON_EXTRACT(c.v, '$.coordinates')) = 2 \
    AND JSON_TYPE(JSON_EXTRACT(c.v, '$.coordinates[0]')) IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL') \
    AND JSON_TYPE(JSON_EXTRACT(c.v, '$.coordinates[1]')) IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL')";

/// `[lon, lat]`.
const PAIR: &str = "JSON_TYPE(c.v) = 'ARRAY' AND JSON_LENGTH(c.v) = 2 \
    AND JSON_TYPE(JSON_EXTRACT(c.v, '$[0]')) IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL') \
    AND JSON_TYPE(JSON_EXTRACT(c.v, '$[1]')) IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL')";
