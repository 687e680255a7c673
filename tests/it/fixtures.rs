//! `tests/fixtures/{valid,invalid}`: adding a case is adding a file. Valid
//! inputs snapshot their canonical JSON and DSL; invalid ones their rendered
//! diagnostic.

use siftql::{Filter, Limits};

#[test]
fn valid_fixtures() {
    insta::glob!("../fixtures/valid", "*.*", |path| {
        let input = std::fs::read_to_string(path).unwrap();
        let f = Filter::parse_any(&input, &Limits::default())
            .unwrap_or_else(|e| panic!("{}", e.render(&input)));
        let dsl = f.to_string();
        let json = f.to_json_string();
        assert_eq!(Filter::parse(&dsl).unwrap(), f, "DSL round trip");
        assert_eq!(Filter::from_json_str(&json).unwrap(), f, "JSON round trip");
        insta::assert_snapshot!(format!("json: {json}\ndsl:  {dsl}"));
    });
}

#[test]
fn invalid_fixtures() {
    insta::glob!("../fixtures/invalid", "*.*", |path| {
        let input = std::fs::read_to_string(path).unwrap();
        let e =
            Filter::parse_any(&input, &Limits::default()).expect_err("fixture must be rejected");
        insta::assert_snapshot!(e.render(&input));
    });
}
