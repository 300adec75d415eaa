//! A campaign's `config.audit`: checks switched off, severities and thresholds for that
//! campaign's audits, over the operator's `[agents.technical_seo_auditor]`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::checks::{catalogue, threshold_keys};
use super::config::AuditConfig;

/// The severities a check can be given.
pub const SEVERITIES: [&str; 3] = ["error", "warning", "notice"];

/// `{"disabled": [...], "severity": {"id": "notice"}, "thresholds": {"title_len": [10, 60]}}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditOverrides {
    /// Check ids switched off.
    #[serde(default)]
    pub disabled: Vec<String>,
    /// Severity per check id (`error|warning|notice`).
    #[serde(default)]
    pub severity: BTreeMap<String, String>,
    /// Threshold keys (those `GET /api/audit/checks` lists) with their values.
    #[serde(default)]
    pub thresholds: serde_json::Map<String, Value>,
}

fn known_check(id: &str) -> bool {
    catalogue().iter().any(|c| c.id == id)
}

/// Checks a list of disabled ids and a severity map against the catalogue.
fn check_ids(disabled: &[String], severity: &BTreeMap<String, String>) -> Result<(), String> {
    if let Some(bad) = disabled.iter().find(|d| !known_check(d)) {
        return Err(format!("disabled: unknown check '{bad}'"));
    }
    for (id, s) in severity {
        if !known_check(id) {
            return Err(format!("severity: unknown check '{id}'"));
        }
        if !SEVERITIES.contains(&s.as_str()) {
            return Err(format!(
                "severity.{id}: '{s}' is not one of error, warning, notice"
            ));
        }
    }
    Ok(())
}

impl AuditOverrides {
    /// Reads and checks `config.audit` against `base`: known check ids, known severities,
    /// threshold keys the catalogue reads with values of the right shape.
    pub fn parse(value: &Value, base: &AuditConfig) -> Result<Self, String> {
        let o: AuditOverrides = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
        base.with_overrides(&o)?;
        Ok(o)
    }
}

impl AuditConfig {
    /// Checks what the catalogue cannot enforce by type: switched-off and re-graded checks
    /// exist, severities are known, weights are positive.
    pub fn validate(&self) -> Result<(), String> {
        check_ids(&self.disabled_checks, &self.severity)?;
        if let Some((n, w)) = self
            .weights
            .iter()
            .find(|(_, w)| !w.is_finite() || *w < 0.0)
        {
            return Err(format!("weights: {n} = {w} must be a non-negative number"));
        }
        if !(0.0..=1.0).contains(&self.near_duplicate_similarity) {
            return Err("near_duplicate_similarity must be between 0 and 1".into());
        }
        Ok(())
    }

    /// This configuration with a campaign's overrides applied.
    pub fn with_overrides(&self, o: &AuditOverrides) -> Result<AuditConfig, String> {
        check_ids(&o.disabled, &o.severity)?;
        let keys = threshold_keys();
        let mut cfg = if o.thresholds.is_empty() {
            self.clone()
        } else {
            let mut all = serde_json::to_value(self).map_err(|e| e.to_string())?;
            for (k, v) in &o.thresholds {
                if !keys.contains(&k.as_str()) {
                    return Err(format!(
                        "thresholds: unknown key '{k}' (one of {})",
                        keys.join(", ")
                    ));
                }
                if let Some(slot) = all.get_mut(k) {
                    *slot = v.clone();
                }
            }
            match serde_json::from_value::<AuditConfig>(all) {
                Ok(cfg) => cfg,
                Err(e) => {
                    // Name the key whose value has the wrong shape.
                    let key = o.thresholds.iter().find_map(|(k, v)| {
                        let mut one = serde_json::to_value(self).ok()?;
                        *one.get_mut(k)? = v.clone();
                        serde_json::from_value::<AuditConfig>(one)
                            .is_err()
                            .then_some(k)
                    });
                    return Err(match key {
                        Some(k) => format!("thresholds.{k}: {e}"),
                        None => format!("thresholds: {e}"),
                    });
                }
            }
        };
        for d in &o.disabled {
            if !cfg.disabled_checks.contains(d) {
                cfg.disabled_checks.push(d.clone());
            }
        }
        cfg.severity
            .extend(o.severity.iter().map(|(k, v)| (k.clone(), v.clone())));
        cfg.validate()?;
        Ok(cfg)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn overrides_apply_and_bad_ones_are_named() {
        let base = AuditConfig::default();
        let o = AuditOverrides::parse(
            &json!({"disabled": ["csp_missing"], "severity": {"http_4xx": "notice"}, "thresholds": {"title_len": [5, 40]}}),
            &base,
        )
        .unwrap();
        let cfg = base.with_overrides(&o).unwrap();
        assert_eq!(cfg.title_len, [5, 40]);
        assert!(cfg.disabled_checks.contains(&"csp_missing".to_string()));
        assert_eq!(cfg.severity["http_4xx"], "notice");
        for (bad, says) in [
            (json!({"disabled": ["nope"]}), "unknown check 'nope'"),
            (json!({"severity": {"http_4xx": "fatal"}}), "not one of"),
            (
                json!({"thresholds": {"weights": []}}),
                "unknown key 'weights'",
            ),
            (
                json!({"thresholds": {"title_len": "long"}}),
                "thresholds.title_len:",
            ),
            (json!({"whatever": 1}), "unknown field"),
        ] {
            let e = AuditOverrides::parse(&bad, &base).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
