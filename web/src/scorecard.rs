//! The CAP scorecard in the page: the current run's faults replayed on
//! every protocol of the key-value workload (`faultline_protocols::compare`),
//! as a table whose rows open that protocol's run.

use crate::render::escape;
use faultline_protocols::compare::{contenders, partition_window, score, Score};
use faultline_scenario::Scenario;
use std::fmt::Write as _;

/// One row: the score, and the run it scores (to open).
#[derive(Clone, Debug)]
pub struct Scored {
    pub score: Score,
    pub scenario: Scenario,
}

/// What the panel shows.
#[derive(Clone, Debug, Default)]
pub enum Scorecard {
    /// Nothing compared yet.
    #[default]
    Idle,
    /// Comparing: drawn before the work starts, so the page says so.
    Comparing,
    /// The rows, or why the run's faults could not be compared.
    Done { script: String, window: Option<(u64, u64)>, rows: Result<Vec<Scored>, String> },
}

/// Score every contender of `script` (runs each to its end: a scorecard's
/// runs are bounded by `compare::STEPS_PER_RUN_MAX` steps each).
pub fn compare(script: &Scenario) -> Scorecard {
    let window = partition_window(script);
    let rows = contenders(script).map(|contenders| {
        contenders
            .into_iter()
            .map(|contender| Scored { score: score(&contender, window), scenario: contender.scenario })
            .collect()
    });
    let name = if script.name.is_empty() { "this run".to_string() } else { script.name.clone() };
    Scorecard::Done { script: name, window, rows }
}

fn yes_no(value: Option<bool>, unknown: &str) -> &'static str {
    match value {
        Some(true) => "yes",
        Some(false) => "no",
        None if unknown.is_empty() => "—",
        None => "undecided",
    }
}

pub fn scorecard_html(scorecard: &Scorecard) -> String {
    let (script, window, rows) = match scorecard {
        Scorecard::Idle => return String::new(),
        Scorecard::Comparing => {
            return r#"<p class="loading" role="status">Comparing: running each protocol…</p>"#.to_string()
        }
        Scorecard::Done { script, window, rows } => (script, window, rows),
    };
    let rows = match rows {
        Ok(rows) => rows,
        Err(why) => return format!(r#"<p class="notice-error" role="alert">{}</p>"#, escape(why)),
    };
    let mut html = match window {
        Some((start, end)) => format!(
            r#"<p>The faults of <em>{}</em>, on each protocol. The network is split from tick {start} to tick {end}.</p>"#,
            escape(script)
        ),
        None => format!(
            r#"<p>The faults of <em>{}</em> never split the network: nothing is answered during a partition.</p>"#,
            escape(script)
        ),
    };
    html.push_str(
        r#"<div class="scorecard-box"><table class="scorecard"><thead><tr><th>Protocol</th><th>Answered during the partition</th><th>Linearizable</th><th>Strongest model</th><th>Replicas agree</th><th></th></tr></thead><tbody>"#,
    );
    for (index, Scored { score, .. }) in rows.iter().enumerate() {
        let answered = match score.invoked_during_partition {
            0 => "none invoked".to_string(),
            invoked => format!("{} of {invoked}", score.answered_during_partition),
        };
        let _ = write!(
            html,
            r#"<tr data-row="{index}"><th scope="row">{}</th><td>{answered}</td><td>{}</td><td>{}</td><td>{}</td><td><button data-contender="{index}">Open this run</button></td></tr>"#,
            escape(&score.label),
            yes_no(score.linearizable, "undecided"),
            escape(&score.strongest_model),
            yes_no(score.converged, ""),
        );
    }
    html.push_str("</tbody></table></div>");
    html
}
