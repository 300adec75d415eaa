//! Laying a report out on A4 pages: what is drawn where, as a list of operations per page.

use super::fonts::{Face, Fonts};
use super::{
    BODY, BOTTOM, LEADING, MARGIN, MUTED, PAD, RULE, SHADE, SMALL, TEXT, TOP, WIDTH, count, narrow,
};
use crate::html::short;
use crate::{BarChart, Cell, LineChart, Rgb, Table, tone_colour};

/// What is drawn, in page coordinates (origin top left, y down).
pub(super) enum Op {
    Text {
        x: f32,
        baseline: f32,
        size: f32,
        bold: bool,
        colour: Rgb,
        text: String,
    },
    Line {
        from: (f32, f32),
        to: (f32, f32),
        colour: Rgb,
        width: f32,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        colour: Rgb,
    },
    Path {
        points: Vec<(f32, f32)>,
        colour: Rgb,
        width: f32,
    },
    Logo {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

pub(super) struct Layout<'a> {
    fonts: &'a Fonts,
    accent: Rgb,
    pub(super) pages: Vec<Vec<Op>>,
    pub(super) y: f32,
}

impl<'a> Layout<'a> {
    pub(super) fn new(fonts: &'a Fonts, accent: Rgb) -> Self {
        Self {
            fonts,
            accent,
            pages: vec![Vec::new()],
            y: TOP,
        }
    }

    fn face(&self, bold: bool) -> &'a Face {
        if bold {
            &self.fonts.bold
        } else {
            &self.fonts.regular
        }
    }

    pub(super) fn push(&mut self, op: Op) {
        if let Some(p) = self.pages.last_mut() {
            p.push(op);
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    /// Starts a new page unless `h` more points fit on this one.
    fn ensure(&mut self, h: f32) {
        if self.y + h > BOTTOM && self.y > TOP {
            self.new_page();
        }
    }

    /// `text` broken into lines no wider than `width`: at spaces, and inside a word only when
    /// the word alone is wider than the line. Control characters print as spaces.
    fn wrap(&self, text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
        let face = self.face(bold);
        let clean: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let space = face.width(" ", size);
        let mut lines = Vec::new();
        let mut line = String::new();
        let mut line_w = 0.0;
        for word in clean.split(' ').filter(|w| !w.is_empty()) {
            let w = face.width(word, size);
            if !line.is_empty() && line_w + space + w <= width {
                line.push(' ');
                line.push_str(word);
                line_w += space + w;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if w <= width {
                line.push_str(word);
                line_w = w;
                continue;
            }
            // A word wider than the line: cut it by characters.
            line_w = 0.0;
            for c in word.chars() {
                let cw = face.width(c.encode_utf8(&mut [0; 4]), size);
                if line_w + cw > width && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line_w = 0.0;
                }
                line.push(c);
                line_w += cw;
            }
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }

    /// A wrapped paragraph at the cursor.
    pub(super) fn paragraph(
        &mut self,
        text: &str,
        size: f32,
        bold: bool,
        colour: Rgb,
        indent: f32,
    ) {
        let lh = size * LEADING;
        for line in self.wrap(text, size, bold, WIDTH - indent) {
            self.ensure(lh);
            let baseline = self.y + size;
            self.push(Op::Text {
                x: MARGIN + indent,
                baseline,
                size,
                bold,
                colour,
                text: line,
            });
            self.y += lh;
        }
    }

    pub(super) fn heading(&mut self, text: &str) {
        // Keep a heading with at least three lines of what follows it.
        self.ensure(14.0 * LEADING + 8.0 + 3.0 * BODY * LEADING);
        self.y += 8.0;
        self.paragraph(text, 14.0, true, self.accent, 0.0);
        self.y += 2.0;
    }

    pub(super) fn list(&mut self, title: &str, items: &[String]) {
        if items.is_empty() {
            return;
        }
        self.heading(title);
        for item in items {
            let lines = self.wrap(item, BODY, false, WIDTH - 12.0);
            let lh = BODY * LEADING;
            for (i, line) in lines.into_iter().enumerate() {
                self.ensure(lh);
                let baseline = self.y + BODY;
                if i == 0 {
                    self.push(Op::Text {
                        x: MARGIN + 2.0,
                        baseline,
                        size: BODY,
                        bold: false,
                        colour: self.accent,
                        text: "•".into(),
                    });
                }
                self.push(Op::Text {
                    x: MARGIN + 12.0,
                    baseline,
                    size: BODY,
                    bold: false,
                    colour: TEXT,
                    text: line,
                });
                self.y += lh;
            }
            self.y += 1.5;
        }
    }

    fn column_widths(&self, t: &Table) -> Vec<f32> {
        let size = SMALL;
        let natural: Vec<f32> = t
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let cells = t
                    .rows
                    .iter()
                    .filter_map(|r| r.get(i))
                    .map(|cell| self.face(false).width(&cell.text, size))
                    .fold(0.0_f32, f32::max);
                cells.max(self.face(true).width(&c.title, size)) + 2.0 * PAD
            })
            .collect();
        let fixed: f32 = t
            .columns
            .iter()
            .zip(&natural)
            .filter(|(c, _)| c.numeric)
            .map(|(_, w)| w.min(140.0))
            .sum();
        let text_natural: f32 = t
            .columns
            .iter()
            .zip(&natural)
            .filter(|(c, _)| !c.numeric)
            .map(|(_, w)| *w)
            .sum();
        let room = (WIDTH - fixed).max(0.0);
        let mut widths: Vec<f32> = t
            .columns
            .iter()
            .zip(&natural)
            .map(|(c, w)| {
                if c.numeric {
                    w.min(140.0)
                } else if text_natural > 0.0 {
                    room * w / text_natural
                } else {
                    *w
                }
            })
            .collect();
        let total: f32 = widths.iter().sum();
        if total > WIDTH {
            for w in &mut widths {
                *w *= WIDTH / total;
            }
        }
        widths
    }

    pub(super) fn table(&mut self, t: &Table) {
        if t.columns.is_empty() {
            return;
        }
        let widths = self.column_widths(t);
        let lh = SMALL * LEADING;
        let header: Vec<Cell> = t.columns.iter().map(|c| Cell::plain(&c.title)).collect();
        let header_lines = self.cell_lines(&header, &widths, true);
        let header_h = row_height(&header_lines, lh);
        self.y += 4.0;
        self.ensure(header_h + lh + 2.0 * PAD);
        self.row(t, &header, &header_lines, &widths, true);
        for row in &t.rows {
            let mut lines = self.cell_lines(row, &widths, false);
            // A row never outgrows a page: what does not fit is cut with an ellipsis.
            let most = ((BOTTOM - TOP - header_h - 2.0 * PAD) / lh)
                .floor()
                .max(1.0);
            for cell in &mut lines {
                while count(cell.len()) > most {
                    cell.pop();
                    if let Some(last) = cell.last_mut() {
                        last.push('…');
                    }
                }
            }
            let h = row_height(&lines, lh);
            if self.y + h > BOTTOM {
                self.new_page();
                self.row(t, &header, &header_lines, &widths, true);
            }
            self.row(t, row, &lines, &widths, false);
        }
        self.y += 6.0;
    }

    fn cell_lines(&self, cells: &[Cell], widths: &[f32], bold: bool) -> Vec<Vec<String>> {
        widths
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let text = cells.get(i).map(|c| c.text.as_str()).unwrap_or("");
                self.wrap(text, SMALL, bold, (w - 2.0 * PAD).max(4.0))
            })
            .collect()
    }

    fn row(
        &mut self,
        t: &Table,
        cells: &[Cell],
        lines: &[Vec<String>],
        widths: &[f32],
        header: bool,
    ) {
        let lh = SMALL * LEADING;
        let h = row_height(lines, lh);
        let total: f32 = widths.iter().sum();
        let top = self.y;
        if header {
            self.push(Op::Rect {
                x: MARGIN,
                y: top,
                w: total,
                h,
                colour: SHADE,
            });
        }
        let mut x = MARGIN;
        for (i, w) in widths.iter().enumerate() {
            let numeric = t.columns.get(i).is_some_and(|c| c.numeric);
            let colour = if header {
                TEXT
            } else {
                cells
                    .get(i)
                    .and_then(|c| tone_colour(c.tone))
                    .unwrap_or(TEXT)
            };
            for (j, line) in lines.get(i).into_iter().flatten().enumerate() {
                let lw = self.face(header).width(line, SMALL);
                let lx = if numeric { x + w - PAD - lw } else { x + PAD };
                self.push(Op::Text {
                    x: lx,
                    baseline: top + PAD + count(j) * lh + SMALL,
                    size: SMALL,
                    bold: header,
                    colour,
                    text: line.clone(),
                });
            }
            self.push(Op::Line {
                from: (x, top),
                to: (x, top + h),
                colour: RULE,
                width: 0.5,
            });
            x += w;
        }
        for (from, to) in [
            ((MARGIN, top), (MARGIN + total, top)),
            ((MARGIN, top + h), (MARGIN + total, top + h)),
            ((MARGIN + total, top), (MARGIN + total, top + h)),
        ] {
            self.push(Op::Line {
                from,
                to,
                colour: RULE,
                width: 0.5,
            });
        }
        self.y += h;
    }

    fn caption(&mut self, text: &str) {
        self.paragraph(text, SMALL, false, MUTED, 0.0);
    }

    pub(super) fn line_chart(&mut self, c: &LineChart) {
        let (h, left, bottom_pad) = (150.0, 40.0, 16.0);
        self.ensure(h + 2.0 * SMALL * LEADING + 10.0);
        self.y += 6.0;
        let top = self.y;
        let plot_top = top + 14.0;
        let base = top + h - bottom_pad;
        let (x0, x1) = (MARGIN + left, MARGIN + WIDTH);
        let n = c.series.iter().map(|s| s.points.len()).max().unwrap_or(0);
        let max = c
            .series
            .iter()
            .flat_map(|s| s.points.iter().flatten())
            .copied()
            .fold(0.0_f64, f64::max);
        let max = if max > 0.0 { max } else { 1.0 };
        let span = count(n.saturating_sub(1)).max(1.0);
        for (from, to) in [((x0, plot_top), (x0, base)), ((x0, base), (x1, base))] {
            self.push(Op::Line {
                from,
                to,
                colour: MUTED,
                width: 0.6,
            });
        }
        let label = |s: &Self, text: String, x: f32, baseline: f32, right: bool| {
            let w = s.face(false).width(&text, SMALL);
            Op::Text {
                x: if right { x - w } else { x },
                baseline,
                size: SMALL,
                bold: false,
                colour: MUTED,
                text,
            }
        };
        let ops = [
            label(self, short(max), x0 - 4.0, plot_top + SMALL, true),
            label(self, "0".into(), x0 - 4.0, base, true),
            label(self, c.x_range.0.clone(), x0, base + 12.0, false),
            label(self, c.x_range.1.clone(), x1, base + 12.0, true),
        ];
        for op in ops {
            self.push(op);
        }
        let mut legend_x = x0 + 8.0;
        for s in &c.series {
            let mut run: Vec<(f32, f32)> = Vec::new();
            for (i, v) in s.points.iter().enumerate() {
                match v {
                    Some(v) => run.push((
                        x0 + (x1 - x0) * count(i) / span,
                        base - (base - plot_top) * narrow(v / max),
                    )),
                    None => {
                        if run.len() > 1 {
                            self.push(Op::Path {
                                points: std::mem::take(&mut run),
                                colour: s.colour,
                                width: 1.5,
                            });
                        }
                        run.clear();
                    }
                }
            }
            if run.len() > 1 {
                self.push(Op::Path {
                    points: run,
                    colour: s.colour,
                    width: 1.5,
                });
            }
            self.push(Op::Rect {
                x: legend_x,
                y: top + 1.0,
                w: 8.0,
                h: 8.0,
                colour: s.colour,
            });
            self.push(Op::Text {
                x: legend_x + 11.0,
                baseline: top + 8.5,
                size: SMALL,
                bold: false,
                colour: TEXT,
                text: s.name.clone(),
            });
            legend_x += 24.0 + self.face(false).width(&s.name, SMALL);
        }
        self.y = top + h + 4.0;
        self.caption(&c.title);
        self.y += 4.0;
    }

    pub(super) fn bar_chart(&mut self, c: &BarChart) {
        let (row, label_w) = (15.0, 170.0);
        let max = c
            .full_scale
            .unwrap_or_else(|| c.bars.iter().map(|b| b.1).fold(0.0_f64, f64::max));
        let max = if max > 0.0 { max } else { 1.0 };
        self.y += 6.0;
        self.ensure(row * count(c.bars.len().min(6)) + SMALL * LEADING);
        for (label, v) in &c.bars {
            self.ensure(row);
            let top = self.y;
            let mut text = label.clone();
            while self.face(false).width(&text, SMALL) > label_w - 6.0 && text.chars().count() > 1 {
                text.pop();
                text.pop();
                text.push('…');
            }
            let lw = self.face(false).width(&text, SMALL);
            self.push(Op::Text {
                x: MARGIN + label_w - 6.0 - lw,
                baseline: top + 10.0,
                size: SMALL,
                bold: false,
                colour: TEXT,
                text,
            });
            let bw = (WIDTH - label_w - 50.0) * narrow((v.max(0.0) / max).min(1.0));
            if bw > 0.0 {
                self.push(Op::Rect {
                    x: MARGIN + label_w,
                    y: top + 2.0,
                    w: bw,
                    h: 10.0,
                    colour: c.colour,
                });
            }
            self.push(Op::Text {
                x: MARGIN + label_w + bw + 4.0,
                baseline: top + 10.0,
                size: SMALL,
                bold: false,
                colour: TEXT,
                text: short(*v),
            });
            self.y += row;
        }
        self.caption(&c.title);
        self.y += 4.0;
    }
}

fn row_height(lines: &[Vec<String>], lh: f32) -> f32 {
    count(lines.iter().map(Vec::len).max().unwrap_or(1).max(1)) * lh + 2.0 * PAD
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::Tone;
    use crate::pdf::fonts::FONTS;

    #[test]
    fn long_words_and_lines_wrap_within_the_width() {
        let f = FONTS.as_ref().unwrap();
        let l = Layout::new(f, Rgb(0, 0, 0));
        let lines = l.wrap(&format!("a {} b\tc", "x".repeat(400)), BODY, false, 200.0);
        assert!(lines.len() > 3);
        assert!(
            lines
                .iter()
                .all(|s| f.regular.width(s, BODY) <= 200.0 + 0.01)
        );
        assert!(lines.iter().all(|s| !s.contains('\t')));
        assert_eq!(l.wrap("", BODY, false, 100.0), vec![String::new()]);
    }

    #[test]
    fn a_long_table_spans_pages_with_its_header_on_each() {
        let mut t = Table::new(&["query", "clicks"], &[1]);
        for i in 0..300 {
            t.rows.push(vec![
                Cell::plain(format!("запрос номер {i}")),
                Cell::toned(i.to_string(), Tone::Good),
            ]);
        }
        let f = FONTS.as_ref().unwrap();
        let mut l = Layout::new(f, Rgb(0, 0, 0));
        l.table(&t);
        assert!(l.pages.len() >= 5, "{} pages", l.pages.len());
        let mut rows_drawn = 0;
        for page in &l.pages {
            let headers = page
                .iter()
                .filter(|op| matches!(op, Op::Text { text, bold: true, .. } if text == "query"))
                .count();
            assert_eq!(headers, 1, "the header row repeats once per page");
            rows_drawn += page
                .iter()
                .filter(|op| matches!(op, Op::Text { text, .. } if text.starts_with("запрос")))
                .count();
            for op in page {
                if let Op::Text { baseline, .. } = op {
                    assert!(
                        *baseline <= BOTTOM + SMALL && *baseline >= TOP,
                        "{baseline}"
                    );
                }
            }
        }
        assert_eq!(rows_drawn, 300, "every row once, none lost at a page break");
    }
}
