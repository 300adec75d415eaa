//! Roles and permissions as data: one table decides what each role may do, and one check
//! ([`Access::allows`]) is used by every route.

use seo_domain::Role;
use serde::Serialize;

/// A permission a route may require.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Permission {
    #[serde(rename = "clients:read")]
    ClientsRead,
    #[serde(rename = "clients:write")]
    ClientsWrite,
    #[serde(rename = "clients:delete")]
    ClientsDelete,
    #[serde(rename = "campaigns:read")]
    CampaignsRead,
    #[serde(rename = "campaigns:write")]
    CampaignsWrite,
    #[serde(rename = "campaigns:delete")]
    CampaignsDelete,
    #[serde(rename = "tasks:read")]
    TasksRead,
    #[serde(rename = "tasks:write")]
    TasksWrite,
    #[serde(rename = "agents:read")]
    AgentsRead,
    #[serde(rename = "agents:write")]
    AgentsWrite,
    #[serde(rename = "agents:admin")]
    AgentsAdmin,
    #[serde(rename = "analytics:read")]
    AnalyticsRead,
    #[serde(rename = "users:admin")]
    UsersAdmin,
    #[serde(rename = "system:read")]
    SystemRead,
    #[serde(rename = "leads:read")]
    LeadsRead,
    #[serde(rename = "leads:write")]
    LeadsWrite,
    #[serde(rename = "proposals:read")]
    ProposalsRead,
    #[serde(rename = "proposals:write")]
    ProposalsWrite,
    #[serde(rename = "proposals:approve")]
    ProposalsApprove,
}

use Permission as P;

impl Permission {
    /// Every permission.
    pub const ALL: [Permission; 19] = [
        P::ClientsRead,
        P::ClientsWrite,
        P::ClientsDelete,
        P::CampaignsRead,
        P::CampaignsWrite,
        P::CampaignsDelete,
        P::TasksRead,
        P::TasksWrite,
        P::AgentsRead,
        P::AgentsWrite,
        P::AgentsAdmin,
        P::AnalyticsRead,
        P::UsersAdmin,
        P::SystemRead,
        P::LeadsRead,
        P::LeadsWrite,
        P::ProposalsRead,
        P::ProposalsWrite,
        P::ProposalsApprove,
    ];

    /// The `area:action` name.
    pub fn as_str(self) -> &'static str {
        match self {
            P::ClientsRead => "clients:read",
            P::ClientsWrite => "clients:write",
            P::ClientsDelete => "clients:delete",
            P::CampaignsRead => "campaigns:read",
            P::CampaignsWrite => "campaigns:write",
            P::CampaignsDelete => "campaigns:delete",
            P::TasksRead => "tasks:read",
            P::TasksWrite => "tasks:write",
            P::AgentsRead => "agents:read",
            P::AgentsWrite => "agents:write",
            P::AgentsAdmin => "agents:admin",
            P::AnalyticsRead => "analytics:read",
            P::UsersAdmin => "users:admin",
            P::SystemRead => "system:read",
            P::LeadsRead => "leads:read",
            P::LeadsWrite => "leads:write",
            P::ProposalsRead => "proposals:read",
            P::ProposalsWrite => "proposals:write",
            P::ProposalsApprove => "proposals:approve",
        }
    }
}

/// The permission table: admin ⊃ manager ⊃ operator.
///
/// Operator: every `:read` plus `tasks:write`. Manager: everything except `clients:delete`,
/// `agents:admin` and `users:admin` (so managers hold `proposals:approve`: which approval
/// gate a role may decide is the gate's own rule). Admin: everything.
pub fn role_grants(role: Role, permission: Permission) -> bool {
    match role {
        Role::Admin => true,
        Role::Manager => !matches!(
            permission,
            P::ClientsDelete | P::AgentsAdmin | P::UsersAdmin
        ),
        Role::Operator => matches!(
            permission,
            P::ClientsRead
                | P::CampaignsRead
                | P::TasksRead
                | P::AgentsRead
                | P::AnalyticsRead
                | P::SystemRead
                | P::LeadsRead
                | P::ProposalsRead
                | P::TasksWrite
        ),
    }
}

/// Every permission a role holds, in table order.
pub fn permissions_of(role: Role) -> Vec<Permission> {
    Permission::ALL
        .into_iter()
        .filter(|p| role_grants(role, *p))
        .collect()
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Access {
    /// Anyone, without a token.
    Public,
    /// Any signed-in user.
    Authenticated,
    /// A signed-in user whose role grants this permission.
    Requires(Permission),
    /// Authenticated inside the protocol (the WebSocket's token query or first message).
    InBand,
    /// The Prometheus scrape: public when so configured, else the scrape token or a user
    /// with `system:read`.
    Scrape,
}

impl Access {
    /// Whether a signed-in user of `role` passes.
    pub fn allows(self, role: Role) -> bool {
        match self {
            Access::Public | Access::Authenticated | Access::InBand => true,
            Access::Requires(p) => role_grants(role, p),
            Access::Scrape => role_grants(role, Permission::SystemRead),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hierarchy_holds_for_every_permission() {
        for p in Permission::ALL {
            if role_grants(Role::Operator, p) {
                assert!(role_grants(Role::Manager, p), "{p:?}");
            }
            if role_grants(Role::Manager, p) {
                assert!(role_grants(Role::Admin, p), "{p:?}");
            }
            assert!(role_grants(Role::Admin, p));
        }
    }

    #[test]
    fn the_table_matches_the_spec() {
        let op: Vec<_> = permissions_of(Role::Operator)
            .into_iter()
            .map(Permission::as_str)
            .collect();
        assert_eq!(
            op,
            [
                "clients:read",
                "campaigns:read",
                "tasks:read",
                "tasks:write",
                "agents:read",
                "analytics:read",
                "system:read",
                "leads:read",
                "proposals:read"
            ]
        );
        let mgr = permissions_of(Role::Manager);
        assert_eq!(mgr.len(), 16);
        assert!(mgr.contains(&P::ProposalsApprove) && mgr.contains(&P::LeadsWrite));
        assert!(mgr.contains(&P::CampaignsDelete) && !mgr.contains(&P::ClientsDelete));
        assert!(!mgr.contains(&P::AgentsAdmin) && !mgr.contains(&P::UsersAdmin));
        assert_eq!(permissions_of(Role::Admin).len(), 19);
        for p in Permission::ALL {
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
    }
}
