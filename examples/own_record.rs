//! A record type of your own, filtered by siftql: implement
//! `siftql::eval::Record` (`lookup` is all it needs; `accessor` lets
//! `Predicate::typed` read fields without going through names), then
//! evaluate. Run: `cargo run --example own_record`.

use serde_json::{json, Number, Value};
use siftql::eval::{lookup_json, Accessors, Field, Found, Leaf, Predicate, Record};

/// A job row as an application might hold it.
struct Job {
    name: String,
    retries: Number,
    owner: Option<String>,
    labels: Vec<String>,
    spec: Value,
}

impl Record for Job {
    /// Every value at a dotted path: `None` is reported as missing, and the
    /// JSON `spec` is walked by siftql.
    fn lookup<F: Found>(&self, path: &[Box<str>], found: &mut F) {
        let leaf = match (&*path[0], &path[1..]) {
            ("name", []) => Leaf::Str(&self.name),
            ("retries", []) => Leaf::from(&self.retries),
            ("owner", []) => match &self.owner {
                Some(owner) => Leaf::Str(owner),
                None => return,
            },
            ("labels", []) => Leaf::Strs(&self.labels),
            ("spec", rest) => return lookup_json(&self.spec, rest, found),
            _ => return,
        };
        found(leaf);
    }

    /// Direct reads of the scalar fields for `Predicate::typed`; the others
    /// keep going through `lookup`.
    fn accessor<T: Accessors<Self>>(name: &str, to: T) -> Option<T::Output> {
        Some(match name {
            "name" => to.string(|j: &Job| Field::Value(j.name.as_str())),
            "retries" => to.number(|j: &Job| Field::Value(&j.retries)),
            "owner" => to.string(|j: &Job| match &j.owner {
                Some(o) => Field::Value(o.as_str()),
                None => Field::Missing,
            }),
            _ => return None,
        })
    }
}

fn main() -> Result<(), siftql::Error> {
    let jobs = [
        Job {
            name: "Nightly build".into(),
            retries: 0.into(),
            owner: Some("ops".into()),
            labels: vec!["build".into()],
            spec: json!({"image": "rust:1.85", "gpu": false}),
        },
        Job {
            name: "Train model".into(),
            retries: 2.into(),
            owner: None,
            labels: vec!["ml".into(), "gpu".into()],
            spec: json!({"image": "cuda:12", "gpu": true}),
        },
    ];
    let filter =
        r#"(retries < 3 and labels contains "GPU" and spec.gpu = true) or owner = "CI""#.parse()?;
    let p = Predicate::new(&filter)?;
    let typed = p.typed::<Job>();
    for job in &jobs {
        assert_eq!(typed.matches(job), p.matches(job));
        println!("{:<14} {}", job.name, typed.matches(job));
    }
    assert!(!typed.matches(&jobs[0]) && typed.matches(&jobs[1]));
    Ok(())
}
