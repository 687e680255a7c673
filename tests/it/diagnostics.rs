//! One example per error code, rendered as the user sees it. Adding a code
//! without an example here fails `every_code_has_an_example`.

#[cfg(feature = "sqlite")]
use siftql::Filter;
#[cfg(feature = "sqlite")]
use siftql::WarningCode;
use siftql::{ErrorCode, Limits};

/// (code, input, limits override); input starting with `{` is JSON.
fn examples() -> Vec<(ErrorCode, &'static str, Limits)> {
    use ErrorCode::*;
    let d = Limits::default();
    vec![
        (
            InputTooLarge,
            "status = \"active\"",
            Limits {
                max_input_bytes: 8,
                ..d
            },
        ),
        (TooDeep, "((((a = 1))))", Limits { max_depth: 2, ..d }),
        (TooManyNodes, "a = 1 or b = 2", Limits { max_nodes: 2, ..d }),
        (
            ListTooLong,
            "tags in [\"a\", \"b\", \"c\"]",
            Limits {
                max_list_len: 2,
                ..d
            },
        ),
        (
            RegexTooLarge,
            "name matches \"\\\\w{500}\"",
            Limits {
                max_regex_bytes: 10_000,
                ..d
            },
        ),
        (
            StringTooLong,
            "name = \"a very long name\"",
            Limits {
                max_string_bytes: 8,
                ..d
            },
        ),
        (UnexpectedToken, "a = 1)", d),
        (ExpectedCondition, "a = 1 and or b = 2", d),
        (ExpectedValue, "age >= and x = 1", d),
        (UnknownOperator, "age gtee 30", d),
        (Unclosed, "(a = 1 or (b = 2)", d),
        (UnterminatedString, "name = \"prod", d),
        (InvalidEscape, "name = \"a\\qb\"", d),
        (InvalidNumber, "age >= 1e999", d),
        (MissingConnective, "a = 1 b = 2", d),
        (
            InvalidJson,
            "{\"AND\": [\n  {\"field\": \"a\" \"value\": 1}\n]}",
            d,
        ),
        (
            UnknownKey,
            r#"{"AND": [{"field": "a", "operater": "eq", "value": 1}]}"#,
            d,
        ),
        (WrongType, r#"{"OR": {"field": "a", "value": 1}}"#, d),
        (
            MissingKey,
            r#"{"AND": [{"field": "a", "operator": "gt"}]}"#,
            d,
        ),
        (DuplicateKey, "{\"AND\": [],\n \"AND\": []}", d),
        (InvalidValue, "tags in \"a\"", d),
        (InvalidRegex, "name matches \"(unclosed\"", d),
        (
            InvalidGeo,
            "loc geo_radius {\"center\": {\"lat\": 91, \"lon\": 0}, \"radius\": 5}",
            d,
        ),
        (InvalidField, "`` = 1", d),
        (InvalidDynamic, "tags in [$inputs.tag]", d),
        // Parses; fails when the evaluator compiles it without bindings.
        (UnboundDynamic, "query text $inputs.q", d),
        // SQL: against a closed schema with the field `status`.
        (UnknownField, "statos = \"ok\"", d),
        (Unsupported, "description words \"running dogs\"", d),
        (InvalidSchema, "{\"table\": \"t\", \"open\": true}", d),
        // Loading a record into the default cluster table.
        (InvalidRecord, "{\"cluster_id\": \"c1\", \"status\": 5}", d),
    ]
}

/// The error an example produces, at the stage where its code arises.
#[cfg(feature = "sqlite")]
fn error_for(code: ErrorCode, input: &str, limits: &Limits) -> siftql::Error {
    use siftql::sql::{compile, sqlite, Dialect, Schema};
    match code {
        ErrorCode::InvalidSchema => Schema::from_json_str(input).unwrap_err(),
        ErrorCode::InvalidRecord => {
            let conn = rusqlite::Connection::open_in_memory().unwrap();
            let mut loader = sqlite::Loader::new(&conn, &Schema::clusters()).unwrap();
            loader.load(input).unwrap_err()
        }
        ErrorCode::UnknownField => {
            let closed = Schema::from_json_str(
                r#"{"table": "t", "columns": [{"field": "status", "column": "status", "type": "text"}]}"#,
            )
            .unwrap();
            compile(&input.parse().unwrap(), &closed, Dialect::Postgres).unwrap_err()
        }
        ErrorCode::Unsupported => compile(
            &input.parse().unwrap(),
            &Schema::clusters(),
            Dialect::Postgres,
        )
        .unwrap_err(),
        _ => match Filter::parse_any(input, limits) {
            Err(e) => e,
            Ok(f) => siftql::eval::Predicate::new(&f).expect_err(input),
        },
    }
}

#[test]
fn every_code_has_an_example() {
    let covered: Vec<ErrorCode> = examples().iter().map(|e| e.0).collect();
    let mut missing: Vec<&ErrorCode> = ErrorCode::ALL
        .iter()
        .filter(|c| !covered.contains(c))
        .collect();
    // InvalidUtf8 comes from byte input, which the CLI tests cover; Database
    // wraps whatever the database says.
    missing.retain(|c| !matches!(**c, ErrorCode::InvalidUtf8 | ErrorCode::Database));
    assert!(missing.is_empty(), "codes without an example: {missing:?}");
}

#[test]
#[cfg(feature = "sqlite")]
fn rendered_diagnostics() {
    let mut out = String::new();
    for (code, input, limits) in examples() {
        let err = error_for(code, input, &limits);
        assert_eq!(err.code(), code, "{input}: {err}");
        out.push_str(&format!("$ {input}\n{}\n\n", err.render(input)));
    }
    insta::assert_snapshot!(out);
}

#[test]
fn codes_are_unique_and_well_formed() {
    let mut seen = std::collections::HashSet::new();
    for c in ErrorCode::ALL {
        let s = c.as_str();
        assert!(
            s.len() == 5 && s.starts_with('E') && s[1..].chars().all(|d| d.is_ascii_digit()),
            "{s}"
        );
        assert!(seen.insert(s), "{s} twice");
    }
}

/// One filter for each warning code, for `docs/errors.md`.
#[cfg(feature = "sqlite")]
fn warning_examples() -> Vec<(WarningCode, &'static str)> {
    vec![
        (WarningCode::UnknownField, "stauts = completed"),
        (WarningCode::WrongValueType, "num_clusters = \"abc\""),
        (WarningCode::WrongOperator, "num_clusters matches \"^1\""),
        (WarningCode::NeverNull, "cluster_id exists false"),
        (
            WarningCode::Contradiction,
            "num_clusters > 5 and num_clusters < 3",
        ),
    ]
}

/// `docs/errors.md` is the catalogue of these examples; it must match what
/// the code renders. `SIFTQL_BLESS=1 cargo test errors_doc` rewrites it.
#[test]
#[cfg(feature = "sqlite")]
fn errors_doc_is_in_step() {
    let mut doc = String::from(
        "# Error codes\n\nEvery siftql error has a stable code, a message, and where it happened (a byte span\n\
         in DSL or JSON text, a JSON pointer for the wire format). This catalogue is generated\n\
         from `tests/it/diagnostics.rs` and checked by `errors_doc_is_in_step`.\n\n\
         | code | meaning |\n|---|---|\n",
    );
    let shown: Vec<ErrorCode> = examples().iter().map(|e| e.0).collect();
    for c in ErrorCode::ALL {
        // Codes without an example section are listed without a link.
        let name = if shown.contains(c) {
            format!("[{c}](#{})", c.as_str().to_lowercase())
        } else {
            c.to_string()
        };
        doc.push_str(&format!("| {name} | {} |\n", c.description()));
    }
    doc.push_str("\nE0501 wraps an error the database reports (a locked file, a lost connection); the CLI exits with status 1 for it.\n");
    doc.push_str("\nE0001 comes from byte input (the CLI reading standard input or a file):\n\n```text\n$ printf 'name = \"caf\\xe9\"' | siftql parse\nerror[E0001]: input is not UTF-8 (byte 11)\n```\n");
    for (code, input, limits) in examples() {
        let err = error_for(code, input, &limits);
        let limit_note = if limits == Limits::default() {
            String::new()
        } else {
            format!("\nWith {limits:?}.\n")
        };
        doc.push_str(&format!(
            "\n## {code}\n\n{}\n{limit_note}\n```text\n{input}\n```\n\n```text\n{}\n```\n",
            code.description(),
            err.render(input)
        ));
    }
    doc.push_str(
        "\n# Warning codes\n\nA warning (`siftql::Warning`, made by `sql::Schema::check`) marks a filter that is valid\n\
         but probably not what was meant. It renders like an error; `siftql check`, `filter`, `sql` and\n\
         `query` print warnings without failing (`--deny-warnings`: exit status 2), and `serve` returns\n\
         them in a `warnings` field. These examples are checked against the cluster schema.\n\n\
         | code | meaning |\n|---|---|\n",
    );
    for c in WarningCode::ALL {
        doc.push_str(&format!(
            "| [{c}](#{}) | {} |\n",
            c.as_str().to_lowercase(),
            c.description()
        ));
    }
    let warned = warning_examples();
    for c in WarningCode::ALL {
        let (_, input) = warned
            .iter()
            .find(|(code, _)| code == c)
            .unwrap_or_else(|| panic!("{c} has no example"));
        let f: siftql::Filter = input.parse().unwrap();
        let warnings = siftql::sql::Schema::clusters().check(&f).unwrap();
        let w = warnings
            .iter()
            .find(|w| w.code() == *c)
            .unwrap_or_else(|| panic!("{input} draws no {c}"));
        doc.push_str(&format!(
            "\n## {c}\n\n{}\n\n```text\n{input}\n```\n\n```text\n{}\n```\n",
            c.description(),
            w.render(input)
        ));
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/errors.md");
    if std::env::var_os("SIFTQL_BLESS").is_some() {
        std::fs::write(path, &doc).unwrap();
    }
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        on_disk == doc,
        "docs/errors.md is out of date: run SIFTQL_BLESS=1 cargo test errors_doc"
    );
}
