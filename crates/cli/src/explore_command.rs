//! `faultline explore --protocol NAME --seeds N [--nodes K] [--variant V]
//! [--first-seed S] [--keep-going] [--OPTION VALUE ...]`: run N seeded
//! scenarios with random fault schedules under the protocol's nemesis,
//! check its invariants at every step, its quiet properties whenever the
//! system is quiet, and every history as the protocol's service says, and
//! print a summary. On the first failure, print the scenario that
//! reproduces it (for `faultline run`) and stop. Each protocol brings its
//! own part (`faultline_protocols::explore::Explorer`); this is the sweep.
//!
//! Exit status: 0 no failure, 1 a failure found, 3 bad input.

use faultline_protocols::explore::{ExploreSettings, Explorer};
use faultline_sim::schedule::random_faults_for_sweeps;
use faultline_sim::{AnySimulation, EndReason, HistoryCheck};
use std::collections::BTreeMap;
use std::time::Instant;

pub struct ExploreArgs {
    protocol: &'static str,
    explorer: &'static dyn Explorer,
    settings: ExploreSettings,
    seeds: u64,
    first_seed: u64,
    /// Go on after a failure and count them all, rather than stopping at
    /// the first with its reproduction.
    keep_going: bool,
}

/// Search steps the check of one run's history may take.
const CHECK_BUDGET_STEPS: u64 = 2_000_000;

/// The protocols explore can sweep, for messages.
fn explorable() -> String {
    let names: Vec<&str> =
        faultline_protocols::PROTOCOLS.iter().filter(|p| p.explorer.is_some()).map(|p| p.name).collect();
    names.join(", ")
}

pub fn parse_args(args: &[String]) -> Result<ExploreArgs, String> {
    let (mut protocol, mut seeds, mut first_seed, mut keep_going) = (None, 100, 1, false);
    let mut settings = ExploreSettings::default();
    let mut rest = args.iter();
    let number = |flag: &str, value: Option<&String>| -> Result<u64, String> {
        let value = value.ok_or_else(|| format!("{flag} needs a number"))?;
        value.replace('_', "").parse().map_err(|_| format!("{flag} needs a whole number, not `{value}`"))
    };
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--protocol" => protocol = Some(rest.next().ok_or("--protocol needs a name")?.clone()),
            "--seeds" => seeds = number(arg, rest.next())?,
            "--keep-going" => keep_going = true,
            "--first-seed" => first_seed = number(arg, rest.next())?,
            "--nodes" => {
                let nodes = number(arg, rest.next())?;
                if !(1..=16).contains(&nodes) {
                    return Err(format!("--nodes must be 1 to 16, not {nodes}"));
                }
                settings.nodes = Some(nodes as u32);
            }
            "--variant" => settings.variant = Some(rest.next().ok_or("--variant needs a name")?.clone()),
            option if option.starts_with("--") => {
                let value = rest.next().ok_or_else(|| format!("{option} needs a value"))?;
                settings.options.push((option.trim_start_matches("--").to_string(), value.clone()));
            }
            other => return Err(format!("unexpected argument {other}")),
        }
    }
    if first_seed.checked_add(seeds).is_none() {
        return Err(format!("--first-seed {first_seed} with --seeds {seeds} goes past the last seed"));
    }
    let name = protocol.ok_or_else(|| format!("explore needs --protocol NAME (one of: {})", explorable()))?;
    let registration = faultline_protocols::protocol_by_name(&name)?;
    let explorer =
        registration.explorer.ok_or_else(|| format!("explore cannot sweep {name} (it can sweep: {})", explorable()))?;
    // Bad settings are reported before any seed runs.
    let base = explorer.base_scenario(&settings)?;
    faultline_scenario::validate(&base).map_err(|e| format!("the settings make an invalid scenario: {e}"))?;
    Ok(ExploreArgs { protocol: registration.name, explorer, settings, seeds, first_seed, keep_going })
}

/// How one run went.
enum Outcome {
    Passed,
    /// A service that promises only convergence passed, and its history is
    /// not linearizable: allowed, and counted.
    PassedNotLinearizable,
    /// The history check ran out of budget.
    Undecided,
    /// Its clients were still busy when it ended, so it never drained to
    /// quiet after its last fault: its quiet properties were not checked
    /// there (everything else was).
    NotDrained,
    Failed(String),
}

/// Ticks a run is given to drain to quiet after its last fault and its
/// clients' last step: many timeouts and round trips of any protocol here.
const DRAIN_TICKS: u64 = 1_000;

/// The tick after which the run should drain to quiet: its last fault, or
/// its clients' last step if later; `None` while clients still had
/// operations to run when it ended, or too little time was left to drain.
fn drain_from_tick(sim: &dyn AnySimulation) -> Option<u64> {
    let scenario = sim.scenario();
    let faults_end_tick = scenario.actions.last().map_or(0, |action| action.at_tick);
    let stats = sim.stats();
    let workload_done = stats.operations_invoked >= scenario.workload.operations_max as u64;
    let last_client_tick =
        sim.trace().iter().rev().find(|step| matches!(step.process, Some(faultline_sim::Endpoint::Client(_))));
    let clients_idle = sim.history().iter().all(|entry| entry.is_complete() || entry.gave_up);
    let from_tick = faults_end_tick.max(last_client_tick.map_or(0, |step| step.tick));
    let cut_short = matches!(sim.ended(), Some(EndReason::TickLimit { .. } | EndReason::StepLimit { .. }));
    let time_to_drain = from_tick + DRAIN_TICKS <= sim.now_tick() || !cut_short;
    (workload_done && clients_idle && time_to_drain).then_some(from_tick)
}

fn outcome_of(sim: &dyn AnySimulation) -> Outcome {
    match sim.ended() {
        Some(EndReason::InvariantViolated { violation }) => {
            return Outcome::Failed(format!("invariant violated at step {}: {violation}", sim.position()));
        }
        Some(
            end @ (EndReason::QuietViolated { .. } | EndReason::TimerLimit { .. } | EndReason::ProtocolFault { .. }),
        ) => {
            return Outcome::Failed(format!("at step {}: {end}", sim.position()));
        }
        _ => {}
    }
    let drained = match drain_from_tick(sim) {
        _ if sim.quiet_properties().is_empty() => true,
        None => false,
        // The sweep's schedule ends healed with every node restarted: once
        // the clients are done too, the run must drain to quiet, where the
        // quiet properties are checked (they held if it got there: a
        // violation ends the run).
        Some(from_tick) if sim.stats().last_quiet_tick.is_some_and(|tick| tick >= from_tick) => true,
        Some(from_tick) => {
            return Outcome::Failed(format!(
                "the system never became quiet after tick {from_tick} (its last fault and its clients' last step) \
                 and before the run ended at tick {}, so {} could not be checked",
                sim.now_tick(),
                sim.quiet_properties().join(", ")
            ));
        }
    };
    let (model, promised) = match sim.history_check() {
        HistoryCheck::Linearizable(model) => (model, true),
        // Not held to linearizability: its invariants and quiet
        // properties (convergence) are what can fail; the history is
        // checked only to count those that are not linearizable.
        HistoryCheck::Convergent(model) => (model, false),
        HistoryCheck::Promises { .. } if !drained => return Outcome::NotDrained,
        HistoryCheck::Promises { .. } => return Outcome::Passed,
    };
    let history = sim.check_history();
    let verdict = faultline_check::with_model!(&model, m => {
        faultline_check::check(m, history, CHECK_BUDGET_STEPS, || None)
    });
    match verdict {
        faultline_check::Verdict::NotLinearizable(explanation) if promised => {
            Outcome::Failed(format!("the history is not linearizable: {}", explanation.reason))
        }
        faultline_check::Verdict::NotLinearizable(_) => Outcome::PassedNotLinearizable,
        faultline_check::Verdict::Unknown(_) => Outcome::Undecided,
        faultline_check::Verdict::Linearizable(_) if !drained => Outcome::NotDrained,
        faultline_check::Verdict::Linearizable(_) => Outcome::Passed,
    }
}

pub fn run(args: &ExploreArgs) -> Result<u8, String> {
    let base = args.explorer.base_scenario(&args.settings)?;
    let described = args.explorer.describe(&base, &args.settings);
    let started = Instant::now();
    let mut totals: BTreeMap<String, u64> = BTreeMap::new();
    let (mut unknown, mut not_drained, mut not_linearizable) = (0, 0, 0);
    let mut failed: Vec<u64> = Vec::new();
    let mut histories_held_to_linearizability = true;
    for seed in args.first_seed..args.first_seed + args.seeds {
        let sim = args.explorer.run_seed(random_faults_for_sweeps(&base, seed), seed);
        histories_held_to_linearizability = matches!(sim.history_check(), HistoryCheck::Linearizable(_));
        let stats = sim.stats();
        let counters = [
            ("steps", stats.steps),
            ("faults applied", stats.faults_applied),
            ("messages dropped", stats.messages_dropped),
            ("operations completed", stats.operations_completed),
            ("operations with unknown outcome", stats.operations_pending()),
            ("quiet moments checked", stats.quiet_checks),
        ];
        let own = args.explorer.counters(sim.as_ref()).into_iter();
        for (name, value) in counters.into_iter().chain(own).map(|(n, v)| (n.to_string(), v)).chain(sim.ghost_summary())
        {
            *totals.entry(name).or_default() += value;
        }
        match outcome_of(sim.as_ref()) {
            Outcome::Passed => {}
            Outcome::PassedNotLinearizable => not_linearizable += 1,
            Outcome::Undecided => unknown += 1,
            Outcome::NotDrained => not_drained += 1,
            Outcome::Failed(failure) if args.keep_going => {
                outln!("seed {seed}: FAILED: {failure}");
                failed.push(seed);
            }
            Outcome::Failed(failure) => {
                outln!("seed {seed}: FAILED: {failure}");
                outln!("reproduce with `faultline run SCENARIO.json`, SCENARIO.json being:");
                outln!("{}", faultline_scenario::to_json_pretty(sim.scenario()));
                return Ok(1);
            }
        }
        let done = seed - args.first_seed + 1;
        if done.is_multiple_of(1000) {
            eprintln!("explore: {done} of {} seeds, {:.0} s", args.seeds, started.elapsed().as_secs_f64());
        }
    }
    let protocol = args.protocol;
    if !failed.is_empty() {
        outln!(
            "explored {} seeds of {protocol} ({described}): {} failed (reproduce one with --first-seed N --seeds 1)",
            args.seeds,
            failed.len()
        );
        return Ok(1);
    }
    let histories = match histories_held_to_linearizability {
        true => "no history found not linearizable",
        false => &format!(
            "no quiet property broken; {not_linearizable} histories not linearizable (allowed: the service promises \
             convergence, not linearizability)"
        ),
    };
    outln!(
        "explored {} seeds of {protocol} ({described}) in {:.1} s: no invariant violated, {histories}{}",
        args.seeds,
        started.elapsed().as_secs_f64(),
        if unknown > 0 { format!(" ({unknown} histories undecided within the check's budget)") } else { String::new() }
    );
    if not_drained > 0 {
        outln!(
            "  ({not_drained} runs ended with clients still busy or less than {DRAIN_TICKS} ticks after their \
             clients' last step, so they were not required to be quiet after their last fault)"
        );
    }
    for (name, value) in &totals {
        outln!("  {name}: {value}");
    }
    Ok(0)
}
