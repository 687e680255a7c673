//! Plans: after `siftql index` (`sql::index::create_indexes`), the filter
//! shapes docs/sql.md lists as index-served use siftql's indexes, on each
//! database (`EXPLAIN` through `Driver::explain`).

use serde_json::json;
use siftql::sql::driver::{BatchLoader, Driver};
use siftql::sql::index::create_indexes_with_json;
use siftql::sql::{compile, sqlite, Schema};

/// Loads 2,000 small cluster records, creates the indexes, and checks that
/// the plan of each `(filter, index suffix)` names that index.
fn index_served(db: &mut dyn Driver, schema: &Schema, shapes: &[(&str, &str, &str)]) {
    index_served_with(db, schema, &[], shapes);
}

/// [`index_served`], with the indexes of the JSON columns `json` too.
fn index_served_with(
    db: &mut dyn Driver,
    schema: &Schema,
    json: &[String],
    shapes: &[(&str, &str, &str)],
) {
    let mut load = BatchLoader::begin(db, schema).unwrap();
    for i in 0..2000 {
        let status = ["COMPLETED", "FAILED", "PENDING"][i % 3];
        let r = json!({"cluster_id": format!("clu_{i:05}"), "cluster_name": format!("Name {i}"),
                       "status": status,
                       "num_clusters": i, "metadata": {"team": format!("t{}", i % 50)},
                       "input_collections": [format!("c{}", i % 40), "all"]});
        load.push(&r.to_string()).unwrap();
    }
    load.finish().unwrap();
    assert!(create_indexes_with_json(db, schema, json).unwrap() > 0);
    // Statistics, so that the planner knows the table is not tiny.
    let analyze = match db.dialect().name() {
        "mysql" => format!("ANALYZE TABLE {}", db.dialect().quote(&schema.table)),
        _ => format!("ANALYZE {}", db.dialect().quote(&schema.table)),
    };
    if db.dialect().name() == "mysql" {
        // ANALYZE TABLE returns a result set, which `execute` drains.
        let _ = db.execute(&analyze);
    } else {
        db.execute(&analyze).unwrap();
    }
    for (filter, column, suffix) in shapes {
        let compiled = compile(&filter.parse().unwrap(), schema, db.dialect()).unwrap();
        let plan = db.explain(&compiled.select()).unwrap().join("\n");
        let index = format!("siftql_{}_{column}_{suffix}", schema.table);
        assert!(
            plan.contains(&index),
            "{}: `{filter}` does not use {index}:\n{plan}",
            db.dialect()
        );
    }
}

/// The text and number shapes siftql's indexes serve on every database.
const TEXT_AND_NUMBER: &[(&str, &str, &str)] = &[
    (r#"cluster_name = "name 42""#, "cluster_name", "lower"),
    (
        r#"case_sensitive(cluster_name = "Name 42")"#,
        "cluster_name",
        "text",
    ),
    (
        r#"cluster_name in ["name 1", "NAME 2", "name 3"]"#,
        "cluster_name",
        "lower",
    ),
    (
        r#"case_sensitive(cluster_name in ["Name 1", "Name 2"])"#,
        "cluster_name",
        "text",
    ),
    (
        r#"cluster_name starts with "name 19""#,
        "cluster_name",
        "lower",
    ),
    (
        r#"case_sensitive(cluster_name starts with "Name 19")"#,
        "cluster_name",
        "text",
    ),
    (
        r#"case_sensitive(cluster_name >= "Name 1998")"#,
        "cluster_name",
        "text",
    ),
    (r#"cluster_id = "CLU_00042""#, "cluster_id", "lower"),
    ("num_clusters = 42", "num_clusters", "value"),
    ("num_clusters >= 1990", "num_clusters", "value"),
    ("num_clusters in [1, 2, 3]", "num_clusters", "value"),
];

#[test]
fn sqlite_uses_siftqls_indexes() {
    let mut conn = sqlite::open(":memory:").unwrap();
    index_served(&mut conn, &Schema::clusters(), TEXT_AND_NUMBER);
}

#[cfg(feature = "postgres")]
#[cfg_attr(not(siftql_postgres), ignore = "SIFTQL_TEST_POSTGRES_URL is unset")]
#[test]
fn postgres_uses_siftqls_indexes() {
    let Some(mut db) = crate::sql::pg() else {
        return;
    };
    let schema = Schema {
        table: crate::sql::own_table("siftql_plan"),
        ..Schema::clusters()
    };
    // The table is small: make every index usable plan cheaper than a scan,
    // which is what this test asks (can the index serve the shape?).
    db.execute("SET enable_seqscan = off").unwrap();
    index_served(db.as_mut(), &schema, TEXT_AND_NUMBER);
    // Case-sensitive equality inside a JSON column and containment in a
    // JSON array: the GIN index (`jsonb_path_ops`) serves the `@?` probe.
    index_served_with(
        db.as_mut(),
        &schema,
        &["metadata".to_owned(), "input_collections".to_owned()],
        &[
            (r#"case_sensitive(metadata.team = "t7")"#, "metadata", "gin"),
            (
                r#"case_sensitive(metadata.team in ["t7", "t8"])"#,
                "metadata",
                "gin",
            ),
            (
                r#"case_sensitive(input_collections contains "c3")"#,
                "input_collections",
                "gin",
            ),
            (
                r#"case_sensitive(input_collections = "c3")"#,
                "input_collections",
                "gin",
            ),
            ("metadata.n = 4", "metadata", "gin"),
        ],
    );
    db.execute(&format!("DROP TABLE {}", db.dialect().quote(&schema.table)))
        .unwrap();
}

#[cfg(feature = "mysql")]
#[cfg_attr(not(siftql_mysql), ignore = "SIFTQL_TEST_MYSQL_URL is unset")]
#[test]
fn mysql_uses_siftqls_indexes() {
    let Some(mut db) = crate::sql::my() else {
        return;
    };
    let schema = Schema {
        table: crate::sql::own_table("siftql_plan"),
        ..Schema::clusters()
    };
    index_served(db.as_mut(), &schema, TEXT_AND_NUMBER);
    db.execute(&format!("DROP TABLE {}", db.dialect().quote(&schema.table)))
        .unwrap();
}
