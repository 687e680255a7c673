//! `stats.clusters_by_status`: statuses that filters match together (equal
//! under the Unicode lowercase) are counted together, under the group's
//! most common spelling (ties: the first in code-point order), whichever
//! way the filtered set is read and on every database.

use serde_json::{json, Value};
use siftql::sql::OnePass;
use siftql_server::Config;

use crate::{on_every_database, Api, Kind};

on_every_database!(status_case_folded);

fn status_case_folded(s: &Api) {
    let statuses = [
        Some("COMPLETED"),
        Some("completed"),
        Some("Completed"),
        Some("FAILED"),
        None,
    ];
    let records: Vec<String> = statuses
        .iter()
        .enumerate()
        .map(|(i, st)| {
            let mut r = json!({"cluster_id": format!("s{i}"), "namespace_id": "ns_s", "num_documents_clustered": 1});
            if let Some(st) = st {
                r["status"] = json!(st);
            }
            r.to_string()
        })
        .collect();
    s.table.load(&records);
    let passes: &[OnePass] = match s.table.kind {
        Kind::Mariadb => &[OnePass::Rows],
        Kind::Sqlite | Kind::Postgres => &[OnePass::Rows, OnePass::Materialized],
    };
    let ns = [("X-Namespace", "ns_s")];
    for &pass in passes {
        let api = s.with_config(Config {
            one_pass: Some(pass),
            ..Config::default()
        });
        let stats = |body: Value| {
            let r = api.list_with("", &ns, &body);
            assert_eq!(r.status, 200, "{pass:?} {body}: {}", r.body);
            r.json()["stats"].clone()
        };
        // Three spellings, one row each: the first in code-point order
        // names them. The missing status is only in the total.
        let v = stats(json!({}));
        assert_eq!(
            v,
            json!({"total_clusters": 5, "total_documents": 5, "avg_documents_per_cluster": 1.0,
                   "clusters_by_status": {"COMPLETED": 3, "FAILED": 1}}),
            "{pass:?}"
        );
        // What a filter on the status matches is the group's count.
        let v = stats(json!({"filter": "status = completed"}));
        assert_eq!(v["total_clusters"], 3, "{pass:?}");
        assert_eq!(v["clusters_by_status"], json!({"COMPLETED": 3}), "{pass:?}");
        // A case-sensitive filter selects one spelling, named as it is.
        let v = stats(json!({"filter": "case_sensitive status = Completed"}));
        assert_eq!(v["clusters_by_status"], json!({"Completed": 1}), "{pass:?}");
    }
    // One more `completed`: now the most common spelling names the group.
    s.table.load(&[
        json!({"cluster_id": "s9", "namespace_id": "ns_s", "status": "completed"}).to_string(),
    ]);
    for &pass in passes {
        let api = s.with_config(Config {
            one_pass: Some(pass),
            ..Config::default()
        });
        let r = api.list_with("", &ns, &json!({}));
        assert_eq!(
            r.json()["stats"]["clusters_by_status"],
            json!({"completed": 4, "FAILED": 1}),
            "{pass:?}"
        );
    }
}
