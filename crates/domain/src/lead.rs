//! Leads of the sales pipeline: the record, its validation and the stage machine.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::user::validate_email_field;
use crate::validation::{ValidationErrors, is_valid_http_url, optional_text, required_text};

/// Longest free-text note on a lead.
pub const NOTES_MAX_CHARS: usize = 5000;
/// Longest short text field (role, size, budget, timeline, source, reason).
pub const SHORT_MAX_CHARS: usize = 200;
/// Most pain points or goals on one lead.
pub const MAX_LIST_ITEMS: usize = 20;

/// Where a lead stands in the pipeline (ordered along the way to won, lost last).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum LeadStage {
    New,
    Qualified,
    CallPlanned,
    ProposalSent,
    Negotiation,
    Won,
    Lost,
}

/// A stage move the machine does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a lead cannot move from {from} to {to}")]
pub struct IllegalStageMove {
    /// Current stage.
    pub from: &'static str,
    /// Requested stage.
    pub to: &'static str,
}

impl LeadStage {
    /// Every stage, in pipeline order.
    pub const ALL: [LeadStage; 7] = [
        LeadStage::New,
        LeadStage::Qualified,
        LeadStage::CallPlanned,
        LeadStage::ProposalSent,
        LeadStage::Negotiation,
        LeadStage::Won,
        LeadStage::Lost,
    ];

    /// The serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            LeadStage::New => "new",
            LeadStage::Qualified => "qualified",
            LeadStage::CallPlanned => "call_planned",
            LeadStage::ProposalSent => "proposal_sent",
            LeadStage::Negotiation => "negotiation",
            LeadStage::Won => "won",
            LeadStage::Lost => "lost",
        }
    }

    /// Parses a serialised name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Won or lost: no move leaves it.
    pub fn is_closed(self) -> bool {
        matches!(self, LeadStage::Won | LeadStage::Lost)
    }

    /// The stage after this one on the way to won (none for negotiation's two outcomes).
    pub fn next(self) -> Option<LeadStage> {
        match self {
            LeadStage::New => Some(LeadStage::Qualified),
            LeadStage::Qualified => Some(LeadStage::CallPlanned),
            LeadStage::CallPlanned => Some(LeadStage::ProposalSent),
            LeadStage::ProposalSent => Some(LeadStage::Negotiation),
            LeadStage::Negotiation => Some(LeadStage::Won),
            LeadStage::Won | LeadStage::Lost => None,
        }
    }

    /// Checks a move: one step forward, or to lost from any open stage.
    ///
    /// ```
    /// use seo_domain::LeadStage as S;
    /// assert!(S::New.check_move(S::Qualified).is_ok());
    /// assert!(S::Qualified.check_move(S::Lost).is_ok());
    /// assert!(S::New.check_move(S::Won).is_err());
    /// assert!(S::Won.check_move(S::Lost).is_err());
    /// ```
    pub fn check_move(self, to: LeadStage) -> Result<(), IllegalStageMove> {
        let ok = !self.is_closed() && (to == LeadStage::Lost || self.next() == Some(to));
        if ok {
            Ok(())
        } else {
            Err(IllegalStageMove {
                from: self.as_str(),
                to: to.as_str(),
            })
        }
    }
}

/// A stored lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lead {
    pub id: Uuid,
    pub company_name: String,
    pub contact_name: Option<String>,
    pub contact_role: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
    pub industry: Option<String>,
    /// Employees, a number or a range as given (`"50-200"`).
    pub company_size: Option<String>,
    /// Budget as given (`"$5k-$10k/month"`, `"25000"`).
    pub budget_range: Option<String>,
    pub timeline: Option<String>,
    pub pain_points: Vec<String>,
    pub goals: Vec<String>,
    pub source: Option<String>,
    pub notes: Option<String>,
    /// The user who works the lead.
    pub owner_id: Option<Uuid>,
    pub stage: LeadStage,
    /// Why it was lost (set with the move to `lost`).
    pub lost_reason: Option<String>,
    /// Score of the latest qualification, 0–100.
    pub score: Option<f64>,
    /// Class of the latest qualification: hot, warm, cold, mql or unqualified.
    pub classification: Option<String>,
    /// The client the lead became (set when it is won).
    pub client_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Every writable field of a lead: the body of a create.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadInput {
    /// 1–200 characters once trimmed, no control characters.
    pub company_name: String,
    #[serde(default)]
    pub contact_name: Option<String>,
    #[serde(default)]
    pub contact_role: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub website: Option<String>,
    #[serde(default)]
    pub industry: Option<String>,
    /// Employees: a number or a range as text (`"50-200"`).
    #[serde(default, deserialize_with = "crate::num::opt_num_or_text")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub company_size: Option<String>,
    /// Budget: a number or text (`"$5k-$10k/month"`).
    #[serde(default, deserialize_with = "crate::num::opt_num_or_text")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub budget_range: Option<String>,
    #[serde(default)]
    pub timeline: Option<String>,
    /// At most 20, each 1–200 characters.
    #[serde(default)]
    pub pain_points: Vec<String>,
    /// At most 20, each 1–200 characters.
    #[serde(default)]
    pub goals: Vec<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub owner_id: Option<Uuid>,
}

/// A validated lead ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadDraft {
    pub company_name: String,
    pub contact_name: Option<String>,
    pub contact_role: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
    pub industry: Option<String>,
    pub company_size: Option<String>,
    pub budget_range: Option<String>,
    pub timeline: Option<String>,
    pub pain_points: Vec<String>,
    pub goals: Vec<String>,
    pub source: Option<String>,
    pub notes: Option<String>,
    pub owner_id: Option<Uuid>,
}

fn text_list(e: &mut ValidationErrors, field: &str, items: &[String]) -> Vec<String> {
    if items.len() > MAX_LIST_ITEMS {
        e.add(
            field,
            "too_many",
            format!("must have at most {MAX_LIST_ITEMS} items"),
        );
        return Vec::new();
    }
    items
        .iter()
        .filter_map(|s| optional_text(e, field, Some(s), SHORT_MAX_CHARS))
        .collect()
}

impl LeadInput {
    /// Validates and normalises every field (trimmed text; blank optional text is absent).
    ///
    /// ```
    /// use seo_domain::LeadInput;
    /// let bad = LeadInput { company_name: " ".into(), email: Some("x".into()), ..Default::default() };
    /// assert_eq!(bad.validate().unwrap_err().fields(), vec!["company_name", "email"]);
    /// ```
    pub fn validate(self) -> Result<LeadDraft, ValidationErrors> {
        use crate::validation::{NAME_MAX_CHARS, PERSON_MAX_CHARS, PHONE_MAX_CHARS, URL_MAX_CHARS};
        let mut e = ValidationErrors::default();
        let company_name =
            required_text(&mut e, "company_name", &self.company_name, NAME_MAX_CHARS);
        let contact_name = optional_text(
            &mut e,
            "contact_name",
            self.contact_name.as_deref(),
            PERSON_MAX_CHARS,
        );
        let contact_role = optional_text(
            &mut e,
            "contact_role",
            self.contact_role.as_deref(),
            SHORT_MAX_CHARS,
        );
        let email = self
            .email
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| validate_email_field(&mut e, "email", s));
        let phone = optional_text(&mut e, "phone", self.phone.as_deref(), PHONE_MAX_CHARS);
        if let Some(p) = &phone
            && !p
                .chars()
                .all(|c| c.is_ascii_digit() || crate::validation::PHONE_SYMBOLS.contains(c))
        {
            e.add(
                "phone",
                "invalid_phone",
                "may contain only digits, spaces and + - ( ) .",
            );
        }
        let website = if self
            .website
            .as_deref()
            .is_some_and(|w| w.chars().count() > URL_MAX_CHARS)
        {
            e.add(
                "website",
                "too_long",
                format!("must be at most {URL_MAX_CHARS} characters"),
            );
            None
        } else {
            optional_text(&mut e, "website", self.website.as_deref(), URL_MAX_CHARS)
        };
        if let Some(w) = &website
            && !is_valid_http_url(w)
        {
            e.add("website", "invalid_url", "must be an absolute http(s) URL");
        }
        let industry = optional_text(
            &mut e,
            "industry",
            self.industry.as_deref(),
            crate::validation::INDUSTRY_MAX_CHARS,
        );
        let short = |e: &mut ValidationErrors, f: &str, v: Option<&str>| {
            optional_text(e, f, v, SHORT_MAX_CHARS)
        };
        let company_size = short(&mut e, "company_size", self.company_size.as_deref());
        let budget_range = short(&mut e, "budget_range", self.budget_range.as_deref());
        let timeline = short(&mut e, "timeline", self.timeline.as_deref());
        let pain_points = text_list(&mut e, "pain_points", &self.pain_points);
        let goals = text_list(&mut e, "goals", &self.goals);
        let source = short(&mut e, "source", self.source.as_deref());
        let notes = optional_text(&mut e, "notes", self.notes.as_deref(), NOTES_MAX_CHARS);
        e.finish(LeadDraft {
            company_name,
            contact_name,
            contact_role,
            email,
            phone,
            website,
            industry,
            company_size,
            budget_range,
            timeline,
            pain_points,
            goals,
            source,
            notes,
            owner_id: self.owner_id,
        })
    }
}

/// A partial update: absent fields keep their value, `null` clears a nullable field. The
/// stage moves only through its own route; score and classification come from
/// qualification.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadPatch {
    pub company_name: Option<String>,
    #[serde(default, deserialize_with = "crate::double_option")]
    pub contact_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::double_option")]
    pub contact_role: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::double_option")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::double_option")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::double_option")]
    pub website: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::double_option")]
    pub industry: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::num::double_opt_num_or_text")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub company_size: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::num::double_opt_num_or_text")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub budget_range: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::double_option")]
    pub timeline: Option<Option<String>>,
    pub pain_points: Option<Vec<String>>,
    pub goals: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::double_option")]
    pub source: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::double_option")]
    pub notes: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::double_option")]
    pub owner_id: Option<Option<Uuid>>,
}

impl LeadPatch {
    /// Merges the patch over the current lead and validates the result as a whole.
    pub fn apply(self, c: &Lead) -> Result<LeadDraft, ValidationErrors> {
        LeadInput {
            company_name: self.company_name.unwrap_or_else(|| c.company_name.clone()),
            contact_name: self.contact_name.unwrap_or_else(|| c.contact_name.clone()),
            contact_role: self.contact_role.unwrap_or_else(|| c.contact_role.clone()),
            email: self.email.unwrap_or_else(|| c.email.clone()),
            phone: self.phone.unwrap_or_else(|| c.phone.clone()),
            website: self.website.unwrap_or_else(|| c.website.clone()),
            industry: self.industry.unwrap_or_else(|| c.industry.clone()),
            company_size: self.company_size.unwrap_or_else(|| c.company_size.clone()),
            budget_range: self.budget_range.unwrap_or_else(|| c.budget_range.clone()),
            timeline: self.timeline.unwrap_or_else(|| c.timeline.clone()),
            pain_points: self.pain_points.unwrap_or_else(|| c.pain_points.clone()),
            goals: self.goals.unwrap_or_else(|| c.goals.clone()),
            source: self.source.unwrap_or_else(|| c.source.clone()),
            notes: self.notes.unwrap_or_else(|| c.notes.clone()),
            owner_id: self.owner_id.unwrap_or(c.owner_id),
        }
        .validate()
    }
}

/// Body of `POST /api/leads/{id}/stage`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageMove {
    /// The stage to move to.
    pub stage: LeadStage,
    /// Why (required for `lost`, at most 200 characters).
    #[serde(default)]
    pub reason: Option<String>,
}

/// One recorded stage move.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageChange {
    pub id: Uuid,
    pub lead_id: Uuid,
    /// `None` for the creation.
    pub from_stage: Option<LeadStage>,
    pub to_stage: LeadStage,
    pub reason: Option<String>,
    /// Who moved it (`None`: the pipeline itself, e.g. a qualification).
    pub user_id: Option<Uuid>,
    pub username: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Filters of the lead list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LeadFilter {
    pub stage: Option<LeadStage>,
    pub classification: Option<String>,
    pub owner_id: Option<Uuid>,
    /// Case-insensitive substring of company, contact, e-mail or website.
    pub q: Option<String>,
}

/// What a finished qualification writes on its lead.
#[derive(Debug, Clone, PartialEq)]
pub struct Qualification {
    pub lead_id: Uuid,
    pub score: f64,
    pub classification: String,
    /// Classes that move a `new` lead to `qualified`.
    pub qualifies: bool,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use LeadStage as S;

    #[test]
    fn every_legal_and_illegal_move() {
        for from in S::ALL {
            for to in S::ALL {
                let legal = match (from, to) {
                    (S::Won | S::Lost, _) => false,
                    (_, S::Lost) => true,
                    _ => from.next() == Some(to),
                };
                assert_eq!(from.check_move(to).is_ok(), legal, "{from:?} → {to:?}");
            }
        }
    }

    #[test]
    fn lists_are_bounded_and_trimmed() {
        let input = LeadInput {
            company_name: "Acme".into(),
            pain_points: vec!["  slow site ".into(), " ".into()],
            goals: vec!["g".into(); 21],
            ..Default::default()
        };
        assert_eq!(input.validate().unwrap_err().fields(), vec!["goals"]);
        let ok = LeadInput {
            company_name: "Acme".into(),
            pain_points: vec!["  slow site ".into(), " ".into()],
            ..Default::default()
        }
        .validate()
        .unwrap();
        assert_eq!(ok.pain_points, vec!["slow site".to_string()]);
    }
}
