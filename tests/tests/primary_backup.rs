//! Primary–backup with appends: the primary orders every update, applies a
//! retried or duplicated one once, and ships a key's whole list, so once the
//! network is quiet every backup holds what the primary holds, duplicated
//! and reordered messages included.

use faultline_protocols::primary_backup::{PrimaryBackup, PRIMARY};
use faultline_scenario::{ClientOperation, ClientOutput, KvOperation, KvOutput, NodeId};
use faultline_sim::{EndReason, Simulation};

#[test]
fn backups_converge_on_the_primarys_lists() {
    let path = format!("{}/../static/scenarios/calm.json", env!("CARGO_MANIFEST_DIR"));
    let mut scenario = faultline_scenario::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap();
    scenario.workload.read_per_mille = 300;
    scenario.workload.append_per_mille = 500;
    scenario.network.duplicate_per_mille = 200;
    scenario.network.reorder_per_mille = 300;
    for seed in 1..=5 {
        scenario.seed = seed;
        let service = faultline_protocols::kv::KeyValueService::new(&scenario.workload);
        let mut sim: Simulation<PrimaryBackup> = Simulation::new(scenario.clone(), (), service);
        let end = sim.run_to_end().clone();
        assert!(matches!(end, EndReason::Quiescent { .. }), "seed {seed}: {end:?}");
        let primary = sim.world().node_state(PRIMARY).unwrap().store().entries.clone();
        let longest_read = sim
            .history()
            .iter()
            .filter_map(|e| match &e.output {
                Some(ClientOutput::KeyValue(KvOutput::Value(values))) => Some(values.len()),
                _ => None,
            })
            .max();
        assert!(longest_read >= Some(3), "seed {seed}: no read saw a few appends in a row");
        for n in 1..scenario.protocol.node_count() {
            let backup = &sim.world().node_state(NodeId(n)).unwrap().store().entries;
            assert_eq!(backup, &primary, "seed {seed}: n{n} did not converge");
        }
        // Every value is appended or written once, so a value twice in a
        // read is an update applied twice (a retry or a duplicated forward).
        for entry in sim.history() {
            if let Some(ClientOutput::KeyValue(KvOutput::Value(values))) = &entry.output {
                let distinct: std::collections::BTreeSet<_> = values.iter().collect();
                assert_eq!(distinct.len(), values.len(), "seed {seed}: an update applied twice: read {values:?}");
            }
        }
        let appends_answered = sim
            .history()
            .iter()
            .filter(|e| matches!(e.operation, ClientOperation::KeyValue(KvOperation::Append { .. })) && e.is_complete())
            .count();
        assert!(appends_answered > 0, "seed {seed}");
    }
}
