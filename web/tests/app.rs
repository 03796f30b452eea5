#![cfg(target_arch = "wasm32")]
//! The page's behaviour, driven through `App` in the browser: clicks crash
//! and restart, drags isolate and reconnect, share fragments reproduce the
//! run, bad links give a readable notice.

use faultline_scenario::NodeId;
use faultline_sim::NodeStatus;
use faultline_web::app::{home_position, App};
use faultline_web::page::{app_for_fragment, share_fragment};
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

#[wasm_bindgen_test]
fn clicking_a_node_crashes_it_and_clicking_again_restarts_it() {
    let mut app = app_for_fragment("");
    played(&mut app, 30);
    let at = home_position(NodeId(1), app.sim.scenario().protocol.node_count());
    app.pointer_down_node(NodeId(1), at);
    app.pointer_up();
    assert_eq!(status(&app, 1), NodeStatus::Crashed, "{}", app.notice);
    played(&mut app, 10);
    app.pointer_down_node(NodeId(1), at);
    app.pointer_up();
    assert_eq!(status(&app, 1), NodeStatus::Up, "{}", app.notice);
}

#[wasm_bindgen_test]
fn dragging_a_node_away_isolates_it_and_back_reconnects_it() {
    let mut app = app_for_fragment("");
    played(&mut app, 10);
    let home = home_position(NodeId(2), app.sim.scenario().protocol.node_count());
    app.pointer_down_node(NodeId(2), home);
    app.pointer_move((home.0 + 60.0, home.1 + 60.0));
    app.pointer_move((home.0 + 150.0, home.1 + 120.0));
    app.pointer_up();
    assert!(app.is_isolated(NodeId(2)), "{}", app.notice);
    app.pointer_down_node(NodeId(2), (home.0 + 150.0, home.1 + 120.0));
    app.pointer_move((home.0 + 5.0, home.1 + 4.0));
    app.pointer_up();
    assert!(!app.is_isolated(NodeId(2)), "{}", app.notice);
    assert!(app.sim.cut_links().is_empty());
}

#[wasm_bindgen_test]
fn a_share_fragment_reproduces_the_run_and_its_position() {
    let mut app = app_for_fragment("");
    played(&mut app, 40);
    app.click_node(NodeId(0));
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
