//! Error answers: statuses, codes, pointers and spans; the service keeps
//! answering after them.

use axum::body::Body;
use axum::http::Request;
use serde_json::json;

use crate::{on_every_database, Api};

on_every_database!(error_snapshot, errors);

/// The error answers as the client sees them: one snapshot, the same on
/// every database.
fn error_snapshot(s: &Api) {
    let mut out = String::new();
    for (query, body) in [
        ("", "{\"filters\": "),
        ("", "[1]"),
        (
            "",
            r#"{"filters": {"AND": [{"field": "a", "operator": "startswith", "value": "x"}]}}"#,
        ),
        (
            "",
            r#"{"filters": {"OR": [{"field": "a", "operator": "in", "value": 3}]}}"#,
        ),
        ("", r#"{"filter": "status = \"x\" and"}"#),
        ("", r#"{"filter": "a = 1", "filters": {}}"#),
        ("", r#"{"filtres": {}}"#),
        ("", r#"{"sort": {"field": "created", "direction": "desc"}}"#),
        ("", r#"{"sort": {"field": "metadata"}}"#),
        ("", r#"{"sorts": [{"field": "status", "order": "asc"}]}"#),
        ("", r#"{"limit": 0}"#),
        ("", r#"{"page": 0}"#),
        // A page starts at most 10,000 rows in.
        ("", r#"{"page": 1002}"#),
        ("", r#"{"limit": 1000, "page": 12}"#),
        ("?page=9223372036854775808", "{}"),
        ("?offset=10001", "{}"),
        ("?cursor=00", "{}"),
    ] {
        let r = s.call(
            "POST",
            &format!("/v1/clusters/list{query}"),
            &[],
            body.as_bytes(),
        );
        out.push_str(&format!("{query} {body}\n  {} {}\n", r.status, r.body));
    }
    insta::assert_snapshot!("serve_errors", out);
}

fn errors(s: &Api) {
    // The last page there is, and one past it.
    let r = s.list(&json!({"limit": 1000, "page": 11}));
    assert_eq!(r.status, 200, "{}", r.body);
    s.list(&json!({"limit": 1000, "page": 12})).error(422);
    // Two namespaces: neither is taken.
    let two = [("x-namespace", "a"), ("x-namespace", "b")];
    let e = s.call("POST", "/v1/clusters/list", &two, b"{}").error(400);
    assert_eq!(e["code"], "invalid_header");
    // Malformed JSON: 400.
    let r = s.call("POST", "/v1/clusters/list", &[], b"{\"filters\": ");
    assert_eq!(r.error(400)["code"], "malformed_json");
    // A bad filter: 422 with a pointer (JSON) or a span (DSL).
    let e = s
        .list(
            &json!({"filters": {"AND": [{"field": "a", "operator": "startswith", "value": "x"}]}}),
        )
        .error(422);
    assert_eq!(e["code"], "E0104");
    assert_eq!(e["pointer"], "/filters/AND/0/operator");
    // A filter the database cannot run: 422 pointing at the filter.
    let e = s
        .list(&json!({"filters": {"AND": [{"field": "a", "operator": "eq", "value": {"type": "dynamic", "field": "inputs.q"}}]}}))
        .error(422);
    assert_eq!(
        (e["code"].as_str(), e["pointer"].as_str()),
        (Some("E0306"), Some("/filters")),
        "{e}"
    );
    let e = s.list(&json!({"filter": "a = $inputs.q"})).error(422);
    assert_eq!(e["code"], "E0306");
    assert_eq!(e["span"], json!([0, 13]), "{e}");
    let e = s.list(&json!({"filter": "a = "})).error(422);
    assert!(e["span"].is_array(), "{e}");
    assert!(e["code"].as_str().unwrap().starts_with('E'), "{e}");
    let e = s
        .list(&json!({"filter": "a = 1", "filters": {}}))
        .error(422);
    assert_eq!(e["code"], "conflicting_filters");
    // Unknown request key: 422 naming the accepted keys.
    let e = s.list(&json!({"filtres": {}})).error(422);
    assert_eq!(e["code"], "extra_forbidden");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `filters`"),
        "{e}"
    );
    assert!(e["message"].as_str().unwrap().contains("page_size"), "{e}");
    // Unknown sort field: 422 with did-you-mean.
    let e = s
        .list(&json!({"sort": {"field": "created", "direction": "desc"}}))
        .error(422);
    assert_eq!(e["pointer"], "/sort/field");
    assert_eq!(e["help"], "did you mean `created_at`?", "{e}");
    let e = s
        .list(&json!({"sort": {"field": "num_cluster"}}))
        .error(422);
    assert_eq!(e["help"], "did you mean `num_clusters`?", "{e}");
    let e = s
        .list(&json!({"sorts": [{"field": "status"}, {"field": "metadata"}]}))
        .error(422);
    assert_eq!(e["pointer"], "/sorts/1/field");
    assert_eq!(
        s.list(&json!({"sort": {"field": "status", "direction": "up"}}))
            .error(422)["pointer"],
        "/sort/direction"
    );
    // Bad page values: 422.
    for (body, pointer) in [
        (json!({"limit": 0}), "/limit"),
        (json!({"limit": 1001}), "/limit"),
        (json!({"page_size": 0}), "/page_size"),
        (json!({"offset": 10001}), "/offset"),
        (json!({"page": 0}), "/page"),
        (json!({"limit": "ten"}), "/limit"),
        (json!({"limit": 2.5}), "/limit"),
        (json!({"offset": -1}), "/offset"),
    ] {
        assert_eq!(s.list(&body).error(422)["pointer"], pointer, "{body}");
    }
    assert_eq!(
        s.list_with("?limit=abc", &[], &json!({})).error(422)["code"],
        "invalid_page"
    );
    assert_eq!(
        s.list_with("?offset=20000", &[], &json!({})).error(422)["code"],
        "invalid_page"
    );
    assert_eq!(s.list(&json!([1, 2])).error(422)["code"], "invalid_request");
    assert_eq!(
        s.list(&json!({"search": 5})).error(422)["pointer"],
        "/search"
    );
    // Too large: 413.
    let big = format!("{{\"search\": \"{}\"}}", "x".repeat(2 << 20));
    let r = s.call("POST", "/v1/clusters/list", &[], big.as_bytes());
    assert_eq!(r.error(413)["code"], "payload_too_large");
    // Also when the body does not say its length up front.
    let unsized_body = Request::post("/v1/clusters/list")
        .body(Body::from(big))
        .unwrap();
    assert_eq!(s.send(unsized_body).error(413)["code"], "payload_too_large");
    // Wrong method: 405; unknown path: 404.
    let r = s.call("GET", "/v1/clusters/list", &[], b"");
    assert_eq!(r.error(405)["code"], "method_not_allowed");
    assert_eq!(r.headers["allow"], "POST");
    assert_eq!(
        s.call("POST", "/v1/nothing", &[], b"{}").error(404)["code"],
        "not_found"
    );
    // Deep input is a limit error, not a crash.
    let deep = format!("{}{}", "{\"NOT\":[".repeat(100), "]}".repeat(100));
    let r = s.call(
        "POST",
        "/v1/clusters/list",
        &[],
        format!("{{\"filters\": {deep}}}").as_bytes(),
    );
    assert_eq!(r.error(422)["code"], "E0012");
    // The server is still up and answering.
    assert_eq!(s.list(&json!({"limit": 1})).ids(), ["c00"]);
}
