//! The hand-written baseline for `benches/filter_vs_jq.sh`: a typed serde
//! program that streams JSON Lines from stdin, deserializes each line into a
//! struct, applies the benchmark's filter written as Rust, and prints the
//! matching lines. It is what a user would write without siftql.

use std::io::{self, BufRead, BufWriter, Write};

#[derive(serde::Deserialize)]
struct Cluster<'a> {
    #[serde(borrow)]
    status: Option<&'a str>,
    num_clusters: Option<f64>,
    #[serde(borrow)]
    algorithm: Option<&'a str>,
    #[serde(borrow)]
    cluster_name: Option<&'a str>,
    hierarchical_vector: Option<bool>,
}

fn eq_ci(s: &str, lit: &str) -> bool {
    s.eq_ignore_ascii_case(lit)
}

/// status = "completed" and num_clusters >= 10 and algorithm in ["kmeans", "hdbscan"]
/// and not cluster_name starts with "faces" and hierarchical_vector = true
fn keep(c: &Cluster<'_>) -> bool {
    c.status.is_some_and(|s| eq_ci(s, "completed"))
        && c.num_clusters.is_some_and(|n| n >= 10.0)
        && c.algorithm
            .is_some_and(|a| eq_ci(a, "kmeans") || eq_ci(a, "hdbscan"))
        && !c
            .cluster_name
            .is_some_and(|n| n.len() >= 5 && n.as_bytes()[..5].eq_ignore_ascii_case(b"faces"))
        && c.hierarchical_vector == Some(true)
}

fn main() -> io::Result<()> {
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut line = String::new();
    while input.read_line(&mut line)? > 0 {
        let text = line.trim_end_matches(['\n', '\r']);
        if !text.is_empty() {
            let c: Cluster<'_> = serde_json::from_str(text).map_err(io::Error::other)?;
            if keep(&c) {
                out.write_all(text.as_bytes())?;
                out.write_all(b"\n")?;
            }
        }
        line.clear();
    }
    out.flush()
}
