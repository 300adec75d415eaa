//! The HTML rendering: one self-contained, printable page.

use std::fmt::Write as _;

use base64::Engine as _;

use crate::{BarChart, Block, Brand, LineChart, LogoFormat, Report, Table, tone_colour};

/// Text made safe inside HTML text and attribute values.
pub fn escape(s: &str) -> String {
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

/// A number as a chart label: integers without decimals, others with at most two.
pub(crate) fn short(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

/// The page: `<!doctype html>` to `</html>`, with every style and chart inline.
pub fn render(report: &Report, brand: &Brand) -> String {
    let e = escape;
    let accent = brand.accent.hex();
    let mut h = String::with_capacity(16 * 1024);
    let _ = write!(
        h,
        "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{title} — {agency}</title><style>\
body{{font-family:\"DejaVu Sans\",system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222;line-height:1.4}}\
header{{display:flex;align-items:center;gap:1rem;border-bottom:3px solid {accent};padding-bottom:.5rem;margin-bottom:1rem}}\
header img{{max-height:48px;max-width:200px}}header .agency{{color:{accent};font-weight:bold}}\
h1{{margin:.2rem 0}}h1,h2{{color:{accent}}}h2{{margin-top:1.6rem;font-size:1.2rem}}\
.sub{{margin:.1rem 0;color:#444}}\
table{{border-collapse:collapse;margin:.6rem 0;width:100%}}th,td{{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}}th{{background:#f2f2f2}}td.n,th.n{{text-align:right;white-space:nowrap}}\
figure{{margin:.8rem 0}}figcaption{{color:#555;font-size:.9rem}}svg{{max-width:100%;height:auto;border:1px solid #eee}}\
footer{{margin-top:2rem;color:#666;font-size:.85rem;border-top:1px solid #ddd;padding-top:.4rem}}\
@media print{{body{{margin:0;max-width:none}}h2{{break-after:avoid}}tr,figure{{break-inside:avoid}}}}\
</style></head><body><header>",
        title = e(&report.title),
        agency = e(&brand.agency_name),
    );
    if let Some(logo) = &brand.logo {
        let mime = match logo.format() {
            LogoFormat::Png => "image/png",
            LogoFormat::Jpeg => "image/jpeg",
        };
        let _ = write!(
            h,
            "<img alt=\"{}\" src=\"data:{mime};base64,{}\">",
            e(&brand.agency_name),
            base64::engine::general_purpose::STANDARD.encode(logo.bytes())
        );
    }
    let _ = write!(
        h,
        "<span class=\"agency\">{}</span></header><main><h1>{}</h1>",
        e(&brand.agency_name),
        e(&report.title)
    );
    for line in &report.subtitle {
        let _ = write!(h, "<p class=\"sub\">{}</p>", e(line));
    }
    for block in &report.blocks {
        match block {
            Block::Heading(t) => {
                let _ = write!(h, "<h2>{}</h2>", e(t));
            }
            Block::Text(t) => {
                let _ = write!(h, "<p>{}</p>", e(t));
            }
            Block::Table(t) => table(&mut h, t),
            Block::Line(c) => {
                let _ = write!(
                    h,
                    "<figure>{}<figcaption>{}</figcaption></figure>",
                    line_svg(c),
                    e(&c.title)
                );
            }
            Block::Bars(c) => {
                let _ = write!(
                    h,
                    "<figure>{}<figcaption>{}</figcaption></figure>",
                    bars_svg(c),
                    e(&c.title)
                );
            }
            Block::List { title, items } => {
                if items.is_empty() {
                    continue;
                }
                let _ = write!(h, "<h2>{}</h2><ul>", e(title));
                for i in items {
                    let _ = write!(h, "<li>{}</li>", e(i));
                }
                h.push_str("</ul>");
            }
        }
    }
    let _ = write!(
        h,
        "</main><footer>Prepared by {}</footer></body></html>",
        e(&brand.agency_name)
    );
    h
}

fn table(h: &mut String, t: &Table) {
    let e = escape;
    h.push_str("<table><thead><tr>");
    for c in &t.columns {
        let _ = write!(
            h,
            "<th{}>{}</th>",
            if c.numeric { " class=\"n\"" } else { "" },
            e(&c.title)
        );
    }
    h.push_str("</tr></thead><tbody>");
    for row in &t.rows {
        h.push_str("<tr>");
        for (i, col) in t.columns.iter().enumerate() {
            let cell = row.get(i);
            let style = cell
                .and_then(|c| tone_colour(c.tone))
                .map(|c| format!(" style=\"color:{}\"", c.hex()))
                .unwrap_or_default();
            let _ = write!(
                h,
                "<td{}{style}>{}</td>",
                if col.numeric { " class=\"n\"" } else { "" },
                e(cell.map(|c| c.text.as_str()).unwrap_or(""))
            );
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table>");
}

/// Index as a coordinate; a chart has far fewer points than `u32::MAX`.
fn at(i: usize) -> f64 {
    f64::from(u32::try_from(i).unwrap_or(u32::MAX))
}

fn line_svg(c: &LineChart) -> String {
    let e = escape;
    let (w, h, left, right, top, bottom) = (640.0, 200.0, 48.0, 12.0, 12.0, 28.0);
    let n = c.series.iter().map(|s| s.points.len()).max().unwrap_or(0);
    let max = c
        .series
        .iter()
        .flat_map(|s| s.points.iter().flatten())
        .copied()
        .fold(0.0_f64, f64::max);
    let max = if max > 0.0 { max } else { 1.0 };
    let span = at(n.saturating_sub(1)).max(1.0);
    let mut s = format!(
        "<svg viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\" font-family=\"DejaVu Sans,sans-serif\" font-size=\"11\"><rect width=\"{w}\" height=\"{h}\" fill=\"#fff\"/>",
        e(&c.title)
    );
    let _ = write!(
        s,
        "<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{y0}\" stroke=\"#999\"/><line x1=\"{left}\" y1=\"{y0}\" x2=\"{x1}\" y2=\"{y0}\" stroke=\"#999\"/><text x=\"{tx}\" y=\"{ty}\" text-anchor=\"end\" fill=\"#555\">{m}</text><text x=\"{tx}\" y=\"{y0}\" text-anchor=\"end\" fill=\"#555\">0</text><text x=\"{left}\" y=\"{lb}\" fill=\"#555\">{a}</text><text x=\"{x1}\" y=\"{lb}\" text-anchor=\"end\" fill=\"#555\">{b}</text>",
        y0 = h - bottom,
        x1 = w - right,
        tx = left - 4.0,
        ty = top + 10.0,
        lb = h - 8.0,
        m = short(max),
        a = e(&c.x_range.0),
        b = e(&c.x_range.1),
    );
    let mut legend_x = left + 8.0;
    for series in &c.series {
        let mut d = String::new();
        let mut pen_up = true;
        for (i, v) in series.points.iter().enumerate() {
            let Some(v) = v else {
                pen_up = true;
                continue;
            };
            let x = left + (w - left - right) * at(i) / span;
            let y = h - bottom - (h - top - bottom) * v / max;
            let _ = write!(d, "{}{x:.1},{y:.1} ", if pen_up { "M" } else { "L" });
            pen_up = false;
        }
        let colour = series.colour.hex();
        let _ = write!(
            s,
            "<path d=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/><rect x=\"{legend_x}\" y=\"{ly}\" width=\"10\" height=\"10\" fill=\"{colour}\"/><text x=\"{lx}\" y=\"{lt}\" fill=\"#333\">{}</text>",
            d.trim_end(),
            e(&series.name),
            ly = top + 2.0,
            lx = legend_x + 14.0,
            lt = top + 11.0,
        );
        legend_x += 24.0 + 7.0 * at(series.name.chars().count());
    }
    s.push_str("</svg>");
    s
}

fn bars_svg(c: &BarChart) -> String {
    let e = escape;
    let (w, row, label_w) = (640.0, 22.0, 200.0);
    let h = row * at(c.bars.len()) + 8.0;
    let max = c
        .full_scale
        .unwrap_or_else(|| c.bars.iter().map(|b| b.1).fold(0.0_f64, f64::max));
    let max = if max > 0.0 { max } else { 1.0 };
    let colour = c.colour.hex();
    let mut s = format!(
        "<svg viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\" font-family=\"DejaVu Sans,sans-serif\" font-size=\"11\"><rect width=\"{w}\" height=\"{h}\" fill=\"#fff\"/>",
        e(&c.title)
    );
    for (i, (label, v)) in c.bars.iter().enumerate() {
        let y = 4.0 + row * at(i);
        // About 30 characters fit left of the bars; the whole label stays in the tooltip.
        let shown: String = if label.chars().count() > 30 {
            label.chars().take(29).chain(['…']).collect()
        } else {
            label.clone()
        };
        let bw = ((w - label_w - 60.0) * v.max(0.0) / max).max(0.0);
        let _ = write!(
            s,
            "<text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\" fill=\"#333\"><title>{}</title>{}</text><rect x=\"{label_w}\" y=\"{ry}\" width=\"{bw:.1}\" height=\"14\" fill=\"{colour}\"/><text x=\"{vx:.1}\" y=\"{ty}\" fill=\"#333\">{}</text>",
            e(label),
            e(&shown),
            short(*v),
            lx = label_w - 6.0,
            ty = y + 12.0,
            ry = y + 1.0,
            vx = label_w + bw + 4.0,
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::{Cell, Rgb, Series, Tone};

    fn brand() -> Brand {
        Brand {
            agency_name: "Acme <Agency>".into(),
            accent: Rgb(0xaa, 0x33, 0x00),
            logo: None,
        }
    }

    #[test]
    fn the_page_escapes_what_it_shows_and_holds_its_numbers() {
        let mut t = Table::new(&["KPI", "current"], &[1]);
        t.rows.push(vec![
            Cell::plain("<script>x</script>"),
            Cell::toned("84", Tone::Good),
        ]);
        let r = Report {
            title: "KPI report: Ромашка".into(),
            subtitle: vec!["2026-10-01 – 2026-10-28".into()],
            blocks: vec![
                Block::Table(t),
                Block::Line(LineChart {
                    title: "clicks per day".into(),
                    x_range: ("2026-10-01".into(), "2026-10-28".into()),
                    series: vec![Series {
                        name: "clicks".into(),
                        colour: Rgb(1, 2, 3),
                        points: vec![Some(1.0), None, Some(3.0)],
                    }],
                }),
                Block::List {
                    title: "Empty".into(),
                    items: vec![],
                },
            ],
        };
        let page = render(&r, &brand());
        assert!(page.contains("Prepared by Acme &lt;Agency&gt;") && page.contains("#aa3300"));
        assert!(!page.contains("<script>") && page.contains("&lt;script&gt;"));
        assert!(page.contains("KPI report: Ромашка"));
        assert!(page.contains(">84</td>") && page.contains("color:#067647"));
        assert!(
            page.contains("<svg") && page.contains("M48.0,"),
            "a gap restarts the line"
        );
        assert!(!page.contains("Empty"), "an empty list is left out");
        assert_eq!(
            page.matches("http://").count() + page.matches("https://").count(),
            1,
            "the one chart's SVG namespace only: nothing is loaded from anywhere"
        );
    }

    #[test]
    fn numbers_print_short() {
        assert_eq!(short(84.0), "84");
        assert_eq!(short(2.5), "2.5");
        assert_eq!(short(1.0 / 3.0), "0.33");
    }
}
