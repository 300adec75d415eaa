//! The PDF rendering: A4 pages laid out here (wrapping, tables whose header repeats on every
//! page they span, charts drawn as vector paths), drawn with krilla, with the DejaVu Sans fonts
//! embedded (subset) so Cyrillic text renders on any reader. Every page carries the agency in
//! its header and "Page N of M" in its footer.

mod fonts;
mod layout;

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::TextDirection;

use crate::{Block, Brand, LogoFormat, RenderError, Report, Rgb};
use fonts::{FONTS, Fonts};
use layout::{Layout, Op};

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 50.0;
const TOP: f32 = MARGIN + 22.0;
const BOTTOM: f32 = PAGE_H - MARGIN - 6.0;
const WIDTH: f32 = PAGE_W - 2.0 * MARGIN;
const BODY: f32 = 10.0;
const SMALL: f32 = 8.5;
const LEADING: f32 = 1.35;
const PAD: f32 = 4.0;
const TEXT: Rgb = Rgb(0x22, 0x22, 0x22);
const MUTED: Rgb = Rgb(0x66, 0x66, 0x66);
const RULE: Rgb = Rgb(0xcc, 0xcc, 0xcc);
const SHADE: Rgb = Rgb(0xf2, 0xf2, 0xf2);

pub(crate) fn image_of(
    format: LogoFormat,
    bytes: &std::sync::Arc<Vec<u8>>,
) -> Result<Image, String> {
    let data = krilla::Data::from(bytes.clone());
    match format {
        LogoFormat::Png => Image::from_png(data, true),
        LogoFormat::Jpeg => Image::from_jpeg(data, true),
    }
}

/// Narrows a chart value to the drawing precision (saturating; charts need no more).
#[allow(clippy::as_conversions)]
fn narrow(v: f64) -> f32 {
    v as f32
}

/// A count as a coordinate factor (counts here are lines, columns and chart points).
fn count(n: usize) -> f32 {
    f32::from(u16::try_from(n).unwrap_or(u16::MAX))
}

fn colour(c: Rgb) -> rgb::Color {
    rgb::Color::new(c.0, c.1, c.2)
}

fn fill(surface: &mut Surface<'_>, c: Rgb) {
    surface.set_stroke(None);
    surface.set_fill(Some(Fill {
        paint: colour(c).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }));
}

fn stroke(surface: &mut Surface<'_>, c: Rgb, width: f32) {
    surface.set_fill(None);
    surface.set_stroke(Some(Stroke {
        paint: colour(c).into(),
        width,
        ..Stroke::default()
    }));
}

fn draw(surface: &mut Surface<'_>, fonts: &Fonts, op: &Op, logo: Option<&Image>) {
    match op {
        Op::Text {
            x,
            baseline,
            size,
            bold,
            colour,
            text,
        } => {
            fill(surface, *colour);
            let face = if *bold { &fonts.bold } else { &fonts.regular };
            surface.draw_text(
                Point::from_xy(*x, *baseline),
                face.font.clone(),
                *size,
                text,
                false,
                TextDirection::Auto,
            );
        }
        Op::Line {
            from,
            to,
            colour,
            width,
        } => {
            let mut pb = PathBuilder::new();
            pb.move_to(from.0, from.1);
            pb.line_to(to.0, to.1);
            if let Some(path) = pb.finish() {
                stroke(surface, *colour, *width);
                surface.draw_path(&path);
            }
        }
        Op::Rect { x, y, w, h, colour } => {
            let mut pb = PathBuilder::new();
            if let Some(r) = Rect::from_xywh(*x, *y, *w, *h) {
                pb.push_rect(r);
            }
            if let Some(path) = pb.finish() {
                fill(surface, *colour);
                surface.draw_path(&path);
            }
        }
        Op::Path {
            points,
            colour,
            width,
        } => {
            let mut pb = PathBuilder::new();
            for (i, (x, y)) in points.iter().enumerate() {
                if i == 0 {
                    pb.move_to(*x, *y);
                } else {
                    pb.line_to(*x, *y);
                }
            }
            if let Some(path) = pb.finish() {
                stroke(surface, *colour, *width);
                surface.draw_path(&path);
            }
        }
        Op::Logo { x, y, w, h } => {
            if let (Some(image), Some(size)) = (logo, Size::from_wh(*w, *h)) {
                surface.push_transform(&Transform::from_translate(*x, *y));
                surface.draw_image(image.clone(), size);
                surface.pop();
            }
        }
    }
}

/// The report as PDF bytes.
pub fn render(report: &Report, brand: &Brand) -> Result<Vec<u8>, RenderError> {
    let fonts = FONTS
        .as_ref()
        .ok_or_else(|| RenderError::Pdf("the embedded fonts could not be read".into()))?;
    let logo = match &brand.logo {
        Some(l) => Some(image_of(l.format(), &l.bytes).map_err(RenderError::Logo)?),
        None => None,
    };
    let mut l = Layout::new(fonts, brand.accent);
    if let (Some(image), Some(_)) = (&logo, &brand.logo) {
        let (pw, ph) = image.size();
        let (pw, ph) = (narrow(f64::from(pw)), narrow(f64::from(ph)));
        if pw > 0.0 && ph > 0.0 {
            let h = 40.0_f32.min(ph);
            let w = (pw * h / ph).min(180.0);
            let h = ph * w / pw;
            l.push(Op::Logo {
                x: MARGIN,
                y: l.y,
                w,
                h,
            });
            l.y += h + 8.0;
        }
    }
    l.paragraph(&report.title, 20.0, true, brand.accent, 0.0);
    l.y += 2.0;
    for line in &report.subtitle {
        l.paragraph(line, BODY, false, MUTED, 0.0);
    }
    l.y += 4.0;
    for block in &report.blocks {
        match block {
            Block::Heading(t) => l.heading(t),
            Block::Text(t) => {
                l.paragraph(t, BODY, false, TEXT, 0.0);
                l.y += 3.0;
            }
            Block::Table(t) => l.table(t),
            Block::Line(c) => l.line_chart(c),
            Block::Bars(c) => l.bar_chart(c),
            Block::List { title, items } => l.list(title, items),
        }
    }

    let pages = std::mem::take(&mut l.pages);
    let total = pages.len();
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(report.title.clone())
            .creator(brand.agency_name.clone())
            .producer("SEO Architects".into()),
    );
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
        .ok_or_else(|| RenderError::Pdf("page size".into()))?;
    for (i, ops) in pages.iter().enumerate() {
        let mut page = doc.start_page_with(settings.clone());
        let mut surface = page.surface();
        let agency = Op::Text {
            x: MARGIN,
            baseline: MARGIN,
            size: SMALL,
            bold: true,
            colour: brand.accent,
            text: brand.agency_name.clone(),
        };
        let rule = Op::Line {
            from: (MARGIN, MARGIN + 5.0),
            to: (MARGIN + WIDTH, MARGIN + 5.0),
            colour: brand.accent,
            width: 1.0,
        };
        let footer = format!("Page {} of {total}", i + 1);
        let footer_w = fonts.regular.width(&footer, SMALL);
        let prepared = Op::Text {
            x: MARGIN,
            baseline: PAGE_H - MARGIN + 16.0,
            size: SMALL,
            bold: false,
            colour: MUTED,
            text: format!("Prepared by {}", brand.agency_name),
        };
        let numbered = Op::Text {
            x: MARGIN + WIDTH - footer_w,
            baseline: PAGE_H - MARGIN + 16.0,
            size: SMALL,
            bold: false,
            colour: MUTED,
            text: footer,
        };
        for op in [&agency, &rule, &prepared, &numbered]
            .into_iter()
            .chain(ops)
        {
            draw(&mut surface, fonts, op, logo.as_ref());
        }
        surface.finish();
        page.finish();
    }
    doc.finish().map_err(|e| RenderError::Pdf(format!("{e:?}")))
}
