//! Every model behind one type: [`ModelSpec`] is itself a [`Model`], whose
//! state is [`AnyState`]. The generic search compiled for it serves all the
//! models at once, where [`with_model!`](crate::with_model) compiles it once
//! per model. The page uses this one: each copy of the search costs its
//! download about 4 KiB gzipped. Native code keeps `with_model!`, which
//! checks without matching on the model at every step.

use crate::history::{Operation, Value};
use crate::model::{
    Bank, CasRegister, Counter, KeyValue, KeyValueState, Lock, Model, ModelSpec, Queue, Refusal, Register,
    SessionSemantics, Set,
};
use faultline_collections::VecSet;
use std::collections::VecDeque;
use std::rc::Rc;

/// The state of any model: each model's state in its own variant (the two
/// registers share one).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AnyState {
    Register(Value),
    KeyValue(KeyValueState),
    Counter(i64),
    Set(VecSet<Value>),
    Queue(VecDeque<Value>),
    Lock(bool),
    Bank(Rc<[i64]>),
}

/// A model whose state [`AnyState`] can hold.
trait Erased: Model {
    fn wrap(state: Self::State) -> AnyState;
    fn unwrap(state: &AnyState) -> &Self::State;
}

/// A state of another model here is a bug in this file: a model's states
/// only ever come from its own `init` and `step`.
fn mismatch(model: &str) -> ! {
    unreachable!("a state of another model given to the {model} model")
}

macro_rules! erased {
    ($model:ty, $variant:ident) => {
        impl Erased for $model {
            fn wrap(state: Self::State) -> AnyState {
                AnyState::$variant(state)
            }
            fn unwrap(state: &AnyState) -> &Self::State {
                match state {
                    AnyState::$variant(state) => state,
                    _ => mismatch(stringify!($model)),
                }
            }
        }
    };
}

erased!(Register, Register);
erased!(CasRegister, Register);
erased!(KeyValue, KeyValue);
erased!(Counter, Counter);
erased!(Set, Set);
erased!(Queue, Queue);
erased!(Lock, Lock);
erased!(Bank, Bank);

/// `$body` with `$model` bound to a reference to the spec's model.
macro_rules! on_model {
    ($spec:expr, $model:ident => $body:expr) => {
        match $spec {
            ModelSpec::Register(m) => on_model!(@ m, $model => $body),
            ModelSpec::CasRegister(m) => on_model!(@ m, $model => $body),
            ModelSpec::KeyValue(m) => on_model!(@ m, $model => $body),
            ModelSpec::Counter => on_model!(@ &Counter, $model => $body),
            ModelSpec::Set => on_model!(@ &Set, $model => $body),
            ModelSpec::Queue => on_model!(@ &Queue, $model => $body),
            ModelSpec::Lock => on_model!(@ &Lock, $model => $body),
            ModelSpec::Bank(m) => on_model!(@ m, $model => $body),
        }
    };
    (@ $value:expr, $model:ident => $body:expr) => {{
        let $model = $value;
        $body
    }};
}

/// The state a model's own type holds, from `AnyState`.
fn own<'s, M: Erased>(_model: &M, state: &'s AnyState) -> &'s M::State {
    M::unwrap(state)
}

fn any<M: Erased>(_model: &M, state: M::State) -> AnyState {
    M::wrap(state)
}

impl Model for ModelSpec {
    type State = AnyState;

    fn name(&self) -> &'static str {
        on_model!(self, m => m.name())
    }

    fn init(&self) -> AnyState {
        on_model!(self, m => any(m, m.init()))
    }

    fn accepts(&self, operation: &Operation) -> Result<(), String> {
        on_model!(self, m => m.accepts(operation))
    }

    fn step(&self, state: &AnyState, operation: &Operation) -> Result<AnyState, Refusal> {
        on_model!(self, m => m.step(own(m, state), operation).map(|next| any(m, next)))
    }

    fn is_read_only(&self, operation: &Operation) -> bool {
        on_model!(self, m => m.is_read_only(operation))
    }

    fn session_semantics(&self) -> SessionSemantics {
        on_model!(self, m => m.session_semantics())
    }

    fn extends(&self, operation: &Operation) -> bool {
        on_model!(self, m => m.extends(operation))
    }

    fn may_reach(&self, state: &AnyState, operation: &Operation) -> bool {
        on_model!(self, m => m.may_reach(own(m, state), operation))
    }

    fn may_reach_after(&self, state: &AnyState, reset: &Operation, operation: &Operation) -> bool {
        on_model!(self, m => m.may_reach_after(own(m, state), reset, operation))
    }

    fn justified(&self, operation: &Operation, others: &[&Operation]) -> bool {
        on_model!(self, m => m.justified(operation, others))
    }

    fn partition_key(&self, operation: &Operation) -> Option<Value> {
        on_model!(self, m => m.partition_key(operation))
    }

    fn describe(&self, state: &AnyState) -> String {
        on_model!(self, m => m.describe(own(m, state)))
    }
}
