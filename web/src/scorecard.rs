//! The CAP scorecard in the page: the current run's faults replayed on
//! every protocol of the key-value workload (`faultline_protocols::compare`),
//! as a table whose rows open that protocol's run. The contenders are run
//! one at a time, the page yielding between them, so it never freezes for
//! long.

use crate::render::escape;
use faultline_protocols::compare::{contenders, partition_window, score, Contender, Score};
use faultline_scenario::Scenario;
use std::fmt::Write as _;

/// What the panel shows.
#[derive(Clone, Debug, Default)]
pub enum Scorecard {
    /// Nothing compared yet.
    #[default]
    Idle,
    /// Comparing, one contender at a time (the page yields between them
    /// and says how far it got).
    Comparing { script: String, window: Option<(u64, u64)>, left: Vec<Contender>, rows: Vec<Score> },
    /// The rows, or why the run's faults could not be compared.
    Done { script: String, window: Option<(u64, u64)>, rows: Result<Vec<Score>, String> },
}

impl Scorecard {
    /// Begin comparing the protocols on `script`'s faults.
    pub fn start(script: &Scenario) -> Scorecard {
        let name = if script.name.is_empty() { "this run".to_string() } else { script.name.clone() };
        let window = partition_window(script);
        match contenders(script) {
            Ok(mut left) => {
                left.reverse(); // popped from the end, in order
                Scorecard::Comparing { script: name, window, left, rows: Vec::new() }
            }
            Err(why) => Scorecard::Done { script: name, window, rows: Err(why) },
        }
    }

    /// Score the next contender (runs it to its end: a scorecard's runs are
    /// bounded by `compare::STEPS_PER_RUN_MAX` steps each). Returns whether
    /// any is left.
    pub fn step(&mut self) -> bool {
        let Scorecard::Comparing { script, window, left, rows } = self else { return false };
        if let Some(contender) = left.pop() {
            rows.push(score(&contender, *window));
        }
        if !left.is_empty() {
            return true;
        }
        *self = Scorecard::Done { script: std::mem::take(script), window: *window, rows: Ok(std::mem::take(rows)) };
        false
    }

    pub fn is_comparing(&self) -> bool {
        matches!(self, Scorecard::Comparing { .. })
    }

    /// The run a row scored, to open.
    pub fn scenario_of_row(&self, row: usize) -> Option<&Scenario> {
        match self {
            Scorecard::Done { rows: Ok(rows), .. } => rows.get(row).map(|score| &score.scenario),
            _ => None,
        }
    }
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
        Scorecard::Comparing { rows, left, .. } => {
            let total = rows.len() + left.len();
            return format!(
                r#"<p class="loading" role="status">Comparing: {} of {total} protocols run…</p>"#,
                rows.len()
            );
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
    for (index, score) in rows.iter().enumerate() {
        let answered = match score.invoked_during_partition {
            0 => "none invoked".to_string(),
            invoked => format!("{} of {invoked}", score.answered_during_partition),
        };
        let _ = write!(
            html,
            r#"<tr data-row="{index}"><th scope="row">{}</th><td>{answered}</td><td>{}</td><td>{}</td><td>{}</td><td><button data-contender="{index}" aria-label="Open the run on {label}">Open this run</button></td></tr>"#,
            escape(&score.label),
            yes_no(score.linearizable, "undecided"),
            escape(&score.strongest_model),
            yes_no(score.converged, ""),
            label = escape(&score.label),
        );
    }
    html.push_str("</tbody></table></div>");
    html
}
