//! Campaign repository, including lifecycle transitions.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::{Double, Nullable};
use diesel_async::RunQueryDsl;
use seo_domain::{
    Campaign, CampaignAction, CampaignDraft, CampaignFilter, CampaignStats, CampaignStatus,
    CampaignType, NewTask, Page, PageRequest, Task,
};
use uuid::Uuid;

use crate::schema::{campaigns, tasks};
use crate::tasks::{TaskRow, task_not_found};
use crate::{Database, DbError, DbResult, now, parse_id, utc};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = campaigns)]
struct CampaignRow {
    id: String,
    client_id: String,
    name: String,
    name_key: String,
    campaign_type: String,
    status: String,
    domain: Option<String>,
    keywords: String,
    start_date: Option<NaiveDate>,
    end_date: Option<NaiveDate>,
    budget: Option<f64>,
    objectives: String,
    config: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl CampaignRow {
    fn new(id: Uuid, d: CampaignDraft, status: CampaignStatus) -> DbResult<Self> {
        let ts = now();
        Ok(CampaignRow {
            id: id.to_string(),
            client_id: d.client_id.to_string(),
            name_key: d.name.to_lowercase(),
            name: d.name,
            campaign_type: d.campaign_type.as_str().to_string(),
            status: status.as_str().to_string(),
            domain: d.domain,
            keywords: serde_json::to_string(&d.keywords)?,
            start_date: d.start_date,
            end_date: d.end_date,
            budget: d.budget,
            objectives: serde_json::to_string(&d.objectives)?,
            config: serde_json::to_string(&d.config)?,
            created_at: ts,
            updated_at: ts,
        })
    }

    fn into_domain(self) -> DbResult<Campaign> {
        Ok(Campaign {
            id: parse_id(&self.id)?,
            client_id: parse_id(&self.client_id)?,
            name: self.name,
            campaign_type: CampaignType::parse(&self.campaign_type)
                .ok_or_else(|| DbError::Corrupt(format!("campaign type {}", self.campaign_type)))?,
            status: CampaignStatus::parse(&self.status)
                .ok_or_else(|| DbError::Corrupt(format!("campaign status {}", self.status)))?,
            domain: self.domain,
            keywords: serde_json::from_str(&self.keywords)?,
            start_date: self.start_date,
            end_date: self.end_date,
            budget: self.budget,
            objectives: serde_json::from_str(&self.objectives)?,
            config: serde_json::from_str(&self.config)?,
            created_at: utc(self.created_at),
            updated_at: utc(self.updated_at),
        })
    }
}

fn map_write_error(name: &str, client_id: Uuid) -> impl Fn(diesel::result::Error) -> DbError + '_ {
    move |e| match DbError::from(e) {
        DbError::Conflict(_) => {
            DbError::Conflict(format!("this client already has a campaign named '{name}'"))
        }
        DbError::InvalidReference(_) => {
            DbError::InvalidReference(format!("client {client_id} does not exist"))
        }
        DbError::NotFound(_) => DbError::NotFound("campaign"),
        other => other,
    }
}

impl Database {
    /// Stores a new campaign in `draft`. An unknown client is an `InvalidReference`, a
    /// name the client already uses (ignoring case) a `Conflict`.
    pub async fn create_campaign(&self, draft: CampaignDraft) -> DbResult<Campaign> {
        self.run(move |mut conn| async move {
            let (name, client_id) = (draft.name.clone(), draft.client_id);
            let row = CampaignRow::new(Uuid::new_v4(), draft, CampaignStatus::Draft)?;
            let row: CampaignRow = db_run!(conn, c => {
                diesel::insert_into(campaigns::table).values(&row).returning(CampaignRow::as_returning()).get_result(c).await
            })
            .map_err(map_write_error(&name, client_id))?;
            row.into_domain()
        })
        .await
    }

    /// One campaign by id.
    pub async fn get_campaign(&self, id: Uuid) -> DbResult<Campaign> {
        self.run(move |mut conn| async move {
            let row: CampaignRow = db_run!(conn, c => {
                campaigns::table.find(id.to_string()).select(CampaignRow::as_select()).first(c).await
            })
            .map_err(|e| match DbError::from(e) {
                DbError::NotFound(_) => DbError::NotFound("campaign"),
                other => other,
            })?;
            row.into_domain()
        })
        .await
    }

    /// Campaigns matching the filter, newest first.
    pub async fn list_campaigns(
        &self,
        filter: CampaignFilter,
        page: PageRequest,
    ) -> DbResult<Page<Campaign>> {
        self.run(move |mut conn| async move {
            let (rows, total): (Vec<CampaignRow>, i64) = db_run!(conn, c => {
                let build = || {
                    let mut q = campaigns::table.into_boxed();
                    if let Some(s) = filter.status {
                        q = q.filter(campaigns::status.eq(s.as_str()));
                    }
                    if let Some(id) = filter.client_id {
                        q = q.filter(campaigns::client_id.eq(id.to_string()));
                    }
                    if let Some(d) = &filter.domain {
                        q = q.filter(campaigns::domain.eq(d.trim().trim_end_matches('.').to_ascii_lowercase()));
                    }
                    q
                };
                let rows: Vec<CampaignRow> = build()
                    .select(CampaignRow::as_select())
                    .order(crate::order_then_page("created_at DESC, id DESC", page))
                    .load(c)
                    .await?;
                let total = match crate::known_total(page, rows.len()) {
                    Some(t) => t,
                    None => build().count().get_result(c).await?,
                };
                (rows, total)
            });
            let items = rows.into_iter().map(CampaignRow::into_domain).collect::<DbResult<Vec<_>>>()?;
            Ok(Page::new(items, total, page))
        })
        .await
    }

    /// Replaces every writable field of a campaign (its status is left alone).
    pub async fn update_campaign(&self, id: Uuid, draft: CampaignDraft) -> DbResult<Campaign> {
        self.run(move |mut conn| async move {
            let (name, client_id) = (draft.name.clone(), draft.client_id);
            let r = CampaignRow::new(id, draft, CampaignStatus::Draft)?;
            let row: CampaignRow = db_run!(conn, c => {
                diesel::update(campaigns::table.find(id.to_string()))
                    .set((
                        campaigns::client_id.eq(&r.client_id),
                        campaigns::name.eq(&r.name),
                        campaigns::name_key.eq(&r.name_key),
                        campaigns::campaign_type.eq(&r.campaign_type),
                        campaigns::domain.eq(&r.domain),
                        campaigns::keywords.eq(&r.keywords),
                        campaigns::start_date.eq(r.start_date),
                        campaigns::end_date.eq(r.end_date),
                        campaigns::budget.eq(r.budget),
                        campaigns::objectives.eq(&r.objectives),
                        campaigns::config.eq(&r.config),
                        campaigns::updated_at.eq(r.updated_at),
                    ))
                    .returning(CampaignRow::as_returning())
                    .get_result(c)
                    .await
            })
            .map_err(map_write_error(&name, client_id))?;
            row.into_domain()
        })
        .await
    }

    /// Deletes a campaign; a `Conflict` while it is active.
    pub async fn delete_campaign(&self, id: Uuid) -> DbResult<()> {
        self.run(move |mut conn| async move {
            let sid = id.to_string();
            let (deleted, exists) = db_run!(conn, c => {
                let deleted = diesel::delete(
                    campaigns::table.filter(campaigns::id.eq(&sid)).filter(campaigns::status.ne("active")),
                )
                .execute(c)
                .await?;
                let exists = if deleted == 0 {
                    diesel::select(diesel::dsl::exists(campaigns::table.find(&sid))).get_result::<bool>(c).await?
                } else {
                    false
                };
                (deleted, exists)
            });
            match (deleted, exists) {
                (0, true) => Err(DbError::Conflict("an active campaign cannot be deleted; pause, complete or cancel it first".into())),
                (0, false) => Err(DbError::NotFound("campaign")),
                _ => Ok(()),
            }
        })
        .await
    }

    /// Applies a lifecycle action. The update is conditional on the status it was decided
    /// from, so two concurrent actions cannot both win; an illegal one is a `Conflict`.
    pub async fn transition_campaign(
        &self,
        id: Uuid,
        action: CampaignAction,
    ) -> DbResult<Campaign> {
        for _ in 0..5 {
            let current = self.get_campaign(id).await?;
            let next = current
                .status
                .apply(action)
                .map_err(|e| DbError::Conflict(e.to_string()))?;
            let from = current.status;
            let updated: Option<Campaign> = self
                .run(move |mut conn| async move {
                    let row: Option<CampaignRow> = db_run!(conn, c => {
                        diesel::update(
                            campaigns::table.filter(campaigns::id.eq(id.to_string())).filter(campaigns::status.eq(from.as_str())),
                        )
                        .set((campaigns::status.eq(next.as_str()), campaigns::updated_at.eq(now())))
                        .returning(CampaignRow::as_returning())
                        .get_result(c)
                        .await
                        .optional()
                    })?;
                    row.map(CampaignRow::into_domain).transpose()
                })
                .await?;
            if let Some(c) = updated {
                return Ok(c);
            }
            // Someone else changed the status in between: decide again from the new one.
        }
        Err(DbError::Conflict(
            "the campaign is being changed concurrently; try again".into(),
        ))
    }

    /// Moves a campaign from `from` to `to` and, in the same transaction, queues `task`
    /// (e.g. the start-up audit). The write only happens while the campaign still has
    /// status `from` and, when `domain` is given, that domain (what the caller checked);
    /// `None` when either changed meanwhile, so the caller decides again.
    pub async fn apply_campaign_transition(
        &self,
        id: Uuid,
        from: CampaignStatus,
        to: CampaignStatus,
        domain: Option<Option<String>>,
        task: Option<NewTask>,
        run: Option<(seo_domain::NewWorkflowRun, String)>,
    ) -> DbResult<Option<(Campaign, Option<Task>)>> {
        self.run(move |mut conn| async move {
            // The task, alone or as the first step of a new workflow run.
            let run_id = Uuid::new_v4();
            let task_row = task
                .map(|t| TaskRow::new_pending(t, run.as_ref().map(|(_, step)| (run_id, step.clone()))))
                .transpose()?;
            let run_row = match (&run, &task_row) {
                (Some((new, step)), Some(t)) => {
                    let mut steps = new.steps.clone();
                    let entry = steps.entry(step.clone()).or_insert_with(seo_domain::StepState::waiting);
                    entry.status = seo_domain::StepStatus::Queued;
                    entry.task_id = Some(crate::parse_id(&t.id)?);
                    let ts = now();
                    Some(crate::workflows::RunRow {
                        id: run_id.to_string(),
                        workflow_id: new.workflow_id.clone(),
                        status: seo_domain::RunStatus::Running.as_str().into(),
                        input: serde_json::to_string(&new.input)?,
                        steps: serde_json::to_string(&steps)?,
                        client_id: new.client_id.map(|v| v.to_string()),
                        campaign_id: new.campaign_id.map(|v| v.to_string()),
                        created_by: new.created_by.map(|v| v.to_string()),
                        error: None,
                        created_at: ts,
                        updated_at: ts,
                        finished_at: None,
                    })
                }
                _ => None,
            };
            let sid = id.to_string();
            let written: Option<(CampaignRow, Option<TaskRow>)> = db_tx!(conn, c => {
                let target = campaigns::table
                    .filter(campaigns::id.eq(&sid))
                    .filter(campaigns::status.eq(from.as_str()))
                    .into_boxed();
                let target = match &domain {
                    Some(Some(d)) => target.filter(campaigns::domain.eq(d.clone())),
                    Some(None) => target.filter(campaigns::domain.is_null()),
                    None => target,
                };
                let ids: Vec<String> = target.select(campaigns::id).load(c).await?;
                if ids.is_empty() {
                    return Ok(None);
                }
                let row: CampaignRow = diesel::update(
                    campaigns::table.filter(campaigns::id.eq(&sid)).filter(campaigns::status.eq(from.as_str())),
                )
                .set((campaigns::status.eq(to.as_str()), campaigns::updated_at.eq(now())))
                .returning(CampaignRow::as_returning())
                .get_result(c)
                .await?;
                if let Some(r) = &run_row {
                    diesel::insert_into(crate::schema::workflow_runs::table)
                        .values(r)
                        .execute(c)
                        .await?;
                }
                let task = match &task_row {
                    Some(t) => Some(
                        diesel::insert_into(tasks::table)
                            .values(t)
                            .returning(TaskRow::as_returning())
                            .get_result(c)
                            .await
                            .map_err(task_not_found)?,
                    ),
                    None => None,
                };
                Ok(Some((row, task)))
            })?;
            written
                .map(|(c, t)| Ok((c.into_domain()?, t.map(TaskRow::into_domain).transpose()?)))
                .transpose()
        })
        .await
    }

    /// Counts by status and type, and budget totals.
    pub async fn campaign_stats(&self) -> DbResult<CampaignStats> {
        self.run(move |mut conn| async move {
            db_run!(conn, c => {
                let by_status: Vec<(String, i64)> = campaigns::table
                    .group_by(campaigns::status)
                    .select((campaigns::status, count_star()))
                    .load(c)
                    .await?;
                let by_type: Vec<(String, i64)> = campaigns::table
                    .group_by(campaigns::campaign_type)
                    .select((campaigns::campaign_type, count_star()))
                    .load(c)
                    .await?;
                let total_budget: Option<f64> = campaigns::table
                    .select(sql::<Nullable<Double>>("SUM(budget)"))
                    .get_result(c)
                    .await?;
                let active_budget: Option<f64> = campaigns::table
                    .filter(campaigns::status.eq("active"))
                    .select(sql::<Nullable<Double>>("SUM(budget)"))
                    .get_result(c)
                    .await?;
                let mut status_breakdown: BTreeMap<String, i64> =
                    CampaignStatus::ALL.iter().map(|s| (s.as_str().to_string(), 0)).collect();
                status_breakdown.extend(by_status);
                Ok(CampaignStats {
                    total_campaigns: status_breakdown.values().sum(),
                    status_breakdown,
                    type_breakdown: by_type.into_iter().collect(),
                    total_budget: total_budget.unwrap_or(0.0),
                    active_budget: active_budget.unwrap_or(0.0),
                })
            })
        })
        .await
    }
}
