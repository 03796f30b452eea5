//! The space-time (Lamport) diagram: a horizontal line per process (the
//! nodes n0… first, then the clients c0…), time in ticks from left to right,
//! every message an arrow from the step that sent it to the step that
//! delivered or dropped it, faults and timers marked on the lines,
//! milestones (a leader elected, replicas converged) flagged across them, client
//! operations as spans on the clients' lines. Pure text, like `render.rs`:
//! a small frame the page morphs, and the plot's elements one text each,
//! which the page keeps by `data-key` (`dom::KeyedLayer`).
//!
//! # How the page uses it
//!
//! - It keeps one [`DiagramIndex`] and calls [`DiagramIndex::follow`] with the
//!   run's whole trace every frame, before drawing. `follow` indexes only the
//!   steps added since the last call: which step sent each message and which
//!   step ended it, the longest flight seen, the faults, each node's crashed
//!   stretches and pauses, the clients' operations. It starts over by itself
//!   when the trace got shorter or one of the last [`STEPS_COMPARED`] steps
//!   it indexed changed, which is what a fork looks like (the page acted in
//!   the past: the trace was cut at the position and regrown).
//!   [`DiagramIndex::reset`] forces a fresh start, for a caller that knows it
//!   forked and wants to be sure.
//! - It draws with [`diagram`] for a [`DiagramView`]: where the window
//!   starts, the zoom (pixels per tick), the width in pixels (the `viewBox`
//!   is that wide, so text keeps its size), the position and the shown time,
//!   whether to label clocks, what to highlight. Only the window is drawn,
//!   and only up to the position (the future after a seek back is not
//!   drawn). The window's steps are found by binary search on tick; messages
//!   sent before it that arrive in or after it are found through the longest
//!   flight seen. At most [`ELEMENTS_DRAWN_MAX`] things are drawn; past that,
//!   timer firings and retries go first, then clock labels, then the oldest
//!   messages, and a note says what was left out. [`diagram_svg`] gives the
//!   same drawing as one text.
//! - [`tick_at`] turns a pointer's x (in the same pixels) into a tick, for
//!   zooming and scrubbing.
//!
//! # Why a frame and items
//!
//! While the run plays, the window follows the shown time and slides every
//! frame. So that sliding costs nothing, an element of the plot is drawn at
//! x = tick × zoom whatever the window, inside
//! `<g class="plot" transform="translate(OFFSET,0)" clip-path=…>`, where
//! OFFSET (in the frame) puts the window's start at the plot's left edge,
//! and a clip path (in the frame too) hides what reaches out of the window
//! and over the process names. An element that reaches into the window is
//! drawn whole; one entirely outside it is not drawn. An item's text then
//! depends only on the thing it stands for, the zoom, the position (its
//! state, and the class `current`), the highlight and the clock options;
//! and on the shown time for what is drawn up to "now": an operation
//! pending, a pause or a line still running, a message overdue. A message
//! in flight is drawn to where it is due and cut at "now" by a second clip
//! path (`clip-path="url(#diagram-clip-now)"` on its arrow), so that it
//! does not change while it flies. The frame (the two clip paths, the
//! axis, the process names, the now line, the note) is small and changes
//! as the window moves.
//!
//! # What the markup carries
//!
//! The root is `<svg class="spacetime" role="img">`; its CSS is
//! `static/diagram.css`. Everything drawn has a `data-key` that names the
//! same thing in every frame. The items: `life-n1` and `life-n1-s340` the
//! stretches of n1's line (the second begun by step 340), `life-c0` a
//! client's line, `p342` the pause begun by step 342, `o12` operation 12's
//! span, `m17` message 17's arrow, `s342` the mark of step 342 (a fault, a
//! timer firing, a retry), `ms342` the milestone told by step 342,
//! `l342` step 342's clock label, in that order
//! (the later on top). The frame: `ax100` (the axis at tick 100), `row-n1`
//! (a process's name), `plot` (the group the items go in, marked
//! `data-retained`), `now` and `note`.
//! What stands for a step carries `data-step`, the trace index of that step
//! (seek to `data-step + 1` to show it): the delivery or drop for an arrow
//! (the send for a message still in flight, or refused when sent), the
//! invocation for an operation, the step itself for a mark or a label, the
//! action for a stretch of a line or a pause, the last step taken for the
//! "now" line. Arrows, marks, spans, stretches and labels carry a `<title>`
//! in words. Elements of the step at the position get the class `current`,
//! those in the [`Highlight`] the class `hl`. Nothing is in the tab order:
//! the page offers keyboard stepping instead.

use crate::app::describe_action;
use crate::render::{axis_step, css_name, escape, message_class, message_style};
use faultline_collections::VecSet;
use faultline_scenario::{Action, ClientId, NodeId};
use faultline_sim::{AnySimulation, DropReason, Endpoint, HistoryEntry, Legend, SendFate, SentMessage, StepKind};
use faultline_sim::{MessageKindId, TraceStep};
use std::fmt::Write;

/// The most things (arrows, marks, spans, timer ticks, clock labels) one
/// drawing holds. While the run plays the page parses only the items that
/// changed, but a zoom or a seek far away changes them all: a thousand
/// take about 15 ms to parse in Chromium, a frame's worth, and the text
/// is built every frame. Past about a thousand arrows in a window they
/// cannot be told apart anyway; zooming in shows what was left out.
pub const ELEMENTS_DRAWN_MAX: usize = 1_000;

/// A flight longer than this (a message delayed by an action, or held for
/// a long-paused node) is kept in a list of its own instead of widening the
/// look-back before every window.
const LONG_FLIGHT_TICKS: u64 = 500;

/// How many of the last indexed steps `follow` compares with the trace to
/// notice a fork.
pub const STEPS_COMPARED: usize = 4;

/// The drawing's geometry, in pixels (the SVG's user units).
pub mod geometry {
    /// The strip above the lines with the tick labels.
    pub const AXIS_HEIGHT_PX: f64 = 18.0;
    pub const ROW_HEIGHT_PX: f64 = 26.0;
    /// The strip under the lines for the note on what was left out.
    pub const NOTE_HEIGHT_PX: f64 = 16.0;
    /// The column of process names.
    pub const LABEL_WIDTH_PX: f64 = 36.0;
    pub const RIGHT_MARGIN_PX: f64 = 8.0;
    /// The narrowest plot drawn, whatever width the page asks for.
    pub const PLOT_WIDTH_MIN_PX: f64 = 40.0;
    /// An operation's span, centred on its client's line.
    pub const SPAN_HEIGHT_PX: f64 = 10.0;
}
use geometry::*;

/// The diagram's height for this many processes (nodes and clients).
pub fn height_px(processes: u32) -> f64 {
    AXIS_HEIGHT_PX + ROW_HEIGHT_PX * processes as f64 + NOTE_HEIGHT_PX
}

/// Steps are stored as `u32`: a trace holds at most 2,000,000 steps
/// (`limits.steps_max`).
type StepAt = u32;

/// A step that has not happened (in the indexed trace).
const NO_STEP: StepAt = StepAt::MAX;

/// Where a message was sent, from whom, and what ended it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct MessageRecord {
    send_step: StepAt,
    /// Its place in the send step's `sent`.
    sent_slot: u32,
    /// The send step's process, or for a copy made by an action, the
    /// original's sender.
    from: Endpoint,
    /// The step that delivered or dropped it (the send step itself for one
    /// refused when sent); `NO_STEP` while in flight.
    end_step: StepAt,
    /// When it is due, as actions moved it.
    due_tick: u64,
}

impl MessageRecord {
    /// What stands for an id the trace skipped (the simulator never does),
    /// at the step that showed the gap, so that records stay in send order:
    /// ended there, never drawn.
    fn gap(at: StepAt) -> MessageRecord {
        MessageRecord { send_step: at, sent_slot: GAP_SLOT, from: Endpoint::Node(NodeId(0)), end_step: at, due_tick: 0 }
    }

    fn is_gap(&self) -> bool {
        self.sent_slot == GAP_SLOT
    }
}

const GAP_SLOT: u32 = u32::MAX;

/// How a node's line is drawn over a stretch of time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Life {
    #[default]
    Up,
    Crashed,
    Stopped,
    Left,
}

impl Life {
    fn class(self) -> &'static str {
        match self {
            Life::Up => "up",
            Life::Crashed => "crashed",
            Life::Stopped => "stopped",
            Life::Left => "left",
        }
    }
}

/// A change of a node's life, made by an action.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Transition {
    step: StepAt,
    tick: u64,
    life: Life,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct NodeRecord {
    /// The tick of its first step (a node that joined has no line before).
    first_tick: Option<u64>,
    transitions: Vec<Transition>,
    /// At the end of the indexed trace: its life, and its pause (an index
    /// into `pauses`) while that may still run.
    life: Life,
    pause: Option<usize>,
}

/// A stretch in which a node takes no steps.
#[derive(Clone, Debug, PartialEq, Eq)]
struct PauseSpan {
    step: StepAt,
    node: NodeId,
    from_tick: u64,
    until_tick: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OperationEnd {
    Open,
    Completed,
    GaveUp,
    /// The client was sent a scripted request while it waited: it stopped
    /// waiting, and the outcome is unknown (as after giving up).
    Abandoned,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct OperationRecord {
    client: ClientId,
    invoke_step: StepAt,
    end_step: StepAt,
    end: OperationEnd,
}

impl OperationRecord {
    const UNKNOWN: OperationRecord =
        OperationRecord { client: ClientId(0), invoke_step: NO_STEP, end_step: NO_STEP, end: OperationEnd::Open };
}

/// What the diagram needs to find a window's elements quickly, built a
/// step at a time as the trace grows (see the module's documentation).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiagramIndex {
    steps_indexed: usize,
    /// The last indexed steps, to notice that the trace changed under us.
    last_steps: Vec<TraceStep>,
    /// By message id (ids are handed out in send order, from 0).
    messages: Vec<MessageRecord>,
    /// Messages not ended in the indexed trace.
    in_flight: VecSet<u64>,
    /// Messages whose flight was longer than `LONG_FLIGHT_TICKS`.
    long_flights: Vec<u64>,
    /// The longest flight of the others.
    flight_ticks_max: u64,
    /// Every action step, in order.
    actions: Vec<StepAt>,
    /// Every step that told a milestone (a leader elected, a transaction
    /// decided, replicas converged), in order.
    milestones: Vec<StepAt>,
    /// Every timer firing and client retry, in order.
    minor_steps: Vec<StepAt>,
    pauses: Vec<PauseSpan>,
    nodes: Vec<NodeRecord>,
    /// By operation index.
    operations: Vec<OperationRecord>,
    /// Each client's operations, in order: each ends before the next begins.
    client_operations: Vec<Vec<u32>>,
}

impl DiagramIndex {
    /// Index the steps added to `trace` since the last call, after starting
    /// over if the trace is no longer the one indexed.
    pub fn follow(&mut self, trace: &[TraceStep]) {
        if !self.still_matches(trace) {
            self.reset();
        }
        if trace.len() == self.steps_indexed {
            return;
        }
        for at in self.steps_indexed..trace.len() {
            self.index_step(trace, at);
        }
        self.steps_indexed = trace.len();
        self.last_steps = trace[trace.len().saturating_sub(STEPS_COMPARED)..].to_vec();
    }

    /// Forget everything: the next `follow` indexes the trace from its start.
    pub fn reset(&mut self) {
        *self = DiagramIndex::default();
    }

    /// How many steps of the trace are indexed.
    pub fn steps_indexed(&self) -> usize {
        self.steps_indexed
    }

    fn still_matches(&self, trace: &[TraceStep]) -> bool {
        trace.len() >= self.steps_indexed && self.last_steps.iter().all(|s| trace.get(s.index as usize) == Some(s))
    }

    fn index_step(&mut self, trace: &[TraceStep], at: usize) {
        let step = &trace[at];
        let at = at as StepAt;
        if let Some(Endpoint::Node(node)) = step.process {
            self.node_mut(node).first_tick.get_or_insert(step.tick);
        }
        if let Some(message) = step.cause {
            self.end_message(trace, message.0, at);
        }
        match &step.kind {
            StepKind::Action { action, .. } => {
                self.actions.push(at);
                self.index_action(trace, step, at, action);
            }
            StepKind::Timer { .. } | StepKind::Retry { .. } => self.minor_steps.push(at),
            _ => {}
        }
        if step.milestones().next().is_some() {
            self.milestones.push(at);
        }
        self.index_sends(step, at);
        self.index_operation(step, at);
    }

    fn node_mut(&mut self, node: NodeId) -> &mut NodeRecord {
        let at = node.0 as usize;
        if self.nodes.len() <= at {
            self.nodes.resize(at + 1, NodeRecord::default());
        }
        &mut self.nodes[at]
    }

    fn end_message(&mut self, trace: &[TraceStep], id: u64, at: StepAt) {
        let Some(record) = self.messages.get_mut(id as usize) else { return };
        if record.end_step != NO_STEP {
            return; // a gap, or ended already
        }
        record.end_step = at;
        self.in_flight.remove(&id);
        let flight_ticks = trace[at as usize].tick - trace[record.send_step as usize].tick;
        if flight_ticks > LONG_FLIGHT_TICKS {
            self.long_flights.push(id);
        } else {
            self.flight_ticks_max = self.flight_ticks_max.max(flight_ticks);
        }
    }

    fn index_sends(&mut self, step: &TraceStep, at: StepAt) {
        // Only a copy made by an action is sent outside a process: from
        // the original's sender.
        let from = step.process.or_else(|| match &step.kind {
            StepKind::Action { action: Action::DuplicateMessage { message }, .. } => {
                self.messages.get(message.0 as usize).filter(|r| !r.is_gap()).map(|r| r.from)
            }
            _ => None,
        });
        for (slot, sent) in step.sent.iter().enumerate() {
            let id = sent.id.0 as usize;
            if self.messages.len() <= id {
                self.messages.resize(id + 1, MessageRecord::gap(at));
            }
            let Some(from) = from else { continue };
            let (end_step, due_tick) = match sent.fate {
                SendFate::InFlight { deliver_tick } => (NO_STEP, deliver_tick),
                SendFate::Dropped { .. } => (at, step.tick),
            };
            self.messages[id] = MessageRecord { send_step: at, sent_slot: slot as u32, from, end_step, due_tick };
            if end_step == NO_STEP {
                self.in_flight.insert(sent.id.0);
            }
        }
    }

    /// Follow what an action did to nodes and messages, by the simulator's
    /// rules (`World::apply_action_effects`). A crash, crash-stop, restart
    /// or pause names its node as the step's process only when that node
    /// exists.
    fn index_action(&mut self, trace: &[TraceStep], step: &TraceStep, at: StepAt, action: &Action) {
        let named = |node: &NodeId| step.process == Some(Endpoint::Node(*node));
        let life = |index: &DiagramIndex, node: &NodeId| index.nodes.get(node.0 as usize).map(|n| n.life);
        match action {
            Action::Crash { node } if named(node) && life(self, node) == Some(Life::Up) => {
                self.change_life(*node, step, Life::Crashed)
            }
            Action::CrashStop { node } if named(node) && matches!(life(self, node), Some(Life::Up | Life::Crashed)) => {
                self.change_life(*node, step, Life::Stopped)
            }
            Action::Restart { node } if named(node) && life(self, node) == Some(Life::Crashed) => {
                self.change_life(*node, step, Life::Up)
            }
            Action::Pause { node, ticks } if named(node) && life(self, node) == Some(Life::Up) => {
                self.pause(*node, step, at, *ticks)
            }
            Action::RemoveNode { node } if life(self, node).is_some_and(|l| l != Life::Left) => {
                // The last member stays.
                let others = self.nodes.iter().enumerate().any(|(n, r)| n != node.0 as usize && r.life != Life::Left);
                if others {
                    self.change_life(*node, step, Life::Left);
                }
            }
            Action::DropMessage { message } => self.end_message(trace, message.0, at),
            Action::DelayMessage { message, ticks } => self.move_due(message.0, |due| due + ticks),
            Action::DeliverMessage { message } => self.move_due(message.0, |_| step.tick),
            _ => {}
        }
    }

    fn change_life(&mut self, node: NodeId, step: &TraceStep, life: Life) {
        let at = step.index as StepAt;
        let record = self.node_mut(node);
        record.life = life;
        record.transitions.push(Transition { step: at, tick: step.tick, life });
        // Going down ends a pause.
        if let Some(pause) = record.pause.take().filter(|_| life != Life::Up) {
            let span = &mut self.pauses[pause];
            span.until_tick = span.until_tick.min(step.tick);
        }
    }

    fn pause(&mut self, node: NodeId, step: &TraceStep, at: StepAt, ticks: u64) {
        let until_tick = step.tick + ticks;
        let running = self.node_mut(node).pause.filter(|&p| self.pauses[p].until_tick > step.tick);
        match running {
            Some(pause) => {
                let span = &mut self.pauses[pause];
                span.until_tick = span.until_tick.max(until_tick);
            }
            None => {
                self.pauses.push(PauseSpan { step: at, node, from_tick: step.tick, until_tick });
                self.node_mut(node).pause = Some(self.pauses.len() - 1);
            }
        }
    }

    fn move_due(&mut self, id: u64, due: impl FnOnce(u64) -> u64) {
        if self.in_flight.contains(&id) {
            let record = &mut self.messages[id as usize];
            record.due_tick = due(record.due_tick);
        }
    }

    fn index_operation(&mut self, step: &TraceStep, at: StepAt) {
        match &step.kind {
            StepKind::Invoke { client, operation_index, .. } => self.begin_operation(*client, *operation_index, at),
            // A scripted request invokes an operation when it sends one.
            StepKind::Action { action: Action::ClientRequest { client, .. }, .. }
                if step.sent.iter().any(|s| s.kind == MessageKindId::Request) =>
            {
                self.begin_operation(*client, self.operations.len() as u32, at)
            }
            StepKind::Complete { operation_index, .. } => {
                self.end_operation(*operation_index, at, OperationEnd::Completed)
            }
            StepKind::GiveUp { operation_index, .. } => self.end_operation(*operation_index, at, OperationEnd::GaveUp),
            _ => {}
        }
    }

    fn begin_operation(&mut self, client: ClientId, operation: u32, at: StepAt) {
        let c = client.0 as usize;
        if self.client_operations.len() <= c {
            self.client_operations.resize(c + 1, Vec::new());
        }
        if let Some(&current) = self.client_operations[c].last() {
            self.end_operation(current, at, OperationEnd::Abandoned);
        }
        let o = operation as usize;
        if self.operations.len() <= o {
            self.operations.resize(o + 1, OperationRecord::UNKNOWN);
        }
        self.operations[o] = OperationRecord { client, invoke_step: at, end_step: NO_STEP, end: OperationEnd::Open };
        self.client_operations[c].push(operation);
    }

    fn end_operation(&mut self, operation: u32, at: StepAt, end: OperationEnd) {
        if let Some(record) = self.operations.get_mut(operation as usize).filter(|r| r.end == OperationEnd::Open) {
            record.end_step = at;
            record.end = end;
        }
    }
}

/// What to mark as linked (to a verdict, say): elements of these get the
/// class `hl`. An arrow is highlighted by its message id or its
/// `data-step`, a span by its operation index or its `data-step`, anything
/// else by its `data-step`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Highlight {
    pub steps: VecSet<u64>,
    pub operations: VecSet<usize>,
    pub messages: VecSet<u64>,
}

/// What to draw: where the window starts and the zoom, how wide the
/// drawing is, the position (steps at or after it are not drawn) and the
/// shown time (where "now" is, and how far messages in flight have gone),
/// and the options. The window ends where the plot does:
/// [`DiagramView::to_tick`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DiagramView {
    /// The tick at the plot's left edge.
    pub from_tick: f64,
    /// The zoom. A plot element's x is its tick times this, whatever the
    /// window, so that sliding the window changes none of them (see
    /// [`DiagramDrawing`]). Not positive or not finite: 1.
    pub px_per_tick: f64,
    /// The drawing's width (the `viewBox`'s): the column of process names,
    /// the plot ([`plot_width_px`]) and a margin.
    pub width_px: f64,
    pub position: u64,
    pub view_tick: f64,
    /// Label events with their Lamport clocks.
    pub lamport: bool,
    /// Label events with their vector clocks.
    pub vector: bool,
    pub highlight: Highlight,
}

impl DiagramView {
    /// A window as wide as the plot at `px_per_tick`, ending at the shown
    /// time (or starting at 0 while the run is younger than that), at the
    /// simulation's position.
    pub fn following(sim: &dyn AnySimulation, view_tick: f64, px_per_tick: f64, width_px: f64) -> DiagramView {
        let mut view =
            DiagramView { px_per_tick, width_px, position: sim.position(), view_tick, ..DiagramView::default() };
        let span_ticks = Scale::of(&view).span_ticks();
        view.from_tick = view_tick.max(span_ticks) - span_ticks;
        view
    }

    /// The tick at the plot's right edge: `from_tick` and the plot's width
    /// at the zoom.
    pub fn to_tick(&self) -> f64 {
        Scale::of(self).end_tick()
    }
}

/// The plot's width in a drawing `width_px` wide: what is left of it right
/// of the process names, less a margin (at least `PLOT_WIDTH_MIN_PX`).
/// A zoom that fits `span_ticks` into the window is this over `span_ticks`.
pub fn plot_width_px(width_px: f64) -> f64 {
    let width_px = if width_px.is_finite() { width_px } else { 0.0 };
    (width_px - LABEL_WIDTH_PX - RIGHT_MARGIN_PX).max(PLOT_WIDTH_MIN_PX)
}

/// The tick at `x_px` across the drawing (in the `viewBox`'s pixels, from
/// its left edge; not clamped to the window): `from_tick` at the plot's
/// left edge, one tick more every `px_per_tick`.
pub fn tick_at(view: &DiagramView, x_px: f64) -> f64 {
    Scale::of(view).tick_at(x_px)
}

/// From ticks to pixels. The plot's elements are drawn at `x`, in the
/// plot's own coordinates (tick × zoom); the plot group is moved by
/// `offset_px` to put the window's start at the plot's left edge, and what
/// is in the frame, outside the plot (the axis, the now line), at `frame_x`.
#[derive(Clone, Copy, Debug)]
struct Scale {
    from_tick: f64,
    px_per_tick: f64,
    plot_width_px: f64,
}

impl Scale {
    fn of(view: &DiagramView) -> Scale {
        let from_tick = if view.from_tick.is_finite() { view.from_tick } else { 0.0 };
        let px_per_tick = match view.px_per_tick.is_finite() && view.px_per_tick > 0.0 {
            true => view.px_per_tick,
            false => 1.0,
        };
        Scale { from_tick, px_per_tick, plot_width_px: plot_width_px(view.width_px) }
    }

    fn width_px(&self) -> f64 {
        LABEL_WIDTH_PX + self.plot_width_px + RIGHT_MARGIN_PX
    }

    fn span_ticks(&self) -> f64 {
        self.plot_width_px / self.px_per_tick
    }

    fn end_tick(&self) -> f64 {
        self.from_tick + self.span_ticks()
    }

    /// Where `tick` is in the plot's own coordinates. Rounded to a tenth
    /// here (as `Px` writes it), so that `frame_x` adds up exactly.
    fn x(&self, tick: f64) -> f64 {
        tenth(tick * self.px_per_tick)
    }

    /// How far the plot group is moved right: the window's start lands at
    /// the plot's left edge.
    fn offset_px(&self) -> f64 {
        tenth(LABEL_WIDTH_PX - self.from_tick * self.px_per_tick)
    }

    /// Where `tick` is in the drawing's coordinates: where the plot group
    /// puts its `x`.
    fn frame_x(&self, tick: f64) -> f64 {
        self.offset_px() + self.x(tick)
    }

    fn tick_at(&self, x_px: f64) -> f64 {
        self.from_tick + (x_px - LABEL_WIDTH_PX) / self.px_per_tick
    }

    fn contains(&self, tick: f64) -> bool {
        tick >= self.from_tick && tick <= self.end_tick()
    }

    /// Whether something from `t0` to `t1` reaches into the window.
    fn overlaps(&self, t0: f64, t1: f64) -> bool {
        t1 >= self.from_tick && t0.min(t1) <= self.end_tick()
    }
}

/// `value` rounded to a tenth.
fn tenth(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

type Point = (f64, f64);

/// Pixels to a tenth, written with integer formatting: a drawing writes
/// tens of thousands of coordinates, and `{:.1}` (exact float formatting)
/// took most of its time. A plot's x is tick × zoom, which reaches
/// millions on a long run at a close zoom: still exact in an `f64` and
/// written in full (no exponent), the same every time.
#[derive(Clone, Copy, Debug)]
struct Px(f64);

impl std::fmt::Display for Px {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tenths = (self.0 * 10.0).round() as i64;
        let sign = if tenths < 0 { "-" } else { "" };
        let (whole, tenth) = (tenths.unsigned_abs() / 10, tenths.unsigned_abs() % 10);
        match tenth {
            0 => write!(f, "{sign}{whole}"),
            _ => write!(f, "{sign}{whole}.{tenth}"),
        }
    }
}

/// The rows: nodes first, then clients.
#[derive(Clone, Copy, Debug)]
struct Rows {
    nodes: u32,
    clients: u32,
}

impl Rows {
    fn count(&self) -> u32 {
        self.nodes + self.clients
    }

    fn row(&self, endpoint: Endpoint) -> Option<u32> {
        match endpoint {
            Endpoint::Node(n) if n.0 < self.nodes => Some(n.0),
            Endpoint::Client(c) if c.0 < self.clients => Some(self.nodes + c.0),
            _ => None,
        }
    }

    fn y(&self, endpoint: Endpoint) -> Option<f64> {
        self.row(endpoint).map(|row| AXIS_HEIGHT_PX + ROW_HEIGHT_PX * (row as f64 + 0.5))
    }

    fn nodes_bottom_px(&self) -> f64 {
        AXIS_HEIGHT_PX + ROW_HEIGHT_PX * self.nodes as f64
    }

    fn bottom_px(&self) -> f64 {
        AXIS_HEIGHT_PX + ROW_HEIGHT_PX * self.count() as f64
    }
}

/// Everything one drawing reads.
struct Frame<'a> {
    index: &'a DiagramIndex,
    /// The steps before the position (and indexed).
    trace: &'a [TraceStep],
    sim: &'a dyn AnySimulation,
    history: &'a [HistoryEntry],
    legend: Legend,
    view: &'a DiagramView,
    scale: Scale,
    rows: Rows,
    /// Node numbers below this were there from the start.
    initial_nodes: u32,
    /// The window's steps are `trace[lo..hi]`; messages that reach into
    /// it were sent at `look_back` or later (or are listed apart).
    lo: usize,
    hi: usize,
    look_back: usize,
}

impl<'a> Frame<'a> {
    fn new(index: &'a DiagramIndex, sim: &'a dyn AnySimulation, view: &'a DiagramView) -> Frame<'a> {
        let full = sim.trace();
        let position = (view.position as usize).min(full.len()).min(index.steps_indexed);
        let trace = &full[..position];
        let scale = Scale::of(view);
        let lo = trace.partition_point(|s| (s.tick as f64) < scale.from_tick);
        let hi = lo + trace[lo..].partition_point(|s| (s.tick as f64) <= scale.end_tick());
        let earliest_send = scale.from_tick - index.flight_ticks_max as f64;
        let look_back = trace[..lo].partition_point(|s| (s.tick as f64) < earliest_send);
        let scenario = sim.scenario();
        Frame {
            index,
            trace,
            sim,
            history: sim.history(),
            legend: sim.legend(),
            view,
            scale,
            rows: Rows { nodes: sim.node_count(), clients: scenario.workload.clients },
            initial_nodes: scenario.protocol.node_count(),
            lo,
            hi,
            look_back,
        }
    }

    fn step(&self, at: StepAt) -> Option<&'a TraceStep> {
        self.trace.get(at as usize)
    }

    /// The step at the position: the last one taken.
    fn current_step(&self) -> Option<u64> {
        (self.trace.len() as u64).checked_sub(1)
    }

    /// " current" and " hl" as they apply to an element standing for `step`.
    fn state_classes(&self, step: u64, highlighted: bool) -> &'static str {
        let current = self.current_step() == Some(step);
        match (current, highlighted || self.view.highlight.steps.contains(&step)) {
            (true, true) => " current hl",
            (true, false) => " current",
            (false, true) => " hl",
            (false, false) => "",
        }
    }

    /// Whether a message's arrow reaches into the window: sent before its
    /// end, and not ended before its start.
    fn message_visible(&self, record: &MessageRecord) -> bool {
        (record.send_step as usize) < self.hi && record.end_step as usize >= self.lo
    }

    /// The shown time, never before the last step.
    fn now_tick(&self) -> f64 {
        let last = self.trace.last().map_or(0.0, |s| s.tick as f64);
        self.view.view_tick.max(last)
    }
}

/// What a drawing holds, chosen within [`ELEMENTS_DRAWN_MAX`].
#[derive(Default)]
struct Plan {
    marks: Vec<StepAt>,
    milestones: Vec<StepAt>,
    pauses: Vec<usize>,
    operations: Vec<u32>,
    messages: Vec<u64>,
    /// Timer firings and client retries.
    minor: Vec<StepAt>,
    clocks: Vec<StepAt>,
    left_out: LeftOut,
}

#[derive(Default)]
struct LeftOut {
    marks: usize,
    operations: usize,
    /// The newest message left out was sent at this tick.
    messages_until_tick: Option<u64>,
    minor: usize,
    /// The newest event whose clocks were left out is at this tick.
    clocks_until_tick: Option<u64>,
}

impl LeftOut {
    /// The note's sentence, or `None` when everything was drawn.
    fn sentence(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(tick) = self.messages_until_tick {
            parts.push(format!("messages sent at tick {tick} and before"));
        }
        let counted =
            [(self.marks, "actions"), (self.operations, "operations"), (self.minor, "timer firings and retries")];
        for (count, what) in counted {
            if count > 0 {
                parts.push(format!("{count} {what}"));
            }
        }
        if let Some(tick) = self.clocks_until_tick {
            parts.push(format!("the clocks at tick {tick} and before"));
        }
        if parts.is_empty() {
            return None;
        }
        Some(format!(
            "Too much to draw at this zoom: {} left out (at most {ELEMENTS_DRAWN_MAX} things are drawn). Zoom in to see them.",
            join_words(&parts)
        ))
    }
}

/// "a", "a and b", "a, b and c".
fn join_words(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Take at most `room` of `items` (oldest first), keeping the newest;
/// returns how many were left out.
fn keep_newest<T>(items: &mut Vec<T>, room: usize) -> usize {
    let left_out = items.len().saturating_sub(room);
    items.drain(..left_out);
    left_out
}

fn plan(frame: &Frame) -> Plan {
    let index = frame.index;
    let mut plan = Plan::default();
    let mut room = ELEMENTS_DRAWN_MAX;

    let first = index.actions.partition_point(|&s| (s as usize) < frame.lo);
    let last = index.actions.partition_point(|&s| (s as usize) < frame.hi);
    plan.marks = index.actions[first..last].to_vec();
    plan.left_out.marks = keep_newest(&mut plan.marks, room);
    room -= plan.marks.len();

    let first = index.milestones.partition_point(|&s| (s as usize) < frame.lo);
    let last = index.milestones.partition_point(|&s| (s as usize) < frame.hi);
    plan.milestones = index.milestones[first..last].to_vec();
    plan.left_out.marks += keep_newest(&mut plan.milestones, room);
    room -= plan.milestones.len();

    plan.pauses = pauses_in_window(frame);
    plan.left_out.marks += keep_newest(&mut plan.pauses, room);
    room -= plan.pauses.len();

    plan.operations = operations_in_window(frame);
    plan.left_out.operations = keep_newest(&mut plan.operations, room);
    room -= plan.operations.len();

    messages_in_window(frame, &mut plan, room);
    room = room.saturating_sub(plan.messages.len());
    // Clocks before timer firings: the user asked for them.
    if frame.view.lamport || frame.view.vector {
        clocks_in_window(frame, &mut plan, room);
        room -= plan.clocks.len();
    }
    minor_in_window(frame, &mut plan, room);
    plan.messages.sort_unstable();
    plan
}

fn pauses_in_window(frame: &Frame) -> Vec<usize> {
    let pauses = &frame.index.pauses;
    let begun = pauses.partition_point(|p| (p.step as usize) < frame.hi);
    (0..begun).filter(|&p| pauses[p].until_tick as f64 >= frame.scale.from_tick).collect()
}

/// Operations whose span reaches into the window, oldest first.
fn operations_in_window(frame: &Frame) -> Vec<u32> {
    let index = frame.index;
    let mut found = Vec::new();
    for operations in &index.client_operations {
        let invoked = operations.partition_point(|&o| (index.operations[o as usize].invoke_step as usize) < frame.hi);
        // Each ends before the next begins: walk back until one ended
        // before the window.
        for &operation in operations[..invoked].iter().rev() {
            if (index.operations[operation as usize].end_step as usize) < frame.lo {
                break;
            }
            found.push(operation);
            if found.len() > ELEMENTS_DRAWN_MAX * 2 {
                break; // more than can be drawn anyway
            }
        }
    }
    found.sort_unstable();
    found
}

/// The messages whose arrows reach into the window, newest first until the
/// room is full. Ids are handed out in send order, so the messages sent
/// from the look-back to the window's end are one run of ids.
fn messages_in_window(frame: &Frame, plan: &mut Plan, room: usize) {
    let index = frame.index;
    // Long flights and messages never ended, sent before the look-back.
    let first = index.messages.partition_point(|r| (r.send_step as usize) < frame.look_back);
    for &id in index.long_flights.iter().chain(&index.in_flight) {
        if (id as usize) < first && frame.message_visible(&index.messages[id as usize]) {
            plan.messages.push(id);
        }
    }
    let end = first + index.messages[first..].partition_point(|r| (r.send_step as usize) < frame.hi);
    for id in (first..end).rev() {
        let record = &index.messages[id];
        if !frame.message_visible(record) {
            continue;
        }
        if plan.messages.len() >= room {
            plan.left_out.messages_until_tick = frame.step(record.send_step).map(|s| s.tick);
            add_highlighted_messages(frame, plan, first..id + 1);
            break;
        }
        plan.messages.push(id as u64);
    }
}

/// Highlighted messages among `ids`, which the room left out: drawn all
/// the same.
fn add_highlighted_messages(frame: &Frame, plan: &mut Plan, ids: std::ops::Range<usize>) {
    for &id in frame.view.highlight.messages.range(ids.start as u64..ids.end as u64) {
        if frame.message_visible(&frame.index.messages[id as usize]) {
            plan.messages.push(id);
        }
    }
}

/// The window's timer firings and retries, the newest that fit.
fn minor_in_window(frame: &Frame, plan: &mut Plan, room: usize) {
    let minor = &frame.index.minor_steps;
    let first = minor.partition_point(|&s| (s as usize) < frame.lo);
    let end = first + minor[first..].partition_point(|&s| (s as usize) < frame.hi);
    let from = first.max(end.saturating_sub(room));
    plan.minor = minor[from..end].to_vec();
    plan.left_out.minor = from - first;
}

/// The window's events (steps at a process), the newest that fit.
fn clocks_in_window(frame: &Frame, plan: &mut Plan, room: usize) {
    for at in (frame.lo..frame.hi).rev() {
        let step = &frame.trace[at];
        if step.process.is_none() {
            continue;
        }
        if plan.clocks.len() >= room {
            plan.left_out.clocks_until_tick = Some(step.tick);
            break;
        }
        plan.clocks.push(at as StepAt);
    }
    plan.clocks.reverse();
}

/// One element of the plot: the thing it stands for, as its `data-key`,
/// and its markup, one top-level SVG element carrying that `data-key` (a
/// `<g>` when it takes several shapes). Keys are unique in a drawing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiagramItem {
    pub key: String,
    pub markup: String,
}

/// A drawing of the diagram, in two parts (see the module's
/// documentation): the frame, small and redrawn whole, and the plot's
/// items, each drawn in the plot's own coordinates so that its text stays
/// the same while the window slides.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiagramDrawing {
    /// The `<svg>` with everything but the plot's items: the clip paths
    /// (in `<defs>`), the axis, the process names, an empty
    /// `<g class="plot" data-key="plot" data-retained="" transform=…
    /// clip-path=…>` for the items, the now line and the note. About 3 kB;
    /// it changes whenever the window moves.
    pub frame: String,
    /// The plot's elements in drawing order (the later on top): the
    /// processes' lines, pauses, operations, arrows, timer firings and
    /// retries, actions, clock labels.
    pub items: Vec<DiagramItem>,
}

/// The `id` of the plot's `clipPath`: a page shows one diagram at a time.
pub const CLIP_PATH_ID: &str = "diagram-clip";

/// The `id` of the `clipPath` that ends at the shown time, for the arrows
/// in flight: each is drawn to where it is due and cut there, so that its
/// text stays the same while it flies (it changes with the shown time only
/// once overdue).
pub const NOW_CLIP_PATH_ID: &str = "diagram-clip-now";

/// What an arrow in flight carries.
const NOW_CLIPPED: &str = r#" clip-path="url(#diagram-clip-now)""#;

/// What ends the plot group's opening tag in the frame (its children go
/// right after).
const PLOT_OPENED: &str = r#" clip-path="url(#diagram-clip)">"#;

impl DiagramDrawing {
    /// The whole `<svg>`: the frame with the items inside its plot group.
    pub fn svg(&self) -> String {
        let at = self.frame.find(PLOT_OPENED).map_or(0, |at| at + PLOT_OPENED.len());
        let length = self.items.iter().map(|item| item.markup.len()).sum::<usize>();
        let mut svg = String::with_capacity(self.frame.len() + length);
        svg.push_str(&self.frame[..at]);
        for item in &self.items {
            svg.push_str(&item.markup);
        }
        svg.push_str(&self.frame[at..]);
        svg
    }
}

/// The space-time diagram for `view`, from the steps `index` has indexed
/// (call [`DiagramIndex::follow`] first).
pub fn diagram(index: &DiagramIndex, sim: &dyn AnySimulation, view: &DiagramView) -> DiagramDrawing {
    let frame = Frame::new(index, sim, view);
    let plan = plan(&frame);
    let mut items = Vec::with_capacity(
        frame.rows.count() as usize
            + plan.pauses.len()
            + plan.operations.len()
            + plan.messages.len()
            + plan.minor.len()
            + plan.marks.len()
            + plan.milestones.len()
            + plan.clocks.len(),
    );
    life_items(&mut items, &frame);
    items.extend(plan.pauses.iter().filter_map(|&pause| pause_item(&frame, &index.pauses[pause])));
    items.extend(plan.operations.iter().filter_map(|&operation| operation_item(&frame, operation)));
    items.extend(plan.messages.iter().filter_map(|&id| message_item(&frame, id)));
    items.extend(plan.minor.iter().filter_map(|&at| minor_item(&frame, at)));
    items.extend(plan.marks.iter().filter_map(|&at| mark_item(&frame, at)));
    items.extend(plan.milestones.iter().filter_map(|&at| milestone_item(&frame, at)));
    items.extend(plan.clocks.iter().filter_map(|&at| clock_item(&frame, at)));
    DiagramDrawing { frame: frame_svg(&frame, &plan), items }
}

/// The whole `<svg>` of [`diagram`], in one text: for tests and callers
/// that put it into the page whole.
pub fn diagram_svg(index: &DiagramIndex, sim: &dyn AnySimulation, view: &DiagramView) -> String {
    diagram(index, sim, view).svg()
}

/// Everything but the plot's items.
fn frame_svg(frame: &Frame, plan: &Plan) -> String {
    let scale = frame.scale;
    let width = scale.width_px();
    let height = height_px(frame.rows.count());
    let mut svg = String::with_capacity(4 * 1024);
    let _ = write!(
        svg,
        r#"<svg class="spacetime" viewBox="0 0 {width:.0} {height:.0}" width="{width:.0}" height="{height:.0}" role="img" aria-label="Space-time diagram, ticks {from:.0} to {to:.0}: a line per process, an arrow per message">"#,
        from = scale.from_tick,
        to = scale.end_tick(),
    );
    // In the plot group's coordinates: a clip path is in the user space of
    // the element that uses it, which its own transform is part of (and an
    // item has none of its own).
    let (x, now_x) = (scale.x(scale.from_tick), scale.x(frame.now_tick()));
    let _ = write!(
        svg,
        r#"<defs><clipPath id="{CLIP_PATH_ID}"><rect x="{x}" y="0" width="{w}" height="{height:.0}"/></clipPath><clipPath id="{NOW_CLIP_PATH_ID}"><rect x="{x}" y="0" width="{now_w}" height="{height:.0}"/></clipPath></defs>"#,
        x = Px(x),
        w = Px(scale.plot_width_px),
        now_w = Px((now_x - x).max(0.0)),
    );
    axis_svg(&mut svg, frame);
    row_labels_svg(&mut svg, frame);
    let _ = write!(
        svg,
        r#"<g class="plot" data-key="plot" data-retained="" transform="translate({offset},0)"{PLOT_OPENED}</g>"#,
        offset = Px(scale.offset_px()),
    );
    now_svg(&mut svg, frame);
    if let Some(sentence) = plan.left_out.sentence() {
        let _ = write!(
            svg,
            r#"<text class="note" data-key="note" x="{LABEL_WIDTH_PX}" y="{}">{}</text>"#,
            Px(height - 4.0),
            escape(&sentence)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Grid lines at round ticks, labelled above the lines.
fn axis_svg(svg: &mut String, frame: &Frame) {
    let scale = frame.scale;
    let step = axis_step(scale.span_ticks());
    let mut tick = (scale.from_tick / step).ceil() * step;
    while tick <= scale.end_tick() {
        let x = scale.frame_x(tick);
        let edge = if x > scale.width_px() - 24.0 { " at-right-edge" } else { "" };
        let _ = write!(
            svg,
            r#"<g class="axis{edge}" data-key="ax{tick}"><line x1="{x}" x2="{x}" y1="{AXIS_HEIGHT_PX}" y2="{bottom}"/><text x="{x}" y="12">{tick}</text></g>"#,
            x = Px(x),
            bottom = Px(frame.rows.bottom_px()),
        );
        tick += step;
    }
}

/// Each process's name, in the column left of the plot; a node's says
/// how it is at the position.
fn row_labels_svg(svg: &mut String, frame: &Frame) {
    for n in 0..frame.rows.nodes {
        let node = NodeId(n);
        let life = node_transitions(frame, node).last().map_or(Life::Up, |t| t.life);
        row_label_svg(svg, frame, Endpoint::Node(node), life);
    }
    for c in 0..frame.rows.clients {
        row_label_svg(svg, frame, Endpoint::Client(ClientId(c)), Life::Up);
    }
}

fn row_label_svg(svg: &mut String, frame: &Frame, endpoint: Endpoint, life: Life) {
    let y = frame.rows.y(endpoint).unwrap_or_default();
    let _ = write!(
        svg,
        r#"<text class="row-label {life}" data-key="row-{endpoint}" x="4" y="{}">{endpoint}<title>{endpoint}: {words}</title></text>"#,
        Px(y + 4.0),
        life = life.class(),
        words = life_words(life),
    );
}

fn life_words(life: Life) -> &'static str {
    match life {
        Life::Up => "up",
        Life::Crashed => "crashed",
        Life::Stopped => "crash-stopped",
        Life::Left => "left the cluster",
    }
}

/// A node's changes of life before the position.
fn node_transitions<'a>(frame: &Frame<'a>, node: NodeId) -> &'a [Transition] {
    let record = frame.index.nodes.get(node.0 as usize);
    let transitions = record.map_or(&[][..], |r| &r.transitions[..]);
    &transitions[..transitions.partition_point(|t| (t.step as usize) < frame.trace.len())]
}

/// Each process's line: a node's changes with its life (crashed,
/// crash-stopped, gone), up to the shown time.
fn life_items(items: &mut Vec<DiagramItem>, frame: &Frame) {
    for n in 0..frame.rows.nodes {
        node_life_items(items, frame, NodeId(n));
    }
    for c in 0..frame.rows.clients {
        let endpoint = Endpoint::Client(ClientId(c));
        let y = frame.rows.y(endpoint).unwrap_or_default();
        if !frame.scale.overlaps(0.0, frame.now_tick()) {
            continue;
        }
        let key = format!("life-{endpoint}");
        let markup = format!(
            r#"<line class="life client" data-key="{key}" x1="0" x2="{x1}" y1="{y}" y2="{y}"><title>{endpoint}</title></line>"#,
            x1 = Px(frame.scale.x(frame.now_tick())),
            y = Px(y),
        );
        items.push(DiagramItem { key, markup });
    }
}

fn node_life_items(items: &mut Vec<DiagramItem>, frame: &Frame, node: NodeId) {
    let y = frame.rows.y(Endpoint::Node(node)).unwrap_or_default();
    let transitions = node_transitions(frame, node);
    let first_tick = match node.0 < frame.initial_nodes {
        true => Some(0),
        false => frame.index.nodes.get(node.0 as usize).and_then(|r| r.first_tick),
    };
    let Some(first_tick) = first_tick else { return };
    // The stretch the window starts in (`None`: up since its first tick),
    // then each change inside the window.
    let scale = frame.scale;
    let start = transitions.partition_point(|t| (t.tick as f64) <= scale.from_tick);
    let mut stretch = start.checked_sub(1);
    loop {
        let from_tick = stretch.map_or(first_tick, |t| transitions[t].tick) as f64;
        if from_tick > scale.end_tick() {
            break;
        }
        let next = stretch.map_or(start, |t| t + 1);
        let until_tick = transitions.get(next).map_or(frame.now_tick(), |t| t.tick as f64);
        items.extend(life_item(frame, node, stretch.map(|t| &transitions[t]), (from_tick, until_tick), y));
        if next >= transitions.len() {
            break;
        }
        stretch = Some(next);
    }
}

/// One stretch of a node's line, begun by `transition` (or by its start),
/// drawn whole.
fn life_item(
    frame: &Frame,
    node: NodeId,
    transition: Option<&Transition>,
    (from_tick, until_tick): (f64, f64),
    y: f64,
) -> Option<DiagramItem> {
    let life = transition.map_or(Life::Up, |t| t.life);
    if life == Life::Left || !frame.scale.overlaps(from_tick, until_tick) {
        return None;
    }
    let (key, step, title) = match transition {
        None => (format!("life-{node}"), String::new(), format!("{node} up")),
        Some(t) => (
            format!("life-{node}-s{}", t.step),
            format!(r#" data-step="{}""#, t.step),
            format!("{node} {} at tick {}", life_words(life), t.tick),
        ),
    };
    let markup = format!(
        r#"<line class="life {life}" data-key="{key}"{step} x1="{x0}" x2="{x1}" y1="{y}" y2="{y}"><title>{title}</title></line>"#,
        life = life.class(),
        x0 = Px(frame.scale.x(from_tick)),
        x1 = Px(frame.scale.x(until_tick)),
        y = Px(y),
    );
    Some(DiagramItem { key, markup })
}

fn pause_item(frame: &Frame, pause: &PauseSpan) -> Option<DiagramItem> {
    let y = frame.rows.y(Endpoint::Node(pause.node))?;
    let until_tick = (pause.until_tick as f64).min(frame.now_tick());
    if !frame.scale.overlaps(pause.from_tick as f64, until_tick) {
        return None;
    }
    let (x0, x1) = (frame.scale.x(pause.from_tick as f64), frame.scale.x(until_tick));
    let key = format!("p{}", pause.step);
    let markup = format!(
        r#"<rect class="paused-band{state}" data-key="{key}" data-step="{step}" x="{x0}" y="{top}" width="{w}" height="{h}"><title>{node} paused from tick {from} until tick {until}</title></rect>"#,
        state = frame.state_classes(pause.step as u64, false),
        step = pause.step,
        x0 = Px(x0),
        top = Px(y - ROW_HEIGHT_PX / 2.0 + 3.0),
        w = Px((x1 - x0).max(1.0)),
        h = Px(ROW_HEIGHT_PX - 6.0),
        node = pause.node,
        from = pause.from_tick,
        until = pause.until_tick,
    );
    Some(DiagramItem { key, markup })
}

fn operation_item(frame: &Frame, operation: u32) -> Option<DiagramItem> {
    let record = &frame.index.operations[operation as usize];
    let entry = frame.history.get(operation as usize)?;
    let invoke = frame.step(record.invoke_step)?;
    let y = frame.rows.y(Endpoint::Client(record.client))?;
    let end = frame.step(record.end_step);
    let (end_tick, state) = match (end, record.end) {
        (Some(end), OperationEnd::Completed) => (end.tick as f64, "done"),
        (Some(end), _) => (end.tick as f64, "unknown"),
        (None, _) => (frame.now_tick(), "pending"),
    };
    let invoke_tick = invoke.tick as f64;
    if !frame.scale.overlaps(invoke_tick, end_tick) {
        return None;
    }
    let (x0, x1) = (frame.scale.x(invoke_tick), frame.scale.x(end_tick.max(invoke_tick)));
    let look = frame.sim.look(entry);
    let colour = if look.kind.colour.is_empty() { "#8a94a3" } else { look.kind.colour };
    // The history is the simulation's at its position, which may be
    // later than the view's: the answer is the one given by the view's.
    let result = match (state, &entry.output) {
        ("done", Some(output)) => output.to_string(),
        ("unknown", _) => "unknown (gave up)".to_string(),
        _ => "pending".to_string(),
    };
    let until = end.map_or_else(|| "…".to_string(), |e| e.tick.to_string());
    let highlighted = frame.view.highlight.operations.contains(&(operation as usize));
    let key = format!("o{operation}");
    let mut markup = format!(
        r#"<g class="op {kind} {state}{classes}" data-key="{key}" data-op="{operation}" data-step="{step}" style="--kind:{colour}"><title>#{operation} {client} {what} → {result}, ticks {from}–{until}</title><rect x="{x0}" y="{top}" width="{w}" height="{SPAN_HEIGHT_PX}" rx="2"/>"#,
        kind = css_name(look.kind.name),
        classes = frame.state_classes(record.invoke_step as u64, highlighted),
        step = record.invoke_step,
        colour = escape(colour),
        client = record.client,
        what = escape(&entry.operation.to_string()),
        result = escape(&result),
        from = invoke.tick,
        x0 = Px(x0),
        top = Px(y - SPAN_HEIGHT_PX / 2.0),
        w = Px((x1 - x0).max(2.0)),
    );
    if state == "unknown" {
        // Where the client stopped waiting.
        let _ = write!(markup, r#"<path class="gave-up" d="M{} {}V{}"/>"#, Px(x1), Px(y - 7.0), Px(y + 7.0));
    }
    markup.push_str("</g>");
    Some(DiagramItem { key, markup })
}

/// How a message's arrow ends at the position.
enum Ending<'a> {
    Delivered(&'a TraceStep),
    /// Reached the receiver and was not delivered.
    DroppedOnArrival(&'a TraceStep, DropReason),
    /// Dropped in flight by an action.
    DroppedInFlight(&'a TraceStep),
    Refused(DropReason),
    InFlight,
}

fn ending<'a>(frame: &Frame<'a>, record: &MessageRecord, sent: &SentMessage) -> Ending<'a> {
    if let SendFate::Dropped { reason } = sent.fate {
        return Ending::Refused(reason);
    }
    match frame.step(record.end_step).map(|end| (end, &end.kind)) {
        None => Ending::InFlight,
        Some((end, StepKind::Drop { reason, .. })) => Ending::DroppedOnArrival(end, *reason),
        Some((end, StepKind::Action { .. })) => Ending::DroppedInFlight(end),
        Some((end, _)) => Ending::Delivered(end),
    }
}

/// An arrow's shape: the line (in the plot's pixels), its end drawn as a
/// head or a cross or open (in flight: cut at the shown time), and what it
/// says.
struct Arrow {
    from: Point,
    to: Point,
    end: End,
    state: &'static str,
    data_step: u64,
    words: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    Head,
    Cross,
    /// In flight.
    Open,
}

/// The point at `tick` on the way from `(t0, y0)` to `(t1, y1)`.
fn along((t0, y0): (f64, f64), (t1, y1): (f64, f64), tick: f64) -> (f64, f64) {
    match t1 > t0 {
        true => (tick, y0 + (y1 - y0) * ((tick - t0) / (t1 - t0)).clamp(0.0, 1.0)),
        false => (tick, y1),
    }
}

/// The whole arrow, from the send to where it ends (or has got to), or
/// `None` when none of it is in the window.
fn arrow(frame: &Frame, record: &MessageRecord, sent: &SentMessage, from_y: f64, to_y: f64) -> Option<Arrow> {
    let send_tick = frame.step(record.send_step)?.tick;
    let start = (send_tick as f64, from_y);
    let (stop, end, state, data_step, words) = match ending(frame, record, sent) {
        Ending::Delivered(step) => {
            let words = format!("sent tick {send_tick}, delivered tick {}", step.tick);
            ((step.tick as f64, to_y), End::Head, "delivered", step.index, words)
        }
        Ending::DroppedOnArrival(step, reason) => {
            let words = format!("sent tick {send_tick}, dropped tick {}: {reason}", step.tick);
            ((step.tick as f64, to_y), End::Cross, "dropped", step.index, words)
        }
        Ending::DroppedInFlight(step) => {
            let stop = along(start, (record.due_tick as f64, to_y), step.tick as f64);
            let words = format!("sent tick {send_tick}, dropped in flight tick {}: {}", step.tick, DropReason::Action);
            (stop, End::Cross, "dropped", step.index, words)
        }
        Ending::Refused(reason) => {
            if !frame.scale.contains(send_tick as f64) {
                return None;
            }
            // A stub toward the receiver, crossed out.
            let from = (frame.scale.x(send_tick as f64), from_y);
            let to = (from.0 + 10.0, from_y + 7.0 * (to_y - from_y).signum());
            let words = format!("dropped when sent, tick {send_tick}: {reason}");
            let data_step = record.send_step as u64;
            return Some(Arrow { from, to, end: End::Cross, state: "refused", data_step, words });
        }
        Ending::InFlight => {
            // Toward its due time (or the receiver's line at the shown time,
            // once overdue), cut at the shown time by the clip path
            // `NOW_CLIP_PATH_ID`: so its text stays the same while it flies.
            let target_tick = (record.due_tick as f64).max(frame.now_tick());
            let words = format!("sent tick {send_tick}, in flight (due tick {})", record.due_tick);
            ((target_tick, to_y), End::Open, "in-flight", record.send_step as u64, words)
        }
    };
    let in_flight = end == End::Open;
    let seen_until_tick = if in_flight { frame.now_tick() } else { stop.0 };
    if !frame.scale.overlaps(start.0, seen_until_tick) {
        return None;
    }
    let from = (frame.scale.x(start.0), start.1);
    let to = (frame.scale.x(stop.0), stop.1);
    Some(Arrow { from, to, end, state, data_step, words })
}

fn message_item(frame: &Frame, id: u64) -> Option<DiagramItem> {
    let record = &frame.index.messages[id as usize];
    let sent = frame.step(record.send_step).and_then(|s| s.sent.get(record.sent_slot as usize))?;
    let (from_y, to_y) = (frame.rows.y(record.from)?, frame.rows.y(sent.to)?);
    let arrow = arrow(frame, record, sent, from_y, to_y)?;
    let line = format!("M{} {}L{} {}", Px(arrow.from.0), Px(arrow.from.1), Px(arrow.to.0), Px(arrow.to.1));
    let colour = message_style(&frame.legend, sent.kind).map(|s| s.colour).filter(|c| !c.is_empty());
    let highlighted = frame.view.highlight.messages.contains(&id);
    let key = format!("m{id}");
    let mut markup = format!(
        r#"<g class="msg {class} {state}{classes}" data-key="{key}" data-step="{step}"{style}{clip}><title>{message} {from}→{to} {label} {words}</title><path class="hit" d="{line}"/><path class="line" d="{line}{head}"/>"#,
        class = message_class(sent.kind),
        state = arrow.state,
        classes = frame.state_classes(arrow.data_step, highlighted),
        step = arrow.data_step,
        style = colour.map(|c| format!(r#" style="--kind:{}""#, escape(c))).unwrap_or_default(),
        message = sent.id,
        from = record.from,
        to = sent.to,
        label = escape(&sent.label),
        words = arrow.words,
        head = if arrow.end == End::Head { head_path(arrow.from, arrow.to) } else { String::new() },
        clip = if arrow.end == End::Open { NOW_CLIPPED } else { "" },
    );
    if arrow.end == End::Cross {
        let _ = write!(markup, r#"<path class="x" d="{}"/>"#, cross_path(arrow.to, 4.0));
    }
    markup.push_str("</g>");
    Some(DiagramItem { key, markup })
}

/// An open arrowhead at `to`, pointing along the line from `from`.
fn head_path(from: Point, to: Point) -> String {
    let (dx, dy) = (to.0 - from.0, to.1 - from.1);
    let length = dx.hypot(dy);
    if length < 1.0 {
        return String::new();
    }
    let (ux, uy) = (dx / length, dy / length);
    let (back_x, back_y) = (to.0 - 6.0 * ux, to.1 - 6.0 * uy);
    let (side_x, side_y) = (-3.0 * uy, 3.0 * ux);
    format!(
        "M{} {}L{} {}L{} {}",
        Px(back_x + side_x),
        Px(back_y + side_y),
        Px(to.0),
        Px(to.1),
        Px(back_x - side_x),
        Px(back_y - side_y)
    )
}

fn cross_path((x, y): Point, size: f64) -> String {
    format!(
        "M{} {}L{} {}M{} {}L{} {}",
        Px(x - size),
        Px(y - size),
        Px(x + size),
        Px(y + size),
        Px(x - size),
        Px(y + size),
        Px(x + size),
        Px(y - size)
    )
}

/// A timer firing or a client's retry: a small tick on the line.
fn minor_item(frame: &Frame, at: StepAt) -> Option<DiagramItem> {
    let step = frame.step(at)?;
    let (class, title) = match &step.kind {
        StepKind::Timer { node, label, .. } => ("timer", format!("{node}: {} timer fired", escape(label))),
        StepKind::Retry { request, node } => (
            "retry",
            format!("{} retried #{} at {node} (attempt {})", request.client, request.operation_index, request.attempt),
        ),
        _ => return None,
    };
    let y = step.process.and_then(|p| frame.rows.y(p))?;
    let key = format!("s{at}");
    let markup = format!(
        r#"<line class="{class}{classes}" data-key="{key}" data-step="{at}" x1="{x}" x2="{x}" y1="{}" y2="{}"><title>{title}, tick {tick}</title></line>"#,
        Px(y - 4.0),
        Px(y + 4.0),
        x = Px(frame.scale.x(step.tick as f64)),
        classes = frame.state_classes(at as u64, false),
        tick = step.tick,
    );
    Some(DiagramItem { key, markup })
}

/// An action: on its node's or client's line, or across the nodes' lines
/// when it is the network's (a partition, a heal, a message dropped).
fn mark_item(frame: &Frame, at: StepAt) -> Option<DiagramItem> {
    let step = frame.step(at)?;
    let StepKind::Action { action, note } = &step.kind else { return None };
    let x = frame.scale.x(step.tick as f64);
    let note = if note.is_empty() { String::new() } else { format!(" ({note})") };
    let key = format!("s{at}");
    let mut markup = format!(
        r#"<g class="mark {kind}{classes}" data-key="{key}" data-step="{at}"><title>{what}, tick {tick}{note}</title>"#,
        kind = action.name(),
        classes = frame.state_classes(at as u64, false),
        what = escape(&action_words(action)),
        tick = step.tick,
        note = escape(&note),
    );
    match step.process.and_then(|p| frame.rows.y(p)) {
        Some(y) => markup.push_str(&row_mark_shape(action, (x, y))),
        None => {
            let (top, bottom) = (AXIS_HEIGHT_PX, frame.rows.nodes_bottom_px());
            let _ = write!(
                markup,
                r#"<line class="hit" x1="{x}" x2="{x}" y1="{top}" y2="{bottom}"/><line class="across" x1="{x}" x2="{x}" y1="{top}" y2="{bottom}"/>"#,
                x = Px(x),
                bottom = Px(bottom),
            );
        }
    }
    markup.push_str("</g>");
    Some(DiagramItem { key, markup })
}

/// A milestone: a flag on the axis and a dashed line across the nodes'
/// lines at its tick, its words in the title.
fn milestone_item(frame: &Frame, at: StepAt) -> Option<DiagramItem> {
    let step = frame.step(at)?;
    let words: Vec<&str> = step.milestones().collect();
    let x = Px(frame.scale.x(step.tick as f64));
    let (top, bottom) = (AXIS_HEIGHT_PX, Px(frame.rows.nodes_bottom_px()));
    let key = format!("ms{at}");
    let markup = format!(
        r#"<g class="milestone{classes}" data-key="{key}" data-step="{at}"><title>{what}, tick {tick}</title><line class="hit" x1="{x}" x2="{x}" y1="{top}" y2="{bottom}"/><line class="flag" x1="{x}" x2="{x}" y1="{top}" y2="{bottom}"/><path d="M{x} {top}l5 -5l-5 -5l-5 5Z"/></g>"#,
        classes = frame.state_classes(at as u64, false),
        what = escape(&words.join("; ")),
        tick = step.tick,
    );
    Some(DiagramItem { key, markup })
}

/// A crash is a cross, a crash-stop a cross with a bar, a restart a ring,
/// a pause two bars, anything else (a manual step, a scripted request) a
/// diamond.
fn row_mark_shape(action: &Action, (x, y): Point) -> String {
    match action {
        Action::Crash { .. } => format!(r#"<path d="{}"/>"#, cross_path((x, y), 5.0)),
        Action::CrashStop { .. } => {
            format!(r#"<path d="{}M{} {}V{}"/>"#, cross_path((x, y), 5.0), Px(x), Px(y - 9.0), Px(y + 9.0))
        }
        Action::Restart { .. } => format!(r#"<circle cx="{}" cy="{}" r="4"/>"#, Px(x), Px(y)),
        Action::Pause { .. } => format!(
            r#"<path d="M{} {}V{}M{} {}V{}"/>"#,
            Px(x - 2.0),
            Px(y - 6.0),
            Px(y + 6.0),
            Px(x + 2.0),
            Px(y - 6.0),
            Px(y + 6.0)
        ),
        _ => format!(
            r#"<path d="M{x} {}L{} {y}L{x} {}L{} {y}Z"/>"#,
            Px(y - 5.0),
            Px(x + 5.0),
            Px(y + 5.0),
            Px(x - 5.0),
            x = Px(x),
            y = Px(y)
        ),
    }
}

/// An action in words; a partition names its islands.
fn action_words(action: &Action) -> String {
    match action {
        Action::Partition { islands } => {
            let islands: Vec<String> = islands
                .iter()
                .map(|island| island.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(" "))
                .collect();
            format!("partition the network: {} (nodes not named form one more island)", islands.join(" | "))
        }
        _ => describe_action(action),
    }
}

/// A step's clocks, over its event.
fn clock_item(frame: &Frame, at: StepAt) -> Option<DiagramItem> {
    let step = frame.step(at)?;
    let process = step.process?;
    let y = frame.rows.y(process)?;
    let vector = step.vector.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(",");
    let text = match (frame.view.lamport, frame.view.vector) {
        (true, true) => format!("{} ⟨{vector}⟩", step.lamport),
        (true, false) => step.lamport.to_string(),
        _ => format!("⟨{vector}⟩"),
    };
    let key = format!("l{at}");
    let markup = format!(
        r#"<text class="clock{classes}" data-key="{key}" data-step="{at}" x="{x}" y="{y}">{text}<title>{process} after step {at}, tick {tick}: Lamport clock {lamport}, vector clock [{vector}]</title></text>"#,
        classes = frame.state_classes(at as u64, false),
        x = Px(frame.scale.x(step.tick as f64)),
        y = Px(y - 6.0),
        tick = step.tick,
        lamport = step.lamport,
    );
    Some(DiagramItem { key, markup })
}

/// The shown time, across every line (in the frame, over the plot).
fn now_svg(svg: &mut String, frame: &Frame) {
    let tick = frame.view.view_tick;
    if !frame.scale.contains(tick) {
        return;
    }
    let x = frame.scale.frame_x(tick);
    let step = frame.current_step().map(|s| format!(r#" data-step="{s}""#)).unwrap_or_default();
    let _ = write!(
        svg,
        r#"<line class="now" data-key="now"{step} x1="{x}" x2="{x}" y1="{AXIS_HEIGHT_PX}" y2="{bottom}"><title>now: tick {tick:.0}, step {position}</title></line>"#,
        x = Px(x),
        bottom = Px(frame.rows.bottom_px()),
        position = frame.trace.len(),
    );
}
