//! Evaluation per record: the compiled predicate against a hand-written Rust
//! closure implementing the same filter, over the same records, for 1-, 5-
//! and 20-condition filters; over `ClusterRecord` and over
//! `serde_json::Value`. Run: `cargo bench --bench eval`.

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::Value;
use siftql::eval::{ClusterRecord, Field, Predicate};
use std::hint::black_box;

const F1: &str = r#"status = "completed""#;
const F5: &str = r#"status = "completed" and num_clusters >= 10 and algorithm in ["kmeans", "hdbscan"] and not cluster_name starts with "faces" and hierarchical_vector = true"#;
const F20: &str = concat!(
    r#"status != "failed" and num_clusters >= 1 and num_clusters < 45 and algorithm in ["kmeans", "hdbscan", "spectral"]"#,
    r#" and cluster_name contains "_" and namespace_id != "ns_9" and num_documents_clustered > 100 and created_at exists"#,
    r#" and cluster_id starts with "clu_" and not cluster_name ends with "x" and status is not null and hierarchical_vector exists"#,
    r#" and namespace_id starts with "ns" and num_clusters != 17 and algorithm != "birch" and cluster_id != "clu_99999""#,
    r#" and num_documents_clustered <= 99990 and cluster_name != "none" and namespace_id in ["ns_0", "ns_1", "ns_2"] and num_clusters > 0"#
);

fn eq_ci(s: &str, lit: &str) -> bool {
    s.eq_ignore_ascii_case(lit)
}

fn starts_ci(s: &str, p: &str) -> bool {
    s.len() >= p.len() && s.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes())
}

fn ends_ci(s: &str, p: &str) -> bool {
    s.len() >= p.len() && s.as_bytes()[s.len() - p.len()..].eq_ignore_ascii_case(p.as_bytes())
}

// ---- hand-written over ClusterRecord ----

fn t_str(f: &Field<String>) -> Option<&str> {
    f.as_ref().map(String::as_str)
}

fn t_num(f: &Field<serde_json::Number>) -> Option<f64> {
    f.as_ref().and_then(|n| n.as_f64())
}

fn typed_1(r: &ClusterRecord) -> bool {
    t_str(&r.status).is_some_and(|s| eq_ci(s, "completed"))
}

fn typed_5(r: &ClusterRecord) -> bool {
    typed_1(r)
        && t_num(&r.num_clusters).is_some_and(|n| n >= 10.0)
        && t_str(&r.algorithm).is_some_and(|a| eq_ci(a, "kmeans") || eq_ci(a, "hdbscan"))
        && !t_str(&r.cluster_name).is_some_and(|n| starts_ci(n, "faces"))
        && r.hierarchical_vector == Field::Value(true)
}

fn typed_20(r: &ClusterRecord) -> bool {
    let status = t_str(&r.status);
    let n = t_num(&r.num_clusters);
    let alg = t_str(&r.algorithm);
    let name = t_str(&r.cluster_name);
    let ns = t_str(&r.namespace_id);
    let docs = t_num(&r.num_documents_clustered);
    let id = t_str(&r.cluster_id);
    !status.is_some_and(|s| eq_ci(s, "failed"))
        && n.is_some_and(|n| n >= 1.0)
        && n.is_some_and(|n| n < 45.0)
        && alg.is_some_and(|a| eq_ci(a, "kmeans") || eq_ci(a, "hdbscan") || eq_ci(a, "spectral"))
        && name.is_some_and(|s| s.contains('_'))
        && !ns.is_some_and(|s| eq_ci(s, "ns_9"))
        && docs.is_some_and(|d| d > 100.0)
        && !r.created_at.is_missing()
        && id.is_some_and(|s| starts_ci(s, "clu_"))
        && !name.is_some_and(|s| ends_ci(s, "x"))
        && status.is_some()
        && !r.hierarchical_vector.is_missing()
        && ns.is_some_and(|s| starts_ci(s, "ns"))
        && !n.is_some_and(|n| n == 17.0)
        && !alg.is_some_and(|a| eq_ci(a, "birch"))
        && !id.is_some_and(|s| eq_ci(s, "clu_99999"))
        && docs.is_some_and(|d| d <= 99990.0)
        && !name.is_some_and(|s| eq_ci(s, "none"))
        && ns.is_some_and(|s| eq_ci(s, "ns_0") || eq_ci(s, "ns_1") || eq_ci(s, "ns_2"))
        && n.is_some_and(|n| n > 0.0)
}

// ---- hand-written over Value ----

fn v_str<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

fn v_num(v: &Value, k: &str) -> Option<f64> {
    v.get(k).and_then(Value::as_f64)
}

fn value_1(v: &Value) -> bool {
    v_str(v, "status").is_some_and(|s| eq_ci(s, "completed"))
}

fn value_5(v: &Value) -> bool {
    value_1(v)
        && v_num(v, "num_clusters").is_some_and(|n| n >= 10.0)
        && v_str(v, "algorithm").is_some_and(|a| eq_ci(a, "kmeans") || eq_ci(a, "hdbscan"))
        && !v_str(v, "cluster_name").is_some_and(|n| starts_ci(n, "faces"))
        && v.get("hierarchical_vector") == Some(&Value::Bool(true))
}

fn value_20(v: &Value) -> bool {
    let status = v_str(v, "status");
    let n = v_num(v, "num_clusters");
    let alg = v_str(v, "algorithm");
    let name = v_str(v, "cluster_name");
    let ns = v_str(v, "namespace_id");
    let docs = v_num(v, "num_documents_clustered");
    let id = v_str(v, "cluster_id");
    !status.is_some_and(|s| eq_ci(s, "failed"))
        && n.is_some_and(|n| n >= 1.0)
        && n.is_some_and(|n| n < 45.0)
        && alg.is_some_and(|a| eq_ci(a, "kmeans") || eq_ci(a, "hdbscan") || eq_ci(a, "spectral"))
        // `_` has no case: a plain substring search is the case-insensitive one.
        && name.is_some_and(|s| s.contains('_'))
        && !ns.is_some_and(|s| eq_ci(s, "ns_9"))
        && docs.is_some_and(|d| d > 100.0)
        && v.get("created_at").is_some()
        && id.is_some_and(|s| starts_ci(s, "clu_"))
        && !name.is_some_and(|s| ends_ci(s, "x"))
        && v.get("status").is_some_and(|s| !s.is_null())
        && v.get("hierarchical_vector").is_some()
        && ns.is_some_and(|s| starts_ci(s, "ns"))
        && !n.is_some_and(|n| n == 17.0)
        && !alg.is_some_and(|a| eq_ci(a, "birch"))
        && !id.is_some_and(|s| eq_ci(s, "clu_99999"))
        && docs.is_some_and(|d| d <= 99990.0)
        && !name.is_some_and(|s| eq_ci(s, "none"))
        && ns.is_some_and(|s| eq_ci(s, "ns_0") || eq_ci(s, "ns_1") || eq_ci(s, "ns_2"))
        && n.is_some_and(|n| n > 0.0)
}

fn bench(c: &mut Criterion) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/clusters.jsonl"
    ))
    .unwrap();
    let values: Vec<Value> = text
        .lines()
        .take(1000)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let typed: Vec<ClusterRecord> = values
        .iter()
        .map(|v| serde_json::from_value(v.clone()).unwrap())
        .collect();
    type Pair = (
        &'static str,
        &'static str,
        fn(&ClusterRecord) -> bool,
        fn(&Value) -> bool,
    );
    let filters: [Pair; 3] = [
        ("1", F1, typed_1, value_1),
        ("5", F5, typed_5, value_5),
        ("20", F20, typed_20, value_20),
    ];
    let mut group = c.benchmark_group("eval");
    for (n, dsl, by_hand_typed, by_hand_value) in filters {
        let p = Predicate::new(&dsl.parse().unwrap()).unwrap();
        // The baselines mean the same as the predicate on this data.
        let want: Vec<bool> = values.iter().map(|v| p.matches(v)).collect();
        assert_eq!(
            typed.iter().map(by_hand_typed).collect::<Vec<_>>(),
            want,
            "typed baseline {n}"
        );
        assert_eq!(
            values.iter().map(by_hand_value).collect::<Vec<_>>(),
            want,
            "value baseline {n}"
        );
        assert_eq!(typed.iter().map(|r| p.matches(r)).collect::<Vec<_>>(), want);
        let specialised = p.typed::<ClusterRecord>();
        assert_eq!(
            typed
                .iter()
                .map(|r| specialised.matches(r))
                .collect::<Vec<_>>(),
            want
        );
        assert!(want.iter().any(|b| *b), "filter {n} matches something");
        group.bench_function(format!("cluster_record/siftql/{n}"), |b| {
            b.iter(|| typed.iter().filter(|r| p.matches(black_box(*r))).count())
        });
        group.bench_function(format!("cluster_record/siftql_typed/{n}"), |b| {
            b.iter(|| {
                typed
                    .iter()
                    .filter(|r| specialised.matches(black_box(*r)))
                    .count()
            })
        });
        group.bench_function(format!("cluster_record/closure/{n}"), |b| {
            b.iter(|| {
                typed
                    .iter()
                    .filter(|r| by_hand_typed(black_box(*r)))
                    .count()
            })
        });
        group.bench_function(format!("value/siftql/{n}"), |b| {
            b.iter(|| values.iter().filter(|r| p.matches(black_box(*r))).count())
        });
        group.bench_function(format!("value/closure/{n}"), |b| {
            b.iter(|| {
                values
                    .iter()
                    .filter(|r| by_hand_value(black_box(*r)))
                    .count()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
