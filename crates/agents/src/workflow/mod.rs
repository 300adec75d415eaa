//! Workflows as graphs: steps (an agent task each), conditions on earlier outputs, fan-out
//! to several steps and a join when all of a step's predecessors are done.
//!
//! A definition is data (configuration, `[workflows.<id>]`), so its thresholds are an
//! operator's to change. This module only decides: [`start`] says which steps a new run
//! begins with, [`advance`] what happens after one step's task finished. Storing runs and
//! queueing the step tasks is the engine's job, inside the transaction that finishes the
//! task, so a decided step is never lost.
//!
//! Rules:
//! - A step runs once every step in its `after` list is finished (completed or skipped),
//!   at least one of them completed (or it has none), and every `when` condition holds.
//!   Otherwise it is skipped, with the reason recorded.
//! - A condition that names a field no completed step produced is false.
//! - A step task that fails (for good), times out or is cancelled fails the run.
//! - The run completes when no step is waiting or queued.

mod builtin;

pub use builtin::builtin_workflows;

use std::collections::BTreeMap;

use seo_domain::{RunStatus, StepState, StepStatus};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A standalone task that starts a run of its workflow with itself as the first step
/// (so a lead qualified through the agents API still gets its proposal).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    /// Agent of the triggering task.
    pub agent_id: String,
    /// Its task type.
    pub task_type: String,
    /// The step the triggering task becomes.
    pub step: String,
}

/// How a condition compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Equal (JSON equality).
    Eq,
    /// Not equal.
    Ne,
    /// Greater than (numbers).
    Gt,
    /// Greater than or equal (numbers).
    Ge,
    /// Less than (numbers).
    Lt,
    /// Less than or equal (numbers).
    Le,
    /// One of the values in the array `value`.
    In,
    /// The path finds a value that is not null (`value` is ignored; write `true`).
    Given,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "≠",
            Op::Gt => ">",
            Op::Ge => "≥",
            Op::Lt => "<",
            Op::Le => "≤",
            Op::In => "in",
            Op::Given => "given",
        }
    }
}

/// A test on the run input or an earlier step's output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// `input.<field>` or `steps.<step>.<field>[.<field>…]`.
    pub path: String,
    /// Comparison.
    pub op: Op,
    /// The value compared with (an array for `in`).
    pub value: Value,
}

/// One step: an agent task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepDef {
    /// Step id, unique in the workflow.
    pub id: String,
    /// Agent that runs it.
    pub agent_id: String,
    /// Its task type.
    pub task_type: String,
    /// Steps that must finish first (the join); empty for a first step.
    #[serde(default)]
    pub after: Vec<String>,
    /// Conditions that must all hold for the step to run.
    #[serde(default)]
    pub when: Vec<Condition>,
    /// The step's input: field → path (`input.<field>` or `steps.<step>.<field>`); fields
    /// whose path finds nothing are left out. Absent: the run's input as it is.
    #[serde(default)]
    pub input: Option<BTreeMap<String, String>>,
}

/// A workflow definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowDef {
    /// Stable id, e.g. `lead`.
    pub id: String,
    /// What it does.
    pub description: String,
    /// A standalone task that starts a run of this workflow.
    #[serde(default)]
    pub trigger: Option<Trigger>,
    /// The steps.
    pub steps: Vec<StepDef>,
}

/// A step to queue now.
#[derive(Debug, Clone, PartialEq)]
pub struct StepStart {
    /// Step id.
    pub step: String,
    /// Agent.
    pub agent_id: String,
    /// Task type.
    pub task_type: String,
    /// Input built from the run input and earlier outputs.
    pub input: Value,
    /// Why it runs.
    pub reason: String,
}

/// What to do after a decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Steps to queue now.
    pub start: Vec<StepStart>,
    /// Every step's state after the decision (queued steps without task ids yet).
    pub steps: BTreeMap<String, StepState>,
    /// The run's status.
    pub status: RunStatus,
    /// Why the run failed, when it did.
    pub error: Option<String>,
}

/// A definition that cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("workflow '{workflow}': {message}")]
pub struct InvalidWorkflow {
    /// Workflow id.
    pub workflow: String,
    /// What is wrong.
    pub message: String,
}

impl WorkflowDef {
    /// Checks the graph: unique step ids, known predecessors, no cycle, known trigger
    /// step, well-formed paths.
    pub fn check(&self) -> Result<(), InvalidWorkflow> {
        let bad = |message: String| InvalidWorkflow {
            workflow: self.id.clone(),
            message,
        };
        if self.steps.is_empty() {
            return Err(bad("has no steps".into()));
        }
        let mut ids = std::collections::BTreeSet::new();
        for s in &self.steps {
            if !ids.insert(s.id.as_str()) {
                return Err(bad(format!("step id '{}' is used twice", s.id)));
            }
        }
        for s in &self.steps {
            for a in &s.after {
                if !ids.contains(a.as_str()) {
                    return Err(bad(format!("step '{}' waits for unknown step '{a}'", s.id)));
                }
            }
            let paths = s
                .when
                .iter()
                .map(|c| c.path.as_str())
                .chain(s.input.iter().flat_map(|m| m.values().map(String::as_str)));
            for p in paths {
                match parse_path(p) {
                    Some(PathRef::Step(step, _)) if !ids.contains(step) => {
                        return Err(bad(format!(
                            "step '{}' reads '{p}' of an unknown step",
                            s.id
                        )));
                    }
                    Some(_) => {}
                    None => {
                        return Err(bad(format!(
                            "step '{}': '{p}' is neither input.<field> nor steps.<step>.<field>",
                            s.id
                        )));
                    }
                }
            }
            for c in &s.when {
                if c.op == Op::In && !c.value.is_array() {
                    return Err(bad(format!("step '{}': 'in' needs an array value", s.id)));
                }
            }
        }
        // No cycle: repeatedly take steps whose predecessors are all taken.
        let mut placed = std::collections::BTreeSet::new();
        while placed.len() < self.steps.len() {
            let before = placed.len();
            for s in &self.steps {
                if !placed.contains(s.id.as_str())
                    && s.after.iter().all(|a| placed.contains(a.as_str()))
                {
                    placed.insert(s.id.as_str());
                }
            }
            if placed.len() == before {
                return Err(bad("its steps wait for each other in a cycle".into()));
            }
        }
        if let Some(t) = &self.trigger {
            let root = self
                .steps
                .iter()
                .find(|s| s.id == t.step)
                .ok_or_else(|| bad(format!("trigger names unknown step '{}'", t.step)))?;
            if !root.after.is_empty()
                || root.agent_id != t.agent_id
                || root.task_type != t.task_type
            {
                return Err(bad(format!(
                    "trigger step '{}' must be a first step of agent {} / {}",
                    t.step, t.agent_id, t.task_type
                )));
            }
        }
        Ok(())
    }

    /// The first steps (no predecessors).
    pub fn roots(&self) -> impl Iterator<Item = &StepDef> {
        self.steps.iter().filter(|s| s.after.is_empty())
    }

    fn step(&self, id: &str) -> Option<&StepDef> {
        self.steps.iter().find(|s| s.id == id)
    }
}

enum PathRef<'a> {
    Input(Vec<&'a str>),
    Step(&'a str, Vec<&'a str>),
}

fn parse_path(p: &str) -> Option<PathRef<'_>> {
    let mut parts = p.split('.');
    match parts.next()? {
        "input" => {
            let rest: Vec<&str> = parts.collect();
            (!rest.is_empty() && rest.iter().all(|s| !s.is_empty())).then_some(PathRef::Input(rest))
        }
        "steps" => {
            let step = parts.next().filter(|s| !s.is_empty())?;
            let rest: Vec<&str> = parts.collect();
            (!rest.is_empty() && rest.iter().all(|s| !s.is_empty()))
                .then_some(PathRef::Step(step, rest))
        }
        _ => None,
    }
}

fn dig<'v>(mut v: &'v Value, fields: &[&str]) -> Option<&'v Value> {
    for f in fields {
        v = v.get(*f)?;
    }
    (!v.is_null()).then_some(v)
}

fn lookup<'v>(
    path: &str,
    input: &'v Value,
    outputs: &'v BTreeMap<String, Value>,
) -> Option<&'v Value> {
    match parse_path(path)? {
        PathRef::Input(f) => dig(input, &f),
        PathRef::Step(step, f) => dig(outputs.get(step)?, &f),
    }
}

fn holds(c: &Condition, input: &Value, outputs: &BTreeMap<String, Value>) -> (bool, String) {
    let Some(actual) = lookup(&c.path, input, outputs) else {
        return (false, format!("{} is not available", c.path));
    };
    let num = |v: &Value| v.as_f64();
    let ok = match c.op {
        Op::Eq => actual == &c.value,
        Op::Ne => actual != &c.value,
        Op::In => c.value.as_array().is_some_and(|a| a.contains(actual)),
        Op::Given => !actual.is_null(),
        Op::Gt | Op::Ge | Op::Lt | Op::Le => match (num(actual), num(&c.value)) {
            (Some(a), Some(b)) => match c.op {
                Op::Gt => a > b,
                Op::Ge => a >= b,
                Op::Lt => a < b,
                _ => a <= b,
            },
            _ => false,
        },
    };
    let text = format!(
        "{} = {} {} {} {}",
        c.path,
        actual,
        if ok { "satisfies" } else { "fails" },
        c.op.as_str(),
        c.value
    );
    (ok, text)
}

fn step_input(s: &StepDef, input: &Value, outputs: &BTreeMap<String, Value>) -> Value {
    match &s.input {
        None => input.clone(),
        Some(map) => {
            let mut out = Map::new();
            for (field, path) in map {
                if let Some(v) = lookup(path, input, outputs) {
                    out.insert(field.clone(), v.clone());
                }
            }
            Value::Object(out)
        }
    }
}

/// Decides every waiting step whose predecessors are finished, until nothing changes.
fn settle(
    def: &WorkflowDef,
    steps: &mut BTreeMap<String, StepState>,
    input: &Value,
    outputs: &BTreeMap<String, Value>,
) -> Vec<StepStart> {
    let mut start = Vec::new();
    loop {
        let mut changed = false;
        for s in &def.steps {
            let waiting = steps
                .get(&s.id)
                .is_none_or(|st| st.status == StepStatus::Waiting);
            if !waiting {
                continue;
            }
            let status_of = |id: &str| steps.get(id).map(|st| st.status);
            let finished = s.after.iter().all(|a| {
                matches!(
                    status_of(a),
                    Some(StepStatus::Completed | StepStatus::Skipped)
                )
            });
            if !finished {
                continue;
            }
            let any_completed = s.after.is_empty()
                || s.after
                    .iter()
                    .any(|a| status_of(a) == Some(StepStatus::Completed));
            let mut reasons = Vec::new();
            let mut run = any_completed;
            if !any_completed {
                reasons.push(format!(
                    "every step before it was skipped ({})",
                    s.after.join(", ")
                ));
            } else {
                for c in &s.when {
                    let (ok, why) = holds(c, input, outputs);
                    reasons.push(why);
                    run &= ok;
                }
            }
            let reason = if reasons.is_empty() {
                if s.after.is_empty() {
                    "first step".to_string()
                } else {
                    format!("after {}", s.after.join(" and "))
                }
            } else {
                reasons.join("; ")
            };
            let state = StepState {
                status: if run {
                    StepStatus::Queued
                } else {
                    StepStatus::Skipped
                },
                task_id: None,
                reason: Some(reason.clone()),
            };
            steps.insert(s.id.clone(), state);
            if run {
                start.push(StepStart {
                    step: s.id.clone(),
                    agent_id: s.agent_id.clone(),
                    task_type: s.task_type.clone(),
                    input: step_input(s, input, outputs),
                    reason,
                });
            }
            changed = true;
        }
        if !changed {
            return start;
        }
    }
}

fn status_after(steps: &BTreeMap<String, StepState>) -> RunStatus {
    if steps
        .values()
        .any(|s| matches!(s.status, StepStatus::Waiting | StepStatus::Queued))
    {
        RunStatus::Running
    } else {
        RunStatus::Completed
    }
}

/// The first decision of a new run: every step waiting, then the first steps decided
/// against the run input.
pub fn start(def: &WorkflowDef, input: &Value) -> Plan {
    let mut steps: BTreeMap<String, StepState> = def
        .steps
        .iter()
        .map(|s| (s.id.clone(), StepState::waiting()))
        .collect();
    let start = settle(def, &mut steps, input, &BTreeMap::new());
    let status = status_after(&steps);
    Plan {
        start,
        steps,
        status,
        error: None,
    }
}

/// The decision after step `step`'s task finished: `completed` tells whether it produced
/// an output (then present in `outputs`); otherwise `error` says why it did not.
pub fn advance(
    def: &WorkflowDef,
    steps: &BTreeMap<String, StepState>,
    input: &Value,
    outputs: &BTreeMap<String, Value>,
    step: &str,
    completed: bool,
    error: Option<&str>,
) -> Plan {
    let mut steps = steps.clone();
    let entry = steps
        .entry(step.to_string())
        .or_insert_with(StepState::waiting);
    if !completed {
        entry.status = StepStatus::Failed;
        let why = format!(
            "step '{step}' did not complete: {}",
            error.unwrap_or("no reason given")
        );
        return Plan {
            start: Vec::new(),
            steps,
            status: RunStatus::Failed,
            error: Some(why),
        };
    }
    entry.status = StepStatus::Completed;
    if def.step(step).is_none() {
        // The definition changed under a running run: finish what is decided, start nothing.
        let status = status_after(&steps);
        return Plan {
            start: Vec::new(),
            steps,
            status,
            error: None,
        };
    }
    let start = settle(def, &mut steps, input, outputs);
    let status = status_after(&steps);
    Plan {
        start,
        steps,
        status,
        error: None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use serde_json::json;

    fn step(id: &str, after: &[&str], when: Vec<Condition>) -> StepDef {
        StepDef {
            id: id.into(),
            agent_id: "a".into(),
            task_type: "t".into(),
            after: after.iter().map(|s| s.to_string()).collect(),
            when,
            input: None,
        }
    }

    fn fan() -> WorkflowDef {
        WorkflowDef {
            id: "fan".into(),
            description: "audit → content + competitive → backlog".into(),
            trigger: None,
            steps: vec![
                step("audit", &[], vec![]),
                step("content", &["audit"], vec![]),
                step(
                    "competitive",
                    &["audit"],
                    vec![Condition {
                        path: "steps.audit.score".into(),
                        op: Op::Lt,
                        value: json!(60),
                    }],
                ),
                step("backlog", &["content", "competitive"], vec![]),
            ],
        }
    }

    #[test]
    fn fan_out_and_join() {
        let d = fan();
        d.check().unwrap();
        let p = start(&d, &json!({}));
        assert_eq!(p.start.len(), 1);
        let mut outs = BTreeMap::from([("audit".to_string(), json!({"score": 50}))]);
        let p = advance(&d, &p.steps, &json!({}), &outs, "audit", true, None);
        let started: Vec<_> = p.start.iter().map(|s| s.step.as_str()).collect();
        assert_eq!(started, ["content", "competitive"]);
        outs.insert("content".into(), json!({}));
        let p = advance(&d, &p.steps, &json!({}), &outs, "content", true, None);
        assert!(p.start.is_empty(), "backlog waits for competitive");
        assert_eq!(p.status, RunStatus::Running);
        outs.insert("competitive".into(), json!({}));
        let p = advance(&d, &p.steps, &json!({}), &outs, "competitive", true, None);
        assert_eq!(p.start.len(), 1);
        assert_eq!(p.start[0].step, "backlog");
        let p = advance(&d, &p.steps, &json!({}), &outs, "backlog", true, None);
        assert_eq!(p.status, RunStatus::Completed);
    }

    #[test]
    fn a_false_condition_skips_and_the_join_still_runs() {
        let d = fan();
        let p = start(&d, &json!({}));
        let outs = BTreeMap::from([("audit".to_string(), json!({"score": 90}))]);
        let p = advance(&d, &p.steps, &json!({}), &outs, "audit", true, None);
        assert_eq!(p.start.len(), 1);
        assert_eq!(p.steps["competitive"].status, StepStatus::Skipped);
        assert!(
            p.steps["competitive"]
                .reason
                .as_ref()
                .unwrap()
                .contains("fails")
        );
    }

    #[test]
    fn a_failed_step_fails_the_run() {
        let d = fan();
        let p = start(&d, &json!({}));
        let p = advance(
            &d,
            &p.steps,
            &json!({}),
            &BTreeMap::new(),
            "audit",
            false,
            Some("boom"),
        );
        assert_eq!(p.status, RunStatus::Failed);
        assert!(p.error.unwrap().contains("boom"));
    }

    #[test]
    fn bad_graphs_are_refused() {
        let mut d = fan();
        d.steps[0].after = vec!["backlog".into()];
        assert!(d.check().unwrap_err().message.contains("cycle"));
        let mut d = fan();
        d.steps[1].when.push(Condition {
            path: "steps.nope.x".into(),
            op: Op::Eq,
            value: json!(1),
        });
        assert!(d.check().is_err());
        builtin_workflows()["lead"].check().unwrap();
    }
}
