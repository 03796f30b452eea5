//! Judging a learner's scenario: is it still the exercise, how much of the
//! budget do the learner's actions use, and does the run meet the goal.

use crate::budget::BudgetUse;
use crate::goal::{self, GoalOutcome};
use crate::Exercise;
use faultline_scenario::{to_json_compact, Scenario, TimedAction};

/// What the page shows about an attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Judgement {
    /// The scenario is no longer the exercise's: `why` says what changed
    /// (a setting, or one of the exercise's own actions gone missing).
    NotThisExercise { why: String },
    /// The learner's actions' use of the budget (each kind allowed or used)
    /// and the goal on the run to the exercise's horizon.
    Judged { budget: Vec<BudgetUse>, goal: GoalOutcome },
}

impl Judgement {
    /// The goal is met within the budget.
    pub fn is_solved(&self) -> bool {
        matches!(self, Judgement::Judged { goal, .. } if goal.is_met()) && self.exceeded().is_none()
    }

    /// The first kind of action used more often than allowed.
    pub fn exceeded(&self) -> Option<BudgetUse> {
        match self {
            Judgement::Judged { budget, .. } => budget.iter().copied().find(BudgetUse::is_exceeded),
            Judgement::NotThisExercise { .. } => None,
        }
    }
}

impl Exercise {
    /// Judge `scenario`, the exercise's scenario with the actions the
    /// learner recorded, by simulating it afresh to the horizon.
    /// Deterministic, and bounded by the scenario's limits and
    /// [`goal::JUDGE_STEPS_MAX`].
    pub fn judge(&self, scenario: &Scenario) -> Judgement {
        let learner = match self.learner_actions(scenario) {
            Ok(actions) => actions,
            Err(why) => return Judgement::NotThisExercise { why },
        };
        if let Err(error) = faultline_scenario::validate(scenario) {
            return Judgement::NotThisExercise { why: format!("the scenario is not valid: {error}") };
        }
        let mut sim = faultline_protocols::build(scenario.clone());
        let horizon_tick = self.horizon_ticks.min(scenario.limits.ticks_max);
        Judgement::Judged {
            budget: self.budget.used_by(&learner),
            goal: goal::evaluate(&self.goal, sim.as_mut(), horizon_tick),
        }
    }

    /// The exercise's scenario with `learner`'s actions (in time order)
    /// added as the page records them: each after the actions of its tick.
    pub fn with_actions(&self, learner: &[TimedAction]) -> Scenario {
        let mut scenario = self.scenario.clone();
        for timed in learner {
            let at = scenario.actions.partition_point(|other| other.at_tick <= timed.at_tick);
            scenario.actions.insert(at, timed.clone());
        }
        scenario
    }

    /// The learner's actions in `scenario`: all but the exercise's own, which
    /// must all be there, in order, with every setting unchanged. Otherwise
    /// a sentence that says what differs.
    pub fn learner_actions(&self, scenario: &Scenario) -> Result<Vec<TimedAction>, String> {
        let own = &self.scenario;
        if let Some(changed) = changed_setting(own, scenario) {
            return Err(format!(
                "this is no longer the exercise: its {changed} was changed (an exercise's settings are fixed; only \
                 your actions count)"
            ));
        }
        // Each of the exercise's actions, matched to the first equal one
        // left (both lists are in time order); the rest are the learner's.
        let mut expected = own.actions.iter().peekable();
        let mut learner = Vec::new();
        for timed in &scenario.actions {
            match expected.peek() {
                Some(next) if *next == timed => _ = expected.next(),
                _ => learner.push(timed.clone()),
            }
        }
        match expected.next() {
            Some(missing) => Err(format!(
                "this is no longer the exercise: its own {} at tick {} is missing (acting in the past drops the \
                 actions after it)",
                missing.action.name(),
                missing.at_tick
            )),
            None => Ok(learner),
        }
    }
}

/// The first setting (outside the actions) that differs, as "seed" or
/// "protocol setting `variant`".
fn changed_setting(own: &Scenario, other: &Scenario) -> Option<String> {
    let section = if own.seed != other.seed {
        return Some("seed".into());
    } else if own.protocol != other.protocol {
        "protocol"
    } else if own.network != other.network {
        "network"
    } else if own.workload != other.workload {
        "workload"
    } else if own.limits != other.limits {
        "limits"
    } else if (own.version, &own.name, &own.description) != (other.version, &other.name, &other.description) {
        return Some("title or description".into());
    } else {
        return None;
    };
    let text = |scenario: &Scenario| to_json_compact(&Scenario { actions: Vec::new(), ..scenario.clone() });
    Some(match first_changed_field(&text(own), &text(other)) {
        Some(field) => format!("{section} setting `{field}`"),
        None => format!("{section} settings"),
    })
}

/// The innermost field name before the first difference of two compact
/// JSON texts (`"field":` written before the value that differs).
fn first_changed_field<'t>(own: &'t str, other: &str) -> Option<&'t str> {
    let differs_at = own
        .char_indices()
        .zip(other.chars())
        .find(|((_, a), b)| a != b)
        .map_or(own.len().min(other.len()), |((at, _), _)| at);
    let before = &own[..differs_at];
    let colon = before.rfind("\":")?;
    let start = before[..colon].rfind('"')? + 1;
    Some(&before[start..colon])
}

#[cfg(test)]
mod tests {
    use super::first_changed_field;

    #[test]
    fn names_the_innermost_field_that_differs() {
        let own = r#"{"seed":1,"protocol":{"name":"raft","nodes":5,"variant":"correct"}}"#;
        let other = r#"{"seed":1,"protocol":{"name":"raft","nodes":5,"variant":"no-step-down"}}"#;
        assert_eq!(first_changed_field(own, other), Some("variant"));
        assert_eq!(first_changed_field(r#"{"a":{"b":12}}"#, r#"{"a":{"b":13}}"#), Some("b"));
    }
}
