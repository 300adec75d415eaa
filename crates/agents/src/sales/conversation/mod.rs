//! `sales_conversation`: a call plan (SPIN questions from the lead's industry, pains, goals
//! and — when its site has been audited — the audit's gaps; an objection playbook) and the
//! analysis of a call transcript (talk ratio, questions, objections, buying signals, next
//! steps), each finding with its line numbers.

mod config;
mod transcript;

pub use config::*;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{fold, language_of, text_for};
use crate::contract::{
    Agent, AgentError, AgentHealth, AgentOutput, Factor, Finding, ReferenceCase, TaskContext,
    TaskTypeSpec, Tier, parse_input, schema_of,
};
use crate::data::{DataKind, ResultQuery, host_of};

/// Task type: plan a call.
pub const CALL_PLAN: &str = "call_plan";
/// Task type: analyse a call transcript.
pub const ANALYZE: &str = "analyze_transcript";

/// The lead a call is planned for.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct CallPlanInput {
    /// Company name.
    pub company_name: String,
    /// Contact's role.
    #[serde(default)]
    pub contact_role: Option<String>,
    /// Industry.
    #[serde(default)]
    pub industry: Option<String>,
    /// Website (its newest stored audit adds gap questions).
    #[serde(default)]
    pub website: Option<String>,
    /// Budget as given.
    #[serde(default)]
    pub budget_range: Option<String>,
    /// Timeline as given.
    #[serde(default)]
    pub timeline: Option<String>,
    /// Pain points.
    #[serde(default)]
    pub pain_points: Vec<String>,
    /// Goals.
    #[serde(default)]
    pub goals: Vec<String>,
    /// `en` or `ru` (default: Russian when the lead's text is mostly Cyrillic).
    #[serde(default)]
    pub language: Option<String>,
    /// The stored lead.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub lead_id: Option<uuid::Uuid>,
}

/// A call transcript: one utterance per line, `Speaker: text`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct TranscriptInput {
    /// The transcript (at most 200,000 characters).
    pub transcript: String,
    /// `en` or `ru` for the next steps (default: from the text).
    #[serde(default)]
    pub language: Option<String>,
    /// Company name, for the summary.
    #[serde(default)]
    pub company_name: Option<String>,
    /// The stored lead.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub lead_id: Option<uuid::Uuid>,
}

/// Longest transcript accepted.
pub const MAX_TRANSCRIPT_CHARS: usize = 200_000;

/// The `sales_conversation` agent.
#[derive(Debug, Clone, Default)]
pub struct SalesConversation {
    config: ConversationConfig,
}

fn fill(t: &str, company: &str, industry: &str, item: &str) -> String {
    t.replace("{company}", company)
        .replace("{industry}", industry)
        .replace("{pain}", item)
        .replace("{goal}", item)
        .replace("{gap}", item)
}

impl SalesConversation {
    /// The agent with `config`.
    pub fn new(config: ConversationConfig) -> Self {
        Self { config }
    }

    fn templates(&self, lang: &str) -> Option<&SpinTemplates> {
        self.config
            .questions
            .iter()
            .find(|t| t.language == lang)
            .or_else(|| self.config.questions.first())
    }

    /// The call plan from the lead and its audit gaps (`(check, why)` pairs); pure.
    pub fn plan(
        &self,
        p: &CallPlanInput,
        gaps: &[(String, String)],
        audited: Option<&str>,
    ) -> AgentOutput {
        let c = &self.config;
        let lead_text = format!(
            "{} {} {}",
            p.company_name,
            p.pain_points.join(" "),
            p.goals.join(" ")
        );
        let lang = p
            .language
            .clone()
            .unwrap_or_else(|| language_of(&lead_text).into());
        let company = p.company_name.trim();
        let industry = p.industry.as_deref().unwrap_or_default().trim();
        let folded_industry = fold(industry);
        let mut spin =
            json!({"situation": [], "problem": [], "implication": [], "need_payoff": []});
        let mut push = |k: &str, q: String| {
            if let Some(a) = spin.get_mut(k).and_then(Value::as_array_mut) {
                a.push(Value::String(q));
            }
        };
        let mut not_measured = Vec::new();
        if let Some(t) = self.templates(&lang) {
            for q in &t.situation {
                push("situation", fill(q, company, industry, ""));
            }
            for iq in c.industry_questions.iter().filter(|q| {
                q.language == lang
                    && !folded_industry.is_empty()
                    && folded_industry.contains(&fold(&q.industry))
            }) {
                push("situation", iq.question.clone());
            }
            if p.pain_points.is_empty() {
                not_measured.push("pain_points (open problem questions instead)".to_string());
                for q in &t.problem_open {
                    push("problem", fill(q, company, industry, ""));
                }
            }
            for pain in &p.pain_points {
                for q in &t.problem {
                    push("problem", fill(q, company, industry, pain.trim()));
                }
                for q in &t.implication {
                    push("implication", fill(q, company, industry, pain.trim()));
                }
            }
            for (_, why) in gaps {
                for q in &t.audit_gap {
                    push(
                        "problem",
                        fill(q, company, industry, why.trim_end_matches('.')),
                    );
                }
            }
            if p.goals.is_empty() {
                not_measured.push("goals (no need-payoff questions)".to_string());
            }
            for goal in &p.goals {
                for q in &t.need_payoff {
                    push("need_payoff", fill(q, company, industry, goal.trim()));
                }
            }
        }
        let missing = |field: &str| match field {
            "budget_range" => p
                .budget_range
                .as_deref()
                .is_none_or(|v| v.trim().is_empty()),
            "timeline" => p.timeline.as_deref().is_none_or(|v| v.trim().is_empty()),
            "contact_role" => p
                .contact_role
                .as_deref()
                .is_none_or(|v| v.trim().is_empty()),
            "industry" => industry.is_empty(),
            _ => false,
        };
        let playbook: Vec<Value> = c
            .objections
            .iter()
            .map(|o| {
                let reasons: Vec<String> = o
                    .likely_when
                    .iter()
                    .filter(|w| match w.split_once(':') {
                        Some(("missing", f)) => missing(f),
                        Some(("industry", kw)) => {
                            !folded_industry.is_empty() && folded_industry.contains(&fold(kw))
                        }
                        _ => false,
                    })
                    .map(|w| match w.split_once(':') {
                        Some(("missing", f)) => format!("the lead gave no {f}"),
                        Some((_, kw)) => format!("industry matches '{kw}'"),
                        None => w.clone(),
                    })
                    .collect();
                json!({
                    "id": o.id, "likely": !reasons.is_empty(), "reasons": reasons,
                    "response": text_for(&lang, &o.response_en, &o.response_ru),
                })
            })
            .collect();
        let likely: Vec<&str> = playbook
            .iter()
            .filter(|o| o["likely"] == true)
            .filter_map(|o| o["id"].as_str())
            .collect();
        let count = |k: &str| spin.get(k).and_then(Value::as_array).map_or(0, Vec::len);
        let questions =
            count("situation") + count("problem") + count("implication") + count("need_payoff");
        let mut data_sources = vec![
            "task input: lead fields".to_string(),
            "question and phrase tables (configuration)".to_string(),
        ];
        match audited {
            Some(url) => data_sources.push(format!("stored technical audit of {url}")),
            None if p.website.is_some() => {
                not_measured.push("audit gaps (the lead's site has no stored audit)".into())
            }
            None => not_measured.push("audit gaps (no website)".into()),
        }
        let factors = vec![
            Factor {
                name: "pain_points".into(),
                value: f64::from(u32::try_from(p.pain_points.len()).unwrap_or(u32::MAX)),
                weight: None,
                contribution: None,
                reason: "one problem and one implication question each".into(),
            },
            Factor {
                name: "goals".into(),
                value: f64::from(u32::try_from(p.goals.len()).unwrap_or(u32::MAX)),
                weight: None,
                contribution: None,
                reason: "one need-payoff question each".into(),
            },
            Factor {
                name: "audit_gaps".into(),
                value: f64::from(u32::try_from(gaps.len()).unwrap_or(u32::MAX)),
                weight: None,
                contribution: None,
                reason: format!(
                    "stored audit issues of severity {}",
                    c.audit_gap_severities.join("/")
                ),
            },
        ];
        let findings = likely
            .iter()
            .map(|id| Finding {
                id: format!("likely_objection_{id}"),
                severity: "low".into(),
                message: format!("expect the {id} objection"),
            })
            .collect();
        let mut extra = Map::new();
        extra.insert("language".into(), json!(lang));
        extra.insert("spin_questions".into(), spin);
        extra.insert(
            "audit_gaps".into(),
            json!(
                gaps.iter()
                    .map(|(id, why)| json!({"check": id, "why": why}))
                    .collect::<Vec<_>>()
            ),
        );
        extra.insert("objection_playbook".into(), json!(playbook));
        extra.insert("likely_objections".into(), json!(likely));
        AgentOutput {
            summary: format!(
                "Call plan for {company}: {questions} SPIN question(s){}, {} likely objection(s){}.",
                if gaps.is_empty() {
                    String::new()
                } else {
                    format!(" ({} from the site audit)", gaps.len())
                },
                likely.len(),
                if likely.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", likely.join(", "))
                }
            ),
            score: None,
            factors,
            findings,
            recommendations: likely
                .iter()
                .filter_map(|id| c.objections.iter().find(|o| o.id == *id))
                .map(|o| text_for(&lang, &o.response_en, &o.response_ru))
                .collect(),
            data_sources,
            not_measured,
            extra,
        }
    }
}

#[async_trait]
impl Agent for SalesConversation {
    fn id(&self) -> &'static str {
        "sales_conversation"
    }
    fn name(&self) -> &'static str {
        "Sales Conversation Agent"
    }
    fn tier(&self) -> Tier {
        Tier::Operational
    }
    fn description(&self) -> &'static str {
        "Plans a sales call (SPIN questions from the lead's industry, pains, goals and its site's audit gaps; an objection playbook) and analyses a call transcript (talk ratio, questions, objections and buying signals with line numbers, next steps)."
    }
    fn task_types(&self) -> Vec<TaskTypeSpec> {
        vec![
            TaskTypeSpec {
                name: CALL_PLAN,
                description: "Plan a discovery call for a lead",
                input_schema: schema_of::<CallPlanInput>(),
            },
            TaskTypeSpec {
                name: ANALYZE,
                description: "Analyse a call transcript (`Speaker: text` per line)",
                input_schema: schema_of::<TranscriptInput>(),
            },
        ]
    }
    fn validate(&self, task_type: &str, input: &Value) -> Result<(), AgentError> {
        match task_type {
            ANALYZE => check_transcript(input).map(|_| ()),
            _ => check_plan(input).map(|_| ()),
        }
    }
    async fn run(
        &self,
        task_type: &str,
        input: &Value,
        ctx: &TaskContext,
    ) -> Result<AgentOutput, AgentError> {
        if task_type == ANALYZE {
            let t = check_transcript(input)?;
            return Ok(self.analyze(&t));
        }
        let p = check_plan(input)?;
        ctx.checkpoint()?;
        let host = p.website.as_deref().and_then(host_of);
        let mut gaps = Vec::new();
        let mut audited = None;
        if let Some(h) = host {
            let q = ResultQuery {
                agent_id: "technical_seo_auditor".into(),
                url_host: Some(h),
                ..Default::default()
            };
            if let Ok(Some(r)) = ctx.data().latest_result(&q).await {
                audited = r
                    .input
                    .get("url")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                let issues = r
                    .output
                    .get("issues")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                gaps = issues
                    .iter()
                    .filter(|i| {
                        i.get("impact")
                            .or_else(|| i.get("severity"))
                            .and_then(Value::as_str)
                            .is_some_and(|s| {
                                self.config.audit_gap_severities.iter().any(|x| x == s)
                            })
                    })
                    .filter_map(|i| {
                        Some((
                            i.get("check")?.as_str()?.to_string(),
                            i.get("why")?.as_str()?.to_string(),
                        ))
                    })
                    .take(self.config.max_audit_gaps)
                    .collect();
            }
        }
        ctx.report(100);
        Ok(self.plan(&p, &gaps, audited.as_deref()))
    }
    async fn health(&self) -> AgentHealth {
        AgentHealth {
            status: "healthy",
            detail: "question and phrase tables from configuration; reads stored audits".into(),
        }
    }
    fn reads(&self) -> Vec<DataKind> {
        vec![DataKind::TaskInput, DataKind::AgentResults]
    }
    fn reference_case(&self) -> Option<ReferenceCase> {
        Some(ReferenceCase {
            task_type: ANALYZE,
            input: json!({"transcript": REFERENCE_TRANSCRIPT}),
            // By hand: rep 12 words, prospect 28 → 0.3 share; 2 questions; price (line 2) and
            // proposal signal (line 4).
            check: |out| {
                let share = out
                    .extra
                    .get("talk_ratio")
                    .and_then(|t| t.get("rep_share"))
                    .and_then(Value::as_f64);
                let obj = out
                    .extra
                    .get("objections")
                    .and_then(Value::as_array)
                    .map(Vec::len);
                match (share, obj) {
                    (Some(s), Some(1)) if (s - 0.3).abs() < 1e-9 => Ok(()),
                    other => Err(format!(
                        "expected share 0.3 and one objection, got {other:?}"
                    )),
                }
            },
        })
    }
}

/// The self-test's transcript (worked by hand in the reference case).
pub const REFERENCE_TRANSCRIPT: &str = "Rep: How do you win customers today?\nClient: Mostly referrals, but honestly your offer looks too expensive for us right now.\nRep: What is one extra lead worth?\nClient: About a thousand dollars, so please send a proposal and we will look at it.";

fn check_plan(input: &Value) -> Result<CallPlanInput, AgentError> {
    let p: CallPlanInput = parse_input(input)?;
    if p.company_name.trim().is_empty() {
        return Err(AgentError::InvalidInput {
            field: "company_name".into(),
            message: "must not be blank".into(),
        });
    }
    if p.pain_points.len() > 50 || p.goals.len() > 50 {
        return Err(AgentError::InvalidInput {
            field: "pain_points".into(),
            message: "at most 50 pain points and 50 goals".into(),
        });
    }
    Ok(p)
}

fn check_transcript(input: &Value) -> Result<TranscriptInput, AgentError> {
    let t: TranscriptInput = parse_input(input)?;
    if t.transcript.trim().is_empty() {
        return Err(AgentError::InvalidInput {
            field: "transcript".into(),
            message: "must not be blank".into(),
        });
    }
    if t.transcript.chars().count() > MAX_TRANSCRIPT_CHARS {
        return Err(AgentError::InvalidInput {
            field: "transcript".into(),
            message: format!("must be at most {MAX_TRANSCRIPT_CHARS} characters"),
        });
    }
    Ok(t)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn agent() -> SalesConversation {
        SalesConversation::default()
    }

    #[test]
    fn a_transcript_is_measured_as_worked_by_hand() {
        let t = TranscriptInput {
            transcript: REFERENCE_TRANSCRIPT.into(),
            language: None,
            company_name: Some("Acme".into()),
            lead_id: None,
        };
        let out = agent().analyze(&t);
        let tr = &out.extra["talk_ratio"];
        assert_eq!(
            (tr["rep_words"].as_u64(), tr["prospect_words"].as_u64()),
            (Some(12), Some(28))
        );
        assert_eq!(tr["rep_share"], 0.3);
        assert_eq!(out.extra["questions_asked"].as_array().unwrap().len(), 2);
        assert_eq!(
            out.extra["objections"],
            json!([{"id": "price", "line": 2, "text": "Mostly referrals, but honestly your offer looks too expensive for us right now."}])
        );
        assert_eq!(out.extra["buying_signals"][0]["id"], "proposal");
        assert_eq!(out.extra["buying_signals"][0]["line"], 4);
        // Talk 1.0·0.3 + questions 2/5·0.3 + balance ½·0.4 = 0.62.
        assert_eq!(out.score, Some(62.0));
        let steps = out.extra["next_steps"].as_array().unwrap();
        assert_eq!(steps[0], "Send the proposal within 24 hours");
        assert_eq!(steps[1], "Send the ROI model with the payback month");
    }

    #[test]
    fn russian_calls_are_read_with_russian_phrases() {
        let t = TranscriptInput {
            transcript: "Менеджер: Как вы сейчас привлекаете клиентов?\nКлиент: В целом устраивает, но это дорого и нужно согласовать с директором.\nМенеджер: Кто ещё участвует в решении?".into(),
            language: None, company_name: None, lead_id: None,
        };
        let out = agent().analyze(&t);
        assert_eq!(out.extra["language"], "ru");
        let ids: Vec<&str> = out.extra["objections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, vec!["price", "authority"]);
        assert!(
            out.extra["next_steps"][0]
                .as_str()
                .unwrap()
                .starts_with("Отправить модель")
        );
    }

    #[test]
    fn a_call_plan_asks_about_pains_goals_and_audit_gaps() {
        let p: CallPlanInput = serde_json::from_value(json!({
            "company_name": "Acme", "industry": "E-commerce", "pain_points": ["low traffic"], "goals": ["double sales"]
        })).unwrap();
        let gaps = vec![(
            "missing_title".to_string(),
            "Pages without a title rank poorly.".to_string(),
        )];
        let out = agent().plan(&p, &gaps, Some("https://acme.example/"));
        let spin = &out.extra["spin_questions"];
        assert_eq!(
            spin["situation"].as_array().unwrap().len(),
            4,
            "three general and one e-commerce question"
        );
        assert_eq!(spin["problem"].as_array().unwrap().len(), 2);
        assert!(
            spin["problem"][1]
                .as_str()
                .unwrap()
                .contains("Pages without a title rank poorly")
        );
        assert_eq!(
            spin["need_payoff"][0],
            "If double sales were achieved in six months, what would that be worth to you?"
        );
        assert_eq!(
            out.extra["likely_objections"],
            json!(["price", "timing", "authority"])
        );
    }
}
