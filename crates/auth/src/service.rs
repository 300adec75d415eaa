//! The auth service: login, refresh with rotation and reuse detection, logout, per-request
//! authentication, password changes, and the first-start admin.
//!
//! Revocations live in the kv store (Redis in production, so every instance sees them):
//! - `auth:revoked:<jti>`: one access token, until it expires;
//! - `auth:rt-used:<jti>`: a refresh token already exchanged (set-if-absent makes the
//!   exchange single-use even when two instances race);
//! - `auth:fam-revoked:<fam>`: every token of one login (logout, or a reused refresh token);
//! - `auth:user-cutoff-us:<user>`: tokens of a user issued at or before this Unix microsecond
//!   (password change, disabling);
//! - `auth:user-cutoff:<user>`: the same in whole seconds, as written by earlier versions
//!   (still honoured until it expires).

use std::sync::Arc;
use std::time::Duration;

use seo_domain::{NewUser, Role, User, ValidationErrors, user::validate_password};
use seo_persistence::kv::Kv;
use seo_persistence::{Database, DbError};
use uuid::Uuid;

use crate::AuthError;
use crate::password::{DUMMY_HASH, random_password};
use crate::tokens::{Claims, TokenPair, TokenService, TokenType};

/// Settings of the auth service.
#[derive(Clone)]
pub struct AuthConfig {
    /// `JWT_SECRET_KEY`; `None` generates one and stores it in the database.
    pub secret: Option<String>,
    /// `ACCESS_TOKEN_EXPIRE_MINUTES` (default 30).
    pub access_ttl: Duration,
    /// `REFRESH_TOKEN_EXPIRE_DAYS` (default 7).
    pub refresh_ttl: Duration,
    /// `ENVIRONMENT=production`: a missing or short secret is an error.
    pub production: bool,
    /// Bound on concurrent password hashing (`PASSWORD_HASH_CONCURRENCY`,
    /// `PASSWORD_HASH_MAX_WAIT_MS`).
    pub hashing: crate::password::Hashing,
    /// How long an authenticated user's record is reused without reading the database
    /// (`USER_CACHE_MS`; zero reads it on every request). Changes through this service
    /// forget it at once here and, through [`USERS_CHANNEL`], on every instance.
    pub user_cache: Duration,
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .field("access_ttl", &self.access_ttl)
            .field("refresh_ttl", &self.refresh_ttl)
            .field("production", &self.production)
            .field("hashing", &self.hashing)
            .field("user_cache", &self.user_cache)
            .finish()
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            secret: None,
            access_ttl: Duration::from_secs(30 * 60),
            refresh_ttl: Duration::from_secs(7 * 24 * 3600),
            production: false,
            hashing: crate::password::Hashing::default(),
            user_cache: Duration::from_secs(5),
        }
    }
}

/// The kv channel on which changed users are announced (the message is the user id), so
/// every instance forgets its cached record of them.
pub const USERS_CHANNEL: &str = "users";

/// The kv channel on which ended sessions are announced, so every instance can close the
/// live connections (WebSockets) that rest on them. Each message is a [`SessionEnded`].
pub const SESSIONS_CHANNEL: &str = "sessions";

/// Which sessions ended: tokens matching any given field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SessionEnded {
    /// One token (logout).
    #[serde(default)]
    pub jti: Option<String>,
    /// Every token of one login (logout, a reused refresh token).
    #[serde(default)]
    pub fam: Option<String>,
    /// The user whose tokens issued at or before `issued_before_us` ended.
    #[serde(default)]
    pub user_id: Option<String>,
    /// Cut-off in Unix microseconds (password change, disabling, role change).
    #[serde(default)]
    pub issued_before_us: Option<i64>,
    /// Why, for the close message.
    pub reason: String,
}

impl SessionEnded {
    /// Whether a connection authenticated with `claims` rests on an ended session.
    pub fn covers(&self, claims: &Claims) -> bool {
        self.jti.as_deref() == Some(claims.jti.as_str())
            || self.fam.as_deref() == Some(claims.fam.as_str())
            || (self.user_id.as_deref() == Some(claims.sub.as_str())
                && self
                    .issued_before_us
                    .is_some_and(|cut| claims.issued_us() <= cut))
    }
}

/// Shortest secret accepted in production.
pub const MIN_SECRET_LEN: usize = 32;
const SECRET_SETTING: &str = "jwt_secret";

/// An authenticated caller: the user as stored now, and the token they presented.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The user (current role and status, not the token's).
    pub user: User,
    /// The access token's claims.
    pub claims: Claims,
}

/// Login, tokens, revocation and passwords.
#[derive(Clone, Debug)]
pub struct AuthService {
    db: Database,
    kv: Arc<dyn Kv>,
    tokens: TokenService,
    hashing: crate::password::Hashing,
    users: Arc<UserCache>,
}

/// Recently authenticated users, by id, with when they were read.
#[derive(Debug, Default)]
struct UserCache {
    ttl: Duration,
    entries: std::sync::Mutex<std::collections::HashMap<Uuid, (std::time::Instant, User)>>,
}

impl UserCache {
    fn get(&self, id: Uuid) -> Option<User> {
        if self.ttl.is_zero() {
            return None;
        }
        let map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&id)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, u)| u.clone())
    }

    fn put(&self, user: &User) {
        if self.ttl.is_zero() {
            return;
        }
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        // Bounded: expired entries are dropped once the map grows.
        if map.len() >= 10_000 {
            let ttl = self.ttl;
            map.retain(|_, (at, _)| at.elapsed() < ttl);
        }
        map.insert(user.id, (std::time::Instant::now(), user.clone()));
    }

    fn forget(&self, id: Uuid) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
    }
}

fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

impl AuthService {
    /// Resolves the signing secret (configured, or generated once and stored in the
    /// database so tokens survive restarts and every instance agrees) and builds the service.
    pub async fn new(db: Database, kv: Arc<dyn Kv>, cfg: &AuthConfig) -> Result<Self, AuthError> {
        let secret = match cfg
            .secret
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(s) if cfg.production && s.len() < MIN_SECRET_LEN => {
                return Err(AuthError::Config(format!(
                    "JWT_SECRET_KEY: must be at least {MIN_SECRET_LEN} characters in production"
                )));
            }
            Some(s) => s.to_string(),
            None if cfg.production => {
                return Err(AuthError::Config(
                    "JWT_SECRET_KEY: required when ENVIRONMENT=production".into(),
                ));
            }
            None => {
                let fresh = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
                let stored = db.get_or_insert_setting(SECRET_SETTING, &fresh).await?;
                tracing::warn!(
                    "JWT_SECRET_KEY is not set: using a generated secret stored in the database; set it explicitly in production"
                );
                stored
            }
        };
        Ok(Self {
            db,
            kv,
            tokens: TokenService::new(secret.as_bytes(), cfg.access_ttl, cfg.refresh_ttl),
            hashing: cfg.hashing.clone(),
            users: Arc::new(UserCache {
                ttl: cfg.user_cache,
                entries: std::sync::Mutex::default(),
            }),
        })
    }

    /// The token signer.
    pub fn tokens(&self) -> &TokenService {
        &self.tokens
    }

    /// Checks a username and password and starts a new token family. Every failure (unknown
    /// user, wrong password, disabled account) is the same `InvalidCredentials`.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
    ) -> Result<(TokenPair, User), AuthError> {
        let creds = self.db.find_credentials(username).await?;
        let Some(creds) = creds else {
            // Same work as a real check, so timing does not reveal which usernames exist.
            self.hashing.verify(password, DUMMY_HASH).await?;
            return Err(AuthError::InvalidCredentials);
        };
        if !self.hashing.verify(password, &creds.password_hash).await? || !creds.user.is_active {
            return Err(AuthError::InvalidCredentials);
        }
        self.db.record_login(creds.user.id).await?;
        let user = self.db.get_user(creds.user.id).await?;
        let (pair, _) = self.tokens.issue_pair(&user, &Uuid::new_v4().to_string())?;
        Ok((pair, user))
    }

    async fn revocation_state(&self, claims: &Claims) -> Result<Option<&'static str>, AuthError> {
        let keys = [
            format!("auth:revoked:{}", claims.jti),
            format!("auth:fam-revoked:{}", claims.fam),
            format!("auth:user-cutoff:{}", claims.sub),
            format!("auth:user-cutoff-us:{}", claims.sub),
        ];
        let v = self
            .kv
            .get_many(&keys)
            .await
            .map_err(|e| AuthError::Unavailable(e.to_string()))?;
        if v.first().is_some_and(Option::is_some) {
            return Ok(Some("token revoked"));
        }
        if v.get(1).is_some_and(Option::is_some) {
            return Ok(Some("session ended"));
        }
        let legacy = v
            .get(2)
            .and_then(Option::as_deref)
            .and_then(|c| c.parse::<i64>().ok())
            .is_some_and(|c| claims.iat < c);
        let precise = v
            .get(3)
            .and_then(Option::as_deref)
            .and_then(|c| c.parse::<i64>().ok())
            .is_some_and(|c| claims.issued_us() <= c);
        if legacy || precise {
            return Ok(Some("credentials changed since this token was issued"));
        }
        Ok(None)
    }

    async fn active_user(&self, claims: &Claims) -> Result<User, AuthError> {
        let id = claims.user_id()?;
        if let Some(u) = self.users.get(id) {
            return Ok(u);
        }
        match self.db.get_user(id).await {
            Ok(u) if u.is_active => {
                self.users.put(&u);
                Ok(u)
            }
            Ok(_) => Err(AuthError::Disabled),
            Err(DbError::NotFound(_)) => Err(AuthError::InvalidToken("unknown user")),
            Err(e) => Err(e.into()),
        }
    }

    /// Forgets this instance's cached record of a user (the next request reads it again).
    pub fn forget_user(&self, id: Uuid) {
        self.users.forget(id);
    }

    /// A user's record changed (profile, role, activity, deletion): forgotten here at once
    /// and announced on [`USERS_CHANNEL`] so every instance forgets it.
    pub async fn user_changed(&self, id: Uuid) {
        self.users.forget(id);
        if let Err(e) = self.kv.publish(USERS_CHANNEL, &id.to_string()).await {
            tracing::warn!(error = %e, user_id = %id, "could not announce a changed user");
        }
    }

    /// Authenticates a bearer access token: signature, type, expiry, revocation, and the
    /// user still existing and active (a disabled user's tokens stop working at once).
    pub async fn authenticate(&self, token: &str) -> Result<Principal, AuthError> {
        let claims = self.tokens.verify(token, TokenType::Access)?;
        if let Some(why) = self.revocation_state(&claims).await? {
            return Err(AuthError::Revoked(why));
        }
        let user = self.active_user(&claims).await?;
        Ok(Principal { user, claims })
    }

    /// Exchanges a refresh token for a new pair. The old refresh token is spent; presenting
    /// a spent one again revokes its whole family (someone holds a stolen copy).
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenPair, AuthError> {
        let claims = self.tokens.verify(refresh_token, TokenType::Refresh)?;
        if let Some(why) = self.revocation_state(&claims).await? {
            return Err(AuthError::Revoked(why));
        }
        let ttl = claims.remaining(now_secs()).max(Duration::from_secs(1));
        let first_use = self
            .kv
            .set_nx_ex(&format!("auth:rt-used:{}", claims.jti), "1", ttl)
            .await
            .map_err(|e| AuthError::Unavailable(e.to_string()))?;
        if !first_use {
            self.revoke_family(&claims.fam).await?;
            tracing::warn!(user_id = %claims.sub, "refresh token reused: its token family is revoked");
            return Err(AuthError::Revoked(
                "refresh token already used; every session token of this login is revoked",
            ));
        }
        let user = self.active_user(&claims).await?;
        let (pair, _) = self.tokens.issue_pair(&user, &claims.fam)?;
        Ok(pair)
    }

    async fn revoke_family(&self, fam: &str) -> Result<(), AuthError> {
        self.kv
            .set_ex(
                &format!("auth:fam-revoked:{fam}"),
                "1",
                self.tokens.refresh_ttl,
            )
            .await
            .map_err(|e| AuthError::Unavailable(e.to_string()))?;
        self.announce(SessionEnded {
            jti: None,
            fam: Some(fam.to_string()),
            user_id: None,
            issued_before_us: None,
            reason: "session ended".into(),
        })
        .await;
        Ok(())
    }

    /// Publishes an ended session on [`SESSIONS_CHANNEL`]. The revocation itself is already
    /// stored; a failed announcement only delays closing live connections (logged).
    async fn announce(&self, ended: SessionEnded) {
        match serde_json::to_string(&ended) {
            Ok(text) => {
                if let Err(e) = self.kv.publish(SESSIONS_CHANNEL, &text).await {
                    tracing::warn!(error = %e, "could not announce an ended session");
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not encode an ended session"),
        }
    }

    /// Ends the live connections of a user's current tokens without revoking the tokens
    /// (e.g. a role change: connections re-authenticate and see the new role).
    pub async fn end_live_sessions(&self, user_id: Uuid, reason: &str) {
        self.user_changed(user_id).await;
        self.announce(SessionEnded {
            jti: None,
            fam: None,
            user_id: Some(user_id.to_string()),
            issued_before_us: Some(chrono::Utc::now().timestamp_micros()),
            reason: reason.into(),
        })
        .await;
    }

    /// Ends the session of an access token: the token itself and every token of its family
    /// (so its refresh token too). A refresh token passed along is spent as well.
    pub async fn logout(
        &self,
        access: &Claims,
        refresh_token: Option<&str>,
    ) -> Result<(), AuthError> {
        let ttl = access.remaining(now_secs()).max(Duration::from_secs(1));
        self.kv
            .set_ex(&format!("auth:revoked:{}", access.jti), "1", ttl)
            .await
            .map_err(|e| AuthError::Unavailable(e.to_string()))?;
        self.announce(SessionEnded {
            jti: Some(access.jti.clone()),
            fam: None,
            user_id: None,
            issued_before_us: None,
            reason: "signed out".into(),
        })
        .await;
        self.revoke_family(&access.fam).await?;
        if let Some(rt) = refresh_token
            && let Ok(rc) = self.tokens.verify(rt, TokenType::Refresh)
            && rc.sub == access.sub
        {
            self.revoke_family(&rc.fam).await?;
        }
        Ok(())
    }

    /// Revokes every token of a user issued before now (password change, disabling).
    pub async fn revoke_user_tokens(&self, user_id: Uuid) -> Result<(), AuthError> {
        self.user_changed(user_id).await;
        let cut = chrono::Utc::now().timestamp_micros();
        self.kv
            .set_ex(
                &format!("auth:user-cutoff-us:{user_id}"),
                &cut.to_string(),
                self.tokens.refresh_ttl,
            )
            .await
            .map_err(|e| AuthError::Unavailable(e.to_string()))?;
        self.announce(SessionEnded {
            jti: None,
            fam: None,
            user_id: Some(user_id.to_string()),
            issued_before_us: Some(cut),
            reason: "credentials changed".into(),
        })
        .await;
        Ok(())
    }

    /// Sets a user's password (after the length rule) and revokes their older tokens.
    pub async fn set_password(&self, user_id: Uuid, new_password: &str) -> Result<(), AuthError> {
        let mut e = ValidationErrors::default();
        validate_password(&mut e, "new_password", new_password);
        e.finish(())?;
        let hash = self.hashing.hash(new_password).await?;
        self.db.set_password_hash(user_id, hash).await?;
        self.revoke_user_tokens(user_id).await
    }

    /// A user changing their own password: the current one must match.
    pub async fn change_password(
        &self,
        user_id: Uuid,
        current: &str,
        new_password: &str,
    ) -> Result<(), AuthError> {
        let creds = self.db.get_credentials(user_id).await?;
        if !self.hashing.verify(current, &creds.password_hash).await? {
            return Err(AuthError::Validation(ValidationErrors::single(
                "current_password",
                "mismatch",
                "does not match the current password",
            )));
        }
        self.set_password(user_id, new_password).await
    }

    /// Creates a user with a hashed password.
    pub async fn create_user(&self, new: NewUser, password: &str) -> Result<User, AuthError> {
        let hash = self.hashing.hash(password).await?;
        Ok(self.db.create_user(new, hash).await?)
    }

    /// First start: when no user exists, creates `admin` with `admin_password`, or with a
    /// random password that is returned so the caller can show it once.
    pub async fn ensure_admin(
        &self,
        admin_password: Option<&str>,
    ) -> Result<Option<String>, AuthError> {
        if self.db.count_users().await? > 0 {
            return Ok(None);
        }
        let (password, generated) = match admin_password.filter(|p| !p.is_empty()) {
            Some(p) => (p.to_string(), false),
            None => (random_password(), true),
        };
        let mut e = ValidationErrors::default();
        validate_password(&mut e, "ADMIN_PASSWORD", &password);
        e.finish(())?;
        let admin = NewUser {
            username: "admin".into(),
            email: "admin@localhost.localdomain".into(),
            full_name: Some("Administrator".into()),
            role: Role::Admin,
            is_active: true,
        };
        match self.create_user(admin, &password).await {
            Ok(_) => Ok(generated.then_some(password)),
            // Another instance created it first.
            Err(AuthError::Db(DbError::Conflict(_))) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
