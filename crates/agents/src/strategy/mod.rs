//! The site-intelligence agents: `content_strategy`, `competitive_analysis`,
//! `link_building`, `technical_seo_operations_manager` (the technical backlog) and
//! `chief_seo_strategist` (the strategic plan).

pub mod backlog;
pub mod chief;
pub mod competitive;
pub mod content;
pub mod links;

pub use backlog::{BacklogConfig, TechnicalSeoOperationsManager};
pub use chief::{ChiefConfig, ChiefSeoStrategist};
pub use competitive::{CompetitiveAnalysis, CompetitiveConfig};
pub use content::{ContentConfig, ContentStrategy};
pub use links::{LinkBuilding, LinksConfig};

use crate::contract::{AgentError, TaskContext};
use crate::data::{ResultQuery, StoredResult};

/// The newest stored result of `base`'s agent for the campaign, else the client, else the
/// site's host — the order every strategy agent looks in.
pub(crate) async fn newest_result(
    ctx: &TaskContext,
    base: ResultQuery,
    campaign: Option<uuid::Uuid>,
    client: Option<uuid::Uuid>,
    host: Option<String>,
) -> Result<Option<StoredResult>, AgentError> {
    let queries = [
        campaign.map(|c| ResultQuery {
            campaign_id: Some(c),
            ..base.clone()
        }),
        client.map(|c| ResultQuery {
            client_id: Some(c),
            ..base.clone()
        }),
        host.map(|h| ResultQuery {
            url_host: Some(h),
            ..base.clone()
        }),
    ];
    for q in queries.into_iter().flatten() {
        let found = ctx
            .data()
            .latest_result(&q)
            .await
            .map_err(|e| AgentError::Transient(e.to_string()))?;
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}
