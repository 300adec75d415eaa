//! `sales_conversation`: a call plan (SPIN questions from the lead's industry, pains, goals
//! and — when its site has been audited — the audit's gaps; an objection playbook) and the
//! analysis of a call transcript (talk ratio, questions, objections, buying signals, next
//! steps), each finding with its line numbers.

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{fold, language_of, round2, text_for};
use crate::contract::{
    Agent, AgentError, AgentHealth, AgentOutput, Factor, Finding, ReferenceCase, TaskContext,
    TaskTypeSpec, Tier, parse_input, schema_of,
};
use crate::data::{DataKind, ResultQuery, host_of};

/// Task type: plan a call.
pub const CALL_PLAN: &str = "call_plan";
/// Task type: analyse a call transcript.
pub const ANALYZE: &str = "analyze_transcript";

/// SPIN question templates of one language. Placeholders: `{company}`, `{industry}`,
/// `{pain}`, `{goal}`, `{gap}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpinTemplates {
    /// `en` or `ru`.
    pub language: String,
    /// Situation questions (asked once each).
    pub situation: Vec<String>,
    /// Problem questions, one per pain point (`{pain}`).
    pub problem: Vec<String>,
    /// Problem questions when the lead named no pain.
    pub problem_open: Vec<String>,
    /// Implication questions, one per pain point (`{pain}`).
    pub implication: Vec<String>,
    /// Need-payoff questions, one per goal (`{goal}`).
    pub need_payoff: Vec<String>,
    /// Questions on a gap the site audit found (`{gap}`).
    pub audit_gap: Vec<String>,
}

/// An industry's own situation question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndustryQuestion {
    /// `en` or `ru`.
    pub language: String,
    /// Substring of the lower-cased industry.
    pub industry: String,
    /// The question.
    pub question: String,
}

/// A phrase table entry: an objection or a buying signal, with its phrases per language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhraseRule {
    /// Stable id, e.g. `price`.
    pub id: String,
    /// Phrases (matched as substrings of the case-folded line), any language.
    pub phrases: Vec<String>,
    /// How to answer it (objections), English.
    #[serde(default)]
    pub response_en: String,
    /// How to answer it (objections), Russian.
    #[serde(default)]
    pub response_ru: String,
    /// When the objection is likely before the call: `missing:<lead field>` or
    /// `industry:<substring>`.
    #[serde(default)]
    pub likely_when: Vec<String>,
}

/// A next-step rule: when its condition holds after a call, the step is recommended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NextStepRule {
    /// `signal:<id>`, `objection:<id>`, `no_signals`, or `signals_only` (signals and no
    /// objection).
    pub when: String,
    /// The step, English.
    pub step_en: String,
    /// The step, Russian.
    pub step_ru: String,
}

/// `[agents.sales_conversation]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConversationConfig {
    /// SPIN templates per language.
    pub questions: Vec<SpinTemplates>,
    /// Industry situation questions.
    pub industry_questions: Vec<IndustryQuestion>,
    /// Objections: phrases, answers, when likely.
    pub objections: Vec<PhraseRule>,
    /// Buying signals: phrases.
    pub buying_signals: Vec<PhraseRule>,
    /// Next-step rules, in order.
    pub next_steps: Vec<NextStepRule>,
    /// Speaker labels of our side: a case-folded label equal to one, or whose first word is
    /// one, is the rep; others are the prospect.
    pub rep_labels: Vec<String>,
    /// The rep's share of words above which the call was a monologue.
    pub max_rep_talk_share: f64,
    /// Fewest questions the rep should ask.
    pub min_questions: usize,
    /// Audit issue severities that become gap questions.
    pub audit_gap_severities: Vec<String>,
    /// Most audit gaps in a plan.
    pub max_audit_gaps: usize,
    /// Weights of the call score: talk ratio, questions, signal balance (sum 1).
    pub score_weights: [f64; 3],
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| (*x).to_string()).collect()
}

fn phrase(id: &str, phrases: &[&str], en: &str, ru: &str, likely: &[&str]) -> PhraseRule {
    PhraseRule {
        id: id.into(),
        phrases: s(phrases),
        response_en: en.into(),
        response_ru: ru.into(),
        likely_when: s(likely),
    }
}

fn step(when: &str, en: &str, ru: &str) -> NextStepRule {
    NextStepRule {
        when: when.into(),
        step_en: en.into(),
        step_ru: ru.into(),
    }
}

impl Default for ConversationConfig {
    fn default() -> Self {
        Self {
            questions: vec![
                SpinTemplates {
                    language: "en".into(),
                    situation: s(&[
                        "How does {company} win customers online today, and which channels bring the most?",
                        "Who owns SEO at {company}, and how is it resourced?",
                        "Which search figures do you track each month?",
                    ]),
                    problem: s(&["You mentioned {pain}: where does it show up most?"]),
                    problem_open: s(&["What is the hardest part of growing organic traffic right now?"]),
                    implication: s(&["What does {pain} cost you per month in leads or revenue?"]),
                    need_payoff: s(&["If {goal} were achieved in six months, what would that be worth to you?"]),
                    audit_gap: s(&["Our audit found: {gap}. Were you aware of it, and what has it cost you?"]),
                },
                SpinTemplates {
                    language: "ru".into(),
                    situation: s(&[
                        "Как {company} сейчас привлекает клиентов онлайн и какие каналы дают больше всего?",
                        "Кто отвечает за SEO в {company} и какие на это выделены ресурсы?",
                        "Какие поисковые показатели вы отслеживаете каждый месяц?",
                    ]),
                    problem: s(&["Вы упомянули: {pain}. Где это проявляется сильнее всего?"]),
                    problem_open: s(&["Что сейчас сложнее всего в росте органического трафика?"]),
                    implication: s(&["Во что вам обходится {pain} в месяц — в заявках или выручке?"]),
                    need_payoff: s(&["Если через полгода цель «{goal}» будет достигнута, сколько это будет стоить для вас?"]),
                    audit_gap: s(&["Наш аудит показал: {gap}. Вы знали об этом и во что это обходится?"]),
                },
            ],
            industry_questions: vec![
                IndustryQuestion { language: "en".into(), industry: "commerce".into(), question: "How many product pages do you have, and how many get organic traffic?".into() },
                IndustryQuestion { language: "en".into(), industry: "saas".into(), question: "Which comparison and alternative queries matter most to your sales team?".into() },
                IndustryQuestion { language: "en".into(), industry: "fintech".into(), question: "How do compliance reviews affect your content publishing?".into() },
                IndustryQuestion { language: "ru".into(), industry: "commerce".into(), question: "Сколько у вас карточек товаров и сколько из них получают органический трафик?".into() },
                IndustryQuestion { language: "ru".into(), industry: "ритейл".into(), question: "Сколько у вас карточек товаров и сколько из них получают органический трафик?".into() },
                IndustryQuestion { language: "ru".into(), industry: "финтех".into(), question: "Как требования регулятора влияют на публикацию контента?".into() },
            ],
            objections: vec![
                phrase("price", &["too expensive", "expensive", "over budget", "cheaper", "дорого", "нет бюджета", "дешевле"],
                    "Show the ROI model: the payback month and what one extra lead is worth.",
                    "Покажите модель окупаемости: месяц окупаемости и ценность одной дополнительной заявки.",
                    &["missing:budget_range"]),
                phrase("timing", &["not now", "next quarter", "next year", "later", "не сейчас", "позже", "в следующем квартале"],
                    "Tie the start to a cost of waiting: traffic lost per month of delay.",
                    "Свяжите старт с ценой ожидания: сколько трафика теряется за каждый месяц отсрочки.",
                    &["missing:timeline"]),
                phrase("trust", &["guarantee", "burned before", "bad experience", "гарантии", "уже обжигались", "плохой опыт"],
                    "Offer a case from their industry and a pilot with agreed KPIs.",
                    "Предложите кейс из их отрасли и пилот с согласованными KPI.",
                    &["industry:fin", "industry:финанс", "industry:health", "industry:медиц"]),
                phrase("authority", &["need to ask", "my boss", "the board", "согласовать", "руководств", "директор решает"],
                    "Ask who else decides and offer a short briefing for them.",
                    "Спросите, кто ещё принимает решение, и предложите им короткую встречу.",
                    &["missing:contact_role"]),
                phrase("need", &["we already rank", "in-house team", "don't need", "своя команда", "нам не нужно", "и так в топе"],
                    "Compare their visibility with two competitors on the queries that sell.",
                    "Сравните их видимость с двумя конкурентами по продающим запросам.",
                    &[]),
            ],
            buying_signals: vec![
                phrase("budget", &["our budget is", "we can spend", "бюджет составляет", "готовы выделить"], "", "", &[]),
                phrase("timeline", &["when can you start", "how soon", "start next month", "когда сможете начать", "как быстро"], "", "", &[]),
                phrase("proposal", &["send a proposal", "send me a quote", "пришлите предложение", "пришлите кп"], "", "", &[]),
                phrase("process", &["what are the next steps", "how does onboarding work", "какие следующие шаги", "как проходит запуск"], "", "", &[]),
            ],
            next_steps: vec![
                step("signal:proposal", "Send the proposal within 24 hours", "Отправить коммерческое предложение в течение 24 часов"),
                step("objection:price", "Send the ROI model with the payback month", "Отправить модель окупаемости с месяцем окупаемости"),
                step("objection:authority", "Book a meeting with the decision maker", "Назначить встречу с лицом, принимающим решение"),
                step("objection:trust", "Share an industry case and offer a pilot", "Поделиться отраслевым кейсом и предложить пилот"),
                step("objection:timing", "Agree a follow-up date and the cost of waiting", "Согласовать дату следующего контакта и цену ожидания"),
                step("signals_only", "Propose a start date and send the contract", "Предложить дату старта и отправить договор"),
                step("no_signals", "Send a recap and a case study; follow up in a week", "Отправить резюме звонка и кейс; связаться через неделю"),
            ],
            rep_labels: s(&["rep", "sales", "seller", "agent", "менеджер", "продавец", "консультант"]),
            max_rep_talk_share: 0.55,
            min_questions: 5,
            audit_gap_severities: s(&["critical", "high"]),
            max_audit_gaps: 3,
            score_weights: [0.3, 0.3, 0.4],
        }
    }
}

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

/// One detected phrase with where it was said.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct Hit {
    id: String,
    line: usize,
    text: String,
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

    /// The transcript analysis; pure.
    pub fn analyze(&self, t: &TranscriptInput) -> AgentOutput {
        let c = &self.config;
        let lang = t
            .language
            .clone()
            .unwrap_or_else(|| language_of(&t.transcript).into());
        let mut speaker = String::new();
        let (mut rep_words, mut prospect_words) = (0usize, 0usize);
        let mut questions: Vec<Hit> = Vec::new();
        let mut objections: Vec<Hit> = Vec::new();
        let mut signals: Vec<Hit> = Vec::new();
        let mut unlabelled = 0usize;
        for (i, raw) in t.transcript.lines().enumerate() {
            let line_no = i + 1;
            let line = raw.trim();
            if line.is_empty() {
                continue;
            }
            let text = match line.split_once(':') {
                Some((label, rest)) if !label.trim().is_empty() && label.chars().count() <= 40 => {
                    speaker = fold(label.trim());
                    rest.trim()
                }
                _ => {
                    if speaker.is_empty() {
                        unlabelled += 1;
                        continue;
                    }
                    line
                }
            };
            let first = speaker.split_whitespace().next().unwrap_or_default();
            let is_rep = c
                .rep_labels
                .iter()
                .map(|l| fold(l))
                .any(|l| speaker == l || first == l);
            let words = text.split_whitespace().count();
            let folded = fold(text);
            if is_rep {
                rep_words += words;
                for _ in 0..text.matches('?').count() {
                    questions.push(Hit {
                        id: "question".into(),
                        line: line_no,
                        text: text.to_string(),
                    });
                }
            } else {
                prospect_words += words;
                for (rules, out) in [
                    (&c.objections, &mut objections),
                    (&c.buying_signals, &mut signals),
                ] {
                    for r in rules.iter() {
                        if r.phrases.iter().any(|p| folded.contains(&fold(p))) {
                            out.push(Hit {
                                id: r.id.clone(),
                                line: line_no,
                                text: text.to_string(),
                            });
                        }
                    }
                }
            }
        }
        let total = rep_words + prospect_words;
        let share = |n: usize| {
            if total == 0 {
                0.0
            } else {
                super::ratio(n, total)
            }
        };
        let rep_share = share(rep_words);
        let talk_ok = if rep_share <= c.max_rep_talk_share {
            1.0
        } else {
            (1.0 - rep_share) / (1.0 - c.max_rep_talk_share).max(1e-9)
        };
        let q_score = if c.min_questions == 0 {
            1.0
        } else {
            super::ratio(questions.len(), c.min_questions).min(1.0)
        };
        let balance = if signals.is_empty() && objections.is_empty() {
            0.5
        } else {
            super::ratio(signals.len(), signals.len() + objections.len())
        };
        let [w_talk, w_q, w_bal] = c.score_weights;
        let parts = [
            (
                "talk_ratio",
                talk_ok.clamp(0.0, 1.0),
                w_talk,
                format!(
                    "rep said {:.0}% of the words (most {:.0}%)",
                    rep_share * 100.0,
                    c.max_rep_talk_share * 100.0
                ),
            ),
            (
                "questions",
                q_score,
                w_q,
                format!(
                    "{} question(s) asked by the rep (target {})",
                    questions.len(),
                    c.min_questions
                ),
            ),
            (
                "signal_balance",
                balance,
                w_bal,
                format!(
                    "{} buying signal(s) against {} objection(s)",
                    signals.len(),
                    objections.len()
                ),
            ),
        ];
        let mut factors = Vec::new();
        let mut score = 0.0;
        for (name, v, w, reason) in parts {
            score += 100.0 * v * w;
            factors.push(Factor {
                name: name.into(),
                value: round2(v * 100.0),
                weight: Some(w),
                contribution: Some(round2(100.0 * v * w)),
                reason,
            });
        }
        let has = |hits: &[Hit], id: &str| hits.iter().any(|h| h.id == id);
        let steps: Vec<String> = c
            .next_steps
            .iter()
            .filter(|r| match r.when.split_once(':') {
                Some(("signal", id)) => has(&signals, id),
                Some(("objection", id)) => has(&objections, id),
                _ => match r.when.as_str() {
                    "no_signals" => signals.is_empty(),
                    "signals_only" => !signals.is_empty() && objections.is_empty(),
                    _ => false,
                },
            })
            .map(|r| text_for(&lang, &r.step_en, &r.step_ru))
            .collect();
        let mut findings: Vec<Finding> = objections
            .iter()
            .map(|h| Finding {
                id: format!("objection_{}", h.id),
                severity: "medium".into(),
                message: format!("line {}: {}", h.line, h.text),
            })
            .collect();
        if total > 0 && rep_share > c.max_rep_talk_share {
            findings.push(Finding {
                id: "rep_talked_too_much".into(),
                severity: "low".into(),
                message: format!("the rep said {:.0}% of the words", rep_share * 100.0),
            });
        }
        if questions.len() < c.min_questions {
            findings.push(Finding {
                id: "few_questions".into(),
                severity: "low".into(),
                message: format!(
                    "{} question(s) asked; aim for at least {}",
                    questions.len(),
                    c.min_questions
                ),
            });
        }
        let mut not_measured = Vec::new();
        if unlabelled > 0 {
            not_measured.push(format!(
                "{unlabelled} line(s) before the first speaker label"
            ));
        }
        let score = round2(score);
        let mut extra = Map::new();
        extra.insert("language".into(), json!(lang));
        extra.insert("talk_ratio".into(), json!({"rep_words": rep_words, "prospect_words": prospect_words, "rep_share": round2(rep_share), "prospect_share": round2(share(prospect_words))}));
        extra.insert(
            "questions_asked".into(),
            json!(
                questions
                    .iter()
                    .map(|h| json!({"line": h.line, "text": h.text}))
                    .collect::<Vec<_>>()
            ),
        );
        extra.insert("objections".into(), json!(objections));
        extra.insert("buying_signals".into(), json!(signals));
        extra.insert("next_steps".into(), json!(steps));
        AgentOutput {
            summary: format!(
                "{}call scored {score:.1}/100: the rep said {:.0}% of the words, asked {} question(s); {} objection(s), {} buying signal(s).",
                t.company_name
                    .as_deref()
                    .map_or(String::new(), |n| format!("{}: ", n.trim())),
                rep_share * 100.0,
                questions.len(),
                objections.len(),
                signals.len()
            ),
            score: Some(score),
            factors,
            findings,
            recommendations: steps,
            data_sources: vec![
                "task input: transcript".into(),
                "phrase tables (configuration)".into(),
            ],
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
                        i.get("severity").and_then(Value::as_str).is_some_and(|s| {
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
