#![cfg(target_arch = "wasm32")]
//! The space-time diagram, drawn from runs of the built-in scenarios: what
//! it draws is checked against what the trace says, read here directly
//! (not through the diagram's index), for several windows and positions.

use faultline_scenario::{Action, NodeId, ProtocolSpec, RaftSpec};
use faultline_sim::{AnySimulation, SendFate, StepKind, TraceStep};
use faultline_web::app::App;
use faultline_web::diagram::geometry::{LABEL_WIDTH_PX, RIGHT_MARGIN_PX};
use faultline_web::diagram::{
    diagram, diagram_svg, height_px, plot_width_px, tick_at, DiagramDrawing, DiagramIndex, DiagramItem, DiagramView,
    Highlight, ELEMENTS_DRAWN_MAX,
};
use faultline_web::page::app_for_fragment;
use std::collections::{BTreeMap, BTreeSet};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const WIDTH_PX: f64 = 1000.0;

/// One element of a drawing that carries a `data-key`.
#[derive(Debug)]
struct Element {
    key: String,
    step: Option<u64>,
    class: String,
    /// Its markup, from its opening tag to its closing tag.
    markup: String,
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let length = tag[start..].find('"')?;
    Some(tag[start..start + length].to_string())
}

/// Every element with a `data-key`, in document order.
fn elements(svg: &str) -> Vec<Element> {
    let mut found = Vec::new();
    let mut rest = svg;
    let mut offset = 0;
    while let Some(at) = rest.find(" data-key=\"") {
        let key_at = offset + at;
        let open = svg[..key_at].rfind('<').unwrap();
        let tag_end = key_at + svg[key_at..].find('>').unwrap();
        let tag = &svg[open..=tag_end];
        let name: String = tag[1..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        let close = svg[tag_end..].find(&format!("</{name}>")).map_or(tag_end + 1, |c| tag_end + c + name.len() + 3);
        found.push(Element {
            key: attribute(tag, "data-key").unwrap(),
            step: attribute(tag, "data-step").map(|s| s.parse().unwrap()),
            class: attribute(tag, "class").unwrap_or_default(),
            markup: svg[open..close].to_string(),
        });
        offset = tag_end;
        rest = &svg[tag_end..];
    }
    found
}

fn by_key(svg: &str) -> BTreeMap<String, Element> {
    elements(svg).into_iter().map(|e| (e.key.clone(), e)).collect()
}

/// Whether a key is `prefix` and a number (`s342`, not `life-n1`).
fn is_key(key: &str, prefix: char) -> bool {
    key.strip_prefix(prefix).is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit()))
}

/// The step of the last action applied.
fn last_action_step(app: &App) -> u64 {
    let trace = &app.sim.trace()[..app.sim.position() as usize];
    trace.iter().rev().find(|s| matches!(s.kind, StepKind::Action { .. })).unwrap().index
}

fn has_class(element: &Element, class: &str) -> bool {
    element.class.split(' ').any(|c| c == class)
}

/// The keys of what the element cap counts (not the rows, lines, axis, now
/// line, note or the plot group).
fn counted(element: &Element) -> bool {
    !["row-", "life-", "ax", "now", "note", "plot"].iter().any(|prefix| element.key.starts_with(prefix))
}

/// A view of the ticks from `from_tick` to `to_tick`, `width_px` wide: the
/// zoom that fits them into the plot.
fn window(from_tick: f64, to_tick: f64, width_px: f64, position: u64, view_tick: f64) -> DiagramView {
    let px_per_tick = plot_width_px(width_px) / (to_tick - from_tick);
    DiagramView { from_tick, px_per_tick, width_px, position, view_tick, ..DiagramView::default() }
}

/// The ticks from `from_tick` to `to_tick` at the app's position and time.
fn view(app: &App, from_tick: f64, to_tick: f64) -> DiagramView {
    window(from_tick, to_tick, WIDTH_PX, app.sim.position(), app.sim.now_tick() as f64)
}

fn drawn(app: &App, view: &DiagramView) -> String {
    let mut index = DiagramIndex::default();
    index.follow(app.sim.trace());
    diagram_svg(&index, app.sim.as_ref(), view)
}

fn app_at_tick(tick: u64) -> App {
    let mut app = app_for_fragment("");
    app.sim.run_until_tick(tick);
    app.view_tick = app.sim.now_tick() as f64;
    app
}

/// What the trace says each arrow in the window must be: its key, the step
/// it links to and its state. A message is in the window when it was sent
/// by its end and not ended (at the position) before its start.
fn expected_arrows(
    trace: &[TraceStep],
    position: usize,
    from_tick: f64,
    to_tick: f64,
) -> BTreeMap<String, (u64, String)> {
    let trace = &trace[..position];
    let mut sends = BTreeMap::new();
    let mut ends = BTreeMap::new();
    for step in trace {
        for sent in &step.sent {
            sends.insert(sent.id.0, (step, sent));
        }
        let dropped_by_action = match &step.kind {
            StepKind::Action { action: Action::DropMessage { message }, .. } => Some(message.0),
            _ => None,
        };
        for id in step.cause.map(|m| m.0).into_iter().chain(dropped_by_action) {
            let in_flight = sends.get(&id).is_some_and(|(_, sent)| matches!(sent.fate, SendFate::InFlight { .. }));
            if in_flight && !ends.contains_key(&id) {
                ends.insert(id, step);
            }
        }
    }
    let mut expected = BTreeMap::new();
    for (id, (send, sent)) in sends {
        if send.tick as f64 > to_tick {
            continue;
        }
        let (end_tick, step, state) = match (&sent.fate, ends.get(&id)) {
            (SendFate::Dropped { .. }, _) => (send.tick, send.index, "refused"),
            (_, None) => (u64::MAX, send.index, "in-flight"),
            (_, Some(end)) if matches!(end.kind, StepKind::Drop { .. } | StepKind::Action { .. }) => {
                (end.tick, end.index, "dropped")
            }
            (_, Some(end)) => (end.tick, end.index, "delivered"),
        };
        if end_tick as f64 >= from_tick {
            expected.insert(format!("m{id}"), (step, state.to_string()));
        }
    }
    expected
}

fn drawn_arrows(svg: &str) -> BTreeMap<String, (u64, String)> {
    let states = ["delivered", "dropped", "refused", "in-flight"];
    elements(svg)
        .into_iter()
        .filter(|e| has_class(e, "msg"))
        .map(|e| {
            let state = states.iter().find(|s| has_class(&e, s)).unwrap().to_string();
            (e.key.clone(), (e.step.unwrap(), state))
        })
        .collect()
}

#[wasm_bindgen_test]
fn each_message_in_the_window_is_an_arrow_to_the_step_that_ended_it() {
    let mut app = app_at_tick(900);
    // Some drops: a crashed node (dropped on arrival), an isolated one
    // (refused when sent), and one message dropped in flight by an action;
    // a message delayed past the look-back, and messages held for a paused
    // node.
    app.act(Action::Crash { node: NodeId(1) });
    app.sim.run_until_tick(1000);
    app.act(Action::Isolate { node: NodeId(2) });
    app.sim.run_until_tick(1100);
    while app.sim.messages_in_flight().len() < 2 {
        app.sim.step();
    }
    let (victim, delayed) = (app.sim.messages_in_flight()[0].id, app.sim.messages_in_flight()[1].id);
    app.act(Action::DropMessage { message: victim });
    app.act(Action::DelayMessage { message: delayed, ticks: 600 });
    app.sim.run_until_tick(1200);
    app.act(Action::Pause { node: NodeId(3), ticks: 100 });
    app.sim.run_until_tick(1900);
    let delivered_late =
        app.sim.trace().iter().find(|s| s.cause == Some(delayed)).expect("the delayed message arrives");
    assert!(delivered_late.tick > 1700, "delivered at tick {}", delivered_late.tick);
    // (shown tick, window): at the end, and after a seek back (the future is
    // not drawn, and what was in flight then is drawn in flight).
    let cases = [
        (1900, (700.0, 1900.0)),
        (1900, (880.0, 1200.0)),
        (1900, (1000.0, 1001.0)),
        (1900, (1150.0, 1200.0)),
        (1900, (1650.0, 1900.0)),
        (1250, (1100.0, 1250.0)),
        (1000, (700.0, 1000.0)),
        (600, (100.0, 600.0)),
    ];
    let head = app.sim.position();
    let cases = cases.map(|(tick, window)| (app.sim.trace().partition_point(|s| s.tick <= tick) as u64, window));
    let mut index = DiagramIndex::default();
    index.follow(app.sim.trace());
    for (position, (from_tick, to_tick)) in cases {
        app.sim.seek(position);
        let view_tick = app.sim.now_tick() as f64;
        let view = window(from_tick, f64::min(to_tick, view_tick), WIDTH_PX, position, view_tick);
        let to_tick = view.to_tick();
        let svg = diagram_svg(&index, app.sim.as_ref(), &view);
        let expected = expected_arrows(app.sim.trace(), position as usize, from_tick, to_tick);
        assert!(!expected.is_empty(), "position {position}, ticks {from_tick}–{to_tick}: no messages");
        assert_eq!(drawn_arrows(&svg), expected, "position {position}, ticks {from_tick}–{to_tick}");
        for element in elements(&svg) {
            if let Some(step) = element.step {
                assert!(step < position, "{} links to step {step}, after the position {position}", element.key);
            }
        }
    }
    let states: BTreeSet<String> =
        expected_arrows(app.sim.trace(), head as usize, 0.0, 1200.0).into_values().map(|(_, state)| state).collect();
    for state in ["delivered", "dropped", "refused"] {
        assert!(states.contains(state), "the run has no {state} message: {states:?}");
    }
}

#[wasm_bindgen_test]
fn a_dropped_message_ends_in_a_cross_and_says_why() {
    let mut app = app_at_tick(400);
    app.act(Action::Crash { node: NodeId(1) });
    app.sim.run_until_tick(500);
    app.act(Action::Isolate { node: NodeId(3) });
    app.sim.run_until_tick(600);
    let svg = drawn(&app, &view(&app, 380.0, 600.0));
    let arrows = by_key(&svg);
    let mut seen = BTreeSet::new();
    for step in app.sim.trace() {
        let (id, reason) = match &step.kind {
            StepKind::Drop { message, reason, .. } => (message.0, reason.to_string()),
            _ => match step.sent.iter().find(|s| matches!(s.fate, SendFate::Dropped { .. })) {
                Some(sent) => match sent.fate {
                    SendFate::Dropped { reason } => (sent.id.0, reason.to_string()),
                    _ => unreachable!(),
                },
                None => continue,
            },
        };
        if (step.tick as f64) < 380.0 {
            continue;
        }
        let arrow = &arrows[&format!("m{id}")];
        assert_eq!(arrow.step, Some(step.index), "{}", arrow.markup);
        assert!(arrow.markup.contains(r#"<path class="x""#), "no cross: {}", arrow.markup);
        assert!(arrow.markup.contains(&reason), "no reason: {}", arrow.markup);
        seen.insert(if has_class(arrow, "refused") { "refused" } else { "dropped" });
    }
    assert_eq!(seen.len(), 2, "drops of both kinds: {seen:?}");
}

#[wasm_bindgen_test]
fn a_crash_and_a_restart_are_marked_and_the_line_between_is_drawn_crashed() {
    let mut app = app_at_tick(300);
    app.act(Action::Crash { node: NodeId(2) });
    let crash = last_action_step(&app);
    app.sim.run_until_tick(450);
    app.act(Action::Restart { node: NodeId(2) });
    let restart = last_action_step(&app);
    app.act(Action::Partition { islands: vec![vec![NodeId(0), NodeId(1)]] });
    let partition = last_action_step(&app);
    app.sim.run_until_tick(600);
    let svg = drawn(&app, &view(&app, 250.0, 600.0));
    let elements = by_key(&svg);
    let expectations = [
        (format!("s{crash}"), "crash", crash),
        (format!("life-n2-s{crash}"), "crashed", crash),
        (format!("s{restart}"), "restart", restart),
        (format!("life-n2-s{restart}"), "up", restart),
        (format!("s{partition}"), "partition", partition),
    ];
    for (key, class, step) in expectations {
        let element = elements.get(&key).unwrap_or_else(|| panic!("no {key} in {svg}"));
        assert!(has_class(element, class), "{key} is not {class}: {}", element.markup);
        assert_eq!(element.step, Some(step), "{}", element.markup);
        assert!(element.markup.contains("<title>"), "{}", element.markup);
    }
    assert!(elements[&format!("s{partition}")].markup.contains("n0 n1"), "the partition names its islands");
    // Scrubbed back to before the restart: n2 is still crashed there.
    app.sim.seek(restart);
    let svg = drawn(&app, &view(&app, 250.0, app.sim.now_tick() as f64));
    assert!(has_class(&by_key(&svg)["row-n2"], "crashed"));
    assert!(!svg.contains(&format!("\"s{restart}\"")), "the restart is in the future");
}

#[wasm_bindgen_test]
fn milestones_are_flagged_at_their_step_with_their_words() {
    let app = app_at_tick(600);
    let trace = app.sim.trace();
    let milestones: Vec<(usize, &str)> =
        trace.iter().enumerate().flat_map(|(at, step)| step.milestones().map(move |text| (at, text))).collect();
    assert!(!milestones.is_empty(), "the default run elects a leader by tick 600");
    let svg = drawn(&app, &view(&app, 0.0, 600.0));
    let elements = by_key(&svg);
    for (at, words) in milestones {
        let element = elements.get(&format!("ms{at}")).unwrap_or_else(|| panic!("no ms{at} in {svg}"));
        assert!(has_class(element, "milestone"), "{}", element.markup);
        assert_eq!(element.step, Some(at as u64), "{}", element.markup);
        assert!(element.markup.contains(&format!("<title>{words}")), "{words}: {}", element.markup);
    }
}

#[wasm_bindgen_test]
fn only_the_window_is_drawn() {
    let app = app_at_tick(3000);
    let count = |from_tick: f64, to_tick: f64| {
        let svg = drawn(&app, &view(&app, from_tick, to_tick));
        elements(&svg).iter().filter(|e| counted(e)).count()
    };
    let (narrow, wide) = (count(2000.0, 2050.0), count(1000.0, 3000.0));
    assert!(narrow > 0 && narrow * 10 < wide, "50 ticks: {narrow} elements; 2000 ticks: {wide}");
    // Every step a drawn mark links to lies in the window.
    let narrow = view(&app, 2000.0, 2050.0);
    let svg = drawn(&app, &narrow);
    for element in elements(&svg).iter().filter(|e| is_key(&e.key, 's') || is_key(&e.key, 'l')) {
        let tick = app.sim.trace()[element.step.unwrap() as usize].tick as f64;
        assert!((narrow.from_tick..=narrow.to_tick()).contains(&tick), "{} at tick {tick}", element.key);
    }
}

#[wasm_bindgen_test]
fn operations_are_spans_from_invocation_to_completion() {
    let app = app_at_tick(1500);
    let view = view(&app, 500.0, 1500.0);
    let svg = drawn(&app, &view);
    let elements = by_key(&svg);
    let now = app.sim.now_tick();
    let mut spans = 0;
    for (index, entry) in app.sim.history().iter().enumerate() {
        let end = entry.complete_tick.unwrap_or(now);
        let key = format!("o{index}");
        if (end as f64) < view.from_tick || entry.invoke_tick as f64 > view.to_tick() {
            assert!(!elements.contains_key(&key), "{key} is outside the window");
            continue;
        }
        let span = elements.get(&key).unwrap_or_else(|| panic!("no {key}"));
        let state = match (entry.complete_tick, entry.gave_up) {
            (Some(_), _) => "done",
            (None, true) => "unknown",
            (None, false) => "pending",
        };
        assert!(has_class(span, state), "{key} is not {state}: {}", span.markup);
        let invoke_step = span.step.unwrap() as usize;
        assert_eq!(app.sim.trace()[invoke_step].tick, entry.invoke_tick, "{key} links to its invocation");
        spans += 1;
    }
    assert!(spans > 5, "only {spans} operations in the window");
}

#[wasm_bindgen_test]
fn clocks_are_labelled_when_asked() {
    let app = app_at_tick(300);
    let plain = drawn(&app, &view(&app, 200.0, 300.0));
    assert!(!plain.contains("class=\"clock"), "no clocks unless asked");
    let options = [(true, false), (false, true), (true, true)];
    for (lamport, vector) in options {
        let view = DiagramView { lamport, vector, ..view(&app, 200.0, 300.0) };
        let svg = drawn(&app, &view);
        let labels: Vec<Element> = elements(&svg).into_iter().filter(|e| is_key(&e.key, 'l')).collect();
        let ticks = view.from_tick..=view.to_tick();
        let events = app.sim.trace().iter().filter(|s| s.process.is_some() && ticks.contains(&(s.tick as f64))).count();
        assert_eq!(labels.len(), events, "a label per event");
        for label in labels {
            let step = &app.sim.trace()[label.step.unwrap() as usize];
            let vector_text: Vec<String> = step.vector.iter().map(|v| v.to_string()).collect();
            let text = label.markup.split('>').nth(1).unwrap().split('<').next().unwrap().to_string();
            assert_eq!(text.starts_with(&step.lamport.to_string()), lamport, "{text}");
            assert_eq!(text.contains(&vector_text.join(",")), vector, "{text}");
        }
    }
}

#[wasm_bindgen_test]
fn highlighted_things_get_the_hl_class() {
    let app = app_at_tick(600);
    let plain = drawn(&app, &view(&app, 300.0, 600.0));
    let elements = by_key(&plain);
    let message = elements.values().find(|e| has_class(e, "delivered")).unwrap();
    let operation = elements.keys().find(|k| k.starts_with('o')).unwrap();
    // A timer whose step nothing else links to (an arrow in flight links
    // to the step that sent it).
    let linked_once = |step: Option<u64>| elements.values().filter(|e| e.step == step).count() == 1;
    let timer = elements.values().find(|e| has_class(e, "timer") && linked_once(e.step)).unwrap();
    let highlight = Highlight {
        messages: [message.key[1..].parse().unwrap()].into(),
        operations: [operation[1..].parse().unwrap()].into(),
        steps: [timer.step.unwrap()].into(),
    };
    let svg = drawn(&app, &DiagramView { highlight, ..view(&app, 300.0, 600.0) });
    let highlighted: BTreeSet<String> =
        self::elements(&svg).into_iter().filter(|e| has_class(e, "hl")).map(|e| e.key).collect();
    let expected: BTreeSet<String> = [message.key.clone(), operation.clone(), timer.key.clone()].into();
    assert_eq!(highlighted, expected);
}

#[wasm_bindgen_test]
fn the_index_after_a_fork_equals_one_built_afresh() {
    // (steps before the fork, position forked from, whether the page drew a
    // frame between the cut and the regrowth, steps after the fork)
    let cases = [(2_000, 1_000, false, 3_000), (2_000, 1_000, true, 1_500), (2_000, 1_990, false, 2_000)];
    for (steps, fork_at, frame_between, regrown) in cases {
        let mut app = app_for_fragment("");
        app.sim.run_until_tick_bounded(u64::MAX, steps);
        let mut index = DiagramIndex::default();
        index.follow(app.sim.trace());
        app.sim.seek(fork_at);
        let tick = app.sim.now_tick() + 1;
        app.sim.record_not_before(Action::Crash { node: NodeId(0) }, tick).unwrap();
        if frame_between {
            index.follow(app.sim.trace());
        }
        while app.sim.trace().len() < regrown as usize && app.sim.step().is_some() {}
        index.follow(app.sim.trace());
        let mut fresh = DiagramIndex::default();
        fresh.follow(app.sim.trace());
        assert!(index == fresh, "forked at {fork_at} of {steps}, regrown to {regrown}: the index differs");
        assert_eq!(index.steps_indexed(), app.sim.trace().len());
    }
}

#[wasm_bindgen_test]
fn the_element_cap_holds_on_a_long_run_and_the_note_says_so() {
    let mut app = App::new(faultline_tests::raft_benchmark_scenario(), None);
    app.sim.run_until_tick_bounded(u64::MAX, 20_000);
    assert!(app.sim.trace().len() >= 20_000, "the run took {} steps", app.sim.trace().len());
    let now = app.sim.now_tick() as f64;
    for options in [(false, false), (true, true)] {
        let view = DiagramView { lamport: options.0, vector: options.1, ..view(&app, 0.0, now) };
        let svg = drawn(&app, &view);
        let drawn = elements(&svg).iter().filter(|e| counted(e)).count();
        assert!(drawn <= ELEMENTS_DRAWN_MAX, "{drawn} elements drawn");
        assert!(drawn > ELEMENTS_DRAWN_MAX / 2, "only {drawn} elements drawn");
        let note = &by_key(&svg)["note"];
        assert!(note.markup.contains("left out"), "{}", note.markup);
    }
}

#[wasm_bindgen_test]
fn every_key_is_unique_and_the_same_state_draws_the_same_text() {
    let mut app = app_at_tick(700);
    app.act(Action::Pause { node: NodeId(4), ticks: 100 });
    app.sim.run_until_tick(800);
    app.act(Action::Crash { node: NodeId(4) });
    app.sim.run_until_tick(900);
    let views = [
        view(&app, 0.0, 900.0),
        DiagramView { lamport: true, vector: true, ..view(&app, 600.0, 900.0) },
        DiagramView { view_tick: 905.5, ..view(&app, 850.0, 910.0) },
    ];
    for view in &views {
        let mut index = DiagramIndex::default();
        index.follow(app.sim.trace());
        let first = diagram_svg(&index, app.sim.as_ref(), view);
        let mut keys = BTreeSet::new();
        for element in elements(&first) {
            assert!(keys.insert(element.key.clone()), "{} twice", element.key);
        }
        // Again, and from an index built a step at a time.
        assert_eq!(diagram_svg(&index, app.sim.as_ref(), view), first);
        let mut grown = DiagramIndex::default();
        for length in 0..=app.sim.trace().len() {
            grown.follow(&app.sim.trace()[..length]);
        }
        assert_eq!(diagram_svg(&grown, app.sim.as_ref(), view), first);
    }
    assert!(views[0].width_px > 0.0);
    assert_eq!(tick_at(&views[0], tick_x(&views[0], 450.0)), 450.0);
}

/// Where `tick` is drawn: found from `tick_at` at two points, as the page
/// would (it is a straight line).
fn tick_x(view: &DiagramView, tick: f64) -> f64 {
    let (t0, t1) = (tick_at(view, 0.0), tick_at(view, 100.0));
    100.0 * (tick - t0) / (t1 - t0)
}

fn now_ms() -> f64 {
    web_sys::window().expect("a window").performance().expect("performance").now()
}

/// How long a drawing takes at the end of a long run of a 9-node cluster
/// under the benchmark's load, how many items it has, and what the page
/// would parse: all of it once, then, while the run plays, only the items
/// whose text changed. Printed, not asserted. After 20,000 steps, and in a
/// release build after 100,000 too (a debug build is several times slower
/// than the page's).
#[wasm_bindgen_test]
fn time_to_draw_a_window_at_the_end_of_a_long_run() {
    let mut scenario = faultline_tests::raft_benchmark_scenario();
    scenario.protocol = ProtocolSpec::Raft(RaftSpec::new(9));
    let mut sim = faultline_protocols::build(scenario);
    let lengths: &[u64] = if cfg!(debug_assertions) { &[20_000] } else { &[20_000, 100_000] };
    let mut index = DiagramIndex::default();
    for &steps in lengths {
        sim.run_until_tick_bounded(u64::MAX, steps - sim.position());
        let started = now_ms();
        index.follow(sim.trace());
        let follow_ms = now_ms() - started;
        // Indexing the whole trace at once: what a fork costs the page.
        let mut fresh_ms = f64::MAX;
        for _ in 0..3 {
            let started = now_ms();
            let mut fresh = DiagramIndex::default();
            fresh.follow(sim.trace());
            fresh_ms = fresh_ms.min(now_ms() - started);
        }
        let now = sim.now_tick() as f64;
        let mut report = format!(
            "diagram, 9 nodes, {} steps to tick {now}: followed in {follow_ms:.1} ms, indexed afresh in {fresh_ms:.1} ms",
            sim.trace().len()
        );
        let windows = [
            ("400 ticks", now - 400.0, false),
            ("400 ticks with clocks", now - 400.0, true),
            ("whole run", 0.0, false),
        ];
        for (name, from_tick, labelled) in windows {
            let view = DiagramView {
                lamport: labelled,
                vector: labelled,
                ..window(from_tick, now, 1200.0, sim.position(), now)
            };
            report.push_str(&format!("; {name}: {}", drawing_cost(&index, sim.as_ref(), &view)));
        }
        console_log!("{report}");
    }
}

/// What drawing `view` costs: building the drawing, putting it into the
/// page from nothing, and how many items change when the window follows
/// the shown time one tick and ten ticks later (as it does while the run
/// plays), with what re-parsing just those costs.
fn drawing_cost(index: &DiagramIndex, sim: &dyn AnySimulation, view: &DiagramView) -> String {
    let mut times_ms = Vec::new();
    let mut drawing = DiagramDrawing::default();
    for _ in 0..30 {
        let started = now_ms();
        drawing = diagram(index, sim, view);
        times_ms.push(now_ms() - started);
    }
    times_ms.sort_by(f64::total_cmp);
    let svg = drawing.svg();
    let document = web_sys::window().unwrap().document().unwrap();
    let holder = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&holder).unwrap();
    let started = now_ms();
    for _ in 0..5 {
        holder.set_inner_html("");
        holder.set_inner_html(&svg);
        let _ = holder.get_bounding_client_rect(); // forces layout
    }
    let into_page_ms = (now_ms() - started) / 5.0;
    let kinds: BTreeMap<char, usize> = drawing.items.iter().fold(BTreeMap::new(), |mut kinds, item| {
        *kinds.entry(item.key.chars().next().unwrap()).or_default() += 1;
        kinds
    });
    let kinds: Vec<String> = kinds.iter().map(|(kind, count)| format!("{count} {kind}")).collect();
    let items_kb = drawing.items.iter().map(|i| i.markup.len()).sum::<usize>() / 1024;
    let mut report = format!(
        "median {:.2} ms (min {:.2}), {} items ({}), items {items_kb} kB, frame {} B, into the page whole {into_page_ms:.1} ms",
        times_ms[times_ms.len() / 2],
        times_ms[0],
        drawing.items.len(),
        kinds.join(" "),
        drawing.frame.len(),
    );
    // The same drawing one and ten ticks earlier, followed to this one.
    for ticks in [1.0, 10.0] {
        let tick = view.view_tick - ticks;
        let position = sim.trace().partition_point(|s| s.tick as f64 <= tick) as u64;
        let earlier = DiagramView { from_tick: view.from_tick - ticks, position, view_tick: tick, ..view.clone() };
        let earlier = diagram(index, sim, &earlier);
        let before = items(&earlier);
        let changed: Vec<&DiagramItem> =
            drawing.items.iter().filter(|i| before.get(i.key.as_str()) != Some(&i.markup.as_str())).collect();
        // Why each changed: new, ended since (an arrow delivered or
        // dropped, an operation completed), drawn up to "now" (a line, a
        // pause, an operation pending, an arrow overdue), or else (the
        // class `current` moved).
        let (mut new, mut ended, mut running) = (0, 0, 0);
        for item in &changed {
            let class = |markup: &str, name: &str| attribute(markup, "class").unwrap().split(' ').any(|c| c == name);
            match before.get(item.key.as_str()) {
                None => new += 1,
                Some(old) if class(old, "in-flight") && !class(&item.markup, "in-flight") => ended += 1,
                Some(old) if class(old, "pending") && !class(&item.markup, "pending") => ended += 1,
                Some(_)
                    if item.key.starts_with("life-")
                        || item.key.starts_with('p')
                        || class(&item.markup, "pending")
                        || class(&item.markup, "in-flight") =>
                {
                    running += 1
                }
                Some(_) => {}
            }
        }
        let parse = document.create_element_ns(Some("http://www.w3.org/2000/svg"), "g").unwrap();
        let markup: String = changed.iter().map(|i| i.markup.as_str()).collect();
        let started = now_ms();
        parse.set_inner_html(&markup);
        let parse_ms = now_ms() - started;
        report.push_str(&format!(
            ", {ticks} tick(s) on ({} steps): {} items new or changed ({new} new, {ended} ended, {running} drawn to now, {} else; parsed in {parse_ms:.2} ms)",
            view.position - position,
            changed.len(),
            changed.len() - new - ended - running,
        ));
    }
    holder.remove();
    report
}

#[wasm_bindgen_test]
fn a_view_following_the_shown_time_ends_there() {
    let app = app_at_tick(1000);
    let px_per_tick = plot_width_px(WIDTH_PX) / 400.0;
    let view = DiagramView::following(app.sim.as_ref(), 1000.0, px_per_tick, WIDTH_PX);
    assert_eq!((view.from_tick, view.to_tick(), view.position), (600.0, 1000.0, app.sim.position()));
    let young = DiagramView::following(app.sim.as_ref(), 100.0, px_per_tick, WIDTH_PX);
    assert_eq!((young.from_tick, young.to_tick()), (0.0, 400.0));
    // The plot's edges are the window's.
    assert_eq!(tick_at(&view, LABEL_WIDTH_PX), 600.0);
    assert!((tick_at(&view, WIDTH_PX - RIGHT_MARGIN_PX) - 1000.0).abs() < 1e-9);
    let svg = drawn(&app, &view);
    assert!(svg.starts_with("<svg class=\"spacetime\""), "{}", &svg[..200]);
    assert!(svg.contains(&format!("viewBox=\"0 0 {WIDTH_PX:.0} ")), "the viewBox is as wide as the page asked");
    assert!(svg.contains("role=\"img\"") && svg.contains("aria-label="));
    assert!(!svg.contains("tabindex"), "arrows stay out of the tab order");
    let sim: &dyn AnySimulation = app.sim.as_ref();
    assert_eq!(by_key(&svg)["now"].step, Some(sim.position() - 1));
}

/// What a drawing's items are, by key.
fn items(drawing: &DiagramDrawing) -> BTreeMap<&str, &str> {
    drawing.items.iter().map(|item| (item.key.as_str(), item.markup.as_str())).collect()
}

/// An app with faults of every kind drawn: a crash and a restart, a pause,
/// a partition, messages dropped and in flight.
fn app_with_faults() -> App {
    let mut app = app_at_tick(500);
    app.act(Action::Crash { node: NodeId(1) });
    app.sim.run_until_tick(560);
    app.act(Action::Restart { node: NodeId(1) });
    app.act(Action::Pause { node: NodeId(3), ticks: 80 });
    app.sim.run_until_tick(640);
    app.act(Action::Partition { islands: vec![vec![NodeId(0), NodeId(1)]] });
    app.sim.run_until_tick(760);
    app.view_tick = app.sim.now_tick() as f64;
    app
}

#[wasm_bindgen_test]
fn sliding_the_window_keeps_the_markup_of_what_stays_in_it() {
    let app = app_with_faults();
    let mut index = DiagramIndex::default();
    index.follow(app.sim.trace());
    let base = view(&app, 450.0, 700.0);
    let highlight = Highlight { steps: [last_action_step(&app)].into(), ..Highlight::default() };
    let options = [
        base.clone(),
        DiagramView { lamport: true, vector: true, highlight, ..base.clone() },
        // Before the position: the arrows in flight there are drawn so.
        DiagramView {
            position: app.sim.position() - 40,
            view_tick: app.sim.trace()[app.sim.position() as usize - 41].tick as f64,
            ..base.clone()
        },
    ];
    for view in options {
        let first = diagram(&index, app.sim.as_ref(), &view);
        for slide in [7.0, 0.5, 60.0] {
            let slid = DiagramView { from_tick: view.from_tick + slide, ..view.clone() };
            let second = diagram(&index, app.sim.as_ref(), &slid);
            assert_ne!(first.frame, second.frame, "the frame moves with the window");
            let (before, after) = (items(&first), items(&second));
            let mut kept = 0;
            for (key, markup) in &after {
                if let Some(old) = before.get(key) {
                    assert_eq!(old, markup, "{key} changed when the window slid by {slide} ticks");
                    kept += 1;
                }
            }
            let kinds: BTreeSet<char> =
                after.keys().filter(|k| before.contains_key(*k)).map(|k| k.as_bytes()[0] as char).collect();
            assert!(kept > 50, "only {kept} items stayed in a window slid by {slide} ticks");
            for kind in ['m', 'o', 's', 'l', 'p'] {
                if kind != 'l' || view.lamport {
                    assert!(kinds.contains(&kind), "no {kind} item stayed (slid by {slide}): {kinds:?}");
                }
            }
        }
    }
    // The shown time moving on without a step changes only what is drawn
    // up to it: arrows in flight, operations pending, lines and pauses
    // still running.
    let first = diagram(&index, app.sim.as_ref(), &base);
    let later = diagram(&index, app.sim.as_ref(), &DiagramView { view_tick: base.view_tick + 0.6, ..base.clone() });
    let (before, after) = (items(&first), items(&later));
    assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>());
    let mut changed = 0;
    for (key, markup) in &after {
        if before[key] == *markup {
            continue;
        }
        changed += 1;
        let class = attribute(markup, "class").unwrap();
        let running = key.starts_with("life-")
            || key.starts_with('p')
            || class.split(' ').any(|c| c == "in-flight" || c == "pending");
        assert!(running, "{key} changed as the shown time moved: {markup}");
    }
    assert!(changed > 0 && changed * 10 < after.len(), "{changed} of {} items changed", after.len());
}

#[wasm_bindgen_test]
fn the_plot_is_clipped_to_the_window() {
    let app = app_with_faults();
    let width_px = 600.0;
    let view = window(450.0, 700.0, width_px, app.sim.position(), app.sim.now_tick() as f64);
    let mut index = DiagramIndex::default();
    index.follow(app.sim.trace());
    let drawing = diagram(&index, app.sim.as_ref(), &view);
    let frame = &drawing.frame;
    let number = |tag: &str, name: &str| -> f64 { attribute(tag, name).unwrap().parse().unwrap() };
    let tag_at = |start: &str| -> &str {
        let at = frame.find(start).unwrap_or_else(|| panic!("no {start} in {frame}"));
        &frame[at..at + frame[at..].find('>').unwrap() + 1]
    };
    // The plot group: moved so that the window's start is at the plot's
    // left edge, clipped, and empty in the frame.
    let plot = tag_at("<g class=\"plot\"");
    assert_eq!(attribute(plot, "clip-path").as_deref(), Some("url(#diagram-clip)"));
    assert!(frame.contains(&format!("{plot}</g>")), "the plot group is empty in the frame: {frame}");
    let transform = attribute(plot, "transform").unwrap();
    let offset: f64 = transform.strip_prefix("translate(").unwrap().strip_suffix(",0)").unwrap().parse().unwrap();
    assert!((offset - (LABEL_WIDTH_PX - view.from_tick * view.px_per_tick)).abs() <= 0.05, "{transform}");
    // The clip path, in the plot group's coordinates, spans the plot: from
    // the names' column to the margin, the whole height.
    assert!(frame.contains("<clipPath id=\"diagram-clip\">"), "{frame}");
    let clip = tag_at("<rect");
    let (x, w) = (number(clip, "x"), number(clip, "width"));
    assert!((offset + x - LABEL_WIDTH_PX).abs() <= 0.1, "clip from {x}, moved by {offset}");
    assert!((offset + x + w - (width_px - RIGHT_MARGIN_PX)).abs() <= 0.1, "clip to {}", x + w);
    let height = height_px(app.sim.node_count() + app.sim.scenario().workload.clients);
    assert_eq!((number(clip, "y"), number(clip, "height")), (0.0, height));
    // What reaches out of the window is drawn whole: n0's line from tick 0
    // to now, an arrow from before the window.
    let all = items(&drawing);
    let n0 = all["life-n0"];
    assert_eq!(attribute(n0, "x1").as_deref(), Some("0"), "{n0}");
    let now_x = app.sim.now_tick() as f64 * view.px_per_tick;
    assert!((number(n0, "x2") - now_x).abs() <= 0.1, "{n0}");
    let sent_before = drawing.items.iter().filter(|i| i.key.starts_with('m')).any(|i| {
        let d = attribute(&i.markup, "d").unwrap();
        let x0: f64 = d[1..].split(' ').next().unwrap().parse().unwrap();
        x0 < view.from_tick * view.px_per_tick
    });
    assert!(sent_before, "no arrow reaches in from before the window");
    // In the page: the plot is moved and clipped there.
    let document = web_sys::window().unwrap().document().unwrap();
    let holder = document.create_element("div").unwrap();
    holder.set_attribute("style", "position: fixed; left: 0; top: 0; z-index: 10; background: white").unwrap();
    let css = include_str!("../../static/diagram.css");
    holder.set_inner_html(&format!("<style>{css}</style>{}", drawing.svg()));
    document.body().unwrap().append_child(&holder).unwrap();
    let svg = holder.query_selector("svg").unwrap().unwrap().get_bounding_client_rect();
    let keys_at = |x: f64, y: f64| -> Vec<String> {
        let found = document.elements_from_point((svg.left() + x) as f32, (svg.top() + y) as f32);
        found
            .iter()
            .filter_map(|e| e.dyn_into::<web_sys::Element>().ok())
            .filter_map(|e| e.closest("[data-key]").ok().flatten())
            .filter_map(|e| e.get_attribute("data-key"))
            .collect()
    };
    let y = 18.0 + 26.0 / 2.0; // n0's line
    let inside = keys_at(LABEL_WIDTH_PX + 40.0, y);
    let over_names = keys_at(LABEL_WIDTH_PX - 3.0, y);
    let past_the_end = keys_at(width_px - RIGHT_MARGIN_PX + 3.0, y);
    holder.remove();
    assert!(inside.iter().any(|k| k == "life-n0"), "n0's line is not hit in the window: {inside:?}");
    assert!(!over_names.iter().any(|k| k == "life-n0"), "n0's line shows over the names: {over_names:?}");
    assert!(!past_the_end.iter().any(|k| k == "life-n0"), "n0's line shows past the window: {past_the_end:?}");
    // A mark lands where its tick is in the window.
    let (key, tick) = drawing
        .items
        .iter()
        .filter(|i| is_key(&i.key, 's'))
        .map(|i| (i.key.clone(), app.sim.trace()[i.key[1..].parse::<usize>().unwrap()].tick as f64))
        .find(|(_, tick)| *tick > view.from_tick + 10.0 && *tick < view.to_tick() - 10.0)
        .expect("a mark in the window");
    let expected_x = LABEL_WIDTH_PX + (tick - view.from_tick) * view.px_per_tick;
    let document = web_sys::window().unwrap().document().unwrap();
    let holder = document.create_element("div").unwrap();
    holder.set_attribute("style", "position: fixed; left: 0; top: 0").unwrap();
    holder.set_inner_html(&drawing.svg());
    document.body().unwrap().append_child(&holder).unwrap();
    let svg = holder.query_selector("svg").unwrap().unwrap().get_bounding_client_rect();
    let mark = holder.query_selector(&format!("[data-key=\"{key}\"]")).unwrap().unwrap().get_bounding_client_rect();
    holder.remove();
    let centre = mark.left() + mark.width() / 2.0 - svg.left();
    assert!((centre - expected_x).abs() < 1.0, "{key} at tick {tick} is drawn at x {centre}, not {expected_x}");
}

#[wasm_bindgen_test]
fn an_arrow_in_flight_is_drawn_to_where_it_is_due_and_cut_at_now() {
    let mut app = app_at_tick(700);
    while app.sim.messages_in_flight().len() < 3 {
        app.sim.step();
    }
    let now = app.sim.now_tick() as f64;
    let view = window(now - 200.0, now, WIDTH_PX, app.sim.position(), now);
    let mut index = DiagramIndex::default();
    index.follow(app.sim.trace());
    let drawing = diagram(&index, app.sim.as_ref(), &view);
    // The second clip path ends at now, in the plot's coordinates.
    let at = drawing.frame.find("<clipPath id=\"diagram-clip-now\"><rect").expect("the now clip path");
    let rect = &drawing.frame[at..at + drawing.frame[at..].find("/>").unwrap()];
    let number = |name: &str| -> f64 { attribute(rect, name).unwrap().parse().unwrap() };
    assert!((number("x") + number("width") - now * view.px_per_tick).abs() <= 0.1, "{rect}");
    let mut flying = 0;
    for item in drawing.items.iter().filter(|i| is_key(&i.key, 'm')) {
        let in_flight = attribute(&item.markup, "class").unwrap().split(' ').any(|c| c == "in-flight");
        let clipped = item.markup.contains(r#" clip-path="url(#diagram-clip-now)""#);
        assert_eq!(clipped, in_flight, "{}", item.markup);
        if !in_flight {
            continue;
        }
        flying += 1;
        let id: u64 = item.key[1..].parse().unwrap();
        let due = app.sim.messages_in_flight().iter().find(|m| m.id.0 == id).unwrap().deliver_tick as f64;
        let d = attribute(&item.markup, "d").unwrap();
        let end_x: f64 = d.rsplit('L').next().unwrap().split(' ').next().unwrap().parse().unwrap();
        assert!((end_x - due.max(now) * view.px_per_tick).abs() <= 0.1, "{d}, due at tick {due}");
    }
    assert!(flying >= 3, "{flying} arrows in flight");
    // It does not change while it flies (until it is due).
    let later = diagram(&index, app.sim.as_ref(), &DiagramView { view_tick: now + 0.5, ..view.clone() });
    let (before, after) = (items(&drawing), items(&later));
    let mut unchanged = 0;
    for message in app.sim.messages_in_flight().iter().filter(|m| m.deliver_tick as f64 >= now + 0.5) {
        let key = format!("m{}", message.id.0);
        assert_eq!(after[key.as_str()], before[key.as_str()], "{key} changed as the shown time moved");
        unchanged += 1;
    }
    assert!(unchanged > 0, "no message due after the shown time");
}
