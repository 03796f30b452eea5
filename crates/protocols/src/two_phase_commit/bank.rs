//! Two-phase commit's client side: the book's bank. Clients transfer money
//! from an account on one resource manager to an account on another, and
//! read every balance; both go to the coordinator, which runs each as a
//! transaction. The history is checked against the checker's `bank` model:
//! a committed transfer moves its amount without overdrawing, an aborted
//! one changes nothing, a read sees every balance, and the total never
//! changes.

use faultline_check::{Function, ModelSpec, Value};
use faultline_scenario::{BankOperation, BankOutput, ClientOperation, ClientOutput, TwoPhaseCommitSpec};
use faultline_sim::{HistoryCheck, HistoryEntry, Kinds, OperationLook, Retry, Service, SimRng};

faultline_sim::kinds! {
    /// What a bank client does.
    pub enum BankOperationKind {
        Transfer => ("transfer", "t", "#c0792a", "moves money between two accounts, if every RM votes to commit"),
        ReadBalances => ("read balances", "r", "#7d9be0", "reads every account's balance, as one transaction"),
    }
}

/// The bank's shape and the workload's mix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BankService {
    resource_managers: u32,
    accounts_per_resource_manager: u32,
    initial_balance: u64,
    transfer_amount_max: u64,
    read_per_mille: u32,
}

impl BankService {
    pub fn new(spec: &TwoPhaseCommitSpec, read_per_mille: u32) -> BankService {
        BankService {
            resource_managers: spec.resource_managers,
            accounts_per_resource_manager: spec.accounts_per_resource_manager,
            initial_balance: spec.initial_balance,
            transfer_amount_max: spec.transfer_amount_max,
            read_per_mille,
        }
    }

    fn accounts(&self) -> u32 {
        self.resource_managers * self.accounts_per_resource_manager
    }

    /// Every account's balance before any transfer.
    pub fn initial_balances(&self) -> Vec<u64> {
        vec![self.initial_balance; self.accounts() as usize]
    }
}

impl Service for BankService {
    type Operation = BankOperation;
    type Output = BankOutput;
    type OperationKind = BankOperationKind;
    type DrawState = ();

    fn initial_draw_state(&self) {}

    /// A read, or a transfer from a random account to an account of another
    /// resource manager (the book's transfer touches two), of 1 to
    /// `transfer_amount_max`.
    fn draw_operation(&self, _: &mut (), rng: &mut SimRng) -> BankOperation {
        if rng.chance_per_mille(self.read_per_mille) {
            return BankOperation::ReadBalances;
        }
        let per_rm = self.accounts_per_resource_manager as u64;
        let rms = self.resource_managers as u64;
        let from = rng.below(self.accounts() as u64);
        let from_rm = from / per_rm;
        let to_rm = if rms > 1 { (from_rm + 1 + rng.below(rms - 1)) % rms } else { from_rm };
        let mut to = to_rm * per_rm + rng.below(per_rm);
        if to == from {
            // Only with one RM: the next account along.
            to = (from + 1) % self.accounts() as u64;
        }
        let amount = 1 + rng.below(self.transfer_amount_max);
        BankOperation::Transfer { from: from as u32, to: to as u32, amount }
    }

    fn operation_of(operation: &ClientOperation) -> Option<BankOperation> {
        match operation {
            ClientOperation::Bank(operation) => Some(operation.clone()),
            _ => None,
        }
    }

    /// The coordinator queues what it cannot start yet: it never refuses.
    /// A resource manager (asked by a scripted request) points at it.
    fn retry(output: &BankOutput) -> Option<Retry> {
        match output {
            BankOutput::NotCoordinator { coordinator } => Some(Retry::Redirected { to: Some(*coordinator) }),
            BankOutput::Committed | BankOutput::Aborted | BankOutput::Balances(_) => None,
        }
    }

    fn operation_kind(operation: &BankOperation) -> BankOperationKind {
        match operation {
            BankOperation::Transfer { .. } => BankOperationKind::Transfer,
            BankOperation::ReadBalances => BankOperationKind::ReadBalances,
        }
    }

    fn look(entry: &HistoryEntry) -> OperationLook {
        let (operation, output) = bank_parts(entry);
        // An aborted transfer is marked first, where a cut label keeps it.
        let label = match (operation, output) {
            (BankOperation::Transfer { from, to, amount }, Some(BankOutput::Aborted)) => {
                format!("✗ {amount} a{from}→a{to}")
            }
            (BankOperation::Transfer { from, to, amount }, _) => format!("{amount} a{from}→a{to}"),
            (BankOperation::ReadBalances, Some(output)) => format!("r→{output}"),
            (BankOperation::ReadBalances, None) => "r".to_string(),
        };
        OperationLook { kind: Self::operation_kind(operation).style(), label }
    }

    fn history_check(&self) -> HistoryCheck {
        let balances = self.initial_balances().into_iter().map(as_int).collect();
        HistoryCheck::Linearizable(ModelSpec::Bank(faultline_check::model::Bank::new(balances)))
    }

    /// Transfers as `transfer [from to amount]` returning whether they
    /// committed; reads as `read` returning every balance. An aborted read
    /// learned nothing: its output is unknown. An operation without an
    /// answer never returned (it may or may not have taken effect).
    fn to_check_history(&self, entries: &[HistoryEntry]) -> faultline_check::History {
        let operations = entries.iter().map(|entry| {
            let (operation, output) = bank_parts(entry);
            let (function, input) = match operation {
                BankOperation::Transfer { from, to, amount } => {
                    let input = [*from as u64, *to as u64, *amount].into_iter().map(|n| Value::Int(as_int(n)));
                    (Function::Transfer, Value::List(input.collect()))
                }
                BankOperation::ReadBalances => (Function::Read, Value::Nil),
            };
            let output = match (output, entry.complete_tick) {
                (Some(BankOutput::Committed), Some(_)) => Some(Value::Bool(true)),
                (Some(BankOutput::Aborted), Some(_)) if function == Function::Transfer => Some(Value::Bool(false)),
                (Some(BankOutput::Balances(balances)), Some(_)) => {
                    Some(Value::List(balances.iter().map(|&b| Value::Int(as_int(b))).collect()))
                }
                _ => None,
            };
            entry.to_check_operation(function, None, input, output)
        });
        faultline_check::History::new(operations.collect())
    }
}

/// Amounts and balances are at most `AMOUNT_MAX` (scenario validation), and
/// the whole bank's money fits in the checker's integers many times over.
fn as_int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A bank entry's operation and output. The world records only what the
/// service's clients sent and were answered, so a bank's history holds
/// nothing else.
fn bank_parts(entry: &HistoryEntry) -> (&BankOperation, Option<&BankOutput>) {
    let ClientOperation::Bank(operation) = &entry.operation else {
        unreachable!("a bank's history holds bank operations")
    };
    let output = entry.output.as_ref().map(|output| match output {
        ClientOutput::Bank(output) => output,
        _ => unreachable!("a bank's history holds bank outputs"),
    });
    (operation, output)
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_scenario::{ClientId, NodeId};

    fn service() -> BankService {
        let mut spec = TwoPhaseCommitSpec::new(3);
        spec.accounts_per_resource_manager = 2;
        spec.transfer_amount_max = 30;
        BankService::new(&spec, 250)
    }

    #[test]
    fn drawn_transfers_move_between_two_resource_managers_within_the_amounts() {
        let (service, mut rng) = (service(), SimRng::for_stream(7, 1));
        let mut reads = 0;
        for _ in 0..2_000 {
            match service.draw_operation(&mut (), &mut rng) {
                BankOperation::ReadBalances => reads += 1,
                BankOperation::Transfer { from, to, amount } => {
                    assert!(from < 6 && to < 6, "{from} {to}");
                    assert_ne!(from / 2, to / 2, "a transfer between two RMs: {from} {to}");
                    assert!((1..=30).contains(&amount));
                }
            }
        }
        assert!((400..600).contains(&reads), "{reads} reads of 2000 at 250 per mille");
    }

    #[test]
    fn the_checker_reads_the_history_as_the_bank_promises() {
        let entry = |operation: BankOperation, output: Option<BankOutput>, at: u64| HistoryEntry {
            client: ClientId(0),
            operation: operation.into(),
            invoke_tick: at,
            complete_tick: output.as_ref().map(|_| at + 5),
            output: output.map(Into::into),
            attempts: vec![NodeId(0)],
            gave_up: false,
        };
        let transfer = BankOperation::Transfer { from: 0, to: 2, amount: 30 };
        let read = |balances: &[u64]| (BankOperation::ReadBalances, Some(BankOutput::Balances(balances.to_vec())));
        let linearizable = |entries: &[HistoryEntry]| {
            let HistoryCheck::Linearizable(model) = service().history_check() else { unreachable!() };
            let history = service().to_check_history(entries);
            let verdict =
                faultline_check::with_model!(&model, m => faultline_check::check(m, history, 100_000, || None));
            matches!(verdict, faultline_check::Verdict::Linearizable(_))
        };
        let committed = [
            entry(transfer.clone(), Some(BankOutput::Committed), 0),
            entry(read(&[70, 100, 130, 100, 100, 100]).0, read(&[70, 100, 130, 100, 100, 100]).1, 10),
        ];
        assert!(linearizable(&committed));
        let aborted_but_applied = [
            entry(transfer.clone(), Some(BankOutput::Aborted), 0),
            entry(read(&[70, 100, 130, 100, 100, 100]).0, read(&[70, 100, 130, 100, 100, 100]).1, 10),
        ];
        assert!(!linearizable(&aborted_but_applied));
        let half_applied = [
            entry(transfer.clone(), Some(BankOutput::Committed), 0),
            entry(read(&[70, 100, 100, 100, 100, 100]).0, read(&[70, 100, 100, 100, 100, 100]).1, 10),
        ];
        assert!(!linearizable(&half_applied));
        // An aborted read learned nothing; an unanswered transfer may have
        // happened or not.
        let unknowns = [entry(transfer, None, 0), entry(BankOperation::ReadBalances, Some(BankOutput::Aborted), 10)];
        assert!(linearizable(&unknowns));
        assert_eq!(service().to_check_history(&unknowns).operations[1].output, None);
    }
}
