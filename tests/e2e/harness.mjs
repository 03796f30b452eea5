// Helpers for the end-to-end tests (node:test + playwright-core).
//
//   const server = await startServer(distDir); // { url, close }
//   const browser = await launchBrowser();      // headless system Chromium
//   await screenshot(page, 'name');             // tests/e2e/screenshots/name.png
//   const shared = servePlayground();           // inside describe(): both, for every test
//
// Nothing here downloads anything: the browser is the system's Chromium
// (CHROMIUM, default /usr/bin/chromium); never run `playwright install`.

import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));

/** The repository's root directory. */
export const ROOT = resolve(HERE, '..', '..');

/** The built app: $FAULTLINE_DIST, else <repo>/dist (trunk build --release). */
export const DIST = resolve(process.env.FAULTLINE_DIST ?? join(ROOT, 'dist'));

/** Where screenshot() saves PNGs. */
export const SCREENSHOTS = join(HERE, 'screenshots');

/** Chromium's flags: headless, as root, on a machine without network. */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves the files under `distDir` on 127.0.0.1 at a free port.
 * `/` and directories serve their index.html. Resolves to { url, close },
 * where url ends with '/' and close() resolves once the server has stopped.
 */
export async function startServer(distDir = DIST) {
  const root = resolve(distDir);
  const server = createServer(async (req, res) => {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      const pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      let file = resolve(root, '.' + pathname);
      if (file !== root && !file.startsWith(root + sep)) {
        res.writeHead(403).end('forbidden');
        return;
      }
      let info = await stat(file).catch(() => null);
      if (info?.isDirectory()) {
        file = join(file, 'index.html');
        info = await stat(file).catch(() => null);
      }
      if (!info?.isFile()) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${pathname}`);
        return;
      }
      res.writeHead(200, {
        'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'content-length': info.size,
        'cache-control': 'no-store',
      });
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      createReadStream(file).pipe(res);
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', ok);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections?.();
        server.close(() => ok());
      }),
  };
}

/** Launches the system's headless Chromium with CHROMIUM_ARGS. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
  });
}

/** Saves a full-page PNG of `page` as tests/e2e/screenshots/<name>.png; returns its path. */
export async function screenshot(page, name) {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Records what would make a page test fail silently: uncaught errors,
 * console errors, failed responses (status >= 400, with their URL) and
 * requests that leave the page's own origin. Returns the arrays, which fill
 * as the page runs.
 */
export function watchPage(page, origin) {
  const problems = { pageErrors: [], consoleErrors: [], failedResponses: [], foreignRequests: [] };
  page.on('pageerror', (err) => problems.pageErrors.push(String(err)));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (msg.text().startsWith('Failed to load resource')) {
      // Also covers requests the page's own listeners never see (favicon.ico).
      problems.failedResponses.push(`${msg.location().url}: ${msg.text()}`);
    } else {
      problems.consoleErrors.push(msg.text());
    }
  });
  page.on('request', (req) => {
    const url = req.url();
    if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:')) {
      problems.foreignRequests.push(url);
    }
  });
  return problems;
}

/** Fails the test if the page had errors, failed loads or foreign requests (see watchPage). */
export function assertNoProblems(problems) {
  const assertEmpty = (list, what) => {
    if (list.length > 0) throw new Error(`${what}: ${JSON.stringify(list)}`);
  };
  assertEmpty(problems.pageErrors, 'uncaught errors in the page');
  assertEmpty(problems.consoleErrors, 'console errors in the page');
  assertEmpty(problems.failedResponses, 'failed requests');
  assertEmpty(problems.foreignRequests, "requests beyond the page's own files");
}

/** Sets the speed slider (0–9) as a person dragging it would. */
export async function setSpeed(page, index) {
  await page.locator('#speed').evaluate((slider, value) => {
    slider.value = String(value);
    slider.dispatchEvent(new Event('input', { bubbles: true }));
  }, index);
}

/**
 * Opens `url` in a fresh browser context (nothing shared with other pages)
 * and waits for the playground to draw its first node. Resolves to
 * { context, page, problems } (problems: see watchPage).
 */
export async function openPlayground(browser, url, { width = 1280, height = 1000 } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const problems = watchPage(page, new URL(url).origin + '/');
  await page.goto(url);
  await page.locator('#cluster [data-node="0"]').waitFor({ state: 'attached', timeout: 20_000 });
  return { context, page, problems };
}

/**
 * For a describe() block: serves dist/ and launches Chromium before its
 * tests, closes both after them. Returns an object whose `server` and
 * `browser` are set once the tests run.
 */
export function servePlayground(distDir = DIST) {
  const shared = { server: null, browser: null };
  before(async () => {
    shared.server = await startServer(distDir);
    shared.browser = await launchBrowser();
  });
  after(async () => {
    await shared.browser?.close();
    await shared.server?.close();
  });
  return shared;
}

/**
 * The complete events of the page's renderer main thread in a Chromium
 * trace (the renderer that fired the most animation frames), with its
 * count of animation frames.
 */
export function pageMainThread(trace) {
  const events = trace.traceEvents ?? trace;
  const names = new Map();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args.name);
  const main = events.filter((e) => e.ph === 'X' && e.dur !== undefined && names.get(`${e.pid}:${e.tid}`) === 'CrRendererMain');
  const fires = new Map();
  for (const e of main) if (e.name === 'FireAnimationFrame') fires.set(e.pid, (fires.get(e.pid) ?? 0) + 1);
  const [pid, frames] = [...fires.entries()].sort((a, b) => b[1] - a[1])[0] ?? [null, 0];
  return { events: main.filter((e) => e.pid === pid), frames };
}
