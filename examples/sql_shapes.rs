//! Times siftql's SQL against hand-written SQL of the same meaning, on a
//! cluster table loaded by `siftql load` (run by `benches/sql_shapes.sh`).
//!
//! ```text
//! cargo run --release --features sqlite,postgres,mysql --example sql_shapes -- URL TABLE [RUNS]
//! ```
//!
//! For each filter shape it runs `SELECT COUNT(*) … WHERE` with siftql's
//! compiled condition (values inlined, as the hand-written SQL has them)
//! and with the hand-written one, `RUNS` times each (default 7), alternating, and
//! prints the medians, their ratio, and each one's share of a full scan
//! (`cluster_name contains "zzzz"`, which reads every row). The counts
//! must agree, or the example stops: a faster query that means something
//! else proves nothing.

use std::time::{Duration, Instant};

use siftql::sql::driver::{connect, Driver};
use siftql::sql::{compile, Schema};

/// A shape: its name, the filter, and the hand-written `WHERE` per dialect
/// (`None`: not written for that dialect).
struct Shape {
    name: &'static str,
    filter: &'static str,
    hand: fn(&str) -> Option<&'static str>,
}

const SHAPES: &[Shape] = &[
    Shape {
        name: "lookup by cluster_id",
        filter: r#"cluster_id = "clu_04242""#,
        hand: |d| match d {
            "sqlite" => Some("siftql_lower(cluster_id) = 'clu_04242'"),
            _ => Some("LOWER(cluster_id) = 'clu_04242'"),
        },
    },
    Shape {
        name: "equality",
        filter: r#"cluster_name = "running_kmeans_99999""#,
        hand: |d| match d {
            "sqlite" => Some("siftql_lower(cluster_name) = 'running_kmeans_99999'"),
            _ => Some("LOWER(cluster_name) = 'running_kmeans_99999'"),
        },
    },
    Shape {
        name: "in, 3 items",
        filter: r#"cluster_name in ["running_kmeans_99999", "videos_hdbscan_0", "x"]"#,
        hand: |d| match d {
            "sqlite" => Some(
                "siftql_lower(cluster_name) IN ('running_kmeans_99999', 'videos_hdbscan_0', 'x')",
            ),
            _ => Some("LOWER(cluster_name) IN ('running_kmeans_99999', 'videos_hdbscan_0', 'x')"),
        },
    },
    Shape {
        name: "range",
        filter: "num_clusters >= 49",
        hand: |_| Some("num_clusters >= 49"),
    },
    Shape {
        name: "prefix",
        filter: r#"cluster_name starts with "running_kmeans_999""#,
        hand: |d| match d {
            "sqlite" => Some("substr(siftql_lower(cluster_name), 1, 18) = 'running_kmeans_999'"),
            _ => Some("LOWER(cluster_name) LIKE 'running\\_kmeans\\_999%'"),
        },
    },
    Shape {
        name: "negation",
        filter: r#"not status = "failed""#,
        hand: |d| match d {
            "sqlite" => Some("status IS NULL OR siftql_lower(status) <> 'failed'"),
            _ => Some("status IS NULL OR LOWER(status) <> 'failed'"),
        },
    },
    Shape {
        name: "array containment",
        filter: r#"input_collections contains "dogs""#,
        hand: |d| match d {
            "postgres" => Some(
                "(jsonb_typeof(input_collections) = 'array' AND EXISTS (SELECT 1 FROM \
                 jsonb_array_elements_text(input_collections) e WHERE LOWER(e) = 'dogs')) \
                 OR (jsonb_typeof(input_collections) = 'string' \
                 AND strpos(LOWER(input_collections #>> '{}'), 'dogs') > 0)",
            ),
            "sqlite" => Some(
                "EXISTS (SELECT 1 FROM json_each(input_collections) e WHERE e.type = 'text' \
                 AND siftql_lower(e.value) = 'dogs')",
            ),
            _ => None,
        },
    },
    Shape {
        name: "JSON field equality",
        filter: r#"metadata.team = "ml""#,
        hand: |d| match d {
            "postgres" => Some("LOWER(metadata ->> 'team') = 'ml'"),
            "sqlite" => Some("siftql_lower(json_extract(metadata, '$.team')) = 'ml'"),
            _ => Some("LOWER(JSON_UNQUOTE(JSON_EXTRACT(metadata, '$.team'))) = 'ml'"),
        },
    },
    Shape {
        name: "5-condition mix",
        filter: r#"status = "completed" and num_clusters >= 10 and algorithm in ["kmeans", "hdbscan"] and not cluster_name starts with "faces" and hierarchical_vector = true"#,
        hand: |d| match d {
            "sqlite" => Some(
                "siftql_lower(status) = 'completed' AND num_clusters >= 10 \
                 AND siftql_lower(algorithm) IN ('kmeans', 'hdbscan') \
                 AND (cluster_name IS NULL OR substr(siftql_lower(cluster_name), 1, 5) <> 'faces') \
                 AND hierarchical_vector = 1",
            ),
            _ => Some(
                "LOWER(status) = 'completed' AND num_clusters >= 10 \
                 AND LOWER(algorithm) IN ('kmeans', 'hdbscan') \
                 AND (cluster_name IS NULL OR LOWER(cluster_name) NOT LIKE 'faces%') \
                 AND hierarchical_vector = TRUE",
            ),
        },
    },
    Shape {
        name: "20-condition mix",
        filter: r#"status in ["completed", "failed", "running"] and num_clusters >= 2 and num_clusters <= 60 and num_documents_clustered > 100 and execution_time_seconds < 5000 and algorithm in ["kmeans", "hdbscan", "agglomerative", "dbscan"] and cluster_name is not null and namespace_id is not null and hierarchical_vector is not null and cluster_id starts with "clu" and not cluster_name contains "zzz" and not status = "deleted" and not algorithm = "none" and (sample_size > 0 or sample_size is null) and (learning_quality_score >= 0 or learning_quality_score is null) and error is null and num_clusters != 13 and namespace_id != "ns_x" and num_documents_clustered < 100000000 and execution_time_seconds >= 0"#,
        hand: |d| match d {
            "sqlite" => Some(
                "siftql_lower(status) IN ('completed', 'failed', 'running') AND num_clusters >= 2 \
                 AND num_clusters <= 60 AND num_documents_clustered > 100 \
                 AND execution_time_seconds < 5000 \
                 AND siftql_lower(algorithm) IN ('kmeans', 'hdbscan', 'agglomerative', 'dbscan') \
                 AND cluster_name IS NOT NULL AND namespace_id IS NOT NULL \
                 AND hierarchical_vector IS NOT NULL \
                 AND substr(siftql_lower(cluster_id), 1, 3) = 'clu' \
                 AND (cluster_name IS NULL OR instr(siftql_lower(cluster_name), 'zzz') = 0) \
                 AND (status IS NULL OR siftql_lower(status) <> 'deleted') \
                 AND (algorithm IS NULL OR siftql_lower(algorithm) <> 'none') \
                 AND (sample_size > 0 OR sample_size IS NULL) \
                 AND (learning_quality_score >= 0 OR learning_quality_score IS NULL) \
                 AND error IS NULL AND (num_clusters IS NULL OR num_clusters <> 13) \
                 AND (namespace_id IS NULL OR siftql_lower(namespace_id) <> 'ns_x') \
                 AND num_documents_clustered < 100000000 AND execution_time_seconds >= 0",
            ),
            _ => Some(
                "LOWER(status) IN ('completed', 'failed', 'running') AND num_clusters >= 2 \
                 AND num_clusters <= 60 AND num_documents_clustered > 100 \
                 AND execution_time_seconds < 5000 \
                 AND LOWER(algorithm) IN ('kmeans', 'hdbscan', 'agglomerative', 'dbscan') \
                 AND cluster_name IS NOT NULL AND namespace_id IS NOT NULL \
                 AND hierarchical_vector IS NOT NULL AND LOWER(cluster_id) LIKE 'clu%' \
                 AND (cluster_name IS NULL OR LOWER(cluster_name) NOT LIKE '%zzz%') \
                 AND (status IS NULL OR LOWER(status) <> 'deleted') \
                 AND (algorithm IS NULL OR LOWER(algorithm) <> 'none') \
                 AND (sample_size > 0 OR sample_size IS NULL) \
                 AND (learning_quality_score >= 0 OR learning_quality_score IS NULL) \
                 AND error IS NULL AND (num_clusters IS NULL OR num_clusters <> 13) \
                 AND (namespace_id IS NULL OR LOWER(namespace_id) <> 'ns_x') \
                 AND num_documents_clustered < 100000000 AND execution_time_seconds >= 0",
            ),
        },
    },
    Shape {
        name: "JSON equality, case-sensitive",
        filter: r#"case_sensitive(metadata.team = "data-eng")"#,
        hand: |d| match d {
            "postgres" => Some("metadata @> '{\"team\": \"data-eng\"}'"),
            "sqlite" => Some("json_extract(metadata, '$.team') = 'data-eng'"),
            _ => Some("JSON_UNQUOTE(JSON_EXTRACT(metadata, '$.team')) = BINARY 'data-eng'"),
        },
    },
    Shape {
        name: "array containment, case-sensitive",
        filter: r#"case_sensitive(input_collections contains "dogs")"#,
        hand: |d| match d {
            "postgres" => Some("input_collections @> '[\"dogs\"]'"),
            "sqlite" => {
                Some("EXISTS (SELECT 1 FROM json_each(input_collections) e WHERE e.value = 'dogs')")
            }
            _ => Some("JSON_CONTAINS(input_collections, '\"dogs\"')"),
        },
    },
];

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Runs `sql` (a `SELECT COUNT(*)`) and returns its count and time.
fn run(db: &mut dyn Driver, sql: &str) -> (i64, Duration) {
    let started = Instant::now();
    let rows = db.rows_of(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    (rows, started.elapsed())
}

trait CountRows {
    fn rows_of(&mut self, sql: &str) -> Result<i64, siftql::Error>;
}

impl CountRows for dyn Driver + '_ {
    fn rows_of(&mut self, sql: &str) -> Result<i64, siftql::Error> {
        // A count as a one-row `SELECT` sea-query can carry: a custom
        // expression over the hand-written or compiled statement.
        let select = sea_query::Query::select()
            .expr(sea_query::Expr::cust(format!("({sql})")))
            .to_owned();
        let rows = self.rows(&select)?;
        Ok(match rows.first().and_then(|r| r.first()) {
            Some(siftql::sql::load::Cell::Int(n)) => *n,
            Some(siftql::sql::load::Cell::Float(f)) => *f as i64,
            Some(siftql::sql::load::Cell::Text(t)) => t.parse().unwrap_or(-1),
            _ => -1,
        })
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let url = args.next().expect("usage: sql_shapes URL TABLE [RUNS]");
    let table = args.next().expect("usage: sql_shapes URL TABLE [RUNS]");
    let runs: usize = args
        .next()
        .map_or(7, |r| r.parse().expect("RUNS is a number"));
    let mut db = connect(&url).unwrap_or_else(|e| panic!("{url}: {e}"));
    let d = db.dialect();
    let schema = Schema {
        table: table.clone(),
        ..Schema::clusters()
    };
    let quoted = d.quote(&table);
    // `SELECT COUNT(*) FROM t WHERE <siftql's condition>`: the shape of the
    // hand-written query (a count over siftql's whole SELECT would read the
    // document column where an index alone answers).
    let count = |filter: &str| {
        let c = compile(&filter.parse().unwrap(), &schema, d).unwrap();
        let select = sea_query::Query::select()
            .expr(sea_query::Expr::cust("COUNT(*)"))
            .from(sea_query::Alias::new(&table))
            .cond_where(c.condition())
            .to_owned();
        siftql::sql::to_inline(&select, d)
    };
    let scan_sql = count(r#"cluster_name contains "zzzz""#);
    let scan = median((0..runs).map(|_| run(db.as_mut(), &scan_sql).1).collect());
    println!(
        "{d}, table {table}: full scan (cluster_name contains \"zzzz\") {:.1} ms",
        scan.as_secs_f64() * 1e3
    );
    println!(
        "{:<34} {:>8} {:>10} {:>10} {:>7} {:>9}",
        "shape", "rows", "siftql ms", "hand ms", "ratio", "of scan"
    );
    // `in` with 1,000 items (the three of "in, 3 items" and 997 that match
    // nothing), against the same list written by hand.
    let items: Vec<String> = ["running_kmeans_99999", "videos_hdbscan_0", "x"]
        .into_iter()
        .map(str::to_owned)
        .chain((0..997).map(|i| format!("none_{i}")))
        .collect();
    let long_filter = format!("cluster_name in {}", serde_json::to_string(&items).unwrap());
    let quoted_items = items
        .iter()
        .map(|i| format!("'{i}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let lower = if d.name() == "sqlite" {
        "siftql_lower"
    } else {
        "LOWER"
    };
    let long_hand = format!("{lower}(cluster_name) IN ({quoted_items})");
    let shapes = SHAPES
        .iter()
        .map(|s| {
            (
                s.name,
                s.filter.to_owned(),
                (s.hand)(d.name()).map(str::to_owned),
            )
        })
        .chain([
            ("in, 1,000 items", long_filter, Some(long_hand)),
            // The same lists on a JSON field, which no index serves: the
            // cost of the membership test itself.
            (
                "JSON in, 3 items",
                format!(
                    "metadata.team in {}",
                    serde_json::to_string(&items[..3]).unwrap()
                ),
                None,
            ),
            (
                "JSON in, 1,000 items",
                format!(
                    "metadata.team in {}",
                    serde_json::to_string(&items).unwrap()
                ),
                None,
            ),
        ]);
    let mut medians = std::collections::HashMap::new();
    for (name, filter, hand) in shapes {
        let ours = count(&filter);
        let hand = hand.map(|w| format!("SELECT COUNT(*) FROM {quoted} WHERE {w}"));
        let (mut t_ours, mut t_hand) = (Vec::new(), Vec::new());
        let mut rows = -1;
        for _ in 0..runs {
            let (n, t) = run(db.as_mut(), &ours);
            rows = n;
            t_ours.push(t);
            if let Some(h) = &hand {
                let (m, t) = run(db.as_mut(), h);
                assert_eq!(n, m, "{name}: siftql counts {n}, the hand-written SQL {m}");
                t_hand.push(t);
            }
        }
        let ours = median(t_ours);
        medians.insert(name, ours);
        let ms = |t: Duration| t.as_secs_f64() * 1e3;
        let (hand_ms, ratio) = if t_hand.is_empty() {
            ("-".to_owned(), "-".to_owned())
        } else {
            let h = median(t_hand);
            (
                format!("{:.2}", ms(h)),
                format!("{:.2}", ours.as_secs_f64() / h.as_secs_f64()),
            )
        };
        println!(
            "{:<34} {:>8} {:>10.2} {:>10} {:>7} {:>8.1}%",
            name,
            rows,
            ms(ours),
            hand_ms,
            ratio,
            100.0 * ours.as_secs_f64() / scan.as_secs_f64()
        );
    }
    let ratio = |a: &str, b: &str| medians[a].as_secs_f64() / medians[b].as_secs_f64();
    println!(
        "in, 1,000 items / in, 3 items: {:.2} (index-served: 1,000 lookups against 3); on a JSON field: {:.2}",
        ratio("in, 1,000 items", "in, 3 items"),
        ratio("JSON in, 1,000 items", "JSON in, 3 items")
    );
}
