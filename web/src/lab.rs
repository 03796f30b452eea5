//! The page's two panels beside the run: the partitioning experiment (its
//! word list fetched from the page's own origin when first opened) and
//! the CAP scorecard (computed when asked, its rows opening their runs).
//! Their state lives here, apart from the run's `App`.

use crate::app::App;
use crate::experiment::{experiment_html, Experiment};
use crate::page::{changed, element, on, set_panel};
use crate::scorecard::{scorecard_html, Scorecard};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Element;

/// The word list, beside the page (written by `scripts/page-words`).
const WORDS_URL: &str = "words.txt";
/// Most words taken from it: the page's experiment stays quick.
const WORDS_MAX: usize = 20_000;

thread_local! {
    static EXPERIMENT: RefCell<Experiment> = RefCell::new(Experiment::new());
    static SCORECARD: RefCell<Scorecard> = RefCell::default();
}

fn draw_experiment() {
    EXPERIMENT.with(|experiment| set_panel("experiment", experiment_html(&experiment.borrow())));
}

fn draw_scorecard() {
    SCORECARD.with(|scorecard| set_panel("scorecard", scorecard_html(&scorecard.borrow())));
}

/// The button an event happened on, if any.
fn button_of(event: &web_sys::Event) -> Option<Element> {
    event.target()?.dyn_into::<Element>().ok()?.closest("button").ok().flatten()
}

pub fn wire(app: &Rc<RefCell<App>>) {
    on(&element("experiment-details").into(), "toggle", |_: web_sys::Event| {
        let open = element("experiment-details").has_attribute("open");
        let unfetched = EXPERIMENT.with(|e| e.borrow().words.is_none() && e.borrow().failed.is_none());
        if open && unfetched {
            draw_experiment();
            fetch_words();
        }
    });
    on(&element("experiment").into(), "click", |event: web_sys::Event| {
        let delta = button_of(&event).and_then(|b| b.get_attribute("data-partitions")).and_then(|d| d.parse().ok());
        if let Some(delta) = delta {
            if EXPERIMENT.with(|e| e.borrow_mut().change_by(delta)) {
                draw_experiment();
            }
        }
    });
    let for_compare = app.clone();
    on(&element("compare").into(), "click", move |_: web_sys::Event| {
        if SCORECARD.with(|s| s.borrow().is_comparing()) {
            return; // one comparison at a time
        }
        let Ok(app) = for_compare.try_borrow() else { return };
        let started = Scorecard::start(app.sim.scenario());
        SCORECARD.with(|s| *s.borrow_mut() = started);
        draw_scorecard();
        compare_next();
    });
    let for_rows = app.clone();
    on(&element("scorecard").into(), "click", move |event: web_sys::Event| {
        let index: Option<usize> =
            button_of(&event).and_then(|b| b.get_attribute("data-contender")).and_then(|i| i.parse().ok());
        let Some(index) = index else { return };
        let scenario = SCORECARD.with(|s| s.borrow().scenario_of_row(index).cloned());
        let (Some(scenario), Ok(mut app)) = (scenario, for_rows.try_borrow_mut()) else { return };
        if !crate::page::may_discard_actions(&app, "Open this protocol's run?") {
            return;
        }
        let label = scenario.protocol.name().to_string();
        let reduced_motion = app.reduced_motion;
        *app = App::new(scenario, None);
        app.reduced_motion = reduced_motion;
        app.notice = format!("Opened the scorecard's run on {label}: the same faults. Press Space to play.");
        changed(&app);
        element("stage").scroll_into_view();
    });
}

/// Score the next contender once the page has painted, and the next after
/// that, until none is left: each run takes a fraction of a second, and the
/// page answers in between.
fn compare_next() {
    let later = Closure::once_into_js(|| {
        let more = SCORECARD.with(|s| s.borrow_mut().step());
        draw_scorecard();
        if more {
            compare_next();
        }
    });
    let window = web_sys::window().expect("a window");
    let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(later.unchecked_ref(), 30);
}

/// Fetch the word list; the panel says what came of it.
fn fetch_words() {
    crate::fetch::fetch_text(WORDS_URL, |text| {
        EXPERIMENT.with(|e| {
            let mut experiment = e.borrow_mut();
            match text {
                Ok(text) => {
                    let words = text.lines().map(str::trim).filter(|w| !w.is_empty()).take(WORDS_MAX);
                    experiment.words = Some(words.map(str::to_ascii_lowercase).collect());
                }
                Err(why) => experiment.failed = Some(why),
            }
        });
        draw_experiment();
    });
}
