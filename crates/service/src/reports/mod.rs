//! Report documents of a finished `reporting` task: JSON, CSV, one self-contained HTML page
//! and a paginated PDF. The HTML and the PDF are two renderings of one document model
//! ([`seo_render::Report`], built in `documents.rs`), so they show the same figures.

// Invariant: every index below is `serde_json::Value[&str]`, which answers `Null` for a
// missing key or a non-object and never panics; the lint cannot tell it from slice indexing.
#![allow(clippy::indexing_slicing)]

mod csv_out;
mod documents;

use seo_domain::TaskStatus;
use seo_render::{Brand, Logo, Rgb};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::Service;
use crate::error::{ServiceError, ServiceResult};

/// The largest logo file read, in bytes.
pub const MAX_LOGO_BYTES: u64 = 1024 * 1024;

/// White-label branding of report documents (`[branding]` of the configuration file).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Branding {
    /// The agency's name, in the header and footer of every report.
    pub agency_name: String,
    /// The accent colour of headings and charts, `#rrggbb`.
    pub accent_color: String,
    /// A PNG or JPEG file shown at the top of every report (at most 1 MiB); none by default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo_path: Option<String>,
}

impl Default for Branding {
    fn default() -> Self {
        Self {
            agency_name: "SEO Architects".into(),
            accent_color: "#1f6feb".into(),
            logo_path: None,
        }
    }
}

impl Branding {
    /// Checks the values, reading the logo file when one is named; the error names the key.
    pub fn check(&self) -> Result<(), String> {
        let n = self.agency_name.trim().chars().count();
        if n == 0 || n > 120 {
            return Err("branding.agency_name: must be 1-120 characters".into());
        }
        if Rgb::parse(&self.accent_color).is_none() {
            return Err("branding.accent_color: must be a colour as #rrggbb".into());
        }
        self.load_logo().map(|_| ())
    }

    /// The logo named by `logo_path`, read and decoded (an error names the key and the cause).
    pub fn load_logo(&self) -> Result<Option<Logo>, String> {
        let Some(path) = &self.logo_path else {
            return Ok(None);
        };
        let bad = |why: String| format!("branding.logo_path: {path}: {why}");
        let len = std::fs::metadata(path)
            .map_err(|e| bad(e.to_string()))?
            .len();
        if len > MAX_LOGO_BYTES {
            return Err(bad(format!(
                "{len} bytes; a logo may have at most {MAX_LOGO_BYTES}"
            )));
        }
        let bytes = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
        Logo::from_bytes(bytes)
            .map(Some)
            .map_err(|e| bad(e.to_string()))
    }
}

/// A document format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// The report as JSON.
    Json,
    /// The report's rows (KPIs, movers, anomalies; or the audit's issues) as CSV.
    Csv,
    /// One printable, self-contained page.
    Html,
    /// A4 pages with page numbers.
    Pdf,
}

impl ReportFormat {
    /// `json`, `csv`, `html` or `pdf`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "json" => Some(Self::Json),
            "csv" => Some(Self::Csv),
            "html" => Some(Self::Html),
            "pdf" => Some(Self::Pdf),
            _ => None,
        }
    }
}

/// A rendered report.
#[derive(Debug, Clone)]
pub struct ReportDocument {
    /// Its media type.
    pub content_type: &'static str,
    /// A download name (ASCII).
    pub file_name: String,
    /// The bytes.
    pub body: Vec<u8>,
}

fn slug(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if s.is_empty() {
        "client".into()
    } else {
        s.chars().take(60).collect()
    }
}

/// A JSON value as report text: `—` for null, numbers without noise.
pub(crate) fn text(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() != 0.0 => format!("{f:.4}")
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string(),
            Some(f) if n.is_f64() => format!("{f:.0}"),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

impl Service {
    /// The branding every report is rendered with.
    pub fn brand(&self) -> Brand {
        let b = &self.settings.branding;
        Brand {
            agency_name: b.agency_name.clone(),
            // Checked when the configuration was read; the default colour otherwise.
            accent: Rgb::parse(&b.accent_color).unwrap_or(Rgb(0x1f, 0x6f, 0xeb)),
            logo: self.settings.logo.clone(),
        }
    }

    /// The document of a completed `reporting` task. 404 for an unknown task; 409 for a task
    /// that is not a report or has not completed.
    pub async fn task_report(
        &self,
        task_id: Uuid,
        format: ReportFormat,
    ) -> ServiceResult<ReportDocument> {
        let task = self.db.get_task(task_id).await?;
        if task.agent_id != "reporting" {
            return Err(ServiceError::Conflict(format!(
                "task {task_id} is a {} task: only reporting tasks have report documents",
                task.agent_id
            )));
        }
        if task.status != TaskStatus::Completed {
            return Err(ServiceError::Conflict(format!(
                "the report is not ready: task {task_id} is {}",
                serde_json::to_value(task.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            )));
        }
        let out = task.output.unwrap_or(Value::Null);
        let client_id = task
            .input
            .get("client_id")
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s.trim()).ok());
        let client_name = match client_id {
            Some(id) => self
                .db
                .get_client(id)
                .await
                .map(|c| c.company_name)
                .unwrap_or_else(|_| "client".into()),
            None => "client".into(),
        };
        let audit = task.task_type == "audit_report";
        let stem = if audit {
            let day = task
                .finished_at
                .map_or_else(|| "undated".to_string(), |d| d.date_naive().to_string());
            format!("audit-report-{}-{day}", slug(&client_name))
        } else {
            let period = &out["period"]["current"];
            format!(
                "report-{}-{}-{}",
                slug(&client_name),
                period["from"].as_str().unwrap_or("period"),
                period["to"].as_str().unwrap_or("end")
            )
        };
        let brand = self.brand();
        let document = || {
            if audit {
                documents::audit(&client_name, &out, &brand)
            } else {
                documents::kpi(&client_name, &out, &brand)
            }
        };
        let (content_type, ext, body) = match format {
            ReportFormat::Json => (
                "application/json",
                "json",
                serde_json::to_vec_pretty(&json!({
                    "client": {"id": client_id, "name": client_name},
                    "task_id": task_id,
                    "finished_at": task.finished_at,
                    "report": out,
                }))
                .unwrap_or_default(),
            ),
            ReportFormat::Csv => (
                "text/csv; charset=utf-8",
                "csv",
                if audit {
                    csv_out::audit(&out)?
                } else {
                    csv_out::kpi(&out)?
                },
            ),
            ReportFormat::Html => (
                "text/html; charset=utf-8",
                "html",
                seo_render::html::render(&document(), &brand).into_bytes(),
            ),
            ReportFormat::Pdf => {
                let doc = document();
                // Laying out and compressing a long report is CPU work: off the async threads.
                let bytes =
                    tokio::task::spawn_blocking(move || seo_render::pdf::render(&doc, &brand))
                        .await
                        .map_err(|e| {
                            ServiceError::Internal(format!("the PDF renderer stopped: {e}"))
                        })?
                        .map_err(|e| ServiceError::Internal(e.to_string()))?;
                ("application/pdf", "pdf", bytes)
            }
        };
        Ok(ReportDocument {
            content_type,
            file_name: format!("{stem}.{ext}"),
            body,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn branding_is_checked_and_slugs_are_ascii() {
        assert!(Branding::default().check().is_ok());
        assert!(
            Branding {
                accent_color: "red".into(),
                ..Branding::default()
            }
            .check()
            .is_err()
        );
        let missing = Branding {
            logo_path: Some("/nonexistent/logo.png".into()),
            ..Branding::default()
        };
        assert!(
            missing
                .check()
                .unwrap_err()
                .starts_with("branding.logo_path")
        );
        assert_eq!(slug("ООО Ромашка & Co!"), "co");
        assert_eq!(slug("Acme Retail"), "acme-retail");
    }
}
