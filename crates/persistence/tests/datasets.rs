//! Datasets: stored with their rows in one transaction, once per file and client, read by
//! dimension and period, deleted with their rows — on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use seo_domain::{ClientInput, NewDataset, NewDatasetRow, PageRequest};
use seo_persistence::DbError;
use serde_json::json;

fn dataset(client_id: uuid::Uuid, sha: &str) -> NewDataset {
    NewDataset {
        client_id,
        campaign_id: None,
        kind: "search_performance".into(),
        source: "gsc".into(),
        file_name: "Queries.csv".into(),
        sha256: sha.into(),
        period_from: chrono::NaiveDate::from_ymd_opt(2026, 9, 1),
        period_to: chrono::NaiveDate::from_ymd_opt(2026, 9, 28),
        rows_rejected: 1,
        errors: json!([{"row": 3, "column": "clicks", "message": "'x' is not a whole number"}]),
        summary: json!({"dimensions": {}}),
        created_by: None,
    }
}

fn rows() -> Vec<NewDatasetRow> {
    (0..5)
        .map(|i| NewDatasetRow {
            dimension: if i < 3 { "query" } else { "page" }.into(),
            period: if i == 1 { "previous" } else { "current" }.into(),
            key: format!("k{i}"),
            data: json!({"clicks": i}).to_string(),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn datasets_are_stored_once_read_by_dimension_and_deleted_with_their_rows() {
    for t in common::backends().await {
        let db = &t.db;
        let client = db
            .create_client(
                ClientInput {
                    company_name: "Data Co".into(),
                    ..Default::default()
                }
                .validate()
                .unwrap(),
            )
            .await
            .unwrap();
        let (d, dup) = db
            .create_dataset(dataset(client.id, "abc"), rows())
            .await
            .unwrap();
        assert!(!dup, "{}", t.name);
        assert_eq!((d.rows_accepted, d.rows_rejected), (5, 1));
        assert_eq!(d.period_to.unwrap().to_string(), "2026-09-28");
        assert_eq!(d.errors[0]["row"], 3);
        // The same file again: the stored one, nothing written.
        let (again, dup) = db
            .create_dataset(dataset(client.id, "abc"), rows())
            .await
            .unwrap();
        assert!(dup);
        assert_eq!(again.id, d.id);
        let (other, _) = db
            .create_dataset(dataset(client.id, "def"), Vec::new())
            .await
            .unwrap();
        let list = db
            .list_datasets(client.id, None, PageRequest::default())
            .await
            .unwrap();
        assert_eq!(list.total, 2, "{}", t.name);
        assert_eq!(list.items[0].id, other.id, "newest first");
        let none = db
            .list_datasets(client.id, Some("backlinks".into()), PageRequest::default())
            .await
            .unwrap();
        assert_eq!(none.total, 0);
        let latest = db
            .latest_dataset(client.id, None, "search_performance")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(latest.id, other.id);

        let q = db
            .dataset_rows(
                d.id,
                Some("query".into()),
                Some("current".into()),
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(
            q.items.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(),
            ["k0", "k2"]
        );
        assert_eq!(q.items[1].data["clicks"], 2);
        let page = db
            .dataset_rows(
                d.id,
                None,
                None,
                PageRequest::new(Some(2), Some(2)).unwrap(),
            )
            .await
            .unwrap();
        assert_eq!((page.total, page.items[0].n), (5, 3));
        assert!(matches!(
            db.dataset_rows(uuid::Uuid::new_v4(), None, None, PageRequest::default())
                .await,
            Err(DbError::NotFound(_))
        ));

        db.delete_dataset(d.id).await.unwrap();
        assert!(matches!(
            db.get_dataset(d.id).await,
            Err(DbError::NotFound(_))
        ));
        assert!(matches!(
            db.delete_dataset(d.id).await,
            Err(DbError::NotFound(_))
        ));
        // The file can be imported again once deleted.
        let (_, dup) = db
            .create_dataset(dataset(client.id, "abc"), rows())
            .await
            .unwrap();
        assert!(!dup);
    }
}
