//! The page: builds the skeleton once, wires pointer, keyboard and button
//! events to the [`App`], and redraws on animation frames.
//!
//! Everything here is an edge: typed errors from the core become readable
//! notices in one place (`load_from_fragment`), and no core type crosses
//! into JavaScript.

use crate::app::{App, NodeCommand, SPEEDS_TICKS_PER_SECOND};
use crate::builtin::{builtins, compiled_text, DEFAULT_SCENARIO};
use crate::render;
use crate::settings::RunSettings;
use faultline_scenario::{Action, Link, MessageId, NodeId, Scenario};
use faultline_sim::EnabledEvent;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement, HtmlInputElement, HtmlSelectElement, KeyboardEvent, PointerEvent};

/// How long a message is held by the "Delay" button.
const DELAY_BUTTON_TICKS: u64 = 50;
use crate::app::PAUSE_BUTTON_TICKS;

const SKELETON: &str = r#"
<header>
  <h1>Faultline</h1>
  <label>Scenario <select id="scenario-picker"></select></label>
  <button id="share">Share</button>
  <input id="share-url" readonly aria-label="Link to this run" placeholder="Share writes a link to this exact run here">
  <button id="embed" aria-haspopup="dialog">Embed</button>
</header>
<p id="embed-caption" hidden></p>
<details id="about"><summary>About this scenario</summary><p id="scenario-description"></p></details>
<details id="exercises"><summary>Learn: guided tours, and exercises that make it fail on purpose</summary><div id="tour-list"></div><div id="exercise-list"></div></details>
<section id="tour-card" class="card" hidden aria-label="The guided tour" aria-live="polite"></section>
<section id="exercise-card" class="card" hidden aria-label="The exercise you are trying"></section>
<p id="notice" role="status" aria-live="polite"></p>
<div id="banner"></div>
<p id="announce" class="visually-hidden" aria-live="polite"></p>
<div id="layout">
  <section id="stage">
    <div id="stage-box">
      <svg id="cluster" viewBox="0 0 640 520" role="application" aria-label="The cluster: click a node for its actions; drag it onto another node's island, or away to isolate it; click a link to cut it, or draw a line across links"><g id="cluster-backdrop"></g><g id="cluster-messages"></g><g id="cluster-nodes"></g></svg>
      <div id="stage-menu"></div>
    </div>
    <div id="controls">
      <button id="play" aria-keyshortcuts="Space">Pause</button>
      <button id="step" aria-keyshortcuts="ArrowRight">Step</button>
      <button id="heal" aria-keyshortcuts="H">Heal all</button>
      <button id="add-node" aria-keyshortcuts="N" hidden>Add a node</button>
      <button id="undo" aria-keyshortcuts="Control+Z">Undo</button>
      <button id="redo" aria-keyshortcuts="Control+Shift+Z">Redo</button>
      <button id="reset">Reset</button>
      <label>Speed <input id="speed" type="range" min="0" max="9" step="1"></label>
      <span id="speed-value"></span>
      <label class="manual"><input id="manual" type="checkbox"> Manual steps</label>
    </div>
    <details id="settings">
      <summary>Run settings: protocol, nodes, network, seed</summary>
      <div class="settings-grid">
        <label>Protocol <select id="set-protocol"></select></label>
        <label>Nodes <input id="set-nodes" type="number" min="1" max="9" step="1"></label>
        <label>Delay from <input id="set-delay-min" type="number" min="1" step="1"></label>
        <label>to <input id="set-delay-max" type="number" min="1" step="1"> ticks</label>
        <label>Loss <input id="set-loss" type="number" min="0" max="1000" step="1"> ‰</label>
        <label>Duplication <input id="set-duplicate" type="number" min="0" max="1000" step="1"> ‰</label>
        <label>Reordering <input id="set-reorder" type="number" min="0" max="1000" step="1"> ‰</label>
        <label>Seed <input id="set-seed" type="number" min="0" step="1"></label>
        <button id="new-seed">New seed</button>
      </div>
    </details>
    <div id="timeline-box"></div>
    <input id="timeline" type="range" min="0" max="1" value="0" aria-label="Timeline, in ticks: drag to any moment of the run">
    <p id="clock"></p>
    <p id="stats"></p>
    <div id="legend" aria-label="Legend"></div>
  </section>
  <aside>
    <section id="ring-section" hidden><h2>Ring</h2><div id="ring"></div></section>
    <section><h2>Inspector</h2><div id="inspector"></div></section>
    <section><h2>In flight</h2><div id="events"></div></section>
    <section><h2>What happened</h2><div id="story" role="log" aria-label="What happened, newest first"></div></section>
  </aside>
</div>
<style id="linked-style"></style>
<section id="diagram-panel" aria-label="Space-time diagram">
  <div class="diagram-head">
    <h2>Space-time diagram</h2>
    <button id="diagram-zoom-out" aria-label="Zoom out">−</button>
    <button id="diagram-zoom-in" aria-label="Zoom in">+</button>
    <button id="diagram-follow">Follow now</button>
    <label><input id="diagram-lamport" type="checkbox"> Lamport clocks</label>
    <label><input id="diagram-vector" type="checkbox"> Vector clocks</label>
    <span class="hint">Drag to look back; click an arrow or a mark to jump there.</span>
  </div>
  <div id="diagram-box"></div>
</section>
<section id="history-panel">
  <div class="history-head">
    <h2>Client history</h2>
    <span id="verdict" class="badge" role="status" aria-live="polite"></span>
    <label class="points"><input id="show-points" type="checkbox"> Show linearization points</label>
  </div>
  <div id="verdict-explanation"></div>
  <div id="lanes-box"></div>
  <details id="operations"><summary>Every operation</summary><div id="history"></div></details>
</section>
<section id="scorecard-panel">
  <details id="scorecard-details">
    <summary><h2>CAP scorecard: this run's faults on every key-value protocol</h2></summary>
    <p>The same timed faults, workload and scripted requests, replayed on Raft, primary–backup, the quorum store (R = W = 1, majorities, a sloppy quorum) and a CRDT register: who answers during the partition, and what it costs. <button id="compare">Compare</button></p>
    <div id="scorecard"></div>
  </details>
</section>
<section id="experiment-panel">
  <details id="experiment-details">
    <summary><h2>Partitioning: how many keys move when a partition is added</h2></summary>
    <div id="experiment"></div>
  </details>
</section>
<section id="own-history-panel">
  <details id="own-history-details">
    <summary><h2>Check your own history: is it linearizable, and if not, why?</h2></summary>
    <div id="own-drop">
      <p id="own-accepts">Paste a history, or drop a file anywhere on this panel: Faultline JSON, Jepsen EDN (Knossos), a Jepsen log, or Porcupine's one EDN map per line, up to 1 MiB. <label>Or choose a file <input id="own-file" type="file" accept=".json,.edn,.txt,.log,.jsonl,text/plain,application/json"></label></p>
      <textarea id="own-text" rows="8" spellcheck="false" autocomplete="off" aria-label="The history to check" aria-describedby="own-accepts" placeholder="{:process 0, :type :invoke, :f :write, :value 1}&#10;{:process 0, :type :ok, :f :write, :value 1}"></textarea>
    </div>
    <div class="own-controls">
      <label>Model <select id="own-model"></select></label>
      <label id="own-initial-label">Initial value <input id="own-initial" type="text" size="10" placeholder="from the file" aria-describedby="own-initial-hint"></label>
      <span id="own-initial-hint" class="hint">JSON: 0, null, "", or a bank's balances [100, 100]</span>
      <button id="own-check">Check</button>
      <button id="own-cancel" hidden>Cancel</button>
    </div>
    <div id="own-status"></div>
    <div class="history-head">
      <span id="own-verdict" class="badge" role="status" aria-live="polite"></span>
      <label class="points"><input id="own-show-points" type="checkbox"> Show linearization points</label>
    </div>
    <div id="own-explanation"></div>
    <div id="own-lanes-box"></div>
  </details>
</section>
<p class="keys">Press <kbd>?</kbd> for the keyboard shortcuts. <button id="show-shortcuts">Shortcuts</button></p>
<dialog id="embed-dialog" aria-labelledby="embed-title">
  <h2 id="embed-title">Embed this run in a page</h2>
  <p>Paste this into a blog post or a book page: the run plays there as it does here, from this moment.</p>
  <fieldset id="embed-panels"><legend>Show</legend></fieldset>
  <label><input id="embed-autoplay" type="checkbox"> Play at once</label>
  <label><input id="embed-read-only" type="checkbox"> Read-only (the reader plays and seeks, but adds no faults)</label>
  <label class="wide">Caption <input id="embed-caption-text" type="text" placeholder="Figure 3: the leader crashes"></label>
  <textarea id="embed-snippet" readonly rows="5" aria-label="The embed snippet"></textarea>
  <p class="hint">The host page can drive it and hear from it with postMessage: see the README's section for authors.</p>
  <form method="dialog"><button id="embed-copy" type="button">Copy</button> <button>Close</button></form>
</dialog>
<dialog id="shortcuts" aria-labelledby="shortcuts-title">
  <h2 id="shortcuts-title">Keyboard shortcuts</h2>
  <dl class="shortcut-list">
    <dt><kbd>Space</kbd></dt><dd>play or pause (on a focused button, Space presses it)</dd>
    <dt><kbd>→</kbd> <kbd>←</kbd></dt><dd>one step forward, one step back (also when a button has focus)</dd>
    <dt><kbd>Ctrl</kbd>+<kbd>Z</kbd>, <kbd>Ctrl</kbd>+<kbd>Shift</kbd>+<kbd>Z</kbd></dt><dd>undo, redo</dd>
    <dt><kbd>0</kbd>–<kbd>9</kbd></dt><dd>select a node and open its menu</dd>
    <dt><kbd>C</kbd></dt><dd>crash the selected node, or restart it</dd>
    <dt><kbd>S</kbd></dt><dd>crash-stop it (it never returns)</dd>
    <dt><kbd>P</kbd></dt><dd>pause it for 100 ticks</dd>
    <dt><kbd>I</kbd></dt><dd>isolate it, or reconnect it</dd>
    <dt><kbd>T</kbd></dt><dd>fire its soonest timer now (Raft: time out now)</dd>
    <dt><kbd>Q</kbd></dt><dd>send it a client request</dd>
    <dt><kbd>R</kbd></dt><dd>remove it from the cluster (the quorum store)</dd>
    <dt><kbd>N</kbd></dt><dd>add a node to the cluster (the quorum store)</dd>
    <dt><kbd>H</kbd></dt><dd>heal every cut link</dd>
    <dt><kbd>M</kbd></dt><dd>manual steps on or off</dd>
    <dt><kbd>Esc</kbd></dt><dd>close a menu, or this list</dd>
    <dt><kbd>?</kbd></dt><dd>this list</dd>
  </dl>
  <form method="dialog"><button>Close</button></form>
</dialog>
"#;

pub(crate) type Shared = Rc<RefCell<App>>;

thread_local! {
    /// The page's app, for `api::playground_state`.
    static APP: RefCell<Option<Shared>> = const { RefCell::new(None) };
}

/// The running page's state (`App::state`), or `None` before the page
/// started (or while the app is busy in a handler).
pub fn state() -> Option<crate::app::PlaygroundState> {
    APP.with(|slot| slot.borrow().as_ref().and_then(|app| app.try_borrow().ok().map(|app| app.state())))
}

fn document() -> Document {
    web_sys::window().expect("a window").document().expect("a document")
}

pub(crate) fn element(id: &str) -> Element {
    document().get_element_by_id(id).unwrap_or_else(|| panic!("#{id} is in the skeleton"))
}

pub(crate) fn input(id: &str) -> HtmlInputElement {
    element(id).dyn_into().expect("an input")
}

fn location_hash() -> String {
    web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default()
}

/// A share fragment: `s=<scenario>&p=<position in steps>&t=<shown
/// tick>&v=<speed, an index into the speeds>`.
struct Fragment<'a> {
    scenario: Option<&'a str>,
    /// `b=NAME`: a built-in scenario (embeds name one so).
    builtin: Option<&'a str>,
    position: Option<u64>,
    view_tick: Option<u64>,
    speed_index: Option<usize>,
}

fn split_fragment(fragment: &str) -> Fragment<'_> {
    let mut parts = Fragment { scenario: None, builtin: None, position: None, view_tick: None, speed_index: None };
    for part in fragment.trim_start_matches('#').split('&') {
        if part.starts_with("s=") {
            parts.scenario = Some(part);
        } else if let Some(name) = part.strip_prefix("b=") {
            parts.builtin = Some(name);
        } else if let Some(p) = part.strip_prefix("p=") {
            parts.position = p.parse().ok();
        } else if let Some(t) = part.strip_prefix("t=") {
            parts.view_tick = t.parse().ok();
        } else if let Some(v) = part.strip_prefix("v=") {
            parts.speed_index = v.parse().ok().filter(|&index| index < SPEEDS_TICKS_PER_SECOND.len());
        }
    }
    parts
}

/// The fragment that reproduces this run: the scenario with every recorded
/// action, the position, and the shown time (which places messages in
/// flight between two steps).
pub fn share_fragment(app: &App) -> String {
    format!(
        "{}&p={}&t={}&v={}",
        faultline_scenario::to_url_fragment(app.sim.scenario()),
        app.sim.position(),
        app.view_tick.floor() as u64,
        app.speed_index
    )
}

/// The default scenario (compiled in).
fn default_scenario() -> Scenario {
    let text = compiled_text(DEFAULT_SCENARIO).expect("the default is compiled in");
    faultline_scenario::from_json(text).expect("built-in scenarios are valid (a test checks them)")
}

/// The app for a URL fragment: the shared run, positioned where it was
/// shared and paused; or the default scenario with a notice saying why the
/// link could not be opened.
pub fn app_for_fragment(fragment: &str) -> App {
    let Fragment { scenario: scenario_part, builtin, position, view_tick, speed_index } = split_fragment(fragment);
    let scenario = match (scenario_part, builtin) {
        (Some(part), _) => faultline_scenario::from_url_fragment(part).map(|s| (s, None)).map_err(|e| e.to_string()),
        // Another built-in is fetched, and loaded by `start` once here.
        (None, Some(_)) | (None, None) => return App::new(default_scenario(), Some(DEFAULT_SCENARIO.to_string())),
    };
    match scenario {
        Ok((scenario, builtin)) => {
            let mut app = App::new(scenario, builtin);
            place(&mut app, position, view_tick, speed_index);
            app
        }
        Err(error) => {
            let mut app = App::new(default_scenario(), Some(DEFAULT_SCENARIO.to_string()));
            app.notice = format!("This link could not be opened: {error}. Showing the default scenario instead.");
            app
        }
    }
}

/// Show a shared run where its link says: at step `position`, the time
/// shown at `view_tick`, at a speed; paused, with a notice.
fn place(app: &mut App, position: Option<u64>, view_tick: Option<u64>, speed_index: Option<usize>) {
    app.speed_index = speed_index.unwrap_or(app.speed_index);
    if let Some(position) = position {
        app.seek(position);
        // The shown time may be past the last step, never before it,
        // and never past the run's time limit (a hand-edited link
        // could say anything).
        if let Some(view_tick) = view_tick {
            let ticks_max = app.sim.scenario().limits.ticks_max as f64;
            app.view_tick = app.view_tick.max((view_tick as f64).min(ticks_max));
        }
        app.playing = false;
        app.notice = format!("Opened a shared run at step {}, paused. Press Space to play on.", app.sim.position());
    }
}

/// Build the page into `<main id="app">` and start the animation loop.
pub fn start() {
    // A panic is a bug: say where in the console (the page then stops).
    std::panic::set_hook(Box::new(|info| web_sys::console::error_1(&format!("Faultline panicked: {info}").into())));
    let app_root = element("app");
    app_root.set_inner_html(SKELETON);
    let picker: HtmlSelectElement = element("scenario-picker").dyn_into().expect("a select");
    let mut options = String::new();
    for (stem, name) in builtins() {
        options.push_str(&format!("<option value=\"{stem}\">{}</option>", render::escape(name)));
    }
    options.push_str("<option value=\"\" disabled>(your own run, or a shared link)</option>");
    picker.set_inner_html(&options);
    input("speed").set_value(&crate::app::DEFAULT_SPEED_INDEX.to_string());
    // The scenario's description is open where there is room; on a phone
    // it would push the cluster below the fold.
    let roomy = web_sys::window().and_then(|w| w.inner_width().ok()).and_then(|w| w.as_f64()).unwrap_or(1024.0) > 700.0;
    if roomy {
        let _ = element("about").set_attribute("open", "");
    }

    let app: Shared = Rc::new(RefCell::new(app_for_fragment(&location_hash())));
    app.borrow_mut().reduced_motion = prefers_reduced_motion();
    APP.with(|slot| *slot.borrow_mut() = Some(app.clone()));
    crate::embed::start(&app, &location_hash());
    load_linked_builtin(&app, &location_hash());
    // The cluster's animations follow the run's clock, never the wall's.
    if let Ok(svg) = element("cluster").dyn_into::<web_sys::SvgsvgElement>() {
        svg.pause_animations();
    }
    wire(&app);
    crate::lab::wire(&app);
    crate::exercises::wire(&app);
    crate::tours::wire(&app);
    crate::own_history::wire();
    measure_diagram_width();
    redraw_panels(&app.borrow());
    animation_loop(app);
}

/// Listen for `event` on `target`, handing the handler the event as the
/// type it is known to be (a `PointerEvent` for "pointerdown", ...).
///
/// Handlers take the app with `try_borrow_mut` and do nothing when it is
/// taken: a redraw that removes a focused button fires focus events at
/// once, inside the handler that redraws.
pub(crate) fn on<E: JsCast + 'static>(
    target: &web_sys::EventTarget,
    event: &str,
    mut handler: impl FnMut(E) + 'static,
) {
    let closure =
        Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| handler(event.unchecked_into()));
    target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref()).expect("adding a listener works");
    // The page lives as long as the app: the handlers are never removed.
    closure.forget();
}

/// SVG user coordinates of a pointer event.
fn svg_point(svg: &Element, event: &PointerEvent) -> (f64, f64) {
    let rect = svg.get_bounding_client_rect();
    let scale_x = crate::app::geometry::WIDTH / rect.width().max(1.0);
    let scale_y = crate::app::geometry::HEIGHT / rect.height().max(1.0);
    ((event.client_x() as f64 - rect.left()) * scale_x, (event.client_y() as f64 - rect.top()) * scale_y)
}

/// How long a press held still on a node opens its menu (touch's long press).
const LONG_PRESS_MS: i32 = 500;

/// Run `act` on the app after `delay_ms`, and show what it did.
fn after_ms(delay_ms: i32, app: &Shared, act: impl FnOnce(&mut App) + 'static) {
    let app = app.clone();
    let callback = Closure::once_into_js(move || {
        let Ok(mut app) = app.try_borrow_mut() else { return };
        act(&mut app);
        changed(&app);
    });
    let window = web_sys::window().expect("a window");
    let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(callback.unchecked_ref(), delay_ms);
}

/// "0-3" → (n0, n3).
fn parse_link(text: &str) -> Option<(NodeId, NodeId)> {
    let (a, b) = text.split_once('-')?;
    Some((NodeId(a.parse().ok()?), NodeId(b.parse().ok()?)))
}

/// The value of `data-NAME` on the target or its nearest ancestor that has one.
pub(crate) fn data_of(target: Option<web_sys::EventTarget>, name: &str) -> Option<String> {
    let element: Element = target?.dyn_into().ok()?;
    let holder = element.closest(&format!("[data-{name}]")).ok()??;
    holder.get_attribute(&format!("data-{name}"))
}

fn wire(app: &Shared) {
    let svg = element("cluster");

    {
        let (app, shared) = (app.clone(), app.clone());
        let svg_for_capture = svg.clone();
        on(&svg, "pointerdown", move |event: PointerEvent| {
            let at = svg_point(&svg_for_capture, &event);
            let Ok(mut app) = app.try_borrow_mut() else { return };
            // Capture on the <svg>: a drag or a stroke goes on when the
            // pointer leaves the drawing.
            let _ = svg_for_capture.set_pointer_capture(event.pointer_id());
            event.prevent_default();
            // Preventing the default keeps the focus where it was: in an
            // embed, outside this frame, where the keys would not reach it.
            if !document().has_focus().unwrap_or(true) {
                let _ = web_sys::window().map(|w| w.focus());
            }
            if let Some(node) = data_of(event.target(), "node").and_then(|n| n.parse().ok()) {
                let press = app.pointer_down_node(NodeId(node), at);
                after_ms(LONG_PRESS_MS, &shared, move |app| app.long_press(press));
            } else if let Some(message) = data_of(event.target(), "msg").and_then(|m| m.parse().ok()) {
                app.gesture = crate::app::Gesture::OnMessage { message };
            } else if let Some(link) = data_of(event.target(), "link").and_then(|l| parse_link(&l)) {
                app.pointer_down_link(link, at);
            } else {
                app.pointer_down_stage(at);
            }
            drop(app);
            wake();
        });
    }
    {
        let app = app.clone();
        let svg_for_point = svg.clone();
        on(&svg, "pointermove", move |event: PointerEvent| {
            let at = svg_point(&svg_for_point, &event);
            let Ok(mut app) = app.try_borrow_mut() else { return };
            app.pointer_move(at);
            drop(app);
            wake();
        });
    }
    // A cancelled press (the browser took the pointer: a scroll, a
    // system gesture) does nothing: no click, no drop, no stroke.
    type End = fn(&mut App);
    let ends: [(&str, End); 2] = [("pointerup", App::pointer_up), ("pointercancel", App::cancel_gesture)];
    for (kind, end) in ends {
        let app = app.clone();
        on(&svg, kind, move |_: PointerEvent| {
            let Ok(mut app) = app.try_borrow_mut() else { return };
            end(&mut app);
            changed(&app);
        });
    }

    {
        let app = app.clone();
        on(&element("play").into(), "click", move |_: web_sys::Event| {
            let Ok(mut app) = app.try_borrow_mut() else { return };
            app.toggle_play();
            changed(&app);
        });
    }
    {
        let app = app.clone();
        on(&element("step").into(), "click", move |_: web_sys::Event| {
            let Ok(mut app) = app.try_borrow_mut() else { return };
            app.step_once();
            changed(&app);
        });
    }
    wire_buttons(
        app,
        &[
            ("heal", App::heal_all),
            ("add-node", App::add_node),
            ("undo", App::undo),
            ("redo", App::redo),
            ("reset", App::reset),
        ],
    );
    {
        let app = app.clone();
        on(&element("speed").into(), "input", move |_: web_sys::Event| {
            let index = input("speed").value().parse().unwrap_or(crate::app::DEFAULT_SPEED_INDEX);
            let Ok(mut app) = app.try_borrow_mut() else { return };
            app.speed_index = index;
            changed(&app);
        });
    }
    {
        let app = app.clone();
        on(&element("timeline").into(), "input", move |_: web_sys::Event| {
            let tick = input("timeline").value().parse::<u64>().map_or(0.0, |tick| tick as f64);
            let Ok(mut app) = app.try_borrow_mut() else { return };
            app.seek_tick(tick);
            changed(&app);
        });
    }
    {
        let app = app.clone();
        on(&element("manual").into(), "change", move |_: web_sys::Event| {
            let Ok(mut app) = app.try_borrow_mut() else { return };
            app.manual_mode = input("manual").checked();
            app.playing = false;
            app.revision += 1;
            changed(&app);
        });
    }
    {
        let app = app.clone();
        on(&element("show-points").into(), "change", move |_: web_sys::Event| {
            let Ok(mut app) = app.try_borrow_mut() else { return };
            app.show_points = input("show-points").checked();
            app.revision += 1;
            changed(&app);
        });
    }
    {
        let app = app.clone();
        on(&element("share").into(), "click", move |_: web_sys::Event| {
            let Ok(mut app) = app.try_borrow_mut() else { return };
            let fragment = share_fragment(&app);
            app.shared_fragment = Some(fragment.clone());
            let window = web_sys::window().expect("a window");
            let _ = window.location().set_hash(&fragment);
            let url = window.location().href().unwrap_or_default();
            input("share-url").set_value(&url);
            input("share-url").select();
        });
    }
    {
        let app = app.clone();
        let browsing = Rc::new(std::cell::Cell::new(false));
        {
            let (app, browsing) = (app.clone(), browsing.clone());
            on(&element("scenario-picker").into(), "keydown", move |event: KeyboardEvent| match event.key().as_str() {
                "Enter" => {
                    browsing.set(false);
                    load_picked_scenario(&app);
                }
                "ArrowUp" | "ArrowDown" | "ArrowLeft" | "ArrowRight" | "Home" | "End" | "PageUp" | "PageDown" => {
                    browsing.set(true)
                }
                _ => {}
            });
        }
        {
            let (app, browsing) = (app.clone(), browsing.clone());
            on(&element("scenario-picker").into(), "blur", move |_: web_sys::Event| {
                browsing.set(false);
                // Browsed with the keys but not loaded: show what runs.
                let Ok(app) = app.try_borrow() else { return };
                changed(&app);
            });
        }
        on(&element("scenario-picker").into(), "change", move |_: web_sys::Event| {
            // Arrow keys on a closed list change it at every press: they
            // browse, and Enter loads. A choice made with the pointer loads.
            if !browsing.get() {
                load_picked_scenario(&app);
            } else {
                let Ok(mut app) = app.try_borrow_mut() else { return };
                app.notice = "Press Enter to load the scenario picked, or Tab away to keep this run.".into();
                set_text("notice", &app.notice);
            }
        });
    }

    {
        let app = app.clone();
        let shared = app.clone();
        on(&web_sys::window().expect("a window").into(), "hashchange", move |_: web_sys::Event| {
            let hash = location_hash();
            let Ok(mut app) = app.try_borrow_mut() else { return };
            // Share writes the hash too, and the run may have moved on since:
            // reload only for a link the page did not write itself.
            if app.shared_fragment.as_deref() != Some(hash.trim_start_matches('#')) {
                next_load();
                *app = app_for_fragment(&hash);
                app.reduced_motion = prefers_reduced_motion();
                crate::embed::loaded(&mut app);
                changed(&app);
                drop(app);
                load_linked_builtin(&shared, &hash);
            }
        });
    }
    wire_held_events(app);
    // Buttons in the side panels, by delegation: the panels are redrawn.
    wire_jumps(app);
    wire_linked_operations();
    {
        let app = app.clone();
        on(&element("operations").into(), "toggle", move |_: web_sys::Event| {
            let Ok(app) = app.try_borrow() else { return };
            changed(&app);
        });
    }
    on(&element("show-shortcuts").into(), "click", |_: web_sys::Event| show_shortcuts());
    wire_settings(app);
    wire_diagram(app);
    {
        let app = app.clone();
        on(&web_sys::window().expect("a window").into(), "resize", move |_: web_sys::Event| {
            measure_diagram_width();
            let Ok(app) = app.try_borrow() else { return };
            changed(&app);
        });
    }
    for panel in ["inspector", "events", "stage-menu"] {
        let app = app.clone();
        on(&element(panel).into(), "click", move |event: web_sys::Event| {
            let Ok(mut app) = app.try_borrow_mut() else { return };
            panel_click(&mut app, event.target());
            changed(&app);
        });
    }
    {
        let app = app.clone();
        on(&document().into(), "keydown", move |event: KeyboardEvent| {
            if event.ctrl_key() || event.meta_key() {
                let Ok(mut app) = app.try_borrow_mut() else { return };
                let redo = event.shift_key() || event.key() == "y";
                match event.key().to_ascii_lowercase().as_str() {
                    "z" | "y" => {
                        event.prevent_default();
                        if redo {
                            app.redo();
                        } else {
                            app.undo();
                        }
                        changed(&app);
                    }
                    _ => {} // the browser's own shortcuts
                }
                return;
            }
            if event.alt_key() || document().query_selector("dialog[open]").ok().flatten().is_some() {
                return; // the browser's, or the open dialog's
            }
            let focused = event.target().and_then(|t| t.dyn_into::<Element>().ok());
            if event.key() == "Enter" {
                // Enter in a replica's request field sends its first operation.
                let form =
                    focused.as_ref().filter(|f| f.has_attribute("data-request-value")).and_then(|f| f.parent_element());
                let first = form
                    .and_then(|label| label.parent_element())
                    .and_then(|f| f.query_selector("button").ok().flatten());
                if let Some(first) = first.and_then(|b| b.dyn_into::<HtmlElement>().ok()) {
                    event.prevent_default();
                    first.click();
                    return;
                }
            }
            if focused.as_ref().is_some_and(|focused| key_belongs_to(focused, &event.key())) {
                return;
            }
            // Enter or Space on a node of the drawing opens its menu.
            let node = focused.as_ref().and_then(|f| f.get_attribute("data-node")).and_then(|n| n.parse().ok());
            if let (Some(node), "Enter" | " ") = (node, event.key().as_str()) {
                let Ok(mut app) = app.try_borrow_mut() else { return };
                event.prevent_default();
                app.click_node(NodeId(node));
                changed(&app);
                // Into the menu, for the keys: Tab walks its buttons, Esc closes it.
                if let Some(button) = element("stage-menu").query_selector("button").ok().flatten() {
                    let _ = button.dyn_into::<HtmlElement>().map(|b| b.focus());
                }
                return;
            }
            if event.key() == "Escape" {
                // Back to the node whose menu closes, so the keys go on from there.
                let Ok(mut app) = app.try_borrow_mut() else { return };
                if let Some(crate::app::Menu::Node(node)) = app.menu {
                    app.close_menu();
                    changed(&app);
                    let selector = format!("#cluster [data-node=\"{}\"]", node.0);
                    if let Some(node) = document().query_selector(&selector).ok().flatten() {
                        let _ = node.dyn_into::<web_sys::SvgElement>().map(|n| n.focus());
                    }
                    return;
                }
            }
            let Ok(mut app) = app.try_borrow_mut() else { return };
            if key_command(&mut app, &event.key()) {
                event.prevent_default();
                changed(&app);
            }
        });
    }
}

/// Anything with a `data-step` in the timeline, the story and the banner
/// jumps to that step when clicked.
fn wire_jumps(app: &Shared) {
    for panel in ["timeline-box", "story", "banner"] {
        let app = app.clone();
        on(&element(panel).into(), "click", move |event: web_sys::Event| {
            let Some(step) = data_of(event.target(), "step").and_then(|s| s.parse().ok()) else { return };
            let Ok(mut app) = app.try_borrow_mut() else { return };
            app.seek(step);
            changed(&app);
        });
    }
}

const SETTING_INPUTS: [&str; 7] =
    ["set-nodes", "set-delay-min", "set-delay-max", "set-loss", "set-duplicate", "set-reorder", "set-seed"];

/// The settings as the panel's fields say; `Err` names a field that is not
/// a whole number.
fn settings_from_panel() -> Result<RunSettings, String> {
    let number = |id: &str, what: &str| -> Result<u64, String> {
        let text = input(id).value();
        text.trim().parse::<u64>().map_err(|_| format!("{what} must be a whole number, not \"{text}\""))
    };
    let protocol: HtmlSelectElement = element("set-protocol").dyn_into().expect("a select");
    let per_mille = |id: &str, what: &str| number(id, what).map(|n| n.min(u32::MAX as u64) as u32);
    Ok(RunSettings {
        protocol: protocol.value(),
        nodes: number("set-nodes", "the node count")?.min(u32::MAX as u64) as u32,
        delay_ticks_min: number("set-delay-min", "the shortest delay")?,
        delay_ticks_max: number("set-delay-max", "the longest delay")?,
        loss_per_mille: per_mille("set-loss", "the loss")?,
        duplicate_per_mille: per_mille("set-duplicate", "the duplication")?,
        reorder_per_mille: per_mille("set-reorder", "the reordering")?,
        seed: number("set-seed", "the seed")?,
    })
}

/// Show the run's settings in the panel, except in the field being edited.
fn show_settings(app: &App) {
    let settings = RunSettings::of(app.sim.scenario());
    let values = [
        settings.nodes as u64,
        settings.delay_ticks_min,
        settings.delay_ticks_max,
        settings.loss_per_mille as u64,
        settings.duplicate_per_mille as u64,
        settings.reorder_per_mille as u64,
        settings.seed,
    ];
    let focused = document().active_element().map(|e| e.id()).unwrap_or_default();
    for (id, value) in SETTING_INPUTS.iter().zip(values) {
        let field = input(id);
        if focused != *id && field.value() != value.to_string() {
            field.set_value(&value.to_string());
        }
    }
    let protocol: HtmlSelectElement = element("set-protocol").dyn_into().expect("a select");
    if protocol.value() != settings.protocol {
        protocol.set_value(&settings.protocol);
    }
}

/// A seed from the browser's random source (only the page draws one: a
/// run itself never uses ambient randomness). Nine digits, easy to read
/// out and type.
fn fresh_seed() -> Option<u64> {
    let mut bytes = [0u8; 8];
    getrandom::getrandom(&mut bytes).ok()?;
    Some(u64::from_le_bytes(bytes) % 1_000_000_000)
}

fn wire_settings(app: &Shared) {
    let protocol = element("set-protocol");
    let options: String = crate::settings::protocols()
        .into_iter()
        .map(|name| format!(r#"<option value="{name}">{name}</option>"#))
        .collect();
    protocol.set_inner_html(&options);
    let apply = |app: &Shared| {
        let Ok(mut app) = app.try_borrow_mut() else { return };
        match settings_from_panel() {
            Ok(settings) => app.apply_settings(&settings),
            Err(error) => {
                app.notice = format!("Could not change the settings: {error}.");
                app.revision += 1;
            }
        }
        changed(&app);
    };
    for id in SETTING_INPUTS.iter().chain(["set-protocol"].iter()) {
        let app = app.clone();
        on(&element(id).into(), "change", move |_: web_sys::Event| apply(&app));
    }
    let app = app.clone();
    on(&element("new-seed").into(), "click", move |_: web_sys::Event| {
        match fresh_seed() {
            Some(seed) => input("set-seed").set_value(&seed.to_string()),
            None => return set_text("notice", "The browser gave no random numbers: type a seed instead."),
        }
        apply(&app);
    });
}

/// An operation under the pointer, in the lanes or in the diagram, is
/// outlined in both (a style rule, not a class: redraws do not undo it).
fn wire_linked_operations() {
    for panel in ["lanes-box", "diagram-box"] {
        on(&element(panel).into(), "pointerover", |event: web_sys::Event| {
            let rule = match data_of(event.target(), "op").and_then(|op| op.parse::<usize>().ok()) {
                Some(op) => format!(
                    "#lanes [data-op=\"{op}\"] rect, .spacetime [data-op=\"{op}\"] rect {{ stroke: var(--accent); stroke-width: 3px; }}"
                ),
                None => String::new(),
            };
            set_text("linked-style", &rule);
        });
        on(&element(panel).into(), "pointerleave", |_: web_sys::Event| set_text("linked-style", ""));
    }
}

/// What a button does to the app.
type Press = fn(&mut App);

/// Each button (by id) does its press, and the page shows what changed.
fn wire_buttons(app: &Shared, buttons: &[(&str, Press)]) {
    for &(id, press) in buttons {
        let app = app.clone();
        on(&element(id).into(), "click", move |_: web_sys::Event| {
            let Ok(mut app) = app.try_borrow_mut() else { return };
            press(&mut app);
            changed(&app);
        });
    }
}

/// The diagram: a drag pans it (it stops following the shown time), a
/// click on an arrow or a mark jumps there, Ctrl+wheel and the buttons zoom.
fn wire_diagram(app: &Shared) {
    let diagram = element("diagram-box");
    let pressed_at: Rc<std::cell::Cell<Option<(f64, bool)>>> = Rc::default();
    {
        let (pressed_at, diagram_for_capture) = (pressed_at.clone(), diagram.clone());
        on(&diagram, "pointerdown", move |event: PointerEvent| {
            pressed_at.set(Some((event.client_x() as f64, false)));
            let _ = diagram_for_capture.set_pointer_capture(event.pointer_id());
        });
    }
    {
        let (app, pressed_at) = (app.clone(), pressed_at.clone());
        on(&diagram, "pointermove", move |event: PointerEvent| {
            let Some((last_x, moved)) = pressed_at.get() else { return };
            let dx = event.client_x() as f64 - last_x;
            if !moved && dx.abs() < crate::app::geometry::CLICK_SLOP {
                return;
            }
            pressed_at.set(Some((event.client_x() as f64, true)));
            let Ok(mut app) = app.try_borrow_mut() else { return };
            app.pan_diagram(dx, diagram_width_px());
            changed(&app);
        });
    }
    {
        let (app, pressed_at) = (app.clone(), pressed_at.clone());
        on(&diagram, "pointerup", move |event: PointerEvent| {
            let Some((_, moved)) = pressed_at.take() else { return };
            if moved {
                return;
            }
            // Under the pointer, not the capture's target (the box).
            let target = document().element_from_point(event.client_x() as f32, event.client_y() as f32);
            let step = target.and_then(|t| data_of(Some(t.into()), "step")).and_then(|s| s.parse::<u64>().ok());
            let Some(step) = step else { return };
            let Ok(mut app) = app.try_borrow_mut() else { return };
            app.seek(step + 1);
            changed(&app);
        });
    }
    {
        let app = app.clone();
        on(&diagram, "wheel", move |event: web_sys::WheelEvent| {
            if !event.ctrl_key() {
                return; // the page scrolls
            }
            event.prevent_default();
            let Ok(mut app) = app.try_borrow_mut() else { return };
            app.zoom_diagram(if event.delta_y() < 0.0 { 1 } else { -1 }, diagram_width_px());
            changed(&app);
        });
    }
    wire_buttons(
        app,
        &[
            ("diagram-zoom-in", |app| app.zoom_diagram(1, diagram_width_px())),
            ("diagram-zoom-out", |app| app.zoom_diagram(-1, diagram_width_px())),
            ("diagram-follow", App::follow_in_diagram),
        ],
    );
    for id in ["diagram-lamport", "diagram-vector"] {
        let app = app.clone();
        on(&element(id).into(), "change", move |_: web_sys::Event| {
            let Ok(mut app) = app.try_borrow_mut() else { return };
            app.diagram_view.lamport = input("diagram-lamport").checked();
            app.diagram_view.vector = input("diagram-vector").checked();
            app.revision += 1;
            changed(&app);
        });
    }
}

/// The In flight list holds still while the pointer is on it or focus is
/// in it (`App::hold_events`).
fn wire_held_events(app: &Shared) {
    let events = element("events");
    let pointer_on = Rc::new(std::cell::Cell::new(false));
    let focus_in = Rc::new(std::cell::Cell::new(false));
    let update = {
        let app = app.clone();
        let (pointer_on, focus_in) = (pointer_on.clone(), focus_in.clone());
        move || {
            let Ok(mut app) = app.try_borrow_mut() else { return };
            app.hold_events(pointer_on.get() || focus_in.get());
            changed(&app);
        }
    };
    for (kind, pointer) in [("pointerenter", true), ("pointerleave", false)] {
        let (update, pointer_on) = (update.clone(), pointer_on.clone());
        on(&events, kind, move |_: web_sys::Event| {
            pointer_on.set(pointer);
            update();
        });
    }
    {
        let (update, focus_in) = (update.clone(), focus_in.clone());
        on(&events, "focusin", move |event: web_sys::Event| {
            // Keyboard focus holds the list (Tab walks its buttons); the
            // focus a click leaves on a button does not, or the hold would
            // outlast the pointer.
            let keyboard = event
                .target()
                .and_then(|t| t.dyn_into::<Element>().ok())
                .is_some_and(|t| t.matches(":focus-visible").unwrap_or(false));
            focus_in.set(keyboard);
            update();
        });
    }
    let events_for_focus = events.clone();
    on(&events, "focusout", move |event: web_sys::FocusEvent| {
        let to: Option<web_sys::Node> = event.related_target().and_then(|t| t.dyn_into().ok());
        focus_in.set(to.is_some_and(|to| events_for_focus.contains(Some(&to))));
        update();
    });
}

/// Load the built-in scenario the picker shows, after asking when that
/// would throw away actions the user recorded.
fn load_picked_scenario(app: &Shared) {
    let picker: HtmlSelectElement = element("scenario-picker").dyn_into().expect("a select");
    let stem = picker.value();
    let shared = app;
    let Ok(app) = app.try_borrow_mut() else { return };
    if app.builtin.as_deref() == Some(stem.as_str()) && app.user_actions == 0 {
        return;
    }
    if !may_discard_actions(&app, "Load another scenario?") {
        picker.set_value(app.builtin.as_deref().unwrap_or(""));
        return;
    }
    drop(app);
    load_builtin(shared, stem, |_| {
        // A fresh scenario is not a shared run: clear the old link.
        let _ = web_sys::window()
            .expect("a window")
            .history()
            .and_then(|h| h.replace_state_with_url(&JsValue::NULL, "", Some(&location_without_hash())));
        input("share-url").set_value("");
    });
}

thread_local! {
    /// Loads of another run begun so far: a fetched scenario that arrives
    /// after a later load is dropped.
    static LOADS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Begin a load that replaces the run (any earlier one still being
/// fetched will not land); returns its number.
pub(crate) fn next_load() -> u64 {
    LOADS.with(|loads| {
        loads.set(loads.get() + 1);
        loads.get()
    })
}

/// A link that names a built-in scenario (`b=NAME`): the page starts on
/// the default, and loads it (at once, or once fetched).
fn load_linked_builtin(app: &Shared, fragment: &str) {
    let fragment = split_fragment(fragment);
    let (position, view_tick, speed_index) = (fragment.position, fragment.view_tick, fragment.speed_index);
    if let (None, Some(name)) = (fragment.scenario, fragment.builtin) {
        load_builtin(app, name.to_string(), move |app| {
            crate::embed::loaded(app);
            place(app, position, view_tick, speed_index);
        });
    }
}

/// Whether the person's actions in this run may be thrown away: none were
/// made, or they said yes to `question` (which says what would replace them).
pub(crate) fn may_discard_actions(app: &App, question: &str) -> bool {
    if app.user_actions == 0 {
        return true;
    }
    let question = format!(
        "{question} The {} action(s) you made in this run will be lost (Share keeps them in a link).",
        app.user_actions
    );
    web_sys::window().is_some_and(|window| window.confirm_with_message(&question).unwrap_or(false))
}

/// Load the built-in scenario `stem` (fetched if it is not compiled in),
/// then do `then`; a scenario that cannot be had is said in the notice.
pub(crate) fn load_builtin(app: &Shared, stem: String, then: impl FnOnce(&mut App) + 'static) {
    if compiled_text(&stem).is_none() && crate::builtin::is_builtin(&stem) {
        if let Ok(mut app) = app.try_borrow_mut() {
            app.notice = format!("Loading {stem}…");
            changed(&app);
        }
    }
    let app = app.clone();
    let load = next_load();
    crate::builtin::with_builtin(&stem.clone(), move |scenario| {
        // Something else was loaded while this was fetched: it stays.
        if LOADS.with(|loads| loads.get()) != load {
            return;
        }
        let Ok(mut app) = app.try_borrow_mut() else { return };
        match scenario {
            Ok(scenario) => {
                *app = App::new(scenario, Some(stem));
                app.reduced_motion = prefers_reduced_motion();
                then(&mut app);
            }
            Err(why) => app.notice = format!("Could not load the scenario: {why}"),
        }
        changed(&app);
    });
}

/// Whether a key pressed on `focused` is the control's own: text and
/// sliders take the arrows, lists every key; a button takes Space and
/// Enter (it presses), not the arrows, which step the run everywhere else.
fn key_belongs_to(focused: &Element, key: &str) -> bool {
    let arrow = matches!(key, "ArrowLeft" | "ArrowRight" | "ArrowUp" | "ArrowDown");
    match focused.tag_name().to_ascii_lowercase().as_str() {
        "select" | "textarea" => true,
        "input" => match focused.get_attribute("type").as_deref() {
            Some("checkbox") | Some("radio") => !arrow,
            _ => true,
        },
        "button" | "summary" | "a" => matches!(key, " " | "Enter"),
        _ => false,
    }
}

pub(crate) fn location_without_hash() -> String {
    let href = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
    href.split('#').next().unwrap_or_default().to_string()
}

/// A keyboard shortcut. Returns whether the key was one.
pub fn key_command(app: &mut App, key: &str) -> bool {
    match key {
        " " => app.toggle_play(),
        "ArrowRight" => app.step_once(),
        "ArrowLeft" => {
            let back = app.sim.position().saturating_sub(1);
            app.seek(back);
        }
        "m" | "M" => {
            app.manual_mode = !app.manual_mode;
            app.playing = false;
            app.revision += 1;
        }
        "h" | "H" => app.heal_all(),
        "n" | "N" => app.add_node(),
        "?" => show_shortcuts(),
        "Escape" => app.close_menu(),
        digit if digit.len() == 1 && digit.as_bytes()[0].is_ascii_digit() => {
            let node: u32 = digit.parse().expect("a digit");
            if node < app.sim.node_count() {
                app.selected_node = Some(NodeId(node));
                app.menu = (!app.read_only).then_some(crate::app::Menu::Node(NodeId(node)));
                app.revision += 1;
            }
        }
        key => {
            let Some(command) = NodeCommand::for_key(key) else { return false };
            match app.selected_node {
                Some(node) => app.node_command(node, command),
                None => app.notice = "Select a node first: click it, or press its number.".into(),
            }
        }
    }
    true
}

/// The list of keyboard shortcuts, as a modal dialog (Esc closes it).
fn show_shortcuts() {
    if let Ok(dialog) = element("shortcuts").dyn_into::<web_sys::HtmlDialogElement>() {
        if !dialog.open() {
            let _ = dialog.show_modal();
        }
    }
}

/// A click on a button in a side panel.
fn panel_click(app: &mut App, target: Option<web_sys::EventTarget>) {
    let Some(button) =
        target.and_then(|t| t.dyn_into::<Element>().ok()).and_then(|e| e.closest("button").ok().flatten())
    else {
        // A click on a message row selects the message.
        return;
    };
    let number = |name: &str| button.get_attribute(name).and_then(|n| n.parse::<u64>().ok());
    let node = number("data-node").map(|n| NodeId(n as u32));
    let message = number("data-msg").map(MessageId);
    let timer = number("data-timer");
    let link = number("data-from").zip(number("data-to")).map(|(a, b)| (NodeId(a as u32), NodeId(b as u32)));
    let act = button.get_attribute("data-act");
    if let Some(event) = chosen_event(app, act.as_deref(), node, message, timer) {
        app.choose_event(&event);
        return;
    }
    let action = match (act.as_deref(), node, message, link) {
        (Some("close"), ..) => return app.close_menu(),
        (Some("request"), Some(node), ..) => return app.node_command(node, NodeCommand::SendRequest),
        (Some("crdt"), Some(node), ..) => return send_crdt_request(app, &button, node),
        (Some("crash"), Some(node), ..) => Action::Crash { node },
        (Some("crash-stop"), Some(node), ..) => Action::CrashStop { node },
        (Some("restart"), Some(node), ..) => Action::Restart { node },
        (Some("pause"), Some(node), ..) => Action::Pause { node, ticks: PAUSE_BUTTON_TICKS },
        (Some("isolate"), Some(node), ..) => Action::Isolate { node },
        (Some("reconnect"), Some(node), ..) => Action::Reconnect { node },
        (Some("remove-node"), Some(node), ..) => {
            app.remove_node(node);
            return app.close_menu();
        }
        (Some("drop"), _, Some(message), _) => Action::DropMessage { message },
        (Some("duplicate"), _, Some(message), _) => Action::DuplicateMessage { message },
        (Some("delay"), _, Some(message), _) => Action::DelayMessage { message, ticks: DELAY_BUTTON_TICKS },
        (Some("cut-links"), _, _, Some((a, b))) => Action::CutLinks { links: vec![Link(a, b)] },
        (Some("repair-links"), _, _, Some((a, b))) => Action::RepairLinks { links: vec![Link(a, b)] },
        (Some("cut-link"), _, _, Some((from, to))) => Action::CutLink { from, to },
        (Some("repair-link"), _, _, Some((from, to))) => Action::RepairLink { from, to },
        _ => return,
    };
    app.act(action);
    // A link's or a message's menu has done its work; a node's stays open
    // for the next (crash, then restart).
    if !matches!(app.menu, Some(crate::app::Menu::Node(_))) {
        app.close_menu();
    }
}

/// A CRDT replica's request from its menu: the button's operation, with the
/// number typed beside it.
fn send_crdt_request(app: &mut App, button: &Element, node: NodeId) {
    use faultline_scenario::CrdtOperation;
    let operation = button.get_attribute("data-operation").unwrap_or_default();
    let typed = document()
        .query_selector(&format!("[data-request-value=\"{}\"]", node.0))
        .ok()
        .flatten()
        .and_then(|input| input.dyn_into::<HtmlInputElement>().ok())
        .map(|input| input.value())
        .unwrap_or_default();
    let number = typed.trim().parse::<u64>();
    let operation = match (operation.as_str(), number) {
        ("read", _) => Ok(CrdtOperation::Read),
        ("increment", Ok(by)) => Ok(CrdtOperation::Increment { by }),
        ("decrement", Ok(by)) => Ok(CrdtOperation::Decrement { by }),
        ("add", Ok(element)) => Ok(CrdtOperation::Add { element }),
        ("remove", Ok(element)) => Ok(CrdtOperation::Remove { element }),
        ("write", Ok(value)) => Ok(CrdtOperation::Write { value }),
        _ => Err(format!("Type a whole number, 0 or more, to {operation} (found \"{}\").", typed.trim())),
    };
    app.send_operation(node, operation.map(Into::into));
}

/// The enabled event a manual-mode button names, by its message or timer
/// (never by its place in the list, which changes as events come and go).
fn chosen_event(
    app: &App,
    act: Option<&str>,
    node: Option<NodeId>,
    message: Option<MessageId>,
    timer: Option<u64>,
) -> Option<EnabledEvent> {
    app.sim.enabled_events().into_iter().find(|event| match (act, event) {
        (Some("deliver"), EnabledEvent::Deliver { message: m, .. }) => Some(*m) == message,
        (Some("fire"), EnabledEvent::Timer { node: n, timer: t, .. }) => Some(*n) == node && Some(*t) == timer,
        _ => false,
    })
}

/// Set an element's text, unless it already says that (setting the same
/// text still replaces the text node: a selection in it would be undone).
fn set_text(id: &str, text: &str) {
    let element = element(id);
    if element.text_content().as_deref() != Some(text) {
        element.set_text_content(Some(text));
    }
}

/// Show or hide an element (its `hidden` attribute), touching it only
/// when that changes.
pub(crate) fn set_shown(element: &Element, shown: bool) {
    match (shown, element.has_attribute("hidden")) {
        (true, true) => {
            let _ = element.remove_attribute("hidden");
        }
        (false, false) => {
            let _ = element.set_attribute("hidden", "");
        }
        _ => {}
    }
}

fn set_attribute(element: &Element, name: &str, value: &str) {
    if element.get_attribute(name).as_deref() != Some(value) {
        let _ = element.set_attribute(name, value);
    }
}

thread_local! {
    /// The markup each panel shows, so an unchanged panel is not even
    /// parsed again.
    static PANEL_MARKUP: RefCell<faultline_collections::VecMap<&'static str, String>> = RefCell::default();
}

pub(crate) fn prefers_reduced_motion() -> bool {
    let query = web_sys::window().and_then(|w| w.match_media("(prefers-reduced-motion: reduce)").ok().flatten());
    query.is_some_and(|query| query.matches())
}

/// Make a panel show `markup`, changing only the elements that differ
/// (`dom::morph`): buttons keep their focus and a press in progress.
pub(crate) fn set_panel(id: &'static str, markup: String) {
    PANEL_MARKUP.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.get(id) != Some(&markup) {
            crate::dom::morph(&element(id), &markup);
            cache.insert(id, markup);
        }
    });
}

/// After the user changed something: show it now, and let the loop run if
/// it should.
pub(crate) fn changed(app: &App) {
    redraw_panels(app);
    crate::exercises::follow(app);
    crate::tours::follow(app);
    crate::embed::report(app);
    wake();
}

/// Redraw what depends on the run's position or the user's selection.
fn redraw_panels(app: &App) {
    draw_moving_parts(app);
    for draw in SIDE_PANELS {
        draw(app);
    }
}

/// What moves with the clock, drawn every frame while playing: the
/// cluster, the diagram, the clock, the menu beside what moves.
fn draw_moving_parts(app: &App) {
    draw_cluster(app);
    set_panel("stage-menu", render::menu_html(app));
    draw_diagram(app);
    set_text("clock", &render::clock_text(app));
    draw_badge(app);
    let state = if app.sim.ended().is_some() && app.at_head() {
        "ended"
    } else if app.playing {
        "playing"
    } else {
        "paused"
    };
    set_attribute(&element("app"), "data-run", state);
}

/// The side panels. While the run plays, a frame redraws one of them, in
/// turn: all of them in one frame would take longer than a frame.
const SIDE_PANELS: [fn(&App); 9] = [
    |app| set_panel("inspector", render::inspector_html(app)),
    |app| set_panel("events", render::events_html(app)),
    // The table of every operation, only while it is open: hundreds of
    // rows cost a frame.
    |app| {
        if element("operations").has_attribute("open") {
            set_panel("history", render::history_html(app));
        }
    },
    |app| set_panel("lanes-box", render::lanes_svg(app)),
    |app| {
        set_panel("verdict-explanation", render::verdict_explanation_html(app));
        set_panel("banner", render::banner_html(app));
    },
    |app| {
        set_panel("timeline-box", render::timeline_svg(app));
        draw_timeline_slider(app);
    },
    |app| {
        set_panel("story", render::story_html(app));
        set_text("announce", &render::announcement(app));
        set_text("stats", &render::stats_text(app));
    },
    draw_controls_state,
    draw_ring,
];

/// The quorum store's ring, shown only for a protocol that keeps one.
fn draw_ring(app: &App) {
    let markup = crate::ring::ring_html(app);
    set_shown(&element("ring-section"), markup.is_some());
    if let Some(markup) = markup {
        set_panel("ring", markup);
    }
}

fn draw_timeline_slider(app: &App) {
    let timeline = input("timeline");
    set_attribute(&timeline, "max", &(app.timeline_end_tick().ceil() as u64).to_string());
    let tick = (app.view_tick.floor() as u64).to_string();
    if timeline.value() != tick {
        timeline.set_value(&tick);
    }
    set_attribute(&timeline, "aria-valuetext", &render::clock_text(app));
}

/// The controls' own state: buttons enabled or not, checkboxes, the
/// speed, the settings, the legend, the notice, the scenario's words.
fn draw_controls_state(app: &App) {
    set_panel("legend", render::legend_html(app));
    show_settings(app);
    let speed = input("speed");
    if speed.value() != app.speed_index.to_string() {
        speed.set_value(&app.speed_index.to_string());
    }
    set_checked("diagram-lamport", app.diagram_view.lamport);
    set_checked("diagram-vector", app.diagram_view.vector);
    let following = app.diagram_view.pinned_from_tick.is_none();
    set_attribute(&element("diagram-follow"), "aria-pressed", if following { "true" } else { "false" });
    let disabled =
        [("heal", app.sim.cut_links().is_empty()), ("undo", app.undo.is_empty()), ("redo", app.redo.is_empty())];
    for (id, is_disabled) in disabled {
        set_attribute(&element(id), "aria-disabled", if is_disabled { "true" } else { "false" });
    }
    set_shown(&element("add-node"), app.sim.supports_membership_changes());
    set_checked("show-points", app.show_points);
    set_text("notice", &app.notice);
    set_text("play", if app.playing { "Pause" } else { "Play" });
    set_text(
        "speed-value",
        &format!("{} ticks/s", SPEEDS_TICKS_PER_SECOND[app.speed_index.min(SPEEDS_TICKS_PER_SECOND.len() - 1)]),
    );
    set_text("scenario-description", &app.sim.scenario().description);
    let picker: HtmlSelectElement = element("scenario-picker").dyn_into().expect("a select");
    let picked = app.builtin.as_deref().unwrap_or("");
    if picker.value() != picked {
        picker.set_value(picked);
    }
    set_checked("manual", app.manual_mode);
}

fn set_checked(id: &str, checked: bool) {
    let input = input(id);
    if input.checked() != checked {
        input.set_checked(checked);
    }
}

thread_local! {
    /// The space-time diagram's plot elements, kept by key.
    static DIAGRAM_LAYER: RefCell<crate::dom::KeyedLayer> = RefCell::default();
    /// The cluster's messages and nodes, kept by key.
    static CLUSTER_LAYERS: RefCell<[crate::dom::KeyedLayer; 2]> = RefCell::default();
    /// The cluster drawing's clock, in ticks, as last set.
    static CLUSTER_CLOCK_TICKS: std::cell::Cell<f32> = const { std::cell::Cell::new(-1.0) };
}

fn as_items(items: &[(String, String)]) -> impl Iterator<Item = (&str, &str)> {
    items.iter().map(|(key, markup)| (key.as_str(), markup.as_str()))
}

/// Draw the cluster: its backdrop morphed, its messages and nodes through
/// keyed layers, and its animation clock set to the shown time (messages
/// move along their way by themselves: see `render::cluster_drawing`).
fn draw_cluster(app: &App) {
    let drawing = render::cluster_drawing(app);
    set_panel("cluster-backdrop", drawing.backdrop);
    CLUSTER_LAYERS.with(|layers| {
        let mut layers = layers.borrow_mut();
        layers[0].update(&element("cluster-messages"), as_items(&drawing.messages));
        layers[1].update(&element("cluster-nodes"), as_items(&drawing.nodes));
    });
    let ticks = app.view_tick as f32;
    if CLUSTER_CLOCK_TICKS.with(|clock| clock.replace(ticks)) != ticks {
        if let Ok(svg) = element("cluster").dyn_into::<web_sys::SvgsvgElement>() {
            svg.set_current_time(ticks);
        }
    }
}

thread_local! {
    /// The diagram's width, measured when the page starts and when the
    /// window is resized: measuring it during a frame, after the frame
    /// changed the DOM, would force the browser to lay out the whole page.
    static DIAGRAM_WIDTH_PX: std::cell::Cell<f64> = const { std::cell::Cell::new(800.0) };
}

/// Measure the diagram's width again (outside frames).
fn measure_diagram_width() {
    let width = element("diagram-box").client_width() as f64;
    if width > 100.0 {
        DIAGRAM_WIDTH_PX.with(|cell| cell.set(width));
    }
}

/// The diagram's width in CSS pixels (its drawing is that wide, so its
/// text keeps its size).
fn diagram_width_px() -> f64 {
    DIAGRAM_WIDTH_PX.with(|cell| cell.get())
}

/// Draw the space-time diagram: its frame morphed, its plot's elements
/// through the keyed layer (only those that changed are parsed).
fn draw_diagram(app: &App) {
    let view = app.diagram_view_for(diagram_width_px());
    let drawing = crate::diagram::diagram(&app.diagram, app.sim.as_ref(), &view);
    set_panel("diagram-box", drawing.frame);
    let Some(plot) = element("diagram-box").query_selector("g.plot").ok().flatten() else { return };
    DIAGRAM_LAYER.with(|layer| {
        let items = drawing.items.iter().map(|item| (item.key.as_str(), item.markup.as_str()));
        layer.borrow_mut().update(&plot, items);
    });
}

/// The verdict badge: text, and a `data-verdict` the stylesheet colours by.
fn draw_badge(app: &App) {
    let (text, class) = render::verdict_badge(app);
    set_text("verdict", &text);
    set_attribute(&element("verdict"), "data-verdict", class);
}

fn performance_now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

/// The animation loop, which runs only while something moves: a paused
/// page requests no frames at all. Whatever may start movement (a click, a
/// key, a drag, a new link) calls [`wake`].
struct FrameLoop {
    callback: Option<Closure<dyn FnMut(f64)>>,
    /// A frame is requested and has not run yet.
    pending: bool,
}

thread_local! {
    static FRAME_LOOP: RefCell<FrameLoop> = const { RefCell::new(FrameLoop { callback: None, pending: false }) };
}

/// Make sure a frame comes: the app's state changed, or may start moving.
pub fn wake() {
    FRAME_LOOP.with(|frame_loop| {
        let mut frame_loop = frame_loop.borrow_mut();
        if !frame_loop.pending {
            if let Some(callback) = &frame_loop.callback {
                request_frame(callback);
                frame_loop.pending = true;
            }
        }
    });
}

fn animation_loop(app: Shared) {
    let mut last_ms: Option<f64> = None;
    let mut drawn_revision = u64::MAX;
    let mut panel_turn = 0usize;
    let callback = Closure::new(move |now_ms: f64| {
        FRAME_LOOP.with(|frame_loop| frame_loop.borrow_mut().pending = false);
        let Ok(mut app) = app.try_borrow_mut() else {
            return wake(); // (never: frames do not run inside handlers)
        };
        // The first frame after a rest moves nothing: the rest is not time
        // the run should catch up on.
        let elapsed_ms = last_ms.map_or(0.0, |last| now_ms - last);
        app.frame(elapsed_ms);
        // The check gets a few milliseconds of every frame, never more.
        app.check_history(&mut performance_now_ms, crate::live_check::CHECK_SLICE_MS);
        // A history pasted into its panel gets a slice too, while it is checked.
        let own_checking = crate::own_history::frame(&mut performance_now_ms);
        // What moves is drawn every frame; while playing, the side panels
        // take turns, one a frame; once the run rests, all are brought up
        // to date.
        draw_moving_parts(&app);
        if app.revision != drawn_revision {
            if app.is_moving() {
                SIDE_PANELS[panel_turn % SIDE_PANELS.len()](&app);
                panel_turn += 1;
            } else {
                drawn_revision = app.revision;
                redraw_panels(&app);
            }
        }
        crate::exercises::keep_own_actions(&mut app);
        crate::exercises::follow(&app);
        crate::tours::follow(&app);
        crate::embed::report(&app);
        let moving = app.is_moving() || app.revision != drawn_revision || own_checking;
        last_ms = moving.then_some(now_ms);
        drop(app);
        if moving {
            wake();
        }
    });
    FRAME_LOOP.with(|frame_loop| frame_loop.borrow_mut().callback = Some(callback));
    wake();
}

fn request_frame(callback: &Closure<dyn FnMut(f64)>) {
    web_sys::window()
        .expect("a window")
        .request_animation_frame(callback.as_ref().unchecked_ref())
        .expect("requestAnimationFrame works");
}
