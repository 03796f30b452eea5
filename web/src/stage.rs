//! The stage: where the nodes stand, and what a drag or a stroke on it
//! means for the network.
//!
//! Nodes that can reach each other stand together on an island. The
//! islands come from the network itself (the cut links), so a partition in
//! a scenario, one made by hand and one seen while scrubbing back all look
//! the same. With one island the nodes stand on a ring; with several, each
//! island is a small ring of its own, drawn as a shaded region.
//!
//! A drag regroups: a node dropped near a node of another island joins that
//! island, one dropped far from the rest of its own island makes a new one.
//! The regrouping is recorded as one action, the plainest that says it
//! (`isolate`, `reconnect`, or a `partition` with the islands the user made).

use crate::app::geometry;
use faultline_collections::VecSet;
use faultline_scenario::{Action, Link, NodeId};

/// A node dropped within this distance of a node of another island joins it.
pub const JOIN_DISTANCE: f64 = 100.0;
/// A node dropped within this distance of where it stood stays put.
pub const STAY_DISTANCE: f64 = 80.0;
/// Room between an island's nodes and its drawn edge (tags above a node,
/// its log strip below).
const ISLAND_MARGIN: f64 = 22.0;
/// How far apart the centres of several islands stand from the stage's centre.
const ISLANDS_RING_RADIUS: f64 = 165.0;

/// The groups of nodes that can reach each other: the connected parts of
/// the graph whose edges are the links working in at least one direction.
/// Each island's members are in order, and the islands by their first.
pub fn islands_of(node_count: u32, cut_links: &VecSet<(NodeId, NodeId)>) -> Vec<Vec<NodeId>> {
    let mut island_of: Vec<usize> = (0..node_count as usize).collect();
    fn root(island_of: &mut [usize], node: usize) -> usize {
        let mut at = node;
        while island_of[at] != at {
            island_of[at] = island_of[island_of[at]];
            at = island_of[at];
        }
        at
    }
    for a in 0..node_count {
        for b in (a + 1)..node_count {
            let (na, nb) = (NodeId(a), NodeId(b));
            if !cut_links.contains(&(na, nb)) || !cut_links.contains(&(nb, na)) {
                let (ra, rb) = (root(&mut island_of, a as usize), root(&mut island_of, b as usize));
                island_of[ra.max(rb)] = ra.min(rb);
            }
        }
    }
    let mut islands: Vec<Vec<NodeId>> = Vec::new();
    let mut index_of_root = vec![usize::MAX; node_count as usize];
    for node in 0..node_count as usize {
        let r = root(&mut island_of, node);
        if index_of_root[r] == usize::MAX {
            index_of_root[r] = islands.len();
            islands.push(Vec::new());
        }
        islands[index_of_root[r]].push(NodeId(node as u32));
    }
    islands
}

/// For each node, whether it is isolated: alone on its island while there
/// are others (islands join nodes linked in either direction, so a node
/// alone has every link to and from it cut).
pub fn isolated(islands: &[Vec<NodeId>], node_count: u32) -> Vec<bool> {
    let mut isolated = vec![false; node_count as usize];
    if node_count > 1 {
        for island in islands.iter().filter(|island| island.len() == 1) {
            if let Some(slot) = isolated.get_mut(island[0].0 as usize) {
                *slot = true;
            }
        }
    }
    isolated
}

/// An island as drawn: an ellipse around its nodes, taller than wide (a
/// node's tags stand above it and its log below: nodes one above the other
/// need more room than side by side).
#[derive(Clone, Debug, PartialEq)]
pub struct IslandShape {
    pub members: Vec<NodeId>,
    pub centre: (f64, f64),
    pub radius_x: f64,
    pub radius_y: f64,
}

/// How much taller than wide an island's ring is.
const ISLAND_STRETCH_Y: f64 = 1.5;

/// Where every node stands, and the islands' shapes (none when the whole
/// cluster is one island).
#[derive(Clone, Debug, PartialEq)]
pub struct StageLayout {
    pub nodes: Vec<(f64, f64)>,
    pub islands: Vec<IslandShape>,
}

/// The radius of the ring an island's `size` nodes stand on: neighbours
/// 3.4 node radii apart, room for the log strips under two side by side.
fn island_ring_radius(size: usize) -> f64 {
    match size {
        0 | 1 => 0.0,
        2 => geometry::NODE_RADIUS * 1.6,
        n => (geometry::NODE_RADIUS * 1.7 / (std::f64::consts::PI / n as f64).sin()).max(geometry::NODE_RADIUS * 1.6),
    }
}

/// A point on a circle, clockwise from the top.
pub fn on_circle(centre: (f64, f64), radius: f64, index: usize, count: usize) -> (f64, f64) {
    let angle = std::f64::consts::TAU * index as f64 / count.max(1) as f64 - std::f64::consts::FRAC_PI_2;
    (centre.0 + radius * angle.cos(), centre.1 + radius * angle.sin())
}

/// Where the nodes stand for these islands.
pub fn layout(islands: &[Vec<NodeId>], node_count: u32) -> StageLayout {
    let centre = (geometry::CENTER_X, geometry::CENTER_Y);
    let mut nodes = vec![centre; node_count as usize];
    if islands.len() <= 1 {
        for (index, position) in nodes.iter_mut().enumerate() {
            *position = on_circle(centre, geometry::RING_RADIUS, index, node_count as usize);
        }
        return StageLayout { nodes, islands: Vec::new() };
    }
    let shapes: Vec<IslandShape> = islands
        .iter()
        .enumerate()
        .map(|(index, members)| {
            let ring = island_ring_radius(members.len());
            let radius_x = ring + geometry::NODE_RADIUS + ISLAND_MARGIN;
            let radius_y = ring * ISLAND_STRETCH_Y + geometry::NODE_RADIUS + ISLAND_MARGIN;
            // The first island on the left, the others clockwise from it.
            let angle = std::f64::consts::PI + std::f64::consts::TAU * index as f64 / islands.len() as f64;
            let wanted = (centre.0 + ISLANDS_RING_RADIUS * angle.cos(), centre.1 + ISLANDS_RING_RADIUS * angle.sin());
            let centre = inside_stage(wanted, radius_x, radius_y);
            IslandShape { members: members.clone(), centre, radius_x, radius_y }
        })
        .collect();
    for shape in &shapes {
        let ring = island_ring_radius(shape.members.len());
        for (index, node) in shape.members.iter().enumerate() {
            let (x, y) = on_circle((0.0, 0.0), ring, index, shape.members.len());
            nodes[node.0 as usize] = (shape.centre.0 + x, shape.centre.1 + y * ISLAND_STRETCH_Y);
        }
    }
    StageLayout { nodes, islands: shapes }
}

/// Move an island's centre so its ellipse stays on the stage, above the
/// clients.
fn inside_stage((x, y): (f64, f64), radius_x: f64, radius_y: f64) -> (f64, f64) {
    let bottom = geometry::CLIENT_ROW_Y - 20.0;
    let clamp = |value: f64, low: f64, high: f64| if low > high { (low + high) / 2.0 } else { value.clamp(low, high) };
    (clamp(x, radius_x, geometry::WIDTH - radius_x), clamp(y, radius_y, bottom - radius_y))
}

/// What dropping a dragged node at a point means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropTarget {
    /// Nothing changes.
    Stay,
    /// The node joins the island with this index.
    Join(usize),
    /// The node leaves its island and makes one of its own.
    Alone,
}

fn distance(a: (f64, f64), b: (f64, f64)) -> f64 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

/// Where a node dropped at `at` goes.
pub fn drop_target(islands: &[Vec<NodeId>], layout: &StageLayout, node: NodeId, at: (f64, f64)) -> DropTarget {
    let own = islands.iter().position(|island| island.contains(&node));
    if distance(at, layout.nodes[node.0 as usize]) <= STAY_DISTANCE {
        return DropTarget::Stay;
    }
    let nearest = (0..layout.nodes.len())
        .filter(|&other| other != node.0 as usize)
        .map(|other| (distance(at, layout.nodes[other]), other))
        .filter(|(d, _)| *d <= JOIN_DISTANCE)
        .min_by(|a, b| a.0.total_cmp(&b.0));
    match nearest {
        Some((_, other)) => {
            let target = islands.iter().position(|island| island.contains(&NodeId(other as u32)));
            match target {
                Some(target) if Some(target) != own => DropTarget::Join(target),
                _ => DropTarget::Stay,
            }
        }
        None if own.is_some_and(|own| islands[own].len() > 1) => DropTarget::Alone,
        None => DropTarget::Stay,
    }
}

/// The islands after `node` moved to `target`: in order, empty ones gone.
pub fn regroup(islands: &[Vec<NodeId>], node: NodeId, target: DropTarget) -> Vec<Vec<NodeId>> {
    let mut after: Vec<Vec<NodeId>> = islands.to_vec();
    // Out of its old island first; indexes stay, as empty islands stay
    // until the end.
    for island in &mut after {
        island.retain(|&member| member != node);
    }
    match target {
        DropTarget::Stay => return islands.to_vec(),
        DropTarget::Join(index) => after[index].push(node),
        DropTarget::Alone => after.push(vec![node]),
    }
    normalise(after)
}

fn normalise(mut islands: Vec<Vec<NodeId>>) -> Vec<Vec<NodeId>> {
    islands.retain(|island| !island.is_empty());
    // In order through sets rather than sorts (each sort is code the page
    // carries): an island's members are distinct, and so are the islands
    // (disjoint, none empty), so nothing is lost.
    let islands: VecSet<Vec<NodeId>> = islands
        .into_iter()
        .map(|island| island.into_iter().collect::<VecSet<NodeId>>().into_iter().collect())
        .collect();
    islands.into_iter().collect()
}

/// The one action that turns the network (`cut_links`, whose islands are
/// `before`) into the islands `after` when `node` moved: an isolation or a
/// reconnection when that is what it does, else a partition into exactly
/// those islands (which also repairs links cut one by one inside them: a
/// partition says what is cut, whole).
pub fn regroup_action(
    before: &[Vec<NodeId>],
    after: &[Vec<NodeId>],
    node: NodeId,
    cut_links: &VecSet<(NodeId, NodeId)>,
) -> Option<Action> {
    if before == after {
        return None;
    }
    let node_count = before.iter().map(Vec::len).sum::<usize>() as u32;
    let gives_after = |cut: VecSet<(NodeId, NodeId)>| islands_of(node_count, &cut) == after;
    let others = (0..node_count).map(NodeId).filter(|&other| other != node);
    let mut isolated = cut_links.clone();
    isolated.extend(others.flat_map(|other| [(node, other), (other, node)]));
    let mut reconnected = cut_links.clone();
    reconnected.retain(|&(a, b)| a != node && b != node);
    if gives_after(isolated) {
        Some(Action::Isolate { node })
    } else if gives_after(reconnected) {
        Some(Action::Reconnect { node })
    } else {
        Some(Action::Partition { islands: after.to_vec() })
    }
}

/// Whether segments p1–p2 and q1–q2 cross (touching at an end does not count).
pub fn segments_cross(p1: (f64, f64), p2: (f64, f64), q1: (f64, f64), q2: (f64, f64)) -> bool {
    let side = |a: (f64, f64), b: (f64, f64), c: (f64, f64)| (b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0);
    let (d1, d2) = (side(q1, q2, p1), side(q1, q2, p2));
    let (d3, d4) = (side(p1, p2, q1), side(p1, p2, q2));
    d1 * d2 < 0.0 && d3 * d4 < 0.0
}

/// The links a stroke from `from` to `to` crosses that still work in some
/// direction: a stroke across a link cuts it.
pub fn links_crossed(
    layout: &StageLayout,
    cut_links: &VecSet<(NodeId, NodeId)>,
    from: (f64, f64),
    to: (f64, f64),
) -> Vec<Link> {
    let count = layout.nodes.len() as u32;
    let mut crossed = Vec::new();
    for a in 0..count {
        for b in (a + 1)..count {
            let (na, nb) = (NodeId(a), NodeId(b));
            let fully_cut = cut_links.contains(&(na, nb)) && cut_links.contains(&(nb, na));
            if !fully_cut && segments_cross(from, to, layout.nodes[a as usize], layout.nodes[b as usize]) {
                crossed.push(Link(na, nb));
            }
        }
    }
    crossed
}
