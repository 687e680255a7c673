//! Geography: points as records hold them, distances on the sphere and
//! polygons, for `geo_radius`, `geo_bounding_box` and `geo_polygon`.

use serde_json::Value;

use super::value::S;

/// A polygon ring as `(lon, lat)` pairs.
pub(super) type Ring = Vec<(f64, f64)>;

/// The number at `key` of an object, or NaN.
pub(super) fn float_at(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or(f64::NAN)
}

/// `(lat, lon)` of a `{"lat", "lon"}` operand.
pub(super) fn point_of(v: &Value) -> (f64, f64) {
    (float_at(v, "lat"), float_at(v, "lon"))
}

/// The `points` of a ring operand.
pub(super) fn ring_of(v: &Value) -> Ring {
    v["points"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| (float_at(p, "lon"), float_at(p, "lat")))
                .collect()
        })
        .unwrap_or_default()
}

impl S<'_> {
    /// Any point: the value itself when it is one, or a point element.
    pub(super) fn any_point(self, mut test: impl FnMut(f64, f64) -> bool) -> bool {
        if let Some((lat, lon)) = point(self) {
            return test(lat, lon);
        }
        match self {
            S::Arr(items) => items
                .iter()
                .any(|v| point(S::from(v)).is_some_and(|(a, o)| test(a, o))),
            _ => false,
        }
    }
}

/// `(lat, lon)` of `{"lat", "lon"}`, `[lon, lat]` or a GeoJSON point.
fn point(v: S<'_>) -> Option<(f64, f64)> {
    let pair = |a: &[Value]| match a {
        [lon, lat] => Some((lat.as_f64()?, lon.as_f64()?)),
        _ => None,
    };
    match v {
        S::Obj(m) => {
            if let (Some(lat), Some(lon)) = (m.get("lat"), m.get("lon")) {
                return Some((lat.as_f64()?, lon.as_f64()?));
            }
            if m.get("type").and_then(Value::as_str) == Some("Point") {
                return pair(m.get("coordinates")?.as_array()?);
            }
            None
        }
        S::Arr(a) => pair(a),
        _ => None,
    }
}

/// Mean Earth radius (IUGG), metres.
const EARTH_RADIUS: f64 = 6_371_008.8;

/// The great-circle distance in metres between two `(lat, lon)` points.
pub(super) fn haversine(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS * a.sqrt().min(1.0).asin()
}

/// Even-odd ray casting in the (lon, lat) plane.
pub(super) fn in_ring(x: f64, y: f64, ring: &[(f64, f64)]) -> bool {
    let mut inside = false;
    let mut j = ring.len().wrapping_sub(1);
    for (i, &(xi, yi)) in ring.iter().enumerate() {
        let (xj, yj) = ring[j];
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_known_distance() {
        // Berlin to Paris is about 878 km.
        let d = haversine(52.52, 13.405, 48.8566, 2.3522);
        assert!((870_000.0..885_000.0).contains(&d), "{d}");
    }
}
