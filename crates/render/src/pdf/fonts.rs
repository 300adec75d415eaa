//! The two embedded DejaVu Sans faces and the glyph metrics the layout measures text by.

use std::sync::LazyLock;

use krilla::text::Font;

static REGULAR: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../fonts/DejaVuSans-Bold.ttf");

/// One of the two embedded faces, with the metrics the layout measures text by.
pub(super) struct Face {
    pub(super) font: Font,
    metrics: ttf_parser::Face<'static>,
    upem: f32,
}

impl Face {
    fn load(bytes: &'static [u8]) -> Option<Self> {
        let metrics = ttf_parser::Face::parse(bytes, 0).ok()?;
        Some(Self {
            upem: f32::from(metrics.units_per_em()),
            font: Font::new(bytes.into(), 0)?,
            metrics,
        })
    }

    /// The advance width of `text` at `size` points (kerning left out: a line is at most a
    /// fraction of a point narrower than measured, which the padding absorbs).
    pub(super) fn width(&self, text: &str, size: f32) -> f32 {
        let units: f32 = text
            .chars()
            .map(|c| {
                self.metrics
                    .glyph_index(c)
                    .and_then(|g| self.metrics.glyph_hor_advance(g))
                    .map_or(self.upem * 0.6, f32::from)
            })
            .sum();
        units * size / self.upem
    }
}

pub(super) struct Fonts {
    pub(super) regular: Face,
    pub(super) bold: Face,
}

/// The fonts are parsed once; `None` only if the embedded files were corrupt, which the
/// crate's tests rule out.
pub(super) static FONTS: LazyLock<Option<Fonts>> = LazyLock::new(|| {
    Some(Fonts {
        regular: Face::load(REGULAR)?,
        bold: Face::load(BOLD)?,
    })
});

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_fonts_load_and_measure() {
        let f = FONTS.as_ref().unwrap();
        let w = f.regular.width("Клики", 10.0);
        assert!(w > 20.0 && w < 40.0, "{w}");
        assert!(f.bold.width("Клики", 10.0) > w);
    }
}
