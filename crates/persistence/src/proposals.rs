//! Proposal repository: versions from `proposal_generation`, decisions, expiry, and the
//! workflow run that waits for a proposal's approval.
//!
//! Rules: a new version of an open, unsent proposal (same lead, or same client without a
//! lead) replaces its content and resets its approvals; every decision is checked against
//! the proposal as it is inside the transaction that records it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use seo_domain::{
    DecisionAction, NewProposal, Page, PageRequest, Proposal, ProposalDecision, ProposalDetail,
    ProposalFilter, ProposalStatus, ProposalVersion, RunStatus,
};
use serde_json::Value;
use uuid::Uuid;

use crate::leads::Actor;
use crate::schema::{proposal_decisions, proposal_versions, proposals, workflow_runs};
use crate::{
    Database, DbError, DbResult, known_total, now, order_then_page, parse_id, parse_opt_id, utc,
};

#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = proposals)]
pub(crate) struct ProposalRow {
    pub(crate) id: String,
    pub(crate) lead_id: Option<String>,
    pub(crate) client_id: Option<String>,
    pub(crate) company_name: String,
    pub(crate) status: String,
    pub(crate) version: i32,
    pub(crate) annual_value: f64,
    pub(crate) required_approvals: String,
    pub(crate) approvals: String,
    pub(crate) content: String,
    pub(crate) task_id: Option<String>,
    pub(crate) workflow_run_id: Option<String>,
    pub(crate) created_by: Option<String>,
    pub(crate) created_at: NaiveDateTime,
    pub(crate) updated_at: NaiveDateTime,
    pub(crate) expires_at: NaiveDateTime,
    pub(crate) sent_at: Option<NaiveDateTime>,
}

fn status(s: &str) -> DbResult<ProposalStatus> {
    ProposalStatus::parse(s).ok_or_else(|| DbError::Corrupt(format!("proposal status {s}")))
}

impl ProposalRow {
    pub(crate) fn into_domain(self) -> DbResult<Proposal> {
        Ok(Proposal {
            id: parse_id(&self.id)?,
            lead_id: parse_opt_id(self.lead_id.as_deref())?,
            client_id: parse_opt_id(self.client_id.as_deref())?,
            company_name: self.company_name,
            status: status(&self.status)?,
            version: self.version,
            annual_value: self.annual_value,
            required_approvals: serde_json::from_str(&self.required_approvals)?,
            approvals: serde_json::from_str(&self.approvals)?,
            content: serde_json::from_str(&self.content)?,
            task_id: parse_opt_id(self.task_id.as_deref())?,
            workflow_run_id: parse_opt_id(self.workflow_run_id.as_deref())?,
            created_by: parse_opt_id(self.created_by.as_deref())?,
            created_at: utc(self.created_at),
            updated_at: utc(self.updated_at),
            expires_at: utc(self.expires_at),
            sent_at: self.sent_at.map(utc),
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = proposal_versions)]
pub(crate) struct VersionRow {
    pub(crate) proposal_id: String,
    pub(crate) version: i32,
    pub(crate) annual_value: f64,
    pub(crate) task_id: Option<String>,
    pub(crate) content: String,
    pub(crate) created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = proposal_decisions)]
pub(crate) struct DecisionRow {
    id: String,
    proposal_id: String,
    version: i32,
    action: String,
    gate: Option<String>,
    comment: Option<String>,
    user_id: Option<String>,
    username: Option<String>,
    created_at: NaiveDateTime,
}

impl DecisionRow {
    fn new(
        p: &ProposalRow,
        action: DecisionAction,
        gate: Option<String>,
        comment: Option<String>,
        who: &Actor,
        at: NaiveDateTime,
    ) -> Self {
        Self {
            id: Uuid::new_v4().to_string(),
            proposal_id: p.id.clone(),
            version: p.version,
            action: action.as_str().into(),
            gate,
            comment,
            user_id: who.user_id.map(|u| u.to_string()),
            username: who.username.clone(),
            created_at: at,
        }
    }

    fn into_domain(self) -> DbResult<ProposalDecision> {
        Ok(ProposalDecision {
            id: parse_id(&self.id)?,
            proposal_id: parse_id(&self.proposal_id)?,
            version: self.version,
            action: DecisionAction::parse(&self.action)
                .ok_or_else(|| DbError::Corrupt(format!("decision {}", self.action)))?,
            gate: self.gate,
            comment: self.comment,
            user_id: parse_opt_id(self.user_id.as_deref())?,
            username: self.username,
            created_at: utc(self.created_at),
        })
    }
}

/// What a decision changes, computed from the proposal as it is in the transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposalChange {
    /// The new status.
    pub status: ProposalStatus,
    /// Gates approved after the decision.
    pub approvals: Vec<String>,
    /// Set `sent_at` now.
    pub sent: bool,
    /// The decision recorded.
    pub action: DecisionAction,
    /// Its gate.
    pub gate: Option<String>,
    /// Its comment.
    pub comment: Option<String>,
    /// What happens to a run waiting for this proposal: its new status and error.
    pub run: Option<(RunStatus, Option<String>)>,
}

/// Decides a change from the current proposal, or refuses it (`Conflict`, `Forbidden`…).
pub type Decide = Box<dyn FnOnce(&Proposal) -> DbResult<ProposalChange> + Send + 'static>;

fn not_found() -> DbError {
    DbError::NotFound("proposal")
}

/// Stores a `proposal_generation` result inside an open transaction on `$c`: a new version
/// of the open, unsent proposal of the same lead (or client), or a new proposal. Evaluates
/// to `DbResult<()>`.
macro_rules! apply_proposal {
    ($c:ident, $new:expr) => {{
        use crate::schema::{proposal_versions as pv, proposals as p};
        let n: &seo_domain::NewProposal = $new;
        let ts = crate::now();
        let expires = ts + chrono::TimeDelta::days(n.valid_days.max(1));
        let status = if n.required_approvals.is_empty() {
            "draft"
        } else {
            "in_review"
        };
        let gates = serde_json::to_string(&n.required_approvals)?;
        let content = n.content.to_string();
        let reopenable = ["draft", "in_review", "approved"];
        let existing: Option<(String, i32)> = match (n.lead_id, n.client_id) {
            (Some(lead), _) => p::table
                .filter(p::lead_id.eq(lead.to_string()))
                .filter(p::status.eq_any(reopenable))
                .select((p::id, p::version))
                .order(p::created_at.desc())
                .first($c)
                .await
                .optional()?,
            (None, Some(client)) => p::table
                .filter(p::client_id.eq(client.to_string()))
                .filter(p::lead_id.is_null())
                .filter(p::status.eq_any(reopenable))
                .select((p::id, p::version))
                .order(p::created_at.desc())
                .first($c)
                .await
                .optional()?,
            (None, None) => None,
        };
        let (id, version) = match existing {
            Some((id, v)) => {
                diesel::update(p::table.find(&id))
                    .set((
                        p::version.eq(v + 1),
                        p::status.eq(status),
                        p::annual_value.eq(n.annual_value),
                        p::required_approvals.eq(&gates),
                        p::approvals.eq("[]"),
                        p::content.eq(&content),
                        p::company_name.eq(&n.company_name),
                        p::task_id.eq(Some(n.task_id.to_string())),
                        p::workflow_run_id.eq(n.workflow_run_id.map(|r| r.to_string())),
                        p::updated_at.eq(ts),
                        p::expires_at.eq(expires),
                    ))
                    .execute($c)
                    .await?;
                (id, v + 1)
            }
            None => {
                let row = crate::proposals::ProposalRow {
                    id: uuid::Uuid::new_v4().to_string(),
                    lead_id: n.lead_id.map(|u| u.to_string()),
                    client_id: n.client_id.map(|u| u.to_string()),
                    company_name: n.company_name.clone(),
                    status: status.into(),
                    version: 1,
                    annual_value: n.annual_value,
                    required_approvals: gates.clone(),
                    approvals: "[]".into(),
                    content: content.clone(),
                    task_id: Some(n.task_id.to_string()),
                    workflow_run_id: n.workflow_run_id.map(|r| r.to_string()),
                    created_by: n.created_by.map(|u| u.to_string()),
                    created_at: ts,
                    updated_at: ts,
                    expires_at: expires,
                    sent_at: None,
                };
                let id = row.id.clone();
                diesel::insert_into(p::table)
                    .values(&row)
                    .execute($c)
                    .await?;
                (id, 1)
            }
        };
        diesel::insert_into(pv::table)
            .values(&crate::proposals::VersionRow {
                proposal_id: id,
                version,
                annual_value: n.annual_value,
                task_id: Some(n.task_id.to_string()),
                content,
                created_at: ts,
            })
            .execute($c)
            .await?;
        Ok::<(), crate::DbError>(())
    }};
}
pub(crate) use apply_proposal;

/// Inside an open transaction on `$c`: a run that `$status` would complete waits instead
/// while a proposal it produced is in review. Evaluates to `DbResult<bool>` (true: waits).
macro_rules! run_waits_for_approval {
    ($c:ident, $run_id:expr) => {{
        let run_id: &str = $run_id;
        let waiting: bool = diesel::select(diesel::dsl::exists(
            crate::schema::proposals::table
                .filter(crate::schema::proposals::workflow_run_id.eq(run_id))
                .filter(crate::schema::proposals::status.eq("in_review")),
        ))
        .get_result($c)
        .await?;
        Ok::<bool, crate::DbError>(waiting)
    }};
}
pub(crate) use run_waits_for_approval;

impl Database {
    /// Stores a proposal version outside a task's completion (tests, imports).
    pub async fn store_proposal(&self, new: NewProposal) -> DbResult<()> {
        self.run(move |mut conn| async move { db_tx!(conn, c => { apply_proposal!(c, &new) }) })
            .await
    }

    /// Marks open proposals past their validity as expired, each with an `expire` decision.
    /// Returns how many expired.
    pub async fn expire_proposals(&self) -> DbResult<usize> {
        self.run(move |mut conn| async move {
            let ts = now();
            db_tx!(conn, c => {
                let due: Vec<ProposalRow> = proposals::table
                    .filter(proposals::status.eq_any(ProposalStatus::OPEN))
                    .filter(proposals::expires_at.lt(ts))
                    .select(ProposalRow::as_select())
                    .load(c)
                    .await?;
                for p in &due {
                    diesel::update(proposals::table.find(&p.id))
                        .set((proposals::status.eq("expired"), proposals::updated_at.eq(ts)))
                        .execute(c)
                        .await?;
                    let d = DecisionRow::new(p, DecisionAction::Expire, None, Some("validity period ended".into()), &Actor::default(), ts);
                    diesel::insert_into(proposal_decisions::table).values(&d).execute(c).await?;
                    if let Some(run) = &p.workflow_run_id {
                        diesel::update(workflow_runs::table.find(run).filter(workflow_runs::status.eq("waiting_approval")))
                            .set((
                                workflow_runs::status.eq("failed"),
                                workflow_runs::error.eq(Some("the proposal expired before it was approved")),
                                workflow_runs::finished_at.eq(Some(ts)),
                                workflow_runs::updated_at.eq(ts),
                            ))
                            .execute(c)
                            .await?;
                    }
                }
                Ok(due.len())
            })
        })
        .await
    }

    /// Proposals matching the filter, newest first.
    pub async fn list_proposals(
        &self,
        filter: ProposalFilter,
        page: PageRequest,
    ) -> DbResult<Page<Proposal>> {
        self.run(move |mut conn| async move {
            let (rows, total): (Vec<ProposalRow>, i64) = db_run!(conn, c => {
                let build = || {
                    let mut q = proposals::table.into_boxed();
                    if let Some(s) = filter.status {
                        q = q.filter(proposals::status.eq(s.as_str()));
                    }
                    if let Some(l) = filter.lead_id {
                        q = q.filter(proposals::lead_id.eq(l.to_string()));
                    }
                    if let Some(cl) = filter.client_id {
                        q = q.filter(proposals::client_id.eq(cl.to_string()));
                    }
                    q
                };
                let rows: Vec<ProposalRow> = build()
                    .select(ProposalRow::as_select())
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
                    .map(ProposalRow::into_domain)
                    .collect::<DbResult<Vec<_>>>()?,
                total,
                page: page.page,
                size: page.size,
            })
        })
        .await
    }

    /// One proposal with its versions and decisions.
    pub async fn get_proposal(&self, id: Uuid) -> DbResult<ProposalDetail> {
        self.run(move |mut conn| async move {
            let sid = id.to_string();
            let (row, versions, decisions): (Option<ProposalRow>, Vec<VersionRow>, Vec<DecisionRow>) = db_run!(conn, c => {
                let row = proposals::table.find(&sid).select(ProposalRow::as_select()).first(c).await.optional()?;
                let versions = proposal_versions::table
                    .filter(proposal_versions::proposal_id.eq(&sid))
                    .select(VersionRow::as_select())
                    .order(proposal_versions::version.asc())
                    .load(c)
                    .await?;
                let decisions = proposal_decisions::table
                    .filter(proposal_decisions::proposal_id.eq(&sid))
                    .select(DecisionRow::as_select())
                    .order((proposal_decisions::created_at.asc(), proposal_decisions::id.asc()))
                    .load(c)
                    .await?;
                Ok::<_, DbError>((row, versions, decisions))
            })?;
            let proposal = row.ok_or_else(not_found)?.into_domain()?;
            Ok(ProposalDetail {
                proposal,
                versions: versions
                    .into_iter()
                    .map(|v| {
                        Ok(ProposalVersion {
                            version: v.version,
                            annual_value: v.annual_value,
                            task_id: parse_opt_id(v.task_id.as_deref())?,
                            content: serde_json::from_str::<Value>(&v.content)?,
                            created_at: utc(v.created_at),
                        })
                    })
                    .collect::<DbResult<Vec<_>>>()?,
                decisions: decisions.into_iter().map(DecisionRow::into_domain).collect::<DbResult<Vec<_>>>()?,
            })
        })
        .await
    }

    /// Applies a decision: `decide` sees the proposal as it is inside the transaction and
    /// returns the change or refuses; the change, its decision record and the waiting
    /// run's outcome are written together.
    pub async fn decide_proposal(
        &self,
        id: Uuid,
        who: Actor,
        decide: Decide,
    ) -> DbResult<Proposal> {
        self.run(move |mut conn| async move {
            let sid = id.to_string();
            let row: ProposalRow = db_tx!(conn, c => {
                let current: ProposalRow = proposals::table
                    .find(&sid)
                    .select(ProposalRow::as_select())
                    .first(c)
                    .await
                    .optional()?
                    .ok_or_else(not_found)?;
                let change = decide(&current.clone().into_domain()?)?;
                let ts = now();
                let sent_at = if change.sent { Some(ts) } else { current.sent_at };
                let row: ProposalRow = diesel::update(proposals::table.find(&sid))
                    .set((
                        proposals::status.eq(change.status.as_str()),
                        proposals::approvals.eq(serde_json::to_string(&change.approvals)?),
                        proposals::sent_at.eq(sent_at),
                        proposals::updated_at.eq(ts),
                    ))
                    .returning(ProposalRow::as_returning())
                    .get_result(c)
                    .await?;
                let d = DecisionRow::new(&row, change.action, change.gate, change.comment, &who, ts);
                diesel::insert_into(proposal_decisions::table).values(&d).execute(c).await?;
                if let (Some(run), Some((status, error))) = (&row.workflow_run_id, change.run) {
                    let finished = status.is_final().then_some(ts);
                    diesel::update(workflow_runs::table.find(run).filter(workflow_runs::status.eq("waiting_approval")))
                        .set((
                            workflow_runs::status.eq(status.as_str()),
                            workflow_runs::error.eq(error),
                            workflow_runs::finished_at.eq(finished),
                            workflow_runs::updated_at.eq(ts),
                        ))
                        .execute(c)
                        .await?;
                }
                Ok(row)
            })?;
            row.into_domain()
        })
        .await
    }

    /// Every proposal created or sent in a period (for pipeline analytics).
    pub async fn proposals_between(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> DbResult<Vec<Proposal>> {
        let (from, to) = (from.naive_utc(), to.naive_utc());
        self.run(move |mut conn| async move {
            let rows: Vec<ProposalRow> = db_run!(conn, c => {
                proposals::table
                    .filter(proposals::created_at.ge(from))
                    .filter(proposals::created_at.lt(to))
                    .select(ProposalRow::as_select())
                    .order(proposals::created_at.asc())
                    .load(c)
                    .await
            })?;
            rows.into_iter().map(ProposalRow::into_domain).collect()
        })
        .await
    }
}
