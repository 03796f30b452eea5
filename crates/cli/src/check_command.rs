//! `faultline check FILE --model MODEL [--format F] [--budget-steps N]
//! [--budget-ms N] [--initial VALUE] [--json]`: is a history linearizable?
//! (`--initial` gives the registers' or keys' starting value, or the bank
//! model's accounts' balances, which it needs: from there or the file.)
//!
//! Exit status: 0 linearizable, 1 not linearizable, 2 unknown (a budget ran
//! out), 3 bad input.

use faultline_check::format::{parse_for_model, Format, ParsedHistory};
use faultline_check::{strongest_model, Decision, ModelSpec, Value, Verdict, WeakerModels, DEFAULT_BUDGET_STEPS};
use std::time::{Duration, Instant};

pub const EXIT_LINEARIZABLE: u8 = 0;
pub const EXIT_NOT_LINEARIZABLE: u8 = 1;
pub const EXIT_UNKNOWN: u8 = 2;

/// The wall-clock budget when none is given.
const DEFAULT_BUDGET_MS: u64 = 30_000;

pub struct CheckArgs {
    path: String,
    model: String,
    format: Format,
    budget_steps: u64,
    budget_ms: u64,
    initial: Option<Value>,
    json: bool,
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
    let mut path = None;
    let mut parsed = CheckArgs {
        path: String::new(),
        model: String::new(),
        format: Format::Auto,
        budget_steps: DEFAULT_BUDGET_STEPS,
        budget_ms: DEFAULT_BUDGET_MS,
        initial: None,
        json: false,
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
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            file if path.is_none() => path = Some(file.to_string()),
            extra => return Err(format!("unexpected argument {extra}")),
        }
    }
    parsed.path = path.ok_or("check needs a history file")?;
    parsed.model = model.ok_or_else(|| format!("check needs --model ({})", ModelSpec::NAMES.join(", ")))?;
    Ok(parsed)
}

/// Read and parse the file, and make sure the model knows every operation.
fn load(args: &CheckArgs) -> Result<(ParsedHistory, ModelSpec), String> {
    // A mistyped model is reported before any file is read.
    ModelSpec::by_name(&args.model)?;
    let text = std::fs::read_to_string(&args.path).map_err(|e| format!("cannot read {}: {e}", args.path))?;
    parse_for_model(&text, args.format, &args.model, args.initial.clone()).map_err(|e| format!("{}: {e}", args.path))
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
    args: &CheckArgs,
    parsed: &ParsedHistory,
    model: &ModelSpec,
    verdict: &Verdict,
    weaker: Option<&WeakerModels>,
    steps: u64,
    elapsed: Duration,
) -> String {
    let mut out = format!(
        "{}: {} ({} model, {} operations; {steps} search steps, {} ms)\n",
        args.path,
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
    let (parsed, model) = load(args)?;
    let started = Instant::now();
    let deadline = Duration::from_millis(args.budget_ms);
    let budget_ms = args.budget_ms;
    let (verdict, steps) = faultline_check::with_model!(&model, m => {
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
    let elapsed = started.elapsed();
    // Only a history that is not linearizable needs placing among weaker
    // models (linearizable implies them all).
    let weaker = matches!(verdict, Verdict::NotLinearizable(_)).then(|| {
        faultline_check::with_model!(&model, m => {
            WeakerModels::decide(&m, &parsed.history, model.initial(), faultline_check::WEAKER_BUDGET_STEPS)
        })
    });
    if args.json {
        let report = serde_json::json!({
            "file": args.path,
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
        out!("{}", human_report(args, &parsed, &model, &verdict, weaker.as_ref(), steps, elapsed));
    }
    Ok(match verdict {
        Verdict::Linearizable(_) => EXIT_LINEARIZABLE,
        Verdict::NotLinearizable(_) => EXIT_NOT_LINEARIZABLE,
        Verdict::Unknown(_) => EXIT_UNKNOWN,
    })
}
