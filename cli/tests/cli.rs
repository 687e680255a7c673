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
    let input = b"{\"num_clusters\": 1}\n\n{\"num_clusters\": oops}\n{\"num_clusters\": 3}\n";
    let out = siftql(&["filter", "num_clusters > 0"], Some(input));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with("error: line 3, column 18: expected value\n"),
        "{}",
        text(&out.stderr)
    );
    let out = siftql(
        &["filter", "--skip-invalid", "num_clusters > 0"],
        Some(input),
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        lines(&out),
        ["{\"num_clusters\": 1}", "{\"num_clusters\": 3}"]
    );
    assert_eq!(text(&out.stderr), "skipped 1 invalid record(s)\n");
    let out = siftql(&["filter", "num_clusters > 0"], Some(b"[1]\n"));
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
        // The place once, as the user counts: the line, then the column.
        assert!(err.starts_with("error: line 2, column "), "{err}");
        assert!(err.contains(&format!(": duplicate key `{key}`\n")), "{err}");
        assert!(!err.contains("at line"), "{err}");

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
    let out = siftql(
        &["sql", "--dialect", "mysql", r#"cluster_name words "x""#],
        None,
    );
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
#[cfg_attr(not(siftql_postgres), ignore = "SIFTQL_TEST_POSTGRES_URL is unset")]
fn query_matches_filter_on_postgres() {
    query_matches_filter(&std::env::var("SIFTQL_TEST_POSTGRES_URL").unwrap());
}

#[test]
#[cfg_attr(not(siftql_mysql), ignore = "SIFTQL_TEST_MYSQL_URL is unset")]
fn query_matches_filter_on_mariadb() {
    query_matches_filter(&std::env::var("SIFTQL_TEST_MYSQL_URL").unwrap());
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
}

/// A database the server does not have: the server's own words.
fn unknown_database(var: &str, cause: &str) {
    let url = std::env::var(var).unwrap();
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

#[test]
#[cfg_attr(not(siftql_postgres), ignore = "SIFTQL_TEST_POSTGRES_URL is unset")]
fn an_unknown_database_on_postgres_says_why() {
    unknown_database(
        "SIFTQL_TEST_POSTGRES_URL",
        "database \"siftql_no_such_db\" does not exist",
    );
}

#[test]
#[cfg_attr(not(siftql_mysql), ignore = "SIFTQL_TEST_MYSQL_URL is unset")]
fn an_unknown_database_on_mariadb_says_why() {
    unknown_database(
        "SIFTQL_TEST_MYSQL_URL",
        "Unknown database 'siftql_no_such_db'",
    );
}

// ----- what a new user meets (issue: setup, teaching errors, `check`)

/// Runs `args`, returning the exit status and stderr, for snapshots.
fn status_and_stderr(args: &[&str]) -> String {
    let out = siftql(args, None);
    let shown: Vec<String> = args
        .iter()
        .map(|a| {
            if a.contains([' ', '"', '{', '<', '>', '$']) {
                format!("'{a}'")
            } else {
                (*a).to_owned()
            }
        })
        .collect();
    format!(
        "$ siftql {}\nexit {}\n{}",
        shown.join(" "),
        out.status.code().unwrap_or(-1),
        text(&out.stderr)
    )
}

/// The mistakes `check` catches, against the default cluster schema and a
/// closed schema file, as the user sees them.
#[test]
fn check_warns_like_a_compiler() {
    let closed = std::env::temp_dir().join(format!("siftql-closed-{}.json", std::process::id()));
    std::fs::write(
        &closed,
        r#"{"table": "items", "open": false, "columns": [
            {"field": "name", "column": "name", "type": "text"},
            {"field": "size", "column": "size", "type": "integer"}]}"#,
    )
    .unwrap();
    let closed = closed.to_str().unwrap();
    let mut out = String::new();
    for args in [
        &["check", "stauts = completed"][..],
        &["check", "num_clusters = \"abc\""],
        &["check", "status > 5"],
        &["check", "cluster_id exists false"],
        &["check", "num_clusters matches \"^1\""],
        &["check", "num_clusters > 5 and num_clusters < 3"],
        &[
            "check",
            r#"{"AND":[{"field":"num_clusters","operator":"gt","value":"5"}]}"#,
        ],
        &["check", "--schema", closed, "nmae = x"],
        &["check", "--schema", closed, "size = \"1\""],
        &["check", "--deny-warnings", "stauts = completed"],
    ] {
        out.push_str(&status_and_stderr(args).replace(closed, "CLOSED.json"));
        out.push('\n');
    }
    insta::assert_snapshot!(out);
    let _ = std::fs::remove_file(closed);
}

/// A filter without mistakes draws no warning, and `check` says `ok`.
#[test]
fn check_is_quiet_on_good_filters() {
    for f in [
        "status = completed and num_clusters >= 5",
        "num_clusters > 3 and num_clusters < 5",
        "num_clusters >= 5 and num_clusters <= 5",
        "num_clusters > 5 or num_clusters < 3",
        "metadata.team = ml and cluster_id exists true",
        "created_at > \"2025-01-01\"",
    ] {
        let out = siftql(&["check", "--deny-warnings", f], None);
        assert_eq!(out.status.code(), Some(0), "{f}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "ok\n");
        assert!(out.stderr.is_empty(), "{f}: {}", text(&out.stderr));
    }
}

/// `filter`, `sql` and `query` print the warnings and still run;
/// `--deny-warnings` stops them with exit status 2 before any output.
#[test]
fn commands_print_warnings_and_deny_them_on_request() {
    let data = "../examples/clusters.jsonl";
    let out = siftql(&["filter", "--count", "stauts = completed", data], None);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "0\n");
    assert!(text(&out.stderr).contains("did you mean `status`?"));
    let out = siftql(
        &["filter", "--deny-warnings", "stauts = completed", data],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).ends_with("error: 1 warning(s) denied by --deny-warnings\n"));
    let out = siftql(&["sql", "--dialect", "sqlite", "stauts = x"], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stderr).starts_with("warning[W0401]"));
    assert_eq!(lines(&out).len(), 2);
    let out = siftql(
        &[
            "sql",
            "--dialect",
            "sqlite",
            "--deny-warnings",
            "stauts = x",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

/// Read commands create nothing: no SQLite file, no table on a server.
#[test]
fn query_on_an_empty_database_says_so_and_creates_nothing() {
    let path = std::env::temp_dir().join(format!("siftql-none-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let db = format!("sqlite:{}", path.display());
    for args in [
        &["query", "--db", &db, "true"][..],
        &["query", "--db", &db, "--count", "true"],
        &["explain", "--db", &db, "true"],
    ] {
        let out = siftql(args, None);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(
            text(&out.stderr),
            format!("error: no table `clusters` in {db}; load records with `siftql load`\n")
        );
        assert!(!path.exists(), "{args:?} created {}", path.display());
    }
    // A file that exists but holds another table: the same answer.
    assert_eq!(
        siftql(&["load", "--db", &db, "--table", "other"], Some(b""))
            .status
            .code(),
        Some(0)
    );
    let out = siftql(&["query", "--db", &db, "true"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no table `clusters`"));
    // SQLite's table names have no case.
    let out = siftql(&["query", "--db", &db, "--table", "OTHER", "true"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // A `file:` URI names the same file; one naming no file creates none.
    let uri = format!("sqlite:file:{}?mode=ro", path.display());
    let out = siftql(&["query", "--db", &uri, "--table", "other", "true"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let _ = std::fs::remove_file(&path);
    let out = siftql(&["query", "--db", &uri, "true"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no table `clusters` in sqlite:file:"));
    assert!(!path.exists());
}

/// A mistyped `--table` on a server is refused, and no table is made;
/// so is one that differs from a table's name only in case (both servers
/// keep the case of the names siftql creates).
fn query_on_a_missing_table(url: &str) {
    let table = format!("siftql_nope_{}", std::process::id());
    for _ in 0..2 {
        let out = siftql(&["query", "--db", url, "--table", &table, "true"], None);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            text(&out.stderr).contains(&format!("no table `{table}` in")),
            "{}",
            text(&out.stderr)
        );
    }
    // An empty table of a fixed name (created once, left for later runs).
    let probe = "siftql_cli_case_probe";
    let out = siftql(&["load", "--db", url, "--table", probe], Some(b""));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = siftql(&["query", "--db", url, "--table", probe, "true"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let upper = probe.to_uppercase();
    let out = siftql(&["query", "--db", url, "--table", &upper, "true"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains(&format!("no table `{upper}` in")),
        "{}",
        text(&out.stderr)
    );
}

#[test]
#[cfg_attr(not(siftql_postgres), ignore = "SIFTQL_TEST_POSTGRES_URL is unset")]
fn query_on_a_missing_table_on_postgres() {
    let url = std::env::var("SIFTQL_TEST_POSTGRES_URL").unwrap();
    query_on_a_missing_table(&url);
    // The message shows the URL with its password hidden (the local
    // server trusts any password).
    let with_password = url.replacen("postgres://postgres@", "postgres://postgres:secret@", 1);
    assert_ne!(with_password, url, "expected a URL of user postgres");
    let out = siftql(
        &[
            "query",
            "--db",
            &with_password,
            "--table",
            "siftql_nope",
            "true",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("postgres://postgres:***@"), "{err}");
    assert!(!err.contains("secret"), "{err}");
}

#[test]
#[cfg_attr(not(siftql_mysql), ignore = "SIFTQL_TEST_MYSQL_URL is unset")]
fn query_on_a_missing_table_on_mariadb() {
    query_on_a_missing_table(&std::env::var("SIFTQL_TEST_MYSQL_URL").unwrap());
}

/// `query --count` counts what `filter --count` counts over the same file.
#[test]
fn query_counts() {
    let path = std::env::temp_dir().join(format!("siftql-count-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let db = format!("sqlite:{}", path.display());
    let data = "../examples/clusters.jsonl";
    assert_eq!(
        siftql(&["load", "--db", &db, data], None).status.code(),
        Some(0)
    );
    for f in [
        "status = completed",
        "num_clusters >= 40 and metadata.team exists",
        "false",
    ] {
        let q = siftql(&["query", "--db", &db, "--count", f], None);
        let e = siftql(&["filter", "--count", f, data], None);
        assert_eq!(q.status.code(), Some(0), "{}", text(&q.stderr));
        assert_eq!(text(&q.stdout), text(&e.stdout), "{f}");
    }
    let n: usize = text(&siftql(&["query", "--db", &db, "--count", "true"], None).stdout)
        .trim()
        .parse()
        .unwrap();
    assert_eq!(n, 3000);
    let _ = std::fs::remove_file(&path);
}

/// The errors that teach: operators from other languages, unquoted dates,
/// field names with spaces, filters the shell split, bad record lines,
/// directories, unknown dialects.
#[test]
fn diagnostics_that_teach() {
    let mut out = String::new();
    for args in [
        &["check", "num_clusters => 5"][..],
        &["check", "status <> x"],
        &["check", "status === x"],
        &["check", "created_at > 2025-01-01"],
        &["check", "first name = \"x\""],
        &["check", "user.first name = x"],
        &["check", "status does not contain x"],
        &["check", "status", "=", "completed"],
        &[
            "filter",
            "status",
            "=",
            "completed",
            "../examples/clusters.jsonl",
        ],
        &[
            "check",
            r#"{"AND":[{"field":"a","operator":"eq","value":1,"zzzz":2}]}"#,
        ],
        &["check", r#"{"AND":[],"ORR":[]}"#],
        &["filter", "status = x", "../examples"],
        &["sql", "--dialect", "oracle", "status = x"],
    ] {
        out.push_str(&status_and_stderr(args));
        out.push('\n');
    }
    let bad = siftql(
        &["filter", "status = x"],
        Some(b"{\"status\": \"x\"}\n{x}\n"),
    );
    out.push_str(&format!(
        "$ siftql filter 'status = x' <<< 'a good line, then {{x}}'\nexit {}\n{}",
        bad.status.code().unwrap_or(-1),
        text(&bad.stderr)
    ));
    insta::assert_snapshot!(out);
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = siftql(&["completions", shell], None);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = text(&out.stdout);
        for word in ["siftql", "check", "deny-warnings", "completions"] {
            assert!(script.contains(word), "{shell}: no {word}");
        }
    }
    let out = siftql(&["completions", "tcsh"], None);
    assert_eq!(out.status.code(), Some(2));
}

/// Every command's `--help` ends with an example, and the example runs
/// as the help shows it (commands that need a server or a file are only
/// checked for the example).
#[test]
fn every_help_has_an_example() {
    let top = text(&siftql(&["--help"], None).stdout).to_owned();
    let commands: Vec<&str> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.len() >= 11, "{commands:?}");
    for c in commands {
        let help = siftql(&[c, "--help"], None);
        let help = text(&help.stdout);
        let example = help
            .split("Example:\n  ")
            .nth(1)
            .unwrap_or_else(|| panic!("{c}: no example in\n{help}"));
        assert!(
            example.starts_with(&format!("siftql {c} ")),
            "{c}: {example}"
        );
    }
    assert!(top.contains("Example:\n  siftql filter"));
}

/// A directory given as a file is named, without a line number (it has
/// none), and is no bad record: exit 1.
#[test]
fn a_directory_is_named() {
    let path = std::env::temp_dir().join(format!("siftql-dir-{}.db", std::process::id()));
    let db = format!("sqlite:{}", path.display());
    for args in [
        &["load", "--db", &db, "../examples"][..],
        &["filter", "true", "../examples"],
        &["check", "--schema", "../examples", "true"],
    ] {
        let out = siftql(args, None);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(
            text(&out.stderr),
            "error: ../examples: Is a directory (os error 21)\n",
            "{args:?}"
        );
    }
    let _ = std::fs::remove_file(&path);
}
