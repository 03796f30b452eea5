//! `faultline partition`: the book's experiment. Assign every word of a
//! word list to `--from` partitions, then to `--to`, four ways, and print
//! how many keys each partition gets and how many keys move.

use faultline_protocols::partitioning::{assign, relocated_share, spread, Directory, Spread, Strategy};

/// Webster's Second International, the word list of the book's experiment
/// (a Unix `/usr/share/dict/words`), from Debian's `miscfiles`, which
/// `scripts/install` installs.
pub const DEFAULT_WORDS: &str = "/usr/share/dict/web2";
/// Most words read: the directory holds a table as big as the keys.
const WORDS_MAX: usize = faultline_protocols::partitioning::DIRECTORY_KEYS_MAX;
/// Largest word list read, so a wrong path to a huge file fails at once
/// (a million words of 60 letters).
const WORDS_FILE_BYTES_MAX: u64 = 64 * 1024 * 1024;

pub struct Args {
    words_path: String,
    from: u32,
    to: u32,
    virtual_nodes: u32,
}

pub fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut parsed = Args { words_path: DEFAULT_WORDS.to_string(), from: 5, to: 6, virtual_nodes: 100 };
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let mut value = || rest.next().ok_or_else(|| format!("{flag} needs a value"));
        let number =
            |text: &String| text.parse::<u32>().map_err(|_| format!("{flag}: expected a whole number, found {text}"));
        match flag.as_str() {
            "--words" => parsed.words_path = value()?.clone(),
            "--from" => parsed.from = number(value()?)?,
            "--to" => parsed.to = number(value()?)?,
            "--virtual-nodes" => parsed.virtual_nodes = number(value()?)?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    for (flag, partitions) in [("--from", parsed.from), ("--to", parsed.to)] {
        // The library says what is wrong with a count; here it is a flag's.
        if let Err(error) = assign(Strategy::HashModN, &[], partitions) {
            return Err(error.to_string().replace("partitions:", &format!("{flag}:")));
        }
    }
    Ok(parsed)
}

/// The words, one per line, lower-cased as in the book (empty lines left
/// out; a word listed twice counts twice).
fn read_words(path: &str) -> Result<Vec<String>, String> {
    let cannot_read = |e: std::io::Error| {
        let hint = if path == DEFAULT_WORDS { " (scripts/install installs it: Debian's miscfiles)" } else { "" };
        format!("cannot read the word list {path}: {e}{hint}")
    };
    let bytes = std::fs::metadata(path).map_err(cannot_read)?.len();
    if bytes > WORDS_FILE_BYTES_MAX {
        return Err(format!("{path}: {bytes} bytes, more than the {WORDS_FILE_BYTES_MAX} a word list may have"));
    }
    let text = std::fs::read(path).map_err(cannot_read)?;
    let words: Vec<String> = String::from_utf8_lossy(&text)
        .lines()
        .map(|line| line.trim().to_lowercase())
        .filter(|word| !word.is_empty())
        .collect();
    match words.len() {
        0 => Err(format!("{path}: no words in it")),
        n if n > WORDS_MAX => Err(format!("{path}: {n} words, more than the {WORDS_MAX} this reads")),
        _ => Ok(words),
    }
}

/// One strategy's two assignments.
struct Row {
    name: String,
    before: Spread,
    after: Spread,
    relocated: f64,
}

fn rows(keys: &[&str], args: &Args) -> Result<Vec<Row>, String> {
    let strategies = [
        Strategy::RangeByFirstLetter,
        Strategy::HashModN,
        Strategy::ConsistentHashing { virtual_nodes: args.virtual_nodes },
    ];
    let mut rows = Vec::new();
    for strategy in strategies {
        let before = assign(strategy, keys, args.from).map_err(|e| flag_error(&e.to_string()))?;
        let after = assign(strategy, keys, args.to).map_err(|e| flag_error(&e.to_string()))?;
        rows.push(Row {
            name: strategy.to_string(),
            relocated: relocated_share(&before, &after),
            before: spread(&before, args.from),
            after: spread(&after, args.to),
        });
    }
    let mut directory = Directory::new(keys.len(), args.from).map_err(|e| e.to_string())?;
    let before = directory.table().to_vec();
    directory.resize(args.to).map_err(|e| e.to_string())?;
    rows.push(Row {
        name: "directory (a lookup table)".to_string(),
        relocated: relocated_share(&before, directory.table()),
        before: spread(&before, args.from),
        after: spread(directory.table(), args.to),
    });
    Ok(rows)
}

/// The library names its fields; on the command line they are flags (the
/// partition counts are checked as the flags are read).
fn flag_error(message: &str) -> String {
    message.replace("virtual_nodes:", "--virtual-nodes:")
}

pub fn run(args: &Args) -> Result<(), String> {
    let words = read_words(&args.words_path)?;
    let keys: Vec<&str> = words.iter().map(String::as_str).collect();
    let rows = rows(&keys, args)?;
    outln!("words: {}, {} words, lower-cased", args.words_path, words.len());
    outln!("from {} partitions to {}: keys per partition, and the share of keys that moved\n", args.from, args.to);
    for row in rows {
        outln!("{}", row.name);
        for (partitions, spread) in [(args.from, &row.before), (args.to, &row.after)] {
            let counts: Vec<String> = spread.counts.iter().map(u64::to_string).collect();
            outln!(
                "  {partitions:>3} partitions: {}  (min {}, max {}, std dev {:.0})",
                counts.join(" "),
                spread.min,
                spread.max,
                spread.std_dev
            );
        }
        outln!("  relocated: {:.1}%\n", 100.0 * row.relocated);
    }
    Ok(())
}
