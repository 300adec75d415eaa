//! `/api/leads` and `/api/proposals`: the sales pipeline.

use actix_web::http::Method;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use seo_auth::Permission;
use seo_domain::{
    CommentInput, DecisionInput, LeadFilter, LeadInput, LeadPatch, LeadStage, PageRequest,
    ProposalFilter, ProposalStatus, StageMove,
};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{Table, needs};
use crate::extract::{Caller, Json, OptionalJson, Query, parse_uuid};
use crate::{ApiError, AppState};

fn nonblank(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// Filters and paging of the lead list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LeadListQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    page: Option<i64>,
    /// Items per page.
    #[param(minimum = 1, maximum = 100)]
    size: Option<i64>,
    #[param(value_type = Option<LeadStage>, inline)]
    stage: Option<LeadStage>,
    /// Class of the latest qualification (hot, warm, cold, mql, unqualified).
    classification: Option<String>,
    owner_id: Option<Uuid>,
    /// Case-insensitive substring of company, contact, e-mail or website.
    q: Option<String>,
}

async fn list_leads(
    state: web::Data<AppState>,
    q: Query<LeadListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.0;
    let page = PageRequest::new(q.page, q.size)?;
    let filter = LeadFilter {
        stage: q.stage,
        classification: nonblank(q.classification),
        owner_id: q.owner_id,
        q: nonblank(q.q),
    };
    Ok(HttpResponse::Ok().json(state.leads(filter, page).await?))
}

async fn create_lead(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<LeadInput>,
) -> Result<HttpResponse, ApiError> {
    let lead = state.create_lead(body.0, &caller.0.user).await?;
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, format!("/api/leads/{}", lead.id)))
        .json(lead))
}

async fn get_lead(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    Ok(HttpResponse::Ok().json(state.lead(id).await?))
}

async fn patch_lead(
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<LeadPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    Ok(HttpResponse::Ok().json(state.patch_lead(id, body.0).await?))
}

async fn delete_lead(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    state.delete_lead(id).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn move_stage(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: Json<StageMove>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    Ok(HttpResponse::Ok().json(state.move_lead(id, body.0, &caller.0.user).await?))
}

async fn history(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    let items = state.lead_history(id).await?;
    Ok(HttpResponse::Ok().json(json!({"lead_id": id, "total": items.len(), "items": items})))
}

/// Filters and paging of the proposal list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProposalListQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    page: Option<i64>,
    /// Items per page.
    #[param(minimum = 1, maximum = 100)]
    size: Option<i64>,
    #[param(value_type = Option<ProposalStatus>, inline)]
    status: Option<ProposalStatus>,
    lead_id: Option<Uuid>,
    client_id: Option<Uuid>,
}

async fn list_proposals(
    state: web::Data<AppState>,
    q: Query<ProposalListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.0;
    let page = PageRequest::new(q.page, q.size)?;
    let filter = ProposalFilter {
        status: q.status,
        lead_id: q.lead_id,
        client_id: q.client_id,
    };
    Ok(HttpResponse::Ok().json(state.proposals(filter, page).await?))
}

async fn get_proposal(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(&id, "id")?;
    Ok(HttpResponse::Ok().json(state.proposal(id).await?))
}

/// What a decision route does.
#[derive(Clone, Copy)]
enum Decision {
    Approve,
    Reject,
    Send,
    Accept,
    Decline,
}

async fn decide(
    state: &AppState,
    caller: &Caller,
    id: &str,
    input: DecisionInput,
    what: Decision,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid(id, "id")?;
    let user = &caller.0.user;
    let p = match what {
        Decision::Approve => state.review_proposal(id, true, input, user).await?,
        Decision::Reject => state.review_proposal(id, false, input, user).await?,
        Decision::Send => state.send_proposal(id, input, user).await?,
        Decision::Accept => state.answer_proposal(id, true, input, user).await?,
        Decision::Decline => state.answer_proposal(id, false, input, user).await?,
    };
    Ok(HttpResponse::Ok().json(p))
}

async fn approve(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: OptionalJson<DecisionInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0.unwrap_or_default();
    decide(&state, &caller, &id, input, Decision::Approve).await
}

async fn reject(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: OptionalJson<DecisionInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0.unwrap_or_default();
    decide(&state, &caller, &id, input, Decision::Reject).await
}

async fn send(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: OptionalJson<CommentInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0.unwrap_or_default().into();
    decide(&state, &caller, &id, input, Decision::Send).await
}

async fn accept(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: OptionalJson<CommentInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0.unwrap_or_default().into();
    decide(&state, &caller, &id, input, Decision::Accept).await
}

async fn decline(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: OptionalJson<CommentInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0.unwrap_or_default().into();
    decide(&state, &caller, &id, input, Decision::Decline).await
}

/// Registers `/api/leads` and `/api/proposals`.
pub fn routes(t: &mut Table<'_>) {
    use crate::openapi::{
        Doc,
        shapes::{LeadHistory, LeadPage, ProposalPage},
    };
    use seo_domain::{Lead, Proposal, ProposalDetail};
    let (lr, lw) = (needs(Permission::LeadsRead), needs(Permission::LeadsWrite));
    let (pr, pw, pa) = (
        needs(Permission::ProposalsRead),
        needs(Permission::ProposalsWrite),
        needs(Permission::ProposalsApprove),
    );
    t.add(Method::GET, "/api/leads", lr, list_leads)
        .doc(
            Doc::new("List leads (newest first)")
                .query::<LeadListQuery>()
                .ok::<LeadPage>(200),
        )
        .add(Method::POST, "/api/leads", lw, create_lead)
        .doc(
            Doc::new("Create a lead (stage new); starts the lead workflow (qualification first)")
                .body::<LeadInput>()
                .ok::<Lead>(201),
        )
        .add(Method::GET, "/api/leads/{id}", lr, get_lead)
        .doc(Doc::new("Get a lead").ok::<Lead>(200))
        .add(Method::PATCH, "/api/leads/{id}", lw, patch_lead)
        .doc(
            Doc::new("Change some fields of a lead (null clears; the stage has its own route)")
                .body::<LeadPatch>()
                .ok::<Lead>(200),
        )
        .add(Method::DELETE, "/api/leads/{id}", lw, delete_lead)
        .doc(Doc::new("Delete a lead and its history").no_content())
        .add(Method::POST, "/api/leads/{id}/stage", lw, move_stage)
        .doc(
            Doc::new("Move a lead one stage on, or to lost with a reason (409 for an illegal move; won creates the client)")
                .body::<StageMove>()
                .ok::<Lead>(200)
                .also(409, "the move is not allowed from the lead's stage"),
        )
        .add(Method::GET, "/api/leads/{id}/history", lr, history)
        .doc(Doc::new("A lead's stage moves with time and user, oldest first").ok::<LeadHistory>(200))
        .add(Method::GET, "/api/proposals", pr, list_proposals)
        .doc(
            Doc::new("List proposals (newest first)")
                .query::<ProposalListQuery>()
                .ok::<ProposalPage>(200),
        )
        .add(Method::GET, "/api/proposals/{id}", pr, get_proposal)
        .doc(Doc::new("A proposal with its versions and decisions").ok::<ProposalDetail>(200))
        .add(Method::POST, "/api/proposals/{id}/approve", pa, approve)
        .doc(
            Doc::new("Approve the next waiting gate (403 below the gate's role, 409 out of order)")
                .body::<DecisionInput>()
                .ok::<Proposal>(200)
                .also(409, "not in review, or not the gate waiting"),
        )
        .add(Method::POST, "/api/proposals/{id}/reject", pa, reject)
        .doc(
            Doc::new("Reject at the waiting gate (a sent proposal: the prospect declined)")
                .body::<DecisionInput>()
                .ok::<Proposal>(200)
                .also(409, "not in review or sent"),
        )
        .add(Method::POST, "/api/proposals/{id}/send", pw, send)
        .doc(
            Doc::new("Send a draft or approved proposal (409 while an approval is missing)")
                .body::<CommentInput>()
                .ok::<Proposal>(200)
                .also(409, "an approval is missing, or it is closed"),
        )
        .add(Method::POST, "/api/proposals/{id}/accept", pw, accept)
        .doc(
            Doc::new("The prospect accepted a sent proposal")
                .body::<CommentInput>()
                .ok::<Proposal>(200)
                .also(409, "not sent"),
        )
        .add(Method::POST, "/api/proposals/{id}/decline", pw, decline)
        .doc(
            Doc::new("The prospect declined a sent proposal")
                .body::<CommentInput>()
                .ok::<Proposal>(200)
                .also(409, "not sent"),
        );
}
