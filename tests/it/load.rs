//! Loading through [`BatchLoader`] on every database: SQLite always,
//! PostgreSQL and MySQL/MariaDB when `SIFTQL_TEST_POSTGRES_URL` and
//! `SIFTQL_TEST_MYSQL_URL` are set (and their features on). Each test runs
//! on a table of its own, dropped afterwards.

use serde_json::{json, Value};
use siftql::sql::driver::{connect, BatchLoader, Driver};
use siftql::sql::load::{row, Cell};
use siftql::sql::{compile, Schema};
use siftql::ErrorCode;

use sea_query::{Alias, Expr, Order, Query};

/// A table name of this run's own, so parallel runs do not collide.
fn own_table() -> String {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("siftql_load_{}_{nanos}_{n}", std::process::id())
}

/// A schema with a column of every type, a key and the document.
fn schema() -> Schema {
    Schema::from_json_str(&format!(
        r#"{{"table": "{}", "document": "doc", "open": true, "columns": [
            {{"field": "cluster_id", "column": "cluster_id", "type": "text"}},
            {{"field": "name", "column": "name", "type": "text"}},
            {{"field": "n", "column": "n", "type": "integer"}},
            {{"field": "x", "column": "x", "type": "float"}},
            {{"field": "b", "column": "b", "type": "bool"}},
            {{"field": "t", "column": "t", "type": "timestamp"}},
            {{"field": "meta", "column": "meta", "type": "json"}},
            {{"field": "deep.tags", "column": "tags", "type": "json"}}]}}"#,
        own_table()
    ))
    .unwrap()
}

/// The databases the tests run on.
#[derive(Clone, Copy)]
enum Kind {
    Sqlite,
    Postgres,
    Mysql,
}

/// A connection to `kind`: SQLite in memory, or the server of its URL
/// (the tests on it are ignored when the URL is unset).
fn database(kind: Kind) -> Box<dyn Driver> {
    let var = match kind {
        Kind::Sqlite => return connect("sqlite::memory:").unwrap(),
        Kind::Postgres => "SIFTQL_TEST_POSTGRES_URL",
        Kind::Mysql => "SIFTQL_TEST_MYSQL_URL",
    };
    let url = std::env::var(var).unwrap_or_else(|_| panic!("{var} is unset"));
    connect(&url).unwrap_or_else(|e| panic!("{url}: {e}"))
}

/// Runs `test` on `kind` with a fresh table of [`schema`], then drops the
/// table (also when the test fails).
fn on_database(kind: Kind, test: impl Fn(&mut dyn Driver, &Schema)) {
    let mut db = database(kind);
    let schema = schema();
    let result =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| test(db.as_mut(), &schema)));
    let _ = db.rollback();
    let table = db.dialect().quote(&schema.table);
    db.execute(&format!("DROP TABLE IF EXISTS {table}"))
        .unwrap();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

/// One test per database for each check: `load::sqlite::NAME`,
/// `load::postgres::NAME`, `load::mysql::NAME`.
macro_rules! on_every_database {
    ($($check:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $check() {
                super::$check(super::Kind::Sqlite)
            })*
        }
        #[cfg(feature = "postgres")]
        mod postgres {
            $(#[test]
            #[cfg_attr(not(siftql_postgres), ignore = "SIFTQL_TEST_POSTGRES_URL is unset")]
            fn $check() {
                super::$check(super::Kind::Postgres)
            })*
        }
        #[cfg(feature = "mysql")]
        mod mysql {
            $(#[test]
            #[cfg_attr(not(siftql_mysql), ignore = "SIFTQL_TEST_MYSQL_URL is unset")]
            fn $check() {
                super::$check(super::Kind::Mysql)
            })*
        }
    };
}

/// Loads `records` in one [`BatchLoader`] load.
fn load(db: &mut dyn Driver, schema: &Schema, records: &[String]) {
    let mut loader = BatchLoader::begin(db, schema).unwrap();
    for r in records {
        loader.push(r).unwrap();
    }
    assert_eq!(loader.finish().unwrap(), records.len() as u64);
}

/// Every document in load order, as stored.
fn documents(db: &mut dyn Driver, schema: &Schema) -> Vec<String> {
    let compiled = compile(&"true".parse().unwrap(), schema, db.dialect()).unwrap();
    let mut got = Vec::new();
    db.documents(&compiled, &mut |doc| {
        got.push(doc.to_owned());
        Ok(())
    })
    .unwrap();
    got
}

/// Every row's typed columns in load order, as cells; JSON columns parsed
/// and booleans as booleans, so that every database answers alike.
fn typed_rows(db: &mut dyn Driver, schema: &Schema) -> Vec<Vec<Value>> {
    let d = db.dialect();
    let mut select = Query::select();
    for c in &schema.columns {
        // PostgreSQL's jsonb comes back as text.
        let col = Expr::col(Alias::new(&c.column));
        let e = match c.ty {
            siftql::sql::ColumnType::Json => d.apply(d.document_text(), col),
            _ => col,
        };
        select.expr(e);
    }
    select
        .from(Alias::new(&schema.table))
        .order_by(Alias::new(d.load_order()), Order::Asc);
    db.rows(&select)
        .unwrap()
        .into_iter()
        .map(|r| {
            r.into_iter()
                .zip(&schema.columns)
                .map(|(cell, c)| match (cell, c.ty) {
                    (Cell::Null, _) => Value::Null,
                    (Cell::Text(s), siftql::sql::ColumnType::Json) => {
                        serde_json::from_str(&s).unwrap()
                    }
                    (Cell::Text(s), _) => s.into(),
                    (Cell::Int(i), siftql::sql::ColumnType::Bool) => (i != 0).into(),
                    (Cell::Int(i), _) => i.into(),
                    (Cell::Float(f), _) => f.into(),
                    (Cell::Bool(b), _) => b.into(),
                })
                .collect()
        })
        .collect()
}

fn record(id: &str, i: usize) -> String {
    json!({"cluster_id": id, "name": format!("r{i}"), "n": i}).to_string()
}

/// What upserting `records` one by one leaves: each key in the place of its
/// first record, holding its last.
fn one_by_one(records: &[String]) -> Vec<String> {
    let mut out: Vec<(String, String)> = Vec::new();
    for r in records {
        let v: Value = serde_json::from_str(r).unwrap();
        let id = v["cluster_id"].as_str().unwrap().to_owned();
        match out.iter_mut().find(|(k, _)| *k == id) {
            Some(slot) => slot.1 = r.clone(),
            None => out.push((id, r.clone())),
        }
    }
    out.into_iter().map(|(_, r)| r).collect()
}

fn more_records_than_one_batch(kind: Kind) {
    on_database(kind, |db, schema| {
        let n = db.batch_rows() * 2 + db.batch_rows() / 2 + 7;
        let records: Vec<String> = (0..n).map(|i| record(&format!("c{i}"), i)).collect();
        load(db, schema, &records);
        assert_eq!(documents(db, schema), records);
        let rows = typed_rows(db, schema);
        assert_eq!(rows.len(), n);
        assert_eq!(rows[n - 1][2], json!(n - 1));
    });
}

fn the_last_record_of_a_key_wins_in_the_place_of_its_first(kind: Kind) {
    on_database(kind, |db, schema| {
        let batch = db.batch_rows();
        let mut records = vec![record("a", 0), record("b", 1), record("a", 2)];
        // The next batches: new keys, then keys of the first batch again.
        records.extend((3..batch + 3).map(|i| record(&format!("k{i}"), i)));
        records.extend([record("b", 9001), record("z", 9002), record("a", 9003)]);
        records.extend([record("z", 9004), record("k5", 9005)]);
        load(db, schema, &records);
        let want = one_by_one(&records);
        assert_eq!(documents(db, schema), want);
        // A later load replaces rows in place and appends new keys.
        let again = [
            record("k4", 1),
            record("new", 2),
            record("a", 3),
            record("new", 4),
        ];
        load(db, schema, &again);
        let all: Vec<String> = records.iter().chain(&again).cloned().collect();
        assert_eq!(documents(db, schema), one_by_one(&all));
    });
}

/// One `upsert` of many rows leaves what one `upsert` a row leaves.
fn one_upsert_of_many_rows_is_one_upsert_a_row(kind: Kind) {
    on_database(kind, |db, schema| {
        let ids = ["a", "b", "a", "c", "b", "b", "d", "a", "c", "e"];
        let records: Vec<String> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| record(id, i))
            .collect();
        let rows: Vec<Vec<Cell>> = records.iter().map(|r| row(schema, r).unwrap()).collect();
        let mut each = schema.clone();
        each.table = own_table();
        db.create_table(schema).unwrap();
        db.create_table(&each).unwrap();
        db.begin().unwrap();
        db.upsert(schema, rows.clone()).unwrap();
        for r in rows {
            db.upsert(&each, vec![r]).unwrap();
        }
        db.commit().unwrap();
        let got = (documents(db, schema), typed_rows(db, schema));
        let want = (documents(db, &each), typed_rows(db, &each));
        let table = db.dialect().quote(&each.table);
        db.execute(&format!("DROP TABLE {table}")).unwrap();
        assert_eq!(got, want);
        assert_eq!(got.0, one_by_one(&records));
    });
}

fn documents_come_back_byte_for_byte(kind: Kind) {
    let docs = [
        "{\"cluster_id\":\"w1\" ,  \"x\"  :  1 }",
        "\t{\t\"z\": 1,\r\"cluster_id\": \"w2\",\n\"a\": 2}  ",
        r#"{"cluster_id": "ü€😀", "name": "日本語 🦀", "meta": {"ключ": "значение"}}"#,
        r#"{"cluster_id": "e\u0031", "name": "\u00e9\u0041\ud83e\udd80 \" \\ \/ \b\f\n\r\t", "s": "\u0000"}"#,
        r#"{"cluster_id": "n1", "big": 123456789012345678901234567890, "f": 1.00000000000000000000001, "e": -0.0E-0, "g": 1e308}"#,
        r#"{"cluster_id": "d1", "k": 1, "a": {}, "arr": [], "nest": [[[]]], "meta": {"b": 1, "a": 2}}"#,
    ];
    on_database(kind, |db, schema| {
        let mut docs: Vec<String> = docs.iter().map(|d| (*d).to_owned()).collect();
        // PostgreSQL's text and JSON hold no U+0000: that record is refused.
        if db.dialect() == siftql::sql::Dialect::Postgres {
            let e = siftql::sql::load::storable(db.dialect(), &docs[3]).unwrap_err();
            assert!(e.message().contains("field `s` holds U+0000"), "{e}");
            docs.remove(3);
        }
        load(db, schema, &docs);
        assert_eq!(documents(db, schema), docs);
        // Again over rows of the same keys (PostgreSQL: the staging table
        // then, not a straight copy).
        load(db, schema, &placeholders(&docs));
        load(db, schema, &docs);
        assert_eq!(documents(db, schema), docs);
    });
}

/// A record holding only the key of each of `records`.
fn placeholders(records: &[String]) -> Vec<String> {
    records
        .iter()
        .map(|r| {
            let v: Value = serde_json::from_str(r).unwrap();
            json!({"cluster_id": v["cluster_id"]}).to_string()
        })
        .collect()
}

fn a_bad_record_rolls_back_the_whole_load(kind: Kind) {
    on_database(kind, |db, schema| {
        let first = vec![record("kept", 0)];
        load(db, schema, &first);
        let batch = db.batch_rows();
        for bad in [
            r#"{"cluster_id": "bad", "n": "five"}"#,
            r#"{"cluster_id": "bad", "n": 1.5}"#,
            r#"{"cluster_id": "bad", "t": "yesterday"}"#,
            r#"{"name": "no key"}"#,
            r#"{"cluster_id": "bad""#,
            "[1, 2]",
        ] {
            let mut loader = BatchLoader::begin(db, schema).unwrap();
            // More than a batch, so that some rows reached the database.
            for i in 0..batch + batch / 2 {
                loader.push(&record(&format!("r{i}"), i)).unwrap();
            }
            loader.push(&record("kept", 1)).unwrap();
            let e = loader.push(bad).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidRecord, "{bad}: {e}");
            drop(loader);
            assert_eq!(documents(db, schema), first, "{bad}");
        }
        // The connection loads again after the rollback.
        let second = vec![record("kept", 2), record("other", 3)];
        load(db, schema, &second);
        assert_eq!(documents(db, schema), second);
    });
}

fn typed_and_json_columns_hold_their_values(kind: Kind) {
    let records = [
        json!({"cluster_id": "a", "name": "Ünïcode ☃", "n": -9007199254740993_i64, "x": 1.5, "b": true,
               "t": "2024-02-29T23:59:59.123456789+05:30", "meta": {"z": [1, "two", null], "a": {"b": false}},
               "deep": {"tags": ["x", "y"]}}),
        json!({"cluster_id": "b", "name": "", "n": i64::MAX, "x": -0.000001, "b": false, "t": "2024-01-01",
               "meta": "just a string", "deep": {"tags": 12.25}}),
        json!({"cluster_id": "c", "n": 0, "x": 3, "meta": null, "deep": null}),
        json!({"cluster_id": "d", "name": null, "n": null, "x": null, "b": null, "t": null,
               "meta": [], "deep": {"tags": {}}}),
    ];
    on_database(kind, |db, schema| {
        let texts: Vec<String> = records.iter().map(Value::to_string).collect();
        load(db, schema, &texts);
        let want = vec![
            vec![
                json!("a"),
                json!("Ünïcode ☃"),
                json!(-9007199254740993_i64),
                json!(1.5),
                json!(true),
                json!("2024-02-29T23:59:59.123456789+05:30"),
                json!({"z": [1, "two", null], "a": {"b": false}}),
                json!(["x", "y"]),
            ],
            vec![
                json!("b"),
                json!(""),
                json!(i64::MAX),
                json!(-0.000001),
                json!(false),
                json!("2024-01-01"),
                json!("just a string"),
                json!(12.25),
            ],
            vec![
                json!("c"),
                Value::Null,
                json!(0),
                json!(3.0),
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
            ],
            vec![
                json!("d"),
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                json!([]),
                json!({}),
            ],
        ];
        assert_eq!(typed_rows(db, schema), want);
        assert_eq!(documents(db, schema), texts);
        // Over rows of the same keys (PostgreSQL: through the staging
        // table): first all null, then the values again.
        load(db, schema, &placeholders(&texts));
        let nulls: Vec<Vec<Value>> = want
            .iter()
            .map(|w| {
                let mut n = vec![Value::Null; w.len()];
                n[0] = w[0].clone();
                n
            })
            .collect();
        assert_eq!(typed_rows(db, schema), nulls);
        load(db, schema, &texts);
        assert_eq!(typed_rows(db, schema), want);
        assert_eq!(documents(db, schema), texts);
    });
}

/// Batches larger than MySQL's `max_allowed_packet` (16 MiB by default) of
/// rows of a megabyte each load whole (in untyped fields: MySQL's `TEXT`
/// columns hold 64 KiB).
fn big_documents_load_whole(kind: Kind) {
    on_database(kind, |db, schema| {
        let filler = "é".repeat(200_000);
        let records: Vec<String> = (0..20)
            .map(|i| {
                json!({"cluster_id": format!("big{i}"), "pad": filler, "more": [filler]})
                    .to_string()
            })
            .collect();
        load(db, schema, &records);
        assert_eq!(documents(db, schema), records);
    });
}

on_every_database!(
    more_records_than_one_batch,
    the_last_record_of_a_key_wins_in_the_place_of_its_first,
    one_upsert_of_many_rows_is_one_upsert_a_row,
    documents_come_back_byte_for_byte,
    a_bad_record_rolls_back_the_whole_load,
    typed_and_json_columns_hold_their_values,
    big_documents_load_whole,
);
