//! `geo_radius` and `geo_bounding_box` in plain SQL (PostgreSQL and
//! MySQL/MariaDB): arithmetic on doubles that repeats the evaluator's,
//! operation for operation, so that it rounds the same way (both sides call
//! the C library's `sin`, `cos`, `asin` and `sqrt`).
//!
//! A candidate value (`c.v`, see `sql::json_path`) is a point when it is
//! `{"lat": n, "lon": n}`, `[lon, lat]` or a GeoJSON `Point`; the point's
//! coordinates become the columns `g.lat` and `g.lon` of a join
//! ([`SqlDialect::geo_points`]), and the test is written over them: the
//! bounding box here, the radius by each dialect
//! ([`SqlDialect::geo_radius`]), from the constants and bounds here.
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

use super::dialect::{Fragment, SqlDialect};

/// Mean Earth radius (IUGG), metres — the evaluator's.
pub(super) const EARTH_RADIUS: f64 = 6_371_008.8;

/// The smallest `geo_radius` radius compiled for PostgreSQL (see above).
pub(super) const MIN_PG_RADIUS: f64 = 1e-100;

/// What `f64::to_radians` multiplies by.
pub(super) const RADS_PER_DEG: f64 = std::f64::consts::PI / 180.0;

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
pub(super) fn underflow_bound(k: Option<f64>) -> f64 {
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

/// The inputs of a (checked) `geo_radius` value that the SQL needs: the
/// centre's latitude in radians and its cosine, its longitude in degrees,
/// and the radius in metres.
pub(super) struct Radius {
    pub p1: f64,
    pub cp1: f64,
    pub lon1: f64,
    pub r: f64,
}

impl Radius {
    pub(super) fn of(v: &serde_json::Value) -> Radius {
        let (lat1, lon1) = (coord(v, "center", "lat"), coord(v, "center", "lon"));
        let p1 = lat1 * RADS_PER_DEG;
        Radius {
            p1,
            cp1: p1.cos(),
            lon1,
            r: v["radius"].as_f64().unwrap_or(f64::NAN),
        }
    }
}

fn coord(v: &serde_json::Value, point: &str, key: &str) -> f64 {
    v[point][key].as_f64().unwrap_or(f64::NAN)
}

/// The test on `g.lat`, `g.lon` for a (checked) `geo_bounding_box` value.
pub(super) fn bounding_box(d: &dyn SqlDialect, v: &serde_json::Value) -> Fragment {
    let num = d.double();
    let (top, left) = (coord(v, "top_left", "lat"), coord(v, "top_left", "lon"));
    let (bottom, right) = (
        coord(v, "bottom_right", "lat"),
        coord(v, "bottom_right", "lon"),
    );
    let mut s = Fragment::default();
    s.push("g.lat >= ").param(num, Expr::val(bottom));
    s.push(" AND g.lat <= ").param(num, Expr::val(top));
    if left <= right {
        s.push(" AND g.lon >= ").param(num, Expr::val(left));
        s.push(" AND g.lon <= ").param(num, Expr::val(right));
    } else {
        // Across the antimeridian.
        s.push(" AND (g.lon >= ").param(num, Expr::val(left));
        s.push(" OR g.lon <= ")
            .param(num, Expr::val(right))
            .push(")");
    }
    s
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
