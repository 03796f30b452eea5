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
    /// [`JUDGE_STEPS_MAX`](crate::JUDGE_STEPS_MAX).
    pub fn judge(&self, scenario: &Scenario) -> Judgement {
        if let Some(changed) = changed_setting(&self.scenario, scenario) {
            let why = format!(
                "this is no longer the exercise: its setting {changed} was changed (an exercise's settings are \
                 fixed; only your actions count)"
            );
            return Judgement::NotThisExercise { why };
        }
        let (learner, missing) = self.split_actions(scenario);
        if let Some(missing) = missing {
            let (name, tick) = (missing.action.name(), missing.at_tick);
            let why = format!(
                "this is no longer the exercise: its own {name} at tick {tick} is missing (acting in the past sets \
                 aside the actions after it)"
            );
            return Judgement::NotThisExercise { why };
        }
        if let Err(error) = faultline_scenario::validate(scenario) {
            return Judgement::NotThisExercise { why: format!("the scenario is not valid: {error}") };
        }
        let mut sim = faultline_protocols::build(scenario.clone());
        let horizon_tick = self.horizon_ticks.min(scenario.limits.ticks_max);
        Judgement::Judged {
            budget: self.budget.used_by(&learner, scenario.protocol.node_count()),
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

    /// The learner's actions in `scenario`: those that are not the
    /// exercise's own. `with_actions` of them restores any of the
    /// exercise's own that acting in the past set aside.
    pub fn learner_actions(&self, scenario: &Scenario) -> Vec<TimedAction> {
        self.split_actions(scenario).0
    }

    /// The learner's actions, and the first of the exercise's own actions
    /// missing from `scenario`, if one is: each of the exercise's actions
    /// is matched to the first equal one left (both lists are in time
    /// order).
    fn split_actions(&self, scenario: &Scenario) -> (Vec<TimedAction>, Option<&TimedAction>) {
        let mut own = self.scenario.actions.iter().peekable();
        let mut learner = Vec::new();
        for timed in &scenario.actions {
            match own.peek() {
                Some(next) if *next == timed => _ = own.next(),
                _ => learner.push(timed.clone()),
            }
        }
        (learner, own.next())
    }
}

/// The first setting (outside the actions) that differs, as the path of
/// its field ("seed", "protocol.variant"). Compared as compact JSON, which
/// writes every field in a fixed order.
fn changed_setting(own: &Scenario, other: &Scenario) -> Option<String> {
    let settings = |scenario: &Scenario| to_json_compact(&Scenario { actions: Vec::new(), ..scenario.clone() });
    let (own, other) = (settings(own), settings(other));
    if own == other {
        return None;
    }
    let differs_at = own.bytes().zip(other.bytes()).position(|(a, b)| a != b);
    Some(field_path(&own, differs_at.unwrap_or(own.len().min(other.len()))))
}

/// The dotted path of the field whose value holds byte `at` of a compact
/// JSON text: the key last written at each level of nesting up to there.
fn field_path(text: &str, at: usize) -> String {
    let mut keys: Vec<Option<&str>> = vec![None];
    let (mut string_start, mut last_string, mut escaped) = (None, "", false);
    for (index, byte) in text.bytes().enumerate().take(at) {
        match (string_start, byte) {
            (Some(_), _) if escaped => escaped = false,
            (Some(_), b'\\') => escaped = true,
            (Some(start), b'"') => (string_start, last_string) = (None, &text[start..index]),
            (Some(_), _) => {}
            (None, b'"') => string_start = Some(index + 1),
            (None, b':') => *keys.last_mut().expect("the outermost level stays") = Some(last_string),
            (None, b'{' | b'[') => keys.push(None),
            (None, b'}' | b']') if keys.len() > 1 => _ = keys.pop(),
            _ => {}
        }
    }
    keys.into_iter().flatten().collect::<Vec<_>>().join(".")
}

#[cfg(test)]
mod tests {
    use super::field_path;

    #[test]
    fn names_the_field_that_holds_a_byte() {
        let text = r#"{"seed":1,"protocol":{"name":"raft","initial":[{"term":3,"log":[]}],"variant":"correct"}}"#;
        let at = |needle: &str| text.find(needle).expect("in the text");
        assert_eq!(field_path(text, at("1,")), "seed");
        assert_eq!(field_path(text, at("correct")), "protocol.variant");
        assert_eq!(field_path(text, at("3,")), "protocol.initial.term");
        let escaped = r#"{"name":"a:{\"b\":1}","x":2}"#;
        assert_eq!(field_path(escaped, escaped.find("2}").expect("in the text")), "x");
    }
}
