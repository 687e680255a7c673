//! The crate's API: configuration, the ways to build a service, mounting
//! its router in an application.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::http::{Request, StatusCode};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use siftql::sql::driver::{connect, BatchLoader};
use siftql::sql::{Dialect, Schema};
use siftql::{ErrorCode, Limits};
use siftql_server::{Config, Service, DEFAULT_CACHE_ENTRIES, DEFAULT_MAX_BODY};
use tower::ServiceExt;

use crate::{lines, Kind, Table};

/// One request through `router`: status and body.
fn post(router: &Router, uri: &str, body: &str) -> (StatusCode, String) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let request = Request::post(uri)
        .body(Body::from(body.to_owned()))
        .unwrap();
    runtime.block_on(async {
        let response = router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    })
}

fn ids(body: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(body).unwrap();
    v["results"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|r| r["cluster_id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_default_config() {
    let c = Config::default();
    assert_eq!(c.schema, Schema::clusters());
    assert!(c.api_keys.is_empty());
    assert_eq!((c.max_body, DEFAULT_MAX_BODY), (1 << 20, 1 << 20));
    assert_eq!((c.cache_entries, DEFAULT_CACHE_ENTRIES), (256, 256));
    assert_eq!(c.limits, Limits::default());
}

#[test]
fn debug_output_does_not_show_the_keys() {
    let c = Config {
        api_keys: vec!["secret-key".into()],
        ..Config::default()
    };
    let text = format!("{c:?}");
    assert!(!text.contains("secret-key"), "{text}");
    assert!(text.contains("1 key(s)"), "{text}");
    let s = Service::from_url("sqlite::memory:", c).unwrap();
    assert_eq!(s.dialect(), Dialect::Sqlite);
    assert!(!format!("{s:?}").contains("secret-key"));
}

#[test]
fn an_unknown_url_is_unsupported() {
    let e = Service::from_url("oracle://x", Config::default()).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Unsupported);
}

#[test]
fn a_connector_is_called_for_the_first_connection_and_the_watcher() {
    let table = Table::new(Kind::Sqlite, "connector").unwrap();
    table.load(&lines());
    let calls = Arc::new(AtomicUsize::new(0));
    let connector = |calls: &Arc<AtomicUsize>| {
        let (calls, url) = (Arc::clone(calls), table.url.clone());
        move || {
            calls.fetch_add(1, Ordering::SeqCst);
            connect(&url)
        }
    };
    let config = Config {
        schema: table.schema(),
        ..Config::default()
    };
    let service = Service::with_connector(connector(&calls), config.clone()).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    let router = service.router();
    for _ in 0..3 {
        let (status, body) = post(&router, "/v1/clusters/list", r#"{"limit": 2}"#);
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(ids(&body), ["c00", "c01"]);
    }
    // One request at a time: the first connection serves them all.
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    // Without a cache there is no watcher.
    let calls = Arc::new(AtomicUsize::new(0));
    let uncached = Config {
        cache_entries: 0,
        ..config
    };
    Service::with_connector(connector(&calls), uncached).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    // A connector that fails fails the service.
    let e = Service::with_connector(
        || Err(siftql::Error::new(ErrorCode::Database, "down")),
        Config::default(),
    )
    .unwrap_err();
    assert_eq!((e.code(), e.message()), (ErrorCode::Database, "down"));
}

#[test]
fn a_service_starts_with_the_connection_it_is_given() {
    // On `sqlite::memory:` only that connection has the records.
    let mut db = connect("sqlite::memory:").unwrap();
    let schema = Schema::clusters();
    let mut load = BatchLoader::begin(db.as_mut(), &schema).unwrap();
    for line in lines() {
        load.push(&line).unwrap();
    }
    load.finish().unwrap();
    let service =
        Service::with_connection(db, || connect("sqlite::memory:"), Config::default()).unwrap();
    let router = service.router();
    let (status, body) = post(&router, "/v1/clusters/list", r#"{"limit": 1000}"#);
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(ids(&body).len(), 40);
}

#[test]
fn the_router_mounts_in_an_application() {
    let table = Table::new(Kind::Sqlite, "mount").unwrap();
    table.load(&lines());
    let config = Config {
        schema: table.schema(),
        ..Config::default()
    };
    let service = Service::from_url(&table.url, config).unwrap();
    let app = Router::new()
        .route("/health", get(|| async { "ok" }))
        .nest("/api", service.router());
    let (status, body) = post(&app, "/api/v1/clusters/list", r#"{"limit": 1}"#);
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(ids(&body), ["c00"]);
    let (status, body) = post(&app, "/api/v1/nothing", "{}");
    assert_eq!(status, StatusCode::NOT_FOUND);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"]["code"], json!("not_found"));
}
