// Faults by hand on the stage, in headless Chromium, each checked against
// the simulator state the page exposes (wasmBindings.playgroundState()):
// a two-group partition by dragging, a cut by drawing a line, a single link
// cut one way and restored from its menu, and a crash and restart from a
// node's menu. Screenshots go to tests/e2e/screenshots/stage-*.png.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoProblems, openPlayground, screenshot, servePlayground } from './harness.mjs';

async function state(page) {
  return page.evaluate(() => window.wasmBindings.playgroundState());
}

function lastAction(s) {
  return s.scenario.actions.at(-1);
}

/** Screen position of a point of the drawing (its SVG user units). */
async function screenPoint(page, [x, y]) {
  return page.evaluate(([x, y]) => {
    const svg = document.querySelector('#cluster');
    const box = svg.getBoundingClientRect();
    const view = svg.viewBox.baseVal;
    return { x: box.x + (x / view.width) * box.width, y: box.y + (y / view.height) * box.height };
  }, [x, y]);
}

async function nodeCenter(page, n) {
  const center = await page.evaluate((n) => {
    const box = document.querySelector(`#cluster [data-node="${n}"] circle`).getBoundingClientRect();
    return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  }, n);
  return center;
}

/** Drags with the mouse from `from` to `to` in a few moves, as a hand does. */
async function drag(page, from, to) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  for (let i = 1; i <= 8; i++) {
    await page.mouse.move(from.x + ((to.x - from.x) * i) / 8, from.y + ((to.y - from.y) * i) / 8);
  }
  await page.mouse.up();
}

/** A point on the link a–b that the link itself takes (no message or node over it). */
async function linkPoint(page, a, b) {
  const point = await page.evaluate(([a, b]) => {
    const line = document.querySelector(`#cluster .link-hit[data-link="${a}-${b}"]`);
    const [x1, y1, x2, y2] = ['x1', 'y1', 'x2', 'y2'].map((name) => line[name].baseVal.value);
    const svg = document.querySelector('#cluster');
    const box = svg.getBoundingClientRect();
    const scale = box.width / svg.viewBox.baseVal.width;
    for (const t of [0.5, 0.4, 0.6, 0.3, 0.7]) {
      const x = box.x + (x1 + (x2 - x1) * t) * scale;
      const y = box.y + (y1 + (y2 - y1) * t) * scale;
      if (document.elementFromPoint(x, y) === line) return { x, y };
    }
    return null;
  }, [a, b]);
  assert.ok(point, `no free point on the link n${a}–n${b}`);
  return point;
}

async function openPaused(browser, url) {
  const opened = await openPlayground(browser, url, { width: 1440, height: 1100 });
  await opened.page.waitForFunction(() => window.wasmBindings.playgroundState().history_length >= 3, null, {
    timeout: 20_000,
  });
  await opened.page.keyboard.press('Space');
  await opened.page.waitForFunction(() => document.querySelector('#app').dataset.run === 'paused');
  return opened;
}

describe('stage', () => {
  const session = servePlayground();

  test('two drags make a partition of two groups, drawn as two islands', async () => {
    const { context, page, problems } = await openPaused(session.browser, session.server.url);
    // n0 to the top-left corner: it is isolated.
    await drag(page, await nodeCenter(page, 0), await screenPoint(page, [40, 40]));
    await page.waitForFunction(() => window.wasmBindings.playgroundState().islands.length === 2);
    assert.deepEqual(lastAction(await state(page)), { at_tick: lastAction(await state(page)).at_tick, action: 'isolate', node: 0 });
    // n1 next to n0: the two of them against the other three.
    const n0 = await nodeCenter(page, 0);
    await drag(page, await nodeCenter(page, 1), { x: n0.x + 25, y: n0.y + 25 });
    await page.waitForFunction(() => window.wasmBindings.playgroundState().islands[0].length === 2);
    const s = await state(page);
    assert.deepEqual(s.islands, [[0, 1], [2, 3, 4]]);
    assert.equal(lastAction(s).action, 'partition');
    assert.deepEqual(lastAction(s).islands, [[0, 1], [2, 3, 4]]);
    assert.equal(await page.locator('#cluster .island').count(), 2, 'each group is drawn as an island');
    assert.match(await page.locator('#notice').textContent(), /partition the network at tick \d+/);
    await screenshot(page, 'stage-1-two-groups');
    // Heal all puts everyone back on one ring.
    await page.getByRole('button', { name: 'Heal all' }).click();
    await page.waitForFunction(() => window.wasmBindings.playgroundState().cut_links.length === 0);
    assert.equal(await page.locator('#cluster .island').count(), 0);
    assertNoProblems(problems);
    await context.close();
  });

  test('a line drawn across links cuts exactly those links', async () => {
    const { context, page, problems } = await openPaused(session.browser, session.server.url);
    // Across the stage below the ring's middle: between the top three
    // nodes (n0, n1, n4) and the bottom two (n2, n3).
    const y = 270;
    const from = await screenPoint(page, [4, y]);
    const to = await screenPoint(page, [636, y]);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(from.x + ((to.x - from.x) * i) / 10, from.y);
    await screenshot(page, 'stage-2-drawing-a-cut');
    await page.mouse.up();
    await page.waitForFunction(() => window.wasmBindings.playgroundState().cut_links.length > 0);
    const s = await state(page);
    assert.equal(lastAction(s).action, 'cut-links');
    const top = [0, 1, 4];
    const bottom = [2, 3];
    const expected = top.flatMap((a) => bottom.map((b) => [Math.min(a, b), Math.max(a, b)])).sort();
    assert.deepEqual(lastAction(s).links.map(([a, b]) => [Math.min(a, b), Math.max(a, b)]).sort(), expected);
    assert.equal(s.cut_links.length, 2 * expected.length, 'each crossed link is cut both ways');
    assert.deepEqual(s.islands, [[0, 1, 4], [2, 3]], 'the cut split the cluster in two');
    await screenshot(page, 'stage-3-cut-by-a-line');
    assertNoProblems(problems);
    await context.close();
  });

  test('a link is cut one way from its menu, and restored', async () => {
    const { context, page, problems } = await openPaused(session.browser, session.server.url);
    await page.mouse.click(...Object.values(await linkPoint(page, 0, 2)));
    await page.locator('#stage-menu .menu').waitFor();
    await screenshot(page, 'stage-4-link-menu');
    await page.locator('#stage-menu button', { hasText: 'Cut n0→n2 only' }).click();
    await page.waitForFunction(() => window.wasmBindings.playgroundState().cut_links.length === 1);
    let s = await state(page);
    assert.deepEqual(s.cut_links, [[0, 2]]);
    assert.deepEqual(lastAction(s), { at_tick: lastAction(s).at_tick, action: 'cut-link', from: 0, to: 2 });
    assert.equal(await page.locator('#cluster .link.half-cut').count(), 1, 'a half-cut link is drawn as such');
    await screenshot(page, 'stage-5-one-way-cut');
    await page.mouse.click(...Object.values(await linkPoint(page, 0, 2)));
    await page.locator('#stage-menu button', { hasText: 'Restore n0→n2 only' }).click();
    await page.waitForFunction(() => window.wasmBindings.playgroundState().cut_links.length === 0);
    s = await state(page);
    assert.equal(lastAction(s).action, 'repair-link');
    assertNoProblems(problems);
    await context.close();
  });

  test("a node's menu crashes and restarts it", async () => {
    const { context, page, problems } = await openPaused(session.browser, session.server.url);
    const n3 = await nodeCenter(page, 3);
    await page.mouse.click(n3.x, n3.y);
    await page.locator('#stage-menu .menu').waitFor();
    const menu = await page.locator('#stage-menu .menu').innerText();
    for (const label of ['Crash', 'Crash-stop', 'Pause 100 ticks', 'Isolate', 'Fire its election timer now', 'Send ']) {
      assert.ok(menu.includes(label), `the menu offers ${label}: ${menu}`);
    }
    assert.equal((await state(page)).nodes[3].status, 'up', 'a click alone harms nothing');
    await screenshot(page, 'stage-6-node-menu');
    await page.locator('#stage-menu button[data-act="crash"]').click();
    await page.waitForFunction(() => window.wasmBindings.playgroundState().nodes[3].status === 'crashed');
    assert.equal(lastAction(await state(page)).action, 'crash');
    await page.locator('#stage-menu button[data-act="restart"]').click();
    await page.waitForFunction(() => window.wasmBindings.playgroundState().nodes[3].status === 'up');
    assert.equal(lastAction(await state(page)).action, 'restart');
    // Escape closes the menu.
    await page.keyboard.press('Escape');
    await page.locator('#stage-menu .menu').waitFor({ state: 'detached' });
    assertNoProblems(problems);
    await context.close();
  });
});
