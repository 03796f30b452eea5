//! The laws that make a state-based CRDT converge, over generated states:
//! merge is commutative, associative and idempotent, and replicas that
//! have taken in each other's states hold the same value. Each state is the
//! outcome of a random history on three replicas: updates at any of them,
//! and merges between them in any order.

use faultline_protocols::crdt::types::{
    GCounter, GSet, LwwRegister, MvRegister, OrSet, PnCounter, ReplicaId, SetUpdate, StateCrdt, TwoPhaseSet,
};
use proptest::prelude::*;

const REPLICAS: ReplicaId = 3;

/// One event of a history: an update at a replica, or a replica taking in
/// another's state.
#[derive(Clone, Debug)]
enum Event<U> {
    Update { replica: ReplicaId, tick: u64, update: U },
    Merge { from: ReplicaId, into: ReplicaId },
}

fn events<U: Clone + std::fmt::Debug + 'static>(
    update: impl Strategy<Value = U> + Clone + 'static,
) -> impl Strategy<Value = Vec<Event<U>>> {
    let event = prop_oneof![
        3 => (0..REPLICAS, 0u64..50, update).prop_map(|(replica, tick, update)| Event::Update { replica, tick, update }),
        1 => (0..REPLICAS, 0..REPLICAS).prop_map(|(from, into)| Event::Merge { from, into }),
    ];
    proptest::collection::vec(event, 0..40)
}

/// The three replicas' states after a history.
fn replay<C: StateCrdt>(history: &[Event<C::Update>]) -> Vec<C> {
    let mut replicas = vec![C::default(); REPLICAS as usize];
    for event in history {
        match event {
            Event::Update { replica, tick, update } => replicas[*replica as usize].apply(*replica, *tick, update),
            Event::Merge { from, into } => {
                let from = replicas[*from as usize].clone();
                replicas[*into as usize].merge(&from);
            }
        }
    }
    replicas
}

fn merged<C: StateCrdt>(a: &C, b: &C) -> C {
    let mut out = a.clone();
    out.merge(b);
    out
}

/// The laws, for the three states one history left.
fn check_laws<C: StateCrdt>(history: &[Event<C::Update>]) -> Result<(), TestCaseError> {
    let replicas = replay::<C>(history);
    let (a, b, c) = (&replicas[0], &replicas[1], &replicas[2]);
    prop_assert_eq!(merged(a, b), merged(b, a), "commutative");
    prop_assert_eq!(merged(&merged(a, b), c), merged(a, &merged(b, c)), "associative");
    prop_assert_eq!(merged(a, a), a.clone(), "idempotent");
    // Every replica takes in every state: all hold the same value.
    let all = merged(&merged(a, b), c);
    for replica in &replicas {
        prop_assert_eq!(merged(replica, &all).value(), all.value(), "converged");
    }
    Ok(())
}

fn set_update() -> impl Strategy<Value = SetUpdate> + Clone {
    prop_oneof![(0u64..6).prop_map(SetUpdate::Add), (0u64..6).prop_map(SetUpdate::Remove)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn g_counter(history in events(0u64..10)) { check_laws::<GCounter>(&history)?; }

    #[test]
    fn pn_counter(history in events(-10i64..10)) { check_laws::<PnCounter>(&history)?; }

    #[test]
    fn g_set(history in events(set_update())) { check_laws::<GSet>(&history)?; }

    #[test]
    fn two_phase_set(history in events(set_update())) { check_laws::<TwoPhaseSet>(&history)?; }

    #[test]
    fn or_set(history in events(set_update())) { check_laws::<OrSet>(&history)?; }

    #[test]
    fn lww_register(history in events(0u64..100)) { check_laws::<LwwRegister>(&history)?; }

    #[test]
    fn mv_register(history in events(0u64..100)) { check_laws::<MvRegister>(&history)?; }
}

/// What each type does when two replicas update concurrently and then
/// merge: the book's examples, as a table.
#[test]
fn concurrent_updates_resolve_as_each_type_promises() {
    // The shopping cart: r0 removes milk (1) while r1, concurrently, adds
    // it again. An OR-Set keeps the concurrent add; a 2P-Set does not.
    fn cart<C: StateCrdt<Update = SetUpdate>>() -> C::Value {
        let mut r0 = C::default();
        r0.apply(0, 1, &SetUpdate::Add(1));
        let mut r1 = r0.clone();
        r0.apply(0, 2, &SetUpdate::Remove(1));
        r1.apply(1, 2, &SetUpdate::Add(1));
        r0.merge(&r1);
        r0.value()
    }
    assert_eq!(cart::<OrSet>(), [1].into(), "add wins over a concurrent remove");
    assert_eq!(cart::<TwoPhaseSet>(), [].into(), "a removed element never returns");

    // Two writes at once: LWW keeps the later stamp; MV keeps both.
    let (mut r0, mut r1) = (LwwRegister::default(), LwwRegister::default());
    r0.apply(0, 5, &10);
    r1.apply(1, 7, &20);
    r0.merge(&r1);
    assert_eq!(r0.value(), Some(20));
    let (mut m0, mut m1) = (MvRegister::default(), MvRegister::default());
    m0.apply(0, 5, &10);
    m1.apply(1, 7, &20);
    m0.merge(&m1);
    assert_eq!(m0.value(), [10, 20].into(), "siblings");
    // A write that has seen both supersedes them.
    m0.apply(0, 9, &30);
    m1.merge(&m0);
    assert_eq!(m1.value(), [30].into());

    // Counters add up what every replica did.
    let (mut c0, mut c1) = (PnCounter::default(), PnCounter::default());
    c0.apply(0, 1, &5);
    c1.apply(1, 1, &-2);
    c0.merge(&c1);
    c1.merge(&c0);
    assert_eq!((c0.value(), c1.value()), (3, 3));
}
