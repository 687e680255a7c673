//! API keys: `Authorization: Bearer KEY` when any is configured.

use serde_json::json;
use siftql_server::Config;

use crate::{on_every_database, Api};

on_every_database!(api_keys);

fn api_keys(open: &Api) {
    // Without keys, every request is answered.
    assert_eq!(open.list(&json!({})).status, 200);

    let s = open.with_config(Config {
        api_keys: vec!["k1".into(), "second-key".into()],
        ..Config::default()
    });
    let body = json!({});
    let r = s.list(&body);
    assert_eq!(r.error(401)["code"], "unauthorized");
    assert_eq!(r.headers["www-authenticate"], "Bearer");
    assert_eq!(
        s.list_with("", &[("Authorization", "Bearer nope")], &body)
            .status,
        401
    );
    assert_eq!(
        s.list_with("", &[("Authorization", "Bearer k1x")], &body)
            .status,
        401
    );
    assert_eq!(
        s.list_with("", &[("Authorization", "k1")], &body).status,
        401
    );
    assert_eq!(
        s.list_with("", &[("Authorization", "Bearer k1")], &body)
            .status,
        200
    );
    // The scheme is case-insensitive (RFC 9110); the key is not.
    let status = |auth: &str| s.list_with("", &[("Authorization", auth)], &body).status;
    assert_eq!(status("bearer k1"), 200);
    assert_eq!(status("Bearer K1"), 401);
    assert_eq!(status("Bearer "), 401);
    assert_eq!(
        s.list_with("", &[("Authorization", "Bearer second-key")], &body)
            .status,
        200
    );
    // Several keys in one header are not one of the keys.
    assert_eq!(status("Bearer k1, second-key"), 401);
}
