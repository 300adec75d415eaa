//! Repository behaviour on every configured backend.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

mod common;

use seo_domain::*;
use seo_persistence::{Database, DbError};
use serde_json::json;
use uuid::Uuid;

fn client(name: &str) -> ClientDraft {
    ClientInput {
        company_name: name.into(),
        ..Default::default()
    }
    .validate()
    .unwrap()
}

fn client_full(name: &str, industry: &str, country: &str, revenue: i64) -> ClientDraft {
    ClientInput {
        company_name: name.into(),
        industry: Some(industry.into()),
        country: Some(country.into()),
        annual_revenue: Some(revenue),
        employee_count: Some(10),
        contact_email: Some(format!("info{revenue}@example.com")),
        website: Some("https://example.com".into()),
        ..Default::default()
    }
    .validate()
    .unwrap()
}

fn campaign(client_id: Uuid, name: &str) -> CampaignDraft {
    CampaignInput {
        client_id,
        name: name.into(),
        campaign_type: CampaignType::SeoAudit,
        domain: Some("example.com".into()),
        keywords: Some(vec!["seo audit".into()]),
        start_date: None,
        end_date: None,
        budget: Some(1500.5),
        objectives: None,
        config: None,
    }
    .validate()
    .unwrap()
}

fn task(agent: &str) -> NewTask {
    TaskInput {
        agent_id: agent.into(),
        task_type: "run".into(),
        input: Some(json!({"x": 1})),
        ..Default::default()
    }
    .validate(None)
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_round_trip_and_never_duplicate() {
    for t in common::backends().await {
        let db = &t.db;
        let (new, _) = UserInput {
            username: "alice".into(),
            email: "alice@example.com".into(),
            full_name: Some("Alice".into()),
            role: Role::Manager,
            is_active: true,
            password: "long enough".into(),
        }
        .validate()
        .unwrap();
        let u = db
            .create_user(new.clone(), "$argon2id$hash".into())
            .await
            .unwrap();
        assert_eq!(
            (u.username.as_str(), u.role, u.is_active),
            ("alice", Role::Manager, true),
            "{}",
            t.name
        );
        assert!(
            matches!(db.create_user(new, "h".into()).await, Err(DbError::Conflict(m)) if m.contains("alice"))
        );
        let cred = db.find_credentials("alice").await.unwrap().unwrap();
        assert_eq!(cred.password_hash, "$argon2id$hash");
        assert!(
            !format!("{cred:?}").contains("argon2"),
            "hash must not leak through Debug"
        );
        assert!(db.find_credentials("bob").await.unwrap().is_none());
        let ch = UserPatch {
            role: Some(Role::Admin),
            is_active: Some(false),
            ..Default::default()
        }
        .apply(&u)
        .unwrap();
        let u2 = db.update_user(u.id, ch).await.unwrap();
        assert_eq!((u2.role, u2.is_active), (Role::Admin, false));
        db.record_login(u.id).await.unwrap();
        assert!(db.get_user(u.id).await.unwrap().last_login.is_some());
        db.set_password_hash(u.id, "new".into()).await.unwrap();
        assert_eq!(db.get_credentials(u.id).await.unwrap().password_hash, "new");
        assert_eq!(db.count_users().await.unwrap(), 1);
        let page = db.list_users(PageRequest::default()).await.unwrap();
        assert_eq!((page.total, page.items.len()), (1, 1));
        db.delete_user(u.id).await.unwrap();
        assert!(matches!(
            db.get_user(u.id).await,
            Err(DbError::NotFound("user"))
        ));
        assert!(matches!(
            db.delete_user(u.id).await,
            Err(DbError::NotFound(_))
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_names_are_unique_ignoring_case_in_any_script() {
    for t in common::backends().await {
        let db = &t.db;
        db.create_client(client("Acme Corp")).await.unwrap();
        let dup = db.create_client(client("ACME corp")).await;
        assert!(
            matches!(dup, Err(DbError::Conflict(_))),
            "{}: {dup:?}",
            t.name
        );
        db.create_client(client("ООО Ромашка")).await.unwrap();
        let dup = db.create_client(client("ооо ромашка")).await;
        assert!(
            matches!(dup, Err(DbError::Conflict(_))),
            "{}: cyrillic {dup:?}",
            t.name
        );
        // Renaming onto another client's name is refused too.
        let other = db.create_client(client("Other")).await.unwrap();
        assert!(matches!(
            db.update_client(other.id, client("acme CORP")).await,
            Err(DbError::Conflict(_))
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_filters_pagination_and_stats() {
    for t in common::backends().await {
        let db = &t.db;
        db.create_client(client_full("Alpha Retail", "Retail", "DE", 1_000_000))
            .await
            .unwrap();
        db.create_client(client_full(
            "Beta Shop",
            "E-commerce retail",
            "RU",
            3_000_000,
        ))
        .await
        .unwrap();
        db.create_client(client_full("Gamma Bank", "Finance", "RU", 50_000_000))
            .await
            .unwrap();
        db.create_client(client_full("Дельта Строй", "Строительство", "RU", 0))
            .await
            .unwrap();
        let all = PageRequest::default();
        let names = |p: Page<Client>| {
            p.items
                .into_iter()
                .map(|c| c.company_name)
                .collect::<Vec<_>>()
        };

        let retail = db
            .list_clients(
                ClientFilter {
                    industry: Some("RETAIL".into()),
                    ..Default::default()
                },
                all,
            )
            .await
            .unwrap();
        assert_eq!(
            names(retail),
            vec!["Beta Shop", "Alpha Retail"],
            "{}",
            t.name
        );
        let ru = db
            .list_clients(
                ClientFilter {
                    country: Some("ru".into()),
                    ..Default::default()
                },
                all,
            )
            .await
            .unwrap();
        assert_eq!(ru.total, 3);
        let range = ClientFilter {
            min_revenue: Some(1_000_000),
            max_revenue: Some(3_000_000),
            ..Default::default()
        };
        assert_eq!(
            names(db.list_clients(range, all).await.unwrap()),
            vec!["Beta Shop", "Alpha Retail"]
        );
        let q = db
            .list_clients(
                ClientFilter {
                    q: Some("строй".into()),
                    ..Default::default()
                },
                all,
            )
            .await
            .unwrap();
        assert_eq!(
            names(q),
            vec!["Дельта Строй"],
            "{}: unicode case-insensitive search",
            t.name
        );
        // LIKE wildcards in user text are literal.
        let pct = db
            .list_clients(
                ClientFilter {
                    q: Some("%".into()),
                    ..Default::default()
                },
                all,
            )
            .await
            .unwrap();
        assert_eq!(pct.total, 0);

        let p2 = db
            .list_clients(
                ClientFilter::default(),
                PageRequest::new(Some(2), Some(3)).unwrap(),
            )
            .await
            .unwrap();
        assert_eq!((p2.total, p2.items.len(), p2.page, p2.size), (4, 1, 2, 3));
        assert_eq!(names(p2), vec!["Alpha Retail"], "newest first");

        let s = db.client_stats().await.unwrap();
        assert_eq!(s.total_clients, 4);
        assert_eq!(
            s.by_country[0],
            NamedCount {
                name: Some("RU".into()),
                count: 3
            }
        );
        assert_eq!(s.average_revenue, Some(13_500_000.0));
        assert_eq!(s.total_employees, 40);
        assert_eq!(s.created_last_30_days, 4);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_update_round_trips_every_field() {
    for t in common::backends().await {
        let db = &t.db;
        let c = db.create_client(client("Acme")).await.unwrap();
        let mut d = client_full("Acme Renamed", "Media", "FR", 7);
        d.metadata.insert("tier".into(), json!("gold"));
        d.contact_phone = Some("+33 1 23 45".into());
        let u = db.update_client(c.id, d.clone()).await.unwrap();
        let got = db.get_client(c.id).await.unwrap();
        assert_eq!(u, got);
        assert_eq!(got.company_name, "Acme Renamed");
        assert_eq!(got.metadata.get("tier"), Some(&json!("gold")));
        assert_eq!(got.contact_phone.as_deref(), Some("+33 1 23 45"));
        assert_eq!(got.created_at, c.created_at, "{}: created_at kept", t.name);
        assert!(got.updated_at >= c.updated_at);
        assert!(matches!(
            db.update_client(Uuid::new_v4(), d).await,
            Err(DbError::NotFound("client"))
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_delete_is_blocked_by_draft_or_active_campaigns() {
    for t in common::backends().await {
        let db = &t.db;
        let c = db.create_client(client("Acme")).await.unwrap();
        let camp = db.create_campaign(campaign(c.id, "Audit")).await.unwrap();
        assert!(
            matches!(db.delete_client(c.id).await, Err(DbError::Conflict(_))),
            "{}: draft blocks",
            t.name
        );
        db.transition_campaign(camp.id, CampaignAction::Start)
            .await
            .unwrap();
        assert!(
            matches!(db.delete_client(c.id).await, Err(DbError::Conflict(_))),
            "active blocks"
        );
        db.transition_campaign(camp.id, CampaignAction::Complete)
            .await
            .unwrap();
        db.delete_client(c.id).await.unwrap();
        assert!(
            matches!(
                db.get_campaign(camp.id).await,
                Err(DbError::NotFound("campaign"))
            ),
            "campaigns go with it"
        );
        assert!(matches!(
            db.delete_client(c.id).await,
            Err(DbError::NotFound("client"))
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaigns_crud_lifecycle_and_stats() {
    for t in common::backends().await {
        let db = &t.db;
        let c = db.create_client(client("Acme")).await.unwrap();
        let missing = db.create_campaign(campaign(Uuid::new_v4(), "X")).await;
        assert!(
            matches!(missing, Err(DbError::InvalidReference(_))),
            "{}: {missing:?}",
            t.name
        );
        let a = db.create_campaign(campaign(c.id, "Audit")).await.unwrap();
        assert_eq!(a.status, CampaignStatus::Draft);
        assert_eq!(a.keywords, vec!["seo audit"]);
        assert!(matches!(
            db.create_campaign(campaign(c.id, "AUDIT")).await,
            Err(DbError::Conflict(_))
        ));
        let other = db.create_client(client("Other")).await.unwrap();
        db.create_campaign(campaign(other.id, "Audit"))
            .await
            .unwrap();

        // Lifecycle: illegal transitions are conflicts and change nothing.
        assert!(matches!(
            db.transition_campaign(a.id, CampaignAction::Pause).await,
            Err(DbError::Conflict(_))
        ));
        assert_eq!(
            db.get_campaign(a.id).await.unwrap().status,
            CampaignStatus::Draft
        );
        let s = db
            .transition_campaign(a.id, CampaignAction::Start)
            .await
            .unwrap();
        assert_eq!(s.status, CampaignStatus::Active);
        assert!(
            matches!(db.delete_campaign(a.id).await, Err(DbError::Conflict(_))),
            "active cannot be deleted"
        );
        assert_eq!(
            db.transition_campaign(a.id, CampaignAction::Pause)
                .await
                .unwrap()
                .status,
            CampaignStatus::Paused
        );
        assert_eq!(
            db.transition_campaign(a.id, CampaignAction::Resume)
                .await
                .unwrap()
                .status,
            CampaignStatus::Active
        );

        let mut d = campaign(c.id, "Audit 2");
        d.keywords = vec!["a".into(), "b".into()];
        d.start_date = chrono::NaiveDate::from_ymd_opt(2026, 12, 1);
        let u = db.update_campaign(a.id, d).await.unwrap();
        assert_eq!(
            (u.name.as_str(), u.status, u.keywords.len()),
            ("Audit 2", CampaignStatus::Active, 2)
        );
        assert_eq!(db.get_campaign(a.id).await.unwrap(), u);

        let f = CampaignFilter {
            status: Some(CampaignStatus::Active),
            ..Default::default()
        };
        assert_eq!(
            db.list_campaigns(f, PageRequest::default())
                .await
                .unwrap()
                .total,
            1
        );
        let f = CampaignFilter {
            client_id: Some(other.id),
            ..Default::default()
        };
        assert_eq!(
            db.list_campaigns(f, PageRequest::default())
                .await
                .unwrap()
                .total,
            1
        );
        let f = CampaignFilter {
            domain: Some("EXAMPLE.com".into()),
            ..Default::default()
        };
        assert_eq!(
            db.list_campaigns(f, PageRequest::default())
                .await
                .unwrap()
                .total,
            2
        );

        let st = db.campaign_stats().await.unwrap();
        assert_eq!(st.total_campaigns, 2);
        assert_eq!(st.status_breakdown["active"], 1);
        assert_eq!(st.status_breakdown["draft"], 1);
        assert_eq!(st.status_breakdown["cancelled"], 0);
        assert_eq!(st.total_budget, 3001.0);
        assert_eq!(st.active_budget, 1500.5);

        db.transition_campaign(a.id, CampaignAction::Cancel)
            .await
            .unwrap();
        db.delete_campaign(a.id).await.unwrap();
        assert!(matches!(
            db.get_campaign(a.id).await,
            Err(DbError::NotFound(_))
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_transitions_let_exactly_one_win() {
    for t in common::backends().await {
        let db = t.db.clone();
        let c = db.create_client(client("Acme")).await.unwrap();
        let camp = db.create_campaign(campaign(c.id, "Race")).await.unwrap();
        let mut handles = Vec::new();
        for _ in 0..8 {
            let db: Database = db.clone();
            handles.push(tokio::spawn(async move {
                db.transition_campaign(camp.id, CampaignAction::Start).await
            }));
        }
        let mut ok = 0;
        for h in handles {
            match h.await.unwrap() {
                Ok(_) => ok += 1,
                Err(DbError::Conflict(_)) => {}
                Err(e) => panic!("{}: {e}", t.name),
            }
        }
        assert_eq!(ok, 1, "{}", t.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_crud_filters_and_stats() {
    for t in common::backends().await {
        let db = &t.db;
        let c = db.create_client(client("Acme")).await.unwrap();
        let camp = db.create_campaign(campaign(c.id, "Audit")).await.unwrap();
        let mut n = task("technical_seo_auditor");
        n.campaign_id = Some(camp.id);
        n.priority = TaskPriority::High;
        let a = db.create_task(n).await.unwrap();
        assert_eq!(
            (a.status, a.attempts, a.progress, a.priority),
            (TaskStatus::Pending, 0, 0, TaskPriority::High)
        );
        assert_eq!(a.input, json!({"x": 1}));
        let b = db.create_task(task("lead_qualification")).await.unwrap();
        let mut bad = task("x");
        bad.parent_id = Some(Uuid::new_v4());
        assert!(
            matches!(db.create_task(bad).await, Err(DbError::InvalidReference(_))),
            "{}",
            t.name
        );

        let f = TaskFilter {
            campaign_id: Some(camp.id),
            ..Default::default()
        };
        assert_eq!(
            db.list_tasks(f, PageRequest::default())
                .await
                .unwrap()
                .items[0]
                .id,
            a.id
        );
        let f = TaskFilter {
            agent_id: Some("lead_qualification".into()),
            ..Default::default()
        };
        assert_eq!(
            db.list_tasks(f, PageRequest::default())
                .await
                .unwrap()
                .total,
            1
        );
        let f = TaskFilter {
            priority: Some(TaskPriority::High),
            status: Some(TaskStatus::Pending),
            ..Default::default()
        };
        assert_eq!(
            db.list_tasks(f, PageRequest::default())
                .await
                .unwrap()
                .total,
            1
        );

        let mut edit = task("lead_qualification");
        edit.input = json!({"company": "Acme"});
        let e = db.update_pending_task(b.id, edit.clone()).await.unwrap();
        assert_eq!(e.input, json!({"company": "Acme"}));

        let claimed = db
            .claim_task(
                "w1",
                std::time::Duration::from_secs(30),
                &[
                    "technical_seo_auditor".to_string(),
                    "lead_qualification".to_string(),
                ],
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(claimed.task.id, a.id, "high priority first");
        assert!(matches!(
            db.update_pending_task(a.id, edit).await,
            Err(DbError::Conflict(_))
        ));
        assert!(
            matches!(db.delete_task(a.id).await, Err(DbError::Conflict(_))),
            "running cannot be deleted"
        );
        db.complete_task(a.id, "w1", &json!({"score": 91}), None)
            .await
            .unwrap()
            .unwrap();
        db.delete_task(b.id).await.unwrap();
        assert!(matches!(
            db.delete_task(b.id).await,
            Err(DbError::NotFound("task"))
        ));

        let s = db.task_stats().await.unwrap();
        assert_eq!(s.total_tasks, 1);
        assert_eq!(s.status_breakdown["completed"], 1);
        assert_eq!(s.priority_breakdown["high"], 1);
        assert_eq!(s.priority_breakdown["low"], 0);
        assert_eq!(
            s.top_task_types,
            vec![seo_domain::TypeCount {
                task_type: "run".to_string(),
                count: 1
            }]
        );
        assert_eq!(s.success_rate, Some(1.0));
        assert_eq!(s.completion_rate, Some(100.0));
        assert!(s.average_duration_seconds.is_some());
        assert_eq!(s.tasks_24h, 1);
    }
}
