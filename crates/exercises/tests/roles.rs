//! The role goals read `AnySimulation::node_role`, which protocols may
//! answer without building a view: it must be the view's role, always.

use faultline_exercises::exercises;
use faultline_scenario::NodeId;

#[test]
fn a_nodes_role_is_its_views_role_at_every_step() {
    for exercise in exercises().unwrap_or_else(|error| panic!("{error}")) {
        let mut sim = faultline_protocols::build(exercise.with_actions(&exercise.solution));
        while sim.step().is_some() && sim.position() < 2_000 {
            for (n, report) in sim.nodes().iter().enumerate() {
                let from_view = report.view.as_ref().map(|view| view.role);
                assert_eq!(sim.node_role(NodeId(n as u32)), from_view, "{} at step {}", exercise.id, sim.position());
            }
        }
    }
}
