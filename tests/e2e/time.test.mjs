// Travelling in time, in headless Chromium: scrub back on the timeline,
// act in the past (the future forks), undo the fork (the old future comes
// back); a safety violation stops the run with a banner that jumps to the
// step where it broke; manual mode steps the chosen event. Each checked
// against the page's state (wasmBindings.playgroundState()).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoProblems, openPlayground, screenshot, servePlayground, setSpeed } from './harness.mjs';

async function state(page) {
  return page.evaluate(() => window.wasmBindings.playgroundState());
}

async function pause(page) {
  if ((await page.evaluate(() => document.querySelector('#app').dataset.run)) === 'playing') {
    await page.getByRole('button', { name: 'Pause' }).click();
  }
  await page.waitForFunction(() => document.querySelector('#app').dataset.run !== 'playing');
}

/** Clicks the timeline's slider at `fraction` of its width, as a hand would. */
async function clickTimeline(page, fraction) {
  await page.locator('#timeline').scrollIntoViewIfNeeded();
  const box = await page.locator('#timeline').boundingBox();
  await page.mouse.click(box.x + box.width * fraction, box.y + box.height / 2);
}

describe('time', () => {
  const session = servePlayground();

  test('scrub back, act in the past to fork, and undo brings the old future back', async () => {
    const { context, page, problems } = await openPlayground(session.browser, session.server.url, {
      width: 1440,
      height: 1100,
    });
    await page.waitForFunction(() => window.wasmBindings.playgroundState().history_length >= 8, null, {
      timeout: 30_000,
    });
    await pause(page);
    const before = await state(page);
    await clickTimeline(page, 0.4);
    await page.waitForFunction((steps) => window.wasmBindings.playgroundState().position < steps, before.steps);
    const past = await state(page);
    assert.equal(past.steps, before.steps, 'scrubbing back keeps the future');
    assert.match(await page.locator('#clock').textContent(), /viewing the past/);
    await screenshot(page, 'time-1-scrubbed-back');

    // Crash n0 from its menu, here in the past: the future forks.
    const n0 = await page.evaluate(() => {
      const box = document.querySelector('#cluster [data-node="0"] circle').getBoundingClientRect();
      return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    });
    await page.mouse.click(n0.x, n0.y);
    await page.locator('#stage-menu button[data-act="crash"]').click();
    await page.waitForFunction(() => /forked a new future/.test(document.querySelector('#notice').textContent));
    const forked = await state(page);
    assert.ok(forked.steps < before.steps, `the old future was set aside (${forked.steps} < ${before.steps})`);
    assert.equal(forked.scenario.actions.at(-1).action, 'crash');
    assert.equal(forked.nodes[0].status, 'crashed');
    await screenshot(page, 'time-2-forked');

    // Ctrl+Z: the old scenario and its whole future, where we were.
    await page.keyboard.press('Control+z');
    await page.waitForFunction(() => /^Undid: crash n0/.test(document.querySelector('#notice').textContent));
    const undone = await state(page);
    assert.deepEqual(undone.scenario, before.scenario);
    assert.equal(undone.steps, before.steps, 'the discarded future is back, step for step');
    assert.equal(undone.position, past.position);
    assert.equal(undone.nodes[0].status, past.nodes[0].status);
    await screenshot(page, 'time-3-undone');
    // And Redo forks again.
    await page.getByRole('button', { name: 'Redo' }).click();
    assert.deepEqual((await state(page)).scenario, forked.scenario);
    assertNoProblems(problems);
    await context.close();
  });

  test('a safety violation stops the run with a banner naming it, which jumps to where it broke', async () => {
    const { context, page, problems } = await openPlayground(session.browser, session.server.url, {
      width: 1440,
      height: 1100,
    });
    await page.locator('#scenario-picker').selectOption('raft-figure-8');
    // Fetched when picked: set the speed once it is here.
    await page.waitForFunction(() => /figure 8/i.test(document.querySelector('#scenario-description').textContent), null, {
      timeout: 20_000,
    });
    await setSpeed(page, 9);
    const banner = page.locator('#banner .violation-banner');
    await banner.waitFor({ timeout: 30_000 });
    assert.match(await banner.textContent(), /Safety violated: leader completeness/);
    assert.match(await banner.textContent(), /Nodes: n\d/);
    assert.ok((await page.locator('#cluster .node.violating').count()) >= 1, 'the nodes it names stand out');
    assert.equal(await page.evaluate(() => document.querySelector('#app').dataset.run), 'ended');
    await screenshot(page, 'time-4-violation');
    // The timeline marks it; back to the start, the banner offers the jump.
    assert.equal(await page.locator('#timeline-strip .end.violation').count(), 1);
    await clickTimeline(page, 0.02);
    const jump = page.locator('#banner button.jump');
    await jump.waitFor();
    await jump.click();
    const s = await state(page);
    assert.equal(s.position, s.steps, 'the jump lands on the step where it broke');
    assertNoProblems(problems);
    await context.close();
  });

  test('clicking an arrow of the space-time diagram jumps to its delivery', async () => {
    const { context, page, problems } = await openPlayground(session.browser, session.server.url, {
      width: 1440,
      height: 1100,
    });
    await page.waitForFunction(() => document.querySelectorAll('.spacetime .msg.delivered').length >= 20, null, {
      timeout: 20_000,
    });
    await pause(page);
    await page.locator('#diagram-panel').scrollIntoViewIfNeeded();
    // An arrow in the middle of those drawn, at the middle of its path.
    const arrow = await page.evaluate(() => {
      const arrows = [...document.querySelectorAll('.spacetime .msg.delivered')];
      for (const candidate of arrows.slice(Math.floor(arrows.length / 2))) {
        const path = candidate.querySelector('path.hit');
        const point = path.getPointAtLength(path.getTotalLength() / 2);
        const screen = new DOMPoint(point.x, point.y).matrixTransform(path.getScreenCTM());
        if (document.elementFromPoint(screen.x, screen.y)?.closest('.msg') === candidate) {
          return { x: screen.x, y: screen.y, step: Number(candidate.dataset.step), title: candidate.querySelector('title').textContent };
        }
      }
      return null;
    });
    assert.ok(arrow, 'an arrow can be pointed at');
    await page.mouse.move(arrow.x, arrow.y);
    await screenshot(page, 'time-6-diagram-hover');
    await page.mouse.click(arrow.x, arrow.y);
    await page.waitForFunction((step) => window.wasmBindings.playgroundState().position === step + 1, arrow.step);
    assert.match(arrow.title, /^m\d+ /, 'the arrow names its message');
    assert.match(await page.locator('#clock').textContent(), /viewing the past/);
    await screenshot(page, 'time-7-diagram-jumped');
    assertNoProblems(problems);
    await context.close();
  });

  test('an operation under the pointer in the lanes is outlined in the diagram too', async () => {
    const { context, page, problems } = await openPlayground(session.browser, session.server.url, {
      width: 1440,
      height: 1100,
    });
    await page.waitForFunction(() => document.querySelectorAll('#lanes .op.done').length >= 3, null, { timeout: 20_000 });
    await pause(page);
    const op = await page.evaluate(() => {
      const drawn = [...document.querySelectorAll('#lanes .op.done')].map((g) => g.dataset.op);
      return drawn.find((op) => document.querySelector(`.spacetime [data-op="${op}"]`));
    });
    assert.ok(op !== undefined, 'an operation drawn in both');
    await page.locator(`#lanes [data-op="${op}"] rect`).hover();
    const width = await page.evaluate(
      (op) => getComputedStyle(document.querySelector(`.spacetime [data-op="${op}"] rect`)).strokeWidth,
      op,
    );
    assert.equal(width, '3px', `#${op} is outlined in the diagram`);
    assertNoProblems(problems);
    await context.close();
  });

  test('manual mode: Play says why it waits, and the chosen message is delivered next', async () => {
    const { context, page, problems } = await openPlayground(session.browser, session.server.url, {
      width: 1440,
      height: 1100,
    });
    await page.waitForFunction(() => document.querySelectorAll('#events li[data-msg-row]').length >= 3, null, {
      timeout: 20_000,
    });
    await page.locator('#manual').check();
    await page.getByRole('button', { name: 'Play' }).click();
    assert.match(await page.locator('#notice').textContent(), /Manual mode: choose the next event/);
    // The last message that can be chosen: not the one due first. (One due
    // at the current tick cannot be put off: it happens first.)
    const rows = page.locator('#events li[data-msg-row]:has(button[data-act="deliver"])');
    const chosen = Number(await rows.last().getAttribute('data-msg-row'));
    const dueNow = await page.locator('#events li[data-msg-row]:has(.due-now)').evaluateAll((items) =>
      items.map((item) => Number(item.dataset.msgRow)),
    );
    const before = await state(page);
    await rows.last().locator('button', { hasText: 'Deliver next' }).click();
    await page.waitForFunction(
      (id) => !window.wasmBindings.playgroundState().in_flight.some((m) => m.id === id),
      chosen,
    );
    const after = await state(page);
    assert.equal(after.scenario.actions.at(-1).action, 'deliver-message');
    assert.equal(after.scenario.actions.at(-1).message, chosen);
    // Every other message is still in flight: only the chosen one moved.
    const others = before.in_flight.filter((m) => m.id !== chosen && !dueNow.includes(m.id)).map((m) => m.id);
    const still = after.in_flight.map((m) => m.id);
    for (const id of others) assert.ok(still.includes(id), `m${id} was not delivered too`);
    await screenshot(page, 'time-5-manual-step');
    assertNoProblems(problems);
    await context.close();
  });
});
