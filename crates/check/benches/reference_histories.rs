//! Native time to parse and check every reference history in
//! ../shared/data/histories, with the CLI's default budget.
//!
//!     cargo bench -p faultline-check --bench reference_histories
//!
//! Prints one line per file: `native <file> <model> <verdict> <median ms>`
//! (median of several runs, after one warm-up). scripts/bench puts these
//! beside the same files checked in WebAssembly in Chromium.

use faultline_check::format::{parse, Format};
use faultline_check::{check, ModelSpec, DEFAULT_BUDGET_STEPS};
use std::path::{Path, PathBuf};
use std::time::Instant;

const RUNS: usize = 7;

fn files(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(dir).map(|entries| entries.map(|e| e.unwrap().path()).collect()).unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == extension));
    files.sort();
    files
}

fn check_once(text: &str, model_name: &str) -> (&'static str, f64) {
    let started = Instant::now();
    let parsed = parse(text, Format::Auto).expect("reference histories parse");
    let mut model = ModelSpec::by_name(model_name).expect("a known model");
    if let Some(initial) = parsed.initial.clone() {
        model = model.with_initial(initial);
    }
    let verdict = faultline_check::with_model!(&model, m => check(m, parsed.history, DEFAULT_BUDGET_STEPS, || None));
    (verdict.name(), started.elapsed().as_secs_f64() * 1000.0)
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/histories");
    let sets = [
        ("porcupine-kv", "txt", "kv"),
        ("knossos/cas-register/good", "edn", "cas-register"),
        ("knossos/cas-register/bad", "edn", "cas-register"),
        ("knossos/mutex/bad", "edn", "lock"),
    ];
    let mut total_ms = 0.0;
    for (dir, extension, model) in sets {
        for file in files(&root.join(dir), extension) {
            let text = std::fs::read_to_string(&file).unwrap();
            check_once(&text, model); // warm-up
            let mut times: Vec<f64> = Vec::with_capacity(RUNS);
            let mut verdict = "";
            for _ in 0..RUNS {
                let (v, ms) = check_once(&text, model);
                verdict = v;
                times.push(ms);
            }
            times.sort_by(|a, b| a.partial_cmp(b).unwrap());
            let median = times[RUNS / 2];
            total_ms += median;
            let name = file.strip_prefix(&root).unwrap().display();
            println!("native {name} {model} {} {median:.3}", verdict.replace(' ', "-"));
        }
    }
    println!("native total {total_ms:.1} ms");
}
