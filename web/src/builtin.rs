//! The built-in scenarios, compiled into the app from static/scenarios/ so
//! the page needs no request beyond its own files to start.

/// (file stem, JSON text), in the order the picker lists them. The first is
/// the default.
pub const BUILTIN_SCENARIOS: &[(&str, &str)] = &[
    ("raft", include_str!("../../static/scenarios/raft.json")),
    ("raft-puzzle-1", include_str!("../../static/scenarios/raft-puzzle-1.json")),
    ("raft-puzzle-2", include_str!("../../static/scenarios/raft-puzzle-2.json")),
    ("raft-puzzle-3", include_str!("../../static/scenarios/raft-puzzle-3.json")),
    ("raft-figure-8", include_str!("../../static/scenarios/raft-figure-8.json")),
    ("2pc", include_str!("../../static/scenarios/2pc.json")),
    ("2pc-vote-abort", include_str!("../../static/scenarios/2pc-vote-abort.json")),
    ("2pc-rm-crash-before-vote", include_str!("../../static/scenarios/2pc-rm-crash-before-vote.json")),
    ("2pc-rm-crash-after-vote", include_str!("../../static/scenarios/2pc-rm-crash-after-vote.json")),
    ("2pc-coordinator-crash", include_str!("../../static/scenarios/2pc-coordinator-crash.json")),
    ("2pc-cooperative-rescue", include_str!("../../static/scenarios/2pc-cooperative-rescue.json")),
    ("2pc-cooperative-blocked", include_str!("../../static/scenarios/2pc-cooperative-blocked.json")),
    ("calm", include_str!("../../static/scenarios/calm.json")),
    ("stale-read", include_str!("../../static/scenarios/stale-read.json")),
    ("crash-recovery", include_str!("../../static/scenarios/crash-recovery.json")),
    ("crdt-cart", include_str!("../../static/scenarios/crdt-cart.json")),
    ("crdt-shopping-cart", include_str!("../../static/scenarios/crdt-shopping-cart.json")),
    ("crdt-counter-partition", include_str!("../../static/scenarios/crdt-counter-partition.json")),
    ("crdt-lww-clock-skew", include_str!("../../static/scenarios/crdt-lww-clock-skew.json")),
    ("crdt-counter-duplicates", include_str!("../../static/scenarios/crdt-counter-duplicates.json")),
    ("crdt-counter-duplicates-buggy", include_str!("../../static/scenarios/crdt-counter-duplicates-buggy.json")),
    ("quorum-add-node", include_str!("../../static/scenarios/quorum-add-node.json")),
    ("quorum-cap", include_str!("../../static/scenarios/quorum-cap.json")),
    ("quorum-sloppy-missed-read", include_str!("../../static/scenarios/quorum-sloppy-missed-read.json")),
];

pub const DEFAULT_SCENARIO: &str = "raft";

/// The built-in scenarios, in picker order.
pub fn builtins() -> impl Iterator<Item = (&'static str, &'static str)> {
    BUILTIN_SCENARIOS.iter().copied()
}

pub fn builtin_text(stem: &str) -> Option<&'static str> {
    builtins().find(|(name, _)| *name == stem).map(|(_, text)| text)
}
