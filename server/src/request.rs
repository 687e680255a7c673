//! The List Clusters request: body and query parameters, checked into a
//! [`Request`], or an [`ApiError`] saying what is wrong and where.

use serde_json::value::RawValue;
use serde_json::Value;
use siftql::error::did_you_mean;
use siftql::sql::SortKey;
use siftql::{Filter, Limits};

use super::error::ApiError;

/// The body keys the endpoint accepts.
pub const BODY_KEYS: &[&str] = &[
    "filters",
    "filter",
    "sort",
    "sorts",
    "search",
    "limit",
    "page_size",
    "offset",
    "page",
];

/// The largest page.
pub const MAX_LIMIT: u64 = 1000;
/// The largest offset.
pub const MAX_OFFSET: u64 = 10_000;
/// The page size when none is given.
pub const DEFAULT_LIMIT: u64 = 10;
/// The most sort keys a request may give.
pub const MAX_SORTS: usize = 16;

/// A checked request.
#[derive(Debug)]
pub struct Request {
    /// The user's filter (match-all when none was given).
    pub filter: Filter,
    /// The sort keys, primary first (empty: by `cluster_id`).
    pub sorts: Vec<SortKey>,
    /// The search text, if any (non-empty).
    pub search: Option<String>,
    /// Rows a page.
    pub limit: u64,
    /// Rows skipped (ignored with a cursor).
    pub offset: u64,
    /// The opaque keyset cursor, if any.
    pub cursor: Option<String>,
    /// Whether the filter came as DSL (`filter`), so errors carry spans.
    pub dsl: bool,
}

/// Reads the body (JSON object) and the query string into a [`Request`].
pub fn parse(body: &[u8], query: Option<&str>, limits: &Limits) -> Result<Request, ApiError> {
    let params = query_params(query)?;
    let fields = body_fields(body)?;
    let mut req = Request {
        filter: Filter::match_all(),
        sorts: Vec::new(),
        search: None,
        limit: DEFAULT_LIMIT,
        offset: 0,
        cursor: None,
        dsl: false,
    };
    let get = |key: &str| fields.iter().find(|(k, _)| k == key).map(|(_, v)| v);

    let filters = get("filters");
    let dsl = get("filter");
    if filters.is_some() && dsl.is_some() {
        return Err(ApiError::unprocessable(
            "conflicting_filters",
            "give either `filters` (JSON) or `filter` (DSL), not both",
        )
        .pointer("/filter"));
    }
    if let Some(raw) = filters {
        req.filter = Filter::from_json_str_with(raw.get(), limits).map_err(|e| {
            let pointer = format!("/filters{}", e.pointer().unwrap_or(""));
            ApiError::filter(&e).pointer(&pointer)
        })?;
    }
    if let Some(raw) = dsl {
        let text = string(raw, "/filter")?;
        req.filter =
            Filter::parse_with(&text, limits).map_err(|e| ApiError::filter(&e).span(&e))?;
        req.dsl = true;
    }

    if let Some(raw) = get("sort") {
        req.sorts = vec![sort_key(&value(raw)?, "/sort")?];
    }
    if let Some(raw) = get("sorts") {
        let Value::Array(items) = value(raw)? else {
            return Err(invalid(
                "/sorts",
                "`sorts` must be a list of {field, direction}",
            ));
        };
        if items.len() > MAX_SORTS {
            return Err(invalid(
                "/sorts",
                &format!("`sorts` has {} keys; the limit is {MAX_SORTS}", items.len()),
            ));
        }
        if !items.is_empty() {
            req.sorts = items
                .iter()
                .enumerate()
                .map(|(i, v)| sort_key(v, &format!("/sorts/{i}")))
                .collect::<Result<_, _>>()?;
        }
    }
    if let Some(raw) = get("search") {
        let s = string(raw, "/search")?;
        if !s.is_empty() {
            req.search = Some(s);
        }
    }

    // Body values win over query values; `limit` wins over `page_size`,
    // `offset` over `page`.
    let number = |key: &str| -> Result<Option<u64>, ApiError> {
        match get(key) {
            Some(raw) => body_int(raw, key),
            None => Ok(None),
        }
    };
    // (value, name, given in the body)
    let limit = [
        (number("limit")?, "limit", true),
        (number("page_size")?, "page_size", true),
        (params.limit, "limit", false),
        (params.page_size, "page_size", false),
    ]
    .into_iter()
    .find_map(|(v, key, body)| v.map(|n| (n, key, body)));
    if let Some((n, key, body)) = limit {
        check_range(n, 1, MAX_LIMIT, key, body)?;
        req.limit = n;
    }
    let position = [
        (number("offset")?, "offset", true),
        (number("page")?, "page", true),
        (params.offset, "offset", false),
        (params.page, "page", false),
    ]
    .into_iter()
    .find_map(|(v, key, body)| v.map(|n| (n, key, body)));
    req.offset = match position {
        Some((n, "offset", body)) => {
            check_range(n, 0, MAX_OFFSET, "offset", body)?;
            n
        }
        Some((n, _, body)) => {
            // A page starts at most `MAX_OFFSET` rows in, as an offset.
            check_range(n, 1, MAX_OFFSET / req.limit + 1, "page", body)?;
            (n - 1) * req.limit
        }
        None => 0,
    };
    req.cursor = params.cursor;
    Ok(req)
}

/// Checks a page value; the error points into the body when the value came
/// from there, and names the query parameter otherwise.
fn check_range(n: u64, lo: u64, hi: u64, key: &str, in_body: bool) -> Result<(), ApiError> {
    if n < lo || n > hi {
        let range = format!("between {lo} and {hi}");
        if !in_body {
            return Err(ApiError::unprocessable(
                "invalid_page",
                &format!("query parameter `{key}` must be {range}, not {n}"),
            ));
        }
        return Err(ApiError::unprocessable(
            "invalid_page",
            &format!("`{key}` must be {range}, not {n}"),
        )
        .pointer(&format!("/{key}")));
    }
    Ok(())
}

fn invalid(pointer: &str, message: &str) -> ApiError {
    ApiError::unprocessable("invalid_request", message).pointer(pointer)
}

/// The body's keys and raw values; nulls are dropped (absent).
fn body_fields(body: &[u8]) -> Result<Vec<(String, Box<RawValue>)>, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|e| ApiError::malformed(&format!("the body is not UTF-8: {e}")))?;
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let raw: Box<RawValue> = serde_json::from_str(text).map_err(|e| {
        if e.to_string().starts_with("recursion limit exceeded") {
            ApiError::unprocessable(
                siftql::ErrorCode::TooDeep.as_str(),
                "the body nests deeper than the JSON reader's limit of 128 levels",
            )
        } else {
            ApiError::malformed(&format!("the body is not valid JSON: {e}"))
        }
    })?;
    let map: Vec<(String, Box<RawValue>)> = if raw.get().trim_start().starts_with('{') {
        serde_json::from_str::<Fields>(raw.get())
            .map_err(|e| ApiError::malformed(&format!("the body is not valid JSON: {e}")))?
            .0
    } else {
        return Err(invalid("", "the body must be a JSON object"));
    };
    let mut out = Vec::with_capacity(map.len());
    for (k, v) in map {
        if !BODY_KEYS.contains(&k.as_str()) {
            let hint = did_you_mean(&k, BODY_KEYS.iter().copied())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            return Err(ApiError::unprocessable(
                "extra_forbidden",
                &format!(
                    "unknown request field `{k}`{hint}; accepted: {}",
                    BODY_KEYS.join(", ")
                ),
            )
            .pointer(&format!("/{}", pointer_escape(&k))));
        }
        if out.iter().any(|(seen, _)| *seen == k) {
            return Err(invalid(
                &format!("/{}", pointer_escape(&k)),
                &format!("request field `{k}` is given twice"),
            ));
        }
        if v.get() != "null" {
            out.push((k, v));
        }
    }
    Ok(out)
}

/// An object's entries in order, duplicates kept.
struct Fields(Vec<(String, Box<RawValue>)>);

impl<'de> serde::Deserialize<'de> for Fields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Fields, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Fields;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Fields, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = m.next_entry()? {
                    out.push(entry);
                }
                Ok(Fields(out))
            }
        }
        d.deserialize_map(V)
    }
}

fn pointer_escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn value(raw: &RawValue) -> Result<Value, ApiError> {
    serde_json::from_str(raw.get()).map_err(|e| ApiError::malformed(&e.to_string()))
}

fn string(raw: &RawValue, pointer: &str) -> Result<String, ApiError> {
    match value(raw)? {
        Value::String(s) => Ok(s),
        other => Err(invalid(
            pointer,
            &format!("`{}` must be a string, not {other}", &pointer[1..]),
        )),
    }
}

fn body_int(raw: &RawValue, key: &str) -> Result<Option<u64>, ApiError> {
    match value(raw)? {
        Value::Number(n) if n.is_u64() => Ok(n.as_u64()),
        other => Err(ApiError::unprocessable(
            "invalid_page",
            &format!("`{key}` must be a whole number, not {other}"),
        )
        .pointer(&format!("/{key}"))),
    }
}

fn sort_key(v: &Value, pointer: &str) -> Result<SortKey, ApiError> {
    let Value::Object(m) = v else {
        return Err(invalid(
            pointer,
            "a sort is an object: {\"field\": …, \"direction\": \"asc\" or \"desc\"}",
        ));
    };
    let mut field = None;
    let mut descending = false;
    for (k, v) in m {
        match (k.as_str(), v) {
            ("field", Value::String(s)) => field = Some(s.clone()),
            ("direction", Value::String(s)) if s.eq_ignore_ascii_case("asc") => descending = false,
            ("direction", Value::String(s)) if s.eq_ignore_ascii_case("desc") => descending = true,
            ("direction", Value::Null) => {}
            ("direction", other) => {
                return Err(invalid(
                    &format!("{pointer}/direction"),
                    &format!("the sort direction must be \"asc\" or \"desc\", not {other}"),
                ))
            }
            ("field", other) => {
                return Err(invalid(
                    &format!("{pointer}/field"),
                    &format!("the sort field must be a string, not {other}"),
                ))
            }
            (other, _) => {
                return Err(invalid(
                    &format!("{pointer}/{}", pointer_escape(other)),
                    &format!("unknown sort key `{other}`; accepted: field, direction"),
                ))
            }
        }
    }
    let field = field.ok_or_else(|| invalid(pointer, "a sort needs a `field`"))?;
    Ok(SortKey { field, descending })
}

/// The query parameters the endpoint reads.
#[derive(Default)]
struct Params {
    limit: Option<u64>,
    page_size: Option<u64>,
    offset: Option<u64>,
    page: Option<u64>,
    cursor: Option<String>,
}

fn query_params(query: Option<&str>) -> Result<Params, ApiError> {
    let mut p = Params::default();
    let Some(query) = query else { return Ok(p) };
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).map_err(|e| {
        ApiError::unprocessable("invalid_request", &format!("bad query string: {e}"))
    })?;
    for (k, v) in pairs {
        let int = |v: &str| {
            v.trim().parse::<u64>().map(Some).map_err(|_| {
                ApiError::unprocessable(
                    "invalid_page",
                    &format!("query parameter `{k}` must be a whole number, not `{v}`"),
                )
            })
        };
        match k.as_str() {
            "limit" => p.limit = int(&v)?,
            "page_size" => p.page_size = int(&v)?,
            "offset" => p.offset = int(&v)?,
            "page" => p.page = int(&v)?,
            "cursor" | "next_cursor" | "after" if !v.is_empty() => p.cursor = Some(v),
            // `include_total` is accepted: totals are always given. Other
            // parameters are ignored, as HTTP servers commonly do.
            _ => {}
        }
    }
    Ok(p)
}
