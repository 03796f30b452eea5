//! Random fault schedules: a scenario with a seeded list of faults, for
//! determinism tests and seed sweeps. Every choice comes from the frozen
//! generator, so `random_faults(base, seed)` is the same scenario forever.

use crate::rng::{stream, SimRng};
use faultline_scenario::{Action, MessageId, NodeId, Scenario, TimedAction};

/// How many faults a schedule gets, at most.
pub const FAULTS_PER_SCHEDULE_MAX: u64 = 12;

/// `base` with its seed replaced by `seed`, some network trouble, and a
/// random schedule of crashes, restarts, pauses, partitions, heals and
/// message faults spread over the first 80% of its time limit.
pub fn random_faults(base: &Scenario, seed: u64) -> Scenario {
    let mut rng = SimRng::for_stream(seed, stream::SCHEDULE);
    let nodes = base.protocol.node_count();
    let mut scenario = base.clone();
    scenario.seed = seed;
    scenario.name = format!("{} (seed {seed}, random faults)", base.name);
    scenario.network.loss_per_mille = rng.below(30) as u32;
    scenario.network.duplicate_per_mille = rng.below(30) as u32;
    scenario.network.reorder_per_mille = rng.below(200) as u32;
    let horizon_ticks = (base.limits.ticks_max * 8 / 10).max(1);
    let fault_count = 1 + rng.below(FAULTS_PER_SCHEDULE_MAX);
    let mut actions: Vec<TimedAction> = Vec::new();
    for _ in 0..fault_count {
        let at_tick = 1 + rng.below(horizon_ticks);
        let node = NodeId(rng.below(nodes as u64) as u32);
        let action = match rng.below(10) {
            0 | 1 => Action::Crash { node },
            2 => Action::CrashStop { node },
            3 | 4 => Action::Restart { node },
            5 => Action::Pause { node, ticks: 10 + rng.below(200) },
            6 => Action::Isolate { node },
            7 => {
                let mut island: Vec<NodeId> = (0..nodes).map(NodeId).filter(|_| rng.chance_per_mille(500)).collect();
                island.dedup();
                Action::Partition { islands: vec![island] }
            }
            8 => Action::Heal,
            // Message ids are handed out in send order; an early id is
            // likely to name a real message, and a missing one is a no-op.
            _ => match rng.below(3) {
                0 => Action::DropMessage { message: MessageId(rng.below(at_tick.max(1))) },
                1 => Action::DuplicateMessage { message: MessageId(rng.below(at_tick.max(1))) },
                _ => Action::DelayMessage { message: MessageId(rng.below(at_tick.max(1))), ticks: 1 + rng.below(100) },
            },
        };
        actions.push(TimedAction { at_tick, action });
    }
    // Most schedules should end healed with everything restarted, so that
    // liveness can be judged; leave a few without that.
    if rng.chance_per_mille(800) {
        push_heal_and_restart_all(&mut actions, horizon_ticks + 1, nodes);
    }
    actions.sort_by_key(|a| a.at_tick); // stable: equal ticks keep their order
    scenario.actions = actions;
    scenario
}

/// Faults a sweep schedule gets, at most.
pub const SWEEP_FAULTS_MAX: u64 = 40;

/// How long a quickly bounced node stays down, at most.
pub const BOUNCE_TICKS_MAX: u64 = 20;
/// The range of a longer outage: about an election or more.
pub const OUTAGE_TICKS_MIN: u64 = 50;
pub const OUTAGE_TICKS_MAX: u64 = 300;

/// A harsher schedule for seed sweeps (`faultline explore`): many faults,
/// most of them "bounces", a crash followed by a restart a few ticks later.
/// A bounce right after a node voted, or right after a leader took a request
/// it had not sent on, is what exposes state that should have been durable
/// and was not, and entries committed that should not have been. Its own
/// stream, so `random_faults` stays as it was.
pub fn random_faults_for_sweeps(base: &Scenario, seed: u64) -> Scenario {
    let mut rng = SimRng::for_stream(seed, stream::SWEEP_SCHEDULE);
    let nodes = base.protocol.node_count();
    let mut scenario = base.clone();
    scenario.seed = seed;
    scenario.name = format!("{} (seed {seed}, sweep faults)", base.name);
    scenario.network.loss_per_mille = rng.below(50) as u32;
    scenario.network.duplicate_per_mille = rng.below(50) as u32;
    scenario.network.reorder_per_mille = rng.below(300) as u32;
    let horizon_ticks = (base.limits.ticks_max * 8 / 10).max(1);
    let mut actions: Vec<TimedAction> = Vec::new();
    for _ in 0..1 + rng.below(SWEEP_FAULTS_MAX) {
        let at_tick = 1 + rng.below(horizon_ticks);
        let node = NodeId(rng.below(nodes as u64) as u32);
        match rng.below(20) {
            0..=11 => {
                actions.push(TimedAction { at_tick, action: Action::Crash { node } });
                // Half come straight back (a vote or an entry in flight
                // meets the restarted node); half stay down long enough for
                // an election without them (leaders alternate, as in the
                // paper's figure 8).
                let back_after_ticks = if rng.chance_per_mille(500) {
                    1 + rng.below(BOUNCE_TICKS_MAX)
                } else {
                    OUTAGE_TICKS_MIN + rng.below(OUTAGE_TICKS_MAX - OUTAGE_TICKS_MIN + 1)
                };
                actions.push(TimedAction { at_tick: at_tick + back_after_ticks, action: Action::Restart { node } });
            }
            12 => actions.push(TimedAction { at_tick, action: Action::Crash { node } }),
            13 => actions.push(TimedAction { at_tick, action: Action::Restart { node } }),
            14 | 15 => {
                actions.push(TimedAction { at_tick, action: Action::Pause { node, ticks: 10 + rng.below(300) } })
            }
            16 | 17 => {
                let island: Vec<NodeId> = (0..nodes).map(NodeId).filter(|_| rng.chance_per_mille(500)).collect();
                actions.push(TimedAction { at_tick, action: Action::Partition { islands: vec![island] } });
                let healed_after_ticks = 20 + rng.below(400);
                actions.push(TimedAction { at_tick: at_tick + healed_after_ticks, action: Action::Heal });
            }
            _ => actions.push(TimedAction { at_tick, action: Action::Isolate { node } }),
        }
    }
    // End healed and restarted, so the run's last operations can complete.
    push_heal_and_restart_all(&mut actions, horizon_ticks + 1, nodes);
    actions.sort_by_key(|a| a.at_tick);
    scenario.actions = actions;
    scenario
}

/// Heal the network and restart every node at `at_tick`.
fn push_heal_and_restart_all(actions: &mut Vec<TimedAction>, at_tick: u64, nodes: u32) {
    actions.push(TimedAction { at_tick, action: Action::Heal });
    for n in 0..nodes {
        actions.push(TimedAction { at_tick, action: Action::Restart { node: NodeId(n) } });
    }
}
