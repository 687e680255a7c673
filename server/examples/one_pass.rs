//! Times an uncached List Clusters request against one `SELECT COUNT(*)`
//! of the same filter on the same table (run by `benches/serve_pass.sh`).
//!
//! ```text
//! cargo run --release -p siftql-server --example one_pass -- URL TABLE [RUNS] [rows|materialized]
//! ```
//!
//! The last argument overrides the dialect's [`OnePass`].
//!
//! For each request of `benches/serve_load.py` it times the request
//! through the router in process (no socket; `--cache-entries 0`, so every
//! request runs its SQL) and `SELECT COUNT(*) … WHERE` of the same filter,
//! search included, `RUNS` times each (default 9), alternating, and prints
//! the medians and their ratio. The request's `total_count` must equal the
//! count, or the example stops.

use std::time::{Duration, Instant};

use axum::body::{to_bytes, Body};
use axum::http::Request;
use sea_query::{Alias, Expr, Func, Query};
use serde_json::{json, Value};
use siftql::sql::driver::connect;
use siftql::sql::load::Cell;
use siftql::sql::{compile, OnePass, Schema};
use siftql_server::{Config, Service};
use tower::ServiceExt;

const TWENTY: &str = "status in [\"completed\", \"failed\", \"running\"] and num_clusters >= 2 and num_clusters <= 60 and num_documents_clustered > 100 and execution_time_seconds < 5000 and algorithm in [\"kmeans\", \"hdbscan\", \"agglomerative\", \"dbscan\"] and created_at >= \"2020-01-01T00:00:00Z\" and cluster_name exists and namespace_id exists and hierarchical_vector is not null and llm_labeling.enabled exists and metadata.team is not null and input_collections exists and cluster_id starts with \"clu\" and not cluster_name contains \"zzz\" and not status = \"deleted\" and not algorithm = \"none\" and (sample_size > 0 or sample_size not exists or learning_quality_score >= 0 or error is null)";

/// A request and the DSL filter its count runs (the search written out as
/// the server ANDs it).
fn cases() -> Vec<(&'static str, Value, String)> {
    vec![
        (
            "20 conditions, sort created_at desc, limit 20",
            json!({"filter": TWENTY, "limit": 20, "sort": {"field": "created_at", "direction": "desc"}}),
            TWENTY.to_owned(),
        ),
        (
            "status and num_clusters, limit 50",
            json!({"filter": "status = \"completed\" and num_clusters >= 10", "limit": 50}),
            "status = \"completed\" and num_clusters >= 10".to_owned(),
        ),
        (
            "JSON filter, sort by documents, page 3",
            json!({"filters": {"AND": [{"field": "algorithm", "operator": "in", "value": ["kmeans", "hdbscan"]}],
                   "NOT": [{"field": "cluster_name", "operator": "starts_with", "value": "faces"}]},
                   "sorts": [{"field": "num_documents_clustered", "direction": "desc"}], "page": 3}),
            "algorithm in [kmeans, hdbscan] and not cluster_name starts with faces".to_owned(),
        ),
        (
            "search gpu, limit 10",
            json!({"search": "gpu", "limit": 10}),
            "cluster_id text gpu or cluster_name text gpu or description text gpu".to_owned(),
        ),
        (
            "JSON fields, limit 100",
            json!({"filter": "metadata.team = \"data-eng\" or llm_labeling.model_name starts with \"gpt\"", "limit": 100}),
            "metadata.team = \"data-eng\" or llm_labeling.model_name starts with \"gpt\""
                .to_owned(),
        ),
    ]
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let usage = "usage: one_pass URL TABLE [RUNS] [rows|materialized]";
    let url = args.next().expect(usage);
    let table = args.next().expect(usage);
    let runs: usize = args
        .next()
        .map_or(9, |r| r.parse().expect("RUNS is a number"));
    let one_pass = args.next().map(|p| match p.as_str() {
        "rows" => OnePass::Rows,
        "materialized" => OnePass::Materialized,
        _ => panic!("{usage}"),
    });
    let schema = Schema {
        table: table.clone(),
        ..Schema::clusters()
    };
    let config = Config {
        schema: schema.clone(),
        cache_entries: 0,
        one_pass,
        ..Config::default()
    };
    let service = Service::from_url(&url, config).unwrap_or_else(|e| panic!("{url}: {e}"));
    let d = service.dialect();
    let router = service.router();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut db = connect(&url).unwrap();
    let _ = db.tune_for_reads();
    println!(
        "{d}, table {table} ({:?} per request):",
        one_pass.unwrap_or_else(|| d.one_pass())
    );
    println!(
        "{:<48} {:>10} {:>10} {:>7}",
        "request", "request", "COUNT(*)", "ratio"
    );
    for (name, body, filter) in cases() {
        let compiled = compile(&filter.parse().unwrap(), &schema, d).unwrap();
        let count = Query::select()
            .expr(Func::count(Expr::cust("*")))
            .from(Alias::new(&table))
            .cond_where(compiled.condition())
            .to_owned();
        let request = || {
            let router = router.clone();
            let body = body.to_string();
            runtime.block_on(async move {
                let r = Request::post("/v1/clusters/list")
                    .header("content-type", "application/json")
                    .body(Body::from(body))
                    .unwrap();
                let response = router.oneshot(r).await.unwrap();
                assert_eq!(response.status(), 200);
                let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
                serde_json::from_slice::<Value>(&bytes).unwrap()
            })
        };
        let (mut mine, mut theirs) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let started = Instant::now();
            let answer = request();
            mine.push(started.elapsed());
            let started = Instant::now();
            let rows = db.rows(&count).unwrap();
            theirs.push(started.elapsed());
            let n = match rows.first().and_then(|r| r.first()) {
                Some(Cell::Int(n)) => *n,
                other => panic!("COUNT(*) gave {other:?}"),
            };
            assert_eq!(
                answer["total_count"],
                json!(n),
                "{name}: the request and the count disagree"
            );
        }
        let (a, b) = (median(mine), median(theirs));
        println!(
            "{name:<48} {:>8.1}ms {:>8.1}ms {:>6.2}×",
            a.as_secs_f64() * 1e3,
            b.as_secs_f64() * 1e3,
            a.as_secs_f64() / b.as_secs_f64()
        );
    }
}
