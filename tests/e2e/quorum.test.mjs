// Partitioning and quorums in the page, end to end in headless Chromium:
// the quorum store's ring as a node joins, leaves and joins again (keys
// pulse and are counted); the CAP scenario's verdict and the scorecard
// that replays its faults on every key-value protocol, a row opening its
// run; and the book's 5 → 6 experiment on the page's word list, bars
// moving as a partition is added. Screenshots go to
// tests/e2e/screenshots/quorum-*.png.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoProblems, openPlayground, screenshot, servePlayground, setSpeed } from './harness.mjs';

async function state(page) {
  return page.evaluate(() => window.wasmBindings.playgroundState());
}

/** The ring panel's sentence about the last join or leave. */
async function ringChange(page) {
  return page.locator('#ring .ring-change').textContent();
}

async function waitForRing(page, pattern, timeout = 30_000) {
  await page.waitForFunction(
    (source) => new RegExp(source).test(document.querySelector('#ring .ring-change')?.textContent ?? ''),
    pattern.source,
    { timeout },
  );
}

describe('the quorum store', () => {
  const session = servePlayground();

  test('the ring counts the keys that move when a node joins and when one leaves', async () => {
    const { context, page, problems } = await openPlayground(session.browser, session.server.url, { width: 1440, height: 1100 });
    await page.locator('#scenario-picker').selectOption('quorum-add-node');
    await page.locator('#ring-section:not([hidden])').waitFor({ timeout: 20_000 });
    assert.match(await ringChange(page), /No node has joined or left yet/);
    assert.equal(await page.locator('#ring .vnode').count(), 5 * 8, 'five members, eight points each');
    await setSpeed(page, 9);
    await waitForRing(page, /n5 joined at tick 400: \d+ of 8 keys changed replicas/);
    // Pause at once: the run must not reach its end before n2 leaves.
    await page.locator('#play').click();
    await page.locator('#app[data-run="paused"]').waitFor();
    const said = await ringChange(page);
    const moved = Number(/(\d+) of 8 keys/.exec(said)[1]);
    assert.ok(moved > 0, said);
    // The marked keys are the ones counted, and each pulses (a CSS animation).
    assert.equal(await page.locator('#ring .key.moved').count(), moved);
    const animation = await page.locator('#ring .key.moved circle').first().evaluate((c) => getComputedStyle(c).animationName);
    assert.equal(animation, 'ring-moved');
    assert.equal(await page.locator('#ring .vnode').count(), 6 * 8);
    await screenshot(page, 'quorum-1-joined');

    // n2 leaves, from the keyboard: select it, R.
    await page.locator('#cluster').focus();
    await page.keyboard.press('2');
    await page.keyboard.press('r');
    await page.waitForFunction(() =>
      window.wasmBindings.playgroundState().scenario.actions.some((a) => a.action === 'remove-node' && a.node === 2),
    );
    await page.keyboard.press('Space');
    await waitForRing(page, /n2 left at tick \d+: \d+ of 8 keys changed replicas, each to the next node clockwise/);
    // n2 held a replica of some key: every one of them moved.
    const left = Number(/(\d+) of 8 keys/.exec(await ringChange(page))[1]);
    assert.ok(left > 0);
    // A node joins from the button; the ring has it.
    await page.locator('#add-node').click();
    await waitForRing(page, /n6 joined at tick \d+/);
    // Pause with the button (Space would press Add a node again: it has focus).
    await page.locator('#play').click();
    assert.match(await page.locator('#ring .ring-members').textContent(), /n6/);
    assert.doesNotMatch(await page.locator('#ring .ring-members').textContent(), /n2/);
    // n2 is drawn as having left, and its menu has nothing to offer.
    await page.locator('#cluster').focus();
    await page.keyboard.press('2');
    await page.waitForFunction(() => /n2 left the cluster/.test(document.querySelector('#stage-menu')?.textContent ?? ''));
    assert.equal(await page.locator('#stage-menu button[data-act="isolate"]').count(), 0);
    assert.doesNotMatch(await page.locator('#notice').textContent(), /Could not/, 'nothing was refused');
    await screenshot(page, 'quorum-2-left-and-joined');
    assertNoProblems(problems);
    await context.close();
  });

  test('the CAP scenario answers with the old value, and the scorecard compares every protocol on its faults', async () => {
    const { context, page, problems } = await openPlayground(session.browser, session.server.url, { width: 1440, height: 1100 });
    await page.locator('#scenario-picker').selectOption('quorum-cap');
    await page.locator('#ring-section:not([hidden])').waitFor({ timeout: 20_000 });
    await setSpeed(page, 9);
    await page.locator('#app[data-run="ended"]').waitFor({ timeout: 30_000 });
    // The read across the partition returned nothing (the value before the
    // write): not linearizable, as an eventually consistent store may be.
    await page.locator('#verdict[data-verdict="not-linearizable-expected"]').waitFor({ timeout: 30_000 });
    await page.waitForFunction(() =>
      /An eventually consistent store promises that replicas converge/.test(
        document.querySelector('#verdict-explanation [data-convergent]')?.textContent ?? '',
      ),
    );

    await page.locator('#scorecard-details summary').click();
    await page.locator('#compare').click();
    await page.locator('table.scorecard tbody tr').nth(5).waitFor({ timeout: 30_000 });
    const rows = await page.locator('table.scorecard tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('th, td')].slice(0, 5).map((c) => c.textContent)),
    );
    assert.deepEqual(rows, [
      ['Raft', '0 of 2', 'yes', 'linearizable', 'yes'],
      ['Primary–backup', '2 of 2', 'no', 'sequentially consistent', 'no'],
      ['Quorum store, N = 3, R = W = 1', '2 of 2', 'no', 'sequentially consistent', 'yes'],
      ['Quorum store, N = 3, R = W = 2', '1 of 2', 'yes', 'linearizable', 'yes'],
      ['Quorum store, N = 3, R = W = 2, sloppy', '1 of 2', 'yes', 'linearizable', 'yes'],
      ['CRDT LWW-register', '2 of 2', 'no', 'sequentially consistent', 'yes'],
    ]);
    await page.locator('#scorecard-panel').scrollIntoViewIfNeeded();
    await screenshot(page, 'quorum-3-scorecard');

    // A row opens that protocol's run of the same faults.
    await page.locator('button[data-contender="0"]').click();
    await page.waitForFunction(() => window.wasmBindings.playgroundState().scenario.protocol.name === 'raft');
    const opened = (await state(page)).scenario;
    assert.deepEqual(
      opened.actions.map((a) => a.action),
      ['partition', 'client-request', 'client-request', 'heal', 'client-request'],
    );
    assert.match(await page.locator('#notice').textContent(), /Opened the scorecard's run on raft/);
    assert.equal(await page.locator('#ring-section').getAttribute('hidden'), '', 'Raft keeps no ring');
    assertNoProblems(problems);
    await context.close();
  });

  test('the book\'s experiment: bars move when a partition is added', async () => {
    for (const width of [1440, 360]) {
      const { context, page, problems } = await openPlayground(session.browser, session.server.url, { width, height: 1000 });
      await page.locator('#experiment-details summary').click();
      await page.locator('#experiment figure.strategy').nth(3).waitFor({ timeout: 20_000 });
      assert.match(await page.locator('#experiment [data-partitions-now]').textContent(), /5 partitions/);
      assert.equal(await page.locator('#experiment .bar').count(), 4 * 5);
      const heightsBefore = await page.locator('#experiment figure.strategy').nth(0).locator('.bar').evaluateAll((bars) => bars.map((b) => b.style.height));
      // Mark the first strategy's bars (a property, not an attribute): the
      // same elements must be there after the click, resized.
      await page.locator('#experiment figure.strategy').nth(0).locator('.bar').evaluateAll((bars) => bars.forEach((b, i) => { b.__mark = i; }));
      await page.locator('#experiment button[data-partitions="1"]').click();
      await page.waitForFunction(() => /6 partitions/.test(document.querySelector('#experiment [data-partitions-now]')?.textContent ?? ''));
      assert.equal(await page.locator('#experiment .bar').count(), 4 * 6);
      // The first five bars are the same elements, resized (they transition).
      const heightsAfter = await page.locator('#experiment figure.strategy').nth(0).locator('.bar').evaluateAll((bars) => bars.map((b) => b.style.height));
      assert.equal(heightsAfter.length, 6);
      assert.notDeepEqual(heightsAfter.slice(0, 5), heightsBefore);
      const marks = await page.locator('#experiment figure.strategy').nth(0).locator('.bar').evaluateAll((bars) => bars.map((b) => b.__mark ?? null));
      assert.deepEqual(marks, [0, 1, 2, 3, 4, null], 'the five bars stayed, one was added');
      const transition = await page.locator('#experiment .bar').first().evaluate((b) => getComputedStyle(b).transitionProperty);
      assert.match(transition, /height/);
      const moved = await page.locator('#experiment [data-moved]').evaluateAll((els) => els.map((e) => parseFloat(e.textContent)));
      // Range ~ half, mod n ~ 1 − 1/6, consistent hashing and a directory ~ 1/6.
      assert.ok(moved[0] > 40 && moved[0] < 60, `range moved ${moved[0]}%`);
      assert.ok(moved[1] > 78 && moved[1] < 88, `mod n moved ${moved[1]}%`);
      assert.ok(moved[2] > 10 && moved[2] < 25, `consistent hashing moved ${moved[2]}%`);
      assert.ok(moved[3] > 15 && moved[3] < 18, `the directory moved ${moved[3]}%`);
      await page.locator('#experiment-panel').scrollIntoViewIfNeeded();
      await page.waitForTimeout(700); // the bars' transition
      await screenshot(page, `quorum-4-experiment-${width}`);
      assertNoProblems(problems);
      await context.close();
    }
  });
});
