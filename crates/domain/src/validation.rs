//! Field validation: rules return every violation at once, each with the field path,
//! so a client can fix a whole form in one round trip.

use serde::Serialize;

/// One violated rule on one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// Path of the field, e.g. `keywords[3]` or `metadata`.
    pub field: String,
    /// Stable machine-readable rule name, e.g. `too_long`, `invalid_email`.
    pub code: &'static str,
    /// Human explanation.
    pub message: String,
}

/// A non-empty list of field errors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("validation failed: {}", summary(.0))]
#[serde(transparent)]
pub struct ValidationErrors(pub Vec<FieldError>);

fn summary(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl ValidationErrors {
    /// Records one violation.
    pub fn add(
        &mut self,
        field: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) {
        self.0.push(FieldError {
            field: field.into(),
            code,
            message: message.into(),
        });
    }

    /// A single-field error, for rules checked outside a full form.
    pub fn single(
        field: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        let mut e = Self::default();
        e.add(field, code, message);
        e
    }

    /// `Ok(value)` when nothing was recorded, the errors otherwise.
    pub fn finish<T>(self, value: T) -> Result<T, Self> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// True when no violation was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Field paths of the recorded errors (handy in tests and logs).
    pub fn fields(&self) -> Vec<&str> {
        self.0.iter().map(|e| e.field.as_str()).collect()
    }
}

/// Trims a required text field and checks its length in characters.
pub(crate) fn required_text(
    errors: &mut ValidationErrors,
    field: &str,
    value: &str,
    max: usize,
) -> String {
    let v = value.trim();
    if v.is_empty() {
        errors.add(field, "required", "must not be empty");
    } else if v.chars().count() > max {
        errors.add(
            field,
            "too_long",
            format!("must be at most {max} characters"),
        );
    } else if v.chars().any(char::is_control) {
        errors.add(
            field,
            "invalid_characters",
            "must not contain control characters",
        );
    }
    v.to_string()
}

/// Trims an optional text field; blank becomes `None`.
pub(crate) fn optional_text(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Option<String> {
    let v = value?.trim();
    if v.is_empty() {
        return None;
    }
    if v.chars().count() > max {
        errors.add(
            field,
            "too_long",
            format!("must be at most {max} characters"),
        );
    } else if v.chars().any(char::is_control) {
        errors.add(
            field,
            "invalid_characters",
            "must not contain control characters",
        );
    }
    Some(v.to_string())
}

/// Longest e-mail address accepted, in bytes (RFC 5321's path limit less the brackets).
pub const MAX_EMAIL_LEN: usize = 254;

/// [`is_valid_email`] as a JSON Schema pattern, for the API's contract: surrounding
/// whitespace (trimmed), a dot-separated local part, `@`, and two or more host labels.
/// The lengths (local part ≤ 64, address ≤ 254) are the field's `maxLength` and the check.
pub const EMAIL_PATTERN: &str = concat!(
    r"^\s*",
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*",
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?",
    r"\s*$"
);

/// [`EMAIL_PATTERN`] for an optional contact address, where blank means "none".
pub const OPTIONAL_EMAIL_PATTERN: &str = concat!(
    r"^\s*(",
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*",
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?",
    r")?\s*$"
);

/// A pragmatic e-mail check: one `@`, a non-empty local part of at most 64 characters
/// without spaces, and a dotted domain made of valid labels.
pub fn is_valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    if local.is_empty()
        || local.len() > 64
        || s.len() > MAX_EMAIL_LEN
        || local.contains('@')
        || local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
    {
        return false;
    }
    let local_ok = local
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    local_ok && domain.contains('.') && is_valid_host_name(domain)
}

/// A DNS host name: dot-separated labels of `a-z 0-9 -`, each 1–63 long, not starting or
/// ending with `-`, 253 characters at most. Case-insensitive.
pub fn is_valid_host_name(s: &str) -> bool {
    if s.is_empty() || s.len() > 253 {
        return false;
    }
    s.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}

/// Longest website URL, in characters (surrounding whitespace included, as JSON Schema's
/// `maxLength` counts).
pub const URL_MAX_CHARS: usize = 2048;

/// A host label: letters (Latin or Russian), digits and inner hyphens, 1–63 long.
const LABEL: &str = "[A-Za-z0-9А-Яа-яЁё]([A-Za-z0-9А-Яа-яЁё-]{0,61}[A-Za-z0-9А-Яа-яЁё])?";
/// The last label starts with a letter (so it is never read as an IPv4 number).
const LAST_LABEL: &str = "[A-Za-zА-Яа-яЁё]([A-Za-z0-9А-Яа-яЁё-]{0,61}[A-Za-z0-9А-Яа-яЁё])?";
const OCTET: &str = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
const PORT: &str =
    "([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])";

/// The website rule as a JSON Schema pattern, and the rule itself: blank, or `http`/`https`,
/// `://`, a host (dotted labels ending in one that starts with a letter, or an IPv4
/// address), an optional port (0–65535), and an optional path, query or fragment without
/// whitespace or control characters. No user name or password. Surrounding whitespace is
/// trimmed. Besides the pattern, the URL must parse (a `xn--` label must be valid punycode).
pub fn optional_url_pattern() -> String {
    format!(
        r"^\s*([Hh][Tt][Tt][Pp][Ss]?://(({LABEL}\.)*{LAST_LABEL}\.?|({OCTET}\.){{3}}{OCTET})(:{PORT})?([/?#][^\s\x00-\x1f\x7f-\x9f]*)?)?\s*$"
    )
}

fn url_rule() -> Option<&'static regex::Regex> {
    static RULE: std::sync::LazyLock<Option<regex::Regex>> =
        std::sync::LazyLock::new(|| regex::Regex::new(&optional_url_pattern()).ok());
    RULE.as_ref()
}

/// A website: [`optional_url_pattern`] (not blank) and an absolute `http`/`https` URL with a
/// host that parses.
pub fn is_valid_http_url(s: &str) -> bool {
    let t = s.trim();
    if t.is_empty() || !url_rule().is_some_and(|r| r.is_match(t)) {
        return false;
    }
    match url::Url::parse(t) {
        Ok(u) => {
            matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
        }
        Err(_) => false,
    }
}

/// All ISO 3166-1 alpha-2 codes (officially assigned).
const ISO_COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ \
BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET \
FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR \
IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN \
MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY \
QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR \
TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// True for an officially assigned ISO 3166-1 alpha-2 code (upper case).
pub fn is_iso_country(code: &str) -> bool {
    code.len() == 2 && ISO_COUNTRIES.split(' ').any(|c| c == code)
}

/// The optional country rule as a JSON Schema pattern: blank, or an ISO 3166-1 alpha-2
/// code in either case, with surrounding whitespace (trimmed and upper-cased on input).
pub fn optional_country_pattern() -> String {
    let codes: Vec<String> = ISO_COUNTRIES
        .split(' ')
        .map(|code| {
            code.chars()
                .map(|c| format!("[{c}{}]", c.to_ascii_lowercase()))
                .collect()
        })
        .collect();
    format!(r"^\s*({})?\s*$", codes.join("|"))
}

/// Characters a phone number may hold besides digits.
pub const PHONE_SYMBOLS: &str = " +-().";

/// Most characters in a phone number.
pub const PHONE_MAX_CHARS: usize = 40;

/// The optional phone rule as a JSON Schema pattern: blank, or at most [`PHONE_MAX_CHARS`]
/// digits and [`PHONE_SYMBOLS`], surrounding whitespace trimmed first (so the length is
/// in the pattern, not a `maxLength` that would count the whitespace).
pub fn optional_phone_pattern() -> String {
    format!(r"^\s*[0-9 +().-]{{0,{PHONE_MAX_CHARS}}}\s*$")
}

/// Most characters in a client's industry.
pub const INDUSTRY_MAX_CHARS: usize = 100;

/// Most characters in a person's name (a user's full name, a client's contact person).
pub const PERSON_MAX_CHARS: usize = 200;

/// Most characters in a client's or campaign's name.
pub const NAME_MAX_CHARS: usize = 200;

/// An optional text field of at most `max` characters as a JSON Schema pattern: blank, or
/// the [`required_text_pattern`] rule (the rule of `optional_text` exactly).
pub fn optional_text_pattern(max: usize) -> String {
    const EDGE: &str = r"[^\s\x00-\x1f\x7f-\x9f]";
    const INNER: &str = r"[^\x00-\x1f\x7f-\x9f]";
    let inner = max.saturating_sub(2);
    format!(r"^\s*({EDGE}({INNER}{{0,{inner}}}{EDGE})?)?\s*$")
}

/// The campaign domain rule as a JSON Schema pattern: blank, or DNS labels (trailing dots
/// dropped on input). The 253-character limit is the check's alone.
pub const OPTIONAL_HOST_PATTERN: &str = r"^\s*([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.*)?\s*$";

/// A required text field of at most `max` characters as a JSON Schema pattern: the rule of
/// `required_text` exactly. Surrounding whitespace is trimmed before the length is counted,
/// so the length is part of the pattern rather than a `maxLength` (which would count it).
pub fn required_text_pattern(max: usize) -> String {
    const EDGE: &str = r"[^\s\x00-\x1f\x7f-\x9f]";
    const INNER: &str = r"[^\x00-\x1f\x7f-\x9f]";
    let inner = max.saturating_sub(2);
    format!(r"^\s*{EDGE}({INNER}{{0,{inner}}}{EDGE})?\s*$")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_list_is_complete_and_strict() {
        assert_eq!(ISO_COUNTRIES.split(' ').count(), 249);
        assert!(is_iso_country("RU"));
        assert!(is_iso_country("US"));
        assert!(!is_iso_country("XX"));
        assert!(!is_iso_country("us"));
        assert!(!is_iso_country("USA"));
    }

    #[test]
    fn emails() {
        for ok in [
            "a@b.co",
            "first.last+tag@mail.example.org",
            "x_y@sub-domain.example.ru",
        ] {
            assert!(is_valid_email(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "a@b",
            "@b.co",
            "a@@b.co",
            "a b@c.co",
            "a@-b.co",
            "a..b@c.co",
            "a@b..co",
        ] {
            assert!(!is_valid_email(bad), "{bad}");
        }
    }

    #[test]
    fn country_pattern_matches_the_check() {
        let p = regex::Regex::new(&optional_country_pattern()).unwrap();
        for code in ISO_COUNTRIES.split(' ') {
            assert!(
                p.is_match(code) && p.is_match(&code.to_ascii_lowercase()),
                "{code}"
            );
        }
        for ok in ["", "  ", " ru ", "Us"] {
            assert!(p.is_match(ok), "{ok:?}");
        }
        for bad in ["XX", "R", "RUS", "R U", ";", "ru;"] {
            assert!(!p.is_match(bad), "{bad:?}");
        }
    }

    #[test]
    fn required_text_pattern_matches_the_check() {
        let p = regex::Regex::new(&required_text_pattern(5)).unwrap();
        for s in [
            "x",
            " Acme ",
            "a b",
            "Ünïcode",
            "",
            "   ",
            "a\u{7}b",
            "\u{85}",
            "x\ty",
            "12345",
            "123456",
            "  12345        ",
            "1   5",
            "1    6",
        ] {
            let mut e = ValidationErrors::default();
            required_text(&mut e, "f", s, 5);
            assert_eq!(p.is_match(s), e.fields().is_empty(), "{s:?}");
        }
    }

    #[test]
    fn optional_text_pattern_matches_the_check() {
        let p = regex::Regex::new(&optional_text_pattern(5)).unwrap();
        for s in [
            "x",
            " Acme ",
            "",
            "   ",
            "a\u{7}b",
            "\u{85}",
            "x\ty",
            "12345",
            "123456",
            "  12345        ",
            "1    6",
        ] {
            let mut e = ValidationErrors::default();
            optional_text(&mut e, "f", Some(s), 5);
            assert_eq!(p.is_match(s), e.fields().is_empty(), "{s:?}");
        }
    }

    #[test]
    fn url_pattern_is_the_website_rule() {
        let p = regex::Regex::new(&optional_url_pattern()).unwrap();
        for ok in [
            "https://example.com",
            "http://Example.COM./path?q=1#frag",
            " https://sub.example.co.uk:8443/a/b ",
            "HTTPS://пример.рф/каталог",
            "http://127.0.0.1:65535/",
            "http://localhost",
            "https://xn--80ak6aa92e.com/",
            "https://1.example.com/%zz",
        ] {
            assert!(p.is_match(ok), "{ok:?}");
            assert!(is_valid_http_url(ok), "{ok:?}");
        }
        for bad in [
            "@",
            "example.com",
            "ftp://example.com",
            "https://",
            "https://user:pw@example.com",
            "https://example.1",
            "https://256.1.1.1",
            "https://a.com:65536",
            "https://a b.com",
            "https://a.com/x y",
            "https://-a.com",
            "https://a.com/\u{7}",
        ] {
            assert!(!is_valid_http_url(bad), "{bad:?}");
        }
        // Blank is "none" for the optional field, never a website.
        assert!(p.is_match("  "));
        assert!(!is_valid_http_url("  "));
    }

    #[test]
    fn host_pattern_matches_the_check() {
        let p = regex::Regex::new(OPTIONAL_HOST_PATTERN).unwrap();
        let check = |s: &str| {
            let t = s.trim();
            t.is_empty() || is_valid_host_name(&t.trim_end_matches('.').to_ascii_lowercase())
        };
        for s in [
            "",
            " ",
            "example.com",
            "Example.COM.",
            " a-b.c ",
            "-a.com",
            "a-.com",
            "a..b",
            "https://x.com",
            "x.com/path",
            "a b.com",
            ".com",
            "xn--80ak6aa92e.com",
            "1.2.3.4",
        ] {
            assert_eq!(p.is_match(s), check(s), "{s:?}");
        }
    }

    #[test]
    fn phone_pattern_matches_the_check() {
        let p = regex::Regex::new(&optional_phone_pattern()).unwrap();
        let check = |s: &str| {
            let t = s.trim();
            t.chars().count() <= PHONE_MAX_CHARS
                && t.chars()
                    .all(|c| c.is_ascii_digit() || PHONE_SYMBOLS.contains(c))
        };
        let long = "1".repeat(PHONE_MAX_CHARS);
        let padded = format!(" {long}{}", " ".repeat(30));
        let too_long = format!("{long}2");
        for s in [
            "",
            " ",
            "+7 (495) 123-45-67",
            " 1.2 ",
            "call me",
            "1\t2",
            "1\u{7}",
            "１２",
            &long,
            &padded,
            &too_long,
        ] {
            assert_eq!(p.is_match(s), check(s), "{s:?}");
        }
    }

    /// The published pattern and the check agree (lengths aside, which are `maxLength`).
    #[test]
    fn email_pattern_matches_the_check() {
        let required = regex::Regex::new(EMAIL_PATTERN).unwrap();
        let optional = regex::Regex::new(OPTIONAL_EMAIL_PATTERN).unwrap();
        for s in [
            "a@b.co",
            "first.last+tag@mail.example.org",
            "x_y@sub-domain.example.ru",
            "!#$%&'*+/=?^_`{|}~-@1.2",
            "  padded@example.com ",
            "",
            "a",
            "a@b",
            "@b.co",
            "a@@b.co",
            "a b@c.co",
            "a@-b.co",
            "a@b-.co",
            "a..b@c.co",
            ".a@c.co",
            "a.@c.co",
            "a@b..co",
            "a@.b.co",
            "a@b.co.",
            "ü@b.co",
            "a@bü.co",
            "a@b_c.co",
        ] {
            let trimmed = s.trim();
            assert_eq!(required.is_match(s), is_valid_email(trimmed), "{s:?}");
            let blank_or_valid = trimmed.is_empty() || is_valid_email(trimmed);
            assert_eq!(optional.is_match(s), blank_or_valid, "{s:?}");
        }
    }

    #[test]
    fn hosts_and_urls() {
        assert!(is_valid_host_name("example.com"));
        assert!(is_valid_host_name("xn--80ak6aa92e.com"));
        assert!(!is_valid_host_name("https://example.com"));
        assert!(!is_valid_host_name("exa mple.com"));
        assert!(!is_valid_host_name("-a.com"));
        assert!(is_valid_http_url("https://example.com/path?q=1"));
        assert!(!is_valid_http_url("ftp://example.com"));
        assert!(!is_valid_http_url("example.com"));
        assert!(!is_valid_http_url("javascript:alert(1)"));
    }

    #[test]
    fn text_rules_collect_every_error() {
        let mut e = ValidationErrors::default();
        assert_eq!(required_text(&mut e, "a", "  hi  ", 10), "hi");
        required_text(&mut e, "b", "   ", 10);
        required_text(&mut e, "c", "12345678901", 10);
        assert_eq!(optional_text(&mut e, "d", Some("  "), 10), None);
        assert_eq!(e.fields(), vec!["b", "c"]);
        assert!(e.finish(()).is_err());
    }
}
