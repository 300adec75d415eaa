//! Clients of the agency.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::user::validate_email_field;
use crate::validation::{
    ValidationErrors, is_iso_country, is_valid_http_url, optional_text, required_text,
};

/// Largest accepted `metadata` object, serialised.
pub const MAX_METADATA_BYTES: usize = 16 * 1024;

/// A stored client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Client {
    pub id: Uuid,
    pub company_name: String,
    pub industry: Option<String>,
    pub website: Option<String>,
    pub annual_revenue: Option<i64>,
    pub employee_count: Option<i64>,
    pub country: Option<String>,
    pub contact_person: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub metadata: Map<String, Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Client {
    /// The writable fields as they are now (to detect a no-op update).
    pub fn to_draft(&self) -> ClientDraft {
        ClientDraft {
            company_name: self.company_name.clone(),
            industry: self.industry.clone(),
            website: self.website.clone(),
            annual_revenue: self.annual_revenue,
            employee_count: self.employee_count,
            country: self.country.clone(),
            contact_person: self.contact_person.clone(),
            contact_email: self.contact_email.clone(),
            contact_phone: self.contact_phone.clone(),
            metadata: self.metadata.clone(),
        }
    }
}

/// Every writable field of a client: the body of a create or a full `PUT`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientInput {
    /// 1–200 characters once trimmed, no control characters.
    pub company_name: String,
    #[serde(default)]
    pub industry: Option<String>,
    #[serde(default)]
    pub website: Option<String>,
    #[serde(default, deserialize_with = "crate::num::opt_int")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub annual_revenue: Option<i64>,
    #[serde(default, deserialize_with = "crate::num::opt_int")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub employee_count: Option<i64>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub contact_person: Option<String>,
    #[serde(default)]
    pub contact_email: Option<String>,
    #[serde(default)]
    pub contact_phone: Option<String>,
    #[serde(default)]
    pub metadata: Option<Map<String, Value>>,
}

/// A validated, normalised client ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientDraft {
    pub company_name: String,
    pub industry: Option<String>,
    pub website: Option<String>,
    pub annual_revenue: Option<i64>,
    pub employee_count: Option<i64>,
    pub country: Option<String>,
    pub contact_person: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub metadata: Map<String, Value>,
}

impl ClientInput {
    /// Validates and normalises every field (trimmed text, upper-case country).
    ///
    /// ```
    /// use seo_domain::ClientInput;
    /// let ok = ClientInput { company_name: " Acme ".into(), country: Some("ru".into()), ..Default::default() };
    /// let draft = ok.validate().unwrap();
    /// assert_eq!((draft.company_name.as_str(), draft.country.as_deref()), ("Acme", Some("RU")));
    /// let bad = ClientInput { company_name: "".into(), annual_revenue: Some(-1), ..Default::default() };
    /// assert_eq!(bad.validate().unwrap_err().fields(), vec!["company_name", "annual_revenue"]);
    /// ```
    pub fn validate(self) -> Result<ClientDraft, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let company_name = required_text(
            &mut e,
            "company_name",
            &self.company_name,
            crate::validation::NAME_MAX_CHARS,
        );
        let industry = optional_text(
            &mut e,
            "industry",
            self.industry.as_deref(),
            crate::validation::INDUSTRY_MAX_CHARS,
        );
        // The website's length counts surrounding whitespace too (as the schema's maxLength).
        let max_url = crate::validation::URL_MAX_CHARS;
        let website = if self
            .website
            .as_deref()
            .is_some_and(|w| w.chars().count() > max_url)
        {
            e.add(
                "website",
                "too_long",
                format!("must be at most {max_url} characters"),
            );
            None
        } else {
            optional_text(&mut e, "website", self.website.as_deref(), max_url)
        };
        if let Some(w) = &website
            && !is_valid_http_url(w)
        {
            e.add("website", "invalid_url", "must be an absolute http(s) URL");
        }
        if self.annual_revenue.is_some_and(|v| v < 0) {
            e.add("annual_revenue", "out_of_range", "must be zero or more");
        }
        if self.employee_count.is_some_and(|v| v < 0) {
            e.add("employee_count", "out_of_range", "must be zero or more");
        }
        let country = optional_text(&mut e, "country", self.country.as_deref(), 2)
            .map(|c| c.to_ascii_uppercase());
        if let Some(c) = &country
            && !is_iso_country(c)
        {
            e.add(
                "country",
                "invalid_country",
                "must be an ISO 3166-1 alpha-2 code",
            );
        }
        let contact_person = optional_text(
            &mut e,
            "contact_person",
            self.contact_person.as_deref(),
            crate::validation::PERSON_MAX_CHARS,
        );
        let contact_email = self
            .contact_email
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| validate_email_field(&mut e, "contact_email", s));
        let contact_phone = optional_text(
            &mut e,
            "contact_phone",
            self.contact_phone.as_deref(),
            crate::validation::PHONE_MAX_CHARS,
        );
        if let Some(p) = &contact_phone
            && !p
                .chars()
                .all(|c| c.is_ascii_digit() || crate::validation::PHONE_SYMBOLS.contains(c))
        {
            e.add(
                "contact_phone",
                "invalid_phone",
                "may contain only digits, spaces and + - ( ) .",
            );
        }
        let metadata = self.metadata.unwrap_or_default();
        if serde_json::to_vec(&metadata).map_or(usize::MAX, |v| v.len()) > MAX_METADATA_BYTES {
            e.add(
                "metadata",
                "too_large",
                "must be at most 16 KiB when serialised",
            );
        }
        e.finish(ClientDraft {
            company_name,
            industry,
            website,
            annual_revenue: self.annual_revenue,
            employee_count: self.employee_count,
            country,
            contact_person,
            contact_email,
            contact_phone,
            metadata,
        })
    }
}

/// A partial update: absent fields keep their value, `null` clears a nullable field.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientPatch {
    pub company_name: Option<String>,
    #[serde(default, deserialize_with = "crate::double_option")]
    pub industry: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::double_option")]
    pub website: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::num::double_opt_int")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub annual_revenue: Option<Option<i64>>,
    #[serde(default, deserialize_with = "crate::num::double_opt_int")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub employee_count: Option<Option<i64>>,
    #[serde(default, deserialize_with = "crate::double_option")]
    pub country: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::double_option")]
    pub contact_person: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::double_option")]
    pub contact_email: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::double_option")]
    pub contact_phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::double_option")]
    pub metadata: Option<Option<Map<String, Value>>>,
}

impl ClientPatch {
    /// Merges the patch over the current client and validates the result as a whole.
    pub fn apply(self, current: &Client) -> Result<ClientDraft, ValidationErrors> {
        ClientInput {
            company_name: self
                .company_name
                .unwrap_or_else(|| current.company_name.clone()),
            industry: self.industry.unwrap_or_else(|| current.industry.clone()),
            website: self.website.unwrap_or_else(|| current.website.clone()),
            annual_revenue: self.annual_revenue.unwrap_or(current.annual_revenue),
            employee_count: self.employee_count.unwrap_or(current.employee_count),
            country: self.country.unwrap_or_else(|| current.country.clone()),
            contact_person: self
                .contact_person
                .unwrap_or_else(|| current.contact_person.clone()),
            contact_email: self
                .contact_email
                .unwrap_or_else(|| current.contact_email.clone()),
            contact_phone: self
                .contact_phone
                .unwrap_or_else(|| current.contact_phone.clone()),
            metadata: self
                .metadata
                .unwrap_or_else(|| Some(current.metadata.clone())),
        }
        .validate()
    }
}

/// Filters of the client list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClientFilter {
    /// Case-insensitive substring of the industry.
    pub industry: Option<String>,
    /// Exact ISO country code.
    pub country: Option<String>,
    pub min_revenue: Option<i64>,
    pub max_revenue: Option<i64>,
    /// Case-insensitive substring of company name, contact person, contact e-mail or website.
    pub q: Option<String>,
}

/// Aggregates shown by `GET /api/clients/stats/overview`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientStats {
    pub total_clients: i64,
    pub by_industry: Vec<NamedCount>,
    pub by_country: Vec<NamedCount>,
    /// Mean of the known annual revenues; `None` when no client has one.
    pub average_revenue: Option<f64>,
    pub total_employees: i64,
    pub created_last_30_days: i64,
}

/// A label and how many rows carry it (`None` = not set).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NamedCount {
    pub name: Option<String>,
    pub count: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn full_validation_reports_every_field() {
        let input: ClientInput = serde_json::from_value(json!({
            "company_name": "x".repeat(201),
            "website": "not a url",
            "employee_count": -5,
            "country": "ZZ",
            "contact_email": "nobody",
            "contact_phone": "call me"
        }))
        .unwrap();
        let e = input.validate().unwrap_err();
        assert_eq!(
            e.fields(),
            vec![
                "company_name",
                "website",
                "employee_count",
                "country",
                "contact_email",
                "contact_phone"
            ]
        );
    }

    #[test]
    fn metadata_is_capped() {
        let mut m = Map::new();
        m.insert("blob".into(), Value::String("y".repeat(MAX_METADATA_BYTES)));
        let input = ClientInput {
            company_name: "A".into(),
            metadata: Some(m),
            ..Default::default()
        };
        assert_eq!(input.validate().unwrap_err().fields(), vec!["metadata"]);
    }

    #[test]
    fn patch_keeps_clears_and_sets() {
        let now = Utc::now();
        let current = Client {
            id: Uuid::new_v4(),
            company_name: "Acme".into(),
            industry: Some("Retail".into()),
            website: None,
            annual_revenue: Some(10),
            employee_count: None,
            country: Some("DE".into()),
            contact_person: None,
            contact_email: None,
            contact_phone: None,
            metadata: Map::new(),
            created_at: now,
            updated_at: now,
        };
        let patch: ClientPatch =
            serde_json::from_value(json!({"industry": null, "annual_revenue": 20})).unwrap();
        let d = patch.apply(&current).unwrap();
        assert_eq!(d.industry, None);
        assert_eq!(d.annual_revenue, Some(20));
        assert_eq!(d.country.as_deref(), Some("DE"));
        assert_eq!(d.company_name, "Acme");
    }
}
