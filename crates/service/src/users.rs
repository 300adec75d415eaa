//! User administration: the rules about who may lose admin rights.

use seo_domain::{Role, User, UserPatch, ValidationErrors};
use uuid::Uuid;

use crate::Service;
use crate::error::{ServiceError, ServiceResult};

/// A change to a user by an admin.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    /// The editable fields.
    pub patch: UserPatch,
    /// A new password, when one is set.
    pub password: Option<String>,
}

impl Service {
    /// Applies `update` to user `id` on behalf of `actor`. Nobody removes their own admin
    /// rights; the last active admin cannot be demoted or disabled (checked and written in
    /// one statement, so two admins demoting each other at once leave one). Disabling ends
    /// the user's sessions; a new password does too.
    pub async fn update_user(
        &self,
        actor: Uuid,
        id: Uuid,
        update: UserUpdate,
    ) -> ServiceResult<User> {
        let current = self.db.get_user(id).await?;
        let changes = update.patch.apply(&current)?;
        if let Some(p) = &update.password {
            let mut e = ValidationErrors::default();
            seo_domain::user::validate_password(&mut e, "password", p);
            e.finish(())?;
        }
        let loses_admin = current.role == Role::Admin
            && current.is_active
            && (changes.role != Role::Admin || !changes.is_active);
        if id == actor && loses_admin {
            return Err(ServiceError::Conflict(
                "you cannot remove your own admin rights; ask another admin".into(),
            ));
        }
        let deactivated = current.is_active && !changes.is_active;
        let role_changed = current.role != changes.role;
        let user = self.db.update_user_keeping_an_admin(id, changes).await?;
        // Every instance re-reads this user on its next request.
        self.auth.user_changed(id).await;
        if let Some(p) = update.password {
            self.auth.set_password(id, &p).await?;
        } else if deactivated {
            self.auth.revoke_user_tokens(id).await?;
        } else if role_changed {
            // Tokens stay valid (every request re-reads the role); live connections close
            // and re-authenticate with the new role.
            self.auth.end_live_sessions(id, "role changed").await;
        }
        Ok(user)
    }

    /// Deletes user `id` on behalf of `actor` (not themselves, not the last active admin)
    /// and ends their sessions.
    pub async fn delete_user(&self, actor: Uuid, id: Uuid) -> ServiceResult<()> {
        if id == actor {
            return Err(ServiceError::Conflict(
                "you cannot delete your own account".into(),
            ));
        }
        self.db.delete_user_keeping_an_admin(id).await?;
        self.auth.revoke_user_tokens(id).await?;
        Ok(())
    }
}
