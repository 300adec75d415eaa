//! The KPI report on datasets whose right answers were worked out by hand.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::float_cmp)]

use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use seo_agents::data::{MemoryData, StoredResult};
use seo_agents::reporting::{Reporting, ReportingConfig};
use seo_agents::{Agent, TaskContext, TaskScope};
use seo_domain::{Dataset, DatasetRow};
use serde_json::{Value, json};
use uuid::Uuid;

fn dataset(client_id: Uuid, kind: &str) -> Dataset {
    Dataset {
        id: Uuid::new_v4(),
        client_id,
        campaign_id: None,
        kind: kind.into(),
        source: "gsc".into(),
        file_name: "export.zip".into(),
        sha256: "0".repeat(64),
        period_from: None,
        period_to: None,
        rows_accepted: 0,
        rows_rejected: 0,
        errors: json!([]),
        summary: json!({}),
        created_by: None,
        created_at: chrono::Utc::now(),
    }
}

fn row(n: i64, dimension: &str, period: &str, key: &str, data: Value) -> DatasetRow {
    DatasetRow {
        n,
        dimension: dimension.into(),
        period: period.into(),
        key: key.into(),
        data,
    }
}

/// 56 days from 2026-08-01: clicks alternate 9 and 11 (mean 10, σ 1), except day 50
/// (2026-09-19) with 40; 100 impressions a day; position 5.0 in the first 28 days, 6.5 after.
/// A compare-mode query table: shoes 5 → 20, boots 9 → 3, socks only now.
fn fixture() -> (MemoryData, Uuid) {
    let client = Uuid::new_v4();
    let data = MemoryData::default();
    let start = NaiveDate::from_ymd_opt(2026, 8, 1).unwrap();
    let mut rows = Vec::new();
    for i in 1..=56i64 {
        let day = start + Duration::days(i - 1);
        let clicks = if i == 50 {
            40
        } else if i % 2 == 0 {
            11
        } else {
            9
        };
        let position = if i <= 28 { 5.0 } else { 6.5 };
        rows.push(row(
            i,
            "date",
            "current",
            &day.to_string(),
            json!({"clicks": clicks, "impressions": 100, "position": position}),
        ));
    }
    for (k, c, p) in [("shoes", 20, 5), ("boots", 3, 9)] {
        rows.push(row(100, "query", "current", k, json!({"clicks": c})));
        rows.push(row(101, "query", "previous", k, json!({"clicks": p})));
    }
    rows.push(row(102, "query", "current", "socks", json!({"clicks": 4})));
    data.add_dataset(dataset(client, "search_performance"), rows);
    data.add_result(
        StoredResult {
            task_id: Uuid::new_v4(),
            agent_id: "technical_seo_auditor".into(),
            task_type: "technical_seo_audit".into(),
            input: json!({"url": "https://client.example/"}),
            output: json!({"score": 71.5}),
            finished_at: None,
        },
        Some(client),
        None,
    );
    (data, client)
}

fn ctx(data: MemoryData) -> TaskContext {
    TaskContext::detached().with_data(Arc::new(data), TaskScope::default())
}

#[tokio::test]
async fn kpis_movers_anomalies_and_alerts_as_worked_by_hand() {
    let (data, client) = fixture();
    let agent = Reporting::new(ReportingConfig::default());
    let out = agent
        .run(
            "kpi_report",
            &json!({"client_id": client.to_string()}),
            &ctx(data),
        )
        .await
        .unwrap();
    let x = &out.extra;
    assert_eq!(
        x["period"]["current"],
        json!({"from": "2026-08-29", "to": "2026-09-25"})
    );
    assert_eq!(x["period"]["comparison"]["from"], "2026-08-01");
    // Clicks: 14·9 + 14·11 = 280 before; now day 50 holds 40 instead of 11: 309.
    let clicks = &x["kpis"]["clicks"];
    assert_eq!(
        (
            clicks["current"].as_f64(),
            clicks["previous"].as_f64(),
            clicks["change"].as_f64()
        ),
        (Some(309.0), Some(280.0), Some(29.0))
    );
    assert!((clicks["change_pct"].as_f64().unwrap() - 29.0 / 280.0 * 100.0).abs() < 1e-9);
    assert_eq!(x["kpis"]["impressions"]["change_pct"], 0.0);
    assert_eq!(x["kpis"]["ctr"]["current"], 0.110357);
    assert_eq!(x["kpis"]["ctr"]["previous"], 0.1);
    assert_eq!(
        (
            x["kpis"]["position"]["current"].as_f64(),
            x["kpis"]["position"]["previous"].as_f64()
        ),
        (Some(6.5), Some(5.0))
    );
    // Position worsened by 30 % (> 20 %): one alert; clicks rose: none.
    assert_eq!(x["alerts"].as_array().unwrap().len(), 1);
    assert_eq!(x["alerts"][0]["kpi"], "position");
    // One anomaly: day 50 against mean 10 ± 1 of the 28 days before (z = 30).
    assert_eq!(
        x["anomalies"].as_array().unwrap().len(),
        1,
        "{}",
        x["anomalies"]
    );
    assert_eq!(x["anomalies"][0]["date"], "2026-09-19");
    assert_eq!(
        (
            x["anomalies"][0]["mean"].as_f64(),
            x["anomalies"][0]["sigma"].as_f64(),
            x["anomalies"][0]["z"].as_f64()
        ),
        (Some(10.0), Some(1.0), Some(30.0))
    );
    assert_eq!(
        x["top_movers"]["query"]["up"],
        json!([{"key": "shoes", "clicks": 20.0, "previous_clicks": 5.0, "change": 15.0}])
    );
    assert_eq!(x["top_movers"]["query"]["down"][0]["key"], "boots");
    assert_eq!(x["audit"]["score"], 71.5);
    assert!(
        out.not_measured.iter().any(|m| m.starts_with("traffic")),
        "{:?}",
        out.not_measured
    );
    assert!(
        out.summary.contains("clicks 309 +10.4 %"),
        "{}",
        out.summary
    );
}

#[tokio::test]
async fn a_year_earlier_and_an_explicit_period() {
    let (data, client) = fixture();
    let agent = Reporting::new(ReportingConfig::default());
    let out = agent
        .run(
            "kpi_report",
            &json!({"client_id": client.to_string(), "period_from": "2026-09-01", "period_to": "2026-09-07", "compare": "previous_year"}),
            &ctx(data),
        )
        .await
        .unwrap();
    assert_eq!(out.extra["period"]["comparison"]["from"], "2025-09-01");
    // Nothing a year earlier: the change cannot be measured, and says so.
    assert!(out.extra["kpis"].get("clicks").is_none());
    assert!(
        out.not_measured
            .iter()
            .any(|m| m.starts_with("clicks change")),
        "{:?}",
        out.not_measured
    );
}

#[tokio::test]
async fn no_datasets_is_a_report_of_what_is_missing_and_bad_input_is_refused() {
    let agent = Reporting::new(ReportingConfig::default());
    let out = agent
        .run(
            "kpi_report",
            &json!({"client_id": Uuid::new_v4().to_string()}),
            &ctx(MemoryData::default()),
        )
        .await
        .unwrap();
    assert!(
        out.summary.contains("no KPI could be computed"),
        "{}",
        out.summary
    );
    assert!(out.not_measured.len() >= 3);
    assert!(
        agent
            .validate("kpi_report", &json!({"client_id": "nope"}))
            .is_err()
    );
    assert!(agent
        .validate("kpi_report", &json!({"client_id": Uuid::new_v4().to_string(), "period_from": "2026-09-02", "period_to": "2026-09-01"}))
        .is_err());
}

#[tokio::test]
async fn an_audit_report_presents_the_newest_stored_audit() {
    let client = Uuid::new_v4();
    let data = MemoryData::default();
    let issues = json!([
        {"check": "missing_title", "category": "on_page", "severity": "error", "pages_affected": 3, "why": "titles rank pages", "fix": "write titles"},
        {"check": "slow_ttfb", "category": "performance", "severity": "warning", "pages_affected": 1, "why": "slow", "fix": "cache"},
        {"check": "no_llms_txt", "category": "technical", "severity": "info", "pages_affected": 1, "why": "x", "fix": "y"}
    ]);
    data.add_result(
        StoredResult {
            task_id: Uuid::new_v4(),
            agent_id: "technical_seo_auditor".into(),
            task_type: "technical_seo_audit".into(),
            input: json!({"url": "https://client.example/"}),
            output: json!({
                "summary": "s", "score": 64.5, "grade": "C", "issues": issues,
                "factors": [{"name": "on_page", "value": 50.0, "weight": 0.3, "contribution": 15.0, "reason": "3 pages without title"}],
                "findings": [], "recommendations": ["write titles (missing_title)"], "data_sources": [], "not_measured": ["core_web_vitals (supply them)"],
                "crawl": {"start_url": "https://client.example/", "pages_crawled": 3}
            }),
            finished_at: None,
        },
        Some(client),
        None,
    );
    let agent = Reporting::new(ReportingConfig::default());
    let out = agent
        .run(
            "audit_report",
            &json!({"client_id": client.to_string()}),
            &ctx(data),
        )
        .await
        .unwrap();
    assert_eq!(out.score, Some(64.5));
    assert_eq!(
        out.extra["issues_by_severity"],
        json!({"error": 1, "info": 1, "warning": 1})
    );
    assert_eq!(out.extra["top_issues"][0]["check"], "missing_title");
    assert_eq!(out.extra["site"], "https://client.example/");
    assert_eq!(out.factors[0].name, "on_page");
    assert!(
        out.summary.contains("score 64.5/100 (C)"),
        "{}",
        out.summary
    );
    assert_eq!(out.not_measured, ["core_web_vitals (supply them)"]);

    let none = agent
        .run(
            "audit_report",
            &json!({"client_id": Uuid::new_v4().to_string()}),
            &ctx(MemoryData::default()),
        )
        .await
        .unwrap();
    assert!(none.summary.starts_with("No stored audit"));
    assert!(
        agent
            .validate("audit_report", &json!({"client_id": "x"}))
            .is_err()
    );
}
