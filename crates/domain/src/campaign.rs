//! Campaigns and their lifecycle.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::validation::{ValidationErrors, is_valid_host_name, required_text};

/// The kind of work a campaign is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CampaignType {
    SeoAudit,
    TechnicalSeo,
    Content,
    LinkBuilding,
    LocalSeo,
    FullService,
}

impl CampaignType {
    /// Every type.
    pub const ALL: [CampaignType; 6] = [
        CampaignType::SeoAudit,
        CampaignType::TechnicalSeo,
        CampaignType::Content,
        CampaignType::LinkBuilding,
        CampaignType::LocalSeo,
        CampaignType::FullService,
    ];

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignType::SeoAudit => "seo_audit",
            CampaignType::TechnicalSeo => "technical_seo",
            CampaignType::Content => "content",
            CampaignType::LinkBuilding => "link_building",
            CampaignType::LocalSeo => "local_seo",
            CampaignType::FullService => "full_service",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// Where a campaign is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CampaignStatus {
    Draft,
    Active,
    Paused,
    Completed,
    Cancelled,
}

/// A lifecycle command (`POST /api/campaigns/{id}/<action>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignAction {
    Start,
    Pause,
    Resume,
    Complete,
    Cancel,
}

impl CampaignAction {
    /// The path segment and log name.
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignAction::Start => "start",
            CampaignAction::Pause => "pause",
            CampaignAction::Resume => "resume",
            CampaignAction::Complete => "complete",
            CampaignAction::Cancel => "cancel",
        }
    }
}

/// An action that is not allowed from the current status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot {} a campaign that is {}", action.as_str(), from.as_str())]
pub struct IllegalCampaignTransition {
    pub from: CampaignStatus,
    pub action: CampaignAction,
}

impl CampaignStatus {
    /// Every status.
    pub const ALL: [CampaignStatus; 5] = [
        CampaignStatus::Draft,
        CampaignStatus::Active,
        CampaignStatus::Paused,
        CampaignStatus::Completed,
        CampaignStatus::Cancelled,
    ];

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignStatus::Draft => "draft",
            CampaignStatus::Active => "active",
            CampaignStatus::Paused => "paused",
            CampaignStatus::Completed => "completed",
            CampaignStatus::Cancelled => "cancelled",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The status an action leads to, or why it is illegal.
    ///
    /// ```
    /// use seo_domain::{CampaignAction::*, CampaignStatus::*};
    /// assert_eq!(Draft.apply(Start), Ok(Active));
    /// assert!(Draft.apply(Pause).is_err());
    /// ```
    pub fn apply(
        self,
        action: CampaignAction,
    ) -> Result<CampaignStatus, IllegalCampaignTransition> {
        use CampaignAction as A;
        use CampaignStatus as S;
        match (self, action) {
            (S::Draft, A::Start) => Ok(S::Active),
            (S::Active, A::Pause) => Ok(S::Paused),
            (S::Paused, A::Resume) => Ok(S::Active),
            (S::Active | S::Paused, A::Complete) => Ok(S::Completed),
            (S::Draft | S::Active | S::Paused, A::Cancel) => Ok(S::Cancelled),
            (from, action) => Err(IllegalCampaignTransition { from, action }),
        }
    }

    /// Completed and cancelled campaigns never change again.
    pub fn is_terminal(self) -> bool {
        matches!(self, CampaignStatus::Completed | CampaignStatus::Cancelled)
    }

    /// A client with a campaign in one of these statuses cannot be deleted.
    pub fn blocks_client_delete(self) -> bool {
        matches!(self, CampaignStatus::Draft | CampaignStatus::Active)
    }
}

/// A stored campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Campaign {
    pub id: Uuid,
    pub client_id: Uuid,
    pub name: String,
    pub campaign_type: CampaignType,
    pub status: CampaignStatus,
    pub domain: Option<String>,
    pub keywords: Vec<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub budget: Option<f64>,
    pub objectives: Vec<String>,
    pub config: Map<String, Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Campaign {
    /// The writable fields as they are now (to detect a no-op update).
    pub fn to_draft(&self) -> CampaignDraft {
        CampaignDraft {
            client_id: self.client_id,
            name: self.name.clone(),
            campaign_type: self.campaign_type,
            domain: self.domain.clone(),
            keywords: self.keywords.clone(),
            start_date: self.start_date,
            end_date: self.end_date,
            budget: self.budget,
            objectives: self.objectives.clone(),
            config: self.config.clone(),
        }
    }
}

/// Most keywords a campaign may track.
pub const MAX_KEYWORDS: usize = 500;
/// Most characters in one keyword.
pub const KEYWORD_MAX_CHARS: usize = 200;
/// Most objectives a campaign holds.
pub const MAX_OBJECTIVES: usize = 100;
/// Most characters in one objective.
pub const OBJECTIVE_MAX_CHARS: usize = 500;

/// Every writable field of a campaign (create or full `PUT`). Status changes go through
/// [`CampaignAction`]s, never through this input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignInput {
    pub client_id: Uuid,
    /// 1–200 characters once trimmed, no control characters.
    pub name: String,
    pub campaign_type: CampaignType,
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub keywords: Option<Vec<String>>,
    #[serde(default)]
    pub start_date: Option<NaiveDate>,
    #[serde(default)]
    pub end_date: Option<NaiveDate>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 0.0, maximum = 1e15))]
    pub budget: Option<f64>,
    #[serde(default)]
    pub objectives: Option<Vec<String>>,
    #[serde(default)]
    pub config: Option<Map<String, Value>>,
}

/// A validated campaign ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignDraft {
    pub client_id: Uuid,
    pub name: String,
    pub campaign_type: CampaignType,
    pub domain: Option<String>,
    pub keywords: Vec<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub budget: Option<f64>,
    pub objectives: Vec<String>,
    pub config: Map<String, Value>,
}

fn string_list(
    e: &mut ValidationErrors,
    field: &str,
    items: Vec<String>,
    max_items: usize,
    max_len: usize,
) -> Vec<String> {
    if items.len() > max_items {
        e.add(
            field,
            "too_many",
            format!("must hold at most {max_items} items"),
        );
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let v = required_text(e, &format!("{field}[{i}]"), &item, max_len);
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

impl CampaignInput {
    /// Validates and normalises (lower-case domain, trimmed and de-duplicated lists).
    pub fn validate(self) -> Result<CampaignDraft, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let name = required_text(
            &mut e,
            "name",
            &self.name,
            crate::validation::NAME_MAX_CHARS,
        );
        let domain = self
            .domain
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(|d| {
                let d = d.trim_end_matches('.').to_ascii_lowercase();
                if !is_valid_host_name(&d) {
                    e.add(
                        "domain",
                        "invalid_host",
                        "must be a host name such as example.com (no scheme or path)",
                    );
                }
                d
            });
        let keywords = string_list(
            &mut e,
            "keywords",
            self.keywords.unwrap_or_default(),
            MAX_KEYWORDS,
            KEYWORD_MAX_CHARS,
        );
        let objectives = string_list(
            &mut e,
            "objectives",
            self.objectives.unwrap_or_default(),
            MAX_OBJECTIVES,
            OBJECTIVE_MAX_CHARS,
        );
        if let (Some(s), Some(end)) = (self.start_date, self.end_date)
            && end < s
        {
            e.add("end_date", "before_start", "must not be before start_date");
        }
        if let Some(b) = self.budget
            && (!b.is_finite() || !(0.0..=1e15).contains(&b))
        {
            e.add("budget", "out_of_range", "must be a number from 0 to 1e15");
        }
        let config = self.config.unwrap_or_default();
        if serde_json::to_vec(&config).map_or(usize::MAX, |v| v.len())
            > crate::client::MAX_METADATA_BYTES
        {
            e.add(
                "config",
                "too_large",
                "must be at most 16 KiB when serialised",
            );
        }
        e.finish(CampaignDraft {
            client_id: self.client_id,
            name,
            campaign_type: self.campaign_type,
            domain,
            keywords,
            start_date: self.start_date,
            end_date: self.end_date,
            budget: self.budget,
            objectives,
            config,
        })
    }
}

/// A partial update of a campaign; `null` clears a nullable field.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignPatch {
    pub client_id: Option<Uuid>,
    pub name: Option<String>,
    pub campaign_type: Option<CampaignType>,
    #[serde(default, deserialize_with = "crate::double_option")]
    pub domain: Option<Option<String>>,
    pub keywords: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::double_option")]
    pub start_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::double_option")]
    pub end_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::double_option")]
    pub budget: Option<Option<f64>>,
    pub objectives: Option<Vec<String>>,
    pub config: Option<Map<String, Value>>,
}

impl CampaignPatch {
    /// Merges over the current campaign and validates the whole.
    pub fn apply(self, c: &Campaign) -> Result<CampaignDraft, ValidationErrors> {
        CampaignInput {
            client_id: self.client_id.unwrap_or(c.client_id),
            name: self.name.unwrap_or_else(|| c.name.clone()),
            campaign_type: self.campaign_type.unwrap_or(c.campaign_type),
            domain: self.domain.unwrap_or_else(|| c.domain.clone()),
            keywords: Some(self.keywords.unwrap_or_else(|| c.keywords.clone())),
            start_date: self.start_date.unwrap_or(c.start_date),
            end_date: self.end_date.unwrap_or(c.end_date),
            budget: self.budget.unwrap_or(c.budget),
            objectives: Some(self.objectives.unwrap_or_else(|| c.objectives.clone())),
            config: Some(self.config.unwrap_or_else(|| c.config.clone())),
        }
        .validate()
    }
}

/// Filters of the campaign list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CampaignFilter {
    pub status: Option<CampaignStatus>,
    pub client_id: Option<Uuid>,
    /// Exact host name (case-insensitive).
    pub domain: Option<String>,
}

/// Aggregates shown by `GET /api/campaigns/stats/summary`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignStats {
    pub total_campaigns: i64,
    /// Count per status, every status present (zero when none).
    pub status_breakdown: std::collections::BTreeMap<String, i64>,
    /// Count per campaign type, only types in use.
    pub type_breakdown: std::collections::BTreeMap<String, i64>,
    /// Sum of known budgets.
    pub total_budget: f64,
    /// Sum of budgets of active campaigns.
    pub active_budget: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use CampaignAction as A;
    use CampaignStatus as S;

    #[test]
    fn every_transition_is_decided() {
        let legal = [
            (S::Draft, A::Start, S::Active),
            (S::Active, A::Pause, S::Paused),
            (S::Paused, A::Resume, S::Active),
            (S::Active, A::Complete, S::Completed),
            (S::Paused, A::Complete, S::Completed),
            (S::Draft, A::Cancel, S::Cancelled),
            (S::Active, A::Cancel, S::Cancelled),
            (S::Paused, A::Cancel, S::Cancelled),
        ];
        for from in S::ALL {
            for action in [A::Start, A::Pause, A::Resume, A::Complete, A::Cancel] {
                let expected = legal
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|(_, _, to)| *to);
                assert_eq!(from.apply(action).ok(), expected, "{from:?} {action:?}");
            }
        }
        assert!(
            S::Completed.is_terminal() && S::Cancelled.is_terminal() && !S::Paused.is_terminal()
        );
    }

    fn input() -> CampaignInput {
        CampaignInput {
            client_id: Uuid::nil(),
            name: "Spring".into(),
            campaign_type: CampaignType::SeoAudit,
            domain: Some("Example.COM.".into()),
            keywords: Some(vec![" seo ".into(), "seo".into(), "audit".into()]),
            start_date: NaiveDate::from_ymd_opt(2026, 1, 10),
            end_date: NaiveDate::from_ymd_opt(2026, 1, 1),
            budget: Some(-1.0),
            objectives: None,
            config: None,
        }
    }

    #[test]
    fn validation_normalises_and_reports() {
        let e = input().validate().unwrap_err();
        assert_eq!(e.fields(), vec!["end_date", "budget"]);
        let mut ok = input();
        ok.end_date = None;
        ok.budget = Some(1000.0);
        let d = ok.validate().unwrap();
        assert_eq!(d.domain.as_deref(), Some("example.com"));
        assert_eq!(d.keywords, vec!["seo", "audit"]);
        let mut bad = input();
        bad.domain = Some("https://example.com/x".into());
        bad.keywords = Some(vec!["k".into(); MAX_KEYWORDS + 1]);
        let e = bad.validate().unwrap_err();
        assert_eq!(&e.fields()[..2], &["domain", "keywords"]);
    }
}
