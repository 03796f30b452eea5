//! The page inside another page: an `<iframe>` an author puts in a blog
//! post or a book page.
//!
//! An embed is the same page with `embed` in its URL fragment, beside the
//! share link's parts (`s=`, `p=`, `t=`, `v=`) and these options:
//!
//! - `b=NAME`: a built-in scenario instead of `s=`;
//! - `panels=stage,diagram,history,inspector,controls`: what shows (all
//!   by default);
//! - `autoplay`: play at once (an embed otherwise waits, paused, for the
//!   reader);
//! - `mode=read-only`: the reader plays, pauses and seeks but adds no
//!   faults (the host page still may, through messages);
//! - `theme=light` or `dark` (else the reader's system's);
//! - `caption=TEXT` (percent-encoded);
//! - `origin=ORIGIN`: another origin whose messages to trust, and to
//!   which events go; without it only the embed's own origin is trusted;
//! - `id=NAME`: echoed in every event, to tell several embeds apart;
//! - `ex=ID`: an exercise of `static/exercises/` to try in the embed.
//!
//! The host drives the embed with `postMessage` ([`HostCommand`], a plain
//! object with a `type`) and hears back [`EmbedEvent`]s, plain objects
//! made by serde-wasm-bindgen, each with `source: "faultline"` and the
//! embed's `id`. Nothing here makes a request: the page needs only its
//! own files.

use crate::app::App;
use crate::page::{on, Shared};
use faultline_scenario::{Action, NodeId};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The parts of the page an embed may show, by their names in `panels=`.
pub const PANELS: [&str; 5] = ["stage", "diagram", "history", "inspector", "controls"];

/// An embed's options, read from its URL fragment.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EmbedOptions {
    /// The panels shown, as named in [`PANELS`].
    pub panels: Vec<&'static str>,
    pub autoplay: bool,
    pub read_only: bool,
    /// "light", "dark", or `None` for the reader's system's.
    pub theme: Option<&'static str>,
    pub caption: Option<String>,
    pub trusted_origin: Option<String>,
    pub id: String,
    /// `ex=ID`: an exercise to open (the host hears `solved` when it is).
    pub exercise: Option<String>,
    /// Options that could not be read, each with why.
    pub problems: Vec<String>,
}

/// The embed's options if `fragment` asks for an embed.
pub fn options_of(fragment: &str) -> Option<EmbedOptions> {
    let parts: Vec<&str> = fragment.trim_start_matches('#').split('&').collect();
    if !parts.contains(&"embed") {
        return None;
    }
    let mut options = EmbedOptions { panels: PANELS.to_vec(), ..EmbedOptions::default() };
    for part in parts {
        let (name, value) = part.split_once('=').unwrap_or((part, ""));
        match name {
            "panels" => options.panels = panels_of(value, &mut options.problems),
            "autoplay" => options.autoplay = value != "0",
            "mode" => match value {
                "read-only" => options.read_only = true,
                "interactive" => options.read_only = false,
                other => options.problems.push(format!("mode: `{other}` is neither read-only nor interactive")),
            },
            "theme" => match value {
                "light" => options.theme = Some("light"),
                "dark" => options.theme = Some("dark"),
                "auto" => options.theme = None,
                other => options.problems.push(format!("theme: `{other}` is not light, dark or auto")),
            },
            "caption" => options.caption = Some(decoded(value)),
            "origin" => match origin_of(&decoded(value)) {
                Ok(origin) => options.trusted_origin = Some(origin),
                Err(why) => options.problems.push(why),
            },
            "id" => options.id = decoded(value),
            "ex" => options.exercise = Some(decoded(value)),
            _ => {} // the share link's parts, and `embed` itself
        }
    }
    Some(options)
}

/// A host's origin as the browser names it (`https://blog.example`, no
/// path, no trailing slash). `*` and `null` are refused: neither names one
/// page to trust and to tell.
fn origin_of(text: &str) -> Result<String, String> {
    let origin = text.trim_end_matches('/');
    let (scheme, host) = origin.split_once("://").unwrap_or(("", ""));
    if scheme.is_empty() || host.is_empty() || host.contains('/') {
        return Err(format!(
            "origin: `{text}` is not an origin like https://blog.example (any page could send or read)"
        ));
    }
    Ok(origin.to_string())
}

fn panels_of(list: &str, problems: &mut Vec<String>) -> Vec<&'static str> {
    let mut panels = Vec::new();
    for name in list.split(',').filter(|name| !name.is_empty()) {
        match PANELS.iter().find(|&&known| known == name) {
            Some(known) => panels.push(*known),
            None => problems.push(format!("panels: no panel called `{name}` (there are {})", PANELS.join(", "))),
        }
    }
    panels
}

fn decoded(text: &str) -> String {
    js_sys::decode_uri_component(text).map(String::from).unwrap_or_else(|_| text.to_string())
}

fn encoded(text: &str) -> String {
    js_sys::encode_uri_component(text).into()
}

/// The `<iframe>` that embeds `fragment` (a share link's fragment) from the
/// page at `page_url`, with the panels and modes chosen.
pub fn snippet(page_url: &str, fragment: &str, title: &str, options: &EmbedOptions) -> String {
    let mut src = format!("{page_url}#embed&{fragment}");
    if options.panels.len() < PANELS.len() {
        src.push_str(&format!("&panels={}", options.panels.join(",")));
    }
    if options.autoplay {
        src.push_str("&autoplay");
    }
    if options.read_only {
        src.push_str("&mode=read-only");
    }
    if let Some(caption) = options.caption.as_deref().filter(|c| !c.is_empty()) {
        src.push_str(&format!("&caption={}", encoded(caption)));
    }
    format!(
        "<iframe src=\"{}\" title=\"Faultline: {}\" style=\"width: 100%; height: 640px; border: 0\" loading=\"lazy\"></iframe>",
        crate::render::escape(&src),
        crate::render::escape(title)
    )
}

/// What a host page may ask of an embed, as `{ type: "play" }`,
/// `{ type: "seek", tick: 400 }`, `{ type: "crash", node: 2 }` and so on.
pub enum HostCommand {
    Play,
    Pause,
    Step,
    /// Show the run at `tick`.
    Seek {
        tick: f64,
    },
    Crash {
        node: u32,
    },
    Restart {
        node: u32,
    },
    Isolate {
        node: u32,
    },
    Reconnect {
        node: u32,
    },
    Heal,
    Reset,
    /// Load a built-in scenario by name (`builtin`), or a scenario given
    /// as an object or as JSON text (`scenario`).
    Load {
        builtin: Option<String>,
        scenario: JsValue,
    },
    /// Answer with a `state` event.
    State,
}

/// The commands' names, for the error that lists them.
const COMMANDS: &str = "play, pause, step, seek, crash, restart, isolate, reconnect, heal, reset, load, state";

impl HostCommand {
    /// Read a command from the object a host posted. (Read field by field:
    /// serde's internally tagged enums would cost the download more than
    /// this.)
    pub fn from_js(data: &JsValue) -> Result<HostCommand, String> {
        let field = |name: &str| js_sys::Reflect::get(data, &name.into()).unwrap_or(JsValue::UNDEFINED);
        let kind = field("type").as_string().unwrap_or_default();
        let number = |name: &str| field(name).as_f64().ok_or_else(|| format!("{kind}: `{name}` must be a number"));
        let node = || {
            number("node").and_then(|n| {
                (n >= 0.0 && n.fract() == 0.0 && n < 1e9)
                    .then_some(n as u32)
                    .ok_or_else(|| format!("{kind}: `node` must be a node's number, like 2"))
            })
        };
        Ok(match kind.as_str() {
            "play" => HostCommand::Play,
            "pause" => HostCommand::Pause,
            "step" => HostCommand::Step,
            "seek" => HostCommand::Seek { tick: number("tick")? },
            "crash" => HostCommand::Crash { node: node()? },
            "restart" => HostCommand::Restart { node: node()? },
            "isolate" => HostCommand::Isolate { node: node()? },
            "reconnect" => HostCommand::Reconnect { node: node()? },
            "heal" => HostCommand::Heal,
            "reset" => HostCommand::Reset,
            "load" => HostCommand::Load { builtin: field("builtin").as_string(), scenario: field("scenario") },
            "state" => HostCommand::State,
            other => return Err(format!("no command called `{other}` (there are {COMMANDS})")),
        })
    }
}

/// What an embed tells its host.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum EmbedEvent {
    /// A scenario was loaded (at start, or by a `load`).
    Loaded { name: String, protocol: &'static str, nodes: u32 },
    /// The shown time moved (at most once a frame), or play started or stopped.
    Position { tick: u64, step: u64, playing: bool },
    /// The history's verdict at the shown time changed.
    Verdict { verdict: &'static str },
    /// The run stopped on a broken rule.
    Violation { message: String },
    /// An exercise's goal was met.
    Solved { exercise: String },
    /// The page's height changed: size the iframe to it.
    Resize { height: f64 },
    /// A command could not be carried out.
    Error { message: String },
    /// The answer to `state`.
    State { tick: u64, step: u64, playing: bool, verdict: &'static str, actions: usize },
}

/// Apply the options to the document: what shows and how (the stylesheet
/// reads these attributes), and the caption.
pub fn apply(options: &EmbedOptions) {
    let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) else {
        return;
    };
    let _ = root.set_attribute("data-embed", "");
    let _ = root.set_attribute("data-panels", &options.panels.join(" "));
    // The theme was set before the first paint (index.html's script).
    if options.read_only {
        let _ = root.set_attribute("data-read-only", "");
    }
    let caption = crate::page::element("embed-caption");
    if let Some(text) = &options.caption {
        caption.set_text_content(Some(text));
        let _ = caption.remove_attribute("hidden");
    }
}

/// What the embed last told its host, so it tells only changes.
#[derive(Default)]
pub struct Reported {
    position: Option<(u64, u64, bool)>,
    verdict: Option<&'static str>,
    violation: bool,
}

/// The embed's side of the conversation: whom it trusts, and what it has said.
pub struct Embed {
    pub options: EmbedOptions,
    own_origin: String,
    reported: Reported,
}

impl Embed {
    pub fn new(options: EmbedOptions) -> Embed {
        let own_origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
        Embed { options, own_origin, reported: Reported::default() }
    }

    /// Whether a message from `origin` may drive the embed.
    pub fn trusts(&self, origin: &str) -> bool {
        // A page of no origin ("null": a file, a sandboxed frame) trusts
        // no other "null" page: any could be one.
        (origin == self.own_origin && origin != "null") || self.options.trusted_origin.as_deref() == Some(origin)
    }

    /// Where events go: the trusted origin, else only a host of our own.
    fn target_origin(&self) -> &str {
        self.options.trusted_origin.as_deref().unwrap_or(&self.own_origin)
    }

    /// Post `event` to the host page, if there is one.
    pub fn post(&self, event: &EmbedEvent) {
        let Some(window) = web_sys::window() else { return };
        let Ok(Some(parent)) = window.parent() else { return };
        if parent == window || self.target_origin() == "null" {
            return; // not in a frame, or no origin to tell only
        }
        let Ok(value) = serde_wasm_bindgen::to_value(event) else { return };
        let object: &js_sys::Object = value.unchecked_ref();
        let _ = js_sys::Reflect::set(object, &"source".into(), &"faultline".into());
        let _ = js_sys::Reflect::set(object, &"id".into(), &self.options.id.as_str().into());
        let _ = parent.post_message(&value, self.target_origin());
    }

    /// Tell the host what changed since it was last told.
    pub fn report_changes(&mut self, app: &App) {
        let position = (app.view_tick.floor() as u64, app.sim.position(), app.playing);
        if self.reported.position != Some(position) {
            self.reported.position = Some(position);
            self.post(&EmbedEvent::Position { tick: position.0, step: position.1, playing: position.2 });
        }
        let verdict = app.check.verdict().map(|v| v.name());
        if verdict.is_some() && self.reported.verdict != verdict {
            self.reported.verdict = verdict;
            self.post(&EmbedEvent::Verdict { verdict: verdict.unwrap_or("unknown") });
        }
        let violation = app.run_end().filter(|end| end.is_violation());
        if violation.is_some() != self.reported.violation {
            self.reported.violation = violation.is_some();
            if let Some(end) = violation {
                self.post(&EmbedEvent::Violation { message: end.to_string() });
            }
        }
    }

    /// Say which scenario is loaded, and forget what was reported of the last.
    pub fn report_loaded(&mut self, app: &App) {
        self.reported = Reported::default();
        let scenario = app.sim.scenario();
        self.post(&EmbedEvent::Loaded {
            name: scenario.name.clone(),
            protocol: scenario.protocol.name(),
            nodes: app.sim.node_count(),
        });
    }

    pub fn state(&self, app: &App) -> EmbedEvent {
        EmbedEvent::State {
            tick: app.view_tick.floor() as u64,
            step: app.sim.position(),
            playing: app.playing,
            verdict: app.check.verdict().map_or("unknown", |v| v.name()),
            actions: app.sim.scenario().actions.len(),
        }
    }
}

/// A command's effect on the app. A load is the page's to do (it
/// replaces the app): `Err(None)`; a command that cannot be done: its reason.
pub fn obey(app: &mut App, command: &HostCommand) -> Result<(), Option<String>> {
    match command {
        HostCommand::Play => app.playing = true,
        HostCommand::Pause => app.playing = false,
        HostCommand::Step => app.step_once(),
        HostCommand::Seek { tick } if tick.is_finite() && *tick >= 0.0 => app.seek_tick(*tick),
        HostCommand::Seek { tick } => return Err(Some(format!("seek: tick must be a number from 0, not {tick}"))),
        HostCommand::Crash { node } => return host_act(app, Action::Crash { node: NodeId(*node) }),
        HostCommand::Restart { node } => return host_act(app, Action::Restart { node: NodeId(*node) }),
        HostCommand::Isolate { node } => return host_act(app, Action::Isolate { node: NodeId(*node) }),
        HostCommand::Reconnect { node } => return host_act(app, Action::Reconnect { node: NodeId(*node) }),
        HostCommand::Heal => return host_act(app, Action::Heal),
        HostCommand::Reset => {
            // The host may reset a read-only embed (its reader may not).
            let read_only = std::mem::replace(&mut app.read_only, false);
            app.reset();
            app.read_only = read_only;
        }
        HostCommand::Load { .. } | HostCommand::State => return Err(None),
    }
    app.revision += 1;
    Ok(())
}

/// An action the host asked for: allowed in a read-only embed too (the
/// author's prose drives it), refused like the reader's when it cannot apply.
fn host_act(app: &mut App, action: Action) -> Result<(), Option<String>> {
    if let Some(node) = action.node().filter(|node| node.0 >= app.sim.node_count()) {
        return Err(Some(format!("there is no {node}: the run has nodes n0 to n{}", app.sim.node_count() - 1)));
    }
    let read_only = std::mem::replace(&mut app.read_only, false);
    let recorded = app.try_act(action);
    app.read_only = read_only;
    if recorded {
        Ok(())
    } else {
        Err(Some(app.notice.clone()))
    }
}

thread_local! {
    /// The embed, when the page is one.
    static EMBED: std::cell::RefCell<Option<Embed>> = const { std::cell::RefCell::new(None) };
}

/// Become an embed if the fragment asks for one: apply its options, listen
/// to the host, and report the loaded run and the page's height. Either
/// way, wire the Embed button, which writes the snippet.
pub fn start(app: &Shared, fragment: &str) {
    wire_dialog(app);
    let Some(options) = options_of(fragment) else { return };
    apply(&options);
    if !options.problems.is_empty() {
        app.borrow_mut().notice =
            format!("This embed's options were not all understood: {}.", options.problems.join("; "));
    }
    EMBED.with(|slot| *slot.borrow_mut() = Some(Embed::new(options)));
    // A built-in named by `b=` says `loaded` once it is here (`page::load_linked_builtin`).
    let parts: Vec<&str> = fragment.split('&').collect();
    let named = |prefix: &str| parts.iter().any(|part| part.starts_with(prefix));
    // (An exercise, `ex=`, says `loaded` once it is here too.)
    let builtin_pending = (named("b=") && !named("s=")) || named("ex=");
    if builtin_pending {
        apply_modes(&mut app.borrow_mut());
    } else {
        loaded(&mut app.borrow_mut());
    }
    wire_messages(app);
    observe_height();
    if let Some(exercise) = EMBED.with(|slot| slot.borrow().as_ref().and_then(|e| e.options.exercise.clone())) {
        crate::exercises::open(app, &exercise);
    }
}

/// A run was loaded into an embed: apply its modes, and tell the host.
pub fn loaded(app: &mut App) {
    apply_modes(app);
    EMBED.with(|slot| {
        if let Some(embed) = slot.borrow_mut().as_mut() {
            embed.report_loaded(app);
        }
    });
}

/// The embed's modes on a run just loaded: read-only, playing or not.
fn apply_modes(app: &mut App) {
    EMBED.with(|slot| {
        let slot = slot.borrow();
        let Some(embed) = slot.as_ref() else { return };
        app.read_only = embed.options.read_only;
        app.playing = embed.options.autoplay;
        if app.sim.position() == 0 {
            // Waiting at the start, the nodes are shown started (before
            // their first step they would read as crashed).
            app.sim.run_until_tick(0);
        }
    });
}

/// Tell the host what changed (nothing when the page is no embed).
pub fn report(app: &App) {
    EMBED.with(|slot| {
        if let Some(embed) = slot.borrow_mut().as_mut() {
            embed.report_changes(app);
        }
    });
}

/// An exercise was solved: tell the host (nothing when the page is no embed).
pub fn report_solved(exercise: &str) {
    post(&EmbedEvent::Solved { exercise: exercise.to_string() });
}

fn post(event: &EmbedEvent) {
    EMBED.with(|slot| {
        if let Some(embed) = slot.borrow().as_ref() {
            embed.post(event);
        }
    });
}

/// Obey the host's messages: from a trusted origin, with a `type`.
fn wire_messages(app: &Shared) {
    let (app, shared) = (app.clone(), app.clone());
    let window: web_sys::EventTarget = web_sys::window().expect("a window").into();
    on(&window, "message", move |event: web_sys::MessageEvent| {
        let trusted = EMBED.with(|slot| slot.borrow().as_ref().is_some_and(|embed| embed.trusts(&event.origin())));
        let data = event.data();
        let typed = js_sys::Reflect::get(&data, &"type".into()).is_ok_and(|t| t.is_string());
        if !trusted || !typed {
            return; // not for us, or not from whom we trust
        }
        let command = match HostCommand::from_js(&data) {
            Ok(command) => command,
            Err(message) => return post(&EmbedEvent::Error { message }),
        };
        let Ok(mut app) = app.try_borrow_mut() else { return };
        match obey(&mut app, &command) {
            Ok(()) => {}
            Err(Some(message)) => post(&EmbedEvent::Error { message }),
            Err(None) => match command {
                HostCommand::Load { builtin, scenario } => {
                    if let Err(message) = load(&shared, &mut app, builtin, &scenario) {
                        post(&EmbedEvent::Error { message });
                    }
                }
                _ => EMBED.with(|slot| {
                    if let Some(embed) = slot.borrow().as_ref() {
                        embed.post(&embed.state(&app));
                    }
                }),
            },
        }
        crate::page::changed(&app);
    });
}

/// Replace the run with a built-in scenario (fetched if need be) or one
/// given as an object or as JSON text.
fn load(shared: &Shared, app: &mut App, builtin: Option<String>, scenario: &JsValue) -> Result<(), String> {
    if let Some(name) = builtin {
        if !crate::builtin::is_builtin(&name) {
            return Err(format!("load: there is no built-in scenario called `{name}`"));
        }
        // Loaded once here (a handler's borrow of the app ends first).
        let shared = shared.clone();
        let later = Closure::once(move || crate::page::load_builtin(&shared, name, loaded));
        let _ = web_sys::window()
            .map(|w| w.set_timeout_with_callback_and_timeout_and_arguments_0(later.as_ref().unchecked_ref(), 0));
        later.forget();
        return Ok(());
    }
    let text = match scenario.as_string() {
        Some(text) => text,
        None if scenario.is_object() => js_sys::JSON::stringify(scenario).map(String::from).unwrap_or_default(),
        None => return Err("load: give `builtin` (a name) or `scenario` (an object or JSON text)".into()),
    };
    let scenario = faultline_scenario::from_json(&text).map_err(|e| format!("load: {e}"))?;
    crate::page::next_load();
    let reduced_motion = app.reduced_motion;
    *app = App::new(scenario, None);
    app.reduced_motion = reduced_motion;
    loaded(app);
    Ok(())
}

/// Report the page's height whenever it changes, so the host can size the
/// iframe to its content.
fn observe_height() {
    let callback = Closure::<dyn FnMut()>::new(|| {
        // The body's own height: the document's scroll height never falls
        // below the frame's, so a frame sized to it could only grow.
        let body = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body());
        let height = body.map_or(0.0, |body| body.get_bounding_client_rect().height());
        post(&EmbedEvent::Resize { height });
    });
    let Ok(observer) = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()) else { return };
    if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
        observer.observe(&body);
    }
    // Both live as long as the page.
    callback.forget();
    std::mem::forget(observer);
}

/// The Embed button and its dialog: choose panels and modes, copy the snippet.
fn wire_dialog(app: &Shared) {
    let panels: String = PANELS
        .iter()
        .map(|name| format!("<label><input type=\"checkbox\" data-panel=\"{name}\" checked> {name}</label>"))
        .collect();
    crate::page::element("embed-panels").insert_adjacent_html("beforeend", &panels).ok();
    let refresh = {
        let app = app.clone();
        move || {
            let Ok(app) = app.try_borrow() else { return };
            let options = chosen_options();
            let title = &app.sim.scenario().name;
            let snippet =
                snippet(&crate::page::location_without_hash(), &crate::page::share_fragment(&app), title, &options);
            if let Ok(area) = crate::page::element("embed-snippet").dyn_into::<web_sys::HtmlTextAreaElement>() {
                area.set_value(&snippet);
            }
        }
    };
    {
        let refresh = refresh.clone();
        on(&crate::page::element("embed").into(), "click", move |_: web_sys::Event| {
            refresh();
            if let Ok(dialog) = crate::page::element("embed-dialog").dyn_into::<web_sys::HtmlDialogElement>() {
                let _ = dialog.show_modal();
            }
        });
    }
    for kind in ["change", "input"] {
        let refresh = refresh.clone();
        on(&crate::page::element("embed-dialog").into(), kind, move |_: web_sys::Event| refresh());
    }
    on(&crate::page::element("embed-copy").into(), "click", |_: web_sys::Event| {
        if let Ok(area) = crate::page::element("embed-snippet").dyn_into::<web_sys::HtmlTextAreaElement>() {
            area.select();
            // The clipboard exists only in secure contexts: elsewhere the
            // snippet stays selected for Ctrl+C.
            let navigator = web_sys::window().map(|w| w.navigator());
            let clipboard = navigator.and_then(|n| js_sys::Reflect::get(&n, &"clipboard".into()).ok());
            let write = clipboard.as_ref().and_then(|c| js_sys::Reflect::get(c, &"writeText".into()).ok());
            let copied = match (clipboard, write.and_then(|w| w.dyn_into::<js_sys::Function>().ok())) {
                (Some(clipboard), Some(write)) => write.call1(&clipboard, &area.value().into()).is_ok(),
                _ => false,
            };
            let label = if copied { "Copied" } else { "Selected: press Ctrl+C" };
            crate::page::element("embed-copy").set_text_content(Some(label));
        }
    });
}

/// The options the dialog shows.
fn chosen_options() -> EmbedOptions {
    let checked = |id: &str| crate::page::input(id).checked();
    let panels = PANELS
        .iter()
        .copied()
        .filter(|name| {
            let selector = format!("[data-panel=\"{name}\"]");
            let found = crate::page::element("embed-panels").query_selector(&selector).ok().flatten();
            found.and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok()).is_some_and(|i| i.checked())
        })
        .collect();
    let caption = crate::page::input("embed-caption-text").value();
    EmbedOptions {
        panels,
        autoplay: checked("embed-autoplay"),
        read_only: checked("embed-read-only"),
        caption: (!caption.is_empty()).then_some(caption),
        ..EmbedOptions::default()
    }
}
