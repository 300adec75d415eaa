//! The Search Console export ZIP: one CSV per table (`Queries.csv`, `Pages.csv`,
//! `Countries.csv`, `Devices.csv`, `Search appearance.csv`, `Dates.csv` or `Chart.csv`,
//! `Filters.csv`), possibly inside a folder, with a UTF-8 BOM, and with `__MACOSX/` junk.

use std::io::Read;

use crate::{ImportError, MAX_LISTED_ERRORS, Parsed, shapes, text};

/// Most bytes unpacked from one archive (a guard against ZIP bombs).
pub const MAX_UNPACKED_BYTES: u64 = 256 * 1024 * 1024;

/// Whether the bytes are a ZIP archive.
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

fn unreadable(why: impl std::fmt::Display) -> ImportError {
    ImportError::Unreadable {
        expected: format!("a ZIP archive of CSV files ({why})"),
    }
}

/// Reads every CSV of the archive as one search-performance dataset: each table's rows
/// with the dimension its file or header names. Entries that fit no table (`Filters.csv`)
/// are skipped; row errors carry the entry's name.
pub fn parse_zip(bytes: &[u8]) -> Result<Parsed, ImportError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(unreadable)?;
    let mut merged: Option<Parsed> = None;
    let mut unpacked: u64 = 0;
    let mut seen = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(unreadable)?;
        let name = entry.name().map_err(unreadable)?.to_string();
        let base = name.rsplit('/').next().unwrap_or(&name).to_string();
        if entry.is_dir()
            || name.starts_with("__MACOSX/")
            || base.starts_with("._")
            || !base.to_lowercase().ends_with(".csv")
        {
            continue;
        }
        let mut buf = Vec::new();
        let budget = MAX_UNPACKED_BYTES.saturating_sub(unpacked);
        (&mut entry)
            .take(budget.saturating_add(1))
            .read_to_end(&mut buf)
            .map_err(unreadable)?;
        unpacked = unpacked.saturating_add(u64::try_from(buf.len()).unwrap_or(u64::MAX));
        if unpacked > MAX_UNPACKED_BYTES {
            return Err(unreadable(format!(
                "it unpacks to more than {MAX_UNPACKED_BYTES} bytes"
            )));
        }
        let Ok(decoded) = text::decode(&buf) else {
            continue;
        };
        let Ok(mut p) = shapes::parse_text(&base, &decoded) else {
            continue;
        };
        seen.push(base.clone());
        for e in &mut p.errors {
            e.message = format!("{base}: {}", e.message);
        }
        match merged.as_mut() {
            None => merged = Some(p),
            Some(m) => {
                if m.kind != p.kind {
                    continue;
                }
                m.search.append(&mut p.search);
                m.backlinks.append(&mut p.backlinks);
                m.traffic.append(&mut p.traffic);
                m.rows_rejected += p.rows_rejected;
                let room = MAX_LISTED_ERRORS.saturating_sub(m.errors.len());
                m.errors.extend(p.errors.into_iter().take(room));
                m.period_from = match (m.period_from, p.period_from) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                m.period_to = match (m.period_to, p.period_to) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
            }
        }
    }
    let merged = merged.ok_or_else(|| ImportError::Unrecognised {
        expected: format!(
            "a Search Console export ZIP holding Queries.csv, Pages.csv, Countries.csv, Devices.csv or Dates.csv (found no such table; {})",
            crate::EXPECTED
        ),
    })?;
    Ok(merged)
}
