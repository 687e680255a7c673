//! A backend outside the crate: a siftql filter as a MongoDB query document (Extended
//! JSON v2), built with the public API only ([`siftql::Fold`]). Try
//! `cargo run --example mongo_backend -- 'name text $inputs.q' '{"inputs": {"q": "gpu"}}'`.
//!
//! `AND`/`OR`/`NOT` → `$and`/`$or`/`$nor`; `{}`, empty `AND`/`NOT` → `{}`; empty `OR` →
//! `{"$expr": false}`. `eq ne gt gte lt lte in nin` → the same `$` operators, which share
//! siftql's any-element rule for arrays and numeric, same-type comparison; `$ne`, `$nin`,
//! `$nor` and `{f: null}` match a missing field as `ne`, `nin`, `NOT` and `eq null` do.
//! Case-insensitive strings (the default, see [`Scope`]) become escaped regexes with
//! option `i`, anchored `^…\z` (PCRE's `$` also matches before a final newline); in
//! `$in`/`$nin` they are `$regularExpression` values, so read the output with an Extended
//! JSON reader (`EJSON.parse`, `bson::Document::try_from`). `contains "s"` is a substring
//! on a non-array and an element equal to `"s"` on an array (`$elemMatch`).
//!
//! Where MongoDB cannot mean exactly what siftql means:
//! * string ranges compare by code point as stored, even case-insensitive ones, and dates
//!   as strings (exact for one uniform RFC 3339 format), not as instants;
//! * case-insensitive `eq`/`in` of an array or object compare the strings in it exactly;
//!   `is_null` (`{f: null}`, `$ne: null`) counts an array holding `null` as null;
//! * `regex` runs on PCRE, not Rust's `regex`: `\d`, `\w`, some case folding differ;
//! * `phrase` is a regex of its words between look-arounds (letters and digits as PCRE's
//!   `\p{L}\p{N}`); `words` is refused: MongoDB stems words only in a collection's `$text`;
//! * geo wants points as `[lon, lat]` or GeoJSON (`{lat, lon}` reads as x = lat);
//!   `geo_radius` → `$centerSphere` (spherical, like haversine); `geo_bounding_box` → planar
//!   `$box`, split in two across the antimeridian; `geo_polygon` → GeoJSON `$geometry`:
//!   great-circle edges, not straight lon/lat lines, and holes must lie inside it;
//! * a field segment starting with `$` is refused: it would be an operator (`$where`).
//!
//! Dynamic values (`$inputs.q`) come from a bindings object (key `"inputs.q"`, else path
//! `inputs` → `q`) and are checked like literals; a missing one is an error.

use serde_json::{json, Value};
use siftql::{Condition, Filter, Fold, Group, GroupParts, Limits, Operand, Operator, Scope};

/// Compiles `filter` into a MongoDB query document, taking dynamic values
/// from `bindings` (a JSON object).
pub fn to_mongo(filter: &Filter, bindings: &Value) -> Result<Value, String> {
    filter.fold(&mut Mongo(bindings))
}

struct Mongo<'a>(&'a Value);

impl Fold for Mongo<'_> {
    type Output = Value;
    type Error = String;

    fn condition(&mut self, c: &Condition, scope: Scope) -> Result<Value, String> {
        let (field, op) = (c.field.as_str(), c.operator);
        if c.field.segments().any(|s| s.starts_with('$')) {
            return Err(format!("`{field}`: a `$` segment is an operator"));
        }
        let value = match &c.value {
            Operand::Literal(v) => v,
            Operand::Dynamic(name) => {
                let name = name.as_str();
                let by_path = || name.split('.').try_fold(self.0, |v, s| v.get(s));
                let found = self.0.get(name).or_else(by_path);
                found.ok_or_else(|| format!("no value bound for `${name}`"))?
            }
        };
        // siftql's decoder checks the value (shape, regex) as it checks any literal.
        let decoded = json!({ "AND": [{ "field": field, "operator": op.name(), "value": value }] });
        Filter::from_json_value(&decoded).map_err(|e| format!("`{field}`: {}", e.message()))?;
        // `scope` tells whether the condition or any group around it is case-sensitive.
        condition(field, op, value, !scope.case_sensitive)
    }

    fn group(&mut self, _: &Group, parts: GroupParts<Value>, _: Scope) -> Result<Value, String> {
        let mut all = parts.and.unwrap_or_default();
        match parts.or {
            Some(or) if or.is_empty() => return Ok(json!({ "$expr": false })),
            Some(mut or) if or.len() == 1 => all.append(&mut or),
            Some(or) => all.push(json!({ "$or": or })),
            None => {}
        }
        if let Some(not) = parts.not.filter(|n| !n.is_empty()) {
            all.push(json!({ "$nor": not }));
        }
        all.retain(|d| d != &json!({}));
        Ok(match all.len() {
            0 => json!({}),
            1 => all.remove(0),
            _ => json!({ "$and": all }),
        })
    }
}

/// One condition, its value already checked, as a query document.
fn condition(field: &str, op: Operator, v: &Value, ci: bool) -> Result<Value, String> {
    use Operator::*;
    let at = |test: Value| json!({ field: test });
    let (s, dollar) = (v.as_str().unwrap_or_default(), format!("${op}"));
    let opts = if ci { "i" } else { "" };
    let re = |pattern: &str, opts: &str| at(json!({ "$regex": pattern, "$options": opts }));
    Ok(match op {
        Eq if ci && v.is_string() => re(&whole(s), "i"),
        Ne if ci && v.is_string() => at(json!({ "$not": { "$regex": whole(s), "$options": "i" } })),
        Eq | Ne | Gt | Gte | Lt | Lte => at(json!({ dollar: v })),
        In | Nin => {
            let items = v.as_array().into_iter().flatten();
            at(json!({ dollar: items.map(|x| in_item(x, ci)).collect::<Vec<_>>() }))
        }
        Contains if v.is_string() => {
            let (pattern, array) = (regex::escape(s), json!({ "$type": "array" }));
            let substring = json!({ "$not": array, "$regex": pattern, "$options": opts });
            let element = json!({ "$elemMatch": { "$regex": whole(s), "$options": opts } });
            json!({ "$or": [at(substring), at(element)] })
        }
        Contains => at(json!({ "$elemMatch": { "$eq": v } })),
        StartsWith => re(&format!("^{}", regex::escape(s)), opts),
        EndsWith => re(&format!("{}\\z", regex::escape(s)), opts),
        Regex => re(s, opts),
        Text => re(&regex::escape(s), "i"),
        Phrase => re(&phrase(s), "i"),
        Words => return Err(format!("`{field} words`: no stemming in MongoDB")),
        Exists => at(json!({ "$exists": v })),
        IsNull if v == true => at(Value::Null),
        IsNull => at(json!({ "$ne": null })),
        GeoRadius => {
            let radians = v["radius"].as_f64().unwrap_or_default() / 6_371_008.8; // m → rad
            at(json!({ "$geoWithin": { "$centerSphere": [lon_lat(&v["center"]), radians] } }))
        }
        GeoBoundingBox => {
            let (left, top) = (&v["top_left"]["lon"], &v["top_left"]["lat"]);
            let (right, bottom) = (&v["bottom_right"]["lon"], &v["bottom_right"]["lat"]);
            let bbox = |l, r| at(json!({ "$geoWithin": { "$box": [[l, bottom], [r, top]] } }));
            if left.as_f64() <= right.as_f64() {
                bbox(left, right)
            } else {
                json!({ "$or": [bbox(left, &json!(180)), bbox(&json!(-180), right)] })
            }
        }
        GeoPolygon => {
            let mut rings = vec![ring(&v["exterior"])];
            rings.extend(v["interiors"].as_array().into_iter().flatten().map(ring));
            let shape = json!({ "type": "Polygon", "coordinates": rings });
            at(json!({ "$geoWithin": { "$geometry": shape } }))
        }
    })
}

/// A pattern matching exactly the string `s`.
fn whole(s: &str) -> String {
    format!("^{}\\z", regex::escape(s))
}

/// An `$in`/`$nin` item: a case-insensitive string as a regex value.
fn in_item(v: &Value, ci: bool) -> Value {
    match v.as_str() {
        Some(s) if ci => json!({ "$regularExpression": { "pattern": whole(s), "options": "i" } }),
        _ => v.clone(),
    }
}

/// The words of `s` (runs of letters and digits), whole and consecutive.
fn phrase(s: &str) -> String {
    let words = s.split(|c: char| !c.is_alphanumeric());
    let words: Vec<_> = words.filter(|w| !w.is_empty()).map(regex::escape).collect();
    let (word, gap) = (r"[\p{L}\p{N}]", r"[^\p{L}\p{N}]+");
    match words.as_slice() {
        [] => String::new(), // an empty phrase matches any string
        _ => format!("(?<!{word}){}(?!{word})", words.join(gap)),
    }
}

/// `[lon, lat]` of a `{"lat", "lon"}` point.
fn lon_lat(p: &Value) -> Value {
    json!([p["lon"], p["lat"]])
}

/// A `{"points": [..]}` ring as a closed GeoJSON ring.
fn ring(r: &Value) -> Vec<Value> {
    let points = r["points"].as_array().cloned().unwrap_or_default();
    let mut ring: Vec<_> = points.iter().map(lon_lat).collect();
    if ring.first() != ring.last() {
        ring.push(ring[0].clone());
    }
    ring
}

fn main() {
    let doc = run().unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    println!("{doc:#}");
}

fn run() -> Result<Value, String> {
    let sample = r#"status = "active" and not (department = "HR" or name starts with "tmp.")"#;
    let input = std::env::args().nth(1).unwrap_or_else(|| sample.to_owned());
    let bindings = std::env::args().nth(2).unwrap_or_else(|| "{}".to_owned());
    let bindings = serde_json::from_str(&bindings).map_err(|e| format!("bindings: {e}"))?;
    let filter = Filter::parse_any(&input, &Limits::default()).map_err(|e| e.render(&input))?;
    to_mongo(&filter, &bindings)
}
