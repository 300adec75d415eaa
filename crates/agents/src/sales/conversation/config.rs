//! The tables of `sales_conversation` (`[agents.sales_conversation]`): SPIN templates,
//! industry questions, objection and buying-signal phrases, next-step rules, call-score
//! weights.

use serde::{Deserialize, Serialize};

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
