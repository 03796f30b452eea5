//! `AnySimulation::node_role` answers a node's role without building its
//! view (exercises and tours ask it after every step); it must be the
//! role the view shows, for every protocol, at every step.

fn scenario(name: &str) -> faultline_scenario::Scenario {
    let path = format!("{}/../static/scenarios/{name}.json", env!("CARGO_MANIFEST_DIR"));
    faultline_scenario::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_nodes_role_is_the_one_its_view_shows() {
    let names =
        ["raft", "raft-figure-8", "2pc-coordinator-crash", "stale-read", "crdt-shopping-cart", "quorum-add-node"];
    for name in names {
        let mut sim = faultline_protocols::build(scenario(name));
        let (mut steps, mut compared) = (0, 0);
        while steps < 3_000 && sim.step().is_some() {
            steps += 1;
            for report in sim.nodes() {
                let shown = report.view.as_ref().map(|view| view.role.name);
                let answered = sim.node_role(report.id).map(|style| style.name);
                if shown.is_some() {
                    assert_eq!(answered, shown, "{name}: {} at step {steps}", report.id);
                    compared += 1;
                }
            }
        }
        assert!(steps > 40 && compared > steps, "{name}: {steps} steps, {compared} roles compared");
    }
}
