//! Lead repository: the record, its stage history, and the won → client hand-over.
//!
//! Rules: a stage move is checked against the lead's stage inside the transaction that
//! writes it, together with its history entry; a move to `won` creates the client (or
//! links the client of the same name) in that same transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use seo_domain::{
    ClientDraft, Lead, LeadDraft, LeadFilter, LeadStage, Page, PageRequest, Qualification,
    StageChange,
};
use uuid::Uuid;

use crate::clients::ClientRow;
use crate::schema::{clients, lead_stage_changes, leads};
use crate::{
    Database, DbError, DbResult, contains_pattern, known_total, now, order_then_page, parse_id,
    parse_opt_id, utc,
};

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = leads)]
#[diesel(treat_none_as_null = true)]
pub(crate) struct LeadRow {
    id: String,
    company_name: String,
    contact_name: Option<String>,
    contact_role: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    website: Option<String>,
    industry: Option<String>,
    company_size: Option<String>,
    budget_range: Option<String>,
    timeline: Option<String>,
    pain_points: String,
    goals: String,
    source: Option<String>,
    notes: Option<String>,
    owner_id: Option<String>,
    stage: String,
    lost_reason: Option<String>,
    score: Option<f64>,
    classification: Option<String>,
    client_id: Option<String>,
    search_key: String,
    created_by: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// The writable fields of a lead as one change set (the rest keep their value).
#[derive(AsChangeset)]
#[diesel(table_name = leads)]
#[diesel(treat_none_as_null = true)]
struct LeadFields {
    company_name: String,
    contact_name: Option<String>,
    contact_role: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    website: Option<String>,
    industry: Option<String>,
    company_size: Option<String>,
    budget_range: Option<String>,
    timeline: Option<String>,
    pain_points: String,
    goals: String,
    source: Option<String>,
    notes: Option<String>,
    owner_id: Option<String>,
    search_key: String,
    updated_at: NaiveDateTime,
}

impl LeadFields {
    fn new(d: LeadDraft) -> DbResult<Self> {
        let search_key = [
            Some(d.company_name.as_str()),
            d.contact_name.as_deref(),
            d.email.as_deref(),
            d.website.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n")
        .to_lowercase();
        Ok(Self {
            pain_points: serde_json::to_string(&d.pain_points)?,
            goals: serde_json::to_string(&d.goals)?,
            company_name: d.company_name,
            contact_name: d.contact_name,
            contact_role: d.contact_role,
            email: d.email,
            phone: d.phone,
            website: d.website,
            industry: d.industry,
            company_size: d.company_size,
            budget_range: d.budget_range,
            timeline: d.timeline,
            source: d.source,
            notes: d.notes,
            owner_id: d.owner_id.map(|u| u.to_string()),
            search_key,
            updated_at: now(),
        })
    }
}

impl LeadRow {
    pub(crate) fn into_domain(self) -> DbResult<Lead> {
        Ok(Lead {
            id: parse_id(&self.id)?,
            company_name: self.company_name,
            contact_name: self.contact_name,
            contact_role: self.contact_role,
            email: self.email,
            phone: self.phone,
            website: self.website,
            industry: self.industry,
            company_size: self.company_size,
            budget_range: self.budget_range,
            timeline: self.timeline,
            pain_points: serde_json::from_str(&self.pain_points)?,
            goals: serde_json::from_str(&self.goals)?,
            source: self.source,
            notes: self.notes,
            owner_id: parse_opt_id(self.owner_id.as_deref())?,
            stage: stage(&self.stage)?,
            lost_reason: self.lost_reason,
            score: self.score,
            classification: self.classification,
            client_id: parse_opt_id(self.client_id.as_deref())?,
            created_by: parse_opt_id(self.created_by.as_deref())?,
            created_at: utc(self.created_at),
            updated_at: utc(self.updated_at),
        })
    }
}

fn stage(s: &str) -> DbResult<LeadStage> {
    LeadStage::parse(s).ok_or_else(|| DbError::Corrupt(format!("lead stage {s}")))
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = lead_stage_changes)]
pub(crate) struct ChangeRow {
    id: String,
    lead_id: String,
    from_stage: Option<String>,
    to_stage: String,
    reason: Option<String>,
    user_id: Option<String>,
    username: Option<String>,
    created_at: NaiveDateTime,
}

impl ChangeRow {
    pub(crate) fn new(
        lead_id: &str,
        from: Option<LeadStage>,
        to: LeadStage,
        reason: Option<String>,
        who: &Actor,
        at: NaiveDateTime,
    ) -> Self {
        Self {
            id: Uuid::new_v4().to_string(),
            lead_id: lead_id.to_string(),
            from_stage: from.map(|s| s.as_str().to_string()),
            to_stage: to.as_str().to_string(),
            reason,
            user_id: who.user_id.map(|u| u.to_string()),
            username: who.username.clone(),
            created_at: at,
        }
    }

    pub(crate) fn into_domain(self) -> DbResult<StageChange> {
        Ok(StageChange {
            id: parse_id(&self.id)?,
            lead_id: parse_id(&self.lead_id)?,
            from_stage: self.from_stage.as_deref().map(stage).transpose()?,
            to_stage: stage(&self.to_stage)?,
            reason: self.reason,
            user_id: parse_opt_id(self.user_id.as_deref())?,
            username: self.username,
            created_at: utc(self.created_at),
        })
    }
}

/// Who made a change: a user, or the pipeline itself (both `None`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Actor {
    /// The user's id.
    pub user_id: Option<Uuid>,
    /// The user's name when the change was made.
    pub username: Option<String>,
}

fn lead_not_found() -> DbError {
    DbError::NotFound("lead")
}

fn owner_check(e: diesel::result::Error) -> DbError {
    match DbError::from(e) {
        DbError::InvalidReference(_) => DbError::InvalidReference("owner_id: no such user".into()),
        other => other,
    }
}

/// Writes a lead's qualification inside an open transaction on `$c`: score and class, and
/// `new` → `qualified` (with its history entry) when the class qualifies. A lead that no
/// longer exists is left alone. Evaluates to `DbResult<()>`.
macro_rules! apply_qualification {
    ($c:ident, $q:expr) => {{
        let q: &seo_domain::Qualification = $q;
        let id = q.lead_id.to_string();
        let ts = crate::now();
        let current: Option<String> = crate::schema::leads::table
            .find(&id)
            .select(crate::schema::leads::stage)
            .first($c)
            .await
            .optional()?;
        if let Some(current) = current {
            diesel::update(crate::schema::leads::table.find(&id))
                .set((
                    crate::schema::leads::score.eq(Some(q.score)),
                    crate::schema::leads::classification.eq(Some(q.classification.clone())),
                    crate::schema::leads::updated_at.eq(ts),
                ))
                .execute($c)
                .await?;
            if q.qualifies && current == seo_domain::LeadStage::New.as_str() {
                diesel::update(crate::schema::leads::table.find(&id))
                    .set(crate::schema::leads::stage.eq(seo_domain::LeadStage::Qualified.as_str()))
                    .execute($c)
                    .await?;
                let change = crate::leads::ChangeRow::new(
                    &id,
                    Some(seo_domain::LeadStage::New),
                    seo_domain::LeadStage::Qualified,
                    Some(format!(
                        "qualification: {} ({:.1})",
                        q.classification, q.score
                    )),
                    &crate::leads::Actor::default(),
                    ts,
                );
                diesel::insert_into(crate::schema::lead_stage_changes::table)
                    .values(&change)
                    .execute($c)
                    .await?;
            }
        }
        Ok::<(), crate::DbError>(())
    }};
}
pub(crate) use apply_qualification;

/// Inside an open transaction on `$c`: moves lead `$lead` from `$from` to `$to` with a
/// history entry by the pipeline, only when it is at `$from` now. Evaluates to
/// `DbResult<()>`.
macro_rules! move_if_at {
    ($c:ident, $lead:expr, $from:expr, $to:expr, $why:expr) => {{
        let (lead, from, to): (uuid::Uuid, seo_domain::LeadStage, seo_domain::LeadStage) =
            ($lead, $from, $to);
        let id = lead.to_string();
        let ts = crate::now();
        let moved = diesel::update(
            crate::schema::leads::table
                .find(&id)
                .filter(crate::schema::leads::stage.eq(from.as_str())),
        )
        .set((
            crate::schema::leads::stage.eq(to.as_str()),
            crate::schema::leads::updated_at.eq(ts),
        ))
        .execute($c)
        .await?;
        if moved == 1 {
            let change = crate::leads::ChangeRow::new(
                &id,
                Some(from),
                to,
                Some($why),
                &crate::leads::Actor::default(),
                ts,
            );
            diesel::insert_into(crate::schema::lead_stage_changes::table)
                .values(&change)
                .execute($c)
                .await?;
        }
        Ok::<(), crate::DbError>(())
    }};
}
pub(crate) use move_if_at;

impl Database {
    /// Stores a new lead at stage `new`, with its first history entry.
    pub async fn create_lead(&self, draft: LeadDraft, who: Actor) -> DbResult<Lead> {
        self.run(move |mut conn| async move {
            let f = LeadFields::new(draft)?;
            let ts = now();
            let id = Uuid::new_v4().to_string();
            let row = LeadRow {
                id: id.clone(),
                company_name: f.company_name,
                contact_name: f.contact_name,
                contact_role: f.contact_role,
                email: f.email,
                phone: f.phone,
                website: f.website,
                industry: f.industry,
                company_size: f.company_size,
                budget_range: f.budget_range,
                timeline: f.timeline,
                pain_points: f.pain_points,
                goals: f.goals,
                source: f.source,
                notes: f.notes,
                owner_id: f.owner_id,
                stage: LeadStage::New.as_str().into(),
                lost_reason: None,
                score: None,
                classification: None,
                client_id: None,
                search_key: f.search_key,
                created_by: who.user_id.map(|u| u.to_string()),
                created_at: ts,
                updated_at: ts,
            };
            let change = ChangeRow::new(&id, None, LeadStage::New, None, &who, ts);
            let row: LeadRow = db_tx!(conn, c => {
                let row = diesel::insert_into(leads::table)
                    .values(&row)
                    .returning(LeadRow::as_returning())
                    .get_result(c)
                    .await
                    .map_err(owner_check)?;
                diesel::insert_into(lead_stage_changes::table).values(&change).execute(c).await?;
                Ok(row)
            })?;
            row.into_domain()
        })
        .await
    }

    /// One lead.
    pub async fn get_lead(&self, id: Uuid) -> DbResult<Lead> {
        self.run(move |mut conn| async move {
            let row: Option<LeadRow> = db_run!(conn, c => {
                leads::table.find(id.to_string()).select(LeadRow::as_select()).first(c).await.optional()
            })?;
            row.ok_or_else(lead_not_found)?.into_domain()
        })
        .await
    }

    /// Leads matching the filter, newest first.
    pub async fn list_leads(&self, filter: LeadFilter, page: PageRequest) -> DbResult<Page<Lead>> {
        self.run(move |mut conn| async move {
            let (rows, total): (Vec<LeadRow>, i64) = db_run!(conn, c => {
                let build = || {
                    let mut q = leads::table.into_boxed();
                    if let Some(s) = filter.stage {
                        q = q.filter(leads::stage.eq(s.as_str()));
                    }
                    if let Some(cl) = &filter.classification {
                        q = q.filter(leads::classification.eq(cl.to_lowercase()));
                    }
                    if let Some(o) = filter.owner_id {
                        q = q.filter(leads::owner_id.eq(o.to_string()));
                    }
                    if let Some(text) = &filter.q {
                        q = q.filter(leads::search_key.like(contains_pattern(text)).escape('\\'));
                    }
                    q
                };
                let rows: Vec<LeadRow> = build()
                    .select(LeadRow::as_select())
                    .order(order_then_page("created_at DESC, id DESC", page))
                    .load(c)
                    .await?;
                let total = match known_total(page, rows.len()) {
                    Some(t) => t,
                    None => build().count().get_result(c).await?,
                };
                Ok::<_, DbError>((rows, total))
            })?;
            Ok(Page {
                items: rows
                    .into_iter()
                    .map(LeadRow::into_domain)
                    .collect::<DbResult<Vec<_>>>()?,
                total,
                page: page.page,
                size: page.size,
            })
        })
        .await
    }

    /// Replaces a lead's writable fields (stage, score and class are kept).
    pub async fn update_lead(&self, id: Uuid, draft: LeadDraft) -> DbResult<Lead> {
        self.run(move |mut conn| async move {
            let f = LeadFields::new(draft)?;
            let row: Option<LeadRow> = db_run!(conn, c => {
                diesel::update(leads::table.find(id.to_string()))
                    .set(&f)
                    .returning(LeadRow::as_returning())
                    .get_result(c)
                    .await
                    .optional()
                    .map_err(owner_check)
            })?;
            row.ok_or_else(lead_not_found)?.into_domain()
        })
        .await
    }

    /// Deletes a lead with its history (its proposals stay, unlinked).
    pub async fn delete_lead(&self, id: Uuid) -> DbResult<()> {
        self.run(move |mut conn| async move {
            let n = db_run!(conn, c => {
                diesel::delete(leads::table.find(id.to_string())).execute(c).await
            })?;
            if n == 0 {
                return Err(lead_not_found());
            }
            Ok(())
        })
        .await
    }

    /// Moves a lead to `to` when the stage machine allows it from its current stage
    /// (otherwise `Conflict`), recording who and why. `won` creates the client from the lead
    /// (or links the client whose name matches, ignoring case) in the same transaction.
    pub async fn move_lead_stage(
        &self,
        id: Uuid,
        to: LeadStage,
        reason: Option<String>,
        who: Actor,
    ) -> DbResult<Lead> {
        self.run(move |mut conn| async move {
            let sid = id.to_string();
            let row: LeadRow = db_tx!(conn, c => {
                let current: LeadRow = leads::table
                    .find(&sid)
                    .select(LeadRow::as_select())
                    .first(c)
                    .await
                    .optional()?
                    .ok_or_else(lead_not_found)?;
                let from = stage(&current.stage)?;
                from.check_move(to).map_err(|e| DbError::Conflict(e.to_string()))?;
                let ts = now();
                let mut client_id = current.client_id.clone();
                if to == LeadStage::Won && client_id.is_none() {
                    let key = current.company_name.to_lowercase();
                    let existing: Option<String> = clients::table
                        .filter(clients::name_key.eq(&key))
                        .select(clients::id)
                        .first(c)
                        .await
                        .optional()?;
                    client_id = Some(match existing {
                        Some(cid) => cid,
                        None => {
                            let draft = client_from_lead(&current)?;
                            let client = ClientRow::new(Uuid::new_v4(), draft, ts)?;
                            let cid = client.id.clone();
                            diesel::insert_into(clients::table).values(&client).execute(c).await?;
                            cid
                        }
                    });
                }
                let lost_reason = (to == LeadStage::Lost).then(|| reason.clone()).flatten();
                let row: LeadRow = diesel::update(leads::table.find(&sid))
                    .set((
                        leads::stage.eq(to.as_str()),
                        leads::lost_reason.eq(lost_reason),
                        leads::client_id.eq(client_id),
                        leads::updated_at.eq(ts),
                    ))
                    .returning(LeadRow::as_returning())
                    .get_result(c)
                    .await?;
                let change = ChangeRow::new(&sid, Some(from), to, reason.clone(), &who, ts);
                diesel::insert_into(lead_stage_changes::table).values(&change).execute(c).await?;
                Ok(row)
            })?;
            row.into_domain()
        })
        .await
    }

    /// A lead's stage moves, oldest first (`NotFound` for an unknown lead).
    pub async fn lead_history(&self, id: Uuid) -> DbResult<Vec<StageChange>> {
        self.run(move |mut conn| async move {
            let sid = id.to_string();
            let (exists, rows): (bool, Vec<ChangeRow>) = db_run!(conn, c => {
                let exists: bool = diesel::select(diesel::dsl::exists(leads::table.find(&sid))).get_result(c).await?;
                let rows: Vec<ChangeRow> = lead_stage_changes::table
                    .filter(lead_stage_changes::lead_id.eq(&sid))
                    .select(ChangeRow::as_select())
                    .order((lead_stage_changes::created_at.asc(), lead_stage_changes::id.asc()))
                    .load(c)
                    .await?;
                Ok::<_, DbError>((exists, rows))
            })?;
            if !exists {
                return Err(lead_not_found());
            }
            rows.into_iter().map(ChangeRow::into_domain).collect()
        })
        .await
    }

    /// Writes a finished qualification on its lead (see [`Qualification`]).
    pub async fn record_qualification(&self, q: Qualification) -> DbResult<()> {
        self.run(move |mut conn| async move { db_tx!(conn, c => { apply_qualification!(c, &q) }) })
            .await
    }

    /// Every stage move in a period, oldest first (for pipeline analytics).
    pub async fn stage_changes_between(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> DbResult<Vec<StageChange>> {
        let (from, to) = (from.naive_utc(), to.naive_utc());
        self.run(move |mut conn| async move {
            let rows: Vec<ChangeRow> = db_run!(conn, c => {
                lead_stage_changes::table
                    .filter(lead_stage_changes::created_at.ge(from))
                    .filter(lead_stage_changes::created_at.lt(to))
                    .select(ChangeRow::as_select())
                    .order((lead_stage_changes::created_at.asc(), lead_stage_changes::id.asc()))
                    .load(c)
                    .await
            })?;
            rows.into_iter().map(ChangeRow::into_domain).collect()
        })
        .await
    }
}

/// The client a won lead becomes: its name, industry, website and contact.
fn client_from_lead(l: &LeadRow) -> DbResult<ClientDraft> {
    let employees = l
        .company_size
        .as_deref()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .filter(|n| *n >= 0);
    let mut metadata = serde_json::Map::new();
    metadata.insert("lead_id".into(), serde_json::Value::String(l.id.clone()));
    Ok(ClientDraft {
        company_name: l.company_name.clone(),
        industry: l.industry.clone(),
        website: l.website.clone(),
        annual_revenue: None,
        employee_count: employees,
        country: None,
        contact_person: l.contact_name.clone(),
        contact_email: l.email.clone(),
        contact_phone: l.phone.clone(),
        metadata,
    })
}
