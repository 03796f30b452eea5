//! Raft's part of `faultline explore`: a cluster under light client load
//! with short timeouts over slow links, and a nemesis that strikes leaders
//! and voters at Raft's worst moments.

use super::{MessageKind, Raft, Role};
use crate::explore::{bounce, protocol_kind, variant_by_name, ExploreSettings, Explorer};
use crate::kv::KeyValueService;
use faultline_scenario::Scenario;
use faultline_scenario::{ClientOperation, KvOperation, ProtocolSpec, RaftReads, RaftSpec, RaftVariant};
use faultline_sim::{AnySimulation, Endpoint, SimRng, Simulation, StepKind};

/// Chance that the nemesis crashes a leader right after it took a client's
/// request (before it sent the entry on), per such request.
const NEMESIS_LEADER_CRASH_PER_MILLE: u32 = 200;
/// Chance that the nemesis bounces a node right after it granted a vote.
const NEMESIS_VOTER_BOUNCE_PER_MILLE: u32 = 150;
/// Chance that the nemesis crashes a leader right after it committed more
/// entries (before its followers learn of it).
const NEMESIS_COMMIT_CRASH_PER_MILLE: u32 = 200;

pub struct RaftExplorer;

impl Explorer for RaftExplorer {
    fn base_scenario(&self, settings: &ExploreSettings) -> Result<Scenario, String> {
        let mut spec = RaftSpec::new(settings.nodes.unwrap_or(5));
        spec.variant = variant_by_name(settings.variant_name(), &RaftVariant::NAMES, &RaftVariant::ALL)?;
        if let Some(reads) = settings.option("reads", &["reads"])? {
            spec.reads = RaftReads::by_name(reads)
                .ok_or_else(|| format!("unknown reads `{reads}` (known: {})", RaftReads::NAMES.join(", ")))?;
        }
        // Short timeouts against slow links: contested elections, stale leaders
        // and votes in flight across crashes, where Raft's subtle bugs live.
        spec.election_timeout_ticks_min = 100;
        spec.election_timeout_ticks_max = 180;
        spec.heartbeat_ticks = 30;
        let mut scenario = Scenario::new("explore", 0, ProtocolSpec::Raft(spec));
        // A light load: a new leader often has no entry of its own term for a
        // while, which is when committing an earlier term's entry by counting
        // replicas (figure 8) can happen; busy clients would mask it.
        scenario.workload.clients = 2;
        scenario.workload.think_ticks_min = 20;
        scenario.workload.think_ticks_max = 100;
        scenario.workload.keys = 2;
        // Half reads, a quarter writes, a quarter appends: an append applied
        // twice or lost shows in every later read of its key.
        scenario.workload.read_per_mille = 500;
        scenario.workload.append_per_mille = 250;
        scenario.workload.operations_max = 60;
        scenario.workload.timeout_ticks = 300;
        scenario.workload.attempts_max = 8;
        scenario.limits.ticks_max = 4_000;
        // Slow, uneven links: elections overlap more often (two candidates in
        // one term), and a vote request can arrive after its voter restarted.
        scenario.network.delay_ticks_min = 5;
        scenario.network.delay_ticks_max = 50;
        Ok(scenario)
    }

    fn run_seed(&self, scenario: Scenario, seed: u64) -> Box<dyn AnySimulation> {
        Box::new(run_with_nemesis(scenario, seed))
    }

    fn counters(&self, sim: &dyn AnySimulation) -> Vec<(&'static str, u64)> {
        let is_completed_append = |entry: &&faultline_sim::HistoryEntry| {
            entry.is_complete() && matches!(entry.operation, ClientOperation::KeyValue(KvOperation::Append { .. }))
        };
        vec![("appends completed", sim.history().iter().filter(is_completed_append).count() as u64)]
    }

    fn describe(&self, scenario: &Scenario, settings: &ExploreSettings) -> String {
        let ProtocolSpec::Raft(spec) = &scenario.protocol else { unreachable!("a raft scenario") };
        format!("{} nodes, variant {}, reads {}", spec.nodes, settings.variant_name(), spec.reads.name())
    }
}

/// A nemesis that reacts to the run, as Jepsen's target leaders: it crashes
/// a leader that just took a request (so it holds an entry nobody else has;
/// the paper's figure 8 starts so), crashes a leader that just committed
/// (figure 8 ends so), always when what it committed is an earlier term's
/// entry (which only the planted figure-8 bug does), and bounces a node
/// that just voted (so a vote that was not durable is forgotten). Its
/// faults are recorded into the scenario as timed actions at the next tick,
/// like a user's clicks, so the scenario printed for a failure replays it
/// exactly without the nemesis. Every choice comes from the seed.
fn run_with_nemesis(scenario: Scenario, seed: u64) -> Simulation<Raft> {
    let mut rng = SimRng::for_stream(seed, faultline_sim::rng::stream::NEMESIS);
    let ProtocolSpec::Raft(spec) = &scenario.protocol else { unreachable!("a raft scenario") };
    let (spec, service) = (spec.clone(), KeyValueService::new(&scenario.workload));
    let mut sim = Simulation::<Raft>::new(scenario, spec, service);
    let kind_of = protocol_kind::<MessageKind>;
    let mut committed_before = 0;
    while let Some(step) = sim.step() {
        let StepKind::Deliver { from, to: Endpoint::Node(node), kind, .. } = step.kind else { continue };
        let granted_vote = kind_of(kind) == Some(MessageKind::RequestVote)
            && step.sent.iter().any(|sent| kind_of(sent.kind) == Some(MessageKind::VoteGranted));
        let now = sim.world().now_tick();
        let raft = sim.world().node_state(node);
        let leads = raft.is_some_and(|raft| raft.role() == Role::Leader);
        let just_committed = kind_of(kind) == Some(MessageKind::AppendReply) && {
            let now_committed = sim.world().ghost().committed_count();
            let advanced = now_committed > committed_before;
            committed_before = now_committed;
            advanced
        };
        let took_request = matches!(from, Endpoint::Client(_)) && leads;
        let committed_earlier_term = just_committed && raft.is_some_and(committed_an_earlier_terms_entry);
        let down_ticks = if committed_earlier_term {
            // Figure 8's moment: a leader just committed an entry of an
            // earlier term by counting replicas. Only a planted bug gets
            // here (a correct leader commits through an entry of its own
            // term), so no draw: other runs keep their sequence.
            Some(50 + rng.below(250))
        } else if granted_vote && rng.chance_per_mille(NEMESIS_VOTER_BOUNCE_PER_MILLE) {
            Some(1 + rng.below(20))
        } else if (just_committed && rng.chance_per_mille(NEMESIS_COMMIT_CRASH_PER_MILLE))
            || (took_request && rng.chance_per_mille(NEMESIS_LEADER_CRASH_PER_MILLE))
        {
            // (Short-circuit: the draws are those of the two separate
            // branches this once was.)
            Some(50 + rng.below(250))
        } else {
            None
        };
        if let Some(down_ticks) = down_ticks {
            bounce(&mut sim, node, now, down_ticks);
        }
    }
    sim
}

/// Whether a leader's newest committed entry is of an earlier term than
/// its own.
fn committed_an_earlier_terms_entry(raft: &Raft) -> bool {
    raft.role() == Role::Leader
        && raft.commit_index() > 0
        && raft.log().get(raft.commit_index() as usize - 1).term < raft.current_term()
}
