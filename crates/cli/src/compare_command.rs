//! `faultline compare SCENARIO.json`: the CAP scorecard. The scenario's
//! timed faults (and its workload and scripted requests) are replayed on
//! every protocol that serves the key-value workload, and each is scored:
//! operations answered during the partition, linearizable or not, the
//! strongest model its history satisfies, and whether its replicas agree
//! at the end (`faultline_protocols::compare`).

use faultline_protocols::compare::{partition_window, scorecard, Score};

pub struct CompareArgs {
    scenario_path: String,
}

pub fn parse_args(args: &[String]) -> Result<CompareArgs, String> {
    match args {
        [path] if !path.starts_with("--") => Ok(CompareArgs { scenario_path: path.clone() }),
        [] => Err("compare needs a scenario file (its faults are the script)".to_string()),
        [flag, ..] if flag.starts_with("--") => Err(format!("unknown option {flag}")),
        [_, extra, ..] => Err(format!("unexpected argument {extra}")),
        [flag] => Err(format!("unknown option {flag}")),
    }
}

/// A yes, a no, or a dash for what was not decided or does not apply.
fn yes_no(value: Option<bool>, unknown: &str) -> String {
    match value {
        Some(true) => "yes".to_string(),
        Some(false) => "no".to_string(),
        None => unknown.to_string(),
    }
}

fn row(score: &Score) -> [String; 5] {
    let answered = match score.invoked_during_partition {
        0 => "none invoked".to_string(),
        invoked => format!("{} of {invoked}", score.answered_during_partition),
    };
    let mut converged = yes_no(score.converged, "—");
    if !score.ended.is_empty() {
        converged.push_str(&format!(" (ended: {})", score.ended));
    }
    [score.label.clone(), answered, yes_no(score.linearizable, "undecided"), score.strongest_model.clone(), converged]
}

pub fn run(args: &CompareArgs) -> Result<(), String> {
    let script = crate::load_scenario(&args.scenario_path)?;
    let title = if script.name.is_empty() { args.scenario_path.as_str() } else { script.name.as_str() };
    match partition_window(&script) {
        Some((start, end)) => outln!("fault script: {title} (the network is split from tick {start} to tick {end})"),
        None => outln!("fault script: {title} (it never splits the network: nothing is answered during a partition)"),
    }
    let scores = scorecard(&script)?;
    let header = ["protocol", "answered during the partition", "linearizable", "strongest model", "replicas agree"];
    let rows: Vec<[String; 5]> = scores.iter().map(row).collect();
    let widths: Vec<usize> = (0..5)
        .map(|column| {
            rows.iter().map(|r| r[column].chars().count()).chain([header[column].chars().count()]).max().unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(cell, &width)| format!("{cell:<width$}")).collect();
        padded.join("  ").trim_end().to_string()
    };
    outln!("{}", line(&header.map(String::from)));
    for cells in &rows {
        outln!("{}", line(cells));
    }
    Ok(())
}
