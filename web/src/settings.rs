//! The run's settings a person changes from the page: the protocol, the
//! node count, the network and the seed. They live in the scenario (so the
//! share link carries them); changing one builds the run again from its
//! start, keeping the recorded actions when they still fit.

use faultline_scenario::Scenario;

/// The page offers 1 to this many nodes (the format allows 16; more than
/// nine do not fit the stage).
pub const PAGE_NODES_MAX: u32 = 9;

/// The protocols the page offers: those of the built-in scenarios, in
/// their order (each starts from its first built-in scenario's parameters).
pub fn protocols() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for scenario in crate::builtin::templates() {
        let name = scenario.protocol.name();
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

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
    changed.protocol = changed.protocol.with_node_count(settings.nodes)?;
    changed.seed = settings.seed;
    let network = &mut changed.network;
    network.delay_ticks_min = settings.delay_ticks_min;
    network.delay_ticks_max = settings.delay_ticks_max;
    network.loss_per_mille = settings.loss_per_mille;
    network.duplicate_per_mille = settings.duplicate_per_mille;
    network.reorder_per_mille = settings.reorder_per_mille;
    if changed.protocol.name() != scenario.protocol.name() {
        changed.name = format!("{}: your own run", settings.protocol);
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
    crate::builtin::templates()
        .find(|scenario| scenario.protocol.name() == protocol)
        .ok_or_else(|| format!("there is no protocol called {protocol}"))
}
