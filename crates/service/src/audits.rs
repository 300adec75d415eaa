//! Audits as records: storing a completed audit's snapshot, the list of a campaign's audits,
//! one audit, the diff of two, and the check of a campaign's `config.audit` overrides.

use seo_domain::{Audit, AuditDetail, AuditDiff, NewAudit, Page, PageRequest, Task};
use seo_persistence::Effect;
use serde_json::Value;
use uuid::Uuid;

use crate::{Service, ServiceError, ServiceResult};

/// The audit a completed `technical_seo_auditor` task stores: its figures and snapshot,
/// taken out of the output (which keeps the figures and names the stored `audit_id`).
pub(crate) fn audit_effect(svc: &Service, task: &Task, output: &mut Value) -> Option<Effect> {
    let obj = output.as_object_mut()?;
    let (summary, snapshot) = seo_agents::auditor::summary_of(obj)?;
    obj.remove("snapshot");
    let id = Uuid::new_v4();
    obj.insert("audit_id".into(), Value::String(id.to_string()));
    if let Some(d) = obj.get_mut("diff").and_then(Value::as_object_mut) {
        d.insert("audit_id".into(), Value::String(id.to_string()));
    }
    Some(Effect::Audit(Box::new(NewAudit {
        id,
        task_id: task.id,
        client_id: task.client_id,
        campaign_id: task.campaign_id,
        summary,
        snapshot,
        retention: svc.agents.audit_config().audit_retention,
    })))
}

impl Service {
    /// A campaign's stored audits, newest first (404 for an unknown campaign).
    pub async fn campaign_audits(
        &self,
        campaign_id: Uuid,
        page: PageRequest,
    ) -> ServiceResult<Page<Audit>> {
        self.db.get_campaign(campaign_id).await?;
        Ok(self.db.list_audits(campaign_id, page).await?)
    }

    /// One stored audit with its snapshot.
    pub async fn audit(&self, id: Uuid) -> ServiceResult<AuditDetail> {
        Ok(self.db.get_audit(id).await?)
    }

    /// What changed from audit `against` to audit `id`: new and fixed issues, pages added and
    /// removed, status changes, score changes.
    pub async fn audit_diff(&self, id: Uuid, against: Uuid) -> ServiceResult<AuditDiff> {
        if id == against {
            return Err(ServiceError::invalid(
                "against",
                "same_audit",
                "compare the audit with another audit",
            ));
        }
        let later = self.db.get_audit(id).await?;
        let earlier = self.db.get_audit(against).await?;
        Ok(seo_domain::audit::diff(
            against,
            (&earlier.audit.summary, &earlier.snapshot),
            Some(id),
            (&later.audit.summary, &later.snapshot),
        ))
    }

    /// Refuses a campaign `config` whose `audit` overrides the auditor cannot apply (unknown
    /// check, severity or threshold key; a value of the wrong shape): 422 on `config.audit`.
    pub(crate) fn check_audit_overrides(
        &self,
        config: &serde_json::Map<String, Value>,
    ) -> ServiceResult<()> {
        match config.get("audit") {
            None | Some(Value::Null) => Ok(()),
            Some(raw) => {
                seo_agents::auditor::AuditOverrides::parse(raw, self.agents.audit_config())
                    .map(|_| ())
                    .map_err(|m| {
                        ServiceError::invalid("config.audit", "invalid_audit_overrides", m)
                    })
            }
        }
    }
}
