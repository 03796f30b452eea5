//! The run's settings a person changes from the page: the protocol, the
//! node count, the network and the seed. They live in the scenario (so the
//! share link carries them); changing one builds the run again from its
//! start, keeping the recorded actions when they still fit.

use faultline_scenario::{ProtocolSpec, RaftSpec, Scenario, TwoPhaseCommitSpec};

/// The page offers 1 to this many nodes (the format allows 16; more than
/// nine do not fit the stage).
pub const PAGE_NODES_MAX: u32 = 9;

/// The protocols the page offers, by the scenario format's names.
pub const PROTOCOLS: [(&str, &str); 3] =
    [("raft", "Raft"), ("primary-backup", "Primary–backup"), ("two-phase-commit", "Two-phase commit")];

/// What the settings panel shows and sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunSettings {
    /// The scenario format's protocol name.
    pub protocol: String,
    pub nodes: u32,
    pub delay_ticks_min: u64,
    pub delay_ticks_max: u64,
    pub loss_per_mille: u32,
    pub duplicate_per_mille: u32,
    pub reorder_per_mille: u32,
    pub seed: u64,
}

impl RunSettings {
    pub fn of(scenario: &Scenario) -> RunSettings {
        let network = &scenario.network;
        RunSettings {
            protocol: scenario.protocol.name().to_string(),
            nodes: scenario.protocol.node_count(),
            delay_ticks_min: network.delay_ticks_min,
            delay_ticks_max: network.delay_ticks_max,
            loss_per_mille: network.loss_per_mille,
            duplicate_per_mille: network.duplicate_per_mille,
            reorder_per_mille: network.reorder_per_mille,
            seed: scenario.seed,
        }
    }
}

/// The scenario with these settings. The protocol's own parameters stay
/// when the protocol does; another protocol starts from its first built-in
/// scenario's parameters and clients, without actions. The actions stay
/// when the new scenario still validates with them, else they go (the
/// second value says so). Errors name the setting, in words.
pub fn apply(scenario: &Scenario, settings: &RunSettings) -> Result<(Scenario, bool), String> {
    if !(1..=PAGE_NODES_MAX).contains(&settings.nodes) {
        return Err(format!("the page runs 1 to {PAGE_NODES_MAX} nodes, not {}", settings.nodes));
    }
    let mut changed = scenario.clone();
    if settings.protocol != scenario.protocol.name() {
        // Another protocol: its own parameters and clients, from its first
        // built-in scenario (a bank's clients are not a key-value store's).
        let template = template_of(&settings.protocol)?;
        changed.protocol = template.protocol;
        changed.workload = template.workload;
        changed.actions.clear();
    }
    changed.protocol = protocol_with(&changed.protocol, &settings.protocol, settings.nodes)?;
    changed.seed = settings.seed;
    let network = &mut changed.network;
    network.delay_ticks_min = settings.delay_ticks_min;
    network.delay_ticks_max = settings.delay_ticks_max;
    network.loss_per_mille = settings.loss_per_mille;
    network.duplicate_per_mille = settings.duplicate_per_mille;
    network.reorder_per_mille = settings.reorder_per_mille;
    if changed.protocol.name() != scenario.protocol.name() {
        changed.name = format!("{}: your own run", protocol_title(&settings.protocol));
        changed.description = String::new();
    }
    if faultline_scenario::validate(&changed).is_err() {
        changed.actions.clear();
        faultline_scenario::validate(&changed).map_err(|error| error.to_string())?;
    }
    let actions_dropped = changed.actions.len() < scenario.actions.len();
    Ok((changed, actions_dropped))
}

/// The first built-in scenario of a protocol.
fn template_of(protocol: &str) -> Result<Scenario, String> {
    crate::builtin::BUILTIN_SCENARIOS
        .iter()
        .filter_map(|(_, text)| faultline_scenario::from_json(text).ok())
        .find(|scenario| scenario.protocol.name() == protocol)
        .ok_or_else(|| format!("there is no protocol called {protocol}"))
}

fn protocol_title(name: &str) -> &'static str {
    PROTOCOLS.iter().find(|(n, _)| *n == name).map_or("A protocol", |(_, title)| title)
}

/// The protocol `name` with `nodes` nodes: the same parameters as `spec`
/// when it is that protocol already.
fn protocol_with(spec: &ProtocolSpec, name: &str, nodes: u32) -> Result<ProtocolSpec, String> {
    Ok(match (name, spec) {
        ("raft", ProtocolSpec::Raft(raft)) => {
            let mut raft = raft.clone();
            raft.nodes = nodes;
            // A Raft scenario's initial logs are per node: they no longer fit.
            if raft.initial.len() != nodes as usize {
                raft.initial.clear();
            }
            ProtocolSpec::Raft(raft)
        }
        ("raft", _) => ProtocolSpec::Raft(RaftSpec::new(nodes)),
        ("primary-backup", _) => ProtocolSpec::PrimaryBackup { nodes },
        ("two-phase-commit", _) if nodes < 2 => {
            return Err("two-phase commit needs 2 nodes at least: a coordinator and a resource manager".into())
        }
        ("two-phase-commit", ProtocolSpec::TwoPhaseCommit(two_pc)) => {
            let mut two_pc = two_pc.clone();
            two_pc.resource_managers = nodes - 1;
            ProtocolSpec::TwoPhaseCommit(two_pc)
        }
        ("two-phase-commit", _) => ProtocolSpec::TwoPhaseCommit(TwoPhaseCommitSpec::new(nodes - 1)),
        (other, _) => return Err(format!("there is no protocol called {other}")),
    })
}
