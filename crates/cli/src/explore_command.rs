//! `faultline explore --protocol raft --seeds N [--nodes K] [--variant NAME]
//! [--reads log|any-node]`: run N seeded scenarios with random fault
//! schedules, check the protocol's invariants at every step and every
//! history for linearizability, and print a summary. On the first failure,
//! print the scenario that reproduces it (for `faultline run`) and stop.
//! Faults come from a seeded schedule and from a nemesis that reacts to the
//! run (see `run_with_nemesis`); both end up as the scenario's actions.
//!
//! Exit status: 0 no failure, 1 a failure found, 3 bad input.

use faultline_scenario::{ProtocolSpec, RaftReads, RaftSpec, RaftVariant, Scenario};
use faultline_sim::schedule::random_faults_for_sweeps;
use faultline_sim::EndReason;
use std::collections::BTreeMap;
use std::time::Instant;

pub struct ExploreArgs {
    seeds: u64,
    nodes: u32,
    variant: RaftVariant,
    reads: RaftReads,
    first_seed: u64,
    /// Go on after a failure and count them all, rather than stopping at
    /// the first with its reproduction.
    keep_going: bool,
}

/// Search steps the check of one run's history may take.
const CHECK_BUDGET_STEPS: u64 = 2_000_000;

/// Chance that the nemesis crashes a leader right after it took a client's
/// request (before it sent the entry on), per such request.
const NEMESIS_LEADER_CRASH_PER_MILLE: u32 = 200;
/// Chance that the nemesis bounces a node right after it granted a vote.
const NEMESIS_VOTER_BOUNCE_PER_MILLE: u32 = 150;
/// Chance that the nemesis crashes a leader right after it committed more
/// entries (before its followers learn of it).
const NEMESIS_COMMIT_CRASH_PER_MILLE: u32 = 200;

/// A nemesis that reacts to the run, as Jepsen's target leaders: it crashes
/// a leader that just took a request (so it holds an entry nobody else has;
/// the paper's figure 8 starts so), crashes a leader that just committed
/// (figure 8 ends so), always when what it committed is an earlier term's
/// entry (which only the planted figure-8 bug does), and bounces a node
/// that just voted (so a vote that was not durable is forgotten). Its
/// faults are recorded into the scenario as timed actions at the next tick,
/// like a user's clicks, so the scenario printed for a failure replays it
/// exactly without the nemesis. Every choice comes from the seed.
fn run_with_nemesis(scenario: Scenario, seed: u64) -> Box<dyn faultline_sim::AnySimulation> {
    use faultline_scenario::{Action, NodeId};
    use faultline_sim::{Endpoint, SimRng, StepKind};
    let mut rng = SimRng::for_stream(seed, faultline_sim::rng::stream::NEMESIS);
    let mut sim = faultline_protocols::build(scenario);
    let committed = |sim: &dyn faultline_sim::AnySimulation| {
        sim.ghost_summary().into_iter().find(|(name, _)| name == "entries committed").map_or(0, |(_, n)| n)
    };
    let mut committed_before = 0;
    while let Some(step) = sim.step() {
        let StepKind::Deliver { from, to: Endpoint::Node(node), label, .. } = &step.kind else { continue };
        let now = sim.now_tick();
        let bounce = |sim: &mut Box<dyn faultline_sim::AnySimulation>, node: NodeId, down_ticks: u64| {
            // Refused only past the time limit: then there is nothing to do.
            if sim.record_not_before(Action::Crash { node }, now + 1).is_ok() {
                let _ = sim.record_not_before(Action::Restart { node }, now + 1 + down_ticks);
            }
        };
        let granted_vote = label.starts_with("RequestVote") && step.sent.iter().any(|m| m.label.ends_with(" yes"));
        let just_committed = label.starts_with("AppendReply") && {
            let now_committed = committed(sim.as_ref());
            let advanced = now_committed > committed_before;
            committed_before = now_committed;
            advanced
        };
        let took_request = matches!(from, Endpoint::Client(_))
            && sim.nodes()[node.0 as usize].view.as_ref().is_some_and(|v| v.role == "leader");
        let committed_earlier_term =
            just_committed && sim.nodes()[node.0 as usize].view.as_ref().is_some_and(committed_an_earlier_terms_entry);
        if committed_earlier_term {
            // Figure 8's moment: a leader just committed an entry of an
            // earlier term by counting replicas. Only a planted bug gets
            // here (a correct leader commits through an entry of its own
            // term), so no draw: other runs keep their sequence.
            let down_ticks = 50 + rng.below(250);
            bounce(&mut sim, *node, down_ticks);
        } else if granted_vote && rng.chance_per_mille(NEMESIS_VOTER_BOUNCE_PER_MILLE) {
            let down_ticks = 1 + rng.below(20);
            bounce(&mut sim, *node, down_ticks);
        } else if (just_committed && rng.chance_per_mille(NEMESIS_COMMIT_CRASH_PER_MILLE))
            || (took_request && rng.chance_per_mille(NEMESIS_LEADER_CRASH_PER_MILLE))
        {
            // (Short-circuit: the draws are those of the two separate
            // branches this once was.)
            let down_ticks = 50 + rng.below(250);
            bounce(&mut sim, *node, down_ticks);
        }
    }
    sim
}

/// Whether the entry at a leader's commit index is of an earlier term than
/// the leader's own.
fn committed_an_earlier_terms_entry(view: &faultline_sim::NodeView) -> bool {
    let (Some(term), Some(commit_index)) = (view.term, view.commit_index) else { return false };
    view.role == "leader" && view.log_entry_at(commit_index).is_some_and(|entry| entry.term < term)
}

pub fn parse_args(args: &[String]) -> Result<ExploreArgs, String> {
    let mut parsed = ExploreArgs {
        seeds: 100,
        nodes: 5,
        variant: RaftVariant::Correct,
        reads: RaftReads::Log,
        first_seed: 1,
        keep_going: false,
    };
    let mut protocol = None;
    let mut rest = args.iter();
    let number = |flag: &str, value: Option<&String>| -> Result<u64, String> {
        let value = value.ok_or_else(|| format!("{flag} needs a number"))?;
        value.replace('_', "").parse().map_err(|_| format!("{flag} needs a whole number, not `{value}`"))
    };
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--protocol" => protocol = Some(rest.next().ok_or("--protocol needs a name")?.clone()),
            "--seeds" => parsed.seeds = number(arg, rest.next())?,
            "--keep-going" => parsed.keep_going = true,
            "--first-seed" => parsed.first_seed = number(arg, rest.next())?,
            "--nodes" => {
                parsed.nodes =
                    u32::try_from(number(arg, rest.next())?).map_err(|_| "--nodes is too large".to_string())?
            }
            "--variant" => {
                let name = rest.next().ok_or("--variant needs a name")?;
                parsed.variant = RaftVariant::by_name(name)
                    .ok_or_else(|| format!("unknown variant `{name}` (known: {})", RaftVariant::NAMES.join(", ")))?;
            }
            "--reads" => {
                let name = rest.next().ok_or("--reads needs log or any-node")?;
                parsed.reads =
                    RaftReads::by_name(name).ok_or_else(|| format!("unknown reads `{name}` (known: log, any-node)"))?;
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    match protocol.as_deref() {
        Some("raft") => {}
        Some(other) => return Err(format!("explore knows the protocol raft, not `{other}`")),
        None => return Err("explore needs --protocol raft".into()),
    }
    if !(1..=16).contains(&parsed.nodes) {
        return Err(format!("--nodes must be 1 to 16, not {}", parsed.nodes));
    }
    Ok(parsed)
}

/// The scenario every seed varies: a Raft cluster under client load.
pub fn base_scenario(args: &ExploreArgs) -> Scenario {
    let mut spec = RaftSpec::new(args.nodes);
    spec.variant = args.variant;
    spec.reads = args.reads;
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
    scenario
}

/// How one run went.
enum Outcome {
    Passed,
    /// The history check ran out of budget.
    Undecided,
    Failed(String),
}

fn outcome_of(sim: &dyn faultline_sim::AnySimulation) -> Outcome {
    if let Some(EndReason::InvariantViolated { violation }) = sim.ended() {
        return Outcome::Failed(format!("invariant violated at step {}: {violation}", sim.position()));
    }
    let history = faultline_sim::history::to_check_history(sim.history());
    let verdict = faultline_check::with_model!(&faultline_sim::history::check_model(), m => {
        faultline_check::check(m, history, CHECK_BUDGET_STEPS, || None)
    });
    match verdict {
        faultline_check::Verdict::NotLinearizable(explanation) => {
            Outcome::Failed(format!("the history is not linearizable: {}", explanation.reason))
        }
        faultline_check::Verdict::Unknown(_) => Outcome::Undecided,
        faultline_check::Verdict::Linearizable(_) => Outcome::Passed,
    }
}

fn appends_completed(history: &[faultline_sim::history::HistoryEntry]) -> u64 {
    let is_completed_append = |entry: &&faultline_sim::history::HistoryEntry| {
        entry.is_complete() && matches!(entry.operation, faultline_scenario::Operation::Append { .. })
    };
    history.iter().filter(is_completed_append).count() as u64
}

pub fn run(args: &ExploreArgs) -> Result<u8, String> {
    let base = base_scenario(args);
    let started = Instant::now();
    let mut totals: BTreeMap<String, u64> = BTreeMap::new();
    let mut unknown = 0;
    let mut failed: Vec<u64> = Vec::new();
    for seed in args.first_seed..args.first_seed + args.seeds {
        let sim = run_with_nemesis(random_faults_for_sweeps(&base, seed), seed);
        let scenario = sim.scenario().clone();
        let stats = sim.stats();
        for (name, value) in [
            ("steps", stats.steps),
            ("faults applied", stats.faults_applied),
            ("messages dropped", stats.messages_dropped),
            ("operations completed", stats.operations_completed),
            ("operations with unknown outcome", stats.operations_pending()),
            ("appends completed", appends_completed(sim.history())),
        ]
        .into_iter()
        .map(|(n, v)| (n.to_string(), v))
        .chain(sim.ghost_summary())
        {
            *totals.entry(name).or_default() += value;
        }
        match outcome_of(sim.as_ref()) {
            Outcome::Passed => {}
            Outcome::Undecided => unknown += 1,
            Outcome::Failed(failure) if args.keep_going => {
                outln!("seed {seed}: FAILED: {failure}");
                failed.push(seed);
            }
            Outcome::Failed(failure) => {
                outln!("seed {seed}: FAILED: {failure}");
                outln!("reproduce with `faultline run SCENARIO.json`, SCENARIO.json being:");
                outln!("{}", faultline_scenario::to_json_pretty(&scenario));
                return Ok(1);
            }
        }
        let done = seed - args.first_seed + 1;
        if done.is_multiple_of(1000) {
            eprintln!("explore: {done} of {} seeds, {:.0} s", args.seeds, started.elapsed().as_secs_f64());
        }
    }
    if !failed.is_empty() {
        outln!(
            "explored {} seeds of raft ({} nodes, variant {}, reads {}): {} failed (reproduce one with --first-seed N --seeds 1)",
            args.seeds,
            args.nodes,
            args.variant.name(),
            args.reads.name(),
            failed.len()
        );
        return Ok(1);
    }
    outln!(
        "explored {} seeds of raft ({} nodes, variant {}, reads {}) in {:.1} s: no invariant violated, no history found not linearizable{}",
        args.seeds,
        args.nodes,
        args.variant.name(),
        args.reads.name(),
        started.elapsed().as_secs_f64(),
        if unknown > 0 { format!(" ({unknown} histories undecided within the check's budget)") } else { String::new() }
    );
    for (name, value) in &totals {
        outln!("  {name}: {value}");
    }
    Ok(0)
}
