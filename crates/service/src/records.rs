//! Reading the agency's records (clients, campaigns, tasks): one home for the read
//! use-cases that every transport shares (HTTP, MCP tools and resources).

use seo_domain::{
    Campaign, CampaignFilter, Client, ClientFilter, Page, PageRequest, Task, TaskFilter,
};
use uuid::Uuid;

use crate::Service;
use crate::error::ServiceResult;

impl Service {
    /// Clients matching `filter`, newest first.
    pub async fn list_clients(
        &self,
        filter: ClientFilter,
        page: PageRequest,
    ) -> ServiceResult<Page<Client>> {
        Ok(self.db.list_clients(filter, page).await?)
    }

    /// One client.
    pub async fn client(&self, id: Uuid) -> ServiceResult<Client> {
        Ok(self.db.get_client(id).await?)
    }

    /// Campaigns matching `filter`, newest first.
    pub async fn list_campaigns(
        &self,
        filter: CampaignFilter,
        page: PageRequest,
    ) -> ServiceResult<Page<Campaign>> {
        Ok(self.db.list_campaigns(filter, page).await?)
    }

    /// One campaign.
    pub async fn campaign(&self, id: Uuid) -> ServiceResult<Campaign> {
        Ok(self.db.get_campaign(id).await?)
    }

    /// Tasks matching `filter`, newest first.
    pub async fn list_tasks(
        &self,
        filter: TaskFilter,
        page: PageRequest,
    ) -> ServiceResult<Page<Task>> {
        Ok(self.db.list_tasks(filter, page).await?)
    }

    /// One task.
    pub async fn task(&self, id: Uuid) -> ServiceResult<Task> {
        Ok(self.db.get_task(id).await?)
    }
}

impl Service {
    /// A user as stored now (role and status current).
    pub async fn user(&self, id: Uuid) -> ServiceResult<seo_domain::User> {
        Ok(self.db.get_user(id).await?)
    }
}

impl Service {
    /// A user by username (for acting as that user outside HTTP, e.g. MCP over stdio).
    pub async fn user_by_name(&self, username: &str) -> ServiceResult<seo_domain::User> {
        self.db
            .find_credentials(username)
            .await?
            .map(|c| c.user)
            .ok_or(crate::ServiceError::NotFound("user"))
    }
}

/// Client and campaign writes: create, replace, patch (merged over the current record and
/// validated whole; a patch that changes nothing writes nothing), delete.
impl Service {
    /// Creates a client.
    pub async fn create_client(&self, input: seo_domain::ClientInput) -> ServiceResult<Client> {
        Ok(self.db.create_client(input.validate()?).await?)
    }

    /// Replaces a client's fields.
    pub async fn replace_client(
        &self,
        id: Uuid,
        input: seo_domain::ClientInput,
    ) -> ServiceResult<Client> {
        let draft = input.validate()?;
        Ok(self.db.update_client(id, draft).await?)
    }

    /// Changes some of a client's fields (`null` clears).
    pub async fn patch_client(
        &self,
        id: Uuid,
        patch: seo_domain::ClientPatch,
    ) -> ServiceResult<Client> {
        let current = self.db.get_client(id).await?;
        let draft = patch.apply(&current)?;
        if draft == current.to_draft() {
            // Nothing changes: no write (updated_at stays).
            return Ok(current);
        }
        Ok(self.db.update_client(id, draft).await?)
    }

    /// Deletes a client (refused while it has a draft or active campaign).
    pub async fn delete_client(&self, id: Uuid) -> ServiceResult<()> {
        Ok(self.db.delete_client(id).await?)
    }

    /// Creates a campaign (as a draft).
    pub async fn create_campaign(
        &self,
        input: seo_domain::CampaignInput,
    ) -> ServiceResult<Campaign> {
        let draft = input.validate()?;
        self.check_audit_overrides(&draft.config)?;
        Ok(self.db.create_campaign(draft).await?)
    }

    /// Replaces a campaign's fields.
    pub async fn replace_campaign(
        &self,
        id: Uuid,
        input: seo_domain::CampaignInput,
    ) -> ServiceResult<Campaign> {
        let draft = input.validate()?;
        self.check_audit_overrides(&draft.config)?;
        Ok(self.db.update_campaign(id, draft).await?)
    }

    /// Changes some of a campaign's fields (`null` clears).
    pub async fn patch_campaign(
        &self,
        id: Uuid,
        patch: seo_domain::CampaignPatch,
    ) -> ServiceResult<Campaign> {
        let current = self.db.get_campaign(id).await?;
        let draft = patch.apply(&current)?;
        self.check_audit_overrides(&draft.config)?;
        if draft == current.to_draft() {
            // Nothing changes: no write (updated_at stays).
            return Ok(current);
        }
        Ok(self.db.update_campaign(id, draft).await?)
    }

    /// Deletes a campaign (refused while active).
    pub async fn delete_campaign(&self, id: Uuid) -> ServiceResult<()> {
        Ok(self.db.delete_campaign(id).await?)
    }

    /// Deletes a task that is not running.
    pub async fn delete_task(&self, id: Uuid) -> ServiceResult<()> {
        Ok(self.db.delete_task(id).await?)
    }
}

impl Service {
    /// The audit check catalogue this server runs (`GET /api/audit/checks`).
    pub fn audit_checks(&self) -> Vec<serde_json::Value> {
        self.agents.audit_checks()
    }
}
