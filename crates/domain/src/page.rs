//! Pagination: every list endpoint takes `page` (≥ 1) and `size` (1..=100) and returns
//! `{items, total, page, size}`.

use serde::{Deserialize, Serialize};

use crate::validation::ValidationErrors;

/// Largest page size a client may ask for.
pub const MAX_PAGE_SIZE: u32 = 100;
/// Page size used when the client does not say.
pub const DEFAULT_PAGE_SIZE: u32 = 20;

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PageRequest {
    /// 1-based page number.
    pub page: u32,
    /// Items per page, 1..=100.
    pub size: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            page: 1,
            size: DEFAULT_PAGE_SIZE,
        }
    }
}

impl PageRequest {
    /// Validates raw query values; `None` takes the defaults.
    ///
    /// ```
    /// use seo_domain::PageRequest;
    /// assert_eq!(PageRequest::new(Some(2), Some(50)).unwrap().offset(), 50);
    /// assert!(PageRequest::new(Some(0), None).is_err());
    /// assert!(PageRequest::new(None, Some(101)).is_err());
    /// ```
    pub fn new(page: Option<i64>, size: Option<i64>) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let page = page.unwrap_or(1);
        let size = size.unwrap_or(i64::from(DEFAULT_PAGE_SIZE));
        if !(1..=1_000_000).contains(&page) {
            errors.add("page", "out_of_range", "must be between 1 and 1000000");
        }
        if !(1..=i64::from(MAX_PAGE_SIZE)).contains(&size) {
            errors.add(
                "size",
                "out_of_range",
                format!("must be between 1 and {MAX_PAGE_SIZE}"),
            );
        }
        errors.finish(Self {
            page: u32::try_from(page).unwrap_or(1),
            size: u32::try_from(size).unwrap_or(DEFAULT_PAGE_SIZE),
        })
    }

    /// Rows to skip.
    pub fn offset(&self) -> i64 {
        (i64::from(self.page) - 1) * i64::from(self.size)
    }

    /// Rows to return.
    pub fn limit(&self) -> i64 {
        i64::from(self.size)
    }
}

/// One page of results with the total count of matching rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The rows of this page.
    pub items: Vec<T>,
    /// Count of all rows matching the filters.
    pub total: i64,
    /// 1-based page number.
    pub page: u32,
    /// Requested page size.
    pub size: u32,
}

impl<T> Page<T> {
    /// Builds a page from its rows, the total count and the request.
    pub fn new(items: Vec<T>, total: i64, req: PageRequest) -> Self {
        Self {
            items,
            total,
            page: req.page,
            size: req.size,
        }
    }

    /// Maps the items, keeping the counts.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            page: self.page,
            size: self.size,
        }
    }
}
