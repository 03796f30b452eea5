//! Guided tours, in the style of The Secret Lives of Data: short steps
//! that play the run up to a situation, explain it, ask the reader to act
//! ("now crash the leader") and wait until they have, then hand the run
//! over as a free sandbox.
//!
//! A tour is a text file in `static/tours/`, fetched when it starts (the
//! words stay out of the download):
//!
//! ```text
//! # Raft, step by step          the tour's title
//! scenario: raft                a built-in scenario to start from
//! ## Five servers               a step's title; its lines follow
//! play-to: 70                   play the run to tick 70, then pause
//! play-for: 250                 or play 250 ticks from where it is
//! await: crash leader           wait for an action (crash, restart,
//!                               isolate, partition, heal), optionally
//!                               done to a node in that role
//! Text of the step. A blank line starts a new paragraph.
//! ```

use crate::app::App;
use crate::page::{changed, element, on, set_panel, Shared};
use crate::render::escape;
use faultline_scenario::Action;
use std::cell::RefCell;

/// The tours, by file name in `static/tours/` and the button's label.
pub const TOURS: [(&str, &str); 2] = [("raft", "Raft, step by step"), ("2pc", "Two-phase commit, step by step")];

/// What a step waits for the reader to do.
#[derive(Clone, Debug, PartialEq)]
pub struct Awaited {
    /// `crash`, `restart`, `isolate`, `partition` or `heal`.
    pub action: String,
    /// The role the node acted on had just before (`leader`), if it matters.
    pub role: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Step {
    pub title: String,
    pub paragraphs: Vec<String>,
    pub play_to_tick: Option<u64>,
    pub play_for_ticks: Option<u64>,
    pub awaited: Option<Awaited>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tour {
    pub title: String,
    pub scenario: String,
    pub steps: Vec<Step>,
}

/// Read a tour's text; an error names the line.
pub fn parse(text: &str) -> Result<Tour, String> {
    let mut tour = Tour::default();
    let mut paragraph = String::new();
    for (number, line) in text.lines().enumerate().map(|(i, line)| (i + 1, line.trim())) {
        let bad = |what: &str| format!("line {number}: {what}");
        if let Some(title) = line.strip_prefix("## ") {
            tour.steps.push(Step { title: title.to_string(), ..Step::default() });
            continue;
        }
        if let Some(title) = line.strip_prefix("# ") {
            tour.title = title.to_string();
            continue;
        }
        if let Some(name) = line.strip_prefix("scenario:") {
            tour.scenario = name.trim().to_string();
            continue;
        }
        let Some(step) = tour.steps.last_mut() else {
            if line.is_empty() {
                continue;
            }
            return Err(bad("a step (## Title) must come before its text"));
        };
        let number_after = |prefix: &str| line.strip_prefix(prefix).map(|n| n.trim().parse::<u64>());
        if let Some(tick) = number_after("play-to:") {
            step.play_to_tick = Some(tick.map_err(|_| bad("play-to takes a tick"))?);
        } else if let Some(ticks) = number_after("play-for:") {
            step.play_for_ticks = Some(ticks.map_err(|_| bad("play-for takes a number of ticks"))?);
        } else if let Some(awaited) = line.strip_prefix("await:") {
            let mut words = awaited.split_whitespace();
            let action = words.next().unwrap_or_default().to_string();
            if !["crash", "restart", "isolate", "partition", "heal"].contains(&action.as_str()) {
                return Err(bad("await takes crash, restart, isolate, partition or heal"));
            }
            step.awaited = Some(Awaited { action, role: words.next().map(str::to_string) });
        } else if line.is_empty() {
            if !paragraph.is_empty() {
                step.paragraphs.push(std::mem::take(&mut paragraph));
            }
        } else {
            if !paragraph.is_empty() {
                paragraph.push(' ');
            }
            paragraph.push_str(line);
            continue;
        }
        if !paragraph.is_empty() {
            step.paragraphs.push(std::mem::take(&mut paragraph));
        }
    }
    if let (Some(step), false) = (tour.steps.last_mut(), paragraph.is_empty()) {
        step.paragraphs.push(paragraph);
    }
    if tour.steps.is_empty() || tour.scenario.is_empty() {
        return Err("a tour needs a scenario: line and at least one ## step".into());
    }
    Ok(tour)
}

/// Whether `action`, done to a node that had `role`, is what `awaited` asks.
pub fn satisfies(awaited: &Awaited, action: &Action, role: Option<&str>) -> bool {
    let kind_matches = match awaited.action.as_str() {
        "crash" => matches!(action, Action::Crash { .. } | Action::CrashStop { .. }),
        "restart" => matches!(action, Action::Restart { .. }),
        "isolate" => matches!(action, Action::Isolate { .. }),
        "partition" => matches!(action, Action::Isolate { .. } | Action::Partition { .. } | Action::CutLinks { .. }),
        // A drag that brings every node together records a one-island partition.
        "heal" => {
            matches!(action, Action::Heal | Action::Reconnect { .. })
                || matches!(action, Action::Partition { islands } if islands.len() == 1)
        }
        _ => false,
    };
    kind_matches && awaited.role.as_deref().is_none_or(|wanted| role == Some(wanted))
}

/// A tour being taken.
struct Taking {
    tour: Tour,
    at: usize,
    /// The scenario's actions when the step opened: the reader's come after.
    actions_before: usize,
}

thread_local! {
    static TAKING: RefCell<Option<Taking>> = const { RefCell::new(None) };
}

/// Wire the tours' buttons (in the exercises panel) and the card.
pub fn wire(app: &Shared) {
    let buttons: String = TOURS
        .iter()
        .map(|(file, label)| format!("<button data-tour=\"start:{file}\">{}</button> ", escape(label)))
        .collect();
    set_panel("tour-list", format!("<p>Guided tours: {buttons}</p>"));
    for id in ["tour-list", "tour-card"] {
        let app = app.clone();
        on(&element(id).into(), "click", move |event: web_sys::Event| {
            let Some(what) = crate::page::data_of(event.target(), "tour") else { return };
            if let Some(file) = what.strip_prefix("start:") {
                let may = app.try_borrow().is_ok_and(|app| crate::page::may_discard_actions(&app, "Start this tour?"));
                if may {
                    start(&app, file);
                }
                return;
            }
            let Ok(mut app) = app.try_borrow_mut() else { return };
            press(&mut app, &what);
            changed(&app);
        });
    }
}

/// Fetch the tour and open its first step.
fn start(app: &Shared, file: &str) {
    let (app, shared) = (app.clone(), app.clone());
    crate::fetch::fetch_text(&format!("static/tours/{file}.txt"), move |text| {
        let Ok(mut app) = app.try_borrow_mut() else { return };
        match text.and_then(|text| parse(&text)) {
            Ok(tour) => {
                drop(app);
                crate::page::load_builtin(&shared, tour.scenario.clone(), move |app| {
                    app.playing = false;
                    crate::exercises::leave();
                    TAKING.with(|t| *t.borrow_mut() = Some(Taking { tour, at: 0, actions_before: 0 }));
                    open_step(app);
                    let _ = element("exercises").remove_attribute("open");
                });
            }
            Err(why) => {
                app.notice = format!("The tour could not be read: {why}");
                changed(&app);
            }
        }
    });
}

/// Stop the tour (an exercise starts).
pub fn leave() {
    TAKING.with(|t| *t.borrow_mut() = None);
}

/// Set the run up for the step now open.
fn open_step(app: &mut App) {
    TAKING.with(|t| {
        let mut taking = t.borrow_mut();
        let Some(taking) = taking.as_mut() else { return };
        taking.actions_before = app.sim.scenario().actions.len();
        let step = &taking.tour.steps[taking.at];
        let until = match (step.play_to_tick, step.play_for_ticks) {
            (Some(tick), _) => Some(tick as f64),
            (None, Some(ticks)) => Some(app.view_tick + ticks as f64),
            (None, None) => None,
        };
        app.pause_at_tick = until.filter(|&tick| tick > app.view_tick);
        app.playing = app.pause_at_tick.is_some();
        app.menu = None;
    });
}

fn press(app: &mut App, what: &str) {
    let moved = TAKING.with(|t| {
        let mut taking = t.borrow_mut();
        let Some(tour) = taking.as_mut() else { return false };
        match what {
            "next" if tour.at + 1 < tour.tour.steps.len() => tour.at += 1,
            "back" if tour.at > 0 => tour.at -= 1,
            "leave" | "next" => {
                *taking = None;
                app.pause_at_tick = None;
                app.notice = "The tour is over: the run is yours to play with.".into();
                return false;
            }
            _ => return false,
        }
        true
    });
    if moved {
        open_step(app);
    }
}

/// Draw the tour's card (after every change and every frame).
pub fn follow(app: &App) {
    let markup = TAKING.with(|t| t.borrow().as_ref().map(|taking| card_html(taking, app)));
    crate::page::set_shown(&element("tour-card"), markup.is_some());
    if let Some(markup) = markup {
        set_panel("tour-card", markup);
    }
}

/// Whether the reader did what the step asks, since it opened.
fn done(taking: &Taking, app: &App) -> bool {
    let Some(awaited) = &taking.tour.steps[taking.at].awaited else { return true };
    // The reader's last action (the scenario's last may be a scripted one).
    app.sim.scenario().actions.len() > taking.actions_before
        && app.last_action.as_ref().is_some_and(|last| satisfies(awaited, last, app.last_action_role))
}

fn card_html(taking: &Taking, app: &App) -> String {
    let (tour, step) = (&taking.tour, &taking.tour.steps[taking.at]);
    let mut html = format!(
        "<h2>{} <small>step {} of {}</small></h2><h3>{}</h3>",
        escape(&tour.title),
        taking.at + 1,
        tour.steps.len(),
        escape(&step.title)
    );
    for paragraph in &step.paragraphs {
        html.push_str(&format!("<p>{}</p>", escape(paragraph)));
    }
    let done = done(taking, app);
    if step.awaited.is_some() {
        html.push_str(if done {
            "<p class=\"ex-status ex-solved\">Done: press Next.</p>"
        } else {
            "<p class=\"ex-status\">Your turn: the tour goes on once you have done it.</p>"
        });
    }
    let last = taking.at + 1 == tour.steps.len();
    html.push_str(&format!(
        "<p class=\"ex-buttons\"><button data-tour=\"back\"{}>Back</button> <button data-tour=\"next\"{}>{}</button> \
         <button data-tour=\"leave\">Leave the tour</button></p>",
        if taking.at == 0 { " disabled" } else { "" },
        if done { "" } else { " disabled" },
        if last { "Finish: the sandbox is yours" } else { "Next" }
    ));
    html
}
