// The page holds still: paused, it requests no animation frames and changes
// nothing in the DOM; the In flight list does not move under the pointer;
// arrows step even when a button has focus. And it starts quickly: the
// default scenario's first leader within 3 seconds of load.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoProblems, openPlayground, screenshot, servePlayground } from './harness.mjs';

const QUIET_WINDOW_MS = 5_000;
const FIRST_LEADER_WITHIN_MS = 3_000;

/** Counts requestAnimationFrame calls and DOM mutations from page start. */
const COUNTERS = () => {
  window.__frames = 0;
  const request = window.requestAnimationFrame.bind(window);
  window.requestAnimationFrame = (callback) => {
    window.__frames += 1;
    return request(callback);
  };
  window.__mutations = [];
  const observer = new MutationObserver((records) => {
    for (const record of records) {
      const where = record.target.id || record.target.parentElement?.id || record.target.nodeName;
      window.__mutations.push(`${record.type} ${where} ${record.attributeName ?? ''}`);
    }
  });
  document.addEventListener('DOMContentLoaded', () =>
    observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true }),
  );
};

async function pauseAndSettle(page) {
  await page.getByRole('button', { name: 'Pause' }).click();
  await page.waitForFunction(() => document.querySelector('#app').dataset.run !== 'playing');
  // The check of the history may still finish its work; then all rests.
  await page.waitForFunction(() => !/checking/.test(document.querySelector('#verdict').textContent), null, {
    timeout: 20_000,
  });
  await page.waitForTimeout(300);
}

describe('stillness', () => {
  const session = servePlayground();

  test('the first leader is elected within 3 seconds of load at the default speed', async () => {
    const { context, page, problems } = await openPlayground(session.browser, session.server.url);
    await page.waitForFunction(() => document.querySelector('#cluster .node[data-role="leader"]'), null, {
      timeout: 20_000,
      polling: 'raf',
    });
    // performance.now() counts from the navigation's start.
    const electedMs = await page.evaluate(() => performance.now());
    assert.ok(electedMs <= FIRST_LEADER_WITHIN_MS, `first leader after ${Math.round(electedMs)} ms`);
    console.log(`first leader ${Math.round(electedMs)} ms after the navigation started`);
    assertNoProblems(problems);
    await context.close();
  });

  test('something moves within the first second of load', async () => {
    const { context, page, problems } = await openPlayground(session.browser, session.server.url);
    await page.waitForFunction(() => document.querySelector('#cluster-messages .msg-g'), null, {
      timeout: 5_000,
      polling: 'raf',
    });
    const movedMs = await page.evaluate(() => performance.now());
    assert.ok(movedMs <= 1_000, `the first message was drawn ${Math.round(movedMs)} ms after the navigation started`);
    console.log(`first message in flight ${Math.round(movedMs)} ms after the navigation started`);
    assertNoProblems(problems);
    await context.close();
  });

  test('with reduced motion, messages wait half way instead of gliding', async () => {
    const context = await session.browser.newContext({ viewport: { width: 1280, height: 1000 }, reducedMotion: 'reduce' });
    const page = await context.newPage();
    await page.goto(session.server.url);
    await page.waitForFunction(() => document.querySelectorAll('#cluster-messages .msg-g').length >= 2, null, {
      timeout: 10_000,
    });
    assert.equal(await page.locator('#cluster-messages animateTransform').count(), 0);
    await context.close();
  });

  test('a paused page requests no animation frames and changes nothing in the DOM', async () => {
    const context = await session.browser.newContext({ viewport: { width: 1280, height: 1000 } });
    await context.addInitScript(COUNTERS);
    const page = await context.newPage();
    await page.goto(session.server.url);
    await page.locator('#cluster [data-node="0"]').waitFor({ state: 'attached', timeout: 20_000 });
    await page.waitForFunction(() => window.wasmBindings.playgroundState().history_length >= 5, null, {
      timeout: 20_000,
    });
    await pauseAndSettle(page);
    const before = await page.evaluate(() => ({ frames: window.__frames, mutations: window.__mutations.length }));
    await page.waitForTimeout(QUIET_WINDOW_MS);
    const after = await page.evaluate(() => ({ frames: window.__frames, mutations: window.__mutations.slice() }));
    const newMutations = after.mutations.slice(before.mutations);
    assert.equal(after.frames - before.frames, 0, 'animation frames requested while paused');
    assert.deepEqual(newMutations, [], 'DOM changes while paused');
    assert.ok(before.frames > 10, `the counter saw the frames of the running page (${before.frames})`);

    // Text in the description can be selected and stays selected.
    await page.locator('#scenario-description').selectText();
    await page.waitForTimeout(1_000);
    const selected = await page.evaluate(() => String(window.getSelection()));
    assert.ok(selected.length > 50, `the selection survived: "${selected.slice(0, 40)}"`);
    await context.close();
  });

  test('arrows step while a button has focus, and the In flight list holds still under the pointer', async () => {
    const { context, page, problems } = await openPlayground(session.browser, session.server.url);
    await page.waitForFunction(() => document.querySelectorAll('#events li[data-msg-row]').length >= 3, null, {
      timeout: 20_000,
    });
    await pauseAndSettle(page);
    const stepOf = async () => Number(/step (\d+) of/.exec(await page.locator('#clock').textContent())[1]);
    const step = await stepOf();
    await page.getByRole('button', { name: 'Step' }).focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.equal(await stepOf(), step + 2, 'two arrows, two steps, with the Step button focused');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'step', 'focus stays on the button');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await stepOf(), step + 1, 'the left arrow steps back');

    // Hover the first row, play, and watch: the row under the pointer
    // stays the same message while others come and go.
    const firstRow = page.locator('#events li[data-msg-row]').first();
    const heldId = await firstRow.getAttribute('data-msg-row');
    const box = await firstRow.boundingBox();
    await page.mouse.move(box.x + 10, box.y + box.height / 2);
    await page.evaluate(() => document.activeElement.blur()); // Space on a button presses it
    await page.keyboard.press('Space');
    await page.waitForFunction((id) => document.querySelector(`#events li[data-key="m${id}"].gone button[disabled]`), heldId, {
      timeout: 20_000,
    });
    const under = await page.evaluate(
      ({ x, y }) => document.elementFromPoint(x, y)?.closest('li')?.dataset.key,
      { x: box.x + 10, y: box.y + box.height / 2 },
    );
    assert.equal(under, `m${heldId}`, 'the row under the pointer is still the same message');
    await screenshot(page, 'stillness-held-list');
    // The pointer leaves: the delivered message's row goes.
    await page.mouse.move(5, 5);
    await page.waitForFunction((id) => !document.querySelector(`#events li[data-key="m${id}"]`), heldId, {
      timeout: 5_000,
    });
    assertNoProblems(problems);
    await context.close();
  });
});
