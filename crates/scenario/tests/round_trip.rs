//! Writing a valid scenario and reading it back gives the same scenario, in
//! every encoding.

mod common;

use faultline_scenario::*;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn generated_scenarios_are_valid(scenario in common::scenario()) {
        prop_assert_eq!(validate(&scenario), Ok(()));
    }

    #[test]
    fn pretty_json_round_trips(scenario in common::scenario()) {
        prop_assert_eq!(from_json(&to_json_pretty(&scenario)), Ok(scenario));
    }

    #[test]
    fn compact_json_round_trips(scenario in common::scenario()) {
        let compact = to_json_compact(&scenario);
        prop_assert!(!compact.contains('\n'));
        prop_assert_eq!(from_json(&compact), Ok(scenario));
    }

    #[test]
    fn url_fragment_round_trips(scenario in common::scenario()) {
        let fragment = to_url_fragment(&scenario);
        prop_assert!(fragment.starts_with("s=1."));
        prop_assert!(fragment.bytes().all(|b| b.is_ascii_alphanumeric() || b"=.-_".contains(&b)));
        prop_assert_eq!(from_url_fragment(&format!("#{fragment}")), Ok(scenario.clone()));
        prop_assert_eq!(from_url_fragment(&fragment), Ok(scenario));
    }

    /// Serde goes through the same format, so a scenario embedded in another
    /// document (a trace) reads like a scenario file.
    #[test]
    fn serde_uses_the_json_format(scenario in common::scenario()) {
        let through_serde = serde_json::to_string(&scenario).unwrap();
        prop_assert_eq!(&through_serde, &to_json_compact(&scenario));
        prop_assert_eq!(serde_json::from_str::<Scenario>(&through_serde).unwrap(), scenario);
    }

    /// Actions alone, of every kind, including those no protocol takes yet
    /// (add-node, remove-node), which valid scenarios cannot hold.
    #[test]
    fn any_action_round_trips_through_serde(action in common::any_action(), at_tick in any::<u64>()) {
        let json = serde_json::to_string(&action).unwrap();
        prop_assert!(json.starts_with(&format!(r#"{{"action":"{}""#, action.name())), "{}", json);
        prop_assert_eq!(serde_json::from_str::<Action>(&json).unwrap(), action.clone());
        let timed = TimedAction { at_tick, action };
        let timed_json = serde_json::to_string(&timed).unwrap();
        // A timed action is its tick, then the action's own fields.
        prop_assert_eq!(&timed_json, &format!(r#"{{"at_tick":{at_tick},{}"#, &json[1..]));
        prop_assert_eq!(serde_json::from_str::<TimedAction>(&timed_json).unwrap(), timed);
    }
}

#[test]
fn every_action_kind_round_trips() {
    let scenario = common::every_action_scenario();
    assert_eq!(validate(&scenario), Ok(()));
    assert_eq!(from_json(&to_json_pretty(&scenario)), Ok(scenario.clone()));
    assert_eq!(from_url_fragment(&to_url_fragment(&scenario)), Ok(scenario.clone()));
    for timed in &scenario.actions {
        let json = serde_json::to_string(timed).unwrap();
        assert_eq!(&serde_json::from_str::<TimedAction>(&json).unwrap(), timed);
        let json = serde_json::to_string(&timed.action).unwrap();
        assert!(json.starts_with(&format!(r#"{{"action":"{}""#, timed.action.name())), "{json}");
        assert_eq!(serde_json::from_str::<Action>(&json).unwrap(), timed.action);
    }
}

#[test]
fn a_raft_scenario_round_trips() {
    let scenario = common::raft_scenario();
    assert_eq!(validate(&scenario), Ok(()));
    assert_eq!(from_json(&to_json_pretty(&scenario)), Ok(scenario.clone()));
    assert_eq!(from_json(&to_json_compact(&scenario)), Ok(scenario.clone()));
    assert_eq!(from_url_fragment(&to_url_fragment(&scenario)), Ok(scenario.clone()));
    let json = serde_json::to_string(&scenario.protocol).unwrap();
    assert!(json.starts_with(r#"{"name":"raft","nodes":3,"#), "{json}");
    assert_eq!(serde_json::from_str::<ProtocolSpec>(&json).unwrap(), scenario.protocol);
}

#[test]
fn a_two_phase_commit_scenario_round_trips() {
    let scenario = common::two_phase_commit_scenario();
    assert_eq!(validate(&scenario), Ok(()));
    assert_eq!(from_json(&to_json_pretty(&scenario)), Ok(scenario.clone()));
    assert_eq!(from_json(&to_json_compact(&scenario)), Ok(scenario.clone()));
    assert_eq!(from_url_fragment(&to_url_fragment(&scenario)), Ok(scenario.clone()));
    let json = serde_json::to_string(&scenario.protocol).unwrap();
    assert!(json.starts_with(r#"{"name":"two-phase-commit","resource_managers":3,"#), "{json}");
    assert_eq!(serde_json::from_str::<ProtocolSpec>(&json).unwrap(), scenario.protocol);
}

#[test]
fn every_two_phase_commit_variant_round_trips() {
    for variant in TwoPhaseCommitVariant::ALL {
        let mut spec = TwoPhaseCommitSpec::new(2);
        spec.variant = variant;
        let scenario = Scenario::new("", 1, ProtocolSpec::TwoPhaseCommit(spec));
        assert_eq!(from_json(&to_json_pretty(&scenario)), Ok(scenario));
    }
}

/// Every type, replication and variant that fits them round-trips through
/// JSON and the URL fragment; a variant that does not fit is refused by
/// validation, at the variant.
#[test]
fn every_crdt_type_replication_and_variant_round_trips() {
    let mut valid = 0;
    for data_type in CrdtType::ALL {
        for replication in CrdtReplication::ALL {
            for variant in CrdtVariant::ALL {
                let mut spec = CrdtSpec::new(3, data_type);
                (spec.replication, spec.variant) = (replication, variant);
                let scenario = Scenario::new("", 1, ProtocolSpec::Crdt(spec));
                if variant.applies_to(data_type, replication).is_err() {
                    let error = from_json(&to_json_pretty(&scenario)).unwrap_err();
                    assert_eq!(error.path, "protocol.variant", "{data_type:?} {replication:?} {variant:?}");
                    continue;
                }
                assert_eq!(from_json(&to_json_pretty(&scenario)), Ok(scenario.clone()));
                assert_eq!(from_url_fragment(&to_url_fragment(&scenario)), Ok(scenario.clone()));
                valid += 1;
            }
        }
    }
    // 14 correct ones, 2 + 1 + 2 + 2 planted.
    assert_eq!(valid, 21);
}

#[test]
fn every_raft_variant_and_read_mode_round_trips() {
    for variant in RaftVariant::ALL {
        for reads in RaftReads::ALL {
            let mut raft = RaftSpec::new(3);
            raft.variant = variant;
            raft.reads = reads;
            let scenario = Scenario::new("", 1, ProtocolSpec::Raft(raft));
            assert_eq!(from_json(&to_json_pretty(&scenario)), Ok(scenario));
        }
    }
}
