//! PostgreSQL connections killed under the pool (a server restart looks the same to us):
//! the pool notices on checkout and reconnects, with no restart of ours.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

mod common;

use diesel_async::{AsyncConnection, AsyncPgConnection};

#[derive(diesel::QueryableByName)]
struct Killed {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pool_recovers_after_the_server_drops_every_connection() {
    let Some(t) = common::postgres().await else {
        eprintln!("TEST_DATABASE_URL not set: skipped");
        return;
    };
    // Open a few pooled connections and prove they work.
    for _ in 0..3 {
        t.db.ping().await.unwrap();
    }
    let before = t.db.count_users().await.unwrap();
    assert!(t.db.pool_state().size >= 1);

    // Kill every server process serving this test's schema, as a restart would.
    let admin = std::env::var("TEST_DATABASE_URL").unwrap();
    let mut c = AsyncPgConnection::establish(&admin).await.unwrap();
    let app = t.pg_schema().unwrap();
    let killed: Vec<Killed> = diesel_async::RunQueryDsl::load(
        diesel::sql_query(format!(
            "SELECT count(*) AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = '{app}') t"
        )),
        &mut c,
    )
    .await
    .unwrap();
    assert!(
        killed[0].n >= 1,
        "the test really dropped pooled connections"
    );

    // The next calls succeed on fresh connections.
    let mut ok = 0;
    for _ in 0..5 {
        if t.db.count_users().await.is_ok() {
            ok += 1;
        }
    }
    assert_eq!(ok, 5, "every call after the drop succeeds");
    assert_eq!(t.db.count_users().await.unwrap(), before);
}
