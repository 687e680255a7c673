//! What value each operator takes (SPEC §1 "Strict decoding"), checked the
//! same way for JSON and DSL input.

use serde_json::Value;

use crate::ast::{Operand, Operator};
use crate::error::{Error, ErrorCode};
use crate::Limits;

/// A value problem: the error plus the JSON pointer suffix inside the value
/// (`/center/lat`), so JSON errors can point exactly and DSL errors can say
/// where in an object literal.
pub(crate) struct Problem {
    pub code: ErrorCode,
    pub message: String,
    pub at: String,
}

impl Problem {
    fn new(code: ErrorCode, message: impl Into<String>) -> Problem {
        Problem {
            code,
            message: message.into(),
            at: String::new(),
        }
    }

    fn under(mut self, key: &str) -> Problem {
        self.at = format!("/{}{}", crate::json::escape_pointer(key), self.at);
        self
    }

    pub fn into_error(self) -> Error {
        Error::new(self.code, self.message)
    }
}

/// How a JSON value's type is named in messages.
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn expected(op: Operator, what: &str, v: &Value) -> Problem {
    Problem::new(
        ErrorCode::InvalidValue,
        format!("operator `{op}` needs {what}, found {}", kind(v)),
    )
}

/// Checks a condition's value against its operator. Dynamic values are
/// checked when they are bound.
pub(crate) fn check_operand(op: Operator, value: &Operand, limits: &Limits) -> Result<(), Problem> {
    let Operand::Literal(v) = value else {
        return Ok(());
    };
    check_strings(v, limits)?;
    use Operator::*;
    match op {
        Eq | Ne | Contains => Ok(()),
        In | Nin => match v {
            Value::Array(items) if items.len() > limits.max_list_len => Err(Problem::new(
                ErrorCode::ListTooLong,
                format!(
                    "`{op}` list has {} items, over the limit max_list_len = {}",
                    items.len(),
                    limits.max_list_len
                ),
            )),
            Value::Array(_) => Ok(()),
            _ => Err(expected(op, "an array", v)),
        },
        Exists | IsNull => match v {
            Value::Bool(_) => Ok(()),
            _ => Err(expected(op, "`true` or `false`", v)),
        },
        Gt | Gte | Lt | Lte => match v {
            Value::Number(_) | Value::String(_) => Ok(()),
            _ => Err(expected(op, "a number or a string", v)),
        },
        StartsWith | EndsWith | Text | Phrase | Words => match v {
            Value::String(_) => Ok(()),
            _ => Err(expected(op, "a string", v)),
        },
        Regex => match v {
            Value::String(pattern) => check_regex(pattern, limits),
            _ => Err(expected(op, "a string", v)),
        },
        GeoRadius => geo_radius(v),
        GeoBoundingBox => geo_bounding_box(v),
        GeoPolygon => geo_polygon(v),
    }
}

/// Every string in a value (keys included) within `max_string_bytes`,
/// checked without recursion.
fn check_strings(v: &Value, limits: &Limits) -> Result<(), Problem> {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        let long = |s: &str| s.len() > limits.max_string_bytes;
        let too_long = match v {
            Value::String(s) => long(s),
            Value::Array(items) => {
                stack.extend(items);
                false
            }
            Value::Object(m) => {
                stack.extend(m.values());
                m.keys().any(|k| long(k))
            }
            _ => false,
        };
        if too_long {
            return Err(Problem::new(
                ErrorCode::StringTooLong,
                format!(
                    "a string is longer than the limit max_string_bytes = {}",
                    limits.max_string_bytes
                ),
            ));
        }
    }
    Ok(())
}

/// A field path within `max_string_bytes`.
pub(crate) fn check_path(path: &str, limits: &Limits) -> Result<(), Error> {
    if path.len() > limits.max_string_bytes {
        return Err(Error::new(
            ErrorCode::StringTooLong,
            format!(
                "field path is {} bytes, over the limit max_string_bytes = {}",
                path.len(),
                limits.max_string_bytes
            ),
        ));
    }
    Ok(())
}

fn check_regex(pattern: &str, limits: &Limits) -> Result<(), Problem> {
    match regex::RegexBuilder::new(pattern)
        .size_limit(limits.max_regex_bytes)
        .dfa_size_limit(limits.max_regex_bytes)
        .build()
    {
        Ok(_) => Ok(()),
        Err(regex::Error::CompiledTooBig(limit)) => Err(Problem::new(
            ErrorCode::RegexTooLarge,
            format!("regex compiles larger than the limit max_regex_bytes = {limit}"),
        )),
        Err(e) => {
            let detail = e.to_string();
            let last = detail.lines().last().unwrap_or_default().trim();
            let last = last.strip_prefix("error: ").unwrap_or(last);
            Err(Problem::new(
                ErrorCode::InvalidRegex,
                format!("invalid regex: {last}"),
            ))
        }
    }
}

fn geo(message: impl Into<String>) -> Problem {
    Problem::new(ErrorCode::InvalidGeo, message)
}

/// Checks that `v` is an object with exactly the keys `required` plus any of
/// `optional`, returning the values of `required` in order.
fn keys<'v, const N: usize>(
    v: &'v Value,
    what: &str,
    required: [&str; N],
    optional: &[&str],
) -> Result<[&'v Value; N], Problem> {
    let Value::Object(map) = v else {
        return Err(geo(format!("{what} must be an object, found {}", kind(v))));
    };
    for key in map.keys() {
        if !required.contains(&key.as_str()) && !optional.contains(&key.as_str()) {
            let all = required.iter().chain(optional).copied();
            let hint = crate::error::did_you_mean(key, all)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            return Err(geo(format!("unknown key `{key}` in {what}{hint}")).under(key));
        }
    }
    let mut out = [v; N];
    for (slot, key) in out.iter_mut().zip(required) {
        *slot = map
            .get(key)
            .ok_or_else(|| geo(format!("{what} needs the key `{key}`")))?;
    }
    Ok(out)
}

fn number(v: &Value, what: &str, range: std::ops::RangeInclusive<f64>) -> Result<f64, Problem> {
    let n = v
        .as_f64()
        .ok_or_else(|| geo(format!("{what} must be a number, found {}", kind(v))))?;
    if range.contains(&n) {
        Ok(n)
    } else {
        Err(geo(format!(
            "{what} must be between {} and {}, found {n}",
            range.start(),
            range.end()
        )))
    }
}

/// A query point: `{"lat": …, "lon": …}`. Returns `(lat, lon)`.
fn point(v: &Value) -> Result<(f64, f64), Problem> {
    let [lat, lon] = keys(v, "a point", ["lat", "lon"], &[])?;
    let lat = number(lat, "`lat`", -90.0..=90.0).map_err(|p| p.under("lat"))?;
    let lon = number(lon, "`lon`", -180.0..=180.0).map_err(|p| p.under("lon"))?;
    Ok((lat, lon))
}

fn geo_radius(v: &Value) -> Result<(), Problem> {
    let [center, radius] = keys(v, "`geo_radius` value", ["center", "radius"], &[])?;
    point(center).map_err(|p| p.under("center"))?;
    number(radius, "`radius` (metres)", 0.0..=f64::MAX).map_err(|p| p.under("radius"))?;
    Ok(())
}

fn geo_bounding_box(v: &Value) -> Result<(), Problem> {
    let [tl, br] = keys(
        v,
        "`geo_bounding_box` value",
        ["top_left", "bottom_right"],
        &[],
    )?;
    let (top, _) = point(tl).map_err(|p| p.under("top_left"))?;
    let (bottom, _) = point(br).map_err(|p| p.under("bottom_right"))?;
    if top < bottom {
        return Err(geo(format!(
            "`top_left.lat` ({top}) is south of `bottom_right.lat` ({bottom})"
        )));
    }
    Ok(())
}

fn ring(v: &Value) -> Result<(), Problem> {
    let [points] = keys(v, "a ring", ["points"], &[])?;
    let Value::Array(points) = points else {
        return Err(
            geo(format!("`points` must be an array, found {}", kind(points))).under("points"),
        );
    };
    if points.len() < 3 {
        return Err(geo(format!(
            "a ring needs at least 3 points, found {}",
            points.len()
        ))
        .under("points"));
    }
    for (i, p) in points.iter().enumerate() {
        point(p).map_err(|e| e.under(&i.to_string()).under("points"))?;
    }
    Ok(())
}

fn geo_polygon(v: &Value) -> Result<(), Problem> {
    let [exterior] = keys(v, "`geo_polygon` value", ["exterior"], &["interiors"])?;
    ring(exterior).map_err(|p| p.under("exterior"))?;
    match v.get("interiors") {
        None => Ok(()),
        Some(Value::Array(rings)) => rings
            .iter()
            .enumerate()
            .try_for_each(|(i, r)| ring(r).map_err(|p| p.under(&i.to_string()).under("interiors"))),
        Some(other) => Err(geo(format!(
            "`interiors` must be an array, found {}",
            kind(other)
        ))
        .under("interiors")),
    }
}
