//! The analysis of a call transcript: talk ratio by speaker labels, the rep's questions,
//! objections and buying signals by phrase tables with their line numbers, next steps by
//! rule, and a call score.

use serde::Serialize;
use serde_json::{Map, json};

use super::{SalesConversation, TranscriptInput};
use crate::contract::{AgentOutput, Factor, Finding};
use crate::sales::{fold, language_of, round2, text_for};

/// One detected phrase with where it was said.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct Hit {
    id: String,
    line: usize,
    text: String,
}

impl SalesConversation {
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
                crate::sales::ratio(n, total)
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
            crate::sales::ratio(questions.len(), c.min_questions).min(1.0)
        };
        let balance = if signals.is_empty() && objections.is_empty() {
            0.5
        } else {
            crate::sales::ratio(signals.len(), signals.len() + objections.len())
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
