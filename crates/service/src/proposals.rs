//! Proposals: reading them (open ones past their validity expire first), the review of
//! each approval gate by a role allowed to decide it, sending, and the prospect's answer.

use seo_auth::Permission;
use seo_domain::proposal::{ApprovalGate, COMMENT_MAX_CHARS};
use seo_domain::{
    DecisionAction, DecisionInput, Page, PageRequest, Proposal, ProposalDetail, ProposalFilter,
    ProposalStatus, RunStatus, User,
};
use seo_persistence::{DbError, ProposalChange};
use uuid::Uuid;

use crate::error::{ServiceError, ServiceResult};
use crate::sales::actor;
use crate::{Service, events};

fn comment(input: &DecisionInput) -> ServiceResult<Option<String>> {
    let c = input
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if c.is_some_and(|c| c.chars().count() > COMMENT_MAX_CHARS) {
        return Err(ServiceError::invalid(
            "comment",
            "too_long",
            format!("must be at most {COMMENT_MAX_CHARS} characters"),
        ));
    }
    Ok(c.map(str::to_string))
}

impl Service {
    /// Proposals matching the filter, newest first (open ones past their validity are
    /// expired first).
    pub async fn proposals(
        &self,
        filter: ProposalFilter,
        page: PageRequest,
    ) -> ServiceResult<Page<Proposal>> {
        self.db.expire_proposals().await?;
        Ok(self.db.list_proposals(filter, page).await?)
    }

    /// One proposal with its versions and decisions.
    pub async fn proposal(&self, id: Uuid) -> ServiceResult<ProposalDetail> {
        self.db.expire_proposals().await?;
        Ok(self.db.get_proposal(id).await?)
    }

    fn gate(&self, id: &str) -> Option<&ApprovalGate> {
        self.sales().gates.iter().find(|g| g.id == id)
    }

    /// Whether `user` may decide `gate`: `proposals:approve` and at least the gate's role.
    fn may_decide(&self, user: &User, gate: &str) -> ServiceResult<()> {
        if !seo_auth::role_grants(user.role, Permission::ProposalsApprove) {
            return Err(ServiceError::Forbidden(
                "your role lacks the permission proposals:approve".into(),
            ));
        }
        let need = self.gate(gate).map_or(seo_domain::Role::Admin, |g| g.role);
        if user.role < need {
            return Err(ServiceError::Forbidden(format!(
                "the {gate} approval needs the {} role",
                role_name(need)
            )));
        }
        Ok(())
    }

    /// Approves (`approve = true`) or rejects the next waiting gate of an in-review
    /// proposal. 403 when the caller's role is below the gate's; 409 when the proposal is
    /// not in review or `gate` is not the one waiting. The last approval makes it
    /// `approved` (and completes a run waiting for it); a rejection makes it `rejected`
    /// (and fails that run with the reason).
    pub async fn review_proposal(
        &self,
        id: Uuid,
        approve: bool,
        input: DecisionInput,
        by: &User,
    ) -> ServiceResult<Proposal> {
        let comment = comment(&input)?;
        let named = input
            .gate
            .as_deref()
            .map(str::trim)
            .filter(|g| !g.is_empty())
            .map(str::to_string);
        self.db.expire_proposals().await?;
        let current = self.db.get_proposal(id).await?.proposal;
        // A prospect's answer to a sent proposal is a decline, not a review.
        if !approve && current.status == ProposalStatus::Sent {
            let c = seo_domain::CommentInput {
                comment: input.comment,
            };
            return self.answer_proposal(id, false, c.into(), by).await;
        }
        let gate = review_gate(&current, named.as_deref())?;
        self.may_decide(by, &gate)?;
        let who = by.username.clone();
        let decide: seo_persistence::Decide = Box::new(move |p: &Proposal| {
            // Decided against the proposal as it is now (another reviewer may have acted).
            let now_gate =
                review_gate(p, Some(&gate)).map_err(|e| DbError::Conflict(e.to_string()))?;
            let mut approvals = p.approvals.clone();
            let (status, run) = if approve {
                approvals.push(now_gate.clone());
                if p.required_approvals.iter().all(|g| approvals.contains(g)) {
                    (ProposalStatus::Approved, Some((RunStatus::Completed, None)))
                } else {
                    (ProposalStatus::InReview, None)
                }
            } else {
                let why = comment.clone().map_or(String::new(), |c| format!(": {c}"));
                (
                    ProposalStatus::Rejected,
                    Some((
                        RunStatus::Failed,
                        Some(format!(
                            "proposal rejected at the {now_gate} gate by {who}{why}"
                        )),
                    )),
                )
            };
            Ok(ProposalChange {
                status,
                approvals,
                sent: false,
                action: if approve {
                    DecisionAction::Approve
                } else {
                    DecisionAction::Reject
                },
                gate: Some(now_gate),
                comment: comment.clone(),
                run,
            })
        });
        let p = self.db.decide_proposal(id, actor(by), decide).await?;
        events::proposal_update(
            self.kv.as_ref(),
            &p,
            if approve { "approved" } else { "rejected" },
        )
        .await;
        Ok(p)
    }

    /// Sends a draft or approved proposal (409 while an approval is missing); its lead
    /// moves to `proposal_sent` when it was at `call_planned` or `qualified`.
    pub async fn send_proposal(
        &self,
        id: Uuid,
        input: DecisionInput,
        by: &User,
    ) -> ServiceResult<Proposal> {
        let comment = comment(&input)?;
        if input.gate.is_some() {
            return Err(ServiceError::invalid(
                "gate",
                "not_allowed",
                "only approve and reject name a gate",
            ));
        }
        self.db.expire_proposals().await?;
        let decide: seo_persistence::Decide = Box::new(move |p: &Proposal| {
            match p.status {
                ProposalStatus::Draft | ProposalStatus::Approved => {}
                ProposalStatus::InReview => {
                    return Err(DbError::Conflict(format!(
                        "the proposal waits for the {} approval",
                        p.next_gate().unwrap_or("required")
                    )));
                }
                other => {
                    return Err(DbError::Conflict(format!(
                        "a {} proposal cannot be sent",
                        other.as_str()
                    )));
                }
            }
            if let Some(g) = p.next_gate() {
                return Err(DbError::Conflict(format!("the {g} approval is missing")));
            }
            Ok(ProposalChange {
                status: ProposalStatus::Sent,
                approvals: p.approvals.clone(),
                sent: true,
                action: DecisionAction::Send,
                gate: None,
                comment,
                run: None,
            })
        });
        let p = self.db.decide_proposal(id, actor(by), decide).await?;
        if let Some(lead) = p.lead_id {
            self.advance_lead_to(
                lead,
                seo_domain::LeadStage::ProposalSent,
                "proposal sent",
                by,
            )
            .await;
        }
        events::proposal_update(self.kv.as_ref(), &p, "sent").await;
        Ok(p)
    }

    /// Records the prospect's answer to a sent proposal: accepted (its lead moves to
    /// negotiation) or declined (`rejected`). 409 unless it is sent.
    pub async fn answer_proposal(
        &self,
        id: Uuid,
        accepted: bool,
        input: DecisionInput,
        by: &User,
    ) -> ServiceResult<Proposal> {
        let comment = comment(&input)?;
        if input.gate.is_some() {
            return Err(ServiceError::invalid(
                "gate",
                "not_allowed",
                "a prospect's answer names no gate",
            ));
        }
        self.db.expire_proposals().await?;
        let decide: seo_persistence::Decide = Box::new(move |p: &Proposal| {
            if p.status != ProposalStatus::Sent {
                return Err(DbError::Conflict(format!(
                    "only a sent proposal can be {}; this one is {}",
                    if accepted { "accepted" } else { "declined" },
                    p.status.as_str()
                )));
            }
            Ok(ProposalChange {
                status: if accepted {
                    ProposalStatus::Accepted
                } else {
                    ProposalStatus::Rejected
                },
                approvals: p.approvals.clone(),
                sent: false,
                action: if accepted {
                    DecisionAction::Accept
                } else {
                    DecisionAction::Decline
                },
                gate: None,
                comment,
                run: None,
            })
        });
        let p = self.db.decide_proposal(id, actor(by), decide).await?;
        if accepted && let Some(lead) = p.lead_id {
            self.advance_lead_to(
                lead,
                seo_domain::LeadStage::Negotiation,
                "proposal accepted",
                by,
            )
            .await;
        }
        events::proposal_update(
            self.kv.as_ref(),
            &p,
            if accepted { "accepted" } else { "declined" },
        )
        .await;
        Ok(p)
    }
}

fn role_name(r: seo_domain::Role) -> &'static str {
    match r {
        seo_domain::Role::Operator => "operator",
        seo_domain::Role::Manager => "manager",
        seo_domain::Role::Admin => "admin",
    }
}

/// The gate an approve or reject decides: the next waiting one, which `named` (when given)
/// must be. Errors are conflicts (out of order, not in review).
fn review_gate(p: &Proposal, named: Option<&str>) -> ServiceResult<String> {
    if p.status != ProposalStatus::InReview {
        return Err(ServiceError::Conflict(format!(
            "the proposal is {}; only a proposal in review is approved or rejected",
            p.status.as_str()
        )));
    }
    let Some(next) = p.next_gate() else {
        return Err(ServiceError::Conflict(
            "every required approval is already given".into(),
        ));
    };
    if let Some(n) = named
        && n != next
    {
        return Err(ServiceError::Conflict(format!(
            "the {next} approval comes first; '{n}' cannot be decided now"
        )));
    }
    Ok(next.to_string())
}
