//! Technical audits as records: figures and snapshot per audit, written in the transaction
//! that completes the audit task, with the campaign's older audits beyond the retention
//! deleted in the same transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use seo_domain::{Audit, AuditDetail, Page, PageRequest};
use uuid::Uuid;

use crate::schema::audits;
use crate::{
    Database, DbError, DbResult, known_total, order_then_page, parse_id, parse_opt_id, utc,
};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = audits)]
pub(crate) struct AuditRow {
    pub(crate) id: String,
    pub(crate) task_id: Option<String>,
    pub(crate) client_id: Option<String>,
    pub(crate) campaign_id: Option<String>,
    pub(crate) summary: String,
    pub(crate) snapshot: String,
    pub(crate) created_at: NaiveDateTime,
}

/// The list view: everything but the snapshot.
#[derive(Queryable, Selectable)]
#[diesel(table_name = audits)]
struct AuditHead {
    id: String,
    task_id: Option<String>,
    client_id: Option<String>,
    campaign_id: Option<String>,
    summary: String,
    created_at: NaiveDateTime,
}

impl AuditHead {
    fn into_domain(self) -> DbResult<Audit> {
        Ok(Audit {
            id: parse_id(&self.id)?,
            task_id: parse_opt_id(self.task_id.as_deref())?,
            client_id: parse_opt_id(self.client_id.as_deref())?,
            campaign_id: parse_opt_id(self.campaign_id.as_deref())?,
            summary: serde_json::from_str(&self.summary)?,
            created_at: utc(self.created_at),
        })
    }
}

impl AuditRow {
    fn into_domain(self) -> DbResult<AuditDetail> {
        let snapshot = serde_json::from_str(&self.snapshot)?;
        let head = AuditHead {
            id: self.id,
            task_id: self.task_id,
            client_id: self.client_id,
            campaign_id: self.campaign_id,
            summary: self.summary,
            created_at: self.created_at,
        };
        Ok(AuditDetail {
            audit: head.into_domain()?,
            snapshot,
        })
    }

    /// The row of a new audit.
    pub(crate) fn new(a: &seo_domain::NewAudit) -> DbResult<Self> {
        Ok(Self {
            id: a.id.to_string(),
            task_id: Some(a.task_id.to_string()),
            client_id: a.client_id.map(|c| c.to_string()),
            campaign_id: a.campaign_id.map(|c| c.to_string()),
            summary: serde_json::to_string(&a.summary)?,
            snapshot: serde_json::to_string(&a.snapshot)?,
            created_at: crate::now(),
        })
    }
}

/// Stores an audit inside an open transaction on `$c` and deletes the campaign's audits
/// beyond the newest `retention`. Evaluates to `DbResult<()>`.
macro_rules! apply_audit {
    ($c:ident, $new:expr) => {{
        use crate::schema::audits as a;
        let n: &seo_domain::NewAudit = $new;
        let row = crate::audits::AuditRow::new(n)?;
        diesel::insert_into(a::table)
            .values(&row)
            .execute($c)
            .await?;
        if let Some(campaign) = n.campaign_id {
            let keep = i64::try_from(n.retention.max(1)).unwrap_or(i64::MAX);
            let old: Vec<String> = a::table
                .filter(a::campaign_id.eq(campaign.to_string()))
                .select(a::id)
                .order((a::created_at.desc(), a::id.desc()))
                .offset(keep)
                .load($c)
                .await?;
            if !old.is_empty() {
                diesel::delete(a::table.filter(a::id.eq_any(old)))
                    .execute($c)
                    .await?;
            }
        }
        Ok::<(), crate::DbError>(())
    }};
}
pub(crate) use apply_audit;

impl Database {
    /// A campaign's audits, newest first, without snapshots.
    pub async fn list_audits(&self, campaign_id: Uuid, page: PageRequest) -> DbResult<Page<Audit>> {
        let campaign = campaign_id.to_string();
        self.run(move |mut conn| async move {
            let (rows, total): (Vec<AuditHead>, i64) = db_run!(conn, c => {
                let rows: Vec<AuditHead> = audits::table
                    .filter(audits::campaign_id.eq(campaign.clone()))
                    .select(AuditHead::as_select())
                    .order(order_then_page("created_at DESC, id DESC", page))
                    .load(c)
                    .await?;
                let total = match known_total(page, rows.len()) {
                    Some(t) => t,
                    None => audits::table.filter(audits::campaign_id.eq(campaign.clone())).count().get_result(c).await?,
                };
                Ok::<_, DbError>((rows, total))
            })?;
            let items = rows.into_iter().map(AuditHead::into_domain).collect::<DbResult<Vec<_>>>()?;
            Ok(Page::new(items, total, page))
        })
        .await
    }

    /// One audit with its snapshot.
    pub async fn get_audit(&self, id: Uuid) -> DbResult<AuditDetail> {
        self.run(move |mut conn| async move {
            let row: Option<AuditRow> = db_run!(conn, c => {
                audits::table
                    .find(id.to_string())
                    .select(AuditRow::as_select())
                    .first(c)
                    .await
                    .optional()
            })?;
            row.ok_or(DbError::NotFound("audit"))?.into_domain()
        })
        .await
    }

    /// The newest audit of a campaign with its snapshot.
    pub async fn latest_audit(&self, campaign_id: Uuid) -> DbResult<Option<AuditDetail>> {
        self.run(move |mut conn| async move {
            let row: Option<AuditRow> = db_run!(conn, c => {
                audits::table
                    .filter(audits::campaign_id.eq(campaign_id.to_string()))
                    .select(AuditRow::as_select())
                    .order((audits::created_at.desc(), audits::id.desc()))
                    .first(c)
                    .await
                    .optional()
            })?;
            row.map(AuditRow::into_domain).transpose()
        })
        .await
    }
}
