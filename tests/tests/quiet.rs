//! Quiet: every node up, every link working, nothing in flight, no client
//! waiting, no timer but background ones. Checked on a tiny protocol where
//! node 0 hands a token to node 1 and node 1 must end up holding it: the
//! property holds at quiet, or the run ends saying why.

use faultline_protocols::kv::KeyValueService;
use faultline_scenario::{Action, ClientOperation, KvOperation, NodeId, ProtocolSpec, Scenario, TimedAction};
use faultline_sim::{
    ClientRequest, ClusterView, Context, EndReason, InvariantViolation, NodeView, Protocol, Simulation, TimerId,
};

faultline_sim::kinds! {
    /// The token, the only message and role.
    enum Only {
        Token => ("Token", "T", "", "node 0 hands the token to node 1"),
    }
}

/// A timer that runs for ever (like a heartbeat) and one that does not.
const BACKGROUND_TIMER: TimerId = 1;
const CHORE_TIMER: TimerId = 2;

#[derive(Clone, Debug)]
struct Token {
    id: NodeId,
    forgetful: bool,
    holds: bool,
}

impl Protocol for Token {
    /// Whether node 1 drops the token (the bug the quiet property sees).
    type Config = bool;
    type Service = KeyValueService;
    type Message = ();
    type MessageKind = Only;
    type Role = Only;
    type Durable = ();
    type Ghost = ();

    fn new(id: NodeId, _: u32, forgetful: &bool) -> Self {
        Token { id, forgetful: *forgetful, holds: false }
    }
    fn quiet_properties() -> &'static [&'static str] {
        &["n1 holds the token"]
    }
    fn check_quiet(_: &(), cluster: &ClusterView<Self>) -> Result<(), InvariantViolation> {
        match cluster.node(NodeId(1)) {
            Some(n1) if !n1.holds => Err(InvariantViolation {
                invariant: "n1 holds the token".to_string(),
                nodes: vec![NodeId(1)],
                detail: "n1 lost it".to_string(),
            }),
            _ => Ok(()),
        }
    }
    fn is_background_timer(timer: TimerId) -> bool {
        timer == BACKGROUND_TIMER
    }
    fn on_start(&mut self, ctx: &mut Context<Self>, _: &()) {
        ctx.set_timer(BACKGROUND_TIMER, 1_000);
        if self.id == NodeId(0) {
            ctx.send(NodeId(1), ());
        }
    }
    fn on_message(&mut self, _: &mut Context<Self>, _: NodeId, _: ()) {
        self.holds = !self.forgetful;
    }
    fn on_timer(&mut self, ctx: &mut Context<Self>, timer: TimerId) {
        if timer == BACKGROUND_TIMER {
            ctx.set_timer(BACKGROUND_TIMER, 1_000);
        }
    }
    /// Never answers: a client asking waits.
    fn on_client_request(&mut self, ctx: &mut Context<Self>, _: ClientRequest<KvOperation>) {
        ctx.set_timer(CHORE_TIMER, 50);
    }
    fn message_kind(_: &()) -> Only {
        Only::Token
    }
    fn message_label(_: &()) -> String {
        "Token".to_string()
    }
    fn view(&self) -> NodeView {
        NodeView::new(Only::Token)
    }
}

fn simulation(forgetful: bool, actions: Vec<(u64, Action)>) -> Simulation<Token> {
    let mut scenario = Scenario::new("token", 1, ProtocolSpec::PrimaryBackup { nodes: 2 });
    scenario.workload.clients = 1;
    scenario.workload.operations_max = 0;
    scenario.workload.attempts_max = 1;
    scenario.limits.ticks_max = 3_000;
    scenario.actions = actions.into_iter().map(|(at_tick, action)| TimedAction { at_tick, action }).collect();
    let service = KeyValueService::new(&scenario.workload);
    Simulation::new(scenario, forgetful, service)
}

/// Whether the world is quiet just after tick `tick`.
fn quiet_after(sim: &mut Simulation<Token>, tick: u64) -> bool {
    sim.run_until_tick(tick);
    sim.world().is_quiet()
}

#[test]
fn quiet_needs_everything_settled_and_allows_background_timers_and_paused_nodes() {
    let request = ClientOperation::KeyValue(KvOperation::Read { key: 0 });
    let mut sim = simulation(
        false,
        vec![
            (100, Action::CutLink { from: NodeId(0), to: NodeId(1) }),
            (200, Action::Heal),
            (300, Action::Crash { node: NodeId(0) }),
            (400, Action::Restart { node: NodeId(0) }),
            (500, Action::Pause { node: NodeId(1), ticks: 300 }),
            (
                900,
                Action::ClientRequest { client: faultline_scenario::ClientId(0), node: NodeId(1), operation: request },
            ),
        ],
    );
    assert!(!quiet_after(&mut sim, 5), "the token is in flight");
    assert!(quiet_after(&mut sim, 90), "only background timers are set");
    assert!(!quiet_after(&mut sim, 150), "a link is cut");
    assert!(quiet_after(&mut sim, 250), "healed");
    assert!(!quiet_after(&mut sim, 350), "n0 is down");
    // Restarted, n0 hands the token again; then all is quiet.
    assert!(quiet_after(&mut sim, 450));
    assert!(quiet_after(&mut sim, 600), "a paused node with nothing to do is as good as up");
    assert!(!quiet_after(&mut sim, 905), "a client waits for an answer (and n1 set a chore timer)");
    // The client gives up after its one attempt times out; the chore
    // timer fired long before.
    assert!(quiet_after(&mut sim, 1_100));
    assert!(sim.world().stats().quiet_checks > 0);
    assert_eq!(sim.run_to_end(), &EndReason::TickLimit { ticks_max: 3_000 });
}

#[test]
fn a_property_broken_at_quiet_ends_the_run_and_says_why() {
    let mut sim = simulation(true, vec![]);
    let end = sim.run_to_end().clone();
    let EndReason::QuietViolated { violation } = &end else { panic!("{end:?}") };
    assert_eq!(violation.nodes, [NodeId(1)]);
    assert_eq!(
        end.to_string(),
        "the system was quiet (every node up, the network healed, nothing in flight) and n1 holds the token violated: n1 lost it"
    );
    // It ended at the first quiet step: right after n1 got the token.
    assert_eq!(sim.world().stats().quiet_checks, 1);
}
