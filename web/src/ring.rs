//! The quorum store's ring, drawn: each member's points (virtual nodes) on
//! a circle, each key a dot at its hash, coloured by the first of its
//! replicas (the next member clockwise), and the keys whose replicas
//! changed at the last join or leave before the current moment, marked
//! (they pulse once) and counted. Drawn from the scenario's ring settings
//! and the members at the current position, with the partitioning library:
//! the one panel that names a protocol's parameters, as the CRDT request
//! form does.

use crate::app::App;
use faultline_protocols::partitioning::{hash64, Ring};
use faultline_protocols::quorum_kv::key_name;
use faultline_scenario::{Action, NodeId, ProtocolSpec};
use faultline_sim::NodeStatus;
use std::fmt::Write as _;

/// The ring's radius and centre in the drawing's units.
const RADIUS: f64 = 120.0;
const CENTRE: f64 = 170.0;
/// Most keys drawn (and listed): the rest are said.
pub const KEYS_DRAWN_MAX: u32 = 64;

/// A member's colour: the same hue for its points, its keys and its chip.
fn member_colour(node: u32) -> String {
    format!("hsl({} 60% 45%)", (node * 67 + 200) % 360)
}

/// A hash's point on the circle, `radius` from the centre (0 at the top,
/// clockwise).
fn point(hash: u64, radius: f64) -> (f64, f64) {
    let turn = hash as f64 / u64::MAX as f64 * std::f64::consts::TAU;
    (CENTRE + radius * turn.sin(), CENTRE - radius * turn.cos())
}

/// The last join or leave at or before the current moment: the node,
/// whether it joined, and the tick. Found among the scenario's actions
/// (a handful), not by reading the trace every frame: a join added the
/// newest node there is now; a leave took effect when its node is gone
/// now and no earlier leave named it (a removal is for good). A refused
/// join (at the node limit) or leave (of the last node) is passed over.
fn last_change(app: &App) -> Option<(NodeId, bool, u64)> {
    let actions = &app.sim.scenario().actions;
    let nodes = app.sim.nodes();
    let initial = app.sim.scenario().protocol.node_count() as usize;
    let now = app.sim.now_tick();
    let applied = actions.iter().take_while(|timed| timed.at_tick <= now).count();
    let joins_before = |at: usize| actions[..at].iter().filter(|t| matches!(t.action, Action::AddNode)).count();
    actions[..applied].iter().enumerate().rev().find_map(|(at, timed)| match timed.action {
        Action::AddNode => {
            let joined = initial + joins_before(at);
            (joined < nodes.len()).then_some((NodeId(joined as u32), true, timed.at_tick))
        }
        Action::RemoveNode { node } => {
            let gone = nodes.get(node.0 as usize).is_some_and(|report| report.status == NodeStatus::Removed);
            let named_before =
                actions[..at].iter().any(|t| matches!(t.action, Action::RemoveNode { node: n } if n == node));
            (gone && !named_before).then_some((node, false, timed.at_tick))
        }
        _ => None,
    })
}

/// The members now: every numbered node that has not left.
fn members(app: &App) -> Vec<u32> {
    app.sim.nodes().iter().enumerate().filter(|(_, r)| r.status != NodeStatus::Removed).map(|(n, _)| n as u32).collect()
}

/// The ring panel's markup, or `None` when the run's protocol keeps no ring.
pub fn ring_html(app: &App) -> Option<String> {
    let ProtocolSpec::QuorumKv(spec) = &app.sim.scenario().protocol else { return None };
    let members = members(app);
    let ring = Ring::of_members(&members, spec.virtual_nodes).ok()?;
    let replicas = spec.replicas as usize;
    let keys = app.sim.scenario().workload.keys.min(KEYS_DRAWN_MAX);
    let change = last_change(app);
    let before = change.and_then(|(node, joined, _)| {
        let mut earlier: Vec<u32> = members.iter().copied().filter(|&m| m != node.0).collect();
        if !joined {
            earlier.push(node.0);
            earlier.sort_unstable();
        }
        Ring::of_members(&earlier, spec.virtual_nodes).ok()
    });
    let lists: Vec<Vec<u32>> = (0..keys).map(|k| ring.preference_list(&key_name(k), replicas)).collect();
    let moved: Vec<bool> = (0..keys)
        .map(|k| before.as_ref().is_some_and(|b| b.preference_list(&key_name(k), replicas) != lists[k as usize]))
        .collect();
    let mut svg = format!(
        r#"<svg class="ring" viewBox="0 0 340 340" role="img" aria-label="The ring: {} members with {} points each, {keys} keys"><circle cx="{CENTRE}" cy="{CENTRE}" r="{RADIUS}" class="ring-circle"/>"#,
        members.len(),
        spec.virtual_nodes
    );
    for &(hash, member) in ring.points() {
        let (x1, y1) = point(hash, RADIUS - 6.0);
        let (x2, y2) = point(hash, RADIUS + 6.0);
        let _ = write!(
            svg,
            r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{}" class="vnode"/>"#,
            member_colour(member)
        );
    }
    for k in 0..keys {
        let hash = hash64(key_name(k).as_bytes());
        let (x, y) = point(hash, RADIUS - 22.0);
        let (lx, ly) = point(hash, RADIUS - 40.0);
        let owner = lists[k as usize][0];
        let class = if moved[k as usize] { "key moved" } else { "key" };
        let _ = write!(
            svg,
            r#"<g class="{class}" data-key="k{k}"><circle cx="{x:.1}" cy="{y:.1}" r="6" fill="{}"><title>k{k}: replicas {}</title></circle><text x="{lx:.1}" y="{ly:.1}">k{k}</text></g>"#,
            member_colour(owner),
            nodes_label(&lists[k as usize])
        );
    }
    svg.push_str("</svg>");
    let mut html = format!(r#"<div class="ring-box">{svg}<div class="ring-side">"#);
    html.push_str(&change_sentence(change, &moved, &lists, app.sim.scenario().workload.keys));
    html.push_str(r#"<ul class="ring-members">"#);
    for &member in &members {
        let _ = write!(
            html,
            r#"<li><span class="chip" style="background:{}"></span>n{member}</li>"#,
            member_colour(member)
        );
    }
    html.push_str(r#"</ul><table class="ring-keys"><tr><th>key</th><th>replicas</th></tr>"#);
    for k in 0..keys {
        let class = if moved[k as usize] { r#" class="moved""# } else { "" };
        let _ = write!(html, r#"<tr{class}><td>k{k}</td><td>{}</td></tr>"#, nodes_label(&lists[k as usize]));
    }
    html.push_str("</table></div></div>");
    Some(html)
}

/// What the last change of membership did: "n5 joined at tick 400: 3 of 8
/// keys changed replicas".
fn change_sentence(change: Option<(NodeId, bool, u64)>, moved: &[bool], lists: &[Vec<u32>], keys: u32) -> String {
    let drawn =
        if keys > KEYS_DRAWN_MAX { format!(" (the first {KEYS_DRAWN_MAX} of {keys} drawn)") } else { String::new() };
    let Some((node, joined, tick)) = change else {
        return format!(
            r#"<p class="ring-change" data-moved="0">No node has joined or left yet{drawn}. Add one (<kbd>N</kbd>) or remove one from its menu to see which keys move.</p>"#
        );
    };
    let count = moved.iter().filter(|&&m| m).count();
    let verb = if joined { "joined" } else { "left" };
    let gained = |k: usize| lists[k].contains(&node.0);
    let detail = match (joined, count) {
        (_, 0) => String::new(),
        (true, _) => {
            let onto = (0..moved.len()).filter(|&k| moved[k] && gained(k)).count();
            format!(", {onto} of them now on {node}")
        }
        (false, _) => ", each to the next node clockwise".to_string(),
    };
    format!(
        r#"<p class="ring-change" data-moved="{count}">{node} {verb} at tick {tick}: <strong>{count} of {} keys</strong> changed replicas{detail}{drawn}.</p>"#,
        moved.len()
    )
}

fn nodes_label(nodes: &[u32]) -> String {
    nodes.iter().map(|n| format!("n{n}")).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(stem: &str) -> App {
        let text = crate::builtin::compiled_text(stem).unwrap();
        App::new(faultline_scenario::from_json(text).unwrap(), Some(stem.to_string()))
    }

    #[test]
    fn a_join_is_counted_and_its_keys_marked_once_the_run_is_past_it() {
        let mut app = app("quorum-add-node");
        assert!(ring_html(&app).unwrap().contains("No node has joined or left yet"));
        app.sim.run_until_tick(600);
        let html = ring_html(&app).unwrap();
        let moved = html.matches(r#"class="key moved""#).count();
        assert!(moved > 0, "{html}");
        assert!(
            html.contains(&format!("n5 joined at tick 400: <strong>{moved} of 8 keys</strong> changed replicas")),
            "{html}"
        );
        // Every member's points are drawn: six members, eight points each.
        assert_eq!(html.matches(r#"class="vnode""#).count(), 6 * 8);
        // Back before the join, nothing is marked.
        app.seek_tick(100.0);
        assert_eq!(ring_html(&app).unwrap().matches("key moved").count(), 0);
    }

    #[test]
    fn only_a_protocol_with_a_ring_gets_the_panel() {
        assert!(ring_html(&app("raft")).is_none());
    }
}
