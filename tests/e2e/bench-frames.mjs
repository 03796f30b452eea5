// Frame times of the page in headless Chromium: nine Raft nodes under
// client load, with a space-time diagram drawn over a run of 10,000 steps
// and more. The bounds (from the issue): median frame time at most 16 ms,
// 95th percentile at most 33 ms. This prints the figures and whether they
// meet the bounds; it fails only when the page breaks (errors, no load, the
// run never gets long enough), never on a slow figure.
//
// How it measures. An init script wraps window.requestAnimationFrame (the
// page's loop asks for its frames through it: one callback per frame) and
// records, for each of the page's frames:
//   - delta: the time since the previous frame's start (the rAF
//     timestamps): how often the page actually shows a new picture;
//   - callback: how long the page's frame callback ran (the simulation's
//     steps, the live check's slice, building the drawings' text, morphing
//     the DOM, and any layout the callback forces by reading sizes);
//   - work: from the callback's start until a message posted by it is
//     handled, which Chromium does only after the frame's rendering (style,
//     layout, paint, commit) is done: the page's whole main-thread cost of
//     the frame.
// A Chromium trace of the same window (categories devtools.timeline) gives
// the frame tasks (the main-thread tasks that fired animation frames)
// twice: `trace`, their wall time, a check on `work` (they agree to a
// millisecond or so), and `cpu`, the main thread's CPU time in them, which
// other processes on a busy machine cannot inflate.
//
// Headless Chromium (harness CHROMIUM_ARGS, --headless=new) paces frames at
// 60 Hz like a display (the `cadence` line measures it on an empty page
// first: 16.7 ms). So a delta is a whole number of vsync intervals (16.7,
// 33.3, 50, ...) and its median can never be below 16.7 ms, even for a page
// that does nothing. The bounds are therefore judged on `work`, the frame's
// cost, which is what "fits in a frame" means: at most 16 ms fits the
// 16.7 ms budget of a 60 Hz display, at most 33 ms costs at most one missed
// vsync; the same bounds on `cpu` are printed too. The deltas are printed
// beside them (with the share of frames shown on time) as the check that
// the cost does turn into a steady picture.
//
// The run: the page loads without a fragment (for window.wasmBindings),
// then navigates to #<fragment>&p=10000 of the scenario below (the page
// reloads the app for a link it did not write itself), which computes the
// first 10,000 steps and opens paused there, so every run measures the
// same stretch of the same run. Then it plays at SPEED_INDEX (default 6,
// 200 ticks/s) for WARMUP_MS and measures for MEASURE_MS, with the diagram
// scrolled into view. 200 ticks/s is a fast speed a person still watches:
// at 60 frames a second, about 3 ticks and 35 steps a frame in this run, so
// every frame has new steps, moving messages, new arrows and a sliding
// diagram window, whose 1,000 elements are all in use; faster speeds only
// add steps (and diagram churn) to each frame. Long tasks
// (PerformanceObserver 'longtask') and long animation frames
// ('long-animation-frame', over 50 ms, with their script and
// style-and-layout time) are counted over the same window.
//
//   node tests/e2e/bench-frames.mjs      (after trunk build --release)
//
// Environment: FAULTLINE_DIST (the built page), FRAMES_SPEED (0-9),
// FRAMES_SECONDS (the measured window), FRAMES_PROFILE=1 (also profile the
// window with the CDP Profiler and print what cost the most time: DOM
// changes per panel and frame, the main thread's time by trace event, the
// functions by self and inclusive time; this slows the page a little) or
// FRAMES_PROFILE=FILE (the same, and save the profile as FILE, a
// .cpuprofile for DevTools).

import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { DIST, launchBrowser, pageMainThread, startServer, watchPage } from './harness.mjs';

const SPEEDS = [2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000];
const SPEED_INDEX = Number(process.env.FRAMES_SPEED ?? 6);
const STEPS_MIN = 10_000;
const STEPS_TIMEOUT_MS = 120_000;
const WARMUP_MS = 1_000;
const MEASURE_MS = Number(process.env.FRAMES_SECONDS ?? 10) * 1000;
const PROFILE = Boolean(process.env.FRAMES_PROFILE);
const PROFILE_FILE = PROFILE && process.env.FRAMES_PROFILE !== '1' ? process.env.FRAMES_PROFILE : null;
const MEDIAN_BOUND_MS = 16;
const P95_BOUND_MS = 33;

// Nine Raft nodes (the spec's default election timeouts and heartbeat),
// six clients with short think times on four keys, a network of 4-10 ticks;
// room for a long run (the workload stops only after 100,000 operations).
const SCENARIO = {
  version: 1,
  name: 'Frame-time benchmark: nine Raft nodes, six clients',
  description: 'Nine nodes run Raft under steady load from six clients, for the frame-time benchmark.',
  seed: 2026,
  protocol: { name: 'raft', nodes: 9 },
  network: { delay_ticks_min: 4, delay_ticks_max: 10, loss_per_mille: 0, duplicate_per_mille: 0, reorder_per_mille: 0 },
  workload: {
    clients: 6,
    think_ticks_min: 2,
    think_ticks_max: 10,
    keys: 4,
    read_per_mille: 400,
    append_per_mille: 300,
    timeout_ticks: 300,
    attempts_max: 10,
    operations_max: 100_000,
  },
  limits: { ticks_max: 1_000_000, steps_max: 2_000_000, in_flight_max: 10_000 },
  actions: [],
};

// Runs in the page before its own scripts.
function recordFrames() {
  const original = window.requestAnimationFrame.bind(window);
  const channel = new MessageChannel();
  const bench = {
    recording: false,
    frames: [], // { t, start, callback, work }
    longTasks: [], // { start, duration }
    longFrames: [], // { start, duration, blocking, renderStart, styleAndLayoutStart, script }
    lastT: null,
  };
  window.__bench = bench;
  const pending = [];
  channel.port1.onmessage = () => {
    const frame = pending.shift();
    if (frame) frame.work = performance.now() - frame.start;
  };
  window.requestAnimationFrame = (callback) =>
    original((t) => {
      const start = performance.now();
      try {
        callback(t);
      } finally {
        if (bench.recording) {
          const frame = { t, start, callback: performance.now() - start, work: null, delta: bench.lastT === null ? null : t - bench.lastT };
          bench.frames.push(frame);
          pending.push(frame);
          channel.port2.postMessage(0);
        }
        bench.lastT = t;
      }
    });
  const observe = (type, handle) => {
    try {
      new PerformanceObserver((list) => {
        if (bench.recording) for (const entry of list.getEntries()) handle(entry);
      }).observe({ type, buffered: false });
    } catch {
      bench[`no_${type}`] = true;
    }
  };
  observe('longtask', (e) => bench.longTasks.push({ start: e.startTime, duration: e.duration }));
  observe('long-animation-frame', (e) =>
    bench.longFrames.push({
      start: e.startTime,
      duration: e.duration,
      blocking: e.blockingDuration,
      renderStart: e.renderStart,
      styleAndLayoutStart: e.styleAndLayoutStart,
      script: e.scripts.reduce((sum, s) => sum + s.duration, 0),
    }),
  );
}

// Profile mode: the DOM changes the page makes while recording, by panel
// (the nearest ancestor with an id).
function countMutations() {
  const counts = {};
  const bench = window.__bench;
  const count = (panel, what, n) => {
    counts[panel] ??= { added: 0, removed: 0, attributes: 0, text: 0 };
    counts[panel][what] += n;
  };
  const panelOf = (node) => {
    for (let n = node; n; n = n.parentNode) if (n.id) return n.id;
    return '(detached)';
  };
  new MutationObserver((records) => {
    if (!bench.recording) return;
    for (const r of records) {
      const panel = panelOf(r.target);
      if (r.type === 'childList') {
        count(panel, 'added', r.addedNodes.length);
        count(panel, 'removed', r.removedNodes.length);
      } else if (r.type === 'attributes') count(panel, 'attributes', 1);
      else count(panel, 'text', 1);
    }
  }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  window.__mutations = counts;
}

function printMutations(counts, frames) {
  console.log('DOM changes per frame, by panel (nodes added, removed, attributes set, texts set):');
  const rows = Object.entries(counts).sort((a, b) => b[1].added + b[1].attributes + b[1].text - (a[1].added + a[1].attributes + a[1].text));
  for (const [panel, c] of rows) {
    const f = (n) => (n / Math.max(1, frames)).toFixed(1).padStart(7);
    console.log(`  ${panel.padEnd(22)}${f(c.added)}${f(c.removed)}${f(c.attributes)}${f(c.text)}`);
  }
}

function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function summary(values) {
  const sorted = values.filter((v) => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return { n: sorted.length, median: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), max: sorted.at(-1), mean };
}

const ms = (v) => (Number.isFinite(v) ? v.toFixed(1) : '-').padStart(6);
const line = (name, s) => `${name.padEnd(10)}${String(s.n).padStart(7)} ${ms(s.median)} ${ms(s.p95)} ${ms(s.max)} ${ms(s.mean)}`;

async function state(page) {
  return page.evaluate(() => window.wasmBindings.playgroundState());
}

async function setSpeed(page, index) {
  await page.locator('#speed').evaluate((slider, value) => {
    slider.value = String(value);
    slider.dispatchEvent(new Event('input', { bubbles: true }));
  }, index);
}

function fail(message) {
  console.error(`frames: FAILED: ${message}`);
  process.exitCode = 1;
}

const server = await startServer(DIST);
const browser = await launchBrowser();
try {
  // The browser's own frame cadence, on an empty page: the deltas below
  // mean something only if this is a display's 60 Hz.
  const blank = await browser.newPage();
  const idleDeltas = await blank.evaluate(
    () =>
      new Promise((done) => {
        const times = [];
        const frame = (t) => {
          times.push(t);
          if (times.length <= 60) requestAnimationFrame(frame);
          else done(times.slice(1).map((t, i) => t - times[i]));
        };
        requestAnimationFrame(frame);
      }),
  );
  await blank.close();
  const idle = summary(idleDeltas);

  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  await context.addInitScript(recordFrames);
  const page = await context.newPage();
  const problems = watchPage(page, new URL(server.url).origin + '/');
  await page.goto(server.url);
  await page.waitForFunction(() => window.wasmBindings?.scenarioFragment, null, { timeout: 20_000 }).catch(() => {
    throw new Error(`the page at ${server.url} (${DIST}) did not load: no window.wasmBindings.scenarioFragment after 20 s`);
  });
  const fragment = await page.evaluate((json) => window.wasmBindings.scenarioFragment(json), JSON.stringify(SCENARIO));
  // The run opens paused at step STEPS_MIN (computed on opening), every
  // time at the same step, so that every run measures the same stretch.
  const seekStarted = Date.now();
  await page.evaluate(([f, p]) => (location.hash = `${f}&p=${p}`), [fragment, STEPS_MIN]);
  try {
    await page.waitForFunction(
      (min) => {
        const s = window.wasmBindings.playgroundState();
        return s?.scenario?.protocol?.nodes === 9 && s.position >= min && s.steps >= min;
      },
      STEPS_MIN,
      { timeout: STEPS_TIMEOUT_MS, polling: 250 },
    );
  } catch {
    const now = await state(page);
    throw new Error(
      `the run did not reach step ${STEPS_MIN} in ${STEPS_TIMEOUT_MS / 1000} s (nodes ${now?.scenario?.protocol?.nodes}, ` +
        `position ${now?.position}, steps ${now?.steps}; notice: ${await page.locator('#notice').textContent()})`,
    );
  }
  const seekSeconds = (Date.now() - seekStarted) / 1000;
  const opened = await state(page);
  if (opened.playing) throw new Error('the run opened at a position should be paused');

  // Then play at the measured speed, with the diagram in view.
  await setSpeed(page, SPEED_INDEX);
  await page.locator('#diagram-box').scrollIntoViewIfNeeded();
  await page.locator('#play').click();
  await page.waitForFunction(() => window.wasmBindings.playgroundState().playing);
  await page.waitForTimeout(WARMUP_MS);
  const before = await state(page);
  let cdp = null;
  if (PROFILE) {
    cdp = await context.newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
    await page.evaluate(countMutations);
  }
  await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
  await page.evaluate(() => (window.__bench.recording = true));
  await page.waitForTimeout(MEASURE_MS);
  await page.evaluate(() => (window.__bench.recording = false));
  const profile = cdp ? (await cdp.send('Profiler.stop')).profile : null;
  const trace = mainThread(JSON.parse((await browser.stopTracing()).toString('utf8')));
  await page.waitForTimeout(100); // the last frame's message
  const bench = await page.evaluate(() => window.__bench);
  const mutations = PROFILE ? await page.evaluate(() => window.__mutations) : null;
  const after = await state(page);
  const elements = await page.locator('.spacetime g.plot > *').count();
  const counts = await page.evaluate(() => ({
    cluster: document.querySelectorAll('#cluster *').length,
    page: document.querySelectorAll('*').length,
  }));
  const note = await page.evaluate(() => document.querySelector('#diagram-box [data-key="note"]')?.textContent ?? '');
  const runState = await page.evaluate(() => document.querySelector('#app').dataset.run);

  const pageProblems = [...problems.pageErrors, ...problems.consoleErrors, ...problems.failedResponses, ...problems.foreignRequests];
  if (pageProblems.length > 0) fail(`the page had errors: ${JSON.stringify(pageProblems)}`);
  if (runState !== 'playing') fail(`the run stopped playing during the measurement (${runState})`);
  if (bench.frames.length < 10) fail(`only ${bench.frames.length} frames were recorded`);

  const frames = bench.frames;
  const delta = summary(frames.map((f) => f.delta));
  const callback = summary(frames.map((f) => f.callback));
  const work = summary(frames.map((f) => f.work));
  const frameTasks = trace.frameTasks;
  const cpu = summary(frameTasks.map((t) => t.tdur / 1000));
  const vsync = 1000 / 60;
  const onTime = frames.filter((f) => f.delta !== null && f.delta < 1.5 * vsync).length;
  const seconds = MEASURE_MS / 1000;
  console.log(
    `frames: 9-node Raft, 6 clients, ${SPEEDS[SPEED_INDEX]} ticks/s, viewport 1440x1000, diagram in view; ` +
      `${frames.length} frames in ${seconds} s (${(frames.length / seconds).toFixed(1)} fps); load average ${loadavg()[0].toFixed(2)}`,
  );
  console.log(
    `run: steps ${before.steps} -> ${after.steps} (opened at step ${STEPS_MIN} in ${seekSeconds.toFixed(1)} s), ` +
      `tick ${Math.floor(before.view_tick)} -> ${Math.floor(after.view_tick)}, history ${after.history_length} operations, ` +
      `${after.in_flight.length} messages in flight; elements: diagram plot ${elements}, cluster ${counts.cluster}, page ${counts.page}`,
  );
  if (note.trim()) console.log(`diagram: ${note.trim()}`);
  console.log(`cadence: an empty page's frames come every ${idle.median.toFixed(1)} ms (min ${idleDeltas.reduce((a, b) => Math.min(a, b)).toFixed(1)}, max ${idle.max.toFixed(1)}): headless Chromium paces frames at ${(1000 / idle.median).toFixed(0)} Hz`);
  console.log(`${'ms'.padEnd(10)}${'frames'.padStart(7)} ${'median'.padStart(6)} ${'p95'.padStart(6)} ${'max'.padStart(6)} ${'mean'.padStart(6)}`);
  console.log(line('delta', delta));
  console.log(line('callback', callback));
  console.log(line('work', work));
  console.log(line('trace', summary(frameTasks.map((t) => t.dur / 1000))) + "  (the trace's frame tasks, wall time: a check on 'work')");
  console.log(line('cpu', cpu) + '  (the same tasks, CPU time of the main thread: what other processes cannot inflate)');
  console.log(`shown on time (delta < 1.5 vsync): ${((100 * onTime) / Math.max(1, delta.n)).toFixed(1)}% of frames`);
  const longTaskTotal = bench.longTasks.reduce((a, t) => a + t.duration, 0);
  const longTaskMax = bench.longTasks.reduce((a, t) => Math.max(a, t.duration), 0);
  console.log(
    bench.no_longtask
      ? 'long tasks: not observable in this browser'
      : `long tasks (> 50 ms): ${bench.longTasks.length}, ${longTaskTotal.toFixed(0)} ms in all, longest ${longTaskMax.toFixed(0)} ms`,
  );
  if (!bench['no_long-animation-frame']) {
    const n = bench.longFrames.length;
    const mean = (f) => bench.longFrames.reduce((a, x) => a + f(x), 0) / Math.max(1, n);
    const styleLayout = mean((x) => x.start + x.duration - x.styleAndLayoutStart);
    console.log(
      `long animation frames (> 50 ms): ${n}` +
        (n > 0 ? `, mean ${mean((x) => x.duration).toFixed(0)} ms: scripts ${mean((x) => x.script).toFixed(0)}, then style, layout and paint ${styleLayout.toFixed(0)}` : ''),
    );
  }
  const meets = (v, bound) => (v <= bound ? 'meets' : 'MISSES');
  console.log(
    `bounds (on work, the frame's main-thread cost): median ${work.median.toFixed(1)} ms ${meets(work.median, MEDIAN_BOUND_MS)} <= ${MEDIAN_BOUND_MS} ms, ` +
      `p95 ${work.p95.toFixed(1)} ms ${meets(work.p95, P95_BOUND_MS)} <= ${P95_BOUND_MS} ms` +
      `; deltas (quantized to ${vsync.toFixed(1)} ms vsyncs): median ${delta.median.toFixed(1)}, p95 ${delta.p95.toFixed(1)}`,
  );
  console.log(
    `bounds on cpu (the same, without other processes' share of the machine): median ${cpu.median.toFixed(1)} ms ${meets(cpu.median, MEDIAN_BOUND_MS)}, ` +
      `p95 ${cpu.p95.toFixed(1)} ms ${meets(cpu.p95, P95_BOUND_MS)}`,
  );
  if (mutations) printMutations(mutations, frames.length);
  if (PROFILE) printTrace(trace);
  if (profile) printProfile(profile);
  if (profile && PROFILE_FILE) {
    writeFileSync(PROFILE_FILE, JSON.stringify(profile));
    console.log(`profile: saved to ${PROFILE_FILE} (open it in DevTools' Performance panel)`);
  }
} catch (error) {
  fail(error.message);
} finally {
  await browser.close();
  await server.close();
}

/**
 * The functions with the most self time in a CDP profile ((program) is the
 * browser's own work outside scripts: style, layout, paint), then the
 * page's functions (WebAssembly and its bindings) by inclusive time.
 */
function printProfile(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const nameOf = (node) => {
    const f = node.callFrame;
    const name = f.functionName || '(anonymous)';
    return f.url ? `${name.replace(/::h[0-9a-f]{16}$/, '')} [${f.url.endsWith('.wasm') ? 'wasm' : 'js'}]` : name;
  };
  const self = new Map();
  const inclusive = new Map();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    total += dt;
    const node = byId.get(profile.samples[i]);
    self.set(nameOf(node), (self.get(nameOf(node)) ?? 0) + dt);
    const seen = new Set();
    for (let id = node.id; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id);
      if (!n.callFrame.url) continue;
      const name = nameOf(n);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + dt);
    }
  }
  const show = (map, count, filter = () => true) => {
    for (const [name, t] of [...map.entries()].filter(([n]) => filter(n)).sort((a, b) => b[1] - a[1]).slice(0, count)) {
      console.log(`  ${t.toFixed(0).padStart(6)} ms ${((100 * t) / total).toFixed(1).padStart(5)}%  ${name}`);
    }
  };
  console.log(`profile: ${total.toFixed(0)} ms sampled; self time by function:`);
  show(self, 20);
  console.log('profile: the page\'s own functions by inclusive time:');
  show(inclusive, 30, (n) => n.endsWith('[wasm]'));
}

/**
 * The page's renderer main thread in a Chromium trace: its complete events
 * in order, and its frame tasks (the tasks that fired animation frames:
 * callbacks, style, layout, paint, commit), each with `dur` (wall time)
 * and `tdur` (the thread's CPU time), in microseconds.
 */
function mainThread(trace) {
  const { events: main } = pageMainThread(trace);
  const events_ = [...main].sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const fired = events_.filter((e) => e.name === 'FireAnimationFrame').map((e) => e.ts);
  const frameTasks = [];
  let next = 0;
  for (const task of events_.filter((e) => e.name === 'RunTask')) {
    while (next < fired.length && fired[next] < task.ts) next++;
    if (next < fired.length && fired[next] < task.ts + task.dur) frameTasks.push(task);
  }
  return { events: events_, frameTasks };
}

/**
 * The main thread's time by event (self time: style and layout inside a
 * script were forced by it, a size read after a change, and are named so).
 */
function printTrace({ events }) {
  if (events.length === 0) {
    console.log('trace: no events from the page\'s main thread');
    return;
  }
  const self = new Map();
  const stack = [];
  for (const e of events) {
    while (stack.length && stack.at(-1).end <= e.ts) stack.pop();
    const top = stack.at(-1);
    const inScript = stack.some((s) => s.name === 'FunctionCall');
    const name = inScript && /^(UpdateLayoutTree|Layout)$/.test(e.name) ? `${e.name} (forced by a script)` : e.name;
    if (top) self.set(top.name, (self.get(top.name) ?? 0) - e.dur);
    self.set(name, (self.get(name) ?? 0) + e.dur);
    stack.push({ name, end: e.ts + e.dur });
  }
  const span = (events.at(-1).ts + events.at(-1).dur - events[0].ts) / 1000;
  console.log(`trace: the page's main thread over ${span.toFixed(0)} ms, self time by event:`);
  for (const [name, us] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 14)) {
    console.log(`  ${(us / 1000).toFixed(0).padStart(6)} ms ${((100 * us) / 1000 / span).toFixed(1).padStart(5)}%  ${name}`);
  }
}
