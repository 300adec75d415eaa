//! Disavow exclusions: entries an operator keeps out of a client's disavow file.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Serialize;
use uuid::Uuid;

use crate::schema::disavow_exclusions;
use crate::{Database, DbError, DbResult, now, parse_opt_id, utc};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = disavow_exclusions)]
struct Row {
    client_id: String,
    entry: String,
    reason: Option<String>,
    created_by: Option<String>,
    created_at: NaiveDateTime,
}

/// One excluded entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DisavowExclusion {
    /// The client.
    pub client_id: Uuid,
    /// `domain:host` or a URL.
    pub entry: String,
    /// Why.
    pub reason: Option<String>,
    /// Who excluded it.
    pub created_by: Option<Uuid>,
    /// When.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl Row {
    fn into_domain(self) -> DbResult<DisavowExclusion> {
        Ok(DisavowExclusion {
            client_id: crate::parse_id(&self.client_id)?,
            entry: self.entry,
            reason: self.reason,
            created_by: parse_opt_id(self.created_by.as_deref())?,
            created_at: utc(self.created_at),
        })
    }
}

impl Database {
    /// Excludes `entry` from the client's disavow file; the same entry again returns the
    /// stored one with `false` (nothing written). An unknown client is `InvalidReference`.
    pub async fn add_disavow_exclusion(
        &self,
        client_id: Uuid,
        entry: String,
        reason: Option<String>,
        by: Option<Uuid>,
    ) -> DbResult<(DisavowExclusion, bool)> {
        self.run(move |mut conn| async move {
            let row = Row {
                client_id: client_id.to_string(),
                entry,
                reason,
                created_by: by.map(|u| u.to_string()),
                created_at: now(),
            };
            let (stored, created): (Row, bool) = db_tx!(conn, c => {
                let existing: Option<Row> = disavow_exclusions::table
                    .find((&row.client_id, &row.entry))
                    .select(Row::as_select())
                    .first(c)
                    .await
                    .optional()?;
                if let Some(e) = existing {
                    return Ok((e, false));
                }
                diesel::insert_into(disavow_exclusions::table).values(&row).execute(c).await.map_err(|e| match DbError::from(e) {
                    DbError::InvalidReference(_) => DbError::NotFound("client"),
                    other => other,
                })?;
                Ok((row, true))
            })?;
            Ok((stored.into_domain()?, created))
        })
        .await
    }

    /// A client's exclusions, oldest first.
    pub async fn disavow_exclusions(&self, client_id: Uuid) -> DbResult<Vec<DisavowExclusion>> {
        self.run(move |mut conn| async move {
            let rows: Vec<Row> = db_run!(conn, c => {
                disavow_exclusions::table
                    .filter(disavow_exclusions::client_id.eq(client_id.to_string()))
                    .select(Row::as_select())
                    .order(disavow_exclusions::created_at.asc())
                    .load(c)
                    .await
            })?;
            rows.into_iter().map(Row::into_domain).collect()
        })
        .await
    }
}
