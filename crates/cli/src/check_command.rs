//! `faultline check FILE|DIR... --model MODEL [--format F] [--budget-steps N]
//! [--budget-ms N] [--initial VALUE] [--jobs N] [--json]`: is a history
//! linearizable? (`--initial` gives the registers' or keys' starting value,
//! or the bank model's accounts' balances, which it needs: from there or
//! the file.)
//!
//! One file: the verdict and its explanation (or, with `--json`, the whole
//! result as one object). Exit status: 0 linearizable, 1 not linearizable,
//! 2 unknown (a budget ran out), 3 bad input.
//!
//! Several files, or a directory (walked recursively, in sorted path order,
//! taking the files whose extension is a history format's: `.json`,
//! `.edn`, `.txt`, `.log`; hidden files and directories, and symbolic links
//! to directories, are left out; a file named on the command line is taken
//! whatever its extension): one line per file, in that order,
//!
//! ```text
//! PATH: LINEARIZABLE (N operations, S steps, T ms)
//! PATH: NOT LINEARIZABLE (N operations, S steps, T ms; key K)
//! PATH: UNKNOWN (N operations, S steps, T ms; why)
//! PATH: ERROR: what is wrong, and on which line
//! ```
//!
//! then `N files: A linearizable, B not linearizable, C unknown, D
//! unreadable (T ms)`. A file that cannot be read or parsed does not stop
//! the others. `--budget-steps` and `--budget-ms` apply to each file.
//! `--jobs N` (default 1) checks N files at once, on N threads that take
//! the next file from a shared index; the lines come in file order
//! whatever N is, each printed as soon as it and the files before it are
//! done. `--json` prints one JSON array instead, with no summary: an
//! object per file on each line, in the same order, holding `file` and
//! either `error`, or `format`, `operation_count`, `steps`, `elapsed_ms`
//! and `result` (as in the one-file object). Exit status: 3 if any file
//! was bad input, else 1 if any is not linearizable, else 2 if any is
//! unknown, else 0.

use faultline_check::format::{parse_for_model, Format, ParsedHistory};
use faultline_check::{strongest_model, Decision, ModelSpec, Value, Verdict, WeakerModels, DEFAULT_BUDGET_STEPS};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const EXIT_LINEARIZABLE: u8 = 0;
pub const EXIT_NOT_LINEARIZABLE: u8 = 1;
pub const EXIT_UNKNOWN: u8 = 2;

/// The wall-clock budget when none is given (per file).
const DEFAULT_BUDGET_MS: u64 = 30_000;

/// The extensions of the history formats: the files a directory's walk takes.
const HISTORY_EXTENSIONS: [&str; 4] = ["json", "edn", "txt", "log"];

pub struct CheckArgs {
    /// Files and directories, in the order given.
    paths: Vec<String>,
    model: String,
    format: Format,
    budget_steps: u64,
    budget_ms: u64,
    initial: Option<Value>,
    json: bool,
    /// How many files are checked at once.
    jobs: usize,
}

fn number(flag: &str, value: Option<&String>) -> Result<u64, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a number"))?;
    value.replace('_', "").parse().map_err(|_| format!("{flag} needs a whole number, not `{value}`"))
}

/// `--initial` takes a JSON value: `0`, `null`, `"text"`, a bank's
/// balances `[100, 100]`.
fn initial_value(text: &str) -> Result<Value, String> {
    fn convert(json: &serde_json::Value) -> Result<Value, String> {
        Ok(match json {
            serde_json::Value::Null => Value::Nil,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => {
                Value::Int(n.as_i64().ok_or_else(|| format!("{n} is not a 64-bit integer"))?)
            }
            serde_json::Value::String(s) => Value::Str(s.clone()),
            serde_json::Value::Array(items) => Value::List(items.iter().map(convert).collect::<Result<_, _>>()?),
            serde_json::Value::Object(_) => return Err("an object cannot be a register's value".into()),
        })
    }
    let json: serde_json::Value = serde_json::from_str(text)
        .map_err(|_| format!("--initial takes a JSON value (0, null, \"\"), not `{text}`"))?;
    convert(&json).map_err(|e| format!("--initial: {e}"))
}

pub fn parse_args(args: &[String]) -> Result<CheckArgs, String> {
    let mut parsed = CheckArgs {
        paths: Vec::new(),
        model: String::new(),
        format: Format::Auto,
        budget_steps: DEFAULT_BUDGET_STEPS,
        budget_ms: DEFAULT_BUDGET_MS,
        initial: None,
        json: false,
        jobs: 1,
    };
    let mut model = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--model" => model = Some(rest.next().ok_or("--model needs a name")?.clone()),
            "--format" => {
                let name = rest.next().ok_or("--format needs auto, json, edn or jepsen-log")?;
                parsed.format = Format::from_name(name)
                    .ok_or_else(|| format!("unknown format `{name}` (known: auto, json, edn, jepsen-log)"))?;
            }
            "--budget-steps" => parsed.budget_steps = number(arg, rest.next())?,
            "--budget-ms" => parsed.budget_ms = number(arg, rest.next())?,
            "--initial" => parsed.initial = Some(initial_value(rest.next().ok_or("--initial needs a value")?)?),
            "--json" => parsed.json = true,
            "--jobs" => {
                let jobs = number(arg, rest.next())?;
                if jobs == 0 {
                    return Err("--jobs needs at least 1 (how many files are checked at once), not 0".to_string());
                }
                parsed.jobs = usize::try_from(jobs).unwrap_or(usize::MAX);
            }
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            path => parsed.paths.push(path.to_string()),
        }
    }
    if parsed.paths.is_empty() {
        return Err("check needs a history file".to_string());
    }
    parsed.model = model.ok_or_else(|| format!("check needs --model ({})", ModelSpec::NAMES.join(", ")))?;
    Ok(parsed)
}

/// Why a file could not be checked.
enum LoadError {
    /// It could not be read.
    Read(std::io::Error),
    /// It is no history the model can check: the message names the line.
    Input(String),
}

/// Read and parse the file at `path`, and make sure the model knows every
/// operation.
fn load(path: &Path, args: &CheckArgs) -> Result<(ParsedHistory, ModelSpec), LoadError> {
    let text = std::fs::read_to_string(path).map_err(LoadError::Read)?;
    parse_for_model(&text, args.format, &args.model, args.initial.clone()).map_err(LoadError::Input)
}

/// What the search found in one history, and what it took.
struct Outcome {
    verdict: Verdict,
    steps: u64,
    elapsed: Duration,
}

/// Check one parsed history against `model` within the budgets of `args`:
/// the check itself, which the one-file report and every line of a batch
/// share.
fn check_parsed(parsed: &ParsedHistory, model: &ModelSpec, args: &CheckArgs) -> Outcome {
    let started = Instant::now();
    let deadline = Duration::from_millis(args.budget_ms);
    let budget_ms = args.budget_ms;
    let (verdict, steps) = faultline_check::with_model!(model, m => {
        let mut checker = faultline_check::Checker::new(m, parsed.history.clone(), args.budget_steps);
        let verdict = loop {
            if let Some(verdict) = checker.run(faultline_check::check::SLICE_STEPS * 16) {
                break verdict.clone();
            }
            if started.elapsed() >= deadline {
                break checker.stop(&format!("the time budget of {budget_ms} ms ran out")).clone();
            }
        };
        (verdict, checker.steps())
    });
    Outcome { verdict, steps, elapsed: started.elapsed() }
}

fn exit_status(verdict: &Verdict) -> u8 {
    match verdict {
        Verdict::Linearizable(_) => EXIT_LINEARIZABLE,
        Verdict::NotLinearizable(_) => EXIT_NOT_LINEARIZABLE,
        Verdict::Unknown(_) => EXIT_UNKNOWN,
    }
}

fn describe_operation(parsed: &ParsedHistory, index: usize) -> String {
    let operation = &parsed.history.operations[index];
    let returned = match operation.complete {
        Some(done) => format!("returned {done}"),
        None => "never returned".to_string(),
    };
    format!("line {:>5}: {operation}   [invoked {}, {returned}]", parsed.lines[index], operation.invoke)
}

fn describe_decision(decision: &Decision) -> String {
    match decision {
        Decision::Holds => "yes".to_string(),
        Decision::Violated { why, .. } if why.is_empty() => "no".to_string(),
        Decision::Violated { why, .. } => format!("no ({why})"),
        Decision::Unknown { why } => format!("unknown ({why})"),
        Decision::NotApplicable => "not checked for this model".to_string(),
    }
}

fn human_report(
    path: &str,
    parsed: &ParsedHistory,
    model: &ModelSpec,
    verdict: &Verdict,
    weaker: Option<&WeakerModels>,
    steps: u64,
    elapsed: Duration,
) -> String {
    let mut out = format!(
        "{}: {} ({} model, {} operations; {steps} search steps, {} ms)\n",
        path,
        verdict.name().to_uppercase(),
        model.name(),
        parsed.history.operations.len(),
        elapsed.as_millis()
    );
    match verdict {
        Verdict::Linearizable(witness) => {
            let never = witness.points.iter().filter(|p| p.is_none()).count();
            out.push_str(&format!(
                "  every operation takes effect at a point between its invocation and its return{}\n  (--json lists the linearization points)\n",
                if never > 0 { format!("; {never} that never returned never took effect") } else { String::new() }
            ));
        }
        Verdict::NotLinearizable(explanation) => {
            if let Some(key) = &explanation.key {
                out.push_str(&format!("  key {key}\n"));
            }
            out.push_str(&format!(
                "  the longest linearizable prefix has {} operations; after it, {}\n",
                explanation.prefix.len(),
                explanation.state
            ));
            out.push_str(&format!("  {}\n", describe_operation(parsed, explanation.blocked)));
            out.push_str(&format!("  {}\n", explanation.reason));
            out.push_str(&format!(
                "  a failing sub-history of {} operations{}:\n",
                explanation.minimal.len(),
                if explanation.minimal_is_1_minimal {
                    " (1-minimal: without any one of them, it is linearizable or a read sees a value nobody wrote)"
                } else {
                    " (not fully shrunk: the budget ran out)"
                }
            ));
            for &index in &explanation.minimal {
                out.push_str(&format!("    {}\n", describe_operation(parsed, index)));
            }
            if let Some(weaker) = weaker {
                out.push_str(&format!(
                    "  weaker models: sequentially consistent: {}; read-your-writes: {}; monotonic reads: {}\n",
                    describe_decision(&weaker.sequentially_consistent),
                    describe_decision(&weaker.read_your_writes),
                    describe_decision(&weaker.monotonic_reads)
                ));
                out.push_str(&format!(
                    "  the strongest of these it satisfies: {}\n",
                    strongest_model(verdict, Some(weaker))
                ));
            }
        }
        Verdict::Unknown(incomplete) => {
            out.push_str(&format!(
                "  {}; {} of {} partitions decided\n",
                incomplete.reason, incomplete.partitions_done, incomplete.partitions
            ));
            for (key, placed, total) in &incomplete.unfinished {
                let key = key.as_ref().map(|k| format!("key {k}: ")).unwrap_or_default();
                out.push_str(&format!("  {key}at most {placed} of {total} operations placed\n"));
            }
            out.push_str("  raise --budget-steps or --budget-ms to search further\n");
        }
    }
    out
}

/// Run the command; returns the exit status, or an error for bad input.
pub fn run(args: &CheckArgs) -> Result<u8, String> {
    // A mistyped model is reported before any file is read.
    ModelSpec::by_name(&args.model)?;
    match args.paths.as_slice() {
        [path] if !Path::new(path).is_dir() => run_one(args, path),
        paths => run_many(args, paths),
    }
}

/// One file: its verdict, explained.
fn run_one(args: &CheckArgs, path: &str) -> Result<u8, String> {
    let (parsed, model) = load(Path::new(path), args).map_err(|e| match e {
        LoadError::Read(e) => format!("cannot read {path}: {e}"),
        LoadError::Input(e) => format!("{path}: {e}"),
    })?;
    let Outcome { verdict, steps, elapsed } = check_parsed(&parsed, &model, args);
    // Only a history that is not linearizable needs placing among weaker
    // models (linearizable implies them all).
    let weaker = matches!(verdict, Verdict::NotLinearizable(_)).then(|| {
        faultline_check::with_model!(&model, m => {
            WeakerModels::decide(&m, &parsed.history, model.initial(), faultline_check::WEAKER_BUDGET_STEPS)
        })
    });
    if args.json {
        let report = serde_json::json!({
            "file": path,
            "model": model.name(),
            "format": parsed.format.name(),
            "operations": parsed.history.operations,
            "lines": parsed.lines,
            "steps": steps,
            "elapsed_ms": elapsed.as_secs_f64() * 1000.0,
            "result": verdict,
            "weaker": weaker,
            "strongest": strongest_model(&verdict, weaker.as_ref()),
        });
        outln!("{}", serde_json::to_string_pretty(&report).expect("reports serialize"));
    } else {
        out!("{}", human_report(path, &parsed, &model, &verdict, weaker.as_ref(), steps, elapsed));
    }
    Ok(exit_status(&verdict))
}

/// One file of a batch: checked, or why not.
enum FileResult {
    Checked { format: Format, operations: usize, outcome: Outcome },
    Unreadable(String),
}

fn check_file(path: &Path, args: &CheckArgs) -> FileResult {
    match load(path, args) {
        Ok((parsed, model)) => FileResult::Checked {
            format: parsed.format,
            operations: parsed.history.operations.len(),
            outcome: check_parsed(&parsed, &model, args),
        },
        Err(LoadError::Read(e)) => FileResult::Unreadable(format!("cannot read: {e}")),
        Err(LoadError::Input(e)) => FileResult::Unreadable(e),
    }
}

/// A batch's line for one file.
fn file_line(path: &Path, result: &FileResult) -> String {
    let path = path.display();
    let (operations, outcome) = match result {
        FileResult::Checked { operations, outcome, .. } => (operations, outcome),
        FileResult::Unreadable(message) => return format!("{path}: ERROR: {message}"),
    };
    let figures = format!("{operations} operations, {} steps, {} ms", outcome.steps, outcome.elapsed.as_millis());
    let verdict = outcome.verdict.name().to_uppercase();
    match &outcome.verdict {
        Verdict::NotLinearizable(explanation) => match &explanation.key {
            Some(key) => format!("{path}: {verdict} ({figures}; key {key})"),
            None => format!("{path}: {verdict} ({figures})"),
        },
        Verdict::Unknown(incomplete) => format!("{path}: {verdict} ({figures}; {})", incomplete.reason),
        Verdict::Linearizable(_) => format!("{path}: {verdict} ({figures})"),
    }
}

/// A batch's file in `--json`.
fn file_json(path: &Path, result: &FileResult) -> serde_json::Value {
    let file = path.display().to_string();
    match result {
        FileResult::Checked { format, operations, outcome } => serde_json::json!({
            "file": file,
            "format": format.name(),
            "operation_count": operations,
            "steps": outcome.steps,
            "elapsed_ms": outcome.elapsed.as_secs_f64() * 1000.0,
            "result": outcome.verdict,
        }),
        FileResult::Unreadable(message) => serde_json::json!({ "file": file, "error": message }),
    }
}

/// How many files of a batch got each verdict.
#[derive(Default)]
struct Tally {
    linearizable: usize,
    not_linearizable: usize,
    unknown: usize,
    unreadable: usize,
}

impl Tally {
    fn of(results: &[FileResult]) -> Tally {
        let mut tally = Tally::default();
        for result in results {
            let count = match result {
                FileResult::Checked { outcome, .. } => match outcome.verdict {
                    Verdict::Linearizable(_) => &mut tally.linearizable,
                    Verdict::NotLinearizable(_) => &mut tally.not_linearizable,
                    Verdict::Unknown(_) => &mut tally.unknown,
                },
                FileResult::Unreadable(_) => &mut tally.unreadable,
            };
            *count += 1;
        }
        tally
    }

    /// The batch's exit status: the worst of its files, bad input first.
    fn exit_status(&self) -> u8 {
        if self.unreadable > 0 {
            crate::EXIT_BAD_INPUT
        } else if self.not_linearizable > 0 {
            EXIT_NOT_LINEARIZABLE
        } else if self.unknown > 0 {
            EXIT_UNKNOWN
        } else {
            EXIT_LINEARIZABLE
        }
    }
}

/// Several files, or directories: a line each, then a summary.
fn run_many(args: &CheckArgs, paths: &[String]) -> Result<u8, String> {
    let started = Instant::now();
    let files = files_to_check(paths)?;
    let results = check_all(&files, args, |index, result| {
        if !args.json {
            outln!("{}", file_line(&files[index], result));
        }
    });
    let tally = Tally::of(&results);
    if args.json {
        // One array, a file's object on each line.
        let objects: Vec<String> =
            files.iter().zip(&results).map(|(path, result)| file_json(path, result).to_string()).collect();
        outln!("[\n{}\n]", objects.join(",\n"));
    } else {
        outln!(
            "{} files: {} linearizable, {} not linearizable, {} unknown, {} unreadable ({} ms)",
            files.len(),
            tally.linearizable,
            tally.not_linearizable,
            tally.unknown,
            tally.unreadable,
            started.elapsed().as_millis()
        );
    }
    Ok(tally.exit_status())
}

/// Check every file on `args.jobs` threads (no more than there are files),
/// each taking the next file from a shared index. `done` sees each result
/// in file order, as soon as it and every one before it are in; the
/// results come back in file order too, whatever the number of threads.
fn check_all(files: &[PathBuf], args: &CheckArgs, mut done: impl FnMut(usize, &FileResult)) -> Vec<FileResult> {
    let next = AtomicUsize::new(0);
    let mut results: Vec<Option<FileResult>> = files.iter().map(|_| None).collect();
    let mut reported = 0;
    let (sender, receiver) = mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..args.jobs.min(files.len()) {
            let sender = sender.clone();
            let next = &next;
            scope.spawn(move || loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = files.get(index) else { break };
                if sender.send((index, check_file(path, args))).is_err() {
                    break;
                }
            });
        }
        // The workers hold the only senders left: the loop below ends
        // when the last of them is done.
        drop(sender);
        for (index, result) in receiver {
            results[index] = Some(result);
            while let Some(Some(result)) = results.get(reported) {
                done(reported, result);
                reported += 1;
            }
        }
    });
    results.into_iter().map(|result| result.expect("every file is checked once")).collect()
}

/// The files to check, in order: each path as given, but a directory
/// replaced by the history files under it in sorted path order.
fn files_to_check(paths: &[String]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        let path = Path::new(path);
        if path.is_dir() {
            let start = files.len();
            walk(path, &mut files)?;
            files[start..].sort();
        } else {
            files.push(path.to_path_buf());
        }
    }
    if files.is_empty() {
        return Err(format!(
            "no history files in {}: looked for .{}",
            paths.join(", "),
            HISTORY_EXTENSIONS.join(", .")
        ));
    }
    Ok(files)
}

/// Add the history files under `dir` to `files`, leaving out hidden files
/// and directories. Symbolic links to files are taken, those to
/// directories are not followed (a link may lead back up, for ever).
fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), String> {
    let cannot = |e: std::io::Error| format!("cannot read the directory {}: {e}", dir.display());
    for entry in std::fs::read_dir(dir).map_err(cannot)? {
        let entry = entry.map_err(cannot)?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let kind = entry.file_type().map_err(cannot)?;
        if kind.is_dir() {
            walk(&path, files)?;
        } else if (kind.is_file() || (kind.is_symlink() && path.is_file())) && is_history_file(&path) {
            files.push(path);
        }
    }
    Ok(())
}

fn is_history_file(path: &Path) -> bool {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    HISTORY_EXTENSIONS.iter().any(|known| known.eq_ignore_ascii_case(extension))
}
