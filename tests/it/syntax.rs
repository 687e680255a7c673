//! Every syntax form of SPEC §2: DSL → canonical JSON → canonical DSL, as
//! one reviewed snapshot per table.

use siftql::Filter;

fn table(cases: &[&str]) -> String {
    let mut out = String::new();
    for dsl in cases {
        let f = Filter::parse(dsl).unwrap_or_else(|e| panic!("{}", e.render(dsl)));
        let printed = f.to_string();
        // Every printed form parses back to the same tree.
        assert_eq!(
            Filter::parse(&printed).unwrap(),
            f,
            "{dsl} printed as {printed}"
        );
        out.push_str(&format!(
            "in:   {dsl}\njson: {}\nout:  {printed}\n\n",
            f.to_json_string()
        ));
    }
    out
}

#[test]
fn spec_examples() {
    insta::assert_snapshot!(table(&[
        r#"status = "active" and not department = "HR""#,
        r#"name starts_with "prod" and (num_clusters >= 5 or tags in ["a", "b"])"#,
        r#"metadata.team != null and created_at >= "2024-01-01T00:00:00Z""#,
        r#"case_sensitive(cluster_name = "Products") and description is not null"#,
        r#"llm_labeling.model_name matches "^gpt-4" and `odd key`.x exists"#,
        r#"query text $inputs.q"#,
    ]));
}

#[test]
fn comparison_symbols_and_operator_words() {
    insta::assert_snapshot!(table(&[
        "a = 1",
        "a == 1",
        "a != 1",
        "a > 1",
        "a >= 1",
        "a < 1",
        "a <= 1",
        r#"a =~ "x+""#,
        r#"a !~ "x+""#,
        "a eq 1",
        "a ne 1",
        "a gt 1",
        "a lt 1",
        "a gte 1",
        "a lte 1",
        "a in [1, 2]",
        "a nin [1, 2]",
        r#"a contains "x""#,
        r#"a starts_with "x""#,
        r#"a ends_with "x""#,
        r#"a regex "x""#,
        "a exists true",
        "a exists false",
        "a is_null true",
        "a is_null false",
        r#"a text "x""#,
        r#"a phrase "x y""#,
        r#"a words "running dogs""#,
        r#"loc geo_radius {"center": {"lat": 52.5, "lon": 13.4}, "radius": 1000}"#,
        r#"loc geo_bounding_box {"top_left": {"lat": 53, "lon": 13}, "bottom_right": {"lat": 52, "lon": 14}}"#,
        r#"loc geo_polygon {"exterior": {"points": [{"lat": 0, "lon": 0}, {"lat": 0, "lon": 1}, {"lat": 1, "lon": 0}]}}"#,
        "A GTE 1",
        "a Contains 'x'",
    ]));
}

#[test]
fn readable_forms() {
    insta::assert_snapshot!(table(&[
        r#"a starts with "x""#,
        r#"a ends with "x""#,
        "a not in [1]",
        "a is null",
        "a is not null",
        "a exists",
        "a not exists",
        r#"a matches "^x""#,
        r#"a not contains "x""#,
        r#"a not starts with "x""#,
        r#"a not ends with "x""#,
        r#"a not matches "x""#,
        "a IS NOT NULL",
        "a Not In [1]",
        "a NOT EXISTS",
    ]));
}

#[test]
fn connectives_precedence_and_grouping() {
    insta::assert_snapshot!(table(&[
        "a = 1 and b = 2 or c = 3",
        "a = 1 or b = 2 and c = 3",
        "not a = 1 and b = 2",
        "not (a = 1 and b = 2)",
        "not (a = 1 or b = 2)",
        "not (a = 1)",
        "a = 1 && b = 2 || !c = 3",
        "a = 1 AND b = 2 Or c = 3",
        "(a = 1 or b = 2) and (c = 3 or d = 4)",
        "(a = 1 and b = 2) or c = 3",
        "(a = 1 and b = 2)",
        "x = 1 and (a = 1 or b = 2) and not y = 2 and z = 3",
        "not not a = 1",
        "!(a = 1)",
        "a = 1 and (b = 2)",
        "((a = 1))",
        "a = 1 or (b = 2 or c = 3)",
    ]));
}

#[test]
fn values() {
    insta::assert_snapshot!(table(&[
        r#"a = "double \"quoted\" \\ \n \u00e9 \ud83d\ude00""#,
        r#"a = 'single "quoted" \' \u0041'"#,
        "a = active",
        "a = in-progress.v2",
        "a = -12.5e3",
        "a = 30",
        "a = 30.0",
        "a = 18446744073709551615",
        "a = -9223372036854775808",
        "a = true",
        "a = FALSE",
        "a = null",
        "a in [x, 'y', \"z\", 1, null, true]",
        "a = []",
        r#"a = {"k": [1, {"n": null}], b: 'c'}"#,
        "a = $inputs.q",
        "a in $inputs.list",
        "a = $`odd name`.x",
        "a = \"\"",
    ]));
}

#[test]
fn fields() {
    insta::assert_snapshot!(table(&[
        "a.b.c = 1",
        "`first name`.x = 1",
        "`and` = 1",
        "`case_sensitive` = 1",
        "a.and.in = 1",
        "tags.0 = 1",
        "`a``b` = 1",
        "_x = 1",
        "`é` = 1",
        "any = 1",
        "all.none = 1",
    ]));
}

#[test]
fn constants_case_sensitivity_and_explicit_lists() {
    insta::assert_snapshot!(table(&[
        "",
        "   ",
        "true",
        "false",
        "TRUE",
        "case_sensitive(a = 1)",
        "case_sensitive(a = 1 or b = 2)",
        "case_sensitive(true)",
        "case_sensitive x = 1",
        "case_sensitive(a = 1) and b = 2",
        "a = 1 and case_sensitive b = 2",
        r#"not case_sensitive a contains "X""#,
        "all()",
        "any()",
        "none()",
        "any(a = 1)",
        "all(a = 1, b = 2)",
        "a = 1 and any()",
        "a = 1 and any(b = 2)",
        "none(a = 1, b = 2)",
        "a = 1 and true",
        "a = 1 or false",
        "not true",
    ]));
}

/// Shapes that plain `and`/`or`/`not` cannot tell apart; the printer must
/// still write a form that reads back to the same tree.
#[test]
fn awkward_shapes_print_exactly() {
    let cases = [
        r#"{"AND": []}"#,
        r#"{"NOT": []}"#,
        r#"{"OR": [{"field": "a", "value": 1}]}"#,
        r#"{"AND": [{"field": "a", "value": 1}], "OR": []}"#,
        r#"{"AND": [{"AND": [{"field": "a", "value": 1}]}]}"#,
        r#"{"AND": [{"OR": [{"field": "a", "value": 1}, {"field": "b", "value": 2}]}]}"#,
        r#"{"AND": [{"AND": [{"field": "a", "value": 1}, {"field": "b", "value": 2}]}]}"#,
        r#"{"AND": [{}]}"#,
        r#"{"AND": [{"OR": []}]}"#,
        r#"{"AND": [{"NOT": [{"field": "a", "value": 1}]}]}"#,
        r#"{"AND": [{"AND": [{"field": "a", "value": 1}], "case_sensitive": true}]}"#,
        r#"{"OR": [{"AND": [{"field": "a", "value": 1}]}, {"field": "b", "value": 2}]}"#,
        r#"{"OR": [{"AND": [{"AND": [{"field": "a", "value": 1}]}]}, {"field": "b", "value": 2}]}"#,
        r#"{"NOT": [{"AND": [{"field": "a", "value": 1}]}]}"#,
        r#"{"NOT": [{"NOT": [{"field": "a", "value": 1}]}]}"#,
        r#"{"NOT": [{"OR": [{"field": "a", "value": 1}]}]}"#,
        r#"{"case_sensitive": true}"#,
        r#"{"OR": [], "case_sensitive": true}"#,
        r#"{"AND": [{"case_sensitive": true}]}"#,
        r#"{"OR": [{"OR": [{"field": "a", "value": 1}, {"field": "b", "value": 2}]}, {"field": "c", "value": 3}]}"#,
    ];
    let mut out = String::new();
    for json in cases {
        let f = Filter::from_json_str(json).unwrap();
        let canonical = f.to_json_string();
        let dsl = f.to_string();
        let back = Filter::parse(&dsl).unwrap_or_else(|e| panic!("{}", e.render(&dsl)));
        assert_eq!(back.to_json_string(), canonical, "{json} printed as {dsl}");
        out.push_str(&format!("json: {canonical}\ndsl:  {dsl}\n\n"));
    }
    insta::assert_snapshot!(out);
}
