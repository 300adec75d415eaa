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
