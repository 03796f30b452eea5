//! `faultline`: run scenarios and check histories from the command line.
//!
//!     faultline run SCENARIO.json [--trace FILE] [--history FILE]
//!     faultline explore --protocol P --seeds N [--nodes K] [--variant V] ...
//!     faultline check FILE|DIR... --model MODEL [--format F] [--budget-steps N] [--budget-ms N] [--jobs N] [--json]
//!     faultline partition [--words FILE] [--from N] [--to M] [--virtual-nodes V]
//!     faultline compare SCENARIO.json
//!
//! Exit status of `run`: 0 when the run completed, 3 for bad input (an
//! unreadable or invalid scenario, a bad flag), 1 when an output file cannot
//! be written. `check`: 0 linearizable, 1 not, 2 unknown, 3 bad input (of
//! several files: 3 if any is bad input, else 1 if any is not linearizable,
//! else 2 if any is unknown, else 0).

/// Print to standard output. When the reader has gone (`faultline ... |
/// head`), end quietly instead of panicking on the closed pipe.
pub fn write_out(text: std::fmt::Arguments, newline: bool) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let written = if newline { writeln!(stdout, "{text}") } else { write!(stdout, "{text}") };
    if written.and_then(|()| stdout.flush()).is_err() {
        std::process::exit(0);
    }
}

/// `println!`, but quiet on a closed pipe (see `write_out`).
macro_rules! outln {
    ($($arg:tt)*) => { $crate::write_out(format_args!($($arg)*), true) };
}

/// `print!`, but quiet on a closed pipe (see `write_out`).
macro_rules! out {
    ($($arg:tt)*) => { $crate::write_out(format_args!($($arg)*), false) };
}

mod check_command;
mod compare_command;
mod explore_command;
mod partition_command;

use faultline_scenario::Scenario;
use faultline_sim::AnySimulation;
use std::process::ExitCode;

const USAGE: &str = "\
usage: faultline run SCENARIO.json [--trace FILE] [--history FILE]
       faultline explore --protocol raft|two-phase-commit|crdt|quorum-kv --seeds N [--nodes K] [--variant NAME]
       faultline check FILE|DIR... --model MODEL [--format auto|json|edn|jepsen-log]
                       [--budget-steps N] [--budget-ms N] [--initial VALUE] [--jobs N] [--json]
       faultline partition [--words FILE] [--from N] [--to M] [--virtual-nodes V]
       faultline compare SCENARIO.json

  run      run a scenario to its end, check its history, print a summary
           --trace FILE    write every step as JSON
           --history FILE  write the client history as JSON, with its initial
                           value (checkable with `faultline check FILE --model M`)
  explore  --protocol P --seeds N [--nodes K] [--variant NAME] [--first-seed S]
           [--keep-going], and the protocol's own options: raft's
           [--reads log|any-node], two-phase-commit's
           [--cooperative-termination yes|no], crdt's [--type g-counter|
           pn-counter|g-set|2p-set|or-set|lww-register|mv-register]
           [--replication state|operation], quorum-kv's [--replicas N]
           [--read-quorum R] [--write-quorum W] [--sloppy-quorum yes|no]
           [--conflicts siblings|last-writer-wins]
           run N seeded random fault schedules under the protocol's nemesis;
           check invariants, quiet properties and histories; stop at the
           first failure and print its scenario (or count them all)
  check    is the history linearizable? exit 0 yes, 1 no, 2 unknown, 3 bad input
           models: register, cas-register, kv, counter, set (add, remove,
                   read), queue, lock,
                   bank (transfers [from to amount] that commit or abort,
                   reads of every account's balance)
           --initial VALUE the registers' or keys' value before any write,
                           as JSON (0, null, \"\"), or the bank's balances
                           ([100, 100, 100]); by default what the format
                           implies (the bank has no default)
           --budget-steps N, --budget-ms N  the search's budgets, per file
           several files, or directories (walked recursively, taking the
           .json, .edn, .txt and .log files, not hidden ones, in sorted
           order): a line per file and a summary, a bad file reported on
           its line without stopping the others; exit 3 if any file is bad
           input, else 1 if any is not linearizable, else 2 if any is
           unknown, else 0
           --jobs N        check N files at once, on N threads (default 1);
                           the lines stay in file order
           --json          one file: the whole result as an object; several:
                           an array, an object per file on each line
  partition the book's experiment: every word of a word list (default
           /usr/share/dict/web2, lower-cased) to --from partitions (5),
           then to --to (6), by range of first letter, hash mod n,
           consistent hashing (--virtual-nodes per partition, 100) and a
           directory: keys per partition, and the share of keys moved
  compare  the CAP scorecard: the scenario's faults, workload and scripted
           requests replayed on Raft, primary-backup, the quorum store (R = W
           = 1, majorities, sloppy) and a CRDT register; per protocol, the
           operations answered during the partition, whether the history is
           linearizable, the strongest model it satisfies, whether the
           replicas agree at the end";

const EXIT_BAD_INPUT: u8 = 3;
const EXIT_OUTPUT_FAILED: u8 = 1;

struct RunArgs {
    scenario_path: String,
    trace_path: Option<String>,
    history_path: Option<String>,
}

fn parse_run_args(args: &[String]) -> Result<RunArgs, String> {
    let mut scenario_path = None;
    let mut trace_path = None;
    let mut history_path = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--trace" | "--history" => {
                let value = rest.next().ok_or_else(|| format!("{arg} needs a file name"))?;
                let slot = if arg == "--trace" { &mut trace_path } else { &mut history_path };
                *slot = Some(value.clone());
            }
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            path if scenario_path.is_none() => scenario_path = Some(path.to_string()),
            extra => return Err(format!("unexpected argument {extra}")),
        }
    }
    let scenario_path = scenario_path.ok_or("run needs a scenario file")?;
    Ok(RunArgs { scenario_path, trace_path, history_path })
}

fn load_scenario(path: &str) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    faultline_scenario::from_json(&text).map_err(|e| format!("{path}: {e}"))
}

fn write_json(path: &str, value: &serde_json::Value) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).expect("JSON values always serialize");
    std::fs::write(path, text + "\n").map_err(|e| format!("cannot write {path}: {e}"))
}

fn summary(sim: &dyn AnySimulation) -> String {
    let scenario = sim.scenario();
    let stats = sim.stats();
    let end = sim.ended().map(|e| e.to_string()).unwrap_or_else(|| "still running".to_string());
    let title = if scenario.name.is_empty() { "(unnamed)" } else { scenario.name.as_str() };
    let mut text = format!(
        "scenario: {title}\n\
         protocol: {} with {} nodes, {} clients, seed {}\n\
         ended:    {end} (tick {})\n\
         steps:    {}\n\
         messages: {} sent, {} delivered, {} dropped, {} still in flight\n\
         faults:   {} applied ({} actions in all)\n\
         history:  {} operations, {} completed, {} pending\n\
         trace:    hash {:016x}",
        scenario.protocol.name(),
        scenario.protocol.node_count(),
        scenario.workload.clients,
        scenario.seed,
        sim.now_tick(),
        stats.steps,
        stats.messages_sent,
        stats.messages_delivered,
        stats.messages_dropped,
        sim.messages_in_flight().len(),
        stats.faults_applied,
        stats.actions_applied,
        stats.operations_invoked,
        stats.operations_completed,
        stats.operations_pending(),
        faultline_sim::trace_hash(sim.trace()),
    );
    // What the protocol's observer counted and sees at the end.
    let counters = sim.ghost_summary().into_iter().map(|(name, count)| format!("{name} {count}"));
    let seen = sim.observations().into_iter().map(|(name, value)| format!("{name} {value}"));
    let observed: Vec<String> = counters.chain(seen).collect();
    if !observed.is_empty() {
        text.push_str(&format!("\nobserver: {}", observed.join(", ")));
    }
    if !sim.quiet_properties().is_empty() {
        let properties = sim.quiet_properties().join(", ");
        text.push_str(&format!("\nquiet:    {} times, where {properties} held", stats.quiet_checks));
    }
    text
}

/// The run's history checked as its protocol's service says, in a line.
fn history_verdict(sim: &dyn AnySimulation) -> String {
    let check = sim.history_check();
    let model = match &check {
        faultline_sim::HistoryCheck::Linearizable(model) | faultline_sim::HistoryCheck::Convergent(model) => model,
        faultline_sim::HistoryCheck::Promises { property, .. } => {
            return format!("not checked for linearizability: the service promises {property}");
        }
    };
    let history = sim.check_history();
    let started = std::time::Instant::now();
    let verdict = faultline_check::with_model!(model, m => {
        faultline_check::check(m, history.clone(), faultline_check::DEFAULT_BUDGET_STEPS, || {
            (started.elapsed().as_secs() >= 10).then(|| "the time budget of 10 s ran out".to_string())
        })
    });
    if let faultline_sim::HistoryCheck::Convergent(model) = &check {
        let weaker = faultline_check::with_model!(model, m => {
            faultline_check::WeakerModels::decide(&m, &history, model.initial(), faultline_check::WEAKER_BUDGET_STEPS)
        });
        let convergence = faultline_sim::Convergence::of_run(sim);
        return faultline_sim::convergent_verdict(model, &verdict, &weaker, convergence);
    }
    match verdict {
        faultline_check::Verdict::NotLinearizable(explanation) => format!(
            "not linearizable: {} ({} operations in the smallest failing sub-history)",
            explanation.reason,
            explanation.minimal.len()
        ),
        other => other.name().to_string(),
    }
}

fn run(args: &RunArgs) -> Result<(), (u8, String)> {
    let scenario = load_scenario(&args.scenario_path).map_err(|e| (EXIT_BAD_INPUT, e))?;
    let mut sim = faultline_protocols::build(scenario);
    sim.run_to_end();
    outln!("{}", summary(sim.as_ref()));
    outln!("check:    {}", history_verdict(sim.as_ref()));
    if let Some(path) = &args.trace_path {
        let value = serde_json::json!({
            "trace_hash": format!("{:016x}", faultline_sim::trace_hash(sim.trace())),
            "end": sim.ended(),
            "stats": sim.stats(),
            "steps": sim.trace(),
        });
        write_json(path, &value).map_err(|e| (EXIT_OUTPUT_FAILED, e))?;
    }
    if let Some(path) = &args.history_path {
        let history = sim.check_history();
        // With its initial value, so `faultline check FILE --model M` needs nothing more.
        let initial = sim.history_check().model().and_then(|model| model.initial());
        let json = faultline_check::format::to_json_with_initial(&history, initial.as_ref());
        std::fs::write(path, json).map_err(|e| (EXIT_OUTPUT_FAILED, format!("cannot write {path}: {e}")))?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => parse_run_args(&args[1..]).map_err(|e| (EXIT_BAD_INPUT, e)).and_then(|a| run(&a)),
        Some("explore") => {
            let outcome = explore_command::parse_args(&args[1..]).and_then(|a| explore_command::run(&a));
            match outcome {
                Ok(code) => return ExitCode::from(code),
                Err(message) => Err((EXIT_BAD_INPUT, message)),
            }
        }
        Some("check") => {
            let outcome = check_command::parse_args(&args[1..]).and_then(|a| check_command::run(&a));
            match outcome {
                Ok(code) => return ExitCode::from(code),
                Err(message) => Err((EXIT_BAD_INPUT, message)),
            }
        }
        Some("compare") => compare_command::parse_args(&args[1..])
            .and_then(|a| compare_command::run(&a))
            .map_err(|e| (EXIT_BAD_INPUT, e)),
        Some("partition") => partition_command::parse_args(&args[1..])
            .and_then(|a| partition_command::run(&a))
            .map_err(|e| (EXIT_BAD_INPUT, e)),
        Some("-h" | "--help" | "help") => {
            outln!("{USAGE}");
            Ok(())
        }
        Some(other) => Err((EXIT_BAD_INPUT, format!("unknown command {other}"))),
        None => Err((EXIT_BAD_INPUT, "no command given".to_string())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, message)) => {
            eprintln!("faultline: {message}");
            if code == EXIT_BAD_INPUT && !message.contains(':') {
                eprintln!("{USAGE}");
            }
            ExitCode::from(code)
        }
    }
}
