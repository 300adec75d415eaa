//! Optional prose from an LLM (any OpenAI-compatible `/chat/completions` endpoint).
//!
//! The LLM only writes a narrative around a finished result: it is given the computed
//! summary, factors and findings and told to use no other numbers. The output's numbers are
//! never taken from it. It is off unless configured, and a slow, failing or unreachable LLM
//! never fails a task: the result simply has no `narrative`.

use std::time::Duration;

use serde_json::{Value, json};

use crate::contract::AgentOutput;

/// Where and how to reach the LLM.
#[derive(Clone)]
pub struct LlmConfig {
    /// Base URL, e.g. `https://api.openai.com/v1` or a local server's `/v1`.
    pub base_url: String,
    /// Model name.
    pub model: String,
    /// Bearer key (`OPENAI_API_KEY`), if the endpoint needs one.
    pub api_key: Option<String>,
    /// Longest wait for an answer.
    pub timeout: Duration,
}

impl std::fmt::Debug for LlmConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmConfig")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The client.
#[derive(Debug, Clone)]
pub struct LlmClient {
    config: LlmConfig,
    http: reqwest::Client,
}

const SYSTEM: &str = "You write two or three plain sentences for an SEO agency's client report. \
Use only the facts and numbers in the JSON you are given; never add, round differently or invent a number.";

impl LlmClient {
    /// A client for `config`.
    pub fn new(config: LlmConfig) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self { config, http })
    }

    /// The model name (recorded in `data_sources`).
    pub fn model(&self) -> &str {
        &self.config.model
    }

    /// A narrative of `output`, or `None` (logged) when the LLM does not answer usefully.
    pub async fn narrate(&self, agent_id: &str, output: &AgentOutput) -> Option<String> {
        let facts = json!({
            "agent": agent_id,
            "summary": output.summary,
            "score": output.score,
            "factors": output.factors,
            "findings": output.findings,
            "not_measured": output.not_measured,
        });
        let body = json!({
            "model": self.config.model,
            "temperature": 0.2,
            "messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": facts.to_string()},
            ],
        });
        let url = format!(
            "{}/chat/completions",
            self.config.base_url.trim_end_matches('/')
        );
        let mut req = self.http.post(&url).json(&body);
        if let Some(k) = &self.config.api_key {
            req = req.bearer_auth(k);
        }
        let res = match req.send().await {
            Ok(r) if r.status().is_success() => r,
            Ok(r) => {
                tracing::warn!(
                    status = r.status().as_u16(),
                    "LLM refused the request; result kept without narrative"
                );
                return None;
            }
            Err(e) => {
                tracing::warn!(error = %e.without_url(), "LLM unreachable; result kept without narrative");
                return None;
            }
        };
        let v: Value = res.json().await.ok()?;
        let text = v
            .pointer("/choices/0/message/content")
            .and_then(Value::as_str)?
            .trim()
            .to_string();
        (!text.is_empty()).then_some(text)
    }
}
