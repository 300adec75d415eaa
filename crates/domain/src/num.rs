//! Numeric conversions, with their invariants stated once so the rest of the code needs no
//! `as` (the workspace denies `as_conversions`).
#![allow(clippy::as_conversions, clippy::cast_precision_loss)]

/// A count, size or amount as `f64`. Exact up to 2^53 (about 9·10^15); the counts, byte
/// sizes and sums of money this product handles are far below.
///
/// ```
/// assert_eq!(seo_domain::num::f64_of(3_usize), 3.0);
/// assert_eq!(seo_domain::num::f64_of(-2_i64), -2.0);
/// ```
pub fn f64_of<N: IntoF64>(n: N) -> f64 {
    n.into_f64()
}

/// Integers [`f64_of`] accepts.
pub trait IntoF64 {
    /// The value as `f64`.
    fn into_f64(self) -> f64;
}

macro_rules! into_f64 {
    ($($t:ty),*) => {$(
        impl IntoF64 for $t {
            fn into_f64(self) -> f64 {
                self as f64
            }
        }
    )*};
}
into_f64!(usize, u64, i64, u32, i32);

/// `x` rounded toward zero into `usize`, saturating; NaN and negatives give 0.
///
/// ```
/// assert_eq!(seo_domain::num::usize_of(2.9), 2);
/// assert_eq!(seo_domain::num::usize_of(f64::NAN), 0);
/// assert_eq!(seo_domain::num::usize_of(-1.0), 0);
/// ```
pub fn usize_of(x: f64) -> usize {
    // `as` from f64 saturates and maps NaN to 0 (defined since Rust 1.45).
    x as usize
}

/// `x` rounded toward zero into `u64`, saturating; NaN and negatives give 0.
pub fn u64_of(x: f64) -> u64 {
    x as u64
}

/// Deserialises an optional integer that may arrive as an integral JSON float (`5.0`): JSON
/// Schema counts `5.0` as an integer, so a client generated from our schema may send it.
/// A fraction, or a value out of `T`'s range, is an error naming the value.
pub fn opt_int<'de, D, T>(de: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64>,
{
    use serde::Deserialize;
    use serde::de::Error;
    let Some(n) = Option::<serde_json::Number>::deserialize(de)? else {
        return Ok(None);
    };
    let whole = match (n.as_i64(), n.as_f64()) {
        (Some(i), _) => i,
        // Within ±2^53 every integral f64 is exact, and converts without loss.
        (None, Some(f)) if f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 => f as i64,
        _ => {
            return Err(D::Error::custom(format!(
                "expected a whole number, found {n}"
            )));
        }
    };
    T::try_from(whole)
        .map(Some)
        .map_err(|_| D::Error::custom(format!("{whole} is out of range")))
}

/// [`opt_int`] for a PATCH field, where absent (outer `None`) and `null` (`Some(None)`)
/// differ; use with `#[serde(default)]`.
pub fn double_opt_int<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64>,
{
    opt_int(de).map(Some)
}

/// Deserialises optional text that may arrive as a JSON number (a lead's `company_size`:
/// `250` or `"50-200"`); a number is kept as its JSON text.
pub fn opt_num_or_text<'de, D>(de: D) -> Result<Option<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::Deserialize;
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumOrText {
        Number(serde_json::Number),
        Text(String),
    }
    Ok(Option::<NumOrText>::deserialize(de)?.map(|v| match v {
        NumOrText::Number(n) => n.to_string(),
        NumOrText::Text(t) => t,
    }))
}

/// [`opt_num_or_text`] for a PATCH field (absent vs `null`); use with `#[serde(default)]`.
pub fn double_opt_num_or_text<'de, D>(de: D) -> Result<Option<Option<String>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    opt_num_or_text(de).map(Some)
}

/// The sum of `f64`s, starting from `+0.0`.
///
/// `Iterator::sum` over `f64` starts from `-0.0` (IEEE: the empty sum is negative zero), which
/// a report would print as `-0`; this one gives `0` for nothing, and the same as `sum`
/// otherwise.
///
/// ```
/// use seo_domain::num::Total;
/// assert_eq!(Vec::<f64>::new().iter().total().to_string(), "0");
/// assert_eq!([1.5, 2.0].iter().total(), 3.5);
/// ```
pub trait Total {
    /// The sum.
    fn total(self) -> f64;
}

impl<I> Total for I
where
    I: Iterator,
    I::Item: std::borrow::Borrow<f64>,
{
    fn total(self) -> f64 {
        self.fold(0.0, |acc, v| acc + *std::borrow::Borrow::<f64>::borrow(&v))
    }
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize)]
    struct T {
        #[serde(default, deserialize_with = "super::opt_int")]
        n: Option<i32>,
    }

    #[test]
    fn integral_floats_are_integers() {
        let read = |s: &str| serde_json::from_str::<T>(s).map(|t| t.n);
        assert_eq!(read(r#"{"n": 5}"#).unwrap(), Some(5));
        assert_eq!(read(r#"{"n": 48894.0}"#).unwrap(), Some(48894));
        assert_eq!(read(r#"{"n": null}"#).unwrap(), None);
        assert_eq!(read(r#"{}"#).unwrap(), None);
        assert!(read(r#"{"n": 1.5}"#).is_err());
        assert!(read(r#"{"n": 1e12}"#).is_err(), "out of i32 range");
        assert!(read(r#"{"n": "5"}"#).is_err());
    }

    #[test]
    fn patch_integers_keep_absent_and_null_apart() {
        #[derive(serde::Deserialize)]
        struct P {
            #[serde(default, deserialize_with = "super::double_opt_int")]
            n: Option<Option<i64>>,
        }
        let read = |s: &str| serde_json::from_str::<P>(s).map(|p| p.n);
        assert_eq!(read(r#"{}"#).unwrap(), None);
        assert_eq!(read(r#"{"n": null}"#).unwrap(), Some(None));
        assert_eq!(read(r#"{"n": 7.0}"#).unwrap(), Some(Some(7)));
        assert!(read(r#"{"n": 7.5}"#).is_err());
    }
}
