//! Drawing: pure functions from the app's state to SVG and HTML text. The
//! cluster and the diagram are drawn every frame while the run plays (as
//! keyed items: the page parses only those that changed); the side panels
//! take turns.

use crate::app::{geometry, App, Gesture, Menu};
use crate::chronicle::{Entry, EntryKind};
use crate::live_check::{CheckState, LiveCheck};
use crate::stage::{IslandShape, StageLayout};
use faultline_check::Verdict;
use faultline_collections::{VecMap, VecSet};
use faultline_scenario::{ClientId, CrdtShape, CrdtType, MessageId, NodeId, ProtocolSpec};
use faultline_sim::{
    EnabledEvent, Endpoint, HistoryEntry, Legend, LogEntryView, MessageKindId, MessageView, NodeReport, NodeStatus,
    NodeView, OperationLook, Style,
};
use std::fmt::Write;

/// The most history rows the page lists (the newest); the count of the
/// rest is shown instead.
pub const HISTORY_ROWS_MAX: usize = 300;

/// The most in-flight messages the events panel lists.
pub const EVENT_ROWS_MAX: usize = 100;

/// Escape text for HTML and SVG: scenario names come from URLs.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Where each node is drawn, computed once per drawing: under the pointer
/// while dragged, where its island puts it otherwise.
struct Layout {
    nodes: Vec<(f64, f64)>,
    islands: Vec<IslandShape>,
    isolated: Vec<bool>,
    client_count: u32,
}

impl Layout {
    fn of(app: &App) -> Layout {
        let (groups, node_count) = (app.islands(), app.sim.node_count());
        let StageLayout { mut nodes, islands } = crate::stage::layout(&groups, node_count);
        if let Gesture::OnNode { node, at, moved: true, .. } = app.gesture {
            if let Some(slot) = nodes.get_mut(node.0 as usize) {
                *slot = inside_drawing(at);
            }
        }
        let isolated = crate::stage::isolated(&groups, node_count);
        Layout { nodes, islands, isolated, client_count: app.sim.scenario().workload.clients }
    }

    fn node(&self, node: NodeId) -> (f64, f64) {
        self.nodes[node.0 as usize]
    }

    fn endpoint(&self, endpoint: Endpoint) -> (f64, f64) {
        match endpoint {
            Endpoint::Node(n) => self.node(n),
            Endpoint::Client(c) => client_position(c, self.client_count),
        }
    }
}

/// Room under a node for its log strip and election countdown.
const NODE_EXTRAS_HEIGHT: f64 = 36.0;

/// Keep a node, with what is drawn under it, within the drawing and clear of
/// the clients' row.
fn inside_drawing((x, y): (f64, f64)) -> (f64, f64) {
    let margin = geometry::NODE_RADIUS + 4.0;
    (
        x.clamp(margin, geometry::WIDTH - margin),
        y.clamp(margin, geometry::CLIENT_ROW_Y - 16.0 - margin - NODE_EXTRAS_HEIGHT),
    )
}

pub fn client_position(client: ClientId, client_count: u32) -> (f64, f64) {
    let spacing = geometry::WIDTH / (client_count.max(1) as f64 + 1.0);
    (spacing * (client.0 as f64 + 1.0), geometry::CLIENT_ROW_Y)
}

/// The cluster's drawing, in three layers: the backdrop (islands, links,
/// clients, a stroke being drawn), the messages in flight and the nodes,
/// each message and node one keyed item (`dom::KeyedLayer`: only what
/// changed is parsed again).
pub struct ClusterDrawing {
    pub backdrop: String,
    pub messages: Vec<(String, String)>,
    pub nodes: Vec<(String, String)>,
}

impl ClusterDrawing {
    /// The whole inside of the cluster's `<svg>`, as one text.
    pub fn svg(&self) -> String {
        let items = |items: &[(String, String)]| items.iter().map(|(_, markup)| markup.as_str()).collect::<String>();
        format!(
            r#"<g id="cluster-backdrop">{}</g><g id="cluster-messages">{}</g><g id="cluster-nodes">{}</g>"#,
            self.backdrop,
            items(&self.messages),
            items(&self.nodes)
        )
    }
}

/// The inside of the cluster's `<svg>`, as one text (tests read it).
pub fn cluster_svg(app: &App) -> String {
    cluster_drawing(app).svg()
}

pub fn cluster_drawing(app: &App) -> ClusterDrawing {
    let layout = Layout::of(app);
    ClusterDrawing {
        backdrop: backdrop_svg(app, &layout),
        messages: message_items(app, &layout),
        nodes: node_items(app, &layout),
    }
}

fn backdrop_svg(app: &App, layout: &Layout) -> String {
    let clients = app.sim.scenario().workload.clients;
    let mut svg = String::with_capacity(4 * 1024);
    svg.push_str(&islands_svg(&layout.islands));
    svg.push_str(&links_svg(layout, app.sim.node_count(), &app.sim.cut_links()));
    if let Gesture::Stroke { start, at } = app.gesture {
        let _ = write!(
            svg,
            r#"<line class="stroke" data-key="stroke" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}"/>"#,
            start.0, start.1, at.0, at.1
        );
    }
    // Clients along the bottom.
    for c in 0..clients {
        let (x, y) = client_position(ClientId(c), clients);
        let _ = write!(
            svg,
            r#"<g class="client" data-key="c{c}" transform="translate({x:.1},{y:.1})"><rect x="-16" y="-12" width="32" height="24" rx="4"/><text dy="4">c{c}</text></g>"#
        );
    }
    svg
}

/// Messages in flight. Each moves by itself from sender to receiver over
/// its delay: an `animateTransform` on the drawing's own clock, in ticks
/// (the page sets the clock to the shown time, `setCurrentTime`), so a
/// message's markup does not change while it flies. Drawn under the
/// nodes: a message leaving or reaching a node sits on it, and a click on
/// the node must reach the node.
fn message_items(app: &App, layout: &Layout) -> Vec<(String, String)> {
    let legend = app.sim.legend();
    let mut items = Vec::new();
    for message in app.sim.messages_in_flight() {
        let (from, to) = (layout.endpoint(message.from), layout.endpoint(message.to));
        let span = (message.deliver_tick - message.sent_tick).max(1);
        let style = message_style(&legend, message.kind);
        let mut classes = format!("msg {}", message_class(message.kind));
        if message.doomed {
            classes.push_str(" doomed");
        }
        if app.selected_message == Some(message.id.0) {
            classes.push_str(" selected");
        }
        let fill = match style.map(|s| s.colour).filter(|c| !c.is_empty()) {
            Some(colour) if !message.doomed => format!(r#" style="fill:{colour}""#),
            _ => String::new(),
        };
        let glyph = match style.filter(|s| !s.glyph.is_empty()) {
            Some(style) if !message.doomed => {
                format!(r#"<text class="msg-glyph" y="3"{}>{}</text>"#, glyph_fill(style.colour), escape(style.glyph))
            }
            Some(style) => format!(r#"<text class="msg-glyph" y="3">{}</text>"#, escape(style.glyph)),
            None => String::new(),
        };
        let id = message.id.0;
        // With reduced motion a message does not glide: it waits half way.
        let (at, motion) = match app.reduced_motion {
            true => (((from.0 + to.0) / 2.0, (from.1 + to.1) / 2.0), String::new()),
            false => (
                from,
                format!(
                    r#"<animateTransform attributeName="transform" type="translate" from="{:.1} {:.1}" to="{:.1} {:.1}" begin="{}s" dur="{span}s" fill="freeze"/>"#,
                    from.0, from.1, to.0, to.1, message.sent_tick
                ),
            ),
        };
        let markup = format!(
            r#"<g class="msg-g" data-key="m{id}" data-msg="{id}" transform="translate({:.1},{:.1})">{motion}<circle class="{classes}" r="7"{fill}><title>{} {}→{}: {}</title></circle>{glyph}</g>"#,
            at.0,
            at.1,
            message.id,
            message.from,
            message.to,
            escape(&message.label),
        );
        items.push((format!("m{id}"), markup));
    }
    items
}

/// The nodes; those a broken rule names stand out.
fn node_items(app: &App, layout: &Layout) -> Vec<(String, String)> {
    let ended = app.sim.ended();
    let violating: &[NodeId] = ended.as_ref().and_then(|end| end.violation()).map_or(&[], |v| &v.nodes);
    app.sim
        .nodes()
        .iter()
        .map(|report| (format!("n{}", report.id.0), node_svg(app, layout, report, violating.contains(&report.id))))
        .collect()
}

fn node_svg(app: &App, layout: &Layout, report: &NodeReport, violating: bool) -> String {
    let (x, y) = layout.node(report.id);
    let status = match report.status {
        NodeStatus::Up if report.paused_until_tick.is_some() => "paused",
        NodeStatus::Up => "up",
        NodeStatus::Crashed => "crashed",
        NodeStatus::Stopped => "stopped",
        NodeStatus::Removed => "removed",
    };
    let view = report.view.as_ref();
    let role = view.map(|v| v.role.name).unwrap_or(match report.status {
        NodeStatus::Stopped => "crash-stopped",
        NodeStatus::Removed => "left",
        _ => "crashed",
    });
    let mut classes = format!("node {status}");
    if layout.isolated[report.id.0 as usize] {
        classes.push_str(" isolated");
    }
    if app.selected_node == Some(report.id) {
        classes.push_str(" selected");
    }
    if violating {
        classes.push_str(" violating");
    }
    if let Some(view) = view {
        classes.push(' ');
        classes.push_str(view.role.emphasis.class());
    }
    let n = report.id.0;
    // The node's colour from its own state (a Raft term: nodes that agree
    // look alike, a stale one stands out), else its role's.
    let ring = view.and_then(|v| v.colour.map(|c| c.css()).or_else(|| non_empty(v.role.colour)));
    let ring_style = ring.map(|colour| format!(r#" style="stroke:{colour}""#)).unwrap_or_default();
    let mut svg = format!(
        r#"<g class="{classes}" data-key="n{n}" data-node="{n}" data-role="{role}" transform="translate({x:.1},{y:.1})" role="button" tabindex="0" aria-label="n{n}, {status}, {role}: Enter opens its actions"><circle r="{r}"{ring_style}/><text class="name" dy="-2">n{n}</text><text class="role" dy="14">{role}</text>"#,
        r = geometry::NODE_RADIUS,
        role = escape(role),
    );
    if app.selected_node == Some(report.id) {
        // Outside the ring, dashed: a role's emphasis is the ring itself.
        let _ = write!(svg, r#"<circle class="selection" r="{}"/>"#, geometry::NODE_RADIUS + 7.0);
    }
    if let Some(view) = view {
        svg.push_str(&node_extras_svg(view, app.view_tick));
    }
    if matches!(report.status, NodeStatus::Crashed | NodeStatus::Stopped) {
        let d = geometry::NODE_RADIUS * 0.6;
        let _ = write!(svg, r#"<path class="cross" d="M{} {} L{d} {d} M{d} {} L{} {d}"/>"#, -d, -d, -d, -d);
    }
    svg.push_str("</g>");
    svg
}

/// The menu open beside a node, a link or a message, as HTML placed over
/// the drawing (in percent of it, so it follows the drawing's size).
pub fn menu_html(app: &App) -> String {
    let Some(menu) = app.menu else { return String::new() };
    let layout = Layout::of(app);
    let (at, title, buttons) = match menu {
        Menu::Node(node) if node.0 < app.sim.node_count() => {
            (layout.node(node), node_menu_title(app, node), node_menu_buttons(app, node))
        }
        Menu::Link { link, at } => (at, format!("Link {}–{}", link.0, link.1), link_menu_buttons(app, link)),
        Menu::Message(id) => match app.sim.messages_in_flight().into_iter().find(|m| m.id.0 == id) {
            Some(message) => (
                moving_message_position(app, &layout, &message),
                format!("{} {}→{} {}", message.id, message.from, message.to, escape(&message.label)),
                message_menu_buttons(id),
            ),
            None => return String::new(),
        },
        Menu::Node(_) => return String::new(),
    };
    // Beside the thing, on the side with room.
    let (left, top) = (at.0 / geometry::WIDTH * 100.0, at.1 / geometry::HEIGHT * 100.0);
    let side = if left > 55.0 { "to-left" } else { "to-right" };
    format!(
        r#"<div class="menu {side}" data-key="menu" role="group" aria-label="{title}" style="left:{left:.2}%;top:{top:.2}%"><p class="menu-title">{title}</p>{buttons}<button data-act="close">Close <kbd>Esc</kbd></button></div>"#
    )
}

fn node_menu_title(app: &App, node: NodeId) -> String {
    let role = app.sim.nodes().get(node.0 as usize).and_then(|r| r.view.as_ref().map(|v| v.role.name));
    match role {
        Some(role) => format!("{node} · {}", escape(role)),
        None => node.to_string(),
    }
}

/// A node's actions: the faults, then what its protocol lets a person do
/// (fire one of its timers now, send it a client request).
fn node_menu_buttons(app: &App, node: NodeId) -> String {
    let Some(report) = app.sim.nodes().into_iter().nth(node.0 as usize) else { return String::new() };
    let n = node.0;
    let mut html = String::new();
    if report.status == NodeStatus::Removed {
        // It left for good: nothing is left to do to it.
        return format!(r#"<p class="menu-note">{node} left the cluster.</p>"#);
    }
    let mut button = |act: &str, label: &str, key: &str, extra: &str| {
        let _ = write!(html, r#"<button data-act="{act}" data-node="{n}"{extra}>{label} <kbd>{key}</kbd></button>"#);
    };
    match report.status {
        NodeStatus::Up => {
            button("crash", "Crash", "C", "");
            button("crash-stop", "Crash-stop", "S", "");
            button("pause", "Pause 100 ticks", "P", "");
        }
        NodeStatus::Crashed => button("restart", "Restart", "C", ""),
        NodeStatus::Stopped | NodeStatus::Removed => {}
    }
    match app.is_isolated(node) {
        true => button("reconnect", "Reconnect", "I", ""),
        false => button("isolate", "Isolate", "I", ""),
    }
    if app.sim.supports_membership_changes() && report.status != NodeStatus::Removed {
        button("remove-node", "Remove from the cluster", "R", "");
    }
    if report.status == NodeStatus::Up {
        for (index, (timer, label)) in node_timers(app, node).into_iter().enumerate() {
            let key = if index == 0 { "T" } else { "" };
            button(
                "fire",
                &format!("Fire its {} timer now", escape(&label)),
                key,
                &format!(r#" data-timer="{timer}""#),
            );
        }
        match (&app.sim.scenario().protocol, app.sim.suggested_request()) {
            // A replica's requests are typed in (Q still sends one drawn as
            // the workload would).
            (ProtocolSpec::Crdt(spec), _) => html.push_str(&crdt_request_form(spec.data_type, n)),
            (_, Some((client, operation))) => {
                let label = format!("Send {} here, from {client}", escape(&operation.to_string()));
                button("request", &label, "Q", "");
            }
            (_, None) => {}
        }
    }
    html
}

/// A CRDT replica's own requests: the type's operations, with the number
/// they take (an item, an amount, a value), typed in.
fn crdt_request_form(data_type: CrdtType, node: u32) -> String {
    // A counter moves by 1 at least; an item or a value may be 0.
    let (what, min) = match data_type.shape() {
        CrdtShape::Counter => ("Amount", 1),
        CrdtShape::Set => ("Item", 0),
        CrdtShape::Register => ("Value", 0),
    };
    let mut html = format!(
        r#"<div class="request-form" role="group" aria-label="Requests to n{node}"><label>{what} <input type="number" inputmode="numeric" min="{min}" step="1" value="1" data-request-value="{node}"></label>"#
    );
    for &operation in data_type.operation_names() {
        let label = match operation {
            "increment" => "Increment",
            "decrement" => "Decrement",
            "add" => "Add",
            "remove" => "Remove",
            "write" => "Write",
            _ => "Read",
        };
        let _ =
            write!(html, r#"<button data-act="crdt" data-operation="{operation}" data-node="{node}">{label}</button>"#);
    }
    html.push_str("</div>");
    html
}

/// A node's timers that are set: (timer, label), soonest first.
pub fn node_timers(app: &App, node: NodeId) -> Vec<(u64, String)> {
    app.sim
        .enabled_events()
        .into_iter()
        .filter_map(|event| match event {
            EnabledEvent::Timer { node: n, timer, label, .. } if n == node => Some((timer, label)),
            _ => None,
        })
        .collect()
}

/// A link's actions, by what works now: cut both ways or one, restore.
fn link_menu_buttons(app: &App, (a, b): (NodeId, NodeId)) -> String {
    let cut = app.sim.cut_links();
    let (ab_cut, ba_cut) = (cut.contains(&(a, b)), cut.contains(&(b, a)));
    let mut html = String::new();
    let mut button = |act: &str, from: NodeId, to: NodeId, label: String| {
        let _ = write!(html, r#"<button data-act="{act}" data-from="{}" data-to="{}">{label}</button>"#, from.0, to.0);
    };
    if !ab_cut && !ba_cut {
        button("cut-links", a, b, "Cut both ways".into());
    }
    if ab_cut && ba_cut {
        button("repair-links", a, b, "Restore both ways".into());
    }
    for (from, to, is_cut) in [(a, b, ab_cut), (b, a, ba_cut)] {
        match is_cut {
            true => button("repair-link", from, to, format!("Restore {from}→{to} only")),
            false => button("cut-link", from, to, format!("Cut {from}→{to} only")),
        }
    }
    html
}

fn message_menu_buttons(id: u64) -> String {
    format!(
        r#"<button data-act="drop" data-msg="{id}">Drop</button><button data-act="duplicate" data-msg="{id}">Duplicate</button><button data-act="delay" data-msg="{id}">Delay 50 ticks</button>"#
    )
}

/// The islands as shaded ellipses, when the network is split.
fn islands_svg(islands: &[IslandShape]) -> String {
    let mut svg = String::new();
    for island in islands {
        let names: Vec<String> = island.members.iter().map(NodeId::to_string).collect();
        let _ = write!(
            svg,
            r#"<ellipse class="island" data-key="i{}" cx="{:.1}" cy="{:.1}" rx="{:.1}" ry="{:.1}"><title>An island: {} reach each other, and nothing beyond</title></ellipse>"#,
            names.join("-"),
            island.centre.0,
            island.centre.1,
            island.radius_x,
            island.radius_y,
            names.join(", ")
        );
    }
    svg
}

/// Links: solid when both directions work, dashed red when both are cut,
/// dashed orange when only one is. Each has a wide invisible twin that
/// takes the clicks (a 2-pixel line is hard to hit).
fn links_svg(layout: &Layout, node_count: u32, cut: &[(NodeId, NodeId)]) -> String {
    let mut svg = String::new();
    for a in 0..node_count {
        for b in (a + 1)..node_count {
            let (na, nb) = (NodeId(a), NodeId(b));
            let (ab_cut, ba_cut) = (cut.contains(&(na, nb)), cut.contains(&(nb, na)));
            let class = ["link", "link half-cut", "link cut"][ab_cut as usize + ba_cut as usize];
            let state = match (ab_cut, ba_cut) {
                (false, false) => "works both ways".to_string(),
                (true, true) => "cut both ways".to_string(),
                (true, false) => format!("{na}→{nb} cut, {nb}→{na} works"),
                (false, true) => format!("{nb}→{na} cut, {na}→{nb} works"),
            };
            let (pa, pb) = (layout.node(na), layout.node(nb));
            let ends = format!(r#"x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}""#, pa.0, pa.1, pb.0, pb.1);
            let _ = write!(
                svg,
                r#"<line class="{class}" data-key="l{a}-{b}" {ends}/><line class="link-hit" data-key="h{a}-{b}" data-link="{a}-{b}" {ends}><title>{na}–{nb}: {state}. Click to cut or restore it.</title></line>"#,
            );
        }
    }
    svg
}

/// Where a message in flight is drawn: along its way by how far along its
/// delay the shown time is.
fn moving_message_position(app: &App, layout: &Layout, message: &MessageView) -> (f64, f64) {
    let (from, to) = (layout.endpoint(message.from), layout.endpoint(message.to));
    let span = (message.deliver_tick - message.sent_tick).max(1) as f64;
    let progress = ((app.view_tick - message.sent_tick as f64) / span).clamp(0.0, 1.0);
    (from.0 + (to.0 - from.0) * progress, from.1 + (to.1 - from.1) * progress)
}

/// A name as a CSS class: "read balances" → "read-balances".
pub fn css_name(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect()
}

fn non_empty(colour: &str) -> Option<String> {
    (!colour.is_empty()).then(|| colour.to_string())
}

/// A message's CSS class: client traffic, or the protocol's own.
pub fn message_class(kind: MessageKindId) -> &'static str {
    match kind {
        MessageKindId::Request => "request",
        MessageKindId::Reply => "reply",
        MessageKindId::Protocol(_) => "peer",
    }
}

/// The style of a protocol's message kind (client traffic has none).
pub fn message_style(legend: &Legend, kind: MessageKindId) -> Option<Style> {
    match kind {
        MessageKindId::Protocol(index) => legend.messages.get(index as usize).copied(),
        MessageKindId::Request | MessageKindId::Reply => None,
    }
}

/// The ink a glyph needs on a `#rrggbb` colour: white, or the page's dark
/// ink where white would not stand out enough (WCAG's contrast ratio);
/// `None` for a colour given another way (the stylesheet's default then).
pub fn glyph_ink_on(colour: &str) -> Option<&'static str> {
    const DARK_INK_LUMINANCE: f64 = 0.017; // #1d2430
    let hex = colour.strip_prefix('#').filter(|hex| hex.len() == 6)?;
    let channel = |at: usize| u8::from_str_radix(&hex[at..at + 2], 16).ok().map(|c| c as f64 / 255.0);
    // sRGB to linear light, as a square: close enough to choose between
    // two inks, and no `powf` in the page's download.
    let linear = |c: f64| c * c;
    let (r, g, b) = (channel(0)?, channel(2)?, channel(4)?);
    let luminance = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
    let against_white = 1.05 / (luminance + 0.05);
    let against_dark = (luminance + 0.05) / (DARK_INK_LUMINANCE + 0.05);
    Some(if against_white >= against_dark { "#ffffff" } else { "#1d2430" })
}

/// A glyph's inline fill for its message's colour (empty for the default).
fn glyph_fill(colour: &str) -> String {
    glyph_ink_on(colour).map(|ink| format!(r#" style="fill:{ink}""#)).unwrap_or_default()
}

/// Entries of a node's log drawn under it, at most.
pub const LOG_ENTRIES_DRAWN_MAX: usize = 12;

/// Around a node: its tags above it ("t3", "vote n2"), its log's newest
/// entries below it as squares in their colours (filled when settled), its
/// countdown and what it waits for.
fn node_extras_svg(view: &NodeView, view_tick: f64) -> String {
    let mut svg = String::new();
    // The first tag centred over the node, the others after it.
    let mut x = 0.0;
    for (index, tag) in view.tags.iter().enumerate() {
        // Inline, as the drawing's CSS centres every text.
        let anchor = if index == 0 { "middle" } else { "start" };
        let fill = tag.colour.map(|c| format!(";fill:{}", c.css())).unwrap_or_default();
        let _ = write!(
            svg,
            r#"<text class="tag tag-{name}" x="{x:.1}" dy="-{dy}" style="text-anchor:{anchor}{fill}">{text}<title>{title}</title></text>"#,
            name = escape(tag.name),
            dy = geometry::NODE_RADIUS + 6.0,
            text = escape(&tag.text),
            title = escape(&tag.title),
        );
        x = if index == 0 { 13.0 } else { x + 6.5 * tag.text.chars().count() as f64 + 6.0 };
    }
    if !view.log.is_empty() {
        let shown = view.log.len().min(LOG_ENTRIES_DRAWN_MAX);
        let first = view.log.len() - shown;
        // Entries before the first drawn: those the view left out, and
        // those it has but the strip has no room for.
        let hidden = view.entries_before_log() as usize + first;
        let width = 9.0;
        let left = -(shown as f64) * width / 2.0;
        if hidden > 0 {
            let _ = write!(
                svg,
                r#"<text class="log-more" x="{:.1}" y="{:.1}">…{hidden}</text>"#,
                left - 4.0,
                geometry::NODE_RADIUS + 14.0
            );
        }
        for (offset, entry) in view.log[first..].iter().enumerate() {
            let index = hidden + offset + 1;
            let state = if entry.settled { "settled" } else { "unsettled" };
            let _ = write!(
                svg,
                r#"<rect class="entry {state}" x="{:.1}" y="{:.1}" width="8" height="10" style="fill:{c};stroke:{c}"><title>{}</title></rect>"#,
                left + offset as f64 * width,
                geometry::NODE_RADIUS + 5.0,
                escape(&entry_title(index, entry)),
                c = entry.colour.css(),
            );
        }
    }
    let mut below = geometry::NODE_RADIUS + 30.0;
    if !view.caption.is_empty() {
        let _ = write!(svg, r#"<text class="caption" dy="{below}">{}</text>"#, escape(&view.caption));
        below += 12.0;
    }
    if let Some(countdown) = &view.countdown {
        let left_ticks = (countdown.at_tick as f64 - view_tick).max(0.0).round();
        let label = escape(countdown.label);
        let _ = write!(svg, r#"<text class="countdown" dy="{below}">{label} {left_ticks}</text>"#);
        below += 12.0;
    }
    if let Some(waiting) = &view.waiting {
        let _ = write!(svg, r#"<text class="waiting" dy="{below}">waiting<title>{}</title></text>"#, escape(waiting));
    }
    svg
}

/// "index 5, t3: write k0=5".
fn entry_title(index: usize, entry: &LogEntryView) -> String {
    match entry.note.is_empty() {
        true => format!("index {index}: {}", entry.label),
        false => format!("index {index}, {}: {}", entry.note, entry.label),
    }
}

/// The clock and position line under the controls.
pub fn clock_text(app: &App) -> String {
    let position = app.sim.position();
    let total = app.sim.trace().len();
    let mut text = format!("tick {} · step {position} of {total}", app.view_tick.floor() as u64);
    if !app.at_head() {
        text.push_str(" · viewing the past: acting here forks a new future");
    } else if let Some(end) = app.sim.ended() {
        let _ = write!(text, " · ended: {end}");
    }
    text
}

/// The inspector for the selected node.
pub fn inspector_html(app: &App) -> String {
    let mut html = selected_message_html(app);
    html.push_str(&log_table_html(app));
    let Some(node) = app.selected_node else {
        html.push_str(
            "<p class=\"hint\">Click a node (or press its number) to inspect it here and open its actions. \
             Drag a node next to another to put them on one island, or away to cut it off. Click a link to cut \
             it one way or both; draw a line across links to cut them all. Click a message to drop, duplicate or \
             delay it.</p>",
        );
        return html;
    };
    html.push_str(&node_inspector_html(app, node));
    html
}

/// The message selected on the stage, while it is in flight: who sent it
/// to whom, what it carries, when it was sent and is due.
fn selected_message_html(app: &App) -> String {
    let Some(id) = app.selected_message else { return String::new() };
    let Some(message) = app.sim.messages_in_flight().into_iter().find(|m| m.id.0 == id) else { return String::new() };
    format!(
        r#"<div class="message-detail" data-key="message"><h3>{} {}→{}</h3><p class="payload">{}</p><p class="hint">sent at tick {}, due at tick {}{}</p></div>"#,
        message.id,
        message.from,
        message.to,
        escape(&message.label),
        message.sent_tick,
        message.deliver_tick,
        if message.doomed { "; the network will lose it" } else { "" }
    )
}

/// Columns of the side-by-side log table: its newest indexes.
pub const LOG_TABLE_COLUMNS_MAX: u64 = 14;

/// Every node's log side by side (RaftScope's table): a row per node, a
/// column per index, each entry's note (a term) in its colour, filled once
/// settled (committed). Only for protocols that keep logs.
fn log_table_html(app: &App) -> String {
    let reports = app.sim.nodes();
    let longest = reports.iter().filter_map(|r| r.view.as_ref()).map(|v| v.log_length).max().unwrap_or(0);
    if longest == 0 {
        return String::new();
    }
    let first = longest.saturating_sub(LOG_TABLE_COLUMNS_MAX) + 1;
    let mut html = String::from(
        r#"<table class="log-table" data-key="log-table"><caption>Logs, side by side (index, and each entry's term)</caption><thead><tr><th scope="col">node</th>"#,
    );
    for index in first..=longest {
        let _ = write!(html, "<th scope=\"col\">{index}</th>");
    }
    html.push_str("</tr></thead><tbody>");
    for report in &reports {
        let selected = if app.selected_node == Some(report.id) { " class=\"selected\"" } else { "" };
        let _ = write!(html, "<tr{selected}><th scope=\"row\">{}</th>", report.id);
        for index in first..=longest {
            let entry = report.view.as_ref().and_then(|view| view.log_entry_at(index));
            match entry {
                Some(entry) => {
                    let state = if entry.settled { "settled" } else { "unsettled" };
                    let _ = write!(
                        html,
                        r#"<td class="{state}" style="--entry:{}" title="{}">{}</td>"#,
                        entry.colour.css(),
                        escape(&entry_title(index as usize, entry)),
                        escape(&entry.note)
                    );
                }
                None => html.push_str("<td></td>"),
            }
        }
        html.push_str("</tr>");
    }
    html.push_str("</tbody></table>");
    html
}

/// The selected node's whole state, as its protocol shows it, and its actions.
fn node_inspector_html(app: &App, node: NodeId) -> String {
    let reports = app.sim.nodes();
    let Some(report) = reports.get(node.0 as usize) else { return String::new() };
    let mut html = String::new();
    let status = match report.status {
        NodeStatus::Up => match report.paused_until_tick {
            Some(until) => format!("paused until tick {until}"),
            None => "up".to_string(),
        },
        NodeStatus::Crashed => "crashed (durable state kept)".to_string(),
        NodeStatus::Stopped => "crash-stopped (never returns)".to_string(),
        NodeStatus::Removed => "left the cluster".to_string(),
    };
    let isolated = app.is_isolated(node);
    let _ = write!(html, "<h3>{node} <span class=\"status\">{}</span></h3>", escape(&status));
    if let Some(view) = &report.view {
        let _ = write!(
            html,
            "<p class=\"role\">What {node} believes: <b>{}</b> <span class=\"hint\">({})</span></p>",
            escape(view.role.name),
            escape(view.role.description)
        );
        if let Some(waiting) = &view.waiting {
            let _ = write!(html, "<p class=\"waiting\">{}</p>", escape(waiting));
        }
        html.push_str("<dl>");
        for (name, value) in &view.fields {
            let _ = write!(html, "<dt>{}</dt><dd>{}</dd>", escape(name), escape(value));
        }
        html.push_str("</dl>");
    }
    if let Some(view) = report.view.as_ref().filter(|v| !v.log.is_empty()) {
        let earlier = view.entries_before_log() as usize;
        let _ = write!(html, "<p class=\"log\">Log ({}): ", escape(&view.log_summary));
        if earlier > 0 {
            let _ = write!(html, r#"<span class="log-more">… {earlier} earlier</span>"#);
        }
        for (offset, entry) in view.log.iter().enumerate() {
            let index = earlier + offset + 1;
            let state = if entry.settled { "settled" } else { "unsettled" };
            let _ = write!(
                html,
                r#"<span class="entry {state}" style="border-color:{c}" title="{title}">{label}<sub>{note}</sub></span>"#,
                title = escape(&entry_title(index, entry)),
                label = escape(&entry.label),
                note = escape(&entry.note),
                c = entry.colour.css()
            );
        }
        html.push_str("</p>");
    }
    let _ = write!(html, "<p class=\"durable\">On disk: {}</p>", escape(&report.durable));
    if !report.timers.is_empty() {
        html.push_str("<p class=\"timers\">Timers: ");
        let timers: Vec<String> =
            report.timers.iter().map(|(label, tick)| format!("{} at {tick}", escape(label))).collect();
        html.push_str(&timers.join(", "));
        html.push_str("</p>");
    }
    html.push_str("<div class=\"actions\">");
    let n = node.0;
    match report.status {
        NodeStatus::Up => {
            let _ = write!(html, r#"<button data-act="crash" data-node="{n}">Crash</button>"#);
            let _ = write!(html, r#"<button data-act="crash-stop" data-node="{n}">Crash-stop</button>"#);
            let _ = write!(html, r#"<button data-act="pause" data-node="{n}">Pause 100 ticks</button>"#);
        }
        NodeStatus::Crashed => {
            let _ = write!(html, r#"<button data-act="restart" data-node="{n}">Restart</button>"#);
        }
        NodeStatus::Stopped | NodeStatus::Removed => {}
    }
    // A node that left has no links to cut or mend.
    if report.status != NodeStatus::Removed {
        let (verb, label) = if isolated { ("reconnect", "Reconnect") } else { ("isolate", "Isolate") };
        let _ = write!(html, r#"<button data-act="{verb}" data-node="{n}">{label}</button>"#);
    }
    html.push_str("</div>");
    html
}

/// A message's row in the In flight list: "m12 n0→n2 Vote(t3) due 131".
pub fn message_row_text(message: MessageId, from: Endpoint, to: Endpoint, label: &str, due_tick: u64) -> String {
    format!("{message} {from}→{to} {label} due {due_tick}")
}

/// Messages in flight (and, in manual mode, timers), each with its actions.
///
/// Rows are in message order, so a new message joins at the bottom and no
/// row moves under the pointer. While the list is held (the pointer is on
/// it, or focus is in it), a message that was delivered or dropped keeps
/// its row, greyed and without buttons, so a click meant for the row below
/// cannot land on it.
pub fn events_html(app: &App) -> String {
    let events = app.sim.enabled_events();
    let mut rows: VecMap<u64, String> = VecMap::new();
    let mut timers = String::new();
    for event in &events {
        match event {
            EnabledEvent::Deliver { message, from, to, label, due_tick } => {
                let text = message_row_text(*message, *from, *to, label, *due_tick);
                let due_now = *due_tick <= app.sim.now_tick();
                rows.insert(message.0, message_row(app, message.0, &text, MessageRowState::InFlight { due_now }));
            }
            EnabledEvent::Timer { node, timer, label, due_tick } if app.manual_mode => {
                let _ = write!(
                    timers,
                    r#"<li class="event timer" data-key="t{n}-{timer}"><span>{node} {label} <small>due {due_tick}</small></span><button data-act="fire" data-node="{n}" data-timer="{timer}">Fire next</button></li>"#,
                    n = node.0,
                    label = escape(label)
                );
            }
            EnabledEvent::Timer { .. } => {}
        }
    }
    for (&id, text) in app.held_events.iter().flatten() {
        rows.entry(id).or_insert_with(|| message_row(app, id, text, MessageRowState::Gone));
    }
    if rows.is_empty() && timers.is_empty() {
        return "<p class=\"hint\">Nothing in flight.</p>".to_string();
    }
    let mut html = String::from("<ul class=\"events\">");
    for row in rows.values().take(EVENT_ROWS_MAX) {
        html.push_str(row);
    }
    html.push_str(&timers);
    if rows.len() > EVENT_ROWS_MAX {
        let _ = write!(html, "<li class=\"more\">… and {} more</li>", rows.len() - EVENT_ROWS_MAX);
    }
    html.push_str("</ul>");
    html
}

/// Whether a row's message is still in flight, or left while the list
/// was held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MessageRowState {
    /// In manual mode, a message due at the current tick cannot be put
    /// off: it happens first.
    InFlight { due_now: bool },
    /// Delivered or dropped: the row keeps its place and its size (its
    /// buttons stay, disabled), so no row below it moves.
    Gone,
}

/// A row of a message in flight, with its buttons.
fn message_row(app: &App, id: u64, text: &str, state: MessageRowState) -> String {
    let selected = if app.selected_message == Some(id) { " selected" } else { "" };
    let (class, disabled, title) = match state {
        MessageRowState::Gone => (" gone", " disabled", r#" title="delivered or dropped""#),
        MessageRowState::InFlight { .. } => ("", "", ""),
    };
    let deliver = match (app.manual_mode, state) {
        (true, MessageRowState::InFlight { due_now: true }) => {
            "<small class=\"due-now\">due now: happens first</small>".to_string()
        }
        (true, _) => format!(r#"<button data-act="deliver" data-msg="{id}"{disabled}>Deliver next</button>"#),
        (false, _) => String::new(),
    };
    let button =
        |act: &str, label: &str| format!(r#"<button data-act="{act}" data-msg="{id}"{disabled}>{label}</button>"#);
    format!(
        r#"<li class="event{class}{selected}" data-key="m{id}" data-msg-row="{id}"{title}><span>{}</span>{deliver}{}{}{}</li>"#,
        escape(text),
        button("drop", "Drop"),
        button("duplicate", "Duplicate"),
        button("delay", "Delay 50"),
    )
}

fn history_row(index: usize, entry: &HistoryEntry, involved: bool) -> String {
    let (completed, result, class) = match (&entry.complete_tick, &entry.output) {
        (Some(tick), Some(output)) => (tick.to_string(), output.to_string(), "done"),
        _ if entry.gave_up => ("—".to_string(), "unknown (gave up)".to_string(), "unknown"),
        _ => ("…".to_string(), "pending".to_string(), "pending"),
    };
    let attempts: Vec<String> = entry.attempts.iter().map(|n| n.to_string()).collect();
    let class = if involved { format!("{class} violation") } else { class.to_string() };
    format!(
        "<tr class=\"{class}\" data-key=\"op{index}\" data-op=\"{index}\"><td>{index}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{completed}</td><td>{}</td></tr>",
        entry.client,
        escape(&entry.operation.to_string()),
        attempts.join(" "),
        entry.invoke_tick,
        escape(&result)
    )
}

/// The client history, newest first.
pub fn history_html(app: &App) -> String {
    let history = app.sim.history();
    let stats = app.sim.stats();
    let mut html = format!(
        "<p class=\"summary\">{} operations: {} completed, {} pending or unknown</p>",
        stats.operations_invoked,
        stats.operations_completed,
        stats.operations_pending()
    );
    html.push_str(
        "<table><thead><tr><th>#</th><th>client</th><th>operation</th><th>nodes</th><th>invoked</th><th>completed</th><th>result</th></tr></thead><tbody>",
    );
    let (minimal, _) = involved(&app.check);
    for (index, entry) in history.iter().enumerate().rev().take(HISTORY_ROWS_MAX) {
        html.push_str(&history_row(index, entry, minimal.contains(&index)));
    }
    html.push_str("</tbody></table>");
    if history.len() > HISTORY_ROWS_MAX {
        let _ = write!(
            html,
            "<p class=\"hint\">The {} oldest operations are not listed.</p>",
            history.len() - HISTORY_ROWS_MAX
        );
    }
    html
}

/// The run's counters.
pub fn stats_text(app: &App) -> String {
    let stats = app.sim.stats();
    let mut text = format!(
        "{} messages sent, {} delivered, {} dropped · {} faults",
        stats.messages_sent, stats.messages_delivered, stats.messages_dropped, stats.faults_applied
    );
    // What the protocol's observer counts, and sees now.
    for (name, count) in app.sim.ghost_summary() {
        let _ = write!(text, " · {name}: {count}");
    }
    for (name, value) in app.sim.observations() {
        let _ = write!(text, " · {name}: {value}");
    }
    text
}

/// What the drawing's colours, rings and glyphs mean, from the protocol's
/// own kinds.
pub fn legend_html(app: &App) -> String {
    let legend = app.sim.legend();
    let item = |style: &Style, swatch: String| {
        format!(
            r#"<span class="legend-item" title="{}">{swatch}{}</span>"#,
            escape(style.description),
            escape(style.name)
        )
    };
    // A kind without a colour of its own takes the theme's (var(--up) …).
    let colour = |style: &Style, default: &str| {
        if style.colour.is_empty() {
            format!("var({default})")
        } else {
            style.colour.to_string()
        }
    };
    let mut html = String::from(r#"<p class="legend-row"><span class="legend-title">Nodes</span>"#);
    for role in &legend.roles {
        let swatch = format!(
            r#"<svg class="swatch {}" viewBox="0 0 16 16"><circle cx="8" cy="8" r="6" style="stroke:{}"/></svg>"#,
            role.emphasis.class(),
            colour(role, "--up")
        );
        html.push_str(&item(role, swatch));
    }
    html.push_str(r#"</p><p class="legend-row"><span class="legend-title">Messages</span>"#);
    for message in &legend.messages {
        let swatch = format!(
            r##"<svg class="swatch" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" style="fill:{}"/><text x="8" y="11"{}>{}</text></svg>"##,
            colour(message, "--peer"),
            glyph_fill(message.colour),
            escape(message.glyph)
        );
        html.push_str(&item(message, swatch));
    }
    html.push_str(r#"</p><p class="legend-row"><span class="legend-title">Operations</span>"#);
    for operation in &legend.operations {
        let swatch = format!(
            r#"<svg class="swatch" viewBox="0 0 16 16"><rect x="1" y="4" width="14" height="8" rx="2" style="--kind:{}"/></svg>"#,
            colour(operation, "--crashed")
        );
        html.push_str(&item(operation, swatch));
    }
    html.push_str("</p>");
    html
}

/// The lanes' drawing width and geometry, in SVG user units.
pub mod lanes {
    pub const WIDTH: f64 = 1000.0;
    /// The lane labels' column: two characters ("c0").
    pub const LABEL_WIDTH: f64 = 44.0;
    /// The column's widening for each character more: a label keeps its
    /// size in pixels while the drawing is stretched to the panel, and 24
    /// units are 7 pixels on a phone.
    pub const LABEL_WIDTH_PER_EXTRA_CHAR: f64 = 24.0;
    pub const LANE_HEIGHT: f64 = 26.0;
    pub const BAR_HEIGHT: f64 = 18.0;
    pub const AXIS_HEIGHT: f64 = 18.0;
}

/// A history as the lanes and the verdict's explanation draw it: the
/// playground's run (`App`) or a history pasted into the page
/// (`own_history::OwnHistory`). Operations are named by their index in the
/// history checked, as the verdict names them; what each source writes
/// about one (its words for time, its tooltip) is its own.
pub trait DrawnHistory {
    /// The check of this history, and its verdict once there is one.
    fn check(&self) -> &LiveCheck;
    /// Whether the lanes draw the linearization points.
    fn show_points(&self) -> bool;
    fn operation_count(&self) -> usize;
    /// When operation `index` was invoked and, if it was, completed.
    fn times(&self, index: usize) -> (u64, Option<u64>);
    /// Operation `index` as a bar in the lanes.
    fn bar(&self, index: usize) -> Bar;
    /// The lanes, one per client: how many, and what each is called.
    fn lanes(&self) -> u32;
    fn lane_label(&self, lane: u32) -> String;
    /// The time operations without an answer run to (at least 1).
    fn now(&self) -> f64;
    /// Operation `index` in a line of HTML: "#3 c1 write 5 → ok, ticks 3–9".
    fn describe(&self, index: usize) -> String;
    /// What the times count, for the lanes' note ("ticks").
    fn time_unit(&self) -> &'static str;
    /// The object the history is checked against, in words.
    fn model_phrase(&self) -> String;
    /// The `id` of the lanes' `<svg>`.
    fn lanes_id(&self) -> &'static str;
    /// Where the verdict's operations are highlighted.
    fn highlighted_in(&self) -> &'static str;
    /// What a convergent service's history satisfied (the run's, a CRDT's).
    fn convergent_html(&self) -> String {
        String::new()
    }
}

/// An operation's bar in the lanes.
pub struct Bar {
    pub lane: u32,
    /// Its client stopped waiting for an answer (drawn as unknown).
    pub gave_up: bool,
    pub look: OperationLook,
    /// The bar's tooltip, as HTML.
    pub tooltip: String,
}

impl DrawnHistory for App {
    fn check(&self) -> &LiveCheck {
        &self.check
    }
    fn show_points(&self) -> bool {
        self.show_points
    }
    fn operation_count(&self) -> usize {
        self.sim.history().len()
    }
    fn times(&self, index: usize) -> (u64, Option<u64>) {
        let entry = &self.sim.history()[index];
        (entry.invoke_tick, entry.complete_tick)
    }
    fn bar(&self, index: usize) -> Bar {
        let entry = &self.sim.history()[index];
        let result = entry.output.as_ref().map(|o| o.to_string()).unwrap_or_else(|| "no answer".into());
        let tooltip = format!(
            "#{index} {client} {operation} → {result}, ticks {invoke}–{done}",
            client = entry.client,
            operation = escape(&entry.operation.to_string()),
            result = escape(&result),
            invoke = entry.invoke_tick,
            done = entry.complete_tick.map(|t| t.to_string()).unwrap_or_else(|| "…".into()),
        );
        Bar { lane: entry.client.0, gave_up: entry.gave_up, look: self.sim.look(entry), tooltip }
    }
    fn lanes(&self) -> u32 {
        self.sim.scenario().workload.clients.max(1)
    }
    fn lane_label(&self, lane: u32) -> String {
        format!("c{lane}")
    }
    fn now(&self) -> f64 {
        self.view_tick.max(1.0)
    }
    fn describe(&self, index: usize) -> String {
        let entry = &self.sim.history()[index];
        let result = match (&entry.output, entry.complete_tick) {
            (Some(output), Some(done)) => format!("→ {output}, ticks {}–{done}", entry.invoke_tick),
            _ => format!("→ no answer, invoked at tick {}", entry.invoke_tick),
        };
        format!("#{index} {} {} {}", entry.client, escape(&entry.operation.to_string()), escape(&result))
    }
    fn time_unit(&self) -> &'static str {
        "ticks"
    }
    fn model_phrase(&self) -> String {
        match self.sim.history_check() {
            faultline_sim::HistoryCheck::Linearizable(model) | faultline_sim::HistoryCheck::Convergent(model) => {
                model_phrase(&model)
            }
            faultline_sim::HistoryCheck::Promises { property, .. } => property.to_string(),
        }
    }
    fn lanes_id(&self) -> &'static str {
        "lanes"
    }
    fn highlighted_in(&self) -> &'static str {
        "the lanes and, with their requests and replies and the faults while they ran, in the space-time diagram"
    }
    fn convergent_html(&self) -> String {
        convergent_html(self)
    }
}

/// The operations the verdict points at: (the failing sub-history, the
/// operation that cannot be placed).
fn involved(check: &LiveCheck) -> (Vec<usize>, Option<usize>) {
    match check.verdict() {
        Some(Verdict::NotLinearizable(explanation)) => (explanation.minimal.clone(), Some(explanation.blocked)),
        _ => (Vec::new(), None),
    }
}

/// Operations the lanes draw at most: the newest, plus any the verdict
/// points at. The lanes are redrawn every frame while the run plays, and
/// thousands of bars cost the page a tenth of a second a frame to lay out
/// (5,000 bars: 107 ms in Chromium, `frame_cost_at_the_end_of_a_long_run`).
pub const LANE_OPERATIONS_DRAWN_MAX: usize = 300;

/// A round step between time axis lines (10, 20, 50, 100, 200, …) that
/// puts at most 10 of them across `span_ticks`, however long the span.
pub fn axis_step(span_ticks: f64) -> f64 {
    if !span_ticks.is_finite() {
        return f64::MAX; // one line, at the start
    }
    let mut decade = 10.0;
    loop {
        for step in [decade, 2.0 * decade, 5.0 * decade] {
            if span_ticks / step <= 10.0 {
                return step;
            }
        }
        decade *= 10.0;
    }
}

/// Which operations the lanes draw, oldest first: at most
/// [`LANE_OPERATIONS_DRAWN_MAX`] in a row. Those start at the first one the
/// verdict points at, so a failure is seen among what ran beside it, or
/// are the newest when it points at none (or at the newest). Operations it
/// points at beyond that run are added.
pub fn lane_operations_drawn(history_length: usize, involved: &[usize]) -> Vec<usize> {
    let involved: VecSet<usize> = involved.iter().copied().filter(|&index| index < history_length).collect();
    let newest_from = history_length.saturating_sub(LANE_OPERATIONS_DRAWN_MAX);
    let from = involved.first().map_or(newest_from, |&first| first.min(newest_from));
    let until = (from + LANE_OPERATIONS_DRAWN_MAX).min(history_length);
    (from..until).chain(involved.range(until..).copied()).collect()
}

/// The history as lanes, one per client, in the style of Porcupine's
/// visualizer: each operation a bar from invocation to completion (to now
/// while pending). Returns the `<svg>` element whole, and below it a note
/// when older operations are left out.
pub fn lanes_svg(history: &dyn DrawnHistory) -> String {
    use lanes::*;
    let length = history.operation_count();
    let clients = history.lanes();
    let height = AXIS_HEIGHT + LANE_HEIGHT * clients as f64;
    let now = history.now();
    let end_tick = (0..length).filter_map(|index| history.times(index).1).max().unwrap_or(0) as f64;
    let span = now.max(end_tick).max(1.0);
    let (minimal, blocked) = involved(history.check());
    let drawn = lane_operations_drawn(length, &minimal.iter().copied().chain(blocked).collect::<Vec<_>>());
    let left_out = length - drawn.len();
    let reaches_the_newest = drawn.last().is_none_or(|&last| last + 1 == length);
    // All drawn: time from 0 to now, as the run goes. Some left out: from
    // the first drawn operation to the last answer among them (or to now,
    // when the newest are drawn), so the bars drawn get the width.
    let from_tick = match (left_out, drawn.first()) {
        (1.., Some(&first)) => (history.times(first).0 as f64).min(span - 1.0),
        _ => 0.0,
    };
    let to_tick = match reaches_the_newest {
        true => span,
        false => drawn
            .iter()
            // An operation without an answer runs on past the window's end
            // (its bar is cut there) rather than stretching it to now.
            .map(|&index| {
                let (invoke, complete) = history.times(index);
                complete.unwrap_or(invoke) as f64
            })
            .fold(from_tick + 1.0, f64::max),
    };
    let labels: Vec<String> = (0..clients).map(|lane| history.lane_label(lane)).collect();
    let label_chars = labels.iter().map(|label| label.chars().count()).max().unwrap_or(0);
    let label_width = LABEL_WIDTH + LABEL_WIDTH_PER_EXTRA_CHAR * label_chars.saturating_sub(2) as f64;
    let x = |tick: f64| label_width + (WIDTH - label_width - 4.0) * (tick - from_tick) / (to_tick - from_tick);
    let points = match history.check().verdict() {
        Some(Verdict::Linearizable(witness)) if history.show_points() => Some(&witness.points),
        _ => None,
    };
    let mut svg = format!(
        r#"<svg id="{id}" viewBox="0 0 {WIDTH} {height}" preserveAspectRatio="none" style="height:{height}px" role="img" aria-label="Client history: a lane per client, a bar per operation">"#,
        id = history.lanes_id()
    );
    // A time axis: ticks at round numbers.
    let step = axis_step(to_tick - from_tick);
    let mut tick = (from_tick / step).ceil() * step;
    while tick <= to_tick {
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{x:.1}" x2="{x:.1}" y1="{AXIS_HEIGHT}" y2="{height}"/><text class="axis{edge}" x="{x:.1}" y="12">{tick}</text>"#,
            x = x(tick),
            // A label at the right edge ends there instead of running out.
            edge = if x(tick) > WIDTH - 24.0 { " at-right-edge" } else { "" },
        );
        tick += step;
    }
    for (c, label) in labels.iter().enumerate() {
        let y = AXIS_HEIGHT + LANE_HEIGHT * c as f64;
        let _ = write!(svg, r#"<text class="lane-label" x="4" y="{:.1}">{label}</text>"#, y + LANE_HEIGHT / 2.0 + 4.0);
    }
    for &index in &drawn {
        let (invoke, complete) = history.times(index);
        let Bar { lane, gave_up, look, tooltip } = history.bar(index);
        let y = AXIS_HEIGHT + LANE_HEIGHT * lane as f64 + (LANE_HEIGHT - BAR_HEIGHT) / 2.0;
        let start = x(invoke as f64);
        let stop = x(complete.map(|t| t as f64).unwrap_or(now)).min(x(to_tick)).max(start + 3.0);
        let state = match (complete, gave_up) {
            (Some(_), _) => "done",
            (None, true) => "unknown",
            (None, false) => "pending",
        };
        let mut classes = format!("op {} {state}", css_name(look.kind.name));
        if minimal.contains(&index) {
            classes.push_str(" violation");
        }
        if blocked == Some(index) {
            classes.push_str(" blocked");
        }
        let label = look.label;
        let _ = write!(
            svg,
            r#"<g class="{classes}" data-key="op{index}" data-op="{index}" style="--kind:{colour}"><rect x="{start:.1}" y="{y:.1}" width="{w:.1}" height="{BAR_HEIGHT}" rx="3"><title>{tooltip}</title></rect>"#,
            w = stop - start,
            colour = if look.kind.colour.is_empty() { "#8a94a3" } else { look.kind.colour },
        );
        if let Some(label) = fit_label(&label, stop - start - 8.0) {
            let _ = write!(svg, r#"<text x="{:.1}" y="{:.1}">{}</text>"#, start + 4.0, y + 13.0, escape(&label));
        }
        if let Some(Some(point)) = points.map(|p| p.get(index).copied().flatten()) {
            let px = x(point as f64);
            let _ = write!(
                svg,
                r#"<line class="point" x1="{px:.1}" x2="{px:.1}" y1="{:.1}" y2="{:.1}"/>"#,
                y - 2.0,
                y + BAR_HEIGHT + 2.0
            );
        }
        svg.push_str("</g>");
    }
    svg.push_str("</svg>");
    if left_out > 0 {
        let in_a_row = drawn.len().min(LANE_OPERATIONS_DRAWN_MAX);
        let which = match reaches_the_newest {
            true => format!("the newest {in_a_row} of {length} operations"),
            false => format!(
                "operations #{} to #{} of {length}, from the first the verdict points at",
                drawn[0],
                drawn[in_a_row - 1],
            ),
        };
        let more = match drawn.len() - in_a_row {
            0 => String::new(),
            n => format!(" (and {n} later one{} it points at)", if n == 1 { "" } else { "s" }),
        };
        let _ = write!(
            svg,
            r#"<p class="hint lanes-note">The lanes draw {which}{more}, {unit} {from_tick:.0} to {to_tick:.0}; the check covers them all.</p>"#,
            unit = history.time_unit()
        );
    }
    svg
}

/// A lane label cut to `width_px` (a read of a long appended list would
/// run over the next bar); `None` when not even a few characters fit. The
/// bar's tooltip has the whole text.
pub fn fit_label(label: &str, width_px: f64) -> Option<String> {
    const CHAR_WIDTH_PX: f64 = 6.2; // 11px sans-serif digits, generously
    const CHARS_MIN: usize = 4; // fewer than this, and the label says nothing
    let fitting_chars = (width_px / CHAR_WIDTH_PX).floor().max(0.0) as usize;
    let chars = label.chars().count();
    match fitting_chars {
        n if n >= chars => Some(label.to_string()),
        n if n >= CHARS_MIN => Some(label.chars().take(n - 1).chain(['…']).collect()),
        _ => None,
    }
}

/// What a convergent service's history satisfied (a CRDT, a quorum
/// store): the one line
/// `faultline run` prints too.
fn convergent_html(app: &App) -> String {
    let (Some(verdict), Some(weaker)) = (app.check.verdict(), &app.check.weaker) else {
        return "<p class=\"weaker\">Checking the session guarantees…</p>".to_string();
    };
    let faultline_sim::HistoryCheck::Convergent(model) = app.sim.history_check() else {
        return String::new();
    };
    let convergence = faultline_sim::Convergence::of_run(app.sim.as_ref());
    let line = faultline_sim::convergent_verdict(&model, verdict, weaker, convergence);
    let noun = faultline_sim::convergent_service_noun(&model);
    format!(
        "<p class=\"convergent\" data-convergent>{}{} promises that replicas converge, not linearizability: {}.</p>",
        noun[..1].to_ascii_uppercase(),
        &noun[1..],
        escape(&line)
    )
}

/// Where a non-linearizable history stands among weaker models.
fn weaker_models_html(history: &dyn DrawnHistory) -> String {
    let check = history.check();
    if check.convergent {
        return history.convergent_html();
    }
    let Some(weaker) = &check.weaker else {
        return "<p class=\"weaker\">Checking weaker models…</p>".to_string();
    };
    let yes_no = |decision: &faultline_check::Decision| match decision {
        faultline_check::Decision::Holds => "yes".to_string(),
        faultline_check::Decision::Violated { why, .. } if !why.is_empty() => format!("no: {}", escape(why)),
        faultline_check::Decision::Violated { .. } => "no".to_string(),
        faultline_check::Decision::Unknown { why } => format!("unknown ({})", escape(why)),
        faultline_check::Decision::NotApplicable => "not checked".to_string(),
    };
    let strongest = check.verdict().map(|v| faultline_check::strongest_model(v, Some(weaker))).unwrap_or("unknown");
    format!(
        "<p class=\"weaker\">Strongest model it satisfies: <b data-strongest>{strongest}</b>. Sequentially consistent: {}; read-your-writes: {}; monotonic reads: {}.</p>",
        yes_no(&weaker.sequentially_consistent),
        yes_no(&weaker.read_your_writes),
        yes_no(&weaker.monotonic_reads)
    )
}

/// A model, as the object a history is checked against, in words.
pub fn model_phrase(model: &faultline_check::ModelSpec) -> String {
    match model.name() {
        "kv" => "a key-value store (each key on its own)".to_string(),
        "bank" => "a bank whose transfers keep the total".to_string(),
        name => format!("the {name} model"),
    }
}

/// The verdict badge's text and class.
pub fn verdict_badge(app: &App) -> (String, &'static str) {
    match &app.check.state {
        CheckState::Done(Verdict::NotLinearizable(_)) if app.check.convergent => {
            let noun = match app.sim.history_check() {
                faultline_sim::HistoryCheck::Convergent(model) => faultline_sim::convergent_service_noun(&model),
                _ => "a CRDT",
            };
            (format!("not linearizable, as {noun} may be"), "not-linearizable-expected")
        }
        _ => check_badge(&app.check),
    }
}

/// A check's badge: its text and class (`data-verdict`, which the
/// stylesheet colours by).
pub fn check_badge(check: &LiveCheck) -> (String, &'static str) {
    match &check.state {
        CheckState::Empty => ("no operations yet".to_string(), "empty"),
        CheckState::NotChecked { property, .. } => (format!("promises {property}"), "not-checked"),
        CheckState::Checking { steps } => (format!("checking… ({steps} steps)"), "checking"),
        CheckState::Done(Verdict::Linearizable(_)) => ("linearizable".to_string(), "linearizable"),
        CheckState::Done(Verdict::NotLinearizable(_)) => ("not linearizable".to_string(), "not-linearizable"),
        CheckState::Done(Verdict::Unknown(_)) => ("unknown".to_string(), "unknown"),
    }
}

/// What the verdict means, in a few lines under the badge.
pub fn verdict_explanation_html(history: &dyn DrawnHistory) -> String {
    let check = history.check();
    if let CheckState::NotChecked { property, explanation } = &check.state {
        return format!(
            "<p>This protocol promises {}, not linearizability, so its history is not checked for it: {}</p>",
            escape(property),
            escape(explanation)
        );
    }
    match check.verdict() {
        None => String::new(),
        Some(Verdict::Linearizable(witness)) => {
            let never = witness.points.iter().filter(|p| p.is_none()).count();
            let mut text = format!(
                "<p>Every operation can be placed at one instant between its invocation and its return, \
                 in an order {} would allow.",
                history.model_phrase()
            );
            let unanswered = (0..history.operation_count()).filter(|&index| history.times(index).1.is_none()).count();
            let operations = |n: usize| if n == 1 { "operation" } else { "operations" };
            match (never, unanswered) {
                (0, 0) => {}
                (0, n) => {
                    let _ = write!(
                        text,
                        " The {n} {} without an answer {} taken as having taken effect.",
                        operations(n),
                        if n == 1 { "is" } else { "are" }
                    );
                }
                (never, n) if never == n => {
                    let _ = write!(
                        text,
                        " The {n} {} without an answer {} taken as not having taken effect.",
                        operations(n),
                        if n == 1 { "is" } else { "are" }
                    );
                }
                (never, n) => {
                    let _ = write!(
                        text,
                        " Of the {n} operations without an answer, {never} {} taken as not having taken effect, the others as having taken effect.",
                        if never == 1 { "is" } else { "are" }
                    );
                }
            }
            text.push_str("</p>");
            if check.convergent {
                text.push_str(&history.convergent_html());
            }
            text
        }
        Some(Verdict::NotLinearizable(explanation)) => {
            let after = match explanation.prefix.len() {
                0 => format!("At the start, {}", escape(&explanation.state)),
                1 => format!("After the one operation that can take effect first, {}", escape(&explanation.state)),
                n => format!(
                    "After the {n} operations that can take effect first, in an order respecting real time, {}",
                    escape(&explanation.state)
                ),
            };
            let mut html = format!(
                "<p class=\"reason\"><b>{}</b> cannot be placed. {after}; {}.</p>",
                history.describe(explanation.blocked),
                escape(&explanation.refusal),
            );
            html.push_str(&weaker_models_html(history));
            if history.show_points() {
                html.push_str(
                    "<p class=\"hint points-note\">No linearization points to draw: no order of these operations \
                     fits, so none exist.</p>",
                );
            }
            let _ = write!(
                html,
                "<p>A smallest failing part of the history ({} operation{}{}), highlighted in {}:</p><ul class=\"minimal\">",
                explanation.minimal.len(),
                if explanation.minimal.len() == 1 { "" } else { "s" },
                if explanation.minimal_is_1_minimal { "; without any one of them it would be linearizable" } else { "" },
                history.highlighted_in()
            );
            for &index in &explanation.minimal {
                let _ = write!(html, "<li data-op=\"{index}\">{}</li>", history.describe(index));
            }
            html.push_str("</ul>");
            html
        }
        Some(Verdict::Unknown(incomplete)) => format!(
            "<p>The check gave up: {} after {} steps; {} of {} independently checked parts decided.</p>",
            escape(&incomplete.reason),
            incomplete.steps,
            incomplete.partitions_done,
            incomplete.partitions
        ),
    }
}

/// The most story entries the event log lists (the newest).
pub const STORY_ROWS_MAX: usize = 60;

/// The event log: what happened up to the shown step, newest first, in
/// the protocol's words and the actions' names. Each entry jumps there.
pub fn story_html(app: &App) -> String {
    let entries = app.chronicle.up_to(app.sim.position());
    if entries.is_empty() {
        return "<p class=\"hint\">Nothing has happened yet. Elections, decisions and faults are told here.</p>"
            .to_string();
    }
    let mut html = String::from("<ol class=\"story\" reversed>");
    for (index, entry) in entries.iter().enumerate().rev().take(STORY_ROWS_MAX) {
        let _ = write!(
            html,
            r#"<li class="{}" data-key="e{index}"><button class="jump" data-step="{}" title="Jump to step {}">tick {}</button> {}</li>"#,
            entry_class(entry.kind),
            entry.step + 1,
            entry.step + 1,
            entry.tick,
            escape(&entry.text)
        );
    }
    html.push_str("</ol>");
    if entries.len() > STORY_ROWS_MAX {
        let _ = write!(html, "<p class=\"hint\">… and {} earlier.</p>", entries.len() - STORY_ROWS_MAX);
    }
    html
}

fn entry_class(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Milestone => "milestone",
        EntryKind::Detail => "detail",
        EntryKind::Fault => "fault",
        EntryKind::Action => "action",
    }
}

/// What the live region reads aloud: the newest milestone or fault up to
/// the shown step (details would flood a screen reader).
pub fn announcement(app: &App) -> String {
    let entries = app.chronicle.up_to(app.sim.position());
    let newest = entries.iter().rev().find(|entry| matches!(entry.kind, EntryKind::Milestone | EntryKind::Fault));
    newest.map(|entry| format!("Tick {}: {}.", entry.tick, entry.text)).unwrap_or_default()
}

/// The timeline's drawing width and height, in SVG user units.
pub mod timeline {
    pub const WIDTH: f64 = 1000.0;
    pub const HEIGHT: f64 = 30.0;
    /// Markers drawn at most: past this, the timeline keeps every n-th.
    pub const MARKERS_MAX: usize = 400;
}

/// The timeline strip over the scrub bar: ticks from 0 to the end of what
/// was computed, a marker per milestone and fault (click one to jump
/// there), the violation or end if the run ended, and the shown time.
pub fn timeline_svg(app: &App) -> String {
    use timeline::*;
    let end_tick = app.timeline_end_tick();
    let x = |tick: f64| 4.0 + (WIDTH - 8.0) * tick / end_tick;
    let mut svg = format!(
        r#"<svg id="timeline-strip" viewBox="0 0 {WIDTH} {HEIGHT}" preserveAspectRatio="none" role="img" aria-label="Timeline: milestones and faults by tick">"#
    );
    let step = axis_step(end_tick);
    let mut tick = 0.0;
    while tick <= end_tick {
        let _ = write!(svg, r#"<line class="grid" x1="{x:.1}" x2="{x:.1}" y1="0" y2="{HEIGHT}"/>"#, x = x(tick));
        tick += step;
    }
    let marked: Vec<&Entry> =
        app.chronicle.all().iter().filter(|e| matches!(e.kind, EntryKind::Milestone | EntryKind::Fault)).collect();
    let every = marked.len().div_ceil(MARKERS_MAX).max(1);
    for (index, entry) in marked.iter().enumerate().filter(|(index, _)| index % every == 0) {
        let future = if entry.step >= app.sim.position() { " future" } else { "" };
        // Faults above, milestones below: both readable where they meet.
        let (class, top, bottom) = match entry.kind {
            EntryKind::Fault => ("fault", 2.0, 15.0),
            _ => ("milestone", 15.0, 28.0),
        };
        let _ = write!(
            svg,
            r#"<line class="mark {class}{future}" data-key="t{index}" data-step="{}" x1="{x:.1}" x2="{x:.1}" y1="{top}" y2="{bottom}"><title>tick {}: {}</title></line>"#,
            entry.step + 1,
            entry.tick,
            escape(&entry.text),
            x = x(entry.tick as f64),
        );
    }
    if let Some(end) = app.run_end() {
        let tick = app.sim.trace().last().map_or(0.0, |step| step.tick as f64);
        let class = if end.is_violation() { "end violation" } else { "end" };
        let _ = write!(
            svg,
            r#"<rect class="{class}" data-step="{}" x="{:.1}" y="0" width="5" height="{HEIGHT}"><title>{}</title></rect>"#,
            app.sim.trace().len(),
            x(tick) - 2.5,
            escape(&end.to_string())
        );
    }
    let _ = write!(
        svg,
        r#"<line class="now" x1="{now:.1}" x2="{now:.1}" y1="0" y2="{HEIGHT}"/></svg>"#,
        now = x(app.view_tick)
    );
    // The tick labels in HTML, placed in percent: text in the stretched
    // drawing would be stretched too.
    svg.push_str(r#"<div class="timeline-axis" aria-hidden="true">"#);
    let mut tick = 0.0;
    while tick <= end_tick {
        let _ = write!(svg, r#"<span style="left:{:.2}%">{tick}</span>"#, x(tick) / WIDTH * 100.0);
        tick += step;
    }
    svg.push_str("</div>");
    svg
}

/// The banner of a run that stopped on a broken rule: which rule, which
/// nodes, and a jump to the step where it broke.
pub fn banner_html(app: &App) -> String {
    let Some(end) = app.run_end().filter(|end| end.is_violation()) else { return String::new() };
    let step = app.sim.trace().len();
    let (title, nodes) = match end.violation() {
        Some(violation) => {
            let nodes: Vec<String> = violation.nodes.iter().map(NodeId::to_string).collect();
            (format!("Safety violated: {}", violation.invariant), nodes.join(", "))
        }
        None => ("The run stopped on a protocol bug".to_string(), String::new()),
    };
    let nodes = match nodes.is_empty() {
        true => String::new(),
        false => format!(" <span class=\"nodes\">Nodes: {}.</span>", escape(&nodes)),
    };
    let at = match app.sim.position() as usize == step {
        true => "<span class=\"here\">This is the step where it broke.</span>".to_string(),
        false => format!(r#"<button class="jump" data-step="{step}">Jump to step {step}, where it broke</button>"#),
    };
    format!(
        r#"<div class="violation-banner" role="alert" data-key="violation"><p><b>{}</b> — {}.{nodes}</p>{at}</div>"#,
        escape(&title),
        escape(&end.to_string())
    )
}
