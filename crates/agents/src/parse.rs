//! Reading amounts the way people write them: "50-500", "5m+", "1 000 000 ₽", "1,5 млн",
//! "$25,000–$50,000", "6 figures", "10k".

/// A parsed amount: a lower bound and, unless open-ended, an upper one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Amount {
    /// Smallest value meant.
    pub low: f64,
    /// Largest value meant; `None` for "N+" (open-ended).
    pub high: Option<f64>,
}

impl Amount {
    /// A single figure stands for itself; a range for its midpoint; "N+" for N.
    pub fn typical(&self) -> f64 {
        match self.high {
            Some(h) => (self.low + h) / 2.0,
            None => self.low,
        }
    }
}

fn multiplier(word: &str) -> Option<f64> {
    let w = word.trim_matches(|c: char| c == '.' || c.is_whitespace());
    Some(match w {
        "k" | "к" | "тыс" | "thousand" | "thousands" | "th" => 1e3,
        "m" | "м" | "mm" | "mn" | "mln" | "млн" | "million" | "millions" | "миллион"
        | "миллиона" | "миллионов" => 1e6,
        "b" | "bn" | "млрд" | "billion" | "billions" | "миллиард" | "миллиарда" | "миллиардов" => {
            1e9
        }
        _ => return None,
    })
}

/// Parses one side of a range: digits with thousands separators or a decimal mark, and an
/// optional multiplier word. Returns the number and the multiplier, if one was written.
fn parse_side(s: &str) -> Option<(f64, Option<f64>)> {
    let s = s.trim();
    let start = s.find(|c: char| c.is_ascii_digit())?;
    let rest = &s[start..];
    let end = rest
        .find(|c: char| {
            !(c.is_ascii_digit()
                || c == ','
                || c == '.'
                || c == ' '
                || c == '\u{a0}'
                || c == '\u{202f}'
                || c == '\'')
        })
        .unwrap_or(rest.len());
    let (num, tail) = rest.split_at(end);
    let value = parse_number(num.trim())?;
    let word: String = tail
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphabetic() || *c == '.')
        .collect();
    Some((value, multiplier(&word.to_lowercase())))
}

/// "1 000 000", "1,000,000", "1.000.000", "1,5", "2.75" → numbers.
fn parse_number(raw: &str) -> Option<f64> {
    let digits: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\''))
        .collect();
    let seps: Vec<(usize, char)> = digits
        .char_indices()
        .filter(|(_, c)| *c == ',' || *c == '.')
        .collect();
    let normalised = match seps.as_slice() {
        [] => digits,
        // One separator followed by exactly three digits, with more than one digit before it
        // or a comma: a thousands group ("1,000", "12.500"); otherwise a decimal mark ("1,5").
        [(i, c)] => {
            let after = digits.len() - i - 1;
            if after == 3 && (*c == ',' || *i > 1) && *c != '.' {
                digits.replace(*c, "")
            } else if after == 3 && *c == '.' && *i > 3 {
                digits.replace('.', "")
            } else {
                digits.replace(',', ".")
            }
        }
        many @ [(_, first), .., last] => {
            let (first, last) = (*first, *last);
            if many.iter().all(|(_, c)| *c == first) {
                // "1,000,000" or "1.000.000": all thousands groups.
                digits.replace(first, "")
            } else {
                // "1.000,50" or "1,000.50": the last one is the decimal mark.
                let (int, frac) = digits.split_at(last.0);
                // `frac` starts with the one-byte mark itself.
                format!(
                    "{}.{}",
                    int.replace([',', '.'], ""),
                    frac.get(1..).unwrap_or_default()
                )
            }
        }
    };
    normalised
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
}

/// Parses an amount or a range of amounts.
///
/// ```
/// use seo_agents::parse::{parse_amount, Amount};
/// assert_eq!(parse_amount("50-500"), Some(Amount { low: 50.0, high: Some(500.0) }));
/// assert_eq!(parse_amount("5m+"), Some(Amount { low: 5_000_000.0, high: None }));
/// assert_eq!(parse_amount("1 000 000 ₽"), Some(Amount { low: 1_000_000.0, high: Some(1_000_000.0) }));
/// assert_eq!(parse_amount("1,5 млн руб"), Some(Amount { low: 1_500_000.0, high: Some(1_500_000.0) }));
/// assert_eq!(parse_amount("$25,000–$50,000"), Some(Amount { low: 25_000.0, high: Some(50_000.0) }));
/// assert_eq!(parse_amount("5-10m"), Some(Amount { low: 5_000_000.0, high: Some(10_000_000.0) }));
/// assert_eq!(parse_amount("6 figures"), Some(Amount { low: 100_000.0, high: Some(999_999.0) }));
/// assert_eq!(parse_amount("unknown"), None);
/// ```
pub fn parse_amount(text: &str) -> Option<Amount> {
    let t = text.trim().to_lowercase();
    if let Some(n) = t
        .strip_suffix("figures")
        .or_else(|| t.strip_suffix("figure"))
        .and_then(|s| s.trim().parse::<i32>().ok())
        && (1..=15).contains(&n)
    {
        return Some(Amount {
            low: 10f64.powi(n - 1),
            high: Some(10f64.powi(n) - 1.0),
        });
    }
    let open = t.contains('+')
        || t.starts_with("from ")
        || t.starts_with("от ")
        || t.contains("more than")
        || t.contains("больше");
    // A range separator between two figures: '-', en/em dash, "to", "до".
    let mut parts: Vec<&str> = Vec::new();
    for sep in ['–', '—', '-'] {
        if let Some((a, b)) = t.split_once(sep)
            && a.chars().any(|c| c.is_ascii_digit())
            && b.chars().any(|c| c.is_ascii_digit())
        {
            parts = vec![a, b];
            break;
        }
    }
    if parts.is_empty() {
        for sep in [" to ", " до "] {
            if let Some((a, b)) = t.split_once(sep)
                && a.chars().any(|c| c.is_ascii_digit())
                && b.chars().any(|c| c.is_ascii_digit())
            {
                parts = vec![a, b];
                break;
            }
        }
    }
    match parts.as_slice() {
        [a, b] => {
            let (lo, lo_mult) = parse_side(a)?;
            let (hi, hi_mult) = parse_side(b)?;
            // "5-10m": a unit written once applies to both sides.
            let lo = lo * lo_mult.or(hi_mult).unwrap_or(1.0);
            let hi = hi * hi_mult.unwrap_or(1.0);
            let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
            Some(Amount {
                low: lo,
                high: if open { None } else { Some(hi) },
            })
        }
        _ => {
            let (v, m) = parse_side(&t)?;
            let v = v * m.unwrap_or(1.0);
            Some(Amount {
                low: v,
                high: if open { None } else { Some(v) },
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(low: f64, high: Option<f64>) -> Option<Amount> {
        Some(Amount { low, high })
    }

    #[test]
    fn common_spellings() {
        assert_eq!(parse_amount("500"), a(500.0, Some(500.0)));
        assert_eq!(parse_amount("10k"), a(10_000.0, Some(10_000.0)));
        assert_eq!(parse_amount("100м"), a(100_000_000.0, Some(100_000_000.0)));
        assert_eq!(parse_amount("10м+"), a(10_000_000.0, None));
        assert_eq!(parse_amount("1,000,000"), a(1_000_000.0, Some(1_000_000.0)));
        assert_eq!(parse_amount("1.000.000"), a(1_000_000.0, Some(1_000_000.0)));
        assert_eq!(parse_amount("2.5m"), a(2_500_000.0, Some(2_500_000.0)));
        assert_eq!(parse_amount("от 300 тыс"), a(300_000.0, None));
        assert_eq!(parse_amount("100 to 200"), a(100.0, Some(200.0)));
        assert_eq!(parse_amount("500+ employees"), a(500.0, None));
        assert_eq!(
            parse_amount("1000-5000 сотрудников"),
            a(1000.0, Some(5000.0))
        );
        assert_eq!(parse_amount("no idea"), None);
        assert_eq!(parse_amount(""), None);
    }

    #[test]
    fn typical_values() {
        assert_eq!(parse_amount("50-500").unwrap().typical(), 275.0);
        assert_eq!(parse_amount("5m+").unwrap().typical(), 5_000_000.0);
    }
}
