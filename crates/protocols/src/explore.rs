//! How `faultline explore` exercises a protocol: the scenario every seed
//! varies, the planted-bug variants, and a nemesis that reacts to the run.
//! The CLI's sweep is generic; each protocol brings an [`Explorer`].

use faultline_scenario::{Action, NodeId, Scenario};
use faultline_sim::{AnySimulation, Kinds, MessageKindId, Protocol, Simulation};

/// What the command line chose for a sweep besides the seeds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExploreSettings {
    /// How many nodes (the protocol's default when absent).
    pub nodes: Option<u32>,
    /// The variant's name ("correct" when absent).
    pub variant: Option<String>,
    /// Options of this protocol's own (`--reads any-node`), as given.
    pub options: Vec<(String, String)>,
}

impl ExploreSettings {
    /// The variant's name: "correct" unless one was chosen.
    pub fn variant_name(&self) -> &str {
        self.variant.as_deref().unwrap_or("correct")
    }

    /// The value of one of the protocol's own options, refusing any option
    /// not in `known`.
    pub fn option(&self, name: &str, known: &[&str]) -> Result<Option<&str>, String> {
        if let Some((unknown, _)) = self.options.iter().find(|(option, _)| !known.contains(&option.as_str())) {
            let hint = match known {
                [] => "it takes none".to_string(),
                _ => format!("it takes {}", known.iter().map(|o| format!("--{o}")).collect::<Vec<_>>().join(", ")),
            };
            return Err(format!("unknown option --{unknown} for this protocol ({hint})"));
        }
        Ok(self.options.iter().rev().find(|(option, _)| option == name).map(|(_, value)| value.as_str()))
    }
}

/// A protocol's part of `faultline explore`.
pub trait Explorer: Sync {
    /// The scenario each seed varies (its own fault schedule on top), or
    /// why the settings do not make one.
    fn base_scenario(&self, settings: &ExploreSettings) -> Result<Scenario, String>;

    /// Run one seed's scenario to its end under the protocol's nemesis,
    /// whose faults are recorded into the scenario as timed actions, so the
    /// scenario of a failure replays it exactly without the nemesis.
    fn run_seed(&self, scenario: Scenario, seed: u64) -> Box<dyn AnySimulation>;

    /// The protocol's own counters of a finished run, for the summary.
    fn counters(&self, _sim: &dyn AnySimulation) -> Vec<(&'static str, u64)> {
        Vec::new()
    }

    /// The settings in words, for the summary ("5 nodes, variant correct").
    fn describe(&self, scenario: &Scenario, settings: &ExploreSettings) -> String {
        format!("{} nodes, variant {}", scenario.protocol.node_count(), settings.variant_name())
    }
}

/// The variant called `name`, among `names` (the enum's `NAMES`).
pub fn variant_by_name<V: Copy>(name: &str, names: &[&str], all: &[V]) -> Result<V, String> {
    names
        .iter()
        .position(|&known| known == name)
        .map(|index| all[index])
        .ok_or_else(|| format!("unknown variant `{name}` (known: {})", names.join(", ")))
}

/// A message's kind among the protocol's own (none for client traffic).
pub fn protocol_kind<K: Kinds>(kind: MessageKindId) -> Option<K> {
    match kind {
        MessageKindId::Protocol(index) => K::ALL.get(index as usize).copied(),
        MessageKindId::Request | MessageKindId::Reply => None,
    }
}

/// A nemesis's fault: crash `node` at the next tick and restart it
/// `down_ticks` later, both recorded into the scenario like a user's
/// clicks, so the scenario replays them without the nemesis.
pub fn bounce<P: Protocol>(sim: &mut Simulation<P>, node: NodeId, now_tick: u64, down_ticks: u64) {
    // Refused only past the time limit: then there is nothing to do.
    if sim.record_not_before(Action::Crash { node }, now_tick + 1).is_ok() {
        let _ = sim.record_not_before(Action::Restart { node }, now_tick + 1 + down_ticks);
    }
}
