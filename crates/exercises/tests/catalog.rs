//! Every exercise of the catalog, as data: it loads, its solution replays to
//! "solved", doing nothing solves nothing, and a changed setting or a spent
//! budget is said plainly.

use faultline_exercises::{exercises, Exercise, FaultKind, Goal, GoalOutcome, Judgement, CATALOG};
use faultline_scenario::{Action, NodeId, TimedAction};

fn all() -> Vec<Exercise> {
    exercises().unwrap_or_else(|error| panic!("{error}"))
}

fn goal_of(judgement: &Judgement) -> &GoalOutcome {
    match judgement {
        Judgement::Judged { goal, .. } => goal,
        Judgement::NotThisExercise { why } => panic!("not judged: {why}"),
    }
}

#[test]
fn ids_are_unique_and_every_file_is_in_the_catalog() {
    let mut ids: Vec<&str> = CATALOG.iter().map(|(id, _)| *id).collect();
    ids.sort_unstable();
    let count = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), count, "an id is listed twice");
    assert!(count >= 12, "the issue asks for 12 exercises at least");

    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/../../static/exercises");
    let mut files: Vec<String> = std::fs::read_dir(folder)
        .expect("static/exercises is readable")
        .map(|entry| entry.expect("a directory entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort_unstable();
    let listed: Vec<String> = ids.iter().map(|id| format!("{id}.json")).collect();
    assert_eq!(files, listed, "static/exercises and CATALOG differ");
}

#[test]
fn every_protocol_family_has_exercises() {
    let exercises = all();
    for family in ["primary-backup", "raft", "two-phase-commit", "crdt", "quorum-kv"] {
        assert!(exercises.iter().any(|exercise| exercise.scenario.protocol.name() == family), "none for {family}");
    }
}

/// A role a goal names is one of its protocol's (the file's reader does
/// not build a simulation to know).
#[test]
fn every_role_goal_names_a_role_of_its_protocol() {
    for exercise in all() {
        let Goal::RoleCount(count) = &exercise.goal else { continue };
        let roles = faultline_protocols::build(exercise.scenario.clone()).legend().roles;
        assert!(roles.iter().any(|style| style.name == count.role), "{}: no role {:?}", exercise.id, count.role);
    }
}

#[test]
fn every_solution_replays_to_solved() {
    for exercise in all() {
        let judgement = exercise.judge(&exercise.with_actions(&exercise.solution));
        assert!(goal_of(&judgement).is_met(), "{}: the solution does not meet the goal: {judgement:?}", exercise.id);
        assert_eq!(judgement.exceeded(), None, "{}: the solution is over budget", exercise.id);
        assert!(judgement.is_solved(), "{}", exercise.id);
    }
}

#[test]
fn doing_nothing_solves_nothing() {
    for exercise in all() {
        let judgement = exercise.judge(&exercise.scenario);
        assert!(matches!(goal_of(&judgement), GoalOutcome::NotMet { .. }), "{}: {judgement:?}", exercise.id);
        assert!(!judgement.is_solved());
    }
}

#[test]
fn a_judgement_is_deterministic() {
    for exercise in all() {
        let scenario = exercise.with_actions(&exercise.solution);
        assert_eq!(exercise.judge(&scenario), exercise.judge(&scenario), "{}", exercise.id);
    }
}

#[test]
fn every_solution_action_is_the_learners_and_counted() {
    for exercise in all() {
        let scenario = exercise.with_actions(&exercise.solution);
        assert_eq!(exercise.learner_actions(&scenario), exercise.solution, "{}", exercise.id);
        faultline_scenario::validate(&scenario).unwrap_or_else(|error| panic!("{}: {error}", exercise.id));
    }
}

#[test]
fn a_changed_setting_is_not_the_exercise() {
    for exercise in all() {
        let mut scenario = exercise.with_actions(&exercise.solution);
        scenario.seed += 1;
        let judgement = exercise.judge(&scenario);
        assert!(matches!(&judgement, Judgement::NotThisExercise { why } if why.contains("seed")), "{judgement:?}");
        assert!(!judgement.is_solved());
    }
}

#[test]
fn a_changed_protocol_setting_is_named() {
    let exercise = faultline_exercises::exercise("raft-figure-8").expect("it loads");
    let mut scenario = exercise.with_actions(&exercise.solution);
    let faultline_scenario::ProtocolSpec::Raft(raft) = &mut scenario.protocol else { panic!("a raft exercise") };
    raft.variant = faultline_scenario::RaftVariant::Correct;
    let judgement = exercise.judge(&scenario);
    let Judgement::NotThisExercise { why } = judgement else { panic!("judged: {judgement:?}") };
    assert!(why.contains("setting protocol.variant was changed"), "{why}");
}

#[test]
fn a_missing_action_of_the_exercise_is_said() {
    for exercise in all().into_iter().filter(|exercise| !exercise.scenario.actions.is_empty()) {
        let mut scenario = exercise.with_actions(&exercise.solution);
        let last = exercise.scenario.actions.last().expect("it has actions");
        let at = scenario.actions.iter().rposition(|timed| timed == last).expect("still there");
        scenario.actions.remove(at);
        let judgement = exercise.judge(&scenario);
        assert!(matches!(&judgement, Judgement::NotThisExercise { why } if why.contains("missing")), "{judgement:?}");
        // The page can put it back: the learner's actions, in the exercise.
        let repaired = exercise.with_actions(&exercise.learner_actions(&scenario));
        assert!(exercise.judge(&repaired).is_solved(), "{}", exercise.id);
    }
}

#[test]
fn exceeding_the_budget_names_the_kind() {
    for exercise in all() {
        // One pause more than allowed, at the end: the goal is still met.
        let pauses = exercise.budget.allowed(FaultKind::Pause) + 1;
        let at_tick = exercise.scenario.limits.ticks_max;
        let pause = TimedAction { at_tick, action: Action::Pause { node: NodeId(0), ticks: 1 } };
        let mut actions = exercise.solution.clone();
        actions.extend(std::iter::repeat_n(pause, pauses as usize));
        let judgement = exercise.judge(&exercise.with_actions(&actions));
        let exceeded = judgement.exceeded().unwrap_or_else(|| panic!("{}: {judgement:?}", exercise.id));
        assert_eq!((exceeded.kind, exceeded.used, exceeded.allowed), (FaultKind::Pause, pauses, pauses - 1));
        assert_eq!(exceeded.kind.name(), "pauses");
        assert!(goal_of(&judgement).is_met() && !judgement.is_solved(), "{}", exercise.id);
    }
}

#[test]
fn mending_is_free() {
    let exercise = faultline_exercises::exercise("2pc-block").expect("it loads");
    let free = [Action::Restart { node: NodeId(0) }, Action::Heal, Action::Reconnect { node: NodeId(1) }];
    let actions: Vec<TimedAction> = free.into_iter().map(|action| TimedAction { at_tick: 900, action }).collect();
    let Judgement::Judged { budget, .. } = exercise.judge(&exercise.with_actions(&actions)) else { panic!() };
    assert!(budget.iter().all(|usage| usage.used == 0), "{budget:?}");
}

#[test]
fn the_ids_the_page_compiles_in_are_the_catalogs() {
    let catalog: Vec<&str> = faultline_exercises::CATALOG.iter().map(|(id, _)| *id).collect();
    assert_eq!(faultline_exercises::IDS, catalog.as_slice());
}

#[test]
fn one_island_of_some_nodes_is_a_split_and_of_all_a_mend() {
    use faultline_exercises::FaultKind;
    use faultline_scenario::{Action, NodeId};
    let island = |nodes: &[u32]| Action::Partition { islands: vec![nodes.iter().map(|&n| NodeId(n)).collect()] };
    assert_eq!(FaultKind::of(&island(&[0, 1]), 5), Some(FaultKind::Partition), "n2 to n4 are cut off from n0 and n1");
    assert_eq!(FaultKind::of(&island(&[0, 1, 2, 3, 4]), 5), None, "every node together: the network mended");
}
