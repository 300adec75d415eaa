#![doc = include_str!("../README.md")]

pub mod auditor;
pub mod contract;
pub mod data;
pub mod external;
pub mod lead;
pub mod llm;
pub mod manager;
pub mod parse;
pub mod proposal;
pub mod reporting;
pub mod sales;
pub mod strategy;
pub mod workflow;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use auditor::{AuditConfig, TechnicalSeoAuditor};
pub use contract::{
    Agent, AgentError, AgentHealth, AgentOutput, Factor, Finding, TaskContext, TaskScope,
    TaskTypeSpec, Tier,
};
pub use data::{AgencyData, DataKind, MemoryData, NoData, ResultQuery, StoredResult};
pub use external::{Capability, ExternalData, ExternalResult, ProviderStatus};
pub use lead::{LeadConfig, LeadQualification};
pub use llm::{LlmClient, LlmConfig};
pub use manager::{AgentInfo, AgentManager, AgentStats};
pub use proposal::{ProposalConfig, ProposalGeneration};
pub use workflow::{WorkflowDef, builtin_workflows};

/// Company-size bands shared by every agent (employees): one table, so a lead and its
/// proposal never disagree about what "enterprise" means.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CompanySizeBands {
    /// A company of at least this many employees is mid-market (below: SMB).
    pub mid_market_from: f64,
    /// A company of at least this many employees is an enterprise.
    pub enterprise_from: f64,
}

impl Default for CompanySizeBands {
    fn default() -> Self {
        Self {
            mid_market_from: 50.0,
            enterprise_from: 500.0,
        }
    }
}

impl CompanySizeBands {
    /// `[mid_market_from, enterprise_from]`.
    pub fn thresholds(&self) -> [f64; 2] {
        [self.mid_market_from, self.enterprise_from]
    }
}

/// Typed configuration of every agent: each threshold, weight and table, with defaults
/// matching the spec. Deserialisable, so an operator can override any part.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AgentsConfig {
    /// Company-size bands used by every agent.
    pub company_size: CompanySizeBands,
    /// `lead_qualification`.
    pub lead_qualification: LeadConfig,
    /// `proposal_generation`.
    pub proposal_generation: ProposalConfig,
    /// `technical_seo_auditor` (thresholds, weights and crawl limits).
    pub technical_seo_auditor: AuditConfig,
    /// `reporting` (default period, anomaly rule, alert threshold).
    pub reporting: reporting::ReportingConfig,
    /// `sales_conversation` (SPIN templates, phrase tables, next-step rules).
    pub sales_conversation: sales::ConversationConfig,
    /// `business_development_director` (score tables, tiers, approval levels).
    pub business_development_director: sales::DirectorConfig,
    /// `sales_operations_manager` (stage probabilities, benchmarks, default period).
    pub sales_operations_manager: sales::OperationsConfig,
    /// `task_coordination` (routing table, priority bands, SLAs).
    pub task_coordination: sales::CoordinationConfig,
    /// `client_success_manager` (factor weights, bands, upsell catalogue).
    pub client_success_manager: sales::SuccessConfig,
    /// `technical_seo_operations_manager` (severity weights, efforts, sprint capacity).
    pub technical_seo_operations_manager: strategy::BacklogConfig,
    /// `chief_seo_strategist` (components, benchmarks, readiness groups, growth bands).
    pub chief_seo_strategist: strategy::ChiefConfig,
    /// `competitive_analysis` (competitors, pages per site, gap share).
    pub competitive_analysis: strategy::CompetitiveConfig,
    /// `link_building` (toxicity rules, anchors, PageRank, outreach).
    pub link_building: strategy::LinksConfig,
    /// `content_strategy` (clustering, intents, CTR curve, cadence).
    pub content_strategy: strategy::ContentConfig,
    /// Workflow definitions by id (steps, conditions and their thresholds); the
    /// configuration file holds them as `[workflows.<id>]`.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub workflows: std::collections::BTreeMap<String, WorkflowDef>,
}

impl Default for AgentsConfig {
    fn default() -> Self {
        Self {
            company_size: CompanySizeBands::default(),
            lead_qualification: LeadConfig::default(),
            proposal_generation: ProposalConfig::default(),
            technical_seo_auditor: AuditConfig::default(),
            reporting: reporting::ReportingConfig::default(),
            sales_conversation: sales::ConversationConfig::default(),
            business_development_director: sales::DirectorConfig::default(),
            sales_operations_manager: sales::OperationsConfig::default(),
            task_coordination: sales::CoordinationConfig::default(),
            client_success_manager: sales::SuccessConfig::default(),
            technical_seo_operations_manager: strategy::BacklogConfig::default(),
            chief_seo_strategist: strategy::ChiefConfig::default(),
            competitive_analysis: strategy::CompetitiveConfig::default(),
            link_building: strategy::LinksConfig::default(),
            content_strategy: strategy::ContentConfig::default(),
            workflows: builtin_workflows(),
        }
    }
}

/// The agents that really work today. Others join as they are built; an agent that does not
/// work is never registered.
pub fn builtin_agents(config: &AgentsConfig) -> Vec<Arc<dyn Agent>> {
    let mut lead = config.lead_qualification.clone();
    lead.size_thresholds = config.company_size.thresholds();
    let mut proposal = config.proposal_generation.clone();
    proposal.size_thresholds = config.company_size.thresholds();
    vec![
        Arc::new(LeadQualification::new(lead)),
        Arc::new(ProposalGeneration::new(proposal)),
        Arc::new(TechnicalSeoAuditor::new(
            config.technical_seo_auditor.clone(),
        )),
        Arc::new(reporting::Reporting::new(config.reporting.clone())),
        Arc::new(sales::SalesConversation::new(
            config.sales_conversation.clone(),
        )),
        Arc::new(sales::BusinessDevelopmentDirector::new(
            config.business_development_director.clone(),
        )),
        Arc::new(sales::SalesOperationsManager::new(
            config.sales_operations_manager.clone(),
        )),
        Arc::new(sales::TaskCoordination::new(
            config.task_coordination.clone(),
        )),
        Arc::new(sales::ClientSuccessManager::new(
            config.client_success_manager.clone(),
        )),
        Arc::new(strategy::TechnicalSeoOperationsManager::new(
            config.technical_seo_operations_manager.clone(),
        )),
        Arc::new(strategy::CompetitiveAnalysis::new(
            config.competitive_analysis.clone(),
            config.technical_seo_auditor.clone(),
        )),
        Arc::new(strategy::ContentStrategy::new(
            config.content_strategy.clone(),
            config.technical_seo_auditor.clone(),
        )),
        Arc::new(strategy::LinkBuilding::new(
            config.link_building.clone(),
            config.technical_seo_auditor.clone(),
        )),
        Arc::new(strategy::ChiefSeoStrategist::new(
            config.chief_seo_strategist.clone(),
            config.technical_seo_operations_manager.clone(),
        )),
    ]
}
