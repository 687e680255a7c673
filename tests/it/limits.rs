//! Limits: every one is an error that names it, and hostile nesting never
//! overflows the stack (parsing, printing, encoding, folding, dropping).

use siftql::{
    Condition, ErrorCode, FieldPath, Filter, Fold, Group, GroupParts, Limits, Node, Operator, Scope,
};

const DEEP: usize = 100_000;

/// Runs `f` on a thread with a 1 MiB stack (half a Rust thread's default), so
/// unbounded recursion would crash the test instead of passing on a big
/// main-thread stack: 100,000 levels need far more than that at any frame size.
fn small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

fn assert_too_deep(r: Result<Filter, siftql::Error>) {
    let e = r.unwrap_err();
    assert_eq!(e.code(), ErrorCode::TooDeep, "{e}");
    assert!(e.message().contains("max_depth"), "{e}");
}

#[test]
fn deep_dsl_is_a_depth_error() {
    small_stack(|| {
        let parens = format!("{}a = 1{}", "(".repeat(DEEP), ")".repeat(DEEP));
        assert_too_deep(Filter::parse_with(
            &parens,
            &Limits {
                max_input_bytes: usize::MAX,
                ..Limits::default()
            },
        ));
        let nots = format!("{}a = 1", "not ".repeat(DEEP));
        assert_too_deep(Filter::parse_with(
            &nots,
            &Limits {
                max_input_bytes: usize::MAX,
                ..Limits::default()
            },
        ));
        let unclosed = "(".repeat(DEEP);
        assert_too_deep(Filter::parse_with(
            &unclosed,
            &Limits {
                max_input_bytes: usize::MAX,
                ..Limits::default()
            },
        ));
        let arrays = format!("a = {}", "[".repeat(DEEP));
        assert_too_deep(Filter::parse_with(
            &arrays,
            &Limits {
                max_input_bytes: usize::MAX,
                ..Limits::default()
            },
        ));
        let cs = format!(
            "{}a = 1{}",
            "case_sensitive(".repeat(DEEP),
            ")".repeat(DEEP)
        );
        assert_too_deep(Filter::parse_with(
            &cs,
            &Limits {
                max_input_bytes: usize::MAX,
                ..Limits::default()
            },
        ));
    });
}

#[test]
fn deep_json_is_a_depth_error() {
    small_stack(|| {
        let groups = format!("{}{}", r#"{"AND":["#.repeat(DEEP), "]}".repeat(DEEP));
        let limits = Limits {
            max_input_bytes: usize::MAX,
            ..Limits::default()
        };
        assert_too_deep(Filter::from_json_str_with(&groups, &limits));
        let nots = format!("{}{}", r#"{"NOT":"#.repeat(DEEP), "}".repeat(DEEP));
        assert_too_deep(Filter::from_json_str_with(&nots, &limits));
        let value = format!(r#"{{"a": {}"#, "[".repeat(DEEP));
        assert_too_deep(Filter::from_json_str_with(&value, &limits));
        let e = serde_json::from_str::<Filter>(&groups)
            .unwrap_err()
            .to_string();
        assert!(e.contains("E0012"), "{e}");
    });
}

#[test]
fn depth_limit_is_exact() {
    let limits = Limits::default();
    // Each pair of parentheses beyond the innermost one is a group level.
    let nest = |n: usize| format!("{}a = 1{}", "(".repeat(n), ")".repeat(n));
    let ok = Filter::parse(&nest(limits.max_depth)).unwrap();
    assert_eq!(ok.depth(), limits.max_depth);
    assert_too_deep(Filter::parse(&nest(limits.max_depth + 1)));
    // The same limit holds for JSON.
    let json = ok.to_json_string();
    assert_eq!(Filter::from_json_str(&json).unwrap(), ok);
    let deeper = format!(r#"{{"AND":[{json}]}}"#);
    assert_too_deep(Filter::from_json_str(&deeper));
}

#[test]
fn depth_setting_is_capped_for_stack_safety() {
    let huge = Limits {
        max_depth: usize::MAX,
        max_input_bytes: usize::MAX,
        ..Limits::default()
    };
    assert_eq!(huge.depth(), Limits::DEPTH_CAP);
    small_stack(move || {
        let at_cap = format!(
            "{}a = 1{}",
            "(".repeat(Limits::DEPTH_CAP),
            ")".repeat(Limits::DEPTH_CAP)
        );
        assert_eq!(
            Filter::parse_with(&at_cap, &huge).unwrap().depth(),
            Limits::DEPTH_CAP
        );
        let over = format!("{}a = 1{}", "(".repeat(DEEP), ")".repeat(DEEP));
        assert_too_deep(Filter::parse_with(&over, &huge));
    });
}

fn deep_tree() -> Filter {
    let leaf = Condition::new(
        FieldPath::new("a").unwrap(),
        Operator::Eq,
        serde_json::json!(1),
    );
    let mut g = Group::all(vec![leaf.into()]);
    for i in 0..DEEP {
        g = if i % 2 == 0 {
            Group::none(vec![g.into()])
        } else {
            Group::all(vec![g.into()])
        };
    }
    g.into()
}

struct Count;
impl Fold for Count {
    type Output = usize;
    type Error = ();
    fn condition(&mut self, _: &Condition, _: Scope) -> Result<usize, ()> {
        Ok(1)
    }
    fn group(&mut self, _: &Group, p: GroupParts<usize>, _: Scope) -> Result<usize, ()> {
        Ok(1 + [p.and, p.or, p.not]
            .into_iter()
            .flatten()
            .flatten()
            .sum::<usize>())
    }
}

#[test]
fn deep_tree_from_the_api_prints_encodes_folds_and_drops() {
    small_stack(|| {
        let f = deep_tree();
        let dsl = f.to_string();
        assert!(dsl.starts_with("(not ((not ("), "{}", &dsl[..40]);
        assert!(dsl.len() > DEEP);
        let json = f.to_json_string();
        assert!(
            json.starts_with(r#"{"AND":[{"NOT":[{"AND":[{"NOT":["#),
            "{}",
            &json[..40]
        );
        assert_eq!(f.fold(&mut Count), Ok(DEEP + 2));
        assert_eq!(f.depth(), DEEP + 1);
        assert_eq!(f.node_count(), DEEP + 2);
        // Serialize recurses through serde, so it refuses instead of overflowing.
        assert!(serde_json::to_string(&f).is_err());
        assert_eq!(f.to_json_value().unwrap_err().code(), ErrorCode::TooDeep);
        // Reading it back is a depth error, not a crash.
        assert_too_deep(Filter::parse_with(
            &dsl,
            &Limits {
                max_input_bytes: usize::MAX,
                ..Limits::default()
            },
        ));
        // The evaluator and the SQL compiler refuse it with the depth error.
        #[cfg(feature = "eval")]
        assert_eq!(
            siftql::eval::Predicate::new(&f).unwrap_err().code(),
            ErrorCode::TooDeep
        );
        #[cfg(feature = "sql")]
        for d in siftql::sql::Dialect::ALL {
            let e = siftql::sql::compile(&f, &siftql::sql::Schema::clusters(), d).unwrap_err();
            assert_eq!(e.code(), ErrorCode::TooDeep);
        }
        drop(f);
        let wide = Group::all((0..DEEP).map(|_| Node::from(Group::none(vec![]))).collect());
        drop(wide);
    });
}

#[test]
fn every_limit_is_an_error_naming_it() {
    let tight = Limits {
        max_input_bytes: 10,
        max_depth: 2,
        max_nodes: 3,
        max_list_len: 2,
        max_regex_bytes: 1000,
        max_string_bytes: 8,
    };
    let cases: [(&str, ErrorCode, &str); 11] = [
        (
            "a = \"123456789\"",
            ErrorCode::StringTooLong,
            "max_string_bytes",
        ),
        (
            "a in [\"123456789\"]",
            ErrorCode::StringTooLong,
            "max_string_bytes",
        ),
        (
            "abcdefghi = 1",
            ErrorCode::StringTooLong,
            "max_string_bytes",
        ),
        (
            "a = 1 and b = 2",
            ErrorCode::InputTooLarge,
            "max_input_bytes",
        ),
        (
            r#"{"AND": [{"field": "a", "value": 1}]}"#,
            ErrorCode::InputTooLarge,
            "max_input_bytes",
        ),
        ("((a=1 and b=2))", ErrorCode::TooDeep, "max_depth"),
        ("(((a = 1)))", ErrorCode::TooDeep, "max_depth"),
        ("a=1 or b=1 or c=1", ErrorCode::TooManyNodes, "max_nodes"),
        ("a in [1,2,3]", ErrorCode::ListTooLong, "max_list_len"),
        ("a nin [1,2,3]", ErrorCode::ListTooLong, "max_list_len"),
        (
            "a=~\"\\\\w{99}\"",
            ErrorCode::RegexTooLarge,
            "max_regex_bytes",
        ),
    ];
    for (input, code, name) in cases {
        let limits = if code == ErrorCode::InputTooLarge {
            tight
        } else {
            Limits {
                max_input_bytes: 1000,
                ..tight
            }
        };
        let e = Filter::parse_any(input, &limits).unwrap_err();
        assert_eq!(e.code(), code, "{input}: {e}");
        assert!(e.message().contains(name), "{input}: {e}");
    }
    let json_limits = Limits {
        max_input_bytes: 1000,
        ..tight
    };
    for (json, code) in [
        (
            r#"{"OR": [{"field": "a", "value": 1}, {"field": "b", "value": 1}, {"field": "c", "value": 1}]}"#,
            ErrorCode::TooManyNodes,
        ),
        (r#"{"AND": [{"AND": [{"AND": []}]}]}"#, ErrorCode::TooDeep),
        (r#"{"a": {"in": [1, 2, 3]}}"#, ErrorCode::ListTooLong),
        (r#"{"a": {"regex": "\\w{99}"}}"#, ErrorCode::RegexTooLarge),
        (
            r#"{"a": {"x": {"123456789": 1}}}"#,
            ErrorCode::StringTooLong,
        ),
        (r#"{"abcdefghi": 1}"#, ErrorCode::StringTooLong),
    ] {
        assert_eq!(
            Filter::from_json_str_with(json, &json_limits)
                .unwrap_err()
                .code(),
            code,
            "{json}"
        );
    }
}
