//! Compiling a 20-condition filter to `(sql, values)` against building the
//! same statement by hand with sea-query (the SQL text is asserted equal).
//! Run: `cargo bench --bench sql`.

use criterion::{criterion_group, criterion_main, Criterion};
use sea_query::{Alias, Condition, Expr, ExprTrait, Query, SqliteQueryBuilder};
use siftql::sql::{compile, Dialect, Schema};
use siftql::Filter;
use std::hint::black_box;

const F20: &str = concat!(
    r#"status = "completed" and num_clusters >= 1 and num_clusters < 45 and algorithm != "birch""#,
    r#" and cluster_name contains "_" and namespace_id != "ns_9" and num_documents_clustered > 100"#,
    r#" and hierarchical_vector = true and cluster_id starts with "clu_" and error is null"#,
    r#" and namespace_id starts with "ns" and num_clusters != 17 and aggregation_method is null"#,
    r#" and cluster_id != "clu_99999" and num_documents_clustered <= 99990 and cluster_name != "none""#,
    r#" and execution_time_seconds >= 0 and status != "failed" and algorithm != "x" and num_clusters > 0"#
);

fn col(c: &str) -> Expr {
    Expr::col(Alias::new(c))
}

fn lower(c: &str) -> Expr {
    Expr::cust_with_exprs("siftql_lower(?)", [col(c)])
}

fn text_eq(c: &str, v: &str) -> Condition {
    Condition::all()
        .add(col(c).is_not_null())
        .add(Expr::cust_with_exprs("? = ?", [lower(c), Expr::val(v)]))
}

fn num(c: &str, e: Expr) -> Condition {
    Condition::all().add(col(c).is_not_null()).add(e)
}

fn starts(c: &str, v: &str) -> Condition {
    Condition::all()
        .add(col(c).is_not_null())
        .add(Expr::cust_with_exprs(
            "substr(?, 1, length(?)) = ?",
            [lower(c), Expr::val(v), Expr::val(v)],
        ))
}

/// The statement `compile` produces for `F20`, built by hand.
fn by_hand() -> (String, sea_query::Values) {
    let cond =
        Condition::all()
            .add(text_eq("status", "completed"))
            .add(num("num_clusters", col("num_clusters").gte(1i64)))
            .add(num("num_clusters", col("num_clusters").lt(45i64)))
            .add(text_eq("algorithm", "birch").not())
            .add(Condition::all().add(col("cluster_name").is_not_null()).add(
                Expr::cust_with_exprs("instr(?, ?) > 0", [lower("cluster_name"), Expr::val("_")]),
            ))
            .add(text_eq("namespace_id", "ns_9").not())
            .add(num(
                "num_documents_clustered",
                col("num_documents_clustered").gt(100i64),
            ))
            .add(num(
                "hierarchical_vector",
                col("hierarchical_vector").eq(true),
            ))
            .add(starts("cluster_id", "clu_"))
            .add(Condition::all().add(col("error").is_null()))
            .add(starts("namespace_id", "ns"))
            .add(num("num_clusters", col("num_clusters").eq(17i64)).not())
            .add(Condition::all().add(col("aggregation_method").is_null()))
            .add(text_eq("cluster_id", "clu_99999").not())
            .add(num(
                "num_documents_clustered",
                col("num_documents_clustered").lte(99990i64),
            ))
            .add(text_eq("cluster_name", "none").not())
            .add(num(
                "execution_time_seconds",
                col("execution_time_seconds").gte(0i64),
            ))
            .add(text_eq("status", "failed").not())
            .add(text_eq("algorithm", "x").not())
            .add(num("num_clusters", col("num_clusters").gt(0i64)));
    Query::select()
        .column(Alias::new("doc"))
        .from(Alias::new("clusters"))
        .cond_where(cond)
        .build(SqliteQueryBuilder)
}

fn bench(c: &mut Criterion) {
    let filter: Filter = F20.parse().unwrap();
    let schema = Schema::clusters();
    let compiled = compile(&filter, &schema, Dialect::Sqlite).unwrap().build();
    let hand = by_hand();
    assert_eq!(
        compiled.0, hand.0,
        "the hand-built statement is the same SQL"
    );
    assert_eq!(compiled.1, hand.1);
    let mut group = c.benchmark_group("sql");
    group.bench_function("siftql/compile_and_build/20", |b| {
        b.iter(|| {
            compile(black_box(&filter), &schema, Dialect::Sqlite)
                .unwrap()
                .build()
        })
    });
    group.bench_function("sea_query/by_hand/20", |b| b.iter(by_hand));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
