//! The SQL backend: rendered SQL per dialect, bound values, injection,
//! capabilities, and agreement with the evaluator on SQLite.

use proptest::prelude::*;
use serde_json::{json, Value};
use siftql::eval::Predicate;
#[cfg(any(feature = "postgres", feature = "mysql"))]
use siftql::sql::driver::{BatchLoader, Driver};
use siftql::sql::{compile, sqlite, Dialect, Schema};
use siftql::{ErrorCode, Filter};

use crate::gen;

#[test]
fn rendered_sql_per_dialect() {
    let typed = Schema::from_json_str(
        r#"{"table": "items", "document": "doc", "open": true, "columns": [
            {"field": "name", "column": "name", "type": "text"},
            {"field": "n", "column": "n", "type": "float"},
            {"field": "ok", "column": "ok", "type": "bool"},
            {"field": "at", "column": "at", "type": "timestamp"},
            {"field": "meta", "column": "meta", "type": "json"}]}"#,
    )
    .unwrap();
    let filters = [
        r#"name = "Prod""#,
        r#"case_sensitive(name = "Prod")"#,
        r#"name != "x" and n >= 5 and ok = true"#,
        r#"name in ["a", null] or n not in [1, 2.5]"#,
        r#"name starts with "50%_\\" and name ends with "x""#,
        r#"name contains "ab" and name text "Q""#,
        r#"at >= "2024-01-01" and at < "zzz""#,
        "name is null and n is not null and ok exists",
        r#"name = 5 or n = "5""#,
        "not (name = \"a\" or n > 1)",
        r#"meta.team = "ML" and tags contains "gpu""#,
        "x.y != null and tags.0 = 1",
        r#"x matches "^a" and x exists and x > "b" and x >= "2024-01-01""#,
        r#"x starts with "50%" and x ends with "" and x in [1, true, null]"#,
        r#"name phrase "quick brown" and not x words "running dogs" and n phrase "x""#,
        r#"loc geo_radius {"center": {"lat": 52.52, "lon": 13.405}, "radius": 1000}"#,
        r#"not loc geo_bounding_box {"top_left": {"lat": 10, "lon": 170}, "bottom_right": {"lat": -10, "lon": -170}} or meta.p geo_bounding_box {"top_left": {"lat": 10, "lon": -1}, "bottom_right": {"lat": -10, "lon": 1}}"#,
        r#"loc geo_polygon {"exterior": {"points": [{"lat": 0, "lon": 0}, {"lat": 1, "lon": 0}, {"lat": 0, "lon": 1}]}} and name geo_radius {"center": {"lat": 0, "lon": 0}, "radius": 1}"#,
        // One membership test for conditions that share a field.
        r#"name = "a" or name in ["b", "c"] or n = 1 or case_sensitive(name = "D" or name = "E")"#,
        r#"meta.team != "x" and meta.team not in ["y", 2] and not (meta.team = "z" or meta.team = null)"#,
        // A JSON column itself: no path to walk.
        r#"meta contains "x" and meta exists and meta > 2"#,
    ];
    let mut out = String::new();
    for f in filters {
        for d in Dialect::ALL {
            match compile(&f.parse().unwrap(), &typed, d) {
                Ok(c) => {
                    let (s, v) = c.build();
                    out.push_str(&format!("{d}: {f}\n  {s}\n  {:?}\n", v.0));
                }
                Err(e) => out.push_str(&format!("{d}: {f}\n  {}: {}\n", e.code(), e.message())),
            }
        }
    }
    insta::assert_snapshot!(out);
}

/// Hostile values only change the bound values, never the statement.
#[test]
fn values_are_always_bound() {
    let hostile = [
        "x",
        "'",
        "\"",
        "\\",
        "%",
        "_",
        "'; DROP TABLE clusters; --",
        "/* */",
        "\0",
        "$1",
        "?",
        "é\u{2028}",
        "`",
    ];
    let schema = Schema::clusters();
    for d in Dialect::ALL {
        for template in [
            "status = {}",
            "status != {}",
            "status in [{}, \"b\"]",
            "status starts with {}",
            "status ends with {}",
            "status contains {}",
            "status > {}",
            "created_at >= {}",
            "cluster_name text {}",
            "cluster_name phrase {}",
            "cluster_name words {}",
            "x.y phrase {}",
            "x.y words {}",
        ] {
            let render = |v: &str| {
                let f = template.replace("{}", &serde_json::to_string(v).unwrap());
                compile(&f.parse().unwrap(), &schema, d).map(|c| c.build())
            };
            let Ok((base, _)) = render("x") else { continue };
            for h in hostile {
                // U+0000 is rechecked on PostgreSQL and SQLite instead.
                if h.contains('\0') && d != Dialect::MySql {
                    let e = render(h).unwrap_err();
                    assert_eq!(e.code(), ErrorCode::Unsupported, "{d}: {template}");
                    continue;
                }
                let (sql, values) = render(h).unwrap();
                assert_eq!(sql, base, "{d}: {template} with {h:?}");
                assert!(!values.0.is_empty());
            }
        }
        // Field names inside JSON go in bound values too.
        if d == Dialect::Sqlite {
            let (base, _) = compile(&"meta_x = 1".parse().unwrap(), &schema, d)
                .unwrap()
                .build();
            let (evil, _) = compile(
                &"`a'; DROP TABLE clusters; --` = 1".parse().unwrap(),
                &schema,
                d,
            )
            .unwrap()
            .build();
            assert_eq!(base, evil);
        }
    }
}

#[test]
fn closed_schemas_reject_unknown_fields() {
    let schema = Schema::from_json_str(
        r#"{"table": "t", "columns": [{"field": "status", "column": "status", "type": "text"}]}"#,
    )
    .unwrap();
    let e = compile(&"statos = 1".parse().unwrap(), &schema, Dialect::Postgres).unwrap_err();
    assert_eq!(e.code(), ErrorCode::UnknownField);
    assert_eq!(e.help(), Some("did you mean `status`?"));
    let e = compile(&"`x\"; --` = 1".parse().unwrap(), &schema, Dialect::Sqlite).unwrap_err();
    assert_eq!(e.code(), ErrorCode::UnknownField);
    assert_eq!(
        Schema::from_json_str("{").unwrap_err().code(),
        ErrorCode::InvalidSchema
    );
    assert_eq!(
        Schema::from_json_str(r#"{"table": "t", "open": true}"#)
            .unwrap_err()
            .code(),
        ErrorCode::InvalidSchema
    );
}

#[test]
fn unsupported_operators_are_errors_not_wrong_sql() {
    let polygon = r#"loc geo_polygon {"exterior": {"points": [{"lat": 0, "lon": 0}, {"lat": 1, "lon": 0}, {"lat": 0, "lon": 1}]}}"#;
    for (f, dialects) in [
        (r#"d words "run""#, &[Dialect::Postgres, Dialect::MySql][..]),
        (r#"d phrase "a b""#, &[Dialect::Postgres, Dialect::MySql]),
        (
            r#"cluster_name phrase "a b""#,
            &[Dialect::Postgres, Dialect::MySql],
        ),
        (polygon, &[Dialect::Postgres, Dialect::MySql]),
        (
            r#"loc geo_radius {"center": {"lat": 0, "lon": 0}, "radius": 1e-101}"#,
            &[Dialect::Postgres],
        ),
        ("x = [1, 2]", &Dialect::ALL),
    ] {
        for d in Dialect::ALL {
            let got = compile(&f.parse().unwrap(), &Schema::clusters(), d);
            if dialects.contains(&d) {
                assert_eq!(got.unwrap_err().code(), ErrorCode::Unsupported, "{d}: {f}");
            } else {
                assert!(got.is_ok(), "{d}: {f}");
            }
        }
    }
}

/// `phrase`, `words` and the geo operators on SQLite, including a
/// connection the caller opened and registered, and negation of a field
/// that is missing.
#[test]
fn sqlite_runs_the_evaluators_own_operators() {
    let records = [
        json!({"d": "Running dogs, ran!", "loc": {"lat": 1.5, "lon": 2.5}}),
        json!({"d": ["x", "the quick-brown fox"], "loc": [[2.5, 1.5], {"type": "Point", "coordinates": [170, 0]}]}),
        json!({"d": 5, "loc": "1.5, 2.5"}),
        json!({}),
    ];
    for (f, want) in [
        (r#"d words "runs dog""#, vec![0]),
        (r#"d phrase "DOGS ran""#, vec![0]),
        (r#"d phrase "quick brown""#, vec![1]),
        (r#"not d phrase "quick brown""#, vec![0, 2, 3]),
        (
            r#"loc geo_radius {"center": {"lat": 1.5, "lon": 2.5}, "radius": 0}"#,
            vec![0, 1],
        ),
        (
            r#"loc geo_bounding_box {"top_left": {"lat": 1, "lon": 160}, "bottom_right": {"lat": -1, "lon": -170}}"#,
            vec![1],
        ),
        (
            r#"not loc geo_bounding_box {"top_left": {"lat": 1, "lon": 160}, "bottom_right": {"lat": -1, "lon": -170}}"#,
            vec![0, 2, 3],
        ),
        (
            r#"loc geo_polygon {"exterior": {"points": [{"lat": 0, "lon": 0}, {"lat": 5, "lon": 0}, {"lat": 0, "lon": 5}]}}"#,
            vec![0, 1],
        ),
    ] {
        let f: Filter = f.parse().unwrap();
        let p = Predicate::new(&f).unwrap();
        let evaluated: Vec<usize> = (0..records.len())
            .filter(|&i| p.matches(&records[i]))
            .collect();
        assert_eq!(evaluated, want, "evaluator: {f}");
        let conn = sqlite_with(&records);
        let texts: Vec<String> = records.iter().map(Value::to_string).collect();
        let mut got = Vec::new();
        sqlite::query(
            &conn,
            &compile(&f, &doc_schema(), Dialect::Sqlite).unwrap(),
            |doc| {
                got.push(texts.iter().position(|t| t == doc).unwrap());
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(got, want, "SQLite: {f}");
    }
}

/// Runs `f` on SQLite over each record alone and compares with the expected
/// answer (used by the evaluator's row tests). Filters the SQL backend does
/// not compile are skipped here; `unsupported_operators_are_errors_not_wrong_sql`
/// covers that they fail cleanly.
#[track_caller]
pub fn check_sqlite(f: &Filter, cases: &[(Value, bool)]) {
    let compiled = match compile(f, &doc_schema(), Dialect::Sqlite) {
        Ok(c) => c,
        Err(e) if e.code() == ErrorCode::Unsupported => return,
        Err(e) => panic!("{f}: {e}"),
    };
    for (record, want) in cases {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        sqlite::register(&conn).unwrap();
        sqlite::Loader::new(&conn, &doc_schema())
            .unwrap()
            .load(&record.to_string())
            .unwrap();
        let mut n = 0;
        sqlite::query(&conn, &compiled, |_| {
            n += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(
            n == 1,
            *want,
            "SQLite: {f} on {record}\n{}",
            compiled.clone().build().0
        );
    }
}

fn doc_schema() -> Schema {
    Schema::from_json_str(r#"{"table": "t", "document": "doc", "open": true}"#).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// SQLite returns exactly the rows the evaluator matches.
    #[test]
    fn sqlite_agrees_with_the_evaluator(f in gen::sql_filter(Dialect::Sqlite), records in prop::collection::vec(gen::vocab_record(), 10..30)) {
        let compiled = compile(&f, &doc_schema(), Dialect::Sqlite)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let conn = sqlite_with(&records);
        let texts: Vec<String> = records.iter().map(Value::to_string).collect();
        let mut got = Vec::new();
        sqlite::query(&conn, &compiled, |doc| {
            got.push(doc.to_owned());
            Ok(())
        })
        .unwrap();
        let p = Predicate::new(&f).unwrap();
        let want: Vec<String> = texts.iter().zip(&records).filter(|(_, r)| p.matches(*r)).map(|(t, _)| t.clone()).collect();
        prop_assert_eq!(got, want, "filter {}", f.to_string());
    }
}

#[test]
fn default_schema_rejects_records_that_do_not_fit() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    sqlite::register(&conn).unwrap();
    let mut loader = sqlite::Loader::new(&conn, &Schema::clusters()).unwrap();
    loader
        .load(r#"{"cluster_id": "a", "status": "ok"}"#)
        .unwrap();
    let e = loader
        .load(r#"{"cluster_id": "b", "status": 5}"#)
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidRecord);
    let e = loader
        .load(r#"{"cluster_id": "c", "created_at": "yesterday"}"#)
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidRecord);
    assert_eq!(
        loader.load(r#"{"status": "ok"}"#).unwrap_err().code(),
        ErrorCode::InvalidRecord
    );
    // Upsert by cluster_id.
    loader
        .load(r#"{"cluster_id": "a", "status": "done"}"#)
        .unwrap();
    drop(loader);
    let c = compile(
        &"cluster_id = \"a\"".parse().unwrap(),
        &Schema::clusters(),
        Dialect::Sqlite,
    )
    .unwrap();
    let mut rows = Vec::new();
    sqlite::query(&conn, &c, |d| {
        rows.push(d.to_owned());
        Ok(())
    })
    .unwrap();
    assert_eq!(rows, [r#"{"cluster_id": "a", "status": "done"}"#]);
    let _ = json!(null);
}

#[cfg(feature = "postgres")]
/// The PostgreSQL server of `SIFTQL_TEST_POSTGRES_URL`, or `None` (and a
/// note on stderr) when it is unset. A set URL that does not connect fails.
fn postgres() -> Option<siftql::sql::postgres::Client> {
    let Ok(url) = std::env::var("SIFTQL_TEST_POSTGRES_URL") else {
        eprintln!("SIFTQL_TEST_POSTGRES_URL is unset: PostgreSQL tests skipped");
        return None;
    };
    Some(siftql::sql::postgres::connect(&url).unwrap_or_else(|e| panic!("{url}: {e}")))
}

/// A table name of this test run's own, so parallel runs do not collide.
pub fn own_table(prefix: &str) -> String {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{prefix}_{}_{nanos}_{n}", std::process::id())
}

#[cfg(any(feature = "postgres", feature = "mysql"))]
/// Runs 2,000 generated cases of filters × records through `run` (which
/// loads the records into the table and returns the documents the compiled
/// filter selects) and requires the evaluator's answer.
fn differential(
    dialect: Dialect,
    schema: &Schema,
    run: impl FnMut(&siftql::sql::Compiled, &[String]) -> Result<Vec<String>, siftql::Error>,
) {
    differential_over(
        dialect,
        schema,
        (
            gen::sql_filter(dialect),
            prop::collection::vec(gen::vocab_record(), 10..30),
        ),
        run,
    );
}

/// [`differential`] over the typed schema's records and filters.
fn typed_differential(
    dialect: Dialect,
    schema: &Schema,
    run: impl FnMut(&siftql::sql::Compiled, &[String]) -> Result<Vec<String>, siftql::Error>,
) {
    differential_over(
        dialect,
        schema,
        (
            gen::typed_filter(dialect),
            prop::collection::vec(gen::typed_record(), 10..30),
        ),
        run,
    );
}

fn differential_over(
    dialect: Dialect,
    schema: &Schema,
    strategy: impl Strategy<Value = (Filter, Vec<Value>)>,
    run: impl FnMut(&siftql::sql::Compiled, &[String]) -> Result<Vec<String>, siftql::Error>,
) {
    differential_with(dialect, schema, strategy, compile, run);
}

/// [`differential_over`], compiling with `compile`.
fn differential_with(
    dialect: Dialect,
    schema: &Schema,
    strategy: impl Strategy<Value = (Filter, Vec<Value>)>,
    compile: fn(&Filter, &Schema, Dialect) -> Result<siftql::sql::Compiled, siftql::Error>,
    mut run: impl FnMut(&siftql::sql::Compiled, &[String]) -> Result<Vec<String>, siftql::Error>,
) {
    use proptest::test_runner::{Config, TestRunner};
    let mut runner = TestRunner::new(Config {
        cases: 2000,
        ..Config::default()
    });
    let run = std::cell::RefCell::new(&mut run);
    let result = runner.run(&strategy, |(f, records)| {
        let compiled =
            compile(&f, schema, dialect).map_err(|e| TestCaseError::fail(format!("{f}: {e}")))?;

        let texts: Vec<String> = records.iter().map(Value::to_string).collect();
        let got = (run.borrow_mut())(&compiled, &texts).map_err(|e| {
            TestCaseError::fail(format!("{f}: {e}\n{}", compiled.clone().build().0))
        })?;
        let p = Predicate::new(&f).unwrap();
        let want: Vec<String> = texts
            .iter()
            .zip(&records)
            .filter(|(_, r)| p.matches(*r))
            .map(|(t, _)| t.clone())
            .collect();
        prop_assert_eq!(got, want, "{}: filter {}", dialect, f.to_string());
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Filters of every operator and kind of value, compiled with
/// `compile_rechecked`, return exactly the evaluator's rows on `db` through
/// [`Driver::documents`]; and where there is a residual, the SQL alone
/// returns every one of those rows (a superset, under `NOT` too).
fn rechecked_agrees(db: &mut dyn Driver, schema: &Schema) {
    let rechecked = std::cell::Cell::new(0);
    differential_with(
        db.dialect(),
        schema,
        (
            gen::any_filter(),
            prop::collection::vec(gen::vocab_record(), 10..30),
        ),
        |f, schema, d| siftql::sql::compile_rechecked(f, schema, d, &Default::default()),
        |c, texts| {
            let got = run_rolled_back(db, schema, c, texts)?;
            if let Some(p) = c.residual() {
                rechecked.set(rechecked.get() + 1);
                let sql_only = rows_rolled_back(db, schema, c, texts)?;
                for t in texts {
                    let r = siftql::eval::RawRecord::parse(t).unwrap();
                    assert!(
                        !p.matches(&r) || sql_only.contains(t),
                        "{}: the SQL lost {t}\n{}",
                        db.dialect(),
                        c.clone().build().0
                    );
                }
            }
            Ok(got)
        },
    );
    eprintln!("{}: {} filters rechecked", db.dialect(), rechecked.get());
    assert!(rechecked.get() > 0 || db.dialect() == Dialect::Sqlite);
}

/// The documents of the compiled `SELECT` alone (no recheck), with `texts`
/// loaded, rolled back after.
fn rows_rolled_back(
    db: &mut dyn Driver,
    schema: &Schema,
    compiled: &siftql::sql::Compiled,
    texts: &[String],
) -> Result<Vec<String>, siftql::Error> {
    let rows = rolled_back(db, schema, texts, |db| db.rows(&compiled.select()))?;
    Ok(rows
        .into_iter()
        .filter_map(|mut r| match r.pop() {
            Some(siftql::sql::load::Cell::Text(doc)) => Some(doc),
            _ => None,
        })
        .collect())
}

#[test]
fn sqlite_rechecks_what_it_cannot_say() {
    let mut conn = sqlite::open(":memory:").unwrap();
    let schema =
        Schema::from_json_str(r#"{"table": "t", "document": "doc", "open": true}"#).unwrap();
    conn.create_table(&schema).unwrap();
    rechecked_agrees(&mut conn, &schema);
}

#[cfg(feature = "postgres")]
#[cfg_attr(not(siftql_postgres), ignore = "SIFTQL_TEST_POSTGRES_URL is unset")]
#[test]
fn postgres_rechecks_what_it_cannot_say() {
    with_table(pg(), own_schema("siftql_rc"), rechecked_agrees);
}

#[cfg(feature = "mysql")]
#[cfg_attr(not(siftql_mysql), ignore = "SIFTQL_TEST_MYSQL_URL is unset")]
#[test]
fn mysql_rechecks_what_it_cannot_say() {
    with_table(my(), own_schema("siftql_rc"), rechecked_agrees);
}

#[cfg(any(feature = "postgres", feature = "mysql"))]
fn own_schema(prefix: &str) -> Schema {
    Schema::from_json_str(&format!(
        r#"{{"table": "{}", "document": "doc", "open": true}}"#,
        own_table(prefix)
    ))
    .unwrap()
}

#[cfg(feature = "mysql")]
/// The MySQL/MariaDB server of `SIFTQL_TEST_MYSQL_URL`, or `None` (and a
/// note on stderr) when it is unset. A set URL that does not connect fails.
fn mysql() -> Option<siftql::sql::mysql::Conn> {
    let Ok(url) = std::env::var("SIFTQL_TEST_MYSQL_URL") else {
        eprintln!("SIFTQL_TEST_MYSQL_URL is unset: MySQL/MariaDB tests skipped");
        return None;
    };
    Some(siftql::sql::mysql::connect(&url).unwrap_or_else(|e| panic!("{url}: {e}")))
}

#[cfg(feature = "mysql")]
/// MySQL takes JSON paths only as literals; hostile key names must still
/// mean exactly that key (sea-query escapes the literal).
#[cfg_attr(not(siftql_mysql), ignore = "SIFTQL_TEST_MYSQL_URL is unset")]
#[test]
fn mysql_json_paths_with_hostile_names() {
    use siftql::sql::mysql;
    let Some(mut conn) = self::mysql() else {
        return;
    };
    let schema = own_schema("siftql_h");
    mysql::create_table(&mut conn, &schema).unwrap();
    let names = [
        "a'b",
        "a\"b",
        "a`b",
        "'; DROP TABLE x; --",
        "$",
        "a*b",
        "é",
        "a[*]",
        "a\"\"b",
    ];
    let records: Vec<String> = names
        .iter()
        .map(|n| json!({ *n: "v" }).to_string())
        .collect();
    {
        let mut loader = mysql::Loader::new(&mut conn, &schema).unwrap();
        for r in &records {
            loader.load(r).unwrap();
        }
    }
    for (i, n) in names.iter().enumerate() {
        let f = format!("`{}` = \"v\"", n.replace('`', "``"));
        let c = compile(&f.parse().unwrap(), &schema, Dialect::MySql).unwrap();
        let mut got = Vec::new();
        mysql::query(&mut conn, &c, |d| {
            got.push(d.to_owned());
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{f}: {e}"));
        assert_eq!(got, [records[i].clone()], "{f}");
    }
    // A backslash in a key has no MySQL path spelling: a clear error.
    let e = compile(&"`a\\b` = 1".parse().unwrap(), &schema, Dialect::MySql).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Unsupported);
    use siftql::sql::mysql::Queryable;
    conn.query_drop(format!("DROP TABLE `{}`", schema.table))
        .unwrap();
}

/// The capability table of docs/sql.md is `capability` itself, row by row.
#[test]
fn capability_table_matches_the_code() {
    let readme = include_str!("../../docs/sql.md");
    let table = readme
        .split("| operator | postgres | mysql | sqlite |")
        .nth(1)
        .expect("the table");
    let mut rows = 0;
    for line in table.lines().skip(2).take_while(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line
            .split('|')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        let op: siftql::Operator = cells[0].parse().unwrap();
        for (d, cell) in [Dialect::Postgres, Dialect::MySql, Dialect::Sqlite]
            .into_iter()
            .zip(&cells[1..])
        {
            let exact = siftql::sql::capability(d, op).is_ok();
            assert!(
                cell.starts_with("exact SQL") || *cell == "SQL + recheck",
                "{op} on {d}: {cell}"
            );
            assert_eq!(
                cell.starts_with("exact SQL"),
                exact,
                "{op} on {d}: docs/sql.md says {cell}"
            );
        }
        rows += 1;
    }
    assert_eq!(rows, siftql::Operator::ALL.len());
}

fn typed_schema(prefix: &str) -> Schema {
    Schema::from_json_str(&gen::TYPED_SCHEMA.replace("TABLE", &own_table(prefix))).unwrap()
}

#[test]
fn typed_columns_agree_with_the_evaluator_on_sqlite() {
    let schema = typed_schema("t");
    typed_differential(Dialect::Sqlite, &schema, |compiled, texts| {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        sqlite::register(&conn).unwrap();
        let mut loader = sqlite::Loader::new(&conn, &schema)?;
        for t in texts {
            loader.load(t)?;
        }
        drop(loader);
        let mut got = Vec::new();
        sqlite::query(&conn, compiled, |doc| {
            got.push(doc.to_owned());
            Ok(())
        })?;
        Ok(got)
    });
}

/// Found by `typed_columns_agree_with_the_evaluator_on_sqlite`: text that is
/// a date against an RFC 3339 literal compares as instants.
#[test]
fn regression_text_column_date_against_an_instant() {
    let schema = typed_schema("t");
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    sqlite::register(&conn).unwrap();
    sqlite::Loader::new(&conn, &schema)
        .unwrap()
        .load(r#"{"s":"2024-01-01"}"#)
        .unwrap();
    let f: Filter = r#"s > "2024-01-01T00:30:00+01:00""#.parse().unwrap();
    assert!(Predicate::new(&f)
        .unwrap()
        .matches(&json!({"s": "2024-01-01"})));
    let c = compile(&f, &schema, Dialect::Sqlite).unwrap();
    let mut n = 0;
    sqlite::query(&conn, &c, |_| {
        n += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(n, 1);
    for d in [Dialect::Postgres, Dialect::MySql] {
        assert_eq!(
            compile(&f, &schema, d).unwrap_err().code(),
            ErrorCode::Unsupported
        );
    }
}

#[cfg(any(feature = "postgres", feature = "mysql"))]
/// Loads `texts` into `schema`'s table through `db` and runs `compiled`,
/// all inside a transaction that is rolled back.
fn run_rolled_back(
    db: &mut dyn Driver,
    schema: &Schema,
    compiled: &siftql::sql::Compiled,
    texts: &[String],
) -> Result<Vec<String>, siftql::Error> {
    let mut got = Vec::new();
    rolled_back(db, schema, texts, |db| {
        db.documents(compiled, &mut |doc| {
            got.push(doc.to_owned());
            Ok(())
        })
    })?;
    Ok(got)
}

/// `run` with `texts` loaded in a transaction that is rolled back after.
fn rolled_back<T>(
    db: &mut dyn Driver,
    schema: &Schema,
    texts: &[String],
    run: impl FnOnce(&mut dyn Driver) -> Result<T, siftql::Error>,
) -> Result<T, siftql::Error> {
    db.begin()?;
    let result = texts
        .iter()
        .map(|t| siftql::sql::load::row(schema, t))
        .collect::<Result<Vec<_>, _>>()
        .and_then(|rows| db.upsert(schema, rows))
        .and_then(|()| run(&mut *db));
    db.rollback()?;
    result
}

#[cfg(any(feature = "postgres", feature = "mysql"))]
/// Runs `test` with a table of this run's own, then drops it; nothing
/// when the database's URL is unset.
pub(crate) fn with_table(
    db: Option<Box<dyn Driver>>,
    schema: Schema,
    test: impl FnOnce(&mut dyn Driver, &Schema),
) {
    let Some(mut db) = db else { return };
    db.create_table(&schema).unwrap();
    test(db.as_mut(), &schema);
    let table = db.dialect().quote(&schema.table);
    db.execute(&format!("DROP TABLE {table}")).unwrap();
}

#[cfg(feature = "postgres")]
pub fn pg() -> Option<Box<dyn Driver>> {
    postgres().map(|c| Box::new(c) as Box<dyn Driver>)
}

#[cfg(feature = "mysql")]
pub fn my() -> Option<Box<dyn Driver>> {
    mysql().map(|c| Box::new(c) as Box<dyn Driver>)
}

#[cfg(feature = "postgres")]
#[cfg_attr(not(siftql_postgres), ignore = "SIFTQL_TEST_POSTGRES_URL is unset")]
#[test]
fn postgres_agrees_with_the_evaluator() {
    with_table(pg(), own_schema("siftql_t"), |db, schema| {
        differential(db.dialect(), schema, |c, t| {
            run_rolled_back(db, schema, c, t)
        });
    });
}

#[cfg(feature = "mysql")]
#[cfg_attr(not(siftql_mysql), ignore = "SIFTQL_TEST_MYSQL_URL is unset")]
#[test]
fn mysql_agrees_with_the_evaluator() {
    with_table(my(), own_schema("siftql_t"), |db, schema| {
        differential(db.dialect(), schema, |c, t| {
            run_rolled_back(db, schema, c, t)
        });
    });
}

#[cfg(feature = "postgres")]
#[cfg_attr(not(siftql_postgres), ignore = "SIFTQL_TEST_POSTGRES_URL is unset")]
#[test]
fn typed_columns_agree_with_the_evaluator_on_postgres() {
    with_table(pg(), typed_schema("siftql_ty"), |db, schema| {
        typed_differential(db.dialect(), schema, |c, t| {
            run_rolled_back(db, schema, c, t)
        });
    });
}

#[cfg(feature = "mysql")]
#[cfg_attr(not(siftql_mysql), ignore = "SIFTQL_TEST_MYSQL_URL is unset")]
#[test]
fn typed_columns_agree_with_the_evaluator_on_mysql() {
    with_table(my(), typed_schema("siftql_ty"), |db, schema| {
        typed_differential(db.dialect(), schema, |c, t| {
            run_rolled_back(db, schema, c, t)
        });
    });
}

/// An in-memory SQLite database, siftql's functions registered, holding
/// `records` under the document schema.
fn sqlite_with(records: &[Value]) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    sqlite::register(&conn).unwrap();
    let mut loader = sqlite::Loader::new(&conn, &doc_schema()).unwrap();
    for r in records {
        loader.load(&r.to_string()).unwrap();
    }
    drop(loader);
    conn
}

/// Filters at siftql's documented limits (a 10,000-item `in`, 10,000 OR'd
/// or AND'd conditions), on typed columns and inside JSON: every database
/// runs them with the evaluator's answer, or refuses them with E0402 —
/// never a database error. (SQLite used to fail from about 1,000 OR'd
/// conditions, past its expression depth limit.)
fn limits_on(db: &mut dyn siftql::sql::driver::Driver, schema: &Schema) {
    use siftql::sql::driver::BatchLoader;
    let records: Vec<String> = (0..40)
        .map(|i| {
            json!({"cluster_id": format!("c{i}"), "cluster_name": format!("n{}", i * 250),
                   "num_clusters": i * 250, "metadata": {"team": format!("t{}", i * 250)}})
            .to_string()
        })
        .collect();
    let mut load = BatchLoader::begin(db, schema).unwrap();
    for r in &records {
        load.push(r).unwrap();
    }
    load.finish().unwrap();
    let n = 10_000;
    const DISTINCT: usize = 2_500;
    let list = |prefix: &str| {
        serde_json::to_string(&(0..n).map(|i| format!("{prefix}{i}")).collect::<Vec<_>>()).unwrap()
    };
    // As many conditions as max_nodes = 10,000 leaves room for beside the
    // root group.
    let chain = |field: &str, prefix: &str, op: &str, join: &str| {
        (0..n - 1)
            .map(|i| format!("{field} {op} \"{prefix}{i}\""))
            .collect::<Vec<_>>()
            .join(join)
    };
    let many_lists = |k: usize| {
        [
            "cluster_name",
            "cluster_id",
            "description",
            "namespace_id",
            "status",
            "algorithm",
            "error",
        ][..k]
            .iter()
            .map(|f| format!("{f} in {}", list("v")))
            .collect::<Vec<_>>()
            .join(" or ")
    };
    let filters = [
        format!("cluster_name in {}", list("n")),
        format!("metadata.team in {}", list("t")),
        format!(
            "num_clusters in {}",
            serde_json::to_string(&(0..n).collect::<Vec<_>>()).unwrap()
        ),
        format!("cluster_name not in {}", list("n")),
        chain("cluster_name", "n", "=", " or "),
        chain("metadata.team", "t", "=", " or "),
        chain("cluster_name", "n", "!=", " and "),
        chain("metadata.team", "t", "!=", " and "),
        // Lists on distinct fields: 40,000 values are past SQLite's 32,766,
        // 70,000 past every dialect's limit.
        many_lists(4),
        many_lists(7),
        // Distinct fields: one walk of a JSON path each (2,500 is past every
        // dialect's cap, and quicker to run where there is none).
        (0..DISTINCT)
            .map(|i| format!("metadata.k{i} = \"x\""))
            .collect::<Vec<_>>()
            .join(" or "),
    ];
    let limits = siftql::Limits {
        max_input_bytes: 1 << 21,
        ..siftql::Limits::default()
    };
    let mut refused = Vec::new();
    for text in &filters {
        let f = Filter::parse_with(text, &limits).unwrap();
        let p = Predicate::new(&f).unwrap();
        let want: Vec<String> = records
            .iter()
            .filter(|r| p.matches(&serde_json::from_str::<Value>(r).unwrap()))
            .cloned()
            .collect();
        let compiled = match compile(&f, schema, db.dialect()) {
            Ok(c) => c,
            Err(e) => {
                assert_eq!(e.code(), ErrorCode::Unsupported, "{}: {}", db.dialect(), e);
                refused.push(e.message().to_owned());
                // Rechecked, it runs: every row a candidate.
                let c =
                    siftql::sql::compile_rechecked(&f, schema, db.dialect(), &Default::default())
                        .unwrap();
                assert!(c.residual().is_some());
                assert_eq!(
                    documents_of(db, &c).unwrap(),
                    want,
                    "{}: {}…",
                    db.dialect(),
                    &text[..60]
                );
                continue;
            }
        };
        let bound = siftql::sql::build(&compiled.select(), db.dialect())
            .1
             .0
            .len();
        assert!(
            bound <= db.dialect().max_params(),
            "{}: {bound} values",
            db.dialect()
        );
        let mut got = Vec::new();
        db.documents(&compiled, &mut |doc| {
            got.push(doc.to_owned());
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{}: {}…: {e}", db.dialect(), &text[..60]));
        assert_eq!(got, want, "{}: {}…", db.dialect(), &text[..60]);
    }
    // Refused: the lists past the dialect's bound values, and the
    // distinct-field filter where the dialect caps the walks of JSON paths.
    let d = db.dialect();
    let max = d.max_params() - siftql::sql::PARAMS_HEADROOM;
    // A list refused for its values binds more than the dialect takes
    // (PostgreSQL binds a text list as one array; SQLite and MySQL bind
    // every item, and refuse at least the seven lists).
    let params: Vec<&String> = refused.iter().filter(|m| m.contains("values;")).collect();
    for m in &params {
        assert!(
            m.contains(&format!("takes at most {max} in one statement")),
            "{m}"
        );
        let n: usize = m["the filter binds ".len()..]
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(n > max, "{m}");
    }
    if d.name() != "postgres" {
        assert!(!params.is_empty(), "{d}: {refused:?}");
    }
    let cap = d.max_json_walks();
    let walks: Vec<&String> = refused
        .iter()
        .filter(|m| m.contains("JSON paths"))
        .collect();
    assert_eq!(walks.len(), usize::from(cap < DISTINCT), "{d}: {refused:?}");
    for m in &walks {
        assert!(
            m.contains(&format!("at most {cap} in one statement")),
            "{m}"
        );
    }
    assert_eq!(
        refused.len(),
        params.len() + walks.len(),
        "{d}: {refused:?}"
    );
}

/// The tests `$sqlite`, `$postgres` and `$mysql` of `check`: on an SQLite
/// database in memory, and on a table of its own (named from `$prefix`,
/// dropped after) on each server whose URL is set.
macro_rules! on_every_database {
    ($check:ident, $prefix:literal, $sqlite:ident, $postgres:ident, $mysql:ident) => {
        #[test]
        fn $sqlite() {
            let mut conn = sqlite::open(":memory:").unwrap();
            $check(&mut conn, &Schema::clusters());
        }

        #[cfg(feature = "postgres")]
        #[cfg_attr(not(siftql_postgres), ignore = "SIFTQL_TEST_POSTGRES_URL is unset")]
        #[test]
        fn $postgres() {
            let schema = Schema {
                table: own_table($prefix),
                ..Schema::clusters()
            };
            with_table(pg(), schema, $check);
        }

        #[cfg(feature = "mysql")]
        #[cfg_attr(not(siftql_mysql), ignore = "SIFTQL_TEST_MYSQL_URL is unset")]
        #[test]
        fn $mysql() {
            let schema = Schema {
                table: own_table($prefix),
                ..Schema::clusters()
            };
            with_table(my(), schema, $check);
        }
    };
}

on_every_database!(
    limits_on,
    "siftql_lim",
    filters_at_the_limits_run_on_sqlite,
    filters_at_the_limits_run_on_postgres,
    filters_at_the_limits_run_on_mysql
);

/// Loads `records` (JSON text) into the schema's table.
pub(crate) fn load_all<S: AsRef<str>>(db: &mut dyn Driver, schema: &Schema, records: &[S]) {
    let mut load = BatchLoader::begin(db, schema).unwrap();
    for r in records {
        load.push(r.as_ref()).unwrap();
    }
    load.finish().unwrap();
}

/// The documents a compiled filter selects, in load order.
pub(crate) fn documents_of(
    db: &mut dyn Driver,
    compiled: &siftql::sql::Compiled,
) -> Result<Vec<String>, siftql::Error> {
    let mut got = Vec::new();
    db.documents(compiled, &mut |doc| {
        got.push(doc.to_owned());
        Ok(())
    })?;
    Ok(got)
}

/// Runs `filter` on the table holding `records` and requires the rows the
/// evaluator matches, in load order; returns how many that is.
fn agrees_with_the_evaluator(
    db: &mut dyn Driver,
    schema: &Schema,
    records: &[String],
    filter: &str,
) -> usize {
    agrees_unless_refused(db, schema, records, filter)
        .unwrap_or_else(|| panic!("{}: {filter}: refused (E0402)", db.dialect()))
}

/// [`agrees_with_the_evaluator`], or None where the dialect refuses the
/// filter (E0402); any other failure panics.
pub(crate) fn agrees_unless_refused(
    db: &mut dyn Driver,
    schema: &Schema,
    records: &[String],
    filter: &str,
) -> Option<usize> {
    let f: Filter = filter.parse().unwrap_or_else(|e| panic!("{filter}: {e}"));
    let compiled = match compile(&f, schema, db.dialect()) {
        Ok(c) => c,
        Err(e) if e.code() == ErrorCode::Unsupported => return None,
        Err(e) => panic!("{filter}: {e}"),
    };
    let got =
        documents_of(db, &compiled).unwrap_or_else(|e| panic!("{}: {filter}: {e}", db.dialect()));
    let p = Predicate::new(&f).unwrap();
    let want: Vec<String> = records
        .iter()
        .filter(|r| p.matches(&serde_json::from_str::<Value>(r).unwrap()))
        .cloned()
        .collect();
    assert_eq!(got, want, "{}: {filter}", db.dialect());
    Some(want.len())
}

/// The document column is `text`; a table whose document column is
/// `json` (as earlier versions made it) takes new and replaced records and
/// gives every record back byte for byte, and filters on fields outside the
/// schema read it.
#[cfg(feature = "postgres")]
#[cfg_attr(not(siftql_postgres), ignore = "SIFTQL_TEST_POSTGRES_URL is unset")]
#[test]
fn a_json_document_column_loads_and_reads_as_before_on_postgres() {
    let schema = Schema {
        table: own_table("siftql_jdoc"),
        ..Schema::clusters()
    };
    with_table(pg(), schema, |db, schema| {
        let first = [
            r#"{"cluster_id":"a","status":"done","extra":{"k":"x"}}"#,
            r#"{"cluster_id":"b",  "status" : "running" ,"extra":{"k":"y"}}"#,
        ];
        load_all(db, schema, &first);
        let table = db.dialect().quote(&schema.table);
        db.execute(&format!(
            "ALTER TABLE {table} ALTER COLUMN doc TYPE json USING doc::json"
        ))
        .unwrap();
        // `b` replaced (through the staging table), `c` new.
        let second = [
            r#"{"cluster_id":"b","status":"done",   "extra":{"k":"x"}}"#,
            r#"{"cluster_id":"c","status":"done","extra":{"k":"\u0078"}}"#,
        ];
        load_all(db, schema, &second);
        let all = [first[0], second[0], second[1]].map(str::to_owned);
        assert_eq!(
            agrees_with_the_evaluator(db, schema, &all, "cluster_id exists"),
            3
        );
        assert_eq!(
            agrees_with_the_evaluator(db, schema, &all, "extra.k = x"),
            3
        );
        assert_eq!(
            agrees_with_the_evaluator(db, schema, &all, "status = running"),
            0
        );
    });
}

/// Items a PostgreSQL array literal must quote: a text `in` list (bound
/// there as one `text[]`) matches exactly what the evaluator matches.
#[cfg(feature = "postgres")]
#[cfg_attr(not(siftql_postgres), ignore = "SIFTQL_TEST_POSTGRES_URL is unset")]
#[test]
fn text_lists_with_array_syntax_on_postgres() {
    let schema = Schema {
        table: own_table("siftql_arr"),
        ..Schema::clusters()
    };
    with_table(pg(), schema, |db, schema| {
        let names = [
            r#"a"b"#, r"c\d", "{x}", "e,f", " ", "NULL", "null", "", r#"\""#, "Ä",
        ];
        let records: Vec<String> = names
            .iter()
            .enumerate()
            .map(|(i, n)| json!({"cluster_id": format!("c{i}"), "cluster_name": n}).to_string())
            .collect();
        load_all(db, schema, &records);
        for filter in [
            format!("cluster_name in {}", serde_json::to_string(&names).unwrap()),
            format!(
                "case_sensitive(cluster_name in {})",
                serde_json::to_string(&[r#"a"b"#, r"c\d", "{x}", "NULL", "ä"]).unwrap()
            ),
            format!(
                "cluster_name not in {}",
                serde_json::to_string(&["e,f", " ", r#"\""#, "ä"]).unwrap()
            ),
        ] {
            let matched = agrees_with_the_evaluator(db, schema, &records, &filter);
            assert!(matched > 0, "{filter}");
        }
    });
}

/// A MySQL table made before siftql kept key columns beside its text
/// columns gets them from `create_table`, and its filters run.
#[cfg(feature = "mysql")]
#[cfg_attr(not(siftql_mysql), ignore = "SIFTQL_TEST_MYSQL_URL is unset")]
#[test]
fn mysql_tables_without_key_columns_get_them() {
    let schema = Schema {
        table: own_table("siftql_keys"),
        ..Schema::clusters()
    };
    with_table(my(), schema, |db, schema| {
        load_all(
            db,
            schema,
            &[r#"{"cluster_id": "c1", "cluster_name": "Alpha"}"#],
        );
        let table = db.dialect().quote(&schema.table);
        db.execute(&format!(
            "ALTER TABLE {table} DROP COLUMN `siftql_l_cluster_name`, DROP COLUMN `siftql_b_cluster_id`"
        ))
        .unwrap();
        let f: Filter = r#"cluster_name = "alpha" and case_sensitive(cluster_id = "c1")"#
            .parse()
            .unwrap();
        let compiled = compile(&f, schema, db.dialect()).unwrap();
        assert!(
            documents_of(db, &compiled).is_err(),
            "the dropped key columns are used"
        );
        db.create_table(schema).unwrap();
        assert_eq!(
            documents_of(db, &compiled).unwrap(),
            [r#"{"cluster_id": "c1", "cluster_name": "Alpha"}"#]
        );
    });
}

/// String equality at a JSON path against values of every other JSON type
/// that print like the literal (`5` and `"5"`, `true` and `"true"`, `null`),
/// arrays, nested values and missing keys, and strings whose JSON text has
/// escapes or letters outside ASCII, under `NOT` too, in a JSON column and
/// in the document: the rows the evaluator matches, on every database.
fn text_equality_against_other_types(db: &mut dyn Driver, schema: &Schema) {
    let teams = [
        json!(5),
        json!("5"),
        json!(true),
        json!("true"),
        json!(null),
        json!("null"),
        json!("ML"),
        json!(["ml", 5]),
        json!([["ml"]]),
        json!({"x": "ml"}),
        json!(""),
        json!("ÉCOLE"),
        json!(["x", "École"]),
        json!("a\"B\\c"),
        json!("\u{1}ML\n"),
        json!("[\"ml\"]"),
    ];
    let mut records: Vec<String> = teams
        .iter()
        .enumerate()
        .map(|(i, t)| {
            json!({"cluster_id": format!("c{i}"), "metadata": {"team": t}, "extra": {"team": t}})
                .to_string()
        })
        .collect();
    records.push(json!({"cluster_id": "m1", "metadata": {"other": 1}}).to_string());
    records.push(json!({"cluster_id": "m2"}).to_string());
    records.push(json!({"cluster_id": "m3", "metadata": [{"team": "5"}, {"team": 5}]}).to_string());
    records.push(json!({"cluster_id": "m4", "metadata": "5"}).to_string());
    records.push(
        json!({"cluster_id": "m5", "metadata": [[{"team": "ml"}]], "extra": [{"team": ["ML"]}]})
            .to_string(),
    );
    load_all(db, schema, &records);
    for lit in [
        "5",
        "true",
        "null",
        "ml",
        "",
        "{\"x\": \"ml\"}",
        "[\"ml\", 5]",
        "école",
        "ÉCOLE",
        "a\"b\\c",
        "\u{1}ml\n",
        "[\"ml\"]",
    ] {
        let quoted = serde_json::to_string(lit).unwrap();
        for field in ["metadata.team", "extra.team"] {
            for filter in each_way(&format!("{field} = {quoted}")) {
                let n = agrees_with_the_evaluator(db, schema, &records, &filter);
                if lit == "école" && filter.starts_with(field) {
                    // `ÉCOLE` and the array holding `École`.
                    assert_eq!(n, 2, "{filter}");
                }
            }
        }
    }
}

/// A record per value, holding it at `field` (`cluster_id` `r0`, `r1`, …),
/// and one without the field (`none`).
fn records_with(field: &str, values: &[Value]) -> Vec<String> {
    let mut records: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| json!({"cluster_id": format!("r{i}"), field: v}).to_string())
        .collect();
    records.push(json!({"cluster_id": "none"}).to_string());
    records
}

/// `condition` as is, negated, case-sensitive, and both.
fn each_way(condition: &str) -> [String; 4] {
    [
        condition.to_owned(),
        format!("not {condition}"),
        format!("case_sensitive({condition})"),
        format!("not case_sensitive({condition})"),
    ]
}

/// `contains` on a JSON column itself: a substring of a string, an element
/// of an array equal to the value, nothing for other types, nested arrays
/// or a missing column; under `NOT`, case-sensitively and for non-string
/// values too.
fn contains_on_the_column_itself(db: &mut dyn Driver, schema: &Schema) {
    let values = [
        json!("hotdogs"),
        json!("DOGS"),
        json!(["dogs"]),
        json!(["x", "Dogs"]),
        json!([["dogs"]]),
        json!(5),
        json!([5, "dogs"]),
        json!({"dogs": 1}),
        json!({"a": "dogs", "b": ["dogs"], "c": 5}),
        json!(null),
        json!(""),
        json!([]),
        json!(["hotdogs"]),
        json!([true, null]),
    ];
    let records = records_with("input_collections", &values);
    load_all(db, schema, &records);
    for value in ["\"dogs\"", "\"\"", "5", "true", "null"] {
        for filter in each_way(&format!("input_collections contains {value}")) {
            let n = agrees_with_the_evaluator(db, schema, &records, &filter);
            if filter == "input_collections contains \"dogs\"" {
                // r0 and r1 (substrings), r2, r3 and r6 (elements).
                assert_eq!(n, 5, "{filter}");
            }
        }
    }
}

on_every_database!(
    contains_on_the_column_itself,
    "siftql_jci",
    json_contains_on_the_column_itself_on_sqlite,
    json_contains_on_the_column_itself_on_postgres,
    json_contains_on_the_column_itself_on_mysql
);

/// String equality at a path of two keys, where the first may be missing,
/// an object without the second, a scalar, or an array of objects (which
/// the walk crosses), and at keys that a dialect's path syntax must quote
/// (`"`, `.`-free punctuation, spaces): the rows the evaluator matches,
/// under `NOT` and case-sensitively too.
fn text_equality_at_deeper_paths(db: &mut dyn Driver, schema: &Schema) {
    let values = [
        json!({"a": {"b": "ML"}}),
        json!({"a": {"b": ["x", "ml"]}}),
        json!({"a": {"b": 7}}),
        json!({"a": {"b": null}}),
        json!({"a": {"c": "ml"}}),
        json!({"a": "ml"}),
        json!({"a": [{"b": "ml"}, {"b": 1}]}),
        json!({"a": [[{"b": "ML"}]]}),
        json!({"b": "ml"}),
        json!({"t\"m": "ml", "sp ace": "ML", "it's": "ml"}),
        json!([{"a": {"b": "ml"}}]),
        json!(null),
    ];
    let records = records_with("metadata", &values);
    load_all(db, schema, &records);
    for field in [
        "metadata.a.b",
        "metadata.`t\"m`",
        "metadata.`sp ace`",
        "metadata.`it's`",
    ] {
        for lit in ["ml", "ML"] {
            for filter in each_way(&format!("{field} = \"{lit}\"")) {
                let n = agrees_with_the_evaluator(db, schema, &records, &filter);
                if filter == "metadata.a.b = \"ml\"" {
                    // r0, r1, r6 and r10: an array of objects is crossed,
                    // at the root too; an array inside an array (r7) is not.
                    assert_eq!(n, 4, "{filter}");
                }
            }
        }
    }
}

on_every_database!(
    text_equality_at_deeper_paths,
    "siftql_jdp",
    json_text_equality_at_deeper_paths_on_sqlite,
    json_text_equality_at_deeper_paths_on_postgres,
    json_text_equality_at_deeper_paths_on_mysql
);

on_every_database!(
    text_equality_against_other_types,
    "siftql_jtx",
    json_text_equality_against_other_types_on_sqlite,
    json_text_equality_against_other_types_on_postgres,
    json_text_equality_against_other_types_on_mysql
);

on_every_database!(
    nul_text,
    "siftql_nul",
    u0000_on_sqlite,
    u0000_on_postgres,
    u0000_on_mysql
);

/// U+0000 in values, field names and records. PostgreSQL's text holds none:
/// a record with one is refused at load, naming the field, and a filter
/// with one is rechecked (never a database error); elsewhere it is text
/// like any other. Every database then agrees with the evaluator.
fn nul_text(db: &mut dyn Driver, schema: &Schema) {
    let pg = db.dialect() == Dialect::Postgres;
    let plain = [
        json!({"cluster_id": "p1", "s": "ab", "m": {"k": 1}}),
        json!({"cluster_id": "p2", "s": "a", "tags": ["x"]}),
    ];
    let with_nul = [
        (json!({"cluster_id": "n1", "s": "a\u{0}b"}), "s"),
        (
            json!({"cluster_id": "n2", "m": {"k\u{0}": 1}}),
            "m.k\\u0000",
        ),
        (
            json!({"cluster_id": "n3", "tags": ["x", "\u{0}"]}),
            "tags.1",
        ),
    ];
    let mut records: Vec<String> = plain.iter().map(Value::to_string).collect();
    for (r, field) in &with_nul {
        let text = r.to_string();
        match siftql::sql::load::storable(db.dialect(), &text) {
            Ok(()) => {
                assert!(!pg, "{text}");
                records.push(text);
            }
            Err(e) => {
                assert!(pg, "{text}: {e}");
                assert_eq!(e.code(), ErrorCode::InvalidRecord);
                assert!(e.message().contains(&format!("`{field}`")), "{e}");
            }
        }
    }
    // The loader checks it too.
    if pg {
        let mut load = BatchLoader::begin(db, schema).unwrap();
        let e = load.push(&with_nul[0].0.to_string()).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidRecord);
    }
    load_all(db, schema, &records);
    let filters = [
        json!({"field": "s", "operator": "eq", "value": "a\u{0}b"}),
        json!({"field": "s", "operator": "ne", "value": "a\u{0}b"}),
        json!({"field": "s", "operator": "starts_with", "value": "a\u{0}"}),
        json!({"field": "s", "operator": "contains", "value": "\u{0}"}),
        json!({"field": "s", "operator": "in", "value": ["ab", "a\u{0}b"]}),
        json!({"field": "tags", "operator": "contains", "value": "\u{0}"}),
        json!({"field": "cluster_name", "operator": "eq", "value": "\u{0}"}),
        json!({"field": "m.k\u{0}", "operator": "exists", "value": true}),
        json!({"field": "m.k\u{0}", "operator": "exists", "value": false}),
    ];
    for c in filters {
        for f in [json!({"AND": [c]}), json!({"NOT": [c]})] {
            let filter = Filter::from_json_str(&f.to_string()).unwrap();
            let compiled =
                siftql::sql::compile_rechecked(&filter, schema, db.dialect(), &Default::default())
                    .unwrap();
            // (MySQL rechecks a key with a control character too; SQLite a
            // value with U+0000.)
            let nul_value = c["value"].to_string().contains("\\u0000");
            if pg || (db.dialect() == Dialect::Sqlite && nul_value) {
                assert!(compiled.residual().is_some(), "{f}");
            }
            let got = documents_of(db, &compiled).unwrap_or_else(|e| panic!("{f}: {e}"));
            let p = Predicate::new(&filter).unwrap();
            let want: Vec<&String> = records
                .iter()
                .filter(|t| p.matches(&siftql::eval::RawRecord::parse(t).unwrap()))
                .collect();
            assert_eq!(
                got.iter().collect::<Vec<_>>(),
                want,
                "{}: {f}",
                db.dialect()
            );
            if pg {
                let e = compile(&filter, schema, db.dialect()).unwrap_err();
                assert_eq!(e.code(), ErrorCode::Unsupported, "{f}");
            }
        }
    }
}

on_every_database!(
    instants_over_rfc3339,
    "siftql_inst",
    instants_over_the_whole_range_on_sqlite,
    instants_over_the_whole_range_on_postgres,
    instants_over_the_whole_range_on_mysql
);

/// Date-times over the whole of RFC 3339 in a `timestamp` column: years
/// 0000 and 9999, offsets up to ±23:59 (past what the databases' date
/// types take), leap seconds, fractions past nanoseconds and instants a
/// nanosecond apart. Every range on them, with each of them as the literal,
/// selects what the evaluator selects, and the order by them is the
/// evaluator's.
fn instants_over_rfc3339(db: &mut dyn Driver, schema: &Schema) {
    let stamps = [
        "0000-01-01T00:00:00Z",
        "0000-01-01T00:00:00+23:59",
        "0000-01-01T00:00:00-23:59",
        "0000-02-29",
        "0000-03-01T00:00:00.000000001Z",
        "0001-01-01",
        "1677-09-21T00:12:43.145224191Z",
        "1969-12-31T23:59:59.999999999Z",
        "1970-01-01",
        "2016-12-31T23:59:60Z",
        "2016-12-31T22:59:60.5-01:00",
        "2024-02-29t12:00:00z",
        "2024-02-29T12:00:00.1234567891+14:01",
        "2024-02-29T12:00:00.123456789+14:01",
        "2024-02-29T12:00:00.12345679+14:01",
        // Six digits or fewer: PostgreSQL's `timestamptz` reads them; more:
        // the digits. Both ways must order together.
        "2024-02-29T12:00:00.123456+14:01",
        "2024-02-29T12:00:00.1234561+14:01",
        "1970-01-01T00:00:00.000001Z",
        "1970-01-01T00:00:00.0000009Z",
        "1970-01-01T00:00:00.000001-00:00",
        "1970-01-01T01:00:00+01:00",
        "1970-01-01T01:00:00.0000000+01:00",
        "0001-01-01T00:00:00+15:59",
        "0001-01-01T00:00:00+16:00",
        "2262-04-11T23:47:16.854775808Z",
        "9999-12-31T23:59:59.999999999Z",
        "9999-12-31T23:59:59.999999999-23:59",
        "9999-12-31",
    ];
    let records: Vec<String> = stamps
        .iter()
        .enumerate()
        .map(|(i, t)| json!({"cluster_id": format!("t{i:02}"), "created_at": t}).to_string())
        .chain([json!({"cluster_id": "none"}).to_string()])
        .collect();
    load_all(db, schema, &records);
    for t in &stamps {
        for op in [">", ">=", "<", "<="] {
            let n =
                agrees_with_the_evaluator(db, schema, &records, &format!("created_at {op} {t:?}"));
            assert!(n <= stamps.len());
        }
    }
    // The order, both ways, by instant then key, as the evaluator compares
    // them; and each row's position selects exactly the rows after it.
    let before = |a: &str, b: &str| {
        let p = Predicate::new(&format!("created_at < {b:?}").parse().unwrap()).unwrap();
        p.matches(&json!({ "created_at": a }))
    };
    for descending in [false, true] {
        let mut want: Vec<(usize, &str)> = stamps.iter().copied().enumerate().collect();
        want.sort_by(|(i, a), (j, b)| {
            let o = if before(a, b) {
                std::cmp::Ordering::Less
            } else if before(b, a) {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            };
            let o = if descending { o.reverse() } else { o };
            o.then(format!("t{i:02}").cmp(&format!("t{j:02}")))
        });
        let want: Vec<String> = want.iter().map(|(i, _)| format!("t{i:02}")).collect();
        let sort = siftql::sql::Sort::new(
            schema,
            vec![siftql::sql::SortKey {
                field: "created_at".into(),
                descending,
            }],
            "cluster_id",
        )
        .unwrap();
        let d = db.dialect();
        let ids = |db: &mut dyn Driver, cond: sea_query::Condition| -> Vec<String> {
            let mut q = sea_query::Query::select()
                .column(sea_query::Alias::new("cluster_id"))
                .from(sea_query::Alias::new(&schema.table))
                .cond_where(cond)
                .and_where(sea_query::ExprTrait::is_not_null(sea_query::Expr::col(
                    sea_query::Alias::new("created_at"),
                )))
                .to_owned();
            sort.order_by(&mut q, d);
            db.rows(&q)
                .unwrap()
                .into_iter()
                .map(|r| match &r[0] {
                    siftql::sql::load::Cell::Text(s) => s.clone(),
                    c => panic!("{c:?}"),
                })
                .collect()
        };
        assert_eq!(
            ids(db, sea_query::Condition::all()),
            want,
            "{d} desc={descending}"
        );
        for (k, id) in want.iter().enumerate() {
            let i: usize = id[1..].parse().unwrap();
            let after = sort
                .after(
                    d,
                    &[siftql::sql::load::Cell::Text(stamps[i].to_owned())],
                    id,
                )
                .unwrap();
            assert_eq!(ids(db, after), want[k + 1..], "{d}: after {id}");
        }
    }
}
