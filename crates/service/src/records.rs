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
