// Two-phase commit in the page, end to end in headless Chromium: the
// book's coordinator crash opens from the built-in list; the RMs, which
// voted to commit, are shown blocked (with what they wait for and since
// when); clicking the crashed coordinator restarts it, and the RMs decide.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoProblems, openPlayground, screenshot, servePlayground, setSpeed } from './harness.mjs';

/** The role each node shows, by node number. */
async function roles(page) {
  return page.evaluate(() =>
    Object.fromEntries([...document.querySelectorAll('#cluster .node')].map((n) => [n.dataset.node, n.dataset.role])),
  );
}

async function waitForRoles(page, wanted, timeout = 30_000) {
  await page.waitForFunction(
    (wanted) => Object.entries(wanted).every(([n, role]) => document.querySelector(`#cluster [data-node="${n}"]`)?.dataset.role === role),
    wanted,
    { timeout },
  );
}

describe('two-phase commit', () => {
  const session = servePlayground();

  test('the RMs block while the coordinator is down, and decide once it is restarted', async () => {
    const { context, page, problems } = await openPlayground(session.browser, session.server.url, { width: 1440, height: 1200 });
    await page.locator('#scenario-picker').selectOption('2pc-coordinator-crash');
    // Fetched when picked: its description shows once it is here.
    await page.waitForFunction(
      () => /coordinator crashes after the votes|blocked/i.test(document.querySelector('#scenario-description').textContent),
      null,
      { timeout: 20_000 },
    );
    await page.locator('#cluster [data-node="2"]').waitFor({ state: 'attached', timeout: 20_000 });
    await setSpeed(page, 5); // 100 ticks/s
    await waitForRoles(page, { 1: 'blocked', 2: 'blocked' });
    assert.ok((await page.locator('#cluster [data-node="0"].crashed').count()) === 1, 'the coordinator is down');
    // Each blocked RM says what it waits for, and since when.
    const waiting = await page.locator('#cluster [data-node="1"] .waiting title').textContent();
    assert.match(waiting, /blocked since tick \d+: voted to commit T1 and waits for its decision from the coordinator n0/);
    // Its durable log shows the vote, and no decision.
    const entries = await page.locator('#cluster [data-node="1"] .entry title').allTextContents();
    assert.deepEqual(entries.map((t) => t.replace(/^index \d+: /, '')), ['vote commit T1']);
    // The inspector (select n1 with its number key) spells it out.
    await page.locator('#cluster').focus();
    await page.keyboard.press('1');
    await page.locator('#inspector .waiting').waitFor();
    assert.match(await page.locator('#inspector').innerText(), /blocked since tick \d+/);
    await screenshot(page, '2pc-1-rms-blocked');

    // Restart the coordinator from its menu.
    // (Where it is, read in one call: the drawing is redrawn every frame.)
    const at = await page.evaluate(() => {
      const box = document.querySelector('#cluster [data-node="0"] circle').getBoundingClientRect();
      return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    });
    await page.mouse.click(at.x, at.y);
    await page.locator('#stage-menu button[data-act="restart"]').click();
    await page.locator('#cluster [data-node="0"]:not(.crashed)').waitFor({ state: 'attached', timeout: 5_000 });
    assert.match(await page.locator('#notice').textContent(), /restart n0 at tick \d+/);
    await waitForRoles(page, { 0: 'TC', 1: 'aborted', 2: 'aborted' });
    const decided = await page.locator('#cluster [data-node="2"] .entry title').allTextContents();
    assert.deepEqual(decided.map((t) => t.replace(/^index \d+: /, '')), ['vote commit T1', 'abort T1']);
    assert.equal(await page.locator('#cluster .waiting').count(), 0, 'nobody waits any more');
    await screenshot(page, '2pc-2-rms-decided');
    assert.deepEqual(await roles(page), { 0: 'TC', 1: 'aborted', 2: 'aborted' });
    assertNoProblems(problems);
    await context.close();
  });

  test('the busy bank draws its messages by kind and keeps its total in every read', async () => {
    const { context, page, problems } = await openPlayground(session.browser, session.server.url, { width: 1440, height: 1200 });
    await page.locator('#scenario-picker').selectOption('2pc');
    await page.locator('#cluster [data-node="3"]').waitFor({ state: 'attached', timeout: 20_000 });
    await setSpeed(page, 6); // 200 ticks/s
    // Every kind of 2PC message shows with its glyph at some point.
    const glyphs = new Set();
    await page.waitForFunction(() => document.querySelectorAll('#lanes .op.done').length >= 12, null, { timeout: 60_000 });
    for (let i = 0; i < 40 && glyphs.size < 4; i++) {
      for (const g of await page.locator('#cluster .msg-glyph').allTextContents()) glyphs.add(g);
      await page.waitForTimeout(100);
    }
    assert.ok(['P', 'V', 'C', 'A', 'v', 'k'].filter((g) => glyphs.has(g)).length >= 3, `glyphs seen: ${[...glyphs]}`);
    // Reads are in the lanes, and the history is linearizable.
    await page.waitForFunction(() => document.querySelector('#lanes .op.read-balances.done'), null, { timeout: 60_000 });
    await page.waitForFunction(() => document.querySelector('#verdict')?.dataset.verdict === 'linearizable', null, { timeout: 60_000 });
    for (const title of await page.locator('#lanes .op.read-balances.done title').allTextContents()) {
      const balances = title.match(/→ ([\d ]+),/)[1].trim().split(' ').map(Number);
      assert.equal(balances.reduce((a, b) => a + b, 0), 600, title);
    }
    // The observer's view of the whole bank: the money is all there.
    assert.match(await page.locator('#stats').textContent(), /money in the committed state: 600 of 600/);
    await screenshot(page, '2pc-3-busy-bank');
    assertNoProblems(problems);
    await context.close();
  });
});
