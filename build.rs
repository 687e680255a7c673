//! Tells the tests which database servers they may use: `siftql_postgres`
//! when `SIFTQL_TEST_POSTGRES_URL` is set, `siftql_mysql` when
//! `SIFTQL_TEST_MYSQL_URL` is. A database test is `#[ignore]`d without its
//! URL, so a run reports it as ignored (with the variable to set) instead
//! of passing a test that ran nothing. The `cli` and `server` packages use
//! this same script.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(siftql_postgres, siftql_mysql)");
    for (var, cfg) in [
        ("SIFTQL_TEST_POSTGRES_URL", "siftql_postgres"),
        ("SIFTQL_TEST_MYSQL_URL", "siftql_mysql"),
    ] {
        println!("cargo::rerun-if-env-changed={var}");
        if std::env::var_os(var).is_some_and(|v| !v.is_empty()) {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}
