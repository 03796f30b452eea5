//! The book's partitioning experiment in the page: the words of a word
//! list assigned to n partitions by range of first letter, hash mod n,
//! consistent hashing and a directory, drawn as bars of keys per
//! partition, and the share of words that moved when the count last
//! changed. The bars are keyed, so when a partition is added or removed
//! they grow and shrink (a CSS transition) rather than being redrawn.

use faultline_protocols::partitioning::{assign, relocated_share, spread, Directory, Strategy};
use std::fmt::Write as _;

/// The partitions the experiment offers, fewest and most (bars must fit a
/// phone's width).
pub const PARTITIONS_MIN: u32 = 1;
pub const PARTITIONS_MAX: u32 = 12;
/// Points per partition for consistent hashing, as in the CLI.
pub const VIRTUAL_NODES: u32 = 100;

/// Where the experiment is: its words (once fetched), the partitions now
/// and before the last change.
#[derive(Clone, Debug, Default)]
pub struct Experiment {
    pub words: Option<Vec<String>>,
    /// Why the words could not be had, if they could not.
    pub failed: Option<String>,
    pub partitions: u32,
    pub previous: u32,
}

impl Experiment {
    pub fn new() -> Experiment {
        Experiment { words: None, failed: None, partitions: 5, previous: 5 }
    }

    /// Change the count by `delta`, within the bounds. Returns whether it changed.
    pub fn change_by(&mut self, delta: i32) -> bool {
        let next = (self.partitions as i32 + delta).clamp(PARTITIONS_MIN as i32, PARTITIONS_MAX as i32) as u32;
        if next == self.partitions {
            return false;
        }
        self.previous = self.partitions;
        self.partitions = next;
        true
    }
}

/// The strategies in the order the book tells them, with their names.
fn strategies() -> [(&'static str, Option<Strategy>); 4] {
    [
        ("Range by first letter", Some(Strategy::RangeByFirstLetter)),
        ("Hash mod n", Some(Strategy::HashModN)),
        ("Consistent hashing (100 points each)", Some(Strategy::ConsistentHashing { virtual_nodes: VIRTUAL_NODES })),
        ("Directory", None),
    ]
}

/// Each word's partition before and after the change, for one strategy (a
/// directory is resized from the earlier count, moving the fewest words).
fn before_and_after(
    strategy: Option<Strategy>,
    keys: &[&str],
    before: u32,
    after: u32,
) -> Option<(Vec<u32>, Vec<u32>)> {
    match strategy {
        Some(strategy) => Some((assign(strategy, keys, before).ok()?, assign(strategy, keys, after).ok()?)),
        None => {
            let mut directory = Directory::new(keys.len(), before).ok()?;
            let earlier = directory.table().to_vec();
            directory.resize(after).ok()?;
            Some((earlier, directory.table().to_vec()))
        }
    }
}

/// The panel's markup.
pub fn experiment_html(experiment: &Experiment) -> String {
    let Some(words) = &experiment.words else {
        return match &experiment.failed {
            Some(why) => {
                format!(r#"<p class="notice-error" role="alert">The word list could not be loaded: {why}</p>"#)
            }
            None => r#"<p class="loading">Loading the word list…</p>"#.to_string(),
        };
    };
    if words.is_empty() {
        return r#"<p class="notice-error" role="alert">The word list is empty: there is nothing to assign.</p>"#
            .to_string();
    }
    let keys: Vec<&str> = words.iter().map(String::as_str).collect();
    let (before, after) = (experiment.previous, experiment.partitions);
    let fewer = if after <= PARTITIONS_MIN { r#" aria-disabled="true""# } else { "" };
    let more = if after >= PARTITIONS_MAX { r#" aria-disabled="true""# } else { "" };
    let mut html = format!(
        r#"<p class="experiment-head"><button data-partitions="-1" aria-label="One partition fewer"{fewer}>−</button> <strong data-partitions-now role="status" aria-live="polite">{after} partitions</strong> <button data-partitions="1" aria-label="One partition more"{more}>+</button> <span>{} words (every 40th of /usr/share/dict/web2, lower-cased){}</span></p>"#,
        keys.len(),
        match before == after {
            true => String::new(),
            false => format!("; moved from {before} to {after} partitions:"),
        }
    );
    html.push_str(r#"<div class="experiment-grid">"#);
    for (name, strategy) in strategies() {
        let Some((earlier, now)) = before_and_after(strategy, &keys, before, after) else { continue };
        let counts = spread(&now, after);
        let moved = relocated_share(&earlier, &now);
        let tallest = counts.max.max(1);
        let _ = write!(
            html,
            r#"<figure class="strategy"><figcaption>{name}: <strong data-moved>{:.1}% moved</strong><br><span class="muted">min {} · max {} · σ {:.0}</span></figcaption><div class="bars" role="img" aria-label="{name}: words per partition {}">"#,
            moved * 100.0,
            counts.min,
            counts.max,
            counts.std_dev,
            counts.counts.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
        );
        for (partition, &count) in counts.counts.iter().enumerate() {
            let _ = write!(
                html,
                r#"<div class="bar" data-key="{partition}" style="height:{:.1}%" title="partition {partition}: {count} words"></div>"#,
                count as f64 / tallest as f64 * 100.0
            );
        }
        html.push_str("</div></figure>");
    }
    html.push_str("</div>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_count_stays_within_its_bounds_and_remembers_the_last() {
        let mut experiment = Experiment::new();
        assert!(experiment.change_by(1));
        assert_eq!((experiment.previous, experiment.partitions), (5, 6));
        for _ in 0..20 {
            experiment.change_by(1);
        }
        assert_eq!(experiment.partitions, PARTITIONS_MAX);
        assert!(!experiment.change_by(1));
    }

    #[test]
    fn an_empty_word_list_is_said_and_five_to_six_shows_every_strategy() {
        let mut experiment = Experiment { words: Some(Vec::new()), ..Experiment::new() };
        assert!(experiment_html(&experiment).contains("The word list is empty"));
        let words: Vec<String> = (0..600).map(|i| format!("{}word{i}", (b'a' + (i % 26) as u8) as char)).collect();
        experiment.words = Some(words);
        experiment.change_by(1);
        let html = experiment_html(&experiment);
        assert_eq!(html.matches("<figure").count(), 4, "{html}");
        assert_eq!(html.matches(r#"class="bar""#).count(), 4 * 6);
        assert!(html.contains("moved from 5 to 6 partitions"));
    }
}
