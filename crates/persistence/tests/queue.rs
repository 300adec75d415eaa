//! The durable task queue on every configured backend.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;
use std::time::Duration;

use seo_domain::{NewTask, TaskInput, TaskPriority, TaskStatus};
use seo_persistence::{Database, DbError, ExpiredOutcome};
use serde_json::json;

fn task(priority: TaskPriority, max_attempts: i32) -> NewTask {
    let mut t = TaskInput {
        agent_id: "a".into(),
        task_type: "t".into(),
        max_attempts: Some(max_attempts),
        ..Default::default()
    }
    .validate(None)
    .unwrap();
    t.priority = priority;
    t
}

const LEASE: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_highest_priority_then_oldest() {
    for t in common::backends().await {
        let db = &t.db;
        let low = db.create_task(task(TaskPriority::Low, 3)).await.unwrap();
        let n1 = db.create_task(task(TaskPriority::Normal, 3)).await.unwrap();
        let n2 = db.create_task(task(TaskPriority::Normal, 3)).await.unwrap();
        let urgent = db.create_task(task(TaskPriority::Urgent, 3)).await.unwrap();
        let mut order = Vec::new();
        while let Some(c) = db.claim_task("w", LEASE).await.unwrap() {
            assert_eq!((c.task.status, c.task.attempts), (TaskStatus::Running, 1));
            assert!(c.task.started_at.is_some());
            order.push(c.task.id);
        }
        assert_eq!(order, vec![urgent.id, n1.id, n2.id, low.id], "{}", t.name);
        let h = db.queue_health().await.unwrap();
        assert_eq!(
            (h.pending, h.running, h.oldest_pending_age_seconds),
            (0, 4, None)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_lease_holder_can_finish() {
    for t in common::backends().await {
        let db = &t.db;
        let a = db.create_task(task(TaskPriority::Normal, 3)).await.unwrap();
        db.claim_task("w1", LEASE).await.unwrap().unwrap();
        assert!(db.extend_lease(a.id, "w1", LEASE).await.unwrap());
        assert!(!db.extend_lease(a.id, "intruder", LEASE).await.unwrap());
        assert!(db.set_task_progress(a.id, "w1", 150).await.unwrap());
        assert_eq!(db.get_task(a.id).await.unwrap().progress, 100, "clamped");
        assert!(
            db.complete_task(a.id, "intruder", &json!({}))
                .await
                .unwrap()
                .is_none()
        );
        let done = db
            .complete_task(a.id, "w1", &json!({"ok": true}))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (done.status, done.output.clone()),
            (TaskStatus::Completed, Some(json!({"ok": true}))),
            "{}",
            t.name
        );
        assert!(done.finished_at.is_some());
        assert!(
            db.complete_task(a.id, "w1", &json!({"again": 1}))
                .await
                .unwrap()
                .is_none(),
            "finished once"
        );
        assert!(
            db.fail_task(a.id, "w1", "late", None)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            db.get_task(a.id).await.unwrap().output,
            Some(json!({"ok": true}))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_lease_is_claimed_again_until_attempts_run_out() {
    for t in common::backends().await {
        let db = &t.db;
        let a = db.create_task(task(TaskPriority::Normal, 2)).await.unwrap();
        let short = Duration::from_millis(1);
        db.claim_task("dead-1", short).await.unwrap().unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        let out = db.requeue_expired().await.unwrap();
        assert!(
            matches!(&out[..], [ExpiredOutcome::Requeued(x)] if x.id == a.id && x.status == TaskStatus::Pending),
            "{}",
            t.name
        );
        // The dead worker cannot finish it any more.
        assert!(
            db.complete_task(a.id, "dead-1", &json!({}))
                .await
                .unwrap()
                .is_none()
        );
        let again = db.claim_task("dead-2", short).await.unwrap().unwrap();
        assert_eq!((again.task.id, again.task.attempts), (a.id, 2));
        tokio::time::sleep(Duration::from_millis(20)).await;
        let out = db.requeue_expired().await.unwrap();
        assert!(
            matches!(&out[..], [ExpiredOutcome::Failed(x)] if x.status == TaskStatus::Failed),
            "max_attempts honoured"
        );
        assert!(db.claim_task("w", LEASE).await.unwrap().is_none());
        assert!(
            db.get_task(a.id)
                .await
                .unwrap()
                .error
                .unwrap()
                .contains("lease expired")
        );
        assert!(
            db.requeue_expired().await.unwrap().is_empty(),
            "a live lease is left alone"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_retry_with_backoff_then_fail() {
    for t in common::backends().await {
        let db = &t.db;
        let a = db.create_task(task(TaskPriority::Normal, 2)).await.unwrap();
        db.claim_task("w", LEASE).await.unwrap().unwrap();
        let r = db
            .fail_task(
                a.id,
                "w",
                "connection reset",
                Some(Duration::from_secs(3600)),
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(r.status, TaskStatus::Pending, "{}", t.name);
        assert!(
            db.claim_task("w", LEASE).await.unwrap().is_none(),
            "not runnable before its backoff"
        );
        let b = db.create_task(task(TaskPriority::Normal, 2)).await.unwrap();
        db.claim_task("w", LEASE).await.unwrap().unwrap();
        db.fail_task(b.id, "w", "flaky", Some(Duration::ZERO))
            .await
            .unwrap()
            .unwrap();
        let c = db.claim_task("w", LEASE).await.unwrap().unwrap();
        assert_eq!((c.task.id, c.task.attempts), (b.id, 2));
        let f = db
            .fail_task(b.id, "w", "flaky again", Some(Duration::ZERO))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (f.status, f.error.as_deref()),
            (TaskStatus::Failed, Some("flaky again")),
            "no attempts left"
        );
        let tm = db.create_task(task(TaskPriority::Normal, 3)).await.unwrap();
        db.claim_task("w", LEASE).await.unwrap().unwrap();
        let to = db
            .time_out_task(tm.id, "w", "exceeded 300 s")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(to.status, TaskStatus::TimedOut);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_pending_and_running() {
    for t in common::backends().await {
        let db = &t.db;
        let p = db.create_task(task(TaskPriority::Low, 3)).await.unwrap();
        let r = db.create_task(task(TaskPriority::Urgent, 3)).await.unwrap();
        db.claim_task("w", LEASE).await.unwrap().unwrap();
        assert_eq!(
            db.cancel_task(p.id).await.unwrap().status,
            TaskStatus::Cancelled,
            "{}",
            t.name
        );
        assert_eq!(
            db.cancel_task(r.id).await.unwrap().status,
            TaskStatus::Cancelled
        );
        assert!(
            !db.extend_lease(r.id, "w", LEASE).await.unwrap(),
            "the worker learns it lost the task"
        );
        assert!(
            db.complete_task(r.id, "w", &json!({}))
                .await
                .unwrap()
                .is_none()
        );
        assert!(matches!(
            db.cancel_task(r.id).await,
            Err(DbError::Conflict(_))
        ));
        assert!(matches!(
            db.cancel_task(uuid::Uuid::new_v4()).await,
            Err(DbError::NotFound("task"))
        ));
        assert!(db.claim_task("w", LEASE).await.unwrap().is_none());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_releases_without_spending_an_attempt() {
    for t in common::backends().await {
        let db = &t.db;
        let a = db.create_task(task(TaskPriority::Normal, 1)).await.unwrap();
        db.claim_task("w", LEASE).await.unwrap().unwrap();
        let released = db.release_worker_tasks("w").await.unwrap();
        assert_eq!(released.len(), 1, "{}", t.name);
        assert_eq!(
            (released[0].status, released[0].attempts),
            (TaskStatus::Pending, 0)
        );
        let again = db.claim_task("w2", LEASE).await.unwrap().unwrap();
        assert_eq!((again.task.id, again.task.attempts), (a.id, 1));
    }
}

/// Two claimers race over 1,000 tasks: every task is claimed exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_claimers_take_each_task_exactly_once() {
    for t in common::backends().await {
        let db = t.db.clone();
        for _ in 0..1000 {
            db.create_task(task(TaskPriority::Normal, 3)).await.unwrap();
        }
        let claimer = |db: Database, name: &'static str| {
            tokio::spawn(async move {
                let mut got = Vec::new();
                while let Some(c) = db.claim_task(name, LEASE).await.unwrap() {
                    got.push(c.task.id);
                    db.complete_task(c.task.id, name, &json!({"by": name}))
                        .await
                        .unwrap()
                        .unwrap();
                }
                got
            })
        };
        let (a, b) = (claimer(db.clone(), "a"), claimer(db.clone(), "b"));
        let (a, b) = (a.await.unwrap(), b.await.unwrap());
        let all: HashSet<_> = a.iter().chain(b.iter()).collect();
        assert_eq!(a.len() + b.len(), 1000, "{}", t.name);
        assert_eq!(all.len(), 1000, "{}: no task claimed twice", t.name);
        assert_eq!(
            db.task_stats().await.unwrap().status_breakdown["completed"],
            1000
        );
        eprintln!("{}: claimer a took {}, b took {}", t.name, a.len(), b.len());
    }
}
