//! Users and roles.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::validation::{ValidationErrors, is_valid_email, optional_text};

/// A role; each includes the permissions of the ones below it (admin ⊃ manager ⊃ operator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    /// Runs tasks and reads everything.
    Operator,
    /// Everything but deletes of clients, registry re-initialisation and user admin.
    Manager,
    /// Everything.
    Admin,
}

impl Role {
    /// All roles, lowest first.
    pub const ALL: [Role; 3] = [Role::Operator, Role::Manager, Role::Admin];

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A user as every response shows it: never with a password hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub email: String,
    pub full_name: Option<String>,
    pub role: Role,
    pub is_active: bool,
    pub last_login: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Validated fields of a new user. The password is hashed by the caller before storage.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUser {
    pub username: String,
    pub email: String,
    pub full_name: Option<String>,
    pub role: Role,
    pub is_active: bool,
}

/// Raw input for creating a user.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserInput {
    #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z0-9._-]{3,64}$"))]
    pub username: String,
    pub email: String,
    #[serde(default)]
    pub full_name: Option<String>,
    #[serde(default = "default_role")]
    pub role: Role,
    #[serde(default = "default_true")]
    pub is_active: bool,
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 128))]
    pub password: String,
}

fn default_role() -> Role {
    Role::Operator
}
fn default_true() -> bool {
    true
}

/// Shortest accepted password.
pub const MIN_PASSWORD_LEN: usize = 8;
/// Longest accepted password (argon2 input stays bounded).
pub const MAX_PASSWORD_LEN: usize = 128;

/// Checks a username: 3–64 characters of `a-z 0-9 . _ -`.
pub fn validate_username(errors: &mut ValidationErrors, field: &str, username: &str) {
    let n = username.chars().count();
    if !(3..=64).contains(&n) {
        errors.add(field, "invalid_length", "must be 3 to 64 characters");
    } else if !username
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c))
    {
        errors.add(
            field,
            "invalid_characters",
            "may contain only a-z, 0-9, '.', '_' and '-'",
        );
    }
}

/// Checks a password's length (8–128 characters).
pub fn validate_password(errors: &mut ValidationErrors, field: &str, password: &str) {
    let n = password.chars().count();
    if n < MIN_PASSWORD_LEN {
        errors.add(
            field,
            "too_short",
            format!("must be at least {MIN_PASSWORD_LEN} characters"),
        );
    } else if n > MAX_PASSWORD_LEN {
        errors.add(
            field,
            "too_long",
            format!("must be at most {MAX_PASSWORD_LEN} characters"),
        );
    }
}

pub(crate) fn validate_email_field(
    errors: &mut ValidationErrors,
    field: &str,
    email: &str,
) -> String {
    let e = email.trim().to_string();
    if !is_valid_email(&e) {
        errors.add(field, "invalid_email", "must be a valid e-mail address");
    }
    e
}

impl UserInput {
    /// Validates every field; returns the user to store and the plain password to hash.
    pub fn validate(self) -> Result<(NewUser, String), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        validate_username(&mut errors, "username", &self.username);
        let email = validate_email_field(&mut errors, "email", &self.email);
        let full_name = optional_text(
            &mut errors,
            "full_name",
            self.full_name.as_deref(),
            crate::validation::PERSON_MAX_CHARS,
        );
        validate_password(&mut errors, "password", &self.password);
        errors.finish((
            NewUser {
                username: self.username,
                email,
                full_name,
                role: self.role,
                is_active: self.is_active,
            },
            self.password,
        ))
    }
}

/// Changes to a user; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserPatch {
    pub email: Option<String>,
    #[serde(default, deserialize_with = "crate::double_option")]
    pub full_name: Option<Option<String>>,
    pub role: Option<Role>,
    pub is_active: Option<bool>,
}

/// The validated result of applying a [`UserPatch`].
#[derive(Debug, Clone, PartialEq)]
pub struct UserChanges {
    pub email: String,
    pub full_name: Option<String>,
    pub role: Role,
    pub is_active: bool,
}

impl UserPatch {
    /// Applies the patch to the current user and validates the result.
    pub fn apply(self, current: &User) -> Result<UserChanges, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let email = match self.email {
            Some(e) => validate_email_field(&mut errors, "email", &e),
            None => current.email.clone(),
        };
        let full_name = match self.full_name {
            Some(v) => optional_text(
                &mut errors,
                "full_name",
                v.as_deref(),
                crate::validation::PERSON_MAX_CHARS,
            ),
            None => current.full_name.clone(),
        };
        errors.finish(UserChanges {
            email,
            full_name,
            role: self.role.unwrap_or(current.role),
            is_active: self.is_active.unwrap_or(current.is_active),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(username: &str, password: &str) -> UserInput {
        UserInput {
            username: username.into(),
            email: "a@example.com".into(),
            full_name: None,
            role: Role::Operator,
            is_active: true,
            password: password.into(),
        }
    }

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Admin > Role::Manager && Role::Manager > Role::Operator);
        assert_eq!(Role::parse("manager"), Some(Role::Manager));
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn username_and_password_rules() {
        assert!(input("ann.o_k-1", "longenough").validate().is_ok());
        let e = input("An", "short").validate().unwrap_err();
        assert_eq!(e.fields(), vec!["username", "password"]);
        let e = input("UPPER", "longenough").validate().unwrap_err();
        assert_eq!(e.0[0].code, "invalid_characters");
    }
}
