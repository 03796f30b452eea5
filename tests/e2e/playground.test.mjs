// The playground end to end, in headless Chromium: crash a node from its
// menu, isolate another by dragging it away, share the run, open the link in a
// fresh page, and see the same run. Screenshots go to tests/e2e/screenshots/.
//
// The test drives the mouse by coordinates, as a person would.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoProblems, openPlayground, screenshot, servePlayground } from './harness.mjs';

const LOAD_TIMEOUT_MS = 20_000;

/** The centre of node `n` on screen. */
async function nodeCenter(page, n) {
  // Measured in one call inside the page: the element is replaced every
  // frame, so a handle taken in one call may be gone by the next.
  const center = await page.evaluate((n) => {
    const circle = document.querySelector(`#cluster [data-node="${n}"] circle`);
    if (!circle) return null;
    const box = circle.getBoundingClientRect();
    return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  }, n);
  assert.ok(center, `node n${n} is not drawn`);
  return center;
}

async function historyRows(page) {
  return page.evaluate(() => window.wasmBindings.playgroundState().history_length);
}

async function waitForHistoryRows(page, count) {
  await page.waitForFunction((n) => window.wasmBindings && window.wasmBindings.playgroundState().history_length >= n, count, {
    timeout: LOAD_TIMEOUT_MS,
  });
}



describe('playground', () => {
  const session = servePlayground();

  test('crash by click, isolate by drag, share, and the link replays the same run', async () => {
    const { context, page, problems } = await openPlayground(session.browser, session.server.url);
    await waitForHistoryRows(page, 5);
    await screenshot(page, 'playground-1-running');

    // Click n1: it crashes.
    const n1 = await nodeCenter(page, 1);
    await page.mouse.click(n1.x, n1.y);
    await page.locator('#stage-menu button[data-act="crash"]').click();
    await page.locator('#cluster [data-node="1"].crashed').waitFor({ state: 'attached', timeout: 5_000 });
    assert.match(await page.locator('#notice').textContent(), /crash n1 at tick \d+/);

    // Drag n2 far away from the ring: it is isolated.
    const n2 = await nodeCenter(page, 2);
    await page.mouse.move(n2.x, n2.y);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) {
      await page.mouse.move(n2.x + 18 * i, n2.y + 12 * i);
    }
    await page.mouse.up();
    await page.locator('#cluster [data-node="2"].isolated').waitFor({ state: 'attached', timeout: 5_000 });
    assert.match(await page.locator('#notice').textContent(), /isolate n2 at tick \d+/);
    assert.ok((await page.locator('#cluster .link.cut').count()) >= 2, 'the cut links are drawn');

    // Let the run go on under the faults, then pause and share.
    const rowsBefore = await historyRows(page);
    await waitForHistoryRows(page, rowsBefore + 5);
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.waitForFunction(() => document.querySelector('#app').dataset.run !== 'playing');
    await screenshot(page, 'playground-2-crashed-and-isolated');
    await page.getByRole('button', { name: 'Share' }).click();
    const shared = await page.locator('#share-url').inputValue();
    assert.match(shared, /#s=1\.[A-Za-z0-9_-]+&p=\d+&t=\d+&v=\d$/);
    // The table of every operation is drawn while it is open.
    await page.locator('#operations summary').click();
    await page.locator('#history tbody tr').first().waitFor();
    const history = await page.locator('#history').innerText();
    const clock = await page.locator('#clock').textContent();
    assertNoProblems(problems);
    await context.close();

    // A fresh page (a new browser context: nothing shared) opens the link.
    const fresh = await openPlayground(session.browser, shared);
    await fresh.page.waitForFunction(() => /Opened a shared run/.test(document.querySelector('#notice').textContent));
    await fresh.page.locator('#operations summary').click();
    await fresh.page.locator('#history tbody tr').first().waitFor();
    assert.equal(await fresh.page.locator('#history').innerText(), history, 'the shared run has a different history');
    assert.equal(await fresh.page.locator('#clock').textContent(), clock);
    await fresh.page.locator('#cluster [data-node="1"].crashed').waitFor({ state: 'attached' });
    await fresh.page.locator('#cluster [data-node="2"].isolated').waitFor({ state: 'attached' });
    await screenshot(fresh.page, 'playground-3-shared-link-opened');
    assertNoProblems(fresh.problems);
    await fresh.context.close();
  });

  test('sharing while playing keeps playing', async () => {
    const { context, page, problems } = await openPlayground(session.browser, session.server.url);
    await waitForHistoryRows(page, 2);
    await page.getByRole('button', { name: 'Share' }).click();
    assert.match(await page.locator('#share-url').inputValue(), /#s=1\./);
    const clock = await page.locator('#clock').textContent();
    // The page did not reload itself from its own link: it is still playing.
    await page.waitForFunction((old) => document.querySelector('#clock').textContent !== old, clock);
    assert.equal(await page.evaluate(() => document.querySelector('#app').dataset.run), 'playing');
    assert.doesNotMatch(await page.locator('#notice').textContent(), /Opened a shared run/);
    assertNoProblems(problems);
    await context.close();
  });

  test('a corrupt link explains itself and falls back to the default scenario', async () => {
    const { context, page, problems } = await openPlayground(session.browser, `${session.server.url}#s=1.not*valid`);
    const notice = await page.locator('#notice').textContent();
    assert.match(notice, /^This link could not be opened: .+ Showing the default scenario instead\.$/);
    await screenshot(page, 'playground-4-corrupt-link');
    assertNoProblems(problems);
    await context.close();
  });

  test('the keyboard selects, isolates and crashes nodes, and steps', async () => {
    const { context, page, problems } = await openPlayground(session.browser, session.server.url);
    await page.keyboard.press('Space'); // pause
    await page.waitForFunction(() => document.querySelector('#app').dataset.run === 'paused');
    await page.keyboard.press('0');
    await page.locator('#inspector h3').filter({ hasText: 'n0' }).waitFor();
    await page.keyboard.press('i');
    await page.locator('#cluster [data-node="0"].isolated').waitFor({ state: 'attached' });
    await page.keyboard.press('c');
    await page.locator('#cluster [data-node="0"].crashed').waitFor({ state: 'attached' });
    const before = await page.locator('#clock').textContent();
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((old) => document.querySelector('#clock').textContent !== old, before);
    await screenshot(page, 'playground-5-keyboard');
    assertNoProblems(problems);
    await context.close();
  });
});
