//! proptest strategies: filters covering every operator, nested groups,
//! case sensitivity, dynamic values and hostile strings.

use proptest::prelude::*;
use serde_json::{json, Value};
use siftql::{Condition, FieldPath, Filter, Group, Node, Operand, Operator};

/// Strings chosen to break printers and parsers: quotes, escapes, keywords,
/// unicode, control characters, the empty string.
pub fn hostile_string() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("and".to_owned()),
        Just("OR".to_owned()),
        Just("not".to_owned()),
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("case_sensitive".to_owned()),
        Just("\"".to_owned()),
        Just("'".to_owned()),
        Just("\\".to_owned()),
        Just("`".to_owned()),
        Just("$inputs.x".to_owned()),
        Just("a\"b'c\\d`e".to_owned()),
        Just("\u{0}\u{1f}\n\t\r".to_owned()),
        Just("é😀\u{2028}ß".to_owned()),
        Just("%_\\%".to_owned()),
        Just(") or (1 = 1".to_owned()),
        "\\PC{0,12}",
        "[a-zA-Z _.-]{1,10}",
    ]
}

/// One path segment: identifiers, keywords and odd names (never empty,
/// never containing a dot).
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z_][a-z0-9_]{0,8}",
        1 => prop::sample::select(vec![
            "and", "Or", "NOT", "in", "is", "null", "true", "FALSE", "exists", "case_sensitive",
            "any", "all", "none", "contains", "starts", "0", "9lives", "first name", "a`b", "``",
            "é", "x-y", "$x", "(", "AND",
        ])
        .prop_map(str::to_owned),
        1 => "[^.]{1,6}",
    ]
}

pub fn field_path() -> impl Strategy<Value = FieldPath> {
    prop::collection::vec(segment(), 1..4).prop_map(|segs| FieldPath::new(segs.join(".")).unwrap())
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        Just(json!(30.0)),
        Just(json!(-0.0)),
        Just(json!(1e300)),
    ]
}

pub fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        hostile_string().prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((hostile_string(), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn point() -> impl Strategy<Value = Value> {
    (-90.0f64..=90.0, -180.0f64..=180.0).prop_map(|(lat, lon)| json!({"lat": lat, "lon": lon}))
}

fn ring() -> impl Strategy<Value = Value> {
    prop::collection::vec(point(), 3..6).prop_map(|points| json!({ "points": points }))
}

/// A literal value that `op` accepts.
fn literal_for(op: Operator) -> BoxedStrategy<Value> {
    use Operator::*;
    match op {
        Eq | Ne | Contains => json_value().boxed(),
        In | Nin => prop::collection::vec(scalar(), 0..5)
            .prop_map(Value::Array)
            .boxed(),
        Gt | Gte | Lt | Lte => {
            prop_oneof![number(), hostile_string().prop_map(Value::String)].boxed()
        }
        StartsWith | EndsWith | Text | Phrase | Words => {
            hostile_string().prop_map(Value::String).boxed()
        }
        Regex => prop_oneof![
            Just("^gpt-4".to_owned()),
            Just("(?i)a+b*".to_owned()),
            Just("\\d{2,3}$".to_owned()),
            hostile_string().prop_map(|s| regex::escape(&s)),
        ]
        .prop_map(Value::String)
        .boxed(),
        Exists | IsNull => any::<bool>().prop_map(Value::Bool).boxed(),
        GeoRadius => (point(), 0.0f64..1e6)
            .prop_map(|(center, radius)| json!({"center": center, "radius": radius}))
            .boxed(),
        GeoBoundingBox => (point(), point())
            .prop_map(|(a, b)| {
                let (top, bottom) = if a["lat"].as_f64() >= b["lat"].as_f64() {
                    (a, b)
                } else {
                    (b, a)
                };
                json!({"top_left": top, "bottom_right": bottom})
            })
            .boxed(),
        GeoPolygon => (
            ring(),
            prop::option::of(prop::collection::vec(ring(), 0..2)),
        )
            .prop_map(|(exterior, interiors)| match interiors {
                Some(i) => json!({"exterior": exterior, "interiors": i}),
                None => json!({ "exterior": exterior }),
            })
            .boxed(),
    }
}

pub fn condition() -> impl Strategy<Value = Condition> {
    (
        prop::sample::select(Operator::ALL.to_vec()),
        field_path(),
        any::<bool>(),
    )
        .prop_flat_map(|(op, field, cs)| {
            let value = prop_oneof![
                6 => literal_for(op).prop_map(Operand::Literal),
                1 => field_path().prop_map(Operand::Dynamic),
            ];
            (Just(op), Just(field), Just(cs), value)
        })
        .prop_map(|(op, field, cs, value)| {
            let mut c = Condition::new(field, op, value);
            c.case_sensitive = cs;
            c
        })
}

fn list(node: impl Strategy<Value = Node> + Clone) -> impl Strategy<Value = Option<Vec<Node>>> {
    prop_oneof![
        2 => Just(None),
        1 => Just(Some(Vec::new())),
        3 => prop::collection::vec(node, 1..4).prop_map(Some),
    ]
}

pub fn group_of(node: impl Strategy<Value = Node> + Clone) -> impl Strategy<Value = Group> {
    (
        list(node.clone()),
        list(node.clone()),
        list(node),
        prop::bool::weighted(0.2),
    )
        .prop_map(|(and, or, not, cs)| {
            let mut g = Group::default();
            g.and = and;
            g.or = or;
            g.not = not;
            g.case_sensitive = cs;
            g
        })
}

pub fn node() -> impl Strategy<Value = Node> + Clone {
    let leaf = condition().prop_map(Node::from);
    leaf.prop_recursive(5, 40, 4, |inner| {
        prop_oneof![
            2 => condition().prop_map(Node::from),
            1 => group_of(inner).prop_map(Node::from),
        ]
    })
}

pub fn filter() -> impl Strategy<Value = Filter> {
    group_of(node()).prop_map(Filter::from)
}

/// Arbitrary JSON built from the filter format's own keys and operator
/// names, so that most of it is almost-but-not-quite a filter.
pub fn filterish_json() -> impl Strategy<Value = Value> {
    let key = prop::sample::select(vec![
        "AND",
        "OR",
        "NOT",
        "field",
        "operator",
        "value",
        "case_sensitive",
        "and",
        "x.y",
        "type",
        "lte",
        "in",
        "center",
        "a/b~c",
    ])
    .prop_map(str::to_owned);
    let leaf = prop_oneof![
        scalar(),
        prop::sample::select(Operator::ALL.map(|o| o.name()).to_vec())
            .prop_map(|s| Value::String(s.to_owned())),
        Just(json!("dynamic")),
    ];
    leaf.prop_recursive(4, 24, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Field names shared by [`vocab_record`] and [`vocab_filter`], so that
/// generated filters actually meet generated values.
const VOCAB: [&str; 10] = [
    "a", "b", "s", "n", "tags", "a.b", "a.s", "tags.s", "x", "loc",
];

fn vocab_scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        3 => vocab_number(),
        1 => vocab_string(),
    ]
}

/// The numbers of [`vocab_scalar`].
fn vocab_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        (-3i64..4).prop_map(Value::from),
        Just(json!(2.0)),
        Just(json!(2.5)),
    ]
}

/// The strings of [`vocab_scalar`].
fn vocab_string() -> impl Strategy<Value = Value> {
    prop::sample::select(vec![
        "x",
        "X",
        "abc",
        "ABC",
        "a%b",
        "a_b",
        "É",
        "é",
        "",
        "run dogs",
        "Running dogs, ran!",
        "the quick-brown fox's run",
        "Straße 42: ÜBER-läufer",
        "2024-01-01",
        "2024-01-01T00:00:00Z",
        // Earlier instants than the two above, though later text.
        "2024-01-01T00:30:00+01:00",
        "2024-01-01t00:00:00+00:01",
    ])
    .prop_map(|s| Value::String(s.to_owned()))
}

/// Records over [`VOCAB`]: missing keys, nulls, arrays, nested objects and
/// arrays of objects.
pub fn vocab_record() -> impl Strategy<Value = Value> {
    let value = vocab_scalar().prop_recursive(2, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec!["b", "s", "n", "-1"]),
                inner,
                0..3
            )
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    });
    (
        prop::collection::btree_map(
            prop::sample::select(vec!["a", "b", "s", "n", "tags", "x"]),
            value,
            0..5,
        ),
        prop::option::of(loc_value()),
    )
        .prop_map(|(m, loc)| {
            let mut obj: serde_json::Map<String, Value> =
                m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            if let Some(p) = loc {
                obj.insert("loc".into(), p);
            }
            Value::Object(obj)
        })
}

/// Coordinates that filters use too, so that points fall exactly on box
/// edges and at exactly the radius.
const ANCHORS: [(f64, f64); 8] = [
    (0.0, 0.0),
    (1.5, -2.25),
    (-7.125, 9.5),
    (9.99, 179.5),
    (-3.3, -179.75),
    (5.0, 5.0),
    (-0.1, 0.2),
    (89.5, 100.0),
];

/// The evaluator's haversine distance (a copy: radii at exactly the distance
/// test that every backend rounds as the evaluator does).
fn haversine(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * a.sqrt().min(1.0).asin()
}

/// A (lat, lon): an anchor, or anywhere near them.
fn coords() -> impl Strategy<Value = (f64, f64)> {
    prop_oneof![
        2 => prop::sample::select(ANCHORS.to_vec()),
        1 => (-10.0f64..10.0, -10.0f64..10.0),
    ]
}

/// One point in any of the three encodings, or something that is almost one.
fn point_or_junk() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => coords().prop_map(|(lat, lon)| json!({"lat": lat, "lon": lon})),
        3 => coords().prop_map(|(lat, lon)| json!([lon, lat])),
        3 => coords().prop_map(|(lat, lon)| json!({"type": "Point", "coordinates": [lon, lat]})),
        1 => coords().prop_map(|(lat, lon)| json!({"lat": lat, "lon": lon, "type": "Point", "coordinates": [0, 0]})),
        1 => coords().prop_map(|(lat, lon)| json!({"lat": lat.to_string(), "lon": lon, "type": "Point", "coordinates": [lon, lat]})),
        1 => coords().prop_map(|(lat, lon)| json!({"lat": lat, "type": "Point", "coordinates": [lon, lat]})),
        1 => coords().prop_map(|(lat, lon)| json!({"type": "point", "coordinates": [lon, lat]})),
        1 => coords().prop_map(|(lat, lon)| json!({"type": "Point", "coordinates": [lon, lat, 3]})),
        1 => coords().prop_map(|(lat, lon)| json!({"type": "Point", "coordinates": [lon.to_string(), lat]})),
        1 => coords().prop_map(|(lat, lon)| json!([lon, lat, 0])),
        1 => coords().prop_map(|(lat, lon)| json!([lon, null, lat])),
        1 => coords().prop_map(|(lat, lon)| json!([[lon], lat])),
        1 => prop::sample::select(vec![
            json!([0, 120.0]),
            json!({"lat": -135.5, "lon": 2}),
            json!([1e300, 45]),
            json!({"lat": 1e-320, "lon": 5e-324}),
            json!([5e-324, 0]),
            json!([2, 18446744073709551615u64]),
            json!({"lat": null, "lon": 1}),
            json!("1, 2"),
            json!(3),
            json!(null),
            json!(true),
            json!({}),
            json!([]),
        ]),
    ]
}

/// `loc`: a point, an array of points (and junk), or junk.
fn loc_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => point_or_junk(),
        2 => prop::collection::vec(point_or_junk(), 0..4).prop_map(Value::Array),
        1 => prop::collection::vec(point_or_junk(), 1..3)
            .prop_map(|ps| json!([{"loc": ps[0]}, {"loc": ps}])),
    ]
}

fn vocab_literal(op: Operator) -> BoxedStrategy<Value> {
    use Operator::*;
    match op {
        Eq | Ne | Contains => prop_oneof![4 => vocab_scalar(), 1 => prop::collection::vec(vocab_scalar(), 0..3).prop_map(Value::Array)].boxed(),
        In | Nin => prop::collection::vec(vocab_scalar(), 0..4).prop_map(Value::Array).boxed(),
        Gt | Gte | Lt | Lte => vocab_scalar().prop_filter("number or string", |v| v.is_number() || v.is_string()).boxed(),
        StartsWith | EndsWith | Text | Regex => prop::sample::select(vec!["x", "A", "b", "%", "_", "É", "", "dog", "run"])
            .prop_map(|s| Value::String(s.to_owned()))
            .boxed(),
        Phrase | Words => prop::sample::select(vec![
            "x", "", "dog", "run", "dogs run", "RUNNING dogs", "ran", "quick brown", "brown-fox", "fox's",
            "straße 42", "über läufer", "!!", "run, dogs", "dogs ran", "the",
        ])
        .prop_map(|s| Value::String(s.to_owned()))
        .boxed(),
        Exists | IsNull => any::<bool>().prop_map(Value::Bool).boxed(),
        GeoRadius => (
            coords(),
            prop_oneof![
                2 => (0.0f64..2e6).prop_map(Err),
                3 => (prop::sample::select(ANCHORS.to_vec()), -1i64..=1).prop_map(Ok),
            ],
        )
            .prop_map(|((lat, lon), r)| {
                let r = match r {
                    Err(r) => r,
                    // Exactly the distance to an anchor, or one ulp off.
                    Ok(((lat2, lon2), ulps)) => {
                        let d = haversine(lat, lon, lat2, lon2);
                        f64::from_bits((d.to_bits() as i64 + ulps).max(0) as u64).max(0.0)
                    }
                };
                json!({"center": {"lat": lat, "lon": lon}, "radius": r})
            })
            .boxed(),
        GeoBoundingBox => (coords(), coords())
            .prop_map(|((lat1, lon1), (lat2, lon2))| {
                // Either order of longitudes: west of east, or across the antimeridian.
                json!({"top_left": {"lat": lat1.max(lat2), "lon": lon1}, "bottom_right": {"lat": lat1.min(lat2), "lon": lon2}})
            })
            .boxed(),
        GeoPolygon => (prop::collection::vec(coords(), 3..6), prop::option::of(prop::collection::vec(coords(), 3..5)))
            .prop_map(|(ext, int)| {
                let ring = |ps: Vec<(f64, f64)>| json!({"points": ps.into_iter().map(|(lat, lon)| json!({"lat": lat, "lon": lon})).collect::<Vec<_>>()});
                match int {
                    Some(i) => json!({"exterior": ring(ext), "interiors": [ring(i)]}),
                    None => json!({"exterior": ring(ext)}),
                }
            })
            .boxed(),
    }
}

pub fn vocab_condition() -> impl Strategy<Value = Condition> {
    vocab_condition_of(Operator::ALL.to_vec())
}

/// A condition over [`VOCAB`] with one of `ops`.
pub fn vocab_condition_of(ops: Vec<Operator>) -> impl Strategy<Value = Condition> {
    condition_on(ops, VOCAB.to_vec())
}

/// A condition on one of `fields` with one of `ops`, and a literal of the
/// vocabulary's.
fn condition_on(ops: Vec<Operator>, fields: Vec<&'static str>) -> impl Strategy<Value = Condition> {
    (
        prop::sample::select(ops),
        prop::sample::select(fields),
        prop::bool::weighted(0.2),
    )
        .prop_flat_map(|(op, field, cs)| (Just(op), Just(field), Just(cs), vocab_literal(op)))
        .prop_map(|(op, field, cs, value)| {
            let field = if op.name().starts_with("geo") {
                "loc"
            } else {
                field
            };
            let mut c = Condition::new(FieldPath::new(field).unwrap(), op, Operand::Literal(value));
            c.case_sensitive = cs;
            c
        })
}

/// Filters over [`VOCAB`], nested, with every operator.
pub fn vocab_filter() -> impl Strategy<Value = Filter> {
    let leaf = vocab_condition().prop_map(Node::from);
    let node = leaf.prop_recursive(3, 16, 3, |inner| {
        prop_oneof![2 => vocab_condition().prop_map(Node::from), 1 => group_of(inner).prop_map(Node::from)]
    });
    group_of(node).prop_map(Filter::from)
}

/// Numbers where integer and float comparisons part ways.
fn edge_number() -> impl Strategy<Value = Value> {
    prop::sample::select(vec![
        json!(u64::MAX),
        json!(i64::MAX),
        json!(9_223_372_036_854_775_808u64),
        json!(i64::MIN),
        json!(9_007_199_254_740_993u64),
        json!(9_007_199_254_740_992.0),
        json!(-0.0),
    ])
}

/// Records whose fields fit [`ClusterRecord`](siftql::eval::ClusterRecord)'s
/// typed members — strings, numbers, a boolean, a list of strings, each
/// maybe missing or null — plus JSON in `metadata` and the untyped `x`.
pub fn cluster_record() -> impl Strategy<Value = Value> {
    let text = vocab_string;
    let number = prop_oneof![3 => vocab_number(), 1 => edge_number()];
    let maybe = |v: BoxedStrategy<Value>| prop_oneof![1 => Just(None), 1 => Just(Some(Value::Null)), 4 => v.prop_map(Some)];
    (
        (maybe(text().boxed()), maybe(text().boxed())),
        (maybe(number.clone().boxed()), maybe(number.boxed())),
        maybe(any::<bool>().prop_map(Value::Bool).boxed()),
        maybe(
            prop::collection::vec(text(), 0..3)
                .prop_map(Value::Array)
                .boxed(),
        ),
        vocab_record(),
    )
        .prop_map(|((status, name), (clusters, sample), flag, inputs, rest)| {
            let mut obj = serde_json::Map::new();
            let typed = [
                ("status", status),
                ("cluster_name", name),
                ("num_clusters", clusters),
                ("sample_size", sample),
                ("hierarchical_vector", flag),
                ("input_collections", inputs),
                ("metadata", rest.get("a").cloned()),
                ("x", rest.get("x").cloned()),
            ];
            for (k, v) in typed {
                if let Some(v) = v {
                    obj.insert(k.to_owned(), v);
                }
            }
            Value::Object(obj)
        })
}

/// Filters over the fields of [`cluster_record`]s (and paths into them),
/// with every operator and numbers at the edges.
pub fn cluster_filter() -> impl Strategy<Value = Filter> {
    use Operator::*;
    let fields = vec![
        "status",
        "cluster_name",
        "num_clusters",
        "sample_size",
        "hierarchical_vector",
        "input_collections",
        "input_collections.1",
        "metadata",
        "metadata.s",
        "x",
    ];
    let cond = (
        prop::sample::select(Operator::ALL.to_vec()),
        prop::sample::select(fields),
        prop::bool::weighted(0.2),
    )
        .prop_flat_map(|(op, field, cs)| {
            let lit = match op {
                Eq | Ne | Gt | Gte | Lt | Lte => {
                    prop_oneof![4 => vocab_literal(op), 1 => edge_number()].boxed()
                }
                _ => vocab_literal(op),
            };
            (Just(op), Just(field), Just(cs), lit)
        })
        .prop_map(|(op, field, cs, value)| {
            let mut c = Condition::new(FieldPath::new(field).unwrap(), op, Operand::Literal(value));
            c.case_sensitive = cs;
            Node::from(c)
        });
    let node = cond.clone().prop_recursive(
        2,
        12,
        3,
        move |inner| prop_oneof![2 => cond.clone(), 1 => group_of(inner).prop_map(Node::from)],
    );
    group_of(node).prop_map(Filter::from)
}

#[cfg(feature = "sql")]
/// Filters of every operator on the vocabulary's paths, with every kind of
/// value (arrays, RFC 3339 ranges, number path segments): what
/// `compile_rechecked` must take on every dialect.
pub fn any_filter() -> impl Strategy<Value = Filter> {
    // Paths with number segments too (index an array, else a key).
    let fields: Vec<&str> = VOCAB
        .iter()
        .copied()
        .chain(["tags.0", "tags.1", "a.0", "a.0.s", "a.-1"])
        .collect();
    filter_of(move || condition_on(Operator::ALL.to_vec(), fields.clone()).boxed())
}

#[cfg(feature = "sql")]
/// Conditions the SQL backend compiles on every JSON path of `dialect`: the
/// operators of its capability table, no array/object values, and on
/// PostgreSQL and MySQL no RFC 3339 range literals.
pub fn sql_condition(dialect: siftql::sql::Dialect) -> impl Strategy<Value = Condition> {
    use Operator::*;
    let pg = dialect != siftql::sql::Dialect::Sqlite;
    let ops = Operator::ALL
        .into_iter()
        .filter(|op| siftql::sql::capability(dialect, *op).is_ok())
        .collect();
    vocab_condition_of(ops).prop_map(move |mut c| {
        if let (Operand::Literal(v), true) =
            (&mut c.value, dialect == siftql::sql::Dialect::Postgres)
        {
            // PostgreSQL refuses radii under 1e-100 m.
            if v["radius"].as_f64().is_some_and(|r| r < 1e-100) {
                v["radius"] = json!(1e-100);
            }
        }
        if let Operand::Literal(Value::Array(items)) = &c.value {
            if !matches!(c.operator, In | Nin) {
                c.value = Operand::Literal(items.first().cloned().unwrap_or(Value::Null));
            }
        }
        if let Operand::Literal(Value::String(s)) = &c.value {
            if pg && matches!(c.operator, Gt | Gte | Lt | Lte) && s.starts_with("2024") {
                c.value = Operand::Literal(Value::String("x".to_owned()));
            }
        }
        c
    })
}

#[cfg(feature = "sql")]
/// Filters of [`sql_condition`]s: mostly small and shallow, so that they
/// match some records and not others.
pub fn sql_filter(dialect: siftql::sql::Dialect) -> impl Strategy<Value = Filter> {
    filter_of(move || sql_condition(dialect).boxed())
}

#[cfg(feature = "sql")]
/// Small filters (up to two levels of groups, `NOT` lists included) of the
/// conditions `cond` draws.
pub fn filter_of(
    cond: impl Fn() -> BoxedStrategy<Condition> + Clone + 'static,
) -> impl Strategy<Value = Filter> {
    fn small(node: impl Strategy<Value = Node> + Clone) -> impl Strategy<Value = Group> {
        let some = |n: std::ops::Range<usize>, node| prop::collection::vec(node, n).prop_map(Some);
        (
            prop_oneof![1 => Just(None), 3 => some(1..3, node.clone())],
            prop_oneof![3 => Just(None), 1 => some(1..3, node.clone())],
            prop_oneof![3 => Just(None), 1 => some(1..2, node)],
            prop::bool::weighted(0.15),
        )
            .prop_map(|(and, or, not, cs)| {
                let mut g = Group::default();
                g.and = and;
                g.or = or;
                g.not = not;
                g.case_sensitive = cs;
                g
            })
    }
    let leaf = cond().prop_map(Node::from);
    let node = leaf.prop_recursive(2, 6, 3, move |inner| {
        prop_oneof![3 => cond().prop_map(Node::from), 1 => small(inner).prop_map(Node::from)]
    });
    small(node).prop_map(Filter::from)
}

/// Records that fit [`TYPED_SCHEMA`]: `s` text, `n` number, `b` boolean, `t`
/// an RFC 3339 date-time or date — each maybe missing or null — plus JSON
/// fields `a` and `tags`.
pub fn typed_record() -> impl Strategy<Value = Value> {
    let text = prop::sample::select(vec![
        "x",
        "X",
        "abc",
        "ABC",
        "a%b",
        "a_b",
        "É",
        "é",
        "",
        "2024-01-01",
        "Running dogs, ran!",
        "Straße 42: ÜBER-läufer",
    ]);
    let instant = prop::sample::select(vec![
        "2024-01-01",
        "2024-01-01T00:00:00Z",
        "2024-01-01T01:30:00+02:00",
        "2023-12-31T23:59:59.5Z",
        "2025-06-01T12:00:00-05:00",
    ]);
    let maybe = |v: BoxedStrategy<Value>| prop_oneof![1 => Just(None), 1 => Just(Some(Value::Null)), 4 => v.prop_map(Some)];
    (
        maybe(text.prop_map(|s| json!(s)).boxed()),
        maybe(prop_oneof![(-3i64..4).prop_map(Value::from), Just(json!(2.5))].boxed()),
        maybe(any::<bool>().prop_map(Value::Bool).boxed()),
        maybe(instant.prop_map(|s| json!(s)).boxed()),
        vocab_record(),
    )
        .prop_map(|(s, n, b, t, rest)| {
            let mut obj = serde_json::Map::new();
            for (k, v) in [("s", s), ("n", n), ("b", b), ("t", t)] {
                if let Some(v) = v {
                    obj.insert(k.to_owned(), v);
                }
            }
            for k in ["a", "tags", "loc"] {
                if let Some(v) = rest.get(k) {
                    obj.insert(k.to_owned(), v.clone());
                }
            }
            Value::Object(obj)
        })
}

#[cfg(feature = "sql")]
/// The schema of [`typed_record`]s.
pub const TYPED_SCHEMA: &str = r#"{"table": "TABLE", "document": "doc", "open": true, "columns": [
    {"field": "s", "column": "s", "type": "text"},
    {"field": "n", "column": "n", "type": "float"},
    {"field": "b", "column": "b", "type": "bool"},
    {"field": "t", "column": "t", "type": "timestamp"},
    {"field": "tags", "column": "tags", "type": "json"}]}"#;

#[cfg(feature = "sql")]
/// Conditions on the typed fields (and a JSON one) with literals of every
/// type, so that mismatches are exercised too.
pub fn typed_filter(dialect: siftql::sql::Dialect) -> impl Strategy<Value = Filter> {
    use Operator::*;
    let ops: Vec<Operator> = Operator::ALL
        .into_iter()
        .filter(|op| siftql::sql::capability(dialect, *op).is_ok())
        .collect();
    let cond = (
        prop::sample::select(ops),
        prop::sample::select(vec!["s", "n", "b", "t", "a", "loc", "tags", "tags.s"]),
        prop::bool::weighted(0.2),
    )
        .prop_flat_map(|(op, field, cs)| {
            let lit: BoxedStrategy<Value> = match op {
                Phrase | Words | GeoPolygon => vocab_literal(op),
                // 1e-100 m is PostgreSQL's smallest radius.
                GeoRadius => vocab_literal(op)
                    .prop_map(|mut v| {
                        if v["radius"].as_f64().is_some_and(|r| r < 1e-100) {
                            v["radius"] = json!(1e-100);
                        }
                        v
                    })
                    .boxed(),
                GeoBoundingBox => vocab_literal(op),
                Exists | IsNull => any::<bool>().prop_map(Value::Bool).boxed(),
                In | Nin => prop::collection::vec(
                    prop::sample::select(vec![
                        json!("x"),
                        json!("abc"),
                        json!(1),
                        json!(2.5),
                        json!(true),
                        Value::Null,
                        json!("2024-01-01"),
                    ]),
                    0..3,
                )
                .prop_map(Value::Array)
                .boxed(),
                Gt | Lt | Gte | Lte => prop::sample::select(vec![
                    json!("b"),
                    json!("É"),
                    json!(0),
                    json!(2.5),
                    json!("2024-01-01"),
                    json!("2024-01-01T00:30:00+01:00"),
                ])
                .boxed(),
                StartsWith | EndsWith | Text | Regex => prop::sample::select(vec![
                    json!("a"),
                    json!("X"),
                    json!("%"),
                    json!("_"),
                    json!(""),
                    json!("2024"),
                ])
                .boxed(),
                _ => prop::sample::select(vec![
                    json!("x"),
                    json!("ABC"),
                    json!("é"),
                    json!(1),
                    json!(2.5),
                    json!(true),
                    Value::Null,
                    json!("2024-01-01"),
                ])
                .boxed(),
            };
            (Just(op), Just(field), Just(cs), lit)
        })
        .prop_filter(
            "RFC 3339 range literals on text compile only on SQLite",
            move |(op, field, _, lit)| {
                dialect == siftql::sql::Dialect::Sqlite
                    || !matches!(*field, "a" | "s" | "loc" | "tags" | "tags.s")
                    || !matches!(op, Gt | Lt | Gte | Lte)
                    || !lit.as_str().is_some_and(|s| s.starts_with("2024"))
            },
        )
        .prop_map(|(op, field, cs, lit)| {
            let mut c = Condition::new(FieldPath::new(field).unwrap(), op, Operand::Literal(lit));
            c.case_sensitive = cs;
            Node::from(c)
        });
    let node = cond.prop_recursive(2, 6, 3, |inner| {
        prop_oneof![
            2 => inner.clone(),
            1 => (prop::collection::vec(inner.clone(), 1..3), prop::option::of(prop::collection::vec(inner, 1..3)))
                .prop_map(|(and, not)| {
                    let mut g = Group::all(and);
                    g.not = not;
                    Node::from(g)
                }),
        ]
    });
    prop::collection::vec(node, 1..3).prop_map(|items| Filter::from(Group::all(items)))
}
