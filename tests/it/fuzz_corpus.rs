//! Replays the committed fuzz corpora (`fuzz/corpus/<target>/*`) through the
//! same checks the fuzz targets run, so every finding stays fixed.

fn replay(target: &str, check: fn(&[u8])) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(
            outcome.is_ok(),
            "{target} corpus file {} fails",
            path.display()
        );
        n += 1;
    }
    assert!(n > 0, "no corpus for {target}");
}

#[test]
fn parse_corpus() {
    replay("parse", siftql::fuzz::parse);
}

#[test]
fn json_corpus() {
    replay("json", siftql::fuzz::json);
}

#[test]
fn roundtrip_corpus() {
    replay("roundtrip", siftql::fuzz::roundtrip);
}

#[test]
#[cfg(feature = "eval")]
fn eval_corpus() {
    replay("eval", siftql::fuzz::eval);
}

#[test]
#[cfg(feature = "sql")]
fn sql_corpus() {
    replay("sql", siftql::fuzz::sql);
}
