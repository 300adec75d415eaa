//! Bytes to rows: encodings (UTF-8 with or without BOM, UTF-16 with BOM), comment
//! preambles, delimiter sniffing, and numbers as people and spreadsheets write them.

use crate::ImportError;

/// Decodes an export's bytes: a UTF-16 (LE or BE) BOM is transcoded, a UTF-8 BOM dropped.
/// UTF-8 text is read in place (no copy of a large file).
pub fn decode(bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, ImportError> {
    match bytes {
        [0xFF, 0xFE, rest @ ..] => Ok(utf16(rest, u16::from_le_bytes).into()),
        [0xFE, 0xFF, rest @ ..] => Ok(utf16(rest, u16::from_be_bytes).into()),
        [0xEF, 0xBB, 0xBF, rest @ ..] => text(rest),
        _ => text(bytes),
    }
}

fn text(bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, ImportError> {
    std::str::from_utf8(bytes)
        .map(std::borrow::Cow::Borrowed)
        .map_err(|e| ImportError::Unreadable {
            expected: format!(
                "text in UTF-8 or UTF-16 with a byte-order mark (the bytes are not valid UTF-8 at offset {})",
                e.valid_up_to()
            ),
        })
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| match c {
            [a, b] => unit([*a, *b]),
            _ => 0xFFFD,
        })
        .collect();
    String::from_utf16_lossy(&units)
}

/// The field delimiter of a table: `,`, `;` or tab, whichever splits the header line into
/// the most fields (quoted text does not count).
pub fn sniff_delimiter(header_line: &str) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for c in header_line.bytes() {
        if c == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for (d, n) in &mut counts {
                if *d == c {
                    *n += 1;
                }
            }
        }
    }
    // Ties go to the earlier delimiter (comma, then semicolon, then tab).
    counts
        .iter()
        .fold(
            (b',', 0usize),
            |best, &(d, n)| if n > best.1 { (d, n) } else { best },
        )
        .0
}

/// Removes the characters people put between thousands (spaces, no-break spaces, `'`).
fn without_spacing(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\''))
        .collect()
}

/// An integer count: `1240`, `"1,240"`, `1 240`, `1.240` (thousands separators of any
/// locale). A fraction is refused.
pub fn count(raw: &str) -> Result<i64, String> {
    let s = without_spacing(raw.trim());
    if s.is_empty() {
        return Err("empty".into());
    }
    // Separators every three digits only: `1,240` or `1.240.000`, never `12,5`.
    let groups: Vec<&str> = s.split([',', '.']).collect();
    let grouped = groups.len() > 1
        && groups.iter().skip(1).all(|g| g.len() == 3)
        && groups.first().is_some_and(|g| (1..=3).contains(&g.len()));
    let digits: String = if grouped { groups.concat() } else { s.clone() };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("'{}' is not a whole number", raw.trim()));
    }
    digits
        .parse::<i64>()
        .map_err(|_| format!("'{}' is too large", raw.trim()))
}

/// A decimal: `8.1`, `8,1`, `1,234.5`, `1.234,5`, `1 234,56`. With both marks the later one
/// is the decimal mark; with a comma alone it is the decimal mark unless it separates
/// exactly three digits in a comma-delimited file (`"1,240"`).
pub fn decimal(raw: &str, comma_delimited: bool) -> Result<f64, String> {
    let s = without_spacing(raw.trim());
    let s = s.trim_end_matches(['€', '$', '₽', '£']).trim();
    if s.is_empty() {
        return Err("empty".into());
    }
    let normalised = match (s.rfind(','), s.rfind('.')) {
        (Some(c), Some(d)) if c > d => s.replace('.', "").replacen(',', ".", 1),
        (Some(_), Some(_)) => s.replace(',', ""),
        (Some(c), None) => {
            let after = s.get(c + 1..).unwrap_or("");
            let thousands = comma_delimited && after.len() == 3 && s.matches(',').count() == 1;
            if thousands || s.matches(',').count() > 1 {
                s.replace(',', "")
            } else {
                s.replacen(',', ".", 1)
            }
        }
        _ => s.to_string(),
    };
    match normalised.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!("'{}' is not a number", raw.trim())),
    }
}

/// A rate: `2.5%` or `2,5 %` → 0.025. Without a `%` sign the value is read as a percentage
/// when `percent` (Search Console and Yandex report CTR in percent), else as a fraction.
pub fn rate(raw: &str, percent: bool, comma_delimited: bool) -> Result<f64, String> {
    let t = raw.trim();
    let (body, has_sign) = match t.strip_suffix('%') {
        Some(b) => (b, true),
        None => (t, false),
    };
    let v = decimal(body, comma_delimited)?;
    let v = if has_sign || percent { v / 100.0 } else { v };
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("'{t}' is not a rate between 0 and 100 %"))
    }
}

/// A date: `2026-09-28`, `20260928` (GA4) or `28.09.2026`.
pub fn date(raw: &str) -> Result<chrono::NaiveDate, String> {
    let t = raw.trim();
    for f in ["%Y-%m-%d", "%Y%m%d", "%d.%m.%Y", "%Y/%m/%d"] {
        if let Ok(d) = chrono::NaiveDate::parse_from_str(t, f) {
            return Ok(d);
        }
    }
    Err(format!("'{t}' is not a date (YYYY-MM-DD)"))
}

/// A yes/no flag of a backlink export: `true`, `1`, `yes`, `nofollow` → true; `false`, `0`,
/// `no`, empty → false.
pub fn flag(raw: &str) -> Result<bool, String> {
    match raw.trim().to_lowercase().as_str() {
        "true" | "1" | "yes" | "y" | "nofollow" | "да" => Ok(true),
        "false" | "0" | "no" | "n" | "" | "dofollow" | "follow" | "нет" => Ok(false),
        other => Err(format!("'{other}' is not true or false")),
    }
}

/// Header text reduced for matching: lower case, inner whitespace collapsed, BOM and
/// surrounding quotes dropped.
pub fn norm(h: &str) -> String {
    h.trim_start_matches('\u{feff}')
        .trim()
        .trim_matches('"')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        assert_eq!(decode(b"\xEF\xBB\xBFa,b").unwrap(), "a,b");
        let utf16le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("Ссылка\tb".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(&utf16le).unwrap(), "Ссылка\tb");
        let utf16be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("x".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode(&utf16be).unwrap(), "x");
        assert!(decode(b"\xC3\x28").is_err());
    }

    #[test]
    fn delimiters() {
        assert_eq!(
            sniff_delimiter("Top queries,Clicks,Impressions,CTR,Position"),
            b','
        );
        assert_eq!(sniff_delimiter("Запрос;Показы;Клики;CTR"), b';');
        assert_eq!(
            sniff_delimiter("Referring page URL\tTarget URL\tAnchor"),
            b'\t'
        );
        assert_eq!(sniff_delimiter("\"a;b\",c,d"), b',');
    }

    #[test]
    fn numbers_as_written() {
        assert_eq!(count("1240").unwrap(), 1240);
        assert_eq!(count("1,240").unwrap(), 1240);
        assert_eq!(count("1 240 000").unwrap(), 1_240_000);
        assert_eq!(count("1.240.000").unwrap(), 1_240_000);
        assert!(count("12,5").is_err());
        assert!(count("abc").is_err());
        assert!(count("").is_err());
        assert_eq!(decimal("8.1", true).unwrap(), 8.1);
        assert_eq!(decimal("8,1", false).unwrap(), 8.1);
        assert_eq!(decimal("1,234.5", true).unwrap(), 1234.5);
        assert_eq!(decimal("1.234,5", false).unwrap(), 1234.5);
        assert_eq!(decimal("1 234,56 €", false).unwrap(), 1234.56);
        assert_eq!(decimal("1,240", true).unwrap(), 1240.0);
        assert_eq!(decimal("12,5", true).unwrap(), 12.5);
        assert!(decimal("NaN", true).is_err());
        assert!((rate("2.5%", true, true).unwrap() - 0.025).abs() < 1e-12);
        assert!((rate("2,5 %", true, false).unwrap() - 0.025).abs() < 1e-12);
        assert!((rate("16.67", true, true).unwrap() - 0.1667).abs() < 1e-12);
        assert!((rate("0.6", false, true).unwrap() - 0.6).abs() < 1e-12);
        assert!(rate("250%", true, true).is_err());
        assert_eq!(date("20260928").unwrap().to_string(), "2026-09-28");
        assert_eq!(date("28.09.2026").unwrap().to_string(), "2026-09-28");
        assert!(flag("maybe").is_err());
        assert!(flag("TRUE").unwrap());
        assert_eq!(norm("\u{feff} Top   Queries "), "top queries");
    }
}
