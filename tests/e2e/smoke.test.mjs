// Smoke test: the built app (dist/) loads in Chromium, shows its heading
// and the cluster, and the Step button steps.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** The page's WebAssembly stays small enough to load quickly. */
const WASM_GZIPPED_MAX_BYTES = 400 * 1024;
import { DIST, launchBrowser, screenshot, startServer, watchPage } from './harness.mjs';

describe('smoke', () => {
  let server;
  let browser;

  before(async () => {
    assert.ok(
      existsSync(join(DIST, 'index.html')),
      `${DIST}/index.html is missing: run \`trunk build --release\` first (scripts/test does)`,
    );
    server = await startServer(DIST);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the release wasm is at most 400 KiB gzipped', () => {
    const wasm = readdirSync(DIST).filter((name) => name.endsWith('.wasm'));
    assert.equal(wasm.length, 1, `one wasm in dist/: ${wasm}`);
    const gzipped = gzipSync(readFileSync(join(DIST, wasm[0])), { level: 9 }).length;
    console.log(`release wasm: ${(gzipped / 1024).toFixed(1)} KiB gzipped`);
    assert.ok(gzipped <= WASM_GZIPPED_MAX_BYTES, `${(gzipped / 1024).toFixed(1)} KiB gzipped`);
  });

  test('serves the page and the static files', async () => {
    const page = await fetch(server.url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<main id="app">/);
    const css = await fetch(new URL('static/style.css', server.url));
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type'), /^text\/css/);
    const missing = await fetch(new URL('no-such-file', server.url));
    assert.equal(missing.status, 404);
  });

  test('shows the heading and the cluster, and Step steps', async () => {
    const page = await browser.newPage({ viewport: { width: 1024, height: 640 } });
    const problems = watchPage(page, server.url);
    try {
      await page.goto(server.url);

      const heading = page.getByRole('heading', { name: 'Faultline', level: 1 });
      await heading.waitFor({ state: 'visible', timeout: 20_000 });

      // The default scenario's nodes are on the ring, and Step takes
      // one step (Step also pauses, so the count is exact).
      await page.locator('#cluster [data-node="2"]').waitFor({ state: 'attached', timeout: 20_000 });
      await page.getByRole('button', { name: 'Step' }).click();
      const clock = await page.locator('#clock').textContent();
      const position = Number(/step (\d+) of/.exec(clock)[1]);
      await page.getByRole('button', { name: 'Step' }).click();
      await page.waitForFunction(
        (expected) => document.querySelector('#clock')?.textContent.includes(`step ${expected} of`),
        position + 1,
        { timeout: 5_000 },
      );

      await screenshot(page, 'smoke');

      assert.deepEqual(problems.pageErrors, [], 'uncaught errors in the page');
      assert.deepEqual(problems.consoleErrors, [], 'console errors in the page');
      assert.deepEqual(problems.failedResponses, [], 'failed requests');
      assert.deepEqual(problems.foreignRequests, [], 'requests beyond the page\'s own files');
    } finally {
      await page.close();
    }
  });
});
