//! The CSV renderings: one row per KPI, mover and anomaly; or per audit issue.

// Invariant: indexes are `serde_json::Value[&str]`, which never panics.
#![allow(clippy::indexing_slicing)]

use serde_json::Value;

use super::text;
use crate::error::{ServiceError, ServiceResult};

pub(super) fn kpi(out: &Value) -> ServiceResult<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| ServiceError::Conflict(format!("the CSV could not be written: {e}"));
    w.write_record([
        "section",
        "name",
        "current",
        "previous",
        "change",
        "change_pct",
    ])
    .map_err(fail)?;
    if let Some(kpis) = out["kpis"].as_object() {
        for (name, k) in kpis {
            w.write_record([
                "kpi",
                name,
                &text(&k["current"]),
                &text(&k["previous"]),
                &text(&k["change"]),
                &text(&k["change_pct"]),
            ])
            .map_err(fail)?;
        }
    }
    if let Some(movers) = out["top_movers"].as_object() {
        for (dim, m) in movers {
            for dir in ["up", "down"] {
                for e in m[dir].as_array().into_iter().flatten() {
                    w.write_record([
                        &format!("mover_{dim}_{dir}"),
                        &text(&e["key"]),
                        &text(&e["clicks"]),
                        &text(&e["previous_clicks"]),
                        &text(&e["change"]),
                        "",
                    ])
                    .map_err(fail)?;
                }
            }
        }
    }
    for a in out["anomalies"].as_array().into_iter().flatten() {
        w.write_record([
            "anomaly",
            &format!("{} {}", text(&a["metric"]), text(&a["date"])),
            &text(&a["value"]),
            &text(&a["mean"]),
            "",
            &text(&a["z"]),
        ])
        .map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| ServiceError::Conflict(format!("the CSV could not be written: {e}")))
}

pub(super) fn audit(out: &Value) -> ServiceResult<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| ServiceError::Conflict(format!("the CSV could not be written: {e}"));
    w.write_record([
        "check",
        "category",
        "severity",
        "pages_affected",
        "why",
        "fix",
    ])
    .map_err(fail)?;
    for i in out["top_issues"].as_array().into_iter().flatten() {
        w.write_record([
            text(&i["check"]),
            text(&i["category"]),
            text(&i["severity"]),
            text(&i["pages_affected"]),
            text(&i["why"]),
            text(&i["fix"]),
        ])
        .map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| ServiceError::Conflict(format!("the CSV could not be written: {e}")))
}
