//! `seo-architects import --client ID FILE`: an export becomes a dataset of the client; the
//! same file again is the same dataset; a file of no known shape, an unknown client or a
//! campaign of another client exit 2 and store nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::process::Command;

use seo_domain::{ClientInput, PageRequest};

const BIN: &str = env!("CARGO_BIN_EXE_seo-architects");

fn import(db: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .arg("import")
        .args(args)
        .env("DATABASE_URL", db)
        .env_remove("REDIS_URL")
        .env("LOG_LEVEL", "error")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_becomes_a_dataset_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.db");
    let db_url = format!("sqlite://{}", path.display());
    let url = seo_persistence::DatabaseUrl::Sqlite(path.clone());
    let db = seo_persistence::Database::connect(
        &url,
        &seo_persistence::DbOptions::for_backend(url.backend()),
    )
    .await
    .unwrap();
    db.migrate().await.unwrap();
    let client = db
        .create_client(
            ClientInput {
                company_name: "Import Co".into(),
                ..Default::default()
            }
            .validate()
            .unwrap(),
        )
        .await
        .unwrap();
    let id = client.id.to_string();
    let file = dir.path().join("Queries.csv");
    std::fs::write(
        &file,
        "Популярные запросы,Клики,Показы,CTR,Позиция\nкупить обувь,10,200,5%,3.5\nботинки,x,50,0%,12\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();

    let (code, out, err) = import(&db_url, &["--client", &id, f]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["kind"].as_str(), v["source"].as_str()),
        (Some("search_performance"), Some("gsc"))
    );
    assert_eq!(
        (v["rows_accepted"].as_i64(), v["rows_rejected"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(v["errors"][0]["row"], 3);
    assert_eq!(v["summary"]["dimensions"]["query"]["current"]["clicks"], 10);
    assert_eq!(v["duplicate"], false);

    let (code, out, _) = import(&db_url, &["--client", &id, f]);
    assert_eq!(code, 0);
    let again: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (again["id"].clone(), again["duplicate"].clone()),
        (v["id"].clone(), serde_json::json!(true))
    );

    // Strict mode refuses the file for its one bad row.
    let (code, _, err) = import(&db_url, &["--client", &id, "--strict", f]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("strict"), "{err}");

    let other = dir.path().join("other.csv");
    std::fs::write(&other, "name,age\nbob,3\n").unwrap();
    let (code, _, err) = import(&db_url, &["--client", &id, other.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("fits no known export"), "{err}");
    let (code, _, err) = import(&db_url, &["--client", &uuid::Uuid::new_v4().to_string(), f]);
    assert_eq!(code, 2);
    assert!(err.contains("not found"), "{err}");
    let (code, _, err) = import(&db_url, &["--client", &id, "--kind", "backlinks", f]);
    assert_eq!(code, 2);
    assert!(err.contains("not the backlinks"), "{err}");

    let list = db
        .list_datasets(client.id, None, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(list.total, 1, "refused files store nothing");
}
