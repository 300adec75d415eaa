//! The kv layer: the same behaviour from the in-process store and from Redis.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

mod common;

use std::time::Duration;

use seo_persistence::kv::Kv;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn window_counters_count_and_reset() {
    for kv in common::kv_backends().await {
        let w = Duration::from_millis(300);
        let a = kv.incr_window("rl:a", w).await.unwrap();
        let b = kv.incr_window("rl:a", w).await.unwrap();
        assert_eq!((a.count, b.count), (1, 2), "{}", kv.backend());
        assert!(b.resets_in <= w && b.resets_in > Duration::ZERO);
        assert_eq!(
            kv.incr_window("rl:other", w).await.unwrap().count,
            1,
            "keys are independent"
        );
        // The window lapses on the store's clock: the first count of 1 opens a new one.
        let start = std::time::Instant::now();
        while kv.incr_window("rl:a", w).await.unwrap().count != 1 {
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "{}: the window never closed",
                kv.backend()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_expire_and_set_nx_is_exclusive() {
    for kv in common::kv_backends().await {
        kv.set_ex("k", "v", Duration::from_millis(200))
            .await
            .unwrap();
        assert_eq!(
            kv.get("k").await.unwrap().as_deref(),
            Some("v"),
            "{}",
            kv.backend()
        );
        assert!(
            !kv.set_nx_ex("k", "w", Duration::from_secs(5))
                .await
                .unwrap()
        );
        let start = std::time::Instant::now();
        while kv.get("k").await.unwrap().is_some() {
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "{}: never expired",
                kv.backend()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert_eq!(
            kv.get("k").await.unwrap(),
            None,
            "{}: expired",
            kv.backend()
        );
        assert!(
            kv.set_nx_ex("k", "w", Duration::from_secs(5))
                .await
                .unwrap()
        );
        let many = kv.get_many(&["k".into(), "missing".into()]).await.unwrap();
        assert_eq!(many, vec![Some("w".to_string()), None]);
        assert!(kv.delete("k").await.unwrap());
        assert!(!kv.delete("k").await.unwrap());
        assert_eq!(kv.get("missing").await.unwrap(), None);
        kv.ping().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_reaches_every_subscriber() {
    for kv in common::kv_backends().await {
        let mut s1 = kv.subscribe("events").await.unwrap();
        let mut s2 = kv.subscribe("events").await.unwrap();
        let mut other = kv.subscribe("other").await.unwrap();
        kv.publish("events", "one").await.unwrap();
        kv.publish("events", "two").await.unwrap();
        for s in [&mut s1, &mut s2] {
            let got = tokio::time::timeout(Duration::from_secs(5), async {
                (s.recv().await, s.recv().await)
            })
            .await
            .unwrap();
            assert_eq!(
                got,
                (Some("one".into()), Some("two".into())),
                "{}",
                kv.backend()
            );
        }
        assert!(
            tokio::time::timeout(Duration::from_millis(100), other.recv())
                .await
                .is_err(),
            "channels are separate"
        );
    }
}

/// With Redis, a message published by one instance reaches a subscriber of another, and
/// counters are shared; a different prefix is a separate namespace.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_is_shared_between_instances() {
    let prefix = format!("shared-{}", uuid::Uuid::new_v4().simple());
    let (Some(a), Some(b)) = (
        common::redis_kv(&prefix).await,
        common::redis_kv(&prefix).await,
    ) else {
        eprintln!("TEST_REDIS_URL not set: skipped");
        return;
    };
    let mut sub = b.subscribe("tasks").await.unwrap();
    a.publish("tasks", "from a").await.unwrap();
    let got = tokio::time::timeout(Duration::from_secs(5), sub.recv())
        .await
        .unwrap();
    assert_eq!(got.as_deref(), Some("from a"));
    let w = Duration::from_secs(10);
    a.incr_window("n", w).await.unwrap();
    assert_eq!(b.incr_window("n", w).await.unwrap().count, 2);
    let c = common::redis_kv(&format!("{prefix}-x")).await.unwrap();
    assert_eq!(c.incr_window("n", w).await.unwrap().count, 1);
}
