//! The `siftql` binary: outputs, stdin handling and exit statuses.

use std::io::Write;
use std::process::{Command, Output, Stdio};

mod serve;

fn siftql(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_siftql"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    // The command may exit (say, on a bad argument) before reading its
    // input; a broken pipe here is then expected.
    if let Err(e) = pipe.write_all(stdin.unwrap_or_default()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap()
}

const SEED_DSL: &str = "case_sensitive(name = \"John\" and age >= 30 and (status = \"active\" or role = \"admin\") and not department = \"HR\" and not location = \"remote\")\n";

#[test]
fn parse_writes_canonical_json() {
    let out = siftql(
        &["parse", r#"status = "active" and not department = "HR""#],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout),
        "{\"AND\":[{\"field\":\"status\",\"operator\":\"eq\",\"value\":\"active\"}],\"NOT\":[{\"field\":\"department\",\"operator\":\"eq\",\"value\":\"HR\"}]}\n"
    );
    assert!(out.stderr.is_empty());
}

#[test]
fn parse_pretty_indents() {
    let out = siftql(&["parse", "--pretty", "a = 1"], None);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout),
        "{\n  \"AND\": [\n    {\n      \"field\": \"a\",\n      \"operator\": \"eq\",\n      \"value\": 1\n    }\n  ]\n}\n"
    );
}

#[test]
fn fmt_reads_json_from_stdin() {
    let seed = include_bytes!("../../tests/fixtures/seed_filters.json");
    for args in [&["fmt", "-"][..], &["fmt"][..]] {
        let out = siftql(args, Some(seed));
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout), SEED_DSL);
    }
}

#[test]
fn fmt_normalises_dsl() {
    let out = siftql(&["fmt", "not a = 1 AND b == 'x' && c NOT IN [1,2]"], None);
    assert_eq!(
        text(&out.stdout),
        "b = \"x\" and c not in [1,2] and not a = 1\n"
    );
}

#[test]
fn check_says_ok() {
    let out = siftql(&["check", "a exists"], None);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "ok\n");
}

#[test]
fn bad_filter_exits_2_with_a_caret() {
    for cmd in ["parse", "fmt", "check"] {
        let out = siftql(&[cmd, "age >= and x = 1"], None);
        assert_eq!(out.status.code(), Some(2));
        assert!(out.stdout.is_empty());
        assert_eq!(
            text(&out.stderr),
            "error[E0103]: expected a value after `>=`\n  |\n1 | age >= and x = 1\n  |        ^^^ found keyword `and`; quote it (\"and\") if it is a string\n"
        );
    }
}

#[test]
fn bad_json_exits_2_with_the_pointer() {
    let out = siftql(
        &["check", "-"],
        Some(br#"{"AND": [{"field": "a", "operator": "startswith", "value": "x"}]}"#),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("error[E0104]: unknown operator `startswith`"),
        "{err}"
    );
    assert!(err.contains("/AND/0/operator"), "{err}");
    assert!(err.contains("did you mean `starts_with`?"), "{err}");
}

#[test]
fn invalid_utf8_on_stdin_exits_2() {
    let out = siftql(&["parse"], Some(b"name = \"caf\xe9\""));
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("error[E0001]: input is not UTF-8 (byte 11)"),
        "{err}"
    );
    assert!(err.contains('^'), "{err}");
}

#[test]
fn unreadable_input_exits_1() {
    let dir = std::fs::File::open("/").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_siftql"))
        .args(["parse", "-"])
        .stdin(Stdio::from(dir))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).starts_with("error: "));
}

#[test]
fn usage_errors_exit_2() {
    let out = siftql(&["frobnicate"], None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn deep_input_is_a_limit_error_not_a_crash() {
    let deep = "(".repeat(100_000);
    let out = siftql(&["check", "-"], Some(deep.as_bytes()));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("max_depth"));
}

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/clusters.jsonl");

fn lines(out: &Output) -> Vec<&str> {
    text(&out.stdout).lines().collect()
}

#[test]
fn filter_streams_the_bundled_data_and_keeps_lines_byte_for_byte() {
    let all = std::fs::read_to_string(DATA).unwrap();
    let out = siftql(
        &[
            "filter",
            r#"status = "completed" and num_clusters >= 40"#,
            DATA,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let got = lines(&out);
    // Independent check over the same file with serde_json.
    let want: Vec<&str> = all
        .lines()
        .filter(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["status"]
                .as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case("completed"))
                && v["num_clusters"].as_f64().is_some_and(|n| n >= 40.0)
        })
        .collect();
    assert!(!want.is_empty());
    assert_eq!(got, want);
}

#[test]
fn filter_count_and_stdin() {
    let data = std::fs::read(DATA).unwrap();
    let out = siftql(&["filter", "--count", "status is null"], Some(&data));
    assert_eq!(out.status.code(), Some(0));
    let all = std::str::from_utf8(&data).unwrap();
    let want = all
        .lines()
        .filter(|l| {
            serde_json::from_str::<serde_json::Value>(l)
                .unwrap()
                .get("status")
                .is_none_or(|s| s.is_null())
        })
        .count();
    assert_eq!(text(&out.stdout).trim(), want.to_string());
}

#[test]
fn filter_reads_arrays_and_responses() {
    let records = r#"[{"cluster_id": "a", "n": 1}, {"cluster_id": "b", "n": 2}]"#;
    let out = siftql(&["filter", "n >= 2"], Some(records.as_bytes()));
    assert_eq!(text(&out.stdout), "{\"cluster_id\":\"b\",\"n\":2}\n");
    let response = format!("{{\n  \"results\": {records},\n  \"pagination\": {{\"total\": 2}}\n}}");
    let out = siftql(&["filter", "n >= 1", "-"], Some(response.as_bytes()));
    assert_eq!(
        lines(&out),
        [
            "{\"cluster_id\":\"a\",\"n\":1}",
            "{\"cluster_id\":\"b\",\"n\":2}"
        ]
    );
    let one_line = format!(r#"{{"results": {records}, "total_count": 2}}"#);
    let out = siftql(&["filter", "--count", "n = 1"], Some(one_line.as_bytes()));
    assert_eq!(text(&out.stdout), "1\n");
}

#[test]
fn filter_bad_lines_name_their_number() {
    let input = b"{\"n\": 1}\n\n{\"n\": oops}\n{\"n\": 3}\n";
    let out = siftql(&["filter", "n > 0"], Some(input));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with("error: line 3: "),
        "{}",
        text(&out.stderr)
    );
    let out = siftql(&["filter", "--skip-invalid", "n > 0"], Some(input));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(lines(&out), ["{\"n\": 1}", "{\"n\": 3}"]);
    assert_eq!(text(&out.stderr), "skipped 1 invalid record(s)\n");
    let out = siftql(&["filter", "n > 0"], Some(b"[1]\n"));
    assert_eq!(out.status.code(), Some(2));
}

/// A key twice in a record, at the top or deeper, is refused with the
/// line: readers disagree on which value counts.
#[test]
fn records_with_a_key_twice_are_refused_with_their_line() {
    for (input, key) in [
        (
            &b"{\"foo\": \"b\"}\n{\"foo\": \"a\", \"foo\": \"b\"}\n"[..],
            "foo",
        ),
        (
            b"{\"m\": 1}\n{\"metadata\": {\"team\": \"x\", \"team\": \"y\"}}\n",
            "team",
        ),
        (
            b"{\"m\": 1}\n{\"a\": [1, {\"k\": 1, \"j\": 2, \"k\": 3}]}\n",
            "k",
        ),
    ] {
        let out = siftql(&["filter", "true"], Some(input));
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
        let err = text(&out.stderr);
        assert!(err.starts_with("error: line 2: "), "{err}");
        assert!(err.contains(&format!("duplicate key `{key}`")), "{err}");

        let path = std::env::temp_dir().join(format!("siftql-dup-{key}-{}.db", std::process::id()));
        let db = format!("sqlite:{}", path.display());
        let input = String::from_utf8_lossy(input).replace("{\"", "{\"cluster_id\": \"c\", \"");
        let out = siftql(&["load", "--db", &db, "-"], Some(input.as_bytes()));
        let _ = std::fs::remove_file(&path);
        assert_eq!(out.status.code(), Some(2));
        let err = text(&out.stderr);
        assert!(err.contains("line 2: duplicate key"), "{err}");
        assert!(err.contains(&format!("`{key}`")), "{err}");
    }
}

#[test]
fn filter_binds_dynamic_values() {
    let input = b"{\"q\": \"GPU box\"}\n{\"q\": \"cpu\"}\n";
    let out = siftql(
        &["filter", "q text $inputs.q", "--bind", "inputs.q=\"gpu\""],
        Some(input),
    );
    assert_eq!(lines(&out), ["{\"q\": \"GPU box\"}"]);
    let out = siftql(&["filter", "q text $inputs.q"], Some(input));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("E0306"));
    let out = siftql(&["filter", "q text $x", "--bind", "x=gpu"], Some(input));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn filter_missing_file_exits_1() {
    let out = siftql(&["filter", "a = 1", "/nonexistent/file.jsonl"], None);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn sql_prints_the_statement_then_the_values() {
    let out = siftql(
        &[
            "sql",
            "--dialect",
            "sqlite",
            r#"status = "Done" and num_clusters >= 5"#,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "SELECT \"doc\" FROM \"clusters\" WHERE (siftql_lower(\"status\") = ?) AND \"num_clusters\" >= ?\n[\"done\",5]\n"
    );
    let out = siftql(
        &[
            "sql",
            "--dialect",
            "postgres",
            "--inline",
            r#"status = "it's""#,
        ],
        None,
    );
    assert_eq!(
        text(&out.stdout),
        "SELECT \"doc\" FROM \"clusters\" WHERE (LOWER(\"status\") COLLATE \"C\") = E'it\\'s'\n[]\n"
    );
    let out = siftql(&["sql", "--dialect", "oracle", "a = 1"], None);
    assert_eq!(out.status.code(), Some(2));
    let out = siftql(&["sql", "--dialect", "mysql", r#"d words "x""#], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with("error[E0402]"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn sql_reads_a_schema_file() {
    let dir = std::env::temp_dir().join(format!("siftql-schema-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("schema.json");
    std::fs::write(&path, r#"{"table": "items", "columns": [{"field": "name", "column": "item_name", "type": "text"}]}"#)
        .unwrap();
    let p = path.to_str().unwrap();
    let out = siftql(
        &[
            "sql",
            "--dialect",
            "mysql",
            "--schema",
            p,
            "case_sensitive name = \"x\"",
        ],
        None,
    );
    assert_eq!(
        text(&out.stdout),
        "SELECT * FROM `items` WHERE `siftql_b_item_name` = CAST(? AS BINARY)\n[\"x\"]\n"
    );
    let out = siftql(
        &["sql", "--dialect", "mysql", "--schema", p, "nmae = 1"],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("did you mean `name`?"),
        "{}",
        text(&out.stderr)
    );
}

/// `load` then `query` returns what `filter` returns over the same file.
fn query_matches_filter(db: &str) {
    let out = siftql(&["load", "--db", db, DATA], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for f in [
        r#"status = "completed" and num_clusters >= 40"#,
        "metadata.team is not null and not llm_labeling.model_name starts with \"gpt\"",
        r#"input_collections contains "gpu" or cluster_name text "faces""#,
        "created_at >= \"2025-01-01T00:00:00Z\" and x not exists",
    ] {
        let q = siftql(&["query", "--db", db, f], None);
        assert_eq!(q.status.code(), Some(0), "{f}: {}", text(&q.stderr));
        let want = siftql(&["filter", f, DATA], None);
        assert!(!want.stdout.is_empty(), "{f}");
        assert_eq!(text(&q.stdout), text(&want.stdout), "{db}: {f}");
    }
}

#[test]
fn query_matches_filter_on_sqlite() {
    let path = std::env::temp_dir().join(format!("siftql-cli-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    query_matches_filter(&format!("sqlite:{}", path.display()));
    // Loading again upserts: the same records, once.
    let db = format!("sqlite:{}", path.display());
    assert_eq!(
        siftql(&["load", "--db", &db, DATA], None).status.code(),
        Some(0)
    );
    let all = siftql(&["query", "--db", &db, "true"], None);
    assert_eq!(lines(&all).len(), 3000);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn query_matches_filter_on_postgres_and_mariadb() {
    for var in ["SIFTQL_TEST_POSTGRES_URL", "SIFTQL_TEST_MYSQL_URL"] {
        match std::env::var(var) {
            Ok(url) => {
                query_matches_filter(&url);
            }
            Err(_) => eprintln!("{var} is unset: skipped"),
        }
    }
}

#[test]
fn load_rejects_bad_records_with_their_line() {
    let path = std::env::temp_dir().join(format!("siftql-bad-{}.db", std::process::id()));
    let db = format!("sqlite:{}", path.display());
    let out = siftql(
        &["load", "--db", &db, "-"],
        Some(b"{\"cluster_id\": \"a\"}\n{\"cluster_id\": \"b\", \"status\": 5}\n"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("line 2: field `status` must be a string"),
        "{}",
        text(&out.stderr)
    );
    let out = siftql(&["load", "--db", "oracle://x", "-"], Some(b""));
    assert_eq!(out.status.code(), Some(2));
    let _ = std::fs::remove_file(&path);
    // `sqlite:` names no file: SQLite would load into a temporary one.
    for db in ["sqlite:", "sqlite://"] {
        let out = siftql(
            &["load", "--db", db, "-"],
            Some(b"{\"cluster_id\": \"a\"}\n"),
        );
        assert_eq!(out.status.code(), Some(2), "{db}");
        let err = text(&out.stderr);
        assert!(err.contains("names no database file"), "{err}");
        assert!(!err.contains("loaded"), "{err}");
    }
}

/// `--progress` reports on stderr also without a terminal (at least one
/// line for a load of several batches, then the usual last line); without
/// it, and without a terminal, stderr holds only the last line.
#[test]
fn load_reports_progress_when_asked() {
    let records: String = (0..1_200)
        .map(|i| format!("{{\"cluster_id\": \"p{i}\", \"status\": \"ok\"}}\n"))
        .collect();
    for (args, progress) in [(&["--progress"][..], true), (&[][..], false)] {
        let path = std::env::temp_dir().join(format!(
            "siftql-progress-{}-{progress}.db",
            std::process::id()
        ));
        let _ = std::fs::remove_file(&path);
        let db = format!("sqlite:{}", path.display());
        let mut argv = vec!["load", "--db", &db];
        argv.extend(args);
        argv.push("-");
        let out = siftql(&argv, Some(records.as_bytes()));
        let _ = std::fs::remove_file(&path);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let stderr = text(&out.stderr);
        let reports = stderr
            .strip_suffix("loaded 1200 record(s) into clusters\n")
            .unwrap_or_else(|| panic!("{stderr:?}"));
        if progress {
            assert!(!reports.is_empty(), "{stderr:?}");
            for line in reports.lines() {
                assert!(
                    line.starts_with("loading: ") && line.ends_with(" records/s"),
                    "{stderr:?}"
                );
            }
            assert!(!reports.contains('\r'), "{stderr:?}");
            assert!(
                reports
                    .lines()
                    .last()
                    .unwrap()
                    .starts_with("loading: 1200 record(s), "),
                "{stderr:?}"
            );
        } else {
            assert_eq!(reports, "");
        }
    }
    let out = siftql(&["load", "--progress", "--no-progress", "-"], Some(b""));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn sql_reads_a_toml_schema_file() {
    let dir = std::env::temp_dir().join(format!("siftql-toml-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("schema.toml");
    std::fs::write(&path, "table = \"items\"\nopen = false\n\n[[columns]]\nfield = \"name\"\ncolumn = \"item_name\"\ntype = \"text\"\n").unwrap();
    let out = siftql(
        &[
            "sql",
            "--dialect",
            "sqlite",
            "--schema",
            path.to_str().unwrap(),
            "name = \"X\"",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "SELECT * FROM \"items\" WHERE siftql_lower(\"item_name\") = ?\n[\"x\"]\n"
    );
}

#[test]
fn json_indexes_name_json_columns() {
    let dir = std::env::temp_dir().join(format!("siftql-json-index-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite:{}", dir.join("j.db").display());
    // Not a JSON column: exit 2, the JSON columns listed, nothing loaded.
    let out = siftql(
        &["load", "--db", &db, "--json-index", "cluster_name", "-"],
        Some(b"{\"cluster_id\": \"c1\"}\n"),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("`cluster_name` is not a JSON column"), "{err}");
    assert!(
        err.contains("help: JSON columns: input_collections"),
        "{err}"
    );
    assert!(!err.contains("loaded"), "{err}");
    let out = siftql(&["index", "--db", &db, "--json", "nope"], None);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    // A JSON column: accepted.
    let out = siftql(
        &["load", "--db", &db, "--json-index", "metadata", "-"],
        Some(b"{\"cluster_id\": \"c1\"}\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `query … | head -1`: the reader leaves early; the command ends quietly
/// with status 0, as `filter` does.
#[test]
fn query_into_a_closed_pipe_exits_quietly() {
    use std::io::{BufRead, BufReader};
    let path = std::env::temp_dir().join(format!("siftql-pipe-{}.db", std::process::id()));
    let db = format!("sqlite:{}", path.display());
    // More than a pipe holds, so the command is still writing when the
    // reader leaves.
    let records: String = (0..4000)
        .map(|i| {
            format!(
                "{{\"cluster_id\": \"c{i}\", \"description\": \"{}\"}}\n",
                "x".repeat(100)
            )
        })
        .collect();
    let out = siftql(&["load", "--db", &db, "-"], Some(records.as_bytes()));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut child = Command::new(env!("CARGO_BIN_EXE_siftql"))
        .args(["query", "--db", &db, "true"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("\"c0\""), "{first}");
    let out = child.wait_with_output().unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    assert_eq!(text(&out.stderr), "");
    assert_eq!(out.status.code(), Some(0));
}

/// A database that cannot be reached or opened: the cause and the address
/// (never a bare "db error"), exit 1, the password not shown.
#[test]
fn database_failures_say_why() {
    for (url, shown, cause) in [
        (
            "postgres://postgres:secret@127.0.0.1:1/test",
            "postgres://postgres:***@127.0.0.1:1/test",
            "Connection refused",
        ),
        (
            "mysql://root:secret@127.0.0.1:1/test",
            "mysql://root:***@127.0.0.1:1/test",
            "Connection refused",
        ),
    ] {
        let out = siftql(&["query", "--db", url, "true"], None);
        assert_eq!(out.status.code(), Some(1), "{url}");
        let err = text(&out.stderr);
        assert!(err.contains(&format!("cannot connect to {shown}")), "{err}");
        assert!(err.contains(cause), "{err}");
        assert!(!err.contains("secret"), "{err}");
    }
    // A database the server does not have.
    for (var, cause) in [
        (
            "SIFTQL_TEST_POSTGRES_URL",
            "database \"siftql_no_such_db\" does not exist",
        ),
        (
            "SIFTQL_TEST_MYSQL_URL",
            "Unknown database 'siftql_no_such_db'",
        ),
    ] {
        let Ok(url) = std::env::var(var) else {
            eprintln!("{var} is unset: its unknown-database case skipped");
            continue;
        };
        let (base, _) = url.rsplit_once('/').unwrap();
        let out = siftql(
            &[
                "query",
                "--db",
                &format!("{base}/siftql_no_such_db"),
                "true",
            ],
            None,
        );
        assert_eq!(out.status.code(), Some(1));
        let err = text(&out.stderr);
        assert!(err.contains(cause), "{err}");
    }
}
