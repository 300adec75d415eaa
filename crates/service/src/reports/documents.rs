//! The document model of each report type, built once from the task's output and rendered
//! to HTML and PDF alike.

// Invariant: indexes are `serde_json::Value[&str]`, which never panics.
#![allow(clippy::indexing_slicing)]

use seo_render::{
    BarChart, Block, Brand, Cell, LineChart, Report, Rgb, SERIES_COLOURS, Series, Table, Tone,
};
use serde_json::Value;

use super::text;

const GOOD: Rgb = Rgb(0x06, 0x76, 0x47);
const BAD: Rgb = Rgb(0xb4, 0x23, 0x18);

/// A percentage with one decimal, without a trailing `.0`.
fn pct(v: &Value) -> String {
    match v.as_f64() {
        Some(p) => {
            let s = format!("{:.1}", (p * 10.0).round() / 10.0);
            s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
        }
        None => text(v),
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().into_iter().flatten().map(text).collect()
}

fn tail_lists(blocks: &mut Vec<Block>, out: &Value) {
    for (title, key) in [
        ("Recommendations", "recommendations"),
        ("Not measured", "not_measured"),
        ("Data sources", "data_sources"),
    ] {
        blocks.push(Block::List {
            title: title.into(),
            items: strings(&out[key]),
        });
    }
}

/// The tone of a change: better is green, worse red; a lower position is better.
fn tone_of(kpi: &str, change: Option<f64>) -> Tone {
    let better = match change {
        Some(c) if c > 0.0 => kpi != "position",
        Some(c) if c < 0.0 => kpi == "position",
        _ => return Tone::Plain,
    };
    if better { Tone::Good } else { Tone::Bad }
}

/// A KPI report (`kpi_report`).
pub(super) fn kpi(client: &str, out: &Value, brand: &Brand) -> Report {
    let period = &out["period"];
    let mut subtitle = vec![format!(
        "{} – {}, compared with {} – {} ({})",
        text(&period["current"]["from"]),
        text(&period["current"]["to"]),
        text(&period["comparison"]["from"]),
        text(&period["comparison"]["to"]),
        text(&period["comparison"]["compare"]).replace('_', " "),
    )];
    subtitle.push(text(&out["summary"]));
    let mut blocks = vec![Block::Heading("KPIs".into())];
    let mut kpis = Table::new(
        &["KPI", "current", "previous", "change", "change %"],
        &[1, 2, 3, 4],
    );
    for (name, k) in out["kpis"].as_object().into_iter().flatten() {
        let tone = tone_of(name, k["change"].as_f64());
        kpis.rows.push(vec![
            Cell::plain(name.replace('_', " ")),
            Cell::plain(text(&k["current"])),
            Cell::plain(text(&k["previous"])),
            Cell::toned(text(&k["change"]), tone),
            Cell::toned(pct(&k["change_pct"]), tone),
        ]);
    }
    if kpis.rows.is_empty() {
        blocks.push(Block::Text(
            "No KPI could be computed: no search or traffic dataset covers the period.".into(),
        ));
    } else {
        blocks.push(Block::Table(kpis));
    }

    let daily = out["daily"].as_array().cloned().unwrap_or_default();
    let date = |d: Option<&Value>| d.map(|d| text(&d["date"])).unwrap_or_default();
    let x_range = (date(daily.first()), date(daily.last()));
    let mut charts = Vec::new();
    for (key, title, colour) in [
        ("clicks", "Clicks per day", brand.accent),
        ("impressions", "Impressions per day", SERIES_COLOURS[0]),
        ("sessions", "Sessions per day", SERIES_COLOURS[1]),
    ] {
        let points: Vec<Option<f64>> = daily.iter().map(|d| d[key].as_f64()).collect();
        if points.iter().flatten().count() < 2 {
            continue;
        }
        charts.push(Block::Line(LineChart {
            title: title.into(),
            x_range: x_range.clone(),
            series: vec![Series {
                name: key.into(),
                colour,
                points,
            }],
        }));
    }
    if !charts.is_empty() {
        blocks.push(Block::Heading("Over time".into()));
        blocks.extend(charts);
    }

    let buckets = out["position_distribution"]["buckets"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if !buckets.is_empty() {
        blocks.push(Block::Heading("Position distribution".into()));
        blocks.push(Block::Bars(BarChart {
            title: format!(
                "Queries by average position in the current period ({} queries)",
                text(&out["position_distribution"]["queries"])
            ),
            bars: buckets
                .iter()
                .map(|b| (text(&b["label"]), b["queries"].as_f64().unwrap_or(0.0)))
                .collect(),
            full_scale: None,
            colour: brand.accent,
        }));
    }

    for (dim, m) in out["top_movers"].as_object().into_iter().flatten() {
        blocks.push(Block::Heading(format!("Top movers by {dim}")));
        let mut bars = Vec::new();
        let mut t = Table::new(&[dim.as_str(), "clicks", "before", "change"], &[1, 2, 3]);
        for dir in ["up", "down"] {
            for e in m[dir].as_array().into_iter().flatten() {
                let change = e["change"].as_f64();
                t.rows.push(vec![
                    Cell::plain(text(&e["key"])),
                    Cell::plain(text(&e["clicks"])),
                    Cell::plain(text(&e["previous_clicks"])),
                    Cell::toned(text(&e["change"]), tone_of("clicks", change)),
                ]);
                if let Some(c) = change {
                    bars.push((dir, text(&e["key"]), c));
                }
            }
        }
        for (dir, title, colour) in [("up", "Clicks gained", GOOD), ("down", "Clicks lost", BAD)] {
            let these: Vec<(String, f64)> = bars
                .iter()
                .filter(|b| b.0 == dir)
                .map(|b| (b.1.clone(), b.2.abs()))
                .collect();
            if !these.is_empty() {
                blocks.push(Block::Bars(BarChart {
                    title: format!("{title} by {dim}"),
                    bars: these,
                    full_scale: None,
                    colour,
                }));
            }
        }
        blocks.push(Block::Table(t));
    }

    let audit = &out["audit"];
    if audit["score"].as_f64().is_some() {
        blocks.push(Block::Heading("Technical audit".into()));
        let mut line = format!("Latest audit score: {}/100", text(&audit["score"]));
        // The agent's rounded change, not a fresh subtraction (72.3 − 70.1 prints as
        // 2.1999999999999886).
        if let Some(change) = audit["change"].as_f64() {
            line.push_str(&format!(
                " ({:+} since the audit before, {})",
                change,
                text(&audit["previous_finished_at"])
            ));
        }
        blocks.push(Block::Text(line));
    }
    blocks.push(Block::List {
        title: "Alerts".into(),
        items: out["alerts"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| text(&a["message"]))
            .collect(),
    });
    blocks.push(Block::List {
        title: "Anomalies".into(),
        items: out["anomalies"]
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
    });
    tail_lists(&mut blocks, out);
    Report {
        title: format!("KPI report: {client}"),
        subtitle,
        blocks,
    }
}

/// What changed since the campaign's previous audit, when the audit carries a diff.
fn changes(blocks: &mut Vec<Block>, diff: &Value) {
    if !diff.is_object() {
        return;
    }
    blocks.push(Block::Heading("Since the previous audit".into()));
    let score = |k: &str| {
        format!(
            "{} → {} ({:+})",
            text(&diff[k]["from"]),
            text(&diff[k]["to"]),
            diff[k]["change"].as_f64().unwrap_or(0.0)
        )
    };
    blocks.push(Block::Text(format!(
        "Audit score {}; health score {}. Pages added: {}; removed: {}; status changes: {}.",
        score("audit_score"),
        score("health_score"),
        diff["pages_added"].as_array().map_or(0, Vec::len),
        diff["pages_removed"].as_array().map_or(0, Vec::len),
        diff["status_changes"].as_array().map_or(0, Vec::len),
    )));
    let mut t = Table::new(&["change", "issue", "severity", "pages"], &[3]);
    for (label, key, tone) in [
        ("new", "new_issues", Tone::Error),
        ("fixed", "fixed_issues", Tone::Good),
    ] {
        for i in diff[key].as_array().into_iter().flatten() {
            let pages = if i["site_wide"].as_bool() == Some(true) {
                "site-wide".to_string()
            } else {
                i["pages"].as_array().map_or(0, Vec::len).to_string()
            };
            t.rows.push(vec![
                Cell::toned(label.to_string(), tone),
                Cell::plain(text(&i["check"])),
                Cell::plain(text(&i["severity"])),
                Cell::plain(pages),
            ]);
        }
    }
    if t.rows.is_empty() {
        blocks.push(Block::Text("No issue appeared or was fixed.".into()));
    } else {
        blocks.push(Block::Table(t));
    }
}

/// A client-ready audit report (`audit_report`).
pub(super) fn audit(client: &str, out: &Value, brand: &Brand) -> Report {
    let mut subtitle = vec![format!(
        "{} — score {}/100 ({})",
        text(&out["site"]),
        text(&out["score"]),
        text(&out["grade"])
    )];
    if let Some(h) = out["health_score"].as_f64() {
        subtitle.push(format!(
            "Health score {}/100 ({})",
            text(&serde_json::json!(h)),
            text(&out["health_band"])
        ));
    }
    subtitle.push(text(&out["summary"]));
    let mut blocks = vec![Block::Heading("Categories".into())];
    let factors: Vec<&Value> = out["factors"].as_array().into_iter().flatten().collect();
    if !factors.is_empty() {
        blocks.push(Block::Bars(BarChart {
            title: "Category scores (0–100)".into(),
            bars: factors
                .iter()
                .map(|f| {
                    (
                        text(&f["name"]).replace('_', " "),
                        f["value"].as_f64().unwrap_or(0.0),
                    )
                })
                .collect(),
            full_scale: Some(100.0),
            colour: brand.accent,
        }));
    }
    let mut cats = Table::new(&["category", "score", "why"], &[1]);
    for f in &factors {
        cats.rows.push(vec![
            Cell::plain(text(&f["name"]).replace('_', " ")),
            Cell::plain(text(&f["value"])),
            Cell::plain(text(&f["reason"])),
        ]);
    }
    blocks.push(Block::Table(cats));
    blocks.push(Block::Heading("Issues, most urgent first".into()));
    let mut issues = Table::new(
        &["issue", "severity", "pages", "why it matters", "how to fix"],
        &[2],
    );
    for i in out["top_issues"].as_array().into_iter().flatten() {
        let sev = text(&i["severity"]);
        let tone = match sev.as_str() {
            "error" | "critical" | "high" => Tone::Error,
            "warning" | "medium" => Tone::Warning,
            _ => Tone::Plain,
        };
        issues.rows.push(vec![
            Cell::plain(text(&i["check"])),
            Cell::toned(sev, tone),
            Cell::plain(text(&i["pages_affected"])),
            Cell::plain(text(&i["why"])),
            Cell::plain(text(&i["fix"])),
        ]);
    }
    if issues.rows.is_empty() {
        blocks.push(Block::Text("No issue was found.".into()));
    } else {
        blocks.push(Block::Table(issues));
    }
    changes(&mut blocks, &out["diff"]);
    tail_lists(&mut blocks, out);
    Report {
        title: format!("Technical audit: {client}"),
        subtitle,
        blocks,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn brand() -> Brand {
        Brand {
            agency_name: "Acme".into(),
            accent: Rgb(1, 2, 3),
            logo: None,
        }
    }

    #[test]
    fn the_kpi_document_holds_every_figure_and_colours_changes_by_meaning() {
        let out = json!({
            "summary": "KPI report: clicks 84 +20.0 %",
            "period": {"current": {"from": "2026-10-01", "to": "2026-10-28"}, "comparison": {"from": "2026-09-03", "to": "2026-09-30", "compare": "previous_period"}},
            "kpis": {"clicks": {"current": 84.0, "previous": 70.0, "change": 14.0, "change_pct": 20.0},
                     "position": {"current": 9.5, "previous": 8.0, "change": 1.5, "change_pct": 18.75}},
            "daily": [{"date": "2026-10-01", "clicks": 1.0}, {"date": "2026-10-02", "clicks": 3.0}],
            "position_distribution": {"queries": 3, "buckets": [{"label": "1–3", "queries": 2}, {"label": "4–10", "queries": 1}]},
            "top_movers": {"query": {"up": [{"key": "купить", "clicks": 9.0, "previous_clicks": 2.0, "change": 7.0}], "down": []}},
            "audit": {"score": 72.3, "previous_score": 70.1, "change": 2.2, "previous_finished_at": "2026-09-01"},
            "data_sources": ["dataset x"]
        });
        let r = kpi("Ромашка", &out, &brand());
        let html = seo_render::html::render(&r, &brand());
        for needle in [
            "KPI report: Ромашка",
            "2026-10-01 – 2026-10-28",
            ">84<",
            ">70<",
            ">20<",
            "купить",
            // The agent's rounded change (72.3 − 70.1 would print 2.1999999999999886).
            "Latest audit score: 72.3/100 (+2.2 since",
            "dataset x",
            "1–3",
        ] {
            assert!(html.contains(needle), "{needle}");
        }
        let Some(Block::Table(t)) = r.blocks.get(1) else {
            panic!("the KPI table")
        };
        let pos = t.rows.iter().find(|r| r[0].text == "position").unwrap();
        assert_eq!(pos[3].tone, Tone::Bad, "a rising position is worse");
        let clicks = t.rows.iter().find(|r| r[0].text == "clicks").unwrap();
        assert_eq!(clicks[3].tone, Tone::Good);
    }
}
