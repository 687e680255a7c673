//! `geo_radius` and `geo_bounding_box` on PostgreSQL and MySQL/MariaDB:
//! plain SQL arithmetic on doubles that repeats the evaluator's, operation
//! for operation, so that it rounds the same way (both sides call the C
//! library's `sin`, `cos`, `asin` and `sqrt`).
//!
//! A candidate value (`c.v`, see `sql::json`) is a point when it is
//! `{"lat": n, "lon": n}`, `[lon, lat]` or a GeoJSON `Point`; the point's
//! coordinates become the columns `g.lat` and `g.lon` of a join, and the
//! test is written over them.
//!
//! The evaluator computes
//!
//! ```text
//! p1 = lat1 · k, p2 = lat2 · k, dl = (lon2 − lon1) · k      (k = π/180)
//! a  = sin((p2 − p1)/2)² + cos p1 · cos p2 · sin(dl/2)²
//! d  = 2R · asin(min(√a, 1))                                 (√ of a negative is NaN, and min(NaN, 1) = 1)
//! ```
//!
//! and so does the SQL. MySQL's double arithmetic is IEEE (underflow gives
//! 0). PostgreSQL raises an error where a product or quotient underflows to
//! 0, so each such step is guarded: `x · y` is written `CASE WHEN |x| <= t
//! THEN 0 ELSE x · y END`, with `t` the largest `x` for which IEEE gives 0
//! (exact, as the product is monotonic in `|x|`). The one product of two
//! row values, `cos p1 · cos p2 · sin(dl/2)²`, is taken as 0 when
//! `sin(dl/2)² < 2⁻⁹⁰⁰`; that changes `a` only when `a` is below 2⁻⁸⁴⁵ (else
//! the term is under half an ulp of `a`), where `d` is below 10⁻¹¹⁹ m, so the
//! answer is the evaluator's for every radius of at least 10⁻¹⁰⁰ m — and a
//! smaller radius is refused on PostgreSQL ([`MIN_PG_RADIUS`]).

use sea_query::Expr;

use super::{Dialect, Gap};

/// Mean Earth radius (IUGG), metres — the evaluator's.
const EARTH_RADIUS: f64 = 6_371_008.8;

/// The smallest `geo_radius` radius compiled for PostgreSQL (see above).
pub(super) const MIN_PG_RADIUS: f64 = 1e-100;

/// What `f64::to_radians` multiplies by.
const RADS_PER_DEG: f64 = std::f64::consts::PI / 180.0;

/// The evaluator's distance, step by step as the SQL does it (used by the
/// tests to check both against each other).
#[cfg(test)]
fn haversine(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1 * RADS_PER_DEG, lat2 * RADS_PER_DEG);
    let dl = (lon2 - lon1) * RADS_PER_DEG;
    let s1 = ((p2 - p1) / 2.0).sin();
    let s2 = (dl / 2.0).sin();
    let a = s1 * s1 + p1.cos() * p2.cos() * (s2 * s2);
    2.0 * EARTH_RADIUS * a.sqrt().min(1.0).asin()
}

/// The largest non-negative `x` with `x * k == 0.0` (for `k > 0`), or with
/// `x * x == 0.0` when `k` is `None`.
fn underflow_bound(k: Option<f64>) -> f64 {
    let zero = |x: f64| x * k.unwrap_or(x) == 0.0;
    let (mut lo, mut hi) = (0u64, 1f64.to_bits());
    // Invariant: zero(lo) and !zero(hi); bits order like the values.
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if zero(f64::from_bits(mid)) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    f64::from_bits(lo)
}

/// SQL pieces and the values for their `?`s, in order.
#[derive(Default)]
pub(super) struct Sql {
    pub text: String,
    pub params: Vec<Expr>,
}

impl Sql {
    fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// A bound double.
    fn num(&mut self, d: Dialect, x: f64) -> &mut Self {
        self.text.push_str(match d {
            Dialect::Postgres => "CAST(? AS double precision)",
            _ => "?",
        });
        self.params.push(Expr::val(x));
        self
    }
}

/// How each point encoding is read on `d`: a `FROM` suffix that defines
/// `g.lat` and `g.lon` (`NULL` when `c.v` is not a point), and a condition
/// that must hold too. PostgreSQL reads all three in one lateral join; MySQL
/// (no `LATERAL` in MariaDB) needs one `JSON_TABLE` per encoding.
pub(super) fn points(d: Dialect) -> Vec<(&'static str, &'static str)> {
    match d {
        Dialect::Postgres => vec![(PG_POINT, "TRUE")],
        _ => vec![
            (
                " CROSS JOIN JSON_TABLE(c.v, '$' COLUMNS (lat DOUBLE PATH '$.lat', lon DOUBLE PATH '$.lon')) AS g",
                MY_OBJECT,
            ),
            (
                " CROSS JOIN JSON_TABLE(c.v, '$.coordinates' COLUMNS (lon DOUBLE PATH '$[0]', lat DOUBLE PATH '$[1]')) AS g",
                MY_GEOJSON,
            ),
            (
                " CROSS JOIN JSON_TABLE(c.v, '$' COLUMNS (lon DOUBLE PATH '$[0]', lat DOUBLE PATH '$[1]')) AS g",
                MY_PAIR,
            ),
        ],
    }
}

/// PostgreSQL: `{"lat", "lon"}` first (both numbers, or no point at all),
/// then a GeoJSON `Point`, then `[lon, lat]`. Every test is total, so the
/// casts run only on numbers whatever order the planner picks. `OFFSET 0`
/// keeps each lateral subquery from being pulled up, which would copy its
/// expressions into every use (exponentially many, through the steps).
const PG_POINT: &str = " CROSS JOIN LATERAL (SELECT \
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

/// MySQL: `{"lat": n, "lon": n}`.
const MY_OBJECT: &str = "JSON_TYPE(c.v) = 'OBJECT' \
    AND JSON_TYPE(JSON_EXTRACT(c.v, '$.lat')) IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL') \
    AND JSON_TYPE(JSON_EXTRACT(c.v, '$.lon')) IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL')";

/// MySQL: a GeoJSON `Point` without both `lat` and `lon` keys.
const MY_GEOJSON: &str = "JSON_TYPE(c.v) = 'OBJECT' \
    AND NOT JSON_CONTAINS_PATH(c.v, 'all', '$.lat', '$.lon') \
    AND JSON_TYPE(JSON_EXTRACT(c.v, '$.type')) = 'STRING' \
    AND CAST(JSON_UNQUOTE(JSON_EXTRACT(c.v, '$.type')) AS BINARY) = CAST('Point' AS BINARY) \
    AND JSON_TYPE(JSON_EXTRACT(c.v, '$.coordinates')) = 'ARRAY' \
    AND JSON_LENGTH(JSON_EXTRACT(c.v, '$.coordinates')) = 2 \
    AND JSON_TYPE(JSON_EXTRACT(c.v, '$.coordinates[0]')) IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL') \
    AND JSON_TYPE(JSON_EXTRACT(c.v, '$.coordinates[1]')) IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL')";

/// MySQL: `[lon, lat]`.
const MY_PAIR: &str = "JSON_TYPE(c.v) = 'ARRAY' AND JSON_LENGTH(c.v) = 2 \
    AND JSON_TYPE(JSON_EXTRACT(c.v, '$[0]')) IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL') \
    AND JSON_TYPE(JSON_EXTRACT(c.v, '$[1]')) IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL')";

fn coord(v: &serde_json::Value, point: &str, key: &str) -> f64 {
    v[point][key].as_f64().unwrap_or(f64::NAN)
}

/// The test on `g.lat`, `g.lon` for a (checked) `geo_radius` or
/// `geo_bounding_box` value: a `FROM` suffix (joins it needs) and the
/// condition.
pub(super) fn test(d: Dialect, radius: bool, v: &serde_json::Value) -> Result<(Sql, Sql), Gap> {
    let mut from = Sql::default();
    let mut s = Sql::default();
    if !radius {
        let (top, left) = (coord(v, "top_left", "lat"), coord(v, "top_left", "lon"));
        let (bottom, right) = (
            coord(v, "bottom_right", "lat"),
            coord(v, "bottom_right", "lon"),
        );
        s.push("g.lat >= ").num(d, bottom);
        s.push(" AND g.lat <= ").num(d, top);
        if left <= right {
            s.push(" AND g.lon >= ").num(d, left);
            s.push(" AND g.lon <= ").num(d, right);
        } else {
            // Across the antimeridian.
            s.push(" AND (g.lon >= ").num(d, left);
            s.push(" OR g.lon <= ").num(d, right).push(")");
        }
        return Ok((from, s));
    }
    let (lat1, lon1) = (coord(v, "center", "lat"), coord(v, "center", "lon"));
    let r = v["radius"].as_f64().unwrap_or(f64::NAN);
    let p1 = lat1 * RADS_PER_DEG;
    let cp1 = p1.cos();
    let two_r = 2.0 * EARTH_RADIUS;
    if d == Dialect::Postgres {
        if r < MIN_PG_RADIUS {
            return Err(Gap::TinyRadius);
        }
        let t_rad = underflow_bound(Some(RADS_PER_DEG));
        let t_half = underflow_bound(Some(0.5));
        let t_sq = underflow_bound(None);
        // p2 and dl (guarded products), then the sines, then a.
        from.push(" CROSS JOIN LATERAL (SELECT CASE WHEN abs(g.lat) <= ")
            .num(d, t_rad)
            .push(" THEN 0 ELSE g.lat * ")
            .num(d, RADS_PER_DEG)
            .push(" END AS p2, CASE WHEN abs(g.lon - ")
            .num(d, lon1)
            .push(") <= ")
            .num(d, t_rad)
            .push(" THEN 0 ELSE (g.lon - ")
            .num(d, lon1)
            .push(") * ")
            .num(d, RADS_PER_DEG)
            .push(" END AS dl OFFSET 0) AS h")
            .push(" CROSS JOIN LATERAL (SELECT sin(CASE WHEN abs(h.p2 - ")
            .num(d, p1)
            .push(") <= ")
            .num(d, t_half)
            .push(" THEN 0 ELSE (h.p2 - ")
            .num(d, p1)
            .push(") / 2 END) AS s1, sin(CASE WHEN abs(h.dl) <= ")
            .num(d, t_half)
            .push(" THEN 0 ELSE h.dl / 2 END) AS s2 OFFSET 0) AS k")
            .push(" CROSS JOIN LATERAL (SELECT CASE WHEN abs(k.s1) <= ")
            .num(d, t_sq)
            .push(" THEN 0 ELSE k.s1 * k.s1 END + CASE WHEN abs(k.s2) <= ")
            .num(d, t_sq)
            .push(" THEN 0 WHEN k.s2 * k.s2 < ")
            .num(d, 2f64.powi(-900))
            .push(" THEN 0 ELSE ")
            .num(d, cp1)
            .push(" * cos(h.p2) * (k.s2 * k.s2) END AS a OFFSET 0) AS q");
        s.num(d, two_r)
            .push(" * asin(CASE WHEN q.a < 0 THEN 1 ELSE LEAST(sqrt(q.a), 1) END) <= ")
            .num(d, r);
        return Ok((from, s));
    }
    // MySQL: IEEE throughout; SQRT of a negative is NULL, which COALESCE
    // turns into the evaluator's 1.
    let sin_half_dp = |s: &mut Sql| {
        s.push("SIN((g.lat * ")
            .num(d, RADS_PER_DEG)
            .push(" - ")
            .num(d, p1)
            .push(") / 2)");
    };
    let sin_half_dl = |s: &mut Sql| {
        s.push("SIN((g.lon - ")
            .num(d, lon1)
            .push(") * ")
            .num(d, RADS_PER_DEG)
            .push(" / 2)");
    };
    s.num(d, two_r).push(" * ASIN(COALESCE(LEAST(SQRT(");
    sin_half_dp(&mut s);
    s.push(" * ");
    sin_half_dp(&mut s);
    s.push(" + ")
        .num(d, cp1)
        .push(" * COS(g.lat * ")
        .num(d, RADS_PER_DEG)
        .push(") * (");
    sin_half_dl(&mut s);
    s.push(" * ");
    sin_half_dl(&mut s);
    s.push(")), 1), 1)) <= ").num(d, r);
    Ok((from, s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn underflow_bounds_are_exact() {
        for k in [Some(RADS_PER_DEG), Some(0.5), None] {
            let t = underflow_bound(k);
            let next = f64::from_bits(t.to_bits() + 1);
            assert_eq!(t * k.unwrap_or(t), 0.0);
            assert!(next * k.unwrap_or(next) > 0.0);
        }
    }

    /// The SQL's steps are the evaluator's: a radius of exactly the distance
    /// matches, one ulp less does not.
    #[test]
    fn the_formula_is_the_evaluators() {
        use crate::eval::Predicate;
        use serde_json::json;
        let points = [
            (52.52, 13.405),
            (48.8566, 2.3522),
            (-33.8688, 151.2093),
            (0.0, 179.9999),
            (0.0, -179.9999),
            (89.9, 0.1),
            (-7.25, 3.5),
            (120.0, 5.0),
        ];
        for &(lat1, lon1) in &points[..7] {
            for &(lat2, lon2) in &points {
                let d = haversine(lat1, lon1, lat2, lon2);
                let record = json!({ "loc": { "lat": lat2, "lon": lon2 } });
                let below = f64::from_bits(d.to_bits().saturating_sub(1));
                for (r, want) in [(d, true), (below, d == 0.0)] {
                    let f = crate::Filter::from(crate::Group::all(vec![crate::Condition::new(
                        crate::FieldPath::new("loc").unwrap(),
                        crate::Operator::GeoRadius,
                        json!({"center": {"lat": lat1, "lon": lon1}, "radius": r}),
                    )
                    .into()]));
                    assert_eq!(
                        Predicate::new(&f).unwrap().matches(&record),
                        want,
                        "{lat1},{lon1} to {lat2},{lon2}: {d}"
                    );
                }
            }
        }
    }
}
