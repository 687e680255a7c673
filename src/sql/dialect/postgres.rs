//! PostgreSQL 15+.
//!
//! JSON paths are walked by `jsonb_path_query` in lax mode, which unwraps
//! the arrays met on the way exactly as the evaluator does; text compares
//! by code point under `COLLATE "C"`; instants are `timestamptz`. Geo
//! arithmetic guards every step that PostgreSQL would reject on underflow
//! (see `sql::geo`).

use sea_query::{Expr, SelectStatement, Values};

use super::{Candidates, ColumnDirect, DirectRows, Fragment, SqlDialect};
use crate::ast::Operator;
use crate::sql::geo;
use crate::sql::index::IndexSpec;
use crate::sql::{text, ColumnType, Gap};

/// PostgreSQL.
#[derive(Clone, Copy, Debug, Default)]
pub struct PostgresDialect;

impl SqlDialect for PostgresDialect {
    fn table_exists(&self) -> &'static str {
        "EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = ? AND table_schema = ANY (current_schemas(false)))"
    }

    fn name(&self) -> &'static str {
        "postgres"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["postgresql", "pg"]
    }

    fn build(&self, statement: &SelectStatement) -> (String, Values) {
        statement.build(sea_query::PostgresQueryBuilder)
    }

    fn inline(&self, statement: &SelectStatement) -> String {
        statement.to_string(sea_query::PostgresQueryBuilder)
    }

    fn numbered_placeholders(&self) -> bool {
        true
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

    // The pattern translated into an ARE (`sql::regex`), case folding
    // already spelled out in its classes.
    fn regex(&self, pattern: &str, ci: bool) -> Result<Fragment, Gap> {
        let are = crate::sql::regex::translate(pattern, ci, crate::sql::regex::Flavor::Postgres)
            .map_err(|e| Gap::Regex(e.0))?;
        Ok(Fragment::new("? ~ ?", vec![text(are)]))
    }

    fn binary_text(&self) -> (&'static str, &'static str) {
        ("(? COLLATE \"C\")", "?")
    }

    // One `text[]` value instead of a parameter per item: a long list
    // costs its index probes, not its binding and planning. The array
    // literal quotes every item (`\` and `"` escaped).
    fn text_in_one(&self, items: &[String]) -> Option<(&'static str, Expr)> {
        let mut array = String::from("{");
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                array.push(',');
            }
            array.push('"');
            for ch in item.chars() {
                if ch == '\\' || ch == '"' {
                    array.push('\\');
                }
                array.push(ch);
            }
            array.push('"');
        }
        array.push('}');
        Some((
            "(? COLLATE \"C\") = ANY(CAST(CAST(? AS text) AS text[]))",
            text(array),
        ))
    }

    // Nanoseconds as `numeric`. Where `timestamptz` holds the text exactly
    // (a date-time of year 0001 or later, no leap second, at most six
    // digits of fraction, an offset within ±15:59) through it, 1.7× faster
    // than from the digits (172 ms against 300 ms for a range over 200,000
    // rows here; a bare `timestamptz` comparison took 53 ms); else from the
    // digits, where `make_date` (which has no year 0) counts the days of
    // the year plus 400, 146,097 days later. (`EXTRACT` is `numeric` from
    // PostgreSQL 14; before, `double precision`, exact to about a
    // microsecond.)
    fn instant(&self) -> String {
        let digits = super::arithmetic_instant(&super::InstantSql {
            substr: "substr",
            length: "length",
            int: "CAST({} AS bigint)",
            wide: "CAST({} AS numeric)",
            days: "(make_date(CAST(substr(?, 1, 4) AS int) + 400, CAST(substr(?, 6, 2) AS int), \
                   CAST(substr(?, 9, 2) AS int)) - DATE '1970-01-01' - 146097)",
        });
        format!(
            "(CASE WHEN length(?) BETWEEN 20 AND 32 AND substr(?, 1, 4) <> '0000' \
             AND substr(?, 18, 2) <> '60' AND (upper(right(?, 1)) = 'Z' AND length(?) <= 27 \
             OR substr(?, length(?) - 5, 1) IN ('+', '-') AND substr(?, length(?) - 4, 2) <= '15') \
             THEN EXTRACT(EPOCH FROM CAST(? AS timestamptz)) * 1000000000 ELSE {digits} END)"
        )
    }

    fn instant_literal(&self, nanos: i128) -> Fragment {
        Fragment::new(
            "CAST(CAST(? AS text) AS numeric)",
            vec![text(nanos.to_string())],
        )
    }

    // A number segment indexes arrays in the evaluator; a jsonpath cannot
    // say "index if array, key if object".
    fn json_path(&self, path: &[String]) -> Result<(), Gap> {
        if path.iter().any(|s| s.parse::<usize>().is_ok()) {
            return Err(Gap::Json);
        }
        Ok(())
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
            // The column itself: no path to walk (SQL NULL is no value).
            let doc = "CAST(? AS jsonb)";
            let sql = match rows {
                Candidates::Found => {
                    format!(
                        "(SELECT x.v FROM (SELECT {doc} AS v) AS x WHERE x.v IS NOT NULL) AS c(v)"
                    )
                }
                Candidates::ValueOrElements => format!(
                    "jsonb_array_elements(CASE WHEN jsonb_typeof({doc}) = 'array' THEN {doc} \
                     WHEN ? IS NULL THEN '[]'::jsonb ELSE jsonb_build_array({doc}) END) AS c(v)"
                ),
                Candidates::Elements => format!(
                    "jsonb_array_elements(CASE WHEN jsonb_typeof({doc}) = 'array' THEN {doc} \
                     ELSE '[]'::jsonb END) AS c(v)"
                ),
            };
            let n = sql.matches('?').count();
            return vec![Fragment::new(sql, (0..n).map(|_| col()).collect())];
        }
        let found = "jsonb_path_query(CAST(? AS jsonb), CAST(CAST(? AS text) AS jsonpath))";
        let sql = match rows {
            Candidates::Found => format!("{found} AS c(v)"),
            _ => format!(
                "{found} AS l(v) CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(l.v) = 'array' \
                 THEN l.v ELSE {} END) AS c(v)",
                if rows == Candidates::ValueOrElements {
                    "jsonb_build_array(l.v)"
                } else {
                    "'[]'::jsonb"
                }
            ),
        };
        vec![Fragment::new(
            sql,
            vec![
                Expr::col(sea_query::Alias::new(column)),
                text(jsonpath(path)),
            ],
        )]
    }

    // On a JSONB column and a path of keys, `col -> k1 -> … -> kn` is the
    // walk's one value whenever it is not NULL (`->` with a key gives NULL
    // unless it meets an object at each step, and lax mode only differs
    // from it where an array is met on the way): then no jsonpath runs. A
    // NULL column, or an object without the first key, has no candidates.
    // The document column (JSON text, parsed by each cast) keeps the
    // general walk.
    fn json_rows_direct(
        &self,
        column: &str,
        path: &[String],
        rows: Candidates,
        object_root: bool,
    ) -> Option<DirectRows> {
        if path.is_empty() || object_root {
            return None;
        }
        let col = || Expr::col(sea_query::Alias::new(column));
        let value = |first_only: bool| {
            let keys = if first_only { &path[..1] } else { path };
            let mut f = Fragment::new("?", vec![col()]);
            for k in keys {
                f.param(" -> CAST(? AS text)", text(k.as_str()));
            }
            f
        };
        let wrap = |template: &str, v: &Fragment| {
            Fragment::new(template.replace("{v}", &v.text), v.params.clone())
        };
        let v = value(false);
        let (when, rows) = match rows {
            Candidates::Found => ("{v} IS NOT NULL", "(SELECT {v}) AS c(v)"),
            Candidates::ValueOrElements => ("jsonb_typeof({v}) <> 'array'", "(SELECT {v}) AS c(v)"),
            Candidates::Elements => (
                "jsonb_typeof({v}) = 'array'",
                "jsonb_array_elements({v}) AS c(v)",
            ),
        };
        let first = value(true);
        let mut none = Fragment::new(
            "? IS NULL OR (jsonb_typeof(?) = 'object' AND ",
            vec![col(), col()],
        );
        none.push(&first.text).push(" IS NULL)");
        none.params.extend(first.params);
        Some(DirectRows {
            when: wrap(when, &v),
            rows: wrap(rows, &v),
            none: Some(none),
        })
    }

    // `@>` with a one-string array holds when a top-level element is that
    // string (an element of a nested array is not one).
    fn json_column_direct(&self, column: &str) -> Option<ColumnDirect> {
        let col = || vec![Expr::col(sea_query::Alias::new(column))];
        Some(ColumnDirect::Typed {
            kind: Fragment::new("jsonb_typeof(CAST(? AS jsonb))", col()),
            string: "'string'",
            array: "'array'",
            text: Fragment::new("(CAST(? AS jsonb) #>> '{}')", col()),
            elements: Fragment::new("jsonb_array_elements(CAST(? AS jsonb)) AS c(v)", col()),
            has_string: Some(Fragment::new(
                "CAST(? AS jsonb) @> jsonb_build_array(CAST(? AS text))",
                col(),
            )),
        })
    }

    // The value `col -> k1 -> … -> kn` (see `json_rows_direct`): a string
    // is its one candidate, read with `->>`; a value that is neither a
    // string nor an array, a NULL column, or an object without the first
    // key has no string candidate.
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
        let keys = |n: usize, last: &str| {
            let mut f = Fragment::new("?", vec![col()]);
            for (i, k) in path[..n].iter().enumerate() {
                let op = if i + 1 == n { last } else { "->" };
                f.param(&format!(" {op} CAST(? AS text)"), text(k.as_str()));
            }
            f
        };
        let v = keys(path.len(), "->");
        let is_string = Fragment::new(
            format!("jsonb_typeof({}) = 'string'", v.text),
            v.params.clone(),
        );
        let mut t = keys(path.len(), "->>");
        t.text = format!("({})", t.text);
        let first = keys(1, "->");
        let mut none = Fragment::new(
            format!(
                "jsonb_typeof({}) <> 'array' OR ? IS NULL OR (jsonb_typeof(?) = 'object' AND ",
                v.text
            ),
            v.params.clone(),
        );
        none.params.extend([col(), col()]);
        none.push(&first.text).push(" IS NULL)");
        none.params.extend(first.params);
        Some((is_string, t, none))
    }

    // `jsonb_path_query_array(col, 'lax $."k"[*]')`: the values at the
    // path, arrays there replaced by their elements (lax `[*]` takes a
    // non-array as itself), as the walk's value-or-elements candidates;
    // `@>` with a one-string array holds when one of them is that string
    // (an element of a nested array is not one: containment of a scalar
    // looks at the top level). Case-insensitively, the array's JSON text
    // is lowercased and read again: `LOWER` maps each character alone, and
    // never to `"`, `\` or a control character, so each string in the
    // text is lowercased as `LOWER` would lowercase it alone, and the JSON
    // escapes, written in lower case, stay as they are.
    fn json_string_eq(
        &self,
        column: &str,
        path: &[String],
        lit: &str,
        ci: bool,
    ) -> Option<Fragment> {
        if path.is_empty() {
            return None;
        }
        let array = "jsonb_path_query_array(CAST(? AS jsonb), CAST(CAST(? AS text) AS jsonpath))";
        let array = if ci {
            format!("CAST(LOWER(CAST({array} AS text)) AS jsonb)")
        } else {
            array.to_owned()
        };
        Some(Fragment::new(
            // A NULL column has no candidates: FALSE, not NULL.
            format!("COALESCE({array} @> jsonb_build_array(CAST(? AS text)), FALSE)"),
            vec![
                Expr::col(sea_query::Alias::new(column)),
                text(format!("{}[*]", jsonpath(path))),
                text(lit),
            ],
        ))
    }

    // `col @? 'lax $."k" ? (@ == v || …)'`, which the GIN index
    // (`jsonb_path_ops`) serves: lax mode unwraps an array at the path and
    // the filter's arrays, so every row the exact walk matches matches
    // (it may match more, the exact test decides). Up to 100 values.
    fn json_index_probe(
        &self,
        column: &str,
        path: &[String],
        object_root: bool,
        values: &[serde_json::Value],
        string: bool,
    ) -> Option<Fragment> {
        use serde_json::Value;
        if object_root || values.is_empty() || values.len() > 100 {
            return None;
        }
        let mut test = Vec::new();
        for v in values {
            match v {
                Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                    test.push(format!("@ == {v}"))
                }
                Value::Null | Value::Array(_) | Value::Object(_) => return None,
            }
        }
        let jp = format!("{} ? ({})", jsonpath(path), test.join(" || "));
        let col = || Expr::col(sea_query::Alias::new(column));
        // `??` is a literal `?` in a template.
        let probe = "? @?? CAST(CAST(? AS text) AS jsonpath)";
        Some(if string && path.is_empty() {
            Fragment::new(
                format!("({probe} OR jsonb_typeof(?) = 'string')"),
                vec![col(), text(jp), col()],
            )
        } else if string {
            return None;
        } else {
            Fragment::new(probe, vec![col(), text(jp)])
        })
    }

    // Planning grows faster than the number of subqueries: 1,000 take
    // 0.4 s on a 40-row table, 3,000 take 43 s.
    fn max_json_walks(&self) -> usize {
        1_000
    }

    fn json_is_text(&self) -> &'static str {
        "jsonb_typeof(c.v) = 'string'"
    }

    fn json_text(&self) -> &'static str {
        "(c.v #>> '{}')"
    }

    fn json_is_number(&self) -> &'static str {
        "jsonb_typeof(c.v) = 'number'"
    }

    fn json_number(&self) -> &'static str {
        "CAST(c.v #>> '{}' AS numeric)"
    }

    // The literal travels as text so numeric keeps every digit.
    fn json_number_literal(&self, n: &serde_json::Number) -> Result<Fragment, Gap> {
        Ok(Fragment::new(
            "CAST(CAST(? AS text) AS numeric)",
            vec![text(n.to_string())],
        ))
    }

    fn json_is_bool(&self, b: bool) -> &'static str {
        if b {
            "jsonb_typeof(c.v) = 'boolean' AND c.v = 'true'::jsonb"
        } else {
            "jsonb_typeof(c.v) = 'boolean' AND c.v = 'false'::jsonb"
        }
    }

    fn json_is_null(&self) -> &'static str {
        "jsonb_typeof(c.v) = 'null'"
    }

    fn json_not_null(&self) -> &'static str {
        "jsonb_typeof(c.v) <> 'null'"
    }

    fn json_contains(&self) -> &'static str {
        "strpos(?, ?) > 0"
    }

    fn json_starts(&self) -> &'static str {
        "left(?, length(?)) = ?"
    }

    fn json_ends(&self) -> &'static str {
        "right(?, length(?)) = ?"
    }

    fn double(&self) -> &'static str {
        "CAST(? AS double precision)"
    }

    fn geo_points(&self) -> Vec<(&'static str, &'static str)> {
        vec![(POINT, "TRUE")]
    }

    // Each product or quotient that could underflow is guarded (see
    // `sql::geo`): `x · y` is `CASE WHEN |x| <= t THEN 0 ELSE x · y END`.
    fn geo_radius(&self, v: &serde_json::Value) -> Result<(Fragment, Fragment), Gap> {
        let geo::Radius { p1, cp1, lon1, r } = geo::Radius::of(v);
        if r < geo::MIN_PG_RADIUS {
            return Err(Gap::TinyRadius);
        }
        let d = self.double();
        let num = |x: f64| Expr::val(x);
        let t_rad = geo::underflow_bound(Some(geo::RADS_PER_DEG));
        let t_half = geo::underflow_bound(Some(0.5));
        let t_sq = geo::underflow_bound(None);
        let mut from = Fragment::default();
        // p2 and dl (guarded products), then the sines, then a.
        from.push(" CROSS JOIN LATERAL (SELECT CASE WHEN abs(g.lat) <= ")
            .param(d, num(t_rad))
            .push(" THEN 0 ELSE g.lat * ")
            .param(d, num(geo::RADS_PER_DEG))
            .push(" END AS p2, CASE WHEN abs(g.lon - ")
            .param(d, num(lon1))
            .push(") <= ")
            .param(d, num(t_rad))
            .push(" THEN 0 ELSE (g.lon - ")
            .param(d, num(lon1))
            .push(") * ")
            .param(d, num(geo::RADS_PER_DEG))
            .push(" END AS dl OFFSET 0) AS h")
            .push(" CROSS JOIN LATERAL (SELECT sin(CASE WHEN abs(h.p2 - ")
            .param(d, num(p1))
            .push(") <= ")
            .param(d, num(t_half))
            .push(" THEN 0 ELSE (h.p2 - ")
            .param(d, num(p1))
            .push(") / 2 END) AS s1, sin(CASE WHEN abs(h.dl) <= ")
            .param(d, num(t_half))
            .push(" THEN 0 ELSE h.dl / 2 END) AS s2 OFFSET 0) AS k")
            .push(" CROSS JOIN LATERAL (SELECT CASE WHEN abs(k.s1) <= ")
            .param(d, num(t_sq))
            .push(" THEN 0 ELSE k.s1 * k.s1 END + CASE WHEN abs(k.s2) <= ")
            .param(d, num(t_sq))
            .push(" THEN 0 WHEN k.s2 * k.s2 < ")
            .param(d, num(2f64.powi(-900)))
            .push(" THEN 0 ELSE ")
            .param(d, num(cp1))
            .push(" * cos(h.p2) * (k.s2 * k.s2) END AS a OFFSET 0) AS q");
        let mut test = Fragment::default();
        test.param(d, num(2.0 * geo::EARTH_RADIUS))
            .push(" * asin(CASE WHEN q.a < 0 THEN 1 ELSE LEAST(sqrt(q.a), 1) END) <= ")
            .param(d, num(r));
        Ok((from, test))
    }

    fn typed_text(&self) -> &'static str {
        "CAST(? AS text)"
    }

    fn document_text(&self) -> &'static str {
        "CAST(? AS text)"
    }

    // Text: the case-insensitive and the case-sensitive comparison keys
    // (equality, `in`, ranges, prefixes); numbers and booleans: the column.
    // (Instants are computed with a cast PostgreSQL does not call
    // immutable, so timestamp ranges are not index-served.)
    fn column_indexes(&self, ty: ColumnType, column: &str) -> Vec<IndexSpec> {
        let column = &self.quote(column);
        match ty {
            ColumnType::Text | ColumnType::Timestamp => vec![
                IndexSpec {
                    suffix: "lower",
                    key: format!("(LOWER({column}) COLLATE \"C\")"),
                    method: None,
                    json: false,
                },
                IndexSpec {
                    suffix: "text",
                    key: format!("({column} COLLATE \"C\")"),
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
            // `@?` probes (see `json_index_probe`), and the type for the
            // strings `contains` also tests.
            ColumnType::Json => vec![
                IndexSpec {
                    suffix: "gin",
                    key: format!("{column} jsonb_path_ops"),
                    method: Some("gin"),
                    json: true,
                },
                IndexSpec {
                    suffix: "type",
                    key: format!("(jsonb_typeof({column}))"),
                    method: None,
                    json: true,
                },
            ],
        }
    }

    fn column_type(&self, ty: ColumnType, _key: bool) -> &'static str {
        match ty {
            ColumnType::Text | ColumnType::Timestamp => "TEXT",
            ColumnType::Integer => "BIGINT",
            ColumnType::Float => "DOUBLE PRECISION",
            ColumnType::Bool => "BOOLEAN",
            ColumnType::Json => "JSONB",
        }
    }

    // `text` keeps the record exactly, so it comes back byte for byte.
    // Not `json`: `siftql load` has checked every record already, and
    // `json` parses each one again on the way in (about a tenth of a
    // 200,000-record load); walks of the document cast it to `jsonb`
    // either way, and a table made with a `json` document loads as before.
    fn document_type(&self) -> &'static str {
        "TEXT"
    }

    fn sequence_column(&self) -> Option<&'static str> {
        Some("siftql_seq BIGINT GENERATED ALWAYS AS IDENTITY")
    }

    fn insert_placeholder(&self, i: usize, json: Option<bool>) -> String {
        match json {
            Some(true) => format!("CAST(CAST(${i} AS text) AS json)"),
            Some(false) => format!("CAST(CAST(${i} AS text) AS jsonb)"),
            None => format!("${i}"),
        }
    }

    fn upsert(&self, key: &str, names: &[String]) -> String {
        let set: Vec<String> = names
            .iter()
            .map(|n| format!("{n} = EXCLUDED.{n}"))
            .collect();
        format!(" ON CONFLICT ({key}) DO UPDATE SET {}", set.join(", "))
    }
}

/// A lax SQL/JSON path: `lax $."a"."b"`.
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

/// `{"lat", "lon"}` first (both numbers, or no point at all), then a
/// GeoJSON `Point`, then `[lon, lat]`, in one lateral join. Every test is
/// total, so the casts run only on numbers whatever order the planner
/// picks. `OFFSET 0` keeps each lateral subquery from being pulled up,
/// which would copy its expressions into every use (exponentially many,
/// through the steps).
const POINT: &str = " CROSS JOIN LATERAL (SELECT \
    CASE WHEN jsonb_typeof(c.v) = 'object' AND c.v -> 'lat' IS NOT NULL AND c.v -> 'lon' IS NOT NULL \
    THEN CASE WHEN jsonb_typeof(c.v -> 'lat') = 'number' AND jsonb_typeof(c.v -> 'lon') = 'number' \
    THEN CAST(c.v -> 'lat' AS double precision) END \
    WHEN jsonb_typeof(c.v) = 'object' AND c.v -> 'type' = '\"Point\"' AND jsonb_typeof(c.v -> 'coordinates') = 'array' \
    AND jsonb_typeof(c.v -> 'coordinates' -> 0) = 'number' AND jsonb_typeof(c.v -> 'coordinates' -> 1) = 'number' \
    AND c.v -> 'coordinates' -> 2 IS NULL THEN CAST(c.v -> 'coordinates' -> 1 AS double precision) \
    WHEN jsonb_typeof(c.v) = 'array' AND jsonb_typeof(c.v -> 0) = 'number' AND jsonb_typeof(c.v -> 1) = 'number' \
    AND c.v -> 2 IS NULL THEN CAST(c.v -> 1 AS double precision) END AS lat, \
    CASE WHEN jsonb_typeof(c.v) = 'object' AND c.v -> 'lat' IS NOT NULL AND c.v -> 'lon' IS NOT NULL \
    THEN CASE WHEN jsonb_typeof(c.v -> 'lat') = 'number' AND jsonb_typeof(c.v -> 'lon') = 'number' \
    THEN CAST(c.v -> 'lon' AS double precision) END \
    WHEN jsonb_typeof(c.v) = 'object' AND c.v -> 'type' = '\"Point\"' AND jsonb_typeof(c.v -> 'coordinates') = 'array' \
    AND jsonb_typeof(c.v -> 'coordinates' -> 0) = 'number' AND jsonb_typeof(c.v -> 'coordinates' -> 1) = 'number' \
    AND c.v -> 'coordinates' -> 2 IS NULL THEN CAST(c.v -> 'coordinates' -> 0 AS double precision) \
    WHEN jsonb_typeof(c.v) = 'array' AND jsonb_typeof(c.v -> 0) = 'number' AND jsonb_typeof(c.v -> 1) = 'number' \
    AND c.v -> 2 IS NULL THEN CAST(c.v -> 0 AS double precision) END AS lon OFFSET 0) AS g";
