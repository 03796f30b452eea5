#![cfg(target_arch = "wasm32")]
//! The page's behaviour, driven through `App` in the browser: clicks crash
//! and restart, drags isolate and reconnect, share fragments reproduce the
//! run, bad links give a readable notice.

use faultline_scenario::NodeId;
use faultline_scenario::{Action, Link};
use faultline_sim::NodeStatus;
use faultline_sim::StepKind;
use faultline_web::app::{geometry, App, Menu, NodeCommand};
use faultline_web::page::{app_for_fragment, share_fragment};
use faultline_web::settings::RunSettings;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn played(app: &mut App, frames: u32) {
    for _ in 0..frames {
        app.frame(16.0);
    }
}

fn status(app: &App, node: u32) -> NodeStatus {
    app.sim.nodes()[node as usize].status
}

fn click(app: &mut App, node: u32) {
    let at = app.stage_layout().nodes[node as usize];
    app.pointer_down_node(NodeId(node), at);
    app.pointer_up();
}

/// Drag `node` from where it stands to `to`, in a few moves.
fn drag(app: &mut App, node: u32, to: (f64, f64)) {
    let from = app.stage_layout().nodes[node as usize];
    app.pointer_down_node(NodeId(node), from);
    for step in 1..=4 {
        let t = step as f64 / 4.0;
        app.pointer_move((from.0 + (to.0 - from.0) * t, from.1 + (to.1 - from.1) * t));
    }
    app.pointer_up();
}

fn last_action(app: &App) -> Action {
    app.sim.scenario().actions.last().expect("an action was recorded").action.clone()
}

#[wasm_bindgen_test]
fn clicking_a_node_opens_its_menu_and_the_menu_crashes_and_restarts_it() {
    let mut app = app_for_fragment("");
    played(&mut app, 30);
    click(&mut app, 1);
    assert_eq!(app.menu, Some(Menu::Node(NodeId(1))));
    assert_eq!(app.selected_node, Some(NodeId(1)));
    assert_eq!(status(&app, 1), NodeStatus::Up, "a click alone harms nothing");
    let menu = faultline_web::render::menu_html(&app);
    for label in ["Crash", "Crash-stop", "Pause 100 ticks", "Isolate", "Fire its election timer now", "Send "] {
        assert!(menu.contains(label), "the menu offers {label}: {menu}");
    }
    app.node_command(NodeId(1), NodeCommand::CrashOrRestart);
    assert_eq!(status(&app, 1), NodeStatus::Crashed, "{}", app.notice);
    assert!(faultline_web::render::menu_html(&app).contains("Restart"));
    played(&mut app, 10);
    app.node_command(NodeId(1), NodeCommand::CrashOrRestart);
    assert_eq!(status(&app, 1), NodeStatus::Up, "{}", app.notice);
    click(&mut app, 1);
    assert_eq!(app.menu, None, "a second click closes the menu");
}

#[wasm_bindgen_test]
fn the_menu_sends_a_request_and_fires_a_timer() {
    let mut app = app_for_fragment("");
    played(&mut app, 5);
    let invoked = app.sim.history().len();
    app.node_command(NodeId(3), NodeCommand::SendRequest);
    assert!(matches!(last_action(&app), Action::ClientRequest { node: NodeId(3), .. }), "{}", app.notice);
    assert_eq!(app.sim.history().len(), invoked + 1);
    app.node_command(NodeId(4), NodeCommand::FireTimer);
    assert!(matches!(last_action(&app), Action::FireTimer { node: NodeId(4), .. }), "{}", app.notice);
    let fired = app.sim.trace().iter().rev().find(|s| matches!(s.kind, StepKind::Timer { .. })).unwrap();
    assert!(matches!(fired.kind, StepKind::Timer { node: NodeId(4), .. }), "{:?}", fired.kind);
}

#[wasm_bindgen_test]
fn dragging_a_node_away_isolates_it_and_onto_another_node_reconnects_it() {
    let mut app = app_for_fragment("");
    played(&mut app, 10);
    let at = app.stage_layout().nodes[2];
    drag(&mut app, 2, (at.0 + 150.0, at.1 + 120.0));
    assert!(app.is_isolated(NodeId(2)), "{}", app.notice);
    assert_eq!(last_action(&app), Action::Isolate { node: NodeId(2) });
    let n3 = app.stage_layout().nodes[3];
    drag(&mut app, 2, (n3.0 + 20.0, n3.1));
    assert!(!app.is_isolated(NodeId(2)), "{}", app.notice);
    assert_eq!(last_action(&app), Action::Reconnect { node: NodeId(2) });
    assert!(app.sim.cut_links().is_empty());
}

#[wasm_bindgen_test]
fn two_drags_make_a_partition_of_two_groups() {
    let mut app = app_for_fragment("");
    played(&mut app, 10);
    drag(&mut app, 0, (40.0, 40.0));
    let n0 = app.stage_layout().nodes[0];
    drag(&mut app, 1, (n0.0 + 30.0, n0.1 + 30.0));
    let (n, islands) = (NodeId, app.islands());
    assert_eq!(islands, vec![vec![n(0), n(1)], vec![n(2), n(3), n(4)]], "{}", app.notice);
    assert_eq!(last_action(&app), Action::Partition { islands });
    let layout = app.stage_layout();
    assert_eq!(layout.islands.len(), 2, "each group is drawn as an island");
    app.heal_all();
    assert_eq!(app.islands().len(), 1);
}

#[wasm_bindgen_test]
fn a_stroke_across_links_cuts_them_in_one_action() {
    let mut app = app_for_fragment("");
    played(&mut app, 10);
    // Across the stage's middle, left to right: it crosses the links
    // between the top nodes (n0, n1, n4) and the bottom ones (n2, n3).
    let (y, layout) = (geometry::CENTER_Y + 40.0, app.stage_layout());
    app.pointer_down_stage((5.0, y));
    app.pointer_move((320.0, y));
    app.pointer_move((635.0, y));
    app.pointer_up();
    let Action::CutLinks { links } = last_action(&app) else { panic!("{}", app.notice) };
    assert!(!links.is_empty());
    for Link(a, b) in &links {
        let (pa, pb) = (layout.nodes[a.0 as usize], layout.nodes[b.0 as usize]);
        assert!((pa.1 - y) * (pb.1 - y) < 0.0, "{a}–{b} lies across the stroke");
    }
    let cut = app.sim.cut_links();
    assert_eq!(cut.len(), 2 * links.len(), "each crossed link is cut both ways");
}

#[wasm_bindgen_test]
fn a_link_menu_cuts_one_direction_and_restores_it() {
    let mut app = app_for_fragment("");
    played(&mut app, 10);
    let (n0, n1) = (NodeId(0), NodeId(1));
    app.pointer_down_link((n0, n1), (400.0, 100.0));
    app.pointer_up();
    assert_eq!(app.menu, Some(Menu::Link { link: (n0, n1), at: (400.0, 100.0) }));
    let menu = faultline_web::render::menu_html(&app);
    assert!(menu.contains("Cut both ways") && menu.contains("Cut n0→n1 only"), "{menu}");
    app.act(Action::CutLink { from: n0, to: n1 });
    assert_eq!(app.sim.cut_links(), vec![(n0, n1)]);
    let menu = faultline_web::render::menu_html(&app);
    assert!(menu.contains("Restore n0→n1 only") && menu.contains("Cut n1→n0 only"), "{menu}");
}

#[wasm_bindgen_test]
fn a_share_fragment_reproduces_the_run_and_its_position() {
    let mut app = app_for_fragment("");
    played(&mut app, 40);
    app.node_command(NodeId(0), NodeCommand::CrashOrRestart);
    played(&mut app, 40);
    let fragment = share_fragment(&app);
    assert!(fragment.starts_with("s=1."), "{fragment}");
    let opened = app_for_fragment(&format!("#{fragment}"));
    assert_eq!(opened.sim.position(), app.sim.position());
    assert_eq!(opened.view_tick, app.view_tick.floor());
    assert_eq!(opened.sim.history(), app.sim.history());
    assert_eq!(opened.sim.trace(), &app.sim.trace()[..opened.sim.trace().len()]);
    assert!(!opened.playing, "a shared run opens paused");
}

#[wasm_bindgen_test]
fn a_corrupt_link_opens_the_default_scenario_with_a_reason() {
    for fragment in ["#s=1.%%%not-base64", "#s=9.AAAA", "#s=1.", "#s=1.AAAAAAAAAAAAAAAAAAAAAAAAAA"] {
        let app = app_for_fragment(fragment);
        assert!(app.notice.starts_with("This link could not be opened: "), "{fragment}: {}", app.notice);
        assert_eq!(app.builtin.as_deref(), Some(faultline_web::builtin::DEFAULT_SCENARIO));
    }
}

#[wasm_bindgen_test]
fn manual_mode_delivers_the_chosen_message_next() {
    let mut app = app_for_fragment("");
    app.manual_mode = true;
    // Run until there is more than one message in flight.
    while app.sim.messages_in_flight().len() < 2 {
        app.step_once();
    }
    let events = app.sim.enabled_events();
    let last = events.iter().rev().find(|e| matches!(e, faultline_sim::EnabledEvent::Deliver { .. })).unwrap().clone();
    let faultline_sim::EnabledEvent::Deliver { message, .. } = last else { unreachable!() };
    app.choose_event(&last);
    assert!(app.sim.trace().last().unwrap().cause == Some(message), "the chosen message was not delivered last");
    assert!(!app.sim.messages_in_flight().iter().any(|m| m.id == message));
}

#[wasm_bindgen_test]
fn lane_labels_are_cut_to_their_bar() {
    use faultline_web::render::fit_label;
    let cases: &[(&str, f64, Option<&str>)] = &[
        ("w 12", 100.0, Some("w 12")),
        ("r→3 5 7 9 11", 40.0, Some("r→3 5…")),
        ("r→3 5 7 9 11", 24.0, None),
        ("a 7", 18.6, Some("a 7")),
        ("", 0.0, Some("")),
    ];
    for &(label, width_px, expected) in cases {
        assert_eq!(fit_label(label, width_px).as_deref(), expected, "{label:?} in {width_px}px");
    }
}

#[wasm_bindgen_test]
fn the_lanes_draw_the_newest_operations_or_those_from_where_the_verdict_points() {
    use faultline_web::render::{lane_operations_drawn, LANE_OPERATIONS_DRAWN_MAX as MAX};
    let newest = |length: usize| (length - MAX..length).collect::<Vec<_>>();
    let cases: Vec<(usize, Vec<usize>, Vec<usize>)> = vec![
        (0, vec![], vec![]),
        (3, vec![1], vec![0, 1, 2]),
        (MAX, vec![], (0..MAX).collect()),
        (MAX + 50, vec![], newest(MAX + 50)),
        // A run of MAX from the first operation the verdict points at...
        (MAX + 50, vec![60, 7, 7, 3], (3..3 + MAX).collect()),
        // ...never past the newest...
        (MAX + 50, vec![MAX + 40], newest(MAX + 50)),
        // ...with the ones it points at beyond the run added.
        (3 * MAX, vec![5, 2 * MAX], [(5..5 + MAX).collect(), vec![2 * MAX]].concat()),
        // Stale indices (from before a seek back) are ignored.
        (MAX + 50, vec![MAX + 70], newest(MAX + 50)),
    ];
    for (length, involved, expected) in cases {
        assert_eq!(lane_operations_drawn(length, &involved), expected, "{length} operations, {involved:?} involved");
    }
}

#[wasm_bindgen_test]
fn the_time_axis_has_at_most_ten_round_steps_however_long_the_run() {
    use faultline_web::render::axis_step;
    let cases =
        [(0.0, 10.0), (95.0, 10.0), (101.0, 20.0), (450.0, 50.0), (20_000.0, 2_000.0), (1e9, 1e8), (1e15 + 1.0, 2e14)];
    for (span_ticks, expected) in cases {
        assert_eq!(axis_step(span_ticks), expected, "span {span_ticks}");
    }
}

#[wasm_bindgen_test]
fn a_link_cannot_show_a_time_past_the_runs_limit() {
    let mut app = app_for_fragment("");
    played(&mut app, 20);
    let shared = share_fragment(&app);
    let (head, _) = shared.rsplit_once("&t=").unwrap();
    let opened = app_for_fragment(&format!("#{head}&t=1000000000000000"));
    assert_eq!(opened.view_tick, opened.sim.scenario().limits.ticks_max as f64);
    let lanes = faultline_web::render::lanes_svg(&opened);
    assert!(lanes.matches("class=\"grid\"").count() <= 11, "{lanes}");
}

#[wasm_bindgen_test]
fn undo_brings_a_forks_discarded_future_back_and_redo_forks_again() {
    let mut app = app_for_fragment("");
    played(&mut app, 100);
    let (scenario, trace) = (app.sim.scenario().clone(), app.sim.trace().to_vec());
    let middle = trace.len() as u64 / 2;
    app.seek(middle);
    app.node_command(NodeId(0), NodeCommand::CrashOrRestart);
    assert!(app.sim.trace().len() < trace.len(), "acting in the past forked: {}", app.notice);
    assert!(app.notice.contains("forked a new future"), "{}", app.notice);
    let (forked, forked_position) = (app.sim.scenario().clone(), app.sim.position());
    app.undo();
    assert_eq!(app.sim.scenario(), &scenario);
    assert_eq!(app.sim.trace(), &trace[..], "the old future is back, step for step");
    assert_eq!(app.sim.position(), middle);
    app.redo();
    assert_eq!(app.sim.scenario(), &forked);
    assert_eq!(app.sim.position(), forked_position);
    app.reset();
    assert_eq!(app.sim.scenario(), &app.loaded);
    assert_eq!(app.sim.position(), 0);
    app.undo();
    assert_eq!(app.sim.scenario(), &forked, "a reset is undone too");
    app.undo();
    app.undo();
    assert!(app.notice.starts_with("Nothing to undo"), "{}", app.notice);
}

#[wasm_bindgen_test]
fn settings_start_the_run_again_and_the_link_carries_them() {
    let mut app = app_for_fragment("");
    played(&mut app, 60);
    app.node_command(NodeId(4), NodeCommand::CrashOrRestart);
    let mut settings = RunSettings::of(app.sim.scenario());
    settings.nodes = 3;
    settings.seed = 77;
    settings.loss_per_mille = 20;
    app.apply_settings(&settings);
    assert_eq!(app.sim.node_count(), 3, "{}", app.notice);
    assert_eq!(app.sim.scenario().seed, 77);
    assert_eq!(app.sim.position(), 0, "a new run starts at its beginning");
    assert!(app.sim.scenario().actions.is_empty(), "crash n4 no longer fits three nodes");
    assert!(app.notice.contains("left out"), "{}", app.notice);
    app.speed_index = 6;
    let opened = app_for_fragment(&format!("#{}", share_fragment(&app)));
    assert_eq!(RunSettings::of(opened.sim.scenario()), settings);
    assert_eq!(opened.speed_index, 6, "the link carries the speed");
    app.undo();
    assert_eq!(app.sim.node_count(), 5, "undo brings the old settings back");
}

#[wasm_bindgen_test]
fn settings_that_cannot_run_say_why_and_change_nothing() {
    let mut app = app_for_fragment("");
    let before = app.sim.scenario().clone();
    let cases = [
        ("nodes", RunSettings { nodes: 12, ..RunSettings::of(&before) }, "1 to 9 nodes"),
        ("delays", RunSettings { delay_ticks_min: 9, delay_ticks_max: 3, ..RunSettings::of(&before) }, "delay"),
        (
            "2pc alone",
            RunSettings { protocol: "two-phase-commit".into(), nodes: 1, ..RunSettings::of(&before) },
            "needs 2 nodes",
        ),
    ];
    for (what, settings, words) in cases {
        app.apply_settings(&settings);
        assert!(app.notice.starts_with("Could not change the settings"), "{what}: {}", app.notice);
        assert!(app.notice.contains(words), "{what}: {}", app.notice);
        assert_eq!(app.sim.scenario(), &before, "{what}");
    }
    let two_pc = RunSettings { protocol: "two-phase-commit".into(), nodes: 4, ..RunSettings::of(&before) };
    app.apply_settings(&two_pc);
    assert_eq!(app.sim.scenario().protocol.name(), "two-phase-commit", "{}", app.notice);
    assert_eq!(app.sim.node_count(), 4);
}

/// Run the history's check to its verdict (the page gives it slices).
fn checked(app: &mut App) {
    let mut clock = 0.0;
    let mut now_ms = move || {
        clock += 0.5;
        clock
    };
    for _ in 0..10_000 {
        app.check_history(&mut now_ms, 50.0);
        if !app.check.is_working() {
            return;
        }
    }
    panic!("the check did not finish");
}

#[wasm_bindgen_test]
fn a_failing_verdict_is_linked_to_its_operations_messages_and_faults_in_the_diagram() {
    let text = include_str!("../../static/scenarios/stale-read.json");
    let mut app = App::new(faultline_scenario::from_json(text).unwrap(), Some("stale-read".into()));
    app.sim.run_to_end();
    checked(&mut app);
    let Some(faultline_check::Verdict::NotLinearizable(explanation)) = app.check.verdict() else {
        panic!("the stale read is not linearizable: {:?}", app.check.state)
    };
    let minimal = explanation.minimal.clone();
    let highlight = app.verdict_highlight();
    assert_eq!(highlight.operations.iter().copied().collect::<Vec<_>>(), minimal);
    assert!(!highlight.messages.is_empty(), "their requests and replies");
    assert!(!highlight.steps.is_empty(), "the faults while they ran: {:?}", app.sim.scenario().actions);
    let mut index = faultline_web::diagram::DiagramIndex::default();
    index.follow(app.sim.trace());
    let mut view = app.diagram_view_for(1200.0);
    view.from_tick = 0.0;
    view.px_per_tick = 1200.0 / app.view_tick.max(app.sim.now_tick() as f64).max(1.0);
    let svg = faultline_web::diagram::diagram_svg(&index, app.sim.as_ref(), &view);
    for operation in &minimal {
        assert!(svg.contains(&format!(r#"data-key="o{operation}""#)), "operation {operation} is drawn");
    }
    assert!(svg.matches(" hl").count() > minimal.len(), "highlighted in the diagram");
    app.show_points = true;
    let explanation_html = faultline_web::render::verdict_explanation_html(&app);
    assert!(explanation_html.contains("No linearization points to draw"), "{explanation_html}");
}

#[wasm_bindgen_test]
fn what_pointed_into_a_run_is_let_go_when_the_run_is_rebuilt() {
    let mut app = app_for_fragment("");
    played(&mut app, 20);
    click(&mut app, 4);
    let settings = RunSettings { nodes: 3, ..RunSettings::of(app.sim.scenario()) };
    app.apply_settings(&settings);
    assert_eq!(app.selected_node, None, "n4 is gone");
    assert_eq!(app.menu, None);
    // Keys on a node that is not there do no harm.
    app.node_command(NodeId(4), NodeCommand::IsolateOrReconnect);
    assert!(!app.is_isolated(NodeId(4)));
    let _ = faultline_web::render::cluster_svg(&app);
    let _ = faultline_web::render::menu_html(&app);
}

#[wasm_bindgen_test]
fn undo_and_reset_keep_count_of_the_persons_actions() {
    let mut app = app_for_fragment("");
    played(&mut app, 40);
    app.node_command(NodeId(1), NodeCommand::CrashOrRestart);
    app.node_command(NodeId(2), NodeCommand::CrashOrRestart);
    assert_eq!(app.user_actions, 2);
    app.reset();
    assert_eq!(app.user_actions, 0);
    app.undo();
    assert_eq!(app.user_actions, 2, "undoing the reset brings both actions back");
    app.undo();
    assert_eq!(app.user_actions, 1);
    app.redo();
    assert_eq!(app.user_actions, 2);
}

#[wasm_bindgen_test]
fn acting_after_the_run_ended_says_so_and_records_nothing() {
    let mut scenario = app_for_fragment("").sim.scenario().clone();
    scenario.limits.steps_max = 300;
    let mut app = App::new(scenario, None);
    app.sim.run_to_end();
    app.view_tick = app.sim.now_tick() as f64;
    let actions = app.sim.scenario().actions.len();
    app.node_command(NodeId(1), NodeCommand::CrashOrRestart);
    assert!(app.notice.contains("the run has ended"), "{}", app.notice);
    assert_eq!(app.sim.scenario().actions.len(), actions);
    assert_eq!(app.user_actions, 0);
}

#[wasm_bindgen_test]
fn a_held_in_flight_list_holds_at_most_the_rows_it_showed() {
    let mut app = app_for_fragment("");
    played(&mut app, 60);
    app.hold_events(true);
    let held = app.held_events.as_ref().map(|rows| rows.len()).unwrap_or(0);
    assert!(held > 0 && held <= faultline_web::render::EVENT_ROWS_MAX);
    played(&mut app, 600);
    assert_eq!(app.held_events.as_ref().map(|rows| rows.len()), Some(held), "a long hold holds no more");
    let html = faultline_web::render::events_html(&app);
    assert!(html.matches("class=\"event gone").count() <= held);
    app.hold_events(false);
    assert!(!faultline_web::render::events_html(&app).contains("event gone"));
}

#[wasm_bindgen_test]
fn a_notice_goes_once_the_run_has_played_on_past_it() {
    let mut app = app_for_fragment("");
    played(&mut app, 30);
    app.node_command(NodeId(1), NodeCommand::CrashOrRestart);
    assert!(app.notice.starts_with("crash n1"), "{}", app.notice);
    app.playing = true;
    played(&mut app, 60);
    assert!(!app.notice.is_empty(), "still fresh");
    // 300 ticks at 50 ticks/s is 6 s of frames.
    played(&mut app, 400);
    assert_eq!(app.notice, "", "stale after the run played on");
}

#[wasm_bindgen_test]
fn a_glyph_takes_the_ink_that_stands_out_on_its_colour() {
    use faultline_web::render::glyph_ink_on;
    let cases = [
        ("#3867d6", Some("#ffffff")), // AppendEntries' blue: white reads (5.0:1)
        ("#d9822b", Some("#1d2430")), // RequestVote's orange: white was 2.9:1
        ("#6c8ebf", Some("#1d2430")), // AppendReply's blue-grey: white was 3.4:1
        ("#000000", Some("#ffffff")),
        ("#ffffff", Some("#1d2430")),
        ("var(--peer)", None),
        ("#abc", None),
    ];
    for (colour, ink) in cases {
        assert_eq!(glyph_ink_on(colour), ink, "{colour}");
    }
}

#[wasm_bindgen_test]
fn a_message_that_has_arrived_cannot_be_dropped_and_nothing_is_recorded() {
    let mut app = app_for_fragment("");
    played(&mut app, 60);
    let gone = faultline_scenario::MessageId(0); // the first message: long delivered
    assert!(!app.sim.messages_in_flight().iter().any(|m| m.id == gone));
    let (actions, faults) = (app.sim.scenario().actions.len(), app.sim.stats().faults_applied);
    app.act(Action::DropMessage { message: gone });
    assert_eq!(app.notice, "Could not drop m0: m0 is no longer in flight.");
    assert_eq!(app.sim.scenario().actions.len(), actions);
    assert_eq!(app.sim.stats().faults_applied, faults);
}
