//! A report of about twenty A4 pages rendered to PDF (and to HTML), timed over several runs.
//!
//! `cargo bench -p seo-render --bench pdf`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::as_conversions)]

use std::time::Instant;

use seo_render::{BarChart, Block, Brand, Cell, LineChart, Report, Rgb, Series, Table, Tone};

fn report() -> Report {
    let mut kpis = Table::new(
        &["KPI", "current", "previous", "change", "change %"],
        &[1, 2, 3, 4],
    );
    for (k, c, p) in [
        ("clicks", 12_840.0, 11_200.0),
        ("impressions", 402_113.0, 390_870.0),
        ("ctr", 0.0319, 0.0287),
        ("position", 14.2, 15.8),
    ] {
        kpis.rows.push(vec![
            Cell::plain(k),
            Cell::plain(format!("{c}")),
            Cell::plain(format!("{p}")),
            Cell::toned(format!("{:.2}", c - p), Tone::Good),
            Cell::toned(format!("{:.1}", (c - p) / p * 100.0), Tone::Good),
        ]);
    }
    let days = 90;
    let series = |name: &str, colour: Rgb, k: f64| Series {
        name: name.into(),
        colour,
        points: (0..days)
            .map(|d| Some(k * (1.0 + (f64::from(d) / 7.0).sin() * 0.2)))
            .collect(),
    };
    let mut blocks = vec![
        Block::Heading("KPIs".into()),
        Block::Table(kpis),
        Block::Line(LineChart {
            title: "Clicks per day".into(),
            x_range: ("2026-08-01".into(), "2026-10-29".into()),
            series: vec![series("clicks", Rgb(0x1f, 0x6f, 0xeb), 140.0)],
        }),
        Block::Line(LineChart {
            title: "Impressions per day".into(),
            x_range: ("2026-08-01".into(), "2026-10-29".into()),
            series: vec![series("impressions", Rgb(0x82, 0x50, 0xdf), 4_400.0)],
        }),
        Block::Bars(BarChart {
            title: "Queries by position".into(),
            bars: vec![
                ("1–3".into(), 120.0),
                ("4–10".into(), 340.0),
                ("11–20".into(), 510.0),
                ("21–50".into(), 800.0),
                ("over 50".into(), 233.0),
            ],
            full_scale: None,
            colour: Rgb(0x1f, 0x6f, 0xeb),
        }),
    ];
    for dim in ["query", "page"] {
        let mut t = Table::new(&[dim, "clicks", "before", "change"], &[1, 2, 3]);
        for i in 0..330 {
            t.rows.push(vec![
                Cell::plain(if dim == "query" { format!("купить инструмент для сада {i} недорого с доставкой") } else { format!("https://www.example-shop.ru/catalog/garden/tools/item-{i}?utm_source=report") }),
                Cell::plain((1000 - i).to_string()),
                Cell::plain((900 - i).to_string()),
                Cell::toned("100", Tone::Good),
            ]);
        }
        blocks.push(Block::Heading(format!("Top movers by {dim}")));
        blocks.push(Block::Table(t));
    }
    blocks.push(Block::List {
        title: "Recommendations".into(),
        items: (0..20).map(|i| format!("Recommendation {i}: investigate the drop on the garden tools category pages and compare with the previous period's movers.")).collect(),
    });
    Report {
        title: "KPI report: ООО «Ромашка»".into(),
        subtitle: vec!["2026-08-01 – 2026-10-29, compared with the previous period".into()],
        blocks,
    }
}

fn main() {
    let r = report();
    let brand = Brand {
        agency_name: "SEO Architects".into(),
        accent: Rgb(0x1f, 0x6f, 0xeb),
        logo: None,
    };
    // The first run parses the fonts once for the process.
    let first = Instant::now();
    let pdf = seo_render::pdf::render(&r, &brand).expect("pdf");
    let first = first.elapsed();
    if let Ok(path) = std::env::var("PDF_OUT") {
        std::fs::write(&path, &pdf).expect("write the PDF");
        std::fs::write(format!("{path}.html"), seo_render::html::render(&r, &brand))
            .expect("write the HTML");
    }
    let pages = String::from_utf8_lossy(&pdf)
        .matches("/Type /Page\n")
        .count()
        .max(
            String::from_utf8_lossy(&pdf)
                .matches("/Type /Page ")
                .count(),
        );
    let runs = 10;
    let t = Instant::now();
    let mut bytes = 0;
    for _ in 0..runs {
        bytes = seo_render::pdf::render(&r, &brand).expect("pdf").len();
    }
    let per = t.elapsed() / runs;
    let t = Instant::now();
    for _ in 0..runs {
        let _ = seo_render::html::render(&r, &brand);
    }
    let html = t.elapsed() / runs;
    println!(
        "pdf: {pages} page objects counted, {bytes} bytes; first render {first:?} (fonts parsed), then {per:?} per render over {runs}; html {html:?}"
    );
}
