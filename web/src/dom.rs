//! Retained rendering: the page's drawing functions return markup as text
//! (pure, testable), and [`morph`] makes the live DOM equal to it by
//! changing only what differs.
//!
//! Why not replace `innerHTML`: a replaced element is a new element. A
//! button under the pointer vanishes between press and release, focus
//! falls back to the page body, a text selection is undone, and a paused
//! page that redraws the same markup still rewrites the DOM. Morphing keeps
//! every element whose markup is unchanged, so a paused page changes
//! nothing, and an element keeps its identity while the thing it stands
//! for exists:
//!
//! - a child with a `data-key` attribute is matched by that key among its
//!   siblings (a message's row stays that message's row, whatever comes
//!   and goes around it);
//! - a child without one is matched by position, if it has the same tag.
//!
//! Unmatched old children are removed and unmatched new ones moved in.
//! Attributes are compared before they are set, so an unchanged element
//! causes no mutation at all. An element marked `data-retained` keeps its
//! children: a [`KeyedLayer`] fills it.
//!
//! A [`KeyedLayer`] is for the dense parts (the space-time diagram's
//! hundreds of arrows): the drawing hands it one markup text per key, and
//! it parses only the texts that changed since the last time, so an
//! unchanged arrow costs a string comparison, not a parse.

use faultline_collections::{VecMap, VecSet};
use std::collections::BTreeMap;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Node};

const SVG_NAMESPACE: &str = "http://www.w3.org/2000/svg";

/// Make the children of `target` equal to `markup`, parsed as children of
/// an element of the target's own kind (so SVG markup stays SVG).
pub fn morph(target: &Element, markup: &str) {
    let document = target.owner_document().expect("a live element has a document");
    let scratch = scratch_like(&document, target);
    scratch.set_inner_html(markup);
    patch_children(target, &scratch);
}

/// A detached element in the target's namespace, to parse markup into.
fn scratch_like(document: &Document, target: &Element) -> Element {
    let in_svg = target.namespace_uri().as_deref() == Some(SVG_NAMESPACE);
    let made = match in_svg {
        true => document.create_element_ns(Some(SVG_NAMESPACE), "g"),
        false => document.create_element("div"),
    };
    made.expect("creating a plain element works")
}

fn key_of(node: &Node) -> Option<String> {
    node.dyn_ref::<Element>().and_then(|element| element.get_attribute("data-key"))
}

/// Whether `old` can be patched into `new` in place: same node type, and
/// for elements the same tag.
fn same_kind(old: &Node, new: &Node) -> bool {
    old.node_type() == new.node_type() && old.node_name() == new.node_name()
}

fn children_of(parent: &Node) -> Vec<Node> {
    let list = parent.child_nodes();
    (0..list.length()).filter_map(|index| list.item(index)).collect()
}

/// Patch the children of `old_parent` into those of `new_parent`. New
/// children that match nothing are moved over (the scratch tree is thrown
/// away afterwards).
fn patch_children(old_parent: &Node, new_parent: &Node) {
    let new_children = children_of(new_parent);
    // A panel's keyed children are a few hundred at most (table rows, lanes).
    let new_keys: VecSet<String> = new_children.iter().filter_map(key_of).collect();
    // Keyed children that are going go first: left in place, each would
    // make every matched sibling after it move (one DOM change each).
    let mut keyed_old: VecMap<String, Node> = VecMap::new();
    for child in children_of(old_parent) {
        match key_of(&child) {
            Some(key) if new_keys.contains(&key) => {
                keyed_old.insert(key, child);
            }
            Some(_) => {
                let _ = old_parent.remove_child(&child);
            }
            None => {}
        }
    }
    let mut cursor = old_parent.first_child();
    for new in new_children {
        let matched = match key_of(&new) {
            Some(key) => keyed_old.remove(&key).filter(|old| same_kind(old, &new)),
            None => cursor.clone().filter(|old| key_of(old).is_none() && same_kind(old, &new)),
        };
        match matched {
            Some(old) => {
                if cursor.as_ref() != Some(&old) {
                    let _ = old_parent.insert_before(&old, cursor.as_ref());
                }
                patch_node(&old, &new);
                cursor = old.next_sibling();
            }
            None => {
                let _ = old_parent.insert_before(&new, cursor.as_ref());
            }
        }
    }
    // Everything from the cursor on was matched by nothing new.
    while let Some(stale) = cursor {
        cursor = stale.next_sibling();
        let _ = old_parent.remove_child(&stale);
    }
}

fn patch_node(old: &Node, new: &Node) {
    match (old.dyn_ref::<Element>(), new.dyn_ref::<Element>()) {
        (Some(old_element), Some(new_element)) => {
            patch_attributes(old_element, new_element);
            if !new_element.has_attribute("data-retained") {
                patch_children(old, new);
            }
        }
        _ => {
            // Text and comments: only their text can differ.
            if old.node_value() != new.node_value() {
                old.set_node_value(new.node_value().as_deref());
            }
        }
    }
}

fn patch_attributes(old: &Element, new: &Element) {
    let wanted = new.get_attribute_names();
    for name in wanted.iter().filter_map(|name| name.as_string()) {
        let value = new.get_attribute(&name);
        if old.get_attribute(&name) != value {
            let _ = old.set_attribute(&name, value.as_deref().unwrap_or_default());
        }
    }
    let present = old.get_attribute_names();
    for name in present.iter().filter_map(|name| name.as_string()) {
        if !new.has_attribute(&name) {
            let _ = old.remove_attribute(&name);
        }
    }
}

/// The children of one container, kept by key: each is parsed again only
/// when its markup text changed. New children go after the others (on top,
/// in SVG); a changed one is replaced where it stands.
///
/// Its maps stay B-trees, where the page's small maps are `VecMap`s: they
/// hold the diagram's items (up to `diagram::ELEMENTS_DRAWN_MAX`) or every
/// message in flight, looked up and rebuilt every frame while the run
/// plays, in no particular key order.
#[derive(Default)]
pub struct KeyedLayer {
    children: BTreeMap<String, (String, Element)>,
    /// The container the children were put in: if the page replaced it,
    /// they are gone with it and are made again.
    container: Option<Element>,
}

impl KeyedLayer {
    /// Make the container's children the `items` (key, markup of one
    /// element). The container must hold nothing else.
    pub fn update<'a>(&mut self, container: &Element, items: impl IntoIterator<Item = (&'a str, &'a str)>) {
        if self.container.as_ref() != Some(container) {
            self.children.clear();
            self.container = Some(container.clone());
        }
        let mut wanted: BTreeMap<&str, &str> = BTreeMap::new();
        // Parsed in one go: one call to the parser for all that changed.
        let mut changed: Vec<&str> = Vec::new();
        let mut changed_markup = String::new();
        for (key, markup) in items {
            if wanted.contains_key(key) {
                continue; // a key twice: the first wins
            }
            wanted.insert(key, markup);
            if self.children.get(key).is_none_or(|(old, _)| old != markup) {
                changed.push(key);
                changed_markup.push_str(markup);
            }
        }
        self.children.retain(|key, (_, element)| {
            let keep = wanted.contains_key(key.as_str());
            if !keep {
                element.remove();
            }
            keep
        });
        if changed.is_empty() {
            return;
        }
        let document = container.owner_document().expect("a live element has a document");
        let scratch = scratch_like(&document, container);
        scratch.set_inner_html(&changed_markup);
        let parsed: Vec<Element> = children_of(&scratch).into_iter().filter_map(|n| n.dyn_into().ok()).collect();
        for (key, element) in changed.into_iter().zip(parsed) {
            match self.children.remove(key) {
                Some((_, old)) => {
                    let _ = container.replace_child(&element, &old);
                }
                None => {
                    let _ = container.append_child(&element);
                }
            }
            self.children.insert(key.to_string(), (wanted[key].to_string(), element));
        }
    }

    /// Forget every child (the container was emptied or replaced).
    pub fn clear(&mut self) {
        for (_, element) in std::mem::take(&mut self.children).into_values() {
            element.remove();
        }
    }
}
