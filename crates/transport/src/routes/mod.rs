//! Route table.

pub mod health;
