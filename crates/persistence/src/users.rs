//! User repository.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use seo_domain::{NewUser, Page, PageRequest, Role, User, UserChanges};
use uuid::Uuid;

use crate::schema::users;
use crate::{Database, DbError, DbResult, now, parse_id, utc};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
struct UserRow {
    id: String,
    username: String,
    email: String,
    full_name: Option<String>,
    password_hash: String,
    role: String,
    is_active: bool,
    last_login: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl UserRow {
    fn into_domain(self) -> DbResult<(User, String)> {
        let role = Role::parse(&self.role)
            .ok_or_else(|| DbError::Corrupt(format!("unknown role {}", self.role)))?;
        Ok((
            User {
                id: parse_id(&self.id)?,
                username: self.username,
                email: self.email,
                full_name: self.full_name,
                role,
                is_active: self.is_active,
                last_login: self.last_login.map(utc),
                created_at: utc(self.created_at),
                updated_at: utc(self.updated_at),
            },
            self.password_hash,
        ))
    }
}

/// A user together with the stored password hash, for authentication only.
#[derive(Clone)]
pub struct UserCredentials {
    /// The user.
    pub user: User,
    /// The argon2 PHC string.
    pub password_hash: String,
}

impl std::fmt::Debug for UserCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserCredentials")
            .field("user", &self.user)
            .field("password_hash", &"***")
            .finish()
    }
}

fn not_found(e: DbError) -> DbError {
    match e {
        DbError::NotFound(_) => DbError::NotFound("user"),
        other => other,
    }
}

impl Database {
    /// Stores a new user with an already-hashed password. A taken username is a `Conflict`.
    pub async fn create_user(&self, new: NewUser, password_hash: String) -> DbResult<User> {
        self.run(move |mut conn| async move {
            let ts = now();
            let row = UserRow {
                id: Uuid::new_v4().to_string(),
                username: new.username.clone(),
                email: new.email,
                full_name: new.full_name,
                password_hash,
                role: new.role.as_str().to_string(),
                is_active: new.is_active,
                last_login: None,
                created_at: ts,
                updated_at: ts,
            };
            let row: UserRow = db_run!(conn, c => {
                diesel::insert_into(users::table).values(&row).returning(UserRow::as_returning()).get_result(c).await
            })
            .map_err(|e| match DbError::from(e) {
                DbError::Conflict(_) => DbError::Conflict(format!("username '{}' is already taken", new.username)),
                other => other,
            })?;
            Ok(row.into_domain()?.0)
        })
        .await
    }

    /// One user by id.
    pub async fn get_user(&self, id: Uuid) -> DbResult<User> {
        self.run(move |mut conn| async move {
            let row: UserRow = db_run!(conn, c => {
                users::table.find(id.to_string()).select(UserRow::as_select()).first(c).await
            })
            .map_err(|e| not_found(e.into()))?;
            Ok(row.into_domain()?.0)
        })
        .await
    }

    /// A user and password hash by username, for login.
    pub async fn find_credentials(&self, username: &str) -> DbResult<Option<UserCredentials>> {
        let username = username.to_string();
        self.run(move |mut conn| async move {
            let row: Option<UserRow> = db_run!(conn, c => {
                users::table.filter(users::username.eq(&username)).select(UserRow::as_select()).first(c).await.optional()
            })?;
            row.map(|r| r.into_domain().map(|(user, password_hash)| UserCredentials { user, password_hash }))
                .transpose()
        })
        .await
    }

    /// The password hash of a user by id.
    pub async fn get_credentials(&self, id: Uuid) -> DbResult<UserCredentials> {
        self.run(move |mut conn| async move {
            let row: UserRow = db_run!(conn, c => {
                users::table.find(id.to_string()).select(UserRow::as_select()).first(c).await
            })
            .map_err(|e| not_found(e.into()))?;
            let (user, password_hash) = row.into_domain()?;
            Ok(UserCredentials {
                user,
                password_hash,
            })
        })
        .await
    }

    /// Users ordered by username.
    pub async fn list_users(&self, page: PageRequest) -> DbResult<Page<User>> {
        self.run(move |mut conn| async move {
            let (rows, total): (Vec<UserRow>, i64) = db_run!(conn, c => {
                let rows: Vec<UserRow> = users::table
                    .select(UserRow::as_select())
                    .order(crate::order_then_page("username ASC", page))
                    .load(c)
                    .await?;
                let total = match crate::known_total(page, rows.len()) {
                    Some(t) => t,
                    None => users::table.count().get_result(c).await?,
                };
                (rows, total)
            });
            let items = rows
                .into_iter()
                .map(|r| r.into_domain().map(|(u, _)| u))
                .collect::<DbResult<Vec<_>>>()?;
            Ok(Page::new(items, total, page))
        })
        .await
    }

    /// Writes the editable fields of a user.
    pub async fn update_user(&self, id: Uuid, ch: UserChanges) -> DbResult<User> {
        self.run(move |mut conn| async move {
            let row: UserRow = db_run!(conn, c => {
                diesel::update(users::table.find(id.to_string()))
                    .set((
                        users::email.eq(&ch.email),
                        users::full_name.eq(&ch.full_name),
                        users::role.eq(ch.role.as_str()),
                        users::is_active.eq(ch.is_active),
                        users::updated_at.eq(now()),
                    ))
                    .returning(UserRow::as_returning())
                    .get_result(c)
                    .await
            })
            .map_err(|e| not_found(e.into()))?;
            Ok(row.into_domain()?.0)
        })
        .await
    }

    /// Writes the editable fields of a user unless that would leave no active admin: the
    /// check and the write are one conditional statement (on PostgreSQL after locking the
    /// admin rows in id order), so two admins demoting each other at once cannot both
    /// succeed. `Conflict` when refused, `NotFound` when there is no such user.
    pub async fn update_user_keeping_an_admin(&self, id: Uuid, ch: UserChanges) -> DbResult<User> {
        let keeps_rights = ch.role == Role::Admin && ch.is_active;
        self.run(move |mut conn| async move {
            let lock = admin_lock_sql(&conn);
            let sid = id.to_string();
            let row: Option<UserRow> = db_tx!(conn, c => {
                if let Some(l) = lock {
                    diesel::sql_query(l).execute(c).await?;
                }
                Ok(diesel::update(users::table.filter(users::id.eq(&sid)).filter(another_admin_guard(keeps_rights, &sid)))
                    .set((
                        users::email.eq(&ch.email),
                        users::full_name.eq(&ch.full_name),
                        users::role.eq(ch.role.as_str()),
                        users::is_active.eq(ch.is_active),
                        users::updated_at.eq(now()),
                    ))
                    .returning(UserRow::as_returning())
                    .get_result(c)
                    .await
                    .optional()?)
            })?;
            match row {
                Some(r) => Ok(r.into_domain()?.0),
                None => Err(refusal(&mut conn, &sid, "the last active admin cannot be demoted or disabled").await),
            }
        })
        .await
    }

    /// Deletes a user unless they are the last active admin (one conditional statement, as
    /// [`Database::update_user_keeping_an_admin`]); tasks they created keep existing.
    pub async fn delete_user_keeping_an_admin(&self, id: Uuid) -> DbResult<()> {
        self.run(move |mut conn| async move {
            let lock = admin_lock_sql(&conn);
            let sid = id.to_string();
            let n: usize = db_tx!(conn, c => {
                if let Some(l) = lock {
                    diesel::sql_query(l).execute(c).await?;
                }
                Ok(diesel::delete(users::table.filter(users::id.eq(&sid)).filter(another_admin_guard(false, &sid)))
                    .execute(c)
                    .await?)
            })?;
            if n == 1 {
                Ok(())
            } else {
                Err(refusal(&mut conn, &sid, "the last active admin cannot be deleted").await)
            }
        })
        .await
    }

    /// Replaces a user's password hash.
    pub async fn set_password_hash(&self, id: Uuid, password_hash: String) -> DbResult<()> {
        self.run(move |mut conn| async move {
            let n = db_run!(conn, c => {
                diesel::update(users::table.find(id.to_string()))
                    .set((users::password_hash.eq(&password_hash), users::updated_at.eq(now())))
                    .execute(c)
                    .await
            })?;
            if n == 0 {
                Err(DbError::NotFound("user"))
            } else {
                Ok(())
            }
        })
        .await
    }

    /// Stamps `last_login` with now.
    pub async fn record_login(&self, id: Uuid) -> DbResult<()> {
        self.run(move |mut conn| async move {
            db_run!(conn, c => {
                diesel::update(users::table.find(id.to_string())).set(users::last_login.eq(now())).execute(c).await
            })?;
            Ok(())
        })
        .await
    }

    /// Deletes a user; tasks they created keep existing with `created_by` cleared.
    pub async fn delete_user(&self, id: Uuid) -> DbResult<()> {
        self.run(move |mut conn| async move {
            let n = db_run!(conn, c => { diesel::delete(users::table.find(id.to_string())).execute(c).await })?;
            if n == 0 { Err(DbError::NotFound("user")) } else { Ok(()) }
        })
        .await
    }

    /// How many users exist (first start creates `admin` when this is zero).
    pub async fn count_users(&self) -> DbResult<i64> {
        self.run(move |mut conn| async move {
            Ok(db_run!(conn, c => { users::table.count().get_result::<i64>(c).await })?)
        })
        .await
    }

    /// Active users with the admin role (the last one cannot be demoted or removed).
    pub async fn count_active_admins(&self) -> DbResult<i64> {
        self.run(move |mut conn| async move {
            Ok(db_run!(conn, c => {
                users::table
                    .filter(users::role.eq("admin"))
                    .filter(users::is_active.eq(true))
                    .count()
                    .get_result::<i64>(c)
                    .await
            })?)
        })
        .await
    }

    /// `(total, active)` user counts.
    pub async fn user_counts(&self) -> DbResult<(i64, i64)> {
        self.run(move |mut conn| async move {
            Ok(db_run!(conn, c => {
                let total = users::table.count().get_result::<i64>(c).await?;
                let active = users::table.filter(users::is_active.eq(true)).count().get_result::<i64>(c).await?;
                Ok::<_, diesel::result::Error>((total, active))
            })?)
        })
        .await
    }
}

/// PostgreSQL: lock the active admin rows in id order before a guarded write, so concurrent
/// guarded writes queue instead of each seeing the other's admin still in place.
fn admin_lock_sql(conn: &crate::db::DbConn) -> Option<&'static str> {
    match conn {
        crate::db::DbConn::Sqlite(_) => None,
        crate::db::DbConn::Pg(_) => {
            Some("SELECT id FROM users WHERE role = 'admin' AND is_active ORDER BY id FOR UPDATE")
        }
    }
}

/// The write is allowed when the user keeps admin rights, is not an active admin, or
/// another active admin exists.
fn another_admin_guard(
    keeps_rights: bool,
    id: &str,
) -> diesel::expression::SqlLiteral<
    diesel::sql_types::Bool,
    impl diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite>
    + diesel::query_builder::QueryFragment<diesel::pg::Pg>
    + Send,
> {
    diesel::dsl::sql::<diesel::sql_types::Bool>("(")
        .bind::<diesel::sql_types::Bool, _>(keeps_rights)
        .sql(" OR NOT (role = 'admin' AND is_active) OR EXISTS (SELECT 1 FROM users o WHERE o.role = 'admin' AND o.is_active AND o.id <> ")
        .bind::<diesel::sql_types::Text, _>(id.to_string())
        .sql("))")
}

/// Why a guarded write changed nothing: the user is missing, or the guard refused.
async fn refusal(conn: &mut crate::db::DbConn, id: &str, why: &str) -> DbError {
    let id = id.to_string();
    let mut conn = conn;
    let exists: Result<i64, diesel::result::Error> = db_run!(conn, c => {
        users::table.filter(users::id.eq(&id)).count().get_result(c).await
    });
    match exists {
        Ok(0) => DbError::NotFound("user"),
        Ok(_) => DbError::Conflict(why.to_string()),
        Err(e) => e.into(),
    }
}
