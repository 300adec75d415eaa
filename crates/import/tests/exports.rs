//! Exports as agencies bring them, each checked against figures worked out by hand.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::float_cmp)]

use seo_import::{Dimension, Hint, ImportError, Kind, Period, Source, parse, summarise};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn search_console_queries_in_english_with_a_bom() {
    let csv = "\u{feff}Top queries,Clicks,Impressions,CTR,Position\nrust seo,12,400,3%,4.5\nseo agency,3,\"1,240\",0.24%,11.2\n";
    let p = parse("Queries.csv", csv.as_bytes(), Hint::default(), false).unwrap();
    assert_eq!((p.kind, p.source), (Kind::SearchPerformance, Source::Gsc));
    assert_eq!(p.search.len(), 2);
    let r = &p.search[1];
    assert_eq!(
        (r.dimension, r.key.as_str(), r.impressions),
        (Dimension::Query, "seo agency", 1240)
    );
    assert!(close(r.ctr, 0.0024));
    let s = summarise(&p);
    let q = &s["dimensions"]["query"]["current"];
    // 15 clicks of 1,640 impressions; position (4.5·400 + 11.2·1240) ÷ 1640 = 9.5634…
    assert_eq!(
        (q["clicks"].as_i64(), q["impressions"].as_i64()),
        (Some(15), Some(1640))
    );
    assert!(close(q["ctr"].as_f64().unwrap(), 15.0 / 1640.0));
    assert!(close(
        q["position"].as_f64().unwrap(),
        (4.5 * 400.0 + 11.2 * 1240.0) / 1640.0
    ));
    assert!(s["note"].as_str().unwrap().contains("capped"));
}

#[test]
fn search_console_pages_in_russian_semicolons_and_decimal_commas() {
    let csv = "Самые популярные страницы;Клики;Показы;CTR;Позиция\nhttps://example.ru/;10;200;5%;3,5\nhttps://example.ru/about;0;50;0%;12\n";
    let p = parse("export.csv", csv.as_bytes(), Hint::default(), false).unwrap();
    assert_eq!(p.search[0].dimension, Dimension::Page);
    assert!(close(p.search[0].position, 3.5));
    assert_eq!(p.rows_accepted(), 2);
}

#[test]
fn compare_mode_gives_two_periods() {
    let csv = "Top queries,Last 28 days Clicks,Previous period Clicks,Last 28 days Impressions,Previous period Impressions,Last 28 days CTR,Previous period CTR,Last 28 days Position,Previous period Position\nshoes,10,5,100,80,10%,6.25%,3.2,4.1\n";
    let p = parse("Queries.csv", csv.as_bytes(), Hint::default(), false).unwrap();
    assert_eq!(p.search.len(), 2);
    let prev = p
        .search
        .iter()
        .find(|r| r.period == Period::Previous)
        .unwrap();
    assert_eq!((prev.clicks, prev.impressions), (5, 80));
    assert!(close(prev.position, 4.1));
}

#[test]
fn dates_give_the_period_and_bad_rows_are_listed() {
    let csv = "Date,Clicks,Impressions,CTR,Position\n2026-09-01,5,100,5%,7\n2026-09-03,x,100,5%,7\n2026-09-02,7,90,7.78%,6.5\n2026-09-04,200,100,5%,7\n";
    let p = parse("Dates.csv", csv.as_bytes(), Hint::default(), false).unwrap();
    assert_eq!(p.search.len(), 2);
    assert_eq!(p.rows_rejected, 2);
    assert_eq!(p.errors[0].row, 3);
    assert_eq!(p.errors[0].column.as_deref(), Some("clicks"));
    assert!(p.errors[1].message.contains("exceed"));
    assert_eq!(p.period_from.unwrap().to_string(), "2026-09-01");
    assert_eq!(p.period_to.unwrap().to_string(), "2026-09-02");
    // Strict: one bad row refuses the file.
    let e = parse("Dates.csv", csv.as_bytes(), Hint::default(), true).unwrap_err();
    assert!(matches!(e, ImportError::Strict { count: 2, .. }), "{e}");
}

#[test]
fn yandex_webmaster_queries() {
    let csv = "Запрос;Показы;Клики;CTR;Средняя позиция показа;Средняя позиция клика\nкупить обувь;1000;50;5;4,2;3,1\n";
    let p = parse("yandex.csv", csv.as_bytes(), Hint::default(), false).unwrap();
    assert_eq!(p.source, Source::YandexWebmaster);
    let r = &p.search[0];
    assert_eq!((r.impressions, r.clicks), (1000, 50));
    assert!(close(r.ctr, 0.05));
    assert!(close(r.position, 4.2));
    assert_eq!(r.click_position, Some(3.1));
}

#[test]
fn ga4_report_with_preamble_grand_total_and_two_tables() {
    let csv = "# ----------------------------------------\n# Traffic acquisition: Session default channel group\n# Start date: 20260701\n# End date: 20260928\n# ----------------------------------------\n\nSession default channel group,Sessions,Engaged sessions,Key events,Total revenue\nGrand total,1000,600,30,1500.5\nOrganic Search,600,400,20,1000\nDirect,400,200,10,500.5\n\n# ----------------------------------------\nDate,Sessions,Total users,Conversions\n20260701,10,8,1\n20260702,12,9,0\n";
    let p = parse("ga4.csv", csv.as_bytes(), Hint::default(), false).unwrap();
    assert_eq!((p.kind, p.source), (Kind::Traffic, Source::Ga4));
    assert_eq!(p.period_from.unwrap().to_string(), "2026-07-01");
    assert_eq!(p.period_to.unwrap().to_string(), "2026-09-28");
    // The grand total is skipped: 2 channel rows and 2 daily rows.
    assert_eq!(p.traffic.len(), 4);
    let s = summarise(&p);
    assert_eq!(s["days"], 2);
    assert!(close(s["sessions"].as_f64().unwrap(), 1022.0));
    assert!(close(s["key_events"].as_f64().unwrap(), 31.0));
    assert!(close(s["revenue"].as_f64().unwrap(), 1500.5));
}

#[test]
fn ahrefs_utf16_tab_separated() {
    let text = "Referring page title\tReferring page URL\tTarget URL\tAnchor\tNofollow\tUGC\tSponsored\tFirst seen\tLast seen\tLost status\nA\thttps://blog.example/a\thttps://client.example/\tClient\tfalse\tfalse\tfalse\t2026-01-02 10:00:00\t2026-09-01\t\nB\thttps://www.forum.example/t/1\thttps://client.example/p\tclick here\tfalse\ttrue\tfalse\t2026-02-01\t2026-08-01\tremoved\n";
    let bytes: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let p = parse("ahrefs.csv", &bytes, Hint::default(), false).unwrap();
    assert_eq!((p.kind, p.source), (Kind::Backlinks, Source::Ahrefs));
    assert_eq!(p.backlinks.len(), 2);
    assert!(!p.backlinks[0].nofollow);
    assert!(p.backlinks[1].nofollow, "UGC counts as nofollow");
    assert!(p.backlinks[1].lost);
    assert_eq!(p.backlinks[0].first_seen.unwrap().to_string(), "2026-01-02");
    let s = summarise(&p);
    assert_eq!(
        (s["links"].as_u64(), s["referring_domains"].as_u64()),
        (Some(2), Some(2))
    );
    assert!(close(s["nofollow_share"].as_f64().unwrap(), 0.5));
}

#[test]
fn semrush_majestic_and_generic_backlinks() {
    let semrush = "Page ascore,Source title,Source url,Target url,Anchor,Nofollow,Sponsored,Ugc,First seen,Last seen,Lost link\n12,T,https://a.example/x,https://c.example/,c,true,false,false,2026-01-01,2026-02-01,false\n";
    let p = parse("s.csv", semrush.as_bytes(), Hint::default(), false).unwrap();
    assert_eq!(p.source, Source::Semrush);
    assert!(p.backlinks[0].nofollow && !p.backlinks[0].lost);
    let majestic = "Target URL,Source URL,Anchor Text,Source Crawl Date,Source First Found Date,FlagNoFollow,FlagImageLink\nhttps://c.example/,https://m.example/p,brand,2026-03-01,2025-12-01,0,1\n";
    let p = parse("m.csv", majestic.as_bytes(), Hint::default(), false).unwrap();
    assert_eq!(p.source, Source::Majestic);
    assert_eq!(p.backlinks[0].anchor, "brand");
    let generic = "source_url,target_url,anchor,nofollow\nhttps://g.example/,https://c.example/,x,no\nnot a url,https://c.example/,x,no\n";
    let p = parse(
        "g.csv",
        generic.as_bytes(),
        Hint {
            source: Some(Source::Ahrefs),
            ..Hint::default()
        },
        false,
    )
    .unwrap();
    assert_eq!(
        p.source,
        Source::Ahrefs,
        "a generic file takes the source the upload names"
    );
    assert_eq!((p.backlinks.len(), p.rows_rejected), (1, 1));
    assert_eq!(p.errors[0].column.as_deref(), Some("source_url"));
}

#[test]
fn unknown_shapes_and_contradicting_hints_are_refused() {
    let e = parse("x.csv", b"name,age\nbob,3\n", Hint::default(), false).unwrap_err();
    assert!(e.to_string().contains("Top queries"), "{e}");
    let csv = "Top queries,Clicks,Impressions,CTR,Position\na,1,10,10%,1\n";
    let e = parse(
        "q.csv",
        csv.as_bytes(),
        Hint {
            kind: Some(Kind::Backlinks),
            ..Hint::default()
        },
        false,
    )
    .unwrap_err();
    assert!(matches!(e, ImportError::HintMismatch { .. }), "{e}");
    assert!(parse("bin", &[0xC3, 0x28, 0x00], Hint::default(), false).is_err());
}

fn zip_of(entries: &[(&str, &str)]) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (i, (name, body)) in entries.iter().enumerate() {
        let method = if i % 2 == 0 {
            zip::CompressionMethod::Deflated
        } else {
            zip::CompressionMethod::Stored
        };
        w.start_file(
            *name,
            zip::write::SimpleFileOptions::default().compression_method(method),
        )
        .unwrap();
        w.write_all(body.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn search_console_zip_in_a_folder_with_junk() {
    let bytes = zip_of(&[
        (
            "export/Queries.csv",
            "\u{feff}Top queries,Clicks,Impressions,CTR,Position\nrust seo,12,400,3%,4.5\n",
        ),
        (
            "export/Pages.csv",
            "Top pages,Clicks,Impressions,CTR,Position\nhttps://a.example/,12,400,3%,4.5\nhttps://a.example/b,x,1,0%,1\n",
        ),
        (
            "export/Dates.csv",
            "Date,Clicks,Impressions,CTR,Position\n2026-09-01,5,100,5%,7\n2026-09-28,7,300,2.33%,4\n",
        ),
        (
            "export/Filters.csv",
            "Filter,Value\nSearch type,Web\nDate,Last 28 days\n",
        ),
        ("__MACOSX/export/._Queries.csv", "\u{0}\u{5}junk"),
        ("export/", ""),
    ]);
    let p = parse("Performance-on-Search.zip", &bytes, Hint::default(), false).unwrap();
    assert_eq!((p.kind, p.source), (Kind::SearchPerformance, Source::Gsc));
    let dims: std::collections::BTreeSet<_> = p.search.iter().map(|r| r.dimension).collect();
    assert_eq!(
        dims.into_iter().collect::<Vec<_>>(),
        [Dimension::Query, Dimension::Page, Dimension::Date]
    );
    assert_eq!(p.search.len(), 4);
    assert_eq!(
        (
            p.rows_rejected,
            p.errors[0].message.starts_with("Pages.csv:")
        ),
        (1, true)
    );
    assert_eq!(p.period_from.unwrap().to_string(), "2026-09-01");
    assert_eq!(p.period_to.unwrap().to_string(), "2026-09-28");
    let s = summarise(&p);
    assert_eq!(s["dimensions"]["date"]["current"]["impressions"], 400);

    let e = parse(
        "x.zip",
        &zip_of(&[("notes.txt", "hello")]),
        Hint::default(),
        false,
    )
    .unwrap_err();
    assert!(e.to_string().contains("Queries.csv"), "{e}");
    let e = parse("x.zip", b"PK\x03\x04garbage", Hint::default(), false).unwrap_err();
    assert!(matches!(e, ImportError::Unreadable { .. }), "{e}");
}
