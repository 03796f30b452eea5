// The checker's speed in WebAssembly, in headless Chromium, on every
// reference history in ../shared/data/histories, beside the native figures
// of the same run (scripts/bench passes them in NATIVE_RESULTS, the output
// of `cargo bench -p faultline-check --bench reference_histories`).
//
// Each file is parsed and checked in the page through the app's own
// `checkHistory` (window.wasmBindings), timed inside the page with
// performance.now(): the median (and minimum) of 15 runs after a warm-up. A last run
// checks it in 6 ms slices, as the page's live check does, and reports the
// longest slice: what one animation frame waited on the check.
//
//   node tests/e2e/bench-check.mjs      (after trunk build --release)

import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { DIST, ROOT, launchBrowser, startServer } from './harness.mjs';

// Sub-millisecond files are dominated by the browser's timer resolution
// (0.1 ms) and garbage-collection pauses: the minimum is shown beside the
// median, and only files of a few milliseconds or more compare fairly.
const RUNS = 15;
const SLICE_MS = 6;
const HISTORIES = join(ROOT, '..', 'shared', 'data', 'histories');
const SETS = [
  ['porcupine-kv', '.txt', 'kv'],
  ['knossos/cas-register/good', '.edn', 'cas-register'],
  ['knossos/cas-register/bad', '.edn', 'cas-register'],
  ['knossos/mutex/bad', '.edn', 'lock'],
];

const native = new Map();
if (process.env.NATIVE_RESULTS && existsSync(process.env.NATIVE_RESULTS)) {
  for (const line of readFileSync(process.env.NATIVE_RESULTS, 'utf8').split('\n')) {
    const [tag, file, , , ms] = line.trim().split(/\s+/);
    if (tag === 'native' && file !== 'total') native.set(file, Number(ms));
  }
}

const server = await startServer(DIST);
const browser = await launchBrowser();
try {
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.waitForFunction(() => window.wasmBindings?.checkHistory, null, { timeout: 20_000 });
  const rows = [];
  for (const [dir, extension, model] of SETS) {
    const files = readdirSync(join(HISTORIES, dir)).filter((f) => f.endsWith(extension)).sort();
    for (const name of files) {
      const file = `${dir}/${name}`;
      const text = readFileSync(join(HISTORIES, dir, name), 'utf8');
      const result = await page.evaluate(
        ({ text, model, runs, sliceMs }) => {
          const check = (slice) => window.wasmBindings.checkHistory(text, model, slice, 0);
          check(0); // warm-up
          const times = [];
          let verdict;
          for (let i = 0; i < runs; i++) {
            const report = check(0);
            verdict = report.verdict;
            times.push(report.elapsed_ms);
          }
          times.sort((a, b) => a - b);
          const sliced = check(sliceMs);
          return { verdict, median: times[Math.floor(runs / 2)], min: times[0], longest: sliced.longest_slice_ms, slices: sliced.slices };
        },
        { text, model, runs: RUNS, sliceMs: SLICE_MS },
      );
      rows.push({ file, model, ...result, native: native.get(file) });
    }
  }
  let wasmTotal = 0;
  let nativeTotal = 0;
  let longest = 0;
  console.log(`${'file'.padEnd(60)}${'model'.padEnd(14)}${'verdict'.padEnd(19)}native ms   wasm ms (min)     wasm/native   longest 6-ms slice`);
  for (const row of rows) {
    wasmTotal += row.median;
    nativeTotal += row.native ?? 0;
    longest = Math.max(longest, row.longest);
    const ratio = row.native ? (row.median / row.native).toFixed(2) : '-';
    console.log(
      `${row.file.padEnd(60)}${row.model.padEnd(14)}${row.verdict.padEnd(19)}${(row.native?.toFixed(3) ?? '-').padStart(9)} ${row.median.toFixed(3).padStart(9)} (${row.min.toFixed(1).padStart(5)}) ${ratio.padStart(12)} ${row.longest.toFixed(2).padStart(12)} ms`,
    );
  }
  console.log(`total: native ${nativeTotal.toFixed(1)} ms, wasm ${wasmTotal.toFixed(1)} ms (ratio ${(wasmTotal / nativeTotal).toFixed(2)}); longest slice ${longest.toFixed(2)} ms`);
} finally {
  await browser.close();
  await server.close();
}
