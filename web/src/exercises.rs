//! Exercises in the page: the list (fetched from `static/exercises/` when
//! the panel first opens, so the texts stay out of the download), and the
//! card of the exercise being tried: its task, its budget as used, its goal
//! as judged after each of the learner's actions, hints one at a time,
//! "Show me" (the solution replayed) and the explanation once solved.
//!
//! The judging is the core's (`faultline_exercises`): a fresh replay of
//! the scenario as the learner changed it. A goal met at a tick ahead of
//! the shown time is announced as ahead; it counts as solved once the run
//! is shown there. Progress is kept in the browser's local storage, under
//! [`SOLVED_KEY`]; nothing is sent anywhere.

use crate::app::App;
use crate::page::{changed, element, on, set_panel, Shared};
use crate::render::escape;
use faultline_exercises::{Exercise, GoalOutcome, Judgement, IDS};
use faultline_scenario::Scenario;
use std::cell::RefCell;

/// Local storage's key for the ids of the exercises solved, comma-separated.
pub const SOLVED_KEY: &str = "faultline-solved";

/// The exercise being tried.
struct Attempt {
    exercise: Exercise,
    /// The learner's scenario when last judged (all of it: a changed
    /// setting must be judged again), and the judgement.
    judged: Option<(Scenario, Judgement)>,
    /// The scenario last found to hold all the exercise's own actions.
    kept: Option<Scenario>,
    hints_shown: usize,
    /// "Show me" loaded the solution: it is not the learner's to count.
    showing_solution: bool,
    /// Solved, remembered and announced (once).
    solved: bool,
}

#[derive(Default)]
struct Exercises {
    /// Each exercise's file, read, by its place in `IDS` (`None`: not yet).
    loaded: Vec<Option<Result<Exercise, String>>>,
    fetching: bool,
    attempt: Option<Attempt>,
}

thread_local! {
    static EXERCISES: RefCell<Exercises> = RefCell::default();
    /// An exercise just solved, to remember and announce.
    static SOLVED_NOW: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// The ids of the exercises solved in this browser.
fn solved_ids() -> Vec<String> {
    let text = storage().and_then(|s| s.get_item(SOLVED_KEY).ok().flatten()).unwrap_or_default();
    text.split(',').filter(|id| !id.is_empty()).map(str::to_string).collect()
}

fn remember_solved(id: &str) {
    let mut solved = solved_ids();
    if !solved.iter().any(|known| known == id) {
        solved.push(id.to_string());
        if let Some(storage) = storage() {
            let _ = storage.set_item(SOLVED_KEY, &solved.join(","));
        }
    }
}

/// Stop trying the exercise (a tour starts).
pub fn leave() {
    EXERCISES.with(|e| e.borrow_mut().attempt = None);
}

/// Wire the panel and the card.
pub fn wire(app: &Shared) {
    on(&element("exercises").into(), "toggle", |_: web_sys::Event| {
        if element("exercises").has_attribute("open") {
            fetch_all();
            draw_list();
        }
    });
    for id in ["exercise-list", "exercise-card"] {
        let app = app.clone();
        on(&element(id).into(), "click", move |event: web_sys::Event| {
            let Some(what) = crate::page::data_of(event.target(), "exercise") else { return };
            let Ok(mut app) = app.try_borrow_mut() else { return };
            let replaces_run = what.starts_with("start:") || what == "show" || what == "retry";
            if replaces_run && !crate::page::may_discard_actions(&app, "Replace this run?") {
                return;
            }
            press(&mut app, &what);
            changed(&app);
        });
    }
}

/// Fetch every exercise's file, once.
fn fetch_all() {
    let start = EXERCISES.with(|e| {
        let mut e = e.borrow_mut();
        let start = !e.fetching;
        e.fetching = true;
        e.loaded.resize_with(IDS.len(), || None);
        start
    });
    if !start {
        return;
    }
    for (index, id) in IDS.iter().enumerate() {
        crate::fetch::fetch_text(&format!("static/exercises/{id}.json"), move |text| {
            let read = text.and_then(|text| faultline_exercises::parse(id, &text).map_err(|e| e.to_string()));
            EXERCISES.with(|e| e.borrow_mut().loaded[index] = Some(read));
            draw_list();
        });
    }
}

/// A press on one of the panel's or the card's buttons: `start:ID`,
/// `hint`, `show`, `retry` or `leave`.
fn press(app: &mut App, what: &str) {
    EXERCISES.with(|e| {
        let mut e = e.borrow_mut();
        if let Some(id) = what.strip_prefix("start:") {
            let found = e.loaded.iter().flatten().flatten().find(|x| x.id == id).cloned();
            if let Some(exercise) = found {
                e.attempt = Some(begin(app, exercise));
            }
            return;
        }
        let Some(attempt) = e.attempt.as_mut() else { return };
        match what {
            "hint" => attempt.hints_shown = (attempt.hints_shown + 1).min(attempt.exercise.hints.len()),
            "show" => {
                let solution = attempt.exercise.with_actions(&attempt.exercise.solution);
                load(app, &solution, "A solution, replayed: watch what it does. Try again to make it yours.".into());
                app.playing = true;
                attempt.showing_solution = true;
            }
            "retry" => {
                load(app, &attempt.exercise.scenario.clone(), format!("Exercise: {}", attempt.exercise.task));
                attempt.showing_solution = false;
            }
            "leave" => e.attempt = None,
            _ => {}
        }
    });
}

/// Start trying `exercise`: its scenario loaded, paused.
fn begin(app: &mut App, exercise: Exercise) -> Attempt {
    load(app, &exercise.scenario, format!("Exercise: {} Press Space to play.", exercise.task));
    crate::tours::leave();
    let _ = element("exercises").remove_attribute("open");
    Attempt { exercise, judged: None, kept: None, hints_shown: 0, showing_solution: false, solved: false }
}

/// Open the exercise `id` (an embed's `ex=`): fetched, then started; or
/// the notice says why not.
pub fn open(app: &Shared, id: &str) {
    let (app, id) = (app.clone(), id.to_string());
    crate::fetch::fetch_text(&format!("static/exercises/{id}.json"), move |text| {
        let Ok(mut app) = app.try_borrow_mut() else { return };
        match text.and_then(|text| faultline_exercises::parse(&id, &text).map_err(|e| e.to_string())) {
            Ok(exercise) => {
                let attempt = begin(&mut app, exercise);
                EXERCISES.with(|e| e.borrow_mut().attempt = Some(attempt));
                crate::embed::loaded(&mut app);
            }
            Err(why) => app.notice = format!("The exercise could not be opened: {why}"),
        }
        changed(&app);
    });
}

fn load(app: &mut App, scenario: &Scenario, notice: String) {
    crate::page::next_load();
    let reduced_motion = app.reduced_motion;
    *app = App::new(scenario.clone(), None);
    app.reduced_motion = reduced_motion;
    app.playing = false;
    app.notice = notice;
}

/// Acting in the past sets aside the later actions, the exercise's own
/// among them (its scripted requests): put those back, for the run shown
/// to be the one judged. (From the animation loop, which holds the app.)
pub fn keep_own_actions(app: &mut App) {
    let restored = EXERCISES.with(|e| {
        let mut e = e.borrow_mut();
        let attempt = e.attempt.as_mut().filter(|attempt| !attempt.showing_solution)?;
        let scenario = app.sim.scenario();
        if attempt.kept.as_ref() == Some(scenario) {
            return None;
        }
        attempt.kept = Some(scenario.clone());
        let restored = attempt.exercise.with_actions(&attempt.exercise.learner_actions(scenario));
        let same_settings = Scenario { actions: Vec::new(), ..restored.clone() }
            == Scenario { actions: Vec::new(), ..scenario.clone() };
        (same_settings && restored.actions != scenario.actions).then_some(restored)
    });
    if let Some(restored) = restored {
        app.replace_scenario(restored);
        app.notice = "The exercise's own actions after that moment are kept: only yours were set aside.".into();
    }
}

/// Judge the attempt again if the learner's actions changed, and draw the
/// card for the time shown (after every change and every frame: cheap
/// when nothing changed).
pub fn follow(app: &App) {
    let markup = EXERCISES.with(|e| {
        let mut e = e.borrow_mut();
        let attempt = e.attempt.as_mut()?;
        let scenario = app.sim.scenario();
        if attempt.judged.as_ref().is_none_or(|(judged, _)| judged != scenario) {
            let judgement = attempt.exercise.judge(scenario);
            attempt.judged = Some((scenario.clone(), judgement));
        }
        Some(card_html(attempt, app.view_tick))
    });
    if let Some(id) = SOLVED_NOW.with(|solved| solved.borrow_mut().take()) {
        remember_solved(&id);
        crate::embed::report_solved(&id);
        draw_list();
    }
    let card = element("exercise-card");
    crate::page::set_shown(&card, markup.is_some());
    if let Some(markup) = markup {
        set_panel("exercise-card", markup);
    }
}

/// The card: the task, the budget, the goal as judged, hints, buttons.
fn card_html(attempt: &mut Attempt, view_tick: f64) -> String {
    let exercise = &attempt.exercise;
    let mut html = format!(
        "<h2>{} <small>{}</small></h2><p>{}</p>",
        escape(&exercise.title),
        escape(&exercise.protocol),
        escape(&exercise.task)
    );
    let mut solved_now = false;
    let status = match attempt.judged.as_ref().map(|(_, judgement)| judgement) {
        None => String::new(),
        Some(Judgement::NotThisExercise { why }) => {
            format!(
                "<p class=\"ex-status ex-left\">{} <button data-exercise=\"retry\">Back to the exercise</button></p>",
                escape(why)
            )
        }
        Some(judgement @ Judgement::Judged { budget, goal }) => {
            let uses: Vec<String> = budget
                .iter()
                .filter(|u| u.allowed > 0 || u.used > 0)
                .map(|u| format!("{} {} of {}", u.kind.name(), u.used, u.allowed))
                .collect();
            let budget_line = match judgement.exceeded() {
                Some(over) => format!(
                    "<p class=\"ex-status ex-over\">Over the budget: {} {}, {} allowed. Undo (Ctrl+Z) or try again.</p>",
                    over.used,
                    over.kind.name(),
                    over.allowed
                ),
                None if uses.is_empty() => "<p class=\"ex-budget\">Budget: no faults allowed.</p>".to_string(),
                None => format!("<p class=\"ex-budget\">Budget used: {}.</p>", uses.join(", ")),
            };
            let goal_now = attempt_goal(goal, judgement.exceeded().is_none(), view_tick);
            solved_now = matches!(goal_now, GoalNow::Solved(_));
            budget_line + &goal_html(goal_now, exercise)
        }
    };
    html.push_str(&status);
    if solved_now && !attempt.showing_solution && !attempt.solved {
        attempt.solved = true;
        // Said once the panel's state is no longer borrowed (`follow`).
        SOLVED_NOW.with(|solved| *solved.borrow_mut() = Some(exercise.id.clone()));
    }
    if attempt.showing_solution {
        html.push_str("<p class=\"ex-budget\">This is the solution, replayed: it does not count as yours.</p>");
    }
    for (number, hint) in exercise.hints.iter().take(attempt.hints_shown).enumerate() {
        html.push_str(&format!("<p class=\"ex-hint\">Hint {}: {}</p>", number + 1, escape(hint)));
    }
    html.push_str("<p class=\"ex-buttons\">");
    if attempt.hints_shown < exercise.hints.len() {
        html.push_str(&format!(
            "<button data-exercise=\"hint\">Hint ({} of {})</button> ",
            attempt.hints_shown + 1,
            exercise.hints.len()
        ));
    }
    html.push_str(
        "<button data-exercise=\"show\">Show me</button> <button data-exercise=\"retry\">Start again</button> \
         <button data-exercise=\"leave\">Leave the exercise</button></p>",
    );
    html
}

/// Where the goal stands at the time shown.
enum GoalNow<'a> {
    Solved(&'a str),
    Ahead(u64),
    MetOverBudget,
    NotYet(&'a str),
}

fn attempt_goal(goal: &GoalOutcome, within_budget: bool, view_tick: f64) -> GoalNow<'_> {
    match goal {
        GoalOutcome::Met { .. } if !within_budget => GoalNow::MetOverBudget,
        GoalOutcome::Met { tick, why } if (*tick as f64) <= view_tick => GoalNow::Solved(why),
        GoalOutcome::Met { tick, .. } => GoalNow::Ahead(*tick),
        GoalOutcome::NotMet { why } => GoalNow::NotYet(why),
    }
}

fn goal_html(goal: GoalNow, exercise: &Exercise) -> String {
    match goal {
        GoalNow::Solved(why) => format!(
            "<p class=\"ex-status ex-solved\" role=\"status\">Solved: {}</p><p>{}</p>",
            escape(why),
            escape(&exercise.explanation)
        ),
        GoalNow::Ahead(tick) => {
            format!("<p class=\"ex-status\">Your actions meet the goal at tick {tick}: play on to see it.</p>")
        }
        GoalNow::MetOverBudget => "<p class=\"ex-status\">The goal is met, but not within the budget.</p>".to_string(),
        GoalNow::NotYet(why) => format!("<p class=\"ex-status\">Not yet: {}</p>", escape(why)),
    }
}

/// The list of exercises, with those solved marked.
fn draw_list() {
    let solved = solved_ids();
    let html = EXERCISES.with(|e| {
        let e = e.borrow();
        let mut html = format!("<p>{} of {} solved in this browser.</p><ol class=\"exercise-list\">", solved.len(), IDS.len());
        for (id, loaded) in IDS.iter().zip(&e.loaded) {
            let item = match loaded {
                None => format!("<li>{id}: loading…</li>"),
                Some(Err(why)) => format!("<li>{id}: {}</li>", escape(why)),
                Some(Ok(x)) => format!(
                    "<li{}><button data-exercise=\"start:{id}\">{}</button> <span class=\"ex-protocol\">{}</span>{}</li>",
                    if solved.iter().any(|s| s == id) { " class=\"solved\"" } else { "" },
                    escape(&x.title),
                    escape(&x.protocol),
                    if solved.iter().any(|s| s == id) { " <span class=\"ex-done\">✓ solved</span>" } else { "" },
                ),
            };
            html.push_str(&item);
        }
        html + "</ol>"
    });
    set_panel("exercise-list", html);
}
