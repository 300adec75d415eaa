//! Datasets over HTTP: an export uploaded as multipart or as the raw body becomes a dataset
//! of the client; the same file again is the same dataset; a file of no known shape is 422
//! and stores nothing; size, media type and permissions are enforced.

use reqwest::Method;
use seo_e2e::{TestApp, spawn_with};
use serde_json::{Value, json};

const QUERIES: &str = "Top queries,Clicks,Impressions,CTR,Position\nrust seo,12,400,3%,4.5\nseo agency,3,\"1,240\",0.24%,11.2\nbroken,x,5,0%,1\n";

async fn client(app: &TestApp, t: &str) -> String {
    let (s, c) = app
        .send(
            Method::POST,
            "/api/clients",
            t,
            Some(json!({"company_name": "Upload Co"})),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    c["id"].as_str().unwrap().to_string()
}

fn multipart(file_name: &str, content: &str, options: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "seo-test-boundary-7f3a";
    let mut body = String::new();
    for (k, v) in options {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n{content}\r\n--{boundary}--\r\n"
    ));
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

async fn upload(app: &TestApp, t: &str, path: &str, ctype: &str, body: Vec<u8>) -> (u16, Value) {
    let r = app
        .http
        .post(app.url(path))
        .bearer_auth(t)
        .header("content-type", ctype)
        .body(body)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_becomes_a_dataset_once_with_its_rows_and_errors() {
    let app = spawn_with(|c| c.import_max_bytes = 4096).await;
    let t = app.admin_token().await;
    let id = client(&app, &t).await;
    let path = format!("/api/clients/{id}/datasets");

    let (ct, body) = multipart("Queries.csv", QUERIES, &[("source", "gsc")]);
    let (s, d) = upload(&app, &t, &path, &ct, body.clone()).await;
    assert_eq!(s, 201, "{d}");
    assert_eq!(
        (
            d["kind"].as_str(),
            d["source"].as_str(),
            d["file_name"].as_str()
        ),
        (Some("search_performance"), Some("gsc"), Some("Queries.csv"))
    );
    assert_eq!(
        (
            d["rows_accepted"].as_i64(),
            d["rows_rejected"].as_i64(),
            d["duplicate"].as_bool()
        ),
        (Some(2), Some(1), Some(false))
    );
    assert_eq!(
        d["errors"][0],
        json!({"row": 4, "column": "clicks", "message": "'x' is not a whole number"})
    );
    assert_eq!(d["sha256"].as_str().unwrap().len(), 64);
    let q = &d["summary"]["dimensions"]["query"]["current"];
    assert_eq!(
        (q["clicks"].as_i64(), q["impressions"].as_i64()),
        (Some(15), Some(1640))
    );
    let dataset_id = d["id"].as_str().unwrap().to_string();

    // The same file again (raw this time): the stored dataset, 200, nothing new.
    let (s, again) = upload(
        &app,
        &t,
        &format!("{path}?filename=Queries.csv"),
        "text/csv",
        QUERIES.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(
        (s, again["id"].as_str(), again["duplicate"].as_bool()),
        (200, Some(dataset_id.as_str()), Some(true))
    );

    // A Russian Yandex export as the raw body.
    let yandex = "Запрос;Показы;Клики;CTR;Средняя позиция показа;Средняя позиция клика\nкупить обувь;1000;50;5;4,2;3,1\n";
    let (s, y) = upload(
        &app,
        &t,
        &format!("{path}?filename=yandex.csv"),
        "text/csv; charset=utf-8",
        yandex.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(s, 201, "{y}");
    assert_eq!(y["source"], "yandex_webmaster");

    let (s, list) = app.send(Method::GET, &path, &t, None).await;
    assert_eq!((s, list["total"].as_i64()), (200, Some(2)));
    let (_, list) = app
        .send(Method::GET, &format!("{path}?kind=backlinks"), &t, None)
        .await;
    assert_eq!(list["total"], 0);
    let (s, one) = app
        .send(
            Method::GET,
            &format!("/api/datasets/{dataset_id}"),
            &t,
            None,
        )
        .await;
    assert_eq!((s, one["rows_accepted"].as_i64()), (200, Some(2)));
    let (s, rows) = app
        .send(
            Method::GET,
            &format!(
                "/api/datasets/{dataset_id}/rows?dimension=query&period=current&size=1&page=2"
            ),
            &t,
            None,
        )
        .await;
    assert_eq!(s, 200, "{rows}");
    assert_eq!(
        (rows["total"].as_i64(), rows["items"][0]["key"].as_str()),
        (Some(2), Some("seo agency"))
    );
    assert_eq!(rows["items"][0]["data"]["impressions"], 1240);
    assert!(
        (rows["items"][0]["data"]["ctr"].as_f64().unwrap() - 0.0024).abs() < 1e-12,
        "CTR stored as a fraction"
    );

    // Refusals store nothing.
    let (ct, body) = multipart("people.csv", "name,age\nbob,3\n", &[]);
    let (s, e) = upload(&app, &t, &path, &ct, body).await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["error"]["details"]["fields"][0]["field"], "file");
    assert_eq!(
        e["error"]["details"]["fields"][0]["code"],
        "unrecognised_export"
    );
    let (ct, body) = multipart("Queries.csv", QUERIES, &[("strict", "true")]);
    let (s, e) = upload(&app, &t, &path, &ct, body).await;
    assert_eq!(
        (s, e["error"]["details"]["fields"][0]["code"].as_str()),
        (422, Some("invalid_rows"))
    );
    let (ct, body) = multipart("Queries.csv", QUERIES, &[("colour", "blue")]);
    let (s, e) = upload(&app, &t, &path, &ct, body).await;
    assert_eq!(
        (s, e["error"]["details"]["fields"][0]["code"].as_str()),
        (422, Some("unknown_field"))
    );
    let big = format!(
        "Top queries,Clicks,Impressions,CTR,Position\n{}",
        "q,1,10,10%,1\n".repeat(400)
    );
    let (s, _) = upload(&app, &t, &path, "text/csv", big.into_bytes()).await;
    assert_eq!(s, 413);
    let (s, _) = upload(&app, &t, &path, "application/json", b"{}".to_vec()).await;
    assert_eq!(s, 415);
    let (ct, _) = multipart("x.csv", "", &[]);
    let (s, e) = upload(
        &app,
        &t,
        &path,
        &ct,
        b"--seo-test-boundary-7f3a--\r\n".to_vec(),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    let (s, _) = upload(
        &app,
        &t,
        &format!("/api/clients/{}/datasets", uuid::Uuid::new_v4()),
        "text/csv",
        QUERIES.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(s, 404);
    let (_, list) = app.send(Method::GET, &path, &t, None).await;
    assert_eq!(list["total"], 2);

    // An operator reads but does not import.
    let op = app.token_for("operator").await;
    let (s, _) = upload(&app, &op, &path, "text/csv", QUERIES.as_bytes().to_vec()).await;
    assert_eq!(s, 403);
    let (s, _) = app
        .send(
            Method::GET,
            &format!("/api/datasets/{dataset_id}"),
            &op,
            None,
        )
        .await;
    assert_eq!(s, 200);

    let (s, _) = app
        .send(
            Method::DELETE,
            &format!("/api/datasets/{dataset_id}"),
            &t,
            None,
        )
        .await;
    assert_eq!(s, 204);
    let (s, _) = app
        .send(
            Method::GET,
            &format!("/api/datasets/{dataset_id}"),
            &t,
            None,
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = app
        .send(
            Method::GET,
            &format!("/api/datasets/{dataset_id}/rows"),
            &t,
            None,
        )
        .await;
    assert_eq!(s, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reporting_agent_reads_the_imported_datasets() {
    let app = seo_e2e::spawn_app().await;
    let t = app.admin_token().await;
    let id = client(&app, &t).await;
    let path = format!("/api/clients/{id}/datasets");
    let mut dates = String::from("Date,Clicks,Impressions,CTR,Position\n");
    let mut ga4 = String::from(
        "# Start date: 20260901\n# End date: 20260914\n\nDate,Sessions,Total users,Key events,Total revenue\n",
    );
    for d in 1..=14 {
        let clicks = if d <= 7 { 10 } else { 12 };
        dates.push_str(&format!("2026-09-{d:02},{clicks},100,{clicks}%,5\n"));
        ga4.push_str(&format!(
            "202609{d:02},{},{},1,10.5\n",
            if d <= 7 { 50 } else { 40 },
            30
        ));
    }
    let (s, d) = upload(
        &app,
        &t,
        &format!("{path}?filename=Dates.csv"),
        "text/csv",
        dates.into_bytes(),
    )
    .await;
    assert_eq!(
        (s, d["period_from"].as_str(), d["period_to"].as_str()),
        (201, Some("2026-09-01"), Some("2026-09-14")),
        "{d}"
    );
    let (s, g) = upload(
        &app,
        &t,
        &format!("{path}?filename=ga4.csv"),
        "text/csv",
        ga4.into_bytes(),
    )
    .await;
    assert_eq!((s, g["kind"].as_str()), (201, Some("traffic")), "{g}");

    let (s, task) = app
        .send(
            Method::POST,
            "/api/agents/reporting/tasks?wait=20",
            &t,
            Some(json!({"input": {"client_id": id, "period_from": "2026-09-08", "period_to": "2026-09-14"}})),
        )
        .await;
    assert_eq!(s, 200, "{task}");
    assert_eq!(task["status"], "completed", "{task}");
    let k = &task["output"]["kpis"];
    // Clicks 7·12 = 84 against 7·10 = 70: +20 %. Sessions 7·40 = 280 against 350: −20 %.
    assert_eq!(
        (
            k["clicks"]["current"].as_f64(),
            k["clicks"]["previous"].as_f64()
        ),
        (Some(84.0), Some(70.0))
    );
    assert!((k["clicks"]["change_pct"].as_f64().unwrap() - 20.0).abs() < 1e-9);
    assert_eq!(
        (
            k["sessions"]["current"].as_f64(),
            k["sessions"]["previous"].as_f64()
        ),
        (Some(280.0), Some(350.0))
    );
    assert!((k["revenue"]["current"].as_f64().unwrap() - 73.5).abs() < 1e-9);
    // A fall of exactly 20 % is not beyond the 20 % threshold.
    assert_eq!(task["output"]["alerts"], json!([]));
    assert_eq!(task["output"]["data_sources"].as_array().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kpi_report_downloads_as_html_csv_and_json() {
    let app = seo_e2e::spawn_app().await;
    let t = app.admin_token().await;
    let (s, c) = app
        .send(
            Method::POST,
            "/api/clients",
            &t,
            Some(json!({"company_name": "Report <Co> & Sons"})),
        )
        .await;
    assert_eq!(s, 201);
    let id = c["id"].as_str().unwrap().to_string();
    let mut dates = String::from("Date,Clicks,Impressions,CTR,Position\n");
    for d in 1..=14 {
        dates.push_str(&format!(
            "2026-09-{d:02},{},100,10%,5\n",
            if d <= 7 { 10 } else { 12 }
        ));
    }
    let (s, _) = upload(
        &app,
        &t,
        &format!("/api/clients/{id}/datasets?filename=Dates.csv"),
        "text/csv",
        dates.into_bytes(),
    )
    .await;
    assert_eq!(s, 201);
    let (_, task) = app
        .send(
            Method::POST,
            "/api/agents/reporting/tasks?wait=20",
            &t,
            Some(json!({"input": {"client_id": id, "period_from": "2026-09-08", "period_to": "2026-09-14"}})),
        )
        .await;
    assert_eq!(task["status"], "completed", "{task}");
    let task_id = task["id"].as_str().unwrap();
    let get = |format: &'static str| {
        let url = app.url(&format!("/api/tasks/{task_id}/report?format={format}"));
        let http = app.http.clone();
        let t = t.clone();
        async move {
            let r = http.get(url).bearer_auth(t).send().await.unwrap();
            let status = r.status().as_u16();
            let ct = r.headers()["content-type"].to_str().unwrap().to_string();
            let cd = r
                .headers()
                .get("content-disposition")
                .map(|v| v.to_str().unwrap().to_string());
            (status, ct, cd, r.text().await.unwrap())
        }
    };
    let (s, ct, cd, html) = get("html").await;
    assert_eq!(s, 200);
    assert!(ct.starts_with("text/html"));
    assert_eq!(
        cd.as_deref(),
        Some("attachment; filename=\"report-report-co-sons-2026-09-08-2026-09-14.html\"")
    );
    assert!(
        html.contains("Report &lt;Co&gt; &amp; Sons"),
        "the client's name is escaped"
    );
    assert!(
        html.contains("<td>clicks</td><td class=\"n\">84</td><td class=\"n\">70</td>"),
        "{html}"
    );
    assert!(html.contains("<svg") && !html.contains("<script"));
    let (s, ct, _, csv) = get("csv").await;
    assert!(s == 200 && ct.starts_with("text/csv"));
    assert!(csv.lines().any(|l| l == "kpi,clicks,84,70,14,20"), "{csv}");
    let (s, _, _, j) = get("json").await;
    assert_eq!(s, 200);
    let v: serde_json::Value = serde_json::from_str(&j).unwrap();
    assert_eq!(v["report"]["kpis"]["clicks"]["current"], 84.0);
    assert_eq!(v["client"]["name"], "Report <Co> & Sons");
    let (s, _, _, _) = get("pdfx").await;
    assert_eq!(s, 422);
    // Another agent's task is not a report: 409.
    let (ls, lead) = app
        .send(
            Method::POST,
            "/api/agents/lead_qualification/tasks?wait=10",
            &t,
            Some(json!({"input": {"company_name": "Xylo"}})),
        )
        .await;
    let (s, _) = app
        .send(
            Method::GET,
            &format!(
                "/api/tasks/{}/report",
                lead["id"].as_str().unwrap_or_else(|| panic!("{ls} {lead}"))
            ),
            &t,
            None,
        )
        .await;
    assert_eq!(s, 409);
    // The audit report of a client without an audit says so, and renders.
    let (_, audit) = app
        .send(
            Method::POST,
            "/api/agents/reporting/tasks?wait=20",
            &t,
            Some(json!({"task_type": "audit_report", "input": {"client_id": id}})),
        )
        .await;
    assert_eq!(audit["status"], "completed", "{audit}");
    assert!(
        audit["output"]["summary"]
            .as_str()
            .unwrap()
            .starts_with("No stored audit")
    );
    let r = app
        .http
        .get(app.url(&format!(
            "/api/tasks/{}/report",
            audit["id"].as_str().unwrap()
        )))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cd = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cd.contains("audit-report-report-co-sons-"), "{cd}");
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Technical audit: Report &lt;Co&gt; &amp; Sons"),
        "{page}"
    );
    let (s, _) = app
        .send(
            Method::GET,
            &format!("/api/tasks/{}/report", uuid::Uuid::new_v4()),
            &t,
            None,
        )
        .await;
    assert_eq!(s, 404);
}

/// The text of a PDF as `pdftotext` (poppler-utils) reads it: what a client's reader shows.
fn pdf_text(pdf: &[u8]) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("pdftotext")
        .args(["-layout", "-", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("pdftotext is needed to read the PDF (apt-get install poppler-utils): {e}")
        });
    child.stdin.take().unwrap().write_all(pdf).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "pdftotext could not read the PDF");
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn a_kpi_report_downloads_as_a_pdf_with_cyrillic_text_branding_and_the_figures() {
    // A 1×1 PNG as the agency's logo.
    const PNG: [u8; 68] = [
        137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 4,
        0, 0, 0, 181, 28, 12, 2, 0, 0, 0, 11, 73, 68, 65, 84, 120, 218, 99, 100, 96, 0, 0, 0, 6, 0,
        2, 48, 129, 208, 47, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
    ];
    let dir = tempfile::tempdir().unwrap();
    let logo = dir.path().join("logo.png");
    std::fs::write(&logo, PNG).unwrap();
    let logo_path = logo.display().to_string();
    let app = spawn_with(move |c| {
        c.branding.agency_name = "Агентство «Север»".into();
        c.branding.logo_path = Some(logo_path);
    })
    .await;
    let t = app.admin_token().await;
    let (_, c) = app
        .send(
            Method::POST,
            "/api/clients",
            &t,
            Some(json!({"company_name": "ООО «Ромашка»"})),
        )
        .await;
    let id = c["id"].as_str().unwrap().to_string();
    let mut dates = String::from("Дата,Клики,Показы,CTR,Позиция\n");
    for d in 1..=14 {
        dates.push_str(&format!(
            "2026-09-{d:02},{},1000,1%,{}\n",
            if d <= 7 { 10 } else { 13 },
            if d <= 7 { 8 } else { 6 }
        ));
    }
    let (s, ds) = upload(
        &app,
        &t,
        &format!("/api/clients/{id}/datasets?filename=Dates.csv"),
        "text/csv",
        dates.into_bytes(),
    )
    .await;
    assert_eq!(s, 201, "{ds}");
    let (_, task) = app
        .send(
            Method::POST,
            "/api/agents/reporting/tasks?wait=20",
            &t,
            Some(json!({"input": {"client_id": id, "period_from": "2026-09-08", "period_to": "2026-09-14"}})),
        )
        .await;
    assert_eq!(task["status"], "completed", "{task}");
    let r = app
        .http
        .get(app.url(&format!(
            "/api/tasks/{}/report?format=pdf",
            task["id"].as_str().unwrap()
        )))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let cd = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cd.ends_with("-2026-09-08-2026-09-14.pdf\""), "{cd}");
    let pdf = r.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdf_text(&pdf);
    assert!(text.contains("KPI report: ООО «Ромашка»"), "{text}");
    assert!(text.contains("Prepared by Агентство «Север»"), "{text}");
    assert!(text.contains("Page 1 of"), "{text}");
    // clicks 7 × 13 = 91 against 7 × 10 = 70: +21, +30 %.
    let clicks = text
        .lines()
        .find(|l| l.trim_start().starts_with("clicks "))
        .unwrap_or_else(|| panic!("{text}"));
    let figures: Vec<&str> = clicks.split_whitespace().collect();
    assert_eq!(figures, ["clicks", "91", "70", "21", "30"], "{clicks}");
    // Position fell from 8 to 6: better, and in the table.
    assert!(
        text.lines().any(
            |l| l.split_whitespace().collect::<Vec<_>>() == ["position", "6", "8", "-2", "-25"]
        ),
        "{text}"
    );
}
