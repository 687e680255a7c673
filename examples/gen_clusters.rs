//! Generates the bundled example data set, `examples/clusters.jsonl`:
//!
//! ```sh
//! cargo run --example gen_clusters -- 3000 > examples/clusters.jsonl
//! ```
//!
//! Records follow the List Clusters response record, with the mess real data
//! has: missing fields, explicit nulls, arrays, mixed case, unicode, dates
//! with offsets and date-only values, and geo points in all three encodings.
//! The output is the same for the same count (a fixed-seed xorshift PRNG).

use serde_json::{json, Map, Value};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const STATUSES: [&str; 6] = [
    "PENDING",
    "PROCESSING",
    "COMPLETED",
    "FAILED",
    "completed",
    "Archived",
];
const ALGORITHMS: [&str; 5] = ["kmeans", "hdbscan", "agglomerative", "spectral", "HDBSCAN"];
const TEAMS: [&str; 6] = [
    "search",
    "ML",
    "growth",
    "Trust & Safety",
    "data-eng",
    "Équipe Paris",
];
const WORDS: [&str; 12] = [
    "products",
    "faces",
    "scenes",
    "running",
    "dogs",
    "runner",
    "gpu",
    "catalog",
    "Ünïcode",
    "videos",
    "images",
    "50%_off",
];
const MODELS: [&str; 4] = [
    "gpt-4o-mini-2024-07-18",
    "gpt-4",
    "claude-3-haiku",
    "GPT-4-turbo",
];

fn date(rng: &mut Rng) -> Value {
    let (y, m, d) = (2023 + rng.below(3), 1 + rng.below(12), 1 + rng.below(28));
    let (h, min, s) = (rng.below(24), rng.below(60), rng.below(60));
    match rng.below(5) {
        0 => json!(format!("{y}-{m:02}-{d:02}")),
        1 => json!(format!("{y}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}+02:00")),
        2 => json!(format!(
            "{y}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{:03}Z",
            rng.below(1000)
        )),
        _ => json!(format!("{y}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}Z")),
    }
}

fn location(rng: &mut Rng) -> Value {
    // Whole hundredths, so the numbers print as short decimals.
    let lat = (rng.below(18_001) as i64 - 9_000) as f64 / 100.0;
    let lon = (rng.below(36_001) as i64 - 18_000) as f64 / 100.0;
    match rng.below(3) {
        0 => json!({"lat": lat, "lon": lon}),
        1 => json!([lon, lat]),
        _ => json!({"type": "Point", "coordinates": [lon, lat]}),
    }
}

fn record(i: u64, rng: &mut Rng) -> Value {
    let mut r = Map::new();
    let word = rng.pick(&WORDS);
    r.insert("cluster_id".into(), json!(format!("clu_{i:05}")));
    r.insert(
        "cluster_name".into(),
        json!(format!("{word}_{}_{i}", rng.pick(&ALGORITHMS))),
    );
    r.insert("namespace_id".into(), json!(format!("ns_{}", rng.below(4))));
    if rng.chance(85) {
        r.insert("status".into(), json!(rng.pick(&STATUSES)));
    } else if rng.chance(50) {
        r.insert("status".into(), Value::Null);
    }
    r.insert("algorithm".into(), json!(rng.pick(&ALGORITHMS)));
    r.insert("num_clusters".into(), json!(rng.below(50)));
    let docs = rng.below(100_000);
    r.insert(
        "num_documents_clustered".into(),
        if rng.chance(10) {
            json!(docs as f64)
        } else {
            json!(docs)
        },
    );
    if rng.chance(70) {
        r.insert(
            "execution_time_seconds".into(),
            json!((rng.below(100_000) as f64) / 100.0),
        );
    }
    let n = rng.below(4);
    let tags: Vec<&str> = (0..n).map(|_| rng.pick(&WORDS)).collect();
    r.insert("input_collections".into(), json!(tags));
    r.insert("created_at".into(), date(rng));
    if rng.chance(60) {
        r.insert("completed_at".into(), date(rng));
    }
    r.insert("hierarchical_vector".into(), json!(rng.chance(30)));
    if rng.chance(80) {
        r.insert(
            "llm_labeling".into(),
            json!({
                "enabled": rng.chance(70),
                "model_name": rng.pick(&MODELS),
                "labeling_inputs": {"input_mappings": [
                    {"input_key": "title", "path": "title", "source_type": "payload"},
                    {"input_key": rng.pick(&["description", "text", "summary"]), "path": "body", "source_type": "payload"}
                ]}
            }),
        );
    }
    let mut meta = Map::new();
    if rng.chance(70) {
        meta.insert("team".into(), json!(rng.pick(&TEAMS)));
    }
    if rng.chance(20) {
        meta.insert("team".into(), Value::Null);
    }
    if rng.chance(50) {
        meta.insert("location".into(), location(rng));
    }
    meta.insert(
        "description".into(),
        json!(format!(
            "Clusters of {} {} for the {} catalog",
            rng.pick(&WORDS),
            rng.pick(&WORDS),
            rng.pick(&TEAMS)
        )),
    );
    r.insert("metadata".into(), Value::Object(meta));
    if rng.chance(10) {
        r.insert("error".into(), json!("Timeout after 300s: \"worker\" lost"));
    }
    Value::Object(r)
}

fn main() {
    let count: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3000);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut out = String::new();
    for i in 0..count {
        out.push_str(&record(i, &mut rng).to_string());
        out.push('\n');
    }
    print!("{out}");
}
