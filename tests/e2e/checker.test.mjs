// The history check in the page, end to end in headless Chromium: a
// fault-free primary–backup run is linearizable; cutting the primary off
// while clients write produces a stale read, which the page calls "not
// linearizable", highlighting the offending read and explaining it.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoProblems, openPlayground, screenshot, servePlayground, setSpeed } from './harness.mjs';

const VERDICT_TIMEOUT_MS = 60_000;

async function openCalm(browser, url) {
  const { context, page, problems } = await openPlayground(browser, url, { height: 1300 });
  // The primary–backup scenario whose fault-free runs are linearizable.
  await page.locator('#scenario-picker').selectOption('calm');
  await page.locator('#cluster [data-node="2"] .role', { hasText: 'backup' }).waitFor({ state: 'attached' });
  return { context, page, problems };
}


async function waitForVerdict(page, verdict) {
  await page.waitForFunction((v) => document.querySelector('#verdict')?.dataset.verdict === v, verdict, {
    timeout: VERDICT_TIMEOUT_MS,
  });
}


describe('history check', () => {
  const session = servePlayground();

  test('a fault-free run is linearizable, with linearization points on request', async () => {
    const { context, page, problems } = await openCalm(session.browser, session.server.url);
    await setSpeed(page, 8); // 1000 ticks/s: the whole run in a few seconds
    await page.waitForFunction(() => document.querySelector('#app').dataset.run === 'ended', null, { timeout: 60_000 });
    await waitForVerdict(page, 'linearizable');
    const operations = await page.locator('#lanes .op').count();
    assert.ok(operations >= 150, `only ${operations} operations in the lanes`);
    assert.equal(await page.locator('#lanes .op.violation').count(), 0);
    await page.locator('#show-points').check();
    await page.waitForFunction(() => document.querySelectorAll('#lanes .point').length > 100);
    await screenshot(page, 'checker-1-fault-free-linearizable');
    assertNoProblems(problems);
    await context.close();
  });

  test('isolating the primary during writes gives a stale read, highlighted and explained', async () => {
    const { context, page, problems } = await openCalm(session.browser, session.server.url);
    await page.waitForFunction(() => document.querySelectorAll('#lanes .op.done').length >= 6, null, { timeout: 30_000 });
    await waitForVerdict(page, 'linearizable');

    // Drag the primary n0 away from the backups.
    const center = await page.evaluate(() => {
      const box = document.querySelector('#cluster [data-node="0"] circle').getBoundingClientRect();
      return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    });
    await page.mouse.move(center.x, center.y);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(center.x + 6 * i, center.y - 12 * i);
    await page.mouse.up();
    await page.locator('#cluster [data-node="0"].isolated').waitFor({ state: 'attached', timeout: 5_000 });
    await setSpeed(page, 6); // 200 ticks/s

    await waitForVerdict(page, 'not-linearizable');
    await page.getByRole('button', { name: 'Pause' }).click();
    // The operation that cannot be placed is a read, drawn as such, and
    // the explanation says what it should have returned.
    const blocked = page.locator('#lanes .op.blocked');
    assert.equal(await blocked.count(), 1);
    assert.match(await blocked.getAttribute('class'), /\bread\b/);
    assert.ok((await page.locator('#lanes .op.violation').count()) >= 2, 'the failing sub-history is highlighted');
    const explanation = await page.locator('#verdict-explanation').innerText();
    assert.match(explanation, /would have returned \d+/);
    assert.match(explanation, /smallest failing part of the history/);
    // The page also places the history among weaker models.
    await page.locator('#verdict-explanation [data-strongest]').waitFor({ timeout: 20_000 });
    assert.match(await page.locator('#verdict-explanation .weaker').innerText(), /Sequentially consistent: (yes|no)/);
    await screenshot(page, 'checker-2-stale-read-not-linearizable');
    assertNoProblems(problems);
    await context.close();
  });
});
