//! The site-intelligence agents: `technical_seo_operations_manager` (the technical backlog)
//! and `chief_seo_strategist` (the strategic plan).

pub mod backlog;
pub mod chief;
pub mod competitive;
pub mod links;

pub use backlog::{BacklogConfig, TechnicalSeoOperationsManager};
pub use chief::{ChiefConfig, ChiefSeoStrategist};
pub use competitive::{CompetitiveAnalysis, CompetitiveConfig};
pub use links::{LinkBuilding, LinksConfig};
