//! What the generated document cannot say by itself, stated after generation from the
//! validators' own constants and tables: list item rules, field patterns, nullable formats
//! split for generators, and a campaign's `config.audit` overrides.

use serde_json::Value;

/// The campaign lists' item rules, which utoipa cannot attach to a `Vec<String>` field:
/// items trimmed non-blank, without control characters, of at most N characters.
pub fn constrain_campaign_lists(v: &mut Value) {
    use seo_domain::campaign::{
        KEYWORD_MAX_CHARS, MAX_KEYWORDS, MAX_OBJECTIVES, OBJECTIVE_MAX_CHARS,
    };
    let lists = [
        ("keywords", MAX_KEYWORDS, KEYWORD_MAX_CHARS),
        ("objectives", MAX_OBJECTIVES, OBJECTIVE_MAX_CHARS),
    ];
    for schema in ["CampaignInput", "CampaignPatch"] {
        for (field, max_items, max_len) in lists {
            let Some(prop) = v
                .pointer_mut(&format!("/components/schemas/{schema}/properties/{field}"))
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            prop.insert(
                "items".into(),
                serde_json::json!({"type": "string", "pattern": seo_domain::validation::required_text_pattern(max_len)}),
            );
            prop.insert("maxItems".into(), max_items.into());
        }
    }
}

/// Field rules utoipa takes only as literals, stated from the validators' own constants:
/// e-mail addresses, countries, required names on PATCH, and the password length.
pub fn constrain_fields(v: &mut Value) {
    use seo_domain::user::{MAX_PASSWORD_LEN, MIN_PASSWORD_LEN};
    use seo_domain::validation::{
        EMAIL_PATTERN, INDUSTRY_MAX_CHARS, MAX_EMAIL_LEN, NAME_MAX_CHARS, OPTIONAL_EMAIL_PATTERN,
        OPTIONAL_HOST_PATTERN, PERSON_MAX_CHARS, URL_MAX_CHARS, optional_country_pattern,
        optional_phone_pattern, optional_text_pattern, optional_url_pattern, required_text_pattern,
    };
    use serde_json::json;
    // The local part's limit (64) as a pattern the address must not match.
    let local = "The part before `@` is at most 64 characters.";
    let too_long_local = json!({"type": "string", "pattern": r"^\s*[^@]{65}"});
    let email = json!({"pattern": EMAIL_PATTERN, "maxLength": MAX_EMAIL_LEN, "not": too_long_local, "description": local});
    let contact_email = json!({
        "pattern": OPTIONAL_EMAIL_PATTERN,
        "maxLength": MAX_EMAIL_LEN,
        "not": too_long_local,
        "description": format!("Blank for none. {local}")
    });
    let website = json!({
        "pattern": optional_url_pattern(),
        "maxLength": URL_MAX_CHARS,
        "description": "Blank for none, else an absolute http(s) URL: a host name or IPv4 address, an optional port, path, query and fragment; no user name or password."
    });
    let country = json!({"pattern": optional_country_pattern()});
    let name = json!({"pattern": required_text_pattern(NAME_MAX_CHARS)});
    let phone = json!({"pattern": optional_phone_pattern()});
    let industry = json!({"pattern": optional_text_pattern(INDUSTRY_MAX_CHARS)});
    let person = json!({"pattern": optional_text_pattern(PERSON_MAX_CHARS)});
    let host = json!({"pattern": OPTIONAL_HOST_PATTERN});
    let password = json!({"minLength": MIN_PASSWORD_LEN, "maxLength": MAX_PASSWORD_LEN});
    let fields = [
        ("UserInput", "email", &email),
        ("UserUpdate", "email", &email),
        ("UserUpdate", "password", &password),
        ("ClientInput", "contact_email", &contact_email),
        ("ClientPatch", "contact_email", &contact_email),
        ("ClientInput", "country", &country),
        ("ClientPatch", "country", &country),
        ("ClientInput", "company_name", &name),
        ("ClientPatch", "company_name", &name),
        ("CampaignInput", "name", &name),
        ("CampaignInput", "domain", &host),
        ("CampaignPatch", "domain", &host),
        ("ClientInput", "industry", &industry),
        ("ClientPatch", "industry", &industry),
        ("ClientInput", "contact_person", &person),
        ("ClientPatch", "contact_person", &person),
        ("UserInput", "full_name", &person),
        ("UserUpdate", "full_name", &person),
        ("ClientInput", "contact_phone", &phone),
        ("ClientPatch", "contact_phone", &phone),
        ("CampaignPatch", "name", &name),
        ("ClientInput", "website", &website),
        ("ClientPatch", "website", &website),
    ];
    let short = json!({"pattern": optional_text_pattern(seo_domain::lead::SHORT_MAX_CHARS)});
    let notes = json!({"pattern": optional_text_pattern(seo_domain::lead::NOTES_MAX_CHARS)});
    let item = optional_text_pattern(seo_domain::lead::SHORT_MAX_CHARS);
    let list = json!({"maxItems": seo_domain::lead::MAX_LIST_ITEMS, "items": {"type": "string", "pattern": item}});
    let comment =
        json!({"pattern": optional_text_pattern(seo_domain::proposal::COMMENT_MAX_CHARS)});
    // A number, or text as a short field.
    let num_or_short = json!({
        "type": ["string", "number", "null"],
        "minimum": 0,
        "pattern": optional_text_pattern(seo_domain::lead::SHORT_MAX_CHARS),
        "description": "A number, or text such as \"50-200\"."
    });
    let mut fields: Vec<(&str, &str, &Value)> = fields.to_vec();
    for schema in ["LeadInput", "LeadPatch"] {
        fields.extend([
            (schema, "company_name", &name),
            (schema, "contact_name", &person),
            (schema, "contact_role", &short),
            (schema, "email", &contact_email),
            (schema, "phone", &phone),
            (schema, "website", &website),
            (schema, "industry", &industry),
            (schema, "company_size", &num_or_short),
            (schema, "budget_range", &num_or_short),
            (schema, "timeline", &short),
            (schema, "source", &short),
            (schema, "notes", &notes),
            (schema, "pain_points", &list),
            (schema, "goals", &list),
        ]);
    }
    fields.push(("StageMove", "reason", &short));
    fields.push(("DecisionInput", "comment", &comment));
    fields.push(("CommentInput", "comment", &comment));
    for (schema, field, rule) in fields {
        let prop = v
            .pointer_mut(&format!("/components/schemas/{schema}/properties/{field}"))
            .and_then(Value::as_object_mut);
        if let (Some(prop), Some(rule)) = (prop, rule.as_object()) {
            prop.extend(rule.clone());
        }
    }
}

/// Rewrites every `{"type": [T, "null"], "format": …, …}` as
/// `{"oneOf": [{"type": T, "format": …, …}, {"type": "null"}]}`. Both say the same, but
/// validators and test generators honour a `format` reliably only on a single type: an
/// optional date or UUID must never be generated as `""` and sent as valid.
pub fn split_nullable_formats(v: &mut Value) {
    match v {
        Value::Object(map) => {
            let nullable_formatted = map.contains_key("format")
                && map
                    .get("type")
                    .and_then(Value::as_array)
                    .is_some_and(|t| t.len() == 2 && t.iter().any(|x| x == "null"));
            if nullable_formatted {
                let kind = map
                    .get("type")
                    .and_then(Value::as_array)
                    .and_then(|t| t.iter().find(|x| *x != "null").cloned())
                    .unwrap_or(Value::Null);
                let mut inner = serde_json::Map::new();
                inner.insert("type".into(), kind);
                for key in [
                    "format",
                    "minimum",
                    "maximum",
                    "exclusiveMinimum",
                    "exclusiveMaximum",
                    "minLength",
                    "maxLength",
                    "pattern",
                ] {
                    if let Some(x) = map.remove(key) {
                        inner.insert(key.into(), x);
                    }
                }
                map.remove("type");
                map.insert(
                    "oneOf".into(),
                    Value::Array(vec![
                        Value::Object(inner),
                        serde_json::json!({"type": "null"}),
                    ]),
                );
            }
            for child in map.values_mut() {
                split_nullable_formats(child);
            }
        }
        Value::Array(items) => {
            for child in items {
                split_nullable_formats(child);
            }
        }
        _ => {}
    }
}

/// A JSON Schema for values shaped like `v` (a threshold's default): integers are
/// non-negative and bounded, lists of numbers keep their length (fixed-size bounds), lists
/// of pairs are tuples.
fn shape_of(v: &Value) -> Value {
    use serde_json::json;
    match v {
        Value::Bool(_) => json!({"type": "boolean"}),
        Value::Number(n) if n.is_u64() => {
            // The narrowest integer threshold is a u32 (`max_click_depth`).
            json!({"type": "integer", "minimum": 0, "maximum": u32::MAX})
        }
        Value::Number(_) => json!({"type": "number", "minimum": -1e15, "maximum": 1e15}),
        Value::String(_) => json!({"type": "string"}),
        Value::Array(items) => match items.first() {
            Some(first @ Value::Number(_)) => {
                json!({"type": "array", "items": shape_of(first), "minItems": items.len(), "maxItems": items.len()})
            }
            Some(Value::Array(tuple)) => json!({"type": "array", "items": {
                "type": "array",
                "prefixItems": tuple.iter().map(shape_of).collect::<Vec<_>>(),
                "items": false,
                "minItems": tuple.len(),
                "maxItems": tuple.len(),
            }}),
            Some(first) => json!({"type": "array", "items": shape_of(first)}),
            None => json!({"type": "array"}),
        },
        Value::Object(_) => json!({"type": "object"}),
        Value::Null => json!({}),
    }
}

/// A campaign's `config.audit` (the audit overrides) as the service checks it: known check
/// ids, the three severities, and the catalogue's threshold keys with values of their shape.
pub fn constrain_campaign_config(v: &mut Value) {
    use serde_json::json;
    let ids: Vec<&str> = seo_agents::auditor::catalogue()
        .iter()
        .map(|c| c.id)
        .collect();
    let defaults = serde_json::to_value(seo_agents::AuditConfig::default()).unwrap_or_default();
    let mut thresholds = serde_json::Map::new();
    for key in seo_agents::auditor::threshold_keys() {
        let mut shape = shape_of(defaults.get(key).unwrap_or(&Value::Null));
        if key == "near_duplicate_similarity" {
            shape = json!({"type": "number", "minimum": 0, "maximum": 1});
        }
        thresholds.insert(key.to_string(), shape);
    }
    let audit = json!({
        "type": ["object", "null"],
        "description": "Audit overrides (null: none) for this campaign's audits: checks switched off, severities, thresholds (GET /api/audit/checks lists the ids and threshold keys)",
        "additionalProperties": false,
        "properties": {
            "disabled": {"type": "array", "items": {"type": "string", "enum": ids}},
            "severity": {
                "type": "object",
                "propertyNames": {"enum": ids},
                "additionalProperties": {"type": "string", "enum": seo_agents::auditor::SEVERITIES},
            },
            "thresholds": {"type": "object", "properties": thresholds, "additionalProperties": false},
        },
    });
    for schema in ["CampaignInput", "CampaignPatch"] {
        if let Some(config) = v
            .pointer_mut(&format!("/components/schemas/{schema}/properties/config"))
            .and_then(Value::as_object_mut)
        {
            let props = config.entry("properties").or_insert_with(|| json!({}));
            if let Some(p) = props.as_object_mut() {
                p.insert("audit".into(), audit.clone());
            }
        }
    }
}
