//! The durable task queue on every configured backend.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

mod common;

use std::collections::HashSet;
use std::time::Duration;

use seo_domain::{NewTask, TaskError, TaskInput, TaskPriority, TaskStatus};
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

/// Sweeps until the 1 ms lease has lapsed on the database's clock (at once, or a few
/// sweeps later); fails after five seconds.
async fn swept(db: &Database) -> Vec<ExpiredOutcome> {
    let start = std::time::Instant::now();
    loop {
        let out = db.requeue_expired().await.unwrap();
        if !out.is_empty() {
            return out;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the lease never lapsed"
        );
        tokio::task::yield_now().await;
    }
}

/// The agents "this instance" has.
fn ours() -> Vec<String> {
    vec!["a".to_string()]
}

fn err(message: &str) -> TaskError {
    TaskError::new("agent_failed", message)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_highest_priority_then_oldest() {
    for t in common::backends().await {
        let db = &t.db;
        let low = db.create_task(task(TaskPriority::Low, 3)).await.unwrap();
        let n1 = db.create_task(task(TaskPriority::Normal, 3)).await.unwrap();
        let n2 = db.create_task(task(TaskPriority::Normal, 3)).await.unwrap();
        let urgent = db.create_task(task(TaskPriority::Urgent, 3)).await.unwrap();
        let mut order = Vec::new();
        while let Some(c) = db.claim_task("w", LEASE, &ours()).await.unwrap() {
            assert_eq!((c.task.status, c.task.attempts), (TaskStatus::Running, 1));
            assert!(c.task.started_at.is_some());
            order.push(c.task.id);
        }
        assert_eq!(order, vec![urgent.id, n1.id, n2.id, low.id], "{}", t.name);
        let h = db.queue_health(&ours()).await.unwrap();
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
        db.claim_task("w1", LEASE, &ours()).await.unwrap().unwrap();
        assert!(db.extend_lease(a.id, "w1", LEASE).await.unwrap());
        assert!(!db.extend_lease(a.id, "intruder", LEASE).await.unwrap());
        assert!(db.set_task_progress(a.id, "w1", 150).await.unwrap());
        assert_eq!(db.get_task(a.id).await.unwrap().progress, 100, "clamped");
        assert!(
            db.complete_task(a.id, "intruder", &json!({}), None)
                .await
                .unwrap()
                .is_none()
        );
        let done = db
            .complete_task(a.id, "w1", &json!({"ok": true}), None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (done.task.status, done.task.output.clone()),
            (TaskStatus::Completed, Some(json!({"ok": true}))),
            "{}",
            t.name
        );
        assert!(done.task.finished_at.is_some());
        assert!(
            db.complete_task(a.id, "w1", &json!({"again": 1}), None)
                .await
                .unwrap()
                .is_none(),
            "finished once"
        );
        assert!(
            db.fail_task(a.id, "w1", &err("late"), None, None)
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
        db.claim_task("dead-1", short, &ours())
            .await
            .unwrap()
            .unwrap();
        let out = swept(db).await;
        assert!(
            matches!(&out[..], [ExpiredOutcome::Requeued(x)] if x.id == a.id && x.status == TaskStatus::Pending),
            "{}",
            t.name
        );
        // The dead worker cannot finish it any more.
        assert!(
            db.complete_task(a.id, "dead-1", &json!({}), None)
                .await
                .unwrap()
                .is_none()
        );
        let again = db
            .claim_task("dead-2", short, &ours())
            .await
            .unwrap()
            .unwrap();
        assert_eq!((again.task.id, again.task.attempts), (a.id, 2));
        let out = swept(db).await;
        assert!(
            matches!(&out[..], [ExpiredOutcome::Failed(x)] if x.status == TaskStatus::Failed),
            "max_attempts honoured"
        );
        assert!(db.claim_task("w", LEASE, &ours()).await.unwrap().is_none());
        assert!(
            db.get_task(a.id)
                .await
                .unwrap()
                .error
                .unwrap()
                .message
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
        db.claim_task("w", LEASE, &ours()).await.unwrap().unwrap();
        let r = db
            .fail_task(
                a.id,
                "w",
                &err("connection reset"),
                Some(Duration::from_secs(3600)),
                None,
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(r.task.status, TaskStatus::Pending, "{}", t.name);
        assert!(
            db.claim_task("w", LEASE, &ours()).await.unwrap().is_none(),
            "not runnable before its backoff"
        );
        let b = db.create_task(task(TaskPriority::Normal, 2)).await.unwrap();
        db.claim_task("w", LEASE, &ours()).await.unwrap().unwrap();
        db.fail_task(b.id, "w", &err("flaky"), Some(Duration::ZERO), None)
            .await
            .unwrap()
            .unwrap();
        let c = db.claim_task("w", LEASE, &ours()).await.unwrap().unwrap();
        assert_eq!((c.task.id, c.task.attempts), (b.id, 2));
        let f = db
            .fail_task(b.id, "w", &err("flaky again"), Some(Duration::ZERO), None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (f.task.status, f.task.error.map(|e| e.message)),
            (TaskStatus::Failed, Some("flaky again".to_string())),
            "no attempts left"
        );
        let tm = db.create_task(task(TaskPriority::Normal, 3)).await.unwrap();
        db.claim_task("w", LEASE, &ours()).await.unwrap().unwrap();
        let to = db
            .time_out_task(tm.id, "w", &err("exceeded 300 s"), None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(to.task.status, TaskStatus::TimedOut);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_pending_and_running() {
    for t in common::backends().await {
        let db = &t.db;
        let p = db.create_task(task(TaskPriority::Low, 3)).await.unwrap();
        let r = db.create_task(task(TaskPriority::Urgent, 3)).await.unwrap();
        db.claim_task("w", LEASE, &ours()).await.unwrap().unwrap();
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
            db.complete_task(r.id, "w", &json!({}), None)
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
        assert!(db.claim_task("w", LEASE, &ours()).await.unwrap().is_none());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_releases_without_spending_an_attempt() {
    for t in common::backends().await {
        let db = &t.db;
        let a = db.create_task(task(TaskPriority::Normal, 1)).await.unwrap();
        db.claim_task("w", LEASE, &ours()).await.unwrap().unwrap();
        let released = db.release_worker_tasks("w").await.unwrap();
        assert_eq!(released.len(), 1, "{}", t.name);
        assert_eq!(
            (released[0].status, released[0].attempts),
            (TaskStatus::Pending, 0)
        );
        let again = db.claim_task("w2", LEASE, &ours()).await.unwrap().unwrap();
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
                while let Some(c) = db.claim_task(name, LEASE, &ours()).await.unwrap() {
                    got.push(c.task.id);
                    db.complete_task(c.task.id, name, &json!({"by": name}), None)
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

/// A worker claims only tasks of agents its instance has; the others wait (counted as
/// unclaimable) instead of failing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_of_agents_this_instance_lacks_wait() {
    for t in common::backends().await {
        let db = &t.db;
        let mut other = task(TaskPriority::Urgent, 3);
        other.agent_id = "not_here".into();
        let foreign = db.create_task(other).await.unwrap();
        let mine = db.create_task(task(TaskPriority::Low, 3)).await.unwrap();
        let c = db.claim_task("w", LEASE, &ours()).await.unwrap().unwrap();
        assert_eq!(
            c.task.id, mine.id,
            "{}: the urgent foreign task is skipped",
            t.name
        );
        assert!(db.claim_task("w", LEASE, &ours()).await.unwrap().is_none());
        assert!(db.claim_task("w", LEASE, &[]).await.unwrap().is_none());
        let h = db.queue_health(&ours()).await.unwrap();
        assert_eq!((h.pending, h.unclaimable), (1, 1));
        assert_eq!(
            db.get_task(foreign.id).await.unwrap().status,
            TaskStatus::Pending
        );
        let there = db
            .claim_task("elsewhere", LEASE, &["not_here".to_string()])
            .await
            .unwrap()
            .unwrap();
        assert_eq!(there.task.id, foreign.id);
    }
}

/// Leases live on the database's clock: an instance whose own clock runs an hour ahead
/// neither re-queues nor claims a task another instance holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_skewed_instance_does_not_steal_a_running_task() {
    for t in common::backends().await {
        let db = &t.db;
        let ahead = db.with_clock_skew(chrono::TimeDelta::hours(1));
        let behind = db.with_clock_skew(chrono::TimeDelta::hours(-1));
        let a = db.create_task(task(TaskPriority::Normal, 3)).await.unwrap();
        db.claim_task("honest", LEASE, &ours())
            .await
            .unwrap()
            .unwrap();
        assert!(
            ahead.requeue_expired().await.unwrap().is_empty(),
            "{}",
            t.name
        );
        assert!(
            ahead
                .claim_task("ahead", LEASE, &ours())
                .await
                .unwrap()
                .is_none()
        );
        let running = db.get_task(a.id).await.unwrap();
        assert_eq!(running.status, TaskStatus::Running);
        assert!(
            db.extend_lease(a.id, "honest", LEASE).await.unwrap(),
            "still the holder"
        );
        // A task created by a clock that runs behind is runnable at once everywhere.
        let late = behind
            .create_task(task(TaskPriority::Urgent, 3))
            .await
            .unwrap();
        let c = ahead
            .claim_task("ahead", LEASE, &ours())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(c.task.id, late.id);
        // A retry delay is measured on the database's clock too.
        ahead
            .fail_task(
                late.id,
                "ahead",
                &err("flaky"),
                Some(Duration::from_secs(600)),
                None,
            )
            .await
            .unwrap()
            .unwrap();
        assert!(
            ahead
                .claim_task("ahead", LEASE, &ours())
                .await
                .unwrap()
                .is_none(),
            "not runnable before its backoff, whatever this instance's clock says"
        );
    }
}

/// A finished step and its successors are one transaction: when writing a successor fails,
/// the completion is not written either (the task stays running under its lease, so it
/// is retried), and when it succeeds both are there at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_step_and_its_successors_are_written_together() {
    use seo_domain::{NewWorkflowRun, RunStatus, StepState, StepStatus};
    use seo_persistence::Advance;
    use std::collections::BTreeMap;
    for t in common::backends().await {
        let db = &t.db;
        let run = |input| NewWorkflowRun {
            workflow_id: "w".into(),
            input,
            steps: BTreeMap::from([
                ("first".to_string(), StepState::waiting()),
                ("next".to_string(), StepState::waiting()),
            ]),
            client_id: None,
            campaign_id: None,
            created_by: None,
        };
        let (r, roots) = db
            .create_workflow_run(
                run(json!({})),
                vec![("first".into(), task(TaskPriority::Normal, 3))],
            )
            .await
            .unwrap();
        assert_eq!(r.steps["first"].status, StepStatus::Queued, "{}", t.name);
        assert_eq!(r.steps["first"].task_id, Some(roots[0].id));
        db.claim_task("w", LEASE, &ours()).await.unwrap().unwrap();
        let successor = |client: Option<uuid::Uuid>| -> seo_persistence::Advancer {
            Box::new(move |run, _, outputs| {
                assert_eq!(
                    outputs["first"],
                    json!({"done": 1}),
                    "the step's own output is visible"
                );
                let mut next = task(TaskPriority::Normal, 3);
                next.client_id = client;
                let mut steps = run.steps.clone();
                steps.get_mut("first").unwrap().status = StepStatus::Completed;
                Advance {
                    spawn: vec![("next".into(), next)],
                    steps,
                    status: RunStatus::Running,
                    error: None,
                }
            })
        };
        // A successor that cannot be written (its client does not exist): nothing is.
        let refused = db
            .complete_task(
                roots[0].id,
                "w",
                &json!({"done": 1}),
                Some(successor(Some(uuid::Uuid::new_v4()))),
            )
            .await;
        assert!(
            matches!(refused, Err(DbError::InvalidReference(_))),
            "{refused:?}"
        );
        let still = db.get_task(roots[0].id).await.unwrap();
        assert_eq!((still.status, still.output), (TaskStatus::Running, None));
        assert_eq!(db.workflow_run_tasks(r.id).await.unwrap().len(), 1);
        // Written: the completion, the successor (a child of the step) and the run, at once.
        let f = db
            .complete_task(roots[0].id, "w", &json!({"done": 1}), Some(successor(None)))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(f.task.status, TaskStatus::Completed);
        assert_eq!(f.spawned.len(), 1);
        assert_eq!(f.spawned[0].parent_id, Some(roots[0].id));
        assert_eq!(f.spawned[0].workflow_step.as_deref(), Some("next"));
        let run = f.run.unwrap();
        assert_eq!(run.steps["next"].task_id, Some(f.spawned[0].id));
        assert_eq!(run.steps["next"].status, StepStatus::Queued);
        assert_eq!(db.get_workflow_run(r.id).await.unwrap(), run);
    }
}
