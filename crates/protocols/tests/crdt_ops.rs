//! Operation-based CRDTs over a network that reorders and duplicates:
//! concurrent effects commute, and replicas that received every effect
//! (causally, exactly once, through `CausalDelivery`) are equal.

use faultline_protocols::crdt::ops::{
    CausalDelivery, OpCounter, OpCrdt, OpGSet, OpLwwRegister, OpMvRegister, OpOrSet, OpTwoPhaseSet, Stamped,
};
use faultline_protocols::crdt::types::{ReplicaId, SetUpdate};
use proptest::prelude::*;

const REPLICAS: ReplicaId = 3;

/// One event: a client's update at a replica, or the network handing one
/// of the effects in flight to its receiver (`keep`: a duplicate stays in
/// flight, to arrive again).
#[derive(Clone, Debug)]
enum Event<U> {
    Update { replica: ReplicaId, tick: u64, update: U },
    Deliver { pick: usize, keep: bool },
}

fn events<U: Clone + std::fmt::Debug + 'static>(
    update: impl Strategy<Value = U> + Clone + 'static,
) -> impl Strategy<Value = Vec<Event<U>>> {
    let event = prop_oneof![
        2 => (0..REPLICAS, 0u64..50, update).prop_map(|(replica, tick, update)| Event::Update { replica, tick, update }),
        3 => (any::<usize>(), proptest::bool::weighted(0.2)).prop_map(|(pick, keep)| Event::Deliver { pick, keep }),
    ];
    proptest::collection::vec(event, 0..60)
}

struct Replica<C: OpCrdt> {
    state: C,
    delivery: CausalDelivery<C::Effect>,
}

type InFlight<E> = Vec<(ReplicaId, Stamped<E>)>;

fn deliver<C: OpCrdt>(replicas: &mut [Replica<C>], to: ReplicaId, stamped: Stamped<C::Effect>) {
    let replica = &mut replicas[to as usize];
    for stamped in replica.delivery.receive(stamped) {
        replica.state.effect(&stamped.effect);
    }
}

/// Run a history, then let the network deliver everything still in flight:
/// the replicas at the end.
fn run<C: OpCrdt>(history: &[Event<C::Update>]) -> Vec<Replica<C>> {
    let (mut replicas, in_flight) = run_undrained::<C>(history);
    for (to, stamped) in in_flight {
        deliver(&mut replicas, to, stamped);
    }
    replicas
}

/// Run a history: the replicas, apart, and the effects still in flight.
fn run_undrained<C: OpCrdt>(history: &[Event<C::Update>]) -> (Vec<Replica<C>>, InFlight<C::Effect>) {
    let mut replicas: Vec<Replica<C>> =
        (0..REPLICAS).map(|_| Replica { state: C::default(), delivery: CausalDelivery::default() }).collect();
    let mut in_flight: InFlight<C::Effect> = Vec::new();
    for event in history {
        match event {
            Event::Update { replica: me, tick, update } => {
                let replica = &mut replicas[*me as usize];
                let effect = replica.state.prepare(*me, *tick, update);
                replica.state.effect(&effect);
                let stamped = replica.delivery.stamp_own(*me, effect);
                in_flight.extend((0..REPLICAS).filter(|to| to != me).map(|to| (to, stamped.clone())));
            }
            Event::Deliver { pick, keep } if !in_flight.is_empty() => {
                let index = pick % in_flight.len();
                let (to, stamped) = match keep {
                    true => in_flight[index].clone(),
                    false => in_flight.swap_remove(index),
                };
                deliver(&mut replicas, to, stamped);
            }
            Event::Deliver { .. } => {}
        }
    }
    (replicas, in_flight)
}

fn check_convergence<C: OpCrdt>(history: &[Event<C::Update>]) -> Result<(), TestCaseError> {
    let replicas = run::<C>(history);
    for replica in &replicas[1..] {
        prop_assert_eq!(&replica.state, &replicas[0].state, "converged");
        prop_assert!(replica.delivery.waiting.is_empty(), "nothing left waiting");
    }
    Ok(())
}

/// Replicas 0 and 1 each prepare an update after `history`, concurrently,
/// from states that need not agree (nothing in flight is drained first);
/// replica 2 applies both effects in either order and must end the same.
fn check_concurrent_effects_commute<C: OpCrdt>(
    history: &[Event<C::Update>],
    (first, second): (C::Update, C::Update),
) -> Result<(), TestCaseError> {
    let (mut replicas, in_flight) = run_undrained::<C>(history);
    let e1 = replicas[0].state.prepare(0, 60, &first);
    let e2 = replicas[1].state.prepare(1, 60, &second);
    // Causal delivery hands replica 2 an effect only after its causes: it
    // first takes in what either preparer had delivered (every effect is
    // sent to every replica, so what it lacks of that is in flight to it).
    let mut causes = replicas[0].delivery.applied.clone();
    for (&origin, &count) in &replicas[1].delivery.applied {
        let seen = causes.entry(origin).or_default();
        *seen = (*seen).max(count);
    }
    for (to, stamped) in in_flight {
        if to == 2 && stamped.count() <= causes.get(&stamped.sender).copied().unwrap_or(0) {
            deliver(&mut replicas, to, stamped);
        }
    }
    for (&origin, &count) in &causes {
        prop_assert!(
            replicas[2].delivery.applied.get(&origin).copied().unwrap_or(0) >= count,
            "replica 2 has the causes"
        );
    }
    let mut one_way = replicas[2].state.clone();
    one_way.effect(&e1);
    one_way.effect(&e2);
    let mut other_way = replicas[2].state.clone();
    other_way.effect(&e2);
    other_way.effect(&e1);
    prop_assert_eq!(one_way, other_way);
    Ok(())
}

fn set_update() -> impl Strategy<Value = SetUpdate> + Clone {
    prop_oneof![(0u64..6).prop_map(SetUpdate::Add), (0u64..6).prop_map(SetUpdate::Remove)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn counter_converges(history in events(-10i64..10)) { check_convergence::<OpCounter>(&history)?; }

    #[test]
    fn g_set_converges(history in events(set_update())) { check_convergence::<OpGSet>(&history)?; }

    #[test]
    fn two_phase_set_converges(history in events(set_update())) { check_convergence::<OpTwoPhaseSet>(&history)?; }

    #[test]
    fn or_set_converges(history in events(set_update())) { check_convergence::<OpOrSet>(&history)?; }

    #[test]
    fn lww_register_converges(history in events(0u64..100)) { check_convergence::<OpLwwRegister>(&history)?; }

    #[test]
    fn mv_register_converges(history in events(0u64..100)) { check_convergence::<OpMvRegister>(&history)?; }

    /// Two replicas prepare updates concurrently (neither has seen the
    /// other's): applied in either order, the effects give the same state.
    #[test]
    fn concurrent_counter_effects_commute(history in events(-10i64..10), pair in (-10i64..10, -10i64..10)) {
        check_concurrent_effects_commute::<OpCounter>(&history, pair)?;
    }

    #[test]
    fn concurrent_g_set_effects_commute(history in events(set_update()), pair in (set_update(), set_update())) {
        check_concurrent_effects_commute::<OpGSet>(&history, pair)?;
    }

    #[test]
    fn concurrent_two_phase_set_effects_commute(history in events(set_update()), pair in (set_update(), set_update())) {
        check_concurrent_effects_commute::<OpTwoPhaseSet>(&history, pair)?;
    }

    #[test]
    fn concurrent_or_set_effects_commute(history in events(set_update()), pair in (set_update(), set_update())) {
        check_concurrent_effects_commute::<OpOrSet>(&history, pair)?;
    }

    #[test]
    fn concurrent_lww_register_effects_commute(history in events(0u64..100), pair in (0u64..100, 0u64..100)) {
        check_concurrent_effects_commute::<OpLwwRegister>(&history, pair)?;
    }

    #[test]
    fn concurrent_mv_register_effects_commute(history in events(0u64..100), pair in (0u64..100, 0u64..100)) {
        check_concurrent_effects_commute::<OpMvRegister>(&history, pair)?;
    }
}

#[test]
fn an_effect_waits_for_its_causes_and_counts_once() {
    fn effects(ready: Vec<Stamped<&'static str>>) -> Vec<&'static str> {
        ready.into_iter().map(|stamped| stamped.effect).collect()
    }
    let mut r0: CausalDelivery<&str> = CausalDelivery::default();
    let mut r1: CausalDelivery<&str> = CausalDelivery::default();
    let mut r2: CausalDelivery<&str> = CausalDelivery::default();
    let add = r0.stamp_own(0, "add milk");
    // r1 sees the add, then removes it.
    assert_eq!(effects(r1.receive(add.clone())), vec!["add milk"]);
    let remove = r1.stamp_own(1, "remove milk");
    // r2 gets the remove first: it waits for the add it depends on.
    assert_eq!(effects(r2.receive(remove.clone())), Vec::<&str>::new());
    assert_eq!(r2.waiting.len(), 1);
    assert_eq!(effects(r2.receive(add.clone())), vec!["add milk", "remove milk"]);
    // Duplicates give nothing.
    assert_eq!(effects(r2.receive(add)), Vec::<&str>::new());
    assert_eq!(effects(r2.receive(remove)), Vec::<&str>::new());
    assert!(r2.waiting.is_empty());
}

/// A set whose effects are its plain adds and removes: a concurrent add and
/// remove of one element do not commute, and the check says so.
#[derive(Clone, Debug, Default, PartialEq)]
struct NonCommutingSet(std::collections::BTreeSet<u64>);

impl OpCrdt for NonCommutingSet {
    type Update = SetUpdate;
    type Effect = SetUpdate;
    type Value = std::collections::BTreeSet<u64>;

    fn prepare(&self, _replica: ReplicaId, _tick: u64, update: &SetUpdate) -> SetUpdate {
        *update
    }
    fn effect(&mut self, effect: &SetUpdate) {
        match *effect {
            SetUpdate::Add(element) => self.0.insert(element),
            SetUpdate::Remove(element) => self.0.remove(&element),
        };
    }
    fn value(&self) -> Self::Value {
        self.0.clone()
    }
}

#[test]
fn the_commute_check_catches_effects_that_do_not_commute() {
    let pair = (SetUpdate::Add(1), SetUpdate::Remove(1));
    assert!(check_concurrent_effects_commute::<NonCommutingSet>(&[], pair).is_err());
    // The OR-Set's add wins over the concurrent remove, in either order.
    assert!(check_concurrent_effects_commute::<OpOrSet>(&[], pair).is_ok());
}
