// Learners' doors, end to end in headless Chromium: an exercise solved
// through the UI (play, scrub back, crash the coordinator at the right
// moment) and marked solved, kept in local storage across a reload; the
// budget said when spent; "Show me" replaying the solution without
// counting it; and the guided tour of Raft, which waits for the reader to
// crash the leader (a follower will not do) and hands over the sandbox.
// Screenshots go to tests/e2e/screenshots/learn-*.png.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoProblems, openPlayground, screenshot, servePlayground, setSpeed } from './harness.mjs';

async function state(page) {
  return page.evaluate(() => window.wasmBindings.playgroundState());
}

async function openExercise(page, id) {
  await page.locator('#exercises > summary').click();
  const start = page.locator(`#exercise-list button[data-exercise="start:${id}"]`);
  await start.waitFor({ timeout: 20_000 });
  await start.click();
  await page.locator('#exercise-card:not([hidden])').waitFor();
}

/** Play until the shown time passes `tick`, then pause. */
async function playPast(page, tick) {
  await page.locator('#play').click();
  await page.waitForFunction((tick) => window.wasmBindings.playgroundState().view_tick > tick, tick, { timeout: 30_000 });
  await page.locator('#play').click();
  await page.waitForFunction(() => !window.wasmBindings.playgroundState().playing);
}

/** Drag the timeline to `tick`. */
async function scrubTo(page, tick) {
  await page.locator('#timeline').evaluate((slider, tick) => {
    slider.value = String(tick);
    slider.dispatchEvent(new Event('input', { bubbles: true }));
  }, tick);
}

describe('exercises and tours', () => {
  const session = servePlayground();

  test('an exercise solved through the UI is marked solved, and stays so', async () => {
    const { context, page, problems } = await openPlayground(session.browser, session.server.url, { width: 1440, height: 1000 });
    await openExercise(page, '2pc-block');
    const card = page.locator('#exercise-card');
    assert.match(await card.innerText(), /Block two-phase commit with one crash/);
    assert.match(await card.innerText(), /Budget used: crashes 0 of 1/);
    assert.match(await card.innerText(), /Not yet:/);
    // The first hint, on request.
    await card.getByRole('button', { name: /^Hint/ }).click();
    assert.match(await card.innerText(), /Hint 1:/);

    // Watch the Prepares go out and the votes come back, then go back to
    // the moment after the RMs voted and crash the coordinator there.
    await setSpeed(page, 6);
    await playPast(page, 80);
    await scrubTo(page, 54);
    await page.locator('#cluster').focus();
    await page.keyboard.press('0');
    await page.keyboard.press('c');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => window.wasmBindings.playgroundState().scenario.actions.some((a) => a.action === 'crash'));
    assert.deepEqual(
      (await state(page)).scenario.actions.filter((a) => a.action === 'crash'),
      [{ at_tick: 55, action: 'crash', node: 0 }],
    );
    await card.filter({ hasText: /Your actions meet the goal at tick \d+: play on/ }).waitFor();
    await setSpeed(page, 9);
    await page.locator('#play').click();
    await card.locator('.ex-solved').waitFor({ timeout: 30_000 });
    assert.match(await card.innerText(), /Solved: n1 and n2 have been blocked/);
    assert.match(await card.innerText(), /not live while the coordinator is down/, 'the explanation shows once solved');
    assert.equal(await page.evaluate(() => localStorage.getItem('faultline-solved')), '2pc-block');
    await screenshot(page, 'learn-1-solved-1440');

    // A reload keeps the progress (local storage, nothing sent anywhere).
    await page.reload();
    await page.locator('#cluster [data-node="0"]').waitFor({ state: 'attached' });
    await page.locator('#exercises > summary').click();
    await page.locator('#exercise-list li.solved').waitFor({ timeout: 20_000 });
    assert.match(await page.locator('#exercise-list').innerText(), /1 of 13 solved/);
    assert.match(await page.locator('#exercise-list li.solved').innerText(), /Block two-phase commit.*✓ solved/s);
    await page.setViewportSize({ width: 360, height: 800 });
    await screenshot(page, 'learn-2-list-360');
    assertNoProblems(problems);
    await context.close();
  });

  test('the budget is said when spent, and Show me replays the solution without counting it', async () => {
    const { context, page, problems } = await openPlayground(session.browser, session.server.url, { width: 1280, height: 1000 });
    await openExercise(page, '2pc-block');
    const card = page.locator('#exercise-card');
    await page.locator('#cluster').focus();
    for (const node of ['1', '2']) {
      await page.keyboard.press(node);
      await page.keyboard.press('c');
      await page.keyboard.press('Escape');
    }
    await card.filter({ hasText: 'Over the budget: 2 crashes, 1 allowed' }).waitFor();
    // Show me replaces the learner's run: the page asks first.
    const asked = [];
    page.once('dialog', (dialog) => {
      asked.push(dialog.message());
      dialog.accept();
    });
    await card.getByRole('button', { name: 'Show me' }).click();
    assert.match(asked[0] ?? '', /The 2 action\(s\) you made in this run will be lost/);
    await card.filter({ hasText: 'does not count as yours' }).waitFor();
    assert.deepEqual(
      (await state(page)).scenario.actions.filter((a) => a.action === 'crash').map((a) => [a.at_tick, a.node]),
      [[55, 0]],
      'the solution, replayed',
    );
    await setSpeed(page, 9);
    await card.locator('.ex-solved').waitFor({ timeout: 30_000 });
    assert.equal(await page.evaluate(() => localStorage.getItem('faultline-solved')), null);
    await screenshot(page, 'learn-3-show-me');
    assertNoProblems(problems);
    await context.close();
  });

  test("acting in the past keeps the exercise's own later actions", async () => {
    const { context, page, problems } = await openPlayground(session.browser, session.server.url, { width: 1280, height: 1000 });
    await openExercise(page, 'raft-local-reads');
    await setSpeed(page, 9);
    await playPast(page, 800);
    await scrubTo(page, 499);
    await page.locator('#cluster').focus();
    await page.keyboard.press('1');
    await page.keyboard.press('i');
    await page.keyboard.press('Escape');
    // The fork set aside the scripted requests after tick 500; the
    // exercise puts them back.
    await page.waitForFunction(() => {
      const actions = window.wasmBindings.playgroundState().scenario.actions;
      return actions.some((a) => a.action === 'isolate') && actions.filter((a) => a.action === 'client-request').length === 4;
    });
    const card = page.locator('#exercise-card');
    await card.filter({ hasText: /meet the goal at tick \d+/ }).waitFor();
    await page.locator('#play').click();
    await card.locator('.ex-solved').waitFor({ timeout: 30_000 });
    assertNoProblems(problems);
    await context.close();
  });

  test("the Raft tour waits for the reader to crash the leader, then hands over the sandbox", async () => {
    const { context, page, problems } = await openPlayground(session.browser, session.server.url, { width: 1440, height: 1000 });
    await page.locator('#exercises > summary').click();
    await page.getByRole('button', { name: 'Raft, step by step' }).click();
    const card = page.locator('#tour-card');
    await card.filter({ hasText: 'step 1 of' }).waitFor({ timeout: 20_000 });
    assert.match(await card.innerText(), /Five servers/);
    const next = card.getByRole('button', { name: 'Next' });
    // Steps 2 to 4 play the run to their situation and stop there.
    await next.click();
    await card.filter({ hasText: 'A timeout' }).waitFor();
    await page.locator('#app[data-run="paused"]').waitFor({ timeout: 20_000 });
    assert.equal(Math.floor((await state(page)).view_tick), 64);
    assert.equal((await state(page)).nodes[0].role, 'candidate');
    await next.click();
    await page.locator('#app[data-run="paused"]').waitFor({ timeout: 20_000 });
    await page.waitForFunction(() => window.wasmBindings.playgroundState().view_tick >= 82);
    assert.equal((await state(page)).nodes[0].role, 'leader');
    await next.click();
    await card.filter({ hasText: 'The log' }).waitFor();
    await setSpeed(page, 9);
    await page.waitForFunction(() => window.wasmBindings.playgroundState().view_tick >= 400, null, { timeout: 30_000 });
    await next.click();
    await card.filter({ hasText: 'Now crash the leader' }).waitFor();
    assert.equal(await next.isDisabled(), true, 'the tour waits for the reader');
    await screenshot(page, 'learn-4-tour-await-1440');

    // A follower's crash is not what was asked.
    const leader = (await state(page)).nodes.find((n) => n.role === 'leader').node;
    const follower = (await state(page)).nodes.find((n) => n.role === 'follower').node;
    await page.locator('#cluster').focus();
    await page.keyboard.press(String(follower));
    await page.keyboard.press('c');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => window.wasmBindings.playgroundState().scenario.actions.length === 1);
    assert.equal(await next.isDisabled(), true);
    await page.keyboard.press(String(leader));
    await page.keyboard.press('c');
    await page.keyboard.press('Escape');
    await card.filter({ hasText: 'Done: press Next' }).waitFor();
    assert.equal(await next.isDisabled(), false);
    await next.click();
    await card.filter({ hasText: 'A new election' }).waitFor();
    await page.setViewportSize({ width: 360, height: 800 });
    await screenshot(page, 'learn-5-tour-360');
    await card.getByRole('button', { name: 'Leave the tour' }).click();
    await page.locator('#tour-card[hidden]').waitFor({ state: 'attached' });
    assert.match(await page.locator('#notice').innerText(), /the run is yours/);
    assertNoProblems(problems);
    await context.close();
  });
});
