#![cfg(target_arch = "wasm32")]
//! The stage's rules, table by table: which nodes form islands, what a drop
//! means, which one action a regrouping records, which links a stroke cuts.

use faultline_collections::VecSet;
use faultline_scenario::{Action, Link, NodeId};
use faultline_web::stage::{
    drop_target, islands_of, layout, links_crossed, regroup, regroup_action, segments_cross, DropTarget,
};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn nodes(ids: &[u32]) -> Vec<NodeId> {
    ids.iter().map(|&id| NodeId(id)).collect()
}

fn groups(islands: &[&[u32]]) -> Vec<Vec<NodeId>> {
    islands.iter().map(|island| nodes(island)).collect()
}

/// Directed cut links, written (from, to).
fn cuts(pairs: &[(u32, u32)]) -> VecSet<(NodeId, NodeId)> {
    pairs.iter().map(|&(a, b)| (NodeId(a), NodeId(b))).collect()
}

/// Every link between `island` and the other nodes of `count`, both ways.
fn cut_off(island: &[u32], count: u32) -> Vec<(u32, u32)> {
    let outside: Vec<u32> = (0..count).filter(|n| !island.contains(n)).collect();
    island.iter().flat_map(|&a| outside.iter().flat_map(move |&b| [(a, b), (b, a)])).collect()
}

#[wasm_bindgen_test]
fn islands_are_the_nodes_that_reach_each_other_in_some_direction() {
    type Islands = Vec<Vec<NodeId>>;
    type Cuts = Vec<(u32, u32)>;
    let cases: Vec<(&str, u32, Cuts, Islands)> = vec![
        ("nothing cut", 3, vec![], groups(&[&[0, 1, 2]])),
        ("one node cut off", 3, cut_off(&[1], 3), groups(&[&[0, 2], &[1]])),
        ("two groups", 5, cut_off(&[0, 1], 5), groups(&[&[0, 1], &[2, 3, 4]])),
        ("one direction still works", 2, vec![(0, 1)], groups(&[&[0, 1]])),
        ("a single link cut both ways, others work", 3, vec![(0, 1), (1, 0)], groups(&[&[0, 1, 2]])),
        (
            "everyone alone",
            3,
            cut_off(&[0], 3).into_iter().chain(cut_off(&[1], 3)).collect(),
            groups(&[&[0], &[1], &[2]]),
        ),
    ];
    for (what, count, cut, expected) in cases {
        assert_eq!(islands_of(count, &cuts(&cut)), expected, "{what}");
    }
}

#[wasm_bindgen_test]
fn a_regrouping_is_recorded_as_the_plainest_action() {
    let n = NodeId;
    type Islands = Vec<Vec<NodeId>>;
    let cases: Vec<(&str, Islands, u32, DropTarget, Option<Action>)> = vec![
        ("dropped where it stood", groups(&[&[0, 1, 2]]), 1, DropTarget::Stay, None),
        ("away from everyone", groups(&[&[0, 1, 2]]), 1, DropTarget::Alone, Some(Action::Isolate { node: n(1) })),
        (
            "back among the others",
            groups(&[&[0, 2], &[1]]),
            1,
            DropTarget::Join(0),
            Some(Action::Reconnect { node: n(1) }),
        ),
        (
            "beside an isolated node",
            groups(&[&[0], &[1, 2, 3, 4]]),
            1,
            DropTarget::Join(0),
            Some(Action::Partition { islands: groups(&[&[0, 1], &[2, 3, 4]]) }),
        ),
        (
            // Isolating n1 gives exactly these islands: the plainer action.
            "out of a group of two",
            groups(&[&[0, 1], &[2, 3]]),
            1,
            DropTarget::Alone,
            Some(Action::Isolate { node: NodeId(1) }),
        ),
        (
            "from one group of two into another",
            groups(&[&[0, 1], &[2, 3]]),
            1,
            DropTarget::Join(1),
            Some(Action::Partition { islands: groups(&[&[0], &[1, 2, 3]]) }),
        ),
        ("alone, dropped alone again", groups(&[&[0, 2], &[1]]), 1, DropTarget::Stay, None),
    ];
    for (what, before, node, target, expected) in cases {
        let after = regroup(&before, NodeId(node), target);
        assert_eq!(regroup_action(&before, &after, NodeId(node), &cuts_between(&before)), expected, "{what}");
    }
}

/// Every link between different islands, cut both ways.
fn cuts_between(islands: &[Vec<NodeId>]) -> VecSet<(NodeId, NodeId)> {
    let island_of = |node: NodeId| islands.iter().position(|island| island.contains(&node));
    let nodes: Vec<NodeId> = islands.iter().flatten().copied().collect();
    let mut cut = VecSet::new();
    for &a in &nodes {
        for &b in &nodes {
            if island_of(a) != island_of(b) {
                cut.insert((a, b));
            }
        }
    }
    cut
}

#[wasm_bindgen_test]
fn a_drag_records_isolate_only_when_isolating_gives_the_islands_asked_for() {
    // n2 is the only bridge between {n0, n1} and {n3, n4}: isolating it
    // would leave three islands, not the two the drag asked for.
    let n = NodeId;
    let bridge_cut = cuts(&cut_off_both(&[(0, 3), (0, 4), (1, 3), (1, 4)]));
    let before = islands_of(5, &bridge_cut);
    assert_eq!(before, groups(&[&[0, 1, 2, 3, 4]]));
    let after = regroup(&before, n(2), DropTarget::Alone);
    let action = regroup_action(&before, &after, n(2), &bridge_cut);
    assert_eq!(action, Some(Action::Partition { islands: groups(&[&[0, 1, 3, 4], &[2]]) }));
    // With nothing else cut, the same drag is an isolation.
    let plain = regroup(&groups(&[&[0, 1, 2, 3, 4]]), n(2), DropTarget::Alone);
    assert_eq!(
        regroup_action(&groups(&[&[0, 1, 2, 3, 4]]), &plain, n(2), &VecSet::new()),
        Some(Action::Isolate { node: n(2) })
    );
}

/// Links cut both ways, written (a, b).
fn cut_off_both(links: &[(u32, u32)]) -> Vec<(u32, u32)> {
    links.iter().flat_map(|&(a, b)| [(a, b), (b, a)]).collect()
}

#[wasm_bindgen_test]
fn a_drop_joins_the_island_of_the_node_it_lands_near() {
    let islands = groups(&[&[0, 1, 2], &[3]]);
    let stage = layout(&islands, 4);
    let n3 = stage.nodes[3];
    let n0 = stage.nodes[0];
    assert_eq!(drop_target(&islands, &stage, NodeId(0), (n3.0 + 30.0, n3.1)), DropTarget::Join(1));
    assert_eq!(drop_target(&islands, &stage, NodeId(0), (n0.0 + 20.0, n0.1)), DropTarget::Stay, "a nudge");
    assert_eq!(drop_target(&islands, &stage, NodeId(3), (n3.0 + 200.0, n3.1)), DropTarget::Stay, "alone already");
}

#[wasm_bindgen_test]
fn islands_do_not_overlap_and_stay_on_the_stage() {
    for (count, island_sets) in [
        (5, groups(&[&[0, 1], &[2, 3, 4]])),
        (9, groups(&[&[0, 1, 2, 3], &[4, 5, 6, 7, 8]])),
        (5, groups(&[&[0], &[1], &[2], &[3], &[4]])),
    ] {
        let stage = layout(&island_sets, count);
        for (index, a) in stage.islands.iter().enumerate() {
            let (x, y) = a.centre;
            assert!(x - a.radius_x >= 0.0 && x + a.radius_x <= 640.0 && y - a.radius_y >= 0.0, "{count}: {a:?}");
            assert!(y + a.radius_y <= 470.0, "{count}: {a:?} reaches the clients' row");
            for b in &stage.islands[index + 1..] {
                // Apart in x or in y, by their half widths or half heights.
                let apart_x = (a.centre.0 - b.centre.0).abs() >= a.radius_x + b.radius_x - 1.0;
                let apart_y = (a.centre.1 - b.centre.1).abs() >= a.radius_y + b.radius_y - 1.0;
                assert!(apart_x || apart_y, "{count} nodes: {a:?} overlaps {b:?}");
            }
        }
    }
}

#[wasm_bindgen_test]
fn segments_cross_only_when_they_properly_intersect() {
    let cases = [
        ("an X", ((0.0, 0.0), (10.0, 10.0)), ((0.0, 10.0), (10.0, 0.0)), true),
        ("parallel", ((0.0, 0.0), (10.0, 0.0)), ((0.0, 5.0), (10.0, 5.0)), false),
        ("short of it", ((0.0, 0.0), (4.0, 4.0)), ((0.0, 10.0), (10.0, 0.0)), false),
        ("touching at an end", ((0.0, 0.0), (5.0, 5.0)), ((5.0, 5.0), (10.0, 0.0)), false),
    ];
    for (what, (p1, p2), (q1, q2), expected) in cases {
        assert_eq!(segments_cross(p1, p2, q1, q2), expected, "{what}");
    }
}

#[wasm_bindgen_test]
fn a_stroke_cuts_the_working_links_it_crosses() {
    let islands = groups(&[&[0, 1, 2, 3]]);
    let stage = layout(&islands, 4);
    // Four nodes on a ring: n0 top, n1 right, n2 bottom, n3 left. A
    // vertical stroke just right of the centre crosses n0–n1, n1–n2 and n1–n3.
    let x = stage.nodes[0].0 + 10.0;
    let stroke = ((x, 0.0), (x, 500.0));
    let crossed = links_crossed(&stage, &VecSet::new(), stroke.0, stroke.1);
    let n = NodeId;
    assert_eq!(crossed, vec![Link(n(0), n(1)), Link(n(1), n(2)), Link(n(1), n(3))]);
    let already_cut = cuts(&[(1, 3), (3, 1)]);
    let crossed = links_crossed(&stage, &already_cut, stroke.0, stroke.1);
    assert_eq!(crossed, vec![Link(n(0), n(1)), Link(n(1), n(2))], "a link already cut is left out");
}

#[wasm_bindgen_test]
fn a_node_is_isolated_when_it_is_alone_on_its_island() {
    use faultline_web::stage::isolated;
    assert_eq!(isolated(&groups(&[&[0, 1, 2]]), 3), vec![false, false, false]);
    assert_eq!(isolated(&groups(&[&[0, 2], &[1]]), 3), vec![false, true, false]);
    assert_eq!(isolated(&groups(&[&[0], &[1], &[2]]), 3), vec![true, true, true]);
    assert_eq!(isolated(&groups(&[&[0]]), 1), vec![false], "a cluster of one is not isolated");
    // One direction still working keeps the nodes on one island.
    let one_way = islands_of(2, &cuts(&[(0, 1)]));
    assert_eq!(isolated(&one_way, 2), vec![false, false]);
}
