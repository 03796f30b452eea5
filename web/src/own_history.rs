//! "Check your own history": a panel where an engineer pastes a history,
//! or drops or chooses a file (Faultline JSON, Jepsen EDN, a Jepsen log,
//! Porcupine's one EDN map per line), picks a model, and sees the verdict
//! drawn as the playground draws its own runs: the badge, the explanation
//! and the lanes with their linearization points (`render`'s
//! [`DrawnHistory`]). The check is a [`LiveCheck`] worked on a few
//! milliseconds per animation frame (`frame`, called by the page's loop),
//! within a budget of steps and of time, and may be cancelled. The text
//! stays in its field whatever happens: a check or an error never touches it.
//!
//! The state is [`OwnHistory`], kept here apart from the run's `App`; the
//! panel's static parts (the field, the buttons) are in the page's
//! skeleton, and what changes is drawn into `#own-status`, `#own-verdict`,
//! `#own-explanation` and `#own-lanes-box`.

use crate::live_check::{CheckState, LiveCheck, CHECK_SLICE_MS};
use crate::render::{check_badge, escape, lanes_svg, model_phrase, verdict_explanation_html, Bar, DrawnHistory};
use faultline_check::format::{parse, parse_for_model, Format};
use faultline_check::{Function, History, ModelSpec, Operation, Value, Verdict};
use faultline_collections::VecSet;
use faultline_sim::{OperationLook, Style};
use std::cell::RefCell;
use std::fmt::Write as _;

/// Search steps a check may take: the CLI's default budget.
pub const BUDGET_STEPS: u64 = faultline_check::DEFAULT_BUDGET_STEPS;
/// Milliseconds of work a check may take, across frames.
pub const BUDGET_MS: f64 = 20_000.0;
/// The largest history the panel reads: reading is one task (Porcupine's
/// c50-bad.txt, 318 KB, takes 20 to 40 ms), so a larger one would hold
/// the page. `faultline check` takes any size.
pub const TEXT_BYTES_MAX: usize = 1 << 20;
/// The largest file whose text goes into the field: a browser lays a
/// field's whole text out at once (318 KB take it about 100 ms).
pub const FIELD_BYTES_MAX: usize = 64 << 10;
/// What a check is stopped for when the Cancel button is pressed.
const CANCELLED: &str = "cancelled";

/// A history being checked, or checked.
pub struct Checked {
    /// Where it came from: a file's name, or "the history in the field".
    pub source: String,
    pub format: Format,
    pub history: History,
    pub model: ModelSpec,
    pub check: LiveCheck,
    /// The distinct clients, in order: lane `i` is `clients[i]`'s.
    clients: Vec<u64>,
    /// The earliest invocation: the panel's times count from it.
    start: u64,
    /// The latest time in the history, counted from `start`.
    end: u64,
    pub parse_ms: f64,
    /// What the check was doing when it was cancelled, if it was.
    pub cancelled: Option<Doing>,
}

/// What a check is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Doing {
    /// Searching for an order of the operations, or a proof there is none.
    Deciding,
    /// Shrinking the failure found to a smallest failing part.
    Shrinking,
    /// Checking the weaker models a failing history may meet.
    Weakening,
}

#[derive(Default)]
pub struct OwnHistory {
    pub checked: Option<Checked>,
    /// Why the last text could not be checked (the parser's message names
    /// the line).
    pub error: Option<String>,
    pub show_points: bool,
    /// The explanation and the lanes are to be drawn again, at the next
    /// frame (not in the task that parsed the history: each task stays short).
    pub redraw: bool,
}

/// Why a history of `bytes` is not read.
fn too_large(bytes: usize) -> String {
    format!(
        "it is {} KiB, and the page reads up to {} KiB at once (reading holds the page): `faultline check` takes any size",
        bytes >> 10,
        TEXT_BYTES_MAX >> 10
    )
}

/// The initial value typed into the panel (JSON, as the CLI's `--initial`
/// takes it): `None` when left empty.
fn initial_value(text: &str) -> Result<Option<Value>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    // The history reader's JSON takes the value, so the page carries no
    // second JSON reader.
    let wrapped = format!("{{\"initial\":\n{text}\n, \"operations\": []}}");
    match parse(&wrapped, Format::Json) {
        Ok(parsed) => Ok(parsed.initial),
        Err(_) => Err(format!("the initial value is not a JSON value such as 0, null, \"\" or [100, 100]: {text}")),
    }
}

impl OwnHistory {
    /// Parse `text` for `model` (starting from `initial`, if typed) and
    /// start checking it; or say why it cannot be checked. `now_ms` times
    /// the parsing.
    pub fn start(&mut self, text: &str, model: &str, initial: &str, source: &str, now_ms: &mut dyn FnMut() -> f64) {
        self.checked = None;
        self.error = None;
        self.redraw = true;
        let started = now_ms();
        let parsed = match text.len() {
            0 => Err("paste a history into the field, or drop or choose a file".to_string()),
            n if n > TEXT_BYTES_MAX => Err(too_large(n)),
            _ => initial_value(initial).and_then(|initial| parse_for_model(text, Format::Auto, model, initial)),
        };
        let (parsed, model) = match parsed {
            Ok(parsed) => parsed,
            Err(error) => return self.refuse(source, &error),
        };
        let parse_ms = now_ms() - started;
        let operations = &parsed.history.operations;
        let clients: VecSet<u64> = operations.iter().map(|o| o.client).collect();
        let clients: Vec<u64> = clients.into_iter().collect();
        let start = operations.iter().map(|o| o.invoke).min().unwrap_or(0);
        let end = operations.iter().map(|o| o.complete.unwrap_or(o.invoke)).max().unwrap_or(0) - start;
        let check = LiveCheck::of_history(model.clone(), parsed.history.clone(), BUDGET_STEPS, BUDGET_MS);
        self.checked = Some(Checked {
            source: source.to_string(),
            format: parsed.format,
            history: parsed.history,
            model,
            check,
            clients,
            start,
            end,
            parse_ms,
            cancelled: None,
        });
    }

    /// Say why the history from `source` is not checked.
    pub fn refuse(&mut self, source: &str, why: &str) {
        self.checked = None;
        self.error = Some(format!("Could not check {source}: {why}."));
        self.redraw = true;
    }

    /// Stop the check in progress; it says "cancelled".
    pub fn cancel(&mut self) {
        if let Some(checked) = self.checked.as_mut().filter(|c| c.check.is_working()) {
            checked.cancelled = Some(checked.doing());
            checked.check.stop(CANCELLED);
        }
    }

    pub fn is_working(&self) -> bool {
        self.checked.as_ref().is_some_and(|checked| checked.check.is_working())
    }

    /// Whether the page's loop has something to do for the panel.
    pub fn is_moving(&self) -> bool {
        self.redraw || self.is_working()
    }

    /// Work on the check until `now_ms` passes `slice_ms`. Returns whether
    /// the verdict (or the weaker models) changed.
    pub fn work(&mut self, now_ms: &mut dyn FnMut() -> f64, slice_ms: f64) -> bool {
        self.checked.as_mut().is_some_and(|checked| checked.check.work(now_ms, slice_ms))
    }

    /// The badge: its text and class (the playground's classes and colours).
    pub fn badge(&self) -> (String, &'static str) {
        match &self.checked {
            None if self.error.is_some() => ("not checked".to_string(), "unknown"),
            None => (String::new(), "empty"),
            Some(checked)
                if checked.cancelled.is_some() && matches!(checked.check.verdict(), Some(Verdict::Unknown(_))) =>
            {
                ("cancelled".to_string(), "unknown")
            }
            // The steps go in the progress line, not the announced badge.
            Some(checked) if checked.check.is_working() && checked.check.verdict().is_none() => {
                ("checking…".to_string(), "checking")
            }
            Some(checked) => check_badge(&checked.check),
        }
    }

    /// The line under the controls: the error, how the check goes, or what
    /// it took.
    pub fn status_html(&mut self) -> String {
        if let Some(error) = &self.error {
            return format!("<p class=\"error\">{}</p>", escape(error));
        }
        let Some(checked) = self.checked.as_mut() else {
            return String::new();
        };
        let parts = match checked.model {
            ModelSpec::KeyValue(_) => "keys",
            _ => "independently checked parts",
        };
        let operations = checked.history.operations.len();
        let mut html = format!(
            "<p>Read {} in {}: {}, {} of {}; times are {}",
            escape(&checked.source),
            duration(checked.parse_ms),
            describe_format(checked.format),
            count(operations, "operation"),
            count(checked.clients.len(), "client"),
            match checked.format {
                Format::Json => "the file's own",
                _ => "the positions of its events",
            },
        );
        if checked.start > 0 {
            let _ = write!(html, ", counted from the first invocation, at {}", checked.start);
        }
        html.push_str(".</p>");
        let working = checked.check.is_working();
        let doing = checked.doing();
        let Some((progress, steps, work_ms)) = checked.check.progress() else { return html };
        let worked = duration(work_ms);
        let decided = format!(
            "{} of {} {parts} decided, {} of {operations} operations placed",
            progress.partitions_decided, progress.partitions, progress.operations_placed
        );
        if working && doing != Doing::Weakening {
            let doing = match doing {
                Doing::Shrinking => "a failure found; shrinking it to a smallest failing part",
                _ => &decided,
            };
            let _ = write!(
                html,
                "<p class=\"progress\"><progress max=\"{operations}\" value=\"{}\" aria-label=\"Operations placed\"></progress> \
                 Checking: {doing}; {steps} steps in {worked} (at most {} s).</p>",
                progress.operations_placed,
                BUDGET_MS / 1000.0
            );
        } else if working {
            html.push_str("<p class=\"progress\">Checking weaker models…</p>");
        } else {
            html.push_str(&match checked.cancelled {
                Some(Doing::Deciding) => format!("<p>Cancelled after {steps} steps in {worked}: {decided}.</p>"),
                Some(Doing::Shrinking) => format!(
                    "<p>Cancelled after {worked}, while shrinking the failure found: its failing part may not be the smallest.</p>"
                ),
                Some(Doing::Weakening) => {
                    "<p>Cancelled while checking weaker models: those not decided are unknown.</p>".to_string()
                }
                None => format!("<p>Checked in {steps} steps and {worked} of work.</p>"),
            });
        }
        html
    }
}

impl Checked {
    /// What the check is doing, or did last.
    fn doing(&mut self) -> Doing {
        let deciding = matches!(self.check.state, CheckState::Checking { .. });
        match deciding {
            true if self.check.shrinking() => Doing::Shrinking,
            true => Doing::Deciding,
            false => Doing::Weakening,
        }
    }
}

/// Milliseconds in words: "under 1 ms", "35 ms", "2.4 s".
fn duration(ms: f64) -> String {
    match ms {
        ms if ms < 1.0 => "under 1 ms".to_string(),
        ms if ms < 1000.0 => format!("{ms:.0} ms"),
        ms => format!("{:.1} s", ms / 1000.0),
    }
}

/// "1 client", "2 clients".
fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

fn describe_format(format: Format) -> &'static str {
    match format {
        Format::Json => "Faultline JSON",
        Format::Edn => "Jepsen EDN",
        Format::JepsenLog => "a Jepsen log",
        Format::Auto => "auto",
    }
}

/// How an operation's bar looks: its function's name and colour, and a
/// short label ("read→3", "cas [1 2]→true").
fn look(operation: &Operation) -> OperationLook {
    let colour = match operation.function {
        Function::Read | Function::Get => "#7d9be0",
        Function::Write | Function::Put | Function::Cas => "#a47cc4",
        _ => "#5fa57c",
    };
    let mut label = operation.function.name().to_string();
    if let Some(key) = &operation.key {
        let _ = write!(label, " {key}");
    }
    if operation.input != Value::Nil {
        let _ = write!(label, " {}", operation.input);
    }
    match &operation.output {
        Some(Value::Nil) | None => {}
        Some(output) => {
            let _ = write!(label, "→{output}");
        }
    }
    let kind =
        Style { name: operation.function.name(), glyph: "", colour, emphasis: Default::default(), description: "" };
    OperationLook { kind, label }
}

impl DrawnHistory for OwnHistory {
    fn check(&self) -> &LiveCheck {
        &self.checked().check
    }
    fn show_points(&self) -> bool {
        self.show_points
    }
    fn operation_count(&self) -> usize {
        self.checked().history.operations.len()
    }
    fn times(&self, index: usize) -> (u64, Option<u64>) {
        let checked = self.checked();
        let operation = &checked.history.operations[index];
        (operation.invoke - checked.start, operation.complete.map(|t| t - checked.start))
    }
    fn bar(&self, index: usize) -> Bar {
        let checked = self.checked();
        let operation = &checked.history.operations[index];
        Bar {
            lane: checked.clients.binary_search(&operation.client).unwrap_or(0) as u32,
            gave_up: false,
            look: look(operation),
            tooltip: self.describe(index),
        }
    }
    fn lanes(&self) -> u32 {
        self.checked().clients.len().max(1) as u32
    }
    fn lane_label(&self, lane: u32) -> String {
        self.checked().clients.get(lane as usize).map(|c| format!("c{c}")).unwrap_or_default()
    }
    fn now(&self) -> f64 {
        (self.checked().end as f64).max(1.0)
    }
    fn describe(&self, index: usize) -> String {
        let operation = &self.checked().history.operations[index];
        let (invoke, complete) = self.times(index);
        let when = match complete {
            Some(done) => format!("time {invoke}–{done}"),
            None => format!("invoked at time {invoke}"),
        };
        format!("#{index} {}, {when}", escape(&operation.to_string()))
    }
    fn time_unit(&self) -> &'static str {
        "time"
    }
    fn model_phrase(&self) -> String {
        model_phrase(&self.checked().model)
    }
    fn lanes_id(&self) -> &'static str {
        "own-lanes"
    }
    fn highlighted_in(&self) -> &'static str {
        "the lanes"
    }
}

impl OwnHistory {
    /// The history drawn (only asked for when there is one).
    fn checked(&self) -> &Checked {
        self.checked.as_ref().expect("a history is drawn only once checked")
    }

    /// The explanation and the lanes, or nothing before a check.
    pub fn verdict_html(&self) -> (String, String) {
        match &self.checked {
            Some(_) => (verdict_explanation_html(self), lanes_svg(self)),
            None => (String::new(), String::new()),
        }
    }
}

thread_local! {
    static OWN: RefCell<OwnHistory> = RefCell::default();
}

/// Give the check its slice of this animation frame and show how it goes.
/// Returns whether it still works (the page's loop runs while it does).
pub fn frame(now_ms: &mut dyn FnMut() -> f64) -> bool {
    OWN.with(|own| {
        let mut own = own.borrow_mut();
        if own.redraw {
            // A new history's lanes take this frame: the check the next.
            own.redraw = false;
            draw(&mut own, true);
        } else if own.is_working() {
            let decided = own.work(now_ms, CHECK_SLICE_MS);
            draw(&mut own, decided);
        }
        own.is_moving()
    })
}

pub use dom::{draw, wire};

/// The panel's events and drawing.
mod dom {
    use super::*;
    use crate::page::{element, input, on, set_panel, wake};
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::{HtmlElement, HtmlSelectElement, HtmlTextAreaElement};

    fn now_ms() -> f64 {
        web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
    }

    fn text_field() -> HtmlTextAreaElement {
        element("own-text").dyn_into().expect("a textarea")
    }

    fn model_select() -> HtmlSelectElement {
        element("own-model").dyn_into().expect("a select")
    }

    fn set_hidden(id: &str, hidden: bool) {
        let element = element(id);
        if element.has_attribute("hidden") != hidden {
            let _ = element.toggle_attribute_with_force("hidden", hidden);
        }
    }

    /// Show the state: the progress line and the badge always, the
    /// explanation and the lanes when `verdict_changed`.
    pub fn draw(own: &mut OwnHistory, verdict_changed: bool) {
        set_panel("own-status", own.status_html());
        let (text, class) = own.badge();
        let badge = element("own-verdict");
        if badge.text_content().as_deref() != Some(text.as_str()) {
            badge.set_text_content(Some(&text));
        }
        if badge.get_attribute("data-verdict").as_deref() != Some(class) {
            let _ = badge.set_attribute("data-verdict", class);
        }
        let working = own.is_working();
        // Focus on Cancel as it goes would be lost: it goes to Check.
        if !working && document_focus_is("own-cancel") {
            let _ = element("own-check").dyn_into::<HtmlElement>().map(|b| b.focus());
        }
        set_hidden("own-cancel", !working);
        if verdict_changed {
            let (explanation, lanes) = own.verdict_html();
            set_panel("own-explanation", explanation);
            set_panel("own-lanes-box", lanes);
        }
    }

    fn document_focus_is(id: &str) -> bool {
        let document = web_sys::window().and_then(|w| w.document());
        document.and_then(|d| d.active_element()).is_some_and(|e| e.id() == id)
    }

    /// Whether the chosen model starts from a value the person may give.
    fn takes_initial(model: &str) -> bool {
        ModelSpec::by_name(model).is_ok_and(|spec| spec.initial().is_some() || spec.ready().is_err())
    }

    /// Check `text`, from `source`.
    fn check(text: &str, source: &str) {
        let model = model_select().value();
        let initial = if takes_initial(&model) { input("own-initial").value() } else { String::new() };
        OWN.with(|own| {
            let mut own = own.borrow_mut();
            own.start(text, &model, &initial, source, &mut now_ms);
            // The explanation and the lanes at the next frame (`redraw`).
            draw(&mut own, false);
        });
        wake();
    }

    /// Read a file (into the field, unless it is long), then check it.
    fn load_file(file: web_sys::File) {
        let name = file.name();
        let bytes = file.size() as usize;
        if bytes > TEXT_BYTES_MAX {
            OWN.with(|own| own.borrow_mut().refuse(&name, &too_large(bytes)));
            return wake();
        }
        // (A closure of the page's most common kind: its glue is shared.)
        let mut name = Some(name);
        let on_text = Closure::<dyn FnMut(JsValue)>::new(move |text: JsValue| {
            let Some(name) = name.take() else { return };
            let text = text.as_string().unwrap_or_default();
            let source = match text.len() <= FIELD_BYTES_MAX {
                true => {
                    text_field().set_value(&text);
                    name
                }
                false => {
                    format!("{name} ({} KiB, too long to show in the field, which keeps its text)", text.len() >> 10)
                }
            };
            // Checked in a task of its own: the field's new text is laid
            // out in between.
            let check = Closure::once_into_js(move || check(&text, &source));
            let window = web_sys::window().expect("a window");
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(check.unchecked_ref(), 0);
        });
        let _ = file.text().then(&on_text);
        on_text.forget(); // called once; a few bytes a file
    }

    pub fn wire() {
        let options: String = ModelSpec::NAMES.iter().map(|name| format!("<option>{name}</option>")).collect();
        model_select().set_inner_html(&options);
        model_select().set_value("kv");
        let show_initial = || {
            let hidden = !takes_initial(&model_select().value());
            set_hidden("own-initial-label", hidden);
            set_hidden("own-initial-hint", hidden);
        };
        show_initial();
        on(&element("own-model").into(), "change", move |_: web_sys::Event| show_initial());
        on(&element("own-check").into(), "click", |_: web_sys::Event| {
            check(&text_field().value(), "the history in the field")
        });
        on(&element("own-cancel").into(), "click", |_: web_sys::Event| {
            OWN.with(|own| {
                let mut own = own.borrow_mut();
                own.cancel();
                draw(&mut own, true);
            });
        });
        on(&element("own-show-points").into(), "change", |_: web_sys::Event| {
            OWN.with(|own| {
                let mut own = own.borrow_mut();
                own.show_points = input("own-show-points").checked();
                draw(&mut own, true);
            });
        });
        on(&element("own-file").into(), "change", |_: web_sys::Event| {
            let field = input("own-file");
            if let Some(file) = field.files().and_then(|files| files.get(0)) {
                load_file(file);
            }
            field.set_value(""); // the same file chosen again is read again
        });
        // A file dragged over the panel may be dropped anywhere on it; text
        // dragged into the field goes in as usual.
        let zone = element("own-drop");
        let carries_files = |event: &web_sys::DragEvent| {
            event.data_transfer().is_some_and(|data| data.types().includes(&"Files".into(), 0))
        };
        for kind in ["dragenter", "dragover"] {
            on(&zone.clone().into(), kind, move |event: web_sys::DragEvent| {
                if carries_files(&event) {
                    event.prevent_default();
                    let _ = element("own-drop").toggle_attribute_with_force("data-dragging", true);
                }
            });
        }
        on(&zone.clone().into(), "dragleave", |_: web_sys::DragEvent| {
            let _ = element("own-drop").toggle_attribute_with_force("data-dragging", false);
        });
        on(&zone.into(), "drop", move |event: web_sys::DragEvent| {
            let _ = element("own-drop").toggle_attribute_with_force("data-dragging", false);
            let file = event.data_transfer().and_then(|data| data.files()).and_then(|files| files.get(0));
            if let Some(file) = file {
                event.prevent_default();
                load_file(file);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Knossos's way: a CAS register from 0, one vector of events. Client 1
    /// reads 3 after client 0's write of 3 was... never made: only 1 was.
    const BAD: &str = "[{:process 0, :type :invoke, :f :write, :value 1}
{:process 0, :type :ok, :f :write, :value 1}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :ok, :f :read, :value 3}]";

    fn clock() -> impl FnMut() -> f64 {
        let mut now = 0.0;
        move || {
            now += 0.25;
            now
        }
    }

    fn checked(own: &mut OwnHistory) {
        let mut now = clock();
        for _ in 0..10_000 {
            if !own.is_working() {
                return;
            }
            own.work(&mut now, CHECK_SLICE_MS);
        }
        panic!("the check did not end");
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn a_pasted_history_is_checked_and_drawn_as_the_playground_draws_its_runs() {
        let mut own = OwnHistory::default();
        own.start(BAD, "cas-register", "", "the pasted history", &mut clock());
        assert!(own.error.is_none(), "{:?}", own.error);
        assert_eq!(own.badge().0, "checking…");
        checked(&mut own);
        assert_eq!(own.badge(), ("not linearizable".to_string(), "not-linearizable"));
        let (explanation, lanes) = own.verdict_html();
        assert!(explanation.contains("cannot be placed"), "{explanation}");
        assert!(explanation.contains("#1 client 1 read → 3, time 2–3"), "{explanation}");
        assert!(explanation.contains("highlighted in the lanes:"), "{explanation}");
        assert!(lanes.starts_with("<svg id=\"own-lanes\""), "{lanes}");
        assert_eq!(lanes.matches("class=\"lane-label\"").count(), 2);
        assert!(lanes.contains("class=\"op read done violation blocked\""), "{lanes}");
        let status = own.status_html();
        assert!(status.starts_with("<p>Read the pasted history in under 1 ms: Jepsen EDN, 2 operations of 2 clients; times are the positions of its events.</p>"), "{status}");
        assert!(status.contains("<p>Checked in "), "{status}");
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn cancelled_while_checking_weaker_models_the_verdict_stays_and_they_are_unknown() {
        let mut own = OwnHistory::default();
        own.start(BAD, "cas-register", "", "x", &mut clock());
        // The first slice reaches the verdict; the weaker models come next.
        assert!(own.work(&mut clock(), CHECK_SLICE_MS));
        assert!(own.is_working());
        own.cancel();
        assert!(!own.is_working());
        assert_eq!(own.badge().1, "not-linearizable");
        assert!(own.status_html().contains("Cancelled while checking weaker models"), "{}", own.status_html());
        let (explanation, _) = own.verdict_html();
        assert!(explanation.contains("Sequentially consistent: unknown (cancelled)"), "{explanation}");
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn the_initial_value_changes_the_verdict_and_a_bad_one_is_said() {
        let mut own = OwnHistory::default();
        // A read of 3 with nothing written: fine if the register held 3.
        let read_only =
            "[{:process 1, :type :invoke, :f :read, :value nil}\n{:process 1, :type :ok, :f :read, :value 3}]";
        own.start(read_only, "register", "3", "x", &mut clock());
        checked(&mut own);
        assert_eq!(own.badge().1, "linearizable");
        own.start(read_only, "register", "{3", "x", &mut clock());
        let error = own.error.clone().expect("an error");
        assert!(error.contains("not a JSON value"), "{error}");
        assert!(own.checked.is_none());
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn a_parse_error_names_its_line() {
        let mut own = OwnHistory::default();
        let broken = BAD.replace(":f :read, :value 3", ":f :read :value");
        own.start(&broken, "cas-register", "", "the history in the field", &mut clock());
        let error = own.error.clone().expect("an error");
        assert!(error.starts_with("Could not check the history in the field: line 4:"), "{error}");
        assert_eq!(own.badge().0, "not checked");
        assert!(own.status_html().contains("class=\"error\""));
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn a_cancelled_check_says_so_and_how_far_it_got() {
        // Many concurrent writes and a read nobody wrote: a long search.
        let mut text = String::from("{\"operations\": [\n");
        for client in 0..16 {
            let _ = writeln!(text, "{{\"client\": {client}, \"f\": \"write\", \"input\": {client}, \"output\": null, \"invoke\": 10, \"complete\": 90}},");
        }
        text.push_str("{\"client\": 99, \"f\": \"read\", \"output\": 77, \"invoke\": 10, \"complete\": 90}]}");
        let mut own = OwnHistory::default();
        own.start(&text, "register", "0", "many.json", &mut clock());
        own.work(&mut clock(), CHECK_SLICE_MS);
        assert!(own.is_working());
        assert!(
            own.status_html().contains("Checking: 0 of 1 independently checked parts decided"),
            "{}",
            own.status_html()
        );
        own.cancel();
        assert!(!own.is_working());
        assert_eq!(own.badge(), ("cancelled".to_string(), "unknown"));
        let status = own.status_html();
        assert!(status.contains("Cancelled after"), "{status}");
        assert!(status.contains("counted from the first invocation, at 10"), "{status}");
        let (explanation, _) = own.verdict_html();
        assert!(explanation.contains("The check gave up: cancelled after"), "{explanation}");
    }
}
