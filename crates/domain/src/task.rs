//! Tasks: one unit of agent work, durable and claimed by workers.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::validation::ValidationErrors;

/// How urgent a task is; workers claim higher priorities first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TaskPriority {
    Low,
    #[default]
    Normal,
    High,
    Urgent,
}

impl TaskPriority {
    /// Every priority, lowest first.
    pub const ALL: [TaskPriority; 4] = [
        TaskPriority::Low,
        TaskPriority::Normal,
        TaskPriority::High,
        TaskPriority::Urgent,
    ];

    /// The serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskPriority::Low => "low",
            TaskPriority::Normal => "normal",
            TaskPriority::High => "high",
            TaskPriority::Urgent => "urgent",
        }
    }

    /// Parses a serialised name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The stored rank (higher is claimed first).
    pub fn rank(self) -> i32 {
        match self {
            TaskPriority::Low => 0,
            TaskPriority::Normal => 1,
            TaskPriority::High => 2,
            TaskPriority::Urgent => 3,
        }
    }

    /// Inverse of [`TaskPriority::rank`].
    pub fn from_rank(rank: i32) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.rank() == rank)
    }
}

/// Where a task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TaskStatus {
    Pending,
    Running,
    Completed,
    Failed,
    Cancelled,
    TimedOut,
}

impl TaskStatus {
    /// Every status.
    pub const ALL: [TaskStatus; 6] = [
        TaskStatus::Pending,
        TaskStatus::Running,
        TaskStatus::Completed,
        TaskStatus::Failed,
        TaskStatus::Cancelled,
        TaskStatus::TimedOut,
    ];

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Pending => "pending",
            TaskStatus::Running => "running",
            TaskStatus::Completed => "completed",
            TaskStatus::Failed => "failed",
            TaskStatus::Cancelled => "cancelled",
            TaskStatus::TimedOut => "timed_out",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Finished tasks never change again.
    pub fn is_terminal(self) -> bool {
        !matches!(self, TaskStatus::Pending | TaskStatus::Running)
    }

    /// Whether the queue may move a task from `self` to `to`.
    ///
    /// Pending → running (claimed) or cancelled; running → any finished status, or back to
    /// pending (retry or expired lease). Nothing leaves a finished status.
    ///
    /// ```
    /// use seo_domain::TaskStatus::*;
    /// assert!(Pending.can_become(Running));
    /// assert!(Running.can_become(Pending));
    /// assert!(!Completed.can_become(Running));
    /// assert!(!Pending.can_become(Completed));
    /// ```
    pub fn can_become(self, to: TaskStatus) -> bool {
        use TaskStatus as S;
        match self {
            S::Pending => matches!(to, S::Running | S::Cancelled),
            S::Running => matches!(
                to,
                S::Pending | S::Completed | S::Failed | S::Cancelled | S::TimedOut
            ),
            _ => false,
        }
    }
}

/// A stored task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Task {
    pub id: Uuid,
    pub agent_id: String,
    pub task_type: String,
    pub input: Value,
    pub priority: TaskPriority,
    pub status: TaskStatus,
    pub output: Option<Value>,
    /// Why the task failed (or why its last attempt failed, while it waits for a retry).
    pub error: Option<TaskError>,
    pub progress: i32,
    pub campaign_id: Option<Uuid>,
    pub client_id: Option<Uuid>,
    pub parent_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub attempts: i32,
    pub max_attempts: i32,
    pub timeout_seconds: i32,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The workflow run this task is a step of.
    #[serde(default)]
    pub workflow_run_id: Option<Uuid>,
    /// Its step id in that run's workflow.
    #[serde(default)]
    pub workflow_step: Option<String>,
}

/// Why a task (or its last attempt) failed: a stable snake_case `code` and a message.
/// Never a backtrace or internal text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskError {
    /// e.g. `agent_failed`, `agent_panic`, `timed_out`, `worker_lost`, `transient_failure`.
    pub code: String,
    /// Human text.
    pub message: String,
}

impl TaskError {
    /// An error with `code` and `message`.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }
}

/// Default time a task may run before it is stopped as timed out.
pub const DEFAULT_TIMEOUT_SECONDS: i32 = 300;
/// Default number of attempts (first run plus retries).
pub const DEFAULT_MAX_ATTEMPTS: i32 = 3;
/// Largest accepted task input, serialised.
pub const MAX_INPUT_BYTES: usize = 256 * 1024;

/// Raw input for a new task.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskInput {
    #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z0-9_]{1,64}$"))]
    pub agent_id: String,
    #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z0-9_]{1,64}$"))]
    pub task_type: String,
    #[serde(default)]
    pub input: Option<Value>,
    #[serde(default)]
    pub priority: Option<TaskPriority>,
    #[serde(default)]
    pub campaign_id: Option<Uuid>,
    #[serde(default)]
    pub client_id: Option<Uuid>,
    #[serde(default)]
    pub parent_id: Option<Uuid>,
    #[serde(default, deserialize_with = "crate::num::opt_int")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 86_400))]
    pub timeout_seconds: Option<i32>,
    #[serde(default, deserialize_with = "crate::num::opt_int")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10))]
    pub max_attempts: Option<i32>,
}

/// A validated task ready to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTask {
    pub agent_id: String,
    pub task_type: String,
    pub input: Value,
    pub priority: TaskPriority,
    pub campaign_id: Option<Uuid>,
    pub client_id: Option<Uuid>,
    pub parent_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub timeout_seconds: i32,
    pub max_attempts: i32,
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl TaskInput {
    /// Validates the shape (identifiers, an object input, bounds); whether the agent exists
    /// and accepts this input is the agent manager's check.
    pub fn validate(self, created_by: Option<Uuid>) -> Result<NewTask, ValidationErrors> {
        let mut e = ValidationErrors::default();
        if !is_identifier(&self.agent_id) {
            e.add(
                "agent_id",
                "invalid_identifier",
                "must be 1-64 characters of a-z, 0-9 and '_'",
            );
        }
        if !is_identifier(&self.task_type) {
            e.add(
                "task_type",
                "invalid_identifier",
                "must be 1-64 characters of a-z, 0-9 and '_'",
            );
        }
        let input = self
            .input
            .unwrap_or_else(|| Value::Object(Default::default()));
        if !input.is_object() {
            e.add("input", "not_an_object", "must be a JSON object");
        } else if serde_json::to_vec(&input).map_or(usize::MAX, |v| v.len()) > MAX_INPUT_BYTES {
            e.add(
                "input",
                "too_large",
                "must be at most 256 KiB when serialised",
            );
        }
        let timeout_seconds = self.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECONDS);
        if !(1..=86_400).contains(&timeout_seconds) {
            e.add(
                "timeout_seconds",
                "out_of_range",
                "must be between 1 and 86400",
            );
        }
        let max_attempts = self.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS);
        if !(1..=10).contains(&max_attempts) {
            e.add("max_attempts", "out_of_range", "must be between 1 and 10");
        }
        e.finish(NewTask {
            agent_id: self.agent_id,
            task_type: self.task_type,
            input,
            priority: self.priority.unwrap_or_default(),
            campaign_id: self.campaign_id,
            client_id: self.client_id,
            parent_id: self.parent_id,
            created_by,
            timeout_seconds,
            max_attempts,
        })
    }
}

/// Filters of the task list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskFilter {
    pub status: Option<TaskStatus>,
    pub agent_id: Option<String>,
    pub campaign_id: Option<Uuid>,
    pub priority: Option<TaskPriority>,
}

/// A task type and how many tasks have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TypeCount {
    pub task_type: String,
    pub count: i64,
}

/// Aggregates shown by `GET /api/tasks/stats/summary`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskStats {
    pub total_tasks: i64,
    /// Count per status, every status present.
    pub status_breakdown: std::collections::BTreeMap<String, i64>,
    /// Count per priority, every priority present.
    pub priority_breakdown: std::collections::BTreeMap<String, i64>,
    /// Up to ten most frequent task types with their counts, most frequent first.
    pub top_task_types: Vec<TypeCount>,
    /// Mean run time of completed tasks, in seconds; `None` before the first completion.
    pub average_duration_seconds: Option<f64>,
    /// Tasks created in the last 24 hours.
    pub tasks_24h: i64,
    /// The success rate ([`success_rate`]: completed ÷ (completed + failed + timed out),
    /// 0–1); `None` before anything finished.
    pub success_rate: Option<f64>,
    /// The same in percent, under the original API's name.
    pub completion_rate: Option<f64>,
}

/// The success rate, everywhere it appears: completed ÷ (completed + failed + timed out),
/// as a fraction 0–1. Cancelled runs are excluded (a user stopped them; the agent did not
/// fail). `None` before anything finished.
///
/// ```
/// assert_eq!(seo_domain::task::success_rate(3, 1, 0), Some(0.75));
/// assert_eq!(seo_domain::task::success_rate(0, 0, 0), None);
/// ```
pub fn success_rate(completed: u64, failed: u64, timed_out: u64) -> Option<f64> {
    let finished = completed.saturating_add(failed).saturating_add(timed_out);
    (finished > 0).then(|| crate::num::f64_of(completed) / crate::num::f64_of(finished))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions() {
        use TaskStatus as S;
        let legal = [
            (S::Pending, S::Running),
            (S::Pending, S::Cancelled),
            (S::Running, S::Pending),
            (S::Running, S::Completed),
            (S::Running, S::Failed),
            (S::Running, S::Cancelled),
            (S::Running, S::TimedOut),
        ];
        for from in S::ALL {
            for to in S::ALL {
                assert_eq!(
                    from.can_become(to),
                    legal.contains(&(from, to)),
                    "{from:?}->{to:?}"
                );
            }
        }
    }

    #[test]
    fn priority_ranks_round_trip() {
        for p in TaskPriority::ALL {
            assert_eq!(TaskPriority::from_rank(p.rank()), Some(p));
        }
        assert!(TaskPriority::Urgent.rank() > TaskPriority::Low.rank());
    }

    #[test]
    fn input_rules() {
        let t = TaskInput {
            agent_id: "lead_qualification".into(),
            task_type: "qualify".into(),
            ..Default::default()
        };
        let n = t.clone().validate(None).unwrap();
        assert_eq!(
            (n.timeout_seconds, n.max_attempts, n.priority),
            (300, 3, TaskPriority::Normal)
        );
        assert!(n.input.is_object());
        let bad = TaskInput {
            agent_id: "Bad Id".into(),
            input: Some(Value::from(3)),
            timeout_seconds: Some(0),
            max_attempts: Some(11),
            ..t
        };
        assert_eq!(
            bad.validate(None).unwrap_err().fields(),
            vec!["agent_id", "input", "timeout_seconds", "max_attempts"]
        );
    }
}
