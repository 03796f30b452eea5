//! How the page tells things apart: every kind of message, node role and
//! client operation a protocol has is a type of its own (an enum), and each
//! value carries its [`Style`]: a name, a glyph, a colour and a sentence for
//! the legend. The page draws from these and never parses a label.

use serde::Serialize;
use std::fmt::Debug;

/// How one kind (of message, role or operation) is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Style {
    /// The name people know it by ("RequestVote", "leader", "read").
    pub name: &'static str,
    /// One or two characters drawn on a message, or a bar's prefix.
    pub glyph: &'static str,
    /// A CSS colour ("#d9822b"); empty for the page's default.
    pub colour: &'static str,
    /// How strongly a node in this role is drawn.
    pub emphasis: Emphasis,
    /// One sentence for the legend.
    pub description: &'static str,
}

/// How a node's ring is drawn for its role.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Emphasis {
    /// An ordinary ring.
    #[default]
    Plain,
    /// A thick ring: the node others follow (a leader, a coordinator).
    Strong,
    /// A dashed ring: a role the node may not keep (a candidate, a vote
    /// given and not yet answered).
    Tentative,
    /// A red ring: the node is stuck and waits on something (blocked).
    Alert,
}

impl Emphasis {
    /// The CSS class of a node drawn with this emphasis.
    pub fn class(self) -> &'static str {
        match self {
            Emphasis::Plain => "role-plain",
            Emphasis::Strong => "role-strong",
            Emphasis::Tentative => "role-tentative",
            Emphasis::Alert => "role-alert",
        }
    }
}

/// A closed set of kinds, each with its style: a protocol's message kinds,
/// its roles, a service's operation kinds. Declare one with [`kinds!`].
pub trait Kinds: Copy + Eq + Debug + 'static {
    /// Every kind, in the order the legend lists them.
    const ALL: &'static [Self];

    fn style(self) -> Style;

    /// The kind's position in [`ALL`](Kinds::ALL): what the type-erased
    /// parts of the simulator carry.
    fn index(self) -> u8 {
        Self::ALL.iter().position(|&kind| kind == self).expect("every kind is in ALL") as u8
    }

    /// Every kind's style, in [`ALL`](Kinds::ALL)'s order.
    fn styles() -> Vec<Style> {
        Self::ALL.iter().map(|kind| kind.style()).collect()
    }
}

/// Declares an enum of kinds and its [`Kinds`] impl in one place:
///
/// ```
/// faultline_sim::kinds! {
///     /// What a register's clients do.
///     pub enum RegisterOperation {
///         Read => ("read", "r", "#7d9be0", "returns the value"),
///         Write => ("write", "w", "#a47cc4", "replaces the value"),
///     }
/// }
/// # use faultline_sim::Kinds;
/// assert_eq!(RegisterOperation::Write.style().glyph, "w");
/// assert_eq!(RegisterOperation::Write.index(), 1);
/// ```
///
/// A role may add an emphasis after the description:
/// `Leader => ("leader", "L", "", "leads its term", Strong)`.
#[macro_export]
macro_rules! kinds {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident => (
                $label:literal, $glyph:literal, $colour:literal, $description:literal $(, $emphasis:ident)?
            ) ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        $vis enum $name {
            $( $(#[$variant_meta])* $variant ),*
        }

        impl $crate::style::Kinds for $name {
            const ALL: &'static [Self] = &[$($name::$variant),*];

            fn style(self) -> $crate::style::Style {
                match self {
                    $( $name::$variant => $crate::style::Style {
                        name: $label,
                        glyph: $glyph,
                        colour: $colour,
                        emphasis: $crate::kinds!(@emphasis $($emphasis)?),
                        description: $description,
                    } ),*
                }
            }
        }
    };
    (@emphasis) => { $crate::style::Emphasis::Plain };
    (@emphasis $emphasis:ident) => { $crate::style::Emphasis::$emphasis };
}

/// A colour a protocol gives a node or a log entry from its own state (a
/// Raft term): nodes that agree look alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Colour {
    /// `hsl(hue 62% 42%)`: one of many distinct colours, by number. Its
    /// lightness is the page's `--hue-lightness` when set (a dark theme
    /// lifts it), 42% otherwise.
    Hue(u16),
    /// A fixed CSS colour.
    Css(&'static str),
}

impl Colour {
    /// The colour as CSS.
    pub fn css(self) -> String {
        match self {
            Colour::Hue(hue) => format!("hsl({hue} 62% var(--hue-lightness, 42%))"),
            Colour::Css(css) => css.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::kinds! {
        enum Role {
            Follower => ("follower", "F", "", "follows"),
            Leader => ("leader", "L", "#123456", "leads", Strong),
        }
    }

    #[test]
    fn kinds_carry_their_styles_in_declaration_order() {
        assert_eq!(Role::ALL, &[Role::Follower, Role::Leader]);
        assert_eq!(Role::Leader.index(), 1);
        assert_eq!(Role::Leader.style().emphasis, Emphasis::Strong);
        assert_eq!(Role::Follower.style().emphasis, Emphasis::Plain);
        assert_eq!(Role::styles().iter().map(|s| s.name).collect::<Vec<_>>(), ["follower", "leader"]);
        assert_eq!(Colour::Hue(67).css(), "hsl(67 62% var(--hue-lightness, 42%))");
    }
}
