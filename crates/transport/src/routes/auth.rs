//! `/auth/*`: login, refresh, logout, me, verify, health.

use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};
use seo_auth::{Access, Permission, permissions_of};
use serde::Deserialize;
use serde_json::json;

use super::{Table, needs};
use crate::extract::{Caller, Json, OptionalJson};
use crate::middleware::rate_limit::{caller_ip, hit, limit_key, too_many};
use crate::{ApiError, AppState};

/// Body of `POST /auth/login`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    username: String,
    password: String,
}

/// Body of `POST /auth/refresh` (and, optionally, `/auth/logout`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RefreshRequest {
    refresh_token: String,
}

async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest { username, password } = body.0;
    if username.is_empty() || password.is_empty() || username.len() > 256 || password.len() > 1024 {
        return Err(ApiError::unauthorized("invalid username or password"));
    }
    let rl = &state.http.rate_limit;
    if rl.enabled {
        let ip = caller_ip(&req, &state).map_or_else(|| "unknown".to_string(), limit_key);
        let key = format!("rl:login:{ip}:{}", username.to_lowercase());
        if let Some(w) = hit(&state, &key, rl.login_window).await?
            && w.count > rl.login_attempts
        {
            return Err(too_many(
                rl.login_attempts,
                &w,
                "too many login attempts for this username",
            ));
        }
    }
    let (pair, user) = state.auth.login(&username, &password).await?;
    tracing::info!(user_id = %user.id, "login");
    Ok(HttpResponse::Ok().json(pair))
}

async fn refresh(
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let pair = state.auth.refresh(&body.0.refresh_token).await?;
    Ok(HttpResponse::Ok().json(pair))
}

async fn logout(
    state: web::Data<AppState>,
    caller: Caller,
    body: OptionalJson<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let refresh = body.0.as_ref().map(|b| b.refresh_token.as_str());
    state.auth.logout(&caller.0.claims, refresh).await?;
    Ok(HttpResponse::Ok().json(json!({"status": "logged_out"})))
}

async fn me(caller: Caller) -> HttpResponse {
    let user = caller.0.user;
    let mut body = serde_json::to_value(&user).unwrap_or_default();
    crate::json_set(&mut body, "permissions", json!(permissions_of(user.role)));
    HttpResponse::Ok().json(body)
}

async fn verify(caller: Caller) -> HttpResponse {
    let p = caller.0;
    let expires_at = chrono::DateTime::from_timestamp(p.claims.exp, 0).map(|t| t.to_rfc3339());
    HttpResponse::Ok().json(json!({
        "valid": true,
        "user_id": p.user.id,
        "username": p.user.username,
        "role": p.user.role,
        "is_active": p.user.is_active,
        "expires_at": expires_at,
    }))
}

async fn auth_health(state: web::Data<AppState>) -> HttpResponse {
    let db = state.user_counts().await;
    let kv = state.kv.ping().await;
    let healthy = db.is_ok() && kv.is_ok();
    let database = match db {
        Ok((total, active)) => {
            json!({"status": "healthy", "total_users": total, "active_users": active})
        }
        Err(e) => {
            tracing::warn!(error = %e, "auth health: database");
            json!({"status": "unhealthy"})
        }
    };
    let revocations = match kv {
        Ok(d) => {
            json!({"status": "healthy", "backend": state.kv.backend(), "latency_ms": d.as_secs_f64() * 1000.0})
        }
        Err(e) => {
            tracing::warn!(error = %e, "auth health: kv");
            json!({"status": "unhealthy", "backend": state.kv.backend()})
        }
    };
    let body = json!({
        "status": if healthy { "healthy" } else { "unhealthy" },
        "timestamp": chrono::Utc::now().to_rfc3339(),
        "components": {"database": database, "revocation_store": revocations},
    });
    if healthy {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Registers `/auth/*`.
pub fn routes(t: &mut Table<'_>) {
    use crate::openapi::{
        Doc,
        shapes::{Me, Status, TokenCheck, TokenPair},
    };
    t.add(Method::POST, "/auth/login", Access::Public, login)
        .doc(
            Doc::new("Sign in: an access and a refresh token")
                .body::<LoginRequest>()
                .ok::<TokenPair>(200),
        )
        .add(Method::POST, "/auth/refresh", Access::Public, refresh)
        .doc(
            Doc::new("Exchange a refresh token for a new pair (the old one is spent)")
                .body::<RefreshRequest>()
                .ok::<TokenPair>(200),
        )
        .add(Method::POST, "/auth/logout", Access::Authenticated, logout)
        .doc(Doc::new("End this session (optional body: the refresh token)").ok::<Status>(200))
        .add(Method::GET, "/auth/me", Access::Authenticated, me)
        .doc(Doc::new("The signed-in user and their permissions").ok::<Me>(200))
        .add(Method::GET, "/auth/verify", Access::Authenticated, verify)
        .doc(Doc::new("Check the presented access token").ok::<TokenCheck>(200))
        .add(
            Method::GET,
            "/auth/health",
            needs(Permission::SystemRead),
            auth_health,
        )
        .doc(Doc::new("Health of the user store and the revocation store").ok::<Status>(200));
}
