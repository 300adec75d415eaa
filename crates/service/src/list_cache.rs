//! The hot lists' pages, kept serialised per instance and served while the table's version
//! is unchanged.
//!
//! Every request still reads the table's version from the database (one primary-key
//! lookup; triggers bump it in the transaction of every write, whoever writes), so a page is
//! never older than what the database held when the request arrived — on every instance,
//! with no invalidation message to lose. What the cache saves is the page query, its count,
//! decoding the rows and serialising them.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use seo_domain::{ClientFilter, PageRequest};

use crate::{Service, ServiceError, ServiceResult};

/// Distinct pages (filter, page, size) kept per list; past it the cache starts over.
pub const MAX_ENTRIES: usize = 256;

/// Serialised pages by key, each with the table version it was read under.
#[derive(Debug, Default)]
pub struct ListCache {
    entries: Mutex<HashMap<String, (i64, Bytes)>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl ListCache {
    fn get(&self, key: &str, version: i64) -> Option<Bytes> {
        let found = self
            .entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .filter(|(v, _)| *v == version)
            .map(|(_, b)| b.clone());
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    fn put(&self, key: String, version: i64, body: Bytes) {
        let mut e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if e.len() >= MAX_ENTRIES && !e.contains_key(&key) {
            e.clear();
        }
        // Never replace a page read under a newer version with an older one.
        if e.get(&key).is_none_or(|(v, _)| *v <= version) {
            e.insert(key, (version, body));
        }
    }

    /// Pages served from the cache and pages read from the database, since start-up.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }
}

impl Service {
    /// The client list page as JSON (`{items, total, page, size}`): from this instance's
    /// cache when the clients table has not changed since it was read, else from the
    /// database (and kept).
    pub async fn list_clients_json(
        &self,
        filter: ClientFilter,
        page: PageRequest,
    ) -> ServiceResult<Bytes> {
        let key = format!("{filter:?}|{}|{}", page.page, page.size);
        // Read before the page: the page is then at least as new as this version.
        let version = self.db.clients_version().await?;
        if let Some(body) = self.lists.get(&key, version) {
            return Ok(body);
        }
        let rows = self.db.list_clients(filter, page).await?;
        let body = Bytes::from(
            serde_json::to_vec(&rows).map_err(|e| ServiceError::Internal(e.to_string()))?,
        );
        self.lists.put(key, version, body.clone());
        Ok(body)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_served_only_under_its_version_and_never_downgraded() {
        let c = ListCache::default();
        c.put("k".into(), 3, Bytes::from_static(b"v3"));
        assert_eq!(c.get("k", 3).unwrap(), "v3");
        assert!(c.get("k", 4).is_none(), "a newer version misses");
        c.put("k".into(), 2, Bytes::from_static(b"v2"));
        assert_eq!(
            c.get("k", 3).unwrap(),
            "v3",
            "an older read does not replace a newer one"
        );
        assert_eq!(c.counts(), (2, 1));
        for i in 0..MAX_ENTRIES {
            c.put(format!("k{i}"), 1, Bytes::new());
        }
        assert!(c.entries.lock().unwrap().len() <= MAX_ENTRIES);
    }
}
