//! Which partition a key belongs to, four ways, and how fit each way is:
//! how evenly keys spread (variance) and how many move when the number of
//! partitions changes (relocation). The book's experiment assigns the words
//! of a word list to 5 partitions, then to 6:
//!
//! - range by first letter: uneven, and about half the keys move;
//! - hash mod n: even, but most keys move (1 − 1/6 of them);
//! - consistent hashing: even, and only about 1/6 move;
//! - a directory (a lookup table) moves exactly as few as evenness needs,
//!   at the price of a table to keep.
//!
//! Everything here is a pure function of its input (the hash is fixed, not
//! the platform's), so the page and the command line agree.

use std::fmt;

/// How keys are assigned to partitions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// By the key's first letter, as the book's listing does: runs of
    /// ⌊26 / n⌋ letters, the last partition taking the rest of the
    /// alphabet (keys that do not start with a letter go to the first).
    RangeByFirstLetter,
    /// The key's hash modulo `n`.
    HashModN,
    /// The partition whose point on a ring of hashes comes next clockwise
    /// after the key's hash; each partition has `virtual_nodes` points.
    ConsistentHashing { virtual_nodes: u32 },
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Strategy::RangeByFirstLetter => f.write_str("range by first letter"),
            Strategy::HashModN => f.write_str("hash mod n"),
            Strategy::ConsistentHashing { virtual_nodes } => {
                write!(f, "consistent hashing ({virtual_nodes} virtual nodes per partition)")
            }
        }
    }
}

/// Most partitions, and most virtual nodes per partition, an assignment
/// takes: a ring is built in memory, and the page must stay responsive.
pub const PARTITIONS_MAX: u32 = 1_000;
pub const VIRTUAL_NODES_MAX: u32 = 1_000;
/// Most keys a directory holds (its table is as big as its keys).
pub const DIRECTORY_KEYS_MAX: usize = 1_000_000;

/// Why keys cannot be assigned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AssignmentError {
    NoPartitions,
    TooManyPartitions { partitions: u32 },
    NoVirtualNodes,
    TooManyVirtualNodes { virtual_nodes: u32 },
    TooManyKeys { keys: usize },
    NoMembers,
}

impl fmt::Display for AssignmentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AssignmentError::NoPartitions => f.write_str("partitions: must be at least 1"),
            AssignmentError::TooManyPartitions { partitions } => {
                write!(f, "partitions: must be at most {PARTITIONS_MAX}, found {partitions}")
            }
            AssignmentError::NoVirtualNodes => f.write_str("virtual_nodes: must be at least 1"),
            AssignmentError::TooManyVirtualNodes { virtual_nodes } => {
                write!(f, "virtual_nodes: must be at most {VIRTUAL_NODES_MAX}, found {virtual_nodes}")
            }
            AssignmentError::NoMembers => f.write_str("members: a ring needs at least one"),
            AssignmentError::TooManyKeys { keys } => {
                write!(f, "keys: a directory holds at most {DIRECTORY_KEYS_MAX}, found {keys}")
            }
        }
    }
}

/// A 64-bit hash fixed by this file (FNV-1a, then SplitMix64's finalizer
/// so that every bit depends on every byte): the same on every platform.
pub fn hash64(bytes: &[u8]) -> u64 {
    let fnv =
        bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |hash, &byte| (hash ^ byte as u64).wrapping_mul(0x100_0000_01b3));
    let mut z = fnv;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The partition of each key, in the order given.
pub fn assign(strategy: Strategy, keys: &[&str], partitions: u32) -> Result<Vec<u32>, AssignmentError> {
    check_partitions(partitions)?;
    Ok(match strategy {
        Strategy::RangeByFirstLetter => keys.iter().map(|key| first_letter_partition(key, partitions)).collect(),
        Strategy::HashModN => keys.iter().map(|key| (hash64(key.as_bytes()) % partitions as u64) as u32).collect(),
        Strategy::ConsistentHashing { virtual_nodes } => {
            let ring = Ring::new(partitions, virtual_nodes)?;
            keys.iter().map(|key| ring.partition_of(key)).collect()
        }
    })
}

fn check_partitions(partitions: u32) -> Result<(), AssignmentError> {
    match partitions {
        0 => Err(AssignmentError::NoPartitions),
        p if p > PARTITIONS_MAX => Err(AssignmentError::TooManyPartitions { partitions }),
        _ => Ok(()),
    }
}

/// Letter i of 26 goes to partition min(⌊i / ⌊26 / n⌋⌋, n − 1). With 5
/// partitions: a–e, f–j, k–o, p–t, u–z; with 6: a–d, e–h, i–l, m–p, q–t,
/// u–z. (With 26 or more, a letter each.)
fn first_letter_partition(key: &str, partitions: u32) -> u32 {
    let letter = key.chars().next().map(|c| c.to_ascii_lowercase());
    let run = (26 / partitions).max(1);
    match letter {
        Some(c @ 'a'..='z') => ((c as u32 - 'a' as u32) / run).min(partitions - 1),
        _ => 0,
    }
}

/// A consistent-hashing ring: each partition's virtual nodes as points,
/// sorted by hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ring {
    points: Vec<(u64, u32)>,
}

impl Ring {
    /// Partitions `0..partitions`, each with `virtual_nodes` points.
    pub fn new(partitions: u32, virtual_nodes: u32) -> Result<Ring, AssignmentError> {
        check_partitions(partitions)?;
        Ring::of_members(&(0..partitions).collect::<Vec<u32>>(), virtual_nodes)
    }

    /// The given members (node numbers, in any order, any gaps), each with
    /// `virtual_nodes` points. A member's points depend only on its number,
    /// so adding one moves only the keys that now fall to it.
    pub fn of_members(members: &[u32], virtual_nodes: u32) -> Result<Ring, AssignmentError> {
        if members.is_empty() {
            return Err(AssignmentError::NoMembers);
        }
        check_partitions(members.len().min(u32::MAX as usize) as u32)?;
        match virtual_nodes {
            0 => return Err(AssignmentError::NoVirtualNodes),
            v if v > VIRTUAL_NODES_MAX => return Err(AssignmentError::TooManyVirtualNodes { virtual_nodes }),
            _ => {}
        }
        let mut points: Vec<(u64, u32)> = members
            .iter()
            .flat_map(|&p| (0..virtual_nodes).map(move |v| (hash64(format!("partition {p} vnode {v}").as_bytes()), p)))
            .collect();
        // Equal hashes (never seen, but possible) are ordered by partition,
        // so the ring is the same whatever built it.
        points.sort_unstable();
        Ok(Ring { points })
    }

    /// The points, by hash: (position on the ring, partition).
    pub fn points(&self) -> &[(u64, u32)] {
        &self.points
    }

    /// The partition of the first point at or after the key's hash, going
    /// round past the largest hash to the smallest.
    pub fn partition_of(&self, key: &str) -> u32 {
        self.points[self.first_point_of(key)].1
    }

    /// Where a key's walk clockwise starts: its first point.
    fn first_point_of(&self, key: &str) -> usize {
        let hash = hash64(key.as_bytes());
        self.points.partition_point(|&(point, _)| point < hash) % self.points.len()
    }

    /// The key's preference list: the first `replicas` distinct members met
    /// walking clockwise from its hash (all of them, when there are fewer).
    /// The first is the key's own partition; the others hold its replicas.
    pub fn preference_list(&self, key: &str, replicas: usize) -> Vec<u32> {
        let start = self.first_point_of(key);
        let mut list: Vec<u32> = Vec::with_capacity(replicas.min(self.points.len()));
        for step in 0..self.points.len() {
            if list.len() == replicas {
                break;
            }
            let member = self.points[(start + step) % self.points.len()].1;
            if !list.contains(&member) {
                list.push(member);
            }
        }
        list
    }
}

/// How evenly keys spread: keys per partition, their least, most and
/// standard deviation.
#[derive(Clone, Debug, PartialEq)]
pub struct Spread {
    pub counts: Vec<u64>,
    pub min: u64,
    pub max: u64,
    pub std_dev: f64,
}

/// The spread of `assignment` over `partitions` partitions.
pub fn spread(assignment: &[u32], partitions: u32) -> Spread {
    debug_assert!(assignment.iter().all(|&p| p < partitions), "every key in one of the partitions");
    if partitions == 0 {
        return Spread { counts: Vec::new(), min: 0, max: 0, std_dev: 0.0 };
    }
    let mut counts = vec![0u64; partitions as usize];
    for &p in assignment {
        if let Some(count) = counts.get_mut(p as usize) {
            *count += 1;
        }
    }
    let n = counts.len().max(1) as f64;
    let mean = counts.iter().sum::<u64>() as f64 / n;
    let variance = counts.iter().map(|&c| (c as f64 - mean).powi(2)).sum::<f64>() / n;
    Spread {
        min: counts.iter().copied().min().unwrap_or(0),
        max: counts.iter().copied().max().unwrap_or(0),
        std_dev: variance.sqrt(),
        counts,
    }
}

/// The share of keys (0 to 1) whose partition differs between two
/// assignments of the same keys.
pub fn relocated_share(before: &[u32], after: &[u32]) -> f64 {
    assert_eq!(before.len(), after.len(), "two assignments of the same keys");
    let moved = before.iter().zip(after).filter(|(a, b)| a != b).count();
    moved as f64 / before.len().max(1) as f64
}

/// A directory: a lookup table from key to partition. It starts even
/// (key i to partition i mod n) and, when partitions are added or taken
/// away, moves only the keys it must to stay even: the fewest any
/// assignment can move, for the price of a table as big as the keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directory {
    table: Vec<u32>,
    partitions: u32,
}

impl Directory {
    pub fn new(keys: usize, partitions: u32) -> Result<Directory, AssignmentError> {
        check_partitions(partitions)?;
        if keys > DIRECTORY_KEYS_MAX {
            return Err(AssignmentError::TooManyKeys { keys });
        }
        Ok(Directory { table: (0..keys).map(|i| (i % partitions as usize) as u32).collect(), partitions })
    }

    /// The partition of key `i`, for every key.
    pub fn table(&self) -> &[u32] {
        &self.table
    }

    /// Go to `partitions` partitions, moving the fewest keys: those of the
    /// partitions taken away, and each kept partition's keys beyond its
    /// share. Shares differ by at most one key; the larger ones go to the
    /// partitions that hold the most now, so they shed the least.
    pub fn resize(&mut self, partitions: u32) -> Result<(), AssignmentError> {
        check_partitions(partitions)?;
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); partitions as usize];
        let mut homeless = Vec::new();
        for (key, &p) in self.table.iter().enumerate() {
            match members.get_mut(p as usize) {
                Some(list) => list.push(key),
                None => homeless.push(key),
            }
        }
        let shares = Self::shares(&members, self.table.len());
        for (list, &share) in members.iter_mut().zip(&shares) {
            while list.len() > share {
                homeless.push(list.pop().expect("longer than its share"));
            }
        }
        homeless.sort_unstable();
        let mut homeless = homeless.into_iter();
        for (p, list) in members.iter_mut().enumerate() {
            while list.len() < shares[p] {
                let key = homeless.next().expect("as many keys homeless as places short");
                list.push(key);
                self.table[key] = p as u32;
            }
        }
        debug_assert!(homeless.next().is_none(), "every key has a partition");
        self.partitions = partitions;
        Ok(())
    }

    /// Each partition's share of `keys`: ⌊keys / n⌋, one more for the
    /// `keys mod n` partitions that hold the most now (the lower number
    /// first among equals).
    fn shares(members: &[Vec<usize>], keys: usize) -> Vec<usize> {
        let (base, extra) = (keys / members.len(), keys % members.len());
        let mut by_size: Vec<usize> = (0..members.len()).collect();
        by_size.sort_unstable_by_key(|&p| (std::cmp::Reverse(members[p].len()), p));
        let mut shares = vec![base; members.len()];
        for &p in &by_size[..extra] {
            shares[p] += 1;
        }
        shares
    }

    pub fn partitions(&self) -> u32 {
        self.partitions
    }
}
