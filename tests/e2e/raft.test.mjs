// Raft in the page, end to end in headless Chromium: the default five-node
// cluster elects a leader; clicking the leader crashes it and a new leader
// of a later term takes over, and reads show the values appended to their
// key; the book's puzzle III opens from the built-in list and ends with n1
// leading, #9 committed.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoProblems, openPlayground, screenshot, servePlayground, setSpeed } from './harness.mjs';


/** The current leader: { node, term }, or null. Read in one call. */
async function leader(page) {
  return page.evaluate(() => {
    const node = document.querySelector('#cluster .node[data-role="leader"]');
    if (!node) return null;
    const term = parseInt(node.querySelector(".tag-term")?.textContent.slice(1), 10);
    const box = node.querySelector('circle').getBoundingClientRect();
    return { node: Number(node.dataset.node), term, x: box.x + box.width / 2, y: box.y + box.height / 2 };
  });
}

describe('raft', () => {
  const session = servePlayground();

  test('crashing the leader by clicking it elects a new one in a later term', async () => {
    const { context, page, problems } = await openPlayground(session.browser, session.server.url, { height: 1200 });
    await page.locator('#cluster [data-node="4"]').waitFor({ state: 'attached', timeout: 20_000 });
    await setSpeed(page, 5); // 100 ticks/s
    await page.waitForFunction(() => document.querySelector('#cluster .node[data-role="leader"]'), null, { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelectorAll('#cluster .node .entry.settled').length >= 5, null, { timeout: 30_000 });
    const first = await leader(page);
    assert.ok(first.term >= 1);
    // A leader voted for itself in its term, and the node shows it.
    const leaderVote = await page.locator(`#cluster [data-node="${first.node}"] .tag-vote`).textContent();
    assert.ok(leaderVote.startsWith(`vote n${first.node}`), leaderVote);
    await screenshot(page, 'raft-1-leader-elected');

    // A click opens the leader's menu; its first button crashes it.
    await page.mouse.click(first.x, first.y);
    await page.locator('#stage-menu button[data-act="crash"]').click();
    await page.locator(`#cluster [data-node="${first.node}"].crashed`).waitFor({ state: 'attached', timeout: 5_000 });
    await page.waitForFunction(
      (old) => {
        const node = document.querySelector('#cluster .node[data-role="leader"]');
        return node && Number(node.dataset.node) !== old;
      },
      first.node,
      { timeout: 30_000 },
    );
    const second = await leader(page);
    assert.notEqual(second.node, first.node);
    assert.ok(second.term > first.term, `new leader's term ${second.term} is not after ${first.term}`);
    await screenshot(page, 'raft-2-new-leader-after-crash');
    // Reads go through the log: the history stays linearizable.
    await page.waitForFunction(() => document.querySelector('#verdict')?.dataset.verdict === 'linearizable', null, { timeout: 30_000 });
    // Appends are in the lanes, and some read returned more than one value
    // (every value appended since its key's last put).
    await page.waitForFunction(
      () => document.querySelector('#lanes .op.append.done')
        && [...document.querySelectorAll('#lanes .op.read.done title')].some((title) => / → \d+ \d+/.test(title.textContent)),
      null,
      { timeout: 30_000 },
    );
    await page.waitForFunction(() => document.querySelector('#verdict')?.dataset.verdict === 'linearizable', null, { timeout: 30_000 });
    await screenshot(page, 'raft-2b-appends-in-the-lanes');
    assertNoProblems(problems);
    await context.close();
  });

  test("the book's puzzle III opens from the built-in list and n1 wins", async () => {
    const { context, page, problems } = await openPlayground(session.browser, session.server.url, { height: 1200 });
    await page.locator('#scenario-picker').selectOption('raft-puzzle-3');
    // The puzzle is fetched when picked: its description shows once it is here.
    await page.waitForFunction(() => /only n1 can win/i.test(document.querySelector('#scenario-description').textContent), null, {
      timeout: 20_000,
    });
    await page.locator('#cluster [data-node="2"]').waitFor({ state: 'attached', timeout: 20_000 });
    await setSpeed(page, 6); // 200 ticks/s
    await page.waitForFunction(() => document.querySelector('#cluster .node[data-role="leader"]'), null, { timeout: 30_000 });
    assert.equal((await leader(page)).node, 1);
    // #9 ends committed on n1 and n2.
    await page.waitForFunction(
      () => [1, 2].every((n) => document.querySelectorAll(`#cluster [data-node="${n}"] .entry.settled`).length >= 7),
      null,
      { timeout: 30_000 },
    );
    await screenshot(page, 'raft-3-puzzle-3');
    assertNoProblems(problems);
    await context.close();
  });
});
