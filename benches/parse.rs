//! DSL parsing vs decoding the same filter from JSON, at 1, 5, 20 and 1,000
//! conditions. Run: `cargo bench --bench parse`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use siftql::{Filter, Limits};
use std::hint::black_box;

/// A realistic mix: comparisons, lists, readable forms, negations, a nested
/// `or` group every fifth condition.
fn dsl(n: usize) -> String {
    let mut terms = Vec::with_capacity(n);
    for i in 0..n {
        terms.push(match i % 5 {
            0 => format!(r#"status = "active_{i}""#),
            1 => format!("num_clusters >= {i}"),
            2 => format!(r#"tags in ["a{i}", "b", "c"]"#),
            3 => format!(r#"not metadata.team_{i} starts with "x""#),
            _ => format!(r#"(cluster_name contains "p{i}" or description is not null)"#),
        });
    }
    terms.join(" and ")
}

fn bench(c: &mut Criterion) {
    let limits = Limits::default();
    let mut group = c.benchmark_group("parse");
    for n in [1, 5, 20, 1000] {
        let text = dsl(n);
        let filter = Filter::parse_with(&text, &limits).unwrap();
        let json = filter.to_json_string();
        assert_eq!(Filter::from_json_str_with(&json, &limits).unwrap(), filter);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("dsl", n), &text, |b, t| {
            b.iter(|| Filter::parse_with(black_box(t), &limits).unwrap())
        });
        group.bench_with_input(BenchmarkId::new("json", n), &json, |b, t| {
            b.iter(|| Filter::from_json_str_with(black_box(t), &limits).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
