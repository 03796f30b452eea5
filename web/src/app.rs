//! The playground's state and behaviour, free of the DOM: what a click, a
//! drag, a key or a frame does to the run. `lib.rs` wires it to the page and
//! `render.rs` draws it.

use crate::chronicle::Chronicle;
use crate::diagram::{DiagramIndex, DiagramView, Highlight};
use crate::live_check::LiveCheck;
use crate::settings::RunSettings;
use crate::stage;
use faultline_collections::{VecMap, VecSet};
use faultline_scenario::{Action, Link, MessageId, NodeId, Scenario};
use faultline_sim::{AnySimulation, EnabledEvent, EndReason, NodeStatus, StepKind};

/// Playback speeds offered by the speed slider, in ticks per second.
pub const SPEEDS_TICKS_PER_SECOND: [f64; 10] = [2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0];
pub const DEFAULT_SPEED_INDEX: usize = 4;

/// How long the node menu's "Pause" pauses a node.
pub const PAUSE_BUTTON_TICKS: u64 = 100;

/// What a person can do to a node, from its menu or with a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeCommand {
    CrashOrRestart,
    CrashStop,
    Pause,
    IsolateOrReconnect,
    /// Fire the node's soonest timer now (Raft: time out now).
    FireTimer,
    /// Send it a request from an idle client.
    SendRequest,
    /// Take it out of the cluster for good (where the protocol lets nodes
    /// leave).
    Remove,
}

impl NodeCommand {
    /// The key that does it for the selected node.
    pub fn for_key(key: &str) -> Option<NodeCommand> {
        Some(match key {
            "c" | "C" => NodeCommand::CrashOrRestart,
            "s" | "S" => NodeCommand::CrashStop,
            "p" | "P" => NodeCommand::Pause,
            "i" | "I" => NodeCommand::IsolateOrReconnect,
            "t" | "T" => NodeCommand::FireTimer,
            "q" | "Q" => NodeCommand::SendRequest,
            "r" | "R" => NodeCommand::Remove,
            _ => return None,
        })
    }
}

/// The diagram's zooms, in pixels per tick: from a whole long stretch to a
/// few ticks across the width.
pub const DIAGRAM_ZOOMS_PX_PER_TICK: [f64; 9] = [0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 12.0, 20.0];

/// How the space-time diagram is looked at.
#[derive(Clone, Debug, PartialEq)]
pub struct DiagramSettings {
    /// An index into [`DIAGRAM_ZOOMS_PX_PER_TICK`].
    pub zoom_index: usize,
    /// `None` follows the shown time (the window ends there); a tick pins
    /// the window's start there (after the user panned it).
    pub pinned_from_tick: Option<f64>,
    pub lamport: bool,
    pub vector: bool,
}

impl Default for DiagramSettings {
    fn default() -> Self {
        DiagramSettings { zoom_index: 4, pinned_from_tick: None, lamport: false, vector: false }
    }
}

impl DiagramSettings {
    pub fn px_per_tick(&self) -> f64 {
        DIAGRAM_ZOOMS_PX_PER_TICK[self.zoom_index.min(DIAGRAM_ZOOMS_PX_PER_TICK.len() - 1)]
    }
}

/// How long a notice stays while the run plays on, in ticks (6 s at the
/// default speed).
pub const NOTICE_LIFETIME_TICKS: f64 = 300.0;

/// Undo remembers this many changes at most (each is a scenario: small).
pub const UNDO_DEPTH_MAX: usize = 100;

/// A run as it was before a change: enough to rebuild it exactly (the
/// scenario replays to the same steps) and show it where it was.
#[derive(Clone, Debug)]
pub struct Moment {
    pub scenario: Scenario,
    /// How far the run had been computed (a fork drops the steps after
    /// the position; undo computes them again).
    pub steps: u64,
    pub position: u64,
    pub view_tick: f64,
    /// What the change was, for the notice ("undid: crash n1").
    pub change: String,
    /// Actions the user had recorded then (`App::user_actions`).
    pub user_actions: usize,
}

/// The most steps one animation frame may take while playing: the page stays
/// responsive whatever the speed, and playback slows down instead.
pub const STEPS_PER_FRAME_MAX: u64 = 2_000;

/// Steps a manual step may take to reach the chosen event.
const MANUAL_STEP_SEARCH_MAX: u32 = 10_000;

/// The cluster drawing's geometry, in SVG user units.
pub mod geometry {
    pub const WIDTH: f64 = 640.0;
    pub const HEIGHT: f64 = 520.0;
    pub const CENTER_X: f64 = 320.0;
    pub const CENTER_Y: f64 = 225.0;
    pub const RING_RADIUS: f64 = 165.0;
    pub const NODE_RADIUS: f64 = 34.0;
    /// Pointer travel below this is a click, not a drag.
    pub const CLICK_SLOP: f64 = 6.0;
    pub const CLIENT_ROW_Y: f64 = 490.0;
}

/// What a pointer is doing on the cluster drawing.
#[derive(Clone, Debug, PartialEq)]
pub enum Gesture {
    Idle,
    /// Pressed on a node; `moved` once it travelled further than a click.
    OnNode {
        node: NodeId,
        start: (f64, f64),
        at: (f64, f64),
        moved: bool,
    },
    OnMessage {
        message: u64,
    },
    /// Pressed on a link between two nodes: a click opens its menu.
    OnLink {
        link: (NodeId, NodeId),
        at: (f64, f64),
    },
    /// Pressed on the empty stage: a stroke that cuts the links it crosses.
    Stroke {
        start: (f64, f64),
        at: (f64, f64),
    },
}

/// The menu open beside something on the stage.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Menu {
    Node(NodeId),
    /// A link's menu, opened where it was clicked.
    Link {
        link: (NodeId, NodeId),
        at: (f64, f64),
    },
    Message(u64),
}

/// The app's state.
pub struct App {
    pub sim: Box<dyn AnySimulation>,
    /// The time shown, which runs ahead of the last step between steps.
    pub view_tick: f64,
    pub playing: bool,
    /// The clock stopped because nothing was left to happen: the next
    /// action starts it again.
    resume_on_action: bool,
    pub speed_index: usize,
    pub manual_mode: bool,
    pub selected_node: Option<NodeId>,
    pub selected_message: Option<u64>,
    pub gesture: Gesture,
    /// Presses on nodes so far (a long press acts only on its own press).
    presses: u64,
    pub menu: Option<Menu>,
    /// A line for the status bar: what the last action did, or why it failed.
    pub notice: String,
    /// The notice and the shown tick when it first showed: it goes once
    /// the run has played on `NOTICE_LIFETIME_TICKS` past it.
    notice_since: Option<(String, f64)>,
    /// Which built-in scenario is loaded, if any.
    pub builtin: Option<String>,
    /// The fragment the Share button last wrote into the URL, so the
    /// resulting `hashchange` is not mistaken for a new link.
    pub shared_fragment: Option<String>,
    /// The continuous linearizability check of the history.
    pub check: LiveCheck,
    /// Draw the linearization points on the lanes.
    pub show_points: bool,
    /// The person asked for less motion: messages wait half way instead of
    /// gliding.
    pub reduced_motion: bool,
    /// While the In flight list is held (pointer on it, or focus in it): the
    /// rows it has shown since, by message, so none moves or vanishes.
    pub held_events: Option<faultline_collections::VecMap<u64, String>>,
    /// Actions the user recorded in this run (loading another scenario asks
    /// before it throws them away).
    pub user_actions: usize,
    /// How the computed run ended, and at how many steps (the position
    /// may be earlier, where the world has not ended): `run_end`.
    end_seen: Option<(usize, EndReason)>,
    /// The space-time diagram's index of the trace, and how it is viewed.
    pub diagram: DiagramIndex,
    pub diagram_view: DiagramSettings,
    /// The run's story so far: narration and actions, step by step.
    pub chronicle: Chronicle,
    /// Changes that Undo takes back, newest last, and those Redo makes again.
    pub undo: Vec<Moment>,
    pub redo: Vec<Moment>,
    /// The scenario as loaded, for Reset.
    pub loaded: Scenario,
    /// Bumped whenever something the side panels show changes, so they are
    /// redrawn only then (and buttons keep their focus in between).
    pub revision: u64,
    /// An embed whose reader may play and seek but not act (`act` refuses;
    /// a press on a node selects it and opens no menu).
    pub read_only: bool,
    /// Playing stops when the shown time reaches this tick (a tour's step
    /// plays the run up to what it explains).
    pub pause_at_tick: Option<f64>,
    /// The last action recorded, and the role of the node it was done to
    /// just before it (a tour asks for "crash the leader").
    pub last_action: Option<Action>,
    pub last_action_role: Option<&'static str>,
}

impl App {
    pub fn new(scenario: Scenario, builtin: Option<String>) -> App {
        App {
            loaded: scenario.clone(),
            chronicle: Chronicle::default(),
            diagram: DiagramIndex::default(),
            diagram_view: DiagramSettings::default(),
            end_seen: None,
            undo: Vec::new(),
            redo: Vec::new(),
            sim: faultline_protocols::build(scenario),
            view_tick: 0.0,
            playing: true,
            resume_on_action: false,
            speed_index: DEFAULT_SPEED_INDEX,
            manual_mode: false,
            selected_node: None,
            selected_message: None,
            gesture: Gesture::Idle,
            presses: 0,
            menu: None,
            notice: String::new(),
            notice_since: None,
            builtin,
            shared_fragment: None,
            check: LiveCheck::default(),
            show_points: false,
            reduced_motion: false,
            held_events: None,
            user_actions: 0,
            revision: 0,
            read_only: false,
            pause_at_tick: None,
            last_action: None,
            last_action_role: None,
        }
    }

    pub fn speed_ticks_per_second(&self) -> f64 {
        SPEEDS_TICKS_PER_SECOND[self.speed_index.min(SPEEDS_TICKS_PER_SECOND.len() - 1)]
    }

    fn changed(&mut self) {
        self.chronicle.follow(self.sim.trace());
        self.diagram.follow(self.sim.trace());
        if let Some(end) = self.sim.ended() {
            self.end_seen = Some((self.sim.trace().len(), end));
        }
        self.revision += 1;
    }

    /// Advance the shown time by a frame of `elapsed_ms` while playing.
    pub fn frame(&mut self, elapsed_ms: f64) {
        if !self.playing || self.manual_mode {
            return;
        }
        if self.sim.ended().is_some() && self.at_head() {
            self.playing = false;
            // Nothing left to happen: the clock stops, and goes on by itself
            // once the person gives it something to do.
            self.resume_on_action = matches!(self.sim.ended(), Some(EndReason::Quiescent { .. }));
            self.changed();
            return;
        }
        // Long pauses (a hidden tab) do not turn into a burst of steps.
        let elapsed_ms = elapsed_ms.clamp(0.0, 100.0);
        let mut target_tick = self.view_tick + elapsed_ms / 1000.0 * self.speed_ticks_per_second();
        if let Some(pause_at) = self.pause_at_tick.filter(|&pause_at| target_tick >= pause_at) {
            target_tick = pause_at;
        }
        let taken = self.sim.run_until_tick_bounded(target_tick.floor() as u64, STEPS_PER_FRAME_MAX);
        // When the frame's step budget runs out, time waits for the steps.
        self.view_tick = if taken == STEPS_PER_FRAME_MAX { self.sim.now_tick() as f64 } else { target_tick };
        let ticks_max = self.sim.scenario().limits.ticks_max as f64;
        self.view_tick = self.view_tick.min(ticks_max);
        // Stop where asked once the time shown is there (a frame whose
        // steps ran out may stop short of it).
        if self.pause_at_tick.is_some_and(|pause_at| self.view_tick >= pause_at) {
            self.pause_at_tick = None;
            self.playing = false;
            self.changed();
        }
        self.expire_notice();
        if taken > 0 {
            self.changed();
        }
    }

    /// A notice says what the person just did; once the run has played on
    /// well past it, it is stale and goes.
    fn expire_notice(&mut self) {
        if self.notice.is_empty() {
            return;
        }
        match &self.notice_since {
            Some((text, since)) if *text == self.notice => {
                if self.view_tick - since > NOTICE_LIFETIME_TICKS {
                    self.notice.clear();
                    self.notice_since = None;
                    self.changed();
                }
            }
            _ => self.notice_since = Some((self.notice.clone(), self.view_tick)),
        }
    }

    /// Whether anything moves without the user doing something: the clock
    /// while playing, a drag, or the history's check still working. The
    /// page requests animation frames only then.
    pub fn is_moving(&self) -> bool {
        let clock_runs = self.playing && !self.manual_mode && !(self.sim.ended().is_some() && self.at_head());
        clock_runs || self.gesture != Gesture::Idle || self.check.is_working()
    }

    /// Keep the history's check up to date and give it a slice of work.
    /// Returns whether what the verdict panel shows changed.
    pub fn check_history(&mut self, now_ms: &mut dyn FnMut() -> f64, slice_ms: f64) -> bool {
        let restarted = self.check.follow(self.sim.as_ref());
        let decided = self.check.work(now_ms, slice_ms);
        if restarted || decided {
            self.changed();
        }
        restarted || decided
    }

    /// Hold the In flight list still (the pointer came onto it, or focus
    /// into it), or let it close up again.
    pub fn hold_events(&mut self, hold: bool) {
        if hold == self.held_events.is_some() {
            return;
        }
        self.held_events = hold.then(Default::default);
        self.remember_held_events();
        self.changed();
    }

    /// The rows the list shows as the hold begins: those keep their place
    /// (a message that leaves leaves a greyed row); messages sent later
    /// come below them. At most the rows the list shows, so a long hold
    /// holds no more.
    fn remember_held_events(&mut self) {
        let Some(held) = self.held_events.as_mut() else { return };
        let shown = self.sim.enabled_events().into_iter().filter_map(|event| match event {
            EnabledEvent::Deliver { message, from, to, label, due_tick } => {
                Some((message.0, crate::render::message_row_text(message, from, to, &label, due_tick)))
            }
            EnabledEvent::Timer { .. } => None,
        });
        // By message id (a `VecMap`, not a sort: each sort is code the page carries).
        let shown: VecMap<u64, String> = shown.collect();
        held.extend(shown.into_iter().take(crate::render::EVENT_ROWS_MAX));
    }

    fn in_flight(&self, message: MessageId) -> bool {
        self.sim.messages_in_flight().iter().any(|m| m.id == message)
    }

    /// Whether the position is the last computed step.
    pub fn at_head(&self) -> bool {
        self.sim.position() as usize >= self.sim.trace().len()
    }

    pub fn toggle_play(&mut self) {
        if self.manual_mode {
            self.notice = "Manual mode: choose the next event below, or leave manual mode to play.".into();
        } else {
            self.playing = !self.playing;
        }
        self.resume_on_action = false;
        self.changed();
    }

    /// One step forward, pausing playback.
    pub fn step_once(&mut self) {
        self.playing = false;
        match self.sim.step() {
            Some(step) => self.view_tick = step.tick as f64,
            None => self.notice = self.end_notice(),
        }
        self.changed();
    }

    /// The diagram's view for a drawing `width_px` wide: following the
    /// shown time, or where the user panned it.
    pub fn diagram_view_for(&self, width_px: f64) -> DiagramView {
        let settings = &self.diagram_view;
        let mut view = DiagramView::following(self.sim.as_ref(), self.view_tick, settings.px_per_tick(), width_px);
        if let Some(from_tick) = settings.pinned_from_tick {
            view.from_tick = from_tick.max(0.0);
        }
        view.lamport = settings.lamport;
        view.vector = settings.vector;
        view.highlight = self.verdict_highlight();
        view
    }

    /// Zoom the diagram in (+1) or out (-1), keeping what is under `at_tick`.
    pub fn zoom_diagram(&mut self, by: i32, width_px: f64) {
        let before = self.diagram_view_for(width_px);
        let last = DIAGRAM_ZOOMS_PX_PER_TICK.len() as i32 - 1;
        self.diagram_view.zoom_index = (self.diagram_view.zoom_index as i32 + by).clamp(0, last) as usize;
        if let Some(from_tick) = self.diagram_view.pinned_from_tick {
            // Keep the window's middle where it was.
            let middle = from_tick + (before.to_tick() - before.from_tick) / 2.0;
            let span = crate::diagram::plot_width_px(width_px) / self.diagram_view.px_per_tick();
            self.diagram_view.pinned_from_tick = Some((middle - span / 2.0).max(0.0));
        }
        self.changed();
    }

    /// Pan the diagram by `dx_px` (a drag): it stops following the shown time.
    pub fn pan_diagram(&mut self, dx_px: f64, width_px: f64) {
        let from_tick = self.diagram_view_for(width_px).from_tick;
        let moved = from_tick - dx_px / self.diagram_view.px_per_tick();
        self.diagram_view.pinned_from_tick = Some(moved.max(0.0));
        self.changed();
    }

    /// The diagram follows the shown time again.
    pub fn follow_in_diagram(&mut self) {
        self.diagram_view.pinned_from_tick = None;
        self.changed();
    }

    /// What the verdict points at, for the diagram: the operations of the
    /// smallest failing part of the history, their requests and replies,
    /// and the faults that happened while they ran (the partition that cut
    /// off the node that served a stale read).
    pub fn verdict_highlight(&self) -> Highlight {
        let mut highlight = Highlight::default();
        let Some(faultline_check::Verdict::NotLinearizable(explanation)) = self.check.verdict() else {
            return highlight;
        };
        let history = self.sim.history();
        let mut operations = faultline_collections::VecSet::new();
        operations.extend(explanation.minimal.iter().copied().filter(|&index| index < history.len()));
        let Some(from_tick) = operations.iter().map(|&index| history[index].invoke_tick).min() else {
            return highlight;
        };
        let now = self.sim.now_tick();
        let to_tick = operations.iter().map(|&index| history[index].complete_tick.unwrap_or(now)).max().unwrap_or(now);
        let trace = self.sim.trace();
        let start = trace.partition_point(|step| step.tick < from_tick);
        let end = trace.partition_point(|step| step.tick <= to_tick);
        let of_operation = |index: u32| operations.contains(&(index as usize));
        for step in &trace[start..end] {
            let sent = step.sent.iter().map(|message| message.id.0);
            match &step.kind {
                StepKind::Invoke { operation_index, .. } if of_operation(*operation_index) => {
                    highlight.messages.extend(sent)
                }
                StepKind::Retry { request, .. } if of_operation(request.operation_index) => {
                    highlight.messages.extend(sent)
                }
                StepKind::Complete { operation_index, .. } if of_operation(*operation_index) => {
                    highlight.messages.extend(step.cause.map(|message| message.0))
                }
                StepKind::Action { action, .. } if action.is_fault() => {
                    highlight.steps.insert(step.index);
                }
                _ => {}
            }
        }
        highlight.operations = operations;
        highlight
    }

    /// Jump to a tick of the timeline: every step up to it has happened.
    pub fn seek_tick(&mut self, tick: f64) {
        let trace = self.sim.trace();
        let position = trace.partition_point(|step| (step.tick as f64) <= tick) as u64;
        self.seek(position);
        let ticks_max = self.sim.scenario().limits.ticks_max as f64;
        self.view_tick = tick.max(self.view_tick).min(ticks_max);
    }

    /// The last tick the timeline reaches: the last step computed, or the
    /// shown time when it runs ahead of it.
    pub fn timeline_end_tick(&self) -> f64 {
        let last = self.sim.trace().last().map_or(0.0, |step| step.tick as f64);
        last.max(self.view_tick).max(1.0)
    }

    /// Jump to a step of the timeline.
    pub fn seek(&mut self, position: u64) {
        self.playing = false;
        self.sim.seek(position);
        self.view_tick = self.sim.now_tick() as f64;
        self.changed();
    }

    pub fn end_notice(&self) -> String {
        match self.sim.ended() {
            Some(end) => format!("The run ended: {end}."),
            None => String::new(),
        }
    }

    /// The run as it is now, to come back to.
    fn moment(&self, change: String) -> Moment {
        Moment {
            scenario: self.sim.scenario().clone(),
            steps: self.sim.trace().len() as u64,
            position: self.sim.position(),
            view_tick: self.view_tick,
            change,
            user_actions: self.user_actions,
        }
    }

    /// Run `scenario` instead, shown at the same position (paused): an
    /// exercise puts back its own actions that acting in the past set aside.
    pub fn replace_scenario(&mut self, scenario: Scenario) {
        let position = self.sim.position();
        let moment = Moment { scenario, steps: position, position, ..self.moment(String::new()) };
        self.restore(&moment);
        self.changed();
    }

    /// Rebuild the run of a moment: the same scenario replays to the same
    /// steps, computed again up to where it had been.
    fn restore(&mut self, moment: &Moment) {
        self.sim = faultline_protocols::build(moment.scenario.clone());
        self.chronicle.reset();
        self.diagram.reset();
        self.check = LiveCheck::default();
        self.end_seen = None;
        self.sim.seek(moment.steps);
        self.sim.seek(moment.position);
        self.view_tick = moment.view_tick;
        self.user_actions = moment.user_actions;
        self.playing = false;
        // What pointed into the old run may point at nothing now (fewer
        // nodes, a message that never was).
        self.gesture = Gesture::Idle;
        self.held_events = None;
        self.selected_message = None;
        if self.selected_node.is_some_and(|node| node.0 >= self.sim.node_count()) {
            self.selected_node = None;
            self.menu = None;
        }
        if !matches!(self.menu, Some(Menu::Node(_)) | None) {
            self.menu = None;
        }
    }

    fn remember_for_undo(&mut self, moment: Moment) {
        self.undo.push(moment);
        if self.undo.len() > UNDO_DEPTH_MAX {
            self.undo.remove(0);
        }
        self.redo.clear();
    }

    /// Take the last change back (Ctrl+Z): a fork's discarded future comes
    /// back with it.
    pub fn undo(&mut self) {
        if self.refused_read_only("undo") {
            return;
        }
        let Some(before) = self.undo.pop() else {
            self.notice = "Nothing to undo.".into();
            return self.changed();
        };
        let after = self.moment(before.change.clone());
        self.restore(&before);
        self.notice = format!("Undid: {}. Redo (Ctrl+Shift+Z) makes it again.", before.change);
        self.redo.push(after);
        self.changed();
    }

    /// Make the last undone change again (Ctrl+Shift+Z).
    pub fn redo(&mut self) {
        if self.refused_read_only("redo") {
            return;
        }
        let Some(after) = self.redo.pop() else {
            self.notice = "Nothing to redo.".into();
            return self.changed();
        };
        let before = self.moment(after.change.clone());
        self.restore(&after);
        self.notice = format!("Redid: {}.", after.change);
        self.undo.push(before);
        self.changed();
    }

    /// Run again from the start with other settings (protocol, nodes,
    /// network, seed): undoable; recorded actions stay when they still fit.
    pub fn apply_settings(&mut self, settings: &RunSettings) {
        if self.refused_read_only("change the run's settings") {
            return;
        }
        match crate::settings::apply(self.sim.scenario(), settings) {
            Ok((scenario, actions_dropped)) => {
                let before = self.moment("change the run's settings".into());
                // The change is the person's work too (loading another
                // scenario asks first), with the actions that stayed.
                let kept = if actions_dropped { 0 } else { self.user_actions };
                let start = Moment {
                    scenario,
                    steps: 0,
                    position: 0,
                    view_tick: 0.0,
                    change: String::new(),
                    user_actions: kept + 1,
                };
                self.restore(&start);
                self.remember_for_undo(before);
                self.builtin = None;
                self.playing = true;
                self.notice = match actions_dropped {
                    true => "Started again with the new settings; your actions no longer fit and were left out (Undo brings them back).".into(),
                    false => "Started again with the new settings (Undo goes back).".into(),
                };
            }
            Err(error) => self.notice = format!("Could not change the settings: {error}."),
        }
        self.changed();
    }

    /// Back to the scenario as loaded, at its start (undoable).
    pub fn reset(&mut self) {
        if self.refused_read_only("reset") {
            return;
        }
        let before = self.moment("reset".into());
        let loaded = Moment {
            scenario: self.loaded.clone(),
            steps: 0,
            position: 0,
            view_tick: 0.0,
            change: String::new(),
            user_actions: 0,
        };
        self.restore(&loaded);
        self.remember_for_undo(before);
        self.notice = "Reset to the scenario's start, without your actions. Undo (Ctrl+Z) brings them back.".into();
        self.changed();
    }

    /// In a read-only embed, say that `what` cannot be done, and refuse.
    fn refused_read_only(&mut self, what: &str) -> bool {
        if self.read_only {
            self.notice = format!("Could not {what}: this embedded run is read-only (open it in Faultline to act).");
            self.changed();
        }
        self.read_only
    }

    /// Record a user action at the shown time, and say what happened.
    pub fn act(&mut self, action: Action) {
        self.try_act(action);
    }

    /// `act`, returning whether the action was recorded.
    pub fn try_act(&mut self, action: Action) -> bool {
        let describe = describe_action(&action);
        if self.read_only {
            self.notice =
                format!("Could not {describe}: this embedded run is read-only (open it in Faultline to act).");
            self.changed();
            return false;
        }
        // A run that ended with nothing left to happen takes new actions
        // (a replica waiting for a person's request); any other end is final.
        let final_end = self.sim.ended().filter(|end| !matches!(end, faultline_sim::EndReason::Quiescent { .. }));
        if let Some(end) = final_end.filter(|_| self.at_head()) {
            self.notice = format!("Could not {describe}: the run has ended ({end}). Step back to act in the past.");
            self.changed();
            return false;
        }
        if let Some(message) = message_of(&action).filter(|&id| !self.in_flight(id)) {
            // Recorded anyway, it would count as a fault that did nothing.
            self.notice = format!("Could not {describe}: {message} is no longer in flight.");
            self.changed();
            return false;
        }
        let tick_min = self.view_tick.floor() as u64 + 1;
        // Only an action at the end of the run restarts the clock that
        // stopped there; one in the past forks, paused, as ever.
        let resume = std::mem::take(&mut self.resume_on_action) && self.at_head() && !self.manual_mode;
        let before = self.moment(describe.clone());
        let role = action.node().and_then(|node| self.sim.node_role(node)).map(|style| style.name);
        let recorded = self.sim.record_not_before(action.clone(), tick_min);
        if recorded.is_ok() {
            self.last_action = Some(action.clone());
            self.last_action_role = role;
        }
        let was_recorded = recorded.is_ok();
        match recorded {
            Ok(recorded) => {
                if recorded.steps_dropped > 0 {
                    self.chronicle.cut_back(self.sim.trace().len() as u64);
                    self.diagram.reset();
                }
                self.remember_for_undo(before);
                self.user_actions += 1;
                // Apply it now, so the page shows its effect at once, and
                // stop there: what else is due at its tick comes after it
                // (a manual step delivers the chosen message, nothing more).
                self.run_through_action(&action, recorded.at_tick);
                self.view_tick = self.view_tick.max(recorded.at_tick as f64);
                if resume {
                    self.playing = true;
                }
                self.notice = if recorded.steps_dropped > 0 {
                    format!(
                        "{describe} at tick {}: forked a new future ({} later steps and {} later actions set aside; \
                         Undo brings them back).",
                        recorded.at_tick, recorded.steps_dropped, recorded.actions_dropped
                    )
                } else {
                    format!("{describe} at tick {}.", recorded.at_tick)
                };
            }
            Err(error) => self.notice = format!("Could not {describe}: {error}."),
        }
        self.changed();
        was_recorded
    }

    /// Step until `action`, recorded at `at_tick`, has been applied.
    fn run_through_action(&mut self, action: &Action, at_tick: u64) {
        self.sim.run_until_tick(at_tick.saturating_sub(1));
        let start = self.sim.position() as usize;
        for _ in 0..MANUAL_STEP_SEARCH_MAX {
            let applied = self.sim.trace()[start..self.sim.position() as usize]
                .iter()
                .any(|step| matches!(&step.kind, StepKind::Action { action: a, .. } if a == action));
            if applied || self.sim.step().is_none() {
                break;
            }
        }
    }

    /// What the run ended with, wherever the position is: a run that broke
    /// a rule still did when the user looks back at its start.
    pub fn run_end(&self) -> Option<EndReason> {
        if let Some(end) = self.sim.ended() {
            return Some(end);
        }
        self.end_seen.as_ref().filter(|(steps, _)| *steps == self.sim.trace().len()).map(|(_, end)| end.clone())
    }

    /// A click on a node selects it and opens its menu (a second click
    /// closes the menu).
    pub fn click_node(&mut self, node: NodeId) {
        let open = self.menu == Some(Menu::Node(node));
        self.selected_node = Some(node);
        self.menu = (!open).then_some(Menu::Node(node));
        self.changed();
    }

    /// Crash a node that is up, restart one that crashed (the C key, and
    /// the menu's first button).
    pub fn crash_or_restart(&mut self, node: NodeId) {
        match self.sim.nodes().get(node.0 as usize).map(|n| n.status) {
            Some(NodeStatus::Up) => self.act(Action::Crash { node }),
            Some(NodeStatus::Crashed) => self.act(Action::Restart { node }),
            Some(NodeStatus::Stopped) => {
                self.notice = format!("{node} crash-stopped: it never comes back.");
                self.changed();
            }
            Some(NodeStatus::Removed) => {
                self.notice = format!("{node} left the cluster.");
                self.changed();
            }
            None => {}
        }
    }

    /// A new node joins the cluster (the Add a node button, the N key),
    /// where the protocol lets nodes join.
    pub fn add_node(&mut self) {
        match self.sim.supports_membership_changes() {
            true => self.act(Action::AddNode),
            false => {
                self.notice = format!("{} does not let nodes join during a run.", self.sim.scenario().protocol.name());
                self.changed();
            }
        }
    }

    /// `node` leaves the cluster for good (its menu, the R key), where the
    /// protocol lets nodes leave.
    pub fn remove_node(&mut self, node: NodeId) {
        match self.sim.supports_membership_changes() {
            true => self.act(Action::RemoveNode { node }),
            false => {
                self.notice = format!("{} does not let nodes leave during a run.", self.sim.scenario().protocol.name());
                self.changed();
            }
        }
    }

    /// Repair every cut link (the Heal all button, the H key).
    pub fn heal_all(&mut self) {
        if self.sim.cut_links().is_empty() {
            self.notice = "Nothing to heal: every link works.".into();
            self.changed();
        } else {
            self.act(Action::Heal);
        }
    }

    pub fn close_menu(&mut self) {
        self.menu = None;
        self.changed();
    }

    /// Do `command` to `node`.
    pub fn node_command(&mut self, node: NodeId, command: NodeCommand) {
        match command {
            NodeCommand::CrashOrRestart => self.crash_or_restart(node),
            NodeCommand::CrashStop => self.act(Action::CrashStop { node }),
            NodeCommand::Pause => self.act(Action::Pause { node, ticks: PAUSE_BUTTON_TICKS }),
            NodeCommand::IsolateOrReconnect if self.is_isolated(node) => self.act(Action::Reconnect { node }),
            NodeCommand::IsolateOrReconnect => self.act(Action::Isolate { node }),
            NodeCommand::FireTimer => {
                let soonest = self
                    .sim
                    .enabled_events()
                    .into_iter()
                    .find(|event| matches!(event, EnabledEvent::Timer { node: n, .. } if *n == node));
                match soonest {
                    Some(timer) => self.choose_event(&timer),
                    None => {
                        self.notice = format!("{node} has no timer set.");
                        self.changed();
                    }
                }
            }
            NodeCommand::Remove => self.remove_node(node),
            NodeCommand::SendRequest => match self.sim.suggested_request() {
                Some((client, operation)) => self.act(Action::ClientRequest { client, node, operation }),
                None => {
                    self.notice = "This scenario has no clients to send a request.".into();
                    self.changed();
                }
            },
        }
    }

    /// Send a client's operation to `node` (a CRDT replica's request typed
    /// into its menu), or say why the typed request is not one. Node n's
    /// requests come from client n (modulo the clients): each replica has
    /// its own shopper, who stays with it, as in the book's cart.
    pub fn send_operation(&mut self, node: NodeId, operation: Result<faultline_scenario::ClientOperation, String>) {
        let clients = self.sim.scenario().workload.clients;
        match operation {
            Ok(operation) if clients > 0 => {
                let client = faultline_scenario::ClientId(node.0 % clients);
                self.act(Action::ClientRequest { client, node, operation })
            }
            Err(why) => {
                self.notice = why;
                self.changed();
            }
            Ok(_) => {
                self.notice = "This scenario has no clients to send a request.".into();
                self.changed();
            }
        }
    }

    /// What the page shows, for tests and for people poking at the page
    /// from the console: position, islands, cut links, nodes, the messages
    /// in flight and the scenario with every recorded action (as its JSON
    /// text, which `api::playground_state` turns into an object).
    pub fn state(&self) -> PlaygroundState {
        let nodes = self
            .sim
            .nodes()
            .iter()
            .map(|report| NodeState {
                node: report.id.0,
                status: match report.status {
                    NodeStatus::Up => "up",
                    NodeStatus::Crashed => "crashed",
                    NodeStatus::Stopped => "stopped",
                    NodeStatus::Removed => "removed",
                },
                role: report.view.as_ref().map(|view| view.role.name),
            })
            .collect();
        let in_flight = self
            .sim
            .messages_in_flight()
            .iter()
            .map(|m| MessageState {
                id: m.id.0,
                from: m.from.to_string(),
                to: m.to.to_string(),
                label: m.label.clone(),
            })
            .collect();
        PlaygroundState {
            position: self.sim.position(),
            steps: self.sim.trace().len(),
            view_tick: self.view_tick,
            playing: self.playing,
            islands: self.islands().iter().map(|island| island.iter().map(|n| n.0).collect()).collect(),
            cut_links: self.sim.cut_links().iter().map(|(a, b)| [a.0, b.0]).collect(),
            nodes,
            in_flight,
            history_length: self.sim.history().len(),
            scenario_json: faultline_scenario::to_json_compact(self.sim.scenario()),
        }
    }

    /// The links cut now, as a set.
    fn cut_link_set(&self) -> VecSet<(NodeId, NodeId)> {
        self.sim.cut_links().into_iter().collect()
    }

    /// The islands of nodes that can reach each other now.
    pub fn islands(&self) -> Vec<Vec<NodeId>> {
        stage::islands_of(self.sim.node_count(), &self.cut_link_set())
    }

    /// Where the nodes stand now (a dragged node is drawn under the pointer
    /// by the drawing, not here).
    pub fn stage_layout(&self) -> stage::StageLayout {
        stage::layout(&self.islands(), self.sim.node_count())
    }

    /// Whether every link to and from the node is cut.
    pub fn is_isolated(&self, node: NodeId) -> bool {
        stage::isolated(&self.islands(), self.sim.node_count()).get(node.0 as usize).copied().unwrap_or(false)
    }

    /// A node was dropped at `at` after a drag: near a node of another
    /// island it joins that island; far from the rest of its own it makes
    /// an island of its own. One action says so.
    pub fn drop_node(&mut self, node: NodeId, at: (f64, f64)) {
        let cut = self.cut_link_set();
        let islands = stage::islands_of(self.sim.node_count(), &cut);
        let layout = stage::layout(&islands, self.sim.node_count());
        let target = stage::drop_target(&islands, &layout, node, at);
        let after = stage::regroup(&islands, node, target);
        match stage::regroup_action(&islands, &after, node, &cut) {
            Some(action) => self.act(action),
            None => self.changed(),
        }
    }

    /// A stroke across the stage: cut every link it crossed, in one action.
    pub fn stroke(&mut self, from: (f64, f64), to: (f64, f64)) {
        let cut = self.cut_link_set();
        let crossed = stage::links_crossed(&self.stage_layout(), &cut, from, to);
        if crossed.is_empty() {
            self.notice = "The stroke crossed no working link: draw across the lines between nodes to cut them.".into();
            self.changed();
        } else {
            self.act(Action::CutLinks { links: crossed });
        }
    }

    /// A press on the empty stage starts a stroke.
    pub fn pointer_down_stage(&mut self, at: (f64, f64)) {
        self.gesture = Gesture::Stroke { start: at, at };
    }

    pub fn pointer_down_link(&mut self, link: (NodeId, NodeId), at: (f64, f64)) {
        self.gesture = Gesture::OnLink { link, at };
    }

    /// A press on a node. Returns the press's number, for `long_press`.
    pub fn pointer_down_node(&mut self, node: NodeId, at: (f64, f64)) -> u64 {
        self.gesture = Gesture::OnNode { node, start: at, at, moved: false };
        self.presses += 1;
        self.presses
    }

    /// A press held still on a node (touch's long press): its menu opens,
    /// and the release that follows does nothing more.
    pub fn long_press(&mut self, press: u64) {
        if press != self.presses {
            return;
        }
        if let Gesture::OnNode { node, moved: false, .. } = self.gesture {
            self.gesture = Gesture::Idle;
            self.selected_node = Some(node);
            self.menu = Some(Menu::Node(node));
            self.changed();
        }
    }

    pub fn pointer_move(&mut self, at: (f64, f64)) {
        match &mut self.gesture {
            Gesture::OnNode { start, moved, at: current, .. } => {
                *current = at;
                if distance(at, *start) > geometry::CLICK_SLOP {
                    *moved = true;
                }
            }
            Gesture::Stroke { at: current, .. } => *current = at,
            Gesture::OnLink { at: pressed, .. } if distance(at, *pressed) > geometry::CLICK_SLOP => {
                // Pressed on a link and moved: a stroke that began there.
                self.gesture = Gesture::Stroke { start: *pressed, at };
            }
            _ => {}
        }
    }

    /// The press ended without a release (the browser took the pointer).
    pub fn cancel_gesture(&mut self) {
        self.gesture = Gesture::Idle;
        self.changed();
    }

    pub fn pointer_up(&mut self) {
        let gesture = std::mem::replace(&mut self.gesture, Gesture::Idle);
        if self.read_only {
            // Read-only: a press selects a node, for the inspector, and
            // opens nothing that acts.
            self.selected_node = match gesture {
                Gesture::OnNode { node, .. } => Some(node),
                _ => self.selected_node,
            };
            self.menu = None;
            return self.changed();
        }
        match gesture {
            Gesture::OnNode { node, moved: false, .. } => self.click_node(node),
            Gesture::OnNode { node, at, .. } => self.drop_node(node, at),
            Gesture::OnMessage { message } => {
                let open = self.menu == Some(Menu::Message(message));
                self.selected_message = Some(message);
                self.menu = (!open).then_some(Menu::Message(message));
                self.changed();
            }
            Gesture::OnLink { link, at } => {
                self.menu = Some(Menu::Link { link, at });
                self.changed();
            }
            Gesture::Stroke { start, at } if distance(start, at) > geometry::CLICK_SLOP => self.stroke(start, at),
            Gesture::Stroke { .. } => {
                // A click on the empty stage closes the menu.
                self.menu = None;
                self.changed();
            }
            Gesture::Idle => {}
        }
    }

    /// Manual mode: make one enabled event happen next.
    pub fn choose_event(&mut self, event: &EnabledEvent) {
        let before = self.sim.position();
        self.act(event.as_action());
        // Step until the chosen event has happened: a delivery (or drop)
        // is the step the message caused; a timer is its own step.
        let happened = |step: &faultline_sim::TraceStep| match event {
            EnabledEvent::Deliver { message, .. } => step.cause == Some(*message),
            EnabledEvent::Timer { node, timer, .. } => {
                matches!(&step.kind, StepKind::Timer { node: n, timer: t, .. } if n == node && t == timer)
            }
        };
        for _ in 0..MANUAL_STEP_SEARCH_MAX {
            if self.sim.trace()[before as usize..self.sim.position() as usize].iter().any(happened) {
                break;
            }
            if self.sim.step().is_none() {
                break;
            }
        }
        self.view_tick = self.sim.now_tick() as f64;
        self.changed();
    }
}

fn distance(a: (f64, f64), b: (f64, f64)) -> f64 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

/// A node's place on the ring when the cluster is one island, clockwise
/// from the top.
pub fn home_position(node: NodeId, node_count: u32) -> (f64, f64) {
    let centre = (geometry::CENTER_X, geometry::CENTER_Y);
    stage::on_circle(centre, geometry::RING_RADIUS, node.0 as usize, node_count as usize)
}

/// The message an action acts on, if it acts on one.
fn message_of(action: &Action) -> Option<MessageId> {
    match action {
        Action::DropMessage { message }
        | Action::DuplicateMessage { message }
        | Action::DelayMessage { message, .. }
        | Action::DeliverMessage { message } => Some(*message),
        _ => None,
    }
}

/// "n0–n1 and n0–n2".
fn links_text(links: &[Link]) -> String {
    let named: Vec<String> = links.iter().map(Link::to_string).collect();
    match named.len() {
        0 => "no links".to_string(),
        1 => named[0].clone(),
        n => format!("{} and {}", named[..n - 1].join(", "), named[n - 1]),
    }
}

/// "crash n1", "drop m12", for notices.
pub fn describe_action(action: &Action) -> String {
    match action {
        Action::Crash { node } => format!("crash {node}"),
        Action::CrashStop { node } => format!("crash-stop {node}"),
        Action::Restart { node } => format!("restart {node}"),
        Action::Pause { node, ticks } => format!("pause {node} for {ticks} ticks"),
        Action::Partition { .. } => "partition the network".into(),
        Action::Heal => "heal the network".into(),
        Action::Isolate { node } => format!("isolate {node}"),
        Action::Reconnect { node } => format!("reconnect {node}"),
        Action::CutLink { from, to } => format!("cut {from}→{to}"),
        Action::RepairLink { from, to } => format!("repair {from}→{to}"),
        Action::CutLinks { links } => format!("cut {}", links_text(links)),
        Action::RepairLinks { links } => format!("repair {}", links_text(links)),
        Action::DropMessage { message } => format!("drop {message}"),
        Action::DuplicateMessage { message } => format!("duplicate {message}"),
        Action::DelayMessage { message, ticks } => format!("delay {message} by {ticks} ticks"),
        Action::DeliverMessage { message } => format!("deliver {message}"),
        Action::FireTimer { node, timer } => format!("fire timer {timer} of {node}"),
        Action::AddNode => "add a node".into(),
        Action::RemoveNode { node } => format!("remove {node}"),
        Action::ClientRequest { client, node, operation } => format!("send {operation} from {client} to {node}"),
    }
}

/// The page's state as tests and the console see it (`App::state`).
#[derive(serde::Serialize)]
pub struct PlaygroundState {
    pub position: u64,
    pub steps: usize,
    pub view_tick: f64,
    pub playing: bool,
    pub islands: Vec<Vec<u32>>,
    pub cut_links: Vec<[u32; 2]>,
    pub nodes: Vec<NodeState>,
    pub in_flight: Vec<MessageState>,
    pub history_length: usize,
    /// Made an object by the API (the scenario has its own JSON writer).
    #[serde(skip)]
    pub scenario_json: String,
}

#[derive(serde::Serialize)]
pub struct NodeState {
    pub node: u32,
    pub status: &'static str,
    pub role: Option<&'static str>,
}

#[derive(serde::Serialize)]
pub struct MessageState {
    pub id: u64,
    pub from: String,
    pub to: String,
    pub label: String,
}
