//! The sales agents: `sales_conversation`, `business_development_director`,
//! `sales_operations_manager`, `client_success_manager` and `task_coordination`.

pub mod conversation;
pub mod coordination;
pub mod director;
pub mod operations;
pub mod success;

pub use conversation::{ConversationConfig, SalesConversation};
pub use coordination::{CoordinationConfig, TaskCoordination};
pub use director::{BusinessDevelopmentDirector, DirectorConfig};
pub use operations::{OperationsConfig, SalesOperationsManager};
pub use success::{ClientSuccessManager, SuccessConfig};

/// Case-folded text (Unicode lower case), for phrase matching in any language.
pub(crate) fn fold(s: &str) -> String {
    s.to_lowercase()
}

/// `ru` when most letters are Cyrillic, else `en`.
pub(crate) fn language_of(text: &str) -> &'static str {
    let (mut cyr, mut letters) = (0usize, 0usize);
    for ch in text.chars().filter(|c| c.is_alphabetic()) {
        letters += 1;
        if ('\u{0400}'..='\u{04FF}').contains(&ch) {
            cyr += 1;
        }
    }
    if letters > 0 && cyr * 2 > letters {
        "ru"
    } else {
        "en"
    }
}

/// The Russian text for `ru` (when it has one), else the English.
pub(crate) fn text_for(lang: &str, en: &str, ru: &str) -> String {
    if lang == "ru" && !ru.is_empty() {
        ru
    } else {
        en
    }
    .to_string()
}

/// Rounded to 2 decimals.
pub(crate) fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// `a / b` as a fraction (0 when `b` is 0).
pub(crate) fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        seo_domain::num::f64_of(a) / seo_domain::num::f64_of(b)
    }
}
