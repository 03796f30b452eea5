// The controls, in headless Chromium: the run's settings (node count, a
// new seed) start the run again and show in the page's state; Drop and
// Duplicate in the In flight list hit exactly the message of their row
// while the run plays; `?` lists the keyboard shortcuts.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoProblems, openPlayground, screenshot, servePlayground, setSpeed, watchPage } from './harness.mjs';

async function state(page) {
  return page.evaluate(() => window.wasmBindings.playgroundState());
}

describe('controls', () => {
  const session = servePlayground();

  test('the settings change the node count and draw a new seed', async () => {
    const { context, page, problems } = await openPlayground(session.browser, session.server.url, {
      width: 1440,
      height: 1100,
    });
    await page.locator('#settings summary').click();
    await page.locator('#set-nodes').fill('7');
    await page.locator('#set-nodes').press('Tab');
    await page.waitForFunction(() => window.wasmBindings.playgroundState().nodes.length === 7);
    assert.equal(await page.locator('#cluster .node').count(), 7);
    assert.match(await page.locator('#notice').textContent(), /Started again with the new settings/);
    const seed = (await state(page)).scenario.seed;
    await page.getByRole('button', { name: 'New seed' }).click();
    await page.waitForFunction((old) => window.wasmBindings.playgroundState().scenario.seed !== old, seed);
    const drawn = (await state(page)).scenario.seed;
    assert.ok(drawn < 1e9, `a readable seed: ${drawn}`);
    assert.equal(await page.locator('#set-seed').inputValue(), String(drawn), 'the field shows the seed the run uses');
    await screenshot(page, 'controls-1-seven-nodes');
    // Undo goes back to five nodes.
    await page.keyboard.press('Control+z');
    await page.keyboard.press('Control+z');
    await page.waitForFunction(() => window.wasmBindings.playgroundState().nodes.length === 5);
    assertNoProblems(problems);
    await context.close();
  });

  test('Drop and Duplicate hit exactly the message of their row while the run plays', async () => {
    const { context, page, problems } = await openPlayground(session.browser, session.server.url, {
      width: 1440,
      height: 1100,
    });
    await page.waitForFunction(() => document.querySelectorAll('#events li[data-msg-row]').length >= 4, null, {
      timeout: 20_000,
    });
    assert.equal(await page.evaluate(() => document.querySelector('#app').dataset.run), 'playing');
    // Slow enough for a hand: a message lives a second or two at 5 ticks/s
    // (at the default 50 ticks/s, a tenth or two).
    await setSpeed(page, 1);
    for (const [act, label] of [['drop-message', 'Drop'], ['duplicate-message', 'Duplicate']]) {
      // The pointer comes onto the list (which then holds still), goes to
      // the third row still in flight, waits a little while the run plays
      // on under it, and clicks.
      await page.locator('#events').hover({ position: { x: 10, y: 10 } });
      // The message in flight that is due last: time to reach it.
      const id = await page.evaluate(() => {
        const rows = [...document.querySelectorAll('#events li[data-msg-row]:not(.gone)')];
        const due = (row) => Number(/due (\d+)/.exec(row.textContent)[1]);
        return Number(rows.reduce((a, b) => (due(b) > due(a) ? b : a)).dataset.msgRow);
      });
      const button = page.locator(`#events li[data-key="m${id}"] button`, { hasText: label });
      await button.hover();
      await page.waitForTimeout(300);
      await button.click();
      await page.waitForFunction((act) => window.wasmBindings.playgroundState().scenario.actions.at(-1)?.action === act, act);
      const last = (await state(page)).scenario.actions.at(-1);
      assert.equal(last.message, id, `${label} hit m${id}, the message of its row`);
      assert.equal(await page.evaluate(() => document.querySelector('#app').dataset.run), 'playing', 'still playing');
      // The pointer leaves (the clicked button keeps focus): the list
      // closes up, its greyed rows gone.
      await page.mouse.move(5, 5);
      await page.waitForFunction(() => !document.querySelector('#events li.gone'), null, { timeout: 5_000 });
    }
    await screenshot(page, 'controls-2-dropped-and-duplicated');
    assertNoProblems(problems);
    await context.close();
  });

  test('a node is reached with Tab, its menu opened with Enter and walked with the keys', async () => {
    const { context, page, problems } = await openPlayground(session.browser, session.server.url);
    await page.keyboard.press('Space'); // pause
    await page.locator('#cluster [data-node="2"]').focus();
    await page.keyboard.press('Enter');
    await page.locator('#stage-menu .menu').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.dataset.act), 'crash', 'focus is on the first action');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => window.wasmBindings.playgroundState().nodes[2].status === 'crashed');
    await page.keyboard.press('Escape');
    await page.locator('#stage-menu .menu').waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement.dataset.node), '2', 'focus is back on the node');
    assertNoProblems(problems);
    await context.close();
  });

  test('a long press on a node opens its menu, and the release leaves it open', async () => {
    const { context, page, problems } = await openPlayground(session.browser, session.server.url);
    const at = await page.evaluate(() => {
      const box = document.querySelector('#cluster [data-node="1"] circle').getBoundingClientRect();
      return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    });
    await page.mouse.move(at.x, at.y);
    await page.mouse.down();
    await page.locator('#stage-menu .menu').waitFor({ timeout: 2_000 });
    await page.mouse.up();
    await page.waitForTimeout(200);
    assert.equal(await page.locator('#stage-menu .menu').count(), 1, 'still open after the release');
    assertNoProblems(problems);
    await context.close();
  });

  test('touch: a tap opens a node menu, a finger drag isolates a node', async () => {
    const context = await session.browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    const page = await context.newPage();
    const problems = watchPage(page, new URL(session.server.url).origin + '/');
    await page.goto(session.server.url);
    await page.locator('#cluster [data-node="0"]').waitFor({ state: 'attached' });
    const center = (n) =>
      page.evaluate((n) => {
        const box = document.querySelector(`#cluster [data-node="${n}"] circle`).getBoundingClientRect();
        return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
      }, n);
    const n1 = await center(1);
    await page.touchscreen.tap(n1.x, n1.y);
    await page.locator('#stage-menu .menu').waitFor();
    await screenshot(page, 'controls-4-touch-menu');
    await page.locator('#stage-menu button[data-act="close"]').tap();
    // A finger drags n3 out of the ring (touch events through the DevTools protocol).
    const cdp = await context.newCDPSession(page);
    const from = await center(3);
    const touch = (type, x, y) =>
      cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x, y }] });
    await touch('touchStart', from.x, from.y);
    for (let i = 1; i <= 8; i++) await touch('touchMove', from.x - 12 * i, from.y + 8 * i);
    await touch('touchEnd');
    await page.waitForFunction(() => window.wasmBindings.playgroundState().islands.length === 2);
    const s = await page.evaluate(() => window.wasmBindings.playgroundState());
    assert.deepEqual(s.scenario.actions.at(-1), { at_tick: s.scenario.actions.at(-1).at_tick, action: 'isolate', node: 3 });
    await screenshot(page, 'controls-5-touch-drag');
    assertNoProblems(problems);
    await context.close();
  });

  test('? lists the keyboard shortcuts, and Escape closes the list', async () => {
    const { context, page, problems } = await openPlayground(session.browser, session.server.url);
    await page.keyboard.press('?');
    const dialog = page.locator('#shortcuts');
    await dialog.waitFor({ state: 'visible' });
    assert.match(await dialog.innerText(), /undo, redo/);
    await screenshot(page, 'controls-3-shortcuts');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assertNoProblems(problems);
    await context.close();
  });
});
