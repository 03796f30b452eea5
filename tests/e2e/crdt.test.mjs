// CRDTs in the page, end to end in headless Chromium: the shopping cart
// played by hand. Three OR-Set replicas; n0 is dragged away from the others
// (a partition), items are added and removed on both sides through the
// replicas' menus, each side shows its own cart, the network heals, and
// every replica shows the same converged cart, the remove of an item that
// was added again on the other side notwithstanding. The verdict says what
// a CRDT does and does not guarantee. Screenshots go to
// tests/e2e/screenshots/crdt-*.png.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoProblems, openPlayground, screenshot, servePlayground, setSpeed } from './harness.mjs';

async function state(page) {
  return page.evaluate(() => window.wasmBindings.playgroundState());
}

/** The value each replica shows under it, by node number. */
async function carts(page) {
  return page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('#cluster .node')].map((n) => [n.dataset.node, n.querySelector('.caption')?.textContent]),
    ),
  );
}

async function nodeCenter(page, n) {
  return page.evaluate((n) => {
    const box = document.querySelector(`#cluster [data-node="${n}"] circle`).getBoundingClientRect();
    return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  }, n);
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

/** Through node `n`'s menu: type `item`, press the operation's button. */
async function request(page, n, operation, item) {
  const field = page.locator(`#stage-menu [data-request-value="${n}"]`);
  // A click on the node opens its menu (a click on the node whose menu is
  // open closes it: that menu is already there).
  if ((await field.count()) === 0) {
    const at = await nodeCenter(page, n);
    await page.mouse.click(at.x, at.y);
  }
  await field.fill(String(item));
  const before = (await state(page)).scenario.actions.length;
  await page.locator(`#stage-menu button[data-act="crdt"][data-operation="${operation}"][data-node="${n}"]`).click();
  await page.waitForFunction((before) => window.wasmBindings.playgroundState().scenario.actions.length > before, before);
  const recorded = (await state(page)).scenario.actions.at(-1);
  assert.equal(recorded.action, 'client-request');
  assert.equal(recorded.operation, operation);
  assert.equal(recorded.node, n);
}

async function waitForCarts(page, wanted, timeout = 30_000) {
  await page.waitForFunction(
    (wanted) =>
      Object.entries(wanted).every(
        ([n, cart]) => document.querySelector(`#cluster [data-node="${n}"] .caption`)?.textContent === cart,
      ),
    wanted,
    { timeout },
  );
}

/** Whether each replica (by node number) carries the "diverged" mark. */
async function divergedMarks(page) {
  return page.evaluate(() => [0, 1, 2].map((n) => !!document.querySelector(`#cluster [data-node="${n}"] .tag-diverged`)));
}

async function waitForStats(page, text) {
  await page.waitForFunction((text) => document.querySelector('#stats')?.textContent.includes(text), text, { timeout: 10_000 });
}

describe('CRDTs', () => {
  const session = servePlayground();

  test('the shopping cart by hand: partition, update both sides, heal, converge', async () => {
    const { context, page, problems } = await openPlayground(session.browser, session.server.url, { width: 1440, height: 1100 });
    await page.locator('#scenario-picker').selectOption('crdt-cart');
    await page.locator('#cluster [data-node="2"]').waitFor({ state: 'attached', timeout: 20_000 });
    assert.match(await page.locator('#scenario-description').textContent(), /observed-remove set/);
    await setSpeed(page, 5); // 100 ticks/s
    await waitForCarts(page, { 0: '{}', 1: '{}', 2: '{}' });

    // Item 1 in the cart at n0, and gossip takes it everywhere.
    await request(page, 0, 'add', 1);
    await waitForCarts(page, { 0: '{1}', 1: '{1}', 2: '{1}' });

    // n0 dragged away from the others: a partition.
    const corner = await page.evaluate(() => {
      const box = document.querySelector('#cluster').getBoundingClientRect();
      return { x: box.x + 40, y: box.y + 40 };
    });
    await drag(page, await nodeCenter(page, 0), corner);
    await page.waitForFunction(() => window.wasmBindings.playgroundState().islands.length === 2);
    assert.deepEqual((await state(page)).islands, [[0], [1, 2]]);

    // On n0's side, item 1 out and item 2 in; on the other side, item 1
    // again (its shopper never saw the remove) and item 3.
    await request(page, 0, 'remove', 1);
    await request(page, 0, 'add', 2);
    await request(page, 1, 'add', 1);
    await request(page, 2, 'add', 3);
    await waitForCarts(page, { 0: '{2}', 1: '{1 3}', 2: '{1 3}' });
    // Each side reads its own cart: no single order of the operations
    // explains both reads.
    await request(page, 0, 'read', 0);
    await request(page, 1, 'read', 0);
    // The side panels follow a frame or two behind the drawing.
    await waitForStats(page, 'replicas: diverge: n0 {2} · n1 {1 3} · n2 {1 3}');
    const colours = await page.evaluate(() =>
      [0, 1, 2].map((n) => getComputedStyle(document.querySelector(`#cluster [data-node="${n}"] circle`)).stroke),
    );
    assert.notEqual(colours[0], colours[1], 'a diverged replica stands out');
    assert.equal(colours[1], colours[2], 'replicas that agree look alike');
    // Each is marked diverged in words too: each disagrees with another.
    assert.deepEqual(await divergedMarks(page), [true, true, true]);
    await screenshot(page, 'crdt-1-diverged');

    // Heal, and every replica converges on {1 2 3}: the remove at n0 took
    // away only the add of 1 it had seen.
    await page.keyboard.press('h');
    await page.waitForFunction(() => window.wasmBindings.playgroundState().cut_links.length === 0);
    await waitForCarts(page, { 0: '{1 2 3}', 1: '{1 2 3}', 2: '{1 2 3}' });
    await waitForStats(page, 'replicas: agree on {1 2 3}');
    await page.waitForFunction(() => document.querySelectorAll('#cluster .tag-diverged').length === 0);
    // The moment they converged is a milestone on the timeline and a flag
    // in the space-time diagram.
    const convergedTitle = /replicas converged on \{1 2 3\} after \d+ ticks apart/;
    await page.waitForFunction(
      (source) => [...document.querySelectorAll('#diagram-panel .milestone title')].some((t) => new RegExp(source).test(t.textContent)),
      convergedTitle.source,
    );
    // The timeline, like the side panels, follows a frame or two behind.
    await page.waitForFunction(
      (source) =>
        [...document.querySelectorAll('#timeline-strip .mark.milestone title')].some((t) => new RegExp(source).test(t.textContent)),
      convergedTitle.source,
    );

    // The inspector shows n0's internal state: item 1's surviving tag is n1's.
    await page.locator('#cluster').focus();
    await page.keyboard.press('0');
    await page.waitForFunction(() => /adds seen/.test(document.querySelector('#inspector')?.innerText ?? ''));
    assert.match(await page.locator('#inspector').innerText(), /1: n1#1 · 2: n0#2 · 3: n2#1 · adds seen n0:2 n1:1 n2:1/);

    // The verdict: not linearizable, as a CRDT may be, and what it satisfied.
    await page.locator('#verdict[data-verdict="not-linearizable-expected"]').waitFor({ timeout: 30_000 });
    await page.waitForFunction(
      () => /converged after the heal/.test(document.querySelector('#verdict-explanation [data-convergent]')?.textContent ?? ''),
      null,
      { timeout: 30_000 },
    );
    const said = await page.locator('#verdict-explanation [data-convergent]').textContent();
    // Each shopper stays with its replica (client n sends to node n), so
    // each reads its own writes.
    assert.match(said, /not linearizable — as expected of a CRDT under partition; converged after the heal; read-your-writes: yes; monotonic reads: yes/);
    await screenshot(page, 'crdt-2-converged');
    assertNoProblems(problems);
    await context.close();
  });

  test('a request with no number is refused with a reason, and nothing is recorded', async () => {
    const { context, page, problems } = await openPlayground(session.browser, session.server.url, { width: 1440, height: 1100 });
    await page.locator('#scenario-picker').selectOption('crdt-cart');
    await page.locator('#cluster [data-node="2"]').waitFor({ state: 'attached', timeout: 20_000 });
    const at = await nodeCenter(page, 1);
    await page.mouse.click(at.x, at.y);
    await page.locator('#stage-menu [data-request-value="1"]').fill('');
    await page.locator('#stage-menu button[data-act="crdt"][data-operation="add"]').click();
    await page.waitForFunction(() => /Type a whole number/.test(document.querySelector('#notice')?.textContent ?? ''));
    assert.equal((await state(page)).scenario.actions.length, 0);
    // Enter in the field sends the first operation (add).
    await page.locator('#stage-menu [data-request-value="1"]').fill('4');
    await page.locator('#stage-menu [data-request-value="1"]').press('Enter');
    await page.waitForFunction(() => window.wasmBindings.playgroundState().scenario.actions.length === 1);
    const recorded = (await state(page)).scenario.actions[0];
    assert.equal(recorded.operation, 'add');
    assert.equal(recorded.element, 4);
    assertNoProblems(problems);
    await context.close();
  });
});

describe('CRDTs in shared links', () => {
  const session = servePlayground();

  test('a shared link to a CRDT run opens that run', async () => {
    const opened = await openPlayground(session.browser, session.server.url);
    const cart = await opened.page.evaluate(() =>
      JSON.stringify({ version: 1, seed: 1, protocol: { name: 'crdt', nodes: 2, data_type: 'or-set' } }),
    );
    const fragment = await opened.page.evaluate((json) => window.wasmBindings.scenarioFragment(json), cart);
    await opened.context.close();
    const { context, page, problems } = await openPlayground(session.browser, `${session.server.url}#${fragment}`);
    await page.locator('#cluster [data-node="1"]').waitFor({ state: 'attached', timeout: 20_000 });
    const shown = (await state(page)).scenario.protocol;
    assert.equal(shown.name, 'crdt');
    assert.equal(shown.data_type, 'or-set');
    const offered = await page.locator('#scenario-picker option').evaluateAll((options) => options.map((o) => o.value));
    assert.ok(offered.includes('crdt-cart'), `the CRDT scenarios are offered: ${offered}`);
    assertNoProblems(problems);
    await context.close();
  });
});
