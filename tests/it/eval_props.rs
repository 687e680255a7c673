//! Properties of the evaluator over generated filters and records.

use proptest::prelude::*;
use serde_json::Value;
use siftql::eval::{ClusterRecord, Predicate, RawRecord};
use siftql::{Condition, Filter, Group, Node, Operator};

use crate::gen;

fn eval(f: &Filter, r: &Value) -> bool {
    Predicate::new(f).unwrap().matches(r)
}

fn with_op(c: &Condition, op: Operator) -> Filter {
    let mut c = c.clone();
    c.operator = op;
    Group::all(vec![c.into()]).into()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn ne_is_not_eq(c in gen::vocab_condition_of(vec![Operator::Eq]), r in gen::vocab_record()) {
        prop_assert_eq!(eval(&with_op(&c, Operator::Ne), &r), !eval(&with_op(&c, Operator::Eq), &r));
    }

    #[test]
    fn nin_is_not_in(c in gen::vocab_condition_of(vec![Operator::In]), r in gen::vocab_record()) {
        prop_assert_eq!(eval(&with_op(&c, Operator::Nin), &r), !eval(&with_op(&c, Operator::In), &r));
    }

    /// A `NOT` list matches when none of its items does; De Morgan holds
    /// between `NOT [OR [a, b]]` and `NOT [a, b]`, and between
    /// `NOT [AND [a, b]]` and `OR [NOT [a], NOT [b]]`.
    #[test]
    fn not_lists_and_de_morgan(a in gen::vocab_filter(), b in gen::vocab_filter(), r in gen::vocab_record()) {
        let (na, nb): (Node, Node) = (a.root.clone().into(), b.root.clone().into());
        let (ea, eb) = (eval(&a, &r), eval(&b, &r));
        let none: Filter = Group::none(vec![na.clone(), nb.clone()]).into();
        prop_assert_eq!(eval(&none, &r), !ea && !eb);
        let not_or: Filter = Group::none(vec![Group::any(vec![na.clone(), nb.clone()]).into()]).into();
        prop_assert_eq!(eval(&not_or, &r), eval(&none, &r));
        let not_and: Filter = Group::none(vec![Group::all(vec![na.clone(), nb.clone()]).into()]).into();
        let or_nots: Filter = Group::any(vec![Group::none(vec![na]).into(), Group::none(vec![nb]).into()]).into();
        prop_assert_eq!(eval(&not_and, &r), eval(&or_nots, &r));
        prop_assert_eq!(eval(&not_and, &r), !(ea && eb));
    }

    /// SPEC §2 round trip 4: JSON → DSL → JSON means the same.
    #[test]
    fn json_dsl_json_means_the_same(f in gen::vocab_filter(), records in prop::collection::vec(gen::vocab_record(), 1..8)) {
        let back = Filter::parse(&Filter::from_json_str(&f.to_json_string()).unwrap().to_string()).unwrap();
        let (p, q) = (Predicate::new(&f).unwrap(), Predicate::new(&back).unwrap());
        for r in &records {
            prop_assert_eq!(p.matches(r), q.matches(r));
        }
    }

    /// A predicate specialised to `ClusterRecord` answers as the general one
    /// does over the record's `Value` and over the `ClusterRecord` itself.
    #[test]
    fn typed_predicate_agrees(f in gen::cluster_filter(), r in gen::cluster_record()) {
        let p = Predicate::new(&f).unwrap();
        let typed: ClusterRecord = serde_json::from_value(r.clone()).unwrap();
        let want = p.matches(&r);
        prop_assert_eq!(p.matches(&typed), want, "generic {}", r);
        prop_assert_eq!(p.typed::<ClusterRecord>().matches(&typed), want, "typed {}", r);
    }

    /// The three record representations agree.
    #[test]
    fn record_representations_agree(f in gen::vocab_filter(), r in gen::vocab_record()) {
        let p = Predicate::new(&f).unwrap();
        let want = p.matches(&r);
        let text = r.to_string();
        prop_assert_eq!(p.matches(&RawRecord::parse(&text).unwrap()), want, "raw {}", text);
        if let Ok(typed) = serde_json::from_value::<ClusterRecord>(r.clone()) {
            prop_assert_eq!(p.matches(&typed), want, "typed {}", text);
        }
    }
}
