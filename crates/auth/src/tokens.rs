//! JWT access and refresh tokens (HS256).
//!
//! Claims: `sub` (user id), `role`, `jti`, `iat`, `exp`, `typ` (`access`|`refresh`), `iss`,
//! `aud`, and `fam`: the refresh family, shared by every token descended from one login, so
//! that a reused refresh token can revoke the whole family.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use seo_domain::{Role, User};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::AuthError;

/// Issuer and audience written into every token.
pub const ISSUER: &str = "seo-architects";
/// Audience of every token.
pub const AUDIENCE: &str = "seo-architects-api";

/// Which kind of token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenType {
    /// Short-lived, sent as `Authorization: Bearer`.
    Access,
    /// Long-lived, only accepted by `/auth/refresh` and `/auth/logout`.
    Refresh,
}

/// The claims of both token kinds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: String,
    /// Role at issue time (authorization always uses the role stored now).
    pub role: Role,
    /// Unique token id (revocation key).
    pub jti: String,
    /// Issued at, Unix seconds.
    pub iat: i64,
    /// Issued at, Unix microseconds (what revocation cut-offs compare with, so a password
    /// change ends every token issued before it, even in the same second).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat_us: Option<i64>,
    /// Expires at, Unix seconds.
    pub exp: i64,
    /// Token kind.
    pub typ: TokenType,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Refresh family id.
    pub fam: String,
}

impl Claims {
    /// When the token was issued, in Unix microseconds (tokens from before `iat_us`
    /// existed count from the start of their second).
    pub fn issued_us(&self) -> i64 {
        self.iat_us
            .unwrap_or_else(|| self.iat.saturating_mul(1_000_000))
    }

    /// The user id.
    pub fn user_id(&self) -> Result<Uuid, AuthError> {
        Uuid::parse_str(&self.sub).map_err(|_| AuthError::InvalidToken("malformed subject"))
    }

    /// Seconds until expiry (zero when past).
    pub fn remaining(&self, now: i64) -> Duration {
        Duration::from_secs(u64::try_from(self.exp - now).unwrap_or(0))
    }
}

/// A signed access/refresh pair, as `/auth/login` and `/auth/refresh` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenPair {
    /// The access token.
    pub access_token: String,
    /// The refresh token.
    pub refresh_token: String,
    /// Always `bearer`.
    pub token_type: String,
    /// Access-token lifetime in seconds.
    pub expires_in: u64,
}

/// Signs and checks tokens with one secret.
#[derive(Clone)]
pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// Access-token lifetime.
    pub access_ttl: Duration,
    /// Refresh-token lifetime.
    pub refresh_ttl: Duration,
}

impl std::fmt::Debug for TokenService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenService")
            .field("secret", &"***")
            .field("access_ttl", &self.access_ttl)
            .field("refresh_ttl", &self.refresh_ttl)
            .finish()
    }
}

impl TokenService {
    /// A service signing with `secret`.
    pub fn new(secret: &[u8], access_ttl: Duration, refresh_ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            access_ttl,
            refresh_ttl,
        }
    }

    fn sign(
        &self,
        user: &User,
        typ: TokenType,
        fam: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(String, Claims), AuthError> {
        let now = at.timestamp();
        let ttl = match typ {
            TokenType::Access => self.access_ttl,
            TokenType::Refresh => self.refresh_ttl,
        };
        let claims = Claims {
            sub: user.id.to_string(),
            role: user.role,
            jti: Uuid::new_v4().to_string(),
            iat: now,
            iat_us: Some(at.timestamp_micros()),
            exp: now + i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2),
            typ,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            fam: fam.to_string(),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AuthError::Internal(format!("token signing failed: {e}")))?;
        Ok((token, claims))
    }

    /// Issues an access and a refresh token of family `fam` (a new login starts a family).
    pub fn issue_pair(&self, user: &User, fam: &str) -> Result<(TokenPair, Claims), AuthError> {
        let now = chrono::Utc::now();
        let (access_token, _) = self.sign(user, TokenType::Access, fam, now)?;
        let (refresh_token, refresh) = self.sign(user, TokenType::Refresh, fam, now)?;
        Ok((
            TokenPair {
                access_token,
                refresh_token,
                token_type: "bearer".into(),
                expires_in: self.access_ttl.as_secs(),
            },
            refresh,
        ))
    }

    /// Checks signature, issuer, audience, expiry and that the token is of kind `expected`.
    pub fn verify(&self, token: &str, expected: TokenType) -> Result<Claims, AuthError> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind as K;
            AuthError::InvalidToken(match e.kind() {
                K::ExpiredSignature => "token expired",
                K::InvalidSignature => "bad signature",
                K::InvalidAudience => "wrong audience",
                K::InvalidIssuer => "wrong issuer",
                _ => "malformed token",
            })
        })?;
        if data.claims.typ != expected {
            return Err(AuthError::InvalidToken(match expected {
                TokenType::Access => "a refresh token is not an access token",
                TokenType::Refresh => "an access token is not a refresh token",
            }));
        }
        Ok(data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> User {
        let now = chrono::Utc::now();
        User {
            id: Uuid::new_v4(),
            username: "ann".into(),
            email: "a@example.com".into(),
            full_name: None,
            role: Role::Manager,
            is_active: true,
            last_login: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn types_are_enforced_both_ways_and_keys_matter() {
        let s = TokenService::new(
            b"0123456789abcdef0123456789abcdef",
            Duration::from_secs(60),
            Duration::from_secs(600),
        );
        let u = user();
        let (pair, refresh) = s.issue_pair(&u, "fam-1").unwrap();
        let access = s.verify(&pair.access_token, TokenType::Access).unwrap();
        assert_eq!(
            (access.sub, access.role, access.fam.as_str()),
            (u.id.to_string(), Role::Manager, "fam-1")
        );
        assert_eq!(refresh.exp - refresh.iat, 600);
        assert!(s.verify(&pair.refresh_token, TokenType::Access).is_err());
        assert!(s.verify(&pair.access_token, TokenType::Refresh).is_err());
        let other = TokenService::new(
            b"another secret another secret!!!",
            Duration::from_secs(60),
            Duration::from_secs(60),
        );
        assert!(matches!(
            other.verify(&pair.access_token, TokenType::Access),
            Err(AuthError::InvalidToken("bad signature"))
        ));
        assert!(s.verify("garbage", TokenType::Access).is_err());
        assert!(
            !format!("{s:?}").contains("0123456789"),
            "the secret never reaches Debug"
        );
    }
}
