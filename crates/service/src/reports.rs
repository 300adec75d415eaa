//! Report documents of a finished `reporting` task: JSON, CSV and one self-contained HTML
//! page (inline CSS and an inline SVG chart; nothing loaded from anywhere).

// Invariant: every index below is `serde_json::Value[&str]`, which answers `Null` for a
// missing key or a non-object and never panics; the lint cannot tell it from slice indexing.
#![allow(clippy::indexing_slicing)]

use std::fmt::Write as _;

use seo_domain::TaskStatus;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::Service;
use crate::error::{ServiceError, ServiceResult};

/// White-label branding of report documents (`[branding]` of the configuration file).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Branding {
    /// The agency's name, in the title and footer of every report.
    pub agency_name: String,
    /// The accent colour of headings and charts, `#rrggbb`.
    pub accent_color: String,
}

impl Default for Branding {
    fn default() -> Self {
        Self {
            agency_name: "SEO Architects".into(),
            accent_color: "#1f6feb".into(),
        }
    }
}

impl Branding {
    /// Checks the values; the error names the key.
    pub fn check(&self) -> Result<(), String> {
        let n = self.agency_name.trim().chars().count();
        if n == 0 || n > 120 {
            return Err("branding.agency_name: must be 1-120 characters".into());
        }
        let c = self.accent_color.as_bytes();
        let hex =
            c.len() == 7 && c.first() == Some(&b'#') && c.iter().skip(1).all(u8::is_ascii_hexdigit);
        if !hex {
            return Err("branding.accent_color: must be a colour as #rrggbb".into());
        }
        Ok(())
    }
}

/// A document format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// The report as JSON.
    Json,
    /// KPIs, movers and anomalies as CSV rows.
    Csv,
    /// One printable page.
    Html,
}

impl ReportFormat {
    /// `json`, `csv` or `html`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "json" => Some(Self::Json),
            "csv" => Some(Self::Csv),
            "html" => Some(Self::Html),
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

/// Text made safe inside HTML.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
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

fn text(v: &Value) -> String {
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

/// An SVG line chart of one daily series (no scripts, no fonts from outside).
fn line_chart(daily: &[Value], key: &str, colour: &str) -> Option<String> {
    let points: Vec<f64> = daily
        .iter()
        .filter_map(|d| d.get(key).and_then(Value::as_f64))
        .collect();
    if points.len() < 2 {
        return None;
    }
    let (w, h, pad) = (640.0, 160.0, 24.0);
    let max = points.iter().copied().fold(0.0_f64, f64::max).max(1.0);
    let last = f64::from(u32::try_from(points.len() - 1).unwrap_or(1));
    let mut path = String::new();
    for (i, v) in points.iter().enumerate() {
        let x = pad + (w - 2.0 * pad) * f64::from(u32::try_from(i).unwrap_or(0)) / last;
        let y = h - pad - (h - 2.0 * pad) * v / max;
        let _ = write!(path, "{}{x:.1},{y:.1} ", if i == 0 { "M" } else { "L" });
    }
    Some(format!(
        "<svg viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"daily {key}\" xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"{w}\" height=\"{h}\" fill=\"#fff\"/><path d=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/><text x=\"{pad}\" y=\"16\" font-size=\"12\" fill=\"#555\">{key}, max {}</text></svg>",
        path.trim_end(),
        text(&json!(max))
    ))
}

impl Service {
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
        let brand = &self.settings.branding;
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
                    audit_csv_of(&out)?
                } else {
                    csv_of(&out)?
                },
            ),
            ReportFormat::Html => (
                "text/html; charset=utf-8",
                "html",
                if audit {
                    audit_html_of(&client_name, &out, brand)
                } else {
                    html_of(&client_name, &out, brand)
                }
                .into_bytes(),
            ),
        };
        Ok(ReportDocument {
            content_type,
            file_name: format!("{stem}.{ext}"),
            body,
        })
    }
}

fn csv_of(out: &Value) -> ServiceResult<Vec<u8>> {
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

fn audit_csv_of(out: &Value) -> ServiceResult<Vec<u8>> {
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

fn audit_html_of(client: &str, out: &Value, brand: &Branding) -> String {
    let e = escape_html;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Audit report — {c} — {agency}</title><style>body{{font-family:system-ui,sans-serif;margin:2rem;color:#222}}h1,h2{{color:{accent}}}table{{border-collapse:collapse;margin:1rem 0}}th,td{{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}}.error{{color:#b42318}}.warning{{color:#b54708}}footer{{margin-top:2rem;color:#666;font-size:.85rem}}</style></head><body><h1>Technical audit: {c}</h1><p>{site} — score <strong>{score}</strong>/100 ({grade})</p><p>{s}</p>",
        c = e(client),
        agency = e(&brand.agency_name),
        accent = e(&brand.accent_color),
        site = e(&text(&out["site"])),
        score = e(&text(&out["score"])),
        grade = e(&text(&out["grade"])),
        s = e(&text(&out["summary"])),
    );
    h.push_str("<h2>Categories</h2><table><tr><th>category</th><th>score</th><th>why</th></tr>");
    for f in out["factors"].as_array().into_iter().flatten() {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            e(&text(&f["name"])),
            e(&text(&f["value"])),
            e(&text(&f["reason"]))
        );
    }
    h.push_str("</table><h2>Issues, most urgent first</h2><table><tr><th>issue</th><th>severity</th><th>pages</th><th>why it matters</th><th>how to fix</th></tr>");
    for i in out["top_issues"].as_array().into_iter().flatten() {
        let sev = text(&i["severity"]);
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            e(&text(&i["check"])),
            e(&sev),
            e(&sev),
            e(&text(&i["pages_affected"])),
            e(&text(&i["why"])),
            e(&text(&i["fix"]))
        );
    }
    h.push_str("</table>");
    for (title, key) in [
        ("Recommendations", "recommendations"),
        ("Not measured", "not_measured"),
        ("Data sources", "data_sources"),
    ] {
        let items: Vec<String> = out[key]
            .as_array()
            .into_iter()
            .flatten()
            .map(text)
            .collect();
        if items.is_empty() {
            continue;
        }
        let _ = write!(h, "<h2>{}</h2><ul>", e(title));
        for i in items {
            let _ = write!(h, "<li>{}</li>", e(&i));
        }
        h.push_str("</ul>");
    }
    let _ = write!(
        h,
        "<footer>Prepared by {}</footer></body></html>",
        e(&brand.agency_name)
    );
    h
}

fn html_of(client: &str, out: &Value, brand: &Branding) -> String {
    let e = escape_html;
    let mut h = String::new();
    let period = &out["period"];
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>KPI report — {c} — {agency}</title><style>body{{font-family:system-ui,sans-serif;margin:2rem;color:#222}}h1{{margin:0 0 .2rem}}table{{border-collapse:collapse;margin:1rem 0;min-width:50%}}th,td{{border:1px solid #ccc;padding:.3rem .6rem;text-align:right}}th:first-child,td:first-child{{text-align:left}}h1,h2{{color:{accent}}}footer{{margin-top:2rem;color:#666;font-size:.85rem}}.down{{color:#b42318}}.up{{color:#067647}}svg{{max-width:100%;border:1px solid #eee}}@media print{{body{{margin:0}}}}</style></head><body><h1>KPI report: {c}</h1><p>{pf} – {pt}, compared with {cf} – {ct} ({cmp})</p><p>{s}</p>",
        c = e(client),
        agency = e(&brand.agency_name),
        accent = e(&brand.accent_color),
        pf = e(&text(&period["current"]["from"])),
        pt = e(&text(&period["current"]["to"])),
        cf = e(&text(&period["comparison"]["from"])),
        ct = e(&text(&period["comparison"]["to"])),
        cmp = e(&text(&period["comparison"]["compare"])),
        s = e(&text(&out["summary"])),
    );
    h.push_str("<h2>KPIs</h2><table><tr><th>KPI</th><th>current</th><th>previous</th><th>change</th><th>change %</th></tr>");
    for (name, k) in out["kpis"].as_object().into_iter().flatten() {
        let class = match k["change"].as_f64() {
            Some(c) if c < 0.0 => " class=\"down\"",
            Some(c) if c > 0.0 => " class=\"up\"",
            _ => "",
        };
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td{class}>{}</td><td{class}>{}</td></tr>",
            e(name),
            e(&text(&k["current"])),
            e(&text(&k["previous"])),
            e(&text(&k["change"])),
            e(&text(&k["change_pct"]))
        );
    }
    h.push_str("</table>");
    let daily = out["daily"].as_array().cloned().unwrap_or_default();
    for (key, colour) in [
        ("clicks", brand.accent_color.as_str()),
        ("impressions", "#8250df"),
        ("sessions", "#067647"),
    ] {
        if let Some(svg) = line_chart(&daily, key, colour) {
            h.push_str(&svg);
        }
    }
    for (dim, m) in out["top_movers"].as_object().into_iter().flatten() {
        let _ = write!(
            h,
            "<h2>Top movers by {}</h2><table><tr><th>{}</th><th>clicks</th><th>before</th><th>change</th></tr>",
            e(dim),
            e(dim)
        );
        for dir in ["up", "down"] {
            for m in m[dir].as_array().into_iter().flatten() {
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"{dir}\">{}</td></tr>",
                    e(&text(&m["key"])),
                    e(&text(&m["clicks"])),
                    e(&text(&m["previous_clicks"])),
                    e(&text(&m["change"]))
                );
            }
        }
        h.push_str("</table>");
    }
    let list = |h: &mut String, title: &str, items: Vec<String>| {
        if items.is_empty() {
            return;
        }
        let _ = write!(h, "<h2>{}</h2><ul>", e(title));
        for i in items {
            let _ = write!(h, "<li>{}</li>", e(&i));
        }
        h.push_str("</ul>");
    };
    let strings =
        |v: &Value| -> Vec<String> { v.as_array().into_iter().flatten().map(text).collect() };
    list(
        &mut h,
        "Alerts",
        out["alerts"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| text(&a["message"]))
            .collect(),
    );
    list(
        &mut h,
        "Anomalies",
        out["anomalies"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| {
                format!(
                    "{} on {}: {} (mean {}, σ {}, z {})",
                    text(&a["metric"]),
                    text(&a["date"]),
                    text(&a["value"]),
                    text(&a["mean"]),
                    text(&a["sigma"]),
                    text(&a["z"])
                )
            })
            .collect(),
    );
    list(&mut h, "Recommendations", strings(&out["recommendations"]));
    list(&mut h, "Not measured", strings(&out["not_measured"]));
    list(&mut h, "Data sources", strings(&out["data_sources"]));
    let _ = write!(
        h,
        "<footer>Prepared by {}</footer></body></html>",
        e(&brand.agency_name)
    );
    h
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_what_it_shows() {
        assert_eq!(
            escape_html("<b>\"A&B\"</b>'"),
            "&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt;&#39;"
        );
        let page = html_of(
            "<script>x</script>",
            &json!({"kpis": {"clicks": {"current": 84.0, "previous": 70.0, "change": 14.0, "change_pct": 20.0}}, "daily": [{"clicks": 1.0}, {"clicks": 3.0}]}),
            &Branding {
                agency_name: "Acme <Agency>".into(),
                accent_color: "#aa3300".into(),
            },
        );
        assert!(page.contains("Prepared by Acme &lt;Agency&gt;") && page.contains("#aa3300"));
        assert!(Branding::default().check().is_ok());
        assert!(
            Branding {
                accent_color: "red".into(),
                ..Branding::default()
            }
            .check()
            .is_err()
        );
        assert!(!page.contains("<script>"));
        assert!(page.contains("&lt;script&gt;"));
        assert!(page.contains("<td>84</td>") && page.contains("<svg"));
        assert_eq!(slug("ООО Ромашка & Co!"), "co");
        assert_eq!(slug("Acme Retail"), "acme-retail");
    }
}
