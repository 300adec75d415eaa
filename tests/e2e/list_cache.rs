//! The client list is served from each instance's cache only while the clients table is
//! unchanged: every write, on this instance or on another, is seen by the very next list.

use reqwest::Method;
use serde_json::{Value, json};

use seo_e2e::{TestApp, spawn_with};

async fn names(app: &TestApp, t: &str) -> Vec<String> {
    let (s, page) = app.send(Method::GET, "/api/clients?size=50", t, None).await;
    assert_eq!(s, 200, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["company_name"].as_str().unwrap().to_string())
        .collect()
}

async fn create(app: &TestApp, t: &str, name: &str) -> Value {
    let (s, c) = app
        .send(
            Method::POST,
            "/api/clients",
            t,
            Some(json!({"company_name": name})),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    c
}

/// Reads after writes, with the same list cached in between each time.
async fn every_write_is_seen_by_the_next_list(writer: &TestApp, reader: &TestApp) {
    let (tw, tr) = (writer.admin_token().await, reader.admin_token().await);
    assert!(names(reader, &tr).await.is_empty());
    assert!(names(reader, &tr).await.is_empty(), "served twice (cached)");
    let c = create(writer, &tw, "Alpha Ltd").await;
    assert_eq!(names(reader, &tr).await, ["Alpha Ltd"]);
    let id = c["id"].as_str().unwrap();
    let (s, _) = writer
        .send(
            Method::PATCH,
            &format!("/api/clients/{id}"),
            &tw,
            Some(json!({"company_name": "Alpha Group"})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(names(reader, &tr).await, ["Alpha Group"]);
    let (s, _) = writer
        .send(Method::DELETE, &format!("/api/clients/{id}"), &tw, None)
        .await;
    assert_eq!(s, 204);
    assert!(names(reader, &tr).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_instance_lists_every_write_at_once() {
    let app = spawn_with(|_| {}).await;
    every_write_is_seen_by_the_next_list(&app, &app).await;
    let (hits, misses) = app.running.state.lists.counts();
    assert!(hits >= 1 && misses >= 4, "hits {hits}, misses {misses}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_instance_lists_every_write_at_once() {
    let Some((db, redis)) = seo_e2e::external_services().await else {
        return;
    };
    let a = spawn_with(|c| {
        c.database_url = db.clone();
        c.redis_url = Some(redis.clone());
    })
    .await;
    let b = spawn_with(|c| {
        c.database_url = db;
        c.redis_url = Some(redis);
    })
    .await;
    every_write_is_seen_by_the_next_list(&a, &b).await;
}
