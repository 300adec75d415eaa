//! `/api/users`: user administration (admin), and a user's own password change.

use actix_web::http::Method;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use seo_auth::{Access, Permission};
use seo_domain::{PageRequest, Role, UserInput, UserPatch};
use serde::Deserialize;

use super::{Table, needs};
use crate::extract::{Caller, Json, Query, parse_uuid};
use crate::{ApiError, AppState};

/// `page` and `size`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    page: Option<i64>,
    /// Items per page.
    #[param(minimum = 1, maximum = 100)]
    size: Option<i64>,
}

async fn list(state: web::Data<AppState>, q: Query<PageQuery>) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(q.0.page, q.0.size)?;
    Ok(HttpResponse::Ok().json(state.list_users(page).await?))
}

async fn create(
    state: web::Data<AppState>,
    body: Json<UserInput>,
) -> Result<HttpResponse, ApiError> {
    let (new, password) = body.0.validate()?;
    let user = state.auth.create_user(new, &password).await?;
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, format!("/api/users/{}", user.id)))
        .json(user))
}

async fn get(state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    Ok(HttpResponse::Ok().json(state.user(id).await?))
}

/// Body of `PATCH /api/users/{id}`: profile fields, and optionally a new password.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UserUpdate {
    email: Option<String>,
    #[serde(default, deserialize_with = "seo_domain::double_option")]
    full_name: Option<Option<String>>,
    role: Option<Role>,
    is_active: Option<bool>,
    password: Option<String>,
}

async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: Json<UserUpdate>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    let UserUpdate {
        email,
        full_name,
        role,
        is_active,
        password,
    } = body.0;
    let update = seo_service::UserUpdate {
        patch: UserPatch {
            email,
            full_name,
            role,
            is_active,
        },
        password,
    };
    let user = state.update_user(caller.0.user.id, id, update).await?;
    Ok(HttpResponse::Ok().json(user))
}

async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    state.delete_user(caller.0.user.id, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Body of `POST /api/users/me/password`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PasswordChange {
    current_password: String,
    new_password: String,
}

async fn change_own_password(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    state
        .auth
        .change_password(
            caller.0.user.id,
            &body.0.current_password,
            &body.0.new_password,
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Registers `/api/users`.
pub fn routes(t: &mut Table<'_>) {
    use crate::openapi::{Doc, shapes::UserPage};
    use seo_domain::User;
    let admin = needs(Permission::UsersAdmin);
    t.add(Method::GET, "/api/users", admin, list)
        .doc(
            Doc::new("List users")
                .query::<PageQuery>()
                .ok::<UserPage>(200),
        )
        .add(Method::POST, "/api/users", admin, create)
        .doc(
            Doc::new("Create a user")
                .body::<UserInput>()
                .ok::<User>(201),
        )
        .add(
            Method::POST,
            "/api/users/me/password",
            Access::Authenticated,
            change_own_password,
        )
        .doc(
            Doc::new("Change your own password (ends your other sessions)")
                .body::<PasswordChange>()
                .no_content(),
        )
        .add(Method::GET, "/api/users/{id}", admin, get)
        .doc(Doc::new("Get a user").ok::<User>(200))
        .add(Method::PATCH, "/api/users/{id}", admin, update)
        .doc(
            Doc::new("Change a user's profile, role, status or password")
                .body::<UserUpdate>()
                .ok::<User>(200),
        )
        .add(Method::DELETE, "/api/users/{id}", admin, delete)
        .doc(Doc::new("Delete a user").no_content());
}
