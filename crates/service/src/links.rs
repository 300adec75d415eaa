//! The disavow file of a client: the links and domains its newest `link_building` result
//! marks toxic, in Google's format, less what an operator excluded.

use seo_domain::ExclusionInput;
use seo_persistence::DisavowExclusion;
use serde_json::Value;
use uuid::Uuid;

use crate::Service;
use crate::error::{ServiceError, ServiceResult};

/// Most lines of a disavow file (Google's limit).
pub const MAX_LINES: usize = 100_000;
/// Largest disavow file in bytes (Google's limit).
pub const MAX_BYTES: usize = 2 * 1024 * 1024;
/// Longest URL a disavow line may hold.
pub const MAX_URL_CHARS: usize = 2048;

/// A rendered disavow file.
#[derive(Debug, Clone, PartialEq)]
pub struct DisavowFile {
    /// The file (UTF-8, `\n` line ends).
    pub text: String,
    /// `disavow-<client>.txt`.
    pub file_name: String,
}

/// An entry as it is written: `domain:` lower-cased, URLs as given.
fn normalise(entry: &str) -> ServiceResult<String> {
    let e = entry.trim();
    if let Some(host) = e.strip_prefix("domain:") {
        let h = host.trim().trim_end_matches('.').to_ascii_lowercase();
        if !seo_domain::validation::is_valid_host_name(&h) {
            return Err(ServiceError::invalid(
                "entry",
                "invalid_domain",
                "domain: must name a host, e.g. domain:example.com",
            ));
        }
        return Ok(format!("domain:{h}"));
    }
    if e.chars().count() > MAX_URL_CHARS {
        return Err(ServiceError::invalid(
            "entry",
            "too_long",
            format!("a URL may have at most {MAX_URL_CHARS} characters"),
        ));
    }
    if !seo_domain::validation::is_valid_http_url(e) {
        return Err(ServiceError::invalid(
            "entry",
            "invalid_entry",
            "must be domain:<host> or an absolute http(s) URL",
        ));
    }
    Ok(e.to_string())
}

impl Service {
    /// Keeps `entry` out of the client's disavow file (the same entry again: `false`, the
    /// stored one).
    pub async fn exclude_from_disavow(
        &self,
        client_id: Uuid,
        input: ExclusionInput,
        by: Option<Uuid>,
    ) -> ServiceResult<(DisavowExclusion, bool)> {
        let entry = normalise(&input.entry)?;
        let reason = input
            .reason
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty());
        if reason.as_deref().is_some_and(|r| r.chars().count() > 500) {
            return Err(ServiceError::invalid(
                "reason",
                "too_long",
                "must be at most 500 characters",
            ));
        }
        self.db.get_client(client_id).await?;
        Ok(self
            .db
            .add_disavow_exclusion(client_id, entry, reason, by)
            .await?)
    }

    /// A client's exclusions, oldest first.
    pub async fn disavow_exclusions(
        &self,
        client_id: Uuid,
    ) -> ServiceResult<Vec<DisavowExclusion>> {
        self.db.get_client(client_id).await?;
        Ok(self.db.disavow_exclusions(client_id).await?)
    }

    /// The client's disavow file from its newest `link_building` result. A client without one
    /// gets a valid file of comments only: nothing has been found toxic yet.
    pub async fn disavow_file(&self, client_id: Uuid) -> ServiceResult<DisavowFile> {
        let client = self.db.get_client(client_id).await?;
        let task = self
            .db
            .recent_completed_tasks("link_building", None, Some(client_id), None, None, 1)
            .await?
            .into_iter()
            .next();
        let out = task
            .as_ref()
            .and_then(|t| t.output.clone())
            .unwrap_or(Value::Null);
        let excluded: Vec<String> = self
            .db
            .disavow_exclusions(client_id)
            .await?
            .into_iter()
            .map(|e| e.entry)
            .collect();
        let profile = out.get("profile").cloned().unwrap_or(Value::Null);
        let domains: Vec<String> = profile
            .get("toxic_domains")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(|d| format!("domain:{}", d.to_ascii_lowercase()))
                    .collect()
            })
            .unwrap_or_default();
        let mut lines = vec![
            format!(
                "# Disavow file for {}",
                client.company_name.replace(['\n', '\r'], " ")
            ),
            match &task {
                Some(task) => format!(
                    "# From link_building task {} ({})",
                    task.id,
                    task.finished_at.map(|t| t.to_rfc3339()).unwrap_or_default()
                ),
                None => {
                    "# No link_building analysis for this client yet: nothing to disavow".into()
                }
            },
        ];
        let mut written: Vec<String> = Vec::new();
        let (mut skipped_long, mut dropped) = (0usize, 0usize);
        for d in &domains {
            if !excluded.contains(d) {
                written.push(d.clone());
            }
        }
        let whole: Vec<&str> = domains
            .iter()
            .filter_map(|d| d.strip_prefix("domain:"))
            .collect();
        for l in profile
            .get("toxic_links")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let (Some(url), domain) = (
                l.get("source_url").and_then(Value::as_str),
                l.get("domain").and_then(Value::as_str),
            ) else {
                continue;
            };
            if domain.is_some_and(|d| whole.contains(&d)) || excluded.iter().any(|e| e == url) {
                continue;
            }
            if url.chars().count() > MAX_URL_CHARS || url.contains(['\n', '\r']) {
                skipped_long += 1;
                continue;
            }
            written.push(url.to_string());
        }
        written.dedup();
        lines.push(format!("# {} entr(ies); {} excluded by an operator; {} URL(s) over {MAX_URL_CHARS} characters left out", written.len(), excluded.len(), skipped_long));
        let mut bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
        for w in written {
            if lines.len() >= MAX_LINES || bytes + w.len() + 1 > MAX_BYTES {
                dropped += 1;
                continue;
            }
            bytes += w.len() + 1;
            lines.push(w);
        }
        if dropped > 0 {
            tracing::warn!(client_id = %client_id, dropped, "disavow file limits reached");
        }
        let slug: String = client
            .company_name
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect::<String>()
            .split('-')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        let mut text = lines.join("\n");
        text.push('\n');
        Ok(DisavowFile {
            text,
            file_name: format!(
                "disavow-{}.txt",
                if slug.is_empty() {
                    "client".into()
                } else {
                    slug
                }
            ),
        })
    }
}
