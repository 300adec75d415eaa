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
